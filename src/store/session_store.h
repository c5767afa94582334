/* session_store — console sessions (migration 0050_console_session.sql, docs/console.md). */
#ifndef PX_SESSION_STORE_H
#define PX_SESSION_STORE_H

#include <stdint.h>

#include "px_err.h"
#include "store.h"

/* Stores a session of key_id under the SHA-256 of its token, ending absolute_seconds from
 * now or after idle_seconds without a request; its absolute end into expires_at. */
px_rc px_store_session_insert(px_db *db, const char *key_id, const uint8_t token_hash[32],
                              int idle_seconds, int absolute_seconds, char expires_at[32],
                              px_err *err);
/* The session of token_hash when it is live (not revoked, before both of its ends): marks it
 * seen now and copies its key's secret hash and its absolute end. PX_ENOTFOUND "not_found"
 * for an unknown or revoked session, PX_EAUTH "session_expired" for one past an end. */
px_rc px_store_session_touch(px_db *db, const uint8_t token_hash[32], uint8_t key_hash[32],
                             char expires_at[32], px_err *err);
/* Revokes the session of token_hash (no error when it is already revoked or unknown). */
px_rc px_store_session_revoke(px_db *db, const uint8_t token_hash[32], px_err *err);

#endif
