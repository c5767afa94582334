/* delivery — outbound HTTP for reports and webhooks: one POST with libcurl, TLS verification
 * on, connect and total timeouts, the body signed with HMAC-SHA256.
 * libcurl belongs to this layer only. No retries here: the outbox's runners decide when to try
 * again (service/delivery_runner.c, webhook_runner.c, delivery_attempt.c). docs/delivery.md. */
#ifndef PX_DELIVERY_H
#define PX_DELIVERY_H

#include <stddef.h>

#include "px_err.h"

#define PX_DELIVERY_URL_MAX 2048
#define PX_DELIVERY_HEADER_MAX 4096
#define PX_DELIVERY_SECRET_MIN 16
#define PX_DELIVERY_SECRET_MAX 1024
/* "sha256=" + 64 hex + NUL */
#define PX_DELIVERY_SIGNATURE_LEN 72

typedef struct px_delivery_request {
    const char *url;              /* checked by px_delivery_url_check */
    const char *auth_header;      /* sent as "Authorization: <value>"; NULL = none */
    const char *hmac_secret;      /* signs the body (X-Packid-Signature); NULL = unsigned */
    const char *document_id;      /* sent as X-Packid-Document-Id; NULL = none */
    const char *content_type;     /* default application/xml */
    const char *body;
    size_t len;
    long connect_timeout_ms;      /* 0: 10 s */
    long timeout_ms;              /* whole transfer; 0: 60 s */
} px_delivery_request;

/* The outcome of one POST. code and error are safe to show through the API (a class and a
 * fixed sentence); detail holds libcurl's own words and is for the log only, because it
 * describes the network packid runs in (connection refused on a port, TLS versions). */
typedef struct px_delivery_result {
    long http_status;             /* 0 when no HTTP answer (connect, TLS, timeout) */
    char code[24];                /* "" on 2xx; "http_status", "connect_failed", "tls_failed",
                                   * "no_answer", "timeout", "refused_address" or "invalid_url" */
    char error[256];              /* fixed sentence per code ("HTTP 500" for http_status);
                                   * "" on 2xx */
    char detail[256];             /* libcurl's reason or the guard's: the log only */
} px_delivery_result;

/* 1 when the receiver's answer says it took the body: any 2xx (RFC 9110 §15.3), the one test of
 * "delivered" for reports and webhooks alike. */
static inline int px_delivery_accepted(long http_status)
{
    return http_status >= 200 && http_status <= 299;
}

/* "sha256=<hex HMAC-SHA256(secret, body)>" (docs/api.md "regulator-endpoints"). */
void px_delivery_sign(char out[PX_DELIVERY_SIGNATURE_LEN], const char *secret, const char *body,
                      size_t len);

/* An endpoint URL packid may POST to: at most PX_DELIVERY_URL_MAX bytes of visible ASCII,
 * https://, or http:// to a loopback host only (127.0.0.0/8, ::1, localhost), no user
 * info, and a host that does not resolve to an internal address unless the operator allows
 * it (px_outbound_check_url, outbound.h: this function is that check). PX_EINVALID
 * "invalid_url" for the syntax, "endpoint_not_allowed" for an internal address. */
px_rc px_delivery_url_check(const char *url, px_err *err);
/* An Authorization value: 1..PX_DELIVERY_HEADER_MAX bytes of visible ASCII and spaces (no CR,
 * LF, NUL: no header injection). PX_EINVALID "invalid_header" otherwise. */
px_rc px_delivery_header_check(const char *value, px_err *err);
/* A secret that signs bodies (px_delivery_sign): PX_DELIVERY_SECRET_MIN..MAX bytes without
 * control characters, so that a receiver can type it and no short key is guessed.
 * PX_EINVALID "invalid_value" on field (which names it in the message) otherwise. */
px_rc px_delivery_secret_check(const char *secret, const char *field, px_err *err);

/* POSTs the body. PX_OK with out filled whenever the request ran, whatever the answer (the
 * caller looks at http_status: 2xx delivered); an error only when the request could not be
 * set up (bad URL, out of memory, a malformed PACKID_OUTBOUND_ALLOW). Every address libcurl
 * is about to connect to passes px_outbound_check_addr first; a refused one is never
 * touched and the result is code "refused_address". No proxy is used. Secrets never reach
 * the log. */
px_rc px_delivery_post(const px_delivery_request *rq, px_delivery_result *out, px_err *err);

/* The delay before retry n (1-based) for base and cap in ms: base * 2^(n-1), capped, then
 * "equal jitter" (half fixed, half random: rnd) so receivers recovering from an outage are
 * not hit by every sender at once. */
long px_delivery_backoff_ms(int n, long base_ms, long cap_ms, unsigned rnd);

#endif
