/* Who sends a request and what it sends, settled before its handler runs (server.c):
 * the request id, the API key or console session and the role's policy, the JSON body. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "px_crypto.h"
#include "px_splitmix.h"
#include "px_str.h"
#include "request.h"

/* The request id: the client's X-Request-Id when it is sane (1..64 characters of
 * [A-Za-z0-9._:-], so it can go into the log and a header unchanged), else 16 random hex
 * digits. A caller that traces its requests finds its own id in the log and the answer. */
void px__request_id(char rid[65], struct MHD_Connection *conn)
{
    const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    size_t n = given ? strlen(given) : 0;
    int sane = n >= 1 && n <= 64;
    for (size_t i = 0; sane && i < n; i++) {
        char c = given[i];
        sane = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == ':' || c == '-';
    }
    if (sane) {
        memcpy(rid, given, n + 1);
        return;
    }
    /* An id names a request; it guards nothing. So it comes from a per-thread splitmix64
     * sequence whose start is drawn from OpenSSL once per thread, not from a call into
     * OpenSSL's generator on every request (a lock and a getpid check each, on the public
     * hot path: docs/resolver.md "Speed"). */
    static _Thread_local uint64_t state;
    static _Thread_local int seeded;
    if (!seeded) {
        px_random_bytes(&state, sizeof(state));
        seeded = 1;
    }
    uint64_t z = px_splitmix64(&state);
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(z >> (8 * i));
    px_hex_encode(rid, b, sizeof(b));
}

static const char *bearer_token(px_req *r)
{
    const char *auth = px_req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        auth += 7;
        while (*auth == ' ')
            auth++;
        return *auth ? auth : NULL;
    }
    /* Alias sent by CMOs migrating from other serialization platforms (docs/api.md). */
    const char *alt = px_req_header(r, "x-access-token");
    return alt && *alt ? alt : NULL;
}

/* A keyed route's caller: an API key (Bearer or its alias) or a console session, then the
 * role's policy for the route. 0 when r->actor is set; -1 when a refusal was queued. */
int px__authenticate(px_req *r)
{
    const char *token = bearer_token(r);
    /* A key in the request wins over a console session cookie: a program never needs
     * the CSRF token (docs/console.md). */
    const char *cookie = token ? NULL : px__session_cookie(r);
    if (!token && !cookie) {
        px_reply_fail(r, PX_EAUTH, "missing_token",
                      "an API key is required: Authorization: Bearer <key>");
        return -1;
    }
    px_db *db = px_req_db(r);
    if (!db)
        return -1;
    px_err err = PX_ERR_INIT;
    if (cookie) {
        if (px__session_auth(r, db, cookie) != 0)
            return -1;
    } else if (px_svc_authenticate(db, &r->actor, token, &err) != PX_OK) {
        px_reply_error(r, &err);
        return -1;
    }
    r->authenticated = 1;
    if (r->route->action != PX_ACTION__COUNT &&
        px_policy_check(r->actor.role, r->route->action, &err) != PX_OK) {
        px_reply_error(r, &err);
        return -1;
    }
    return 0;
}

/* A route that takes a body: the body as one JSON object in r->json. 0 when read; -1 when a
 * refusal was queued. */
int px__read_json_body(px_req *r)
{
    json_error_t jerr;
    /* Any JSON value is read (JSON_DECODE_ANY), so a string or a number is told apart from
     * text that is no JSON: valid JSON that is not an object is bad_request below. */
    r->json = json_loadb(r->body.data ? r->body.data : "", r->body.len,
                         JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!r->json && json_error_code(&jerr) == json_error_invalid_utf8) {
        /* Text is UTF-8 (RFC 8259 §8.1): a body that is not is refused whole, before any
         * of it could reach a stored field. */
        px_reply_fail(r, PX_EINVALID, "invalid_utf8",
                      "the body is not valid UTF-8 (line %d column %d)", jerr.line, jerr.column);
        return -1;
    }
    if (!r->json) {
        /* Two refusals of valid JSON are said in our words, not jansson's (whose first names
         * its own flag, JSON_ALLOW_NUL): no text packid takes may hold a NUL (docs/api.md
         * "JSON, UTF-8"), and a number must fit a 64-bit integer or a double. */
        enum json_error_code code = json_error_code(&jerr);
        const char *why = code == json_error_null_character
                              ? "a string holds \\u0000 (NUL), which no value may hold"
                          : code == json_error_numeric_overflow
                              ? "a number is too large (past a 64-bit integer or a double)"
                              : jerr.text;
        px_reply_fail(r, PX_EINVALID, "malformed_json",
                      "the body is not valid JSON: %s at line %d column %d", why, jerr.line,
                      jerr.column);
        return -1;
    }
    if (!json_is_object(r->json)) {
        px_reply_fail(r, PX_EINVALID, "bad_request", "the body must be a JSON object");
        return -1;
    }
    return 0;
}
