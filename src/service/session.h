/* Console sessions (docs/console.md): an API key exchanged once for a random session token
 * that a browser keeps in an HttpOnly cookie. A session acts exactly as its key (role,
 * organization); revoking the key ends it. */
#ifndef PX_SESSION_H
#define PX_SESSION_H

#include "px_config.h"
#include "service.h"

#define PX_SESSION_TOKEN_LEN 46 /* "ps_" + base64url(32 random bytes) */
#define PX_CSRF_TOKEN_LEN 43    /* base64url(SHA-256) */

typedef struct px_session {
    char token[PX_SESSION_TOKEN_LEN + 1]; /* px_svc_session_create only: shown once */
    char csrf[PX_CSRF_TOKEN_LEN + 1];
    char expires_at[32]; /* the absolute end (RFC 3339, UTC) */
} px_session;

/* Signs in with api_key: a new session of cfg's idle and absolute lifetimes (audited as
 * "session.create"). out->token must reach the browser once and is wiped by the caller.
 * PX_EAUTH "invalid_token" for an unknown or revoked key. */
px_rc px_svc_session_create(px_db *db, const px_config *cfg, const char *api_key, px_actor *actor,
                            px_session *out, px_err *err);
/* The actor of a live session. PX_EAUTH "invalid_session" (unknown, revoked, or its key
 * revoked) or "session_expired". out->token is left empty. */
px_rc px_svc_session_authenticate(px_db *db, const char *token, px_actor *actor, px_session *out,
                                  px_err *err);
/* Signs out: the session of token is revoked (audited as "session.revoke"). */
px_rc px_svc_session_revoke(px_db *db, const px_actor *by, const char *token, px_err *err);
/* The CSRF token of a session token: base64url(SHA-256("packid-csrf:" token)). It is derived,
 * not stored, so a reloaded page can be given it again (GET /v1/sessions/current); only who
 * holds the cookie's value can compute it, and another site can read neither. */
void px_session_csrf(char out[PX_CSRF_TOKEN_LEN + 1], const char *token);

#endif
