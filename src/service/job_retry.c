/* POST /v1/jobs/{job_id}/retry: a failed background job taken up again where it stopped, by
 * the organization that asked for it (docs/api.md "Allocations and jobs"). A failed job stays
 * failed until then, counted in /metrics (packid_jobs{status="failed"}); its retry takes it
 * out of that count, so an alert on the count clears once every failed job is repaired. What
 * the job needs is checked now, as its first request checked it (settings, the serial space,
 * the partnership, the allotment), so a retry that is accepted does not fail for a reason
 * knowable here. */
#include <string.h>

#include "allocation.h"
#include "policy.h"
#include "px_array.h"
#include "service_internal.h"
#include "tx.h"

typedef px_rc (*retry_fn)(px_tx *tx, const px_job *j, px_err *err);

/* Each kind of job that can fail, the action its first request needed and how it is taken up
 * again. An SSCC allocation runs inside its request and never fails afterwards. */
static const struct {
    const char *kind;
    px_action act;
    retry_fn fn;
} k_retry[] = {
    {"allocation", PX_ACT_ALLOCATE, px__allocation_retry},
    {"export", PX_ACT_EXPORT, px__export_retry},
    {"carrier_batch", PX_ACT_CARRIER_READ, px__carrier_batch_retry},
};

/* vc: the job to retry, its id set; the job as queued again on return. */
static px_rc retry_body(px_tx *tx, void *vc, px_err *err)
{
    px_job *out = vc;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    px_job j;
    px_rc rc = px_store_job_lock(db, &j, out->id, by->org_id, err);
    /* A CMO reads its jobs through its partnership (px_svc_job_get): so does it retry them. */
    if (rc == PX_OK && j.gtin[0])
        rc = px__cmo_reads_through_partnership(db, by, j.gtin, "job", err);
    if (rc == PX_OK && by->org_kind == PX_ORG_CMO && strcmp(j.kind, "carrier_batch") == 0 &&
        j.object_id[0])
        rc = px__carrier_batch_cmo_served(db, j.object_id, by->org_id, "job", err);
    if (rc != PX_OK)
        return rc;
    size_t k = 0;
    while (k < PX_COUNT(k_retry) && strcmp(k_retry[k].kind, j.kind) != 0)
        k++;
    /* Who may retry first: a reader who may not is told so whatever the job's state. */
    if (px_policy_scope(by->role, k < PX_COUNT(k_retry) ? k_retry[k].act : PX_ACT_ALLOCATE) ==
        PX_SCOPE_DENY)
        return px_err_set(err, PX_EFORBIDDEN, "forbidden_role", "role '%s' may not retry jobs",
                          px_role_name(by->role));
    /* The organization that asked pays for the work again (its allotment), as it paid for
     * the first run: the MAH that sees a CMO's job, or the CMO that receives an allocation,
     * reads it but does not retry it. */
    if (strcmp(j.org_id, by->org_id) != 0)
        return px_err_set(err, PX_EFORBIDDEN, "forbidden_role",
                          "only the organization that asked for job %s may retry it", j.id);
    if (k == PX_COUNT(k_retry) || strcmp(j.status, "failed") != 0)
        return px_err_set(err, PX_ESTATE, "job_not_failed",
                          "job %s is %s: only a failed job is tried again", j.id, j.status);
    if ((rc = k_retry[k].fn(tx, &j, err)) != PX_OK)
        return rc;
    return px_store_job_get(db, out, j.id, "", 1, err);
}

px_rc px_svc_job_retry(px_db *db, const px_actor *by, const char *id, px_job *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "job not found");
    px_strlcpy(out->id, id, sizeof(out->id));
    return px_tx_run(db, by, retry_body, out, err);
}
