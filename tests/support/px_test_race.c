/* Two requests at the same moment (see px_test.h, px_test_race2). */
#include "px_test.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

typedef struct racer {
    px_test_env *env;
    px_test_race_req *req;
    pthread_barrier_t *go;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    px_http_resp resp;
    /* Both threads wait here so that the two requests leave together: the race is the
     * server's, not the order in which the threads happened to start. */
    pthread_barrier_wait(r->go);
    px_http(r->env, &resp, r->req->method, r->req->path, r->req->key, r->req->body,
            r->req->headers);
    r->req->status = resp.status;
    px_http_header(&resp, "Location", r->req->location, sizeof(r->req->location));
    snprintf(r->req->code, sizeof(r->req->code), "%s", px_http_error_code(&resp));
    snprintf(r->req->detail, sizeof(r->req->detail), "%s", px_http_detail_code(&resp));
    px_http_resp_free(&resp);
    return NULL;
}

void px_test_race2(px_test_env *env, px_test_race_req *a, px_test_race_req *b)
{
    pthread_barrier_t go;
    assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
    racer ra = {env, a, &go}, rb = {env, b, &go};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, race, &ra), 0);
    assert_int_equal(pthread_create(&tb, NULL, race, &rb), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&go);
}

px_test_race_req *px_test_race_loser(px_test_race_req *a, px_test_race_req *b, long win,
                                     int round)
{
    int wins = (a->status == win) + (b->status == win);
    if (wins != 1)
        fail_msg("round %d: statuses %ld (%s) and %ld (%s), want exactly one %ld", round,
                 a->status, a->code, b->status, b->code, win);
    return a->status == win ? b : a;
}

void px_test_race_held(px_test_env *env, const char *hold_sql, px_test_race_req *a,
                       px_test_race_req *b)
{
    PGconn *held = px_test_hold(env, hold_sql);
    px_test_race_req *req[2] = {a, b};
    px_test_async as[2];
    for (int i = 0; i < 2; i++) {
        as[i] = (px_test_async){.env = env,
                                .method = req[i]->method,
                                .path = req[i]->path,
                                .key = req[i]->key,
                                .body = req[i]->body};
        px_test_async_start(&as[i]);
    }
    int both_waited = 0;
    for (int i = 0; i < 6 && !both_waited; i++)
        both_waited = px_test_wait_row_lock_waiters(env, 2);
    px_test_hold_end(held, NULL);
    for (int i = 0; i < 2; i++) {
        req[i]->status = px_test_async_join(&as[i]);
        snprintf(req[i]->code, sizeof(req[i]->code), "%s", as[i].code);
        snprintf(req[i]->detail, sizeof(req[i]->detail), "%s", as[i].detail);
    }
    if (!both_waited)
        fail_msg("the two requests never both waited on the held rows");
}
