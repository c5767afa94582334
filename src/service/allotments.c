/* Allotments: set by the operator, charged by the work they limit (allotments.h). */
#include <string.h>

#include "allotments.h"
#include "px_cursor.h"
#include "px_str.h"
#include "service_internal.h"

static const char *const kind_names[PX_ALLOT__COUNT] = {"serials_per_month", "carriers_per_month"};
static const char *const kind_units[PX_ALLOT__COUNT] = {"serials", "carriers"};

typedef struct put_ctx {
    const char *org_id;
    const long long *limit;
    px_allotment *out;
} put_ctx;

static px_rc put_body(px_tx *tx, void *vc, px_err *err)
{
    put_ctx *c = vc;
    px_rc rc = px_store_allotment_put(px_tx_db(tx), c->org_id, c->limit, c->out, err);
    if (rc != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit(tx, c->org_id, "allotment.set", c->org_id);
    for (int k = 0; d && k < PX_ALLOT__COUNT; k++) {
        if (c->limit[k] < 0)
            px_audit_str(d, kind_names[k], NULL);
        else
            px_audit_int(d, kind_names[k], c->limit[k]);
    }
    return PX_OK;
}

px_rc px_svc_allotment_put(px_db *db, const px_actor *by, const char *org_id,
                           const long long limit[PX_ALLOT__COUNT], px_allotment *out, px_err *err)
{
    if (!px_uuid_valid(org_id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "organization not found");
    put_ctx c = {org_id, limit, out};
    return px_tx_run(db, by, put_body, &c, err);
}

px_rc px_svc_allotment_get(px_db *db, const px_actor *by, const char *org_id, px_allotment *out,
                           px_err *err)
{
    /* REQ-ALLOT-3: another organization's allotment answers not_found, as every object of
     * another tenant. */
    if (!px_uuid_valid(org_id) || (by->role != PX_ROLE_ADMIN && !px_uuid_same(org_id, by->org_id)))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "organization not found");
    return px_store_allotment_get(db, org_id, out, err);
}

px_rc px_svc_allotments_each(px_db *db, const px_actor *by, const char *after, long limit,
                             px_allotment_fn fn, void *ctx, px_err *err)
{
    if (px_cursor_check_uuid(after, err) != PX_OK)
        return PX_EINVALID;
    return px_store_allotments_each(db, by->role == PX_ROLE_ADMIN ? NULL : by->org_id, after,
                                    limit, fn, ctx, err);
}

px_rc px_svc_allotment_totals(px_db *db, long long used[PX_ALLOT__COUNT],
                              long long exhausted[PX_ALLOT__COUNT], px_err *err)
{
    return px_store_allotment_totals(db, used, exhausted, err);
}

px_rc px_svc_allotment_charge(px_tx *tx, px_allot_kind kind, long long n, const char *field,
                              px_err *err)
{
    const px_actor *by = px_tx_actor(tx);
    /* The operator at the machine (CLI) belongs to no organization that an allotment names. */
    if (n <= 0 || !by || !by->org_id[0])
        return PX_OK;
    px_allotment a;
    px_rc rc = px_store_allotment_charge(px_tx_db(tx), by->org_id, kind, n, &a, err);
    if (rc != PX_OK)
        return rc;
    /* REQ-ALLOT-1: beyond the month's limit the work is refused; the caller's transaction
     * rolls back, the charge with it. */
    long long limit = a.limit[kind], before = a.used[kind] - n;
    if (limit < 0 || a.used[kind] <= limit)
        return PX_OK;
    px_err_set_field(err, PX_EFORBIDDEN, "allotment_exceeded", field,
                     "the organization's allotment of %lld %s per month has %lld left until %s; "
                     "this request needs %lld",
                     limit, kind_units[kind], before < limit ? limit - before : 0, a.resets_at, n);
    px_err_quota(err, limit, before, n);
    return PX_EFORBIDDEN;
}
