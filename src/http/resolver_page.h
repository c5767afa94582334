/* The resolver's page for a person (docs/resolver.md "The verification page"): the verdict in
 * words, the pack's public data, the MAH's links; plain HTML under a policy that allows no
 * script and nothing from elsewhere. The refusal page is px__resolver_error_page (request.h). */
#ifndef PX_HTTP_RESOLVER_PAGE_H
#define PX_HTTP_RESOLVER_PAGE_H

#include "links.h"
#include "request.h"
#include "scans.h"

/* Answers 200 with the page of v for the pack gtin/serial (serial "" for a product's own
 * code); anchor is the item's Digital Link, ext[0..next) the MAH's links. */
void px__resolver_page(px_req *r, const px_public_view *v, const char *gtin, const char *serial,
                       const char *anchor, const px_product_link *ext, int next);

/* Answers 200 with v's verdict as JSON, `{"verdict"}` and `"sandbox": true` for a test pack
 * (looked up in db), never cached: GET /v1/verify's answer and the resolver's for an app that
 * asks for JSON (h_verify.c). */
void px__verdict_reply(px_req *r, px_db *db, const char *gtin, const char *serial,
                       const px_public_view *v);

#endif
