/* bench_verify_bare — the raw limit of a verification: a bare libmicrohttpd + libpq server that
 * answers GET /verify/{gtin}/{serial} from one prepared point lookup (bench/verify.sh).
 *
 *   bench_verify_bare PORT CONNINFO [THREADS]     default threads 4 (packid's PACKID_THREADS)
 *
 * The same thread model as `packid serve` (an internal epoll thread pool), one connection per
 * pool thread (thread-local, opened on its first request), the statement prepared once per
 * connection. No key, no routing table, no request log, no metrics: what packid adds over
 * this is what the bench measures. Runs until SIGTERM or SIGINT. */
#include <libpq-fe.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *g_conninfo;
static _Thread_local PGconn *t_conn;
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static PGconn *conn(void)
{
    if (t_conn && PQstatus(t_conn) == CONNECTION_OK)
        return t_conn;
    if (t_conn)
        PQfinish(t_conn);
    t_conn = PQconnectdb(g_conninfo);
    if (PQstatus(t_conn) != CONNECTION_OK)
        return NULL;
    PGresult *r = PQprepare(t_conn, "v",
                            "SELECT state, coalesce(reason, ''), coalesce(expiry, '') "
                            "FROM serial WHERE gtin = $1 AND serial = $2",
                            2, NULL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? t_conn : NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **req)
{
    (void)cls, (void)version, (void)data, (void)size;
    if (!*req) { /* first call: headers only */
        *req = (void *)1;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 || strncmp(url, "/verify/", 8) != 0)
        return reply(c, 404, "{\"error\":\"not found\"}");
    char gtin[15], serial[32];
    const char *g = url + 8, *slash = strchr(g, '/');
    if (!slash || slash - g != 14 || strlen(slash + 1) == 0 || strlen(slash + 1) >= sizeof(serial))
        return reply(c, 400, "{\"error\":\"bad request\"}");
    memcpy(gtin, g, 14);
    gtin[14] = '\0';
    snprintf(serial, sizeof(serial), "%s", slash + 1);
    PGconn *pg = conn();
    if (!pg)
        return reply(c, 503, "{\"error\":\"database\"}");
    const char *p[] = {gtin, serial};
    PGresult *r = PQexecPrepared(pg, "v", 2, p, NULL, NULL, 0);
    const char *body = "{\"verdict\":\"unknown\"}";
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        body = NULL;
    else if (PQntuples(r) == 1) {
        const char *state = PQgetvalue(r, 0, 0);
        if (strcmp(state, "decommissioned") == 0)
            body = strcmp(PQgetvalue(r, 0, 1), "stolen") == 0 ? "{\"verdict\":\"suspect\"}"
                                                               : "{\"verdict\":\"decommissioned\"}";
        else if (strcmp(state, "allocated") != 0)
            body = "{\"verdict\":\"genuine\"}";
    }
    PQclear(r);
    return body ? reply(c, 200, body) : reply(c, 500, "{\"error\":\"internal\"}");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_verify_bare PORT CONNINFO [THREADS]\n");
        return 2;
    }
    long port = strtol(argv[1], NULL, 10);
    long threads = argc > 3 ? strtol(argv[3], NULL, 10) : 4;
    if (port <= 0 || port > 65535 || threads < 1 || threads > 256) {
        fprintf(stderr, "bench_verify_bare: bad port or thread count\n");
        return 2;
    }
    g_conninfo = argv[2];
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL, on_request,
        NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, 1024u,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_verify_bare: cannot listen on port %ld\n", port);
        return 1;
    }
    while (!g_stop)
        pause();
    MHD_stop_daemon(d);
    return 0;
}
