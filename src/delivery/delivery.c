/* libcurl POST of one document (docs/delivery.md). */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "delivery.h"
#include "delivery_int.h"
#include "outbound.h"
#include "px_crypto.h"
#include "px_str.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void px_delivery_sign(char out[PX_DELIVERY_SIGNATURE_LEN], const char *secret, const char *body,
                      size_t len)
{
    char hex[PX_SHA256_HEX_LEN + 1];
    px_hmac_sha256_hex(hex, secret, strlen(secret), body, len);
    snprintf(out, PX_DELIVERY_SIGNATURE_LEN, "sha256=%s", hex);
}

static int visible_ascii(const char *s, size_t max, int allow_space)
{
    return px_ascii_printable(s, max) && (allow_space || !strchr(s, ' '));
}

px_rc px_delivery_header_check(const char *value, px_err *err)
{
    /* No space at either end: a field value has no whitespace around it (RFC 9110 §5.5), and
     * libcurl drops a header whose value is blank, so " " would be stored, shown as set and
     * never sent. */
    size_t n = value ? strlen(value) : 0;
    if (!value || !visible_ascii(value, PX_DELIVERY_HEADER_MAX, 1) || value[0] == ' ' ||
        (n > 0 && value[n - 1] == ' '))
        return px_err_set(err, PX_EINVALID, "invalid_header",
                          "the header must be 1 to %d printable ASCII characters, without a "
                          "space at either end",
                          PX_DELIVERY_HEADER_MAX);
    return PX_OK;
}

px_rc px_delivery_secret_check(const char *secret, const char *field, px_err *err)
{
    size_t n = secret ? strlen(secret) : 0;
    if (n < PX_DELIVERY_SECRET_MIN || n > PX_DELIVERY_SECRET_MAX ||
        !px_str_printable(secret, PX_DELIVERY_SECRET_MAX))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", field,
                                "%s must be %d to %d bytes of text without control characters",
                                field, PX_DELIVERY_SECRET_MIN, PX_DELIVERY_SECRET_MAX);
    return PX_OK;
}

/* A host name DNS can hold (RFC 1123 §2.1, RFC 1035 §2.3.4): labels of 1 to 63 letters, digits,
 * hyphens (and underscores, which DNS allows and some names carry), no hyphen at a label's
 * ends, 253 characters at most (a final dot allowed). An IP literal passes as libcurl read it.
 * "example..com" or "-x.example" can resolve to nothing, ever: refused when the endpoint is
 * saved, not found at its first delivery. */
static int host_name_ok(const char *h)
{
    if (h[0] == '[')
        return 1; /* an IPv6 literal, parsed by libcurl */
    size_t n = strlen(h);
    if (n > 0 && h[n - 1] == '.')
        n--;
    if (n == 0 || n > 253)
        return 0;
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? h[i] : '.';
        if (c == '.') {
            if (label == 0 || h[i - 1] == '-')
                return 0;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || (c == '-' && label > 0)) {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

static int loopback_host(const char *h)
{
    if (strcmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0 || strcmp(h, "::1") == 0)
        return 1;
    /* 127.0.0.0/8 written as a dotted quad */
    unsigned a, b, c, d;
    char tail;
    return sscanf(h, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
           c < 256 && d < 256;
}

px_rc px__delivery_url_parse(const char *url, char *host_out, size_t host_cap, int *port,
                             px_err *err)
{
    if (!url || !visible_ascii(url, PX_DELIVERY_URL_MAX, 0))
        return px_err_set(err, PX_EINVALID, "invalid_url",
                          "url must be 1 to %d visible ASCII characters", PX_DELIVERY_URL_MAX);
    /* RFC 3986 §3.2: the authority follows "//" and an http(s) host is not empty. libcurl's
     * parser reads "https:/x" and "https:///x" as host x: not what was written, so refused
     * here rather than stored as sent and posted elsewhere. */
    const char *colon = strchr(url, ':');
    if (!colon || strncmp(colon, "://", 3) != 0 || colon[3] == '/' || colon[3] == '\0')
        return px_err_set(err, PX_EINVALID, "invalid_url", "url is not an absolute http(s) URL");
    pthread_once(&curl_once, curl_init);
    CURLU *u = curl_url();
    if (!u)
        return px_err_oom(err);
    px_rc rc = PX_OK;
    char *scheme = NULL, *host = NULL, *user = NULL, *portstr = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &portstr, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        rc = px_err_set(err, PX_EINVALID, "invalid_url", "url is not an absolute http(s) URL");
    } else if (!host_name_ok(host)) {
        rc = px_err_set(err, PX_EINVALID, "invalid_url",
                        "url host is no name DNS can hold (empty label, a label of more than "
                        "63 characters, or a character other than letters, digits, hyphens and "
                        "underscores)");
    } else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        rc = px_err_set(err, PX_EINVALID, "invalid_url",
                        "url must not carry credentials (a URL is stored, listed and logged): "
                        "a regulator endpoint takes them in auth_header, a webhook is signed "
                        "with its secret");
    } else if (strcmp(scheme, "https") == 0) {
        rc = PX_OK;
    } else if (strcmp(scheme, "http") == 0) {
        /* Plain HTTP would expose the report and its auth header on the wire: allowed only
         * to this machine (a local relay, tests), and loopback itself must be allowed by
         * the operator (outbound.h). */
        if (!loopback_host(host))
            rc = px_err_set(err, PX_EINVALID, "invalid_url",
                            "url must be https (http is allowed only to a loopback host)");
    } else {
        rc = px_err_set(err, PX_EINVALID, "invalid_url", "url must be https");
    }
    if (rc == PX_OK) {
        long p = 0;
        if (px_strlcpy(host_out, host, host_cap) >= host_cap ||
            px_parse_long(portstr, 1, 65535, &p) != 0)
            rc = px_err_set(err, PX_EINVALID, "invalid_url", "url host or port is not valid");
        *port = (int)p;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(portstr);
    curl_url_cleanup(u);
    if (rc != PX_OK)
        px_err_field(err, "url");
    return rc;
}

px_rc px_delivery_url_check(const char *url, px_err *err)
{
    return px_outbound_check_url(url, err);
}

/* Discards the receiver's answer body (at most what curl hands over; nothing is kept). */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

/* The connect-time guard (outbound.h). libcurl calls this for every address it is about to
 * connect to, after its own name resolution and for each address it tries, so the address
 * checked is the address used: a DNS answer that changes between the endpoint's creation and
 * the delivery (rebinding) meets the same check. Why this hook rather than the others:
 * CURLOPT_PREREQFUNCTION runs only after the TCP and TLS handshakes, so an internal port
 * would already have been touched and TLS errors would still tell ports apart; resolving
 * ourselves and pinning with CURLOPT_RESOLVE leaves a second resolution path (happy eyeballs,
 * several addresses) to keep in step with libcurl's. Refusing here sends no packet at all. */
typedef struct guard_ctx {
    const px_outbound_allow *allow;
    const char *host;
    int refused;
    char why[PX_ERR_MSG_MAX];
} guard_ctx;

static curl_socket_t open_guarded(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    guard_ctx *g = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    px_err e = PX_ERR_INIT;
    if (px_outbound_check_addr(g->allow, g->host, &addr->addr, &e) != PX_OK) {
        g->refused = 1;
        snprintf(g->why, sizeof(g->why), "%s", e.message);
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

static int tls_error(CURLcode cc)
{
    switch (cc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT: return 1;
    default: return 0;
    }
}

/* The outcome as the API may show it: a class and a fixed sentence. libcurl's own text
 * (connection refused, TLS alert names, resolver errors) says too much about the network
 * packid sits in; it goes to out->detail, for the log only. */
static void classify(px_delivery_result *out, CURLcode cc, const guard_ctx *g)
{
    if (cc == CURLE_OK) {
        if (px_delivery_accepted(out->http_status))
            return;
        snprintf(out->code, sizeof(out->code), "http_status");
        snprintf(out->error, sizeof(out->error), "HTTP %ld", out->http_status);
        return;
    }
    out->http_status = 0;
    const char *code, *msg;
    if (g->refused) {
        code = "refused_address";
        msg = "the receiver's address is not allowed";
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        code = "timeout";
        msg = "the receiver did not answer in time";
    } else if (tls_error(cc)) {
        code = "tls_failed";
        msg = "the TLS handshake with the receiver failed";
    } else if (cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
               cc == CURLE_PARTIAL_FILE || cc == CURLE_WEIRD_SERVER_REPLY) {
        /* Connected, then no whole answer: the receiver (or a proxy before it) closed the
         * connection or answered no HTTP. Not a network that keeps packid out: the one to
         * look at is the receiver. */
        code = "no_answer";
        msg = "the receiver closed the connection without a whole HTTP answer";
    } else {
        code = "connect_failed";
        msg = "could not connect to the receiver";
    }
    snprintf(out->code, sizeof(out->code), "%s", code);
    snprintf(out->error, sizeof(out->error), "%s", msg);
}

/* Wipes the header lines (secrets among them) and frees the list. */
static void headers_free(struct curl_slist *hdrs)
{
    for (struct curl_slist *h = hdrs; h; h = h->next)
        px_cleanse(h->data, strlen(h->data));
    curl_slist_free_all(hdrs);
}

/* Appends line to *hdrs; 0, or -1 with the list freed (curl_slist_append answers NULL when out
 * of memory and leaves the list as it was: going on would send the request without that
 * header, unsigned or without its credentials). */
static int header_add(struct curl_slist **hdrs, const char *line)
{
    struct curl_slist *l = curl_slist_append(*hdrs, line);
    if (!l) {
        headers_free(*hdrs);
        *hdrs = NULL;
        return -1;
    }
    *hdrs = l;
    return 0;
}

/* The request's headers (NULL when out of memory: no header left out); the lines with
 * secrets are wiped from the stack here and from the list by headers_free after the
 * request. */
static struct curl_slist *request_headers(const px_delivery_request *rq)
{
    struct curl_slist *hdrs = NULL;
    char line[PX_DELIVERY_HEADER_MAX + 64];
    char sig[PX_DELIVERY_SIGNATURE_LEN];
    snprintf(line, sizeof(line), "Content-Type: %s",
             rq->content_type ? rq->content_type : "application/xml; charset=utf-8");
    int ok = header_add(&hdrs, line) == 0;
    /* No "Expect: 100-continue" round trip: the receiver answers once, after the body. */
    ok = ok && header_add(&hdrs, "Expect:") == 0;
    if (ok && rq->document_id && visible_ascii(rq->document_id, 128, 0)) {
        snprintf(line, sizeof(line), "X-Packid-Document-Id: %s", rq->document_id);
        ok = header_add(&hdrs, line) == 0;
    }
    if (ok && rq->hmac_secret && rq->hmac_secret[0]) {
        px_delivery_sign(sig, rq->hmac_secret, rq->body, rq->len);
        snprintf(line, sizeof(line), "X-Packid-Signature: %s", sig);
        ok = header_add(&hdrs, line) == 0;
        px_cleanse(sig, sizeof(sig));
    }
    if (ok && rq->auth_header) {
        snprintf(line, sizeof(line), "Authorization: %s", rq->auth_header);
        ok = header_add(&hdrs, line) == 0;
    }
    px_cleanse(line, sizeof(line));
    return ok ? hdrs : NULL;
}

static void request_options(CURL *c, const px_delivery_request *rq, struct curl_slist *hdrs,
                            guard_ctx *guard, char *curl_err)
{
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is not a delivery */
    /* No proxy from the environment (http_proxy, https_proxy): the guard must see the
     * receiver's own address, not a proxy's. */
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_guarded);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, guard);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "packid/0.1");
    /* TLS verification stays on: peer certificate and host name (libcurl's defaults, set
     * explicitly so no later change can silently turn them off). */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : 60000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* worker threads: no SIGALRM */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
}

px_rc px_delivery_post(const px_delivery_request *rq, px_delivery_result *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    char host[PX_OUTBOUND_HOST_MAX];
    int port;
    px_rc rc = px__delivery_url_parse(rq->url, host, sizeof(host), &port, err);
    if (rc != PX_OK)
        return rc;
    if (rq->auth_header && (rc = px_delivery_header_check(rq->auth_header, err)) != PX_OK)
        return rc;
    guard_ctx guard = {.host = host};
    if ((rc = px_outbound_policy(&guard.allow, err)) != PX_OK)
        return rc;
    if (curl_init_rc != CURLE_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "libcurl did not initialise");
    CURL *c = curl_easy_init();
    if (!c)
        return px_err_oom(err);
    struct curl_slist *hdrs = request_headers(rq);
    if (!hdrs) {
        curl_easy_cleanup(c);
        return px_err_oom(err);
    }
    char curl_err[CURL_ERROR_SIZE];
    curl_err[0] = '\0';
    request_options(c, rq, hdrs, &guard, curl_err);
    CURLcode cc = curl_easy_perform(c);
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->http_status);
    classify(out, cc, &guard);
    if (cc != CURLE_OK)
        snprintf(out->detail, sizeof(out->detail), "%s",
                 guard.refused ? guard.why
                 : curl_err[0] ? curl_err
                               : curl_easy_strerror(cc));
    headers_free(hdrs);
    curl_easy_cleanup(c);
    return PX_OK;
}

long px_delivery_backoff_ms(int n, long base_ms, long cap_ms, unsigned rnd)
{
    if (n < 1)
        n = 1;
    long d = base_ms;
    for (int i = 1; i < n && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    if (d < 2)
        return d;
    long half = d / 2;
    return half + (long)(rnd % (unsigned long)(d - half + 1));
}
