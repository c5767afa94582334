/* Pack lifecycle over real HTTP and a real PostgreSQL: commissioning
 * (allocated, external, duplicate_serial, batch_expiry_mismatch, partial, idempotent replay,
 * two CMOs racing), release (MAH only), visibility, decommission, Art. 13 reactivation with
 * the injected clock, batch recall, and the event + audit rows of each accepted change.
 * Every refused request proves that nothing changed (row counts before and after). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "px_array.h"
#include "px_test.h"
#include "px_test_commission.h"

#define T0 "2026-03-01T10:00:00Z"
#define GTIN "09506001000014"    /* the MAH's EU product, partnered to both CMOs */
#define GTIN_US "00312345000011" /* the MAH's US product (sequential serials) */

typedef struct {
    px_test_env env;
    px_test_party mah, mah2;
    char auditor_key[64], regulator_key[64];
    px_test_party cmo, cmo2;
} fixture;

static void set_now(fixture *f, const char *rfc3339)
{
    char v[128];
    snprintf(v, sizeof(v), "PACKID_TEST_NOW=%s", rfc3339);
    px_test_setenv(&f->env, v);
}

static void restart_at(fixture *f, const char *now);

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_ALLOW_TEST_CLOCK=1");
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1:9");
    set_now(f, T0);
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Lifecycle MAH", "mah", f->mah.org, f->mah.key);
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", f->mah2.org, f->mah2.key);
    char reg_org[40];
    px_test_regulator(&f->env, "Regulator", "DE", reg_org, f->regulator_key);
    px_test_key(&f->env, f->mah.org, "auditor", f->auditor_key);
    px_test_product(&f->env, f->mah.key, GTIN, "Amoxil 500 mg", "EU");
    px_test_product(&f->env, f->mah.key, GTIN_US, "US pack", "US");
    json_decref(px_test_partner(&f->env, f->mah.key, "CMO one", "[\"" GTIN "\",\"" GTIN_US "\"]",
                                f->cmo.org, f->cmo.key));
    json_decref(px_test_partner(&f->env, f->mah.key, "CMO two", "[\"" GTIN "\"]", f->cmo2.org,
                                f->cmo2.key));
    /* Everything a market's report needs, so releases are reportable (the preconditions
     * themselves are test_report_preconditions'). */
    px_test_org_gln(&f->env, f->mah.org, "9506000000008");
    px_test_org_gln(&f->env, f->cmo.org, "9506000000015");
    px_test_org_gln(&f->env, f->cmo2.org, "9506000000022");
    px_test_product_master(&f->env, GTIN);
    px_test_product_master(&f->env, GTIN_US);
    px_test_idle_endpoint(&f->env, f->mah.key, "EU");
    px_test_idle_endpoint(&f->env, f->mah.key, "US");
    *state = f;
    return 0;
}

/* Row counts of everything a lifecycle request may change. */
static const char *const lifecycle_rows[] = {"serial",
                                             "serial WHERE state = 'commissioned'",
                                             "serial WHERE state = 'released'",
                                             "serial WHERE state = 'decommissioned'",
                                             "commission",
                                             "market_release",
                                             "pack_op",
                                             "epcis_event",
                                             "report",
                                             "audit_log",
                                             "batch",
                                             "idempotency",
                                             "SELECT coalesce(sum(issued_count), 0) FROM product",
                                             NULL};

/* A commission by the CMO sent with headers (an Idempotency-Key), refused with status and code
 * and nothing of lifecycle_rows changed: the answer (the caller json_decref()s). The
 * idempotency tests send many such, each its own body. */
static json_t *keyed_commission_refused(fixture *f, const char *const *headers, const char *gtin,
                                        const char *batch, const char *expiry,
                                        const char *serials_json, long status, const char *code)
{
    char *b = px_test_commission_body(gtin, batch, expiry, serials_json, 0);
    json_t *e = px_test_refused_answer(&f->env, lifecycle_rows, "POST", "/v1/commissions",
                                       f->cmo.key, b, headers, status, code);
    free(b);
    return e;
}

/* A replay: commission body b sent again as key (NULL: headers carry the Authorization) with
 * headers (its Idempotency-Key) is answered 200 with first's body byte for byte, and nothing of
 * lifecycle_rows changes. what names the replay in a failure. */
static void replayed(fixture *f, const char *key, const char *b, const char *const *headers,
                     const px_http_resp *first, const char *what)
{
    px_test_rows rows;
    px_test_rows_begin(&rows, &f->env, lifecycle_rows);
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/v1/commissions", key, b, headers);
    if (r.status != 200 || strcmp(first->body, r.body) != 0)
        fail_msg("%s: %ld %s, want 200 %s", what, r.status, r.body, first->body);
    px_test_rows_same(&rows, what);
    px_http_resp_free(&r);
}

/* Inserts allocated serials for org straight into the pool (the allocation API is tested on
 * its own; this keeps the serials known). */
static void allocate_sql(fixture *f, const char *gtin, const char *org, const char *prefix,
                         int from, int n)
{
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, origin, allocated_to) "
            "SELECT '%s', '%s' || lpad(g::text, 6, '0'), 'allocated', 'generated', '%s' "
            "FROM generate_series(%d, %d) g",
            gtin, prefix, org, from, from + n - 1);
}

/* ---- commissioning ------------------------------------------------------------------- */

static void test_lifecycle__commission_allocated_and_external(void **state)
{
    fixture *f = *state;
    allocate_sql(f, GTIN, f->cmo.org, "A", 0, 2);
    json_t *j = px_test_commission_answer(&f->env, f->cmo.key, GTIN, "B-ALLOC", "491231",
                                          "[\"A000000\",\"EXT-1\",\"A000001\",\"EXT-2\"]", 0);
    assert_true(json_is_true(json_object_get(j, "success")));
    assert_string_equal(px_test_str(j, "message"), "Serials commissioned");
    json_t *data = json_object_get(j, "data");
    assert_int_equal(json_array_size(data), 4);
    assert_string_equal(px_test_str(json_array_get(data, 1), "serial_number"), "EXT-1");
    assert_string_equal(px_test_str(json_array_get(data, 1), "status"), "commissioned");
    assert_int_equal(px_test_int(j, "allocated"), 2);
    assert_int_equal(px_test_int(j, "external"), 2);
    const char *cid = json_string_value(json_object_get(j, "commission_id"));
    const char *eid = json_string_value(json_object_get(j, "event_id"));
    assert_non_null(cid);
    assert_non_null(eid);
    px_expect_count(&f->env, 4,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN "' AND state = "
                    "'commissioned' AND commission_id = '%s' AND batch = 'B-ALLOC' AND "
                    "expiry = '491231' AND commissioned_by = '%s'",
                    cid, f->cmo.org);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN "' AND serial IN "
                    "('EXT-1', 'EXT-2') AND origin = 'external' AND allocated_to IS NULL");
    /* One EPCIS commissioning event with everything the writer needs, and one audit entry. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE id = '%s' AND commission_id "
                    "= '%s' AND op = 'commission' AND type = 'ObjectEvent' AND action = "
                    "'ADD' AND biz_step = 'commissioning' AND disposition = 'active' AND "
                    "lot = 'B-ALLOC' AND expiry = '491231' AND epc_count = 4 AND gcp_len "
                    "= 7 AND serial_set = 'commission' AND tz_offset_min = 0 AND "
                    "event_time = '" T0 "' AND event_hash LIKE 'ni:///sha-256;%%?ver=CBV2.0' "
                    "AND tenant_id = '%s' AND org_id = '%s'",
                    eid, cid, f->mah.org, f->cmo.org);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = 'commission.create' "
                    "AND subject = '%s' AND tenant_id = '%s'",
                    cid, f->mah.org);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM commission WHERE id = '%s' AND count = 4 AND "
                    "allocated = 2 AND external = 2",
                    cid);
    /* The external serials entered the pool's count (the 10,000x rule counts them). */
    px_expect_count(&f->env, 2, "SELECT issued_count FROM product WHERE gtin = '" GTIN "'");
    json_decref(j);
    /* GET the pack: state, origin, who, history. */
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/EXT-1", f->cmo.key, NULL, 200);
    assert_string_equal(px_test_str(j, "state"), "commissioned");
    assert_string_equal(px_test_str(j, "origin"), "external");
    assert_string_equal(px_test_str(j, "commissioned_by"), f->cmo.org);
    assert_int_equal(json_array_size(json_object_get(j, "events")), 1);
    assert_string_equal(px_test_str(json_array_get(json_object_get(j, "events"), 0), "biz_step"),
                        "commissioning");
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/A000000", f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "origin"), "generated");
    assert_string_equal(px_test_str(j, "allocated_to"), f->cmo.org);
    json_decref(j);
}

/* A new serial, one commissioned already, one allocated to another CMO. */
#define DUP_SERIALS "[\"DUP-NEW\",\"DUP-1\",\"OTHER000000\"]"

static void test_lifecycle__commission_duplicate_serial_all_or_nothing(void **state)
{
    fixture *f = *state;
    allocate_sql(f, GTIN, f->cmo2.org, "OTHER", 0, 1); /* another CMO's serial */
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-DUP", "491231", "[\"DUP-1\"]");
    /* index 0 good, 1 already commissioned, 2 allocated to another organization */
    json_t *e =
        px_test_commission_refused_answer(&f->env, lifecycle_rows, f->cmo.key, GTIN, "B-DUP",
                                          "491231", DUP_SERIALS, 0, 409, "duplicate_serial");
    assert_int_equal(json_array_size(px_test_details(e)), 2);
    px_expect_detail(e, 0, 1, "duplicate_serial", NULL);
    px_expect_detail(e, 1, 2, "duplicate_serial", NULL);
    json_decref(e);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM serial WHERE serial = 'DUP-NEW'");
    /* The same serials with partial: the good one is commissioned, the others come back
     * rejected with their code. */
    json_t *j =
        px_test_commission_answer(&f->env, f->cmo.key, GTIN, "B-DUP", "491231", DUP_SERIALS, 1);
    json_t *data = json_object_get(j, "data");
    assert_string_equal(px_test_str(json_array_get(data, 0), "status"), "commissioned");
    assert_string_equal(px_test_str(json_array_get(data, 1), "status"), "rejected");
    assert_string_equal(px_test_str(json_array_get(data, 2), "code"), "duplicate_serial");
    assert_int_equal(px_test_int(j, "rejected"), 2);
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'DUP-NEW' AND state = "
                    "'commissioned'");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'OTHER000000' AND "
                    "state = 'allocated'");
}

/* with partial false, a request whose serials break both the syntax rules and
 * the pool's (duplicate_serial) lists every bad item of both kinds in details (docs/api.md
 * "Commissioning": "one bad item -> 422 (or 409) with every bad item in details"); the status
 * is 422 because validation errors exist; nothing is stored. */
static void test_lifecycle__commission_all_or_nothing_lists_invalid_and_duplicate(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-MIX", "491231", "[\"MIX-TAKEN\"]");
    /* 0 duplicate, 1 bad character, 2 good, 3 repeated in the request */
    json_t *e = px_test_commission_refused_answer(
        &f->env, lifecycle_rows, f->cmo.key, GTIN, "B-MIX", "491231",
        "[\"MIX-TAKEN\",\"MIX~BAD\",\"MIX-NEW\",\"MIX-NEW\"]", 0, 422, "validation_error");
    assert_int_equal(json_array_size(px_test_details(e)), 3);
    px_expect_detail(e, 0, 0, "duplicate_serial", "serials[0]");
    px_expect_detail(e, 1, 1, "invalid_character", "serials[1]");
    px_expect_detail(e, 2, 3, "duplicate_serial_in_request", "serials[3]");
    json_decref(e);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM serial WHERE serial = 'MIX-NEW'");
    /* Only syntax errors: unchanged, 422 with those. */
    px_test_commission_refused(&f->env, lifecycle_rows, f->cmo.key, GTIN, "B-MIX", "491231",
                               "[\"MIX~BAD\",\"MIX-NEW\"]", 0, 422, "validation_error");
}

static void test_lifecycle__commission_partial_with_invalid_items(void **state)
{
    fixture *f = *state;
    json_t *j = px_test_commission_answer(&f->env, f->cmo.key, GTIN, "B-PART", "491231",
                                          "[\"P-OK\",\"P~BAD\",\"P-OK\"]", 1);
    json_t *data = json_object_get(j, "data");
    assert_string_equal(px_test_str(json_array_get(data, 1), "code"), "invalid_character");
    assert_string_equal(px_test_str(json_array_get(data, 2), "code"),
                        "duplicate_serial_in_request");
    assert_int_equal(px_test_int(j, "commissioned"), 1);
    json_decref(j);
}

/* A partial commission finds its refused items by the primary key, whatever its size: the
 * planner, which has no statistics for the commission's new id, probed the index
 * serial_commission instead and walked every row the commission had written for each candidate,
 * so 50,000 serials with one refused ran for eight minutes while holding their rows (an allocation
 * job of the GTIN waited for them, the second job's lock wait timed out). */
static void test_lifecycle__partial_rejects_found_by_key(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-PK", "491231", "[\"PK-TAKEN\"]");
    /* A table of some size, as a GTIN's is in use (the primary key grows with it, the
     * commission index only with commissioned packs), and its statistics read. */
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, origin) SELECT '%s', 'FILL' || i, "
            "'commissioned', 'external' FROM generate_series(1, 500000) i",
            GTIN);
    px_sqlf(&f->env, "ANALYZE serial");
    size_t n = 20000, cap = n * 12 + 64, len = 0;
    char *list = malloc(cap);
    assert_non_null(list);
    len += (size_t)snprintf(list, cap, "[\"PK-TAKEN\"");
    for (size_t i = 1; i < n; i++)
        len += (size_t)snprintf(list + len, cap - len, ",\"PK%06zu\"", i);
    snprintf(list + len, cap - len, "]");
    char *b = px_test_commission_body(GTIN, "B-PK", "491231", list, 1);
    free(list);
    /* Not timed (tests assert no times): 33.9 s here with the index walk, a few seconds by the
     * key; what is asserted is the outcome at this size. */
    json_t *j = px_test_call(&f->env, "POST", "/v1/commissions", f->cmo.key, b, 200);
    free(b);
    assert_int_equal(px_test_int(j, "rejected"), 1);
    assert_int_equal(px_test_int(j, "commissioned"), (long long)n - 1);
    assert_string_equal(px_test_str(json_array_get(json_object_get(j, "data"), 0), "code"),
                        "duplicate_serial");
    json_decref(j);
}

static void test_lifecycle__commission_batch_expiry_mismatch(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-EXP", "491231", "[\"E-1\"]");
    px_test_commission_refused(&f->env, lifecycle_rows, f->cmo.key, GTIN, "B-EXP", "271130",
                               "[\"E-2\"]", 0, 409, "batch_expiry_mismatch");
    /* The same expiry is fine. */
    px_test_commission(&f->env, f->cmo2.key, GTIN, "B-EXP", "491231", "[\"E-2\"]");
}

static void test_lifecycle__commission_idempotent_replay(void **state)
{
    fixture *f = *state;
    char *b = px_test_commission_body(GTIN, "B-IDEM", "491231", "[\"I-1\",\"I-2\"]", 0);
    const char *h[] = {"Idempotency-Key: order-4711", NULL};
    px_http_resp r1;
    px_http(&f->env, &r1, "POST", "/v1/commissions", f->cmo.key, b, h);
    assert_int_equal(r1.status, 200);
    replayed(f, f->cmo.key, b, h, &r1, "the request");
    /* Whitespace after a header's value is no part of it (RFC 9110 §5.5): the same key, the
     * same key by a caller whose Authorization ends in spaces. */
    char auth[128];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s  \t", f->cmo.key);
    const char *padded[] = {"Idempotency-Key: order-4711   ", auth, NULL};
    replayed(f, NULL, b, padded, &r1, "the request with its header values padded");
    px_http_resp_free(&r1);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM commission WHERE batch = 'B-IDEM'");
    free(b);
    /* Same key, another body: 409 idempotency_conflict, nothing changed. */
    json_decref(keyed_commission_refused(f, h, GTIN, "B-IDEM", "491231", "[\"I-3\"]", 409,
                                         "idempotency_conflict"));
    /* Keys are per organization: CMO two may use the same key for its own request. */
    b = px_test_commission_body(GTIN, "B-IDEM", "491231", "[\"I-3\"]", 0);
    px_http(&f->env, &r1, "POST", "/v1/commissions", f->cmo2.key, b, h);
    assert_int_equal(r1.status, 200);
    px_http_resp_free(&r1);
    free(b);
}

/* the key is looked up before the field rules. A replay of an accepted
 * request answers the stored response even when its expiry has passed since; the same key
 * with another body that is also invalid is 409 idempotency_conflict, not 422. */
static void test_lifecycle__idempotency_before_validation(void **state)
{
    fixture *f = *state;
    /* Expiry 10 March 2026, commissioned on 1 March. */
    char *b = px_test_commission_body(GTIN, "B-IDEM2", "260310", "[\"I2-1\",\"I2-2\"]", 0);
    const char *h[] = {"Idempotency-Key: order-expiring", NULL};
    px_http_resp r1;
    px_http(&f->env, &r1, "POST", "/v1/commissions", f->cmo.key, b, h);
    assert_int_equal(r1.status, 200);
    /* Twenty days later the expiry is past: the replay is still the first response. */
    restart_at(f, "2026-03-21T10:00:00Z");
    replayed(f, f->cmo.key, b, h, &r1, "the replay after expiry");
    px_http_resp_free(&r1);
    free(b);
    /* Without the key the same body is now refused: the expiry is past. */
    px_test_commission_refused(&f->env, lifecycle_rows, f->cmo.key, GTIN, "B-IDEM2", "260310",
                               "[\"I2-3\"]", 0, 422, "validation_error");
    restart_at(f, T0);
    /* Same key, another body that breaks the field rules (a bad serial, a bad GTIN): the key
     * decides first. */
    json_decref(keyed_commission_refused(f, h, GTIN, "B-IDEM2", "260310", "[\"I2~BAD\"]", 409,
                                         "idempotency_conflict"));
    json_decref(keyed_commission_refused(f, h, "12345", "B-IDEM2", "260310", "[\"I2-1\"]", 409,
                                         "idempotency_conflict"));
    /* A key never used with an invalid body: the field rules answer (422). */
    const char *h2[] = {"Idempotency-Key: never-used", NULL};
    json_decref(
        keyed_commission_refused(f, h2, GTIN, "B-IDEM2", "260310", "[\"I2~BAD\"]", 422, NULL));
    /* A key with a byte above 0x7f (not UTF-8) is refused in its field, nothing stored. */
    const char *h3[] = {"Idempotency-Key: order-\xff", NULL};
    json_t *e = keyed_commission_refused(f, h3, GTIN, "B-IDEM3", "260310", "[\"I3\"]", 422, NULL);
    char *dump = json_dumps(e, JSON_COMPACT);
    assert_non_null(strstr(dump, "\"field\":\"Idempotency-Key\""));
    free(dump);
    json_decref(e);
}

/* Only POST /v1/commissions keeps its answers by Idempotency-Key: another /v1/ route refuses
 * the header (400 bad_request on it, nothing changed) rather than let a client believe its
 * retry would be recognised; the same request without it is served. */
static void test_lifecycle__idempotency_key_elsewhere_refused(void **state)
{
    fixture *f = *state;
    static const char *const rows[] = {"allocation", "job", "serial", "audit_log", NULL};
    const char *h[] = {"Idempotency-Key: alloc-1", NULL};
    px_test_refused(&f->env, rows, "POST", "/v1/products/" GTIN "/allocations", f->mah.key,
                    "{\"count\":10}", h, 400, "bad_request");
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/products", f->mah.key, NULL, h);
    if (r.status != 400 || !strstr(r.body, "\"field\":\"Idempotency-Key\""))
        fail_msg("GET with the key: %ld %s", r.status, r.body);
    px_http_resp_free(&r);
    json_decref(px_test_call(&f->env, "GET", "/v1/products", f->mah.key, NULL, 200));
}

/* REQ-POOL: an external serial, once known, is never issued by a later allocation. */
static void test_lifecycle__external_then_allocation_never_reissues(void **state)
{
    fixture *f = *state;
    json_decref(px_test_call(&f->env, "PUT", "/v1/products/" GTIN_US "/serial-settings", f->mah.key,
                             "{\"strategy\":\"SEQUENTIAL_NUMERIC\",\"length\":6}", 201));
    /* Sequential serials start at 000000: commission the first five as external serials. */
    json_t *j =
        px_test_commission_answer(&f->env, f->cmo.key, GTIN_US, "B-US", "491231",
                                  "[\"000000\",\"000001\",\"000002\",\"000003\",\"000004\"]", 0);
    assert_int_equal(px_test_int(j, "external"), 5);
    json_decref(j);
    j = px_test_call(&f->env, "POST", "/v1/products/" GTIN_US "/allocations", f->cmo.key,
                     "{\"count\":10}", 202);
    char job[64], alloc[64], path[160];
    snprintf(job, sizeof(job), "%s", json_string_value(json_object_get(j, "job_id")));
    snprintf(alloc, sizeof(alloc), "%s", json_string_value(json_object_get(j, "allocation_id")));
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    for (int i = 0; i < 200; i++) {
        j = px_test_call(&f->env, "GET", path, f->cmo.key, NULL, 200);
        int done = strcmp(json_string_value(json_object_get(j, "status")), "completed") == 0;
        json_decref(j);
        if (done)
            break;
        usleep(50000);
    }
    px_expect_count(&f->env, 10, "SELECT count(*) FROM serial WHERE allocation_id = '%s'", alloc);
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM serial WHERE allocation_id = '%s' AND serial "
                    "IN ('000000', '000001', '000002', '000003', '000004')",
                    alloc);
    px_expect_count(&f->env, 15, "SELECT count(*) FROM serial WHERE gtin = '" GTIN_US "'");
    px_expect_count(&f->env, 5,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN_US "' AND "
                    "origin = 'external' AND state = 'commissioned'");
}

/* The event hash is computed ahead (on another thread, from the candidates) when every serial
 * is taken, and inline otherwise: both must give the same ID for the same event. */
static void test_lifecycle__event_hash_ahead_equals_inline(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-HASH", "491231", "[\"H-0\"]");
    json_t *j = px_test_commission_answer(&f->env, f->cmo.key, GTIN, "B-HASH", "491231",
                                          "[\"H-1\",\"H-2\"]", 0);
    char h1[128];
    snprintf(h1, sizeof(h1), "%s", json_string_value(json_object_get(j, "event_hash")));
    json_decref(j);
    assert_int_equal(px_sql_exec(&f->env, "DELETE FROM serial WHERE serial IN ('H-1', 'H-2')"), 0);
    /* Same clock (pinned), same batch, same EPCs — but one rejection on the way. */
    j = px_test_commission_answer(&f->env, f->cmo.key, GTIN, "B-HASH", "491231",
                                  "[\"H-1\",\"H-0\",\"H-2\"]", 1);
    assert_int_equal(px_test_int(j, "rejected"), 1);
    assert_string_equal(px_test_str(j, "event_hash"), h1);
    json_decref(j);
}

/* ---- two CMOs at the same moment ---------------------------------------------------- */

static char *serial_range(const char *prefix, int from, int n)
{
    size_t cap = (size_t)n * 24 + 4, off = 0;
    char *s = malloc(cap);
    s[off++] = '[';
    for (int i = 0; i < n; i++)
        off += (size_t)snprintf(s + off, cap - off, "%s\"%s%05d\"", i ? "," : "", prefix, from + i);
    s[off++] = ']';
    s[off] = '\0';
    return s;
}

static void test_lifecycle__two_cmos_race_overlapping_serials(void **state)
{
    fixture *f = *state;
    for (int round = 0; round < 5; round++) {
        char prefix[16], batch[16];
        snprintf(prefix, sizeof(prefix), "R%d-", round);
        snprintf(batch, sizeof(batch), "RACE%d", round);
        /* CMO one: 0..599, CMO two: 300..899 — 300 serials overlap. */
        char *s1 = serial_range(prefix, 0, 600), *s2 = serial_range(prefix, 300, 600);
        char *body_a = px_test_commission_body(GTIN, batch, "491231", s1, 0);
        char *body_b = px_test_commission_body(GTIN, batch, "491231", s2, 0);
        px_test_race_req a = {"POST", "/v1/commissions", f->cmo.key, body_a, 0, "", "", NULL, ""};
        px_test_race_req b = {"POST", "/v1/commissions", f->cmo2.key, body_b, 0, "", "", NULL, ""};
        px_test_race2(&f->env, &a, &b);
        /* Exactly one wins; the loser gets duplicate_serial and stores nothing. */
        px_test_race_req *loser = px_test_race_loser(&a, &b, 200, round);
        assert_int_equal(loser->status, 409);
        assert_string_equal(loser->code, "duplicate_serial");
        px_expect_count(&f->env, 600, "SELECT count(*) FROM serial WHERE serial LIKE '%s%%'",
                        prefix);
        px_expect_count(&f->env, 1,
                        "SELECT count(DISTINCT commissioned_by) FROM serial WHERE serial "
                        "LIKE '%s%%'",
                        prefix);
        px_expect_count(&f->env, 1, "SELECT count(*) FROM commission WHERE batch = '%s'", batch);
        px_expect_count(&f->env, 1,
                        "SELECT count(*) FROM epcis_event e JOIN commission c ON "
                        "c.id = e.commission_id WHERE c.batch = '%s'",
                        batch);
        free(body_a);
        free(body_b);
        free(s1);
        free(s2);
    }
}

/* ---- release, visibility ---------------------------------------------------------------- */

/* A release of a whole batch holds to the count the caller confirmed (expected_count, the dry
 * run's would_release): a pack commissioned in between makes it 409 count_changed, with
 * nothing released, in the dry run as in the release; the right count releases. */
static void test_lifecycle__release_expected_count(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-CNT", "491231", "[\"CNT-1\",\"CNT-2\"]");
    json_t *d = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CNT\",\"market\":\"EU\","
                             "\"dry_run\":true}",
                             200);
    assert_int_equal(px_test_int(d, "would_release"), 2);
    json_decref(d);
    /* A third pack is commissioned after the count was confirmed. */
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-CNT", "491231", "[\"CNT-3\"]");
    static const char *const stale[] = {
        "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CNT\",\"market\":\"EU\",\"expected_count\":2}",
        "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CNT\",\"market\":\"EU\",\"expected_count\":2,"
        "\"dry_run\":true}"};
    for (size_t i = 0; i < PX_COUNT(stale); i++)
        px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/releases", f->mah.key, stale[i], NULL,
                        409, "count_changed");
    px_test_expect_field(&f->env, "POST", "/v1/releases", f->mah.key,
                         "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CNT\",\"market\":\"EU\","
                         "\"expected_count\":0}",
                         "expected_count", NULL);
    px_test_expect_field(&f->env, "POST", "/v1/releases", f->mah.key,
                         "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CNT\",\"market\":\"EU\","
                         "\"serials\":[\"CNT-1\"],\"expected_count\":1}",
                         "expected_count", "invalid_value");
    /* The count that holds: the dry run answers as without it. */
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CNT\",\"market\":\"EU\","
                             "\"expected_count\":3,\"dry_run\":true}",
                             200));
    json_t *r = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CNT\",\"market\":\"EU\","
                             "\"expected_count\":3}",
                             201);
    assert_int_equal(px_test_int(r, "released"), 3);
    json_decref(r);
}

/* A batch past its expiry is not released (DOMAIN.md "Decommissioning & statuses": Expired is a
 * batch-level status; Art. 13(1)(c)): 422 expiry_in_past on batch, a dry run too, nothing
 * changed. The batch expired while its packs waited (its expiry set back by SQL: a commission
 * takes no expiry already past); on its expiry day it is still released. */
static void test_lifecycle__expired_batch_not_released(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-PAST", "491231", "[\"EXP-1\"]");
    assert_int_equal(px_sql_exec(&f->env, "UPDATE batch SET expiry = '260228' WHERE batch = "
                                          "'B-PAST'"),
                     0);
    static const char *const body[] = {
        "{\"gtin\":\"" GTIN "\",\"batch\":\"B-PAST\",\"market\":\"EU\"}",
        "{\"gtin\":\"" GTIN "\",\"batch\":\"B-PAST\",\"market\":\"EU\",\"dry_run\":true}",
        "{\"gtin\":\"" GTIN "\",\"batch\":\"B-PAST\",\"market\":\"EU\",\"serials\":[\"EXP-1\"]}",
    };
    for (size_t i = 0; i < PX_COUNT(body); i++) {
        json_t *j = px_test_refused_answer(&f->env, lifecycle_rows, "POST", "/v1/releases",
                                           f->mah.key, body[i], NULL, 422, "validation_error");
        px_expect_detail(j, 0, -1, "expiry_in_past", "batch");
        assert_non_null(strstr(px_test_str(json_array_get(px_test_details(j), 0), "message"),
                               "expired on 2026-02-28"));
        json_decref(j);
    }
    /* The server's clock is T0 (2026-03-01): its expiry day is still usable. */
    assert_int_equal(px_sql_exec(&f->env, "UPDATE batch SET expiry = '260301' WHERE batch = "
                                          "'B-PAST'"),
                     0);
    json_t *r = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body[0], 201);
    assert_int_equal(px_test_int(r, "released"), 1);
    json_decref(r);
}

static void test_lifecycle__release_mah_only(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-REL", "491231",
                       "[\"REL-1\",\"REL-2\",\"REL-3\"]");
    const char *rel = "{\"gtin\":\"" GTIN "\",\"batch\":\"B-REL\",\"market\":\"EU\"}";
    const char *const not_mah[] = {f->cmo.key, f->auditor_key, f->regulator_key};
    for (size_t i = 0; i < PX_COUNT(not_mah); i++)
        px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/releases", not_mah[i], rel, NULL, 403,
                        "forbidden_role");
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM serial WHERE batch = 'B-REL' AND state = "
                    "'commissioned'");
    /* Another MAH: the product is not its own. */
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/releases", f->mah2.key, rel, NULL, 404,
                    "product_not_found");
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/releases", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"batch\":\"NO-SUCH\",\"market\":\"EU\"}", NULL, 404,
                    "not_found");
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/releases", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"batch\":\"B-REL\",\"market\":\"europe\"}", NULL, 422,
                    "validation_error");
    /* A transaction named, even where the market needs none, has its type and id. */
    px_test_expect_field(&f->env, "POST", "/v1/releases", f->mah.key,
                         "{\"gtin\":\"" GTIN "\",\"batch\":\"B-REL\",\"market\":\"EU\","
                         "\"transaction\":{}}",
                         "transaction.type", "required");
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/releases", f->mah.key,
                    "{\"gtin\":\"" GTIN
                    "\",\"batch\":\"B-REL\",\"market\":\"EU\",\"serials\":[\"REL-1\","
                    "\"NOPE\"]}",
                    NULL, 409, "invalid_state");
    /* Listed serials only. */
    json_t *j =
        px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                     "{\"gtin\":\"" GTIN "\",\"batch\":\"B-REL\",\"market\":\"EU\",\"serials\":"
                     "[\"REL-1\"]}",
                     201);
    assert_int_equal(px_test_int(j, "released"), 1);
    assert_true(json_is_string(json_object_get(j, "report_id"))); /* the EU endpoint's report */
    json_decref(j);
    /* The rest of the batch. */
    j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, rel, 201);
    assert_int_equal(px_test_int(j, "released"), 2);
    char rid[64];
    snprintf(rid, sizeof(rid), "%s", json_string_value(json_object_get(j, "release_id")));
    json_decref(j);
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM serial WHERE batch = 'B-REL' AND state = "
                    "'released' AND market = 'EU' AND released_by = '%s'",
                    f->mah.org);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE release_id = '%s' AND action "
                    "= 'OBSERVE' AND biz_step = 'shipping' AND disposition = 'in_transit' "
                    "AND market = 'EU' AND epc_count = 2",
                    rid);
    assert_int_equal(px_audit_count(&f->env, "release.create", rid), 1);
    /* Nothing left to release: invalid_state. */
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/releases", f->mah.key, rel, NULL, 409,
                    "invalid_state");
    /* Visibility: the CMO no longer sees released packs; the MAH and its auditor do, with the
     * whole history; another tenant never. */
    const struct {
        const char *key;
        long status;
        const char *code;
    } unseen[] = {{f->cmo.key, 404, "not_found"},
                  {f->mah2.key, 404, "not_found"},
                  {f->cmo2.key, 404, "not_found"},
                  {f->regulator_key, 403, "forbidden_role"}};
    for (size_t i = 0; i < PX_COUNT(unseen); i++)
        px_test_refused(&f->env, lifecycle_rows, "GET", "/v1/packs/" GTIN "/REL-2", unseen[i].key,
                        NULL, NULL, unseen[i].status, unseen[i].code);
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/REL-2", f->auditor_key, NULL, 200);
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/REL-2", f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "state"), "released");
    assert_non_null(json_string_value(json_object_get(j, "released_at")));
    json_t *ev = json_object_get(j, "events");
    assert_int_equal(json_array_size(ev), 2);
    assert_string_equal(px_test_str(json_array_get(ev, 1), "biz_step"), "shipping");
    assert_string_equal(px_test_str(json_array_get(ev, 1), "by"), f->mah.org);
    json_decref(j);
    px_test_refused(&f->env, lifecycle_rows, "GET", "/v1/packs/" GTIN "/NO-SUCH-PACK", f->mah.key,
                    NULL, NULL, 404, "not_found");
}

/* The times the service writes are its clock's (px_clock, pinned to T0 here), as a release's:
 * a CMO's manifest asked for before a release of one of its packs is no longer handed out
 * (409 export_released, which compares the export's time with the release's), and the export
 * and an EPCIS capture job answer T0 as their times, as the packs they name do. */
static void test_lifecycle__export_and_capture_on_the_service_clock(void **state)
{
    fixture *f = *state;
    const char *t0 = "2026-03-01T10:00:00.000Z";
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-CLK", "491231", "[\"CLK-1\",\"CLK-2\"]");
    json_t *j = px_test_call(&f->env, "POST", "/v1/exports", f->cmo.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CLK\"}", 202);
    char get[96];
    snprintf(get, sizeof(get), "/v1/exports/%s", px_test_str(j, "export_id"));
    json_decref(j);
    j = px_test_wait_for(&f->env, f->cmo.key, get, "status", "completed|failed", 1200, 100);
    assert_string_equal(px_test_str(j, "status"), "completed");
    assert_string_equal(px_test_str(j, "created_at"), t0);
    assert_string_equal(px_test_str(j, "finished_at"), t0);
    json_decref(j);
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CLK\",\"market\":\"EU\","
                             "\"serials\":[\"CLK-1\"]}",
                             201));
    px_test_expect(&f->env, "GET", get, f->cmo.key, NULL, 409, "export_released");
    /* A capture of one commissioning, at T0 less an hour. */
    const char *doc =
        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld\"],"
        "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":"
        "\"2026-03-01T09:00:00.000Z\",\"epcisBody\":{\"eventList\":[{\"type\":\"ObjectEvent\","
        "\"eventTime\":\"2026-03-01T09:00:00.000Z\",\"eventTimeZoneOffset\":\"+01:00\","
        "\"epcList\":[\"urn:epc:id:sgtin:9506001.000001.CLK-3\"],\"action\":\"ADD\","
        "\"bizStep\":\"commissioning\",\"disposition\":\"active\","
        "\"readPoint\":{\"id\":\"urn:epc:id:sgln:9506000.00001.0\"},"
        "\"ilmd\":{\"cbvmda:lotNumber\":\"B-CLK\",\"cbvmda:itemExpirationDate\":\"2049-12-31\"}}]}"
        "}";
    const char *h[] = {"Content-Type: application/ld+json", NULL};
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/epcis/capture", f->cmo.key, doc, h);
    if (r.status != 202)
        fail_msg("POST /epcis/capture: %ld %s", r.status, r.body);
    char job[96];
    snprintf(job, sizeof(job), "/epcis/capture/%s", px_test_str(r.json, "captureID"));
    px_http_resp_free(&r);
    j = px_test_call(&f->env, "GET", job, f->cmo.key, NULL, 200);
    if (!json_is_true(json_object_get(j, "success")))
        fail_msg("the capture failed: %s", json_dumps(j, 0));
    assert_string_equal(px_test_str(j, "createdAt"), t0);
    assert_string_equal(px_test_str(j, "finishedAt"), t0);
    json_decref(j);
}

/* ---- decommission, reactivation (Art. 13, injected clock), recall ---------------------- */

static void restart_at(fixture *f, const char *now)
{
    assert_int_equal(px_test_server_stop(&f->env), 0);
    set_now(f, now);
    px_test_server_start(&f->env);
}

static void test_lifecycle__decommission_and_reactivation_window(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-DEC", "491231",
                       "[\"D-1\",\"D-2\",\"D-3\",\"D-4\",\"D-5\"]");
    /* A CMO decommissions at the line: damaged is fine, dispensed is not its reason. */
    const struct {
        const char *key, *reason;
        long status;
        const char *code;
    } no[] = {{f->cmo.key, "dispensed", 403, "forbidden_role"},
              {f->cmo.key, "recalled", 403, "forbidden_role"},
              {f->mah.key, "lost", 422, "validation_error"},
              {f->cmo2.key, "damaged", 404, "not_found"}};
    for (size_t i = 0; i < PX_COUNT(no); i++) {
        char body[128];
        snprintf(body, sizeof(body),
                 "{\"gtin\":\"" GTIN "\",\"serials\":[\"D-1\"],\"reason\":\"%s\"}", no[i].reason);
        px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/decommissions", no[i].key, body, NULL,
                        no[i].status, no[i].code);
    }
    json_t *j = px_test_call(&f->env, "POST", "/v1/decommissions", f->cmo.key,
                             "{\"gtin\":\"" GTIN "\",\"serials\":[\"D-1\",\"D-2\"],\"reason\":"
                             "\"damaged\"}",
                             200);
    assert_int_equal(px_test_int(j, "decommissioned"), 2);
    json_decref(j);
    /* "ssccs": null counts as absent (docs/api.md "Requests"): a decommission by serials. */
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"serials\":[\"D-3\"],\"reason\":"
                             "\"destroyed\",\"ssccs\":null}",
                             200));
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM serial WHERE serial IN ('D-1','D-2') AND "
                    "state = 'decommissioned' AND reason = 'damaged' AND prior_state = "
                    "'commissioned'");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE op = 'decommission' AND "
                    "serials @> ARRAY['D-1','D-2'] AND disposition = 'damaged'");
    /* Decommissioning twice: invalid_state, every refused pack in details (D-4 may go; D-1,
     * the second, is decommissioned already). */
    json_t *twice = px_test_refused_answer(
        &f->env, lifecycle_rows, "POST", "/v1/decommissions", f->cmo.key,
        "{\"gtin\":\"" GTIN "\",\"serials\":[\"D-4\",\"D-1\"],\"reason\":\"damaged\"}", NULL, 409,
        "invalid_state");
    assert_int_equal(json_array_size(px_test_details(twice)), 1);
    px_expect_detail(twice, 0, 1, "invalid_state", NULL);
    json_decref(twice);
    /* Destroyed is never reactivated. */
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/reactivations", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"serials\":[\"D-3\"]}", NULL, 409, "invalid_state");
    /* Art. 13(1)(a): only the organization that decommissioned. */
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/reactivations", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"serials\":[\"D-1\"]}", NULL, 409, "invalid_state");
    /* Day 10: allowed. */
    restart_at(f, "2026-03-11T10:00:00Z");
    j = px_test_call(
        &f->env, "POST", "/v1/reactivations", f->cmo.key,
        "{\"gtin\":\"" GTIN "\",\"serials\":[\"D-1\"],\"reason\":\"label re-checked\"}", 200);
    assert_int_equal(px_test_int(j, "reactivated"), 1);
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'D-1' AND state = "
                    "'commissioned' AND reason IS NULL");
    /* Day 11: refused. */
    restart_at(f, "2026-03-12T10:00:00Z");
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/reactivations", f->cmo.key,
                    "{\"gtin\":\"" GTIN "\",\"serials\":[\"D-2\"]}", NULL, 409, "invalid_state");
    restart_at(f, T0);
    /* The pack's history: commissioning, decommissioning, reactivation. */
    char ops[128];
    px_test_pack_ops(&f->env, f->mah.key, GTIN, "D-1", ops, sizeof(ops));
    assert_string_equal(ops, "commission,decommission,reactivate");
}

static void test_lifecycle__batch_recall(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-RCL", "491231",
                       "[\"C-1\",\"C-2\",\"C-3\",\"C-4\"]");
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                             "{\"gtin\":\"" GTIN
                             "\",\"batch\":\"B-RCL\",\"market\":\"EU\",\"serials\":"
                             "[\"C-1\",\"C-2\"]}",
                             201));
    json_decref(px_test_call(
        &f->env, "POST", "/v1/decommissions", f->mah.key,
        "{\"gtin\":\"" GTIN "\",\"serials\":[\"C-3\"],\"reason\":\"dispensed\"}", 200));
    const char *rc = "{\"gtin\":\"" GTIN "\",\"batch\":\"B-RCL\",\"reason\":\"recalled\"}";
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/recalls", f->cmo.key, rc, NULL, 403,
                    "forbidden_role");
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/recalls", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"batch\":\"B-RCL\",\"reason\":\"damaged\"}", NULL, 422,
                    "validation_error");
    json_t *j = px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key, rc, 201);
    /* C-1, C-2 (released), C-4 (commissioned); C-3 was dispensed and stays so. */
    assert_int_equal(px_test_int(j, "recalled"), 3);
    json_decref(j);
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM serial WHERE batch = 'B-RCL' AND reason = "
                    "'recalled' AND state = 'decommissioned'");
    /* One event of the EU packs, one of the pack never released (test_lifecycle__
     * batch_recall_reports_each_market_its_own_packs). */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE op = 'recall' AND lot = 'B-RCL' AND "
                    "disposition = 'recalled' AND market = 'EU' AND epc_count = 2");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE op = 'recall' AND market IS NULL AND "
                    "disposition = 'recalled' AND serials = ARRAY['C-4']");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM audit_log WHERE action = 'pack.recall'");
    /* Irreversible; nothing left to recall. */
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/reactivations", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"serials\":[\"C-4\"]}", NULL, 409, "invalid_state");
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/recalls", f->mah.key, rc, NULL, 409,
                    "invalid_state");
}

/* A batch with nothing left to recall (its one pack destroyed; labels printed and nothing
 * commissioned alike) is closed by its first recall all the same: 201 with recalled 0, no
 * event (event_id null), the audit entry and the batch's recall; a commission into it is then
 * 409 batch_recalled. A second recall would change nothing: 409 invalid_state. */
static void test_lifecycle__recall_of_a_batch_with_nothing_to_recall_closes_it(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-GONE", "491231", "[\"G-1\"]");
    json_decref(px_test_call(
        &f->env, "POST", "/v1/decommissions", f->mah.key,
        "{\"gtin\":\"" GTIN "\",\"serials\":[\"G-1\"],\"reason\":\"destroyed\"}", 200));
    long long events = px_count_of(&f->env, "SELECT count(*) FROM epcis_event");
    const char *rc = "{\"gtin\":\"" GTIN "\",\"batch\":\"B-GONE\"}";
    json_t *j = px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key, rc, 201);
    assert_int_equal(px_test_int(j, "recalled"), 0);
    assert_true(json_is_null(json_object_get(j, "event_id")));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = 'pack.recall' AND subject = "
                    "'%s' AND details->>'count' = '0'",
                    px_test_str(j, "recall_id"));
    json_decref(j);
    px_expect_count(&f->env, events, "SELECT count(*) FROM epcis_event");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM batch WHERE batch = 'B-GONE' AND recall_reason = "
                    "'recalled' AND recalled_at IS NOT NULL");
    px_test_commission_refused(&f->env, lifecycle_rows, f->cmo.key, GTIN, "B-GONE", "491231",
                               "[\"G-2\"]", 0, 409, "batch_recalled");
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/recalls", f->mah.key, rc, NULL, 409,
                    "invalid_state");
}

/* Releases the listed serials (a JSON list's items) of batch to market (201). */
static void release_listed(fixture *f, const char *batch, const char *market, const char *serials)
{
    char body[192];
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"batch\":\"%s\",\"market\":\"%s\",\"serials\":[%s]}", batch,
             market, serials);
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201));
}

/* A batch recall tells each market of its own packs only (docs/lifecycle.md "Events and
 * audit": a market's report carries its own packs, never another market's serials): packs of
 * one batch released to DE and to FR, and one never released, each commissioned on its own
 * (a commissioning event names every pack it commissioned). The DE regulator's report of the
 * recall and its EPCIS query of a DE pack name the DE packs, never FR's nor the unreleased
 * one; the unreleased pack's event carries no market and reaches no report. */
static void test_lifecycle__batch_recall_reports_each_market_its_own_packs(void **state)
{
    fixture *f = *state;
    px_test_idle_endpoint(&f->env, f->mah.key, "DE");
    px_test_idle_endpoint(&f->env, f->mah.key, "FR");
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-MKT", "491231", "[\"RDE-1\",\"RDE-2\"]");
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-MKT", "491231", "[\"RFR-1\"]");
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-MKT", "491231", "[\"RNONE-1\"]");
    release_listed(f, "B-MKT", "DE", "\"RDE-1\",\"RDE-2\"");
    release_listed(f, "B-MKT", "FR", "\"RFR-1\"");
    json_t *j =
        px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key,
                     "{\"gtin\":\"" GTIN "\",\"batch\":\"B-MKT\",\"reason\":\"recalled\"}", 201);
    assert_int_equal(px_test_int(j, "recalled"), 4);
    char recall[40];
    snprintf(recall, sizeof(recall), "%s", px_test_str(j, "recall_id"));
    json_decref(j);
    char id[40], path[128];
    px_sql_textf(&f->env, id, sizeof(id),
                 "SELECT id FROM report WHERE op_id = '%s' AND market = 'DE'", recall);
    snprintf(path, sizeof(path), "/v1/reports/%s/document", id);
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, f->regulator_key, NULL, NULL);
    assert_int_equal(r.status, 200);
    px_test_xsd_valid(r.body, r.len);
    assert_int_equal(px_occurrences(r.body, "<ObjectEvent>"), 1);
    assert_non_null(strstr(r.body, ".RDE-1</epc>"));
    assert_non_null(strstr(r.body, ".RDE-2</epc>"));
    assert_null(strstr(r.body, "RFR-1"));
    assert_null(strstr(r.body, "RNONE-1"));
    px_http_resp_free(&r);
    /* The DE regulator's EPCIS query of a DE pack: its commissioning, release and recall,
     * with no other market's serial and not the unreleased pack. */
    px_http(&f->env, &r, "GET",
            "/epcis/events?MATCH_epc=https%3A%2F%2Fid.gs1.org%2F01%2F" GTIN "%2F21%2FRDE-1",
            f->regulator_key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "recalled"));
    assert_null(strstr(r.body, "RFR-1"));
    assert_null(strstr(r.body, "RNONE-1"));
    px_http_resp_free(&r);
    /* The rows: one event per market, one of the pack never released without a market or a
     * lot. */
    static const char *const per_market[] = {
        "market = 'DE' AND serials @> ARRAY['RDE-1','RDE-2'] AND epc_count = 2",
        "market = 'FR' AND serials = ARRAY['RFR-1']",
        "market IS NULL AND lot IS NULL AND serials = ARRAY['RNONE-1']"};
    for (size_t i = 0; i < PX_COUNT(per_market); i++)
        px_expect_count(&f->env, 1, "SELECT count(*) FROM epcis_event WHERE op_id = '%s' AND %s",
                        recall, per_market[i]);
    px_expect_count(&f->env, 3, "SELECT count(*) FROM epcis_event WHERE op_id = '%s'", recall);
    /* Its audit entry names every one of them (it named the last alone). */
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM epcis_event e JOIN audit_log a ON a.action = "
                    "'pack.recall' AND a.subject = '%s' AND a.details->'event_ids' ? e.id::text "
                    "WHERE e.op_id = '%s'",
                    recall, recall);
    /* One report per market the packs went to (the EU endpoint hears nothing). */
    px_expect_count(&f->env, 2, "SELECT count(*) FROM report WHERE op_id = '%s'", recall);
    /* The MAH still finds the unreleased pack's recall. */
    px_http(&f->env, &r, "GET",
            "/epcis/events?MATCH_epc=https%3A%2F%2Fid.gs1.org%2F01%2F" GTIN "%2F21%2FRNONE-1",
            f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "recalled"));
    px_http_resp_free(&r);
}

/* A decommission of packs released to two markets records one event per market; its audit
 * entry names both, so each pack's event leads to who decommissioned it (found from outside:
 * the entry named the last event alone). */
static void test_lifecycle__decommission_audit_names_every_event(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-MKD", "491231", "[\"MKD-DE\",\"MKD-FR\"]");
    release_listed(f, "B-MKD", "DE", "\"MKD-DE\"");
    release_listed(f, "B-MKD", "FR", "\"MKD-FR\"");
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"serials\":[\"MKD-DE\",\"MKD-FR\"],"
                             "\"reason\":\"stolen\"}",
                             200));
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM epcis_event e JOIN audit_log a ON a.action = "
                    "'pack.decommission' AND a.subject = e.op_id::text AND "
                    "a.details->'event_ids' ? e.id::text WHERE e.op = 'decommission' AND "
                    "e.serials && ARRAY['MKD-DE', 'MKD-FR']");
}

/* A recalled batch stays recalled (docs/api.md POST /v1/recalls: the change cannot be
 * undone; DOMAIN.md: a batch recall is a batch-level status): GET /v1/batches shows the
 * recall; a commission of a new serial into the batch is 409 batch_recalled with nothing
 * changed, so is a release of it (a pack of it left commissioned, as a commission before the
 * batch kept its recall could leave one), and verification reads such a pack as recalled,
 * never genuine. */
static void test_lifecycle__recalled_batch_takes_no_new_packs(void **state)
{
    fixture *f = *state;
    json_t *j;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-SHUT", "491231", "[\"S-1\",\"S-2\"]");
    json_decref(
        px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key,
                     "{\"gtin\":\"" GTIN "\",\"batch\":\"B-SHUT\",\"reason\":\"withdrawn\"}", 201));
    /* Commissioning into it: refused before any pack is written. */
    json_t *no =
        px_test_commission_refused_answer(&f->env, lifecycle_rows, f->cmo.key, GTIN, "B-SHUT",
                                          "491231", "[\"S-3\"]", 0, 409, "batch_recalled");
    px_expect_detail(no, 0, -1, "batch_recalled", "batch");
    json_decref(no);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM serial WHERE serial = 'S-3'");
    /* A pack of the batch that is still commissioned is released nowhere, and reads as
     * recalled. */
    px_sqlf(&f->env, "UPDATE serial SET state = 'commissioned', reason = NULL, prior_state = "
                     "NULL, decommissioned_by = NULL, decommissioned_at = NULL WHERE gtin = '" GTIN
                     "' AND serial = 'S-2'");
    /* Nor are labels printed, or a production run exported, for it: they would go on packs it
     * can no longer take (S-2 is one it could print). */
    static const char *const print_rows[] = {"print_job", "print_job_serial", NULL};
    px_test_refused(&f->env, print_rows, "POST", "/v1/print-jobs", f->cmo.key,
                    "{\"gtin\":\"" GTIN "\",\"batch\":\"B-SHUT\",\"expiry\":\"491231\","
                    "\"serials\":[\"S-2\"],\"line\":\"L1\",\"operator\":\"op\"}",
                    NULL, 409, "batch_recalled");
    px_test_expect(&f->env, "PUT", "/v1/products/" GTIN "/serial-settings", f->mah.key,
                   "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 201, NULL);
    j = px_test_call(&f->env, "POST", "/v1/products/" GTIN "/allocations", f->cmo.key,
                     "{\"count\":1}", 202);
    char run[160];
    snprintf(run, sizeof(run),
             "{\"allocation_id\":\"%s\",\"batch\":\"B-SHUT\",\"expiry\":\"491231\"}",
             px_test_str(j, "allocation_id"));
    json_decref(j);
    static const char *const export_rows[] = {"export", NULL};
    px_test_refused(&f->env, export_rows, "POST", "/v1/exports", f->cmo.key, run, NULL, 409,
                    "batch_recalled");
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/releases", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"batch\":\"B-SHUT\",\"market\":\"EU\"}", NULL, 409,
                    "batch_recalled");
    px_test_refused(&f->env, lifecycle_rows, "POST", "/v1/releases", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"batch\":\"B-SHUT\",\"market\":\"EU\","
                    "\"serials\":[\"S-2\"]}",
                    NULL, 409, "batch_recalled");
    j = px_test_call(&f->env, "GET", "/v1/verify/" GTIN "/S-2?batch=B-SHUT&expiry=491231", NULL,
                     NULL, 200);
    assert_string_equal(px_test_str(j, "verdict"), "decommissioned");
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/verify/" GTIN "/S-1?batch=B-SHUT&expiry=491231", NULL,
                     NULL, 200);
    assert_string_equal(px_test_str(j, "verdict"), "decommissioned");
    json_decref(j);
    /* The batch shows its recall, to a CMO too; another batch of the product is open. */
    j = px_test_call(&f->env, "GET", "/v1/batches/" GTIN "/B-SHUT", f->mah.key, NULL, 200);
    json_t *recall = json_object_get(j, "recall");
    assert_string_equal(px_test_str(recall, "reason"), "withdrawn");
    assert_string_equal(px_test_str(recall, "recalled_at"), "2026-03-01T10:00:00.000Z");
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/batches/" GTIN "/B-SHUT", f->cmo.key, NULL, 200);
    assert_string_equal(px_test_str(json_object_get(j, "recall"), "reason"), "withdrawn");
    json_decref(j);
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-OPEN", "491231", "[\"S-4\"]");
    j = px_test_call(&f->env, "GET", "/v1/batches/" GTIN "/B-OPEN", f->mah.key, NULL, 200);
    assert_true(json_is_null(json_object_get(j, "recall")));
    json_decref(j);
}

/* ---- suspended partnership, release race ------------------------------ */

/* a suspended partnership "stops the CMO's access at once" — also to the packs it
 * commissioned and their carriers; a GTIN no longer granted likewise (404, as for a pack
 * outside its view). Reactivated: readable again. */
static void test_lifecycle__suspended_cmo_reads_no_packs(void **state)
{
    fixture *f = *state;
    char key[64], ps[40], path[96];
    json_t *j = px_test_partner(&f->env, f->mah.key, "CMO three", "[\"" GTIN "\",\"" GTIN_US "\"]",
                                NULL, key);
    snprintf(ps, sizeof(ps), "%s", px_test_str(j, "partnership_id"));
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/partners/%s", ps);
    px_test_commission(&f->env, key, GTIN, "B-SUSP", "491231", "[\"SUSP-1\"]");
    const char *pack = "/v1/packs/" GTIN "/SUSP-1", *carrier = "/v1/packs/" GTIN "/SUSP-1/carrier";
    json_decref(px_test_call(&f->env, "GET", pack, key, NULL, 200));
    json_decref(px_test_call(&f->env, "GET", carrier, key, NULL, 200));
    json_decref(
        px_test_call(&f->env, "PATCH", path, f->mah.key, "{\"status\":\"suspended\"}", 200));
    px_test_refused(&f->env, lifecycle_rows, "GET", pack, key, NULL, NULL, 403,
                    "partnership_suspended");
    px_test_refused(&f->env, lifecycle_rows, "GET", carrier, key, NULL, NULL, 403,
                    "partnership_suspended");
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah.key, "{\"status\":\"active\"}", 200));
    json_decref(px_test_call(&f->env, "GET", pack, key, NULL, 200));
    json_decref(px_test_call(&f->env, "GET", carrier, key, NULL, 200));
    /* The GTIN taken out of the partnership. */
    json_decref(
        px_test_call(&f->env, "PATCH", path, f->mah.key, "{\"gtins\":[\"" GTIN_US "\"]}", 200));
    px_test_refused(&f->env, lifecycle_rows, "GET", pack, key, NULL, NULL, 404, "not_found");
    px_test_refused(&f->env, lifecycle_rows, "GET", carrier, key, NULL, NULL, 404, "not_found");
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"gtins\":[\"" GTIN "\",\"" GTIN_US "\"]}", 200));
    json_decref(px_test_call(&f->env, "GET", pack, key, NULL, 200));
    /* gtins null counts as absent (docs/api.md "Requests"): the products stay granted. */
    j = px_test_call(&f->env, "PATCH", path, f->mah.key, "{\"gtins\":null}", 200);
    assert_int_equal(json_array_size(json_object_get(j, "gtins")), 2);
    json_decref(j);
    json_decref(px_test_call(&f->env, "GET", pack, key, NULL, 200));
    /* The MAH reads it throughout. */
    json_decref(px_test_call(&f->env, "GET", pack, f->mah.key, NULL, 200));
}

/* A new CMO partnered on GTIN by the MAH: its first key and the partnership's id. */
static void new_partner(fixture *f, const char *name, char key[64], char ps[40])
{
    json_t *j = px_test_partner(&f->env, f->mah.key, name, "[\"" GTIN "\"]", NULL, key);
    snprintf(ps, 40, "%s", px_test_str(j, "partnership_id"));
    json_decref(j);
}

/* A suspension meets a CMO's commission in flight (past its access check, waiting on the
 * batch row another session is inserting): the suspension waits for the commission, so no
 * commission of the CMO commits after the suspension did; one asked after it is refused. */
static void test_lifecycle__suspension_waits_for_a_running_commission(void **state)
{
    fixture *f = *state;
    char key[64], ps[40], path[96];
    new_partner(f, "CMO four", key, ps);
    snprintf(path, sizeof(path), "/v1/partners/%s", ps);
    PGconn *held = px_test_hold(&f->env, "INSERT INTO batch (gtin, batch, expiry) VALUES ('" GTIN
                                         "', 'B-SWAIT', '491231')");
    char *b = px_test_commission_body(GTIN, "B-SWAIT", "491231", "[\"SWAIT-1\"]", 0);
    px_test_async commission = {&f->env, "POST", "/v1/commissions", key, b, 0, 0, "", ""};
    px_test_async_start(&commission);
    px_test_wait_row_lock_waiters(&f->env, 1);
    px_test_async suspend = {&f->env, "PATCH", path, f->mah.key, "{\"status\":\"suspended\"}",
                             0,       0,       "",   ""};
    px_test_async_start(&suspend);
    px_test_wait_row_lock_waiters(&f->env, 2); /* the suspension waits on the partnership */
    px_test_hold_end(held, NULL);
    assert_int_equal(px_test_async_join(&commission), 200);
    assert_int_equal(px_test_async_join(&suspend), 200);
    free(b);
    /* The tenant's audit chain is the commit order. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log c, audit_log s WHERE "
                    "c.action = 'commission.create' AND c.details->>'batch' = "
                    "'B-SWAIT' AND s.action = 'partner.update' AND s.subject = '%s' "
                    "AND c.chain = s.chain AND c.chain_seq < s.chain_seq",
                    ps);
    px_test_commission_refused(&f->env, lifecycle_rows, key, GTIN, "B-SWAIT", "491231",
                               "[\"SWAIT-2\"]", 0, 403, "partnership_suspended");
}

/* A CMO's decommission whose access was checked before the partnership's suspension
 * committed (here: another session holds the partnership, as a suspension in progress does,
 * and suspends it while the decommission waits): refused 403, the pack untouched. */
static void test_lifecycle__decommission_meets_a_suspension(void **state)
{
    fixture *f = *state;
    char key[64], ps[40], sql[160];
    new_partner(f, "CMO five", key, ps);
    px_test_commission(&f->env, key, GTIN, "B-DSUS", "491231", "[\"DSUS-1\"]");
    snprintf(sql, sizeof(sql), "SELECT 1 FROM partnership WHERE id = '%s' FOR UPDATE", ps);
    PGconn *held = px_test_hold(&f->env, sql);
    px_test_async dec = {&f->env,
                         "POST",
                         "/v1/decommissions",
                         key,
                         "{\"gtin\":\"" GTIN "\",\"serials\":[\"DSUS-1\"],\"reason\":"
                         "\"destroyed\"}",
                         0,
                         0,
                         "",
                         ""};
    px_test_async_start(&dec);
    px_test_wait_row_lock_waiters(&f->env, 1);
    snprintf(sql, sizeof(sql), "UPDATE partnership SET status = 'suspended' WHERE id = '%s'", ps);
    px_test_hold_end(held, sql);
    assert_int_equal(px_test_async_join(&dec), 403);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN
                    "' AND serial = 'DSUS-1' AND state = 'commissioned'");
}

typedef struct {
    fixture *f;
    const char *body;
    long status;
    char *resp;
} release_call;

static void *release_main(void *arg)
{
    release_call *c = arg;
    px_http_resp r;
    px_http(&c->f->env, &r, "POST", "/v1/releases", c->f->mah.key, c->body, NULL);
    c->status = r.status;
    c->resp = strdup(r.body ? r.body : "");
    px_http_resp_free(&r);
    return NULL;
}

/* A release of listed serials while a decommission of one of them is in flight: the
 * decommission holds the row (its UPDATE is not committed yet) when the release runs; it
 * commits once the release waits on it. The release must not answer 201 with fewer packs
 * than listed: it locks the listed rows before deciding (409 invalid_state, nothing
 * released). */
static void test_lifecycle__release_listed_serials_race_decommission(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-RRACE", "491231",
                       "[\"RR-1\",\"RR-2\",\"RR-3\",\"RR-4\",\"RR-5\"]");
    PGconn *c = PQconnectdb(f->env.conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    char sql[512];
    snprintf(sql, sizeof(sql),
             "BEGIN; UPDATE serial SET state = 'decommissioned', reason = 'damaged', "
             "prior_state = 'commissioned', decommissioned_by = '%s', decommissioned_at = now() "
             "WHERE gtin = '" GTIN "' AND serial = 'RR-3'",
             f->cmo.org);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s", PQresultErrorMessage(r));
    PQclear(r);
    release_call rc = {f,
                       "{\"gtin\":\"" GTIN "\",\"batch\":\"B-RRACE\",\"market\":\"EU\","
                       "\"serials\":[\"RR-1\",\"RR-2\",\"RR-3\",\"RR-4\",\"RR-5\"]}",
                       0, NULL};
    pthread_t t;
    pthread_create(&t, NULL, release_main, &rc);
    /* Wait until the release waits on the held row (10 s at most). */
    int waited = 0;
    for (int i = 0; i < 1000 && !waited; i++) {
        waited = px_sql_count(&f->env, "SELECT count(*) FROM pg_stat_activity WHERE "
                                       "wait_event_type = 'Lock' AND datname = "
                                       "current_database()") > 0;
        if (!waited)
            usleep(10000);
    }
    r = PQexec(c, "COMMIT");
    PQclear(r);
    PQfinish(c);
    pthread_join(t, NULL);
    if (!waited)
        fail_msg("the release never waited on the row: %ld %s", rc.status, rc.resp);
    if (rc.status != 409 || !strstr(rc.resp, "invalid_state"))
        fail_msg("release during a decommission: %ld %s", rc.status, rc.resp);
    free(rc.resp);
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM serial WHERE batch = 'B-RRACE' AND state = "
                    "'released'");
    px_expect_count(&f->env, 0, "SELECT count(*) FROM market_release WHERE batch = 'B-RRACE'");
}

/* A request writes as the organization it was authenticated as, up to its commit: a release
 * that starts while a change of the MAH's GLN is under way (held, by another session's lock of
 * the prefix listings, past its hold of the organization) waits for the change and is then 409
 * conflict, nothing released -- its event would have carried the old read point, past the
 * change's own check of the released packs that need one. Sent again, the release carries the
 * new GLN. */
static void test_lifecycle__gln_changed_while_a_release_ran(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "B-GLN", "491231", "[\"GL-1\"]");
    char path[96], body[96], gln[14];
    PGconn *held = px_test_hold(&f->env, "LOCK TABLE org_company_prefix IN EXCLUSIVE MODE");
    px_test_gln(gln, "950600000009");
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->mah.org);
    snprintf(body, sizeof(body), "{\"gln\":\"%s\",\"gln_prefix_length\":7}", gln);
    px_test_async change = {&f->env, "PATCH", path, f->mah.key, body, 0, 0, "", ""};
    px_test_async_start(&change);
    assert_true(px_test_wait_table_lock_waiter(&f->env, "org_company_prefix"));
    const char *rel = "{\"gtin\":\"" GTIN "\",\"batch\":\"B-GLN\",\"market\":\"EU\"}";
    px_test_async release = {&f->env, "POST", "/v1/releases", f->mah.key, rel, 0, 0, "", ""};
    px_test_async_start(&release);
    px_test_wait_row_lock_waiters(&f->env, 1); /* the release waits (with the old code it ran) */
    px_test_hold_end(held, NULL);
    assert_int_equal(px_test_async_join(&change), 200);
    assert_int_equal(px_test_async_join(&release), 409);
    assert_string_equal(release.code, "conflict");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'GL-1' AND state = 'commissioned'");
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, rel, 201));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE op = 'release' AND lot = 'B-GLN' AND "
                    "location_gln = '%s'",
                    gln);
    px_test_org_gln(&f->env, f->mah.org, "9506000000008");
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
