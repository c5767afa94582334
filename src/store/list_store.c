/* Keyset pages of the object lists (list_store.h). */
#include <stdlib.h>
#include <string.h>

#include "list_store.h"
#include "px_str.h"
#include "store_internal.h"

#define TS(col) PX__SQL_ISO(col)

/* Parameters of every query: $1 org, $2 is_mah, $3 is_cmo; then the jobs' query has $4, the
 * status asked for (NULL: any), the commissions' and releases' $4 and $5, the GTIN and the
 * batch asked for (each NULL: any); then the cursor and the limit (px__page). Each visible-rows
 * query has the row's raw created_at as `at` after the columns list_row reads (the jobs' query
 * then its status, for its filter). The page and its cursor are PX__PAGE's. */
#define PAGE(visible) PX__PAGE(visible, "true", "$4", "$5")
/* A page of rows with a product and a batch ($4, $5) narrowed to one batch's. */
#define BATCH_PAGE(visible)                                                                        \
    PX__PAGE(                                                                                      \
        visible,                                                                                   \
        "($4::text IS NULL OR v.gtin = $4::text) AND ($5::text IS NULL OR v.batch = $5::text)",    \
        "$6", "$7")

/* The CMO ($1) is actively partnered on GTIN g. */
#define CMO_PARTNERED(g) PX__CMO_PARTNERED("$1::uuid", g)

/* Every query names every parameter (PostgreSQL must learn each one's type); the scope is
 * always a MAH or a CMO (lists.c), so ($2 OR $3) only says so. Every query returns: id,
 * created_at, org_id, tenant_id, gtin, batch, expiry,
 * market, count, allocated, external, rejected, partial, report_id, at. */
/* clang-format off */
static const char *const k_sql[] = {
    /* REQ-POOL-6 as px_svc_allocation_get: a MAH (and its auditors) the allocations of its
     * products; a CMO its own allocations of products it is actively partnered on. */
    [PX_LIST_ALLOCATIONS] = PAGE(
        "SELECT a.id, " TS("a.created_at") ", a.org_id, p.mah_id, a.gtin, '', '', '', a.count, "
        "0, 0, 0, false, '', a.created_at AS at "
        "FROM allocation a JOIN product p ON p.gtin = a.gtin "
        "WHERE ($2::bool AND p.mah_id = $1::uuid) "
        "OR ($3::bool AND a.org_id = $1::uuid AND " CMO_PARTNERED("a.gtin") ")"),
    /* As px_svc_job_get: the job's creator, its tenant, or the organization it allocates to;
     * for a CMO, only while it is actively partnered on the job's product (a job of an
     * allocation or an export names one; a carrier batch's, each product its pack items
     * name). */
    [PX_LIST_JOBS] = PX__PAGE(
        "SELECT j.id, " TS("j.created_at") ", j.org_id, coalesce(j.tenant_id::text, ''), "
        "'', '', '', '', j.total, 0, 0, 0, false, '', j.created_at AS at, j.status "
        "FROM job j "
        "WHERE ($2::bool OR $3::bool) AND " PX__JOB_VISIBLE("$1::uuid") " "
        "AND (NOT $3::bool OR NOT EXISTS (SELECT 1 FROM ("
        "SELECT a.gtin FROM allocation a WHERE a.job_id = j.id UNION ALL "
        "SELECT e.gtin FROM export e WHERE e.job_id = j.id UNION ALL "
        PX__CARRIER_BATCH_GTINS("b.job_id = j.id") ") g(gtin) "
        "WHERE NOT " CMO_PARTNERED("g.gtin") "))",
        "$4::text IS NULL OR v.status = $4::text", "$5", "$6"),
    /* As px_svc_export_get: who asked for it, or the MAH whose product it is; a CMO only
     * while actively partnered on the product. */
    [PX_LIST_EXPORTS] = PAGE(
        "SELECT e.id, " TS("e.created_at") ", e.org_id, e.tenant_id, e.gtin, "
        "coalesce(e.batch, ''), '', '', coalesce(e.count, -1), 0, 0, 0, false, '', "
        "e.created_at AS at FROM export e "
        "WHERE ($2::bool OR $3::bool) "
        "AND (e.org_id = $1::uuid OR ($2::bool AND e.tenant_id = $1::uuid)) "
        "AND (NOT $3::bool OR " CMO_PARTNERED("e.gtin") ")"),
    /* A MAH the commissions of its products; a CMO those it made of products it is actively
     * partnered on (as it reads their packs: PX__CMO_SEES). */
    [PX_LIST_COMMISSIONS] = BATCH_PAGE(
        "SELECT c.id, " TS("c.created_at") ", c.org_id, c.tenant_id, c.gtin, c.batch, c.expiry, "
        "'', c.count, c.allocated, c.external, c.rejected, c.partial, '', c.created_at AS at "
        "FROM commission c "
        "WHERE ($2::bool AND c.tenant_id = $1::uuid) "
        "OR ($3::bool AND c.org_id = $1::uuid AND " CMO_PARTNERED("c.gtin") ")"),
    /* A MAH its releases; a CMO none (a CMO never sees packs after release). */
    [PX_LIST_RELEASES] = BATCH_PAGE(
        "SELECT r.id, " TS("r.created_at") ", r.org_id, r.tenant_id, r.gtin, r.batch, '', "
        "r.market, r.count, 0, 0, 0, false, coalesce(r.report_id::text, ''), r.created_at AS at "
        "FROM market_release r "
        "WHERE $2::bool AND NOT $3::bool AND r.tenant_id = $1::uuid"),
    /* As px_svc_sscc_allocation_get: a MAH those for it (of its prefixes, or of a CMO's own
     * prefix for it, REQ-SSCC-7); a CMO those it asked for. */
    [PX_LIST_SSCC_ALLOCATIONS] = PAGE(
        "SELECT a.id, " TS("a.created_at") ", a.org_id, a.tenant_id, '', '', '', '', a.count, "
        "0, 0, 0, false, '', a.created_at AS at "
        "FROM sscc_allocation a "
        "WHERE ($2::bool AND a.tenant_id = $1::uuid) OR ($3::bool AND a.org_id = $1::uuid)"),
};
/* clang-format on */

static void list_row(px_list_row *o, const PGresult *r, int i)
{
    memset(o, 0, sizeof(*o));
    px__texts(r, i, 0, PX__TEXT(o->id), PX__TEXT(o->created_at), PX__TEXT(o->org_id),
              PX__TEXT(o->tenant_id), PX__TEXT(o->gtin), PX__TEXT(o->batch), PX__TEXT(o->expiry),
              PX__TEXT(o->market), NULL);
    o->count = strtoll(px__val(r, i, 8), NULL, 10);
    o->allocated = strtoll(px__val(r, i, 9), NULL, 10);
    o->external = strtoll(px__val(r, i, 10), NULL, 10);
    o->rejected = strtoll(px__val(r, i, 11), NULL, 10);
    o->partial = px__val(r, i, 12)[0] == 't';
    px_strlcpy(o->report_id, px__val(r, i, 13), sizeof(o->report_id));
}

px_rc px_store_list_page(px_db *db, px_list_kind kind, const px_list_scope *scope,
                         const char *after_id, long limit, px_list_fn fn, void *ctx, px_err *err)
{
    if ((int)kind < 0 || kind > PX_LIST_SSCC_ALLOCATIONS)
        return px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    const char *p[] = {scope->org_id, scope->is_mah ? "t" : "f", scope->is_cmo ? "t" : "f",
                       scope->status, NULL};
    /* status is a parameter of the jobs' statement only, the GTIN and the batch of the
     * commissions' and the releases' */
    int n = 3;
    if (kind == PX_LIST_JOBS)
        n = 4;
    else if (kind == PX_LIST_COMMISSIONS || kind == PX_LIST_RELEASES) {
        p[3] = scope->gtin;
        p[4] = scope->batch;
        n = 5;
    }
    PGresult *r = px__page(db, k_sql[kind], n, p, after_id, limit, err);
    PX__RETURN_EACH_ROW(r, err, px_list_row, list_row, fn, ctx);
}
