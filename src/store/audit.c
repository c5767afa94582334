/* The audit log: per-tenant hash chains, sealed entries, signed checkpoints (docs/audit.md,
 * migrations 0001 and 0060). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition_store.h"
#include "px_array.h"
#include "px_crypto.h"
#include "px_str.h"
#include "store_internal.h"

px_rc px_audit_entry_hash(char out[PX_SHA256_HEX_LEN + 1], px_buf *text, const px_audit_entry *e)
{
    px_buf_reset(text);
    px_rc rc;
    if (!e->chain[0])
        rc =
            px_buf_printf(text, "%lld|%lld|%s|%s|%s|%s|%s|%s|%s", e->seq, e->at_us, e->org_id,
                          e->key_id, e->tenant_id, e->action, e->subject, e->details, e->prev_hash);
    else
        rc = px_buf_printf(text, "2|%lld|%lld|%s|%s|%s|%s|%s|%s|%s|%s|%lld|%lld", e->seq, e->at_us,
                           e->org_id, e->key_id, e->tenant_id, e->action, e->subject, e->details,
                           e->prev_hash, e->chain, e->chain_seq, e->prev_seq);
    if (rc == PX_OK)
        px_sha256_hex(out, text->data, text->len);
    return rc;
}

void px_audit_entry_seal(char out[PX_SHA256_HEX_LEN + 1], const px_sign_key *key, const char *hash)
{
    px_hmac_sha256_hex(out, key->mac, sizeof(key->mac), hash, strlen(hash));
}

/* REQ-AUDIT-1: an append locks its own tenant's chain head only (the row of audit_head), so
 * tenants never wait on each other; within a chain, the lock orders the entries, and seq is
 * drawn after the lock is held, so a chain's entries are in seq order. */
/* clang-format off */
static const char reserve_sql[] =
    "WITH h AS (INSERT INTO audit_head AS x (chain) VALUES ($1::uuid) ON CONFLICT (chain) "
    "DO UPDATE SET chain = x.chain RETURNING x.chain_seq, x.last_seq, x.last_hash), "
    "t AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS at) "
    "SELECT h.chain_seq, h.last_seq, h.last_hash, nextval('audit_log_seq'), "
    PX__SQL_EPOCH_US("t.at") ", t.at::text, $2::jsonb::text FROM h, t";
/* clang-format on */

static const char insert_sql[] =
    "WITH e AS (INSERT INTO audit_log (seq, at, org_id, key_id, tenant_id, action, subject, "
    "details, prev_hash, hash, chain, chain_seq, prev_seq, mac, mac_key) VALUES ($1::bigint, "
    "$2::timestamptz, $3::uuid, $4::uuid, $5::uuid, $6, $7, $8::jsonb, $9, $10, $11::uuid, "
    "$12::bigint, $13::bigint, $14, $15)) "
    "UPDATE audit_head SET chain_seq = $12::bigint, last_seq = $1::bigint, last_hash = $10 "
    "WHERE chain = $11::uuid";

px_rc px_store_audit_append(px_db *db, const char *org_id, const char *key_id,
                            const char *tenant_id, const char *action, const char *subject,
                            const char *details_json, px_err *err)
{
    if (!db->seal)
        return px_err_set(err, PX_EINTERNAL, "internal",
                          "no audit key: audit entries are sealed by packid's key");
    px_rc rc = PX_OK;
    px_buf text;
    px_buf_init(&text, 0);
    PGresult *r = NULL;
    px_audit_entry e = {0};
    px_strlcpy(e.org_id, org_id ? org_id : "", sizeof(e.org_id));
    px_strlcpy(e.key_id, key_id ? key_id : "", sizeof(e.key_id));
    px_strlcpy(e.tenant_id, tenant_id ? tenant_id : "", sizeof(e.tenant_id));
    px_strlcpy(e.chain, e.tenant_id[0] ? e.tenant_id : PX_AUDIT_NIL_CHAIN, sizeof(e.chain));
    px_strlcpy(e.action, action, sizeof(e.action));
    px_strlcpy(e.subject, subject, sizeof(e.subject));
    if (!(r = px__exec(db, reserve_sql,
                       PX__ARGS(e.chain, details_json && *details_json ? details_json : "{}"),
                       err))) {
        rc = err->rc;
        goto done;
    }
    e.chain_seq = strtoll(px__val(r, 0, 0), NULL, 10) + 1;
    e.prev_seq = strtoll(px__val(r, 0, 1), NULL, 10);
    px_strlcpy(e.prev_hash, px__val(r, 0, 2), sizeof(e.prev_hash));
    e.seq = strtoll(px__val(r, 0, 3), NULL, 10);
    e.at_us = strtoll(px__val(r, 0, 4), NULL, 10);
    px_strlcpy(e.at, px__val(r, 0, 5), sizeof(e.at));
    /* The details as jsonb prints them: the text the verifier reads back and hashes. */
    e.details = px__val(r, 0, 6);
    px_buf_init(&text, strlen(e.details) + 1024);
    if (px_audit_entry_hash(e.hash, &text, &e) != PX_OK) {
        rc = px_err_oom(err);
        goto done;
    }
    /* REQ-AUDIT-2: the seal is made here, with a key the database never holds: a row written
     * by anyone else carries no valid seal. */
    px_audit_entry_seal(e.mac, db->seal, e.hash);
    px_strlcpy(e.mac_key, db->seal->id, sizeof(e.mac_key));
    rc = px__cmd(
        px__exec(db, insert_sql,
                 PX__ARGS(PX__INT(e.seq), e.at, e.org_id[0] ? e.org_id : NULL,
                          e.key_id[0] ? e.key_id : NULL, e.tenant_id[0] ? e.tenant_id : NULL,
                          e.action, e.subject, e.details, e.prev_hash, e.hash, e.chain,
                          PX__INT(e.chain_seq), PX__INT(e.prev_seq), e.mac, e.mac_key),
                 err),
        err);
done:
    px_buf_dispose(&text);
    PQclear(r);
    return rc;
}

/* clang-format off */
#define ENTRY_COLUMNS                                                                              \
    "SELECT seq, " PX__SQL_EPOCH_US("at") ", "                                                     \
    PX__SQL_ISO("at") ", coalesce(org_id::text, ''), "                                             \
    "coalesce(key_id::text, ''), coalesce(tenant_id::text, ''), action, subject, "                 \
    "details::text, prev_hash, hash, coalesce(chain::text, ''), coalesce(chain_seq, 0), "          \
    "coalesce(prev_seq, 0), coalesce(mac, ''), coalesce(mac_key, '') FROM audit_log "
/* clang-format on */

static void entry_row(px_audit_entry *e, const PGresult *r, int i)
{
    memset(e, 0, sizeof(*e));
    e->seq = strtoll(px__val(r, i, 0), NULL, 10);
    e->at_us = strtoll(px__val(r, i, 1), NULL, 10);
    px__texts(r, i, 2, PX__TEXT(e->at), PX__TEXT(e->org_id), PX__TEXT(e->key_id),
              PX__TEXT(e->tenant_id), PX__TEXT(e->action), PX__TEXT(e->subject), NULL);
    e->details = px__val(r, i, 8);
    px__texts(r, i, 9, PX__TEXT(e->prev_hash), PX__TEXT(e->hash), PX__TEXT(e->chain), NULL);
    e->chain_seq = strtoll(px__val(r, i, 12), NULL, 10);
    e->prev_seq = strtoll(px__val(r, i, 13), NULL, 10);
    px_strlcpy(e->mac, px__val(r, i, 14), sizeof(e->mac));
    px_strlcpy(e->mac_key, px__val(r, i, 15), sizeof(e->mac_key));
}

/* Keyset pages of 5,000 rows keep memory flat however long the log grows. */
static px_rc entries_each(px_db *db, const char *sql, const char *filter, const char *upto,
                          long long after_seq, long limit, px_audit_fn fn, void *ctx, px_err *err)
{
    const long chunk = 5000;
    long remaining = limit > 0 ? limit : -1;
    for (;;) {
        long n = remaining < 0 || remaining > chunk ? chunk : remaining;
        const char *p[] = {filter, PX__INT(after_seq), PX__INT(n), upto};
        PGresult *r = px__exec(db, sql, upto ? 4 : 3, p, err);
        if (!r)
            return err->rc;
        int rows = PQntuples(r);
        for (int i = 0; i < rows; i++) {
            px_audit_entry e;
            entry_row(&e, r, i);
            after_seq = e.seq;
            if (fn(ctx, &e)) {
                PQclear(r);
                return PX_OK;
            }
        }
        PQclear(r);
        if (remaining > 0)
            remaining -= rows;
        if (rows < n || remaining == 0)
            return PX_OK;
    }
}

px_rc px_store_audit_each(px_db *db, const char *tenant_id, long long after_seq, int newest_first,
                          long limit, px_audit_fn fn, void *ctx, px_err *err)
{
    /* Both directions walk audit_log_tenant (tenant_id, seq), forwards or backwards. */
    if (newest_first)
        return entries_each(db,
                            ENTRY_COLUMNS "WHERE ($2::bigint = 0 OR seq < $2::bigint) AND "
                                          "($1::uuid IS NULL OR tenant_id = $1::uuid) "
                                          "ORDER BY seq DESC LIMIT $3::bigint",
                            tenant_id, NULL, after_seq, limit, fn, ctx, err);
    return entries_each(db,
                        ENTRY_COLUMNS "WHERE seq > $2::bigint AND ($1::text IS NULL OR "
                                      "tenant_id = $1::uuid) ORDER BY seq LIMIT $3::bigint",
                        tenant_id, NULL, after_seq, limit, fn, ctx, err);
}

px_rc px_store_audit_chain_each(px_db *db, const char *chain, long long after_seq, long long upto,
                                px_audit_fn fn, void *ctx, px_err *err)
{
    return entries_each(db,
                        ENTRY_COLUMNS "WHERE chain = $1::uuid AND seq > $2::bigint AND "
                                      "seq <= $4::bigint ORDER BY chain, seq LIMIT $3::bigint",
                        chain, PX__INT(upto), after_seq, 0, fn, ctx, err);
}

static void head_row(px_audit_head *h, const PGresult *r, int i)
{
    px_strlcpy(h->chain, px__val(r, i, 0), sizeof(h->chain));
    h->chain_seq = strtoll(px__val(r, i, 1), NULL, 10);
    h->last_seq = strtoll(px__val(r, i, 2), NULL, 10);
    px_strlcpy(h->last_hash, px__val(r, i, 3), sizeof(h->last_hash));
}

px_rc px_store_audit_heads_each(px_db *db, px_audit_head_fn fn, void *ctx, px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT chain::text, chain_seq, last_seq, last_hash FROM audit_head "
                           "ORDER BY chain",
                           0, NULL, err);
    PX__RETURN_EACH_ROW(r, err, px_audit_head, head_row, fn, ctx);
}

#define CHECKPOINT_COLUMNS                                                                         \
    "c.id, c.chain::text, c.chain_seq, c.seq, c.head, "                                            \
    PX__SQL_ISO("c.at") ", c.key_id, c.signature, c.cut"

static void checkpoint_row(px_audit_checkpoint *c, const PGresult *r, int i, int col)
{
    memset(c, 0, sizeof(*c));
    if (px__isnull(r, i, col))
        return;
    c->id = strtoll(px__val(r, i, col), NULL, 10);
    px_strlcpy(c->chain, px__val(r, i, col + 1), sizeof(c->chain));
    c->chain_seq = strtoll(px__val(r, i, col + 2), NULL, 10);
    c->seq = strtoll(px__val(r, i, col + 3), NULL, 10);
    px_strlcpy(c->head, px__val(r, i, col + 4), sizeof(c->head));
    px_strlcpy(c->at, px__val(r, i, col + 5), sizeof(c->at));
    px_strlcpy(c->key_id, px__val(r, i, col + 6), sizeof(c->key_id));
    px_strlcpy(c->signature, px__val(r, i, col + 7), sizeof(c->signature));
    c->cut = strcmp(px__val(r, i, col + 8), "t") == 0;
}

/* Calls fn with each checkpoint of r (CHECKPOINT_COLUMNS first) until it returns non-zero;
 * clears r. */
static px_rc checkpoint_rows(PGresult *r, px_audit_checkpoint_fn fn, void *ctx, px_err *err)
{
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++) {
        px_audit_checkpoint c;
        checkpoint_row(&c, r, i, 0);
        if (fn(ctx, &c))
            break;
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_audit_checkpoints_each(px_db *db, const char *chain, long long after_id, long limit,
                                      px_audit_checkpoint_fn fn, void *ctx, px_err *err)
{
    PGresult *r =
        px__exec(db,
                 "SELECT " CHECKPOINT_COLUMNS " FROM audit_checkpoint c "
                 "WHERE ($1::text IS NULL OR c.chain = $1::uuid) AND c.id > $2::bigint "
                 "ORDER BY c.id LIMIT $3::bigint",
                 PX__ARGS(chain, PX__INT(after_id), limit > 0 ? PX__INT(limit) : NULL), err);
    return checkpoint_rows(r, fn, ctx, err);
}

px_rc px_store_audit_month_cuts(px_db *db, const char *partition, px_audit_checkpoint_fn fn,
                                void *ctx, px_err *err)
{
    /* Only a month's name reaches the SQL, where it is not a parameter. */
    int t;
    const char *month = px_partition_month_in(db, partition, &t);
    if (!month || strcmp(px_partitioned_tables[t], "audit_log") != 0)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "%s is not a month of audit_log",
                          partition);
    /* The locks the detach judges under, taken before the cuts are read: no entry enters the
     * month and no cut row is added (SHARE waits for every open insert of one, and holds off
     * new ones) between this check of their signatures and the store's count of them. */
    static const char *const locks[] = {"LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE",
                                        "LOCK TABLE audit_checkpoint IN SHARE MODE"};
    for (size_t i = 0; i < PX_COUNT(locks); i++) {
        if (px__exec_cmd(db, locks[i], 0, NULL, err) != PX_OK)
            return err->rc;
    }
    /* Each chain's newest covering cut: the one `audit verify` starts from; an older cut
     * whose signature no longer holds does not keep the month. */
    px_buf sql;
    px_buf_init(&sql, 2048);
    px__sql_month(
        &sql,
        "SELECT DISTINCT ON (c.chain) " CHECKPOINT_COLUMNS
        " FROM " PX__AUDIT_MONTH_CHAINS("{p}") " JOIN audit_checkpoint c ON " PX__AUDIT_CUT_COVERS(
            "c") " ORDER BY c.chain, c.seq DESC, c.id DESC",
        month);
    px_rc rc = px_buf_failed(&sql) != PX_OK
                   ? px_err_oom(err)
                   : checkpoint_rows(px__exec(db, sql.data, 0, NULL, err), fn, ctx, err);
    px_buf_dispose(&sql);
    return rc;
}

px_rc px_store_audit_checkpoint_insert(px_db *db, px_audit_checkpoint *c, px_err *err)
{
    const char *seq = PX__INT(c->seq);
    return px__exec_number(db,
                           "INSERT INTO audit_checkpoint (chain, chain_seq, seq, head, at, key_id, "
                           "signature, cut) VALUES ($1::uuid, $2::bigint, $3::bigint, $4, "
                           "$5::timestamptz, $6, $7, $8::boolean) RETURNING id",
                           PX__ARGS(c->chain, PX__INT(c->chain_seq), seq, c->head, c->at, c->key_id,
                                    c->signature, c->cut ? "t" : "f"),
                           &c->id, err);
}

/* Calls fn with each row (h, c, at) of a heads query: chain, chain_seq, last_seq, last_hash,
 * CHECKPOINT_COLUMNS, at. */
static px_rc heads_rows(PGresult *r, char at[32], px_audit_stale_fn fn, void *ctx, px_err *err)
{
    if (!r)
        return err->rc;
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        px_audit_head h;
        px_audit_checkpoint c;
        px_strlcpy(h.chain, px__val(r, i, 0), sizeof(h.chain));
        h.chain_seq = strtoll(px__val(r, i, 1), NULL, 10);
        h.last_seq = strtoll(px__val(r, i, 2), NULL, 10);
        px_strlcpy(h.last_hash, px__val(r, i, 3), sizeof(h.last_hash));
        checkpoint_row(&c, r, i, 4);
        px_strlcpy(at, px__val(r, i, 13), 32);
        if (fn(ctx, &h, &c))
            break;
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_audit_stale_heads(px_db *db, char at[32], px_audit_stale_fn fn, void *ctx,
                                 px_err *err)
{
    PGresult *r = px__exec(
        db,
        "SELECT h.chain::text, h.chain_seq, h.last_seq, h.last_hash, " CHECKPOINT_COLUMNS ", "
        PX__SQL_ISO("date_trunc('milliseconds', clock_timestamp())") " FROM audit_head h LEFT "
        "JOIN LATERAL "
        "(SELECT * FROM audit_checkpoint k WHERE k.chain = h.chain ORDER BY k.id DESC LIMIT 1) c "
        "ON true WHERE h.last_seq > 0 AND (c.id IS NULL OR c.seq <> h.last_seq) ORDER BY h.chain",
        0, NULL, err);
    return heads_rows(r, at, fn, ctx, err);
}

px_rc px_store_audit_cut_heads(px_db *db, const char *before, char at[32], px_audit_stale_fn fn,
                               void *ctx, px_err *err)
{
    /* The entries of the old single chain (no chain) are never cut: they keep their months.
     * Each chain's last entry before the cut is one backward probe per month before it (the
     * months after it pruned), not a scan of every month before it: a chain has a head row
     * from its first append on (px_store_audit_append). */
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        "WITH b AS (SELECT date_trunc('milliseconds', $1::timestamptz) AS t) "
        "SELECT h.chain::text, h.chain_seq, h.seq, h.hash, " CHECKPOINT_COLUMNS ", "
        PX__SQL_ISO("b.t") " FROM b, audit_head a, LATERAL (SELECT chain, chain_seq, seq, hash "
        "FROM audit_log WHERE chain = a.chain AND at < b.t ORDER BY chain, seq DESC LIMIT 1) h "
        "LEFT JOIN LATERAL (SELECT * FROM audit_checkpoint k WHERE k.chain = h.chain AND "
        "k.seq <= h.seq ORDER BY k.seq DESC, k.id DESC LIMIT 1) c ON true WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_checkpoint x WHERE x.cut AND x.chain = h.chain AND x.seq >= h.seq) "
        "ORDER BY h.chain",
        PX__ARGS(before), err);
    /* clang-format on */
    return heads_rows(r, at, fn, ctx, err);
}

px_rc px_store_audit_checkpoint_lock(px_db *db, int *got, px_err *err)
{
    /* A key of its own, so only checkpointers contend for it. */
    return px__exec_true(db, "SELECT pg_try_advisory_xact_lock(" PX__LOCK_AUDIT_CHECKPOINT ")", 0,
                         NULL, got, err);
}
