/* workers — background work in threads of the same process (DESIGN.md): allocation jobs,
 * exports, outbox delivery. Each runner claims its rows with SELECT … FOR UPDATE SKIP LOCKED,
 * so several packid processes can share one database without doing the same work twice. */
#ifndef PX_WORKERS_H
#define PX_WORKERS_H

#include "service.h"

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
/* Tries of a job's unit of work that fails for a reason that is not the job's own verdict
 * (a row the database refuses, a lock timeout, a bug) before the job fails. Between tries
 * the job waits a pause that doubles (0.5, 1, 2, 4 s: a restart of the database or a lock
 * held a while is outlasted) and is not claimed, so the jobs after it run meanwhile instead
 * of waiting behind the oldest one. The database gone (PX_EUNAVAIL) is not a try. */
#define PX_JOB_TRIES 5
/* After the unit of work of job job_id failed with rc and err (outside any transaction):
 * counts the try (logged at error level). 1 when the job has no try left and its runner must
 * fail it now (with err's message), else 0. */
int px_job_try_failed(px_db *db, const char *kind, const char *job_id, px_rc rc, const px_err *err);
/* Runs every runner until none has work (tests and the CLI use this synchronously). */
px_rc px_workers_drain(px_app *app, px_db *db, px_err *err);

#endif
