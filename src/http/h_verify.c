/* GET /v1/verify/{gtin}/{serial}?batch=&expiry=&country=&lat=&lon= — no key; the answer is the
 * verdict and nothing else about the pack. The hit is a scan (docs/resolver.md): where it
 * happened feeds the clone rules, and a flagged serial is `suspect`. */
#include <string.h>

#include "handlers.h"
#include "resolver_page.h"
#include "scans.h"
#include "verification.h"

void h_verify(px_req *r)
{
    /* A HEAD gets no verdict, so it is no scan (RFC 9110 §9.3.2: the same headers, no
     * content): a link checker's or a proxy's look leaves no trace in the clone rules. */
    px_scan_where w = {.country = px_req_query(r, "country"),
                       .lat = px_req_query(r, "lat"),
                       .lon = px_req_query(r, "lon"),
                       .client_addr = px__client_addr(r),
                       .source = "verify",
                       .asked = strcmp(r->method, "HEAD") == 0,
                       .verdict_only = 1};
    const char *gtin = px_req_param(r, 0), *serial = px_req_param(r, 1);
    const char *batch = px_req_query(r, "batch"), *expiry = px_req_query(r, "expiry");
    int parked;
    px_db *db = px__verify_begin(r, gtin, serial, batch, expiry, &w, &parked);
    if (!db)
        return; /* parked, or refused */
    px_public_view v;
    if (px_reply_failed(r, px_svc_public_verify(r->app, db, gtin, serial, batch, expiry, &w, r->pre,
                                                &v, &r->err)))
        return;
    if (v.enumeration)
        px__limiter_drain(r->limiter, px__client_addr(r), 60.0);
    px__verdict_reply(r, db, gtin, serial, &v);
}

void px__verdict_reply(px_req *r, px_db *db, const char *gtin, const char *serial,
                       const px_public_view *v)
{
    int in_sandbox = 0;
    /* REQ-SANDBOX-4: a test pack scanned in the field answers unknown, and says it is a
     * sandbox pack (no live pack is ever made by a test key). A failed read of the sandbox is
     * the request's failure, not an answer without the flag. */
    if (v->verdict == PX_VERDICT_UNKNOWN && serial[0] &&
        px_reply_failed(r, px_svc_verify_in_sandbox(db, gtin, serial, &in_sandbox, &r->err)))
        return;
    json_t *body = json_pack("{s:s}", "verdict", px_verdict_name(v->verdict));
    if (body && in_sandbox)
        json_object_set_new(body, "sandbox", json_true());
    px_reply_json(r, 200, body);
    /* The verdict of this moment: a recall, a decommission or a clone alert changes it, so no
     * cache on the way may keep it (the page says the same, resolver_page.c). */
    if (r->response)
        MHD_add_response_header(r->response, "Cache-Control", "no-store");
}
