/* Foundation over real HTTP and a real PostgreSQL: authentication, roles, routing errors,
 * body limits, the audit chain, restart durability. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "px_array.h"
#include "px_test.h"

typedef struct {
    px_test_env env;
    px_test_party admin, mah, cmo;
    char auditor_key[64];
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_MAX_BODY=4096");
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "operator", "Test operator", "admin", f->admin.org, f->admin.key);
    px_test_org_key(&f->env, "mah", "Test MAH", "mah", f->mah.org, f->mah.key);
    px_test_org_key(&f->env, "cmo", "Test CMO", "cmo", f->cmo.org, f->cmo.key);
    px_test_key(&f->env, f->mah.org, "auditor", f->auditor_key);
    *state = f;
    return 0;
}

static void test_foundation__no_demo_data_on_a_real_database(void **state)
{
    fixture *f = *state;
    /* With PACKID_DATABASE_URL (a real deployment) the first start creates the operator and
     * its admin key only: no demo organizations or product. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM organization WHERE kind = "
                    "'operator' AND name = 'packid operator'");
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM organization WHERE name LIKE "
                    "'Demo %%'");
    px_expect_count(&f->env, 0, "SELECT count(*) FROM product");
}

static void test_foundation__healthz(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/healthz", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(px_test_str(r.json, "status"), "ok");
    assert_string_equal(px_test_str(r.json, "database"), "ok");
    px_http_resp_free(&r);
}

static void test_foundation__missing_token(void **state)
{
    fixture *f = *state;
    px_test_expect(&f->env, "GET", "/v1/audit", NULL, NULL, 401, "missing_token");
}

static void test_foundation__invalid_token(void **state)
{
    fixture *f = *state;
    px_test_expect(&f->env, "GET", "/v1/audit", "pk_not-a-real-key", NULL, 401, "invalid_token");
    /* Right shape, unknown key. */
    px_test_expect(&f->env, "GET", "/v1/audit", "pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                   NULL, 401, "invalid_token");
}

static void test_foundation__x_access_token_alias(void **state)
{
    fixture *f = *state;
    char h[128];
    snprintf(h, sizeof(h), "x-access-token: %s", f->mah.key);
    const char *headers[] = {h, NULL};
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/whoami", NULL, NULL, headers);
    assert_int_equal(r.status, 200);
    assert_string_equal(px_test_str(r.json, "role"), "mah");
    px_http_resp_free(&r);
}

static void test_foundation__revoked_key(void **state)
{
    fixture *f = *state;
    char org[40], key[64];
    px_test_org_key(&f->env, "mah", "Short-lived MAH", "mah", org, key);
    px_test_expect(&f->env, "GET", "/v1/whoami", key, NULL, 200, NULL);
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/whoami", key, NULL, NULL);
    char key_id[64];
    snprintf(key_id, sizeof(key_id), "%s", json_string_value(json_object_get(r.json, "key_id")));
    px_http_resp_free(&r);
    int rc;
    const char *a[] = {"key", "revoke", key_id, NULL};
    json_t *o = px_test_cli(&f->env, &rc, a);
    assert_int_equal(rc, 0);
    json_decref(o);
    px_test_expect(&f->env, "GET", "/v1/whoami", key, NULL, 401, "invalid_token");
}

/* A keyed /v1/ route that takes no body refuses one (400 bad_request) rather than drop it
 * unread: a revocation with a "reason" revokes nothing, a GET with filters in its body lists
 * nothing; the same requests without a body are served. */
static void test_foundation__body_where_none_is_taken(void **state)
{
    fixture *f = *state;
    char org[40], key[64];
    px_test_org_key(&f->env, "mah", "Body MAH", "mah", org, key);
    json_t *me = px_test_call(&f->env, "GET", "/v1/whoami", key, NULL, 200);
    char path[96];
    snprintf(path, sizeof(path), "/v1/keys/%s", px_test_str(me, "key_id"));
    json_decref(me);
    static const char *const rows[] = {"api_key WHERE revoked_at IS NOT NULL", "audit_log", NULL};
    px_test_refused(&f->env, rows, "DELETE", path, f->admin.key, "{\"reason\":\"left\"}", NULL, 400,
                    "bad_request");
    px_test_refused(&f->env, rows, "GET", "/v1/whoami", key, "{\"verbose\":true}", NULL, 400,
                    "bad_request");
    px_test_expect(&f->env, "GET", "/v1/whoami", key, NULL, 200, NULL);
    px_test_expect(&f->env, "DELETE", path, f->admin.key, NULL, 200, NULL);
    px_test_expect(&f->env, "GET", "/v1/whoami", key, NULL, 401, "invalid_token");
}

/* A key revoked while one of its writes is on its way (past the key check, before its
 * transaction holds the key): the write is refused 401 and changes nothing, never committed
 * after the revocation answered. Another session plays the revocation as px_store_key_revoke
 * makes it (the key's advisory lock, store/key.c, then the UPDATE); the write waits on it, then
 * the revocation commits. */
static void test_foundation__key_revoked_during_a_write(void **state)
{
    fixture *f = *state;
    char org[40], key[64], key_id[64], sql[384];
    px_test_org_key(&f->env, "mah", "Raced MAH", "mah", org, key);
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/whoami", key, NULL, NULL);
    snprintf(key_id, sizeof(key_id), "%s", json_string_value(json_object_get(r.json, "key_id")));
    px_http_resp_free(&r);
    long long keys = px_count_of(&f->env, "SELECT count(*) FROM api_key WHERE org_id = '%s'", org);
    snprintf(sql, sizeof(sql),
             "SELECT pg_advisory_xact_lock(7101, hashtext('%s')); UPDATE api_key SET revoked_at "
             "= now() WHERE id = '%s'",
             key_id, key_id);
    PGconn *held = px_test_hold(&f->env, sql);
    px_test_async w = {&f->env, "POST", "/v1/keys", key, "{\"role\":\"auditor\"}", 0, 0, "", ""};
    px_test_async_start(&w);
    px_test_wait_row_lock_waiters(&f->env, 1);
    px_test_hold_end(held, NULL);
    assert_int_equal(px_test_async_join(&w), 401);
    px_expect_count(&f->env, keys, "SELECT count(*) FROM api_key WHERE org_id = '%s'", org);
}

static void test_foundation__forbidden_role(void **state)
{
    fixture *f = *state;
    px_test_expect(&f->env, "GET", "/v1/audit", f->cmo.key, NULL, 403, "forbidden_role");
    px_test_expect(&f->env, "POST", "/v1/orgs", f->mah.key, "{\"kind\":\"cmo\",\"name\":\"X\"}",
                   403, "forbidden_role");
    long long before = px_sql_count(&f->env, "SELECT count(*) FROM organization");
    px_test_expect(&f->env, "POST", "/v1/orgs", f->cmo.key, "{\"kind\":\"cmo\",\"name\":\"X\"}",
                   403, "forbidden_role");
    px_expect_count(&f->env, before, "SELECT count(*) FROM organization");
}

static void test_foundation__unknown_route_and_method(void **state)
{
    fixture *f = *state;
    px_test_expect(&f->env, "GET", "/v1/no-such-thing", f->mah.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "POST", "/v1/audit", f->mah.key, "{}", 405, "method_not_allowed");
}

static void test_foundation__malformed_json(void **state)
{
    fixture *f = *state;
    long long before = px_sql_count(&f->env, "SELECT count(*) FROM organization");
    px_test_expect(&f->env, "POST", "/v1/orgs", f->admin.key, "{\"kind\": \"mah\", ", 400,
                   "malformed_json");
    px_test_expect(&f->env, "POST", "/v1/orgs", f->admin.key, "[1,2]", 400, "bad_request");
    /* Valid JSON that is no object, whatever its kind, is told as such; a number jansson
     * cannot hold is no JSON packid reads. */
    static const char *const not_objects[] = {"\"x\"", "5", "true", "null"};
    for (size_t i = 0; i < PX_COUNT(not_objects); i++)
        px_test_expect(&f->env, "POST", "/v1/orgs", f->admin.key, not_objects[i], 400,
                       "bad_request");
    px_test_expect(&f->env, "POST", "/v1/orgs", f->admin.key,
                   "{\"kind\":\"mah\",\"name\":18446744073709551617}", 400, "malformed_json");
    px_test_expect(&f->env, "POST", "/v1/orgs", f->admin.key,
                   "{\"kind\":\"mah\",\"name\":\"A\",\"nmae\":1}", 422, "validation_error");
    /* Valid JSON packid cannot take is told in its own words (no library's flag), with where. */
    static const struct {
        const char *body, *says;
    } refused[] = {
        {"{\"kind\":\"mah\",\"name\":\"a\\u0000b\"}",
         "holds \\\\u0000 (NUL), which no value may hold at line 1"},
        {"{\"kind\":\"mah\",\"name\":18446744073709551617}", "a number is too large"},
        {"{\"kind\":\"mah\",\"name\":1e999}", "a number is too large"},
    };
    for (size_t i = 0; i < PX_COUNT(refused); i++) {
        px_http_resp r;
        px_http(&f->env, &r, "POST", "/v1/orgs", f->admin.key, refused[i].body, NULL);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "\"malformed_json\""));
        assert_non_null(strstr(r.body, refused[i].says));
        assert_null(strstr(r.body, "JSON_ALLOW_NUL"));
        px_http_resp_free(&r);
    }
    px_expect_count(&f->env, before, "SELECT count(*) FROM organization");
}

/* A body with several bad members is answered once, about the first one read (docs/api.md
 * "Errors"): a later check of the handler's own (a key's mode) or of the use case (a release's
 * transaction) does not replace that answer, and nothing is written. */
static void test_foundation__first_refusal_is_the_answer(void **state)
{
    fixture *f = *state;
    long long before = px_sql_count(&f->env, "SELECT (SELECT count(*) FROM api_key) * 1000 + "
                                             "(SELECT count(*) FROM audit_log)");
    /* a label reordered by a bidirectional override (U+202E) is no label a person can read */
    px_test_expect_field(&f->env, "POST", "/v1/keys", f->admin.key,
                         "{\"org_id\":\"00000000-0000-4000-8000-000000000000\",\"role\":\"mah\","
                         "\"label\":\"a\\u202eb\"}",
                         "label", "invalid_label");
    /* label (a number) is read before mode (not live or test) is checked */
    px_test_expect_field(&f->env, "POST", "/v1/keys", f->admin.key,
                         "{\"org_id\":\"00000000-0000-4000-8000-000000000000\",\"role\":\"mah\","
                         "\"label\":7,\"mode\":\"x\"}",
                         "label", "invalid_value");
    /* dry_run (not a boolean) is refused by the handler; the transaction's missing id, the use
     * case's rule, is never looked for */
    px_test_expect_field(&f->env, "POST", "/v1/releases", f->mah.key,
                         "{\"gtin\":\"09506000134352\",\"batch\":\"L1\",\"market\":\"US\","
                         "\"transaction\":{\"type\":\"po\"},\"dry_run\":\"yes\"}",
                         "dry_run", "invalid_type");
    /* the first of two members that cannot be null (an endpoint that does not exist: the
     * body is refused before the endpoint is looked up) */
    px_test_expect_field(&f->env, "PATCH",
                         "/v1/regulator-endpoints/00000000-0000-4000-8000-000000000000", f->mah.key,
                         "{\"url\":null,\"format\":null}", "url", "invalid_value");
    px_expect_count(&f->env, before,
                    "SELECT (SELECT count(*) FROM api_key) * 1000 + "
                    "(SELECT count(*) FROM audit_log)");
}

/* The answer's X-Request-Id of a GET /healthz sent with given (NULL: none) into rid. */
static void request_id_of(fixture *f, const char *given, char rid[128])
{
    char h[160];
    const char *headers[] = {h, NULL};
    snprintf(h, sizeof(h), "X-Request-Id: %s", given ? given : "");
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/healthz", NULL, NULL, given ? headers : NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(px_http_header(&r, "X-Request-Id", rid, 128), 0);
    px_http_resp_free(&r);
}

/* 16 lowercase hexadecimal digits: an id packid made. */
static int made_id(const char *rid)
{
    return strlen(rid) == 16 && strspn(rid, "0123456789abcdef") == 16;
}

/* Every answer carries X-Request-Id (docs/api.md "Conventions"): the client's own when it is
 * 1 to 64 characters of [A-Za-z0-9._:-] (so the log line and the header can carry it as it
 * is), else one packid makes, a new one each time. */
static void test_foundation__request_ids(void **state)
{
    fixture *f = *state;
    char a[128], b[128];
    request_id_of(f, NULL, a);
    request_id_of(f, NULL, b);
    if (!made_id(a) || !made_id(b) || strcmp(a, b) == 0)
        fail_msg("made ids: %s, %s", a, b);
    request_id_of(f, "trace-42.a_b:C", a);
    assert_string_equal(a, "trace-42.a_b:C");
    char longest[65];
    memset(longest, 'x', 64);
    longest[64] = '\0';
    request_id_of(f, longest, a);
    assert_string_equal(a, longest);
    static const char *const refused[] = {
        "two words", "semi;colon", "quote\"d",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
    for (size_t i = 0; i < PX_COUNT(refused); i++) {
        request_id_of(f, refused[i], a);
        if (!made_id(a))
            fail_msg("X-Request-Id %s answered %s", refused[i], a);
    }
}

static void test_foundation__body_over_cap(void **state)
{
    fixture *f = *state;
    size_t n = 5000;
    char *body = malloc(n + 1);
    memset(body, ' ', n);
    body[0] = '{';
    body[n - 1] = '}';
    body[n] = '\0';
    px_test_expect(&f->env, "POST", "/v1/orgs", f->admin.key, body, 413, "payload_too_large");
    /* The EPCIS binding's paths answer in its dialect: a problem of its own 413 type. */
    const char *h[] = {"Content-Type: application/ld+json", NULL};
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/epcis/capture", f->admin.key, body, h);
    if (r.status != 413 || !r.json ||
        strcmp(px_test_str(r.json, "type"), "epcisException:CaptureLimitExceededException") != 0)
        fail_msg("an oversized capture: got %ld %.300s", r.status, r.body);
    px_http_resp_free(&r);
    free(body);
}

static void test_foundation__admin_creates_org_and_key(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/v1/orgs", f->admin.key,
            "{\"kind\":\"mah\",\"name\":\"Via HTTP\",\"gln\":\"9506000000022\"}", NULL);
    assert_int_equal(r.status, 201);
    char body[200];
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"mah\"}",
             json_string_value(json_object_get(r.json, "org_id")));
    px_http_resp_free(&r);
    px_http(&f->env, &r, "POST", "/v1/keys", f->admin.key, body, NULL);
    assert_int_equal(r.status, 201);
    char key[64];
    snprintf(key, sizeof(key), "%s", json_string_value(json_object_get(r.json, "api_key")));
    px_http_resp_free(&r);
    px_test_expect(&f->env, "GET", "/v1/whoami", key, NULL, 200, NULL);
    /* A GLN with a wrong check digit is refused, naming the field. */
    px_http(&f->env, &r, "POST", "/v1/orgs", f->admin.key,
            "{\"kind\":\"mah\",\"name\":\"Bad GLN\",\"gln\":\"9506000000029\"}", NULL);
    assert_int_equal(r.status, 422);
    px_expect_detail(r.json, 0, -1, NULL, "gln");
    px_http_resp_free(&r);
    /* A key whose role does not fit the organization is refused. */
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"cmo\"}", f->mah.org);
    px_test_expect(&f->env, "POST", "/v1/keys", f->admin.key, body, 422, "validation_error");
    /* Another tenant's or a malformed id: not found. */
    px_test_expect(&f->env, "POST", "/v1/keys", f->admin.key,
                   "{\"org_id\":\"00000000-0000-4000-8000-000000000000\",\"role\":\"mah\"}", 404,
                   "not_found");
}

/* REQ-POLICY-4: a regulator reads its market's events and reports, so it is created with its
 * market (none: missing_market; one packid does not report to: unknown_market); another kind
 * serves no market (given one: invalid_value).
 * Each refusal names the field and stores nothing; a verifier needs its GLN as before. */
static void test_foundation__org_market_and_gln_needed(void **state)
{
    fixture *f = *state;
    static const char *const rows[] = {"organization", "audit_log", NULL};
    static const struct {
        const char *body, *code, *field;
    } v[] = {
        {"{\"kind\":\"regulator\",\"name\":\"NCA without market\"}", "missing_market", "market"},
        /* a market packid reports nothing to: the regulator would never read a thing */
        {"{\"kind\":\"regulator\",\"name\":\"Swissmedic\",\"market\":\"CH\"}", "unknown_market",
         "market"},
        {"{\"kind\":\"mah\",\"name\":\"MAH with market\",\"market\":\"DE\"}", "invalid_value",
         "market"},
        {"{\"kind\":\"cmo\",\"name\":\"CMO with market\",\"market\":\"FR\"}", "invalid_value",
         "market"},
        {"{\"kind\":\"verifier\",\"name\":\"Wholesaler without GLN\"}", "missing_gln", "gln"},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        json_t *j = px_test_refused_answer(&f->env, rows, "POST", "/v1/orgs", f->admin.key,
                                           v[i].body, NULL, 422, "validation_error");
        px_expect_detail(j, 0, -1, v[i].code, v[i].field);
        json_decref(j);
    }
}

/* REQ-MARKET-1: a market code that is not two upper-case letters is invalid_market, and two
 * letters naming no country unknown_market, on every route that takes one and on the command
 * line, whatever its length: no reader refuses it as a text too long or empty
 * (invalid_value). Nothing is stored. */
static void test_foundation__market_refused_alike_everywhere(void **state)
{
    fixture *f = *state;
    char gtin[15];
    px_test_gtin_own(gtin, 4101);
    px_test_product(&f->env, f->mah.key, gtin, "Market pack", "EU");
    static const char *const rows[] = {"organization",   "product",   "regulator_endpoint",
                                       "market_release", "audit_log", NULL};
    static const struct {
        const char *market, *code;
    } v[] = {
        {"EUR", "invalid_market"},
        {"E", "invalid_market"},
        {"", "invalid_market"},
        {"eu", "invalid_market"},
        {"EUROPEAN-UNION-MARKET", "invalid_market"},
        {"XX", "unknown_market"},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        const char *m = v[i].market;
        char orgs[160], product[200], endpoint[160], release[160];
        snprintf(orgs, sizeof(orgs), "{\"kind\":\"regulator\",\"name\":\"NCA\",\"market\":\"%s\"}",
                 m);
        snprintf(product, sizeof(product),
                 "{\"gtin\":\"%.13s%c\",\"company_prefix_length\":7,\"name\":\"X\","
                 "\"market\":\"%s\"}",
                 gtin, gtin[13] == '9' ? '0' : '9', m);
        snprintf(endpoint, sizeof(endpoint),
                 "{\"market\":\"%s\",\"url\":\"https://example.org/in\"}", m);
        snprintf(release, sizeof(release), "{\"gtin\":\"%s\",\"batch\":\"B1\",\"market\":\"%s\"}",
                 gtin, m);
        const struct {
            const char *path, *key, *body;
        } routes[] = {
            {"/v1/orgs", f->admin.key, orgs},
            {"/v1/products", f->mah.key, product},
            {"/v1/regulator-endpoints", f->mah.key, endpoint},
            {"/v1/releases", f->mah.key, release},
        };
        for (size_t k = 0; k < PX_COUNT(routes); k++) {
            json_t *j = px_test_refused_answer(&f->env, rows, "POST", routes[k].path, routes[k].key,
                                               routes[k].body, NULL, 422, "validation_error");
            json_t *d = json_array_get(px_test_details(j), 0);
            if (strcmp(px_test_str(d, "code"), v[i].code) != 0 ||
                strcmp(px_test_str(d, "field"), "market") != 0)
                fail_msg("POST %s with market \"%s\": %s on %s, want %s on market", routes[k].path,
                         m, px_test_str(d, "code"), px_test_str(d, "field"), v[i].code);
            json_decref(j);
        }
        const char *args[] = {"org", "create",   "--kind", "regulator", "--name",
                              "NCA", "--market", m,        NULL};
        int rc;
        json_t *j = px_test_cli(&f->env, &rc, args);
        json_t *e = json_object_get(j, "error");
        if (rc != 1 || strcmp(px_test_str(e, "code"), v[i].code) != 0)
            fail_msg("packid org create --market \"%s\": exit %d, %s, want %s", m, rc,
                     px_test_str(e, "code"), v[i].code);
        json_decref(j);
    }
}

/* An organization's own id in upper case is its own id (a UUID is read in any case): a MAH
 * mints a key for it and reads its allotment by it, as it lists its keys by it. */
static void test_foundation__own_id_in_any_case(void **state)
{
    fixture *f = *state;
    char upper[40], body[128], path[96];
    for (size_t i = 0; i < sizeof(upper); i++)
        upper[i] = (char)toupper((unsigned char)f->mah.org[i]);
    snprintf(body, sizeof(body), "{\"role\":\"auditor\",\"org_id\":\"%s\"}", upper);
    json_t *k = px_test_call(&f->env, "POST", "/v1/keys", f->mah.key, body, 201);
    assert_string_equal(px_test_str(k, "org_id"), f->mah.org);
    json_decref(k);
    snprintf(path, sizeof(path), "/v1/orgs/%s/allotments", upper);
    px_test_expect(&f->env, "GET", path, f->mah.key, NULL, 200, NULL);
    snprintf(path, sizeof(path), "/v1/keys?org_id=%s", upper);
    px_test_expect(&f->env, "GET", path, f->mah.key, NULL, 200, NULL);
    /* Its id with more after it is no id of its: never read as cut to a UUID's length. */
    snprintf(body, sizeof(body), "{\"role\":\"auditor\",\"org_id\":\"%sAB\"}", f->mah.org);
    px_test_expect_field(&f->env, "POST", "/v1/keys", f->mah.key, body, "org_id", "invalid_value");
}

/* An organization's answer lists the roles its keys may carry (key_roles), and POST /v1/keys
 * takes exactly those: each role of each kind of organization asked for. The lists are the
 * ones docs/api.md gives (REQ-POLICY-5), written here, not read from the server. */
static void test_foundation__org_key_roles(void **state)
{
    fixture *f = *state;
    static const char *const orgs[] = {
        "{\"kind\":\"mah\",\"name\":\"Roles MAH\"}", "{\"kind\":\"cmo\",\"name\":\"Roles CMO\"}",
        "{\"kind\":\"regulator\",\"name\":\"Roles NCA\",\"market\":\"DE\"}",
        "{\"kind\":\"verifier\",\"name\":\"Roles wholesaler\",\"gln\":\"0614141000012\"}"};
    static const char *const want[] = {"mah,auditor", "cmo", "regulator", "verifier"};
    static const char *const roles[] = {"admin", "mah", "cmo", "auditor", "regulator", "verifier"};
    int taken = 0;
    for (size_t o = 0; o < PX_COUNT(orgs); o++) {
        char got[96] = "";
        json_t *org = px_test_call(&f->env, "POST", "/v1/orgs", f->admin.key, orgs[o], 201);
        json_t *fits = json_object_get(org, "key_roles");
        assert_true(json_array_size(fits) >= 1);
        for (size_t r = 0; r < PX_COUNT(roles); r++) {
            int listed = 0;
            size_t i;
            json_t *v;
            json_array_foreach(fits, i, v) listed |= strcmp(json_string_value(v), roles[r]) == 0;
            char body[200];
            snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"%s\"}",
                     px_test_str(org, "org_id"), roles[r]);
            px_test_expect(&f->env, "POST", "/v1/keys", f->admin.key, body, listed ? 201 : 422,
                           listed ? NULL : "validation_error");
            if (listed)
                snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", got[0] ? "," : "",
                         roles[r]);
            taken += listed;
        }
        assert_string_equal(got, want[o]);
        json_decref(org);
    }
    assert_int_equal(taken, 5);
}

static void test_foundation__keys_stored_hashed(void **state)
{
    fixture *f = *state;
    char q[256];
    /* The secret appears nowhere in the database, only its SHA-256. */
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM api_key WHERE secret_hash = sha256(convert_to('%s','UTF8'))",
             f->mah.key);
    px_expect_count(&f->env, 1, "%s", q);
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM api_key WHERE position(convert_to('%s','UTF8') IN "
             "secret_hash) > 0 OR label LIKE '%%%s%%'",
             f->mah.key + 3, f->mah.key + 3);
    px_expect_count(&f->env, 0, "%s", q);
}

static void test_foundation__audit_chain(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/audit/verify", f->auditor_key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.json, "ok")));
    /* The auditor sees its MAH's part of the chain: the count and head of its entries. */
    char q[256], head[80];
    snprintf(q, sizeof(q), "SELECT count(*) FROM audit_log WHERE tenant_id = '%s'", f->mah.org);
    assert_int_equal(px_test_int(r.json, "entries"), px_sql_count(&f->env, q));
    px_sql_textf(&f->env, head, sizeof(head),
                 "SELECT hash FROM audit_log WHERE tenant_id = '%s' ORDER BY seq DESC LIMIT 1",
                 f->mah.org);
    assert_string_equal(px_test_str(r.json, "head"), head);
    px_http_resp_free(&r);
    px_test_party other;
    px_test_org_key(&f->env, "mah", "Another MAH", "mah", other.org, other.key);

    /* The application cannot edit the log. */
    assert_int_not_equal(px_sql_exec(&f->env, "UPDATE audit_log SET action = 'x' WHERE seq = 2"),
                         0);
    /* A superuser who bypasses the trigger is caught by the chain. */
    char original[512];
    /* The MAH's first entry (the server's first start wrote the demo organizations before). */
    long long seq =
        px_count_of(&f->env, "SELECT min(seq) FROM audit_log WHERE tenant_id = '%s'", f->mah.org);
    assert_true(seq > 0);
    px_sql_textf(&f->env, original, sizeof(original),
                 "SELECT details::text FROM audit_log WHERE seq = %lld", seq);
    px_sqlf(&f->env,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;"
            "UPDATE audit_log SET details = '{\"role\":\"admin\"}' WHERE seq = %lld;"
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;",
            seq);
    px_http(&f->env, &r, "GET", "/v1/audit/verify", f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_is_false(json_object_get(r.json, "ok")));
    assert_int_equal(px_test_int(r.json, "broken_at"), seq);
    px_http_resp_free(&r);
    /* Another MAH learns that the chain is broken, not where in someone else's history. */
    px_http(&f->env, &r, "GET", "/v1/audit/verify", other.key, NULL, NULL);
    assert_true(json_is_false(json_object_get(r.json, "ok")));
    assert_null(json_object_get(r.json, "broken_at"));
    px_http_resp_free(&r);
    int rc;
    const char *a[] = {"audit", "verify", NULL};
    json_t *o = px_test_cli(&f->env, &rc, a);
    assert_int_equal(rc, 1);
    assert_true(json_is_false(json_object_get(o, "ok")));
    assert_int_equal(px_test_int(o, "broken_at"), seq);
    /* The operator's API verdict and the command line's are one shape, one verdict. */
    px_http(&f->env, &r, "GET", "/v1/audit/verify", f->admin.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    if (!json_equal(r.json, o)) {
        char *a_txt = json_dumps(r.json, JSON_SORT_KEYS), *c_txt = json_dumps(o, JSON_SORT_KEYS);
        fail_msg("GET /v1/audit/verify %s, packid audit verify %s", a_txt, c_txt);
    }
    px_http_resp_free(&r);
    json_decref(o);
    /* Restoring the original text heals the chain: the hash covers exactly the content. */
    px_sqlf(&f->env,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;"
            "UPDATE audit_log SET details = '%s' WHERE seq = %lld;"
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;",
            original, seq);
    px_http(&f->env, &r, "GET", "/v1/audit/verify", f->mah.key, NULL, NULL);
    assert_true(json_is_true(json_object_get(r.json, "ok")));
    px_http_resp_free(&r);
    /* Deleting a row is caught too: the entry is missing. */
    px_sqlf(&f->env,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;"
            "DELETE FROM audit_log WHERE seq = %lld;"
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;",
            seq + 1);
    px_http(&f->env, &r, "GET", "/v1/audit/verify", f->mah.key, NULL, NULL);
    assert_true(json_is_false(json_object_get(r.json, "ok")));
    /* A tenant learns that its chain is broken, not where: whose the missing entry was is
     * unknowable, and it may have been another organization's. The operator sees where. */
    assert_true(json_is_null(json_object_get(r.json, "broken_at")) ||
                !json_object_get(r.json, "broken_at"));
    px_http_resp_free(&r);
    o = px_test_cli(&f->env, &rc, a);
    assert_int_equal(rc, 1);
    assert_int_equal(px_test_int(o, "broken_at"), seq + 1);
    json_decref(o);
}

static void test_foundation__audit_paging(void **state)
{
    fixture *f = *state;
    /* Page the MAH's log one entry at a time: every entry once, in order. */
    char path[256] = "/v1/audit?first=1";
    long long last = 0;
    int pages = 0;
    for (;;) {
        px_http_resp r;
        px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
        assert_int_equal(r.status, 200);
        json_t *items = json_object_get(r.json, "items");
        assert_true(json_array_size(items) <= 1);
        if (json_array_size(items) == 1) {
            long long seq = px_test_int(json_array_get(items, 0), "seq");
            assert_true(seq > last);
            last = seq;
            pages++;
        }
        int more = json_is_true(json_object_get(r.json, "has_next_page"));
        if (more)
            snprintf(path, sizeof(path), "/v1/audit?first=1&after=%s",
                     json_string_value(json_object_get(r.json, "next_cursor")));
        px_http_resp_free(&r);
        if (!more)
            break;
    }
    assert_true(pages >= 2);
    /* A bad paging parameter is 400 bad_request whose detail names it. */
    static const char *const bad[][2] = {{"/v1/audit?after=not*a*cursor", "after"},
                                         {"/v1/audit?first=0", "first"}};
    for (size_t i = 0; i < 2; i++) {
        json_t *j = px_test_call(&f->env, "GET", bad[i][0], f->mah.key, NULL, 400);
        json_t *e = json_object_get(j, "error");
        assert_string_equal(px_test_str(e, "code"), "bad_request");
        assert_string_equal(px_test_str(json_array_get(json_object_get(e, "details"), 0), "field"),
                            bad[i][1]);
        json_decref(j);
    }
}

static void test_foundation__metrics(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    /* The last route of routes.def and a path no route takes are each counted as themselves
     * (neither folded into another route's series). */
    px_http(&f->env, &r, "GET", "/v1/carriers/00000000-0000-4000-8000-000000000000/symbol.svg",
            NULL, NULL, NULL);
    assert_int_equal(r.status, 401);
    px_http_resp_free(&r);
    px_http(&f->env, &r, "GET", "/v1/no-such-route", NULL, NULL, NULL);
    assert_int_equal(r.status, 404);
    px_http_resp_free(&r);
    px_http(&f->env, &r, "GET", "/metrics", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "packid_http_requests_total{method=\"GET\",route=\"/healthz\""));
    assert_non_null(strstr(r.body, "packid_http_requests_total{method=\"GET\",route=\"/v1/"
                                   "carriers/{carrier_id}/symbol.svg\",status=\"401\"} 1\n"));
    assert_non_null(
        strstr(r.body, "packid_http_requests_total{method=\"\",route=\"unmatched\",status=\"404\"}"));
    assert_null(strstr(r.body, "route=\"/v1/carrier-batches\""));
    assert_non_null(strstr(r.body, "packid_http_request_duration_seconds_bucket"));
    assert_non_null(strstr(r.body, "packid_db_pool_connections"));
    /* No scan lost: the counter is there, at 0 (scan_buffer.h). */
    assert_non_null(strstr(r.body, "\npackid_scans_lost_total 0\n"));
    px_http_resp_free(&r);
}

static void test_foundation__restart_keeps_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(px_test_server_stop(&f->env), 0);
    px_test_server_start(&f->env);
    px_test_expect(&f->env, "GET", "/v1/whoami", f->mah.key, NULL, 200, NULL);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
