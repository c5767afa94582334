/* The allocation job runner (runners.def; allocation.h; docs/pool.md): one chunk of one job
 * per call, in one transaction. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allocation.h"
#include "allotments.h"
#include "px_crypto.h"
#include "px_log.h"
#include "px_str.h"
#include "serial_gen.h"
#include "tx.h"
#include "webhook.h"
#include "workers.h"

static px_rc fill_random(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    /* REQ-POOL-4: OpenSSL RAND_bytes (util/px_crypto), drawn into serial_gen's 4 KiB pool. */
    return px_random_bytes(buf, len);
}

/* Candidate serials of one round, free of duplicates among themselves (an open-addressing
 * set over the packed strings), so the COPY fast path never trips over its own rows. */
typedef struct cand {
    char *serials; /* n * PX_SERIAL_STRIDE */
    size_t n, cap;
    uint32_t *slots; /* index + 1, 0 = empty */
    size_t nslots;   /* power of two >= 2 * cap */
} cand;

static int cand_init(cand *c, size_t cap)
{
    memset(c, 0, sizeof(*c));
    c->cap = cap;
    c->nslots = 1;
    while (c->nslots < 2 * cap)
        c->nslots <<= 1;
    c->serials = malloc(cap * PX_SERIAL_STRIDE);
    c->slots = calloc(c->nslots, sizeof(uint32_t));
    return c->serials && c->slots ? 0 : -1;
}

static void cand_dispose(cand *c)
{
    if (c->serials)
        px_cleanse(c->serials, c->cap * PX_SERIAL_STRIDE);
    free(c->serials);
    free(c->slots);
    memset(c, 0, sizeof(*c));
}

static void cand_reset(cand *c)
{
    c->n = 0;
    memset(c->slots, 0, c->nslots * sizeof(uint32_t));
}

/* 1 when s was added, 0 when it was already in the set. */
static int cand_add(cand *c, const char *s)
{
    uint64_t h = px_fnv1a(s);
    size_t mask = c->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint32_t v = c->slots[i];
        if (!v) {
            memcpy(c->serials + c->n * PX_SERIAL_STRIDE, s, PX_SERIAL_STRIDE);
            c->slots[i] = (uint32_t)(++c->n);
            return 1;
        }
        if (strcmp(c->serials + (v - 1) * PX_SERIAL_STRIDE, s) == 0)
            return 0;
    }
}

/* Fills the set with `want` distinct candidates. SEQUENTIAL_NUMERIC takes a fresh disjoint
 * range of the product's counter; random strategies draw from the generator. */
static px_rc cand_fill(cand *c, px_db *db, px_serial_gen *gen, const px_alloc_claim *cl,
                       size_t want, px_err *err)
{
    cand_reset(c);
    char s[PX_SERIAL_LEN_MAX + 1];
    if (cl->settings.strategy == PX_SERIAL_SEQUENTIAL_NUMERIC) {
        long long first;
        px_rc rc = px_store_sequence_reserve(db, cl->gtin, (long long)want, &first, err);
        if (rc != PX_OK)
            return rc;
        px_serial_gen_seek(gen, (uint64_t)first);
    }
    memset(s, 0, sizeof(s));
    size_t draws = 0;
    while (c->n < want) {
        px_rc rc = px_serial_gen_next(gen, s, err);
        if (rc != PX_OK)
            return rc;
        cand_add(c, s);
        /* A space too small to yield `want` distinct values in reasonable time. */
        if (++draws > 64 * want + 4096)
            return px_err_set(err, PX_EEXHAUSTED, "serial_space_exhausted",
                              "no more unused serials under these settings");
    }
    return PX_OK;
}

/* Expected collisions of `n` new random serials with the `known` ones of the GTIN. */
static double collision_risk(const px_alloc_claim *cl, size_t n)
{
    if (cl->settings.strategy == PX_SERIAL_SEQUENTIAL_NUMERIC)
        return 0.0; /* disjoint ranges: only external serials can collide */
    double space = (double)px_serial_space(&cl->settings);
    return space > 0 ? (double)n * (double)cl->issued_count / space : 1.0;
}

/* Generates and inserts `need` new serials for the claimed job inside the open
 * transaction. REQ-POOL-4: a collision (with earlier allocations, another CMO's, or external
 * serials) is never surfaced: the serial is skipped and another one drawn. */
static px_rc run_chunk(px_db *db, const px_alloc_claim *cl, long long need, px_err *err)
{
    px_serial_gen gen;
    px_rc rc = px_serial_gen_init(&gen, &cl->settings, fill_random, NULL, err);
    if (rc != PX_OK)
        return rc;
    cand c;
    if (cand_init(&c, (size_t)need) != 0) {
        cand_dispose(&c);
        px_serial_gen_dispose(&gen);
        return px_err_oom(err);
    }
    long long inserted = 0;
    if ((rc = cand_fill(&c, db, &gen, cl, (size_t)need, err)) != PX_OK)
        goto done;
    px_serial_set set = {c.serials, c.n};
    /* Fast path: when a collision is unlikely, COPY straight into the table (the raw
     * limit); a collision makes the COPY fail as a whole, and the same candidates go in
     * through INSERT … ON CONFLICT DO NOTHING instead. */
    if (collision_risk(cl, c.n) < 1e-3) {
        rc = px_store_serials_copy(db, cl, &set, err);
        if (rc == PX_OK) {
            inserted = need;
            goto done;
        }
        if (rc != PX_EEXISTS)
            goto done;
        px_err_clear(err);
    }
    /* The safe path meets the GTIN's known serials, and another job's chunk of the GTIN meets
     * the same ones: each holds the rows of its earlier rounds while its next round waits for
     * the other's, a deadlock that rolls a chunk back (PostgreSQL's deadlock check, a second
     * each time) however each round orders its rows. So the safe-path chunks of one GTIN take
     * turns; other GTINs, and the fast path, run in parallel. */
    if ((rc = px_store_serials_gtin_lock(db, cl->gtin, err)) != PX_OK)
        goto done;
    for (int round = 0;; round++) {
        long long got = 0;
        if ((rc = px_store_serials_insert_new(db, cl, &set, &got, err)) != PX_OK)
            goto done;
        inserted += got;
        if (inserted >= need)
            break;
        if (round >= 1000) {
            rc = px_err_set(err, PX_EEXHAUSTED, "serial_space_exhausted",
                            "no more unused serials under these settings");
            goto done;
        }
        if ((rc = cand_fill(&c, db, &gen, cl, (size_t)(need - inserted), err)) != PX_OK)
            goto done;
        set.serials = c.serials;
        set.n = c.n;
    }
done:
    cand_dispose(&c);
    px_serial_gen_dispose(&gen);
    return rc;
}

/* The audit entry of the claimed job's end (action), with its job and GTIN. */
static px_audit_details *alloc_audit(px_tx *tx, const px_alloc_claim *cl, const char *action)
{
    px_audit_details *d =
        px_tx_audit_job(tx, cl->job_org_id, cl->tenant_id, action, cl->allocation_id, cl->job_id);
    px_audit_str(d, "gtin", cl->gtin);
    return d;
}

/* A job that can never finish (settings unusable, serial space exhausted, a value the database
 * refuses): failed, with the reason, and the unissued part of the reservation given back to
 * the product and to the allotment, in the claiming transaction tx, which holds the job's row
 * (so no other worker runs the job in between) — logged once that commits. Only a job still
 * queued or running fails (another process may have finished or failed it meanwhile). */
static px_rc fail_job(px_tx *tx, const px_alloc_claim *cl, const char *why, px_err *err)
{
    px_db *db = px_tx_db(tx);
    int changed = 0;
    long long undone = 0;
    px_rc rc = px_store_job_fail(db, cl->job_id, why, &changed, &undone, err);
    if (rc != PX_OK || !changed)
        return rc;
    if ((rc = px_store_product_issued_add(db, cl->gtin, -undone, err)) != PX_OK)
        return rc;
    /* The serials it never issued go back to the allotment it was charged to
     * (docs/allotments.md): an organization pays for what it received. */
    if ((rc = px_store_allotment_refund_allocation(db, cl->allocation_id, undone, err)) != PX_OK)
        return rc;
    px_audit_details *d = alloc_audit(tx, cl, "allocation.fail");
    px_audit_str(d, "error", why);
    px_tx_log(tx, PX_LOG_ERROR, "allocation job %s failed: %s", cl->job_id, why);
    /* The MAH's webhook hears of it with the failure (job.failed, docs/webhooks.md). */
    return px_svc_webhook_job_failed(tx, cl->tenant_id, "allocation", cl->job_id, cl->allocation_id,
                                     cl->gtin, why, err);
}

typedef struct chunk_ctx {
    px_alloc_claim cl;
    int found;
    char fail_reason[PX_ERR_MSG_MAX]; /* set: the job can never finish */
    px_job_try_outcome try_out;       /* the chunk's try */
} chunk_ctx;

/* One chunk of the claimed job, in a savepoint of the claiming transaction. A failure that
 * says the job can never finish (the serial space exhausted, a value refused) is kept as the
 * reason; any other is a try (px_job_try). */
static px_rc chunk_body(px_tx *tx, void *vc, px_err *err)
{
    chunk_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    px_alloc_claim *cl = &c->cl;
    long long need = cl->total - cl->done;
    if (need > PX_ALLOC_CHUNK)
        need = PX_ALLOC_CHUNK;
    px_rc rc;
    if (need > 0 && (rc = run_chunk(db, cl, need, err)) != PX_OK) {
        if (rc != PX_EEXHAUSTED && rc != PX_EINVALID)
            return rc;
        px_strlcpy(c->fail_reason, err->message, sizeof(c->fail_reason));
        px_tx_discard(tx);
        return PX_OK;
    }
    /* REQ-POOL-7: the chunk's serials and the job's progress commit together, so a crash
     * loses at most the uncommitted chunk, which the next claim redoes. */
    int completed = 0;
    if ((rc = px_store_job_advance(db, cl->job_id, need, &completed, err)) != PX_OK)
        return rc;
    if (completed) {
        px_audit_int(alloc_audit(tx, cl, "allocation.complete"), "count", cl->total);
    }
    return PX_OK;
}

/* Claims the oldest runnable allocation job (its row locked until COMMIT) and runs one chunk
 * of it as a try; a job that can never finish, or whose last try failed, fails here. */
static px_rc claim_body(px_tx *tx, void *vc, px_err *err)
{
    chunk_ctx *c = vc;
    px_alloc_claim *cl = &c->cl;
    c->found = 0;
    c->fail_reason[0] = '\0';
    memset(&c->try_out, 0, sizeof(c->try_out));
    px_rc rc = px_store_alloc_claim(px_tx_db(tx), cl, &c->found, err);
    if (rc != PX_OK || !c->found) {
        px_tx_discard(tx);
        return rc;
    }
    if (!cl->settings_ok)
        return fail_job(tx, cl, cl->settings_error, err);
    rc = px_job_try(tx, "allocation", cl->job_id, chunk_body, c, &c->try_out, err);
    if (rc != PX_OK)
        return rc;
    if (c->fail_reason[0])
        return fail_job(tx, cl, c->fail_reason, err);
    return c->try_out.exhausted ? fail_job(tx, cl, c->try_out.err.message, err) : PX_OK;
}

px_rc px_run_allocation(px_app *app, px_db *db, int *did_work, px_err *err)
{
    (void)app;
    chunk_ctx c = {0};
    px_rc rc = px_tx_run(db, NULL, claim_body, &c, err);
    *did_work = c.found;
    return px_job_try_result(rc, &c.try_out, err);
}
