/* GET /v1/verify/{gtin}/{serial} (docs/api.md "Verification"): no key, one verdict, nothing else.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_test.h"
#include "scan_buffer.h"

static px_test_env env;

static int setup(void **state)
{
    (void)state;
    memset(&env, 0, sizeof(env));
    px_test_db_create(&env);
    px_test_setenv(&env, "PACKID_ALLOW_TEST_CLOCK=1");
    px_test_setenv(&env, "PACKID_TEST_NOW=2026-03-01T10:00:00Z");
    px_test_server_start(&env);
    char org[40], key[64];
    px_test_org_key(&env, "mah", "Verify MAH", "mah", org, key);
    px_test_product(&env, key, "04012345123456", "V", "EU");
    /* Packs in every state, written directly: the lifecycle endpoints are tested elsewhere. */
    assert_int_equal(
        px_sql_exec(&env,
                    "INSERT INTO serial (gtin, serial, state, origin, batch, expiry, reason) "
                    "VALUES ('04012345123456', 'GEN1', 'commissioned', 'external', 'B1', "
                    "'261231', NULL), ('04012345123456', 'REL1', 'released', 'external', 'B1', "
                    "'261200', NULL), ('04012345123456', 'OLD1', 'released', 'external', 'B0', "
                    "'260228', NULL), ('04012345123456', 'STO1', 'decommissioned', 'external', "
                    "'B1', '261231', 'stolen'), ('04012345123456', 'DIS1', 'decommissioned', "
                    "'external', 'B1', '261231', 'dispensed'), ('04012345123456', 'A/B%1', "
                    "'released', 'external', 'L/2%', '261231', NULL), ('04012345123456', 'ALL1', "
                    "'allocated', 'generated', NULL, NULL, NULL)"),
        0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    px_test_teardown(&env);
    return 0;
}

static void expect_verdict(const char *path, const char *verdict)
{
    px_http_resp r;
    px_http(&env, &r, "GET", path, NULL, NULL, NULL);
    if (r.status != 200)
        fail_msg("%s: %ld %s", path, r.status, r.body);
    assert_string_equal(px_test_str(r.json, "verdict"), verdict);
    /* Nothing about the pack beyond the verdict. */
    assert_int_equal(json_object_size(r.json), 1);
    px_http_resp_free(&r);
}

static void test_verify__verdicts(void **state)
{
    (void)state;
    expect_verdict("/v1/verify/04012345123456/GEN1", "genuine");
    expect_verdict("/v1/verify/04012345123456/GEN1?batch=B1&expiry=261231", "genuine");
    expect_verdict("/v1/verify/4012345123456/REL1", "genuine"); /* GTIN-13 form */
    expect_verdict("/v1/verify/04012345123456/REL1?batch=B2", "mismatch");
    expect_verdict("/v1/verify/04012345123456/REL1?expiry=261231", "mismatch");
    expect_verdict("/v1/verify/04012345123456/OLD1", "expired"); /* 2026-02-28 < today */
    expect_verdict("/v1/verify/04012345123456/STO1", "suspect");
    expect_verdict("/v1/verify/04012345123456/DIS1", "decommissioned");
    expect_verdict("/v1/verify/04012345123456/ALL1", "unknown");
    expect_verdict("/v1/verify/04012345123456/NOPE", "unknown");
    expect_verdict("/v1/verify/09506000134352/GEN1", "unknown");
    /* Set 82 has '/' and '%': escaped in the path and query, they are the serial's own
     * characters, never a path separator (DOMAIN.md §2.2, RFC 3986 §2.1). */
    expect_verdict("/v1/verify/04012345123456/A%2FB%251", "genuine");
    expect_verdict("/v1/verify/04012345123456/A%2FB%251?batch=L%2F2%25", "genuine");
    expect_verdict("/v1/verify/04012345123456/A%2FB%251?batch=L%2F2", "mismatch");
    expect_verdict("/v1/verify/04012345123456/A%2FB%2510", "unknown");
}

static void test_verify__bad_input(void **state)
{
    (void)state;
    px_http_resp r;
    px_http(&env, &r, "GET", "/v1/verify/09506000134353/GEN1", NULL, NULL, NULL);
    assert_int_equal(r.status, 422);
    assert_string_equal(px_http_error_code(&r), "validation_error");
    px_http_resp_free(&r);
    px_http(&env, &r, "GET", "/v1/verify/04012345123456/GEN1?expiry=261332", NULL, NULL, NULL);
    assert_int_equal(r.status, 422);
    px_http_resp_free(&r);
    px_http(&env, &r, "GET", "/v1/verify/04012345123456/A%7EB", NULL, NULL, NULL);
    assert_int_equal(r.status, 422);
    px_http_resp_free(&r);
}

typedef struct flush_call {
    px_scan_buffer *b;
    px_db *db;
    px_rc rc;
    px_err err;
    pthread_t th;
} flush_call;

static void *flush_thread(void *vc)
{
    flush_call *c = vc;
    size_t written = 0;
    c->rc = px_scan_buffer_flush(c->b, c->db, &written, &c->err);
    return NULL;
}

/* Nothing is dropped without an error: the scans of a write the database refuses go back into
 * the buffer for the next one; those that find no room there (it filled again while the write
 * ran) are lost and counted (px_scan_buffer_lost, which /metrics reports as
 * packid_scans_lost_total; the loss is also logged at error level). Here: a full buffer's write
 * waits behind a session holding the scan table, one scan arrives meanwhile, then the write is
 * refused: of PX_SCAN_BUFFER_MAX + 1 scans the buffer keeps PX_SCAN_BUFFER_MAX and one is
 * lost. */
static void test_verify__scans_lost_are_counted(void **state)
{
    (void)state;
    flush_call c;
    memset(&c, 0, sizeof(c));
    px_err err;
    assert_int_equal(px_db_connect(&c.db, env.conninfo, &err), PX_OK);
    assert_int_equal(px_scan_buffer_new(&c.b, &err), PX_OK);
    px_scan_rec r;
    memset(&r, 0, sizeof(r));
    snprintf(r.gtin, sizeof(r.gtin), "04012345123456");
    snprintf(r.serial, sizeof(r.serial), "LOST1");
    snprintf(r.client, sizeof(r.client), "0123456789abcdef");
    snprintf(r.verdict, sizeof(r.verdict), "genuine");
    snprintf(r.source, sizeof(r.source), "verify");
    int full = 0;
    for (int i = 0; i < PX_SCAN_BUFFER_MAX; i++) {
        r.at_us = 1772359200000000LL + i; /* 2026-03-01T10:00:00Z on */
        assert_int_equal(px_scan_buffer_push(c.b, &r, &full), 0);
    }
    assert_int_equal(full, 1);
    assert_int_equal(px_scan_buffer_lost(c.b), 0);
    PGconn *held = px_test_hold(&env, "LOCK TABLE scan IN SHARE MODE");
    assert_int_equal(pthread_create(&c.th, NULL, flush_thread, &c), 0);
    /* The write waits on the scan table (or one of its months) behind the held session. */
    long long waiting = 0;
    for (int i = 0; i < 200 && !waiting; i++) {
        waiting = px_count_of(&env, "SELECT count(*) FROM pg_locks l JOIN pg_class k ON k.oid = "
                                    "l.relation WHERE NOT l.granted AND k.relname LIKE 'scan%%'");
        if (!waiting)
            px_sleep_ms(25);
    }
    r.at_us++;
    int pushed = px_scan_buffer_push(c.b, &r, &full); /* the emptied buffer takes it */
    /* The hold ends before any assertion, so a failing one never leaves the write waiting. */
    px_test_hold_end(held,
                     "CREATE FUNCTION px_refuse_scan() RETURNS trigger LANGUAGE plpgsql AS $$ "
                     "BEGIN RAISE EXCEPTION 'injected refusal' USING ERRCODE = 'XX000'; END $$; "
                     "CREATE TRIGGER px_refuse_scan BEFORE INSERT ON scan FOR EACH ROW EXECUTE "
                     "FUNCTION px_refuse_scan()");
    pthread_join(c.th, NULL);
    assert_true(waiting);
    assert_int_equal(pushed, 0);
    assert_int_not_equal(c.rc, PX_OK); /* the refusal, as the worker's pass reports it */
    assert_int_equal(px_scan_buffer_lost(c.b), 1);
    assert_int_equal(px_scan_buffer_count(c.b), PX_SCAN_BUFFER_MAX);
    assert_int_equal(px_count_of(&env, "SELECT count(*) FROM scan WHERE serial = 'LOST1'"), 0);
    px_test_refuse_end(&env, "scan");
    px_scan_buffer_free(c.b);
    px_db_close(c.db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify__verdicts),
        cmocka_unit_test(test_verify__bad_input),
        cmocka_unit_test(test_verify__scans_lost_are_counted),
    };
    return cmocka_run_group_tests_name("verify", tests, setup, teardown);
}
