/* The start of the benches that call the service layer in-process (allocate.c,
 * carrier_batch.c): the app from the configuration, one pooled connection for the product's
 * side and one raw libpq connection to the same database for the bare side, and an MAH. */
#ifndef PX_BENCH_APP_H
#define PX_BENCH_APP_H

#include <libpq-fe.h>

#include "service.h"

typedef struct bench_app {
    px_app app;
    px_db *db;   /* pooled: the product's side */
    PGconn *raw; /* plain libpq: the bare side */
} bench_app;

/* Opens b (config from the environment, a pool of 2); dies on failure. */
void bench_app_open(bench_app *b);
void bench_app_close(bench_app *b);
/* A new MAH organization ("bench MAH"), as the actor of its own requests; dies on failure. */
px_actor bench_app_mah(bench_app *b);

#endif
