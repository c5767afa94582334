/* GET /v1/verify/{gtin}/{serial} (docs/api.md "Verification"): no key, one verdict, nothing else.
 */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"
#include "scan_buffer.h"
#include "scan_store.h"

static px_test_env env;

static int setup(void **state)
{
    (void)state;
    memset(&env, 0, sizeof(env));
    px_test_db_create(&env);
    px_test_setenv(&env, "PACKID_ALLOW_TEST_CLOCK=1");
    px_test_setenv(&env, "PACKID_TEST_NOW=2026-03-01T10:00:00Z");
    /* One client asks for everything at once here (the limits are test_resolver's). */
    px_test_setenv(&env, "PACKID_PUBLIC_RATE=100000");
    px_test_setenv(&env, "PACKID_PUBLIC_BURST=100000");
    px_test_setenv(&env, "PACKID_ENUM_LIMIT=100000");
    px_test_setenv(&env, "PACKID_VERIFY_READERS=2"); /* verdicts_read_together */
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

/* Every verdict, and serials of set 82 with '/' and '%': escaped in the path and query, they
 * are the serial's own characters, never a path separator (DOMAIN.md §2.2, RFC 3986 §2.1). */
static const struct {
    const char *path, *verdict;
} verdicts[] = {
    {"/v1/verify/04012345123456/GEN1", "genuine"},
    {"/v1/verify/04012345123456/GEN1?batch=B1&expiry=261231", "genuine"},
    {"/v1/verify/4012345123456/REL1", "genuine"}, /* GTIN-13 form */
    {"/v1/verify/04012345123456/REL1?batch=B2", "mismatch"},
    {"/v1/verify/04012345123456/REL1?expiry=261231", "mismatch"},
    {"/v1/verify/04012345123456/OLD1", "expired"}, /* 2026-02-28 < today */
    {"/v1/verify/04012345123456/STO1", "suspect"},
    {"/v1/verify/04012345123456/DIS1", "decommissioned"},
    {"/v1/verify/04012345123456/ALL1", "unknown"},
    {"/v1/verify/04012345123456/NOPE", "unknown"},
    {"/v1/verify/09506000134352/GEN1", "unknown"},
    {"/v1/verify/04012345123456/A%2FB%251", "genuine"},
    {"/v1/verify/04012345123456/A%2FB%251?batch=L%2F2%25", "genuine"},
    {"/v1/verify/04012345123456/A%2FB%251?batch=L%2F2", "mismatch"},
    {"/v1/verify/04012345123456/A%2FB%2510", "unknown"},
};
#define N_VERDICTS (int)(PX_COUNT(verdicts))

static void test_verify__verdicts(void)
{
    for (int i = 0; i < N_VERDICTS; i++)
        expect_verdict(verdicts[i].path, verdicts[i].verdict);
}

#define ROUNDS 4

static void *verdicts_thread(void *arg)
{
    int i = (int)(intptr_t)arg, wrong = 0;
    for (int k = 0; k < ROUNDS; k++) {
        px_http_resp r;
        px_http(&env, &r, "GET", verdicts[i].path, NULL, NULL, NULL);
        const char *v = r.status == 200 ? px_test_str(r.json, "verdict") : NULL;
        if (!v || strcmp(v, verdicts[i].verdict) != 0 || json_object_size(r.json) != 1) {
            print_error("%s: %ld %s (expected %s)\n", verdicts[i].path, r.status, r.body,
                        verdicts[i].verdict);
            wrong++;
        }
        px_http_resp_free(&r);
    }
    return (void *)(intptr_t)wrong;
}

/* Whether n statements of the verification read (its unnest of the serials: scan_store.c) wait
 * on a lock at once in this database (5 s at most); a request's other reads (not a scan, the
 * transaction of an unknown serial) are not counted. While the queue is short, only the batch's
 * readers run that statement. Known by its start: pg_stat_activity keeps only the first
 * track_activity_query_size bytes (1 KiB) of a statement, and its FROM lies past them. */
static int batch_statements_waiting(int n)
{
    for (int i = 0; i < 200; i++) {
        if (px_count_of(&env, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                              "current_database() AND wait_event_type = 'Lock' AND query LIKE "
                              "'SELECT k.i, p.mah_id, %%'") >= n)
            return 1;
        px_sleep_ms(25);
    }
    return 0;
}

/* The verifications that arrive together are read together (service/verify_batch.c: one
 * statement for every request waiting): each answer is still its own pack's, whatever it
 * was read with, and every verification went through the shared read. */
static void test_verify__verdicts_read_together(void)
{
    long long reads = px_test_metric(&env, "packid_verify_reads_total");
    long long served = px_test_metric(&env, "packid_verify_read_requests_total");
    /* The first statements wait on the product table while the other requests arrive: they
     * wait for the next statements, together. Both readers (PACKID_VERIFY_READERS=2 here)
     * read at once: two sessions wait on the table. */
    PGconn *held = px_test_hold(&env, "LOCK TABLE product IN ACCESS EXCLUSIVE MODE");
    pthread_t th[N_VERDICTS];
    /* The first request alone, until its reader waits: the others then find a reader free
     * (were all queued before either reader ran, one would take them all). */
    assert_int_equal(pthread_create(&th[0], NULL, verdicts_thread, (void *)(intptr_t)0), 0);
    int first = batch_statements_waiting(1);
    for (int i = 1; i < N_VERDICTS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, verdicts_thread, (void *)(intptr_t)i), 0);
    int blocked = first && batch_statements_waiting(2);
    px_sleep_ms(500);
    px_test_hold_end(held, NULL);
    int wrong = 0;
    for (int i = 0; i < N_VERDICTS; i++) {
        void *w;
        pthread_join(th[i], &w);
        wrong += (int)(intptr_t)w;
    }
    assert_int_equal(wrong, 0);
    long long n = px_test_metric(&env, "packid_verify_reads_total") - reads;
    assert_int_equal(px_test_metric(&env, "packid_verify_read_requests_total") - served,
                     N_VERDICTS * ROUNDS);
    print_message("%d verifications in %lld statements\n", N_VERDICTS * ROUNDS, n);
    assert_true(blocked);
    assert_true(n >= 1 && n < N_VERDICTS * ROUNDS); /* at least one statement read several */
}

/* Two reads agree field by field. */
static void assert_same_read(const px_scan_lookup *a, const px_scan_lookup *b)
{
    assert_int_equal(a->pub.product_found, b->pub.product_found);
    assert_string_equal(a->pub.mah_id, b->pub.mah_id);
    assert_string_equal(a->pub.product_name, b->pub.product_name);
    assert_int_equal(a->pub.pack.found, b->pub.pack.found);
    assert_string_equal(a->pub.pack.state, b->pub.pack.state);
    assert_string_equal(a->pub.pack.reason, b->pub.pack.reason);
    assert_string_equal(a->pub.pack.batch, b->pub.pack.batch);
    assert_string_equal(a->pub.pack.expiry, b->pub.pack.expiry);
    assert_int_equal(a->pub.open_alert, b->pub.open_alert);
    assert_int_equal(a->pub.nfields, b->pub.nfields);
    for (int i = 0; i < a->pub.nfields; i++) {
        assert_string_equal(a->pub.fields[i].key, b->pub.fields[i].key);
        assert_string_equal(a->pub.fields[i].value, b->pub.fields[i].value);
    }
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        assert_true(a->rows[i].at_us == b->rows[i].at_us);
        assert_int_equal(a->rows[i].has_pos, b->rows[i].has_pos);
        assert_true(a->rows[i].lat == b->rows[i].lat && a->rows[i].lon == b->rows[i].lon);
        assert_string_equal(a->rows[i].country, b->rows[i].country);
        assert_string_equal(a->rows[i].client, b->rows[i].client);
    }
}

/* The shared read (px_store_scan_lookup_many) gives each serial of a batch what a read of that
 * serial alone gives, and the facts stored: packs in several states, an unknown serial, a
 * GTIN that is nobody's product, an open clone alert, a history (newest first, inside the
 * window only) and the public passport fields only where the wide read asks for them. */
static void test_verify__batch_read_as_one(void)
{
    assert_int_equal(
        px_sql_exec(&env,
                    "INSERT INTO serial (gtin, serial, state, origin, batch, expiry) VALUES "
                    "('04012345123456', 'ALR1', 'released', 'external', 'B1', '261231'), "
                    "('04012345123456', 'HIS1', 'released', 'external', 'B1', '261231'), "
                    "('04012345123456', 'Q,\"1', 'released', 'external', 'B2', '261231'), "
                    "('04012345123456', 'NULL', 'released', 'external', 'B3', '261231'); "
                    "INSERT INTO clone_alert (tenant_id, gtin, serial, kind, rules, opened_at) "
                    "SELECT mah_id, gtin, 'ALR1', 'clone', 'dispersion', now() FROM product "
                    "WHERE gtin = '04012345123456'; "
                    "UPDATE product SET master_data = '{\"strength\": \"5 mg\", \"form\": "
                    "{\"a\": 1}}' WHERE gtin = '04012345123456'; "
                    "INSERT INTO product_passport (gtin, public_fields) VALUES "
                    "('04012345123456', '{strength,form}'); "
                    "INSERT INTO scan (gtin, serial, at, country, lat, lon, client, known, "
                    "verdict, source) VALUES ('04012345123456', 'HIS1', "
                    "'2026-02-27T08:00:00Z', 'DE', 52.5, 13.4, repeat('a', 64), true, "
                    "'genuine', 'verify'), ('04012345123456', 'HIS1', '2026-02-28T09:00:00Z', "
                    "NULL, NULL, NULL, repeat('b', 64), true, 'genuine', 'resolver'), "
                    "('04012345123456', 'HIS1', '2026-01-01T09:00:00Z', 'FR', NULL, NULL, "
                    "repeat('c', 64), true, 'genuine', 'verify')"),
        0);
    static const struct {
        const char *gtin, *serial;
        int wide;
    } in[] = {{"04012345123456", "GEN1", 0},  {"04012345123456", "STO1", 1},
              {"04012345123456", "NOPE", 0},  {"09506000134352", "GEN1", 1},
              {"04012345123456", "HIS1", 1},  {"04012345123456", "ALR1", 0},
              {"04012345123456", "HIS1", 0},  {"04012345123456", "A/B%1", 1},
              {"04012345123456", "Q,\"1", 0}, {"04012345123456", "NULL", 1}};
    enum { N = PX_COUNT(in) };
    px_scan_lookup *many = calloc(N, sizeof(*many)), *one = calloc(1, sizeof(*one));
    assert_non_null(many);
    assert_non_null(one);
    px_scan_lookup *items[N];
    for (int i = 0; i < N; i++) {
        many[i] = (px_scan_lookup){.gtin = in[i].gtin, .serial = in[i].serial, .wide = in[i].wide};
        items[i] = &many[i];
    }
    px_db *db;
    px_err err;
    assert_int_equal(px_db_connect(&db, env.conninfo, &err), PX_OK);
    /* The window: 30 days back from just before the test clock's 2026-03-01T10:00:00Z (the
     * earlier tests' scans, at the clock, may be written between two reads). */
    int64_t until = 1772359200000000LL - 1, since = until - 30LL * 86400 * 1000000;
    assert_int_equal(px_store_scan_lookup_many(db, items, N, since, until, &err), PX_OK);
    for (int i = 0; i < N; i++) {
        *one = (px_scan_lookup){.gtin = in[i].gtin, .serial = in[i].serial, .wide = in[i].wide};
        px_scan_lookup *alone = one;
        assert_int_equal(px_store_scan_lookup_many(db, &alone, 1, since, until, &err), PX_OK);
        assert_same_read(&many[i], one);
    }
    px_db_close(db);
    assert_string_equal(many[0].pub.pack.state, "commissioned");
    assert_string_equal(many[0].pub.product_name, ""); /* the verdict's read */
    assert_int_equal(many[0].pub.nfields, 0);
    assert_string_equal(many[1].pub.pack.reason, "stolen");
    assert_string_equal(many[1].pub.product_name, "V");
    assert_int_equal(many[1].pub.nfields, 1); /* an object is never shown */
    assert_string_equal(many[1].pub.fields[0].key, "strength");
    assert_string_equal(many[1].pub.fields[0].value, "5 mg");
    assert_true(many[2].pub.product_found && !many[2].pub.pack.found);
    assert_false(many[3].pub.product_found);
    assert_int_equal(many[4].n, 2); /* January's scan is outside the window */
    assert_string_equal(many[4].rows[0].country, "");
    assert_true(many[4].rows[0].at_us > many[4].rows[1].at_us);
    assert_string_equal(many[4].rows[1].country, "DE");
    assert_true(many[4].rows[1].has_pos && many[4].rows[1].lat == 52.5);
    assert_string_equal(many[4].rows[1].client, "aaaaaaaaaaaaaaaa");
    assert_int_equal(many[6].n, 2);
    assert_int_equal(many[6].pub.nfields, 0);
    assert_true(many[5].pub.open_alert && !many[4].pub.open_alert);
    assert_string_equal(many[7].pub.pack.batch, "L/2%");
    assert_string_equal(many[8].pub.pack.batch, "B2"); /* array quoting: '"' and ',' */
    assert_string_equal(many[9].pub.pack.batch, "B3"); /* a serial "NULL" is no NULL */
    free(many);
    free(one);
}

static void test_verify__bad_input(void)
{
    px_http_resp r;
    /* 422, with code when it is not NULL. */
    static const struct {
        const char *path, *code;
    } bad[] = {
        {"/v1/verify/09506000134353/GEN1", "validation_error"},
        {"/v1/verify/04012345123456/GEN1?expiry=261332", NULL},
        {"/v1/verify/04012345123456/A%7EB", NULL},
    };
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        px_http(&env, &r, "GET", bad[i].path, NULL, NULL, NULL);
        assert_int_equal(r.status, 422);
        if (bad[i].code)
            assert_string_equal(px_http_error_code(&r), bad[i].code);
        px_http_resp_free(&r);
    }
    /* A serial past any path value's bound (255 bytes) is a bad serial, not a missing route. */
    char path[600] = "/v1/verify/04012345123456/";
    memset(path + strlen(path), 'A', 256);
    const char *const origin[] = {"Origin: https://pharmacy.example", NULL};
    px_http(&env, &r, "GET", path, NULL, NULL, origin);
    assert_int_equal(r.status, 422);
    assert_string_equal(px_http_error_code(&r), "validation_error");
    px_expect_detail(r.json, 0, -1, "invalid_length", "serial");
    /* a public route's answer, readable by the page that asked (CORS) */
    char got[64];
    px_http_header(&r, "Access-Control-Allow-Origin", got, sizeof(got));
    assert_string_equal(got, "*");
    px_http_resp_free(&r);
    px_http(&env, &r, "GET", "/v1/nothing-here/x", NULL, NULL, NULL);
    assert_int_equal(r.status, 404);
    px_http_resp_free(&r);
}

/* A shared read that fails answers each of its requests with the API's error (as a read of its
 * own would) and is logged at error level; the next read works again. */
static void test_verify__failed_read_answers_an_error(void)
{
    assert_int_equal(px_sql_exec(&env, "ALTER TABLE clone_alert RENAME TO clone_alert_away"), 0);
    px_http_resp r;
    px_http(&env, &r, "GET", "/v1/verify/04012345123456/GEN1", NULL, NULL, NULL);
    long status = r.status;
    const char *code = px_http_error_code(&r);
    int has_code = code && *code;
    px_http_resp_free(&r);
    assert_int_equal(px_sql_exec(&env, "ALTER TABLE clone_alert_away RENAME TO clone_alert"), 0);
    assert_true(status >= 500);
    assert_true(has_code);
    assert_true(px_test_log_has(&env, "verification read of", "failed"));
    expect_verdict("/v1/verify/04012345123456/GEN1", "genuine");
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
static void test_verify__scans_lost_are_counted(void)
{
    flush_call c = {0};
    px_err err;
    assert_int_equal(px_db_connect(&c.db, env.conninfo, &err), PX_OK);
    assert_int_equal(px_scan_buffer_new(&c.b, &err), PX_OK);
    px_scan_rec r = {0};
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
    int waiting = px_test_wait_table_lock_waiter(&env, "scan%");
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
    px_expect_count(&env, 0, "SELECT count(*) FROM scan WHERE serial = 'LOST1'");
    px_test_refuse_end(&env, "scan");
    px_scan_buffer_free(c.b);
    px_db_close(c.db);
}

static void *verify_once(void *arg)
{
    px_http_resp *r = arg;
    px_http(&env, r, "GET", "/v1/verify/04012345123456/GEN1", NULL, NULL, NULL);
    return NULL;
}

static void *stop_server(void *arg)
{
    *(int *)arg = px_test_server_stop(&env);
    return NULL;
}

/* A stop with a verification parked (its read waiting on a held table) answers it and ends
 * cleanly: libmicrohttpd cannot stop with a connection suspended, so the batch first reads
 * and wakes every request it holds (verify_batch.h), and the stop waits for their answers.
 * Runs last: it stops the server. */
static void test_verify__stop_with_a_request_parked(void)
{
    PGconn *held = px_test_hold(&env, "LOCK TABLE product IN ACCESS EXCLUSIVE MODE");
    px_http_resp r = {0};
    pthread_t req, stop;
    assert_int_equal(pthread_create(&req, NULL, verify_once, &r), 0);
    int parked = px_test_wait_table_lock_waiter(&env, "product"), status = -1;
    pid_t pid = env.server_pid;
    assert_int_equal(pthread_create(&stop, NULL, stop_server, &status), 0);
    px_sleep_ms(300); /* the stop waits for the batch's read */
    px_test_hold_end(held, NULL);
    /* A server that does not stop within 20 s is killed (status 128 + 9): the test fails
     * rather than hangs. */
    int joined = 0;
    for (int i = 0; i < 200 && !joined; i++) {
        joined = pthread_tryjoin_np(stop, NULL) == 0;
        if (!joined)
            px_sleep_ms(100);
    }
    if (!joined) {
        kill(pid, SIGKILL);
        pthread_join(stop, NULL);
    }
    pthread_join(req, NULL);
    long answered = r.status;
    px_http_resp_free(&r);
    assert_true(parked);
    assert_int_equal(answered, 200);
    assert_int_equal(status, 0);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
