/* bench_aggregate — packing over HTTP against a raw COPY of the same parent links, then
 * shipping the pallets over HTTP against a raw UPDATE … FROM of the same rows, in the same run
 * (bench/aggregate.sh, docs/aggregation.md).
 *
 *   bench_aggregate BASE_URL CONNINFO MAH_KEY [PACKS]       default 1,000,000 (a multiple of
 *                                                           10,000)
 *
 * Setup (not timed): PACKS packs commissioned over HTTP (batch B1, external serials, 100,000
 * per request). Then, timed: PACKS / 100 cases of 100 packs each (one POST /v1/aggregations
 * per case, on one keep-alive connection), then the cases onto PACKS / 10,000 pallets of 100
 * cases; beside it the same links (child, parent) COPYed into a plain table. Then the pallets
 * are released (one POST /v1/releases with "ssccs" per pallet) beside a raw UPDATE … FROM of
 * the same packs to released (in a transaction rolled back, before the HTTP side). */
#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "gs1.h"
#include "px_buf.h"

#define GTIN "09506003000012" /* GCP 9506003 (L = 7) */
#define GCP "9506003"
#define PER_CASE 100
#define PER_PALLET 100

static void must(bench_http *h, const char *path, const char *key, px_buf *b, long want)
{
    long st = bench_post(h, path, key, b->data, b->len);
    if (st != want) {
        char msg[600];
        snprintf(msg, sizeof(msg), "status %ld: %.500s", st,
                 h->resp.len ? h->resp.data : "no answer");
        bench_die(path, msg);
    }
}

static void sscc_of(char out[19], int ext, long ref)
{
    px_err e;
    if (gs1_sscc_build(out, ext, GCP, (uint64_t)ref, &e) != PX_OK)
        bench_die("sscc", e.message);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_aggregate BASE_URL CONNINFO MAH_KEY [PACKS]\n");
        return 2;
    }
    long packs = argc > 4 ? strtol(argv[4], NULL, 10) : 1000000;
    if (packs < 10000 || packs % 10000 != 0)
        bench_die("PACKS", "a multiple of 10,000");
    long cases = packs / PER_CASE, pallets = cases / PER_PALLET;
    PGconn *db = PQconnectdb(argv[2]);
    if (PQstatus(db) != CONNECTION_OK)
        bench_die("connect", PQerrorMessage(db));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    bench_http h = {curl_easy_init(), argv[1], {0}};
    const char *key = argv[3];
    px_buf_init(&h.resp, 64u << 20); /* a 100,000-serial commission answers ~5 MB */
    px_buf b;
    px_buf_init(&b, 64u << 20);

    /* ---- setup: the packs, commissioned over HTTP (not timed) ---- */
    for (long from = 0; from < packs; from += 100000) {
        long n = packs - from < 100000 ? packs - from : 100000;
        px_buf_reset(&b);
        px_buf_printf(&b, "{\"product_code\":\"" GTIN "\",\"product_code_schema\":\"GTIN\","
                          "\"batch\":\"B1\",\"expiry_date\":\"301231\",\"serials\":[");
        for (long i = 0; i < n; i++)
            px_buf_printf(&b, "%s\"P%07ld\"", i ? "," : "", from + i);
        px_buf_puts(&b, "]}");
        must(&h, "/v1/commissions", key, &b, 200);
    }

    /* ---- packing over HTTP ---- */
    double t0 = bench_now_s();
    char sscc[19];
    for (long c = 0; c < cases; c++) {
        sscc_of(sscc, 0, c + 1);
        px_buf_reset(&b);
        px_buf_printf(&b, "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[",
                      sscc);
        for (long i = 0; i < PER_CASE; i++)
            px_buf_printf(&b, "%s{\"gtin\":\"" GTIN "\",\"serial\":\"P%07ld\"}", i ? "," : "",
                          c * PER_CASE + i);
        px_buf_puts(&b, "]}");
        must(&h, "/v1/aggregations", key, &b, 201);
    }
    double t_cases = bench_now_s() - t0;
    t0 = bench_now_s();
    for (long p = 0; p < pallets; p++) {
        sscc_of(sscc, 1, p + 1);
        px_buf_reset(&b);
        px_buf_printf(&b, "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[",
                      sscc);
        for (long i = 0; i < PER_PALLET; i++) {
            char child[19];
            sscc_of(child, 0, p * PER_PALLET + i + 1);
            px_buf_printf(&b, "%s{\"sscc\":\"%s\"}", i ? "," : "", child);
        }
        px_buf_puts(&b, "]}");
        must(&h, "/v1/aggregations", key, &b, 201);
    }
    double t_pallets = bench_now_s() - t0;
    double http_s = t_cases + t_pallets;
    long links = packs + cases;

    /* ---- the same links, raw COPY ---- */
    bench_pq_ok(db, "DROP TABLE IF EXISTS bench_link");
    bench_pq_ok(db, "CREATE TABLE bench_link (child_gtin char(14), child_serial text, child_sscc "
                    "char(18), parent_sscc char(18) NOT NULL)");
    bench_pq_ok(db, "CHECKPOINT");
    px_buf_reset(&b);
    for (long c = 0; c < cases; c++) {
        sscc_of(sscc, 0, c + 1);
        for (long i = 0; i < PER_CASE; i++)
            px_buf_printf(&b, GTIN "\tP%07ld\t\\N\t%s\n", c * PER_CASE + i, sscc);
    }
    for (long p = 0; p < pallets; p++) {
        sscc_of(sscc, 1, p + 1);
        for (long i = 0; i < PER_PALLET; i++) {
            char child[19];
            sscc_of(child, 0, p * PER_PALLET + i + 1);
            px_buf_printf(&b, "\\N\t\\N\t%s\t%s\n", child, sscc);
        }
    }
    t0 = bench_now_s();
    PGresult *r = PQexec(db, "COPY bench_link FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN)
        bench_die("COPY", PQerrorMessage(db));
    PQclear(r);
    if (PQputCopyData(db, b.data, (int)b.len) != 1 || PQputCopyEnd(db, NULL) != 1)
        bench_die("COPY", PQerrorMessage(db));
    while ((r = PQgetResult(db))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            bench_die("COPY", PQerrorMessage(db));
        PQclear(r);
    }
    double raw_s = bench_now_s() - t0;

    /* ---- shipping: raw UPDATE … FROM (rolled back), then the pallets over HTTP ---- */
    bench_pq_ok(db, "CHECKPOINT");
    t0 = bench_now_s();
    bench_pq_ok(db, "BEGIN");
    bench_pq_ok(db,
                "UPDATE serial s SET state = 'released', released_at = now(), market = 'DE' FROM "
                "sscc c WHERE s.parent_sscc = c.sscc AND c.parent_sscc IS NOT NULL AND "
                "s.state = 'commissioned'");
    double raw_rel_s = bench_now_s() - t0;
    bench_pq_ok(db, "ROLLBACK");
    t0 = bench_now_s();
    for (long p = 0; p < pallets; p++) {
        sscc_of(sscc, 1, p + 1);
        px_buf_reset(&b);
        px_buf_printf(&b, "{\"gtin\":\"" GTIN "\",\"batch\":\"B1\",\"market\":\"DE\","
                          "\"ssccs\":[\"%s\"]}", sscc);
        must(&h, "/v1/releases", key, &b, 201);
    }
    double http_rel_s = bench_now_s() - t0;

    printf("pack: %ld packs into %ld cases, %ld cases onto %ld pallets over HTTP: %.2f s "
           "(cases %.2f s, pallets %.2f s)\n",
           packs, cases, cases, pallets, http_s, t_cases, t_pallets);
    printf("  containers/s %.0f, children/s %.0f\n", (double)(cases + pallets) / http_s,
           (double)links / http_s);
    printf("raw COPY of the same %ld links: %.3f s, %.0f links/s\n", links, raw_s,
           (double)links / raw_s);
    printf("ratio (HTTP children/s / raw links/s): %.3f (target >= 0.5)\n", raw_s / http_s);
    printf("release: %ld pallets (%ld packs) over HTTP: %.2f s, %.0f packs/s\n", pallets, packs,
           http_rel_s, (double)packs / http_rel_s);
    printf("raw UPDATE ... FROM of the same packs: %.3f s, %.0f packs/s\n", raw_rel_s,
           (double)packs / raw_rel_s);
    printf("ratio (HTTP / raw): %.3f\n", raw_rel_s / http_rel_s);
    px_buf_dispose(&b);
    px_buf_dispose(&h.resp);
    curl_easy_cleanup(h.curl);
    curl_global_cleanup();
    PQfinish(db);
    return 0;
}
