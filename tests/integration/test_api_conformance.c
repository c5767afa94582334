/* The server's real answers are what schemas/openapi.yaml says. Every route
 * is driven, over a real server and PostgreSQL, to at least one success and one error; each
 * answer (method, path, status, content type, body) is written to a file, and an outside
 * validator (tests/openapi/check-answers.mjs: Ajv against the response schema of that route
 * and status, resolved from the spec by @seriousme/openapi-schema-validator) checks them all.
 * It fails on an answer whose status the route does not list, whose media type the status does
 * not describe, or whose body does not match the schema; and (--coverage) on a documented
 * operation that has no 2xx or no 4xx answer here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_crypto.h"
#include "px_test.h"
#include "px_test_epcis.h"

#define ANSWERS "api_conformance_answers.jsonl"
#define MAH_GLN "4012345000009"
#define CMO_GLN "4012345000016"
#define NO_SUCH_ID "00000000-0000-4000-8000-000000000000"
#define EXPIRY "751231"

typedef struct fixture {
    px_test_env env;
    FILE *answers;
    px_test_party admin, mah;
    char auditor_key[64], regulator_key[64], cmo_key[64];
    char gtin[15];
} fixture;

/* Performs the request, fails the test unless the status is want, records the answer for the
 * checker; returns the parsed JSON body (caller json_decref()s) or NULL. */
static json_t *call_h(fixture *f, const char *method, const char *path, const char *key,
                      const char *body, const char *const *headers, long want)
{
    px_http_resp r;
    px_http(&f->env, &r, method, path, key, body, headers);
    /* application/json and every +json type (problem+json, ld+json): the checker holds each
     * to its schema. */
    const char *semi = strchr(r.content_type, ';');
    size_t mlen = semi ? (size_t)(semi - r.content_type) : strlen(r.content_type);
    int is_json = (mlen == 16 && strncmp(r.content_type, "application/json", 16) == 0) ||
                  (mlen > 5 && strncmp(r.content_type + mlen - 5, "+json", 5) == 0);
    json_t *line = json_pack("{s:s, s:s, s:i, s:s, s:o}", "method", method, "path", path, "status",
                             (int)r.status, "content_type", r.content_type, "body",
                             is_json && r.body ? json_stringn(r.body, r.len) : json_null());
    assert_non_null(line);
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    assert_non_null(text);
    fprintf(f->answers, "%s\n", text);
    fflush(f->answers);
    free(text);
    if (r.status != want)
        fail_msg("%s %s: got %ld, want %ld: %s", method, path, r.status, want,
                 r.body ? r.body : "");
    json_t *j = r.json ? json_incref(r.json) : NULL;
    px_http_resp_free(&r);
    return j;
}

static json_t *call(fixture *f, const char *method, const char *path, const char *key,
                    const char *body, long want)
{
    return call_h(f, method, path, key, body, NULL, want);
}

static void expect(fixture *f, const char *method, const char *path, const char *key,
                   const char *body, long want)
{
    json_decref(call(f, method, path, key, body, want));
}

static void copy_field(char *dst, size_t cap, json_t *o, const char *name)
{
    const char *v = json_string_value(json_object_get(o, name));
    if (!v)
        fail_msg("answer has no string %s", name);
    snprintf(dst, cap, "%s", v);
}

/* Polls path until its "status" is completed (bounded), each answer checked like any other. */
static json_t *wait_completed(fixture *f, const char *path, const char *key)
{
    for (int i = 0; i < 600; i++) {
        json_t *j = call(f, "GET", path, key, NULL, 200);
        const char *st = json_string_value(json_object_get(j, "status"));
        if (st && strcmp(st, "completed") == 0)
            return j;
        if (st && strcmp(st, "failed") == 0)
            fail_msg("%s failed", path);
        json_decref(j);
        usleep(50 * 1000);
    }
    fail_msg("%s did not complete", path);
    return NULL;
}

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1:9");
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "operator", "Conformance operator", "admin", f->admin.org,
                    f->admin.key);
    f->answers = fopen(ANSWERS, "w");
    assert_non_null(f->answers);
    px_test_gtin(f->gtin, 4242);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->answers)
        fclose(f->answers);
    px_test_teardown(&f->env);
    free(f);
    return 0;
}

/* ---- the routes, in the order a tenant meets them ---------------------------------------- */

static void operations(fixture *f)
{
    static const char *const bad_header[] = {"X-Note: a\x7f"
                                             "b",
                                             NULL};
    static const char *const gzip[] = {"Transfer-Encoding: gzip", NULL};
    expect(f, "GET", "/healthz", NULL, NULL, 200);
    json_decref(call_h(f, "GET", "/healthz", NULL, NULL, bad_header, 400));
    json_decref(call_h(f, "GET", "/healthz", NULL, NULL, gzip, 501));
    expect(f, "GET", "/readyz", NULL, NULL, 200);
    json_decref(call_h(f, "GET", "/readyz", NULL, NULL, bad_header, 400));
    expect(f, "GET", "/metrics", NULL, NULL, 200);
    json_decref(call_h(f, "GET", "/metrics", NULL, NULL, bad_header, 400));
}

/* The monthly partitions (the operator's): listed, made ahead, a month detached; and the
 * audit checkpoint pass. */
static void partitions(fixture *f)
{
    expect(f, "GET", "/v1/partitions?first=3", f->admin.key, NULL, 200);
    expect(f, "GET", "/v1/partitions", f->mah.key, NULL, 403);
    expect(f, "POST", "/v1/partitions/ensure", f->admin.key, "{\"ahead\":2}", 200);
    expect(f, "POST", "/v1/partitions/ensure", f->admin.key, "{\"ahead\":0}", 422);
    px_sqlf(&f->env, "SELECT partition_add_month('vrs_request', '2018-03-01')");
    expect(f, "POST", "/v1/partitions/vrs_request_p201803/detach", f->admin.key, NULL, 200);
    expect(f, "POST", "/v1/partitions/vrs_request_p201803/detach", f->admin.key, NULL, 404);
    /* A checkpoint pass on demand, the operator's too. */
    expect(f, "POST", "/v1/audit/checkpoints", f->admin.key, NULL, 200);
    expect(f, "POST", "/v1/audit/checkpoints", f->mah.key, NULL, 403);
}

static void organizations_and_keys(fixture *f)
{
    char body[512], path[128];
    json_t *j = call(f, "POST", "/v1/orgs", f->admin.key,
                     "{\"kind\":\"mah\",\"name\":\"Conformance MAH\",\"gln\":\"" MAH_GLN
                     "\",\"gln_prefix_length\":7}",
                     201);
    copy_field(f->mah.org, sizeof(f->mah.org), j, "org_id");
    json_decref(j);
    expect(f, "POST", "/v1/orgs", f->admin.key, "{\"kind\":\"shop\",\"name\":\"X\"}", 422);
    expect(f, "POST", "/v1/orgs", f->admin.key, "[1]", 400);
    expect(f, "POST", "/v1/orgs", NULL, "{\"kind\":\"mah\",\"name\":\"X\"}", 401);

    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"mah\",\"label\":\"ci\"}",
             f->mah.org);
    j = call(f, "POST", "/v1/keys", f->admin.key, body, 201);
    copy_field(f->mah.key, sizeof(f->mah.key), j, "api_key");
    json_decref(j);
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"auditor\"}", f->mah.org);
    j = call(f, "POST", "/v1/keys", f->admin.key, body, 201);
    copy_field(f->auditor_key, sizeof(f->auditor_key), j, "api_key");
    json_decref(j);
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"root\"}", f->mah.org);
    expect(f, "POST", "/v1/keys", f->admin.key, body, 422);
    expect(f, "POST", "/v1/orgs", f->mah.key, "{\"kind\":\"mah\",\"name\":\"X\"}", 403);

    char reg_org[40];
    j = call(f, "POST", "/v1/orgs", f->admin.key,
             "{\"kind\":\"regulator\",\"name\":\"Conformance regulator\",\"market\":\"DE\"}", 201);
    copy_field(reg_org, sizeof(reg_org), j, "org_id");
    json_decref(j);
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"regulator\"}", reg_org);
    j = call(f, "POST", "/v1/keys", f->admin.key, body, 201);
    copy_field(f->regulator_key, sizeof(f->regulator_key), j, "api_key");
    json_decref(j);

    /* a spare key, revoked */
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"mah\"}", f->mah.org);
    j = call(f, "POST", "/v1/keys", f->admin.key, body, 201);
    char key_id[64];
    copy_field(key_id, sizeof(key_id), j, "key_id");
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/keys/%s", key_id);
    expect(f, "DELETE", path, f->admin.key, NULL, 200);
    expect(f, "DELETE", "/v1/keys/" NO_SUCH_ID, f->admin.key, NULL, 404);

    expect(f, "GET", "/v1/whoami", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/whoami", NULL, NULL, 401);
    expect(f, "GET", "/v1/whoami", "not-a-key", NULL, 401);
}

static void products_and_settings(fixture *f)
{
    char body[512], path[160];
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"company_prefix_length\":7,\"name\":\"Conformance 500 mg\","
             "\"market\":\"DE\",\"nhrn\":{\"ai\":\"710\",\"value\":\"PZN1234567\"},"
             "\"master_data\":{\"dosage_form\":\"CAPSULE\",\"strength\":\"500 mg\"}}",
             f->gtin);
    expect(f, "POST", "/v1/products", f->mah.key, body, 201);
    expect(f, "POST", "/v1/products", f->mah.key, body, 409);
    expect(f, "POST", "/v1/products", f->mah.key, "{\"gtin\":\"123\",\"name\":\"x\"}", 422);
    px_test_product_master(&f->env, f->gtin);
    expect(f, "GET", "/v1/products", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/products?first=0", f->mah.key, NULL, 400);
    snprintf(path, sizeof(path), "/v1/products/%s", f->gtin);
    expect(f, "GET", path, f->auditor_key, NULL, 200);
    expect(f, "GET", "/v1/products/04012345999993", f->mah.key, NULL, 404);

    expect(f, "GET", "/v1/serial-settings", f->mah.key, NULL, 404);
    expect(f, "PUT", "/v1/serial-settings", f->mah.key,
           "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,\"symbols\":\"ABCDEFGH2345\"}",
           201);
    expect(f, "PUT", "/v1/serial-settings", f->mah.key,
           "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":12}", 409);
    expect(f, "GET", "/v1/serial-settings", f->mah.key, NULL, 200);

    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", f->gtin);
    expect(f, "GET", path, f->mah.key, NULL, 200); /* the organization's, so far */
    expect(f, "PUT", path, f->mah.key, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":3}", 422);
    expect(f, "PUT", path, f->mah.key, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":12}", 201);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    expect(f, "PUT", path, f->mah.key, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":12}", 409);
    expect(f, "GET", "/v1/products/04012345999993/serial-settings", f->mah.key, NULL, 404);
    snprintf(path, sizeof(path), "/v1/products/%s", f->gtin);
    expect(f, "GET", path, f->mah.key, NULL, 200); /* now with its serial settings */
}

static void partners(fixture *f, char *partnership_id)
{
    char body[256], path[160];
    snprintf(body, sizeof(body),
             "{\"name\":\"Conformance CMO\",\"gln\":\"" CMO_GLN
             "\",\"gln_prefix_length\":7,\"gtins\":[\"%s\"]}",
             f->gtin);
    json_t *j = call(f, "POST", "/v1/partners", f->mah.key, body, 201);
    copy_field(f->cmo_key, sizeof(f->cmo_key), j, "api_key");
    copy_field(partnership_id, 40, j, "partnership_id");
    json_decref(j);
    expect(f, "POST", "/v1/partners", f->mah.key, "{\"gtins\":[]}", 422);
    expect(f, "GET", "/v1/partners", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/partners", f->cmo_key, NULL, 403);
    snprintf(path, sizeof(path), "/v1/partners/%s", partnership_id);
    expect(f, "GET", path, f->auditor_key, NULL, 200);
    expect(f, "PATCH", path, f->mah.key, "{\"status\":\"active\"}", 200);
    expect(f, "PATCH", path, f->mah.key, "{\"status\":\"gone\"}", 422);
    expect(f, "GET", "/v1/partners/" NO_SUCH_ID, f->mah.key, NULL, 404);
}

/* Allocates 6 serials to the CMO; their values into serials[6][24]. */
static void allocations(fixture *f, char *allocation_id, char serials[6][24])
{
    char path[200];
    snprintf(path, sizeof(path), "/v1/products/%s/allocations", f->gtin);
    json_t *j = call(f, "POST", path, f->cmo_key, "{\"count\":6,\"label\":\"line 1\"}", 202);
    char job_id[40];
    copy_field(job_id, sizeof(job_id), j, "job_id");
    copy_field(allocation_id, 40, j, "allocation_id");
    json_decref(j);
    expect(f, "POST", path, f->cmo_key, "{\"count\":0}", 422);
    expect(f, "POST", "/v1/products/04012345999993/allocations", f->mah.key, "{\"count\":1}", 404);

    snprintf(path, sizeof(path), "/v1/jobs/%s", job_id);
    json_decref(wait_completed(f, path, f->cmo_key));
    expect(f, "GET", "/v1/jobs/" NO_SUCH_ID, f->cmo_key, NULL, 404);
    /* A retry: of a job that did not fail (409), then of the same job failed by hand (202,
     * and it completes again), of no job (404). */
    char retry[200];
    snprintf(retry, sizeof(retry), "/v1/jobs/%s/retry", job_id);
    expect(f, "POST", retry, f->cmo_key, NULL, 409);
    px_sqlf(&f->env, "UPDATE job SET status = 'failed', error = 'failed by hand' WHERE id = '%s'",
            job_id);
    expect(f, "POST", retry, f->cmo_key, NULL, 202);
    json_decref(wait_completed(f, path, f->cmo_key));
    expect(f, "POST", "/v1/jobs/" NO_SUCH_ID "/retry", f->cmo_key, NULL, 404);

    snprintf(path, sizeof(path), "/v1/allocations/%s", allocation_id);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/allocations/" NO_SUCH_ID, f->mah.key, NULL, 404);
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials?first=6", allocation_id);
    j = call(f, "GET", path, f->cmo_key, NULL, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 6);
    for (size_t i = 0; i < 6; i++)
        snprintf(serials[i], 24, "%s",
                 json_string_value(json_object_get(json_array_get(items, i), "serial")));
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials?first=x", allocation_id);
    expect(f, "GET", path, f->cmo_key, NULL, 400);
}

static void commission(fixture *f, char serials[6][24])
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"product_code\":\"%s\",\"product_code_schema\":\"GTIN\",\"batch\":\"B1\","
             "\"expiry_date\":\"" EXPIRY "\",\"serials\":[\"%s\",\"%s\",\"%s\",\"%s\",\"%s\","
             "\"%s\",\"EXT0001\"]}",
             f->gtin, serials[0], serials[1], serials[2], serials[3], serials[4], serials[5]);
    static const char *const idem[] = {"Idempotency-Key: conformance-1", NULL};
    json_decref(call_h(f, "POST", "/v1/commissions", f->cmo_key, body, idem, 200));
    json_decref(call_h(f, "POST", "/v1/commissions", f->cmo_key, body, idem, 200)); /* replay */
    json_decref(call(f, "POST", "/v1/commissions", f->cmo_key, body, 409));         /* duplicates */
    snprintf(body, sizeof(body),
             "{\"product_code\":\"%s\",\"product_code_schema\":\"GTIN\",\"batch\":\"B1\","
             "\"expiry_date\":\"" EXPIRY "\",\"serials\":[\"EXT0002\", \"%s\"],"
             "\"partial\":true}",
             f->gtin, serials[0]);
    expect(f, "POST", "/v1/commissions", f->cmo_key, body, 200); /* one rejected item */
    expect(f, "POST", "/v1/commissions", f->cmo_key,
           "{\"product_code\":\"4012345000001\",\"product_code_schema\":\"GTIN\","
           "\"batch\":\"B1\",\"expiry_date\":\"" EXPIRY "\",\"serials\":[\"A1\"]}",
           422);
}

static const char *path_of_allocation(char *path, size_t cap, const char *id)
{
    snprintf(path, cap, "/v1/sscc-allocations/%s/ssccs", id);
    return path;
}

/* The packing hierarchy (docs/aggregation.md): an SSCC pool and one pack into a case. */
static void packing(fixture *f)
{
    char id[48], path[160], sscc[24], body[512];
    json_t *j = call(f, "POST", "/v1/sscc-allocations", f->cmo_key, "{\"count\":2}", 202);
    copy_field(id, sizeof(id), j, "allocation_id");
    json_decref(j);
    expect(f, "POST", "/v1/sscc-allocations", f->cmo_key, "{\"count\":0}", 422);
    j = call(f, "GET", path_of_allocation(path, sizeof(path), id), f->cmo_key, NULL, 200);
    copy_field(sscc, sizeof(sscc), json_array_get(json_object_get(j, "items"), 0), "sscc");
    json_decref(j);
    expect(f, "GET", "/v1/sscc-allocations/00000000-0000-4000-8000-000000000000/ssccs", f->cmo_key,
           NULL, 404);
    expect(f, "GET", "/v1/sscc-allocations", f->cmo_key, NULL, 200);
    expect(f, "GET", "/v1/sscc-allocations?first=0", f->cmo_key, NULL, 400);
    snprintf(path, sizeof(path), "/v1/sscc-allocations/%s", id);
    expect(f, "GET", path, f->cmo_key, NULL, 200);
    expect(f, "GET", "/v1/sscc-allocations/00000000-0000-4000-8000-000000000000", f->cmo_key,
           NULL, 404);
    snprintf(body, sizeof(body),
             "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[{\"gtin\":"
             "\"%s\",\"serial\":\"EXT0002\"}]}",
             sscc, f->gtin);
    expect(f, "POST", "/v1/aggregations", f->cmo_key, body, 201);
    expect(f, "POST", "/v1/aggregations", f->cmo_key, body, 409); /* already_packed */
    /* Many parents in one request: the second SSCC of the pool, and its refusal's details
     * with parent_index. */
    char second[24];
    j = call(f, "GET", path_of_allocation(path, sizeof(path), id), f->cmo_key, NULL, 200);
    copy_field(second, sizeof(second), json_array_get(json_object_get(j, "items"), 1), "sscc");
    json_decref(j);
    snprintf(body, sizeof(body),
             "{\"action\":\"pack\",\"aggregations\":[{\"parent\":{\"sscc\":\"%s\"},"
             "\"children\":[{\"gtin\":\"%s\",\"serial\":\"EXT0001\"}]}]}",
             second, f->gtin);
    expect(f, "POST", "/v1/aggregations", f->cmo_key, body, 201);
    expect(f, "POST", "/v1/aggregations", f->cmo_key, body, 409);
    snprintf(path, sizeof(path), "/v1/containers/%s?depth=all", sscc);
    expect(f, "GET", path, f->cmo_key, NULL, 200);
    expect(f, "GET", "/v1/containers/003551540000001015", f->cmo_key, NULL, 404);
    snprintf(path, sizeof(path), "/v1/containers/%s/label.png", sscc);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    snprintf(path, sizeof(path), "/v1/containers/%s/label.svg?symbology=datamatrix", sscc);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    snprintf(path, sizeof(path), "/v1/containers/%s/label.svg?symbology=qr", sscc);
    expect(f, "GET", path, f->mah.key, NULL, 400);
    expect(f, "GET", "/v1/containers/003551540000001015/label.png", f->mah.key, NULL, 404);
}

static void packs_and_carriers(fixture *f, char serials[6][24])
{
    static const char *const kinds[] = {"datamatrix.png", "datamatrix.svg", "qr.png", "qr.svg",
                                        "carrier"};
    char path[200];
    snprintf(path, sizeof(path), "/v1/packs/%s/%s", f->gtin, serials[0]);
    json_t *pack = call(f, "GET", path, f->mah.key, NULL, 200);
    /* AI 17 as stored, and the day it stands for. */
    assert_string_equal(px_test_str(pack, "expiry"), EXPIRY);
    assert_string_equal(px_test_str(pack, "expiry_date"), "2075-12-31");
    json_decref(pack);
    snprintf(path, sizeof(path), "/v1/packs/%s/NOSUCH", f->gtin);
    expect(f, "GET", path, f->mah.key, NULL, 404);
    /* A serial outside GS1's set 82 is no pack's (checked before any read). */
    snprintf(path, sizeof(path), "/v1/packs/%s/A%%20B%%E2%%82%%AC", f->gtin);
    expect(f, "GET", path, f->mah.key, NULL, 404);
    for (size_t k = 0; k < PX_COUNT(kinds); k++) {
        snprintf(path, sizeof(path), "/v1/packs/%s/%s/%s", f->gtin, serials[0], kinds[k]);
        expect(f, "GET", path, f->cmo_key, NULL, 200);
        snprintf(path, sizeof(path), "/v1/packs/%s/NOSUCH/%s", f->gtin, kinds[k]);
        expect(f, "GET", path, f->mah.key, NULL, 404);
        if (strcmp(kinds[k], "carrier") != 0) {
            snprintf(path, sizeof(path), "/v1/packs/%s/%s/%s?module=0", f->gtin, serials[0],
                     kinds[k]);
            expect(f, "GET", path, f->mah.key, NULL, 422);
        }
    }
    snprintf(path, sizeof(path), "/v1/verify/%s/%s?batch=B1&expiry=" EXPIRY, f->gtin, serials[0]);
    expect(f, "GET", path, NULL, NULL, 200);
    expect(f, "GET", "/v1/verify/123/ABC", NULL, NULL, 422);
}

static void print_and_export(fixture *f, const char *allocation_id, char serials[6][24])
{
    char body[512], path[256];
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"serials\":[\"%s\",\"%s\"],\"line\":\"L1\",\"operator\":\"op\"}",
             f->gtin, serials[4], serials[5]);
    json_t *j = call(f, "POST", "/v1/print-jobs", f->cmo_key, body, 201);
    char job[40];
    copy_field(job, sizeof(job), j, "print_job_id");
    json_decref(j);
    expect(f, "POST", "/v1/print-jobs", f->cmo_key, body, 409); /* already printed */
    expect(f, "POST", "/v1/print-jobs", f->cmo_key, "{\"gtin\":\"1\"}", 422);
    expect(f, "GET", "/v1/print-jobs", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/print-jobs?gtin=040123459999931", f->mah.key, NULL, 422);
    snprintf(path, sizeof(path), "/v1/print-jobs/%s", job);
    expect(f, "GET", path, f->cmo_key, NULL, 200);
    expect(f, "GET", "/v1/print-jobs/" NO_SUCH_ID, f->cmo_key, NULL, 404);
    snprintf(path, sizeof(path), "/v1/print-jobs/%s/serials", job);
    expect(f, "GET", path, f->cmo_key, NULL, 200);
    snprintf(path, sizeof(path), "/v1/print-jobs/%s/serials?first=-1", job);
    expect(f, "GET", path, f->cmo_key, NULL, 400);

    snprintf(body, sizeof(body), "{\"allocation_id\":\"%s\"}", allocation_id);
    j = call(f, "POST", "/v1/exports", f->cmo_key, body, 202);
    char export_id[40];
    copy_field(export_id, sizeof(export_id), j, "export_id");
    json_decref(j);
    expect(f, "POST", "/v1/exports", f->cmo_key, "{}", 422);
    expect(f, "POST", "/v1/exports", f->cmo_key, "{\"allocation_id\":\"" NO_SUCH_ID "\"}", 404);
    snprintf(path, sizeof(path), "/v1/exports/%s", export_id);
    j = wait_completed(f, path, f->cmo_key);
    char url[1024];
    copy_field(url, sizeof(url), j, "url");
    json_decref(j);
    expect(f, "GET", "/v1/exports/" NO_SUCH_ID, f->cmo_key, NULL, 404);
    const char *rel = strstr(url, "/v1/exports/");
    assert_non_null(rel);
    expect(f, "GET", rel, NULL, NULL, 200);
    snprintf(path, sizeof(path), "/v1/exports/%s/download?expires=1&sig=00", export_id);
    expect(f, "GET", path, NULL, NULL, 403);
}

/* Carriers in bulk and saved designs (docs/carrier.md "Batches"). */
static void carrier_batches(fixture *f, char serials[6][24])
{
    char body[512], path[256], url[1024], carrier[160];
    json_t *j = call(f, "POST", "/v1/carrier-templates", f->mah.key,
                     "{\"name\":\"Conformance\",\"design\":{\"quiet_zone\":null}}", 201);
    snprintf(path, sizeof(path), "/v1/carrier-templates/%s",
             json_string_value(json_object_get(j, "template_id")));
    json_decref(j);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/carrier-templates/" NO_SUCH_ID, f->mah.key, NULL, 404);
    expect(f, "POST", "/v1/carrier-templates", f->mah.key, "{\"name\":\"\"}", 422);
    snprintf(body, sizeof(body),
             "{\"items\":[{\"gtin\":\"%s\",\"serial\":\"%s\"},{\"gtin\":\"1\",\"serial\":\"x\"}]}",
             f->gtin, serials[3]);
    j = call(f, "POST", "/v1/carrier-batches", f->mah.key, body, 202);
    snprintf(path, sizeof(path), "/v1/carrier-batches/%s",
             json_string_value(json_object_get(j, "id")));
    json_decref(j);
    expect(f, "POST", "/v1/carrier-batches", f->mah.key, "{\"items\":[]}", 422);
    j = wait_completed(f, path, f->mah.key);
    copy_field(url, sizeof(url), j, "download_url");
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    snprintf(carrier, sizeof(carrier), "%s", json_string_value(json_object_get(it, "png")));
    json_decref(j);
    expect(f, "GET", "/v1/carrier-batches/" NO_SUCH_ID, f->mah.key, NULL, 404);
    const char *rel = strstr(url, "/v1/carrier-batches/");
    assert_non_null(rel);
    expect(f, "GET", rel, NULL, NULL, 200);
    snprintf(body, sizeof(body), "%.*s/download?expires=1&sig=00",
             (int)(strstr(rel, "/download") - rel), rel);
    expect(f, "GET", body, NULL, NULL, 403);
    expect(f, "GET", carrier, f->mah.key, NULL, 200);
    size_t n = strlen(carrier);
    carrier[n - 3] = 's', carrier[n - 2] = 'v', carrier[n - 1] = 'g';
    expect(f, "GET", carrier, f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/carriers/" NO_SUCH_ID "/symbol.png", f->mah.key, NULL, 404);
    expect(f, "GET", "/v1/carriers/" NO_SUCH_ID "/symbol.svg", f->mah.key, NULL, 404);
}

static void release_and_reports(fixture *f, char serials[6][24])
{
    char body[512], path[200];
    expect(f, "POST", "/v1/regulator-endpoints", f->mah.key,
           "{\"market\":\"DE\",\"url\":\"http://127.0.0.1:9/epcis?token=x\","
           "\"receiver_gln\":\"4012345000023\"}",
           201);
    expect(f, "POST", "/v1/regulator-endpoints", f->mah.key,
           "{\"market\":\"DE\",\"url\":\"ftp://example.invalid/\"}", 422);
    expect(f, "GET", "/v1/regulator-endpoints", f->auditor_key, NULL, 200);
    expect(f, "GET", "/v1/regulator-endpoints", f->cmo_key, NULL, 403);

    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"batch\":\"B1\",\"market\":\"DE\",\"serials\":[\"%s\"],"
             "\"dry_run\":true}",
             f->gtin, serials[0]);
    expect(f, "POST", "/v1/releases", f->mah.key, body, 200);
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"batch\":\"B1\",\"market\":\"DE\",\"serials\":[\"%s\"]}", f->gtin,
             serials[0]);
    expect(f, "POST", "/v1/releases", f->cmo_key, body, 403);
    json_t *j = call(f, "POST", "/v1/releases", f->mah.key, body, 201);
    char report_id[40];
    copy_field(report_id, sizeof(report_id), j, "report_id");
    json_decref(j);
    expect(f, "POST", "/v1/releases", f->mah.key, body, 409); /* released already */

    expect(f, "GET", "/v1/reports", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/reports?market=DE", f->regulator_key, NULL, 200);
    expect(f, "GET", "/v1/reports?state=lost", f->mah.key, NULL, 422);
    snprintf(path, sizeof(path), "/v1/reports/%s", report_id);
    expect(f, "GET", path, f->auditor_key, NULL, 200);
    expect(f, "GET", "/v1/reports/" NO_SUCH_ID, f->mah.key, NULL, 404);
    snprintf(path, sizeof(path), "/v1/reports/%s/document", report_id);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/reports/" NO_SUCH_ID "/document", f->mah.key, NULL, 404);
    snprintf(path, sizeof(path), "/v1/reports/%s/retry", report_id);
    expect(f, "POST", path, f->mah.key, NULL, 409); /* not failed */
    /* The report made dead by hand: a delivery attempt already under way when the UPDATE
     * lands writes its own outcome over it when it ends, so the state is set again until it
     * holds (a dead report is never claimed again). */
    char sql[200], check[200];
    snprintf(sql, sizeof(sql), "UPDATE report SET state = 'dead' WHERE id = '%s'", report_id);
    snprintf(check, sizeof(check), "SELECT count(*) FROM report WHERE id = '%s' AND state = 'dead'",
             report_id);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(px_sql_exec(&f->env, sql), 0);
        usleep(100 * 1000);
        if (px_sql_count(&f->env, check) == 1)
            break;
    }
    expect(f, "POST", path, f->mah.key, NULL, 202);
    snprintf(path, sizeof(path), "/v1/reports/%s", report_id);
    expect(f, "GET", path, f->mah.key, NULL, 200); /* dead, with its attempts */

    expect(f, "GET", "/v1/epcis/events", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/epcis/events?EQ_bizStep=", f->mah.key, NULL, 422);
    /* The EPCIS 2.0 REST query: JSON (checked against its schema), JSON-LD, problems. */
    const char *epcis_json[] = {"Accept: application/json", NULL};
    const char *epcis_html[] = {"Accept: text/html", NULL};
    json_decref(call_h(f, "GET", "/epcis/events", f->mah.key, NULL, epcis_json, 200));
    expect(f, "GET", "/epcis/events?perPage=1", f->mah.key, NULL, 200);
    expect(f, "GET", "/epcis/events?EQ_bizStep=bogus", f->mah.key, NULL, 400);
    json_decref(call_h(f, "GET", "/epcis/events", f->mah.key, NULL, epcis_html, 406));
    expect(f, "GET", "/epcis/events/urn%3Auuid%3Anone", f->mah.key, NULL, 404);
    {
        /* One event by its ID, percent-encoded into the path. */
        json_t *q = call_h(f, "GET", "/epcis/events?perPage=1", f->mah.key, NULL, epcis_json, 200);
        const char *eid =
            json_string_value(json_object_get(json_array_get(px_test_event_list(q), 0), "eventID"));
        assert_non_null(eid);
        char epath[512] = "/epcis/events/";
        size_t o = strlen(epath);
        for (const char *s = eid; *s && o + 4 < sizeof(epath); s++)
            o += (size_t)snprintf(epath + o, sizeof(epath) - o,
                                  (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ? "%c"
                                                                                       : "%%%02X",
                                  (unsigned char)*s);
        json_decref(q);
        json_decref(call_h(f, "GET", epath, f->mah.key, NULL, epcis_json, 200));
    }
    /* The binding's browse resources (docs/epcis.md "Browse resources"). */
    {
        const struct {
            int line;
            const char *path;
            long status;
        } v[] = {
            {__LINE__, "/epcis/eventTypes", 200},
            {__LINE__, "/epcis/eventTypes/ObjectEvent", 200},
            {__LINE__, "/epcis/eventTypes/FooEvent", 404},
            {__LINE__, "/epcis/eventTypes/ObjectEvent/events", 200},
            {__LINE__, "/epcis/eventTypes/FooEvent/events", 404},
            {__LINE__, "/epcis/epcs/urn%3Aepc%3Aid%3Asgtin%3A4012345.012345.X1/events", 200},
            {__LINE__, "/epcis/epcs/urn%3Aepc%3Aid%3Agrai%3A4012345.00001.1/events", 404},
            {__LINE__, "/epcis/bizSteps/commissioning/events", 200},
            {__LINE__, "/epcis/bizSteps/bogus/events", 404},
            {__LINE__, "/epcis/bizLocations/urn%3Aepc%3Aid%3Asgln%3A4012345.00000.0/events", 200},
            {__LINE__, "/epcis/bizLocations/nocolon/events", 404},
            {__LINE__, "/epcis/readPoints/urn%3Aepc%3Aid%3Asgln%3A4012345.00000.0/events", 200},
            {__LINE__, "/epcis/readPoints/urn%3Aepc%3Aid%3Asgln%3A4012345.00000.0/events?perPage=0",
             400},
            {__LINE__, "/epcis/dispositions/active/events", 200},
            {__LINE__, "/epcis/dispositions/bogus/events", 404},
            {__LINE__, "/epcis/epcs/urn%3Aepc%3Aid%3Asgtin%3A4012345.012345.X1", 200},
            {__LINE__, "/epcis/epcs/urn%3Aepc%3Aid%3Agrai%3A4012345.00001.1", 404},
            {__LINE__, "/epcis/bizSteps", 200},
            {__LINE__, "/epcis/bizSteps?perPage=0", 400},
            {__LINE__, "/epcis/bizSteps/shipping", 200},
            {__LINE__, "/epcis/bizSteps/bogus", 404},
            {__LINE__, "/epcis/bizLocations/urn%3Aepc%3Aid%3Asgln%3A4012345.00000.0", 200},
            {__LINE__, "/epcis/bizLocations/nocolon", 404},
            {__LINE__, "/epcis/readPoints/urn%3Aepc%3Aid%3Asgln%3A4012345.00000.0", 200},
            {__LINE__, "/epcis/readPoints/nocolon", 404},
            {__LINE__, "/epcis/dispositions", 200},
            {__LINE__, "/epcis/dispositions?colour=blue", 400},
            {__LINE__, "/epcis/dispositions/active", 200},
            {__LINE__, "/epcis/dispositions/bogus", 404},
            {__LINE__, "/epcis/epcs", 200},
            {__LINE__, "/epcis/epcs?nextPageToken=bogus", 400},
            {__LINE__, "/epcis/readPoints?perPage=2", 200},
            {__LINE__, "/epcis/readPoints?perPage=0", 400},
            {__LINE__, "/epcis/bizLocations", 200},
            {__LINE__, "/epcis/bizLocations?colour=blue", 400},
        };
        for (size_t i = 0; i < PX_COUNT(v); i++)
            json_decref(call_h(f, "GET", v[i].path, f->mah.key, NULL, epcis_json, v[i].status));
        /* The collection of event types has no value to refuse: its 4xx is the key's. */
        json_decref(call_h(f, "GET", "/epcis/eventTypes", NULL, NULL, epcis_json, 401));
        /* The GS1 request headers (docs/epcis.md "Version, EPC format and discovery"). */
        const char *dl[] = {"Accept: application/json", "GS1-EPC-Format: Always_GS1_Digital_Link",
                            NULL};
        const char *v21[] = {"Accept: application/json", "GS1-EPCIS-Min: 2.1", NULL};
        const char *badv[] = {"Accept: application/json", "GS1-CBV-Max: latest", NULL};
        json_decref(call_h(f, "GET", "/epcis/events", f->mah.key, NULL, dl, 200));
        json_decref(call_h(f, "GET", "/epcis/epcs", f->mah.key, NULL, dl, 200));
        json_decref(call_h(f, "GET", "/epcis/events", f->mah.key, NULL, v21, 406));
        json_decref(call_h(f, "GET", "/epcis/bizSteps", f->mah.key, NULL, v21, 406));
        json_decref(call_h(f, "GET", "/epcis/events", f->mah.key, NULL, badv, 400));
        json_decref(call_h(f, "GET", "/epcis/eventTypes", f->mah.key, NULL, badv, 400));
        json_decref(call_h(f, "GET",
                           "/epcis/epcs/https%3A%2F%2Fid.gs1.org%2F01%2F04012345123456%2F21%2FX1"
                           "/events",
                           f->mah.key, NULL, epcis_json, 200));
        json_decref(call_h(f, "GET",
                           "/epcis/events?MATCH_epc=https%3A%2F%2Fid.gs1.org%2F01%2F04012345123456"
                           "%2F10%2FL1",
                           f->mah.key, NULL, epcis_json, 400));
    }
    /* EPCIS 2.0 capture: an empty document (a job with nothing to do), a bad one, the job. */
    const char *epcis_ld[] = {"Content-Type: application/ld+json", NULL};
    json_t *cj = call_h(f, "POST", "/epcis/capture", f->mah.key,
                        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
                        "epcis-context.jsonld\"],\"type\":\"EPCISDocument\",\"schemaVersion\":"
                        "\"2.0\",\"creationDate\":\"2025-03-01T10:00:00.000Z\",\"epcisBody\":"
                        "{\"eventList\":[]}}",
                        epcis_ld, 202);
    char cpath[96];
    snprintf(cpath, sizeof(cpath), "/epcis/capture/%s",
             json_string_value(json_object_get(cj, "captureID")));
    json_decref(cj);
    expect(f, "GET", cpath, f->mah.key, NULL, 200);
    expect(f, "GET", "/epcis/capture/" NO_SUCH_ID, f->mah.key, NULL, 404);
    json_decref(call_h(f, "POST", "/epcis/capture", f->mah.key, "{", epcis_ld, 400));
}

static void decommission_and_recall(fixture *f, char serials[6][24])
{
    char body[512], path[200];
    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"serials\":[\"%s\"],\"reason\":\"damaged\"}",
             f->gtin, serials[1]);
    expect(f, "POST", "/v1/decommissions", f->cmo_key, body, 200);
    snprintf(path, sizeof(path), "/v1/packs/%s/%s", f->gtin, serials[1]);
    expect(f, "GET", path, f->mah.key, NULL, 200); /* decommissioned: reason and by whom */
    expect(f, "POST", "/v1/decommissions", f->cmo_key, body, 409);
    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"serials\":[\"%s\"],\"reason\":\"lost\"}",
             f->gtin, serials[2]);
    expect(f, "POST", "/v1/decommissions", f->mah.key, body, 422);

    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"serials\":[\"%s\"],\"reason\":\"mistake\"}",
             f->gtin, serials[1]);
    expect(f, "POST", "/v1/reactivations", f->cmo_key, body, 200);
    expect(f, "POST", "/v1/reactivations", f->cmo_key, body, 409);

    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"batch\":\"B1\"}", f->gtin);
    expect(f, "POST", "/v1/recalls", f->cmo_key, body, 403);
    expect(f, "POST", "/v1/recalls", f->mah.key, body, 201);
    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"batch\":\"B1\",\"reason\":\"oops\"}", f->gtin);
    expect(f, "POST", "/v1/recalls", f->mah.key, body, 422);
}

static void audit(fixture *f)
{
    expect(f, "GET", "/v1/audit", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/audit?after=%25%25", f->auditor_key, NULL, 400);
    expect(f, "GET", "/v1/audit/verify", f->auditor_key, NULL, 200);
    expect(f, "GET", "/v1/audit/verify", f->cmo_key, NULL, 403);
    expect(f, "GET", "/v1/audit/checkpoints", f->auditor_key, NULL, 200);
    expect(f, "GET", "/v1/audit/checkpoints?first=0", f->mah.key, NULL, 400);
}

/* The repair routes: changes of organizations, products and endpoints, a MAH's own keys, the
 * lists newest first, the webhook (docs/api.md). */
static void repairs(fixture *f)
{
    char path[200], body[256], endpoint_id[40];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->mah.org);
    expect(f, "PATCH", path, f->mah.key, "{\"name\":\"Conformance MAH\"}", 200);
    expect(f, "PATCH", path, f->mah.key, "{\"gln\":\"0000000000000\"}", 422);
    expect(f, "PATCH", "/v1/orgs/" NO_SUCH_ID, f->mah.key, "{\"name\":\"x\"}", 404);
    /* Allotments: set by the operator, read by the organization; beyond one, 403 with what
     * is left (docs/allotments.md). */
    snprintf(path, sizeof(path), "/v1/orgs/%s/allotments", f->mah.org);
    expect(f, "PUT", path, f->admin.key, "{\"serials_per_month\":0}", 200);
    expect(f, "PUT", path, f->mah.key, "{}", 403);
    expect(f, "PUT", path, f->admin.key, "{\"serials_per_month\":\"many\"}", 422);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/orgs/" NO_SUCH_ID "/allotments", f->admin.key, NULL, 404);
    expect(f, "GET", "/v1/allotments", f->admin.key, NULL, 200);
    expect(f, "GET", "/v1/allotments?after=%25%25", f->mah.key, NULL, 400);
    snprintf(body, sizeof(body), "/v1/products/%s/allocations", f->gtin);
    expect(f, "POST", body, f->mah.key, "{\"count\":1}", 403);
    expect(f, "PUT", path, f->admin.key, "{}", 200);
    expect(f, "POST", "/v1/keys", f->mah.key, "{\"role\":\"auditor\"}", 201);
    expect(f, "POST", "/v1/keys", f->mah.key, "{\"role\":\"cmo\"}", 403);
    expect(f, "GET", "/v1/keys?first=1", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/keys", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/keys?org_id=" NO_SUCH_ID, f->mah.key, NULL, 404);
    expect(f, "GET", "/v1/keys", f->cmo_key, NULL, 403);
    snprintf(path, sizeof(path), "/v1/products/%s", f->gtin);
    expect(f, "PATCH", path, f->mah.key, "{\"name\":\"Conformance product v2\"}", 200);
    expect(f, "PATCH", path, f->mah.key, "{\"nhrn\":{\"ai\":\"720\",\"value\":\"1\"}}", 422);
    json_t *j = call(f, "POST", "/v1/regulator-endpoints", f->mah.key,
                     "{\"market\":\"FR\",\"url\":\"http://127.0.0.1:9/fr\"}", 201);
    copy_field(endpoint_id, sizeof(endpoint_id), j, "endpoint_id");
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/regulator-endpoints/%s", endpoint_id);
    expect(f, "PATCH", path, f->mah.key, "{\"active\":false,\"auth_header\":null}", 200);
    expect(f, "PATCH", path, f->mah.key, "{\"hmac_secret\":\"short\"}", 422);
    expect(f, "PATCH", "/v1/regulator-endpoints/" NO_SUCH_ID, f->mah.key, "{\"active\":true}", 404);
    static const char *const lists[] = {"/v1/allocations", "/v1/jobs",     "/v1/exports",
                                        "/v1/commissions", "/v1/releases", NULL};
    for (int i = 0; lists[i]; i++) {
        snprintf(path, sizeof(path), "%s?first=1", lists[i]);
        expect(f, "GET", path, f->mah.key, NULL, 200);
        snprintf(path, sizeof(path), "%s?after=%%25%%25", lists[i]);
        expect(f, "GET", path, f->mah.key, NULL, 400);
    }
    expect(f, "GET", "/v1/webhook", f->mah.key, NULL, 404);
    snprintf(body, sizeof(body),
             "{\"url\":\"http://127.0.0.1:9/hook\",\"secret\":\"conformance-secret-123\","
             "\"events\":[\"report.dead\"]}");
    expect(f, "PUT", "/v1/webhook", f->mah.key, body, 200);
    expect(f, "PUT", "/v1/webhook", f->mah.key, "{\"url\":\"http://127.0.0.1:9/hook\"}", 422);
    expect(f, "GET", "/v1/webhook", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/webhook/deliveries", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/webhook/deliveries", f->cmo_key, NULL, 403);
    /* A dead delivery (as the runner leaves one) retried once; again, 409. */
    char dead[40];
    px_test_dead_webhook_delivery(&f->env, f->mah.org, dead);
    snprintf(path, sizeof(path), "/v1/webhook/deliveries/%s/retry", dead);
    expect(f, "POST", path, f->mah.key, NULL, 202);
    expect(f, "POST", path, f->mah.key, NULL, 409);
    expect(f, "POST", "/v1/webhook/deliveries/" NO_SUCH_ID "/retry", f->mah.key, NULL, 404);
    expect(f, "DELETE", "/v1/webhook", f->mah.key, NULL, 200);
    expect(f, "DELETE", "/v1/webhook", f->mah.key, NULL, 404);
}

/* The DSCSA verification responder and its request log (docs/verification.md). */
static void verification_responder(fixture *f, char serials[][24])
{
    px_test_party ver;
    char path[512], body[256];
    json_t *j = call(f, "POST", "/v1/orgs", f->admin.key,
                     "{\"kind\":\"verifier\",\"name\":\"Conformance wholesaler\",\"gln\":"
                     "\"0614141000005\"}",
                     201);
    copy_field(ver.org, sizeof(ver.org), j, "org_id");
    json_decref(j);
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"verifier\"}", ver.org);
    j = call(f, "POST", "/v1/keys", f->admin.key, body, 201);
    copy_field(ver.key, sizeof(ver.key), j, "api_key");
    json_decref(j);
#define VQ "linkType=verificationService&context=dscsaSaleableReturn&reqGLN=0614141000005"
    /* The responder serves US products only (docs/verification.md): the conformance product is
     * DE's, so its GTIN is not served, and the answers are read of a US product's pack. */
    snprintf(path, sizeof(path), "/vrs/verify/gtin/%s/lot/B1/ser/%s?exp=" EXPIRY "&" VQ, f->gtin,
             serials[0]);
    expect(f, "GET", path, ver.key, NULL, 404);
    char us[15];
    px_test_gtin(us, 4300);
    px_test_product_sql(&f->env, us, f->mah.org, "Conformance 500 mg (US)", "US");
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, origin, batch, expiry) VALUES ('%s', '%s', "
            "'released', 'external', 'B1', '" EXPIRY "')",
            us, serials[0]);
    snprintf(path, sizeof(path), "/vrs/verify/gtin/%s/lot/B1/ser/%s?exp=" EXPIRY "&" VQ, us,
             serials[0]);
    expect(f, "GET", path, ver.key, NULL, 200);
    expect(f, "GET", path, f->mah.key, NULL, 403);
    /* A verifier reads GS1 codes too (POST /v1/gs1/parse takes any key). */
    expect(f, "POST", "/v1/gs1/parse", ver.key, "{\"data\":\"(400)PO1\"}", 200);
    snprintf(path, sizeof(path), "/vrs/verify/gtin/%s/lot/B1/ser/%s?exp=1&" VQ, us, serials[0]);
    expect(f, "GET", path, ver.key, NULL, 400);
    snprintf(path, sizeof(path), "/vrs/verify/01/%s/10/B1/21/%s?17=" EXPIRY "&" VQ, us, serials[0]);
    expect(f, "GET", path, ver.key, NULL, 200);
    expect(f, "GET", path, NULL, NULL, 401);
    snprintf(path, sizeof(path), "/vrs/checkConnectivity?gtin=%s&reqGLN=0614141000005", us);
    expect(f, "GET", path, ver.key, NULL, 200);
    expect(f, "GET", "/vrs/checkConnectivity?gtin=09506000134352&reqGLN=0614141000005", ver.key,
           NULL, 404);
#undef VQ
    expect(f, "GET", "/v1/verification-requests?first=1", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/verification-requests", ver.key, NULL, 200);
    expect(f, "GET", "/v1/verification-requests", f->cmo_key, NULL, 403);
    expect(f, "GET", "/v1/vrs-settings", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/vrs-settings", f->cmo_key, NULL, 403);
    expect(f, "PUT", "/v1/vrs-settings", f->mah.key, "{\"recalled\":\"B1\"}", 200);
    expect(f, "PUT", "/v1/vrs-settings", f->mah.key, "{\"expired\":\"never\"}", 422);
}

/* The verification network (docs/resolver.md): the resolver's forms, the well-known file, the
 * alerts and the passport fields. */
static void verification_network(fixture *f, char serials[][24])
{
    static const char *const as_json[] = {"Accept: application/json", NULL};
    static const char *const bad_header[] = {"X-Note: a\x7f"
                                             "b",
                                             NULL};
    char path[256], id[40];
    /* GET /01/<gtin><path>[<the first serial>]<query> as JSON; gtin NULL the group's own. */
    static const struct {
        const char *gtin, *path;
        int serial;
        const char *query;
        long status;
    } links[] = {
        {NULL, "", 0, "", 200},           {"09506000134353", "", 0, "", 400},
        {NULL, "/21/", 1, "", 200},       {NULL, "/21/", 1, "?linkType=gs1:nosuchlt", 404},
        {NULL, "/10/B1", 0, "", 200},     {"09506000134353", "/10/B1", 0, "", 400},
        {NULL, "/10/B1/21/", 1, "", 200},
    };
    for (size_t i = 0; i < PX_COUNT(links); i++) {
        snprintf(path, sizeof(path), "/01/%s%s%s%s", links[i].gtin ? links[i].gtin : f->gtin,
                 links[i].path, links[i].serial ? serials[0] : "", links[i].query);
        json_decref(call_h(f, "GET", path, NULL, NULL, as_json, links[i].status));
    }
    snprintf(path, sizeof(path), "/01/%s/10/B1/21/%s?linkType=linkset", f->gtin, serials[0]);
    expect(f, "GET", path, NULL, NULL, 200);
    /* The group's product is for DE: the DSCSA responder is no link of its (404; the redirect's
     * 307 is a MAH link's, below). */
    snprintf(path, sizeof(path), "/01/%s/10/B1/21/%s?linkType=verificationService", f->gtin,
             serials[0]);
    expect(f, "GET", path, NULL, NULL, 404);
    json_decref(call_h(f, "GET", "/01/09506000134353/10/B1/21/X", NULL, NULL, as_json, 400));
    expect(f, "GET", "/.well-known/gs1resolver", NULL, NULL, 200);
    json_decref(call_h(f, "GET", "/.well-known/gs1resolver", NULL, NULL, bad_header, 400));
    px_sql_textf(&f->env, id, sizeof(id),
                 "INSERT INTO clone_alert (tenant_id, gtin, serial, kind, rules, opened_at) VALUES "
                 "('%s', '%s', 'CONF1', 'clone', 'lifecycle', now()) RETURNING id",
                 f->mah.org, f->gtin);
    expect(f, "GET", "/v1/alerts?state=open", f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/alerts?state=maybe", f->mah.key, NULL, 422);
    snprintf(path, sizeof(path), "/v1/alerts/%s/close", id);
    expect(f, "POST", path, f->mah.key, "{\"reason\":\"checked\"}", 200);
    expect(f, "POST", path, f->mah.key, "{\"reason\":\"checked\"}", 409);
    expect(f, "POST", "/v1/alerts/" NO_SUCH_ID "/close", f->mah.key, "{\"reason\":\"x\"}", 404);
    snprintf(path, sizeof(path), "/v1/products/%s/passport", f->gtin);
    expect(f, "PUT", path, f->mah.key, "{\"public_fields\":[\"dosage_form\"]}", 200);
    /* A name the master data cannot hold could never be shown: refused. */
    expect(f, "PUT", path, f->mah.key, "{\"public_fields\":[\"form\"]}", 422);
    expect(f, "PUT", path, f->mah.key, "{\"public_fields\":[\"Strength\"]}", 422);
    /* A list of the wrong JSON type, or an item that is no string: invalid_type, as every
     * list answers it (docs/api.md "Errors"). */
    px_test_expect_field(&f->env, "PUT", path, f->mah.key, "{\"public_fields\":\"strength\"}",
                         "public_fields", "invalid_type");
    px_test_expect_field(&f->env, "PUT", path, f->mah.key, "{\"public_fields\":[1]}",
                         "public_fields[0]", "invalid_type");
    expect(f, "PUT", path, f->mah.key, "{\"public_fields\":[\"a b\"]}", 422);
    /* Each of the six names once is the longest list; a seventh is refused before its names
     * are read, as any list over its bound (docs/resolver.md). */
#define ALL6                                                                                       \
    "\"regulated_product_name\",\"dosage_form\",\"strength\",\"pack_size\",\"manufacturer\","      \
    "\"ndc\""
    expect(f, "PUT", path, f->mah.key, "{\"public_fields\":[" ALL6 "]}", 200);
    px_test_expect_field(&f->env, "PUT", path, f->mah.key, "{\"public_fields\":[" ALL6 ",\"ndc\"]}",
                         "public_fields", "invalid_value");
#undef ALL6
    json_t *six = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(six, "public_fields")), 6);
    json_decref(six);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    /* Names stored before the rule (migration 0211): those master data cannot hold go, the
     * others keep their order. */
    px_sqlf(&f->env,
            "UPDATE product_passport SET public_fields = '{form,strength,Strength,ndc}' "
            "WHERE gtin = '%s'",
            f->gtin);
    char sql[2048];
    px_test_read(PX_SOURCE_DIR "/migrations/0211_passport_fields_named.sql", 0, sql, sizeof(sql));
    px_sqlf(&f->env, "%s", sql);
    json_t *pp = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    json_t *names = json_object_get(pp, "public_fields");
    assert_int_equal(json_array_size(names), 2);
    assert_string_equal(json_string_value(json_array_get(names, 0)), "strength");
    assert_string_equal(json_string_value(json_array_get(names, 1)), "ndc");
    json_decref(pp);
    expect(f, "GET", "/v1/products/09506000134352/passport", f->mah.key, NULL, 404);
    /* A product's sub-resources answer an unknown product, and a malformed GTIN, as the
     * product routes do (docs/api.md: product_not_found). */
    static const char *const subs[] = {"/v1/products/09506000134352/passport",
                                       "/v1/products/09506000134352/links",
                                       "/v1/products/123/passport", "/v1/products/123/links"};
    for (size_t i = 0; i < PX_COUNT(subs); i++) {
        px_test_expect(&f->env, "GET", subs[i], f->mah.key, NULL, 404, "product_not_found");
        px_test_expect(&f->env, "PUT", subs[i], f->mah.key,
                       strstr(subs[i], "passport") ? "{\"public_fields\":[\"strength\"]}"
                                                   : "{\"links\":[]}",
                       404, "product_not_found");
    }
    /* A product's passport and links are the MAH's house: its auditors read them, a CMO
     * partnered on the product may neither read nor change them (403, as a role that may
     * never: it answered 404 for a product it reads), told what it may not do. */
    static const char *const own[] = {"passport", "links"};
    for (size_t i = 0; i < PX_COUNT(own); i++) {
        snprintf(path, sizeof(path), "/v1/products/%s/%s", f->gtin, own[i]);
        expect(f, "GET", path, f->auditor_key, NULL, 200);
        px_test_expect(&f->env, "GET", path, f->cmo_key, NULL, 403, "forbidden_role");
        json_t *no =
            px_http_expect(&f->env, "PUT", path, f->cmo_key, "{}", NULL, 403, "forbidden_role");
        assert_non_null(strstr(px_test_str(json_object_get(no, "error"), "message"), own[i]));
        json_decref(no);
    }
    snprintf(path, sizeof(path), "/v1/products/%s/links", f->gtin);
    expect(f, "PUT", path, f->mah.key,
           "{\"links\":[{\"link_type\":\"gs1:pip\",\"href\":\"https://pharma.example/p\","
           "\"title\":\"Product information\",\"lang\":\"en\",\"media_type\":\"text/html\"}]}",
           200);
    char dl[96];
    snprintf(dl, sizeof(dl), "/01/%s?linkType=gs1:pip", f->gtin);
    expect(f, "GET", dl, NULL, NULL, 307);
    expect(f, "PUT", path, f->mah.key,
           "{\"links\":[{\"link_type\":\"gs1:pip\",\"href\":\"http://x\",\"title\":\"t\"}]}", 422);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    expect(f, "GET", "/v1/products/09506000134352/links", f->mah.key, NULL, 404);
    expect(f, "PUT", path, f->mah.key, "{\"links\":[]}", 200);
}

/* Console sessions and files (docs/console.md). The cookie's session is made in the
 * database with a known token (the harness does not read Set-Cookie); its CSRF token is
 * derived as the doc says. */
static void sessions_and_console(fixture *f)
{
    static const char token[] = "ps_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";
    char cookie[128], csrf_h[128], page_asset[64], path[128];
    px_sqlf(&f->env,
            "INSERT INTO console_session (token_hash, key_id, expires_at, idle_seconds) "
            "SELECT sha256('%s'::bytea), k.id, now() + interval '1 hour', 600 FROM api_key k "
            "WHERE k.org_id = '%s' AND k.role = 'mah' LIMIT 1",
            token, f->mah.org);
    char in[64], csrf[64];
    uint8_t h[32];
    int n = snprintf(in, sizeof(in), "packid-csrf:%s", token);
    px_sha256(h, in, (size_t)n);
    px_base64url_encode(csrf, h, sizeof(h));
    snprintf(cookie, sizeof(cookie), "Cookie: packid_session=%s", token);
    snprintf(csrf_h, sizeof(csrf_h), "X-CSRF-Token: %s", csrf);
    const char *with_cookie[] = {cookie, NULL};
    const char *with_csrf[] = {cookie, csrf_h, NULL};
    char body[128];
    snprintf(body, sizeof(body), "{\"api_key\":\"%s\"}", f->mah.key);
    expect(f, "POST", "/v1/sessions", NULL, body, 201);
    expect(f, "POST", "/v1/sessions", NULL, "{\"api_key\":\"pk_nope\"}", 401);
    expect(f, "POST", "/v1/sessions", NULL, "{\"key\":\"x\"}", 422);
    json_decref(call_h(f, "GET", "/v1/sessions/current", NULL, NULL, with_cookie, 200));
    expect(f, "GET", "/v1/sessions/current", f->mah.key, NULL, 404);
    expect(f, "DELETE", "/v1/sessions/current", f->mah.key, NULL, 404);
    json_decref(call_h(f, "DELETE", "/v1/sessions/current", NULL, NULL, with_cookie, 403));
    json_decref(call_h(f, "DELETE", "/v1/sessions/current", NULL, NULL, with_csrf, 200));
    json_decref(call_h(f, "GET", "/v1/sessions/current", NULL, NULL, with_cookie, 401));
    /* The page names its hashed files; one of them is fetched by that name. */
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/console/", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    px_between(r.body, "href=\"app.", "\"", page_asset, sizeof(page_asset));
    px_http_resp_free(&r);
    assert_true(page_asset[0]);
    expect(f, "GET", "/console/", NULL, NULL, 200);
    static const char *const bad_header[] = {"X-Note: a\x7f"
                                             "b",
                                             NULL};
    json_decref(call_h(f, "GET", "/console/", NULL, NULL, bad_header, 400));
    snprintf(path, sizeof(path), "/console/app.%s", page_asset);
    expect(f, "GET", path, NULL, NULL, 200);
    expect(f, "GET", "/console/app.000000000000.js", NULL, NULL, 404);
    /* The address without its slash: a redirect to the page. */
    expect(f, "GET", "/console", NULL, NULL, 308);
    json_decref(call_h(f, "GET", "/console", NULL, NULL, bad_header, 400));
    snprintf(path, sizeof(path), "/v1/batches/%s/B1", f->gtin);
    json_t *batch = call(f, "GET", path, f->auditor_key, NULL, 200);
    assert_string_equal(px_test_str(batch, "expiry_date"), "2075-12-31");
    json_decref(batch);
    expect(f, "GET", path, f->regulator_key, NULL, 403);
    snprintf(path, sizeof(path), "/v1/batches/%s/NO-SUCH-BATCH", f->gtin);
    expect(f, "GET", path, f->mah.key, NULL, 404);
}

/* Bytes that are not UTF-8, percent-encoded in a path or a query (or inside a cursor), are
 * refused at the edge in the error shape: 404 for a path (it names nothing), 400 for a
 * parameter; never a 500 from the database. */
static void not_utf8(fixture *f)
{
    char path[160];
    snprintf(path, sizeof(path), "/v1/packs/%s/%%FF", f->gtin);
    expect(f, "GET", path, f->mah.key, NULL, 404);
    snprintf(path, sizeof(path), "/v1/verify/%s/AB%%C3", f->gtin);
    expect(f, "GET", path, NULL, NULL, 404);
    expect(f, "GET", "/v1/products?after=%FF", f->mah.key, NULL, 400);
    expect(f, "GET", "/v1/products?after=_w", f->mah.key, NULL, 400); /* a cursor of 0xFF */
    expect(f, "GET", "/v1/epcis/events?EQ_bizLocation=urn%3A%FE", f->mah.key, NULL, 400);
    /* %00 is a NUL, which no value holds (a literal '%' is %25): a path value with it names
     * nothing, a query value with it is refused; the pack whose serial is the text "Z%00"
     * is reached by Z%2500 only. */
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, origin, batch, expiry) VALUES ('%s', "
            "'Z%%00', 'commissioned', 'external', 'B1', '" EXPIRY "')",
            f->gtin);
    snprintf(path, sizeof(path), "/v1/packs/%s/Z%%2500", f->gtin);
    expect(f, "GET", path, f->mah.key, NULL, 200);
    snprintf(path, sizeof(path), "/v1/packs/%s/Z%%00", f->gtin);
    expect(f, "GET", path, f->mah.key, NULL, 404);
    snprintf(path, sizeof(path), "/v1/verify/%s/Z%%00", f->gtin);
    expect(f, "GET", path, NULL, NULL, 404);
    expect(f, "GET", "/v1/products?after=%00", f->mah.key, NULL, 400);
    expect(f, "GET", "/epcis/readPoints/urn%3Ax%3Aa%00/events", f->mah.key, NULL, 404);
    expect(f, "GET", "/epcis/readPoints/urn%3Ax%3Aa%00", f->mah.key, NULL, 404);
    /* A cursor packid never issued: 400, as every list's. "abc" is no report id, audit
     * sequence or GTIN; an id a windowed list never holds is no cursor of it. */
    expect(f, "GET", "/v1/reports?after=YWJj", f->mah.key, NULL, 400);
    expect(f, "GET", "/v1/audit?after=YWJj", f->mah.key, NULL, 400);
    expect(f, "GET", "/v1/audit/checkpoints?after=YWJj", f->mah.key, NULL, 400);
    expect(f, "GET", "/v1/products?after=YWJj", f->mah.key, NULL, 400);
    expect(f, "GET", "/v1/partners?after=MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw",
           f->mah.key, NULL, 400);
    /* Nor is a UUID's on the lists paged by id, nor another list's cursor: each list reads
     * only its own (one with a next page gives one). */
    expect(f, "GET", "/v1/commissions?after=MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw",
           f->mah.key, NULL, 400);
    json_t *p = call(f, "GET", "/v1/audit?first=1", f->mah.key, NULL, 200);
    char cur[128], url[256];
    px_test_pct_encode(cur, sizeof(cur), px_test_str(p, "next_cursor"));
    json_decref(p);
    static const char *const others[] = {"/v1/commissions", "/v1/reports", "/v1/jobs",
                                         "/v1/products", "/v1/alerts"};
    for (size_t i = 0; i < PX_COUNT(others); i++) {
        snprintf(url, sizeof(url), "%s?after=%s", others[i], cur);
        expect(f, "GET", url, f->mah.key, NULL, 400);
    }
    snprintf(url, sizeof(url), "/v1/audit?first=1&after=%s", cur);
    expect(f, "GET", url, f->mah.key, NULL, 200);
}

/* POST /v1/gs1/parse reads a code in every form it arrives in to the same elements, says it in
 * the forms of DOMAIN.md §3 and §4.3's worked example (its element string and Digital Link),
 * answers as `packid gs1 check --json` (one shape), and names the rule a broken code breaks
 * with the characters' position. Any key may ask; none is refused. */
static void gs1_codes(fixture *f)
{
#define HRI "(01)09506000134352(17)201225(10)ABC123(21)12345"
    static const struct {
        const char *data, *format, *hri;
    } forms[] = {
        {"]d201095060001343521720122510ABC123\\u001d2112345", "scan_data", HRI},
        {"01095060001343521720122510ABC123\\u001d2112345", "element_string", HRI},
        {HRI, "hri", HRI},
        /* A Digital Link's elements come in its order: key, qualifiers, then the query. */
        {"]Q1https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=201225", "digital_link",
         "(01)09506000134352(10)ABC123(21)12345(17)201225"},
    };
    char body[256];
    for (size_t i = 0; i < PX_COUNT(forms); i++) {
        snprintf(body, sizeof(body), "{\"data\":\"%s\"}", forms[i].data);
        json_t *j =
            call(f, "POST", "/v1/gs1/parse", i % 2 ? f->auditor_key : f->cmo_key, body, 200);
        assert_string_equal(px_test_str(j, "format"), forms[i].format);
        assert_string_equal(px_test_str(j, "hri"), forms[i].hri);
        if (strcmp(forms[i].format, "digital_link") != 0)
            assert_string_equal(px_test_str(j, "element_string"),
                                "01095060001343521720122510ABC123\x1d"
                                "2112345");
        assert_string_equal(px_test_str(j, "digital_link"),
                            "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=201225");
        json_t *els = json_object_get(j, "elements");
        json_t *expiry = json_array_get(els, strcmp(forms[i].format, "digital_link") != 0 ? 1 : 3);
        assert_string_equal(px_test_str(expiry, "ai"), "17");
        assert_string_equal(px_test_str(expiry, "date"), "2020-12-25");
        json_decref(j);
    }
    /* The command line's reading of the same code is the same JSON. */
    int rc;
    const char *args[] = {"gs1", "check", HRI, NULL};
    json_t *cli = px_test_cli(&f->env, &rc, args);
    assert_int_equal(rc, 0);
    json_t *api = call(f, "POST", "/v1/gs1/parse", f->mah.key, "{\"data\":\"" HRI "\"}", 200);
    assert_true(json_equal(cli, api));
    json_decref(cli);
    json_decref(api);
    /* Nine internal AIs of 90 characters make a Digital Link of 891 bytes: written whole. */
    char big[1024] = "{\"data\":\"(01)09506000134352(21)12345";
    for (int ai = 91; ai <= 99; ai++) {
        size_t o = strlen(big);
        snprintf(big + o, sizeof(big) - o, "(%d)%090d", ai, ai);
    }
    strcat(big, "\"}");
    api = call(f, "POST", "/v1/gs1/parse", f->mah.key, big, 200);
    assert_int_equal(strlen(px_test_str(api, "digital_link")), 891);
    json_decref(api);
    /* Data with no Digital Link primary key has no Digital Link; an EPC URI is read too (the
     * EPC Tag Data Standard's SGTIN example). */
    api = call(f, "POST", "/v1/gs1/parse", f->regulator_key, "{\"data\":\"(400)PO123\"}", 200);
    assert_true(json_is_null(json_object_get(api, "digital_link")));
    json_decref(api);
    api = call(f, "POST", "/v1/gs1/parse", f->mah.key,
               "{\"data\":\"urn:epc:id:sgtin:0614141.812345.6789\"}", 200);
    assert_string_equal(px_test_str(api, "format"), "epc_uri");
    assert_string_equal(px_test_str(api, "hri"), "(01)80614141123458(21)6789");
    json_decref(api);
    /* The GTIN's check digit is wrong: the rule, the field and where (position 17 of the
     * input, as the command line says it). */
    api = call(f, "POST", "/v1/gs1/parse", f->mah.key, "{\"data\":\"(01)09506000134353(21)12345\"}",
               422);
    json_t *d = json_array_get(json_object_get(json_object_get(api, "error"), "details"), 0);
    assert_string_equal(px_test_str(d, "code"), "invalid_check_digit");
    assert_string_equal(px_test_str(d, "field"), "data");
    assert_int_equal(px_test_int(d, "position"), 17);
    assert_int_equal(px_test_int(d, "length"), 1);
    json_decref(api);
    expect(f, "POST", "/v1/gs1/parse", f->mah.key, "{}", 422);
    expect(f, "POST", "/v1/gs1/parse", f->mah.key, "{\"data\":\"(10)A\",\"gtin\":\"x\"}", 422);
    expect(f, "POST", "/v1/gs1/parse", NULL, "{\"data\":\"(10)A\"}", 401);
#undef HRI
}

/* Every answer is one schemas/openapi.yaml describes. */
static void test_api__answers_match_openapi(void **state)
{
    fixture *f = *state;
    char partnership_id[40], allocation_id[40], serials[6][24];
    operations(f);
    organizations_and_keys(f);
    products_and_settings(f);
    partners(f, partnership_id);
    allocations(f, allocation_id, serials);
    commission(f, serials);
    not_utf8(f);
    packing(f);
    packs_and_carriers(f, serials);
    print_and_export(f, allocation_id, serials);
    carrier_batches(f, serials);
    release_and_reports(f, serials);
    decommission_and_recall(f, serials);
    repairs(f);
    partitions(f);
    verification_responder(f, serials);
    verification_network(f, serials);
    gs1_codes(f);
    audit(f);
    sessions_and_console(f);
    fclose(f->answers);
    f->answers = NULL;
    /* The outside check, with coverage: every documented operation answered 2xx and 4xx. */
    int rc =
        px_test_shell("node '" PX_SOURCE_DIR "/tests/openapi/check-answers.mjs' '" PX_SOURCE_DIR
                      "' " ANSWERS " --coverage");
    if (rc != 0)
        fail_msg("answers do not match schemas/openapi.yaml (see the lines above; every "
                 "answer is in %s)",
                 ANSWERS);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
