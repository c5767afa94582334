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
/* Runs every runner until none has work (tests and the CLI use this synchronously). */
px_rc px_workers_drain(px_app *app, px_db *db, px_err *err);

#endif
