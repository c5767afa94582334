/* The request threads. A handler blocks: on the database, on a row another transaction holds,
 * on a long use case. libmicrohttpd's server threads each serve many connections, and a
 * callback that blocks holds up every other connection its thread has accepted (its manual,
 * "Flow control": outside thread-per-connection mode, "blocking logic must not be placed
 * within the callbacks"): one request waiting on a lock stalled unrelated clients. So the
 * server suspends the connection and hands the request here; the first free thread runs its
 * handler and resumes the connection, whose server thread then writes the answer
 * (server.c). The queue is bounded by the connections the server holds. */
#include "handler_pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "px_crew.h"
#include "request.h"

struct px_handler_pool {
    px_crew crew;
    px_req *head, *tail; /* handed over, linked through handed_next */
    void (*run)(px_req *);
    pthread_t th[];
};

static void *request_thread(void *arg)
{
    px_handler_pool *p = arg;
    pthread_mutex_lock(&p->crew.mu);
    for (;;) {
        while (!p->head && !p->crew.stopping)
            pthread_cond_wait(&p->crew.cv, &p->crew.mu);
        px_req *r = p->head;
        if (!r)
            break; /* stopping, and nothing left queued */
        p->head = r->handed_next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->crew.mu);
        p->run(r);
        pthread_mutex_lock(&p->crew.mu);
    }
    pthread_mutex_unlock(&p->crew.mu);
    return NULL;
}

px_rc px__handler_pool_start(px_handler_pool **out, int threads, void (*run)(px_req *), px_err *err)
{
    *out = NULL;
    px_handler_pool *p = calloc(1, sizeof(*p) + (size_t)threads * sizeof(pthread_t));
    if (!p)
        return px_err_oom(err);
    p->run = run;
    if (px_crew_start(&p->crew, p->th, threads, request_thread, p) != 0) {
        px__handler_pool_free(p);
        return px_err_set(err, PX_EINTERNAL, "internal", "cannot start the request threads");
    }
    *out = p;
    return PX_OK;
}

int px__handler_pool_submit(px_handler_pool *p, px_req *r)
{
    pthread_mutex_lock(&p->crew.mu);
    int ok = !p->crew.stopping;
    if (ok) {
        r->handed_next = NULL;
        if (p->tail)
            p->tail->handed_next = r;
        else
            p->head = r;
        p->tail = r;
        pthread_cond_signal(&p->crew.cv);
    }
    pthread_mutex_unlock(&p->crew.mu);
    return ok ? 0 : -1;
}

void px__handler_pool_stop(px_handler_pool *p)
{
    if (p)
        px_crew_stop(&p->crew);
}

void px__handler_pool_free(px_handler_pool *p)
{
    if (!p)
        return;
    px_crew_dispose(&p->crew);
    free(p);
}
