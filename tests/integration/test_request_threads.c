/* A request that waits holds up no other client (src/http/handler_pool.c). The server runs
 * three request threads; two requests wait on a product row another session holds, and
 * meanwhile every one of eight keep-alive connections, opened before and spread over the
 * server's threads as the kernel handed them out, is answered. When a handler ran on the
 * server thread that had accepted its connection, the connections that thread held were
 * answered only after the row was let go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "px_test.h"

#define GTIN "09506000134376"
#define CONNECTIONS 8

typedef struct fixture {
    px_test_env env; /* first: px_test_fixture_teardown frees the fixture through it */
    char mah[40], key[64];
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_THREADS=3");
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Threads MAH", "mah", f->mah, f->key);
    px_test_product(&f->env, f->key, GTIN, "Threads product", "DE");
    *state = f;
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* GET path on c's connection (kept alive between calls); the status, and in *connects how
 * many new connections the call made (0: it reused the one it had). */
static long get_on(CURL *c, fixture *f, const char *path, struct curl_slist *h, long *connects)
{
    char url[256];
    snprintf(url, sizeof(url), "%s%s", f->env.base_url, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    /* Far longer than an answer takes; it ends a wait behind the held row. */
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, connects);
    return status;
}

static void test_request_threads__a_waiting_request_holds_up_no_other_client(void **state)
{
    fixture *f = *state;
    char auth[128];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", f->key);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    CURL *c[CONNECTIONS];
    long connects;
    for (int i = 0; i < CONNECTIONS; i++) {
        assert_non_null(c[i] = curl_easy_init());
        assert_int_equal(get_on(c[i], f, "/v1/products", h, &connects), 200);
        assert_int_equal(connects, 1);
    }
    PGconn *held =
        px_test_hold(&f->env, "SELECT 1 FROM product WHERE gtin = '" GTIN "' FOR UPDATE");
    px_test_async w[2];
    for (int i = 0; i < 2; i++) {
        w[i] = (px_test_async){.env = &f->env,
                               .method = "PATCH",
                               .path = "/v1/products/" GTIN,
                               .key = f->key,
                               .body = "{\"name\":\"Threads product, renamed\"}"};
        px_test_async_start(&w[i]);
        assert_true(px_test_wait_row_lock_waiters(&f->env, i + 1));
    }
    /* Both wait on the row; every kept-alive connection is answered on it meanwhile. */
    long answered[CONNECTIONS], reused[CONNECTIONS];
    for (int i = 0; i < CONNECTIONS; i++) {
        answered[i] = get_on(c[i], f, "/v1/products", h, &connects);
        reused[i] = connects == 0;
    }
    int still_waiting = px_test_wait_row_lock_waiters(&f->env, 2);
    /* Let go before any check, so a failure leaves no request waiting on the row. */
    px_test_hold_end(held, NULL);
    for (int i = 0; i < 2; i++)
        assert_int_equal(px_test_async_join(&w[i]), 200);
    for (int i = 0; i < CONNECTIONS; i++) {
        if (answered[i] != 200 || !reused[i])
            fail_msg("connection %d: answered %ld (reused: %ld) while the row was held", i,
                     answered[i], reused[i]);
        curl_easy_cleanup(c[i]);
    }
    assert_true(still_waiting);
    curl_slist_free_all(h);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
