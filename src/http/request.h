/* The request context handlers work with (layer-internal to http/). */
#ifndef PX_HTTP_REQUEST_H
#define PX_HTTP_REQUEST_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdint.h>

#include "exceptions.h"
#include "px_buf.h"
#include "service.h"
#include "session.h"

#define PX_PUBLIC 1
#define PX_BODY 2
#define PX_LIMITED 4 /* a public route under the per-client token bucket */
#define PX_PAGE 8    /* answers a person's browser with a page (the resolver): refusals too */
#define PX_IDEMPOTENT 16 /* keeps its answers by Idempotency-Key; another /v1/ route refuses it */
#define PX_MAX_PARAMS 4

typedef struct px_req px_req;
typedef struct px_limiter px_limiter;
struct px_scan_where;
typedef void (*px_handler)(px_req *r);

typedef struct px_route {
    const char *method;
    const char *pattern;
    px_handler handler;
    px_action action;
    int flags;
    const char *query; /* the query names it takes, space-separated; NULL: PX_QUERY_ANY */
} px_route;
#define PX_QUERY_ANY NULL

struct px_req {
    px_app *app;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const px_route *route;
    int route_index;
    char params[PX_MAX_PARAMS][256];
    int nparams;
    /* Decoded query values handed out by px_req_query (and headers' trimmed values), freed
     * with the request: a list, as a query may hold any number of escaped values. */
    struct px_query_value *query;
    px_buf body;
    int body_too_big;
    int overloaded;  /* the body budget was spent while receiving: 503 */
    size_t reserved; /* bytes of the body budget this request holds */
    json_t *json;    /* the parsed body (PX_BODY routes) */
    px_actor actor;
    int authenticated;
    int via_session;           /* authenticated by a console session cookie (h_sessions.c) */
    const char *session_token; /* the cookie's value (libmicrohttpd's, never copied) */
    px_session session;        /* its CSRF token and end, when via_session */
    px_db *db;                 /* acquired on first use, released when the request ends */
    px_db *rdb;                /* a fenced standby's connection (px_req_read_db), or NULL */
    px_err err; /* what the handler's use cases refused (px_req_begin, px_req_read_db clear it) */
    px_pool *rpool;            /* the standby pool rdb goes back to */
    char rid[65];              /* the client's X-Request-Id when sane, else a new one */
    char allow[64];            /* 405: the methods the path takes (Allow header) */
    px_limiter *limiter;       /* the server's public-route buckets (ratelimit.c) */
    _Atomic int *parked_live;  /* the server's count of parked requests not yet ended */
    char client[64];           /* the client's address, once px__client_addr looked */
    int cors;                  /* a public route other origins may call (cors.c) */
    int page; /* a route of PX_PAGE (or the resolver's other forms): refusals are pages too, to
               * a client that asks for the page (px_reply_error) */
    double t0;
    /* A public verification's read, taken by the batch (px__verify_begin), or NULL. */
    struct px_verify_prefetch *pre;
    int streamed;       /* answered by px_reply_stream (stream.c) */
    int parked;         /* suspended until the batch's read is ready: the handler is called again */
    int counted;        /* in *parked_live until the request ends */
    /* Handed to the request threads (handler_pool.c), its connection suspended until its
     * handler has run (handed_done); handed_next links the pool's queue. */
    struct px_handler_pool *handlers;
    int handed;
    _Atomic int handed_done;
    struct px_req *handed_next;
    px_handler handler; /* the handler running: the route's, or the resolver's other forms' */
    void *kept;         /* what the handler kept across its park (malloc'd; freed with r) */
    /* response */
    int status;
    struct MHD_Response *response;
};

/* ---- the edge (edge.c) ------------------------------------------------------------ */

/* How the request's body is framed, once px__edge_check has passed. */
typedef struct px_edge_framing {
    int has_length; /* one Content-Length (or several equal ones) */
    unsigned long long length;
    int chunked; /* Transfer-Encoding: chunked */
} px_edge_framing;

/* Checks every header before routing and authentication: no control character or NUL in a
 * name or value (400 bad_header), Content-Length headers that agree and are not sent with
 * Transfer-Encoding (400 bad_content_length), no transfer coding but chunked (501
 * not_implemented). REQ-EDGE-3. */
px_rc px__edge_check(struct MHD_Connection *conn, px_edge_framing *f, px_err *err);

/* The bytes of request bodies the server holds at once (PACKID_BODY_BUDGET). REQ-EDGE-2. */
typedef struct px_body_budget {
    atomic_size_t used;
    size_t limit;
} px_body_budget;

void px__budget_init(px_body_budget *b, size_t limit);
/* Takes n bytes; -1 (nothing taken) when that would pass the limit. */
int px__budget_take(px_body_budget *b, size_t n);
void px__budget_give(px_body_budget *b, size_t n);
/* The bytes a body buffer allocates to hold need bytes (px_buf's growth). */
size_t px__body_cap(size_t need);

/* The request's database connection (acquired lazily); NULL when the request is answered:
 * before (a reader of its body or query refused it, px_req_answered) or now (503). So a
 * handler reads its inputs in a row and asks for the database once, with no check between. */
px_db *px_req_db(px_req *r);
/* The connection of a read that need not see this request's own writes (verification, pack
 * reads, EPCIS queries): a standby that has replayed every commit answered before the request
 * began, or the primary (no standby configured, or none caught up in time), r->err cleared; NULL
 * when the request is answered (as px_req_db). Released when the request ends (read_db.c). */
px_db *px_req_read_db(px_req *r);
/* The same for a read that needs to see only durable commits (every write but the
 * verification's own scans, which commit without waiting for the WAL flush): fenced at the
 * primary's flush position, which a standby reaches without waiting for those scans. */
px_db *px_req_read_db_durable(px_req *r);
void px_req_read_release(px_req *r);
/* ---- the query string and the path's escapes (query.c) ---------------------------- */

/* libmicrohttpd's unescape callback: the path and query percent-decoded but for "%2F" and
 * "%25", which px__decode_slashes decodes in each value once the path is split. */
size_t px__unescape(void *cls, struct MHD_Connection *c, char *s);
/* Finishes decoding a value px__unescape left with "%2F"/"%25" in place. */
void px__decode_slashes(char *s);
/* The same for a path segment of len bytes into out: 0 if the decoded value does not fit
 * in cap bytes (its NUL included). */
int px__decode_segment(char *out, size_t cap, const char *s, size_t len);
/* A query-string argument (fully percent-decoded, valid for the request) or NULL (absent). A
 * handler's read never allocates: px__query_refused decoded the values first, and failed the
 * request (500) if it could not; a refusal decided before that decodes on demand (NULL when out
 * of memory). */
const char *px_req_query(px_req *r, const char *name);
/* A request header's value without the whitespace after it (RFC 9110 §5.5: it is no part of
 * the value; libmicrohttpd drops the leading, not the trailing), valid for the request; NULL
 * when absent. */
const char *px_req_header(px_req *r, const char *name);
/* The first of names (NULL-terminated) the query gives more than once, or NULL: for routes that
 * take any query (PX_QUERY_ANY), whose names the router does not check. Names are compared
 * without regard to case, as px_req_query finds them. */
const char *px_req_query_repeated(px_req *r, const char *const *names);
/* The same for the request's headers: a header read as one value (not a list, RFC 9110 §5.3)
 * given twice would be read as its first and the second dropped without a word. */
const char *px_req_header_repeated(px_req *r, const char *const *names);
/* Frees the values px_req_query decoded (the request's end, server.c). */
void px__req_query_free(px_req *r);
/* Refuses (400, queued; returns 1) a query whose names or values are not UTF-8 and, on a route
 * rt that lists its query names (routes.def; NULL: no route), a name it does not take or one
 * given twice; decodes the values px_req_query answers (500 when out of memory). */
int px__query_refused(px_req *r, const px_route *rt);

/* Path parameter i (0-based). */
const char *px_req_param(px_req *r, int i);

/* Responses. px_reply_json steals body. */
void px_reply_json(px_req *r, int status, json_t *body);
/* A text member of an answer: the string, or JSON null when it is NULL or empty (docs/api.md: an
 * absent value is null, never ""). */
json_t *px_json_str_or_null(const char *s);
/* A pack's or batch's YYMMDD expiry as its date, "YYYY-MM-DD" (px_expiry_iso: the century of
 * GenSpecs §7.12, DD 00 the month's last day), or JSON null when there is none: answers carry
 * it beside `expiry` so no client reads the century rule again. */
json_t *px_json_expiry_date(const char *yymmdd);
void px_reply_bytes(px_req *r, int status, const char *content_type, const void *data, size_t len);
/* Takes ownership of data (malloc'd). */
void px_reply_take(px_req *r, int status, const char *content_type, char *data, size_t len);
/* An RFC 7807 problem (application/problem+json): the error body of the EPCIS 2.0 REST binding
 * (the EPCIS 2.0 REST bindings), its type, status and title as epcis/exceptions.h gives them;
 * detail, what this occurrence was, is left out when NULL or "". */
void px_reply_problem(px_req *r, px_epcis_ex ex, const char *detail);
/* Answers the request's error (r->err, which the use case filled) and returns 1 when rc is
 * not PX_OK, so a handler fails in one line:
 *     if (px_reply_failed(r, px_svc_job_get(db, &r->actor, id, &j, &r->err)))
 *         return; */
int px_reply_failed(px_req *r, px_rc rc);
/* The body of a GET of one object by the id in the path (/v1/<things>/{id}): the use case
 * get (px_db *, const px_actor *, id, T *, px_err *) reads it in the caller's scope, to_json
 * (const T *) renders it: 200, or the use case's error. One shape for every such route, so
 * that none forgets the scope or the error. */
#define PX_REPLY_ONE(r, T, get, to_json)                                                           \
    do {                                                                                           \
        px_req *one_r_ = (r);                                                                      \
        px_db *one_db_ = px_req_begin(one_r_);                                                     \
        T one_;                                                                                    \
        if (one_db_ &&                                                                             \
            !px_reply_failed(one_r_, get(one_db_, &one_r_->actor, px_req_param(one_r_, 0), &one_,  \
                                         &one_r_->err)))                                           \
            px_reply_json(one_r_, 200, to_json(&one_));                                            \
    } while (0)
/* A body a use case rendered into out (returning rc): 200 with out's bytes (taken) as
 * content_type, or out dropped and the request's error (r->err) answered. 0 when the body went
 * out (the caller may add headers), -1 when the error did. */
int px_reply_rendered(px_req *r, px_rc rc, px_buf *out, const char *content_type);
/* An answer of the tenant's own data (a symbol of its pack, a download) that no cache on the
 * way may keep: Cache-Control private, no-store. */
void px_reply_private(px_req *r);
/* The headers of an answer that is a file to keep (an export, a carrier batch's ZIP): saved
 * as filename (packid's own: no quote or path in it), never kept by a cache on the way (the
 * tenant's data). */
void px_reply_download_headers(px_req *r, const char *filename);
/* The headers of a page a browser shows (the console, the public verification page): its
 * Content-Security-Policy csp, no MIME sniffing, no Referer sent on, and no framing by another
 * site (X-Frame-Options for the browsers that predate CSP's frame-ancestors). */
void px_reply_page_headers(px_req *r, const char *csp);
/* The media type of a rendered symbol or label: PNG or SVG. */
const char *px_image_type(int png);
/* px_req_db with r->err cleared: a handler's use cases then fill r->err. */
px_db *px_req_begin(px_req *r);
/* 1 when a request of the resolver asks for the verification page (resolver_page.c). */
int px__resolver_wants_page(px_req *r);
/* The page of a refusal of such a request: err's status, in words for a person. */
void px__resolver_error_page(px_req *r, int status, const px_err *err);
/* Renders err in docs/api.md's error shape with the status of its rc (status_map.c); on a
 * resolver request that a person's browser made, the same refusal as a page. */
void px_reply_error(px_req *r, const px_err *err);
/* A query parameter the route cannot take: 400 bad_request whose detail names it (field), so a
 * program can tell which one. */
void px_reply_bad_param(px_req *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A cursor packid did not issue for this list (px_cursor_refuse). */
void px_reply_bad_cursor(px_req *r);
/* Shorthand: px_err_set + px_reply_error. */
void px_reply_fail(px_req *r, px_rc rc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 500 internal "out of memory" after a failed allocation (px_err_oom's error). */
void px_reply_oom(px_req *r);
/* Renders err with a details array (one entry per bad item of a list), its status from
 * status_map.c like every error; steals details. A 5xx never carries details. */
void px_reply_error_items(px_req *r, const px_err *err, json_t *details);

/* ---- the caller and the body (caller.c) ------------------------------------------------ */

/* The request id: the client's sane X-Request-Id, else 16 random hex digits. */
void px__request_id(char rid[65], struct MHD_Connection *conn);
/* A keyed route's caller (API key or console session) and the role's policy for the route:
 * 0 when r->actor is set; -1 when a refusal was queued. */
int px__authenticate(px_req *r);
/* The body as one JSON object in r->json: 0 when read; -1 when a refusal was queued. */
int px__read_json_body(px_req *r);

/* ---- console sessions (h_sessions.c) ---------------------------------------------------- */

/* The console session cookie's value, or NULL. */
const char *px__session_cookie(px_req *r);
/* Authenticates r by its session cookie (r->actor, r->via_session) and, for a method that
 * may change state, checks its X-CSRF-Token. Replies and returns -1 on failure. */
int px__session_auth(px_req *r, px_db *db, const char *cookie);

/* ---- JSON body readers (json_in.c): sticky, 422 with the field on a bad member ---------- */

/* 1 once r has its answer (an error or a result): the JSON readers then read nothing more and
 * px_req_db hands out no database. */
int px_req_answered(const px_req *r);

/* A 422 validation_error about one field (code, message); nothing when r is answered already
 * (the first refusal is the one told). */
void px_reply_field(px_req *r, const char *field, const char *code, const char *msg);
/* The same with a printf message: a limit in the message is the constant the check uses, so
 * the two cannot drift apart. */
void px_reply_fieldf(px_req *r, const char *field, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Rejects members of obj not in the NULL-terminated list (docs/api.md: unknown fields -> 422).
 * Replies and returns -1 on failure. */
int px_json_only(px_req *r, json_t *obj, const char *const *allowed);
/* String member of 1..max bytes (NULL when absent or null); required: absent is 422. */
const char *px_json_str(px_req *r, json_t *obj, const char *name, size_t max, int required);
/* The member "market", a market code (docs/api.md "market"): NULL when absent or null
 * (required: 422 required); a string px_market_check refuses is 422 with its code
 * (invalid_market, unknown_market) whatever its length, so every route names a malformed or
 * unknown market alike; not a string: invalid_value. */
const char *px_json_market(px_req *r, json_t *obj, int required);

/* Integer member in [min,max]; absent -> dflt (or 422 when required). Replies 422 when present
 * but not an integer in range. */
long long px_json_int(px_req *r, json_t *obj, const char *name, long long min, long long max,
                      long long dflt, int required);
/* Array of strings (each 1..max bytes, at most max_items); NULL when absent. On error replies
 * 422. The returned vector (malloc'd, caller frees; strings borrowed from obj)
 * has *n entries. */
const char **px_json_str_array(px_req *r, json_t *obj, const char *name, size_t max,
                               size_t max_items, int required, int *n);
/* 1 when obj has member name with a value other than null (docs/api.md: an optional member
 * set to null counts as absent). */
int px_json_present(json_t *obj, const char *name);
/* Boolean member; absent or null is 0. */
int px_json_bool(px_req *r, json_t *obj, const char *name);
/* Array of strings whose content rules are the use case's (set 82, length, duplicates): every
 * item that is not a string is reported with its index in one 422. malloc'd vector (strings
 * borrowed), NULL with *n = 0 when absent and optional. */
const char **px_json_items(px_req *r, json_t *obj, const char *name, int required, size_t *n);
/* Nested object member name with only the allowed members (NULL when absent or null); an
 * unknown member is 422 with its dotted name. */
json_t *px_json_object(px_req *r, json_t *obj, const char *name, const char *const *allowed);
/* Members of a nested object (obj may be NULL), named parent.name in errors: a string of
 * 1..max bytes (NULL when absent), an integer in [min, max] (0 when absent). */
const char *px_json_member_str(px_req *r, json_t *obj, const char *parent, const char *name,
                               size_t max);
int px_json_member_int(px_req *r, json_t *obj, const char *parent, const char *name, int min,
                       int max);

/* The HTTP status for an error (status_map.c). */
int px_http_status(const px_err *err);

/* ---- the public routes' limits (ratelimit.c) --------------------------------------- */

px_limiter *px__limiter_new(double rate, double burst);
void px__limiter_free(px_limiter *l);
/* 1 when client may go on; 0 with *retry_after_s. */
int px__limiter_take(px_limiter *l, const char *client, int *retry_after_s);
/* Empties client's bucket and puts it `seconds` in debt (an enumerating client). */
void px__limiter_drain(px_limiter *l, const char *client, double seconds);
/* The client's address (PACKID_TRUSTED_PROXY's X-Forwarded-For when the peer is that proxy). */
const char *px__client_addr(px_req *r);

/* The start of a public verification's handler (h_verify, h_resolve). *parked = 1: the read
 * of these inputs went to the batch (verify_batch.h) and the request waits for it suspended,
 * holding no thread and no connection; the handler returns at once and is called again when
 * the read is ready (r->pre holds it). Else the database to verify with: the primary (every
 * hit records a scan there), and w->lookup_db a fenced standby when PACKID_VERIFY_ON_STANDBY
 * allows (docs/scaling.md "Reads from standbys"); NULL with the refusal queued. */
px_db *px__verify_begin(px_req *r, const char *gtin, const char *serial, const char *batch,
                        const char *expiry, struct px_scan_where *w, int *parked);
/* Takes a token for the request's client; when none is left answers 429 rate_limited with
 * Retry-After and returns 1. REQ-ABUSE-1. */
int px__limit_public(px_req *r);
/* A GET or HEAD of a Digital Link path no route names (a trailing slash, another qualifier, a
 * compressed link): answered by the resolver and 1; another method of such a path is 405 and 1;
 * 0 when the path is not a Digital Link. */
int px__resolver_fallback(px_req *r);
/* 1 when url has the shape of a Digital Link path (what px__resolver_fallback answers). */
int px__resolver_path(const char *url);

/* ---- cross-origin requests (cors.c) ------------------------------------------------- */

/* 1 when the request's path is one of the public routes other origins may call. */
int px__cors_route(px_req *r);
/* Adds Access-Control-Allow-Origin and -Expose-Headers to r->response. */
void px__cors_headers(px_req *r);
/* An OPTIONS preflight of a public route: answers 204 with the CORS headers and returns 1;
 * 0 for any other path (which keeps its 405). */
int px__cors_preflight(px_req *r);

/* ---- metrics (metrics.c) ------------------------------------------------------------ */

void px_metrics_record(int route_index, int status, double ms);
/* Renders Prometheus text into out. */
void px_metrics_render(px_buf *out, px_pool *pool);

extern const px_route px_routes[];
extern const int px_route_total;

#endif
