#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job_store.h"
#include "px_array.h"
#include "px_log.h"
#include "workers.h"

#define PX_RUNNER(name, fn) px_rc fn(px_app *app, px_db *db, int *did_work, px_err *err);
#include "runners.def"
#undef PX_RUNNER

typedef struct {
    const char *name;
    px_runner_fn fn;
} runner;

static const runner runners[] = {
#define PX_RUNNER(name, fn) {name, fn},
#include "runners.def"
#undef PX_RUNNER
    {NULL, NULL}};

struct px_workers {
    px_app *app;
    int n;
    pthread_t *threads;
    atomic_int stopping;
    unsigned long wakes; /* px_workers_wake calls, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

_Static_assert(PX_COUNT(runners) - 1 <= PX_RUNNERS_MAX,
               "runners.def has more runners than PX_RUNNERS_MAX");

const char *px_workers_runner_name(int i)
{
    return i >= 0 && (size_t)i < PX_COUNT(runners) ? runners[i].name : NULL;
}

/* One pass over every runner; *any is set when one had work. A runner that fails (a job that
 * keeps failing, a dependency down) is logged at error level and counted
 * (packid_runner_errors_total) and the pass goes on: the runners after it (regulator reports,
 * webhooks, scans, partitions) never wait on another's failure. The first failure is the
 * pass's answer (px_workers_drain stops on it). */
static px_rc pass(px_app *app, px_db *db, int *any, px_err *err)
{
    *any = 0;
    px_rc first = PX_OK;
    for (int i = 0; runners[i].fn; i++) {
        int did = 0;
        px_err e = PX_ERR_INIT;
        px_rc rc = runners[i].fn(app, db, &did, &e);
        if (rc != PX_OK) {
            app->runner_errors[i]++;
            px_logf(PX_LOG_ERROR, "runner %s failed: %s", runners[i].name, e.message);
            if (first == PX_OK) {
                first = rc;
                px_err_pass(err, &e);
            }
        }
        *any |= did;
    }
    return first;
}

/* Waits until woken, asked to stop, or the poll interval has passed (0: no poll). */
static void idle(px_workers *w, unsigned long seen)
{
    long ms = w->app->cfg.worker_poll_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&w->mu);
    /* A wake since this pass began means its job may have been stored after a runner looked:
     * no sleep. The loop also absorbs spurious wake-ups of the condition variable. */
    while (w->wakes == seen && !atomic_load(&w->stopping)) {
        if (ms == 0)
            pthread_cond_wait(&w->cv, &w->mu);
        else if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0)
            break;
    }
    pthread_mutex_unlock(&w->mu);
}

static void *loop(void *arg)
{
    px_workers *w = arg;
    while (!atomic_load(&w->stopping)) {
        pthread_mutex_lock(&w->mu);
        unsigned long seen = w->wakes;
        pthread_mutex_unlock(&w->mu);
        px_err err = PX_ERR_INIT;
        int any = 0;
        px_db *db = px_pool_acquire(w->app->pool, &err);
        if (db) {
            px_db_set_lock_timeout(db, w->app->cfg.runner_lock_timeout_ms);
            /* Live work, then the sandbox's (docs/sandbox.md): its jobs run as live ones do,
             * on a connection that sees only the sandbox. */
            int sandbox_any = 0;
            pass(w->app, db, &any, &err);
            if (px_db_set_sandbox(db, 1, &err) == PX_OK) {
                pass(w->app, db, &sandbox_any, &err);
            } else {
                /* The sandbox's work waits this pass: said and counted, as a lost connection. */
                px_logf(PX_LOG_ERROR, "workers: cannot switch to the sandbox: %s", err.message);
                for (int i = 0; runners[i].fn; i++)
                    w->app->runner_errors[i]++;
            }
            px_pool_release(w->app->pool, db);
            any |= sandbox_any;
        } else if (!atomic_load(&w->stopping)) {
            /* No connection (the pool exhausted past its wait, the database down): background
             * work waits, which the log and packid_runner_errors_total must say. */
            px_logf(PX_LOG_ERROR, "workers: no database connection: %s", err.message);
            for (int i = 0; runners[i].fn; i++)
                w->app->runner_errors[i]++;
        }
        if (!any)
            idle(w, seen);
    }
    return NULL;
}

void px_workers_wake(const px_app *app)
{
    px_workers *w = atomic_load(&app->workers);
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->wakes++;
    /* Every idle thread: the job's first unit goes to one, and a runner with more units (a
     * batch's chunks of other jobs) finds work for the others. */
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

px_rc px_workers_start(px_workers **out, px_app *app, px_err *err)
{
    px_workers *w = calloc(1, sizeof(*w));
    if (!w)
        return px_err_oom(err);
    w->app = app;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->threads = calloc((size_t)(app->cfg.workers > 0 ? app->cfg.workers : 1), sizeof(pthread_t));
    for (int i = 0; i < app->cfg.workers; i++) {
        if (pthread_create(&w->threads[i], NULL, loop, w) != 0) {
            px_workers_stop(w);
            return px_err_set(err, PX_EINTERNAL, "internal", "cannot start worker threads");
        }
        w->n++;
    }
    atomic_store(&app->workers, w);
    *out = w;
    return PX_OK;
}

void px_workers_stop(px_workers *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    if (atomic_load(&w->app->workers) == w)
        atomic_store(&w->app->workers, NULL);
    atomic_store(&w->stopping, 1);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < w->n; i++)
        pthread_join(w->threads[i], NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w->threads);
    free(w);
}

px_rc px_workers_drain(px_app *app, px_db *db, px_err *err)
{
    int any = 1;
    while (any) {
        px_rc rc = pass(app, db, &any, err);
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

px_rc px_job_try(px_tx *tx, const char *kind, const char *job_id, px_tx_body body, void *ctx,
                 px_job_try_outcome *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    px_err_clear(&out->err);
    px_db *db = px_tx_db(tx);
    /* The job started when its first try did (GET /v1/jobs/{id} started_at), whatever that
     * try's outcome: set before the try's savepoint, which a failure rolls back. */
    px_rc rc = px_store_job_started(db, job_id, err);
    if (rc != PX_OK)
        return rc;
    out->rc = px_tx_run(db, NULL, body, ctx, &out->err);
    if (out->rc == PX_OK)
        return px_store_job_try_ok(db, job_id, err);
    if (out->rc == PX_EUNAVAIL || px_tx_retryable(out->rc, &out->err)) {
        *err = out->err;
        return out->rc;
    }
    rc = px_store_job_failed_try(db, job_id, out->err.message, &out->tries, err);
    if (rc != PX_OK)
        return rc;
    out->exhausted = out->tries >= PX_JOB_TRIES;
    px_tx_log(tx, PX_LOG_ERROR, "%s job %s: try %d of %d failed: %s", kind, job_id, out->tries,
              PX_JOB_TRIES, out->err.message);
    return PX_OK;
}

px_rc px_job_try_result(px_rc rc, const px_job_try_outcome *out, px_err *err)
{
    if (rc != PX_OK || out->rc == PX_OK)
        return rc;
    px_err_pass(err, &out->err);
    return out->rc;
}
