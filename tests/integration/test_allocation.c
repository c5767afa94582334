/* Serial settings, allocation jobs and the compliance gates over real HTTP and a real
 * PostgreSQL (docs/pool.md). */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"

/* One server and database for the group (px_test_fixture_setup). */
typedef px_test_env fixture;
static int next_gtin = 100;

/* The rows of table (a literal) for gtin that also meet cond (SQL, a literal) are want. A macro,
 * so that a failure names the calling line. */
#define assert_gtin_rows(f, table, gtin, cond, want)                                               \
    assert_int_equal(                                                                              \
        px_count_of((f), "SELECT count(*) FROM " table " WHERE gtin = '%s' AND " cond, (gtin)),    \
        (want))

/* A fresh valid GTIN-14 (GS1 mod-10 check digit, DOMAIN.md §1.1) under a company prefix of its
 * own: the group's MAHs never number under one another's (docs/aggregation.md). */
static void new_gtin(char out[15])
{
    px_test_gtin_own(out, next_gtin++);
}

static void mah(fixture *f, char *org, char *key)
{
    px_test_org_key(f, "mah", "Pool MAH", "mah", org, key);
}

static void product(fixture *f, const char *key, const char *market, char gtin[15])
{
    char name[32];
    new_gtin(gtin);
    snprintf(name, sizeof(name), "Pool test %.14s", gtin);
    px_test_product(f, key, gtin, name, market);
}

/* A fresh MAH (org, key) with one product for market. */
static void mah_product(fixture *f, char *org, char *key, const char *market, char gtin[15])
{
    mah(f, org, key);
    product(f, key, market, gtin);
}

static void put_product_settings(fixture *f, const char *key, const char *gtin, const char *body,
                                 long status, const char *code)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", gtin);
    px_test_expect(f, "PUT", path, key, body, status, code);
}

/* Serial settings: RANDOM_NUMERIC of length 6 has 10^6 values, so the 10,000x rule (REQ-POOL-5)
 * allows 100 serials; random alphanumerics of length 10 are not created in their sort order. */
#define RANDOM6 "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":6}"
#define ALNUM10                                                                                    \
    "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":10,"                                         \
    "\"symbols\":\"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\"}"

/* A fresh MAH with a product for market whose serial settings are settings (201). */
static void mah_product_settings(fixture *f, char *org, char *key, const char *market,
                                 char gtin[15], const char *settings)
{
    mah_product(f, org, key, market, gtin);
    put_product_settings(f, key, gtin, settings, 201, NULL);
}

/* POST …/allocations; on 202 copies the job and allocation ids. */
static void allocate(fixture *f, const char *key, const char *gtin, const char *body, long status,
                     const char *code, char *job_id, char *alloc_id)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/products/%s/allocations", gtin);
    json_t *j = px_http_expect(f, "POST", path, key, body, NULL, status, code);
    if (status == 202) {
        assert_string_equal(px_test_str(j, "status"), "queued");
        if (job_id)
            snprintf(job_id, 40, "%s", px_test_str(j, "job_id"));
        if (alloc_id)
            snprintf(alloc_id, 40, "%s", px_test_str(j, "allocation_id"));
    }
    json_decref(j);
}

/* Polls GET /v1/jobs/{id} until the job is completed or failed (10 minutes at most). */
static json_t *wait_job(fixture *f, const char *key, const char *job_id)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/jobs/%s", job_id);
    return px_test_wait_for(f, key, path, "status", "completed|failed", 6000, 100);
}

static void wait_completed(fixture *f, const char *key, const char *job_id, long long total)
{
    json_t *j = wait_job(f, key, job_id);
    if (strcmp(px_test_str(j, "status"), "completed") != 0)
        fail_msg("job %s: %s", job_id, json_dumps(j, 0));
    assert_int_equal(px_test_int(j, "total"), total);
    assert_int_equal(px_test_int(j, "done"), total);
    assert_true(json_real_value(json_object_get(j, "progress")) == 1.0 ||
                px_test_int(j, "progress") == 1);
    json_decref(j);
}

/* POST …/allocations of body (202), waited for until its job completes with total serials;
 * the allocation's id into alloc_id (when not NULL). */
static void allocated(fixture *f, const char *key, const char *gtin, const char *body,
                      long long total, char *alloc_id)
{
    char job[40];
    allocate(f, key, gtin, body, 202, NULL, job, alloc_id);
    wait_completed(f, key, job, total);
}

/* ---- settings ------------------------------------------------------------------------ */

/* REQ-POOL-3: settings never change once set — product and organization level. */
static void test_alloc__settings_immutable(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15];
    mah_product(f, org, key, "EU", g);
    put_product_settings(f, key, g,
                         "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,"
                         "\"symbols\":\"ABCDEFGHJKLMNPQRSTUVWXYZ23456789\"}",
                         201, NULL);
    put_product_settings(f, key, g, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 409,
                         "settings_immutable");
    /* Settings that allow no serial at all in the EU (3^6 values, far under 10,000 a serial):
     * refused, nothing stored, or the product would be held to none for good (they were
     * taken, found from outside). */
    char g0[15], org0[40], key0[64];
    mah_product(f, org0, key0, "EU", g0);
    put_product_settings(f, key0, g0,
                         "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":6,\"symbols\":\"ABC\"}",
                         409, "serial_space_exhausted");
    put_product_settings(f, key0, g0, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 201, NULL);
    /* Another MAH's product: 404, as if it did not exist; a CMO may not write settings. */
    char org2[40], key2[64], cmo[40], cmo_key[64];
    mah(f, org2, key2);
    put_product_settings(f, key2, g, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 404,
                         "product_not_found");
    px_test_org_key(f, "cmo", "Settings CMO", "cmo", cmo, cmo_key);
    put_product_settings(f, cmo_key, g, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 403,
                         "forbidden_role");
    px_test_expect(f, "PUT", "/v1/serial-settings", cmo_key,
                   "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 403, "forbidden_role");
    /* The same settings again are still a change request: refused. */
    put_product_settings(f, key, g,
                         "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,"
                         "\"symbols\":\"ABCDEFGHJKLMNPQRSTUVWXYZ23456789\"}",
                         409, "settings_immutable");
    char path[128];
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", g);
    json_t *j = px_test_call(f, "GET", path, key, NULL, 200);
    assert_string_equal(px_test_str(j, "strategy"), "RANDOM_ALPHANUMERIC");
    assert_int_equal(px_test_int(j, "length"), 12);
    assert_string_equal(px_test_str(j, "source"), "product");
    json_decref(j);

    px_test_expect(f, "GET", "/v1/serial-settings", key, NULL, 404, "not_found");
    px_test_expect(f, "PUT", "/v1/serial-settings", key,
                   "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 201, NULL);
    px_test_expect(f, "PUT", "/v1/serial-settings", key,
                   "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":19}", 409, "settings_immutable");
    j = px_test_call(f, "GET", "/v1/serial-settings", key, NULL, 200);
    assert_int_equal(px_test_int(j, "length"), 20);
    json_decref(j);
    px_expect_count(f, 1, "SELECT count(*) FROM org_serial_settings WHERE org_id = '%s'", org);
}

/* REQ-POOL-3: symbols outside set 82, fewer than 3 distinct, bad length or strategy: 422 with
 * the field (and the position of the bad character); nothing stored. */
static void test_alloc__settings_validation(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15], path[128];
    mah_product(f, org, key, "EU", g);
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", g);

    json_t *j =
        px_http_expect(f, "PUT", path, key,
                       "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,\"symbols\":\"ABC~D\"}",
                       NULL, 422, "validation_error");
    px_expect_detail(j, 0, -1, "invalid_character", "symbols");
    assert_int_equal(px_test_int(json_array_get(px_test_details(j), 0), "position"), 3);
    json_decref(j);
    /* A space, '#', and non-ASCII are outside set 82 too (DOMAIN.md §2.2). */
    px_test_expect_field(
        f, "PUT", path, key,
        "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,\"symbols\":\"AB C\"}", "symbols",
        "invalid_character");
    px_test_expect_field(
        f, "PUT", path, key,
        "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,\"symbols\":\"AB#C\"}", "symbols",
        "invalid_character");
    px_test_expect_field(
        f, "PUT", path, key,
        "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,\"symbols\":\"AB\\u00e9C\"}",
        "symbols", "invalid_character");
    px_test_expect_field(f, "PUT", path, key,
                         "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,\"symbols\":\"AB\"}",
                         "symbols", "too_few_symbols");
    px_test_expect_field(f, "PUT", path, key,
                         "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,\"symbols\":\"ABA\"}",
                         "symbols", "duplicate_symbol");
    px_test_expect_field(f, "PUT", path, key,
                         "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12}", "symbols",
                         "symbols_required");
    px_test_expect_field(f, "PUT", path, key, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":5}",
                         "length", "invalid_length");
    /* Symbols with a numeric strategy would be dropped unseen: refused. */
    px_test_expect_field(f, "PUT", path, key,
                         "{\"strategy\":\"SEQUENTIAL_NUMERIC\",\"length\":8,\"symbols\":\"ABC\"}",
                         "symbols", "invalid_value");
    px_test_expect_field(f, "PUT", path, key, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":21}",
                         "length", "invalid_length");
    /* A length far out of 6..20 breaks the same rule, not a reader's bound of its own. */
    px_test_expect_field(f, "PUT", path, key,
                         "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":1000001}", "length",
                         "invalid_length");
    px_test_expect_field(f, "PUT", path, key,
                         "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":-99999999999}", "length",
                         "invalid_length");
    px_test_expect_field(f, "PUT", path, key, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":\"12\"}",
                         "length", NULL);
    px_test_expect_field(f, "PUT", path, key, "{\"strategy\":\"RANDOM\",\"length\":12}", "strategy",
                         "invalid_strategy");
    px_test_expect_field(f, "PUT", path, key, "{\"length\":12}", "strategy", NULL);
    px_test_expect_field(f, "PUT", path, key,
                         "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":12,\"lenght\":12}", "lenght",
                         "unknown_field");
    /* The organization level applies the same rules. */
    px_test_expect_field(
        f, "PUT", "/v1/serial-settings", key,
        "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":12,\"symbols\":\"A[B]\"}", "symbols",
        "invalid_character");
    /* Rejected requests change nothing. */
    assert_gtin_rows(f, "product", g, "serial_strategy IS NOT NULL", 0);
    px_expect_count(f, 0, "SELECT count(*) FROM org_serial_settings WHERE org_id = '%s'", org);
    /* Exactly at the edges: 3 distinct symbols, length 6 and 20 are fine. */
    put_product_settings(f, key, g,
                         "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":20,\"symbols\":\"!%z\"}",
                         201, NULL);
}

/* REQ-POOL-3: a product without settings copies its organization's at its first allocation,
 * and then they are the product's, immutable. */
static void test_alloc__settings_copied_from_org(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15], path[128], job[40];
    mah_product(f, org, key, "EU", g);
    px_test_expect(
        f, "PUT", "/v1/serial-settings", key,
        "{\"strategy\":\"RANDOM_ALPHANUMERIC\",\"length\":14,\"symbols\":\"XYZ0123456789\"}", 201,
        NULL);
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", g);
    json_t *j = px_test_call(f, "GET", path, key, NULL, 200);
    assert_string_equal(px_test_str(j, "source"), "organization");
    json_decref(j);
    assert_gtin_rows(f, "product", g, "serial_strategy IS NULL", 1);
    allocate(f, key, g, "{\"count\":25,\"label\":\"first run\"}", 202, NULL, job, NULL);
    /* The product now holds the copy. */
    snprintf(path, sizeof(path), "/v1/products/%s", g);
    j = px_test_call(f, "GET", path, key, NULL, 200);
    json_t *s = json_object_get(j, "serial_settings");
    assert_string_equal(px_test_str(s, "strategy"), "RANDOM_ALPHANUMERIC");
    assert_int_equal(px_test_int(s, "length"), 14);
    assert_string_equal(px_test_str(s, "symbols"), "XYZ0123456789");
    json_decref(j);
    put_product_settings(f, key, g, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 409,
                         "settings_immutable");
    wait_completed(f, key, job, 25);
    assert_gtin_rows(f, "serial", g, "length(serial) = 14 AND serial ~ '^[XYZ0-9]+$'", 25);
}

/* REQ-POOL-3: neither product nor organization settings: 422 settings_missing, nothing
 * queued. */
static void test_alloc__settings_missing(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15];
    mah_product(f, org, key, "EU", g);
    long long jobs = px_sql_count(f, "SELECT count(*) FROM job");
    allocate(f, key, g, "{\"count\":10}", 422, "settings_missing", NULL, NULL);
    px_expect_count(f, jobs, "SELECT count(*) FROM job");
    px_expect_count(f, 0, "SELECT count(*) FROM allocation WHERE gtin = '%s'", g);
    px_expect_count(f, 0, "SELECT issued_count FROM product WHERE gtin = '%s'", g);
}

/* REQ-POOL-5: Delegated Regulation (EU) 2016/161 Art. 4(b)(ii): EU serials are randomised —
 * SEQUENTIAL_NUMERIC is refused at settings time and at allocation time. */
static void test_alloc__eu_sequential_refused(void **state)
{
    fixture *f = *state;
    char org[40], key[64], eu[15], de[15], us[15];
    mah_product(f, org, key, "EU", eu);
    product(f, key, "DE", de); /* a member state: same rule */
    product(f, key, "US", us);
    char path[128];
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", eu);
    px_test_expect_field(f, "PUT", path, key, "{\"strategy\":\"SEQUENTIAL_NUMERIC\",\"length\":12}",
                         "strategy", "sequential_not_allowed");
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", de);
    px_test_expect_field(f, "PUT", path, key, "{\"strategy\":\"SEQUENTIAL_NUMERIC\",\"length\":12}",
                         "strategy", "sequential_not_allowed");
    /* The organization may default to SEQUENTIAL_NUMERIC (for its US products); an EU product
     * refuses to copy it, and stays without settings. */
    px_test_expect(f, "PUT", "/v1/serial-settings", key,
                   "{\"strategy\":\"SEQUENTIAL_NUMERIC\",\"length\":8}", 201, NULL);
    /* Read as the settings an allocation would use: none for the EU product (not found, the
     * message saying why), the default for the US one. */
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", eu);
    json_t *got = px_test_call(f, "GET", path, key, NULL, 404);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(got, "error"), "message")),
               "SEQUENTIAL_NUMERIC"));
    json_decref(got);
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", us);
    got = px_test_call(f, "GET", path, key, NULL, 200);
    assert_string_equal(px_test_str(got, "source"), "organization");
    assert_string_equal(px_test_str(got, "strategy"), "SEQUENTIAL_NUMERIC");
    json_decref(got);
    px_test_expect_field(f, "POST", "/v1/products/x/allocations", key, "{\"count\":0}", "count",
                         NULL);
    char p2[128];
    snprintf(p2, sizeof(p2), "/v1/products/%s/allocations", eu);
    px_test_expect_field(f, "POST", p2, key, "{\"count\":10}", "strategy",
                         "sequential_not_allowed");
    assert_gtin_rows(f, "product", eu, "serial_strategy IS NULL AND issued_count = 0", 1);
    px_expect_count(f, 0, "SELECT count(*) FROM allocation WHERE gtin = '%s'", eu);
    /* A US product takes it: sequential, zero-padded. */
    allocated(f, key, us, "{\"count\":30}", 30, NULL);
    assert_gtin_rows(f, "serial", us, "serial BETWEEN '00000000' AND '00000029'", 30);
}

/* A job whose chunk the database refuses at every try (here: any serial of one product) holds
 * up no job after it: another product's allocation completes while it waits for its next try,
 * and after PX_JOB_TRIES tries (workers.h) it fails with the error, its serials given back to
 * the product (issued_count) and audited as allocation.fail. */
static void test_alloc__refused_chunk_fails_after_tries(void **state)
{
    fixture *f = *state;
    char org[40], key[64], bad[15], good[15];
    mah_product_settings(f, org, key, "US", bad, RANDOM6);
    product(f, key, "US", good);
    put_product_settings(f, key, good, RANDOM6, 201, NULL);
    char cond[64];
    snprintf(cond, sizeof(cond), "NEW.gtin = '%s'", bad);
    px_test_refuse_rows(f, "serial", cond, "XX000");
    char job_bad[40], job_good[40], alloc_bad[40];
    allocate(f, key, bad, "{\"count\":10}", 202, NULL, job_bad, alloc_bad);
    allocate(f, key, good, "{\"count\":10}", 202, NULL, job_good, NULL);
    wait_completed(f, key, job_good, 10);
    json_t *j = wait_job(f, key, job_bad);
    assert_string_equal(px_test_str(j, "status"), "failed");
    assert_non_null(json_object_get(j, "error"));
    json_decref(j);
    px_test_refuse_end(f, "serial");
    /* Each refused try is logged at error level, without the rows the database quotes: the
     * COPY's context names the serials (src/store/sqlstate.c). */
    assert_true(px_test_log_has(f, "database error", "XX000"));
    assert_false(px_test_log_has(f, "COPY serial", NULL));
    px_expect_count(f, 1, "SELECT count(*) FROM job WHERE id = '%s' AND failures = 5", job_bad);
    assert_gtin_rows(f, "product", bad, "issued_count = 0", 1);
    assert_gtin_rows(f, "serial", bad, "true", 0);
    assert_int_equal(px_audit_count(f, "allocation.fail", alloc_bad), 1);
}

/* A failed allocation is repaired through the API (POST /v1/jobs/{id}/retry): what is left of
 * it is asked of the serial space again at the retry, and charged to the product again, so a
 * retry the space has no room for is refused now (409 serial_space_exhausted, the job still
 * failed, nothing reserved) rather than failing later. RANDOM_NUMERIC of length 6 allows 100
 * serials for an EU product: two jobs of 60 and 30 fail and give theirs back, 30 more are
 * allocated, the 60 are retried and complete, and the 30 no longer fit. Only the organization
 * that asked retries (an auditor reads the job, may not retry it), and only a failed job. */
static void test_alloc__failed_job_retried(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15], big[40], big_alloc[40], small[40], other[40];
    mah_product_settings(f, org, key, "EU", g, RANDOM6);
    char cond[64];
    snprintf(cond, sizeof(cond), "NEW.gtin = '%s'", g);
    px_test_refuse_rows(f, "serial", cond, "XX000");
    allocate(f, key, g, "{\"count\":60}", 202, NULL, big, big_alloc);
    allocate(f, key, g, "{\"count\":30}", 202, NULL, small, NULL);
    const char *failing[] = {big, small};
    for (size_t i = 0; i < 2; i++) {
        json_t *j = wait_job(f, key, failing[i]);
        assert_string_equal(px_test_str(j, "status"), "failed");
        json_decref(j);
    }
    px_test_refuse_end(f, "serial");
    px_expect_count(f, 0, "SELECT issued_count FROM product WHERE gtin = '%s'", g);
    allocate(f, key, g, "{\"count\":30}", 202, NULL, other, NULL);
    wait_completed(f, key, other, 30);

    char retry_big[96], retry_small[96], aud_key[64];
    snprintf(retry_big, sizeof(retry_big), "/v1/jobs/%s/retry", big);
    snprintf(retry_small, sizeof(retry_small), "/v1/jobs/%s/retry", small);
    int rc;
    const char *args[] = {"key", "create", "--org", org, "--role", "auditor", NULL};
    json_t *k = px_test_cli(f, &rc, args);
    snprintf(aud_key, sizeof(aud_key), "%s", px_test_str(k, "api_key"));
    json_decref(k);
    px_test_expect(f, "POST", retry_big, aud_key, NULL, 403, "forbidden_role");

    json_t *j = px_test_call(f, "POST", retry_big, key, NULL, 202);
    assert_string_equal(px_test_str(j, "status"), "queued");
    assert_null(json_object_get(j, "error"));
    json_decref(j);
    wait_completed(f, key, big, 60);
    px_expect_count(f, 60, "SELECT count(*) FROM serial WHERE allocation_id = '%s'", big_alloc);
    assert_int_equal(px_audit_count(f, "allocation.retry", big_alloc), 1);
    px_test_expect(f, "POST", retry_big, key, NULL, 409, "job_not_failed");

    px_test_expect(f, "POST", retry_small, key, NULL, 409, "serial_space_exhausted");
    px_expect_count(f, 90, "SELECT issued_count FROM product WHERE gtin = '%s'", g);
    px_expect_count(f, 1, "SELECT count(*) FROM job WHERE id = '%s' AND status = 'failed'", small);
    px_test_expect(f, "POST", "/v1/jobs/not-a-job/retry", key, NULL, 404, "not_found");
}

/* REQ-POOL-5: Art. 4(c) — at least 10,000 possible values per issued serial. RANDOM_NUMERIC
 * of length 6 (10^6 values) allows exactly 100 serials for the GTIN: 101 is refused, 100
 * passes, and then 1 more is refused. */
static void test_alloc__space_boundary(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15], job[40];
    mah_product_settings(f, org, key, "EU", g, RANDOM6);
    allocate(f, key, g, "{\"count\":101}", 409, "serial_space_exhausted", NULL, NULL);
    px_expect_count(f, 0, "SELECT issued_count FROM product WHERE gtin = '%s'", g);
    allocate(f, key, g, "{\"count\":60}", 202, NULL, job, NULL);
    allocate(f, key, g, "{\"count\":41}", 409, "serial_space_exhausted", NULL, NULL);
    allocate(f, key, g, "{\"count\":40}", 202, NULL, NULL, NULL);
    allocate(f, key, g, "{\"count\":1}", 409, "serial_space_exhausted", NULL, NULL);
    wait_completed(f, key, job, 60);
    /* Both jobs done: 100 distinct 6-digit serials. */
    for (int i = 0; i < 100; i++) {
        if (px_count_of(f, "SELECT count(*) FROM serial WHERE gtin = '%s'", g) == 100)
            break;
        usleep(100 * 1000);
    }
    px_expect_count(f, 100,
                    "SELECT count(DISTINCT serial) FROM serial WHERE gtin = '%s' "
                    "AND serial ~ '^[0-9]{6}$'",
                    g);
    /* Non-EU market: no 10,000x rule, but half the space at most when drawn at random
     * (docs/pool.md): more is refused now rather than failing in the job. */
    char us[15];
    product(f, key, "US", us);
    put_product_settings(f, key, us, RANDOM6, 201, NULL);
    allocate(f, key, us, "{\"count\":500001}", 409, "serial_space_exhausted", NULL, NULL);
    allocate(f, key, us, "{\"count\":5000}", 202, NULL, NULL, NULL);
    allocate(f, key, us, "{\"count\":495001}", 409, "serial_space_exhausted", NULL, NULL);
}

/* Partner helpers: creates a CMO partnered on gtin; returns the key, org and partnership. */
static void partner(fixture *f, const char *mah_key, const char *gtin, char *cmo_org, char *cmo_key,
                    char *ps_id)
{
    char name[40], gtins[24];
    snprintf(name, sizeof(name), "CMO for %.14s", gtin);
    snprintf(gtins, sizeof(gtins), "[\"%s\"]", gtin);
    json_t *j = px_test_partner(f, mah_key, name, gtins, cmo_org, cmo_key);
    snprintf(ps_id, 40, "%s", px_test_str(j, "partnership_id"));
    json_decref(j);
}

/* REQ-POOL-6: a CMO allocates only for products of an active partnership: unpartnered 404,
 * suspended 403; for_org lets the MAH allocate to a partnered CMO; a CMO sees only its own
 * allocations. */
static void test_alloc__cmo_access(void **state)
{
    fixture *f = *state;
    char org[40], key[64], a[15], b[15];
    mah_product(f, org, key, "EU", a);
    product(f, key, "EU", b);
    px_test_expect(f, "PUT", "/v1/serial-settings", key,
                   "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":16}", 201, NULL);
    char cmo[40], cmo_key[64], ps[40], cmo2[40], cmo2_key[64], ps2[40];
    partner(f, key, a, cmo, cmo_key, ps);
    partner(f, key, a, cmo2, cmo2_key, ps2);

    allocate(f, cmo_key, b, "{\"count\":10}", 404, "product_not_found", NULL, NULL);
    allocate(f, cmo_key, "99999999999994", "{\"count\":10}", 404, "product_not_found", NULL, NULL);
    char job[40], alloc[40];
    allocate(f, cmo_key, a, "{\"count\":10}", 202, NULL, job, alloc);
    wait_completed(f, cmo_key, job, 10);
    /* Its own id in upper case is its own id (a UUID is read in any case). */
    char body[128], upper[40];
    for (size_t i = 0; i < sizeof(upper); i++)
        upper[i] = (char)toupper((unsigned char)cmo[i]);
    snprintf(body, sizeof(body), "{\"count\":1,\"for_org\":\"%s\"}", upper);
    allocate(f, cmo_key, a, body, 202, NULL, NULL, NULL);
    /* A CMO may not allocate to another organization. */
    snprintf(body, sizeof(body), "{\"count\":10,\"for_org\":\"%s\"}", cmo2);
    allocate(f, cmo_key, a, body, 403, "forbidden_role", NULL, NULL);
    /* The MAH allocates to the second CMO; the CMO can follow the job and read the serials. */
    char job2[40], alloc2[40];
    allocate(f, key, a, body, 202, NULL, job2, alloc2);
    wait_completed(f, cmo2_key, job2, 10);
    /* for_org must be a CMO partnered on the product. */
    allocate(f, key, b, body, 422, "validation_error", NULL, NULL);
    allocate(f, key, a, "{\"count\":10,\"for_org\":\"nope\"}", 422, "validation_error", NULL, NULL);
    px_expect_count(f, 10, "SELECT count(*) FROM serial WHERE allocated_to = '%s'", cmo2);

    char path[160];
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials", alloc);
    json_t *j = px_test_call(f, "GET", path, cmo_key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 10);
    json_decref(j);
    /* A CMO never sees a pack after release, not even its state in the allocation's listing
     * (as GET /v1/packs answers 404 for it); the MAH still does. */
    px_sqlf(f,
            "UPDATE serial SET state = 'released', released_at = now(), market = 'EU' WHERE "
            "(gtin, serial) = (SELECT gtin, serial FROM serial WHERE allocation_id = '%s' "
            "ORDER BY serial LIMIT 1)",
            alloc);
    j = px_test_call(f, "GET", path, cmo_key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 9);
    json_decref(j);
    j = px_test_call(f, "GET", path, key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 10);
    json_decref(j);
    px_test_expect(f, "GET", path, key, NULL, 200, NULL); /* the MAH sees all of its products' */
    px_test_expect(f, "GET", path, cmo2_key, NULL, 404, "not_found"); /* another CMO's: 404 */
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    px_test_expect(f, "GET", path, cmo2_key, NULL, 404, "not_found");
    px_test_expect(f, "GET", path, key, NULL, 200, NULL);
    /* Another MAH sees nothing of it. */
    char org3[40], key3[64];
    mah(f, org3, key3);
    px_test_expect(f, "GET", path, key3, NULL, 404, "not_found");
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials", alloc);
    px_test_expect(f, "GET", path, key3, NULL, 404, "not_found");
    px_test_expect(f, "GET", "/v1/jobs/not-a-uuid", key, NULL, 404, "not_found");
    px_test_expect(f, "GET", "/v1/allocations/00000000-0000-4000-8000-000000000000/serials", key,
                   NULL, 404, "not_found");

    /* Suspension stops the CMO at once: 403, and nothing is queued. */
    snprintf(path, sizeof(path), "/v1/partners/%s", ps);
    px_test_expect(f, "PATCH", path, key, "{\"status\":\"suspended\"}", 200, NULL);
    long long jobs = px_sql_count(f, "SELECT count(*) FROM job");
    allocate(f, cmo_key, a, "{\"count\":10}", 403, "partnership_suspended", NULL, NULL);
    snprintf(body, sizeof(body), "{\"count\":10,\"for_org\":\"%s\"}", cmo);
    allocate(f, key, a, body, 403, "partnership_suspended", NULL, NULL);
    px_expect_count(f, jobs, "SELECT count(*) FROM job");
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials", alloc);
    px_test_expect(f, "GET", path, cmo_key, NULL, 403, "partnership_suspended");
    /* … also to its jobs, one by one and in the list, and to its allocations' list. */
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    px_test_expect(f, "GET", path, cmo_key, NULL, 403, "partnership_suspended");
    static const char *const lists[] = {"/v1/jobs", "/v1/allocations"};
    for (size_t i = 0; i < 2; i++) {
        json_t *l = px_test_call(f, "GET", lists[i], cmo_key, NULL, 200);
        char *d = json_dumps(l, JSON_COMPACT);
        json_decref(l);
        int listed = d && (strstr(d, job) || strstr(d, alloc));
        free(d);
        if (listed)
            fail_msg("%s lists the suspended product's job or allocation", lists[i]);
    }
    /* Reactivated: access again. */
    snprintf(path, sizeof(path), "/v1/partners/%s", ps);
    px_test_expect(f, "PATCH", path, key, "{\"status\":\"active\"}", 200, NULL);
    allocate(f, cmo_key, a, "{\"count\":10}", 202, NULL, NULL, NULL);
    /* Roles: an auditor reads, never allocates. */
    char aud_key[64];
    int rc;
    const char *args[] = {"key", "create", "--org", org, "--role", "auditor", NULL};
    json_t *k = px_test_cli(f, &rc, args);
    snprintf(aud_key, sizeof(aud_key), "%s", px_test_str(k, "api_key"));
    json_decref(k);
    /* The command line takes a key's mode by the same words as the API; another is a usage
     * error, and no key is made. */
    const char *test_args[] = {"key",     "create", "--org", org, "--role",
                               "auditor", "--mode", "test",  NULL};
    k = px_test_cli(f, &rc, test_args);
    assert_int_equal(rc, 0);
    assert_int_equal(strncmp(px_test_str(k, "api_key"), "pk_test_", 8), 0);
    json_decref(k);
    long long keys = px_count_of(f, "SELECT count(*) FROM api_key");
    const char *bad_args[] = {"key",     "create", "--org",   org, "--role",
                              "auditor", "--mode", "sandbox", NULL};
    json_decref(px_test_cli(f, &rc, bad_args));
    assert_int_equal(rc, 2); /* usage */
    px_expect_count(f, keys, "SELECT count(*) FROM api_key");
    allocate(f, aud_key, a, "{\"count\":10}", 403, "forbidden_role", NULL, NULL);
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    px_test_expect(f, "GET", path, aud_key, NULL, 200, NULL);
}

/* One walk of an ordered listing with pages of `first`: the serials, comma-joined, into out;
 * each page's paging headers must say what its body says. When insert_sql is set it runs
 * after the first page, as a concurrent writer would. */
static void walk_order(fixture *f, const char *key, const char *alloc, const char *order, int first,
                       const char *insert_sql, char *out, size_t cap)
{
    char path[512], cursor[256] = "";
    size_t used = 0;
    out[0] = '\0';
    for (int page = 0;; page++) {
        snprintf(path, sizeof(path), "/v1/allocations/%s/serials?order=%s&first=%d%s%s", alloc,
                 order, first, cursor[0] ? "&after=" : "", cursor);
        px_http_resp r;
        px_http(f, &r, "GET", path, key, NULL, NULL);
        assert_int_equal(r.status, 200);
        json_t *items = json_object_get(r.json, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            int n = snprintf(out + used, cap - used, "%s%s", used ? "," : "",
                             px_test_str(it, "serial"));
            assert_true(n > 0 && (size_t)n < cap - used);
            used += (size_t)n;
        }
        int more = json_is_true(json_object_get(r.json, "has_next_page"));
        char h[256];
        assert_int_equal(px_http_header(&r, "has-next-page", h, sizeof(h)), 0);
        assert_string_equal(h, more ? "true" : "false");
        if (more) {
            snprintf(cursor, sizeof(cursor), "%s", px_test_str(r.json, "next_cursor"));
            assert_int_equal(px_http_header(&r, "next-page-token", h, sizeof(h)), 0);
            assert_string_equal(h, cursor);
        } else {
            assert_int_equal(px_http_header(&r, "next-page-token", h, sizeof(h)), -1);
        }
        px_http_resp_free(&r);
        if (page == 0 && insert_sql)
            assert_int_equal(px_sql_exec(f, insert_sql), 0);
        if (!more)
            break;
    }
}

/* The oracle: the same rows sorted by PostgreSQL on the column the order names. */
static void sorted_by(fixture *f, const char *alloc, const char *order_by, char *out, size_t cap)
{
    px_sql_textf(
        f, out, cap,
        "SELECT string_agg(serial, ',' ORDER BY %s) FROM serial WHERE allocation_id = '%s'",
        order_by, alloc);
}

/* A fresh MAH (key) with an EU product of random alphanumeric serials (ALNUM10), allocated
 * body (POST …/allocations, 202) and waited for until its total serials are made: the
 * product g, the allocation alloc. */
static void allocated_alnum(fixture *f, char *key, char g[15], char *alloc, const char *body,
                            long long total)
{
    char org[40];
    mah_product_settings(f, org, key, "EU", g, ALNUM10);
    allocated(f, key, g, body, total, alloc);
}

/* The SQL that inserts three rows prefix1..prefix3 into allocation alloc (rows written while a
 * client pages). */
static void late_rows(char *sql, size_t cap, const char *prefix, const char *alloc)
{
    snprintf(sql, cap,
             "INSERT INTO serial (gtin, serial, allocation_id, allocated_to) SELECT s.gtin, "
             "'%s' || n, s.allocation_id, s.allocated_to FROM (SELECT gtin, allocation_id, "
             "allocated_to FROM serial WHERE allocation_id = '%s' LIMIT 1) s, "
             "generate_series(1, 3) n",
             prefix, alloc);
}

/* REQ-POOL-8: GET /v1/allocations/{id}/serials?order=CREATED_ASC|CREATED_DESC|MODIFIED_ASC|
 * MODIFIED_DESC lists the allocation in the order its rows were written or last changed, the
 * cursor stays exact while rows are inserted, and the paging state is in headers too. */
static void test_alloc__ordered_listing(void **state)
{
    fixture *f = *state;
    char key[64], g[15], alloc[40];
    /* Random serials: their creation order is not their sort order, so each order is
     * distinguishable from the default. */
    allocated_alnum(f, key, g, alloc, "{\"count\":300}", 300);

    /* Modify five serials, picked from the start of the creation order, by commissioning
     * them through the API: they become the newest modified. */
    char sql[1024], five[256], body_serials[512];
    px_sql_textf(
        f, five, sizeof(five),
        "SELECT string_agg('\"' || serial || '\"', ',' ORDER BY serial) FROM (SELECT serial "
        "FROM serial WHERE allocation_id = '%s' ORDER BY created_seq LIMIT 5) s",
        alloc);
    snprintf(body_serials, sizeof(body_serials), "[%s]", five);
    px_test_commission(f, key, g, "LOT-ORD-1", "751231", body_serials);

    static char got[8192], want[8192], plain[8192];
    static const struct {
        const char *order, *sql;
    } orders[] = {
        {"CREATED_ASC", "created_seq"},
        {"CREATED_DESC", "created_seq DESC"},
        {"MODIFIED_ASC", "modified_seq"},
        {"MODIFIED_DESC", "modified_seq DESC"},
    };
    for (size_t i = 0; i < PX_COUNT(orders); i++) {
        walk_order(f, key, alloc, orders[i].order, 37, NULL, got, sizeof(got));
        sorted_by(f, alloc, orders[i].sql, want, sizeof(want));
        assert_string_equal(got, want);
        assert_int_equal(px_occurrences(got, ",") + 1, 300);
    }
    /* The orders mean what they say: creation order is not serial order, and the five
     * commissioned serials lead MODIFIED_DESC. */
    sorted_by(f, alloc, "serial", plain, sizeof(plain));
    sorted_by(f, alloc, "created_seq", want, sizeof(want));
    assert_string_not_equal(plain, want);
    walk_order(f, key, alloc, "MODIFIED_DESC", 5, NULL, got, sizeof(got));
    char first5[256];
    px_sql_textf(f, first5, sizeof(first5),
                 "SELECT string_agg(serial, ',' ORDER BY serial) FROM (SELECT unnest("
                 "string_to_array('%.200s', ',')) AS serial LIMIT 5) s",
                 got);
    px_sql_textf(f, want, sizeof(want),
                 "SELECT string_agg(serial, ',' ORDER BY serial) FROM serial WHERE allocation_id = "
                 "'%s' AND state = 'commissioned'",
                 alloc);
    assert_string_equal(first5, want);

    /* Rows written while a client pages: CREATED_ASC meets them at the end, exactly once;
     * CREATED_DESC, already past them, never does; nothing is listed twice or skipped. */
    late_rows(sql, sizeof(sql), "ZZLATE", alloc);
    walk_order(f, key, alloc, "CREATED_ASC", 100, sql, got, sizeof(got));
    assert_int_equal(px_occurrences(got, ",") + 1, 303);
    assert_int_equal(px_occurrences(got, "ZZLATE"), 3);
    sorted_by(f, alloc, "created_seq", want, sizeof(want));
    assert_string_equal(got, want);
    assert_int_equal(strcmp(got + strlen(got) - strlen("ZZLATE3"), "ZZLATE3"), 0);
    late_rows(sql, sizeof(sql), "ZZDESC", alloc);
    walk_order(f, key, alloc, "CREATED_DESC", 100, sql, got, sizeof(got));
    assert_int_equal(px_occurrences(got, ",") + 1, 303);
    assert_int_equal(px_occurrences(got, "ZZDESC"), 0);

    /* An order this API does not know is a 422 naming the field; a cursor of one order is
     * not a cursor of another, nor of the serial order. */
    char path[512];
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials?order=created_asc", alloc);
    px_test_expect_field(f, "GET", path, key, NULL, "order", "invalid_value");
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials?order=CREATED_ASC&first=2", alloc);
    json_t *j = px_test_call(f, "GET", path, key, NULL, 200);
    char cur[256];
    snprintf(cur, sizeof(cur), "%s", px_test_str(j, "next_cursor"));
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials?order=MODIFIED_ASC&after=%s", alloc,
             cur);
    px_test_expect(f, "GET", path, key, NULL, 400, "bad_request");
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials?after=%s", alloc, cur);
    px_test_expect(f, "GET", path, key, NULL, 400, "bad_request");
}

/* REQ-POOL-6: paging through 10,000 serials returns each exactly once, in order. */
static void test_alloc__paging_10000(void **state)
{
    fixture *f = *state;
    char key[64], g[15], alloc[40];
    allocated_alnum(f, key, g, alloc, "{\"count\":10000,\"label\":\"Spring run 04\"}", 10000);

    char(*seen)[21] = calloc(10000, 21);
    int n = 0, pages = 0;
    char path[512], cursor[256] = "";
    for (;;) {
        if (cursor[0])
            snprintf(path, sizeof(path), "/v1/allocations/%s/serials?first=1000&after=%s", alloc,
                     cursor);
        else
            snprintf(path, sizeof(path), "/v1/allocations/%s/serials?first=1000", alloc);
        json_t *j = px_test_call(f, "GET", path, key, NULL, 200);
        json_t *items = json_object_get(j, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            const char *s = px_test_str(it, "serial");
            assert_string_equal(px_test_str(it, "state"), "allocated");
            assert_int_equal(strlen(s), 10);
            assert_true(n < 10000);
            /* Strictly increasing: each serial once, none skipped between pages. */
            if (n > 0)
                assert_true(strcmp(seen[n - 1], s) < 0);
            snprintf(seen[n++], 21, "%s", s);
        }
        pages++;
        int more = json_is_true(json_object_get(j, "has_next_page"));
        if (more)
            snprintf(cursor, sizeof(cursor), "%s", px_test_str(j, "next_cursor"));
        else
            assert_true(json_is_null(json_object_get(j, "next_cursor")));
        json_decref(j);
        if (!more)
            break;
    }
    assert_int_equal(n, 10000);
    assert_true(pages == 10 || pages == 11);
    px_expect_count(f, 10000,
                    "SELECT count(DISTINCT serial) FROM serial WHERE "
                    "allocation_id = '%s'",
                    alloc);
    free(seen);
    /* A cursor this API did not issue is a 400; first is capped. */
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials?after=%%%%%%", alloc);
    px_test_expect(f, "GET", path, key, NULL, 400, "bad_request");
    /* docs/api.md: first is capped at 1000 — a larger value is served as 1000. */
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials?first=5000", alloc);
    json_t *capped = px_test_call(f, "GET", path, key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(capped, "items")), 1000);
    assert_true(json_is_true(json_object_get(capped, "has_next_page")));
    json_decref(capped);
    snprintf(path, sizeof(path), "/v1/allocations/%s/serials?first=0", alloc);
    px_test_expect(f, "GET", path, key, NULL, 400, "bad_request");
    /* Allocation metadata. */
    snprintf(path, sizeof(path), "/v1/allocations/%s", alloc);
    json_t *j = px_test_call(f, "GET", path, key, NULL, 200);
    assert_string_equal(px_test_str(j, "label"), "Spring run 04");
    assert_int_equal(px_test_int(j, "count"), 10000);
    json_decref(j);
    /* The job's completion is audited. */
    assert_int_equal(px_audit_count(f, "allocation.complete", alloc), 1);
}

/* REQ-POOL-4: a collision with known serials (external, or another CMO's) is retried, never
 * surfaced. 900,000 of the 1,000,000 six-digit values are taken by external serials; an
 * allocation of 20,000 still completes with exactly 20,000 new ones. */
static void test_alloc__collisions_never_surface(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15], alloc[40];
    mah_product_settings(f, org, key, "US", g, RANDOM6);
    px_sqlf(f,
            "INSERT INTO serial (gtin, serial, state, origin) SELECT '%s', lpad(i::text, 6, "
            "'0'), 'commissioned', 'external' FROM generate_series(0, 899999) i",
            g);
    allocated(f, key, g, "{\"count\":20000}", 20000, alloc);
    px_expect_count(f, 20000,
                    "SELECT count(*) FROM serial WHERE allocation_id = '%s' AND "
                    "serial >= '900000'",
                    alloc);
    assert_gtin_rows(f, "serial", g, "origin = 'external' AND allocation_id IS NULL", 900000);

    /* Sequential: ranges are disjoint across allocations (two CMOs never collide), and
     * numbers already taken by external serials are skipped. */
    char s[15], cmo[40], cmo_key[64], ps[40], j1[40], a1[40], j2[40], a2[40], body[128];
    product(f, key, "US", s);
    put_product_settings(f, key, s, "{\"strategy\":\"SEQUENTIAL_NUMERIC\",\"length\":8}", 201,
                         NULL);
    px_sqlf(f,
            "INSERT INTO serial (gtin, serial, state, origin) VALUES ('%s', '00000005', "
            "'commissioned', 'external'), ('%s', '00000010', 'commissioned', 'external')",
            s, s);
    partner(f, key, s, cmo, cmo_key, ps);
    allocate(f, key, s, "{\"count\":20}", 202, NULL, j1, a1);
    snprintf(body, sizeof(body), "{\"count\":20,\"for_org\":\"%s\"}", cmo);
    allocate(f, key, s, body, 202, NULL, j2, a2);
    wait_completed(f, key, j1, 20);
    wait_completed(f, key, j2, 20);
    px_expect_count(f, 40,
                    "SELECT count(DISTINCT serial) FROM serial WHERE gtin = '%s' "
                    "AND allocation_id IS NOT NULL",
                    s);
    /* 42 numbers used: 40 allocated + the 2 external ones skipped. */
    assert_gtin_rows(f, "serial", s, "serial <= '00000041'", 42);
}

/* REQ-POOL-5: the count is reserved under the product's row lock at request time, so two
 * concurrent requests cannot both pass the 10,000x gate on the same headroom (limit 100:
 * 60 + 60 — exactly one is accepted). Also: at most 1,000,000 per job. */
static void test_alloc__concurrent_gate(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15], path[128];
    mah_product_settings(f, org, key, "EU", g, RANDOM6);
    snprintf(path, sizeof(path), "/v1/products/%s/allocations", g);
    for (int round = 0; round < 3; round++) {
        px_test_race_req a = {"POST", path, key, "{\"count\":60}", 0, "", "", NULL, ""};
        px_test_race_req b = a;
        px_test_race2(f, &a, &b);
        if (round == 0) {
            px_test_race_req *loser = px_test_race_loser(&a, &b, 202, round);
            assert_int_equal(loser->status, 409);
            assert_string_equal(loser->code, "serial_space_exhausted");
        } else {
            assert_int_equal(a.status, 409);
            assert_int_equal(b.status, 409);
            assert_string_equal(a.code, "serial_space_exhausted");
            assert_string_equal(b.code, "serial_space_exhausted");
        }
    }
    px_expect_count(f, 60, "SELECT issued_count FROM product WHERE gtin = '%s'", g);
    px_expect_count(f, 1, "SELECT count(*) FROM allocation WHERE gtin = '%s'", g);
    char us[15];
    product(f, key, "US", us);
    put_product_settings(f, key, us, "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":20}", 201, NULL);
    snprintf(path, sizeof(path), "/v1/products/%s/allocations", us);
    px_test_expect_field(f, "POST", path, key, "{\"count\":1000001}", "count", NULL);
    px_test_expect_field(f, "POST", path, key, "{\"count\":\"10\"}", "count", NULL);
    px_test_expect_field(f, "POST", path, key, "{}", "count", NULL);
    px_test_expect_field(f, "POST", path, key, "{\"count\":1,\"label\":\"\"}", "label", NULL);
    px_test_expect_field(f, "POST", path, key, "{\"count\":1,\"colour\":1}", "colour", NULL);
}

/* Jobs of one GTIN on the safe path (a space already well used: most candidates are known) run
 * on both workers at once. Each chunk keeps the rows of its earlier rounds while its next round
 * meets the other chunk's: they deadlocked, PostgreSQL rolled one chunk back, the runner failed
 * its call ("concurrent change", logged at error level and counted) and a commission of the GTIN
 * meanwhile could lose its three tries with 409 conflict. The safe-path chunks of a GTIN now take
 * turns: no runner call fails, and every job completes with serials of its own. */
static void test_alloc__same_gtin_jobs_take_turns(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15], job[4][40], alloc[4][40];
    mah_product_settings(f, org, key, "US", g, RANDOM6);
    /* 600,000 of the 1,000,000 values known: six candidates in ten collide. */
    px_sqlf(f,
            "INSERT INTO serial (gtin, serial, state, origin) SELECT '%s', lpad(i::text, 6, "
            "'0'), 'commissioned', 'external' FROM generate_series(0, 999999) i WHERE i %% 5 < 3",
            g);
    const char *errors = "packid_runner_errors_total{runner=\"allocation\"}";
    long long before = px_test_metric_of(f, errors);
    for (int i = 0; i < 4; i++)
        allocate(f, key, g, "{\"count\":50000}", 202, NULL, job[i], alloc[i]);
    for (int i = 0; i < 4; i++)
        wait_completed(f, key, job[i], 50000);
    assert_int_equal(px_test_metric_of(f, errors), before);
    px_expect_count(f, 200000,
                    "SELECT count(DISTINCT serial) FROM serial WHERE gtin = '%s' AND "
                    "allocation_id IS NOT NULL",
                    g);
    assert_gtin_rows(f, "serial", g, "origin = 'external'", 600000);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP px_test_fixture_setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
