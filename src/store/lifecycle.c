/* SQL of the pack lifecycle (lifecycle_store.h). Every serial list is one text[] parameter
 * joined with unnest(): one round trip per statement, never one per serial. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack_identity.h"
#include "lifecycle_store.h"
#include "px_str.h"
#include "store_internal.h"

#define TS(n) PX__SQL_US(n)
#define ISO(col) PX__SQL_ISO(col)

px_rc px_store_text_array(px_buf *out, const char *const *v, size_t n)
{
    px_rc rc = px_buf_add(out, "{", 1);
    for (size_t i = 0; i < n && rc == PX_OK; i++) {
        const char *s = v[i];
        char tmp[96];
        size_t k = 0;
        if (i)
            tmp[k++] = ',';
        tmp[k++] = '"';
        for (; *s; s++) {
            if (k > sizeof(tmp) - 4) {
                if ((rc = px_buf_add(out, tmp, k)) != PX_OK)
                    return rc;
                k = 0;
            }
            if (*s == '"' || *s == '\\')
                tmp[k++] = '\\';
            tmp[k++] = *s;
        }
        tmp[k++] = '"';
        rc = px_buf_add(out, tmp, k);
    }
    if (rc == PX_OK)
        rc = px_buf_add(out, "}", 1);
    return rc;
}

const char *px__text_array(px_buf *b, const char *const *v, size_t n, const char *what,
                           px_err *err)
{
    px_buf_init(b, 64u << 20);
    if (px_store_text_array(b, v, n) != PX_OK) {
        px_buf_dispose(b);
        px_err_set(err, PX_ETOOBIG, "payload_too_large", "too many %s", what);
        return NULL;
    }
    return b->data;
}

PGresult *px__exec_with_array(px_db *db, const char *sql, const char *first, const char *const *v,
                              size_t n, const char *what, px_err *err)
{
    px_buf b;
    const char *a = px__text_array(&b, v, n, what, err);
    PGresult *r = a ? px__exec(db, sql, PX__ARGS(first, a), err) : NULL;
    px_buf_dispose(&b);
    return r;
}

/* ---- idempotency ----------------------------------------------------------------------- */

/* The stored row of (org_id, key): *found 0 when none is visible; PX_ECONFLICT
 * "idempotency_conflict" when it was claimed for another route or request body (or has no
 * response yet); else the stored status and response. */
static px_rc idem_read(px_db *db, px_idem_row *out, int *found, const char *org_id,
                       const char *key, const char *route, const char *request_hash,
                       px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT route, request_hash, coalesce(status, 0), "
                           "coalesce(response, '') FROM idempotency WHERE org_id = $1 AND "
                           "key = $2",
                           PX__ARGS(org_id, key), err);
    if (!r)
        return err->rc;
    *found = PQntuples(r) == 1;
    px_rc rc = PX_OK;
    if (!*found) {
        /* nothing stored under the key */
    } else if (strcmp(px__val(r, 0, 0), route) != 0 ||
               strcmp(px__val(r, 0, 1), request_hash) != 0 ||
               strtol(px__val(r, 0, 2), NULL, 10) == 0) {
        rc = px_err_set(err, PX_ECONFLICT, "idempotency_conflict",
                        "Idempotency-Key '%.80s' was already used with another request", key);
    } else {
        out->status = (int)strtol(px__val(r, 0, 2), NULL, 10);
        const char *body = px__val(r, 0, 3);
        size_t len = strlen(body);
        out->response = malloc(len + 1);
        if (!out->response)
            rc = px_err_oom(err);
        else
            memcpy(out->response, body, len + 1);
    }
    PQclear(r);
    return rc;
}

px_rc px_store_idem_lookup(px_db *db, px_idem_row *out, int *found, const char *org_id,
                           const char *key, const char *route, const char *request_hash,
                           px_err *err)
{
    memset(out, 0, sizeof(*out));
    *found = 0;
    return idem_read(db, out, found, org_id, key, route, request_hash, err);
}

px_rc px_store_idem_claim(px_db *db, px_idem_row *out, const char *org_id, const char *key,
                          const char *route, const char *request_hash, px_err *err)
{
    memset(out, 0, sizeof(*out));
    /* A concurrent request with the same key blocks on the uncommitted row until the first
     * one commits (then DO NOTHING) or rolls back (then this one inserts). */
    int inserted = 0;
    if (px__exec_found(db,
                       "INSERT INTO idempotency (org_id, key, route, request_hash) "
                       "VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, key) DO NOTHING "
                       "RETURNING 1",
                       PX__ARGS(org_id, key, route, request_hash), &inserted, err) != PX_OK)
        return err->rc;
    if (inserted) {
        out->claimed = 1;
        return PX_OK;
    }
    int found = 0;
    px_rc rc = idem_read(db, out, &found, org_id, key, route, request_hash, err);
    if (rc == PX_OK && !found)
        rc = px_err_set(err, PX_ECONFLICT, "idempotency_conflict",
                        "Idempotency-Key '%.80s' was already used with another request", key);
    return rc;
}

px_rc px_store_idem_finish(px_db *db, const char *org_id, const char *key, int status,
                           const char *response, px_err *err)
{
    return px__exec_cmd(db,
                        "UPDATE idempotency SET status = $3::smallint, response = $4 "
                        "WHERE org_id = $1 AND key = $2",
                        PX__ARGS(org_id, key, PX__INT(status), response), err);
}

/* ---- commissioning --------------------------------------------------------------------- */

px_rc px_store_batch_claim(px_db *db, char out[7], char recall[PX_BATCH_RECALL_MAX],
                           const char *gtin, const char *batch, const char *expiry, px_err *err)
{
    /* Two statements on purpose: under READ COMMITTED the SELECT takes a new snapshot and sees
     * a batch another transaction committed while the INSERT waited on it. FOR SHARE: a recall
     * of the batch updates the row first, so either it waits for this commission and then
     * recalls its packs too, or this waits for the recall and reads it (migration 0220). */
    if (px__exec_cmd(db,
                     "INSERT INTO batch (gtin, batch, expiry) VALUES ($1, $2, $3) "
                     "ON CONFLICT (gtin, batch) DO NOTHING",
                     PX__ARGS(gtin, batch, expiry), err) != PX_OK)
        return err->rc;
    PGresult *r =
        px__exec(db,
                 "SELECT expiry, coalesce(recall_reason, '') FROM batch WHERE gtin = $1 AND "
                 "batch = $2 FOR SHARE",
                 PX__ARGS(gtin, batch), err);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    if (PQntuples(r) != 1) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    } else {
        px_strlcpy(out, px__val(r, 0, 0), 7);
        if (recall)
            px_strlcpy(recall, px__val(r, 0, 1), PX_BATCH_RECALL_MAX);
    }
    PQclear(r);
    return rc;
}

px_rc px_store_batch_expiry(px_db *db, char expiry[7], int *found, const char *gtin,
                            const char *batch, const char *made_by, px_err *err)
{
    return px__exec_text(db,
                         "SELECT expiry FROM batch WHERE gtin = $1 AND batch = $2 AND ($3::uuid "
                         "IS NULL OR EXISTS (SELECT 1 FROM serial WHERE gtin = $1 AND batch = $2 "
                         "AND commissioned_by = $3::uuid))",
                         PX__ARGS(gtin, batch, made_by), expiry, 7, found, err);
}

/* A statement without parameters whose result is not read. */
static px_rc simple(px_db *db, const char *sql, px_err *err)
{
    return px__exec_cmd(db, sql, 0, NULL, err);
}

/* COPYs the external serials (sorted, each new to the pool) as commissioned rows. Fails on
 * any conflict (the caller's savepoint then falls back to INSERT … ON CONFLICT). */
static px_rc copy_external(px_db *db, const px_commission_rows *in, const char *const *v,
                           size_t n, px_err *err)
{
    char ts[40];
    px__copy_ts(ts, in->now_us);
    px_buf b;
    px_buf_init(&b, (size_t)64 << 20);
    /* Serial and batch are GS1 set 82: no tab, newline or backslash to escape in COPY text. */
    for (size_t i = 0; i < n; i++)
        px_buf_printf(&b, "%s\t%s\tcommissioned\texternal\t%s\t%s\t%s\t%s\t%s\n", in->gtin, v[i],
                      in->batch, in->expiry, in->org_id, ts, in->commission_id);
    px_rc rc = px__copy(db,
                        "COPY serial (gtin, serial, state, origin, batch, expiry, commissioned_by, "
                        "commissioned_at, commission_id) FROM STDIN",
                        &b, "serials", err);
    px_buf_dispose(&b);
    return rc;
}

/* Step 1 of px_store_commission_serials: serials allocated to the caller and still allocated
 * -> commissioned. Matched with "serial = ANY ($2)" on the primary key, never joined (a join
 * with the pool lets the planner hash the whole serial table when statistics are stale; a
 * fresh table's missing statistics must not turn this into a sequential scan either). Row
 * locks: a concurrent commissioner re-checks state after the first commits and misses.
 * The serials taken are returned (NULL on error). */
static PGresult *commission_allocated(px_db *db, const px_commission_rows *in, const char *a,
                                      const char *now, px_err *err)
{
    if (simple(db, "SET LOCAL enable_seqscan = off", err) != PX_OK)
        return NULL;
    /* The probe costs one primary-key descent per serial, in an index that grows with the
     * pool. Its EXISTS asks first, in one descent of the small partial index
     * serial_allocated_to (migration 0110), whether the caller holds any allocated serial of
     * this GTIN. It names no row of p, so the planner runs it once and gates the scan on it
     * (a one-time filter): when the caller holds none, no serial of the request can be its
     * allocated one and the primary key is not read at all (docs/scaling.md "Growth"). */
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        "UPDATE serial p SET state = 'commissioned', batch = $3, expiry = $4, "
        "commissioned_by = $5::uuid, commissioned_at = " TS("$6") ", commission_id = "
        "$7::uuid WHERE p.gtin = $1 AND p.serial = ANY ($2::text[]) AND p.state = "
        "'allocated' AND p.allocated_to = $5::uuid AND EXISTS (SELECT 1 FROM serial h "
        "WHERE h.gtin = $1 AND h.state = 'allocated' AND h.allocated_to = $5::uuid) "
        "RETURNING p.serial",
        PX__ARGS(in->gtin, a, in->batch, in->expiry, in->org_id, now, in->commission_id), err);
    /* clang-format on */
    if (r && simple(db, "SET LOCAL enable_seqscan = on", err) != PX_OK) {
        PQclear(r);
        return NULL;
    }
    return r;
}

/* The request's serials that step 1 did not take, sorted (a fixed lock order between
 * overlapping requests) into rest; *n_rest says how many. */
static px_rc not_taken(const PGresult *r, const px_commission_rows *in, const char **rest,
                       size_t *n_rest, px_err *err)
{
    size_t n_taken = (size_t)PQntuples(r);
    const char **taken = malloc((n_taken ? n_taken : 1) * sizeof(*taken));
    if (!taken)
        return px_err_oom(err);
    for (size_t i = 0; i < n_taken; i++)
        taken[i] = PQgetvalue(r, (int)i, 0);
    memcpy(rest, in->serials, in->n * sizeof(*rest));
    qsort(taken, n_taken, sizeof(*taken), px_strp_cmp);
    qsort(rest, in->n, sizeof(*rest), px_strp_cmp);
    *n_rest = 0;
    for (size_t i = 0, k = 0; i < in->n; i++) {
        while (k < n_taken && strcmp(taken[k], rest[i]) < 0)
            k++;
        if (k < n_taken && strcmp(taken[k], rest[i]) == 0)
            continue;
        rest[(*n_rest)++] = rest[i];
    }
    free(taken);
    return PX_OK;
}

/* The slow path of step 2: INSERT … ON CONFLICT DO NOTHING inserts each unseen serial exactly
 * once and skips the others; *inserted counts the new rows. */
static px_rc insert_external(px_db *db, const px_commission_rows *in, const char *const *rest,
                             size_t n_rest, const char *now, long *inserted, px_err *err)
{
    px_buf restarr;
    const char *ra = px__text_array(&restarr, rest, n_rest, "serials", err);
    if (!ra)
        return err->rc;
    /* clang-format off */
    PGresult *ri = px__exec(
        db,
        "WITH ins AS (INSERT INTO serial (gtin, serial, state, origin, batch, expiry, "
        "commissioned_by, commissioned_at, commission_id) SELECT $1, t.s, "
        "'commissioned', 'external', $3, $4, $5::uuid, " TS("$6") ", $7::uuid FROM "
        "unnest($2::text[]) AS t(s) ORDER BY t.s ON CONFLICT (gtin, serial) DO NOTHING "
        "RETURNING 1) SELECT count(*) FROM ins",
        PX__ARGS(in->gtin, ra, in->batch, in->expiry, in->org_id, now, in->commission_id), err);
    /* clang-format on */
    px_buf_dispose(&restarr);
    if (!ri)
        return err->rc;
    *inserted = strtol(px__val(ri, 0, 0), NULL, 10);
    PQclear(ri);
    return PX_OK;
}

/* Step 2: the rest are new to the pool unless they exist (allocated elsewhere, commissioned)
 * or a concurrent request inserts them first. Fast path: one COPY inside a savepoint. Any
 * conflict rolls the savepoint back and the same rows take insert_external. */
static px_rc commission_external(px_db *db, const px_commission_rows *in, const char *const *rest,
                                 size_t n_rest, const char *now, long *inserted, px_err *err)
{
    px_rc rc = simple(db, "SAVEPOINT commission_copy", err);
    if (rc != PX_OK)
        return rc;
    px_err cerr = PX_ERR_INIT;
    if (copy_external(db, in, rest, n_rest, &cerr) == PX_OK) {
        if ((rc = simple(db, "RELEASE SAVEPOINT commission_copy", err)) == PX_OK)
            *inserted = (long)n_rest;
        return rc;
    }
    if (cerr.rc == PX_EUNAVAIL) {
        return px_err_pass(err, &cerr);
    }
    if ((rc = simple(db, "ROLLBACK TO SAVEPOINT commission_copy", err)) != PX_OK)
        return rc;
    return insert_external(db, in, rest, n_rest, now, inserted, err);
}

/* Step 3: external serials count as issued for the product (the 10,000x rule). */
static px_rc count_issued(px_db *db, const char *gtin, long external, px_err *err)
{
    return px__exec_cmd(db,
                        "UPDATE product SET issued_count = issued_count + $2::bigint "
                        "WHERE gtin = $1",
                        PX__ARGS(gtin, PX__INT(external)), err);
}

/* Step 4, on the error path only: which candidates were not taken (each looked up on the
 * primary key; OFFSET 0 keeps the EXISTS a per-row index probe). The commission's own id is
 * compared with IS NOT DISTINCT FROM, which no index serves: with "=", the planner, which has no
 * statistics for an id made in this transaction, took the index serial_commission and walked
 * every row the commission had written for each candidate (a partial commission of 50,000
 * serials with one refused ran for minutes, holding its rows). */
static px_rc rejected_indices(px_db *db, px_commission_outcome *out, const px_commission_rows *in,
                              const char *a, size_t n_rej, px_err *err)
{
    PGresult *rj =
        px__exec(db,
                 "SELECT coalesce(string_agg((t.o - 1)::text, ',' ORDER BY t.o), '') "
                 "FROM unnest($2::text[]) WITH ORDINALITY AS t(s, o) WHERE NOT EXISTS (SELECT 1 "
                 "FROM serial x WHERE x.gtin = $1 AND x.serial = t.s AND x.commission_id IS NOT "
                 "DISTINCT FROM $3::uuid OFFSET 0)",
                 PX__ARGS(in->gtin, a, in->commission_id), err);
    if (!rj)
        return err->rc;
    out->rejected = malloc(n_rej * sizeof(size_t));
    if (!out->rejected) {
        PQclear(rj);
        return px_err_oom(err);
    }
    const char *sv = px__val(rj, 0, 0);
    while (*sv && out->n_rejected < n_rej) {
        char *end;
        out->rejected[out->n_rejected++] = (size_t)strtoull(sv, &end, 10);
        sv = *end == ',' ? end + 1 : end;
    }
    PQclear(rj);
    return PX_OK;
}

/* A handful of statements whatever the count (docs/lifecycle.md "Set-based SQL"): the steps
 * above, in order. */
px_rc px_store_commission_serials(px_db *db, px_commission_outcome *out,
                                  const px_commission_rows *in, px_err *err)
{
    memset(out, 0, sizeof(*out));
    px_buf arr;
    const char *a = px__text_array(&arr, in->serials, in->n, "serials", err);
    const char **rest = NULL;
    size_t n_rest = 0;
    PGresult *r = NULL;
    px_rc rc = a ? PX_OK : err->rc;
    const char *now = PX__INT(in->now_us);
    if (rc == PX_OK && !(r = commission_allocated(db, in, a, now, err)))
        rc = err->rc;
    if (rc == PX_OK) {
        out->allocated = PQntuples(r);
        rest = malloc((in->n ? in->n : 1) * sizeof(*rest));
        rc = rest ? not_taken(r, in, rest, &n_rest, err) : px_err_oom(err);
    }
    if (rc == PX_OK && n_rest)
        rc = commission_external(db, in, rest, n_rest, now, &out->external, err);
    if (rc == PX_OK && out->external > 0)
        rc = count_issued(db, in->gtin, out->external, err);
    size_t n_rej = in->n - (size_t)(out->allocated + out->external);
    if (rc == PX_OK && n_rej)
        rc = rejected_indices(db, out, in, a, n_rej, err);
    if (r)
        PQclear(r);
    free(rest);
    px_buf_dispose(&arr);
    return rc;
}

void px_commission_outcome_dispose(px_commission_outcome *o)
{
    free(o->rejected);
    o->rejected = NULL;
    o->n_rejected = 0;
}

px_rc px_store_commission_insert(px_db *db, const px_commission_rec *c, px_err *err)
{
    const char *count = PX__INT(c->count), *now = PX__INT(c->now_us);
    return px__exec_cmd(db,
                        "INSERT INTO commission (id, org_id, tenant_id, gtin, batch, expiry, "
                        "count, allocated, external, rejected, partial, created_at) VALUES "
                        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, " TS("$12") ")",
                        PX__ARGS(c->id, c->org_id, c->tenant_id, c->gtin, c->batch, c->expiry,
                                 count, PX__INT(c->allocated), PX__INT(c->external),
                                 PX__INT(c->rejected), c->partial ? "t" : "f", now),
                        err);
}

/* ---- release ----------------------------------------------------------------------------- */

/* Collects the first column of every row into one malloc'd block: a vector of n pointers
 * followed by the strings. */
static px_rc collect_strings(const PGresult *r, char ***out, size_t *count, px_err *err)
{
    size_t n = (size_t)PQntuples(r), bytes = (n + 1) * sizeof(char *);
    for (size_t i = 0; i < n; i++)
        bytes += (size_t)PQgetlength(r, (int)i, 0) + 1;
    char **v = malloc(bytes);
    if (!v)
        return px_err_oom(err);
    char *s = (char *)(v + n + 1);
    for (size_t i = 0; i < n; i++) {
        size_t len = (size_t)PQgetlength(r, (int)i, 0);
        memcpy(s, PQgetvalue(r, (int)i, 0), len + 1);
        v[i] = s;
        s += len + 1;
    }
    v[n] = NULL;
    *out = v;
    *count = n;
    return PX_OK;
}

px_rc px_store_release_packs(px_db *db, const px_release_rec *rel, const char *const *serials,
                             size_t n, char ***serials_out, size_t *count, px_err *err)
{
    *serials_out = NULL;
    *count = 0;
    px_buf arr;
    const char *a = NULL;
    px_buf_init(&arr, 1);
    if (n && !(a = px__text_array(&arr, serials, n, "serials", err)))
        return err->rc;
    const char *now = PX__INT(rel->now_us);
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        "UPDATE serial SET state = 'released', released_by = $3::uuid, released_at = " TS("$4")
        ", release_id = $5::uuid, market = $6 WHERE gtin = $1 AND batch = $2 "
        "AND state = 'commissioned' AND ($7::text[] IS NULL OR serial = ANY ($7::text[])) "
        "RETURNING serial",
        PX__ARGS(rel->gtin, rel->batch, rel->org_id, now, rel->id, rel->market, a), err);
    /* clang-format on */
    px_buf_dispose(&arr);
    if (!r)
        return err->rc;
    px_rc rc = collect_strings(r, serials_out, count, err);
    PQclear(r);
    return rc;
}

px_rc px_store_release_misfits(px_db *db, const char *gtin, const char *batch,
                               const char *const *serials, size_t n, size_t **idx, long **holds,
                               size_t *n_idx, px_err *err)
{
    *idx = NULL;
    *holds = NULL;
    *n_idx = 0;
    px_buf arr;
    const char *a = px__text_array(&arr, serials, n, "serials", err);
    if (!a)
        return err->rc;
    /* The listed rows are locked (FOR UPDATE, in key order like px_store_packs_lock, so two
     * requests over overlapping packs cannot deadlock) before they are judged: a
     * decommission committing between this check and the release's UPDATE would otherwise
     * make the release skip a listed pack and still answer 201. Under READ COMMITTED a row
     * another transaction holds is waited for and then read in its committed state. */
    PGresult *r =
        px__exec(db,
                 "WITH locked AS MATERIALIZED (SELECT x.serial, x.batch, x.state FROM serial x "
                 "WHERE x.gtin = $1 AND x.serial = ANY ($3::text[]) ORDER BY x.serial FOR UPDATE), "
                 "j AS (SELECT t.o, EXISTS (SELECT 1 FROM locked l WHERE l.serial = t.s AND "
                 "l.batch = $2 AND l.state = 'commissioned') AS fits, (SELECT count(*) FROM "
                 "serial c WHERE c.parent_gtin = $1 AND c.parent_serial = t.s AND c.state = "
                 "'commissioned') AS holds FROM unnest($3::text[]) WITH ORDINALITY AS t(s, o)) "
                 "SELECT (o - 1)::bigint, CASE WHEN fits THEN holds ELSE 0 END FROM j "
                 "WHERE NOT fits OR holds > 0 ORDER BY o",
                 PX__ARGS(gtin, batch, a), err);
    px_buf_dispose(&arr);
    if (!r)
        return err->rc;
    size_t k = (size_t)PQntuples(r);
    if (k) {
        *idx = malloc(k * sizeof(size_t));
        *holds = malloc(k * sizeof(long));
        if (!*idx || !*holds) {
            free(*idx);
            free(*holds);
            *idx = NULL;
            *holds = NULL;
            PQclear(r);
            return px_err_oom(err);
        }
        for (size_t i = 0; i < k; i++) {
            (*idx)[i] = (size_t)strtoull(px__val(r, (int)i, 0), NULL, 10);
            (*holds)[i] = strtol(px__val(r, (int)i, 1), NULL, 10);
        }
    }
    *n_idx = k;
    PQclear(r);
    return PX_OK;
}

px_rc px_store_release_insert(px_db *db, const px_release_rec *rel, long count, px_err *err)
{
    const char *now = PX__INT(rel->now_us);
    return px__exec_cmd(db,
                        "INSERT INTO market_release (id, org_id, tenant_id, gtin, batch, "
                        "market, count, created_at, ship_from_gln, ship_to_party_gln, "
                        "ship_to_location_gln, transaction_type, transaction_id) VALUES ($1, "
                        "$2, $3, $4, $5, $6, $7, " TS("$8") ", $9, $10, $11, $12, $13)",
                        PX__ARGS(rel->id, rel->org_id, rel->tenant_id, rel->gtin, rel->batch,
                                 rel->market, PX__INT(count), now, rel->ship_from_gln,
                                 rel->ship_to_party_gln, rel->ship_to_location_gln,
                                 rel->transaction_type, rel->transaction_id),
                        err);
}

px_rc px_store_batch_recall_read(px_db *db, int *exists, char recall[PX_BATCH_RECALL_MAX],
                                 const char *gtin, const char *batch, px_err *err)
{
    return px__exec_text(db,
                         "SELECT coalesce(recall_reason, '') FROM batch WHERE gtin = $1 AND "
                         "batch = $2 FOR SHARE",
                         PX__ARGS(gtin, batch), recall, PX_BATCH_RECALL_MAX, exists, err);
}

px_rc px_store_batch_recall_mark(px_db *db, px_batch_recall_found *found, const char *gtin,
                                 const char *batch, const char *reason, int64_t now_us, px_err *err)
{
    *found = PX_BATCH_NONE;
    const char *now = PX__INT(now_us);
    /* The row as it was, locked, beside the update: RETURNING shows only the new values. */
    PGresult *r =
        px__exec(db,
                 "WITH old AS (SELECT gtin, batch, recalled_at FROM batch WHERE gtin = "
                 "$1 AND batch = $2 FOR UPDATE) UPDATE batch b SET recalled_at = "
                 "coalesce(b.recalled_at, " TS(
                     "$4") "), recall_reason = "
                           "coalesce(b.recall_reason, $3) FROM old WHERE b.gtin = old.gtin AND "
                           "b.batch = old.batch RETURNING old.recalled_at IS NOT NULL",
                 PX__ARGS(gtin, batch, reason, now), err);
    if (!r)
        return err->rc;
    if (PQntuples(r) > 0)
        *found =
            strcmp(px__val(r, 0, 0), "t") == 0 ? PX_BATCH_RECALLED_BEFORE : PX_BATCH_RECALLED_NOW;
    PQclear(r);
    return PX_OK;
}

px_rc px_store_release_count(px_db *db, long long *count, const char *gtin, const char *batch,
                             const char *const *serials, size_t n, px_err *err)
{
    px_buf arr;
    const char *a = NULL;
    if (n && !(a = px__text_array(&arr, serials, n, "serials", err)))
        return err->rc;
    px_rc rc = px__exec_number(db,
                               "SELECT count(*) FROM serial WHERE gtin = $1 AND batch = $2 AND "
                               "state = 'commissioned' AND ($3::text[] IS NULL OR serial = "
                               "ANY ($3::text[]))",
                               PX__ARGS(gtin, batch, a), count, err);
    if (n)
        px_buf_dispose(&arr);
    return rc;
}

px_rc px_store_read_point_gaps(px_db *db, const char *gtin, const char *batch,
                               const char *const *serials, size_t n, px_org_gap_fn fn, void *ctx,
                               px_err *err)
{
    px_buf arr;
    const char *a = serials ? px__text_array(&arr, serials, n, "serials", err) : NULL;
    if (serials && !a)
        return err->rc;
    /* Only the gaps' events ask which packs they name (serial_commission, migration 0203):
     * a batch whose commissionings all carry a read point costs one read of its events. */
    PGresult *r = px__exec(db,
                           "SELECT DISTINCT o.id, o.name FROM epcis_event e JOIN organization o "
                           "ON o.id = e.org_id WHERE e.gtin = $1 AND e.lot = $2 AND "
                           "e.op = 'commission' AND coalesce(e.read_point, '') = '' AND "
                           "EXISTS (SELECT 1 FROM serial s WHERE s.commission_id = "
                           "e.commission_id AND s.gtin = $1 AND s.batch = $2 AND s.state = "
                           "'commissioned' AND ($3::text[] IS NULL OR s.serial = ANY($3::text[]))) "
                           "ORDER BY o.name, o.id",
                           PX__ARGS(gtin, batch, a), err);
    if (serials)
        px_buf_dispose(&arr);
    return px__each_pair(r, fn, ctx, err);
}

/* ---- packs ------------------------------------------------------------------------------ */

/* clang-format off */
#define PACK_COLS                                                                           \
    "gtin, serial, state, origin, coalesce(batch, ''), coalesce(expiry, ''), "              \
    "coalesce(allocation_id::text, ''), coalesce(allocated_to::text, ''), "                 \
    "coalesce(commissioned_by::text, ''), coalesce(" ISO("commissioned_at") ", ''), "       \
    "coalesce(commission_id::text, ''), coalesce(released_by::text, ''), "                  \
    "coalesce(" ISO("released_at") ", ''), coalesce(release_id::text, ''), "                \
    "coalesce(market, ''), coalesce(reason, ''), coalesce(prior_state, ''), "               \
    "coalesce(decommissioned_by::text, ''), "                                               \
    "coalesce(" PX__SQL_EPOCH_US("decommissioned_at") ", 0), "                              \
    "coalesce(" ISO("decommissioned_at") ", '')"
/* clang-format on */

static void pack_row(px_pack_row *p, const PGresult *r, int i)
{
    memset(p, 0, sizeof(*p));
    px__texts(r, i, 0, PX__TEXT(p->gtin), PX__TEXT(p->serial), PX__TEXT(p->state),
              PX__TEXT(p->origin), PX__TEXT(p->batch), PX__TEXT(p->expiry),
              PX__TEXT(p->allocation_id), PX__TEXT(p->allocated_to), PX__TEXT(p->commissioned_by),
              PX__TEXT(p->commissioned_at), PX__TEXT(p->commission_id), PX__TEXT(p->released_by),
              PX__TEXT(p->released_at), PX__TEXT(p->release_id), PX__TEXT(p->market),
              PX__TEXT(p->reason), PX__TEXT(p->prior_state), PX__TEXT(p->decommissioned_by), NULL);
    p->decommissioned_at_us = strtoll(px__val(r, i, 18), NULL, 10);
    px_strlcpy(p->decommissioned_at, px__val(r, i, 19), sizeof(p->decommissioned_at));
}

px_rc px_store_pack_get(px_db *db, px_pack_row *out, const char *gtin, const char *serial,
                        px_err *err)
{
    PGresult *r = px__exec(db, "SELECT " PACK_COLS " FROM serial WHERE gtin = $1 AND serial = $2",
                           PX__ARGS(gtin, serial), err);
    return PX__ONE_ROW(r, err, pack_row, out, "not_found", "pack not found");
}

px_rc px_store_packs_lock(px_db *db, const char *gtin, const char *const *serials, size_t n,
                          px_pack_row_fn fn, void *ctx, px_err *err)
{
    /* Locks in key order, so two requests over overlapping packs cannot deadlock. */
    PGresult *r = px__exec_with_array(db,
                                      "SELECT " PACK_COLS ", t.o - 1, (SELECT count(*) FROM "
                                      "serial c WHERE c.parent_gtin = serial.gtin AND "
                                      "c.parent_serial = serial.serial AND c.state <> "
                                      "'decommissioned') FROM serial JOIN "
                                      "unnest($2::text[]) WITH ORDINALITY AS t(s, o) ON "
                                      "serial.serial = t.s WHERE serial.gtin = $1 AND "
                                      "serial.serial = ANY ($2::text[]) ORDER BY serial.serial "
                                      "FOR UPDATE OF serial",
                                      gtin, serials, n, "serials", err);
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++) {
        px_pack_row row;
        pack_row(&row, r, i);
        row.holds_active = strtol(px__val(r, i, 21), NULL, 10);
        if (fn(ctx, (size_t)strtoull(px__val(r, i, 20), NULL, 10), &row))
            break;
    }
    PQclear(r);
    return PX_OK;
}

/* Two text[] parameters (px__text_array); on failure neither buffer is left to dispose. */
px_rc px__text_arrays2(px_buf *b1, const char **s1, const char *const *v1, size_t n1, px_buf *b2,
                       const char **s2, const char *const *v2, size_t n2, const char *what,
                       px_err *err)
{
    if (!(*s1 = px__text_array(b1, v1, n1, what, err)))
        return err->rc;
    if (!(*s2 = px__text_array(b2, v2, n2, what, err))) {
        px_buf_dispose(b1);
        return err->rc;
    }
    return PX_OK;
}

px_rc px_store_packs_decommission(px_db *db, const char *gtin, const char *const *serials,
                                  const char *const *prior_states, size_t n, const char *reason,
                                  const char *org_id, int64_t now_us, px_err *err)
{
    px_buf a1, a2;
    const char *s1, *s2;
    if (px__text_arrays2(&a1, &s1, serials, n, &a2, &s2, prior_states, n, "serials", err) != PX_OK)
        return err->rc;
    const char *now = PX__INT(now_us);
    /* clang-format off */
    px_rc rc = px__exec_cmd(db,
                            "UPDATE serial p SET state = 'decommissioned', reason = $4, "
                            "prior_state = t.prior, decommissioned_by = $5::uuid, "
                            "decommissioned_at = " TS("$6") " FROM unnest($2::text[], "
                            "$3::text[]) AS t(s, prior) WHERE p.gtin = $1 AND p.serial = t.s "
                            "AND p.serial = ANY ($2::text[])",
                            PX__ARGS(gtin, s1, s2, reason, org_id, now), err);
    /* clang-format on */
    px_buf_dispose(&a1);
    px_buf_dispose(&a2);
    return rc;
}

px_rc px_store_packs_reactivate(px_db *db, const char *gtin, const char *const *serials,
                                const char *const *states, size_t n, px_err *err)
{
    px_buf a1, a2;
    const char *s1, *s2;
    if (px__text_arrays2(&a1, &s1, serials, n, &a2, &s2, states, n, "serials", err) != PX_OK)
        return err->rc;
    px_rc rc = px__exec_cmd(db,
                            "UPDATE serial p SET state = t.st, reason = NULL, prior_state = NULL, "
                            "decommissioned_by = NULL, decommissioned_at = NULL "
                            "FROM unnest($2::text[], $3::text[]) AS t(s, st) "
                            "WHERE p.gtin = $1 AND p.serial = t.s AND p.serial = ANY ($2::text[])",
                            PX__ARGS(gtin, s1, s2), err);
    px_buf_dispose(&a1);
    px_buf_dispose(&a2);
    return rc;
}

#define CASES_HOLDING(where)                                                                       \
    "SELECT count(DISTINCT c.parent_serial), count(*), coalesce(min(c.parent_serial), '') FROM "   \
    "serial c JOIN serial p ON p.gtin = c.parent_gtin AND p.serial = c.parent_serial WHERE "       \
    "c.parent_gtin = $1::char(14) AND p.batch = $2 AND " where
static const char *const k_cases_holding[] = {
    [PX_CASES_RELEASABLE] = CASES_HOLDING("p.state = 'commissioned' AND c.state = 'commissioned'"),
    [PX_CASES_RELEASED] = CASES_HOLDING("p.release_id = $3::uuid AND c.state = 'commissioned'"),
    [PX_CASES_RECALLED] = CASES_HOLDING("p.state = 'decommissioned' AND p.decommissioned_at = " TS(
        "$3") " AND c.state <> 'decommissioned'"),
};

px_rc px_store_batch_cases_holding(px_db *db, px_cases_holding *out, const char *gtin,
                                   const char *batch, px_cases_moved moved, const char *arg,
                                   px_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *p[] = {gtin, batch, arg};
    PGresult *r =
        px__exec(db, k_cases_holding[moved], moved == PX_CASES_RELEASABLE ? 2 : 3, p, err);
    if (!r)
        return err->rc;
    out->cases = strtol(px__val(r, 0, 0), NULL, 10);
    out->packs = strtol(px__val(r, 0, 1), NULL, 10);
    px_strlcpy(out->first, px__val(r, 0, 2), sizeof(out->first));
    PQclear(r);
    return PX_OK;
}

px_rc px_store_recall_batch(px_db *db, const char *gtin, const char *batch, const char *reason,
                            const char *const *from_states, size_t n_states,
                            const char *const *from_reasons, size_t n_reasons, const char *org_id,
                            int64_t now_us, char ***serials_out, char (**markets_out)[3],
                            size_t *count, px_err *err)
{
    *serials_out = NULL;
    *markets_out = NULL;
    *count = 0;
    px_buf a1, a2;
    const char *s1, *s2;
    if (px__text_arrays2(&a1, &s1, from_states, n_states, &a2, &s2, from_reasons, n_reasons,
                         "serials", err))
        return err->rc;
    const char *now = PX__INT(now_us);
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        "UPDATE serial SET prior_state = CASE WHEN state = 'decommissioned' THEN prior_state "
        "ELSE state END, state = 'decommissioned', reason = $3, decommissioned_by = $6::uuid, "
        "decommissioned_at = " TS("$7") " WHERE gtin = $1 AND batch = $2 AND "
        "(state = ANY ($4::text[]) OR (state = 'decommissioned' AND reason = ANY ($5::text[]))) "
        "RETURNING serial, CASE WHEN released_at IS NOT NULL THEN coalesce(market, '') "
        "ELSE '' END",
        PX__ARGS(gtin, batch, reason, s1, s2, org_id, now), err);
    /* clang-format on */
    px_buf_dispose(&a1);
    px_buf_dispose(&a2);
    if (!r)
        return err->rc;
    px_rc rc = collect_strings(r, serials_out, count, err);
    char(*markets)[3] = rc == PX_OK ? calloc(*count ? *count : 1, sizeof(*markets)) : NULL;
    if (rc == PX_OK && !markets)
        rc = px_err_oom(err);
    for (size_t i = 0; rc == PX_OK && i < *count; i++)
        px_strlcpy(markets[i], px__val(r, (int)i, 1), sizeof(markets[i]));
    PQclear(r);
    if (rc != PX_OK) {
        free(*serials_out);
        *serials_out = NULL;
        *count = 0;
        free(markets);
        return rc;
    }
    *markets_out = markets;
    return PX_OK;
}

px_rc px_store_pack_op_insert(px_db *db, const px_pack_op_rec *op, px_err *err)
{
    const char *now = PX__INT(op->now_us);
    return px__exec_cmd(
        db,
        "INSERT INTO pack_op (id, kind, org_id, tenant_id, gtin, batch, "
        "reason, count, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, " TS("$9") ")",
        PX__ARGS(op->id, op->kind, op->org_id, op->tenant_id, op->gtin, op->batch, op->reason,
                 PX__INT(op->count), now),
        err);
}

/* ---- events ------------------------------------------------------------------------------ */

px_rc px_store_event_insert(px_db *db, const px_event_rec *e, px_err *err)
{
    px_buf arr, earr;
    px_buf_init(&arr, 1);
    px_buf_init(&earr, 1);
    /* The listed serials, and the EPC URIs named in their place (migration 0090). */
    const char *a =
        e->serials ? px__text_array(&arr, e->serials, e->n_serials, "serials", err) : NULL;
    const char *ea = e->epcs && (a || !e->serials)
                         ? px__text_array(&earr, e->epcs, e->n_epcs, "serials", err)
                         : NULL;
    if ((e->serials && !a) || (e->epcs && !ea)) {
        px_buf_dispose(&arr);
        px_buf_dispose(&earr);
        return err->rc;
    }
    const char *t = PX__INT(e->event_time_us);
    /* clang-format off */
    px_rc rc = px__exec_cmd(
        db,
        "INSERT INTO epcis_event (id, tenant_id, org_id, op, action, biz_step, disposition, "
        "event_time, tz_offset_min, gtin, gcp_len, serial_set, commission_id, release_id, op_id, "
        "serials, epc_count, lot, expiry, reason, market, location_gln, read_point, "
        "biz_location, event_hash, source_party, source_location, dest_party, dest_location, "
        "biz_tx_type, biz_tx, epcs) VALUES ($1, $2, $3, $4, $5, $6, $7, " TS("$8") ", $9, $10, "
        "$11, $12, $13, $14, $15, $16::text[], $17, $18, $19, $20, $21, $22, $23, $24, $25, "
        "$26, $27, $28, $29, $30, $31, $32::text[])",
        PX__ARGS(e->id, e->tenant_id, e->org_id, e->op, e->action, e->biz_step,
                 px__nz(e->disposition), t, PX__INT(e->tz_offset_min), e->gtin,
                 PX__INT(e->gcp_len), e->serial_set, px__nz(e->commission_id),
                 px__nz(e->release_id), px__nz(e->op_id), a, PX__INT(e->epc_count),
                 px__nz(e->lot), px__nz(e->expiry), px__nz(e->reason), px__nz(e->market),
                 px__nz(e->location_gln), px__nz(e->read_point), px__nz(e->biz_location),
                 e->event_hash, px__nz(e->source_party), px__nz(e->source_location),
                 px__nz(e->dest_party), px__nz(e->dest_location), px__nz(e->biz_tx_type),
                 px__nz(e->biz_tx), ea), err);
    /* clang-format on */
    px_buf_dispose(&arr);
    px_buf_dispose(&earr);
    return rc;
}

static void event_row(px_event_row *e, const PGresult *r, int i)
{
    memset(e, 0, sizeof(*e));
    px__texts(r, i, 0, PX__TEXT(e->event_id), PX__TEXT(e->op), PX__TEXT(e->type),
              PX__TEXT(e->action), PX__TEXT(e->biz_step), PX__TEXT(e->disposition),
              PX__TEXT(e->event_time), PX__TEXT(e->by), PX__TEXT(e->event_hash),
              PX__TEXT(e->reason), PX__TEXT(e->market), NULL);
}

px_rc px_store_pack_events_each(px_db *db, const px_pack_row *pack, const char *epc,
                                px_event_row_fn fn, void *ctx, px_err *err)
{
    /* The two tables draw seq from one sequence (migration 0215): one write order. */
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        "SELECT id, op, type, action, biz_step, coalesce(disposition, ''), "
        PX__SQL_ISO_EVENT("event_time") ", org_id, event_hash, coalesce(reason, ''), "
        "coalesce(market, ''), seq FROM epcis_event "
        "WHERE (gtin = $1 AND (commission_id = $2::uuid OR serials @> ARRAY[$4::text])) "
        /* A case that carries its own GTIN moved with its pallet: the release (its release_id)
         * and the operations by containers (case_op, migration 0223) that moved it, whose
         * events list the packs of another GTIN. */
        "OR release_id = $3::uuid OR op_id IN (SELECT m.op_id FROM case_op m WHERE m.gtin = $1 "
        "AND m.serial = $4) UNION ALL SELECT id, CASE action WHEN 'ADD' THEN "
        "'pack' ELSE 'unpack' END, type, action, biz_step, coalesce(disposition, ''), "
        PX__SQL_ISO_EVENT("event_time") ", org_id, event_hash, '', '', seq FROM container_event "
        "WHERE $5::text IS NOT NULL AND epcs @> ARRAY[$5::text] "
        /* An empty DELETE (EPCIS 2.0 §7.4.3: every child out) names no child: the first one
         * of a parent after the pack was packed into it, and before the pack left it. */
        "UNION ALL SELECT d.id, 'unpack', d.type, d.action, d.biz_step, coalesce(d.disposition, "
        "''), " PX__SQL_ISO_EVENT("d.event_time") ", d.org_id, d.event_hash, '', '', d.seq "
        "FROM container_event a JOIN container_event d ON d.parent_id = a.parent_id AND d.action = "
        "'DELETE' AND cardinality(d.epcs) = 0 AND d.seq > a.seq WHERE $5::text IS NOT NULL AND "
        "a.epcs @> ARRAY[$5::text] AND a.action = 'ADD' AND NOT EXISTS (SELECT 1 FROM "
        "container_event b WHERE b.parent_id = a.parent_id AND b.action = 'DELETE' AND b.seq > "
        "a.seq AND b.seq < d.seq AND (cardinality(b.epcs) = 0 OR b.epcs @> ARRAY[$5::text])) "
        "ORDER BY seq",
        PX__ARGS(pack->gtin, px__nz(pack->commission_id), px__nz(pack->release_id),
                 pack->serial, epc), err);
    /* clang-format on */
    PX__RETURN_EACH_ROW(r, err, px_event_row, event_row, fn, ctx);
}
