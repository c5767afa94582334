/* What the C benchmarks share (bench.h). */
#define _GNU_SOURCE /* program_invocation_short_name: each bench's errors carry its name */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gs1.h"

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, detail ? detail : "");
    exit(1);
}

void bench_die_err(const char *what, const px_err *err)
{
    char detail[600];
    snprintf(detail, sizeof(detail), "%s (%s)", err ? err->message : "", err ? err->code : "");
    bench_die(what, detail);
}

void bench_pq_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        bench_die(sql, PQerrorMessage(c));
    PQclear(r);
}

long long bench_pq_count(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        bench_die(sql, PQerrorMessage(c));
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

void bench_pq_copy(PGconn *c, const char *sql, const char *data, size_t len)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        bench_die(sql, PQerrorMessage(c));
    PQclear(r);
    if (PQputCopyData(c, data, (int)len) != 1 || PQputCopyEnd(c, NULL) != 1)
        bench_die("COPY", PQerrorMessage(c));
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        bench_die("COPY", PQerrorMessage(c));
    PQclear(r);
    while ((r = PQgetResult(c)))
        PQclear(r);
}

void bench_gtin(char out[15], unsigned n)
{
    snprintf(out, 15, "04012345%05u", n % 100000u);
    out[13] = (char)gs1_check_digit(out, 13);
    out[14] = '\0';
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    return px_buf_add(ud, p, size * n) == PX_OK ? size * n : 0;
}

long bench_post(bench_http *h, const char *path, const char *key, const char *body, size_t len)
{
    char url[256], auth[160];
    snprintf(url, sizeof(url), "%s%s", h->base, path);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
    struct curl_slist *hs = curl_slist_append(NULL, auth);
    hs = curl_slist_append(hs, "Content-Type: application/json");
    px_buf_reset(&h->resp);
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->resp);
    long status = 0;
    if (curl_easy_perform(h->curl) == CURLE_OK)
        curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hs);
    return status;
}
