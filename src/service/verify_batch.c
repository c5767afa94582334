/* The public verifications' shared reads (verify_batch.h). */
#include "verify_batch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "px_clock.h"
#include "px_crew.h"
#include "px_log.h"
#include "scan_buffer.h"
#include "scans.h"

struct px_verify_batch {
    px_app *app;
    int64_t window_us;
    px_crew crew;                    /* the readers; crew.cv: a request waits */
    px_verify_prefetch *head, *tail; /* waiting, oldest first */
    int waiting;
    pthread_t readers[PX_VERIFY_READERS_MAX];
    _Atomic unsigned long reads, items;
};

/* Up to PX_SCAN_LOOKUP_MAX waiting requests off the queue (crew.mu held), oldest first. */
static int take(px_verify_batch *vb, px_verify_prefetch **out)
{
    int n = 0;
    while (vb->head && n < PX_SCAN_LOOKUP_MAX) {
        out[n++] = vb->head;
        vb->head = vb->head->next;
        vb->waiting--;
    }
    if (!vb->head)
        vb->tail = NULL;
    return n;
}

/* One statement for the n requests, then each is woken. */
static void read_batch(px_verify_batch *vb, px_verify_prefetch **ps, int n)
{
    px_scan_lookup *items[PX_SCAN_LOOKUP_MAX];
    for (int i = 0; i < n; i++)
        items[i] = &ps[i]->lookup;
    px_err err = PX_ERR_INIT;
    int64_t now = px_now_us(), since = now - vb->window_us;
    for (int i = 0; i < n; i++) {
        ps[i]->nbuffered = 0;
        if (vb->app->scans)
            px_scan_buffer_history(vb->app->scans, ps[i]->gtin, ps[i]->serial, since,
                                   ps[i]->buffered, &ps[i]->nbuffered, PX_SCAN_HISTORY_MAX);
    }
    px_db *db = px_pool_acquire(vb->app->pool, &err);
    px_rc rc = db ? px_store_scan_lookup_many(db, items, n, since, now, &err) : err.rc;
    if (db)
        px_pool_release(vb->app->pool, db);
    if (rc != PX_OK)
        px_logf(PX_LOG_ERROR, "verification read of %d requests failed: %s", n, err.message);
    atomic_fetch_add(&vb->reads, 1);
    atomic_fetch_add(&vb->items, (unsigned long)n);
    for (int i = 0; i < n; i++) {
        px_verify_prefetch *p = ps[i];
        p->at_us = now;
        p->since_us = since;
        p->rc = rc;
        p->err = err;
        atomic_store(&p->done, 1);
        p->ready(p->arg); /* p is the request's from here on */
    }
}

static void *loop(void *arg)
{
    px_verify_batch *vb = arg;
    px_verify_prefetch *ps[PX_SCAN_LOOKUP_MAX];
    pthread_mutex_lock(&vb->crew.mu);
    for (;;) {
        while (!vb->head && !vb->crew.stopping)
            pthread_cond_wait(&vb->crew.cv, &vb->crew.mu);
        int n = take(vb, ps);
        if (!n)
            break; /* stopping, and nothing waits */
        pthread_mutex_unlock(&vb->crew.mu);
        read_batch(vb, ps, n);
        pthread_mutex_lock(&vb->crew.mu);
    }
    pthread_mutex_unlock(&vb->crew.mu);
    return NULL;
}

px_rc px_verify_batch_start(px_verify_batch **out, px_app *app, px_err *err)
{
    *out = NULL;
    /* px_config_load refused any other number; this guards readers[] for an app whose
     * configuration was filled another way. */
    int readers = app->cfg.verify_readers;
    if (readers < 1 || readers > PX_VERIFY_READERS_MAX)
        return px_err_set(err, PX_EINVALID, "bad_config", "verification readers must be 1 to %d",
                          PX_VERIFY_READERS_MAX);
    px_verify_batch *vb = calloc(1, sizeof(*vb));
    if (!vb)
        return px_err_oom(err);
    vb->app = app;
    vb->window_us = px_svc_scan_window_us(app);
    if (px_crew_start(&vb->crew, vb->readers, readers, loop, vb) != 0) {
        px_verify_batch_free(vb);
        return px_err_set(err, PX_EINTERNAL, "internal", "cannot start the verification reads");
    }
    *out = vb;
    return PX_OK;
}

void px_verify_batch_stop(px_verify_batch *vb)
{
    if (vb)
        px_crew_stop(&vb->crew);
}

void px_verify_batch_free(px_verify_batch *vb)
{
    if (!vb)
        return;
    px_crew_dispose(&vb->crew);
    free(vb);
}

int px_verify_batch_submit(px_verify_batch *vb, px_verify_prefetch *p)
{
    atomic_store(&p->done, 0);
    p->next = NULL;
    p->lookup.gtin = p->gtin;
    p->lookup.serial = p->serial;
    pthread_mutex_lock(&vb->crew.mu);
    if (vb->crew.stopping || vb->waiting >= PX_VERIFY_QUEUE_MAX) {
        pthread_mutex_unlock(&vb->crew.mu);
        atomic_store(&p->done, -1);
        return -1;
    }
    if (vb->tail)
        vb->tail->next = p;
    else
        vb->head = p;
    vb->tail = p;
    vb->waiting++;
    pthread_cond_signal(&vb->crew.cv);
    pthread_mutex_unlock(&vb->crew.mu);
    return 0;
}

void px_verify_batch_stats(px_verify_batch *vb, unsigned long *reads, unsigned long *items)
{
    *reads = vb ? atomic_load(&vb->reads) : 0;
    *items = vb ? atomic_load(&vb->items) : 0;
}
