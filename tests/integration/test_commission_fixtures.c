/* Replays the corpus of bad commission requests (fixtures/bad-commissions/bad-commissions.jsonl,
 * written by gen.py next to it): each must get its status and error code (and the code of its
 * first detail), and none may change a row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_test.h"

#define GTIN "09506001000014"
#define GTIN_UNPARTNERED "09506001000021"
#define GTIN_OTHER_TENANT "09506010000012"

typedef struct {
    px_test_env env;
    char admin_key[64], mah_key[64], auditor_key[64], regulator_key[64];
    char cmo_key[64], cmo_suspended_key[64];
    char mah_org[40], cmo_org[40];
} fixture;

static void partner(fixture *f, const char *name, char *org, char *key, char *partnership)
{
    json_t *j = px_test_partner(&f->env, f->mah_key, name, "[\"" GTIN "\"]", org, key);
    if (partnership)
        snprintf(partnership, 40, "%s", px_test_str(j, "partnership_id"));
    json_decref(j);
}

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_ALLOW_TEST_CLOCK=1");
    px_test_setenv(&f->env, "PACKID_TEST_NOW=2026-03-01T10:00:00Z");
    px_test_server_start(&f->env);
    px_test_party cmo2;
    char org[40], mah2_key[64], cmo3_org[40], ps[40];
    px_test_org_key(&f->env, "operator", "Operator", "admin", org, f->admin_key);
    px_test_org_key(&f->env, "mah", "Fixture MAH", "mah", f->mah_org, f->mah_key);
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", org, mah2_key);
    px_test_regulator(&f->env, "Regulator", "DE", org, f->regulator_key);
    px_test_key(&f->env, f->mah_org, "auditor", f->auditor_key);
    px_test_product(&f->env, f->mah_key, GTIN, "P " GTIN, "EU");
    px_test_product(&f->env, f->mah_key, GTIN_UNPARTNERED, "P " GTIN_UNPARTNERED, "EU");
    px_test_product(&f->env, mah2_key, GTIN_OTHER_TENANT, "P " GTIN_OTHER_TENANT, "EU");
    partner(f, "Fixture CMO", f->cmo_org, f->cmo_key, NULL);
    partner(f, "Other CMO", cmo2.org, cmo2.key, NULL);
    partner(f, "Suspended CMO", cmo3_org, f->cmo_suspended_key, ps);
    char path[96];
    snprintf(path, sizeof(path), "/v1/partners/%s", ps);
    json_decref(px_http_expect(&f->env, "PATCH", path, f->mah_key, "{\"status\":\"suspended\"}",
                               NULL, 200, NULL));
    /* The pool the corpus runs against. */
    json_decref(px_http_expect(
        &f->env, "POST", "/v1/commissions", f->cmo_key,
        "{\"product_code\":\"" GTIN "\",\"product_code_schema\":\"GTIN\",\"batch\":"
        "\"FIXBATCH\",\"expiry_date\":\"271231\",\"serials\":[\"FIX-COMMISSIONED-1\"]}",
        NULL, 200, NULL));
    const char *h[] = {"Idempotency-Key: fixture-key", NULL};
    json_decref(
        px_http_expect(&f->env, "POST", "/v1/commissions", f->cmo_key,
                       "{\"product_code\":\"" GTIN "\",\"product_code_schema\":\"GTIN\",\"batch\":"
                       "\"FIXBATCH\",\"expiry_date\":\"271231\",\"serials\":[\"FIX-IDEM-1\"]}",
                       h, 200, NULL));
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, origin, allocated_to) VALUES ('" GTIN
            "', 'FIX-OTHER-1', 'allocated', 'generated', '%s')",
            cmo2.org);
    *state = f;
    return 0;
}

/* Every row a commission request may add or change. */
static const char *const corpus_rows[] = {
    "serial",      "serial WHERE state <> 'allocated'",
    "commission",  "epcis_event",
    "audit_log",   "batch",
    "idempotency", "SELECT coalesce(sum(issued_count), 0) FROM product",
    NULL};

static const char *key_of(fixture *f, const char *who)
{
    if (strcmp(who, "cmo") == 0) return f->cmo_key;
    if (strcmp(who, "cmo_suspended") == 0) return f->cmo_suspended_key;
    if (strcmp(who, "mah") == 0) return f->mah_key;
    if (strcmp(who, "auditor") == 0) return f->auditor_key;
    if (strcmp(who, "regulator") == 0) return f->regulator_key;
    if (strcmp(who, "admin") == 0) return f->admin_key;
    if (strcmp(who, "bogus") == 0) return "pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    return NULL; /* "none" */
}

/* The request body of a corpus entry (malloc'd). */
static char *body_of(json_t *e)
{
    json_t *raw = json_object_get(e, "raw");
    if (raw)
        return strdup(json_string_value(raw));
    json_t *body = json_deep_copy(json_object_get(e, "body"));
    json_t *gen = json_object_get(e, "serials_gen");
    if (gen) {
        json_t *serials = json_object_get(body, "serials");
        const char *prefix = json_string_value(json_object_get(gen, "prefix"));
        json_int_t n = px_test_int(gen, "count");
        for (json_int_t i = 0; i < n; i++) {
            char s[32];
            snprintf(s, sizeof(s), "%s%lld", prefix, (long long)i);
            json_array_append_new(serials, json_string(s));
        }
    }
    char *s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    return s;
}

static void test_commission_fixtures__corpus(void **state)
{
    fixture *f = *state;
    FILE *in = fopen(PX_SOURCE_DIR "/fixtures/bad-commissions/bad-commissions.jsonl", "r");
    assert_non_null(in);
    char *line = NULL;
    size_t cap = 0;
    int n = 0, failures = 0;
    char codes[4096] = "";
    while (getline(&line, &cap, in) > 0) {
        json_error_t jerr;
        json_t *e = json_loads(line, JSON_ALLOW_NUL, &jerr);
        if (!e)
            fail_msg("fixture line %d: %s", n + 1, jerr.text);
        const char *name = json_string_value(json_object_get(e, "name"));
        long status = (long)px_test_int(e, "status");
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *detail = json_string_value(json_object_get(e, "detail"));
        const char *headers[4] = {NULL};
        json_t *hs = json_object_get(e, "headers");
        for (size_t i = 0; hs && i < json_array_size(hs) && i < 3; i++)
            headers[i] = json_string_value(json_array_get(hs, i));
        char *body = body_of(e);
        px_test_rows rows;
        px_test_rows_begin(&rows, &f->env, corpus_rows);
        const char *before = rows.before;
        char after[sizeof(rows.before)];
        px_http_resp r;
        px_http(&f->env, &r, "POST", "/v1/commissions",
                key_of(f, json_string_value(json_object_get(e, "as"))), body, headers);
        px_sql_text(&f->env, rows.sql, after, sizeof(after));
        const char *got_detail = "";
        json_t *d = px_test_details(r.json);
        if (json_array_size(d))
            got_detail = json_string_value(json_object_get(json_array_get(d, 0), "code"));
        int ok = r.status == status && strcmp(px_http_error_code(&r), code) == 0 &&
                 (!detail || strcmp(got_detail ? got_detail : "", detail) == 0) &&
                 strcmp(before, after) == 0;
        if (!ok) {
            failures++;
            print_error("%s: got %ld %s (%s), want %ld %s (%s); rows %s -> %s\n  %.300s\n", name,
                        r.status, px_http_error_code(&r), got_detail ? got_detail : "", status,
                        code, detail ? detail : "", before, after, r.body ? r.body : "");
        }
        /* Every error has docs/api.md's shape. */
        if (!json_string_value(json_object_get(json_object_get(r.json, "error"), "message"))) {
            failures++;
            print_error("%s: not an API error: %ld %.300s\n", name, r.status,
                        r.body ? r.body : "");
        }
        if (!strstr(codes, code) && strlen(codes) + strlen(code) + 2 < sizeof(codes)) {
            strcat(codes, code);
            strcat(codes, " ");
        }
        px_http_resp_free(&r);
        free(body);
        json_decref(e);
        n++;
    }
    free(line);
    fclose(in);
    print_message("%d bad commission requests replayed; codes: %s\n", n, codes);
    assert_true(n >= 100);
    assert_int_equal(failures, 0);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
