/* GET /v1/verify/{gtin}/{serial}?batch=&expiry=&country=&lat=&lon= — no key; the answer is the
 * verdict and nothing else about the pack (DESIGN.md "The users"). The hit is a scan
 * (docs/resolver.md): where it happened feeds the clone rules, and a flagged serial is
 * `suspect`. */
#include "handlers.h"
#include "scans.h"

void h_verify(px_req *r)
{
    px_err err;
    px_db *db = px_req_begin(r, &err);
    if (!db)
        return;
    px_scan_where w = {px_req_query(r, "country"), px_req_query(r, "lat"),
                       px_req_query(r, "lon"), px__client_addr(r), "verify"};
    px_public_view v;
    if (px_reply_failed(r,
                        px_svc_public_verify(r->app, db, px_req_param(r, 0), px_req_param(r, 1),
                                             px_req_query(r, "batch"),
                                             px_req_query(r, "expiry"), &w, &v, &err),
                        &err))
        return;
    if (v.enumeration)
        px__limiter_drain(r->limiter, px__client_addr(r), 60.0);
    px_reply_json(r, 200, json_pack("{s:s}", "verdict", px_verdict_name(v.verdict)));
}
