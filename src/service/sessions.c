/* Console sessions (session.h, docs/console.md). */
#include <stdio.h>
#include <string.h>

#include "px_crypto.h"
#include "px_str.h"
#include "service_internal.h"
#include "session.h"
#include "session_store.h"

/* A session token has the shape of an API key with its own prefix ("ps_"), so one presented
 * where a key is expected is refused by the key's shape check, and the other way round. */
static int token_shape_ok(const char *t)
{
    size_t n = strlen(t);
    return n == PX_SESSION_TOKEN_LEN && strncmp(t, "ps_", 3) == 0 &&
           px_base64url_span(t + 3) == n - 3;
}

void px_session_csrf(char out[PX_CSRF_TOKEN_LEN + 1], const char *token)
{
    char buf[16 + PX_SESSION_TOKEN_LEN + 1];
    int n = snprintf(buf, sizeof(buf), "packid-csrf:%s", token);
    uint8_t h[PX_SHA256_LEN];
    px_sha256(h, buf, (size_t)(n < 0 ? 0 : n));
    px_base64url_encode(out, h, sizeof(h));
    px_cleanse(buf, sizeof(buf));
}

typedef struct create_ctx {
    const px_config *cfg;
    const uint8_t *hash;
    px_session *out;
} create_ctx;

static px_rc create_body(px_tx *tx, void *vc, px_err *err)
{
    create_ctx *c = vc;
    const px_actor *a = px_tx_actor(tx);
    px_rc rc = px_store_session_insert(px_tx_db(tx), a->key_id, c->hash, c->cfg->session_idle,
                                       c->cfg->session_max, c->out->expires_at, err);
    if (rc != PX_OK)
        return rc;
    /* REQ-CONSOLE-1: a sign-in is in the audit log (who, with which key), like every write. */
    px_tx_audit(tx, px_tenant_of(a), "session.create", a->key_id);
    return PX_OK;
}

px_rc px_svc_session_create(px_db *db, const px_config *cfg, const char *api_key, px_actor *actor,
                            px_session *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    px_rc rc = px_svc_authenticate(db, actor, api_key, err);
    if (rc != PX_OK)
        return rc;
    /* Sessions live beside live keys; a test key's session could never be found again, so it
     * is refused here rather than failing at the next request (docs/sandbox.md). */
    if (actor->mode == PX_KEY_TEST)
        return px_err_set_field(err, PX_EINVALID, "test_key_not_supported", "api_key",
                                "the console signs in with live keys; use a test key with the "
                                "API");
    uint8_t raw[32], hash[PX_SHA256_LEN];
    if (px_random_bytes(raw, sizeof(raw)) != PX_OK)
        return px_err_no_random(err);
    memcpy(out->token, "ps_", 3);
    px_base64url_encode(out->token + 3, raw, sizeof(raw));
    px_cleanse(raw, sizeof(raw));
    /* REQ-CONSOLE-2: only the token's SHA-256 is stored, so a database dump reveals no usable
     * session. */
    px_sha256(hash, out->token, strlen(out->token));
    create_ctx c = {cfg, hash, out};
    rc = px_tx_run(db, actor, create_body, &c, err);
    if (rc != PX_OK) {
        px_cleanse(out->token, sizeof(out->token));
        out->token[0] = '\0';
        return rc;
    }
    px_session_csrf(out->csrf, out->token);
    return PX_OK;
}

/* The one answer to a session token that is malformed, unknown, past its end or revoked, or
 * whose key is revoked: PX_EAUTH "invalid_session", whatever the cause. */
static px_rc session_refused(px_err *err)
{
    return px_err_set(err, PX_EAUTH, "invalid_session", "the session is not valid");
}

px_rc px_svc_session_authenticate(px_db *db, const char *token, px_actor *actor, px_session *out,
                                  px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!token_shape_ok(token))
        return session_refused(err);
    uint8_t hash[PX_SHA256_LEN], key_hash[PX_SHA256_LEN];
    px_sha256(hash, token, strlen(token));
    /* REQ-CONSOLE-3: a session past its idle or absolute end, or revoked, authenticates
     * nothing. */
    px_rc rc = px_store_session_touch(db, hash, key_hash, out->expires_at, err);
    if (rc == PX_ENOTFOUND)
        return session_refused(err);
    if (rc != PX_OK)
        return rc;
    /* The session acts as its key, checked again on every request: a revoked key's sessions
     * end with it. */
    rc = px__actor_of_key_hash(db, actor, key_hash, PX_KEY_LIVE, err);
    if (rc == PX_EAUTH)
        return session_refused(err);
    if (rc != PX_OK)
        return rc;
    px_session_csrf(out->csrf, token);
    return PX_OK;
}

typedef struct revoke_ctx {
    const uint8_t *hash;
} revoke_ctx;

static px_rc revoke_body(px_tx *tx, void *vc, px_err *err)
{
    revoke_ctx *c = vc;
    px_rc rc = px_store_session_revoke(px_tx_db(tx), c->hash, err);
    if (rc != PX_OK)
        return rc;
    const px_actor *a = px_tx_actor(tx);
    px_tx_audit(tx, px_tenant_of(a), "session.revoke", a->key_id);
    return PX_OK;
}

px_rc px_svc_session_revoke(px_db *db, const px_actor *by, const char *token, px_err *err)
{
    uint8_t hash[PX_SHA256_LEN];
    px_sha256(hash, token, strlen(token));
    revoke_ctx c = {hash};
    return px_tx_run(db, by, revoke_body, &c, err);
}
