/* Workers woken by the request that stores a job (px_workers_wake, docs/architecture.md
 * "Background work") on a real `packid serve` whose workers poll once a minute
 * (PACKID_WORKER_POLL_MS=60000, the longest allowed). After their first pass
 * at start the workers sleep, so a job that completes was started by the wake of the request
 * that stored it: the order of events, not a clock, is what the test relies on. The waits
 * below (30 s, half the poll) are only bounds that turn a missing wake into a failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_test.h"

#define GTIN "04012345000016"

typedef struct {
    px_test_env env;
    px_test_party mah;
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    *state = f;
    px_test_setenv(&f->env, "PACKID_WORKER_POLL_MS=60000");
    px_test_setenv(&f->env, "PACKID_WORKERS=1");
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Wake MAH", "mah", f->mah.org, f->mah.key);
    px_test_product_sql(&f->env, GTIN, f->mah.org, "Amoxil 500 mg caps x 21", "EU");
    return 0;
}

/* GETs path until its member key is one of the final states (completed, failed: after
 * processing, queued and running); fails after about 30 s (a job that nobody started: half the
 * poll, the workers were not woken). Returns the body. */
static json_t *until_done(fixture *f, const char *path, const char *key)
{
    return px_test_wait_for(&f->env, f->mah.key, path, key, "completed|failed", 300, 100);
}

/* A carrier batch (and then a second one, so the wake also reaches a worker that went back to
 * sleep after the first) completes long before any worker polls. */
static void test_workers_wake__carrier_batch_starts_without_poll(void **state)
{
    fixture *f = *state;
    for (int round = 0; round < 2; round++) {
        json_t *j = px_test_call(
            &f->env, "POST", "/v1/carrier-batches", f->mah.key,
            "{\"items\":[{\"target\":{\"destination\":\"https://id.gs1.org/01/" GTIN
            "/21/W1\"}},{\"target\":{\"destination\":\"https://id.gs1.org/01/" GTIN "/21/W2\"}}]}",
            202);
        char path[128];
        snprintf(path, sizeof(path), "/v1/carrier-batches/%s", px_test_str(j, "id"));
        json_decref(j);
        j = until_done(f, path, "status");
        assert_string_equal(px_test_str(j, "status"), "completed");
        assert_int_equal(px_test_int(j, "completed_count"), 2);
        json_decref(j);
    }
}

/* An allocation job, then an export of its serials, complete long before any worker
 * polls. */
static void test_workers_wake__allocation_and_export_start_without_poll(void **state)
{
    fixture *f = *state;
    px_test_expect(&f->env, "PUT", "/v1/serial-settings", f->mah.key,
                   "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 201, NULL);
    json_t *j = px_test_call(&f->env, "POST", "/v1/products/" GTIN "/allocations", f->mah.key,
                             "{\"count\":10}", 202);
    char path[128], body[128];
    snprintf(path, sizeof(path), "/v1/jobs/%s", px_test_str(j, "job_id"));
    snprintf(body, sizeof(body), "{\"allocation_id\":\"%s\"}", px_test_str(j, "allocation_id"));
    json_decref(j);
    j = until_done(f, path, "status");
    assert_string_equal(px_test_str(j, "status"), "completed");
    json_decref(j);

    j = px_test_call(&f->env, "POST", "/v1/exports", f->mah.key, body, 202);
    snprintf(path, sizeof(path), "/v1/exports/%s", px_test_str(j, "export_id"));
    json_decref(j);
    j = until_done(f, path, "status");
    assert_string_equal(px_test_str(j, "status"), "completed");
    json_decref(j);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
