/* The carrier batch job (runner carrier_batch; docs/carrier.md "Batches"): it takes CHUNK
 * items at a time in one transaction: each item is resolved with the requester's visibility
 * (a pack through the pack rule of GET /v1/packs/{gtin}/{serial}; a Digital Link target, MAH
 * only, of its own products), proven to render (on several threads), and recorded as a
 * carrier with its data and design, or as the item's error, the carriers COPYed as they are
 * proven. No image is drawn here: images are not stored (docs/carrier.md), so a drawn PNG
 * would be thrown away; px_carrier_check gives the answer a render would (the data does not
 * fit the symbol, the design cannot be drawn) without drawing. So one bad item never stops
 * the others, and the counters move with the rows they count, in the same transaction. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allotment_store.h"
#include "carrier_batch.h"
#include "job_store.h"
#include "lifecycle.h"
#include "pack_internal.h"
#include "px_log.h"
#include "px_str.h"
#include "tx.h"
#include "webhook.h"
#include "workers.h"

#define CHUNK 500  /* items per job transaction: its commit shows the batch's progress */
#define RECORD 100 /* items a write waits for at least; it runs while the next are proven */

/* One pending item of the chunk: as read, what its carrier encodes, and its outcome. */
typedef struct chunk_item {
    px_carrier_chunk_row in;
    px_carrier_row row;
    int fast;  /* resolved from the chunk's read (in the render threads) */
    px_rc irc; /* PX_OK: resolved and rendered; else the failure in ie */
    px_err ie;
    int ready; /* under run_ctx.mu: irc, ie and row are final */
} chunk_item;

typedef struct run_ctx {
    px_app *app;
    px_db *db;
    /* Read by the render threads and never written while they run: the batch as claimed,
     * the requester, the design's options (built once per chunk, not per item). */
    px_carrier_batch b;
    px_actor by;
    px_carrier_opts opts;
    int qr;
    px_carrier_batch now; /* the batch as the chunk's writes leave it (main thread only) */
    /* Allocated only once a batch is claimed: the runner is polled every 100 ms while idle,
     * and a megabyte allocated per poll would show as growth under ASan's quarantine. */
    chunk_item *items; /* CHUNK of them */
    px_carrier_outcome *out;
    int n;
    int found;
    px_job_try_outcome try_out; /* the last chunk's try */
    long long refused;          /* items of the last chunk's try the job could not render */
    atomic_int next; /* the render threads' next item */
    atomic_int stop; /* the chunk failed or is written: render no more */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* ready reached want */
    int ready;         /* under mu: items [0, ready) are ready */
    int want;          /* under mu: the runner's thread waits until ready >= want */
} run_ctx;

static int take_row(void *vc, const px_carrier_chunk_row *row)
{
    run_ctx *c = vc;
    c->items[c->n++].in = *row;
    return c->n >= CHUNK;
}

/* A failure that is the item's (recorded, the batch goes on) rather than the job's (the
 * chunk is rolled back and retried: the database is gone, a conflict, out of memory). */
static int item_failure(px_rc rc)
{
    return rc == PX_EINVALID || rc == PX_ENOTFOUND || rc == PX_EFORBIDDEN || rc == PX_ETOOBIG ||
           rc == PX_ESTATE;
}

/* Resolves item it into the data its carrier encodes. */
static px_rc resolve(run_ctx *c, const px_carrier_item *it, px_carrier_row *row, px_err *err)
{
    int qr = strcmp(c->b.symbology, "qr") == 0;
    if (!it->target[0]) {
        /* A pack: the pack visibility rule of GET /v1/packs/{gtin}/{serial}, one rule. */
        px_pack_carrier pc;
        px_rc rc = px_svc_pack_carrier(c->db, c->app, &c->by, it->gtin, it->serial, &pc, err);
        if (rc != PX_OK)
            return rc;
        px_strlcpy(row->data, qr ? pc.digital_link : pc.element_string, sizeof(row->data));
        px_strlcpy(row->gtin, pc.gtin, sizeof(row->gtin));
        px_strlcpy(row->serial, pc.serial, sizeof(row->serial));
        return PX_OK;
    }
    /* A plain Digital Link target: a MAH's, of one of its own products. */
    gs1_elements el;
    const char *gtin;
    px_rc rc = px_svc_carrier_target_check(&c->by, it->target, &el, &gtin, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px_svc_carrier_target_product(c->db, &c->by, gtin, err)) != PX_OK)
        return rc;
    px_strlcpy(row->gtin, gtin, sizeof(row->gtin));
    if (qr)
        return px_strlcpy(row->data, it->target, sizeof(row->data)) < sizeof(row->data)
                   ? PX_OK
                   : px_err_set(err, PX_ETOOBIG, "payload_too_large", "target too long");
    return gs1_element_string_format(row->data, sizeof(row->data), &el, err);
}

/* The pack of a chunk row, read with the chunk: for an actor whose pack scope is its
 * organization (a MAH), the same rule as px_svc_pack_get's (px__org_sees_product) decides here
 * without another read. Anything
 * else — a CMO (partnership and "not released" rules), a GTIN not written in 14 digits, a pack
 * or product that is not there — takes the per-item path, which gives the exact answer. */
static int fast_path(const run_ctx *c, const px_carrier_chunk_row *r)
{
    return !r->item.target[0] && r->pack_found && r->product_found &&
           px_policy_scope(c->by.role, PX_ACT_PACK_READ) == PX_SCOPE_ORG;
}

/* Pure (no database, nothing shared written): runs in the render threads. */
static px_rc resolve_fast(const run_ctx *c, const px_carrier_chunk_row *r, px_carrier_row *row,
                          px_err *err)
{
    if (!px__org_sees_product(&c->by, &r->product))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "pack not found");
    px_pack_carrier pc;
    px_rc rc = px_svc_pack_carrier_of(&pc, c->app, &r->product, &r->pack, err);
    if (rc != PX_OK)
        return rc;
    px_strlcpy(row->data, c->qr ? pc.digital_link : pc.element_string, sizeof(row->data));
    px_strlcpy(row->gtin, pc.gtin, sizeof(row->gtin));
    px_strlcpy(row->serial, pc.serial, sizeof(row->serial));
    return PX_OK;
}

/* The render threads: each takes the chunk's next item until none is left, and marks it
 * ready. An item is proven to render here — a payload that does not fit the symbol is the
 * item's error now, not a failed download later. */
static void *render_loop(void *vc)
{
    run_ctx *c = vc;
    px_carrier_matrix *m = malloc(sizeof(*m));
    for (int i; !atomic_load(&c->stop) && (i = atomic_fetch_add(&c->next, 1)) < c->n;) {
        chunk_item *ci = &c->items[i];
        if (ci->fast)
            ci->irc = resolve_fast(c, &ci->in, &ci->row, &ci->ie);
        if (ci->irc == PX_OK)
            ci->irc = m ? px_carrier_check(m, ci->row.data, c->qr, &c->opts, &ci->ie)
                        : px_err_oom(&ci->ie);
        /* The runner's thread is woken once the items it waits for are all ready, not at
         * each item: woken 500 times a chunk, it took the CPU from the render threads. */
        pthread_mutex_lock(&c->mu);
        ci->ready = 1;
        while (c->ready < c->n && c->items[c->ready].ready)
            c->ready++;
        if (c->ready >= c->want)
            pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    free(m);
    return NULL;
}

int px_svc_carrier_render_threads(const px_app *app)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = app->cfg.workers;
    if (cpus > 0 && n > cpus)
        n = (int)cpus;
    if (n > PX_CARRIER_RENDER_THREADS_MAX)
        n = PX_CARRIER_RENDER_THREADS_MAX;
    return n < 1 ? 1 : n;
}

/* Waits until items [0, to) are ready; returns how many leading items are (at least to). */
static int wait_ready(run_ctx *c, int to)
{
    pthread_mutex_lock(&c->mu);
    c->want = to;
    while (c->ready < to)
        pthread_cond_wait(&c->cv, &c->mu);
    int ready = c->ready;
    c->want = c->n + 1;
    pthread_mutex_unlock(&c->mu);
    return ready;
}

/* The outcomes of ready items [from, to): a carrier with its id (batch and index), or the item's
 * error; a failure that is not an item's fails the chunk. */
static px_rc outcomes(run_ctx *c, int from, int to, px_err *err)
{
    for (int i = from; i < to; i++) {
        chunk_item *ci = &c->items[i];
        px_carrier_outcome *o = &c->out[i];
        memset(o, 0, sizeof(*o));
        o->idx = ci->in.item.idx;
        if (ci->irc == PX_OK) {
            if (px_store_carrier_id(ci->row.id, c->b.id, o->idx) != PX_OK)
                return px_err_set(err, PX_EINTERNAL, "internal", "internal error");
            o->row = &ci->row;
        } else if (item_failure(ci->irc)) {
            /* REQ-CBATCH-1: a bad item is that item's error, with its index; the rest render. */
            o->code = ci->ie.code[0] ? ci->ie.code : "invalid";
            o->message = ci->ie.message;
        } else {
            *err = ci->ie;
            return ci->irc;
        }
    }
    return PX_OK;
}

/* Proves the chunk's items on px_svc_carrier_render_threads threads while this one COPYs the
 * carriers of those ready, at least RECORD items a write (or the rest of the chunk), and all
 * that are ready when the write before ends: the database's work overlaps the proving, and
 * what is proven while a write runs goes in one write after it. Then one statement records the
 * errors and moves the counters: inside the chunk's transaction nobody else sees them before its
 * commit, so they are written once. If no thread can be started, this one proves the items first.
 */
static px_rc render_and_record(run_ctx *c, px_err *err)
{
    pthread_t th[PX_CARRIER_RENDER_THREADS_MAX];
    int want = px_svc_carrier_render_threads(c->app), started = 0;
    atomic_store(&c->next, 0);
    atomic_store(&c->stop, 0);
    c->ready = 0;
    c->want = c->n + 1;
    while (started < want && started < c->n &&
           pthread_create(&th[started], NULL, render_loop, c) == 0)
        started++;
    if (!started && c->n)
        render_loop(c);
    px_rc rc = PX_OK;
    long long copied = 0;
    /* REQ-CBATCH-5: every write is in the chunk's transaction, so one that fails rolls the
     * whole chunk back (never half a chunk): the batch stays processing with the earlier
     * chunks' counts, and the job takes the chunk again on its next pass. */
    for (int from = 0, to; rc == PX_OK && from < c->n; from = to) {
        to = wait_ready(c, from + RECORD < c->n ? from + RECORD : c->n);
        long long n = 0;
        rc = outcomes(c, from, to, err);
        if (rc == PX_OK)
            rc =
                px_store_carriers_copy(c->db, &c->now, c->out + from, (size_t)(to - from), &n, err);
        copied += n;
    }
    atomic_store(&c->stop, 1);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    /* Also for a chunk of no item: a batch whose items were all refused on arrival ends here. */
    return rc == PX_OK
               ? px_store_carrier_chunk_end(c->db, &c->now, c->out, (size_t)c->n, copied, err)
               : rc;
}

/* A batch that ends failed is told as every job that fails: carrier_batch.fail audited with
 * what it failed (why, and how many items), the MAH's webhook job.failed, and an error logged
 * once that commits (px_tx_log: never for a pass, or a chunk's savepoint, rolled back or run
 * again). */
static px_rc tell_failed(px_tx *tx, const px_carrier_batch *b, long long items_failed, int tries,
                         const char *why, px_err *err)
{
    const char *tenant = px_tenant_of_org(b->org_kind, b->org_id);
    px_audit_details *d =
        px_tx_audit_job(tx, b->org_id, tenant, "carrier_batch.fail", b->id, b->job_id);
    px_audit_int(d, "items_failed", items_failed);
    px_audit_str(d, "error", why);
    if (tries)
        px_tx_log(tx, PX_LOG_ERROR, "carrier batch %s failed after %d tries: %s", b->id, tries,
                  why);
    else
        px_tx_log(tx, PX_LOG_ERROR, "carrier batch %s failed: %s", b->id, why);
    if (tenant)
        return px_svc_webhook_job_failed(tx, tenant, "carrier_batch", b->job_id, b->id, NULL, why,
                                         err);
    /* A CMO's batch: its failure is on record in the chain of each MAH whose packs it renders,
     * as its creation is (carrier_batch.c). */
    px_tx_also also = {tx, d};
    return strcmp(b->org_kind, px_org_kind_name(PX_ORG_CMO)) == 0
               ? px_store_carrier_batch_mahs(px_tx_db(tx), b->id, b->org_id, px_tx_also_in, &also,
                                             err)
               : PX_OK;
}

/* One chunk of the claimed batch c->b, in a savepoint of the claiming transaction. */
static px_rc chunk_body(px_tx *tx, void *vc, px_err *err)
{
    run_ctx *c = vc;
    c->db = px_tx_db(tx);
    c->n = 0;
    px_rc rc;
    if (!c->items) {
        c->items = calloc(CHUNK, sizeof(*c->items));
        c->out = calloc(CHUNK, sizeof(*c->out));
        if (!c->items || !c->out)
            return px_err_oom(err);
    }
    memset(&c->by, 0, sizeof(c->by));
    px_strlcpy(c->by.org_id, c->b.org_id, sizeof(c->by.org_id));
    px_strlcpy(c->by.key_id, c->b.key_id, sizeof(c->by.key_id));
    c->by.role = (px_role)c->b.role;
    px_err kind_err;
    if (px_org_kind_parse(&c->by.org_kind, c->b.org_kind, &kind_err) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "carrier batch %s: bad org kind", c->b.id);
    /* REQ-CBATCH-2: one design for the batch, stored with each carrier (the record below),
     * which renders from it alone; its options are built once here, not per item. */
    px_svc_carrier_design_opts(&c->opts, &c->b.design, PX_CARRIER_PNG);
    c->qr = strcmp(c->b.symbology, "qr") == 0;
    c->now = c->b;
    /* One read for the chunk's items with their packs and products. */
    rc = px_store_carrier_chunk(c->db, c->b.id, CHUNK, take_row, c, err);
    /* Items the read cannot decide (a CMO's packs, targets, misses) are resolved one by one
     * here, through the same reads as GET /v1/packs/{gtin}/{serial}; the others in the render
     * threads, from the read alone. */
    for (int i = 0; i < c->n && rc == PX_OK; i++) {
        chunk_item *ci = &c->items[i];
        memset(&ci->row, 0, sizeof(ci->row));
        px_err_clear(&ci->ie);
        ci->ready = 0;
        ci->fast = fast_path(c, &ci->in);
        ci->irc = ci->fast ? PX_OK : resolve(c, &ci->in.item, &ci->row, &ci->ie);
        if (ci->irc != PX_OK && !item_failure(ci->irc)) {
            *err = ci->ie;
            rc = ci->irc;
        }
    }
    if (rc != PX_OK)
        return rc;
    /* The chunk's carriers, items' outcomes and counters (store/carrier_store.c). */
    if ((rc = render_and_record(c, err)) != PX_OK)
        return rc;
    /* An item refused here (its pack gone from the caller's view, unknown, or not rendering)
     * is a carrier never made: given back to the allotment it was charged to as the batch
     * arrived, with the chunk (docs/allotments.md: one pays for the carriers one gets). */
    long long refused = 0;
    for (int i = 0; i < c->n; i++)
        refused += c->out[i].row == NULL;
    if (refused &&
        (rc = px_store_allotment_refund_carrier_batch(c->db, c->b.id, refused, err)) != PX_OK)
        return rc;
    /* Failed later, so said: at error level and counted (the batch may still end completed;
     * its items' errors are listed by GET /v1/carrier-batches/{id}), once the chunk commits:
     * the line by px_tx_log, the count by the runner after the commit. */
    c->refused = refused;
    if (refused)
        px_tx_log(tx, PX_LOG_ERROR,
                  "carrier batch %s: %lld item(s) of this chunk not rendered (GET "
                  "/v1/carrier-batches/%s lists why)",
                  c->b.id, refused, c->b.id);
    /* Its last chunk made no carrier at all (every item refused, on arrival or here): the
     * batch ends failed, and is told as a batch that failed its tries. */
    if (strcmp(c->now.status, "failed") != 0)
        return PX_OK;
    static const char why[] = "no item of the batch rendered";
    if ((rc = px_store_job_error_set(c->db, c->now.job_id, why, err)) != PX_OK)
        return rc;
    return tell_failed(tx, &c->now, c->now.error_count, 0, why, err);
}

/* A batch whose chunk failed its last try (px_job_try, workers.h) fails, in the claiming
 * transaction: each item left becomes an item error batch_failed, the carriers it never made
 * go back to the allotment they were charged to (docs/allotments.md), and it is told
 * (tell_failed). What rendered stays. */
static px_rc fail_batch(px_tx *tx, run_ctx *c, const char *why, px_err *err)
{
    const px_carrier_batch *b = &c->b;
    px_db *db = px_tx_db(tx);
    int changed = 0;
    long long undone = 0;
    px_rc rc = px_store_carrier_batch_fail(db, b, why, &changed, &undone, err);
    if (rc != PX_OK || !changed)
        return rc;
    if ((rc = px_store_allotment_refund_carrier_batch(db, b->id, undone, err)) != PX_OK)
        return rc;
    return tell_failed(tx, b, undone, PX_JOB_TRIES, why, err);
}

/* Claims the oldest runnable batch (its job row locked until COMMIT) and runs one chunk of it
 * as a try (px_job_try): a chunk that fails is rolled back whole and counted under the claim. */
static px_rc run_body(px_tx *tx, void *vc, px_err *err)
{
    run_ctx *c = vc;
    memset(&c->try_out, 0, sizeof(c->try_out));
    c->refused = 0;
    px_rc rc = px_store_carrier_batch_claim(px_tx_db(tx), &c->b, &c->found, err);
    if (rc != PX_OK || !c->found)
        return rc;
    rc = px_job_try(tx, "carrier_batch", c->b.job_id, chunk_body, c, &c->try_out, err);
    if (rc != PX_OK || !c->try_out.exhausted)
        return rc;
    return fail_batch(tx, c, c->try_out.err.message, err);
}

px_rc px_run_carrier_batch(px_app *app, px_db *db, int *did_work, px_err *err)
{
    run_ctx ctx = {0};
    run_ctx *c = &ctx;
    c->app = app;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    px_rc rc = px_tx_run(db, NULL, run_body, c, err);
    *did_work = rc == PX_OK && c->found;
    /* Live metrics count live work only (docs/sandbox.md "What is different"). */
    if (rc == PX_OK && c->try_out.rc == PX_OK && c->refused && !px_db_is_sandbox(db))
        atomic_fetch_add(&app->carrier_items_failed, (unsigned long)c->refused);
    rc = px_job_try_result(rc, &c->try_out, err);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->items);
    free(c->out);
    return rc;
}
