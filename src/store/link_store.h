/* The links a MAH adds to its products' Digital Links (migration 0096, domain/product_link). */
#ifndef PX_LINK_STORE_H
#define PX_LINK_STORE_H

#include "product_link.h"
#include "store.h"

/* Replaces the product's links with v[0..n) (checked by px_link_check); not_found for a GTIN
 * the tenant does not own. Inside the caller's transaction. */
px_rc px_store_links_put(px_db *db, const char *tenant_id, const char *gtin,
                         const px_product_link *v, int n, px_err *err);
/* The product's links in their order into out (at most max). tenant_id NULL: the public read
 * of the resolver (any product); else not_found for a GTIN the tenant does not own. */
px_rc px_store_links_get(px_db *db, const char *tenant_id, const char *gtin, px_product_link *out,
                         int *n, int max, px_err *err);

#endif
