/* dl_resolve — what a GS1 Digital Link resolver answers to one request (DOMAIN-2.md §12.1):
 * the verification page, the linkset, the verdict as JSON, or a redirect to one link type.
 * Pure: the caller passes the request's linkType and Accept header. */
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

/* The link type without the GS1 Web Vocabulary namespace: "gs1:pip", "pip",
 * "https://ref.gs1.org/voc/pip", "https://gs1.org/voc/pip" and "https://www.gs1.org/voc/pip"
 * all give "pip" (§12.2: "compare link types after normalising to the suffix"). */
const char *px_link_type_suffix(const char *link_type);

#endif
