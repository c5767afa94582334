/* Allocation requests and reading jobs, allocations and allocated serials (allocation.h,
 * docs/pool.md). */
#include <stdint.h>
#include <string.h>

#include "allocation.h"
#include "allotments.h"
#include "gs1.h"
#include "px_str.h"
#include "serial_gen.h"
#include "service_internal.h"
#include "tx.h"

/* ---- allocation requests ----------------------------------------------------------------- */

/* Who receives the serials: the caller, or (MAH) a CMO partnered on the product. */
static px_rc allocation_target(px_db *db, const px_actor *by, const px_product *p,
                               const char *for_org, char *to, px_err *err)
{
    if (!for_org || px_uuid_same(for_org, by->org_id)) { /* a UUID in any case */
        px_strlcpy(to, by->org_id, PX_ID_LEN + 1);
        return PX_OK;
    }
    if (by->org_kind != PX_ORG_MAH)
        return px_err_set(err, PX_EFORBIDDEN, "forbidden_role",
                          "only the MAH may allocate serials to another organization");
    px_partnership ps;
    px_rc rc = px_uuid_valid(for_org) ? px_store_partner_access(db, &ps, for_org, p->gtin, err)
                                : PX_ENOTFOUND;
    if (rc == PX_ENOTFOUND || (rc == PX_OK && strcmp(ps.mah_id, by->org_id) != 0))
        return px_err_set_field(err, PX_EINVALID, "not_a_partner", "for_org",
                                "for_org is not a CMO partnered on product %s", p->gtin);
    if (rc != PX_OK)
        return rc;
    if ((rc = px__partnership_active(&ps, p->gtin, err)) != PX_OK)
        return rc;
    px_strlcpy(to, for_org, PX_ID_LEN + 1);
    return PX_OK;
}

/* The product's settings, or (REQ-POOL-3) its MAH's default copied into the product at its
 * first allocation; neither: 422 settings_missing. */
static px_rc allocation_settings(px_db *db, px_product *p, px_serial_settings *s, px_err *err)
{
    if (p->has_settings)
        return px_store_product_settings_parse(s, p, err);
    px_rc rc = px_store_org_settings_get(db, s, p->mah_id, err);
    if (rc == PX_ENOTFOUND)
        return px_err_set(err, PX_EINVALID, "settings_missing",
                          "product %s has no serial settings and neither has its "
                          "organization: PUT /v1/serial-settings or "
                          "/v1/products/%s/serial-settings first",
                          p->gtin, p->gtin);
    if (rc != PX_OK)
        return rc;
    /* The copy is part of the allocation's transaction: if the allocation is refused below
     * (say, SEQUENTIAL_NUMERIC for an EU product) the product stays without settings. */
    return px_store_product_settings_set(db, p->gtin, s, err);
}

typedef struct alloc_ctx {
    const px_alloc_request *req;
    const char *gtin;
    px_alloc_result *out;
} alloc_ctx;

static px_rc allocate_body(px_tx *tx, void *vc, px_err *err)
{
    alloc_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    const px_alloc_request *req = c->req;
    px_allocation *a = &c->out->allocation;
    px_job *j = &c->out->job;
    memset(c->out, 0, sizeof(*c->out));
    /* The product row stays locked to COMMIT: concurrent allocations of one GTIN pass the
     * 10,000x gate one after the other, each seeing the other's reservation. */
    px_product p;
    px_serial_settings s;
    px_rc rc;
    if ((rc = px_svc_product_access(db, by, c->gtin, 1, &p, err)) != PX_OK ||
        (rc = allocation_target(db, by, &p, req->for_org, a->org_id, err)) != PX_OK ||
        (rc = allocation_settings(db, &p, &s, err)) != PX_OK)
        return rc;
    /* REQ-POOL-5: Delegated Regulation (EU) 2016/161 Art. 4(b)(ii): randomised serials (no
     * SEQUENTIAL_NUMERIC), Art. 4(c): guessing probability < 1/10,000, i.e. at least 10,000
     * possible values per serial issued for the GTIN, counting this request. */
    if ((rc = px_serial_space_check(&s, (uint64_t)p.issued_count, (uint64_t)req->count,
                                    px_market_requires_randomisation(p.market), err)) != PX_OK ||
        (rc = px_store_product_issued_add(db, c->gtin, req->count, err)) != PX_OK)
        return rc;
    if ((rc = px_store_job_insert(db, "allocation", req->count, by->org_id, p.mah_id, j, err)) !=
        PX_OK)
        return rc;
    px_strlcpy(a->gtin, c->gtin, sizeof(a->gtin));
    px_strlcpy(a->requested_by, by->org_id, sizeof(a->requested_by));
    px_strlcpy(a->label, req->label ? req->label : "", sizeof(a->label));
    a->count = req->count;
    px_strlcpy(a->job_id, j->id, sizeof(a->job_id));
    /* The serials an allocation reserves count against the caller's allotment
     * (docs/allotments.md), in this transaction, so a refusal keeps nothing. */
    if ((rc = px_store_allocation_insert(db, a, err)) != PX_OK ||
        (rc = px_svc_allotment_charge(tx, PX_ALLOT_SERIALS, req->count, "count", err)) != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit(tx, p.mah_id, "allocation.create", a->id);
    px_audit_str(d, "gtin", c->gtin);
    px_audit_int(d, "count", a->count);
    px_audit_str(d, "job_id", j->id);
    px_audit_str(d, "allocated_to", a->org_id);
    px_audit_str(d, "strategy", px_serial_strategy_name(s.strategy));
    px_audit_str(d, "label", a->label);
    return PX_OK;
}

px_rc px_svc_allocate(px_db *db, const px_actor *by, const px_alloc_request *req,
                      px_alloc_result *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    char g[GS1_GTIN_LEN + 1];
    if (px__product_gtin(g, req->gtin, err) != PX_OK)
        return PX_ENOTFOUND;
    if (req->count < 1 || req->count > PX_ALLOC_MAX)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "count",
                                "count must be from 1 to %d", PX_ALLOC_MAX);
    px_rc rc = req->label ? px_label_check(req->label, 0, "invalid_value", err) : PX_OK;
    if (rc != PX_OK)
        return rc;
    alloc_ctx c = {req, g, out};
    return px_tx_run(db, by, allocate_body, &c, err);
}

px_rc px__allocation_retry(px_tx *tx, const px_job *j, px_err *err)
{
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    long long undone = j->total > j->done ? j->total - j->done : 0;
    px_allocation a;
    px_product p;
    px_serial_settings s;
    char to[PX_ID_LEN + 1];
    /* As at the request: the product locked, the receiver still partnered, the settings and
     * the space for what is left (its failure gave that back to the product and the
     * allotment), charged again. */
    px_rc rc;
    if ((rc = px_store_allocation_get(db, &a, j->object_id, err)) != PX_OK ||
        (rc = px_svc_product_access(db, by, a.gtin, 1, &p, err)) != PX_OK ||
        (rc = allocation_target(db, by, &p, a.org_id, to, err)) != PX_OK ||
        (rc = allocation_settings(db, &p, &s, err)) != PX_OK ||
        (rc = px_serial_space_check(&s, (uint64_t)p.issued_count, (uint64_t)undone,
                                    px_market_requires_randomisation(p.market), err)) != PX_OK ||
        (rc = px_store_product_issued_add(db, a.gtin, undone, err)) != PX_OK ||
        (rc = px_svc_allotment_charge(tx, PX_ALLOT_SERIALS, undone, NULL, err)) != PX_OK ||
        (rc = px_store_allotment_recharged_allocation(db, a.id, err)) != PX_OK ||
        (rc = px_store_job_requeue(db, j->id, j->done, err)) != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit(tx, p.mah_id, "allocation.retry", a.id);
    px_audit_str(d, "job_id", j->id);
    px_audit_str(d, "gtin", a.gtin);
    px_audit_int(d, "count", undone);
    px_audit_str(d, "failed_with", j->error);
    return PX_OK;
}

/* ---- reading jobs and allocations ------------------------------------------------------ */

px_rc px_svc_job_get(px_db *db, const px_actor *by, const char *id, px_job *out, px_err *err)
{
    if (!px_uuid_valid(id) || px_policy_scope(by->role, PX_ACT_JOB_READ) == PX_SCOPE_DENY)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "job not found");
    px_rc rc = px_store_job_get(db, out, id, by->org_id, 0, err);
    if (rc != PX_OK || by->org_kind != PX_ORG_CMO)
        return rc;
    /* A CMO's carrier batch job, as its batch (a batch may name several products). */
    if (strcmp(out->kind, "carrier_batch") == 0 && out->object_id[0])
        return px__carrier_batch_cmo_served(db, out->object_id, by->org_id, "job", err);
    if (!out->gtin[0])
        return rc;
    /* A CMO reads its jobs through its partnership, like everything else of its: suspended ->
     * 403 partnership_suspended; the product no longer granted -> not found. */
    px_product p;
    rc = px_svc_product_access(db, by, out->gtin, 0, &p, err);
    if (rc == PX_ENOTFOUND)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "job %s not found", id);
    return rc;
}

px_rc px_svc_job_counts(px_db *db, px_job_count_fn fn, void *ctx, px_err *err)
{
    return px_store_job_counts(db, fn, ctx, err);
}

px_rc px_svc_allocation_get(px_db *db, const px_actor *by, const char *id, px_allocation *out,
                            px_err *err)
{
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "allocation not found");
    px_rc rc = px_store_allocation_get(db, out, id, err);
    if (rc != PX_OK)
        return rc;
    switch (by->org_kind) {
    case PX_ORG_MAH: /* mah and auditor keys: the MAH's products */
        if (strcmp(out->mah_id, by->org_id) == 0)
            return PX_OK;
        break;
    case PX_ORG_CMO: {
        /* REQ-POOL-6: a CMO sees only its own allocations, while partnered. */
        if (strcmp(out->org_id, by->org_id) != 0)
            break;
        px_product p;
        return px_svc_product_access(db, by, out->gtin, 0, &p, err);
    }
    default:
        break;
    }
    /* Another tenant's (or another CMO's) allocation: 404, nothing leaks. */
    return px_err_set(err, PX_ENOTFOUND, "not_found", "allocation %s not found", id);
}

px_rc px_svc_allocation_serials_each(px_db *db, const px_actor *by, const char *id,
                                     const px_serial_page *page, px_serial_item_fn fn,
                                     void *ctx, px_err *err)
{
    px_allocation a;
    px_rc rc = px_svc_allocation_get(db, by, id, &a, err);
    if (rc != PX_OK)
        return rc;
    /* A CMO never sees packs after release, not even their state here: a released serial
     * leaves its allocation's listing, as it answers 404 on GET /v1/packs. */
    return px_store_allocation_serials_each(db, a.id, page, by->org_kind == PX_ORG_CMO, fn, ctx,
                                            err);
}
