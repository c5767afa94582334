/* The links a MAH adds to its products' Digital Links (docs/resolver.md "Links of the MAH"). */
#ifndef PX_LINKS_H
#define PX_LINKS_H

#include "link_store.h"
#include "service.h"

/* One link as a client sent it (members may be NULL when absent). */
typedef struct px_link_in {
    const char *link_type, *href, *title, *lang, *media_type;
} px_link_in;

/* PUT /v1/products/{gtin}/links {"links": [...]}: replaces the product's links (0..16, each per
 * px_link_check, no two with the same type, href and language; audited). Field errors name
 * "links[i].member". */
px_rc px_svc_links_put(px_db *db, const px_actor *by, const char *gtin, const px_link_in *in,
                       int n, px_err *err);
/* GET /v1/products/{gtin}/links: the product's links (out holds PX_LINKS_MAX). */
px_rc px_svc_links_get(px_db *db, const px_actor *by, const char *gtin, px_product_link *out,
                       int *n, px_err *err);
/* The links of the product the resolver answers for (gtin normalised), any MAH's. */
px_rc px_svc_links_public(px_db *db, const char *gtin, px_product_link *out, int *n,
                          px_err *err);

#endif
