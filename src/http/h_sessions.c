/* Console sessions over HTTP (docs/console.md): POST /v1/sessions exchanges an API key for a
 * session cookie, GET/DELETE /v1/sessions/current read and end it, and every other route
 * accepts the cookie in place of a key (server.c dispatch -> px__session_auth). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "px_crypto.h"

#define COOKIE_NAME "packid_session"

const char *px__session_cookie(px_req *r)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
    return v && *v ? v : NULL;
}

/* RFC 9110 §9.2.1: GET and HEAD are safe; every other method may change state. */
static int safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

int px__session_auth(px_req *r, px_db *db, const char *cookie)
{
    px_err err = PX_ERR_INIT;
    if (px_svc_session_authenticate(db, cookie, &r->actor, &r->session, &err) != PX_OK) {
        px_reply_error(r, &err);
        return -1;
    }
    r->via_session = 1;
    r->session_token = cookie; /* a secret: pointed at, not copied where it would linger */
    if (!safe_method(r->method)) {
        /* REQ-CONSOLE-4: a state change by cookie carries the session's CSRF token in a
         * header, which another site can neither read nor set (SameSite=Strict is the second
         * wall, not the only one). Checked before the handler runs: nothing changes. */
        const char *h = px_req_header(r, "X-CSRF-Token");
        if (!h || strlen(h) != PX_CSRF_TOKEN_LEN ||
            !px_secure_equal(h, r->session.csrf, PX_CSRF_TOKEN_LEN)) {
            px_reply_fail(r, PX_EFORBIDDEN, "csrf_failed",
                          "a request signed in by a console session must carry its "
                          "X-CSRF-Token header");
            return -1;
        }
    }
    return 0;
}

/* The cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
 * it), Path=/ (the API and the console), Secure when packid is reached over TLS, which it
 * knows from PACKID_PUBLIC_URL (a TLS-terminating proxy in front: the public URL is https).
 * max_age 0 clears it. */
static void set_cookie(px_req *r, const char *value, long max_age)
{
    char c[256];
    int secure = strncasecmp(r->app->cfg.public_url, "https://", 8) == 0; /* RFC 3986 §3.1 */
    snprintf(c, sizeof(c), COOKIE_NAME "=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
             value, max_age, secure ? "; Secure" : "");
    MHD_add_response_header(r->response, "Set-Cookie", c);
    MHD_add_response_header(r->response, "Cache-Control", "no-store");
}

static json_t *session_json(const px_req *r, const px_actor *a, const px_session *s)
{
    /* key_id: the key the session was opened with (not a secret: the console warns before
     * that key is revoked). */
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "csrf_token", s->csrf, "role",
                     px_role_name(a->role), "expires_at", s->expires_at, "org_id", a->org_id,
                     "org_kind", px_org_kind_name(a->org_kind), "org_name", a->org_name,
                     "idle_timeout_seconds", r->app->cfg.session_idle, "key_id", a->key_id);
}

void h_session_create(px_req *r)
{
    static const char *const allowed[] = {"api_key", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    const char *key = px_json_str(r, r->json, "api_key", 100, 1);
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_session s;
    if (px_reply_failed(r, px_svc_session_create(db, &r->app->cfg, key, &r->actor, &s, &r->err)))
        return;
    r->authenticated = 1;
    px_reply_json(r, 201, session_json(r, &r->actor, &s));
    set_cookie(r, s.token, r->app->cfg.session_max);
    px_cleanse(s.token, sizeof(s.token));
}

/* The session routes answer about the request's own console session; 1 (answered 404) when
 * the request was signed by an API key instead. */
static int no_session(px_req *r)
{
    if (r->via_session)
        return 0;
    px_reply_fail(r, PX_ENOTFOUND, "not_found",
                  "no console session: this request is signed by an API key");
    return 1;
}

void h_session_get(px_req *r)
{
    if (no_session(r))
        return;
    px_reply_json(r, 200, session_json(r, &r->actor, &r->session));
}

void h_session_delete(px_req *r)
{
    if (no_session(r))
        return;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    if (px_reply_failed(r, px_svc_session_revoke(db, &r->actor, r->session_token, &r->err)))
        return;
    px_reply_json(r, 200, json_pack("{s:b}", "signed_out", 1));
    set_cookie(r, "", 0);
}
