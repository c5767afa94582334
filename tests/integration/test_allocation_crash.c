/* REQ-POOL-7: allocation jobs are crash-safe. The server is killed (SIGKILL) in the middle of
 * a 1,000,000-serial job and restarted; a second packid process joins on the same database;
 * the job completes with exactly 1,000,000 distinct serials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_test.h"

#define TOTAL 1000000

typedef struct {
    px_test_env env;
    px_test_env second; /* another packid process on the same database */
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_server_start(&f->env);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int st2 = px_test_server_stop(&f->second);
    px_test_teardown(&f->env);
    assert_int_equal(st2, 0);
    free(f);
    return 0;
}

static json_t *get(px_test_env *env, const char *path, const char *key)
{
    px_http_resp r;
    px_http(env, &r, "GET", path, key, NULL, NULL);
    if (r.status != 200)
        fail_msg("GET %s: %ld %s", path, r.status, r.body);
    json_t *j = json_incref(r.json);
    px_http_resp_free(&r);
    return j;
}

static void post(px_test_env *env, const char *method, const char *path, const char *key,
                 const char *body, long want, char *job, char *alloc)
{
    px_http_resp r;
    px_http(env, &r, method, path, key, body, NULL);
    if (r.status != want)
        fail_msg("%s %s: %ld %s", method, path, r.status, r.body);
    if (job)
        snprintf(job, 40, "%s", json_string_value(json_object_get(r.json, "job_id")));
    if (alloc)
        snprintf(alloc, 40, "%s", json_string_value(json_object_get(r.json, "allocation_id")));
    px_http_resp_free(&r);
}

static void test_alloc_crash__kill_restart_completes(void **state)
{
    fixture *f = *state;
    char org[40], key[64], job[40], alloc[40], path[128];
    px_test_org_key(&f->env, "mah", "Crash MAH", "mah", org, key);
    post(&f->env, "POST", "/v1/products", key,
         "{\"gtin\":\"04012345999990\",\"company_prefix_length\":7,\"name\":\"Crash\","
         "\"market\":\"EU\"}",
         201, NULL, NULL);
    post(&f->env, "PUT", "/v1/products/04012345999990/serial-settings", key,
         "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":20,"
         "\"symbols\":\"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\"}",
         201, NULL, NULL);
    post(&f->env, "POST", "/v1/products/04012345999990/allocations", key,
         "{\"count\":1000000,\"label\":\"crash test\"}", 202, job, alloc);

    /* Wait until the job is part-way: at least one chunk committed, not finished. */
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    long long done = 0;
    for (int i = 0; i < 12000; i++) {
        json_t *j = get(&f->env, path, key);
        done = px_test_int(j, "done");
        const char *st = json_string_value(json_object_get(j, "status"));
        assert_string_not_equal(st, "completed");
        assert_string_not_equal(st, "failed");
        json_decref(j);
        if (done > 0)
            break;
        usleep(20 * 1000);
    }
    assert_true(done > 0 && done < TOTAL);
    px_test_server_kill(&f->env);
    long long rows =
        px_count_of(&f->env, "SELECT count(*) FROM serial WHERE allocation_id = '%s'", alloc);
    long long committed = px_count_of(&f->env, "SELECT done FROM job WHERE id = '%s'", job);
    /* What was committed is exactly the recorded progress: the chunk in flight is gone. */
    assert_int_equal(rows, committed);
    assert_true(committed < TOTAL);
    fprintf(stderr, "killed at done=%lld (rows %lld)\n", committed, rows);

    /* Restart, and a second process on the same database: they share the rest of the job
     * without doing any chunk twice (FOR UPDATE SKIP LOCKED on the job row). */
    px_test_server_start(&f->env);
    memcpy(&f->second, &f->env, sizeof(f->second));
    f->second.server_pid = 0;
    px_test_server_start(&f->second);

    json_t *j = NULL;
    for (int i = 0; i < 6000; i++) {
        j = get(i % 2 ? &f->second : &f->env, path, key);
        const char *st = json_string_value(json_object_get(j, "status"));
        if (strcmp(st, "completed") == 0 || strcmp(st, "failed") == 0)
            break;
        json_decref(j);
        j = NULL;
        usleep(100 * 1000);
    }
    assert_non_null(j);
    assert_string_equal(px_test_str(j, "status"), "completed");
    assert_int_equal(px_test_int(j, "done"), TOTAL);
    assert_int_equal(px_test_int(j, "total"), TOTAL);
    json_decref(j);

    px_expect_count(&f->env, TOTAL, "SELECT count(*) FROM serial WHERE allocation_id = '%s'",
                    alloc);
    px_expect_count(&f->env, TOTAL,
                    "SELECT count(DISTINCT serial) FROM serial WHERE allocation_id = '%s'", alloc);
    /* Nothing outside the allocation was written for the GTIN. */
    px_expect_count(&f->env, TOTAL, "SELECT count(*) FROM serial WHERE gtin = '04012345999990'");
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM serial WHERE gtin = "
                    "'04012345999990' AND serial !~ '^[0-9A-Z]{20}$'");
    /* Completion audited once. */
    assert_int_equal(px_audit_count(&f->env, "allocation.complete", alloc), 1);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
