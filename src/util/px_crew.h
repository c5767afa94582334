/* px_crew — a fixed set of threads that wait for work under one mutex and one condition and
 * stop together: the request threads (http/handler_pool.c) and the verification readers
 * (service/verify_batch.c). The stop is written once: the flag set under the lock and every
 * waiter woken in the same hold, so that no thread checks the flag, misses the wake and
 * sleeps on; then each thread joined. */
#ifndef PX_CREW_H
#define PX_CREW_H

#include <pthread.h>

typedef struct px_crew {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* work was handed over, or the crew stops */
    int stopping;      /* read and set under mu */
    int started;       /* threads running: th[0 .. started) */
    pthread_t *th;     /* the owner's room for its threads */
} px_crew;

/* Readies c's mutex and condition, then starts n threads running fn(arg) with their ids in th
 * (room for n). 0, or -1 when a thread cannot start: those started are stopped, and c is a
 * stopped crew (for px_crew_dispose). */
int px_crew_start(px_crew *c, pthread_t *th, int n, void *(*fn)(void *), void *arg);
/* Sets stopping, wakes every waiting thread and joins each: none of c's threads runs after it
 * (each ends at its loop's next check of stopping). A stopped crew stops at once. */
void px_crew_stop(px_crew *c);
/* Destroys the mutex and condition of a stopped crew. */
void px_crew_dispose(px_crew *c);

#endif
