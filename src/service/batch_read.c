/* A batch as its viewer may see it (GET /v1/batches/{gtin}/{batch}; docs/console.md). */
#include <stdlib.h>
#include <string.h>

#include "batch_read.h"
#include "gs1.h"
#include "service_internal.h"

px_rc px_svc_batch_get(px_db *db, const px_actor *by, const char *gtin, const char *batch,
                       px_batch_summary *out, px_err *err)
{
    char g[15];
    px_err read_err = PX_ERR_INIT;
    memset(out, 0, sizeof(*out));
    if (!gtin || gs1_gtin_normalize(g, gtin, &read_err) != PX_OK || !batch ||
        gs1_cset82_validate(batch, GS1_BATCH_MAX, &read_err) != PX_OK)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "batch not found");
    px_product prod;
    px_rc rc;
    int cmo = by->org_kind == PX_ORG_CMO;
    if (cmo) {
        /* Through its partnership, as its pack reads: not granted -> not found. */
        if ((rc = px_svc_product_access(db, by, g, 0, &prod, err)) != PX_OK)
            return rc == PX_ENOTFOUND
                       ? px_err_set(err, PX_ENOTFOUND, "not_found", "batch not found")
                       : rc;
    } else if ((rc = px_store_product_get(db, &prod, g, 0, &read_err)) != PX_OK &&
               rc != PX_ENOTFOUND) {
        return px_err_pass(err, &read_err); /* a failed read is that failure, never "not found" */
    } else if (rc != PX_OK || px_policy_scope(by->role, PX_ACT_PACK_READ) != PX_SCOPE_ORG ||
               strcmp(prod.mah_id, by->org_id) != 0) {
        /* Another tenant's batch answers 404, never 403 (docs/architecture.md "Requests"). */
        return px_err_set(err, PX_ENOTFOUND, "not_found", "batch not found");
    }
    rc = px_store_batch_summary(db, out, g, batch, cmo ? by->org_id : NULL, err);
    if (rc != PX_OK)
        return rc;
    if (cmo) {
        /* REQ-CONSOLE-7: a CMO sees the packs it commissioned that are not released yet, and
         * nothing of a batch it made no pack of; never what became of packs after release
         * (docs/api.md: a CMO never sees packs after release). */
        if (out->by_cmo == 0) {
            px_batch_summary_dispose(out);
            return px_err_set(err, PX_ENOTFOUND, "not_found", "batch not found");
        }
        out->released = -1;
        out->decommissioned = -1;
        free(out->markets_json);
        out->markets_json = NULL;
    }
    return PX_OK;
}

void px_batch_summary_dispose(px_batch_summary *s)
{
    if (!s)
        return;
    free(s->markets_json);
    s->markets_json = NULL;
}
