/* The request threads (PACKID_THREADS): where a request's handler runs, off the server
 * threads that read and write connections (handler_pool.c). */
#ifndef PX_HANDLER_POOL_H
#define PX_HANDLER_POOL_H

#include "px_err.h"

struct px_req;
typedef struct px_handler_pool px_handler_pool;

/* Starts threads that each take the next request handed over and call run(r) on it. */
px_rc px__handler_pool_start(px_handler_pool **out, int threads, void (*run)(struct px_req *),
                             px_err *err);
/* Queues r (its connection suspended by the caller): 0, or -1 once the pool stops (the caller
 * runs r itself). */
int px__handler_pool_submit(px_handler_pool *p, struct px_req *r);
/* Takes no more requests, runs the ones queued, and returns once every thread has ended. */
void px__handler_pool_stop(px_handler_pool *p);
/* Frees a stopped pool (NULL: nothing). */
void px__handler_pool_free(px_handler_pool *p);

#endif
