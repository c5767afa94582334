/* GET /v1/verify/{gtin}/{serial}?batch=&expiry= — no key; the answer is the verdict and
 * nothing else about the pack (DESIGN.md "The users"). */
#include "handlers.h"
#include "verification.h"

void h_verify(px_req *r)
{
    px_err err;
    /* REQ-SCALE-1: a standby answers once it has every commit answered before now. */
    px_db *db = px_req_read_db(r, &err);
    if (!db)
        return;
    px_verdict v;
    if (px_reply_failed(r,
                        px_svc_verify(db, px_req_param(r, 0), px_req_param(r, 1),
                                      px_req_query(r, "batch"), px_req_query(r, "expiry"), &v,
                                      &err),
                        &err))
        return;
    px_reply_json(r, 200, json_pack("{s:s}", "verdict", px_verdict_name(v)));
}
