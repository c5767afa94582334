/* bench_allocate — one N-serial allocation job through the real use case and job runner
 * (px_svc_allocate, then px_run_allocation until it has no work) against a plain COPY of N
 * rows of the same shape into the same table (serial, same indexes), in the same run
 * (bench/allocate.sh).
 *
 *   bench_allocate [N] [ROUNDS]      defaults 1000000 3
 *
 * Each measurement starts from an empty serial table (TRUNCATE + CHECKPOINT), and the order
 * alternates between rounds, so neither side inherits the other's B-tree or dirty pages. The
 * raw COPY's serials are generated before its clock starts (it is the insert limit); the job
 * generates its own (OpenSSL RAND_bytes, rejection sampling) inside its time. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allocation.h"
#include "bench.h"
#include "bench_app.h"
#include "job_store.h"
#include "px_crypto.h"
#include "px_str.h"
#include "serial_gen.h"
#include "service.h"

#define SYMBOLS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* A fresh empty table, and no checkpoint debt from the previous measurement. */
static void reset(PGconn *c)
{
    bench_pq_ok(c, "TRUNCATE serial");
    PGresult *r = PQexec(c, "CHECKPOINT"); /* superuser only: skipped quietly otherwise */
    PQclear(r);
}

typedef struct {
    px_app *app;
    px_db *db;
    PGconn *raw;
    px_actor mah;
    unsigned next_item;
    long n;
} bench;

static void product(bench *b, char gtin[15])
{
    px_err err = PX_ERR_INIT;
    px_product p = {0};
    bench_gtin(gtin, b->next_item++);
    px_strlcpy(p.gtin, gtin, sizeof(p.gtin));
    p.company_prefix_length = 7;
    snprintf(p.name, sizeof(p.name), "bench %s", gtin);
    px_strlcpy(p.market, "EU", sizeof(p.market));
    if (px_svc_product_create(b->db, b->app, &b->mah, &p, &err) != PX_OK)
        bench_die_err("product", &err);
    px_settings_input in = {"RANDOM_ALPHANUMERIC", 20, SYMBOLS};
    px_serial_settings s;
    if (px_svc_product_settings_put(b->db, &b->mah, gtin, &in, &s, &err) != PX_OK)
        bench_die_err("settings", &err);
}

static px_rc fill(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    return px_random_bytes(buf, len);
}

/* The raw limit: one COPY FROM STDIN of n pre-generated rows, in one transaction. */
static double run_copy(bench *b)
{
    char gtin[15];
    product(b, gtin);
    px_err err = PX_ERR_INIT;
    /* An allocation row so the copied rows carry a real allocation id, like the job's. */
    px_alloc_request req = {gtin, 1, "raw copy", NULL};
    px_alloc_result res;
    if (px_svc_allocate(b->db, &b->mah, &req, &res, &err) != PX_OK)
        bench_die_err("allocation row", &err);
    char sql[160];
    snprintf(sql, sizeof(sql), "UPDATE job SET status = 'completed' WHERE id = '%s'", res.job.id);
    bench_pq_ok(b->raw, sql);

    px_serial_settings s;
    px_serial_settings_init(&s, PX_SERIAL_RANDOM_ALPHANUMERIC, 20, SYMBOLS, &err);
    px_serial_gen *g = malloc(sizeof(*g));
    px_serial_gen_init(g, &s, fill, NULL, &err);
    char tail[100];
    int tl = snprintf(tail, sizeof(tail), "\t%s\t%s\n", res.allocation.id, res.allocation.org_id);
    size_t line = 15 + 20 + (size_t)tl;
    char *data = malloc((size_t)b->n * line + 1); /* + the last snprintf's NUL */
    size_t len = 0;
    for (long i = 0; i < b->n; i++) {
        char ser[PX_SERIAL_LEN_MAX + 1];
        px_serial_gen_next(g, ser, &err);
        len += (size_t)snprintf(data + len, line + 1, "%s\t%s%s", gtin, ser, tail);
    }
    px_serial_gen_dispose(g);
    free(g);

    double t0 = bench_now_s();
    bench_pq_ok(b->raw, "BEGIN");
    PGresult *r = PQexec(b->raw, "COPY serial (gtin, serial, allocation_id, allocated_to) "
                                 "FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "COPY: %s", PQerrorMessage(b->raw));
        exit(1);
    }
    PQclear(r);
    for (size_t off = 0; off < len; off += 256 * 1024) {
        size_t k = len - off < 256 * 1024 ? len - off : 256 * 1024;
        PQputCopyData(b->raw, data + off, (int)k);
    }
    PQputCopyEnd(b->raw, NULL);
    r = PQgetResult(b->raw);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "COPY: %s", PQerrorMessage(b->raw));
        exit(1);
    }
    PQclear(r);
    while ((r = PQgetResult(b->raw)) != NULL)
        PQclear(r);
    bench_pq_ok(b->raw, "COMMIT");
    double t = bench_now_s() - t0;
    free(data);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM serial WHERE gtin = '%s'", gtin);
    if (bench_pq_count(b->raw, sql) != b->n)
        bench_die_err("raw copy count", NULL);
    return t;
}

/* The product: the allocation request (one transaction, audited) and its job, run to
 * completion by the runner the worker threads call, chunk by chunk. */
static double run_job(bench *b, int *chunks)
{
    char gtin[15];
    product(b, gtin);
    px_err err = PX_ERR_INIT;
    double t0 = bench_now_s();
    px_alloc_request req = {gtin, b->n, "bench", NULL};
    px_alloc_result res;
    if (px_svc_allocate(b->db, &b->mah, &req, &res, &err) != PX_OK)
        bench_die_err("allocate", &err);
    *chunks = 0;
    for (;;) {
        int did = 0;
        if (px_run_allocation(b->app, b->db, &did, &err) != PX_OK)
            bench_die_err("runner", &err);
        if (!did)
            break;
        (*chunks)++;
    }
    double t = bench_now_s() - t0;
    px_job j;
    if (px_store_job_get(b->db, &j, res.job.id, "", 1, &err) != PX_OK)
        bench_die_err("job", &err);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(DISTINCT serial) FROM serial WHERE allocation_id = "
             "'%s'",
             res.allocation.id);
    if (strcmp(j.status, "completed") != 0 || j.done != b->n || bench_pq_count(b->raw, sql) != b->n)
        bench_die_err("job did not complete with exactly N distinct serials", NULL);
    return t;
}

int main(int argc, char **argv)
{
    bench b = {0};
    b.n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    if (b.n < 1 || b.n > PX_ALLOC_MAX || rounds < 1) {
        fprintf(stderr, "usage: bench_allocate [N 1..1000000] [ROUNDS]\n");
        return 2;
    }
    bench_app ba;
    bench_app_open(&ba);
    b.app = &ba.app;
    b.db = ba.db;
    b.raw = ba.raw;
    PQclear(PQexec(b.raw, "SET TIME ZONE 'UTC'"));
    b.next_item = (unsigned)(bench_now_s() * 1000) % 90000u;

    b.mah = bench_app_mah(&ba);

    double best_copy = 1e30, best_job = 1e30;
    int chunks = 0;
    for (int round = 1; round <= rounds; round++) {
        double tc, tj;
        if (round % 2) {
            reset(b.raw);
            tc = run_copy(&b);
            reset(b.raw);
            tj = run_job(&b, &chunks);
        } else {
            reset(b.raw);
            tj = run_job(&b, &chunks);
            reset(b.raw);
            tc = run_copy(&b);
        }
        printf("round %d: job %ld serials in %.2f s = %.0f serials/s (%d chunks); raw COPY %ld "
               "rows in %.2f s = %.0f rows/s; ratio %.2f\n",
               round, b.n, tj, (double)b.n / tj, chunks, b.n, tc, (double)b.n / tc, tc / tj);
        fflush(stdout);
        if (tc < best_copy)
            best_copy = tc;
        if (tj < best_job)
            best_job = tj;
    }
    reset(b.raw);
    double job_rate = (double)b.n / best_job, copy_rate = (double)b.n / best_copy;
    printf("\nallocation job:  %.0f serials/s (best of %d, %ld serials, chunks of %d)\n", job_rate,
           rounds, b.n, PX_ALLOC_CHUNK);
    printf("raw COPY:        %.0f rows/s (best of %d, same table and indexes)\n", copy_rate,
           rounds);
    printf("ratio:           %.2f (target >= 0.7)\n", job_rate / copy_rate);
    bench_app_close(&ba);
    return job_rate / copy_rate >= 0.7 ? 0 : 1;
}
