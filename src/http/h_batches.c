/* GET /v1/batches/{gtin}/{batch}: what a batch's packs are now (docs/console.md). The
 * console's batch page reads it; a program may too. */
#include "batch_read.h"
#include "handlers.h"

void h_batch_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_batch_summary s;
    if (px_reply_failed(r, px_svc_batch_get(db, &r->actor, px_req_param(r, 0), px_req_param(r, 1),
                                            &s, &r->err)))
        return;
    json_t *packs = json_pack("{s:I}", "commissioned", (json_int_t)s.commissioned);
    if (s.released >= 0) {
        json_object_set_new(packs, "released", json_integer((json_int_t)s.released));
        json_object_set_new(packs, "decommissioned", json_integer((json_int_t)s.decommissioned));
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "gtin", s.gtin, "batch", s.batch, "expiry",
                          s.expiry, "created_at", s.created_at, "packs", packs);
    json_object_set_new(o, "expiry_date", px_json_expiry_date(s.expiry));
    /* A batch's recall or withdrawal (migration 0220), for every reader: a CMO learns why its
     * commissions into the batch are refused. */
    json_object_set_new(o, "recall",
                        s.recall_reason[0] ? json_pack("{s:s, s:s}", "reason", s.recall_reason,
                                                       "recalled_at", s.recalled_at)
                                           : json_null());
    if (s.markets_json) {
        json_t *m = json_loads(s.markets_json, 0, NULL);
        if (m)
            json_object_set_new(o, "released_by_market", m);
    }
    px_batch_summary_dispose(&s);
    px_reply_json(r, 200, o);
}
