/* Nothing accepted that cannot be reported (docs/delivery.md "Preconditions"): a release to a
 * market whose report would lack something is refused with every missing piece named and
 * nothing changed; after the repair the same kind of release is reported, delivered and
 * XSD-valid. A report that fails for good is listed, counted in /metrics, logged at error
 * level, and delivered after a retry. Status changes of released packs reach the market. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "px_receiver.h"
#include "px_test.h"

#define GTIN "09506001000014"
#define SECRET "receiver-shared-secret-0123456789"

typedef struct {
    px_test_env env;
    px_receiver rv;
    char mah_org[40], mah_key[64];
    char cmo_org[40], cmo_key[64];
} fixture;

static json_t *call(fixture *f, const char *method, const char *path, const char *key,
                    const char *body, long want)
{
    return px_http_expect(&f->env, method, path, key, body, NULL, want, NULL);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    px_receiver_start(&f->rv);
    px_test_db_create(&f->env);
    char allow[64];
    snprintf(allow, sizeof(allow), "PACKID_OUTBOUND_ALLOW=127.0.0.1:%d", f->rv.port);
    px_test_setenv(&f->env, allow);
    px_test_setenv(&f->env, "PACKID_DELIVERY_BACKOFF_MS=20");
    px_test_setenv(&f->env, "PACKID_DELIVERY_BACKOFF_MAX_MS=50");
    px_test_setenv(&f->env, "PACKID_DELIVERY_MAX_ATTEMPTS=2");
    px_test_setenv(&f->env, "PACKID_EPCIS_XSD_DIR=" PX_SHARED_DIR "/reference/epcis-1.2/xsd");
    px_test_server_start(&f->env);
    /* A MAH without a GLN, a product without master data, a CMO site without a GLN: each a
     * piece a report will miss. */
    px_test_org_key(&f->env, "mah", "Bare MAH", "mah", f->mah_org, f->mah_key);
    json_decref(call(f, "POST", "/v1/products", f->mah_key,
                     "{\"gtin\":\"" GTIN "\",\"company_prefix_length\":7,\"name\":\"Bare "
                     "pack\",\"market\":\"EU\"}",
                     201));
    json_t *j = call(f, "POST", "/v1/partners", f->mah_key,
                     "{\"name\":\"Bare CMO\",\"gtins\":[\"" GTIN "\"]}", 201);
    snprintf(f->cmo_org, sizeof(f->cmo_org), "%s",
             json_string_value(json_object_get(j, "org_id")));
    snprintf(f->cmo_key, sizeof(f->cmo_key), "%s",
             json_string_value(json_object_get(j, "api_key")));
    json_decref(j);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    px_test_teardown(&f->env);
    px_receiver_stop(&f->rv);
    free(f);
    return 0;
}

static void commission(fixture *f, const char *batch, const char *prefix, int n)
{
    char body[1024], serials[512] = "";
    size_t o = 0;
    for (int i = 1; i <= n; i++)
        o += (size_t)snprintf(serials + o, sizeof(serials) - o, "%s\"%s%d\"", i > 1 ? "," : "",
                              prefix, i);
    snprintf(body, sizeof(body),
             "{\"product_code\":\"" GTIN "\",\"product_code_schema\":\"GTIN\",\"batch\":\"%s\","
             "\"expiry_date\":\"301231\",\"serials\":[%s]}",
             batch, serials);
    json_decref(call(f, "POST", "/v1/commissions", f->cmo_key, body, 200));
}

/* Row counts of everything a release (or a status change) may change. */
static void snapshot(fixture *f, char *out, size_t cap)
{
    px_sql_text(&f->env,
                "SELECT concat_ws(',', (SELECT count(*) FROM serial WHERE state = 'released'), "
                "(SELECT count(*) FROM serial WHERE state = 'decommissioned'), "
                "(SELECT count(*) FROM market_release), (SELECT count(*) FROM report), "
                "(SELECT count(*) FROM epcis_event), (SELECT count(*) FROM audit_log), "
                "(SELECT count(*) FROM pack_op))",
                out, cap);
}

/* The codes of an error's details, in order, joined by ','. */
static void detail_codes(const px_http_resp *r, char *out, size_t cap)
{
    json_t *d = json_object_get(json_object_get(r->json, "error"), "details");
    size_t o = 0, i;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(d, i, v)
    {
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "",
                              json_string_value(json_object_get(v, "code")));
    }
}

/* Expects 422 report_precondition with exactly these detail codes and nothing changed. */
static void refused(fixture *f, const char *path, const char *body, const char *codes)
{
    char before[256], after[256], got[512];
    snapshot(f, before, sizeof(before));
    px_http_resp r;
    px_http(&f->env, &r, "POST", path, f->mah_key, body, NULL);
    detail_codes(&r, got, sizeof(got));
    if (r.status != 422 || strcmp(px_http_error_code(&r), "report_precondition") != 0 ||
        strcmp(got, codes) != 0)
        fail_msg("%s %s: got %ld [%s], want 422 report_precondition [%s]: %s", path, body,
                 r.status, got, codes, r.body);
    px_http_resp_free(&r);
    snapshot(f, after, sizeof(after));
    if (strcmp(before, after) != 0)
        fail_msg("%s changed rows: %s -> %s", path, before, after);
}

static json_t *wait_state(fixture *f, const char *id, const char *want)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/reports/%s", id);
    for (int i = 0; i < 600; i++) {
        json_t *j = call(f, "GET", path, f->mah_key, NULL, 200);
        if (strcmp(json_string_value(json_object_get(j, "state")), want) == 0)
            return j;
        json_decref(j);
        sleep_ms(50);
    }
    fail_msg("report %s never reached state %s", id, want);
    return NULL;
}

/* The last document the receiver got is valid against the official XSD and holds needle. */
static void last_document_valid(fixture *f, const char *needle)
{
    int n = px_receiver_count(&f->rv);
    assert_true(n > 0);
    px_received *q = &f->rv.req[n - 1];
    px_test_xsd_valid(q->body, q->len);
    if (needle && !strstr(q->body, needle))
        fail_msg("the document lacks %s", needle);
}

static void endpoint(fixture *f)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"market\":\"DE\",\"url\":\"http://127.0.0.1:%d/epcis\",\"hmac_secret\":\"" SECRET
             "\"}",
             f->rv.port);
    json_decref(call(f, "POST", "/v1/regulator-endpoints", f->mah_key, body, 201));
}

static const char *report_of(json_t *j, char out[40])
{
    snprintf(out, 40, "%s", json_string_value(json_object_get(j, "report_id")));
    json_decref(j);
    return out;
}

static void test_report_preconditions__named_then_repaired(void **state)
{
    fixture *f = *state;
    commission(f, "P-1", "PA", 3);
    /* Every missing piece in one answer: the MAH's GLN (sender) and read point, the CMO's
     * read point on its commissioning events, four master data fields, the endpoint. */
    refused(f, "/v1/releases", "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"DE\"}",
            "missing_gln,missing_read_point,missing_master_data,missing_master_data,"
            "missing_master_data,missing_master_data,missing_read_point,no_endpoint");
    /* A dry run says the same, with what would move, and changes nothing either. */
    char before[256], after[256];
    snapshot(f, before, sizeof(before));
    json_t *j = call(f, "POST", "/v1/releases", f->mah_key,
                     "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"DE\","
                     "\"dry_run\":true}",
                     200);
    assert_int_equal(json_integer_value(json_object_get(j, "would_release")), 3);
    assert_true(json_is_true(json_object_get(j, "report")));
    assert_int_equal(json_array_size(json_object_get(j, "missing")), 8);
    json_decref(j);
    snapshot(f, after, sizeof(after));
    assert_string_equal(before, after);
    /* A country packid has no profile for, and a code that is no country. */
    refused(f, "/v1/releases", "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"CH\"}",
            "unknown_market");
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/v1/releases", f->mah_key,
            "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"XX\"}", NULL);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body, "unknown_market"));
    px_http_resp_free(&r);

    /* The repair: GLNs with prefix lengths, master data, an endpoint. */
    char sql[512];
    snprintf(sql, sizeof(sql),
             "UPDATE organization SET gln = '9506000000008', gln_prefix_length = 7 WHERE id = "
             "'%s'",
             f->mah_org);
    assert_int_equal(px_sql_exec(&f->env, sql), 0);
    snprintf(sql, sizeof(sql),
             "UPDATE organization SET gln = '9506000000015', gln_prefix_length = 7 WHERE id = "
             "'%s'",
             f->cmo_org);
    assert_int_equal(px_sql_exec(&f->env, sql), 0);
    assert_int_equal(px_sql_exec(&f->env,
                                 "UPDATE product SET master_data = '{\"dosage_form\":"
                                 "\"CAPSULE\",\"strength\":\"500 mg\",\"pack_size\":\"21 "
                                 "CAPSULE in 1 BLISTER PACK\",\"manufacturer\":\"Bare "
                                 "MAH\"}'"),
                     0);
    endpoint(f);
    /* The batch commissioned without a read point stays unreportable: its events are facts. */
    refused(f, "/v1/releases", "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"DE\"}",
            "missing_read_point");
    /* A batch commissioned after the repair is released, reported and delivered. */
    commission(f, "P-2", "PB", 3);
    px_receiver_reset(&f->rv, 0, 0);
    char id[40];
    report_of(call(f, "POST", "/v1/releases", f->mah_key,
                   "{\"gtin\":\"" GTIN "\",\"batch\":\"P-2\",\"market\":\"DE\"}", 201),
              id);
    json_decref(wait_state(f, id, "delivered"));
    last_document_valid(f, "urn:epcglobal:cbv:bizstep:shipping");
}

static void test_report_preconditions__status_changes_reported(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    char id[40];
    /* Decommissioning a released pack (P-2, released to DE above). */
    json_t *j = call(f, "POST", "/v1/decommissions", f->mah_key,
                     "{\"gtin\":\"" GTIN "\",\"serials\":[\"PB1\"],\"reason\":\"damaged\"}", 200);
    json_decref(j);
    px_sql_text(&f->env, "SELECT id FROM report WHERE op_id IS NOT NULL ORDER BY created_at DESC "
                         "LIMIT 1",
                id, sizeof(id));
    assert_int_equal(strlen(id), 36);
    json_decref(wait_state(f, id, "delivered"));
    last_document_valid(f, "urn:epcglobal:cbv:disp:damaged");
    /* Its reactivation. */
    json_decref(call(f, "POST", "/v1/reactivations", f->mah_key,
                     "{\"gtin\":\"" GTIN "\",\"serials\":[\"PB1\"],\"reason\":\"found\"}", 200));
    px_sql_text(&f->env, "SELECT id FROM report WHERE op_id IS NOT NULL ORDER BY created_at DESC "
                         "LIMIT 1",
                id, sizeof(id));
    json_decref(wait_state(f, id, "delivered"));
    last_document_valid(f, "urn:epcglobal:cbv:disp:in_transit");
    /* A recall of the batch. */
    json_decref(call(f, "POST", "/v1/recalls", f->mah_key,
                     "{\"gtin\":\"" GTIN "\",\"batch\":\"P-2\",\"reason\":\"recalled\"}", 201));
    px_sql_text(&f->env, "SELECT id FROM report WHERE op_id IS NOT NULL ORDER BY created_at DESC "
                         "LIMIT 1",
                id, sizeof(id));
    json_decref(wait_state(f, id, "delivered"));
    last_document_valid(f, "urn:epcglobal:cbv:disp:recalled");
}

static void test_report_preconditions__failed_listed_counted_logged_retried(void **state)
{
    fixture *f = *state;
    commission(f, "P-3", "PC", 2);
    /* The receiver refuses every try: after PACKID_DELIVERY_MAX_ATTEMPTS the report is dead. */
    px_receiver_reset(&f->rv, 1000, 0);
    char id[40];
    report_of(call(f, "POST", "/v1/releases", f->mah_key,
                   "{\"gtin\":\"" GTIN "\",\"batch\":\"P-3\",\"market\":\"DE\"}", 201),
              id);
    json_decref(wait_state(f, id, "dead"));
    /* Listed, counted, logged at error level. */
    json_t *l = call(f, "GET", "/v1/reports?state=dead", f->mah_key, NULL, 200);
    json_t *items = json_object_get(l, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "report_id")),
                        id);
    json_decref(l);
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/metrics", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "packid_reports{state=\"dead\"} 1"));
    assert_non_null(strstr(r.body, "packid_report_deliveries_total{outcome=\"dead\"} 1"));
    px_http_resp_free(&r);
    assert_true(px_test_log_has(&f->env, "\"level\":\"error\"", id));
    /* Retry: a new report of the same release, delivered; the dead one is kept. */
    px_receiver_reset(&f->rv, 0, 0);
    char path[128], retry_id[40];
    snprintf(path, sizeof(path), "/v1/reports/%s/retry", id);
    json_t *rr = call(f, "POST", path, f->mah_key, NULL, 202);
    assert_string_equal(json_string_value(json_object_get(rr, "retry_of")), id);
    report_of(rr, retry_id);
    assert_string_not_equal(retry_id, id);
    json_decref(wait_state(f, retry_id, "delivered"));
    json_decref(wait_state(f, id, "dead"));
    last_document_valid(f, "P-3");
    /* Only failed or dead reports are retried; another tenant's is not found. */
    snprintf(path, sizeof(path), "/v1/reports/%s/retry", retry_id);
    json_decref(call(f, "POST", path, f->mah_key, NULL, 409));
    char other_org[40], other_key[64];
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", other_org, other_key);
    snprintf(path, sizeof(path), "/v1/reports/%s/retry", id);
    json_decref(call(f, "POST", path, other_key, NULL, 404));
    json_decref(call(f, "GET", "/v1/reports?state=bogus", f->mah_key, NULL, 422));
    l = call(f, "GET", "/v1/reports?first=1", f->mah_key, NULL, 200);
    assert_true(json_is_true(json_object_get(l, "has_next_page")));
    json_decref(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_preconditions__named_then_repaired),
        cmocka_unit_test(test_report_preconditions__status_changes_reported),
        cmocka_unit_test(test_report_preconditions__failed_listed_counted_logged_retried),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
