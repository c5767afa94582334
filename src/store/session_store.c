/* Console sessions: only token hashes are stored (migration 0050_console_session.sql). */
#include <stdio.h>
#include <string.h>

#include "px_crypto.h"
#include "px_str.h"
#include "session_store.h"
#include "store_internal.h"

#define C_EXPIRES TS("c.expires_at")
#define TS(col) PX__SQL_ISO(col)

px_rc px_store_session_insert(px_db *db, const char *key_id, const uint8_t token_hash[32],
                              int idle_seconds, int absolute_seconds, char expires_at[32],
                              px_err *err)
{
    char hex[67];
    px__bytea_hex(hex, token_hash);
    /* The table would otherwise only grow: each sign-in clears what ended a week ago (kept
     * that long so a support question about a recent sign-out can still be answered; the
     * audit log keeps every sign-in and sign-out for good). */
    if (px__exec_cmd(db,
                     "DELETE FROM console_session WHERE expires_at < now() - "
                     "interval '7 days'",
                     0, NULL, err) != PX_OK)
        return err->rc;
    return px__exec_text(db,
                         "INSERT INTO console_session (key_id, token_hash, idle_seconds, "
                         "expires_at) VALUES ($1, $2, $3, now() + $4::int * interval '1 s') "
                         "RETURNING " TS("expires_at"),
                         PX__ARGS(key_id, hex, PX__INT(idle_seconds), PX__INT(absolute_seconds)),
                         expires_at, 32, NULL, err);
}

px_rc px_store_session_touch(px_db *db, const uint8_t token_hash[32], uint8_t key_hash[32],
                             char expires_at[32], px_err *err)
{
    char hex[67];
    px__bytea_hex(hex, token_hash);
    /* One statement reads the row, decides whether it is live and, only then, marks it seen.
     * The test is made on the row as it was before this request (s, locked), never on the
     * new last_seen_at: a request after the idle end cannot revive the session. */
    PGresult *r = px__exec(db,
                           "WITH s AS (SELECT id, now() < expires_at AND "
                           "  now() < last_seen_at + idle_seconds * interval '1 s' AS live "
                           "  FROM console_session WHERE token_hash = $1 AND revoked_at IS NULL "
                           "  FOR UPDATE), "
                           "u AS (UPDATE console_session c SET last_seen_at = now() FROM s "
                           "  WHERE c.id = s.id AND s.live RETURNING c.id) "
                           "SELECT s.live, encode(k.secret_hash, 'hex'), " C_EXPIRES
                           " FROM s JOIN console_session c ON c.id = s.id "
                           "JOIN api_key k ON k.id = c.key_id",
                           PX__ARGS(hex), err);
    px_rc rc = px__one(r, err, "not_found", "no such session");
    if (rc == PX_OK && strcmp(px__val(r, 0, 0), "t") != 0)
        rc = px_err_set(err, PX_EAUTH, "session_expired", "the session has expired");
    if (rc == PX_OK) {
        if (px_hex_decode(key_hash, 32, px__val(r, 0, 1)) != 0)
            rc = px_err_set(err, PX_EINTERNAL, "internal", "a key hash that is not hex");
        px_strlcpy(expires_at, px__val(r, 0, 2), 32);
    }
    PQclear(r);
    return rc;
}

px_rc px_store_session_revoke(px_db *db, const uint8_t token_hash[32], px_err *err)
{
    char hex[67];
    px__bytea_hex(hex, token_hash);
    return px__exec_cmd(db,
                        "UPDATE console_session SET revoked_at = coalesce(revoked_at, now()) "
                        "WHERE token_hash = $1",
                        PX__ARGS(hex), err);
}
