#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_crypto.h"
#include "px_str.h"
#include "store_internal.h"

#define TS(col) PX__SQL_ISO0(col)
#define KEY_COLS "k.id, k.org_id, k.role, coalesce(k.label, ''), " TS("k.created_at") ", " \
                 TS("k.revoked_at")

static void key_row(px_key_info *k, const PGresult *r, int i)
{
    px__texts(r, i, 0, PX__TEXT(k->id), PX__TEXT(k->org_id), PX__TEXT(k->role), PX__TEXT(k->label),
              PX__TEXT(k->created_at), PX__TEXT(k->revoked_at), NULL);
}

static px_rc key_insert(px_db *db, const char *sql, px_key_info *key, const uint8_t hash[32],
                        px_err *err)
{
    char hex[67];
    px__bytea_hex(hex, hash);
    PGresult *r = px__exec(
        db, sql, PX__ARGS(key->org_id, key->role, hex, key->label[0] ? key->label : NULL), err);
    return PX__INSERTED(r, err, key_row, key);
}

#define KEY_INSERT(table)                                                                      \
    "INSERT INTO " table " AS k (org_id, role, secret_hash, label) VALUES ($1, $2, $3, $4) "    \
    "RETURNING " KEY_COLS

px_rc px_store_key_insert(px_db *db, px_key_info *key, const uint8_t hash[32], px_err *err)
{
    return key_insert(db, KEY_INSERT("api_key"), key, hash, err);
}

px_rc px_store_key_insert_sandbox(px_db *db, px_key_info *key, const uint8_t hash[32],
                                  px_err *err)
{
    /* The organization's row is copied into the sandbox first (once; later changes of it in
     * the sandbox are the sandbox's own): the sandbox's foreign keys need it there. The only
     * statements of packid that name the sandbox schema: they run on a live connection. */
    if (px__exec_cmd(db,
                     "INSERT INTO " PX_SANDBOX_SCHEMA ".organization SELECT * FROM "
                     "organization WHERE id = $1::uuid ON CONFLICT (id) DO NOTHING",
                     PX__ARGS(key->org_id), err) != PX_OK)
        return err->rc;
    return key_insert(db, KEY_INSERT(PX_SANDBOX_SCHEMA ".api_key"), key, hash, err);
}

px_rc px_store_key_lookup(px_db *db, px_key_info *key, px_org *org, const uint8_t hash[32],
                          px_err *err)
{
    char hex[67];
    px__bytea_hex(hex, hash);
    PGresult *r =
        px__exec_cached(db, PX__Q_KEY_LOOKUP,
                        "SELECT " KEY_COLS ", o.kind, o.name, coalesce(o.gln, ''), "
                        "coalesce(o.market, ''), coalesce(o.gln_prefix_length, 0) FROM api_key k "
                        "JOIN organization o ON o.id = k.org_id WHERE k.secret_hash = $1",
                        PX__ARGS(hex), err);
    px_rc rc = px__one(r, err, "invalid_token", "unknown key");
    if (rc == PX_OK) {
        key_row(key, r, 0);
        memset(org, 0, sizeof(*org));
        px_strlcpy(org->id, key->org_id, sizeof(org->id));
        px__texts(r, 0, 6, PX__TEXT(org->kind), PX__TEXT(org->name), PX__TEXT(org->gln),
                  PX__TEXT(org->market), NULL);
        org->gln_prefix_length = (int)strtol(px__val(r, 0, 10), NULL, 10);
    }
    PQclear(r);
    return rc;
}

px_rc px_store_key_get(px_db *db, px_key_info *key, const char *id, px_err *err)
{
    PGresult *r = px__exec(db, "SELECT " KEY_COLS " FROM api_key k WHERE k.id::text = lower($1)",
                           PX__ARGS(id), err);
    /* Not found as a foreign key's. */
    return PX__ONE_ROW(r, err, key_row, key, "not_found", "key not found");
}

px_rc px_store_key_revoke(px_db *db, const char *id, int *revoked, px_err *err)
{
    *revoked = 0;
    /* The key's writes in flight end first; those that start later see it revoked. */
    px_rc rc0 = px_uuid_valid(id) ? px_store_actor_block(db, id, NULL, err) : PX_OK;
    if (rc0 != PX_OK)
        return rc0;
    /* Only a key not yet revoked changes: of two revocations at once, the second waits for the
     * first's row and then finds it revoked (*revoked 0, nothing to audit). */
    return px__exec_found(db,
                          "UPDATE api_key SET revoked_at = now() "
                          "WHERE id::text = lower($1) AND revoked_at IS NULL RETURNING 1",
                          PX__ARGS(id), revoked, err);
}

px_rc px_store_key_each(px_db *db, const char *org_id, px_key_fn fn, void *ctx, px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT " KEY_COLS " FROM api_key k "
                           "WHERE $1::uuid IS NULL OR k.org_id = $1::uuid "
                           "ORDER BY k.created_at, k.id",
                           PX__ARGS(org_id), err);
    PX__RETURN_EACH_ROW(r, err, px_key_info, key_row, fn, ctx);
}

/* The holds (px_store_actor_hold, px_store_actor_block) in the advisory lock spaces of a key
 * and of a CMO (store_internal.h): a revocation or suspension waiting for the writes in flight
 * is not overtaken by writes that start after it. A NULL id locks nothing (the functions are
 * strict). */
#define HOLD_LOCKS(fn)                                                                             \
    "SELECT " fn "(" PX__LOCK_KEY ", hashtext($1::text)), " fn "(" PX__LOCK_CMO                    \
    ", hashtext($2::text))"

px_rc px_store_actor_hold(px_db *db, const char *key_id, const char *cmo_id, int *key_ok,
                          px_org *org, px_err *err)
{
    *key_ok = 0;
    org->gln[0] = '\0';
    org->gln_prefix_length = 0;
    const char *p[] = {key_id, cmo_id};
    if (px__cmd(px__exec_cached(db, PX__Q_ACTOR_HOLD, HOLD_LOCKS("pg_advisory_xact_lock_shared"), 2,
                                p, err),
                err) != PX_OK)
        return err->rc;
    if (!key_id)
        return PX_OK;
    /* A statement of its own, so its snapshot is taken after the lock: a revocation that
     * committed while this waited is seen. */
    PGresult *r =
        px__exec(db,
                 "SELECT coalesce(o.gln, ''), coalesce(o.gln_prefix_length, 0) FROM api_key k "
                 "JOIN organization o ON o.id = k.org_id WHERE k.id = $1::uuid AND k.revoked_at "
                 "IS NULL FOR KEY SHARE OF o",
                 1, p, err);
    if (!r)
        return err->rc;
    *key_ok = PQntuples(r) == 1;
    if (*key_ok) {
        px_strlcpy(org->gln, px__val(r, 0, 0), sizeof(org->gln));
        org->gln_prefix_length = (int)strtol(px__val(r, 0, 1), NULL, 10);
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_actor_block(px_db *db, const char *key_id, const char *cmo_id, px_err *err)
{
    return px__exec_cmd(db, HOLD_LOCKS("pg_advisory_xact_lock"), PX__ARGS(key_id, cmo_id), err);
}
