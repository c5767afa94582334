/* bench_commission — commissioning over HTTP from a client process against a raw COPY of the
 * same rows into the serial table, in the same run (bench/commission.sh).
 *
 *   bench_commission BASE_URL CONNINFO MAH_KEY [REQUESTS] [ROUNDS] [labelled]   defaults 10 3
 *
 * The server (`packid serve`) is another process. Per round, REQUESTS commissions of 10,000
 * serials each are POSTed one after the other on a keep-alive connection; in each, 5,000
 * serials were allocated to the CMO beforehand (written before the clock starts) and 5,000 are
 * external (new to the pool). The raw side COPYs the same number of rows, already formatted,
 * in the same 10,000-row units, into the same table. Each side starts from an empty serial
 * table (TRUNCATE + CHECKPOINT) and the order alternates between rounds. With "labelled", the
 * allocated half of each request was printed first by a print job with the request's batch (not
 * timed): the GTIN then has labels in many batches, and each commission reads every candidate's
 * label (twice: before the pool and after it), the case the plain run does not meet. Also
 * reported: the cost of the EPCIS 2.0 event hash of a 10,000- and a 100,000-EPC commissioning
 * event. */
#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "epcis.h"
#include "px_buf.h"
#include "px_crypto.h"

#define PER_REQUEST 10000
#define GTIN "09506002000013"
#define SYMBOLS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* n random 20-character serials (set 82 letters and digits), 21 bytes each. */
static char *random_serials(size_t n)
{
    char *s = malloc(n * 21);
    unsigned char pool[4096];
    size_t used = sizeof(pool);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 20; k++) {
            unsigned char b;
            do {
                if (used == sizeof(pool)) {
                    px_random_bytes(pool, sizeof(pool));
                    used = 0;
                }
                b = pool[used++];
            } while (b >= 248); /* 62 * 4: no modulo bias */
            s[i * 21 + (size_t)k] = SYMBOLS[b % 62];
        }
        s[i * 21 + 20] = '\0';
    }
    return s;
}

/* The value of "name":"…" in a flat JSON answer. */
static void json_field(char *out, size_t cap, const char *json, const char *name)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":\"", name);
    const char *p = json ? strstr(json, pat) : NULL;
    out[0] = '\0';
    if (!p)
        return;
    p += strlen(pat);
    size_t i = 0;
    while (p[i] && p[i] != '"' && i + 1 < cap) {
        out[i] = p[i];
        i++;
    }
    out[i] = '\0';
}

/* The print jobs of the labelled run: request q's allocated half printed with its batch. */
static void print_labels(PGconn *db, const char *cmo_org, const char *serials, int requests,
                         int round)
{
    px_buf rows;
    px_buf_init(&rows, (size_t)1 << 30);
    for (int q = 0; q < requests; q++) {
        char job[37], sql[640];
        px_uuid_v4(job);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO print_job (id, org_id, tenant_id, gtin, line, operator, batch, "
                 "expiry, count, created_at) SELECT '%s', '%s', mah_id, gtin, 'L1', 'bench', "
                 "'R%dQ%d', '751231', %d, now() FROM product WHERE gtin = '" GTIN "'",
                 job, cmo_org, round, q, PER_REQUEST / 2);
        bench_pq_ok(db, sql);
        for (size_t i = 0; i < PER_REQUEST / 2; i++)
            px_buf_printf(&rows, GTIN "\t%s\t%s\tf\n", serials + ((size_t)q * PER_REQUEST + i) * 21,
                          job);
    }
    bench_pq_copy(db, "COPY print_job_serial (gtin, serial, print_job_id, reprint) FROM STDIN",
                  rows.data, rows.len);
    px_buf_dispose(&rows);
}

static double http_side(bench_http *h, PGconn *db, const char *cmo_key, const char *cmo_org,
                        int requests, int round, int labelled)
{
    size_t n = (size_t)requests * PER_REQUEST;
    char *serials = random_serials(n);
    /* Half of each request allocated to the CMO beforehand (not timed). */
    px_buf rows;
    px_buf_init(&rows, (size_t)1 << 30);
    char alloc_id[37];
    px_uuid_v4(alloc_id); /* as an allocation job writes them: with their allocation */
    for (size_t i = 0; i < n; i++)
        if (i % PER_REQUEST < PER_REQUEST / 2)
            px_buf_printf(&rows, GTIN "\t%s\tallocated\tgenerated\t%s\t%s\n",
                          serials + i * 21, alloc_id, cmo_org);
    bench_pq_copy(db,
              "COPY serial (gtin, serial, state, origin, allocation_id, allocated_to) FROM STDIN",
              rows.data, rows.len);
    px_buf_dispose(&rows);
    if (labelled)
        print_labels(db, cmo_org, serials, requests, round);
    bench_pq_ok(db, "CHECKPOINT");
    px_buf body;
    px_buf_init(&body, (size_t)1 << 26);
    double t0 = bench_now_s();
    for (int q = 0; q < requests; q++) {
        px_buf_reset(&body);
        px_buf_printf(&body,
                      "{\"product_code\":\"" GTIN "\",\"product_code_schema\":\"GTIN\","
                      "\"batch\":\"R%dQ%d\",\"expiry_date\":\"751231\",\"serials\":[",
                      round, q);
        for (size_t i = 0; i < PER_REQUEST; i++)
            px_buf_printf(&body, "%s\"%s\"", i ? "," : "",
                          serials + ((size_t)q * PER_REQUEST + i) * 21);
        px_buf_puts(&body, "]}");
        long st = bench_post(h, "/v1/commissions", cmo_key, body.data, body.len);
        if (st != 200 || !strstr(h->resp.data, "\"commissioned\":10000")) {
            fprintf(stderr, "bench_commission: commission %d: HTTP %ld %.300s\n", q, st,
                    h->resp.data ? h->resp.data : "");
            exit(1);
        }
    }
    double dt = bench_now_s() - t0;
    px_buf_dispose(&body);
    free(serials);
    long long c = bench_pq_count(db, "SELECT count(*) FROM serial WHERE state = 'commissioned'");
    if (c != (long long)n) {
        fprintf(stderr, "bench_commission: %lld commissioned, want %zu\n", c, n);
        exit(1);
    }
    return (double)n / dt;
}

static double copy_side(PGconn *db, const char *cmo_org, int requests)
{
    size_t n = (size_t)requests * PER_REQUEST;
    char *serials = random_serials(n);
    /* The rows a commission writes, formatted before the clock starts. */
    px_buf *chunks = calloc((size_t)requests, sizeof(px_buf));
    char alloc_id[37];
    px_uuid_v4(alloc_id);
    for (int q = 0; q < requests; q++) {
        px_buf_init(&chunks[q], (size_t)1 << 28);
        char cid[37];
        px_uuid_v4(cid);
        for (size_t i = 0; i < PER_REQUEST; i++) {
            size_t k = (size_t)q * PER_REQUEST + i;
            int alloc = i < PER_REQUEST / 2;
            px_buf_printf(&chunks[q],
                          GTIN "\t%s\tcommissioned\t%s\t%s\t%s\tB%d\t751231\t%s\t"
                               "2026-03-01 10:00:00+00\t%s\n",
                          serials + k * 21, alloc ? "generated" : "external",
                          alloc ? alloc_id : "\\N", alloc ? cmo_org : "\\N", q, cmo_org, cid);
        }
    }
    double t0 = bench_now_s();
    for (int q = 0; q < requests; q++)
        bench_pq_copy(db,
                  "COPY serial (gtin, serial, state, origin, allocation_id, allocated_to, batch, "
                  "expiry, commissioned_by, commissioned_at, commission_id) FROM STDIN",
                  chunks[q].data, chunks[q].len);
    double dt = bench_now_s() - t0;
    for (int q = 0; q < requests; q++)
        px_buf_dispose(&chunks[q]);
    free(chunks);
    free(serials);
    return (double)n / dt;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double hash_ms(size_t n)
{
    char *serials = random_serials(n);
    const char **v = malloc(n * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = serials + i * 21;
    px_epcis_event ev = {.type = PX_EPCIS_OBJECT_EVENT,
                         .action = PX_EPCIS_ADD,
                         .biz_step = PX_BIZSTEP_COMMISSIONING,
                         .disposition = PX_DISP_ACTIVE,
                         .event_time_us = 1772359200000000LL,
                         .sgtin_gtin = GTIN,
                         .sgtin_gcp_len = 7,
                         .serials = v,
                         .n_serials = n,
                         .lot = "B1",
                         .expiry = "751231"};
    char id[PX_EPCIS_EVENT_ID_MAX];
    px_err err;
    double t0 = bench_now_s();
    if (px_epcis_event_hash(id, &ev, &err) != PX_OK) {
        fprintf(stderr, "bench_commission: hash: %s\n", err.message);
        exit(1);
    }
    double dt = bench_now_s() - t0;
    free(v);
    free(serials);
    return dt * 1000;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_commission BASE_URL CONNINFO MAH_KEY [REQUESTS] [ROUNDS] "
                        "[labelled]\n");
        return 2;
    }
    int requests = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 10;
    int rounds = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 3;
    int labelled = argc > 6 && strcmp(argv[6], "labelled") == 0;
    if (requests < 1 || rounds < 1 || rounds > 20)
        return 2;
    PGconn *db = PQconnectdb(argv[2]);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "bench_commission: %s", PQerrorMessage(db));
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    bench_http h = {curl_easy_init(), argv[1], {0}};
    px_buf_init(&h.resp, (size_t)1 << 28);
    const char *mah = argv[3];
    const char *prod = "{\"gtin\":\"" GTIN "\",\"company_prefix_length\":7,\"name\":\"Bench "
                       "pack\",\"market\":\"EU\"}";
    long st = bench_post(&h, "/v1/products", mah, prod, strlen(prod));
    if (st != 201 && st != 409) {
        fprintf(stderr, "bench_commission: product: HTTP %ld %s\n", st, h.resp.data);
        return 1;
    }
    /* The CMO's site GLN is its events' read point, which an EU commission needs. */
    const char *partner = "{\"name\":\"Bench CMO\",\"gln\":\"4099991000003\","
                          "\"gln_prefix_length\":7,\"gtins\":[\"" GTIN "\"]}";
    if ((st = bench_post(&h, "/v1/partners", mah, partner, strlen(partner))) != 201) {
        fprintf(stderr, "bench_commission: partner: HTTP %ld %s\n", st, h.resp.data);
        return 1;
    }
    char cmo_key[128], cmo_org[64];
    json_field(cmo_key, sizeof(cmo_key), h.resp.data, "api_key");
    json_field(cmo_org, sizeof(cmo_org), h.resp.data, "org_id");

    double *api = calloc((size_t)rounds, sizeof(double));
    double *raw = calloc((size_t)rounds, sizeof(double));
    printf("%d round(s) of %d commissions x %d serials (half allocated, half external%s)\n", rounds,
           requests, PER_REQUEST,
           labelled ? "; the allocated half printed with its batch first" : "");
    for (int r = 0; r < rounds; r++) {
        for (int side = 0; side < 2; side++) {
            bench_pq_ok(db, "TRUNCATE serial");
            bench_pq_ok(db, "CHECKPOINT");
            int do_api = (side == 0) == (r % 2 == 0);
            if (do_api)
                api[r] = http_side(&h, db, cmo_key, cmo_org, requests, r, labelled);
            else
                raw[r] = copy_side(db, cmo_org, requests);
        }
        printf("round %d: HTTP commission %.0f serials/s, raw COPY %.0f rows/s, ratio %.2f\n",
               r + 1, api[r], raw[r], api[r] / raw[r]);
        fflush(stdout);
    }
    qsort(api, (size_t)rounds, sizeof(double), cmp_d);
    qsort(raw, (size_t)rounds, sizeof(double), cmp_d);
    double ma = api[rounds / 2], mr = raw[rounds / 2];
    printf("median: HTTP commission %.0f serials/s end-to-end, raw COPY %.0f rows/s, "
           "ratio %.2f (target >= 0.5)\n",
           ma, mr, ma / mr);
    printf("EPCIS 2.0 event hash at write time: 10,000 EPCs %.1f ms, 100,000 EPCs %.1f ms\n",
           hash_ms(10000), hash_ms(100000));
    free(api);
    free(raw);
    px_buf_dispose(&h.resp);
    curl_easy_cleanup(h.curl);
    curl_global_cleanup();
    PQfinish(db);
    return 0;
}
