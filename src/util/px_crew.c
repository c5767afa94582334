/* Threads stopped together (px_crew.h). */
#include "px_crew.h"

int px_crew_start(px_crew *c, pthread_t *th, int n, void *(*fn)(void *), void *arg)
{
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->stopping = 0;
    c->started = 0;
    c->th = th;
    for (; c->started < n; c->started++)
        if (pthread_create(&th[c->started], NULL, fn, arg) != 0) {
            px_crew_stop(c);
            return -1;
        }
    return 0;
}

void px_crew_stop(px_crew *c)
{
    pthread_mutex_lock(&c->mu);
    c->stopping = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; i < c->started; i++)
        pthread_join(c->th[i], NULL);
    c->started = 0;
}

void px_crew_dispose(px_crew *c)
{
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
}
