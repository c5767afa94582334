/* The public routes' limits (docs/resolver.md "Abuse limits"): one token bucket per client
 * address (domain/scan_rules' px_bucket) in a fixed table, so a flood of new addresses costs
 * no memory: a full table reuses the slot of the client seen longest ago in the probe window.
 * REQ-ABUSE-1. */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "px_clock.h"
#include "px_log.h"
#include "px_str.h"
#include "request.h"
#include "scan_rules.h"

#define SLOTS 4096
#define PROBE 16

typedef struct slot {
    char client[64];
    px_bucket bucket;
} slot;

struct px_limiter {
    pthread_mutex_t mu;
    double rate, burst;
    slot slots[SLOTS];
};

px_limiter *px__limiter_new(double rate, double burst)
{
    px_limiter *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    l->rate = rate;
    l->burst = burst;
    return l;
}

void px__limiter_free(px_limiter *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static slot *find(px_limiter *l, const char *client)
{
    uint32_t h = fnv1a(client);
    slot *oldest = NULL;
    for (uint32_t i = 0; i < PROBE; i++) {
        slot *s = &l->slots[(h + i) % SLOTS];
        if (strcmp(s->client, client) == 0)
            return s;
        if (!oldest || s->bucket.at_us < oldest->bucket.at_us)
            oldest = s;
    }
    px_strlcpy(oldest->client, client, sizeof(oldest->client));
    oldest->bucket.at_us = 0; /* a new client starts with a full bucket */
    return oldest;
}

/* The bucket's key: an IPv4 address as it is; an IPv6 address by its /64, the block one
 * subscriber is given (RFC 6177), so rotating the interface identifier buys no new bucket. */
static void bucket_key(char out[64], const char *client)
{
    struct in6_addr a6;
    if (strchr(client, ':') && inet_pton(AF_INET6, client, &a6) == 1) {
        memset(a6.s6_addr + 8, 0, 8);
        if (inet_ntop(AF_INET6, &a6, out, 64)) {
            size_t n = strlen(out);
            snprintf(out + n, 64 - n, "/64");
            return;
        }
    }
    px_strlcpy(out, client, 64);
}

int px__limiter_take(px_limiter *l, const char *client, int *retry_after_s)
{
    char key[64];
    bucket_key(key, client);
    pthread_mutex_lock(&l->mu);
    int ok = px_bucket_take(&find(l, key)->bucket, l->rate, l->burst, px_now_us(), retry_after_s);
    pthread_mutex_unlock(&l->mu);
    return ok;
}

void px__limiter_drain(px_limiter *l, const char *client, double seconds)
{
    char key[64];
    bucket_key(key, client);
    pthread_mutex_lock(&l->mu);
    slot *s = find(l, key);
    /* REQ-ABUSE-2: an enumerating client owes `seconds` of tokens before its next answer. */
    px_bucket_take(&s->bucket, l->rate, l->burst, px_now_us(), &(int){0});
    s->bucket.tokens = -l->rate * seconds;
    pthread_mutex_unlock(&l->mu);
}

/* 1 when s is an IPv4 or IPv6 address literal. */
static int ip_literal(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* The address of one X-Forwarded-For entry s[0..n): an IPv4 or IPv6 literal, bare or with the
 * port some proxies append ("a.b.c.d:port", "[v6]:port", the node forms of RFC 7239 §6) into
 * out; 0 when it holds none. */
static int forwarded_addr(char *out, size_t cap, const char *s, size_t n)
{
    char v[64];
    if (n == 0 || n >= sizeof(v))
        return 0;
    memcpy(v, s, n);
    v[n] = '\0';
    char *a = v;
    if (*a == '[') {
        char *end = strchr(a, ']');
        if (!end)
            return 0;
        *end = '\0';
        a++;
    } else {
        char *colon = strchr(a, ':');
        if (colon && !strchr(colon + 1, ':'))
            *colon = '\0'; /* one colon: IPv4 and its port */
    }
    if (!ip_literal(a))
        return 0;
    px_strlcpy(out, a, cap);
    return 1;
}

/* A trusted proxy's entry that names no address is said at warn level, once a minute at most
 * (the proxy's own address stands in for its clients meanwhile). */
static void forwarded_unreadable(const char *proxy)
{
    static _Atomic long last;
    long now = (long)(px_now_us() / 1000000);
    long was = atomic_load(&last);
    if (now - was >= 60 && atomic_compare_exchange_strong(&last, &was, now))
        px_logf(PX_LOG_WARN,
                "X-Forwarded-For from the trusted proxy %s names no IP address: its own address "
                "is the client",
                proxy);
}

/* Keeps the last X-Forwarded-For field line: repeated lines are one list in their order
 * (RFC 9110 §5.3), and a proxy may append its own as a line of its own after the client's. */
static enum MHD_Result last_xff_line(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0)
        *(const char **)cls = value;
    return MHD_YES;
}

/* The peer's numeric address; behind PACKID_TRUSTED_PROXY (and only when the peer is that
 * proxy) the last address of X-Forwarded-For, the one the proxy itself appended (of the last
 * line, when there are several). A last entry that is no IP address literal names no client:
 * the proxy's own address stands. */
const char *px__client_addr(px_req *r)
{
    if (r->client[0])
        return r->client;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char host[64] = "unknown";
    if (ci && ci->client_addr) {
        socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                               : sizeof(struct sockaddr_in);
        if (getnameinfo(ci->client_addr, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
            px_strlcpy(host, "unknown", sizeof(host));
    }
    const char *proxy = r->app->cfg.trusted_proxy;
    const char *xff = NULL;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, last_xff_line, &xff);
    if (proxy[0] && strcmp(proxy, host) == 0 && xff && *xff) {
        const char *last = strrchr(xff, ',');
        last = last ? last + 1 : xff;
        while (*last == ' ')
            last++;
        if (!forwarded_addr(host, sizeof(host), last, strcspn(last, " ")))
            forwarded_unreadable(proxy);
    }
    px_strlcpy(r->client, host, sizeof(r->client));
    return r->client;
}

int px__limit_public(px_req *r)
{
    int retry = 1;
    if (!r->limiter || px__limiter_take(r->limiter, px__client_addr(r), &retry))
        return 0;
    char secs[16];
    snprintf(secs, sizeof(secs), "%d", retry);
    px_reply_fail(r, PX_EUNAVAIL, "rate_limited",
                  "too many requests from this client, retry after %d s", retry);
    MHD_add_response_header(r->response, "Retry-After", secs);
    return 1;
}
