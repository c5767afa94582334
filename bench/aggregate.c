/* bench_aggregate — packing over HTTP against a raw COPY of the same parent links, then
 * shipping the pallets over HTTP against a raw UPDATE … FROM of the same rows, in the same run
 * (bench/aggregate.sh, docs/aggregation.md).
 *
 *   bench_aggregate BASE_URL CONNINFO MAH_KEY [PACKS]       default 1,000,000 (a multiple of
 *                                                           10,000)
 *
 * Setup (not timed): PACKS packs commissioned over HTTP (batch B1, external serials, 100,000
 * per request). Then, timed: PACKS / 100 cases of 100 packs each (POST /v1/aggregations with
 * "aggregations", 1,000 cases per request, on one keep-alive connection), then the cases onto
 * PACKS / 10,000 pallets of 100 cases (100 pallets per request); beside it the same links (child,
 * parent) COPYed into a plain table. Then the pallets are released (one POST /v1/releases with
 * "ssccs" per pallet) beside a raw UPDATE … FROM of the same packs to released (in a transaction
 * rolled back, before the HTTP side). Before the packing, the raw COPY, and a raw UPDATE … FROM
 * that writes the same pack links into serial (rolled back): the floor of keeping a pack's parent
 * in its own row; and an INSERT of the same pack links into a narrow (gtin, serial)-keyed link
 * table (rolled back): the floor of keeping it out of the row. The same COPY into a table with
 * one index (on the parent) bounds the ratio from above for any design. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gs1.h"
#include "px_buf.h"

#define GTIN "09506003000012" /* GCP 9506003 (L = 7) */
#define GCP "9506003"
#define PER_CASE 100
#define PER_PALLET 100
/* A request carries up to 100,000 children (REQ-AGG-10): 1,000 cases of packs, or 100
 * pallets of cases. */
#define CASES_PER_REQUEST 1000
#define PALLETS_PER_REQUEST 100

static void must(bench_http *h, const char *key, const char *path, px_buf *b, long want)
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

/* Packs the parents 1..count of level (0: cases of packs P0000000…, 1: pallets of the cases)
 * over HTTP, per_request parents a POST /v1/aggregations, per_parent children each; returns
 * the requests made. */
static long pack_level(bench_http *h, const char *key, px_buf *b, int level, long count,
                       long per_request, long per_parent)
{
    char sscc[19], child[19];
    long requests = 0;
    for (long p0 = 0; p0 < count; p0 += per_request) {
        long p1 = p0 + per_request < count ? p0 + per_request : count;
        px_buf_reset(b);
        px_buf_puts(b, "{\"action\":\"pack\",\"aggregations\":[");
        for (long p = p0; p < p1; p++) {
            sscc_of(sscc, level, p + 1);
            px_buf_printf(b, "%s{\"parent\":{\"sscc\":\"%s\"},\"children\":[", p > p0 ? "," : "",
                          sscc);
            for (long i = 0; i < per_parent; i++) {
                long n = p * per_parent + i;
                if (level == 0) {
                    px_buf_printf(b, "%s{\"gtin\":\"" GTIN "\",\"serial\":\"P%07ld\"}",
                                  i ? "," : "", n);
                } else {
                    sscc_of(child, 0, n + 1);
                    px_buf_printf(b, "%s{\"sscc\":\"%s\"}", i ? "," : "", child);
                }
            }
            px_buf_puts(b, "]}");
        }
        px_buf_puts(b, "]}");
        must(h, key, "/v1/aggregations", b, 201);
        requests++;
    }
    return requests;
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
                          "\"batch\":\"B1\",\"expiry_date\":\"751231\",\"serials\":[");
        for (long i = 0; i < n; i++)
            px_buf_printf(&b, "%s\"P%07ld\"", i ? "," : "", from + i);
        px_buf_puts(&b, "]}");
        must(&h, key, "/v1/commissions", &b, 200);
    }

    /* ---- the same links, raw COPY ---- */
    double t0;
    char sscc[19];
    long links = packs + cases;
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
    bench_pq_copy(db, "COPY bench_link FROM STDIN", b.data, b.len);
    double raw_s = bench_now_s() - t0;

    /* ---- the same COPY into a table with one index, on the parent (a parent's links arrive
     * together and SSCCs are allocated in order, so its entries append at the right edge: the
     * cheapest index there is). Any design that can find a container's contents or a pack's
     * parent keeps at least one index on its links, so raw_s / raw_idx_s bounds the ratio
     * above before any check, event or audit entry (docs/aggregation.md "Benchmark") ---- */
    bench_pq_ok(db, "DROP TABLE IF EXISTS bench_link_indexed");
    bench_pq_ok(db, "CREATE TABLE bench_link_indexed (LIKE bench_link)");
    bench_pq_ok(db, "CREATE INDEX ON bench_link_indexed (parent_sscc)");
    bench_pq_ok(db, "CHECKPOINT");
    t0 = bench_now_s();
    bench_pq_copy(db, "COPY bench_link_indexed FROM STDIN", b.data, b.len);
    double raw_idx_s = bench_now_s() - t0;
    bench_pq_ok(db, "DROP TABLE bench_link_indexed");

    /* ---- the same links into serial and sscc, as packid stores them: a raw UPDATE … FROM
     * (rolled back, the dead rows vacuumed before the HTTP side): the floor of a design that
     * keeps a pack's parent in its row ---- */
    bench_pq_ok(db, "CHECKPOINT");
    t0 = bench_now_s();
    bench_pq_ok(db, "BEGIN");
    bench_pq_ok(db, "UPDATE serial s SET parent_sscc = l.parent_sscc FROM bench_link l WHERE "
                    "l.child_gtin = s.gtin AND l.child_serial = s.serial");
    double raw_upd_s = bench_now_s() - t0;
    bench_pq_ok(db, "ROLLBACK");
    bench_pq_ok(db, "VACUUM serial");

    /* ---- the same pack links appended to a narrow table keyed by the pack, holding only its
     * current parent (rolled back): the floor of a design that keeps the parent link out of
     * the pack's row (docs/aggregation.md "Benchmark") ---- */
    bench_pq_ok(db, "CHECKPOINT");
    t0 = bench_now_s();
    bench_pq_ok(db, "BEGIN");
    bench_pq_ok(db, "CREATE TABLE bench_pack_link (gtin char(14), serial text, parent_sscc "
                    "char(18) NOT NULL, PRIMARY KEY (gtin, serial))");
    bench_pq_ok(db, "INSERT INTO bench_pack_link SELECT child_gtin, child_serial, parent_sscc "
                    "FROM bench_link WHERE child_gtin IS NOT NULL ON CONFLICT (gtin, serial) DO "
                    "UPDATE SET parent_sscc = excluded.parent_sscc");
    double raw_app_s = bench_now_s() - t0;
    bench_pq_ok(db, "ROLLBACK");
    bench_pq_ok(db, "CHECKPOINT");

    /* ---- packing over HTTP: a line reports a run of cases in one request ---- */
    t0 = bench_now_s();
    long requests = pack_level(&h, key, &b, 0, cases, CASES_PER_REQUEST, PER_CASE);
    double t_cases = bench_now_s() - t0;
    t0 = bench_now_s();
    requests += pack_level(&h, key, &b, 1, pallets, PALLETS_PER_REQUEST, PER_PALLET);
    double t_pallets = bench_now_s() - t0;
    double http_s = t_cases + t_pallets;

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
        px_buf_printf(&b,
                      "{\"gtin\":\"" GTIN "\",\"batch\":\"B1\",\"market\":\"DE\","
                      "\"ssccs\":[\"%s\"]}",
                      sscc);
        must(&h, key, "/v1/releases", &b, 201);
    }
    double http_rel_s = bench_now_s() - t0;

    printf("pack: %ld packs into %ld cases, %ld cases onto %ld pallets over HTTP in %ld "
           "requests: %.2f s (cases %.2f s, pallets %.2f s)\n",
           packs, cases, cases, pallets, requests, http_s, t_cases, t_pallets);
    printf("  containers/s %.0f, children/s %.0f\n", (double)(cases + pallets) / http_s,
           (double)links / http_s);
    printf("raw COPY of the same %ld links: %.3f s, %.0f links/s\n", links, raw_s,
           (double)links / raw_s);
    printf("ratio (HTTP children/s / raw links/s): %.3f (target >= 0.5)\n", raw_s / http_s);
    printf("raw COPY of the same links into a table with one index (on the parent): %.3f s; "
           "the ratio's ceiling for any design that indexes its links: %.3f\n",
           raw_idx_s, raw_s / raw_idx_s);
    printf("raw UPDATE ... FROM of the same %ld pack links into serial (rolled back): %.3f s, "
           "%.0f links/s; ratio HTTP / raw UPDATE: %.3f\n",
           packs, raw_upd_s, (double)packs / raw_upd_s, raw_upd_s / t_cases);
    printf("raw INSERT of the same %ld pack links into a (gtin, serial)-keyed link table "
           "(rolled back): %.3f s, %.0f links/s; ratio HTTP / raw INSERT: %.3f\n",
           packs, raw_app_s, (double)packs / raw_app_s, raw_app_s / t_cases);
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
