/* bench_capture — EPCIS 2.0 capture over HTTP against a raw COPY of the same serial rows, in
 * the same run (bench/capture.sh).
 *
 *   bench_capture BASE_URL MAH_KEY GTIN CONNINFO [EVENTS] [ROUNDS]    defaults 100000 (the
 *                                                                      capture limit), 3
 *
 * The document: EVENTS commissioning ObjectEvents of one serial each, one batch (so the
 * default all-or-nothing capture applies it as one commission), no eventIDs (each gets its
 * hash ID). The raw side COPYs EVENTS rows of the same shape (GTIN, a serial of the same
 * length, commissioned, external, batch, expiry, who, when, commission) into the serial table,
 * formatted before the clock starts; the capture side POSTs the document to /epcis/capture (a
 * libcurl client in this process, `packid serve` in another: 202 once the job is done) and
 * reads the job to check that every event was applied. Each side starts from empty tables
 * (TRUNCATE + CHECKPOINT); ROUNDS rounds, the order alternating, and the median ratio (the
 * shared machine's load moves during a run). Also printed: the bare parse of the same bytes
 * (px_epcis_read_buffer: every event read, checked and hashed, nothing stored), and, when
 * BENCH_SERVER_PID and BENCH_POSTMASTER_PID name the server and the cluster, the CPU time
 * each side cost per event (from /proc: the server's and every PostgreSQL process's user +
 * system time): on a machine other work loads, events/s move with that work, the CPU an
 * event costs much less; the CPU ratio (raw / capture) is what the ratio would be on a
 * quiet machine where the CPU is the limit. */
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "epcis.h"
#include "px_buf.h"
#include "px_crypto.h"
#include "px_proc.h"

/* ---- CPU time from /proc ---------------------------------------------------------------- */

/* utime + stime of pid in clock ticks (0 when it is gone); *ppid its parent. */
static long long proc_ticks(long pid, long *ppid)
{
    long long v[16]; /* proc(5): ppid 4, utime 14, stime 15 */
    px_proc_stat(pid, v, 16);
    *ppid = (long)v[4];
    return v[14] + v[15];
}

typedef struct cpu_ticks {
    long long server, postgres;
} cpu_ticks;

/* The server's ticks and those of the postmaster and every child of it (the backends, the
 * WAL writer, the checkpointer). */
static cpu_ticks cpu_now(long server, long postmaster)
{
    cpu_ticks t = {0, 0};
    long ppid;
    t.server = proc_ticks(server, &ppid);
    t.postgres = proc_ticks(postmaster, &ppid);
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        long long tk = proc_ticks(strtol(e->d_name, NULL, 10), &ppid);
        if (ppid == postmaster)
            t.postgres += tk;
    }
    if (d)
        closedir(d);
    return t;
}

static int count_event(void *ctx, const px_epcis_event *ev)
{
    (void)ev;
    ++*(long *)ctx;
    return 0;
}

static size_t keep(char *data, size_t size, size_t n, void *ctx)
{
    px_buf_add(ctx, data, size * n);
    return size * n;
}

static long request(CURL *c, const char *url, const char *key, const char *body, size_t len,
                    px_buf *out, char *location, size_t loc_cap)
{
    char auth[256];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    if (body)
        h = curl_slist_append(h, "Content-Type: application/ld+json");
    h = curl_slist_append(h, "Expect:");
    px_buf_reset(out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    long status = 0;
    if (curl_easy_perform(c) != CURLE_OK) {
        fprintf(stderr, "bench_capture: %s failed\n", url);
        exit(1);
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (location) {
        /* The job's id is in the 202 body: {"captureID": "…"}. */
        const char *p = out->data ? strstr(out->data, "\"captureID\":\"") : NULL;
        snprintf(location, loc_cap, "%.36s", p ? p + 13 : "");
    }
    curl_slist_free_all(h);
    return status;
}

/* The raw limit: n serial rows like the capture's commission writes, in one COPY. */
static long g_server, g_postmaster; /* BENCH_SERVER_PID, BENCH_POSTMASTER_PID (0: unknown) */

static double copy_side(PGconn *db, const char *gtin, const char *mah, long n, cpu_ticks *used)
{
    px_buf rows;
    px_buf_init(&rows, (size_t)1 << 30);
    char cid[37];
    px_uuid_v4(cid);
    for (long i = 0; i < n; i++)
        px_buf_printf(&rows,
                      "%s\tR%08ld\tcommissioned\texternal\tBENCH-1\t751231\t%s\t"
                      "2026-03-01 10:00:00+00\t%s\n",
                      gtin, i, mah, cid);
    if (!rows.data) {
        fprintf(stderr, "bench_capture: out of memory\n");
        exit(1);
    }
    cpu_ticks c0 = cpu_now(g_server, g_postmaster);
    double t0 = bench_now_s();
    bench_pq_copy(db,
                  "COPY serial (gtin, serial, state, origin, batch, expiry, commissioned_by, "
                  "commissioned_at, commission_id) FROM STDIN",
                  rows.data, rows.len);
    double dt = bench_now_s() - t0;
    cpu_ticks c1 = cpu_now(g_server, g_postmaster);
    used->server = c1.server - c0.server;
    used->postgres = c1.postgres - c0.postgres;
    px_buf_dispose(&rows);
    return (double)n / dt;
}

/* A document of n commissioning events of batch BENCH-1, serials <letter><8 digits>. */
static void build_doc(px_buf *doc, const char *prefix, char letter, long n)
{
    px_buf_init(doc, (size_t)1 << 30);
    px_buf_puts(doc, "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
                     "epcis-context.jsonld\"],\"type\":\"EPCISDocument\",\"schemaVersion\":"
                     "\"2.0\",\"creationDate\":\"2025-03-01T10:00:00.000Z\",\"epcisBody\":"
                     "{\"eventList\":[");
    for (long i = 0; i < n; i++)
        px_buf_printf(doc,
                      "%s{\"type\":\"ObjectEvent\",\"eventTime\":\"2025-03-01T09:00:00.000Z\","
                      "\"eventTimeZoneOffset\":\"+01:00\",\"epcList\":[\"%s%c%08ld\"],"
                      "\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"disposition\":"
                      "\"active\",\"readPoint\":{\"id\":\"urn:epc:id:sgln:4012345.00000.0\"},"
                      "\"ilmd\":{\"cbvmda:lotNumber\":\"BENCH-1\",\"cbvmda:itemExpirationDate\":"
                      "\"2075-12-31\"}}",
                      i ? "," : "", prefix, letter, i);
    px_buf_puts(doc, "]}}");
    if (px_buf_failed(doc) != PX_OK || !doc->data) {
        fprintf(stderr, "bench_capture: out of memory\n");
        exit(1);
    }
}

/* Each side starts from empty tables (the capture's idempotency rows too). */
static void empty_tables(PGconn *db)
{
    bench_pq_ok(db, "TRUNCATE serial, epcis_captured_event CASCADE");
    bench_pq_ok(db, "CHECKPOINT");
}

/* The capture side: POST, check the job and the rows; events/s. */
static double capture_side(CURL *c, PGconn *db, const char *base, const char *key,
                           const char *gtin, const px_buf *doc, long n, cpu_ticks *used)
{
    px_buf out;
    px_buf_init(&out, (size_t)64 << 20);
    char url[512], id[40], sql[256];
    snprintf(url, sizeof(url), "%s/epcis/capture", base);
    cpu_ticks c0 = cpu_now(g_server, g_postmaster);
    double t0 = bench_now_s();
    long st = request(c, url, key, doc->data, doc->len, &out, id, sizeof(id));
    double dt = bench_now_s() - t0;
    cpu_ticks c1 = cpu_now(g_server, g_postmaster);
    used->server = c1.server - c0.server;
    used->postgres = c1.postgres - c0.postgres;
    if (st != 202 || !id[0]) {
        fprintf(stderr, "bench_capture: POST: %ld %s\n", st, out.data ? out.data : "");
        exit(1);
    }
    snprintf(url, sizeof(url), "%s/epcis/capture/%s", base, id);
    st = request(c, url, key, NULL, 0, &out, NULL, 0);
    if (st != 200 || !out.data || !strstr(out.data, "\"success\":true")) {
        fprintf(stderr, "bench_capture: job: %ld %s\n", st, out.data ? out.data : "");
        exit(1);
    }
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM serial WHERE gtin = '%s' AND batch = 'BENCH-1' AND state = "
             "'commissioned'",
             gtin);
    long long stored = bench_pq_count(db, sql);
    if (stored != n) {
        fprintf(stderr, "bench_capture: %lld packs commissioned, want %ld\n", stored, n);
        exit(1);
    }
    px_buf_dispose(&out);
    return (double)n / dt;
}

/* The one-minute load average. */
static double bench_load1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_capture BASE_URL MAH_KEY GTIN CONNINFO [EVENTS] [ROUNDS]\n");
        return 2;
    }
    const char *base = argv[1], *key = argv[2], *gtin = argv[3];
    long n = argc > 5 ? strtol(argv[5], NULL, 10) : 100000;
    int rounds = argc > 6 ? (int)strtol(argv[6], NULL, 10) : 3;
    if (n < 1 || n > 100000 || rounds < 1 || rounds > 9)
        return 2;
    const char *sp = getenv("BENCH_SERVER_PID"), *pp = getenv("BENCH_POSTMASTER_PID");
    g_server = sp ? strtol(sp, NULL, 10) : 0;
    g_postmaster = pp ? strtol(pp, NULL, 10) : 0;
    PGconn *db = PQconnectdb(argv[4]);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "bench_capture: %s", PQerrorMessage(db));
        return 1;
    }
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT mah_id FROM product WHERE gtin = '%s'", gtin);
    PGresult *pr = PQexec(db, sql);
    if (PQresultStatus(pr) != PGRES_TUPLES_OK || PQntuples(pr) != 1) {
        fprintf(stderr, "bench_capture: no product %s: %s", gtin, PQerrorMessage(db));
        return 1;
    }
    char mah[40];
    snprintf(mah, sizeof(mah), "%s", PQgetvalue(pr, 0, 0));
    PQclear(pr);
    /* The SGTIN prefix of the GTIN under a 7-digit company prefix (TDS 1.13 §14.5.1). */
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "urn:epc:id:sgtin:%.7s.%c%.5s.", gtin + 1, gtin[0], gtin + 8);
    /* One document per round (other serials, so other hash IDs: nothing is skipped as known),
     * built before any clock starts. */
    px_buf docs[9];
    for (int r = 0; r < rounds; r++)
        build_doc(&docs[r], prefix, (char)('B' + r), n);

    long parsed = 0;
    px_epcis_read_cb cb = {.on_event = count_event, .ctx = &parsed};
    px_err err = PX_ERR_INIT;
    double t0 = bench_now_s();
    if (px_epcis_read_buffer(docs[0].data, docs[0].len, &cb, &err) != PX_OK || parsed != n) {
        fprintf(stderr, "bench_capture: parse: %s\n", err.message);
        return 1;
    }
    double t_parse = bench_now_s() - t0;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    double ratio[9], cap[9], raw[9], cpu_ratio[9];
    double hz = (double)sysconf(_SC_CLK_TCK);
    printf("document:        %ld commissioning events, %zu bytes (JSON-LD), %d rounds\n", n,
           docs[0].len, rounds);
    printf("bare parse:      %.0f events/s (%.3f s, px_epcis_read_buffer, for reference)\n",
           (double)n / t_parse, t_parse);
    /* The order alternates between rounds: the machine's load moves, both sides see it. */
    for (int r = 0; r < rounds; r++) {
        cpu_ticks uc, ur;
        if (r % 2 == 0) {
            empty_tables(db);
            raw[r] = copy_side(db, gtin, mah, n, &ur);
            empty_tables(db);
            cap[r] = capture_side(c, db, base, key, gtin, &docs[r], n, &uc);
        } else {
            empty_tables(db);
            cap[r] = capture_side(c, db, base, key, gtin, &docs[r], n, &uc);
            empty_tables(db);
            raw[r] = copy_side(db, gtin, mah, n, &ur);
        }
        ratio[r] = cap[r] / raw[r];
        printf("round %d:         capture %.0f events/s (POST /epcis/capture, 202, all applied), "
               "raw COPY %.0f rows/s, ratio %.2f, load %.2f\n",
               r + 1, cap[r], raw[r], ratio[r], bench_load1());
        if (g_server && g_postmaster) {
            double c_srv = (double)uc.server / hz * 1e6 / (double)n;
            double c_pg = (double)uc.postgres / hz * 1e6 / (double)n;
            double r_pg = (double)(ur.server + ur.postgres) / hz * 1e6 / (double)n;
            cpu_ratio[r] = c_srv + c_pg > 0 ? r_pg / (c_srv + c_pg) : 0;
            printf("  cpu:           capture %.1f us/event (server %.1f + postgres %.1f), raw COPY "
                   "%.1f us/row (postgres), cpu ratio %.2f\n",
                   c_srv + c_pg, c_srv, c_pg, r_pg, cpu_ratio[r]);
        }
        fflush(stdout);
    }
    qsort(ratio, (size_t)rounds, sizeof(double), cmp_d);
    qsort(cap, (size_t)rounds, sizeof(double), cmp_d);
    qsort(raw, (size_t)rounds, sizeof(double), cmp_d);
    printf("median:          capture %.0f events/s, raw COPY %.0f rows/s (the same %ld serial "
           "rows, one COPY)\n",
           cap[rounds / 2], raw[rounds / 2], n);
    if (g_server && g_postmaster) {
        qsort(cpu_ratio, (size_t)rounds, sizeof(double), cmp_d);
        printf("cpu ratio:       %.2f (median of the rounds' raw COPY / capture CPU time per "
               "event)\n",
               cpu_ratio[rounds / 2]);
    }
    printf("ratio:           %.2f (median of the rounds' capture / raw COPY; target >= 0.3; "
           "load %.2f)\n",
           ratio[rounds / 2], bench_load1());
    for (int r = 0; r < rounds; r++)
        px_buf_dispose(&docs[r]);
    curl_easy_cleanup(c);
    curl_global_cleanup();
    PQfinish(db);
    return 0;
}
