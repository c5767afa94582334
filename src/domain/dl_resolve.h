/* dl_resolve — what a GS1 Digital Link resolver answers to one request (the GS1-Conformant
 * Resolver Standard): the verification page, the linkset, the verdict as JSON, or a redirect to
 * one link type. Pure: the caller passes the request's linkType and Accept header. */
#ifndef PX_DL_RESOLVE_H
#define PX_DL_RESOLVE_H

#include <stddef.h>

typedef enum px_resolve_answer {
    PX_RESOLVE_PAGE = 0, /* text/html: the verification page (packid hosts the default link) */
    PX_RESOLVE_LINKSET,  /* RFC 9264 linkset, application/linkset+json */
    PX_RESOLVE_JSON,     /* {"verdict": …}, application/json */
    PX_RESOLVE_LINK      /* 307 to the link of type `suffix`, 404 when there is none */
} px_resolve_answer;

/* Chooses the answer. link_type: ?linkType or NULL; accept: the Accept header or NULL.
 * suffix (cap bytes): the link type without its vocabulary (for PX_RESOLVE_LINK). */
px_resolve_answer px_resolve_choose(const char *accept, const char *link_type, char *suffix,
                                    size_t cap);

/* How much a request's Accept-Language (RFC 9110 §12.5.4) wants a link in language lang
 * (a BCP 47 tag), in thousandths: the q of the language range closest to it — the tag
 * itself, a range that is a prefix of it ("en" for "en-GB", RFC 4647 §3.3.1), a range it is
 * a prefix of ("es-ES" for "es", as §3.4's lookup truncates), "*" — letters in any case;
 * -1 when no range matches, the header is absent or lang is empty. Used to choose among
 * links of one type (the GS1-Conformant Resolver Standard). */
int px_resolve_language_q(const char *accept_language, const char *lang);

/* The link type without the GS1 Web Vocabulary namespace: "gs1:pip", "pip",
 * "https://ref.gs1.org/voc/pip", "https://gs1.org/voc/pip" and "https://www.gs1.org/voc/pip"
 * all give "pip" (the three namespaces of the GS1 Web Vocabulary are equivalent, so link types
 * are compared by their suffix). */
const char *px_link_type_suffix(const char *link_type);

#endif
