/* The sandbox over real HTTP and a real PostgreSQL (docs/sandbox.md): a pk_test_ key acts on a
 * second, complete set of tables, so what it does never reads or writes a live row; its
 * reports are validated and never reach a regulator endpoint; a public scan of a sandbox pack
 * says so. The walk sends every route of src/http/routes.def with a test key, aimed at live
 * objects, and proves the live schema byte for byte unchanged and no live value answered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_clock.h"
#include "px_receiver.h"
#include "px_test.h"

#define GTIN "09506000134369"
#define MAH_GLN "9506000000008"
#define XSD_ENV "PACKID_EPCIS_XSD_DIR=" PX_SHARED_DIR "/reference/epcis-1.2/xsd"
/* Every live name, label and batch carries this mark; no request of the tests sends it, so an
 * answer that contains it has read a live row. */
#define MARK "ZQXLIVE"
#define MASTER                                                                                     \
    "\"master_data\":{\"regulated_product_name\":\"Amoxil 500 mg\",\"dosage_form\":\"CAPSULE\","   \
    "\"strength\":\"500 mg\",\"pack_size\":\"21 CAPSULE in 1 BLISTER PACK\",\"manufacturer\":"     \
    "\"Sandbox MAH\"}"

typedef struct {
    px_test_env env;
    px_receiver rv;
    px_test_party mah;
    char test_key[64];
    px_test_party cmo;
    char partnership[40];
    char alloc[40], job[40], report[40], endpoint[40], live_key_id[40];
} fixture;

static void copy(char *out, size_t cap, json_t *j, const char *k)
{
    snprintf(out, cap, "%s", px_test_str(j, k));
}

static void endpoint(fixture *f, const char *key, char *id)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"market\":\"EU\",\"url\":\"http://127.0.0.1:%d/epcis\"}",
             f->rv.port);
    json_t *j = px_test_call(&f->env, "POST", "/v1/regulator-endpoints", key, body, 201);
    if (id)
        copy(id, 40, j, "endpoint_id");
    json_decref(j);
}

static void wait_job(fixture *f, const char *key, const char *job)
{
    char path[96];
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    json_decref(px_test_wait_for(&f->env, key, path, "status", "completed", 600, 100));
}

/* Settings, then an allocation of 5 with label; its job and allocation ids. */
static void allocate(fixture *f, const char *key, const char *label, char *job, char *alloc)
{
    px_test_expect(&f->env, "PUT", "/v1/products/" GTIN "/serial-settings", key,
                   "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":12}", 201, NULL);
    char body[128];
    snprintf(body, sizeof(body), "{\"count\":5,\"label\":\"%s\"}", label);
    json_t *j = px_test_call(&f->env, "POST", "/v1/products/" GTIN "/allocations", key, body, 202);
    copy(job, 40, j, "job_id");
    copy(alloc, 40, j, "allocation_id");
    json_decref(j);
    wait_job(f, key, job);
}

/* Commissions serials into batch and releases the batch to EU; the report id. */
static void commission_release(fixture *f, const char *key, const char *batch, const char *serials,
                               char *report)
{
    px_test_commission(&f->env, key, GTIN, batch, "751231", serials);
    char body[160];
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"batch\":\"%s\",\"market\":\"EU\"}",
             batch);
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", key, body, 201);
    copy(report, 40, j, "report_id");
    json_decref(j);
}

static int setup(void **state)
{
    fixture *f = px_receiver_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, XSD_ENV);
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1");
    px_test_server_start(&f->env);
    /* The MAH's own organization row is copied into the sandbox when its first test key is
     * made (docs/sandbox.md): its name is the one live value a test key may read. */
    px_test_mah_gln(&f->env, "Sandbox MAH", MAH_GLN, f->mah.org, f->mah.key);
    json_t *w = px_test_call(&f->env, "GET", "/v1/whoami", f->mah.key, NULL, 200);
    copy(f->live_key_id, sizeof(f->live_key_id), w, "key_id");
    json_decref(w);

    /* Live data, all marked. */
    json_decref(px_test_call(&f->env, "POST", "/v1/products", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"company_prefix_length\":7,\"name\":\"" MARK
                             " Amoxil\",\"market\":\"EU\"," MASTER "}",
                             201));
    endpoint(f, f->mah.key, f->endpoint);
    json_t *p =
        px_test_partner(&f->env, f->mah.key, MARK " CMO", "[\"" GTIN "\"]", f->cmo.org, f->cmo.key);
    copy(f->partnership, sizeof(f->partnership), p, "partnership_id");
    json_decref(p);
    allocate(f, f->mah.key, MARK " label", f->job, f->alloc);
    commission_release(f, f->mah.key, "LIVEB", "[\"ZL-1\",\"ZL-2\",\"ZL-3\"]", f->report);
    json_decref(px_test_wait_report(&f->env, f->mah.key, f->report, "delivered", 100));
    assert_int_equal(px_receiver_count(&f->rv), 1);

    /* The MAH's own test key. */
    json_t *k = px_test_call(&f->env, "POST", "/v1/keys", f->mah.key,
                             "{\"role\":\"mah\",\"mode\":\"test\"}", 201);
    copy(f->test_key, sizeof(f->test_key), k, "api_key");
    assert_string_equal(px_test_str(k, "mode"), "test");
    json_decref(k);
    *state = f;
    return 0;
}

/* REQ-SANDBOX-1, REQ-SANDBOX-2, REQ-SANDBOX-3, REQ-SANDBOX-4: the same GTIN and serials live
 * and in the sandbox, each side seeing only its own; a sandbox report never sent; a sandbox
 * pack scanned says so; a test key mints no live key. */

/* A job of the sandbox (POST path with body, the test key: 202) waited for until completed
 * (its path, path/<its id_field>, in jpath[128]), then its signed link (link_field, from path
 * on) fetched with no key: 200, the answer in *dl (the caller frees it). Returns the job. */
static json_t *sandbox_download(fixture *f, const char *path, const char *body,
                                const char *id_field, const char *link_field, char jpath[128],
                                px_http_resp *dl)
{
    json_t *j = px_test_call(&f->env, "POST", path, f->test_key, body, 202);
    snprintf(jpath, 128, "%s/%s", path, px_test_str(j, id_field));
    json_decref(j);
    j = px_test_wait_for(&f->env, f->test_key, jpath, "status", "completed", 600, 50);
    assert_non_null(j);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%s/", path);
    const char *link = strstr(px_test_str(j, link_field), prefix);
    assert_non_null(link);
    px_http(&f->env, dl, "GET", link, NULL, NULL, NULL);
    assert_int_equal(dl->status, 200);
    return j;
}
static void test_sandbox__separate(void **state)
{
    fixture *f = *state;
    assert_int_equal(strncmp(f->mah.key, "pk_live_", 8), 0);
    assert_int_equal(strncmp(f->test_key, "pk_test_", 8), 0);
    assert_int_equal(strlen(f->test_key), 51);
    json_t *w = px_test_call(&f->env, "GET", "/v1/whoami", f->test_key, NULL, 200);
    assert_string_equal(px_test_str(w, "mode"), "test");
    assert_string_equal(px_test_str(w, "org_id"), f->mah.org);
    json_decref(w);
    w = px_test_call(&f->env, "GET", "/v1/whoami", f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(w, "mode"), "live");
    json_decref(w);

    /* Nothing live is there. */
    json_t *j = px_test_call(&f->env, "GET", "/v1/products", f->test_key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    px_test_expect(&f->env, "GET", "/v1/products/" GTIN, f->test_key, NULL, 404, NULL);
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/ZL-1", f->test_key, NULL, 404, NULL);

    /* The same GTIN and serials, in the sandbox: a product, an allocation that its worker
     * completes, a commission, a release with a report. */
    json_decref(px_test_call(&f->env, "POST", "/v1/products", f->test_key,
                             "{\"gtin\":\"" GTIN "\",\"company_prefix_length\":7,\"name\":\"Sandbox"
                             " Amoxil\",\"market\":\"EU\"," MASTER "}",
                             201));
    endpoint(f, f->test_key, NULL);
    char job[40], alloc[40], report[40];
    allocate(f, f->test_key, "sandbox label", job, alloc);
    commission_release(f, f->test_key, "SBX", "[\"ZL-1\",\"ZL-2\",\"SBXONLY-1\"]", report);
    json_t *r = px_test_wait_report(&f->env, f->test_key, report, "delivered", 100);
    json_decref(r);
    /* Validated and kept, never sent: the receiver still has the live report only. */
    px_sleep_ms(300);
    assert_int_equal(px_receiver_count(&f->rv), 1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sandbox.report_attempt WHERE report_id = '%s' AND error "
                    "LIKE 'sandbox:%%'",
                    report);

    /* Each side keeps its own. */
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/ZL-1", f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "batch"), "LIVEB");
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/ZL-1", f->test_key, NULL, 200);
    assert_string_equal(px_test_str(j, "batch"), "SBX");
    json_decref(j);
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/SBXONLY-1", f->mah.key, NULL, 404, NULL);
    j = px_test_call(&f->env, "GET", "/v1/reports", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);

    /* A sandbox export's signed link (no key) finds the export in the sandbox and streams
     * the sandbox's packs, never the live batch's. */
    char epath[128];
    px_http_resp dl;
    j = sandbox_download(f, "/v1/exports", "{\"gtin\":\"" GTIN "\",\"batch\":\"SBX\"}", "export_id",
                         "url", epath, &dl);
    px_test_expect(&f->env, "GET", epath, f->mah.key, NULL, 404, NULL);
    assert_non_null(strstr(dl.body, "SBXONLY-1"));
    assert_null(strstr(dl.body, "ZL-3"));
    px_http_resp_free(&dl);
    json_decref(j);

    /* A sandbox carrier batch's signed link (no key) finds it in the sandbox too: its ZIP. */
    char cpath[128];
    j = sandbox_download(f, "/v1/carrier-batches",
                         "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"SBXONLY-1\"}]}", "id",
                         "download_url", cpath, &dl);
    assert_string_equal(dl.content_type, "application/zip");
    px_http_resp_free(&dl);
    json_decref(j);

    /* A public scan: a sandbox pack is unknown and says it is a sandbox pack; a live one
     * answers as ever. */
    j = px_test_call(&f->env, "GET", "/v1/verify/" GTIN "/SBXONLY-1", NULL, NULL, 200);
    assert_string_equal(px_test_str(j, "verdict"), "unknown");
    assert_true(json_is_true(json_object_get(j, "sandbox")));
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/verify/" GTIN "/ZL-1", NULL, NULL, 200);
    assert_string_not_equal(px_test_str(j, "verdict"), "unknown");
    assert_null(json_object_get(j, "sandbox"));
    json_decref(j);
    /* The same verdict read from the Digital Link a test pack's QR carries (the resolver's
     * JSON, "the verdict alone, as GET /v1/verify's") says so as well. */
    const char *const json_accept[] = {"Accept: application/json", NULL};
    px_http_resp rj;
    px_http(&f->env, &rj, "GET", "/01/" GTIN "/21/SBXONLY-1", NULL, NULL, json_accept);
    assert_int_equal(rj.status, 200);
    assert_non_null(rj.json);
    assert_string_equal(px_test_str(rj.json, "verdict"), "unknown");
    assert_true(json_is_true(json_object_get(rj.json, "sandbox")));
    px_http_resp_free(&rj);
    px_http(&f->env, &rj, "GET", "/01/" GTIN "/21/ZL-1", NULL, NULL, json_accept);
    assert_int_equal(rj.status, 200);
    assert_null(json_object_get(rj.json, "sandbox"));
    px_http_resp_free(&rj);
    /* A read of the sandbox that fails is the scan's failure, not an answer without the flag
     * (not a 200 "unknown" that leaves the sandbox pack unsaid). */
    px_sql_exec(&f->env, "ALTER TABLE sandbox.serial RENAME TO serial_away");
    px_test_expect(&f->env, "GET", "/v1/verify/" GTIN "/SBXONLY-1", NULL, NULL, 500, "internal");
    px_sql_exec(&f->env, "ALTER TABLE sandbox.serial_away RENAME TO serial");

    /* A test key makes test keys only. */
    px_test_expect(&f->env, "POST", "/v1/keys", f->test_key,
                   "{\"role\":\"auditor\",\"mode\":\"live\"}", 403, "forbidden_mode");
    j = px_test_call(&f->env, "POST", "/v1/keys", f->test_key, "{\"role\":\"auditor\"}", 201);
    assert_int_equal(strncmp(px_test_str(j, "api_key"), "pk_test_", 8), 0);
    json_decref(j);
    px_test_expect(&f->env, "POST", "/v1/keys", f->mah.key, "{\"role\":\"auditor\",\"mode\":\"x\"}",
                   422, "validation_error");
    /* The console signs in with live keys only: refused at sign-in, not at the next click. */
    char body[128];
    snprintf(body, sizeof(body), "{\"api_key\":\"%s\"}", f->test_key);
    px_test_expect_field(&f->env, "POST", "/v1/sessions", NULL, body, "api_key",
                         "test_key_not_supported");
}

/* The live schema's contents as one digest: every row of every table, in a fixed order. */
static void live_digest(fixture *f, char *out, size_t cap)
{
    px_sql_text(&f->env,
                "SELECT md5(string_agg(d, ',' ORDER BY d)) FROM (SELECT c.relname || ':' || "
                "(xpath('/row/d/text()', query_to_xml(format('SELECT md5(coalesce(string_agg("
                "t::text, ''|'' ORDER BY t::text), '''')) AS d FROM public.%I t', c.relname), "
                "false, true, '')))[1]::text AS d FROM pg_class c JOIN pg_namespace n ON "
                "n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')) s",
                out, cap);
}

/* The value of a path parameter: the live object of that kind. */
static const char *live_param(fixture *f, const char *name)
{
    static const char *const serial = "ZL-1";
    if (!strcmp(name, "gtin"))
        return GTIN;
    if (!strcmp(name, "serial"))
        return serial;
    if (!strcmp(name, "allocation_id"))
        return f->alloc;
    if (!strcmp(name, "job_id"))
        return f->job;
    if (!strcmp(name, "org_id"))
        return f->cmo.org;
    if (!strcmp(name, "key_id"))
        return f->live_key_id;
    if (!strcmp(name, "partnership_id"))
        return f->partnership;
    if (!strcmp(name, "report_id"))
        return f->report;
    if (!strcmp(name, "endpoint_id"))
        return f->endpoint;
    return "00000000-0000-4000-8000-000000000001";
}

/* Bodies that would change live objects if the request reached them. */
static const char *body_for(const char *method, const char *pattern)
{
    static const struct {
        const char *method, *pattern, *body;
    } bodies[] = {
        {"POST", "/v1/decommissions",
         "{\"gtin\":\"" GTIN "\",\"serials\":[\"ZL-3\"],\"reason\":\"damaged\"}"},
        {"POST", "/v1/releases", "{\"gtin\":\"" GTIN "\",\"batch\":\"LIVEB\",\"market\":\"EU\"}"},
        {"POST", "/v1/recalls", "{\"gtin\":\"" GTIN "\",\"batch\":\"LIVEB\",\"reason\":\"x\"}"},
        {"PATCH", "/v1/orgs/{org_id}", "{\"name\":\"renamed\"}"},
        {"PATCH", "/v1/partners/{partnership_id}", "{\"status\":\"suspended\"}"},
        {"PATCH", "/v1/regulator-endpoints/{endpoint_id}", "{\"active\":false}"},
        {"PATCH", "/v1/products/{gtin}", "{\"name\":\"renamed\"}"},
        {"PUT", "/v1/orgs/{org_id}/allotments", "{\"serials_per_month\":0}"},
    };
    for (size_t i = 0; i < PX_COUNT(bodies); i++)
        if (!strcmp(bodies[i].method, method) && !strcmp(bodies[i].pattern, pattern))
            return bodies[i].body;
    return strcmp(method, "GET") && strcmp(method, "DELETE") ? "{}" : NULL;
}

/* Live metrics count live work only (docs/sandbox.md "What is different"): a sandbox carrier
 * batch whose items fail, and the sandbox webhook delivery of its job.failed that its receiver
 * refuses, leave the live counters as they were (both were counted, found from outside). */
static void test_sandbox__live_metrics_count_live_only(void **state)
{
    fixture *f = *state;
    static const char *const series[] = {"packid_carrier_items_failed_total",
                                         "packid_webhook_deliveries_total{outcome=\"retry\"}",
                                         "packid_webhook_deliveries_total{outcome=\"dead\"}",
                                         "packid_webhook_deliveries_total{outcome=\"delivered\"}"};
    long long before[PX_COUNT(series)];
    for (size_t i = 0; i < PX_COUNT(series); i++)
        before[i] = px_test_metric_of(&f->env, series[i]);
    px_receiver_reset(&f->rv, 1000, 0);
    char body[256];
    snprintf(body, sizeof(body),
             "{\"url\":\"http://127.0.0.1:%d/hook\",\"secret\":\"sandbox-secret-0123456789\","
             "\"events\":[\"job.failed\"]}",
             f->rv.port);
    json_decref(px_test_call(&f->env, "PUT", "/v1/webhook", f->test_key, body, 200));
    json_decref(px_test_call(&f->env, "POST", "/v1/carrier-batches", f->test_key,
                             "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"SBXNONE-1\"},"
                             "{\"gtin\":\"" GTIN "\",\"serial\":\"SBXNONE-2\"}]}",
                             202));
    /* The attempt's outcome recorded: the runner counts it right after that commit. */
    assert_true(px_count_soon(&f->env, 200,
                              "SELECT count(*) FROM sandbox.webhook_attempt WHERE outcome IS NOT "
                              "NULL") > 0);
    px_sleep_ms(300);
    for (size_t i = 0; i < PX_COUNT(series); i++)
        assert_int_equal(px_test_metric_of(&f->env, series[i]), before[i]);
    json_decref(px_test_call(&f->env, "DELETE", "/v1/webhook", f->test_key, NULL, 200));
    px_receiver_reset(&f->rv, 0, 0);
}

/* REQ-SANDBOX-1: every route of the table, with a test key, aimed at live objects: the live
 * schema is unchanged and no answer carries a live value. */
static void test_sandbox__walk_every_route(void **state)
{
    fixture *f = *state;
    char before[64], after[64], line[512];
    /* The live side at rest first: the public scans of the test before are written by the
     * scan writer a moment after their answers (docs/resolver.md "Speed"). */
    live_digest(f, before, sizeof(before));
    for (int i = 0; i < 50; i++) {
        px_sleep_ms(300);
        live_digest(f, after, sizeof(after));
        if (strcmp(before, after) == 0)
            break;
        memcpy(before, after, sizeof(before));
    }
    assert_int_equal(strlen(before), 32);
    FILE *routes = fopen(PX_SOURCE_DIR "/src/http/routes.def", "r");
    assert_non_null(routes);
    int walked = 0;
    while (fgets(line, sizeof(line), routes)) {
        char method[8], pattern[160], flags[64];
        if (sscanf(line, "PX_ROUTE(\"%7[A-Z]\", \"%159[^\"]\", %*[^,], %*[^,], %63[^,])", method,
                   pattern, flags) != 3)
            continue;
        /* The path with each {name} replaced by the live object of that kind. */
        char path[512];
        size_t o = 0;
        for (const char *p = pattern; *p && o < sizeof(path) - 1;) {
            if (*p == '{') {
                char name[40];
                const char *end = strchr(p, '}');
                snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
                o += (size_t)snprintf(path + o, sizeof(path) - o, "%s", live_param(f, name));
                p = end + 1;
            } else {
                path[o++] = *p++;
            }
        }
        path[o] = '\0';
        /* Public routes take no key (and a scan there is live by nature): not a test key's. */
        if (strstr(flags, "PX_PUBLIC"))
            continue;
        px_http_resp r;
        px_http(&f->env, &r, method, path, f->test_key, body_for(method, pattern), NULL);
        if (strstr(r.body, MARK))
            fail_msg("%s %s with a test key answered a live value: %.300s", method, path, r.body);
        assert_true(r.status != 500);
        px_http_resp_free(&r);
        walked++;
    }
    fclose(routes);
    assert_true(walked >= 60); /* every keyed route (66 when this test was written) */
    /* The workers had their turn at whatever the walk queued in the sandbox. */
    px_sleep_ms(500);
    live_digest(f, after, sizeof(after));
    assert_string_equal(before, after);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_receiver_fixture_teardown
