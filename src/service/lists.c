/* The paged object lists (lists.h). */
#include <string.h>

#include "lists.h"
#include "pack_identity.h"
#include "px_array.h"
#include "px_cursor.h"
#include "px_str.h"
#include "service_internal.h"

typedef struct list_ctx {
    px_db *db;
    const px_actor *by;
    px_list_kind kind;
    px_list_item_fn fn;
    void *ctx;
    px_rc rc;
    px_err *err;
} list_ctx;

/* Allocations, jobs and exports are answered as their single-object reads answer them (the
 * same reader, the same JSON); the page query has already applied the same visibility. */
static int on_row(void *vc, const px_list_row *row)
{
    list_ctx *c = vc;
    px_list_item it = {.id = row->id};
    px_allocation a;
    px_job j;
    px_export e;
    px_sscc_allocation s;
    switch (c->kind) {
    case PX_LIST_ALLOCATIONS:
        c->rc = px_store_allocation_get(c->db, &a, row->id, c->err);
        it.allocation = &a;
        break;
    case PX_LIST_JOBS:
        c->rc = px_store_job_get(c->db, &j, row->id, c->by->org_id, 0, c->err);
        it.job = &j;
        break;
    case PX_LIST_EXPORTS:
        c->rc = px_store_export_get(c->db, &e, row->id, c->err);
        it.export_ = &e;
        break;
    case PX_LIST_SSCC_ALLOCATIONS:
        c->rc = px_store_sscc_allocation_get(c->db, &s, row->id, c->err);
        it.sscc_allocation = &s;
        break;
    default:
        it.row = row;
        break;
    }
    if (c->rc != PX_OK)
        return 1;
    return c->fn(c->ctx, &it);
}

/* A job's status (migration 0002's CHECK on job.status). */
static const char *const k_job_statuses[] = {"queued", "running", "completed", "failed"};

/* A product and a batch narrow the commissions and the releases only; the GTIN is read in any
 * form into g (14 digits), the batch is AI 10's syntax (GS1 GenSpecs 3.4.1: set 82, 1-20). */
static px_rc batch_filter(px_list_kind kind, const px_list_filter *f, char g[GS1_GTIN_LEN + 1],
                          px_err *err)
{
    g[0] = '\0';
    int takes = kind == PX_LIST_COMMISSIONS || kind == PX_LIST_RELEASES;
    if ((f->gtin || f->batch) && !takes)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", f->gtin ? "gtin" : "batch",
                                "only the commissions and the releases are listed by batch");
    if (f->gtin && px__gtin_field(g, f->gtin, err) != PX_OK)
        return PX_EINVALID;
    return f->batch ? px_batch_check(f->batch, err) : PX_OK;
}

px_rc px_svc_list(px_db *db, const px_actor *by, px_list_kind kind, const px_list_filter *filter,
                  const char *after, long limit, px_list_item_fn fn, void *ctx, px_err *err)
{
    static const px_list_filter none = {0};
    const px_list_filter *f = filter ? filter : &none;
    if (px_cursor_check_uuid(after, err) != PX_OK)
        return PX_EINVALID;
    /* A status filters jobs only: on another list any status is refused, naming the jobs'. */
    const char *status = f->status;
    if (status && (kind != PX_LIST_JOBS ||
                   px_name_index(k_job_statuses, PX_COUNT(k_job_statuses), status) < 0))
        return px_name_refused(err, "invalid_value", "status", "status", status, k_job_statuses,
                               PX_COUNT(k_job_statuses));
    char g[GS1_GTIN_LEN + 1];
    if (batch_filter(kind, f, g, err) != PX_OK)
        return PX_EINVALID;
    /* mah and auditor keys belong to the MAH (REQ-POLICY-5): both see the tenant's rows. */
    px_list_scope scope = {
        by->org_id, by->org_kind == PX_ORG_MAH, by->org_kind == PX_ORG_CMO, status, g[0] ? g : NULL,
        f->batch};
    if (!scope.is_mah && !scope.is_cmo)
        return PX_OK; /* nobody else owns such rows */
    list_ctx c = {db, by, kind, fn, ctx, PX_OK, err};
    px_rc rc = px_store_list_page(db, kind, &scope, after, limit, on_row, &c, err);
    return rc != PX_OK ? rc : c.rc;
}
