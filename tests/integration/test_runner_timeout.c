/* A background runner stuck on a lock held elsewhere (docs/architecture.md "Background work",
 * PACKID_RUNNER_LOCK_TIMEOUT_MS): after the bound its statement fails as the job's try, said
 * in the job's row and the log, and the job completes once the lock is gone. Without the
 * bound the job stays `running`, with nothing said, for as long as the lock is held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "px_test.h"

typedef px_test_tenants fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_RUNNER_LOCK_TIMEOUT_MS=300");
    px_test_server_start(&f->env);
    px_test_tenants_make(f, "Timeout MAH", "4012345000009", "DE", 9101);
    char path[96];
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", f->gtin);
    px_test_expect(&f->env, "PUT", path, f->mah.key,
                   "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":12}", 201, NULL);
    *state = f;
    return 0;
}

static void test_runner_timeout__lock_wait_is_a_failed_try(void **state)
{
    fixture *f = *state;
    /* Another session keeps the serial table from taking rows, as a long maintenance
     * statement would: the allocation's COPY waits on it. */
    PGconn *held = px_test_hold(&f->env, "LOCK TABLE serial IN SHARE MODE");
    char path[96], job[40];
    snprintf(path, sizeof(path), "/v1/products/%s/allocations", f->gtin);
    json_t *a = px_test_call(&f->env, "POST", path, f->mah.key, "{\"count\":10}", 202);
    snprintf(job, sizeof(job), "%s", px_test_str(a, "job_id"));
    json_decref(a);
    /* The wait ends at the bound: a failed try, kept on the job and logged at error level. */
    assert_true(px_count_soon(&f->env, 200,
                              "SELECT count(*) FROM job WHERE id = '%s' AND failures >= 1 AND "
                              "status IN ('queued', 'running')",
                              job) > 0);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM job WHERE id = '%s' AND error LIKE '%%lock timeout%%'",
                    job);
    /* The pause before the next try (0.5 s, doubling) counts from the failure, not from the
     * claim (heartbeat_at): the try had waited the bound (300 ms) before it failed. */
    assert_true(px_count_soon(&f->env, 200,
                              "SELECT count(*) FROM job WHERE id = '%s' AND failures >= 1 AND "
                              "not_before >= heartbeat_at + interval '500 milliseconds' * "
                              "(1 << (failures - 1)) + interval '250 milliseconds'",
                              job) > 0);
    assert_true(px_test_log_has(&f->env, "lock not granted in time", "55P03"));
    assert_true(px_test_log_has(&f->env, job, "try 1 of 5 failed"));
    px_expect_count(&f->env, 0, "SELECT count(*) FROM serial WHERE gtin = '%s'", f->gtin);
    /* The lock gone, the next try completes the job. */
    px_test_hold_end(held, NULL);
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    json_t *j = px_test_wait_for(&f->env, f->mah.key, path, "status", "completed|failed", 600, 50);
    assert_string_equal(px_test_str(j, "status"), "completed");
    json_decref(j);
    px_expect_count(&f->env, 10, "SELECT count(*) FROM serial WHERE gtin = '%s'", f->gtin);
}

/* A job's times when every try fails, here an export whose every try waits the bound on a
 * lock held on export_item: the job started when its first try did (started_at, set for a
 * try that failed too: seconds before it finished, after the pauses between its five tries),
 * and the job.failed event is queued when the job failed, not when the worker's last claim
 * began, the bound before (the delivery's created_at is not before the job's finished_at). */
static void test_runner_timeout__failed_job_times(void **state)
{
    fixture *f = *state;
    px_test_job_failed_webhook_sql(&f->env, f->mah.org);
    px_test_commissioned_sql(&f->env, f->gtin, "B-LOCK", "751231", "LK", 3, 2, f->mah.org);
    PGconn *held = px_test_hold(&f->env, "LOCK TABLE export_item IN SHARE MODE");
    char body[96], job[40], path[96];
    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"batch\":\"B-LOCK\"}", f->gtin);
    json_t *e = px_test_call(&f->env, "POST", "/v1/exports", f->mah.key, body, 202);
    snprintf(job, sizeof(job), "%s", px_test_str(e, "job_id"));
    json_decref(e);
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    json_t *j = px_test_wait_for(&f->env, f->mah.key, path, "status", "completed|failed", 600, 100);
    px_test_hold_end(held, NULL);
    assert_string_equal(px_test_str(j, "status"), "failed");
    assert_true(json_is_string(json_object_get(j, "started_at")));
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM job WHERE id = '%s' AND started_at < created_at + "
                    "interval '2 seconds' AND started_at < finished_at - interval '5 seconds'",
                    job);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_delivery d, job j WHERE j.id = '%s' AND "
                    "d.tenant_id = '%s' AND d.event = 'job.failed' AND d.body LIKE '%%%s%%' AND "
                    "d.created_at >= date_trunc('milliseconds', j.finished_at)",
                    job, f->mah.org, job);
}

/* The partitions runner's statements are bounded too: making a month waits for an exclusive
 * lock on its table, here held by a long reader; the pass fails at the bound, logged at error
 * level and counted, instead of waiting (and queueing every writer of the table behind it).
 * Last: it restarts the server. */
static void test_runner_timeout__partitions_pass_is_bounded(void **state)
{
    fixture *f = *state;
    px_test_server_kill(&f->env);
    px_test_setenv(&f->env, "PACKID_PARTITIONS_AHEAD=24"); /* months not made yet */
    PGconn *held = px_test_hold(&f->env, "LOCK TABLE scan IN ACCESS SHARE MODE");
    px_test_server_start(&f->env);
    assert_true(
        px_test_metric_soon(&f->env, 200, "packid_runner_errors_total{runner=\"partitions\"}") > 0);
    assert_true(px_test_log_has(&f->env, "runner partitions failed", "(lock timeout)"));
    /* The operator's repair through the API is bounded alike: refused at the bound (without it
     * the request would wait as long as the lock is held, here for ever). */
    char org[40], admin[64];
    px_test_org_key(&f->env, "operator", "Timeout operator", "admin", org, admin);
    px_test_expect(&f->env, "POST", "/v1/partitions/ensure", admin, "{}", 500, "internal");
    px_test_hold_end(held, NULL);
    json_decref(px_test_call(&f->env, "POST", "/v1/partitions/ensure", admin, "{}", 200));
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
