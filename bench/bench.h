/* What the C benchmarks share (bench.c): the clock, failing loudly, the raw libpq side's two
 * statements, test GTINs and the keep-alive HTTP client of the benches that POST. */
#ifndef PX_BENCH_H
#define PX_BENCH_H

#include <curl/curl.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "px_buf.h"
#include "px_err.h"

/* Seconds on the monotonic clock. */
double bench_now_s(void);
/* "<program>: what: detail" on stderr, then exit 1. */
void bench_die(const char *what, const char *detail) __attribute__((noreturn));
/* bench_die with err's message and code (both empty when err is NULL). */
void bench_die_err(const char *what, const px_err *err) __attribute__((noreturn));
/* Runs sql on the raw connection; dies unless it succeeds. */
void bench_pq_ok(PGconn *c, const char *sql);
/* The first column of the first row of sql as a number; dies unless it succeeds. */
long long bench_pq_count(PGconn *c, const char *sql);
/* COPY … FROM STDIN (sql) of data (text format, len bytes), in one round of COPY data. */
void bench_pq_copy(PGconn *c, const char *sql, const char *data, size_t len);
/* GTIN-14 under company prefix 4012345 with item reference n (GS1 mod-10 check digit). */
void bench_gtin(char out[15], unsigned n);

/* One keep-alive connection to the server at base; resp holds the last answer's body. */
typedef struct bench_http {
    CURL *curl;
    const char *base;
    px_buf resp;
} bench_http;
/* POSTs body (JSON) to base + path with key as the bearer; the status (0 when there was no
 * answer), the body in h->resp. */
long bench_post(bench_http *h, const char *path, const char *key, const char *body, size_t len);

#endif
