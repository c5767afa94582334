/* Carriers over HTTP, print manifests behind signed links, print governance, on a real PostgreSQL
 * and a real `packid serve` under ASan.
 *
 * Packs are inserted with SQL (the serial table of migration 0002), so these tests depend on
 * neither the allocation runner nor the commissioning endpoint. Rendered symbols fetched over
 * HTTP are read back by ZXingReader (zxing-cpp-tools), SVGs rasterised by rsvg-convert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "px_array.h"
#include "px_cursor.h"
#include "px_test.h"

#define GTIN "04012345000016" /* not the demo product of the first start */
#define LINK_TTL 3 /* seconds (PACKID_EXPORT_LINK_TTL): the expired-link test waits it out */

typedef struct {
    px_test_env env;
    px_test_party mah, cmo, mah2, cmo2;
    char alloc_id[40];
    char tmp[128];
} fixture;

/* A completed allocation of n serials (prefix1 … prefixN) to the CMO, not commissioned yet, as
 * an allocation job leaves it; its id into id[40]. */
static void allocation_sql(fixture *f, const char *prefix, int n, char *id)
{
    char job[40];
    px_sql_textf(&f->env, job, sizeof(job),
                 "INSERT INTO job (kind, status, total, done, org_id) VALUES ('allocation', "
                 "'completed', %d, %d, '%s') RETURNING id",
                 n, n, f->mah.org);
    px_sql_textf(&f->env, id, 40,
                 "INSERT INTO allocation (gtin, org_id, requested_by, count, job_id) VALUES ('%s', "
                 "'%s', '%s', %d, '%s') RETURNING id",
                 GTIN, f->cmo.org, f->mah.org, n, job);
    assert_true(strlen(id) == 36);
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, allocation_id, allocated_to) SELECT '%s', "
            "'%s' || g, 'allocated', '%s', '%s' FROM generate_series(1, %d) g",
            GTIN, prefix, id, f->cmo.org, n);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    *state = f; /* teardown runs even when setup fails */
    /* A small ASan quarantine for the server: freed memory is otherwise held back (256 MB),
     * which would hide whether the download's memory is bounded (export_million_bounded). */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[1024];
    snprintf(opts, sizeof(opts), "%s%squarantine_size_mb=16:thread_local_quarantine_size_kb=256",
             asan ? asan : "", asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    px_test_db_create(&f->env);
    char ttl[64];
    snprintf(ttl, sizeof(ttl), "PACKID_EXPORT_LINK_TTL=%d", LINK_TTL);
    px_test_setenv(&f->env, ttl);
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Print MAH", "mah", f->mah.org, f->mah.key);
    px_test_org_key(&f->env, "cmo", "Print CMO", "cmo", f->cmo.org, f->cmo.key);
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", f->mah2.org, f->mah2.key);
    px_test_org_key(&f->env, "cmo", "Other CMO", "cmo", f->cmo2.org, f->cmo2.key);
    px_test_product_sql(&f->env, GTIN, f->mah.org, "Amoxil 500 mg caps x 21", "EU");
    px_test_partnership_sql(&f->env, f->mah.org, f->cmo.org, GTIN);
    px_test_partnership_sql(&f->env, f->mah.org, f->cmo2.org, GTIN);
    /* 20 packs commissioned by the CMO into BATCH002, one released, and one serial with the
     * CSV-hostile characters of set 82. */
    px_test_commissioned_sql(&f->env, GTIN, "BATCH002", "751115", "SER", 4, 20, f->cmo.org);
    px_sqlf(
        &f->env,
        "INSERT INTO serial (gtin, serial, state, allocated_to, batch, expiry, commissioned_by, "
        "commissioned_at) VALUES ('%s', 'Q\"a,b%%/1', 'commissioned', '%s', 'BATCH002', "
        "'751115', '%s', now())",
        GTIN, f->cmo.org, f->cmo.org);
    px_test_released_sql(&f->env, GTIN, "serial = 'SER0020'");
    /* An allocation of 5 serials to the CMO, not commissioned yet (no batch). */
    allocation_sql(f, "AL", 5, f->alloc_id);
    px_test_tmpdir(f->tmp, sizeof(f->tmp), "print");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    return px_test_fixture_teardown_dir(state, f ? f->tmp : NULL);
}

/* ---- carriers ------------------------------------------------------------------------------ */

static void test_print__carrier_json(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/packs/" GTIN "/SER0001/carrier", f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(px_test_str(r.json, "element_string"), "01" GTIN "17751115"
                                                               "10BATCH002\x1d"
                                                               "21SER0001");
    assert_string_equal(px_test_str(r.json, "hri"),
                        "(01)" GTIN "(17)751115(10)BATCH002(21)SER0001");
    /* The text a label prints under the symbol (GS1 General Specifications §4.15). */
    assert_string_equal(px_test_str(r.json, "hri_text"),
                        "(01) " GTIN " (17) 751115 (10) BATCH002 (21) SER0001");
    assert_string_equal(px_test_str(r.json, "digital_link"),
                        "https://id.gs1.org/01/" GTIN "/10/BATCH002/21/SER0001?17=751115");
    assert_string_equal(px_test_str(r.json, "epc"), "urn:epc:id:sgtin:4012345.000001.SER0001");
    px_http_resp_free(&r);
    /* The pack visibility rule: the CMO that commissioned it sees it until release. */
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/SER0001/carrier", f->cmo.key, NULL, 200,
                   NULL);
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/SER0020/carrier", f->cmo.key, NULL, 404,
                   "not_found");
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/SER0020/carrier", f->mah.key, NULL, 200,
                   NULL);
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/SER0001/datamatrix.png", f->cmo2.key, NULL,
                   404, "not_found");
    /* A serial allocated to the CMO is its own before commissioning (px__cmo_sees, as its
     * print jobs and exports): its pack and its (01)(21) symbol, to it and to no other CMO. */
    json_t *al =
        px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/AL1/carrier", f->cmo.key, NULL, 200);
    assert_string_equal(px_test_str(al, "element_string"), "01" GTIN "21AL1");
    json_decref(al);
    al = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/AL1", f->cmo.key, NULL, 200);
    assert_string_equal(px_test_str(al, "state"), "allocated");
    json_decref(al);
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/AL1/datamatrix.png", f->cmo.key, NULL, 200,
                   NULL);
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/AL1/carrier", f->cmo2.key, NULL, 404,
                   "not_found");
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/SER0001/qr.svg", f->mah2.key, NULL, 404,
                   "not_found");
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/NOPE/carrier", f->mah.key, NULL, 404,
                   "not_found");
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/SER0001/carrier", NULL, NULL, 401,
                   "missing_token");
    /* A bad query parameter is a field error naming it (docs/api.md "Errors"). */
    static const struct {
        const char *query, *field;
    } bad[] = {{"module=0", "module"}, {"shape=round", "shape"}, {"quiet=99", "quiet"},
               {"depth=2", "depth"}};
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        char path[160];
        snprintf(path, sizeof(path), "/v1/packs/" GTIN "/SER0001/datamatrix.png?%s", bad[i].query);
        px_test_expect_field(&f->env, "GET", path, f->mah.key, NULL, bad[i].field, "invalid_value");
    }
    px_test_expect_field(&f->env, "GET", "/v1/print-jobs?gtin=123456789012345", f->mah.key, NULL,
                         "gtin", "invalid_value");
    /* An option that would not change the symbol (a QR Code has no DataMatrix shape, an SVG no
     * bit depth) is refused as a name the route does not take, never ignored. */
    static const char *const unused[][2] = {{"qr.png?shape=rect", "shape"},
                                            {"qr.svg?depth=1", "depth"},
                                            {"datamatrix.svg?depth=8", "depth"}};
    for (size_t i = 0; i < PX_COUNT(unused); i++) {
        char path[160];
        snprintf(path, sizeof(path), "/v1/packs/" GTIN "/SER0001/%s", unused[i][0]);
        json_t *j =
            px_http_expect(&f->env, "GET", path, f->mah.key, NULL, NULL, 400, "bad_request");
        px_expect_detail(j, 0, -1, NULL, unused[i][1]);
        json_decref(j);
    }
}

static void fetch_decode(fixture *f, const char *path, int svg, const char *want_id,
                         const char *want)
{
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, f->cmo.key, NULL, NULL);
    if (r.status != 200)
        fail_msg("GET %s: %ld %s", path, r.status, r.body);
    assert_string_equal(r.content_type, svg ? "image/svg+xml" : "image/png");
    /* the tenant's pack: no cache on the way keeps it */
    char cache[64];
    assert_int_equal(px_http_header(&r, "Cache-Control", cache, sizeof(cache)), 0);
    assert_string_equal(cache, "private, no-store");
    char file[256];
    static int k;
    snprintf(file, sizeof(file), "%s/sym%d.%s", f->tmp, ++k, svg ? "svg" : "png");
    assert_int_equal(px_test_write_file(file, r.body, r.len), 0);
    px_http_resp_free(&r);
    char id[8], got[1024];
    size_t n;
    px_test_decode(file, svg, id, got, sizeof(got), &n, NULL);
    if (strcmp(id, want_id) != 0 || n != strlen(want) || memcmp(got, want, n) != 0)
        fail_msg("%s decoded as %s '%s', want %s '%s'", path, id, got, want_id, want);
}

static void test_print__symbols_decode(void **state)
{
    fixture *f = *state;
    /* DataMatrix reads as ]d2 with exactly the element string (GS after the batch); QR reads
     * as ]Q1 with the Digital Link URI. */
    const char *es = "01" GTIN "17751115"
                     "10BATCH002\x1d"
                     "21SER0002";
    const char *dl = "https://id.gs1.org/01/" GTIN "/10/BATCH002/21/SER0002?17=751115";
    fetch_decode(f, "/v1/packs/" GTIN "/SER0002/datamatrix.png", 0, "]d2", es);
    fetch_decode(f, "/v1/packs/" GTIN "/SER0002/datamatrix.svg", 1, "]d2", es);
    fetch_decode(f, "/v1/packs/" GTIN "/SER0002/datamatrix.png?shape=rect&module=4&depth=8", 0,
                 "]d2", es);
    fetch_decode(f, "/v1/packs/" GTIN "/SER0002/qr.png", 0, "]Q1", dl);
    fetch_decode(f, "/v1/packs/" GTIN "/SER0002/qr.svg", 1, "]Q1", dl);
}

/* ---- exports ---------------------------------------------------------------------------- */

/* Polls GET /v1/exports/{id} until the export is completed or failed; returns that body
 * (caller frees). */
static json_t *export_end(fixture *f, const char *key, const char *id)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/exports/%s", id);
    return px_test_wait_for(&f->env, key, path, "status", "completed|failed", 1200, 100);
}

/* Posts an export and waits for it to complete; returns the GET body (caller frees). */
static json_t *export_done(fixture *f, const char *key, const char *body)
{
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/v1/exports", key, body, NULL);
    if (r.status != 202)
        fail_msg("POST /v1/exports %s: %ld %s", body, r.status, r.body);
    char id[40];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r.json, "export_id")));
    assert_non_null(json_object_get(r.json, "job_id"));
    px_http_resp_free(&r);
    json_t *o = export_end(f, key, id);
    if (strcmp(px_test_str(o, "status"), "completed") != 0)
        fail_msg("export failed: %s", json_dumps(o, 0));
    return o;
}

/* The path and query of a link (the server's base URL is the test's). */
static const char *link_path(const char *url)
{
    const char *p = strstr(url, "/v1/exports/");
    assert_non_null(p);
    return p;
}

static int count_lines(const char *s, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n;
}

static void test_print__export_batch_csv(void **state)
{
    fixture *f = *state;
    json_t *e = export_done(f, f->cmo.key, "{\"gtin\": \"" GTIN "\", \"batch\": \"BATCH002\"}");
    /* The CMO's batch manifest: the packs it commissioned and that are not released (20 of
     * 21), as the pack visibility rule has it. */
    assert_int_equal(px_test_int(e, "count"), 20);
    const char *url = json_string_value(json_object_get(e, "url"));
    assert_non_null(url);
    assert_non_null(strstr(url, "expires="));
    assert_non_null(strstr(url, "&sig="));
    long long ms = px_test_int(e, "expires_in_ms");
    assert_true(ms > 0 && ms <= LINK_TTL * 1000);
    assert_non_null(strstr(json_string_value(json_object_get(e, "filename")), ".csv"));
    px_http_resp r;
    px_http(&f->env, &r, "GET", link_path(url), NULL, NULL, NULL); /* no key */
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/csv"));
    assert_int_equal(count_lines(r.body, r.len), 21);
    static const char header[] =
        "serial,gtin,batch,expiry,element_string,hri,digital_link,hri_text\n";
    assert_memory_equal(r.body, header, sizeof(header) - 1);
    const char *row =
        "SER0001," GTIN ",BATCH002,751115,01" GTIN "1775111510BATCH002\\u001d21SER0001,"
        "(01)" GTIN "(17)751115(10)BATCH002(21)SER0001,"
        "https://id.gs1.org/01/" GTIN "/10/BATCH002/21/SER0001?17=751115,"
        "(01) " GTIN " (17) 751115 (10) BATCH002 (21) SER0001\n";
    if (!strstr(r.body, row))
        fail_msg("row not found in:\n%s", r.body);
    /* RFC 4180 quoting of a serial holding a quote and a comma. */
    assert_non_null(strstr(r.body, "\n\"Q\"\"a,b%/1\"," GTIN ","));
    px_http_resp_free(&r);
    /* The MAH of the product sees the CMO's export; another MAH and another CMO do not. */
    char get[80];
    snprintf(get, sizeof(get), "/v1/exports/%s", px_test_str(e, "export_id"));
    json_decref(e);
    px_test_expect(&f->env, "GET", get, f->mah.key, NULL, 200, NULL);
    px_test_expect(&f->env, "GET", get, f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", get, f->cmo2.key, NULL, 404, "not_found");
}

/* An export with nothing to write (the CMO's batch, every pack of it released) is done: its
 * job shows progress 1 once completed, as every finished job, not 0 of 0 (a client waiting
 * for 1 waited for ever). */
static void test_print__empty_export_job_done(void **state)
{
    fixture *f = *state;
    px_test_commissioned_sql(&f->env, GTIN, "BATCHREL", "751115", "REL", 2, 2, f->cmo.org);
    px_test_released_sql(&f->env, GTIN, "batch = 'BATCHREL'");
    json_t *e = export_done(f, f->cmo.key, "{\"gtin\": \"" GTIN "\", \"batch\": \"BATCHREL\"}");
    assert_int_equal(px_test_int(e, "count"), 0);
    char path[80];
    snprintf(path, sizeof(path), "/v1/jobs/%s", px_test_str(e, "job_id"));
    json_decref(e);
    json_t *j = px_test_call(&f->env, "GET", path, f->cmo.key, NULL, 200);
    assert_string_equal(px_test_str(j, "status"), "completed");
    assert_int_equal(px_test_int(j, "total"), 0);
    assert_true(json_number_value(json_object_get(j, "progress")) == 1.0);
    json_decref(j);
}

/* A CMO's manifest frozen before the MAH released some of its packs: the CMO no longer sees
 * those packs, and the file must not shrink under its count, so neither a fresh link nor a
 * link minted before the release hands it out: 409 export_released. A new export holds the
 * packs still unreleased. */
static void test_print__cmo_export_after_release(void **state)
{
    fixture *f = *state;
    px_test_commissioned_sql(&f->env, GTIN, "BATCHRL2", "751115", "RL", 3, 3, f->cmo.org);
    json_t *e = export_done(f, f->cmo.key, "{\"gtin\": \"" GTIN "\", \"batch\": \"BATCHRL2\"}");
    assert_int_equal(px_test_int(e, "count"), 3);
    char get[80], link[1024];
    snprintf(get, sizeof(get), "/v1/exports/%s", px_test_str(e, "export_id"));
    snprintf(link, sizeof(link), "%s", link_path(json_string_value(json_object_get(e, "url"))));
    json_decref(e);
    px_test_expect(&f->env, "GET", link, NULL, NULL, 200, NULL);
    /* released as the release use case writes it: the pack's row and the release's */
    px_test_released_sql(&f->env, GTIN, "serial = 'RL002'");
    px_sqlf(&f->env,
            "INSERT INTO market_release (id, org_id, tenant_id, gtin, batch, market, count, "
            "created_at) VALUES (gen_random_uuid(), '%s', '%s', '%s', 'BATCHRL2', 'EU', 1, now())",
            f->mah.org, f->mah.org, GTIN);
    px_test_expect(&f->env, "GET", get, f->cmo.key, NULL, 409, "export_released");
    px_test_expect(&f->env, "GET", get, f->mah.key, NULL, 409, "export_released");
    px_test_expect(&f->env, "GET", link, NULL, NULL, 409, "export_released");
    e = export_done(f, f->cmo.key, "{\"gtin\": \"" GTIN "\", \"batch\": \"BATCHRL2\"}");
    assert_int_equal(px_test_int(e, "count"), 2);
    px_http_resp r;
    px_http(&f->env, &r, "GET", link_path(json_string_value(json_object_get(e, "url"))), NULL, NULL,
            NULL);
    json_decref(e);
    assert_int_equal(r.status, 200);
    assert_int_equal(count_lines(r.body, r.len), 3);
    assert_null(strstr(r.body, "RL002,"));
    px_http_resp_free(&r);
}

/* An export whose run the database refuses at every try (here: its rows) fails after
 * PX_JOB_TRIES tries (workers.h) instead of being run again at every pass ahead of the exports
 * after it: its job failed with the error, export.fail in the audit log. */
static void test_print__export_refused_fails_after_tries(void **state)
{
    fixture *f = *state;
    px_test_refuse_rows(&f->env, "export_item", "true", "XX000");
    json_t *j = px_test_call(&f->env, "POST", "/v1/exports", f->cmo.key,
                             "{\"gtin\": \"" GTIN "\", \"batch\": \"BATCH002\"}", 202);
    char id[40];
    snprintf(id, sizeof(id), "%s", px_test_str(j, "export_id"));
    json_decref(j);
    j = export_end(f, f->cmo.key, id);
    px_test_refuse_end(&f->env, "export_item");
    assert_string_equal(px_test_str(j, "status"), "failed");
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM job j JOIN export e ON e.job_id = j.id "
                    "WHERE e.id = '%s' AND j.status = 'failed' AND j.failures = 5",
                    id);
    assert_int_equal(px_audit_count(&f->env, "export.fail", id), 1);
    /* Repaired through the API: the CMO that asked retries it (its MAH reads the job, may not
     * retry it), and the export runs again and completes. */
    char job[40], retry[96];
    px_sql_textf(&f->env, job, sizeof(job), "SELECT job_id::text FROM export WHERE id = '%s'", id);
    snprintf(retry, sizeof(retry), "/v1/jobs/%s/retry", job);
    px_test_expect(&f->env, "POST", retry, f->mah.key, NULL, 403, "forbidden_role");
    j = px_test_call(&f->env, "POST", retry, f->cmo.key, NULL, 202);
    assert_string_equal(px_test_str(j, "status"), "queued");
    json_decref(j);
    j = export_end(f, f->cmo.key, id);
    assert_string_equal(px_test_str(j, "status"), "completed");
    assert_null(json_object_get(j, "error"));
    json_decref(j);
    assert_int_equal(px_audit_count(&f->env, "export.retry", id), 1);
}

/* The CMO reads get (and more, when given) and list through its partnership: suspended, 403
 * partnership_suspended and an empty list; active again, both back. */
static void through_partnership(fixture *f, const char *get, const char *more, const char *list)
{
    for (int suspended = 1; suspended >= 0; suspended--) {
        px_sqlf(&f->env, "UPDATE partnership SET status = '%s' WHERE cmo_id = '%s'",
                suspended ? "suspended" : "active", f->cmo.org);
        px_test_expect(&f->env, "GET", get, f->cmo.key, NULL, suspended ? 403 : 200,
                       suspended ? "partnership_suspended" : NULL);
        if (more)
            px_test_expect(&f->env, "GET", more, f->cmo.key, NULL, suspended ? 403 : 200,
                           suspended ? "partnership_suspended" : NULL);
        json_t *l = px_test_call(&f->env, "GET", list, f->cmo.key, NULL, 200);
        size_t n = json_array_size(json_object_get(l, "items"));
        json_decref(l);
        if (suspended ? n != 0 : n == 0)
            fail_msg("%s as a %s CMO: %zu items", list, suspended ? "suspended" : "active", n);
    }
}

static void test_print__export_links_tampered_and_expired(void **state)
{
    fixture *f = *state;
    json_t *e = export_done(f, f->mah.key,
                            "{\"gtin\": \"" GTIN "\", \"batch\": \"BATCH002\", \"gs\": \"tag\"}");
    char path[512], bad[512];
    snprintf(path, sizeof(path), "%s", link_path(json_string_value(json_object_get(e, "url"))));
    char id[40];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(e, "export_id")));
    json_decref(e);
    /* Visibility of the export itself. */
    char get[80];
    snprintf(get, sizeof(get), "/v1/exports/%s", id);
    px_test_expect(&f->env, "GET", get, f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", get, f->cmo2.key, NULL, 404, "not_found");
    /* The untouched link works, and shows GS as <GS>. */
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    px_test_is_download(&r, ".csv");
    assert_non_null(strstr(r.body, "10BATCH002<GS>21SER0001,"));
    assert_int_equal(count_lines(r.body, r.len), 22);
    px_http_resp_free(&r);
    /* One hex digit of the signature changed. */
    snprintf(bad, sizeof(bad), "%s", path);
    char *sig = strstr(bad, "sig=") + 4;
    sig[10] = sig[10] == '0' ? '1' : '0';
    px_test_expect(&f->env, "GET", bad, NULL, NULL, 403, "forbidden");
    /* A later expiry with the old signature. */
    snprintf(bad, sizeof(bad), "%s", path);
    char *ex = strstr(bad, "expires=") + 8;
    ex[8] = ex[8] == '9' ? '8' : (char)(ex[8] + 1);
    px_test_expect(&f->env, "GET", bad, NULL, NULL, 403, "forbidden");
    /* The signature of this export on another export id. */
    snprintf(bad, sizeof(bad), "%s", path);
    char *idp = bad + strlen("/v1/exports/");
    idp[0] = idp[0] == 'a' ? 'b' : 'a';
    px_test_expect(&f->env, "GET", bad, NULL, NULL, 403, "forbidden");
    /* The same expiry spelt otherwise (a leading zero, a sign): not the link that was signed,
     * so malformed (they were accepted as the number they spell). */
    static const char *const spelt[] = {"0", "%2B", "00"};
    for (size_t i = 0; i < PX_COUNT(spelt); i++) {
        char *at = strstr(path, "expires=") + 8;
        snprintf(bad, sizeof(bad), "%.*s%s%s", (int)(at - path), path, spelt[i], at);
        px_test_expect(&f->env, "GET", bad, NULL, NULL, 403, "forbidden");
    }
    /* No signature, garbage parameters. */
    snprintf(bad, sizeof(bad), "/v1/exports/%s/download", id);
    px_test_expect(&f->env, "GET", bad, NULL, NULL, 403, "forbidden");
    snprintf(bad, sizeof(bad), "/v1/exports/%s/download?expires=-1&sig=zz", id);
    px_test_expect(&f->env, "GET", bad, NULL, NULL, 403, "forbidden");
    /* Expired: the same untouched link after its lifetime. */
    sleep(LINK_TTL + 2);
    px_test_expect(&f->env, "GET", path, NULL, NULL, 403, "link_expired");
    /* A fresh GET mints a fresh link. */
    px_http(&f->env, &r, "GET", get, f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    snprintf(path, sizeof(path), "%s",
             link_path(json_string_value(json_object_get(r.json, "url"))));
    px_http_resp_free(&r);
    px_test_expect(&f->env, "GET", path, NULL, NULL, 200, NULL);
}

static void test_print__export_allocation_jsonl(void **state)
{
    fixture *f = *state;
    char body[200];
    snprintf(body, sizeof(body), "{\"allocation_id\": \"%s\", \"jsonl\": true}", f->alloc_id);
    /* Only the CMO the allocation was made to (and the MAH) may export it. */
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo2.key, body, 404, "not_found");
    px_test_expect(&f->env, "POST", "/v1/exports", f->mah2.key, body, 404, "not_found");
    /* A batch another CMO of the GTIN made is unknown to this one, as a batch nobody made (its
     * batch read says the same): the answer does not tell that it exists. */
    static const char *const batches[] = {"BATCH002", "NOSUCHBATCH"};
    for (size_t i = 0; i < PX_COUNT(batches); i++) {
        char by_batch[128];
        snprintf(by_batch, sizeof(by_batch), "{\"gtin\": \"" GTIN "\", \"batch\": \"%s\"}",
                 batches[i]);
        px_test_expect(&f->env, "POST", "/v1/exports", f->cmo2.key, by_batch, 404, "not_found");
    }
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key,
                   "{\"allocation_id\": \"x\", \"gtin\": \"1\"}", 422, "validation_error");
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key,
                   "{\"gtin\": \"" GTIN "\", \"batch\": \"NOPE\"}", 404, "not_found");
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key,
                   "{\"gtin\": \"" GTIN "\", \"batch\": \"B\", \"x\": 1}", 422, "validation_error");
    px_test_expect_field(&f->env, "POST", "/v1/exports", f->cmo.key,
                         "{\"gtin\": \"" GTIN "\", \"batch\": \"B\", \"gs\": \"caret\"}", "gs",
                         "invalid_value");
    json_t *e = export_done(f, f->cmo.key, body);
    assert_int_equal(px_test_int(e, "count"), 5);
    /* A CMO reads its export through its partnership, as its jobs: suspended, 403 and no
     * fresh link, and the list leaves it out; active again, it is back. */
    char get[80];
    snprintf(get, sizeof(get), "/v1/exports/%s", px_test_str(e, "export_id"));
    through_partnership(f, get, NULL, "/v1/exports");
    /* Its download link as well, made before: a suspension takes effect at once, not when the
     * link expires. */
    const char *link = link_path(json_string_value(json_object_get(e, "url")));
    px_sqlf(&f->env, "UPDATE partnership SET status = 'suspended' WHERE cmo_id = '%s'", f->cmo.org);
    px_test_expect(&f->env, "GET", link, NULL, NULL, 403, "partnership_suspended");
    /* the product's MAH reads the export meanwhile, with no link its download would refuse */
    json_t *m = px_test_call(&f->env, "GET", get, f->mah.key, NULL, 200);
    assert_true(json_is_null(json_object_get(m, "url")));
    json_decref(m);
    px_sqlf(&f->env, "UPDATE partnership SET status = 'active' WHERE cmo_id = '%s'", f->cmo.org);
    px_http_resp r;
    px_http(&f->env, &r, "GET", link, NULL, NULL, NULL);
    json_decref(e);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "application/x-ndjson"));
    assert_int_equal(count_lines(r.body, r.len), 5);
    /* Each line is a JSON object; an uncommissioned serial has no batch or expiry, so its
     * element string is (01)(21). */
    char *save = NULL;
    int n = 0;
    for (char *line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *o = json_loads(line, 0, NULL);
        assert_non_null(o);
        if (strcmp(json_string_value(json_object_get(o, "serial")), "AL1") == 0) {
            assert_string_equal(px_test_str(o, "element_string"), "01" GTIN "21AL1");
            assert_string_equal(px_test_str(o, "batch"), "");
            assert_string_equal(px_test_str(o, "digital_link"),
                                "https://id.gs1.org/01/" GTIN "/21/AL1");
            assert_string_equal(px_test_str(o, "hri_text"), "(01) " GTIN " (21) AL1");
        }
        json_decref(o);
        n++;
    }
    assert_int_equal(n, 5);
    px_http_resp_free(&r);

    /* A released pack leaves the CMO's view, in manifests too (docs/api.md: a CMO never sees
     * packs after release); the MAH's manifest of the same allocation still lists it. */
    px_sqlf(&f->env,
            "UPDATE serial SET state = 'released', released_at = now() WHERE gtin = '%s' AND "
            "serial = 'AL5'",
            GTIN);
    e = export_done(f, f->cmo.key, body);
    assert_int_equal(px_test_int(e, "count"), 4);
    json_decref(e);
    e = export_done(f, f->mah.key, body);
    assert_int_equal(px_test_int(e, "count"), 5);
    json_decref(e);
    px_sqlf(&f->env,
            "UPDATE serial SET state = 'allocated', released_at = NULL WHERE gtin = '%s' AND "
            "serial = 'AL5'",
            GTIN);
}

/* The lines of a JSONL export e's download (its link, 200), each read as a JSON object, as one
 * array (the caller json_decref()s it). */
static json_t *jsonl_download(fixture *f, json_t *e)
{
    px_http_resp r;
    px_http(&f->env, &r, "GET", link_path(json_string_value(json_object_get(e, "url"))), NULL, NULL,
            NULL);
    assert_int_equal(r.status, 200);
    json_t *lines = json_array();
    char *save = NULL;
    for (char *line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *o = json_loads(line, 0, NULL);
        assert_non_null(o);
        json_array_append_new(lines, o);
    }
    px_http_resp_free(&r);
    return lines;
}

/* An allocation's manifest is printed before commissioning: the production run's batch and
 * expiry, given with the export, complete the labels (AIs 17 and 10); both or neither, a
 * well-formed expiry not in the past, and one expiry per batch — refused before anything. */
static void test_print__export_allocation_with_run_batch(void **state)
{
    fixture *f = *state;
    char body[256];
    long long before = px_sql_count(&f->env, "SELECT count(*) FROM export");
    snprintf(body, sizeof(body), "{\"allocation_id\": \"%s\", \"batch\": \"RUN1\"}", f->alloc_id);
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key, body, 422, "validation_error");
    snprintf(body, sizeof(body),
             "{\"allocation_id\": \"%s\", \"batch\": \"RUN1\", \"expiry\": \"200101\"}",
             f->alloc_id);
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key, body, 422, "validation_error");
    snprintf(body, sizeof(body),
             "{\"allocation_id\": \"%s\", \"batch\": \"R~N\", \"expiry\": \"751231\"}",
             f->alloc_id);
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key, body, 422, "validation_error");
    /* the member at fault is named: expiry, not the form */
    px_test_expect_field(&f->env, "POST", "/v1/exports", f->cmo.key,
                         "{\"gtin\": \"" GTIN "\", \"batch\": \"B\", \"expiry\": \"751231\"}",
                         "expiry", "invalid_value");
    px_sqlf(&f->env, "INSERT INTO batch (gtin, batch, expiry) VALUES ('%s', 'RUN0', '301130')",
            GTIN);
    snprintf(body, sizeof(body),
             "{\"allocation_id\": \"%s\", \"batch\": \"RUN0\", \"expiry\": \"751231\"}",
             f->alloc_id);
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key, body, 409, "batch_expiry_mismatch");
    px_expect_count(&f->env, before, "SELECT count(*) FROM export");

    snprintf(body, sizeof(body),
             "{\"allocation_id\": \"%s\", \"batch\": \"RUN1\", \"expiry\": \"301200\", "
             "\"jsonl\": true}",
             f->alloc_id);
    json_t *e = export_done(f, f->cmo.key, body);
    /* The export shows the production run it was asked with (it was "batch": null): the
     * batch its serials are labelled with, which their commissioning must give. */
    assert_string_equal(px_test_str(e, "batch"), "RUN1");
    assert_string_equal(px_test_str(e, "expiry"), "301200");
    char eid[40];
    snprintf(eid, sizeof(eid), "%s", px_test_str(e, "export_id"));
    /* The audit entry names the production run whose expiry the export claimed. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = 'export.create' AND subject = "
                    "'%s' AND details->>'run_batch' = 'RUN1' AND details->>'run_expiry' = '301200'",
                    px_test_str(e, "export_id"));
    json_t *lines = jsonl_download(f, e);
    json_decref(e);
    assert_int_equal(json_array_size(lines), 5);
    size_t i;
    json_t *o;
    json_array_foreach(lines, i, o)
    {
        assert_string_equal(px_test_str(o, "batch"), "RUN1");
        assert_string_equal(px_test_str(o, "expiry"), "301200");
        if (strcmp(px_test_str(o, "serial"), "AL1") == 0)
            assert_string_equal(px_test_str(o, "digital_link"),
                                "https://id.gs1.org/01/" GTIN "/10/RUN1/21/AL1?17=301200");
    }
    json_decref(lines);
    /* Its job failed (by hand) and its run's expiry past since (by hand too): a retry asks the
     * expiry as the request did, 422 expiry_in_past on expiry, and the job stays failed. */
    char job[40], retry[96];
    px_sql_textf(&f->env, job, sizeof(job), "SELECT job_id::text FROM export WHERE id = '%s'", eid);
    px_sqlf(&f->env, "UPDATE job SET status = 'failed', error = 'by hand' WHERE id = '%s'", job);
    px_sqlf(&f->env, "UPDATE export SET status = 'failed', run_expiry = '200101' WHERE id = '%s'",
            eid);
    px_sqlf(&f->env, "UPDATE batch SET expiry = '200101' WHERE gtin = '%s' AND batch = 'RUN1'",
            GTIN);
    snprintf(retry, sizeof(retry), "/v1/jobs/%s/retry", job);
    px_test_expect_field(&f->env, "POST", retry, f->cmo.key, NULL, "expiry", "expiry_in_past");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM job WHERE id = '%s' AND status = 'failed'",
                    job);
}

/* ---- print governance ------------------------------------------------------------------- */

static json_t *print_job(fixture *f, const char *key, const char *body, long status,
                         const char *code)
{
    return px_http_expect(&f->env, "POST", "/v1/print-jobs", key, body, NULL, status, code);
}

/* POST /v1/print-jobs of GTIN's serials (a JSON array) on line by op, more the members after
 * those ("" or ", \"batch\": …"): answered status (with code when not NULL); the answer. */
static json_t *print_of(fixture *f, const char *key, const char *serials, const char *line,
                        const char *op, const char *more, long status, const char *code)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"gtin\": \"" GTIN "\", \"serials\": %s, \"line\": \"%s\", \"operator\": \"%s\"%s}",
             serials, line, op, more);
    return print_job(f, key, body, status, code);
}

static long long printed(fixture *f, const char *serial)
{
    return px_count_of(&f->env,
                       "SELECT count(*) FROM print_job_serial WHERE gtin = '%s' AND serial = '%s'",
                       GTIN, serial);
}

/* REQ-PRINT-1: a serial is printed once; REQ-PRINT-2: a reprint only of a serial printed
 * before, recorded with its reason. */
static void test_print__duplicate_refused_reprint_recorded(void **state)
{
    fixture *f = *state;
    json_t *j = print_of(f, f->cmo.key, "[\"SER0005\", \"SER0006\"]", "L3", "j.doe",
                         ", \"reprint\": false", 201, NULL);
    assert_int_equal(px_test_int(j, "count"), 2);
    assert_true(json_is_false(json_object_get(j, "reprint")));
    char first_id[40];
    snprintf(first_id, sizeof(first_id), "%s",
             json_string_value(json_object_get(j, "print_job_id")));
    json_decref(j);
    /* A CMO reads its print jobs through its partnership, as its exports: suspended, 403, and
     * the list leaves them out; active again, they are back (docs/api.md "Access"). */
    char get[96], serials[112];
    snprintf(get, sizeof(get), "/v1/print-jobs/%s", first_id);
    snprintf(serials, sizeof(serials), "%s/serials", get);
    through_partnership(f, get, serials, "/v1/print-jobs");

    /* A duplicate print is refused, names the serial, and prints nothing (SER0007 too). */
    j = print_of(f, f->cmo.key, "[\"SER0007\", \"SER0006\"]", "L4", "a.smith", "", 409,
                 "already_printed");
    px_expect_detail(j, 0, 1, NULL, NULL);
    assert_string_equal(px_test_str(json_array_get(px_test_details(j), 0), "serial"), "SER0006");
    assert_int_equal(json_array_size(px_test_details(j)), 1);
    json_decref(j);
    assert_int_equal(printed(f, "SER0007"), 0);
    /* The MAH cannot print it a second time either. */
    json_decref(print_of(f, f->mah.key, "[\"SER0006\"]", "L1", "m", "", 409, "already_printed"));
    /* The database is the final guard: a second first print cannot be inserted at all. */
    char sql[400];
    snprintf(sql, sizeof(sql),
             "INSERT INTO print_job_serial (gtin, serial, print_job_id, reprint) VALUES "
             "('%s', 'SER0006', '%s', false)",
             GTIN, first_id);
    assert_int_not_equal(px_sql_exec(&f->env, sql), 0);

    /* A reprint of a damaged label is accepted and recorded as a reprint. */
    j = print_of(f, f->cmo.key, "[\"SER0006\"]", "L3", "j.doe",
                 ", \"reprint\": true, \"reason\": \"label torn\"", 201, NULL);
    assert_true(json_is_true(json_object_get(j, "reprint")));
    assert_string_equal(px_test_str(j, "reason"), "label torn");
    json_decref(j);
    assert_int_equal(printed(f, "SER0006"), 2);
    /* A reprint of a serial never printed is refused. */
    json_decref(print_of(f, f->cmo.key, "[\"SER0008\"]", "L3", "j.doe", ", \"reprint\": true", 409,
                         "not_printed"));

    /* The trail: SKU + serial -> jobs with operator, line, time, reprint flag. */
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/print-jobs?gtin=" GTIN "&serial=SER0006", f->mah.key, NULL,
            NULL);
    assert_int_equal(r.status, 200);
    json_t *items = json_object_get(r.json, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *a = json_array_get(items, 0), *b = json_array_get(items, 1);
    assert_true(json_is_false(json_object_get(a, "reprint")));
    assert_true(json_is_true(json_object_get(b, "reprint")));
    assert_string_equal(px_test_str(a, "operator"), "j.doe");
    assert_string_equal(px_test_str(a, "line"), "L3");
    /* A cursor whose time no row can have (past year 9999) is no cursor of this list: 400 as
     * any foreign cursor (it reached the database, whose interval arithmetic answered 422). */
    char cursor[200], url[300], raw[160];
    json_t *p1 =
        px_test_call(&f->env, "GET", "/v1/print-jobs?gtin=" GTIN "&first=1", f->mah.key, NULL, 200);
    assert_int_equal(px_cursor_decode(raw, sizeof(raw), px_test_str(p1, "next_cursor")), 0);
    json_decref(p1);
    /* The list's own tag ("xxxxxxxx."), the impossible time for its key. */
    snprintf(raw + 9, sizeof(raw) - 9, "9223372036854775807|00000000-0000-4000-8000-000000000000");
    assert_int_equal(px_cursor_encode(cursor, sizeof(cursor), raw), 0);
    snprintf(url, sizeof(url), "/v1/print-jobs?gtin=" GTIN "&after=%s", cursor);
    px_test_expect(&f->env, "GET", url, f->mah.key, NULL, 400, "bad_request");
    assert_non_null(json_string_value(json_object_get(a, "created_at")));
    assert_non_null(json_string_value(json_object_get(a, "key_id")));
    px_http_resp_free(&r);
    /* Another tenant sees none of it; a job id of another tenant is not found. */
    px_http(&f->env, &r, "GET", "/v1/print-jobs?gtin=" GTIN, f->mah2.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
    px_http_resp_free(&r);
    char path[120];
    snprintf(path, sizeof(path), "/v1/print-jobs/%s", first_id);
    px_test_expect(&f->env, "GET", path, f->cmo2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", path, f->mah.key, NULL, 200, NULL);
    snprintf(path, sizeof(path), "/v1/print-jobs/%s/serials", first_id);
    px_http(&f->env, &r, "GET", path, f->cmo.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
    px_http_resp_free(&r);
    /* Each job is in the audit log. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = "
                    "'print_job.reprint'");
    assert_true(px_sql_count(&f->env, "SELECT count(*) FROM audit_log WHERE action = "
                                      "'print_job.create'") >= 1);
}

/* REQ-PRINT-3: a pack is printed with its batch and expiry; one missing is refused. */
static void test_print__missing_values_refused(void **state)
{
    fixture *f = *state;
    /* Allocated serials have no batch or expiry yet: printing them without one is refused
     * before anything is printed. */
    json_t *j =
        print_of(f, f->cmo.key, "[\"AL1\", \"AL2\"]", "L3", "j.doe", "", 422, "validation_error");
    px_expect_detail(j, 0, -1, "missing_batch", NULL);
    json_decref(j);
    assert_int_equal(printed(f, "AL1"), 0);
    /* A batch with another expiry than the one recorded is refused, naming the field (as a
     * commission and an export do; it came without details). */
    j = print_of(f, f->cmo.key, "[\"AL1\"]", "L3", "j.doe",
                 ", \"batch\": \"BATCH002\", \"expiry\": \"470101\"", 409, "batch_expiry_mismatch");
    px_expect_detail(j, 0, -1, "batch_expiry_mismatch", "expiry");
    json_decref(j);
    /* A new batch needs its expiry. */
    json_decref(print_of(f, f->cmo.key, "[\"AL1\"]", "L3", "j.doe", ", \"batch\": \"NEWBATCH\"",
                         422, "validation_error"));
    /* With the batch (its expiry known), the print is accepted. */
    j = print_of(f, f->cmo.key, "[\"AL1\", \"AL2\"]", "L3", "j.doe", ", \"batch\": \"BATCH002\"",
                 201, NULL);
    assert_string_equal(px_test_str(j, "expiry"), "751115");
    json_decref(j);
    /* A new batch printed with its expiry takes that expiry: a later print or commission of it
     * with another is refused (labels and packs never disagree). */
    json_decref(print_of(f, f->cmo.key, "[\"AL3\"]", "L3", "j.doe",
                         ", \"batch\": \"NEWB2\", \"expiry\": \"480131\"", 201, NULL));
    json_decref(print_of(f, f->cmo.key, "[\"AL4\"]", "L3", "j.doe",
                         ", \"batch\": \"NEWB2\", \"expiry\": \"490131\"", 409,
                         "batch_expiry_mismatch"));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM batch WHERE gtin = '" GTIN
                    "' AND batch = 'NEWB2' AND expiry = '480131'");
    /* Its audit entry names the batch and expiry printed (the claim made with it). */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = 'print_job.create' AND "
                    "details->>'batch' = 'NEWB2' AND details->>'expiry' = '480131'");
    /* A new batch's expiry already past is refused as a commission refuses it: the batch it
     * would claim could never be commissioned. */
    j = print_of(f, f->cmo.key, "[\"AL5\"]", "L3", "j.doe",
                 ", \"batch\": \"NEWB3\", \"expiry\": \"200101\"", 422, "validation_error");
    px_expect_detail(j, 0, -1, "expiry_in_past", "expiry");
    json_decref(j);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM batch WHERE batch = 'NEWB3'");
    /* A known batch whose stored expiry has passed is refused alike, its expiry not given
     * (before, it was printed, and its packs could then never be commissioned). */
    px_sqlf(&f->env, "INSERT INTO batch (gtin, batch, expiry) VALUES ('" GTIN "', 'OLDB', "
                     "'200101')");
    static const char *const print_rows[] = {"print_job", "print_job_serial", "audit_log", NULL};
    j = px_test_refused_answer(&f->env, print_rows, "POST", "/v1/print-jobs", f->cmo.key,
                               "{\"gtin\": \"" GTIN "\", \"serials\": [\"AL5\"], \"line\": "
                               "\"L3\", \"operator\": \"j.doe\", \"batch\": \"OLDB\"}",
                               NULL, 422, "validation_error");
    px_expect_detail(j, 0, -1, "expiry_in_past", "batch");
    json_decref(j);
    /* Unknown serials, another CMO's, bad input: refused, nothing printed. */
    const char *cmo = f->cmo.key, *cmo2 = f->cmo2.key, *mah2 = f->mah2.key;
    const struct {
        const char *key, *body;
        long status;
        const char *code;
    } refused[] = {
        {cmo,
         "{\"gtin\": \"" GTIN
         "\", \"serials\": [\"SER0009\", \"NOPE\"], \"line\": \"L3\", \"operator\": \"j.doe\"}",
         404, "not_found"},
        {cmo2,
         "{\"gtin\": \"" GTIN
         "\", \"serials\": [\"SER0009\"], \"line\": \"L3\", \"operator\": \"x\"}",
         404, "not_found"},
        {cmo,
         "{\"gtin\": \"" GTIN
         "\", \"serials\": [\"SER0009\", \"SER0009\"], \"line\": \"L3\", \"operator\": \"j.doe\"}",
         422, "validation_error"},
        {cmo,
         "{\"gtin\": \"" GTIN
         "\", \"serials\": [\"SER~9\"], \"line\": \"L3\", \"operator\": \"j.doe\"}",
         422, "validation_error"},
        {cmo,
         "{\"gtin\": \"" GTIN
         "\", \"serials\": [\"SER0009\"], \"line\": \"L\\u0001\", \"operator\": \"j.doe\"}",
         422, "validation_error"},
        {cmo, "{\"gtin\": \"" GTIN "\", \"serials\": [\"SER0009\"], \"line\": \"L3\"}", 422,
         "validation_error"},
        /* Who printed, and where, must be readable: not only spaces or invisible characters
         * (a byte order mark), no bidirectional override reordering it. */
        {cmo,
         "{\"gtin\": \"" GTIN
         "\", \"serials\": [\"SER0009\"], \"line\": \"   \", \"operator\": \"j.doe\"}",
         422, "validation_error"},
        {cmo,
         "{\"gtin\": \"" GTIN
         "\", \"serials\": [\"SER0009\"], \"line\": \"L3\", \"operator\": \"\\ufeff\"}",
         422, "validation_error"},
        {cmo,
         "{\"gtin\": \"" GTIN
         "\", \"serials\": [\"SER0009\"], \"line\": \"L3\", \"operator\": \"j.\\u202edoe\"}",
         422, "validation_error"},
        {mah2,
         "{\"gtin\": \"" GTIN
         "\", \"serials\": [\"SER0009\"], \"line\": \"L3\", \"operator\": \"x\"}",
         404, "product_not_found"},
    };
    for (size_t i = 0; i < PX_COUNT(refused); i++)
        json_decref(
            print_job(f, refused[i].key, refused[i].body, refused[i].status, refused[i].code));
    assert_int_equal(printed(f, "SER0009"), 0);
    /* An empty or too long list has the list codes, as a commission's (it was invalid_value). */
    px_test_expect_field(&f->env, "POST", "/v1/print-jobs", f->cmo.key,
                         "{\"gtin\": \"" GTIN "\", \"serials\": [], \"line\": \"L3\", "
                         "\"operator\": \"j.doe\"}",
                         "serials", "serials_required");
    size_t cap = 100001 * 11 + 256, len = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    len += (size_t)snprintf(big, cap,
                            "{\"gtin\": \"" GTIN "\", \"line\": \"L3\", "
                            "\"operator\": \"j.doe\", \"serials\": [");
    for (int i = 0; i < 100001; i++)
        len += (size_t)snprintf(big + len, cap - len, "%s\"S%d\"", i ? "," : "", i);
    snprintf(big + len, cap - len, "]}");
    px_test_expect_field(&f->env, "POST", "/v1/print-jobs", f->cmo.key, big, "serials",
                         "too_many_serials");
    free(big);
}

/* Never yes now, failure later: "." and ".." are set-82 values, but as a segment of a pack's
 * Digital Link path (/01/…/10/{batch}/21/{serial}) every URI client removes them (RFC 3986
 * §5.2.4; browsers read %2E%2E as ".." too), so the link could never reach the pack, nor a
 * console page its batch. A commission refuses such a serial or batch, and so do a print job's
 * and a production run's batch, whose packs must be commissioned under it; nothing is stored. */
static void test_print__dot_segment_identity_refused(void **state)
{
    fixture *f = *state;
    static const char *const rows[] = {"serial WHERE state = 'commissioned'",
                                       "commission",
                                       "print_job",
                                       "export",
                                       "audit_log",
                                       NULL};
    char *body = px_test_commission_body(GTIN, "DS-1", "751231", "[\"DS1\",\"..\",\".\"]", 0);
    json_t *j = px_test_refused_answer(&f->env, rows, "POST", "/v1/commissions", f->cmo.key, body,
                                       NULL, 422, "validation_error");
    px_expect_detail(j, 0, 1, "invalid_value", "serials[1]");
    px_expect_detail(j, 1, 2, "invalid_value", "serials[2]");
    json_decref(j);
    free(body);
    body = px_test_commission_body(GTIN, "..", "751231", "[\"DS1\"]", 0);
    j = px_test_refused_answer(&f->env, rows, "POST", "/v1/commissions", f->cmo.key, body, NULL,
                               422, "validation_error");
    px_expect_detail(j, 0, -1, "invalid_value", "batch");
    json_decref(j);
    free(body);
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, allocated_to) VALUES ('%s', 'DSP1', "
            "'allocated', '%s')",
            GTIN, f->cmo.org);
    j = px_test_refused_answer(&f->env, rows, "POST", "/v1/print-jobs", f->cmo.key,
                               "{\"gtin\": \"" GTIN "\", \"serials\": [\"DSP1\"], \"line\": "
                               "\"L3\", \"operator\": \"j.doe\", \"batch\": \".\", "
                               "\"expiry\": \"751231\"}",
                               NULL, 422, "validation_error");
    px_expect_detail(j, 0, -1, "invalid_value", "batch");
    json_decref(j);
    char eb[256];
    snprintf(eb, sizeof(eb),
             "{\"allocation_id\": \"%s\", \"batch\": \"..\", \"expiry\": \"751231\"}", f->alloc_id);
    j = px_test_refused_answer(&f->env, rows, "POST", "/v1/exports", f->cmo.key, eb, NULL, 422,
                               "validation_error");
    px_expect_detail(j, 0, -1, "invalid_value", "batch");
    json_decref(j);
    /* "..." is no dot-segment: a serial like any other. */
    px_test_commission(&f->env, f->cmo.key, GTIN, "DS-1", "751231", "[\"...\"]");
    /* A batch ".." made before the rule still exists: it is named, listed and recalled as any
     * other (the rule is where packs are made, not where a batch is found). */
    px_sqlf(&f->env,
            "INSERT INTO batch (gtin, batch, expiry) VALUES ('%s', '..', '751231'); "
            "INSERT INTO serial (gtin, serial, state, origin, batch, expiry, commissioned_by) "
            "VALUES ('%s', 'DSOLD', 'commissioned', 'external', '..', '751231', '%s')",
            GTIN, GTIN, f->cmo.org);
    json_decref(px_test_call(&f->env, "GET", "/v1/commissions?gtin=" GTIN "&batch=..", f->mah.key,
                             NULL, 200));
    json_decref(px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key,
                             "{\"gtin\": \"" GTIN "\", \"batch\": \"..\"}", 201));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'DSOLD' AND state = "
                    "'decommissioned'");
}

/* Never yes now, failure later: a serial whose label carries a batch (a print job, or a
 * production run's manifest) is not commissioned under another: every scan of its pack would
 * say mismatch. Refused with nothing stored; a partial commission refuses it alone; its own
 * batch commissions it. */
static void test_print__printed_batch_holds_at_commission(void **state)
{
    fixture *f = *state;
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, allocated_to) SELECT '%s', 'PB' || g, "
            "'allocated', '%s' FROM generate_series(1, 4) g",
            GTIN, f->cmo.org);
    json_decref(print_of(f, f->cmo.key, "[\"PB1\"]", "L3", "j.doe",
                         ", \"batch\": \"PBA\", \"expiry\": \"751231\"", 201, NULL));
    static const char *const rows[] = {"serial WHERE state = 'commissioned'", "commission",
                                       "epcis_event", "audit_log", NULL};
    char *body = px_test_commission_body(GTIN, "PBB", "751231", "[\"PB1\"]", 0);
    json_t *j = px_test_refused_answer(&f->env, rows, "POST", "/v1/commissions", f->cmo.key, body,
                                       NULL, 409, "printed_batch_mismatch");
    px_expect_detail(j, 0, 0, "printed_batch_mismatch", NULL);
    json_decref(j);
    free(body);
    /* Partial: the printed serial refused, the other commissioned. */
    body = px_test_commission_body(GTIN, "PBB", "751231", "[\"PB1\",\"PB2\"]", 1);
    j = px_test_call(&f->env, "POST", "/v1/commissions", f->cmo.key, body, 200);
    free(body);
    assert_int_equal(px_test_int(j, "commissioned"), 1);
    assert_int_equal(px_test_int(j, "rejected"), 1);
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'PB2' AND batch = 'PBB' AND state "
                    "= 'commissioned'");
    /* With the batch its label carries, it is commissioned. A reprint that corrects a wrong
     * batch is the label that counts: PB3 printed with PBA, then again with PBB. */
    px_test_commission(&f->env, f->cmo.key, GTIN, "PBA", "751231", "[\"PB1\"]");
    json_decref(
        print_of(f, f->cmo.key, "[\"PB3\"]", "L3", "j.doe", ", \"batch\": \"PBA\"", 201, NULL));
    json_decref(print_of(f, f->cmo.key, "[\"PB3\"]", "L3", "j.doe",
                         ", \"batch\": \"PBB\", \"reprint\": true, \"reason\": \"wrong batch\"",
                         201, NULL));
    body = px_test_commission_body(GTIN, "PBA", "751231", "[\"PB3\"]", 0);
    px_test_expect(&f->env, "POST", "/v1/commissions", f->cmo.key, body, 409,
                   "printed_batch_mismatch");
    free(body);
    px_test_commission(&f->env, f->cmo.key, GTIN, "PBB", "751231", "[\"PB3\"]");
    /* A print job that labels a serial while its commission waits for the row (here another
     * session does what a print job does: the serial held FOR SHARE, the job and its serial
     * inserted; it commits while the commission waits): the commission sees the label after
     * all and refuses the serial, nothing stored. */
    char sql[900];
    snprintf(sql, sizeof(sql),
             "SELECT 1 FROM serial WHERE gtin = '%s' AND serial = 'PB4' FOR SHARE; WITH j AS "
             "(INSERT INTO print_job (id, org_id, tenant_id, gtin, line, operator, batch, "
             "expiry, count, created_at) VALUES (gen_random_uuid(), '%s', '%s', '%s', 'L9', "
             "'held', 'PBA', '751231', 1, now()) RETURNING id) INSERT INTO print_job_serial "
             "(gtin, serial, print_job_id, reprint) SELECT '%s', 'PB4', id, false FROM j",
             GTIN, f->cmo.org, f->mah.org, GTIN, GTIN);
    PGconn *held = px_test_hold(&f->env, sql);
    body = px_test_commission_body(GTIN, "PBB", "751231", "[\"PB4\"]", 0);
    px_test_async com = {&f->env, "POST", "/v1/commissions", f->cmo.key, body, 0, 0, "", ""};
    px_test_async_start(&com);
    /* Waiting on the row, the commission has passed its first probe, which could not see the
     * label: the one after the pool (printed_meanwhile) is what refuses it. */
    assert_true(px_test_wait_row_lock_waiters(&f->env, 1));
    px_test_hold_end(held, NULL);
    assert_int_equal(px_test_async_join(&com), 409);
    assert_string_equal(com.code, "printed_batch_mismatch");
    free(body);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'PB4' AND state = 'allocated'");
    /* Beside a serial that breaks a field rule, the label's refusal is listed too (422). */
    body = px_test_commission_body(GTIN, "PBB", "751231", "[\"PB4\",\"P B\"]", 0);
    j = px_test_refused_answer(&f->env, rows, "POST", "/v1/commissions", f->cmo.key, body, NULL,
                               422, "validation_error");
    px_expect_detail(j, 0, 0, "printed_batch_mismatch", NULL);
    px_expect_detail(j, 1, 1, NULL, NULL);
    json_decref(j);
    free(body);
    /* Another's serial answers as every serial not the caller's, never by its label: the
     * other CMO learns nothing of what was printed on it. */
    body = px_test_commission_body(GTIN, "PBB", "751231", "[\"PB4\"]", 0);
    px_test_expect(&f->env, "POST", "/v1/commissions", f->cmo2.key, body, 409, "duplicate_serial");
    free(body);
    /* A production run's manifest holds its serials to its batch too: an allocation of its
     * own, exported with RUN7. */
    char alloc[40], export[160];
    allocation_sql(f, "RN", 1, alloc);
    snprintf(export, sizeof(export),
             "{\"allocation_id\": \"%s\", \"batch\": \"RUN7\", \"expiry\": \"751231\"}", alloc);
    json_decref(export_done(f, f->cmo.key, export));
    body = px_test_commission_body(GTIN, "PBA", "751231", "[\"RN1\"]", 0);
    px_test_expect(&f->env, "POST", "/v1/commissions", f->cmo.key, body, 409,
                   "printed_batch_mismatch");
    free(body);
    px_test_commission(&f->env, f->cmo.key, GTIN, "RUN7", "751231", "[\"RN1\"]");
    /* And the other way round: a serial printed with a batch keeps that label (a print job
     * outranks a manifest), so a production run's manifest naming another batch for its
     * allocation is refused as it is asked, nothing stored; with the printed batch it runs. */
    allocation_sql(f, "RP", 2, alloc);
    json_decref(print_of(f, f->cmo.key, "[\"RP1\"]", "L3", "j.doe",
                         ", \"batch\": \"PBQ\", \"expiry\": \"751231\"", 201, NULL));
    long long exports = px_sql_count(&f->env, "SELECT count(*) FROM export");
    snprintf(export, sizeof(export),
             "{\"allocation_id\": \"%s\", \"batch\": \"RUN8\", \"expiry\": \"751231\"}", alloc);
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key, export, 409,
                   "printed_batch_mismatch");
    px_expect_count(&f->env, exports, "SELECT count(*) FROM export");
    snprintf(export, sizeof(export),
             "{\"allocation_id\": \"%s\", \"batch\": \"PBQ\", \"expiry\": \"751231\"}", alloc);
    json_decref(export_done(f, f->cmo.key, export));
}

/* An allocation worked in two production runs: the first run's serial, printed and
 * commissioned under its batch, carries that batch in every later manifest (a commissioned
 * pack's row is its own), so a second run's manifest naming another batch labels only the
 * serials not commissioned yet, and is made: the label check asks those alone. */
static void test_print__second_run_after_first_commissioned(void **state)
{
    fixture *f = *state;
    char alloc[40], export[160];
    allocation_sql(f, "RQ", 2, alloc);
    json_decref(print_of(f, f->cmo.key, "[\"RQ1\"]", "L3", "j.doe",
                         ", \"batch\": \"RUNA\", \"expiry\": \"751231\"", 201, NULL));
    px_test_commission(&f->env, f->cmo.key, GTIN, "RUNA", "751231", "[\"RQ1\"]");
    snprintf(export, sizeof(export),
             "{\"allocation_id\": \"%s\", \"batch\": \"RUNB\", \"expiry\": \"751231\", "
             "\"jsonl\": true}",
             alloc);
    json_t *e = export_done(f, f->cmo.key, export);
    json_t *lines = jsonl_download(f, e);
    json_decref(e);
    assert_int_equal(json_array_size(lines), 2);
    size_t i;
    json_t *o;
    json_array_foreach(lines, i, o)
    {
        int first = strcmp(px_test_str(o, "serial"), "RQ1") == 0;
        assert_string_equal(px_test_str(o, "batch"), first ? "RUNA" : "RUNB");
    }
    json_decref(lines);
    /* The second run's serial is still held to its print job's label, as before. */
    json_decref(
        print_of(f, f->cmo.key, "[\"RQ2\"]", "L3", "j.doe", ", \"batch\": \"RUNB\"", 201, NULL));
    snprintf(export, sizeof(export),
             "{\"allocation_id\": \"%s\", \"batch\": \"RUNC\", \"expiry\": \"751231\"}", alloc);
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key, export, 409,
                   "printed_batch_mismatch");
}

/* Several jobs race to print the same serial first: exactly one wins, the others are refused
 * (the partial unique index decides when both passed the check): REQ-PRINT-1 under a race. */
static void test_print__concurrent_first_print(void **state)
{
    fixture *f = *state;
    enum { RACERS = 6 };
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t pids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            close(go[1]);
            char b;
            if (read(go[0], &b, 1) < 0)
                _exit(3);
            char body[256];
            snprintf(body, sizeof(body),
                     "{\"gtin\": \"" GTIN "\", \"serials\": [\"SER0011\", \"SER0012\"], "
                     "\"line\": \"L%d\", \"operator\": \"racer\"}",
                     i);
            px_http_resp r;
            px_http(&f->env, &r, "POST", "/v1/print-jobs", f->cmo.key, body, NULL);
            int code = r.status == 201                                          ? 0
                       : strcmp(px_http_error_code(&r), "already_printed") == 0 ? 1
                                                                                : 2;
            px_http_resp_free(&r);
            _exit(code);
        }
    }
    close(go[0]);
    close(go[1]); /* EOF releases every racer at once */
    int won = 0, refused = 0;
    for (int i = 0; i < RACERS; i++) {
        int st = 0;
        waitpid(pids[i], &st, 0);
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        won += code == 0;
        refused += code == 1;
    }
    assert_int_equal(won, 1);
    assert_int_equal(refused, RACERS - 1);
    assert_int_equal(printed(f, "SER0011"), 1);
    assert_int_equal(printed(f, "SER0012"), 1);
}

/* Two jobs that both passed the check (held on the packs' rows until both wait, then let go):
 * the one the unique index refuses is told, as a later job is, which serials were printed
 * (error.details), not a bare refusal. */
static void test_print__race_loser_told_which_serials(void **state)
{
    fixture *f = *state;
    static const char body[] = "{\"gtin\": \"" GTIN "\", \"serials\": [\"SER0013\", \"SER0014\"], "
                               "\"line\": \"L9\", \"operator\": \"racer\"}";
    px_test_race_req x = {"POST", "/v1/print-jobs", f->cmo.key, body, 0, "", "", NULL, ""};
    px_test_race_req y = x;
    px_test_race_held(&f->env,
                      "SELECT 1 FROM serial WHERE gtin = '" GTIN "' AND serial IN ('SER0013', "
                      "'SER0014') FOR UPDATE",
                      &x, &y);
    px_test_race_req *loser = px_test_race_loser(&x, &y, 201, 1);
    assert_int_equal(loser->status, 409);
    assert_string_equal(loser->code, "already_printed");
    assert_string_equal(loser->detail, "already_printed");
    assert_int_equal(printed(f, "SER0013"), 1);
    assert_int_equal(printed(f, "SER0014"), 1);
}

/* ---- a 1,000,000-serial export in bounded memory ------------------------------------------ */

typedef struct {
    pid_t pid;
    long long bytes, lines;
    long rss_max_kb;
    long long next_probe;
} big_sink;

static size_t on_big(char *data, size_t size, size_t n, void *ctx)
{
    big_sink *s = ctx;
    size_t len = size * n;
    for (size_t i = 0; i < len; i++)
        s->lines += data[i] == '\n';
    s->bytes += (long long)len;
    if (s->bytes >= s->next_probe) {
        long kb = px_test_proc_kb(s->pid, "VmRSS");
        if (kb > s->rss_max_kb)
            s->rss_max_kb = kb;
        s->next_probe += 4 << 20;
    }
    return len;
}

/* GETs url (a download link: no key) into s; *status is the answer's. */
static CURLcode download(const char *url, big_sink *s, long *status)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_big);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 800L);
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    return rc;
}

static void test_print__export_million_bounded(void **state)
{
    fixture *f = *state;
    long n = 1000000;
    const char *e = getenv("PX_TEST_EXPORT_N"); /* a smaller run for quick iterations */
    if (e && *e)
        n = strtol(e, NULL, 10);
    px_test_commissioned_sql(&f->env, GTIN, "BIG", "470630", "B", 9, n, f->mah.org);
    json_t *ex = export_done(f, f->mah.key, "{\"gtin\": \"" GTIN "\", \"batch\": \"BIG\"}");
    assert_int_equal(px_test_int(ex, "count"), n);
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", f->env.base_url,
             link_path(json_string_value(json_object_get(ex, "url"))));
    json_decref(ex);
    big_sink s = {.pid = f->env.server_pid};
    long before = px_test_proc_kb(s.pid, "VmRSS");
    long status;
    CURLcode rc = download(url, &s, &status);
    assert_int_equal(rc, CURLE_OK);
    assert_int_equal(status, 200);
    assert_int_equal(s.lines, n + 1);
    long growth = s.rss_max_kb - before;
    fprintf(stderr,
            "export of %ld serials: %lld bytes streamed; server RSS %ld kB before, %ld kB at "
            "most during the download (+%ld kB)\n",
            n, s.bytes, before, s.rss_max_kb, growth);
    /* The file is ~150 MB; the server holds one page of rows (about 0.3 MB) plus its
     * buffers. 64 MB leaves room for ASan's allocator without admitting a buffered file. */
    assert_true(growth < 64 * 1024);
    assert_true(s.bytes > (long long)n * 100);
}

/* An export of an allocation whose job failed: refused at once when the failure is known
 * (409 allocation_failed, nothing queued); when the allocation fails after the export was
 * queued, the export fails with the reason, audited (export.fail) and told to the MAH's
 * webhook as job.failed (docs/webhooks.md). */
static void test_print__export_of_failed_allocation(void **state)
{
    fixture *f = *state;
    char sql[1024], job[40], alloc[40], body[128];
    snprintf(sql, sizeof(sql),
             "WITH j AS (INSERT INTO job (kind, status, total, done, org_id, not_before) VALUES "
             "('allocation', 'running', 5, 0, '%s', now() + interval '1 hour') RETURNING id) "
             "SELECT id FROM j",
             f->mah.org);
    /* not_before: no worker claims this job (it would fail it at once, for the product has no
     * serial settings, before the export below is queued). */
    px_sql_text(&f->env, sql, job, sizeof(job));
    px_sql_textf(&f->env, alloc, sizeof(alloc),
                 "INSERT INTO allocation (gtin, org_id, requested_by, count, job_id) VALUES ('%s', "
                 "'%s', '%s', 5, '%s') RETURNING id",
                 GTIN, f->cmo.org, f->mah.org, job);
    px_test_job_failed_webhook_sql(&f->env, f->mah.org);
    /* Queued while the allocation runs; the allocation then fails. */
    snprintf(body, sizeof(body), "{\"allocation_id\": \"%s\"}", alloc);
    json_t *e = px_test_call(&f->env, "POST", "/v1/exports", f->cmo.key, body, 202);
    char id[40];
    snprintf(id, sizeof(id), "%s", px_test_str(e, "export_id"));
    json_decref(e);
    px_sqlf(&f->env, "UPDATE job SET status = 'failed', error = 'injected' WHERE id = '%s'", job);
    assert_int_equal(px_count_soon(&f->env, 100,
                                   "SELECT count(*) FROM export WHERE id = '%s' AND status = "
                                   "'failed' AND error = 'the allocation failed'",
                                   id),
                     1);
    assert_int_equal(px_audit_count(&f->env, "export.fail", id), 1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_delivery WHERE tenant_id = '%s' AND "
                    "event = 'job.failed' AND body LIKE '%%%s%%'",
                    f->mah.org, id);
    /* Known now: refused, nothing queued. */
    long long exports = px_count_of(&f->env, "SELECT count(*) FROM export");
    px_test_expect(&f->env, "POST", "/v1/exports", f->cmo.key, body, 409, "allocation_failed");
    px_expect_count(&f->env, exports, "SELECT count(*) FROM export");
    px_sqlf(&f->env, "DELETE FROM webhook WHERE tenant_id = '%s'", f->mah.org);
}

/* A row whose data no longer formats (changed under the export) cuts the download there, with
 * the 200 already sent: the client sees a broken transfer, never a complete-looking manifest
 * with a blank label; the server logs it at error level and counts the cut stream. */
static void test_print__export_row_that_does_not_format_cuts(void **state)
{
    fixture *f = *state;
    json_t *ex = export_done(f, f->mah.key, "{\"gtin\": \"" GTIN "\", \"batch\": \"BATCH002\"}");
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", f->env.base_url,
             link_path(json_string_value(json_object_get(ex, "url"))));
    json_decref(ex);
    px_sqlf(&f->env, "UPDATE serial SET expiry = '261132' WHERE gtin = '%s' AND serial = 'SER0007'",
            GTIN);
    long long cut0 = px_test_metric(&f->env, "packid_http_streams_cut_total");
    big_sink s = {.pid = f->env.server_pid};
    long status;
    CURLcode rc = download(url, &s, &status);
    px_sqlf(&f->env, "UPDATE serial SET expiry = '751115' WHERE gtin = '%s' AND serial = 'SER0007'",
            GTIN);
    assert_int_equal(status, 200);
    assert_int_not_equal(rc, CURLE_OK);
    assert_true(px_test_log_has(&f->env, "does not format", "SER0007"));
    assert_true(cut0 >= 0);
    assert_int_equal(px_test_metric(&f->env, "packid_http_streams_cut_total"), cut0 + 1);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
