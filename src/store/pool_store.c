/* Serial settings, allocations and the serial pool (pool_store.h, docs/pool.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool_store.h"
#include "px_log.h"
#include "px_str.h"
#include "store_internal.h"

#define TS(col) PX__SQL_ISO0(col)

static long long ll(const PGresult *r, int row, int col)
{
    return strtoll(px__val(r, row, col), NULL, 10);
}

/* ---- serial settings -------------------------------------------------------------------- */

static px_rc settings_from_text(px_serial_settings *out, const char *strategy, int length,
                                const char *symbols, px_err *err)
{
    px_serial_strategy st;
    px_rc rc = px_serial_strategy_parse(&st, strategy, err);
    if (rc != PX_OK)
        return rc;
    return px_serial_settings_init(out, st, length, symbols, err);
}

px_rc px_store_org_settings_get(px_db *db, px_serial_settings *out, const char *org_id,
                                px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT strategy, length, coalesce(symbols, '') "
                           "FROM org_serial_settings WHERE org_id = $1::uuid",
                           PX__ARGS(org_id), err);
    px_rc rc = px__one(r, err, "settings_missing", "the organization has no serial settings");
    if (rc == PX_OK)
        rc = settings_from_text(out, px__val(r, 0, 0), (int)strtol(px__val(r, 0, 1), NULL, 10),
                                px__val(r, 0, 2), err);
    PQclear(r);
    return rc;
}

static const char *symbols_param(const px_serial_settings *s)
{
    return s->strategy == PX_SERIAL_RANDOM_ALPHANUMERIC ? s->symbols : NULL;
}

/* REQ-POOL-3: serial settings are set once and never change (docs/api.md settings_immutable):
 * sql writes them for key only where none are set yet; what names the owner in the error. */
static px_rc settings_write_once(px_db *db, const char *sql, const char *key,
                                 const px_serial_settings *s, const char *what, px_err *err)
{
    PGresult *r = px__exec(
        db, sql,
        PX__ARGS(key, px_serial_strategy_name(s->strategy), PX__INT(s->length), symbols_param(s)),
        err);
    long long n = 0;
    if (px__changed(r, &n, err) != PX_OK)
        return err->rc;
    if (n != 1)
        return px_err_set(err, PX_ECONFLICT, "settings_immutable",
                          "the serial settings of %s are already set and never change", what);
    return PX_OK;
}

px_rc px_store_org_settings_insert(px_db *db, const char *org_id, const px_serial_settings *s,
                                   px_err *err)
{
    return settings_write_once(db,
                               "INSERT INTO org_serial_settings (org_id, strategy, length, "
                               "symbols) VALUES ($1::uuid, $2, $3::smallint, $4) "
                               "ON CONFLICT (org_id) DO NOTHING",
                               org_id, s, "the organization", err);
}

px_rc px_store_product_settings_set(px_db *db, const char *gtin, const px_serial_settings *s,
                                    px_err *err)
{
    char what[32];
    snprintf(what, sizeof(what), "product %s", gtin);
    return settings_write_once(db,
                               "UPDATE product SET serial_strategy = $2, serial_length = "
                               "$3::smallint, serial_symbols = $4 "
                               "WHERE gtin = $1 AND serial_strategy IS NULL",
                               gtin, s, what, err);
}

px_rc px_store_product_settings_parse(px_serial_settings *out, const px_product *p,
                                      px_err *err)
{
    if (!p->has_settings)
        return px_err_set(err, PX_ENOTFOUND, "settings_missing",
                          "product %s has no serial settings", p->gtin);
    return settings_from_text(out, p->serial_strategy, p->serial_length, p->serial_symbols,
                              err);
}

px_rc px_store_product_issued_add(px_db *db, const char *gtin, long long delta, px_err *err)
{
    return px__exec_cmd(db,
                        "UPDATE product SET issued_count = greatest(issued_count + "
                        "$2::bigint, 0) WHERE gtin = $1",
                        PX__ARGS(gtin, PX__INT(delta)), err);
}

/* ---- jobs ------------------------------------------------------------------------------- */

/* ---- allocations ---------------------------------------------------------------------- */

#define ALLOC_COLS                                                                          \
    "a.id, a.gtin, a.org_id, a.requested_by, p.mah_id, coalesce(a.label, ''), a.count, "    \
    "coalesce(a.job_id::text, ''), " TS("a.created_at")

static void alloc_row(px_allocation *a, const PGresult *r, int i)
{
    memset(a, 0, sizeof(*a));
    px__texts(r, i, 0, PX__TEXT(a->id), PX__TEXT(a->gtin), PX__TEXT(a->org_id),
              PX__TEXT(a->requested_by), PX__TEXT(a->mah_id), PX__TEXT(a->label), NULL);
    a->count = ll(r, i, 6);
    px_strlcpy(a->job_id, px__val(r, i, 7), sizeof(a->job_id));
    px_strlcpy(a->created_at, px__val(r, i, 8), sizeof(a->created_at));
}

px_rc px_store_allocation_insert(px_db *db, px_allocation *a, px_err *err)
{
    const char *count = PX__INT(a->count);
    PGresult *r = px__exec(
        db,
        "WITH a AS (INSERT INTO allocation (gtin, org_id, requested_by, label, "
        "count, job_id) VALUES ($1, $2::uuid, $3::uuid, $4, $5::integer, "
        "$6::uuid) RETURNING *) "
        "SELECT " ALLOC_COLS " FROM a JOIN product p ON p.gtin = a.gtin",
        PX__ARGS(a->gtin, a->org_id, a->requested_by, px__nz(a->label), count, px__nz(a->job_id)),
        err);
    return PX__INSERTED(r, err, alloc_row, a);
}

px_rc px_store_allocation_get(px_db *db, px_allocation *out, const char *id, px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT " ALLOC_COLS " FROM allocation a JOIN product p "
                           "ON p.gtin = a.gtin WHERE a.id = $1::uuid",
                           PX__ARGS(id), err);
    return PX__ONE_ROW(r, err, alloc_row, out, "not_found", "allocation %s not found", id);
}

/* One statement per order. Serial order walks the index serial_allocation (allocation_id,
 * serial): a page is an index range scan. The created and modified orders have no index of
 * their own (migration 0077: they slowed every commission by a fifth): a page reads the
 * allocation's rows through serial_allocation past the cursor and keeps the next `limit` in
 * order (a top-N sort), work bounded by the allocation's size, never the table's.
 * $2 is the cursor: a serial, or a sequence number (NULL on the first page). */
#define SERIALS_COLS "SELECT serial, state, "
#define SERIALS_FROM " FROM serial WHERE allocation_id = $1::uuid " \
                     "AND ($4::text IS NULL OR released_at IS NULL) "
static const char *const serials_sql[] = {
    [PX_SERIAL_BY_SERIAL] = SERIALS_COLS "0" SERIALS_FROM
    "AND serial > coalesce($2, '') ORDER BY serial LIMIT $3::bigint",
    [PX_SERIAL_CREATED_ASC] = SERIALS_COLS "created_seq" SERIALS_FROM
    "AND ($2::bigint IS NULL OR created_seq > $2::bigint) ORDER BY created_seq LIMIT $3::bigint",
    [PX_SERIAL_CREATED_DESC] = SERIALS_COLS "created_seq" SERIALS_FROM
    "AND ($2::bigint IS NULL OR created_seq < $2::bigint) ORDER BY created_seq DESC "
    "LIMIT $3::bigint",
    [PX_SERIAL_MODIFIED_ASC] = SERIALS_COLS "modified_seq" SERIALS_FROM
    "AND ($2::bigint IS NULL OR modified_seq > $2::bigint) ORDER BY modified_seq "
    "LIMIT $3::bigint",
    [PX_SERIAL_MODIFIED_DESC] = SERIALS_COLS "modified_seq" SERIALS_FROM
    "AND ($2::bigint IS NULL OR modified_seq < $2::bigint) ORDER BY modified_seq DESC "
    "LIMIT $3::bigint",
};

static void serial_item_row(px_serial_item *it, const PGresult *r, int i)
{
    px__texts(r, i, 0, PX__TEXT(it->serial), PX__TEXT(it->state), NULL);
    it->seq = strtoll(px__val(r, i, 2), NULL, 10);
}

px_rc px_store_allocation_serials_each(px_db *db, const char *allocation_id,
                                       const px_serial_page *page, int hide_released,
                                       px_serial_item_fn fn, void *ctx, px_err *err)
{
    char seq[24];
    const char *after = NULL;
    if (page->order == PX_SERIAL_BY_SERIAL) {
        after = page->after_serial;
    } else if (page->after_seq > 0) {
        snprintf(seq, sizeof(seq), "%lld", page->after_seq);
        after = seq;
    }
    PGresult *r = px__exec(
        db, serials_sql[page->order],
        PX__ARGS(allocation_id, after, PX__INT(page->limit), hide_released ? "1" : NULL), err);
    PX__RETURN_EACH_ROW(r, err, px_serial_item, serial_item_row, fn, ctx);
}

/* ---- the allocation runner ------------------------------------------------------------------ */

#define ALLOCATION_JOB_CLAIMABLE PX__JOB_CLAIMABLE("allocation")

px_rc px_store_alloc_claim(px_db *db, px_alloc_claim *out, int *found, px_err *err)
{
    *found = 0;
    memset(out, 0, sizeof(*out));
    PGresult *r = px__exec_cached(
        db, PX__Q_ALLOC_CLAIM,
        "WITH c AS (SELECT j.id FROM job j WHERE " ALLOCATION_JOB_CLAIMABLE PX__JOB_CLAIM_NEXT ") "
        "UPDATE job j SET status = 'running', heartbeat_at = now() FROM c, allocation a, product p "
        "WHERE j.id = c.id AND a.job_id = j.id AND p.gtin = a.gtin "
        "RETURNING j.id, j.org_id, coalesce(j.tenant_id::text, ''), a.id, a.gtin, a.org_id, "
        "p.market, j.total, j.done, p.issued_count, coalesce(p.serial_strategy, ''), "
        "coalesce(p.serial_length, 0), coalesce(p.serial_symbols, '')",
        0, NULL, err);
    if (!r)
        return err->rc;
    if (PQntuples(r) == 1) {
        *found = 1;
        px__texts(r, 0, 0, PX__TEXT(out->job_id), PX__TEXT(out->job_org_id),
                  PX__TEXT(out->tenant_id), PX__TEXT(out->allocation_id), PX__TEXT(out->gtin),
                  PX__TEXT(out->org_id), PX__TEXT(out->market), NULL);
        out->total = ll(r, 0, 7);
        out->done = ll(r, 0, 8);
        out->issued_count = ll(r, 0, 9);
        px_err e2 = PX_ERR_INIT;
        out->settings_ok = settings_from_text(&out->settings, px__val(r, 0, 10),
                                              (int)strtol(px__val(r, 0, 11), NULL, 10), px__val(r, 0, 12),
                                              &e2) == PX_OK;
        if (!out->settings_ok)
            px_strlcpy(out->settings_error, e2.message, sizeof(out->settings_error));
    }
    PQclear(r);
    return PX_OK;
}

static px_rc simple(px_db *db, const char *sql, px_err *err)
{
    return px_db_exec(db, sql, err);
}

/* One COPY text line a serial: gtin \t serial \t allocation \t org \n. No escaping is needed:
 * set 82 has no backslash, tab or newline (the GS1 General Specifications), and the other
 * fields are digits and UUIDs. In a savepoint, so a serial already known (the caller then
 * inserts the set another way) leaves the transaction usable. */
px_rc px_store_serials_copy(px_db *db, const px_alloc_claim *c, const px_serial_set *set,
                            px_err *err)
{
    px_buf b;
    px_buf_init(&b, (size_t)64 << 20);
    for (size_t i = 0; i < set->n; i++)
        px_buf_printf(&b, "%s\t%s\t%s\t%s\n", c->gtin, set->serials + i * PX_SERIAL_STRIDE,
                      c->allocation_id, c->org_id);
    px_rc rc = simple(db, "SAVEPOINT px_copy", err);
    if (rc != PX_OK) {
        px_buf_dispose(&b);
        return rc;
    }
    rc = px__copy(db, "COPY serial (gtin, serial, allocation_id, allocated_to) FROM STDIN", &b,
                  "serials", err);
    px_buf_dispose(&b);
    if (rc == PX_OK)
        return simple(db, "RELEASE SAVEPOINT px_copy", err);
    simple(db, "ROLLBACK TO SAVEPOINT px_copy", NULL);
    return rc;
}

px_rc px_store_serials_insert_new(px_db *db, const px_alloc_claim *c, const px_serial_set *set,
                                  long long *inserted, px_err *err)
{
    *inserted = 0;
    if (set->n == 0)
        return PX_OK;
    /* The serials travel as one newline-separated text (newline is not in set 82). */
    size_t cap = set->n * PX_SERIAL_STRIDE + 1, len = 0;
    char *text = malloc(cap);
    if (!text)
        return px_err_oom(err);
    for (size_t i = 0; i < set->n; i++) {
        const char *s = set->serials + i * PX_SERIAL_STRIDE;
        size_t sl = strlen(s);
        if (i)
            text[len++] = '\n';
        memcpy(text + len, s, sl);
        len += sl;
    }
    text[len] = '\0';
    /* REQ-POOL-4: the primary key (gtin, serial) is the final guard; a serial already known
     * for the GTIN (generated earlier, allocated to another CMO, or external) is skipped,
     * and the caller generates another. The rows go in key order, as a commission writes its
     * new serials (docs/lifecycle.md "Concurrency"): two writers of one GTIN then wait for
     * each other's rows in the same order instead of deadlocking. */
    PGresult *r = px__exec(db,
                           "INSERT INTO serial (gtin, serial, allocation_id, allocated_to) "
                           "SELECT $1, s, $2::uuid, $3::uuid FROM "
                           "unnest(string_to_array($4, E'\\n')) AS s ORDER BY s "
                           "ON CONFLICT DO NOTHING",
                           PX__ARGS(c->gtin, c->allocation_id, c->org_id, text), err);
    free(text);
    return px__changed(r, inserted, err);
}

px_rc px_store_serials_gtin_lock(px_db *db, const char *gtin, px_err *err)
{
    return px__exec_cmd(db,
                        "SELECT pg_advisory_xact_lock(" PX__LOCK_ALLOC_GTIN ", hashtext($1::text))",
                        PX__ARGS(gtin), err);
}

px_rc px_store_sequence_reserve(px_db *db, const char *gtin, long long n, long long *first,
                                px_err *err)
{
    /* REQ-POOL-4: disjoint ranges — the counter moves under the product row lock, so two
     * allocations (two CMOs) never get the same numbers (the "vendor split" problem). */
    PGresult *r = px__exec(db,
                           "UPDATE product SET next_sequence = next_sequence + $2::bigint "
                           "WHERE gtin = $1 RETURNING next_sequence - $2::bigint",
                           PX__ARGS(gtin, PX__INT(n)), err);
    px_rc rc = px__one(r, err, "product_not_found", "product %s not found", gtin);
    if (rc == PX_OK)
        *first = ll(r, 0, 0);
    PQclear(r);
    return rc;
}
