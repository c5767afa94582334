/* GET /v1/verify/{gtin}/{serial}?batch=&expiry= — no key; the answer is the verdict and
 * nothing else about the pack (DESIGN.md "The users"). */
#include "handlers.h"
#include "verification.h"

void h_verify(px_req *r)
{
    px_err err;
    px_db *db = px_req_begin(r, &err);
    if (!db)
        return;
    px_verdict v;
    if (px_reply_failed(r,
                        px_svc_verify(db, px_req_param(r, 0), px_req_param(r, 1),
                                      px_req_query(r, "batch"), px_req_query(r, "expiry"), &v,
                                      &err),
                        &err))
        return;
    json_t *body = json_pack("{s:s}", "verdict", px_verdict_name(v));
    int in_sandbox = 0;
    /* REQ-SANDBOX-4: a test pack scanned in the field answers unknown, and says it is a
     * sandbox pack (no live pack is ever made by a test key). */
    if (v == PX_VERDICT_UNKNOWN &&
        px_svc_verify_in_sandbox(db, px_req_param(r, 0), px_req_param(r, 1), &in_sandbox, &err) ==
            PX_OK &&
        in_sandbox)
        json_object_set_new(body, "sandbox", json_true());
    px_reply_json(r, 200, body);
}
