/* Allotments over real HTTP and a real PostgreSQL (docs/allotments.md): the operator sets an
 * organization's monthly serials and carriers; allocations, external serials and print jobs
 * count against them in their own transaction; work beyond the limit is 403
 * allotment_exceeded with what is left, and changes nothing; at the edge two concurrent
 * requests cannot both pass; use is listable and in /metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"
#include "px_test_commission.h"

typedef struct {
    px_test_env env;
    px_test_party admin, mah, mah2;
    char gtin[15], gtin2[15];
    char allotments[96]; /* the MAH's /v1/orgs/{id}/allotments */
} fixture;

static void product(fixture *f, const char *gtin)
{
    px_test_product(&f->env, f->mah.key, gtin, "Allotted", "US");
    char path[96];
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", gtin);
    px_test_expect(&f->env, "PUT", path, f->mah.key,
                   "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":12}", 201, NULL);
}

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "operator", "Allotment operator", "admin", f->admin.org, f->admin.key);
    px_test_org_key(&f->env, "mah", "Allotted MAH", "mah", f->mah.org, f->mah.key);
    snprintf(f->allotments, sizeof(f->allotments), "/v1/orgs/%s/allotments", f->mah.org);
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", f->mah2.org, f->mah2.key);
    px_test_gtin(f->gtin, 901);
    px_test_gtin(f->gtin2, 902);
    product(f, f->gtin);
    product(f, f->gtin2);
    *state = f;
    return 0;
}

static void allocate(fixture *f, const char *gtin, int n, long want, const char *code)
{
    char path[96], body[64];
    snprintf(path, sizeof(path), "/v1/products/%s/allocations", gtin);
    snprintf(body, sizeof(body), "{\"count\":%d}", n);
    px_test_expect(&f->env, "POST", path, f->mah.key, body, want, code);
}

/* Waits until every allocation job has finished: a job's runner writes serials and its audit
 * entry after the request, and the "nothing changed" checks must not count those. */
static void jobs_done(fixture *f)
{
    for (int i = 0; i < 600; i++) {
        if (px_sql_count(&f->env, "SELECT count(*) FROM job WHERE status IN ('queued', "
                                  "'running')") == 0)
            return;
        px_sleep_ms(100);
    }
    fail_msg("allocation jobs did not finish");
}

static json_t *allotment(fixture *f, const char *key)
{
    return px_test_call(&f->env, "GET", f->allotments, key, NULL, 200);
}

static long long num(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    if (!json_is_integer(v))
        fail_msg("%s%s%s is not an integer", a, b ? "." : "", b ? b : "");
    return json_integer_value(v);
}

/* REQ-ALLOT-1: use is counted without an allotment; the operator alone sets one; beyond it
 * the work is refused with what is left and nothing changes; up to it, it passes. */
static void test_allotments__limit_and_refusal(void **state)
{
    fixture *f = *state;
    allocate(f, f->gtin, 10, 202, NULL);
    json_t *a = allotment(f, f->mah.key);
    assert_int_equal(num(a, "used", "serials"), 10);
    assert_true(json_is_null(json_object_get(a, "serials_per_month")));
    assert_true(json_is_null(json_object_get(json_object_get(a, "left"), "serials")));
    json_decref(a);

    const char *body = "{\"serials_per_month\":25,\"carriers_per_month\":3}";
    px_test_expect(&f->env, "PUT", f->allotments, f->mah.key, body, 403, "forbidden_role");
    px_test_expect_field(&f->env, "PUT", f->allotments, f->admin.key, "{\"serials_per_month\":-1}",
                         "serials_per_month", "invalid_value");
    px_test_expect_field(&f->env, "PUT", f->allotments, f->admin.key, "{\"serials\":5}", "serials",
                         NULL);
    a = px_test_call(&f->env, "PUT", f->allotments, f->admin.key, body, 200);
    assert_int_equal(num(a, "serials_per_month", NULL), 25);
    assert_int_equal(num(a, "left", "serials"), 15);
    assert_int_equal(num(a, "left", "carriers"), 3);
    json_decref(a);
    assert_int_equal(px_audit_count(&f->env, "allotment.set", f->mah.org), 1);

    /* 20 more would pass 25: refused, the details say what is left, nothing is kept. */
    static const char *const counted[] = {"job", "allocation", "audit_log",
                                          "SELECT coalesce(sum(serials), 0) FROM allotment_usage",
                                          NULL};
    px_test_rows rows;
    jobs_done(f);
    px_test_rows_begin(&rows, &f->env, counted);
    char apath[96];
    snprintf(apath, sizeof(apath), "/v1/products/%s/allocations", f->gtin);
    json_t *e = px_test_call(&f->env, "POST", apath, f->mah.key, "{\"count\":20}", 403);
    json_t *err = json_object_get(e, "error");
    assert_string_equal(px_test_str(err, "code"), "allotment_exceeded");
    json_t *d = json_array_get(json_object_get(err, "details"), 0);
    assert_string_equal(px_test_str(d, "field"), "count");
    assert_int_equal(num(d, "limit", NULL), 25);
    assert_int_equal(num(d, "used", NULL), 10);
    assert_int_equal(num(d, "requested", NULL), 20);
    assert_int_equal(num(d, "left", NULL), 15);
    json_decref(e);
    px_test_rows_same(&rows, "an allocation beyond the allotment");

    /* Exactly what is left passes; then one more is refused. */
    allocate(f, f->gtin, 15, 202, NULL);
    allocate(f, f->gtin, 1, 403, "allotment_exceeded");
    /* External serials count too (a commission of new serials of the caller's numbering). */
    static const char *const commissions[] = {"commission", "serial WHERE origin = 'external'",
                                              NULL};
    jobs_done(f);
    px_test_commission_refused(&f->env, commissions, f->mah.key, f->gtin2, "LOT-A1", "751231",
                               "[\"EXT-1\",\"EXT-2\"]", 0, 403, "allotment_exceeded");
    /* A partial one with a bad serial too is refused as a whole, for the allotment alone: its
     * answer keeps the quota's detail, not the items refused before it. */
    e = px_test_commission_refused_answer(&f->env, commissions, f->mah.key, f->gtin2, "LOT-A1",
                                          "751231", "[\"EXT-1\",\"EXT 2\"]", 1, 403,
                                          "allotment_exceeded");
    d = px_test_details(e);
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(px_test_str(json_array_get(d, 0), "field"), "serials");
    assert_int_equal(num(json_array_get(d, 0), "left", NULL), 0);
    json_decref(e);
    a = allotment(f, f->mah.key);
    assert_int_equal(num(a, "used", "serials"), 25);
    assert_int_equal(num(a, "left", "serials"), 0);
    json_decref(a);
    assert_int_equal(px_test_metric(&f->env, "packid_allotments_exhausted{kind=\"serials\"}"), 1);
    assert_int_equal(px_test_metric(&f->env, "packid_allotment_used{kind=\"serials\"}"), 25);
    assert_int_equal(px_test_metric(&f->env, "packid_metrics_database_read"), 1);
    /* A family the database cannot give is missing from a scrape, and the scrape says so. */
    px_sqlf(&f->env, "ALTER TABLE allotment_usage RENAME TO allotment_usage_away");
    assert_int_equal(px_test_metric(&f->env, "packid_allotment_used{kind=\"serials\"}"), -1);
    assert_int_equal(px_test_metric(&f->env, "packid_metrics_database_read"), 0);
    px_sqlf(&f->env, "ALTER TABLE allotment_usage_away RENAME TO allotment_usage");
    assert_int_equal(px_test_metric(&f->env, "packid_metrics_database_read"), 1);

    /* Lifted (null: no limit), the same commission passes and is counted. */
    a = px_test_call(&f->env, "PUT", f->allotments, f->admin.key, "{\"carriers_per_month\":3}",
                     200);
    assert_true(json_is_null(json_object_get(a, "serials_per_month")));
    json_decref(a);
    px_test_commission(&f->env, f->mah.key, f->gtin2, "LOT-A1", "751231",
                       "[\"EXT-1\",\"EXT-2\",\"EXT-3\",\"EXT-4\"]");
    a = allotment(f, f->mah.key);
    assert_int_equal(num(a, "used", "serials"), 29);
    json_decref(a);

    /* Carriers: each serial of a print job (limit 3): 2 pass, 2 more do not, 1 does. */
    static const char *const prints[] = {"print_job", "print_job_serial", NULL};
    char pb[256];
    snprintf(pb, sizeof(pb),
             "{\"gtin\":\"%s\",\"serials\":[\"EXT-1\",\"EXT-2\"],\"line\":\"L1\","
             "\"operator\":\"op\"}",
             f->gtin2);
    px_test_expect(&f->env, "POST", "/v1/print-jobs", f->mah.key, pb, 201, NULL);
    snprintf(pb, sizeof(pb),
             "{\"gtin\":\"%s\",\"serials\":[\"EXT-3\",\"EXT-4\"],\"line\":\"L1\","
             "\"operator\":\"op\"}",
             f->gtin2);
    px_test_refused(&f->env, prints, "POST", "/v1/print-jobs", f->mah.key, pb, NULL, 403,
                    "allotment_exceeded");
    snprintf(pb, sizeof(pb),
             "{\"gtin\":\"%s\",\"serials\":[\"EXT-3\"],\"line\":\"L1\",\"operator\":\"op\"}",
             f->gtin2);
    px_test_expect(&f->env, "POST", "/v1/print-jobs", f->mah.key, pb, 201, NULL);
    a = allotment(f, f->mah.key);
    assert_int_equal(num(a, "used", "carriers"), 3);
    assert_int_equal(num(a, "left", "carriers"), 0);
    json_decref(a);
    /* A carrier batch counts its items as carriers; an SSCC allocation its SSCCs as serials. */
    static const char *const batches[] = {"carrier_batch", "job", "audit_log",
                                          "SELECT coalesce(sum(carriers), 0) FROM allotment_usage",
                                          NULL};
    snprintf(pb, sizeof(pb),
             "{\"symbology\":\"datamatrix\",\"items\":[{\"gtin\":\"%s\",\"serial\":\"EXT-4\"}]}",
             f->gtin2);
    px_test_refused(&f->env, batches, "POST", "/v1/carrier-batches", f->mah.key, pb, NULL, 403,
                    "allotment_exceeded");
    a = px_test_call(&f->env, "PUT", f->allotments, f->admin.key, "{\"serials_per_month\":29}",
                     200);
    json_decref(a);
    static const char *const ssccs[] = {"sscc",
                                        "sscc_allocation",
                                        "job",
                                        "audit_log",
                                        "SELECT coalesce(sum(serials), 0) FROM allotment_usage",
                                        NULL};
    px_test_refused(&f->env, ssccs, "POST", "/v1/sscc-allocations", f->mah.key, "{\"count\":1}",
                    NULL, 403, "allotment_exceeded");
}

/* REQ-ALLOT-2: two requests for the last units, at once, on two products (so nothing but the
 * allotment makes them take turns): exactly one passes. */
static void test_allotments__edge_race(void **state)
{
    fixture *f = *state;
    char body[96], path_x[96], path_y[96];
    snprintf(path_x, sizeof(path_x), "/v1/products/%s/allocations", f->gtin);
    snprintf(path_y, sizeof(path_y), "/v1/products/%s/allocations", f->gtin2);
    for (int round = 0; round < 3; round++) {
        json_t *a = allotment(f, f->mah.key);
        long long used = num(a, "used", "serials");
        json_decref(a);
        snprintf(body, sizeof(body), "{\"serials_per_month\":%lld}", used + 10);
        json_decref(px_test_call(&f->env, "PUT", f->allotments, f->admin.key, body, 200));
        px_test_race_req x = {"POST", path_x, f->mah.key, "{\"count\":10}", 0, "", "", NULL, ""};
        px_test_race_req y = {"POST", path_y, f->mah.key, "{\"count\":10}", 0, "", "", NULL, ""};
        px_test_race2(&f->env, &x, &y);
        assert_true((x.status == 202 && y.status == 403) || (x.status == 403 && y.status == 202));
        a = allotment(f, f->mah.key);
        assert_int_equal(num(a, "used", "serials"), used + 10);
        json_decref(a);
    }
    /* The rounds may run one after the other; here both surely overlap: the month's usage row
     * is held in another session until both wait for it, then let go. */
    json_t *a = allotment(f, f->mah.key);
    long long used = num(a, "used", "serials");
    json_decref(a);
    snprintf(body, sizeof(body), "{\"serials_per_month\":%lld}", used + 10);
    json_decref(px_test_call(&f->env, "PUT", f->allotments, f->admin.key, body, 200));
    char hold[160];
    snprintf(hold, sizeof(hold), "SELECT 1 FROM allotment_usage WHERE org_id = '%s' FOR UPDATE",
             f->mah.org);
    px_test_race_req x = {"POST", path_x, f->mah.key, "{\"count\":10}", 0, "", "", NULL, ""};
    px_test_race_req y = {"POST", path_y, f->mah.key, "{\"count\":10}", 0, "", "", NULL, ""};
    px_test_race_held(&f->env, hold, &x, &y);
    assert_int_equal(px_test_race_loser(&x, &y, 202, 3)->status, 403);
    a = allotment(f, f->mah.key);
    assert_int_equal(num(a, "used", "serials"), used + 10);
    json_decref(a);
}

/* REQ-ALLOT-3: an organization reads its own allotment, never another's (404); the operator
 * lists every organization with an allotment or a use, others only their own. */
static void test_allotments__visibility(void **state)
{
    fixture *f = *state;
    px_test_expect(&f->env, "GET", "/v1/orgs/00000000-0000-4000-8000-000000000000/allotments",
                   f->admin.key, NULL, 404, "not_found");
    json_decref(allotment(f, f->admin.key));
    px_test_expect(&f->env, "GET", f->allotments, f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "PUT", "/v1/orgs/00000000-0000-4000-8000-000000000000/allotments",
                   f->admin.key, "{}", 404, "not_found");
    json_t *l = px_test_call(&f->env, "GET", "/v1/allotments", f->admin.key, NULL, 200);
    int seen = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(l, "items"), i, it) seen +=
        strcmp(json_string_value(json_object_get(it, "org_id")), f->mah.org) == 0;
    assert_int_equal(seen, 1);
    json_decref(l);
    /* A MAH lists its own alone: the other MAH none, the MAH one. */
    const char *const lister[] = {f->mah2.key, f->mah.key};
    for (size_t k = 0; k < PX_COUNT(lister); k++) {
        l = px_test_call(&f->env, "GET", "/v1/allotments", lister[k], NULL, 200);
        assert_int_equal(json_array_size(json_object_get(l, "items")), k);
        json_decref(l);
    }
}

/* A failed allocation job gives back what it never issued: the serials it was charged for
 * return to the month's use of the organization that asked (docs/allotments.md). The failure
 * is injected: the database refuses the product's serials as an invalid value. */
static void test_allotments__failed_allocation_gives_back(void **state)
{
    fixture *f = *state;
    json_decref(px_test_call(&f->env, "PUT", f->allotments, f->admin.key, "{}", 200));
    jobs_done(f);
    json_t *a = allotment(f, f->mah.key);
    long long before = num(a, "used", "serials");
    json_decref(a);
    char cond[64];
    snprintf(cond, sizeof(cond), "NEW.gtin = '%s'", f->gtin2);
    px_test_refuse_rows(&f->env, "serial", cond, "22023");
    allocate(f, f->gtin2, 7, 202, NULL);
    jobs_done(f);
    px_test_refuse_end(&f->env, "serial");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM job j JOIN allocation a ON a.job_id = j.id "
                    "WHERE a.gtin = '%s' AND j.status = 'failed'",
                    f->gtin2);
    a = allotment(f, f->mah.key);
    assert_int_equal(num(a, "used", "serials"), before);
    json_decref(a);
    /* Retried in a later month than it was made (its making moved a month back, when its
     * first failure gave back to that month), it is charged in the month of the retry, and
     * its second failure gives back to that month, not again to the month it was made. */
    char alloc[40], job[80];
    px_sql_textf(
        &f->env, alloc, sizeof(alloc),
        "SELECT id::text FROM allocation WHERE gtin = '%s' ORDER BY created_at DESC LIMIT 1",
        f->gtin2);
    px_sql_textf(&f->env, job, sizeof(job),
                 "SELECT '/v1/jobs/' || job_id || '/retry' FROM allocation WHERE id = '%s'", alloc);
    px_sqlf(&f->env,
            "UPDATE allocation SET created_at = created_at - interval '1 month' WHERE id = '%s'",
            alloc);
#define LAST_MONTH                                                                                 \
    "SELECT coalesce(sum(serials), 0) FROM allotment_usage WHERE org_id = '%s' AND period = "      \
    "(date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date"
    px_sqlf(&f->env,
            "INSERT INTO allotment_usage (org_id, period, serials, carriers) VALUES ('%s', "
            "(date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date, 100, 0) "
            "ON CONFLICT (org_id, period) DO UPDATE SET serials = 100",
            f->mah.org);
    /* A retry asks the allotment again, as the request did: with no room for its 7 serials it
     * is refused and changes nothing (the job still failed, nothing charged). */
    char tight[64];
    snprintf(tight, sizeof(tight), "{\"serials_per_month\":%lld}", before + 6);
    json_decref(px_test_call(&f->env, "PUT", f->allotments, f->admin.key, tight, 200));
    px_test_expect(&f->env, "POST", job, f->mah.key, NULL, 403, "allotment_exceeded");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM job WHERE id = '%.36s' AND status = 'failed'",
                    job + strlen("/v1/jobs/"));
    a = allotment(f, f->mah.key);
    assert_int_equal(num(a, "used", "serials"), before);
    json_decref(a);
    px_expect_count(&f->env, 100, LAST_MONTH, f->mah.org);
    json_decref(px_test_call(&f->env, "PUT", f->allotments, f->admin.key, "{}", 200));
    px_test_refuse_rows(&f->env, "serial", cond, "22023");
    json_decref(px_test_call(&f->env, "POST", job, f->mah.key, NULL, 202));
    a = allotment(f, f->mah.key);
    assert_int_equal(num(a, "used", "serials"), before + 7);
    json_decref(a);
    jobs_done(f);
    px_test_refuse_end(&f->env, "serial");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM job j JOIN allocation a ON a.job_id = j.id "
                    "WHERE a.id = '%s' AND j.status = 'failed'",
                    alloc);
    a = allotment(f, f->mah.key);
    assert_int_equal(num(a, "used", "serials"), before);
    json_decref(a);
    px_expect_count(&f->env, 100, LAST_MONTH, f->mah.org);
#undef LAST_MONTH
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
