/* The libmicrohttpd server: request lifecycle, the edge checks, body accumulation with a cap
 * and a global budget, routing, authentication, policy, dispatch, one log line per request
 * (debug for an answered public hit); the caller and the body are settled in caller.c.
 *
 * Keep-alive needs the two-call pattern: the first call for a request only
 * sets *req_cls; the response is queued on a later call. The exceptions are the refusals
 * decided from the headers alone (a malformed request, a declared body over the cap, the
 * body budget spent): answering at once (and closing) is better than reading the body. */
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "epcis_headers.h"
#include "handler_pool.h"
#include "handlers.h"
#include "http.h"
#include "px_clock.h"
#include "px_log.h"
#include "px_str.h"
#include "request.h"
#include "scans.h"
#include "stream.h"
#include "verify_batch.h"

/* Seconds a keep-alive connection may sit idle between requests (and while its headers
 * arrive). Inside a body the shorter PACKID_BODY_IDLE_TIMEOUT applies. */
#define PX_HTTP_IDLE_TIMEOUT 120u
/* The connections the server holds at once (PACKID_CONNECTIONS_PER_CLIENT bounds one
 * address's share). */
#define PX_HTTP_CONNECTIONS 1024u

struct px_http_server {
    struct MHD_Daemon *daemon;
    px_app *app;
    px_body_budget budget;
    px_limiter *limiter;     /* the public routes' per-client buckets */
    px_handler_pool *handlers; /* the request threads */
    _Atomic int parked_live;   /* requests parked (the batch's read, a request thread) and not yet
                                * ended */
};

/* The request's handler (r->handler): a response queued, or the request parked
 * (verify_park). */
static void run_handler(px_req *r)
{
    r->handler(r);
    if (!r->response && !r->parked) {
        px_log(PX_LOG_ERROR, "handler queued no response", NULL);
        px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
    }
}

/* Called from a reader of the batch: the connection takes its turn in its server thread again,
 * which calls the handler a second time (libmicrohttpd's suspend and resume). */
static void unpark(void *arg)
{
    px_req *r = arg;
    MHD_resume_connection(r->conn);
}

/* The read of a public verification of these inputs handed to the batch (verify_batch.h), the
 * request suspended meanwhile, holding no thread and no connection: 1 when parked (the
 * handler is called again when the read is ready, with r->pre holding it), 0 when the handler
 * reads for itself now (the second call, no batch, a read the batch does not take). */
static int verify_park(px_req *r, const char *gtin, const char *serial, const char *batch,
                       const char *expiry, const px_scan_where *w)
{
    /* A handed-over request's connection is suspended already (the public routes are not
     * handed over: dispatch). */
    if (r->handed || r->pre ||
        !(r->pre = px_svc_public_verify_prefetch(r->app->verify_batch, r->app, gtin, serial, batch,
                                                 expiry, w)))
        return 0;
    r->pre->ready = unpark;
    r->pre->arg = r;
    /* Suspended before it is queued: the batch may wake it at once. */
    MHD_suspend_connection(r->conn);
    r->parked = 1;
    r->counted = 1;
    atomic_fetch_add(r->parked_live, 1);
    if (px_verify_batch_submit(r->app->verify_batch, r->pre) != 0)
        MHD_resume_connection(r->conn); /* stopping, or the queue is full: it reads itself */
    return 1;
}

px_db *px__verify_begin(px_req *r, const char *gtin, const char *serial, const char *batch,
                        const char *expiry, px_scan_where *w, int *parked)
{
    if ((*parked = verify_park(r, gtin, serial, batch, expiry, w)) != 0)
        return NULL;
    px_db *db = px_req_begin(r);
    if (db && r->app->cfg.verify_on_standby && !(w->lookup_db = px_req_read_db_durable(r)))
        return NULL;
    return db;
}

/* REQ-EDGE-2: the bodies in flight have spent the server's budget. */
static void reply_overloaded(px_req *r)
{
    px_reply_fail(r, PX_EUNAVAIL, "overloaded",
                  "the server is receiving too many request bodies, try again");
}

/* In the dialect of the path's family: the EPCIS binding's own 413 problem on its paths (the
 * one type the binding answers 413 with), packid's error everywhere else. */
static void reply_too_large(px_req *r)
{
    if (strncmp(r->url, "/epcis/", 7) == 0) {
        char detail[96];
        snprintf(detail, sizeof(detail), "the request body is larger than %ld bytes",
                 r->app->cfg.max_body);
        px_reply_problem(r, PX_EPCIS_EX_CAPTURE_LIMIT_EXCEEDED, detail);
        return;
    }
    px_reply_fail(r, PX_ETOOBIG, "payload_too_large", "the request body is larger than %ld bytes",
                  r->app->cfg.max_body);
}

/* A body sent to one of packid's keyed routes that takes none (a GET list, a revocation, a
 * retry) would be dropped unread, filters or a reason with it: refused (px_route_own_keyed).
 * 1 when refused. */
static int body_refused(px_req *r)
{
    if ((r->route->flags & PX_BODY) || r->body.len == 0 || !px_route_own_keyed(r->route))
        return 0;
    px_reply_fail(r, PX_EINVALID, "bad_request",
                  "%s %s takes no body: a body sent to it would be dropped unread", r->method,
                  r->route->pattern);
    return 1;
}

/* A client that sends Idempotency-Key expects a retry to be recognised; only a PX_IDEMPOTENT
 * route does that, so on another of packid's own keyed routes (px_route_own_keyed) the header
 * is refused rather than ignored. 1 when refused. */
static int idempotency_refused(px_req *r)
{
    if ((r->route->flags & PX_IDEMPOTENT) || !px_route_own_keyed(r->route) ||
        !px_req_header(r, "Idempotency-Key"))
        return 0;
    px_reply_field(r, "Idempotency-Key", "bad_request",
                   "this route does not take Idempotency-Key: a retry of it would not be "
                   "recognised (only POST /v1/commissions keeps its answers by key)");
    return 1;
}
/* A path a route would take but for a value past 255 bytes (no field takes one): the value
 * is wrong, not the route, and it is refused in the route's own dialect, where it has one: a
 * /v1/ route's 422 invalid_length naming the parameter, the VRS responder's 400 bad_request
 * (the GS1 Lightweight Messaging Standard's one refusal of a parameter). The EPCIS and
 * resolver paths keep their 404 of a value not of the kind. Returns 1 when refused. */
static int overlong_refused(px_req *r, const px_route *rt, const char *name)
{
    r->cors = (rt->flags & PX_LIMITED) != 0;
    if (strncmp(rt->pattern, "/v1/", 4) == 0) {
        px_err_set_field(&r->err, PX_EINVALID, "invalid_length", name,
                         "%s is longer than 255 bytes", name);
        px_reply_error(r, &r->err);
        return 1;
    }
    if (strncmp(rt->pattern, "/vrs/", 5) == 0) {
        px_reply_fieldf(r, name, "bad_request", "%s is longer than 255 bytes", name);
        return 1;
    }
    return 0;
}

/* The route's own work: the key, the body, the handler. */
static void run_route(px_req *r)
{
    if (!(r->route->flags & PX_PUBLIC) && px__authenticate(r) != 0)
        return;
    if ((r->route->flags & PX_BODY) && px__read_json_body(r) != 0)
        return;
    r->handler = r->route->handler;
    run_handler(r);
}

/* On a request thread: the route runs, then the connection resumes, and its server thread
 * writes the answer (on_request). */
static void run_handed(px_req *r)
{
    run_route(r);
    /* Its answer is built: the connections go back now, not once the answer is sent (a slow
     * client would hold one). A streamed answer took its own out of r->db. */
    if (r->db) {
        px_pool_release(r->app->pool, r->db);
        r->db = NULL;
    }
    px_req_read_release(r);
    atomic_store(&r->handed_done, 1);
    MHD_resume_connection(r->conn);
}

/* The request handed to the request threads (handler_pool.c), its connection suspended
 * meanwhile: 1; 0 when the pool is stopping (the caller runs it). */
static int hand_over(px_req *r)
{
    /* Suspended before it is queued: a request thread may resume it at once. Counted until
     * it ends, so a stop waits for its answer (px_http_stop). */
    MHD_suspend_connection(r->conn);
    r->handed = 1;
    r->counted = 1;
    atomic_fetch_add(r->parked_live, 1);
    if (px__handler_pool_submit(r->handlers, r) == 0)
        return 1;
    r->handed = r->counted = 0;
    atomic_fetch_sub(r->parked_live, 1);
    MHD_resume_connection(r->conn);
    return 0;
}

static void dispatch(px_req *r)
{
    if (r->overloaded) {
        reply_overloaded(r);
        return;
    }
    /* A browser's CORS preflight of a public route (cors.c); other OPTIONS keep their 405. */
    if (strcmp(r->method, "OPTIONS") == 0 && px__cors_preflight(r))
        return;
    /* The EPCIS 2.0 binding's OPTIONS discovery (epcis_headers.c). */
    if (strcmp(r->method, "OPTIONS") == 0 && px__epcis_discovery(r))
        return;
    if (!px_utf8_valid(r->url)) {
        px_reply_fail(r, PX_ENOTFOUND, "not_found", "not found: the path is not UTF-8");
        return;
    }
    int path_matched = 0, overlong_route = -1;
    char overlong[32];
    r->route_index = px_route_find(r->method, r->url, r->params, &r->nparams, &path_matched,
                                   overlong, &overlong_route);
    if (r->route_index < 0) {
        if (path_matched) {
            /* RFC 9110 §15.5.6: a 405 names the methods the path takes; a public route's
             * OPTIONS (its CORS preflight, cors.c) among them. */
            px_route_methods(r->url, r->allow, sizeof(r->allow));
            size_t n = strlen(r->allow);
            if (px__cors_route(r) && !strstr(r->allow, "OPTIONS"))
                px_strlcpy(r->allow + n, ", OPTIONS", sizeof(r->allow) - n);
            px_reply_fail(r, PX_EINVALID, "method_not_allowed",
                          "method %s is not allowed on this path (allowed: %s)", r->method,
                          r->allow);
            return;
        }
        /* The resolver's other path forms echo query values too: UTF-8 first, as every route. */
        if (px__query_refused(r, NULL) || px__resolver_fallback(r))
            return;
        if (overlong[0] && overlong_refused(r, &px_routes[overlong_route], overlong))
            return;
        px_reply_fail(r, PX_ENOTFOUND, "not_found", "no such route");
        return;
    }
    r->route = &px_routes[r->route_index];
    r->cors = (r->route->flags & PX_LIMITED) != 0; /* the routes other origins may call */
    /* A path value holding %00 (a NUL: a literal '%' arrives as %25) names nothing, as a
     * value that is not UTF-8, in each family's dialect: 404 on packid's own routes and the
     * EPCIS binding's, 400 from the responder (a bad parameter). The resolver's Digital Link
     * parser refuses it as a bad escape (400). */
    if (strstr(r->url, "%00")) {
        if (strncmp(r->route->pattern, "/v1/", 4) == 0) {
            px_reply_fail(r, PX_ENOTFOUND, "not_found", "not found: a path value holds %%00");
            return;
        }
        if (strncmp(r->route->pattern, "/epcis/", 7) == 0) {
            px_reply_problem(r, PX_EPCIS_EX_NO_SUCH_RESOURCE,
                             "no such resource: a path value holds %00");
            return;
        }
        if (strncmp(r->route->pattern, "/vrs/", 5) == 0) {
            px_reply_fieldf(r, "path", "bad_request", "a path value holds %%00 (a NUL)");
            return;
        }
    }
    r->page = (r->route->flags & PX_PAGE) != 0;
    if ((r->route->flags & PX_LIMITED) && px__limit_public(r))
        return;
    if (px__query_refused(r, r->route) || idempotency_refused(r) || body_refused(r))
        return;
    if (r->body_too_big) {
        reply_too_large(r);
        return;
    }
    /* The public verifications and the resolver run here: theirs are short reads, or the
     * batch's (a verification parks for it). Every other route runs on a request thread. */
    if ((r->route->flags & PX_LIMITED) || !hand_over(r))
        run_route(r);
}

/* First call of a request: everything decided from the headers. Returns 1 when a refusal
 * was queued in r (answer now and close). */
static int at_headers(px_http_server *srv, px_req *r)
{
    px_app *app = srv->app;
    px_err err = PX_ERR_INIT;
    px_edge_framing f;
    /* REQ-EDGE-3: before routing and authentication. */
    if (px__edge_check(r->conn, &f, &err) != PX_OK) {
        px_reply_error(r, &err);
        return 1;
    }
    if (f.has_length && f.length > (unsigned long long)app->cfg.max_body) {
        r->body_too_big = 1;
        reply_too_large(r);
        return 1;
    }
    if (f.has_length && f.length > 0) {
        /* REQ-EDGE-2: a declared body takes its whole share of the budget before a byte of
         * it is read; when the budget is spent the request is refused unread. */
        size_t need = (size_t)f.length + 1; /* and px_buf's NUL */
        if (px__budget_take(&srv->budget, need) != 0) {
            reply_overloaded(r);
            return 1;
        }
        r->reserved = need;
        /* One allocation of exactly the declared size, so px_buf never doubles past it:
         * what the budget counts is what is allocated. Pages are touched only as the body
         * arrives. */
        r->body.data = malloc(need);
        if (!r->body.data) {
            px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
            return 1;
        }
        r->body.data[0] = '\0';
        r->body.cap = need;
    }
    if ((f.has_length && f.length > 0) || f.chunked)
        /* A client that stops in the middle of a body holds its share of the budget until
         * it is cut off: much sooner than an idle keep-alive connection. */
        MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                  (unsigned)app->cfg.body_idle_timeout);
    return 0;
}

static void add_body(px_http_server *srv, px_req *r, const char *data, size_t n)
{
    if (r->body_too_big || r->overloaded)
        return;
    /* A chunked body has no declared length: its share grows with it. What fits the buffer
     * already held (a declared body's one allocation) was counted when it was allocated. */
    size_t need = px__body_cap(r->body.len + n);
    if (r->body.len + n + 1 > r->body.cap && need > r->reserved) {
        if (px__budget_take(&srv->budget, need - r->reserved) != 0) {
            r->overloaded = 1;
            px_buf_dispose(&r->body);
            return;
        }
        r->reserved = need;
    }
    if (px_buf_add(&r->body, data, n) != PX_OK) {
        r->body_too_big = 1;
        px_buf_dispose(&r->body);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **req_cls)
{
    (void)version;
    px_http_server *srv = cls;
    px_app *app = srv->app;
    px_req *r = *req_cls;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        r->app = app;
        r->conn = conn;
        r->method = method;
        r->url = url;
        r->route_index = -1;
        px_err_clear(&r->err);
        r->limiter = srv->limiter;
        r->parked_live = &srv->parked_live;
        r->handlers = srv->handlers;
        r->t0 = px_mono_ms();
        px__request_id(r->rid, conn);
        px_buf_init(&r->body, (size_t)app->cfg.max_body);
        *req_cls = r;
        if (at_headers(srv, r))
            return MHD_queue_response(conn, (unsigned)r->status, r->response);
        return MHD_YES;
    }
    if (*upload_size) {
        add_body(srv, r, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->handed) {
        /* Resumed by its request thread once the handler has run; a call before that (which
         * the library does not make) keeps waiting. */
        if (!atomic_load(&r->handed_done))
            return MHD_YES;
        r->handed = 0;
    } else if (r->parked) {
        /* Resumed once the read is ready (or was not queued); a call before that (which the
         * library does not make) keeps waiting rather than reading twice. */
        if (r->pre && atomic_load(&r->pre->done) == 0)
            return MHD_YES;
        r->parked = 0; /* resumed: the handler goes on with its read */
        run_handler(r);
        /* Its answer is built. A server thread resumes every request the batch woke in one
         * pass, and writes their answers after: each would hold its connection to the
         * database until then, more than the pool has. */
        if (r->db && !r->parked) {
            px_pool_release(app->pool, r->db);
            r->db = NULL;
        }
    } else if (!r->response) {
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, PX_HTTP_IDLE_TIMEOUT);
        dispatch(r);
    }
    if (r->parked || r->handed)
        return MHD_YES;
    return MHD_queue_response(conn, (unsigned)r->status, r->response);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    px_http_server *srv = cls;
    px_app *app = srv->app;
    px_req *r = *req_cls;
    if (!r)
        return;
    double ms = px_mono_ms() - r->t0;
    px_metrics_record(r->route_index, r->status, ms);
    px__stream_ended(r, toe);
    /* One structured line per request; never a key or a body. An answered public hit (the
     * PX_LIMITED routes, verification and resolver: anyone's phone, thousands a second) is
     * counted by the metrics above and logged at debug: a line each was a formatted write(2)
     * per hit on the hot path (docs/resolver.md "Speed"). Its refusals stay at info. */
    px_log_level lvl = r->route && (r->route->flags & PX_LIMITED) && r->status < 400 &&
                               toe == MHD_REQUEST_TERMINATED_COMPLETED_OK
                           ? PX_LOG_DEBUG
                           : PX_LOG_INFO;
    if (px_log_enabled(lvl)) {
        /* The method and path as the client sent them: escaped for the line (px_json_escape),
         * since libmicrohttpd passes any token as a method. */
        char fields[960], path[512], method[40];
        px_json_escape(path, sizeof(path), r->url);
        px_json_escape(method, sizeof(method), r->method);
        snprintf(fields, sizeof(fields),
                 "\"rid\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,"
                 "\"ms\":%.2f,\"org\":\"%s\",\"key_id\":\"%s\"%s",
                 r->rid, method, path, r->status, ms, r->actor.org_id, r->actor.key_id,
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
        px_log(lvl, "request", fields);
    }
    if (r->db)
        px_pool_release(app->pool, r->db);
    px_req_read_release(r);
    if (r->counted)
        atomic_fetch_sub(r->parked_live, 1);
    free(r->pre);
    free(r->kept);
    json_decref(r->json);
    px__req_query_free(r);
    if (r->response)
        MHD_destroy_response(r->response);
    px_buf_dispose(&r->body);
    px__budget_give(&srv->budget, r->reserved);
    free(r);
    *req_cls = NULL;
}

px_rc px_http_start(px_http_server **out, px_app *app, px_err *err)
{
    *out = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%d", app->cfg.listen_port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(app->cfg.listen_host, port, &hints, &ai) != 0 || !ai)
        return px_err_set(err, PX_EINVALID, "bad_config", "cannot resolve PACKID_LISTEN host %s",
                          app->cfg.listen_host);
    /* Suspend and resume: a public verification waits for the batch's read parked
     * (px__verify_begin), not in a server thread. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    px_http_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        freeaddrinfo(ai);
        return px_err_oom(err);
    }
    srv->app = app;
    px__budget_init(&srv->budget, (size_t)app->cfg.body_budget);
    srv->limiter = px__limiter_new(app->cfg.public_rate, app->cfg.public_burst);
    if (!srv->limiter) {
        free(srv);
        freeaddrinfo(ai);
        return px_err_oom(err);
    }
    px_rc rc = px__handler_pool_start(&srv->handlers, app->cfg.threads, run_handed, err);
    if (rc == PX_OK && (rc = px_verify_batch_start(&app->verify_batch, app, err)) != PX_OK)
        px__handler_pool_stop(srv->handlers);
    if (rc != PX_OK) {
        px__handler_pool_free(srv->handlers);
        px__limiter_free(srv->limiter);
        free(srv);
        freeaddrinfo(ai);
        return rc;
    }
    /* One address's share of the connections; behind a trusted proxy every client comes from
     * the proxy's address, so the proxy bounds each client's instead. */
    unsigned per_client =
        app->cfg.trusted_proxy[0] ? 0u : (unsigned)app->cfg.connections_per_client;
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)app->cfg.listen_port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
        ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)app->cfg.threads,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, srv, MHD_OPTION_CONNECTION_TIMEOUT,
        PX_HTTP_IDLE_TIMEOUT, MHD_OPTION_CONNECTION_LIMIT, PX_HTTP_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_client, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_UNESCAPE_CALLBACK, px__unescape, NULL, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!srv->daemon) {
        px__handler_pool_stop(srv->handlers);
        px__handler_pool_free(srv->handlers);
        px_verify_batch_stop(app->verify_batch);
        px_verify_batch_free(app->verify_batch);
        app->verify_batch = NULL;
        px__limiter_free(srv->limiter);
        free(srv);
        return px_err_set(err, PX_EUNAVAIL, "listen_failed", "cannot listen on %s:%d",
                          app->cfg.listen_host, app->cfg.listen_port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info && info->port)
        app->cfg.listen_port = info->port;
    *out = srv;
    return PX_OK;
}

void px_http_stop(px_http_server *srv)
{
    if (!srv)
        return;
    /* The request threads run every request handed over (a request handed over from here on
     * runs in its server thread), and the batch reads for every parked request (libmicrohttpd
     * cannot stop with a connection suspended); the stop waits, 10 s at most, until they are
     * answered: it would otherwise close the connections of requests woken but not yet
     * answered. A request parked from here on is resumed at once and reads for itself
     * (px__verify_begin). */
    px__handler_pool_stop(srv->handlers);
    px_verify_batch_stop(srv->app->verify_batch);
    for (int i = 0; i < 10000 && atomic_load(&srv->parked_live) > 0; i++)
        px_sleep_ms(1);
    MHD_stop_daemon(srv->daemon);
    px__handler_pool_free(srv->handlers);
    px_verify_batch_free(srv->app->verify_batch);
    srv->app->verify_batch = NULL;
    px__limiter_free(srv->limiter);
    free(srv);
}
