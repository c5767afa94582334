/* product_link — the links a MAH adds to its product's Digital Link (docs/resolver.md "Links
 * of the MAH"): a GS1 Web Vocabulary link type, an https target, a title and optionally the
 * target's language and media type. Pure: the rules of one link; the resolver's linkset and
 * page show what passes. */
#ifndef PX_PRODUCT_LINK_H
#define PX_PRODUCT_LINK_H

#include "px_err.h"

#define PX_LINKS_MAX 16            /* links per product */
#define PX_LINK_HREF_MAX 1024      /* bytes */
#define PX_LINK_TITLE_MAX 200      /* characters (UTF-8 code points) */
#define PX_LINK_MEDIA_MAX 80       /* bytes */

typedef struct px_product_link {
    char type[32];                          /* the vocabulary suffix: "pip", "epil", … */
    char href[PX_LINK_HREF_MAX + 1];
    char title[PX_LINK_TITLE_MAX * 4 + 1];  /* UTF-8 */
    char lang[6];                           /* "" or "en", "en-US" */
    char media_type[PX_LINK_MEDIA_MAX + 1]; /* "" or "application/pdf", … */
} px_product_link;

/* 1 when suffix (a link type without its vocabulary) is a GS1 Web Vocabulary link type a MAH
 * may set; 0 for an unknown one and for the types the resolver itself answers. */
int px_link_type_settable(const char *suffix);

/* Checks one link and fills out (type normalised to its suffix). lang and media_type may be
 * NULL or "". On failure err names the member ("link_type", "href", "title", "lang",
 * "media_type") and the rule: unknown_link_type, reserved_link_type, invalid_url,
 * invalid_value. */
px_rc px_link_check(px_product_link *out, const char *type, const char *href, const char *title,
                    const char *lang, const char *media_type, px_err *err);

#endif
