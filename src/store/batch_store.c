/* A batch's pack counts by state, in one statement (batch_store.h). */
#include <stdlib.h>
#include <string.h>

#include "batch_store.h"
#include "px_str.h"
#include "store_internal.h"

px_rc px_store_batch_summary(px_db *db, px_batch_summary *out, const char *gtin, const char *batch,
                             const char *cmo_org, px_err *err)
{
    memset(out, 0, sizeof(*out));
    /* serial_batch (gtin, batch) serves both the counts and the per-market totals. */
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        "SELECT b.expiry, " PX__SQL_ISO("b.created_at") ", "
        "  count(s.serial) FILTER (WHERE s.state = 'commissioned' AND "
        "    ($3::uuid IS NULL OR s.commissioned_by = $3::uuid)), "
        "  count(s.serial) FILTER (WHERE s.state = 'released'), "
        "  count(s.serial) FILTER (WHERE s.state = 'decommissioned'), "
        "  count(s.serial) FILTER (WHERE s.commissioned_by = $3::uuid), "
        "  (SELECT coalesce(json_object_agg(m.market, m.n ORDER BY m.market), '{}')::text FROM "
        "    (SELECT market, count(*) AS n FROM serial WHERE gtin = $1 AND batch = $2 AND "
        "     state = 'released' AND market IS NOT NULL GROUP BY market) m), "
        "  coalesce(" PX__SQL_ISO("b.recalled_at") ", ''), coalesce(b.recall_reason, '') "
        "FROM batch b LEFT JOIN serial s ON s.gtin = b.gtin AND s.batch = b.batch "
        "WHERE b.gtin = $1 AND b.batch = $2 "
        "GROUP BY b.expiry, b.created_at, b.recalled_at, b.recall_reason",
        PX__ARGS(gtin, batch, cmo_org), err);
    /* clang-format on */
    px_rc rc = px__one(r, err, "not_found", "batch not found");
    if (rc == PX_OK) {
        px_strlcpy(out->gtin, gtin, sizeof(out->gtin));
        px_strlcpy(out->batch, batch, sizeof(out->batch));
        px_strlcpy(out->expiry, px__val(r, 0, 0), sizeof(out->expiry));
        px_strlcpy(out->created_at, px__val(r, 0, 1), sizeof(out->created_at));
        out->commissioned = strtoll(px__val(r, 0, 2), NULL, 10);
        out->released = strtoll(px__val(r, 0, 3), NULL, 10);
        out->decommissioned = strtoll(px__val(r, 0, 4), NULL, 10);
        out->by_cmo = strtoll(px__val(r, 0, 5), NULL, 10);
        px_strlcpy(out->recalled_at, px__val(r, 0, 7), sizeof(out->recalled_at));
        px_strlcpy(out->recall_reason, px__val(r, 0, 8), sizeof(out->recall_reason));
        out->markets_json = strdup(px__val(r, 0, 6));
        if (!out->markets_json)
            rc = px_err_oom(err);
    }
    PQclear(r);
    return rc;
}
