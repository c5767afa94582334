/* SQL of server secrets, print manifests and print jobs (docs/print.md). Lists of serials
 * travel as one text[] parameter joined with unnest(): one round trip per statement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print_store.h"
#include "px_buf.h"
#include "px_crypto.h"
#include "px_str.h"
#include "store_internal.h"

#define TS(n) PX__SQL_US(n)
#define ISO(col) PX__SQL_ISO(col)
#define US(col) PX__SQL_EPOCH_US(col)

/* ---- server secret ----------------------------------------------------------------------- */

px_rc px_store_secret_get(px_db *db, uint8_t out[32], const char *name, const uint8_t proposal[32],
                          px_err *err)
{
    char hex[PX_SHA256_HEX_LEN + 1] = "";
    const char *p[] = {name, hex};
    PGresult *r;
    if (proposal) {
        px_hex_encode(hex, proposal, 32);
        /* Two statements: the SELECT takes a fresh snapshot, so it sees the row of a process
         * that won the race to insert first. */
        r = px__exec(db,
                     "INSERT INTO server_secret (name, secret) VALUES ($1, decode($2, 'hex')) ON "
                     "CONFLICT (name) DO NOTHING",
                     2, p, err);
        memset(hex, 0, sizeof(hex));
        if (!r)
            return err->rc;
        PQclear(r);
    }
    r = px__exec(db, "SELECT encode(secret, 'hex') FROM server_secret WHERE name = $1", 1, p, err);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    const char *v = PQntuples(r) ? px__val(r, 0, 0) : "";
    if (px_hex_decode(out, 32, v) != 0)
        rc = px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    /* The hex text of the secret lives in libpq's result: wipe it before freeing. */
    if (PQntuples(r))
        memset(PQgetvalue(r, 0, 0), 0, strlen(v));
    PQclear(r);
    return rc;
}

/* ---- packs ----------------------------------------------------------------------------- */

#define PACK_COLS                                                                                  \
    "s.gtin, s.serial, s.state, coalesce(s.batch, ''), coalesce(s.expiry, ''), "                   \
    "coalesce(s.allocated_to::text, ''), coalesce(s.commissioned_by::text, ''), "                  \
    "(s.released_at IS NOT NULL)::int"

static void pack_row(px_print_pack *p, const PGresult *r, int i)
{
    memset(p, 0, sizeof(*p));
    px__texts(r, i, 0, PX__TEXT(p->gtin), PX__TEXT(p->serial), PX__TEXT(p->state),
              PX__TEXT(p->batch), PX__TEXT(p->expiry), PX__TEXT(p->allocated_to),
              PX__TEXT(p->commissioned_by), NULL);
    p->released = px__val(r, i, 7)[0] == '1';
}

/* ---- exports --------------------------------------------------------------------------- */

#define EXPORT_COLS                                                                                \
    "e.id, e.job_id, e.org_id, coalesce(e.key_id::text, ''), e.tenant_id, e.gtin, "                \
    "coalesce(e.allocation_id::text, ''), coalesce(e.batch, ''), "                                 \
    "coalesce(e.scope_org::text, ''), e.format, e.gs_style, e.status, coalesce(e.count, -1), "     \
    "e.filename, coalesce(e.error, ''), " ISO(                                                     \
        "e.created_at") ", "                                                                       \
                        "coalesce(" ISO(                                                           \
                            "e.finished_at") ", ''), p.company_prefix_length, "                    \
                                             "coalesce(p.nhrn_ai, ''), coalesce(p.nhrn_value, ''), "  \
                                             "coalesce(e.run_batch, ''), coalesce(e.run_expiry, '')"

static void export_row(px_export *e, const PGresult *r, int i)
{
    memset(e, 0, sizeof(*e));
    px__texts(r, i, 0, PX__TEXT(e->id), PX__TEXT(e->job_id), PX__TEXT(e->org_id),
              PX__TEXT(e->key_id), PX__TEXT(e->tenant_id), PX__TEXT(e->gtin),
              PX__TEXT(e->allocation_id), PX__TEXT(e->batch), PX__TEXT(e->scope_org),
              PX__TEXT(e->format), PX__TEXT(e->gs_style), PX__TEXT(e->status), NULL);
    e->count = strtoll(px__val(r, i, 12), NULL, 10);
    px__texts(r, i, 13, PX__TEXT(e->filename), PX__TEXT(e->error), PX__TEXT(e->created_at),
              PX__TEXT(e->finished_at), NULL);
    e->gcp_len = (int)strtol(px__val(r, i, 17), NULL, 10);
    px__texts(r, i, 18, PX__TEXT(e->nhrn_ai), PX__TEXT(e->nhrn_value), PX__TEXT(e->run_batch),
              PX__TEXT(e->run_expiry), NULL);
}

px_rc px_store_export_insert(px_db *db, px_export *e, int64_t now_us, px_err *err)
{
    if (px__exec_cmd(db,
                     "INSERT INTO job (id, kind, org_id, tenant_id, payload) VALUES "
                     "($2, 'export', $3, $4, jsonb_build_object('export_id', $1::text))",
                     PX__ARGS(e->id, e->job_id, e->org_id, e->tenant_id), err) != PX_OK)
        return err->rc;
    if (px__exec_cmd(
            db,
            "INSERT INTO export (id, job_id, org_id, key_id, tenant_id, gtin, allocation_id, "
            "batch, scope_org, format, gs_style, filename, run_batch, run_expiry, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, " TS("$15") ")",
            PX__ARGS(e->id, e->job_id, e->org_id, px__nz(e->key_id), e->tenant_id, e->gtin,
                     px__nz(e->allocation_id), px__nz(e->batch), px__nz(e->scope_org), e->format,
                     e->gs_style, e->filename, px__nz(e->run_batch), px__nz(e->run_expiry),
                     PX__INT(now_us)),
            err) != PX_OK)
        return err->rc;
    return px_store_export_get(db, e, e->id, err);
}

px_rc px_store_export_get(px_db *db, px_export *out, const char *id, px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT " EXPORT_COLS " FROM export e JOIN product p ON p.gtin = e.gtin "
                           "WHERE e.id = $1",
                           PX__ARGS(id), err);
    return PX__ONE_ROW(r, err, export_row, out, "not_found", "export not found");
}

#define EXPORT_JOB_CLAIMABLE PX__JOB_CLAIMABLE("export")

px_rc px_store_export_claim(px_db *db, px_export *out, int *found, int *alloc_failed, px_err *err)
{
    *found = 0;
    *alloc_failed = 0;
    /* An allocation export waits for its allocation's job: until then the allocation has
     * not all its serials. */
    PGresult *r = px__exec_cached(
        db, PX__Q_EXPORT_CLAIM,
        "SELECT e.id, coalesce(aj.status = 'failed', false)::int FROM job j "
        "JOIN export e ON e.job_id = j.id "
        "LEFT JOIN allocation a ON a.id = e.allocation_id "
        "LEFT JOIN job aj ON aj.id = a.job_id "
        "WHERE " EXPORT_JOB_CLAIMABLE " "
        "AND (aj.id IS NULL OR aj.status IN ('completed', 'failed'))" PX__JOB_CLAIM_NEXT,
        0, NULL, err);
    if (!r)
        return err->rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PX_OK;
    }
    char id[PX_ID_LEN + 1];
    px_strlcpy(id, px__val(r, 0, 0), sizeof(id));
    *alloc_failed = px__val(r, 0, 1)[0] == '1';
    PQclear(r);
    px_rc rc = px_store_export_get(db, out, id, err);
    if (rc == PX_OK)
        *found = 1;
    return rc;
}

px_rc px_store_export_freeze(px_db *db, px_export *e, int64_t now_us, px_err *err)
{
    /* File order is serial order; n numbers the rows so the download pages by n. A CMO's
     * manifest ($5) holds its serials as service/pack_internal.h's px__cmo_sees sees them. */
    PGresult *r = px__exec(
        db,
        "INSERT INTO export_item (gtin, export_id, n, serial) "
        "SELECT $2, $1, row_number() OVER (ORDER BY s.serial), s.serial FROM serial s "
        "WHERE s.gtin = $2 AND CASE WHEN $3::uuid IS NOT NULL THEN s.allocation_id = $3::uuid "
        "ELSE s.batch = $4 AND s.commissioned_by IS NOT NULL END "
        "AND " PX__CMO_SEES("s", "$5"),
        PX__ARGS(e->id, e->gtin, px__nz(e->allocation_id), px__nz(e->batch), px__nz(e->scope_org)),
        err);
    if (px__changed(r, &e->count, err) != PX_OK)
        return err->rc;
    /* clang-format off */
    px_rc rc = px__exec_cmd(
        db,
        "WITH j AS (UPDATE job SET status = 'completed', total = $3, done = $3, "
        "finished_at = clock_timestamp(), heartbeat_at = now() WHERE id = $2) "
        "UPDATE export SET status = 'completed', count = $3, "
        "finished_at = " TS("$4") " WHERE id = $1",
        PX__ARGS(e->id, e->job_id, PX__INT(e->count), PX__INT(now_us)), err);
    /* clang-format on */
    if (rc != PX_OK)
        return rc;
    px_strlcpy(e->status, "completed", sizeof(e->status));
    return PX_OK;
}

#define EXPORT_JOB_FAIL PX__JOB_FAIL("$2::uuid", "$3")

px_rc px_store_export_fail(px_db *db, const px_export *e, const char *message, int64_t now_us,
                           px_err *err)
{
    /* clang-format off */
    return px__exec_cmd(
        db,
        "WITH j AS (" EXPORT_JOB_FAIL " RETURNING id) "
        "UPDATE export SET status = 'failed', error = $3, finished_at = " TS("$4") " "
        "WHERE id = $1 AND EXISTS (SELECT 1 FROM j)",
        PX__ARGS(e->id, e->job_id, message, PX__INT(now_us)), err);
    /* clang-format on */
}

px_rc px_store_export_requeue(px_db *db, const char *export_id, px_err *err)
{
    return px__exec_cmd(db,
                        "UPDATE export SET status = 'queued', error = NULL, finished_at = NULL "
                        "WHERE id = $1::uuid AND status = 'failed'",
                        PX__ARGS(export_id), err);
}

px_rc px_store_export_released(px_db *db, const px_export *e, long long *n, px_err *err)
{
    *n = 0;
    if (!e->scope_org[0])
        return PX_OK;
    /* The rows are counted only when the GTIN saw a release since the export was asked for
     * (market_release by its GTIN index: a few rows), not at every GET and download of a
     * manifest of a million rows that none touched. */
    return px__exec_number(db,
                           "SELECT CASE WHEN EXISTS (SELECT 1 FROM market_release r JOIN export x "
                           "ON x.id = $1::uuid WHERE r.gtin = $2 AND r.created_at >= x.created_at) "
                           "THEN (SELECT count(*) FROM export_item i JOIN serial s ON s.gtin = "
                           "i.gtin AND s.serial = i.serial WHERE i.gtin = $2 AND i.export_id = $1 "
                           "AND s.released_at IS NOT NULL) ELSE 0 END",
                           PX__ARGS(e->id, e->gtin), n, err);
}

px_rc px_store_export_rows(px_db *db, const px_export *e, long long after_n, long limit,
                           px_export_row_fn fn, void *ctx, px_err *err)
{
    /* Keyset page on the primary key of export_item (the GTIN first: one shard when the
     * schema is distributed, docs/scaling.md), then the pack by its primary key. A pack
     * not yet commissioned takes the production run's batch and expiry, when given. */
    PGresult *r =
        px__exec(db,
                 "SELECT i.n, i.serial, coalesce(s.batch, $5, ''), "
                 "coalesce(s.expiry, $6, ''), ($7::uuid IS NOT NULL AND s.released_at IS NOT "
                 "NULL)::int FROM export_item i LEFT JOIN serial s ON s.gtin = $2 AND "
                 "s.serial = i.serial WHERE i.gtin = $2 AND i.export_id = $1 AND i.n > $3 "
                 "ORDER BY i.n LIMIT $4",
                 PX__ARGS(e->id, e->gtin, PX__INT(after_n), PX__INT(limit), px__nz(e->run_batch),
                          px__nz(e->run_expiry), px__nz(e->scope_org)),
                 err);
    if (!r)
        return err->rc;
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        px_export_row row;
        row.n = strtoll(px__val(r, i, 0), NULL, 10);
        px__texts(r, i, 1, PX__TEXT(row.serial), PX__TEXT(row.batch), PX__TEXT(row.expiry), NULL);
        row.released = px__val(r, i, 4)[0] == '1';
        if (fn(ctx, &row))
            break;
    }
    PQclear(r);
    return PX_OK;
}

/* ---- print jobs ------------------------------------------------------------------------- */

px_rc px_store_print_packs_lock(px_db *db, const char *gtin, const char *const *serials, size_t n,
                                px_print_pack_fn fn, void *ctx, px_err *err)
{
    /* FOR SHARE in key order: a commission cannot change a pack's batch under the job, and
     * two jobs over the same packs do not deadlock. The unique index on first prints is what
     * finally refuses a second print (the "printed" flag here makes the error precise). */
    PGresult *r = px__exec_with_array(db,
                                      "SELECT " PACK_COLS ", t.o - 1, EXISTS (SELECT 1 FROM "
                                      "print_job_serial ps WHERE ps.gtin = s.gtin AND ps.serial "
                                      "= s.serial AND NOT ps.reprint)::int FROM serial s JOIN "
                                      "unnest($2::text[]) WITH ORDINALITY AS t(v, o) ON s.serial "
                                      "= t.v WHERE s.gtin = $1 ORDER BY s.serial FOR SHARE OF s",
                                      gtin, serials, n, "serials", err);
    if (!r)
        return err->rc;
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        px_print_pack pk;
        pack_row(&pk, r, i);
        size_t index = (size_t)strtoull(px__val(r, i, 8), NULL, 10);
        if (fn(ctx, index, &pk, px__val(r, i, 9)[0] == '1'))
            break;
    }
    PQclear(r);
    return PX_OK;
}

#define JOB_COLS                                                                                   \
    "pj.id, pj.org_id, coalesce(pj.key_id::text, ''), pj.tenant_id, pj.gtin, pj.line, "            \
    "pj.operator, pj.reprint::int, coalesce(pj.reason, ''), coalesce(pj.batch, ''), "              \
    "coalesce(pj.expiry, ''), pj.count, " ISO("pj.created_at") ", " US("pj.created_at")

static void job_row(px_print_job *j, const PGresult *r, int i)
{
    memset(j, 0, sizeof(*j));
    px__texts(r, i, 0, PX__TEXT(j->id), PX__TEXT(j->org_id), PX__TEXT(j->key_id),
              PX__TEXT(j->tenant_id), PX__TEXT(j->gtin), PX__TEXT(j->line),
              PX__TEXT(j->operator_name), NULL);
    j->reprint = px__val(r, i, 7)[0] == '1';
    px__texts(r, i, 8, PX__TEXT(j->reason), PX__TEXT(j->batch), PX__TEXT(j->expiry), NULL);
    j->count = strtol(px__val(r, i, 11), NULL, 10);
    px_strlcpy(j->created_at, px__val(r, i, 12), sizeof(j->created_at));
    j->created_at_us = strtoll(px__val(r, i, 13), NULL, 10);
}

px_rc px_store_print_job_insert(px_db *db, px_print_job *j, const char *const *serials, size_t n,
                                px_err *err)
{
    const char *count = PX__INT(n);
    if (px__exec_cmd(db,
                     "INSERT INTO print_job (id, org_id, key_id, tenant_id, gtin, line, "
                     "operator, reprint, reason, batch, expiry, count, created_at) VALUES "
                     "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, " TS("$13") ")",
                     PX__ARGS(j->id, j->org_id, px__nz(j->key_id), j->tenant_id, j->gtin, j->line,
                              j->operator_name, j->reprint ? "t" : "f", px__nz(j->reason),
                              px__nz(j->batch), px__nz(j->expiry), count,
                              PX__INT(j->created_at_us)),
                     err) != PX_OK)
        return err->rc;
    px_buf arr;
    const char *a = px__text_array(&arr, serials, n, "serials", err);
    if (!a)
        return err->rc;
    px_rc rc = px__exec_cmd(db,
                            "INSERT INTO print_job_serial (gtin, serial, print_job_id, reprint) "
                            "SELECT $1, v, $3, $4 FROM unnest($2::text[]) AS t(v)",
                            PX__ARGS(j->gtin, a, j->id, j->reprint ? "t" : "f"), err);
    px_buf_dispose(&arr);
    if (rc != PX_OK)
        return rc;
    return px_store_print_job_get(db, j, j->id, err);
}

px_rc px_store_label_writes(px_db *db, const char *gtin, long long *n, px_err *err)
{
    return px__exec_number(db,
                           "SELECT (SELECT count(*) FROM print_job WHERE gtin = $1) + (SELECT "
                           "count(*) FROM export WHERE gtin = $1 AND run_batch IS NOT NULL)",
                           PX__ARGS(gtin), n, err);
}

px_rc px_store_printed_other_batch(px_db *db, const char *gtin, const char *batch,
                                   const char *org_id, const char *const *serials, size_t n,
                                   unsigned char *checked, size_t **idx, size_t *n_idx, px_err *err)
{
    *idx = NULL;
    *n_idx = 0;
    if (checked)
        memset(checked, 0, n);
    int any = 0;
    if (px__exec_true(db,
                      "SELECT EXISTS (SELECT 1 FROM print_job WHERE gtin = $1 AND batch <> "
                      "$2) OR EXISTS (SELECT 1 FROM export WHERE gtin = $1 AND run_batch <> "
                      "$2 AND status <> 'failed')",
                      PX__ARGS(gtin, batch), &any, err) != PX_OK)
        return err->rc;
    if (!any) {
        /* No label of the GTIN names another batch: every serial's answer is known. */
        if (checked)
            memset(checked, 1, n);
        return PX_OK;
    }
    if (n == 0)
        return PX_OK;
    px_buf b;
    const char *arr = px__text_array(&b, serials, n, "serials", err);
    if (!arr)
        return err->rc;
    /* Per serial its label: its newest print job with a batch (a reprint that corrects a wrong
     * batch counts; ties to the reprint), else the newest production run manifest of its
     * allocation (an allocation's export with its batch, not failed: labels are printed from
     * it; migrations 0212, 0213). Each candidate's pack and print rows are probed by their
     * primary keys (a LATERAL with OFFSET 0 stays a probe: never a merge or hash over the
     * GTIN's millions of packs, as commission_allocated: stale statistics must not make it a
     * scan of the pool); the newest label is then picked for all candidates at once, and the
     * manifests read once per allocation. An ordered subquery per serial walked the print jobs
     * newest first and probed each for the serial: 2.7 times slower at 10,000 serials. */
    px_rc rc = px__exec_cmd(db, "SET LOCAL enable_seqscan = off", 0, NULL, err);
    /* clang-format off */
    PGresult *r = rc != PX_OK ? NULL : px__exec(db,
        "WITH c AS MATERIALIZED (SELECT t.o, t.s, p.allocation_id FROM unnest($3::text[]) WITH "
        "ORDINALITY AS t(s, o) JOIN serial p ON p.gtin = $1 AND p.serial = t.s AND ($4::uuid IS "
        "NULL OR (p.state = 'allocated' AND p.allocated_to = $4::uuid))), "
        "printed AS (SELECT DISTINCT ON (c.s) c.s, j.batch FROM c CROSS JOIN LATERAL (SELECT "
        "ps.print_job_id, ps.reprint FROM print_job_serial ps WHERE ps.gtin = $1 AND ps.serial "
        "= c.s OFFSET 0) ps JOIN print_job j ON j.id = ps.print_job_id WHERE j.batch IS NOT "
        "NULL ORDER BY c.s, j.created_at DESC, ps.reprint DESC, j.id DESC), "
        "manifest AS (SELECT DISTINCT ON (e.allocation_id) e.allocation_id, e.run_batch FROM "
        "export e WHERE e.allocation_id IN (SELECT allocation_id FROM c) AND e.run_batch IS NOT "
        "NULL AND e.status <> 'failed' ORDER BY e.allocation_id, e.created_at DESC, e.id DESC) "
        "SELECT c.o - 1, coalesce(coalesce(l.batch, m.run_batch) <> $2, false) FROM c LEFT "
        "JOIN printed l ON l.s = c.s LEFT JOIN manifest m ON m.allocation_id = c.allocation_id "
        "ORDER BY 1",
        PX__ARGS(gtin, batch, arr, org_id), err);
    /* clang-format on */
    px_buf_dispose(&b);
    if (r && px__exec_cmd(db, "SET LOCAL enable_seqscan = on", 0, NULL, err) != PX_OK) {
        PQclear(r);
        r = NULL;
    }
    if (!r)
        return err->rc;
    /* Every serial read comes back (its label vouched for), those labelled with another batch
     * flagged. */
    int rows = PQntuples(r);
    if (rows > 0 && !(*idx = malloc((size_t)rows * sizeof(**idx)))) {
        PQclear(r);
        return px_err_oom(err);
    }
    for (int i = 0; i < rows; i++) {
        size_t k = (size_t)strtoull(px__val(r, i, 0), NULL, 10);
        if (checked && k < n)
            checked[k] = 1;
        if (px__val(r, i, 1)[0] == 't')
            (*idx)[(*n_idx)++] = k;
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_allocation_printed_other_batch(px_db *db, const char *gtin,
                                              const char *allocation_id, const char *batch,
                                              long long *n, px_err *err)
{
    /* Each serial's newest print job with a batch, as px_store_printed_other_batch picks it
     * (a print job's label outranks a production run's manifest); read only when a print job
     * of the GTIN names another batch at all (one probe of its print jobs), as its sibling.
     * Only the serials still allocated: the run's batch labels those alone (a commissioned
     * pack's manifest row carries its own batch, px_store_export_rows), and those alone can
     * still be refused at commission (px_store_printed_other_batch asks the same). */
    return px__exec_number(
        db,
        "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM print_job WHERE gtin = $1 AND batch <> $3) "
        "THEN 0 ELSE (SELECT count(*) FROM (SELECT DISTINCT ON (ps.serial) j.batch FROM "
        "print_job j JOIN print_job_serial ps ON ps.print_job_id = j.id JOIN serial s ON s.gtin "
        "= ps.gtin AND s.serial = ps.serial WHERE j.gtin = $1 AND j.batch IS NOT NULL AND "
        "s.allocation_id = $2::uuid AND s.state = 'allocated' ORDER BY ps.serial, j.created_at "
        "DESC, ps.reprint DESC, j.id DESC) x WHERE x.batch <> $3) END",
        PX__ARGS(gtin, allocation_id, batch), n, err);
}

px_rc px_store_print_job_get(px_db *db, px_print_job *out, const char *id, px_err *err)
{
    PGresult *r =
        px__exec(db, "SELECT " JOB_COLS " FROM print_job pj WHERE pj.id = $1", PX__ARGS(id), err);
    return PX__ONE_ROW(r, err, job_row, out, "not_found", "print job not found");
}

px_rc px_store_print_jobs_each(px_db *db, const px_print_job_filter *f, px_print_job_fn fn,
                               void *ctx, px_err *err)
{
    int keyset = f->after_id && *f->after_id;
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        "SELECT " JOB_COLS " FROM print_job pj WHERE ($1::uuid IS NULL OR pj.tenant_id = $1) "
        "AND ($2::uuid IS NULL OR (pj.org_id = $2 AND " PX__CMO_PARTNERED("$2::uuid", "pj.gtin")
        ")) AND ($3::text IS NULL OR pj.gtin = $3) "
        "AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM print_job_serial ps WHERE "
        "ps.gtin = pj.gtin AND ps.serial = $4 AND ps.print_job_id = pj.id)) "
        "AND ($5::bigint IS NULL OR (pj.created_at, pj.id) > (" TS("$5") ", $6::uuid)) "
        "ORDER BY pj.created_at, pj.id LIMIT $7",
        PX__ARGS(px__nz(f->tenant_id), px__nz(f->org_id), px__nz(f->gtin), px__nz(f->serial),
                 keyset ? PX__INT(f->after_us) : NULL, keyset ? f->after_id : NULL,
                 PX__INT(f->limit)), err);
    /* clang-format on */
    PX__RETURN_EACH_ROW(r, err, px_print_job, job_row, fn, ctx);
}

px_rc px_store_print_job_serials(px_db *db, const char *job_id, const char *after, long limit,
                                 px_print_serial_fn fn, void *ctx, px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT serial FROM print_job_serial WHERE print_job_id = $1 AND "
                           "serial > $2 ORDER BY serial LIMIT $3",
                           PX__ARGS(job_id, after ? after : "", PX__INT(limit)), err);
    if (!r)
        return err->rc;
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++)
        if (fn(ctx, px__val(r, i, 0)))
            break;
    PQclear(r);
    return PX_OK;
}
