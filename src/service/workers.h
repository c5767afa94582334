/* workers — background work in threads of the same process (docs/architecture.md "Background
 * work"): allocation jobs, exports, outbox delivery. Each runner claims its rows with SELECT …
 * FOR UPDATE SKIP LOCKED, so several packid processes can share one database without doing the
 * same work twice. */
#ifndef PX_WORKERS_H
#define PX_WORKERS_H

#include "service.h"
#include "tx.h"

typedef struct px_workers px_workers;

/* A runner does at most one bounded unit of work (one chunk of one job) per call and says
 * whether it found any; the worker loop sleeps briefly when no runner had work. */
typedef px_rc (*px_runner_fn)(px_app *app, px_db *db, int *did_work, px_err *err);

/* Starts cfg.workers threads (none when 0). */
px_rc px_workers_start(px_workers **out, px_app *app, px_err *err);
/* Asks every thread to stop after its current unit of work and joins them. */
void px_workers_stop(px_workers *w);
/* Starts the idle workers' next pass now instead of at their next poll (PACKID_WORKER_POLL_MS):
 * called after a request commits a job (a carrier batch, an export, an allocation). A pass that
 * is running when this is called is followed by another, so a wake is never lost. No effect
 * without running workers (the CLI, tests that drain). */
void px_workers_wake(const px_app *app);
/* The name of runner i (runners.def order; /metrics), NULL past the last. */
const char *px_workers_runner_name(int i);
/* Tries in a row of a job's unit of work that fails for a reason that is not the job's own
 * verdict (a row the database refuses, a lock timeout, a bug) before the job fails (a unit
 * that does its work forgets the failed tries before it). Between tries
 * the job waits a pause that doubles (0.5, 1, 2, 4 s: a restart of the database or a lock
 * held a while is outlasted) and is not claimed, so the jobs after it run meanwhile instead
 * of waiting behind the oldest one. The database gone (PX_EUNAVAIL) is not a try. */
#define PX_JOB_TRIES 5

/* How a try went (px_job_try). */
typedef struct px_job_try_outcome {
    px_rc rc;      /* the unit of work's failure (PX_OK: it committed into tx) */
    px_err err;    /* its error */
    int tries;     /* the tries failed so far, counted with this one */
    int exhausted; /* no try left: the runner fails the job now, in tx */
} px_job_try_outcome;

/* In the claiming transaction tx, which holds job job_id's row lock: runs body (a unit of work
 * of the job, kind for the log) in a savepoint. When it fails with a try's failure, its work is
 * rolled back to the savepoint, the failed try is counted under the claim's lock (so no other
 * worker runs the job between the failure and the count) and logged at error level once tx
 * commits (px_tx_log), and PX_OK is returned: tx commits the count. A failure px_tx_run retries, or
 * the database gone, is returned as it is. */
px_rc px_job_try(px_tx *tx, const char *kind, const char *job_id, px_tx_body body, void *ctx,
                 px_job_try_outcome *out, px_err *err);
/* What a runner reports once its claiming transaction ended with rc: a failed try's failure
 * when the transaction committed its count (the worker loop logs and counts the failure), else
 * rc as it is. The one ending of every runner that works through px_job_try. */
px_rc px_job_try_result(px_rc rc, const px_job_try_outcome *out, px_err *err);
/* Runs every runner until none has work (tests and the CLI use this synchronously). */
px_rc px_workers_drain(px_app *app, px_db *db, px_err *err);

#endif
