/* bench_carrier_batch — a carrier batch of N items (default 1,000, the API's maximum) through
 * the real use case and job runner (px_svc_carrier_batch_create, then px_run_carrier_batch as
 * a worker calls it, until the batch's GET — what its user polls — says completed: each item
 * resolved with the pack visibility rule, proven to render, recorded with its design) against
 * the bare renderer (px_carrier_datamatrix on the same element strings, in memory), in the same
 * round. The job works on px_svc_carrier_render_threads threads (PACKID_WORKERS, at most the
 * CPUs), so the bare side the first ratio counts renders on as many threads (each its share of
 * the payloads, its own buffer); the one-thread bare loop and the ratio to it are printed
 * beside. The job draws no image (docs/carrier.md "Batches"), so the batch is also followed
 * to its images: the batch and then its ZIP through the download's use case, against the bare
 * ZIP of the same files, both drawn on one thread as the download draws them.
 *
 *   bench_carrier_batch [N] [ROUNDS]      defaults 1000 3
 *
 * The packs are inserted with one SQL statement before any clock starts. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bench_app.h"
#include "carrier_batch.h"
#include "px_str.h"
#include "service.h"

/* The bare side: thread t of nt renders payloads t, t + nt, … into its own buffer. */
typedef struct bare_share {
    char (*es)[64];
    long n;
    int t, nt;
    int failed;
} bare_share;

static void *bare_loop(void *vs)
{
    bare_share *s = vs;
    px_carrier_opts o;
    px_carrier_opts_init(&o);
    px_buf out;
    px_buf_init(&out, 1u << 20);
    px_err err;
    for (long i = s->t; i < s->n && !s->failed; i += s->nt) {
        px_buf_reset(&out);
        if (px_carrier_datamatrix(&out, s->es[i], strlen(s->es[i]), &o, &err) != PX_OK)
            s->failed = 1;
    }
    px_buf_dispose(&out);
    return NULL;
}

/* Seconds for the bare renderer over the n payloads on nt threads (this one included). */
static double bare_round(char (*es)[64], long n, int nt)
{
    pthread_t th[64];
    bare_share sh[64];
    double t0 = bench_now_s();
    for (int t = 0; t < nt; t++) {
        sh[t] = (bare_share){es, n, t, nt, 0};
        if (t > 0 && pthread_create(&th[t], NULL, bare_loop, &sh[t]) != 0)
            bench_die_err("bare thread", NULL);
    }
    bare_loop(&sh[0]);
    for (int t = 1; t < nt; t++)
        pthread_join(th[t], NULL);
    double dt = bench_now_s() - t0;
    for (int t = 0; t < nt; t++)
        if (sh[t].failed)
            bench_die_err("bare render", NULL);
    return dt;
}

/* The bare ZIP: each payload encoded once and drawn as PNG and SVG (default design, as the
 * batch's), put in a ZIP as the download puts them (PNG stored, SVG deflated), on one thread
 * as the download renders. Seconds. */
static double bare_zip(char (*es)[64], long n)
{
    double t0 = bench_now_s();
    px_carrier_opts o;
    px_carrier_opts_init(&o);
    px_buf img, zip;
    px_buf_init(&img, PX_CARRIER_IMAGE_MAX);
    px_buf_init(&zip, 256u << 20);
    px_err err;
    px_carrier_zip *z = NULL;
    if (px_carrier_zip_new(&z, &err) != PX_OK)
        bench_die_err("bare zip", &err);
    static px_carrier_matrix m;
    for (long i = 0; i < n; i++) {
        if (px_carrier_datamatrix_encode(&m, es[i], strlen(es[i]), o.shape, &err) != PX_OK)
            bench_die_err("bare zip", &err);
        for (int k = 0; k < 2; k++) {
            char name[64];
            o.format = k ? PX_CARRIER_SVG : PX_CARRIER_PNG;
            px_buf_reset(&img);
            snprintf(name, sizeof(name), "%04ld-datamatrix.%s", i, k ? "svg" : "png");
            if (px_carrier_render(&img, &m, &o, &err) != PX_OK ||
                px_carrier_zip_add(z, name, img.data, img.len, !k, &err) != PX_OK)
                bench_die_err("bare zip", &err);
        }
    }
    if (px_carrier_zip_finish(z, &zip, &err) != PX_OK)
        bench_die_err("bare zip", &err);
    px_carrier_zip_free(z);
    double dt = bench_now_s() - t0;
    px_buf_dispose(&img);
    px_buf_dispose(&zip);
    return dt;
}

/* The batch's ZIP through the download's use case, with the signed link's query. Seconds. */
static double batch_zip(bench_app *ba, const char *id, const char *url)
{
    char expires[32] = "", sig[160] = "", filename[64];
    const char *e = strstr(url, "expires="), *g = strstr(url, "sig=");
    if (!e || !g)
        bench_die_err("the batch's link has no expires or sig", NULL);
    snprintf(expires, sizeof(expires), "%.*s", (int)strcspn(e + 8, "&"), e + 8);
    snprintf(sig, sizeof(sig), "%.*s", (int)strcspn(g + 4, "&"), g + 4);
    px_buf zip;
    px_buf_init(&zip, 256u << 20);
    px_err err;
    double t0 = bench_now_s();
    if (px_svc_carrier_batch_zip(ba->db, &ba->app, id, expires, sig, &zip, filename,
                                 sizeof(filename), &err) != PX_OK)
        bench_die_err("batch zip", &err);
    double dt = bench_now_s() - t0;
    px_buf_dispose(&zip);
    return dt;
}

/* GTIN-14 under prefix 4012345 with item reference n (GS1 mod-10 check digit). */
int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 1 || n > PX_CARRIER_BATCH_MAX || rounds < 1) {
        fprintf(stderr, "usage: bench_carrier_batch [N 1..1000] [ROUNDS]\n");
        return 2;
    }
    px_err err = PX_ERR_INIT;
    bench_app ba;
    bench_app_open(&ba);
    px_db *db = ba.db;
    PGconn *raw = ba.raw;
    px_actor by = bench_app_mah(&ba);
    char gtin[15], sql[1024];
    bench_gtin(gtin, (unsigned)(bench_now_s() * 1000) % 90000u);
    snprintf(sql, sizeof(sql),
             "INSERT INTO product (gtin, mah_id, company_prefix_length, name, market) VALUES "
             "('%s', '%s', 7, 'bench', 'EU')",
             gtin, by.org_id);
    bench_pq_ok(raw, sql);
    snprintf(sql, sizeof(sql),
             "INSERT INTO batch (gtin, batch, expiry) VALUES ('%s', 'B1', '751231')", gtin);
    bench_pq_ok(raw, sql);
    snprintf(
        sql, sizeof(sql),
        "INSERT INTO serial (gtin, serial, state, allocated_to, batch, expiry, commissioned_by, "
        "commissioned_at) SELECT '%s', 'S' || lpad(g::text, 19, '0'), 'commissioned', '%s', "
        "'B1', '751231', '%s', now() FROM generate_series(1, %ld) g",
        gtin, by.org_id, by.org_id, n);
    bench_pq_ok(raw, sql);

    /* The items and the element strings the batch will render (what the bare loop renders). */
    px_carrier_item_in *items = calloc((size_t)n, sizeof(*items));
    char(*serials)[24] = calloc((size_t)n, sizeof(*serials));
    char(*es)[64] = calloc((size_t)n, sizeof(*es));
    if (!items || !serials || !es)
        bench_die_err("memory", NULL);
    for (long i = 0; i < n; i++) {
        snprintf(serials[i], sizeof(serials[i]), "S%019ld", i + 1);
        items[i].gtin = gtin;
        items[i].serial = serials[i];
        snprintf(es[i], sizeof(es[i]),
                 "01%s17751231"
                 "10B1\x1d"
                 "21%s",
                 gtin, serials[i]);
    }
    int nt = px_svc_carrier_render_threads(&ba.app);
    if (nt > 64)
        nt = 64;
    double best_bare = 1e30, best_bare1 = 1e30, best_batch = 1e30, best_bzip = 1e30,
           best_full = 1e30;
    for (int r = 1; r <= rounds; r++) {
        double tb1 = bare_round(es, n, 1);
        double tb = nt > 1 ? bare_round(es, n, nt) : tb1;

        double t0 = bench_now_s();
        px_carrier_batch_request req = {"datamatrix", items, (size_t)n, NULL, NULL};
        px_carrier_batch b;
        if (px_svc_carrier_batch_create(db, &ba.app, &by, &req, &b, &err) != PX_OK)
            bench_die_err("batch", &err);
        double tc = bench_now_s() - t0;
        /* The runner's passes (a worker's loop) until the batch's GET — what its user polls —
         * no longer says processing; the clock stops there. */
        int chunks = 0;
        px_export_link link;
        do {
            int did = 0;
            if (px_run_carrier_batch(&ba.app, db, &did, &err) != PX_OK)
                bench_die_err("runner", &err);
            if (!did)
                bench_die_err("the runner found no work before the batch completed", NULL);
            chunks++;
            if (px_svc_carrier_batch_get(db, &ba.app, &by, b.id, &b, &link, &err) != PX_OK)
                bench_die_err("batch get", &err);
        } while (strcmp(b.status, "processing") == 0);
        double tj = bench_now_s() - t0;
        if (strcmp(b.status, "completed") != 0 || !link.url[0] || b.completed_count != n ||
            b.error_count != 0)
            bench_die_err("the batch did not render every item", NULL);
        double tz = batch_zip(&ba, b.id, link.url), tbz = bare_zip(es, n);
        printf("round %d: bare x1 %.0f renders/s, x%d %.0f; batch %ld items in %.3f s = %.0f "
               "carriers/s (create %.3f s, %d chunks); ratio %.3f (to x1 %.3f); ZIP %.3f s, "
               "bare ZIP %.3f s\n",
               r, (double)n / tb1, nt, (double)n / tb, n, tj, (double)n / tj, tc, chunks, tb / tj,
               tb1 / tj, tz, tbz);
        if (tbz < best_bzip)
            best_bzip = tbz;
        if (tj + tz < best_full)
            best_full = tj + tz;
        fflush(stdout);
        if (tb < best_bare)
            best_bare = tb;
        if (tb1 < best_bare1)
            best_bare1 = tb1;
        if (tj < best_batch)
            best_batch = tj;
    }
    double bare = (double)n / best_bare, bare1 = (double)n / best_bare1,
           batch = (double)n / best_batch;
    printf("\nbare px_carrier_datamatrix x1 : %8.0f renders/s (best of %d, %ld payloads)\n", bare1,
           rounds, n);
    printf("bare px_carrier_datamatrix x%d : %8.0f renders/s (%d threads, as the job)\n", nt, bare,
           nt);
    printf("carrier batch (job)           : %8.0f carriers/s (create + runner to completed)\n",
           batch);
    printf("ratio batch/bare x%d           : %8.3f (target >= 0.8)\n", nt, batch / bare);
    printf("ratio batch/bare x1           : %8.3f\n", batch / bare1);
    /* The images themselves are drawn when they are fetched (the job proves each renders):
     * the whole way to every PNG and SVG in hand, against the bare ZIP of the same files. */
    printf("bare ZIP (PNG+SVG, x1)        : %8.0f items/s\n", (double)n / best_bzip);
    printf("batch + its ZIP               : %8.0f items/s (create to the ZIP in memory)\n",
           (double)n / best_full);
    printf("ratio batch+ZIP/bare ZIP      : %8.3f\n", best_bzip / best_full);
    free(items);
    free(serials);
    free(es);
    bench_app_close(&ba);
    return 0;
}
