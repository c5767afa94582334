/* Unit tests for util/px_crew: the stop wakes every thread waiting on the crew's condition
 * and joins each, also threads that had not begun to wait yet. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "px_crew.h"

typedef struct {
    px_crew crew;
    int waiting; /* threads that reached their wait */
    int ended;   /* threads that saw the stop */
    pthread_t th[4];
} crew_test;

/* A thread with no work: it waits for the stop, as an owner's thread does on an empty queue. */
static void *wait_for_stop(void *arg)
{
    crew_test *t = arg;
    pthread_mutex_lock(&t->crew.mu);
    t->waiting++;
    while (!t->crew.stopping)
        pthread_cond_wait(&t->crew.cv, &t->crew.mu);
    t->ended++;
    pthread_mutex_unlock(&t->crew.mu);
    return NULL;
}

static int waiting(crew_test *t)
{
    pthread_mutex_lock(&t->crew.mu);
    int n = t->waiting;
    pthread_mutex_unlock(&t->crew.mu);
    return n;
}

static void test_util__crew_stop_wakes_and_joins_every_waiting_thread(void)
{
    crew_test t = {0};
    assert_int_equal(px_crew_start(&t.crew, t.th, 4, wait_for_stop, &t), 0);
    assert_int_equal(t.crew.started, 4);
    while (waiting(&t) < 4)
        sched_yield();
    px_crew_stop(&t.crew);
    /* Joined: every thread saw the stop, and the crew holds none. */
    assert_int_equal(t.ended, 4);
    assert_int_equal(t.crew.started, 0);
    /* A stopped crew stops at once. */
    px_crew_stop(&t.crew);
    px_crew_dispose(&t.crew);
}

static void test_util__crew_stop_at_once_ends_threads_not_yet_waiting(void)
{
    crew_test t = {0};
    assert_int_equal(px_crew_start(&t.crew, t.th, 3, wait_for_stop, &t), 0);
    px_crew_stop(&t.crew);
    assert_int_equal(t.ended, 3);
    px_crew_dispose(&t.crew);
}
