/* Every text the API takes is kept whole up to its limit — stored, audited and returned byte
 * for byte, multi-byte UTF-8 and quotes included — and one byte more is 422 with nothing
 * changed (docs/api.md "Limits"). A body that is not UTF-8 is 422 invalid_utf8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_test.h"

#define GTIN "09506001000014"

typedef px_test_operated fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_server_start(&f->env);
    px_test_operated_make(f, "Limits");
    *state = f;
    return 0;
}

/* A text of exactly n bytes: "é" (2 bytes) and a quote, repeated, then ASCII to the length, so
 * a cut anywhere would split a character or drop an escaped quote. */
static void hard_text(char *out, size_t n)
{
    static const char unit[] = "\xC3\xA9\"\\";
    size_t o = 0;
    while (o + 4 <= n) {
        memcpy(out + o, unit, 4);
        o += 4;
    }
    while (o < n)
        out[o++] = 'x';
    out[n] = '\0';
}

/* The text as a JSON string body part (quotes and backslashes escaped). */
static void json_text(char *out, size_t cap, const char *s)
{
    json_t *j = json_string(s);
    char *d = json_dumps(j, JSON_ENCODE_ANY);
    snprintf(out, cap, "%s", d);
    free(d);
    json_decref(j);
}

/* tmpl with its one "%s" replaced by js. */
static void subst(char *out, size_t cap, const char *tmpl, const char *js)
{
    const char *at = strstr(tmpl, "%s");
    assert_non_null(at);
    snprintf(out, cap, "%.*s%s%s", (int)(at - tmpl), tmpl, js, at + 2);
}

static long long rows(fixture *f)
{
    return px_sql_count(&f->env, "SELECT (SELECT count(*) FROM organization) * 1000000 + "
                                 "(SELECT count(*) FROM product) * 1000 + "
                                 "(SELECT count(*) FROM audit_log)");
}

/* POST path with a body made by fmt around the text; max bytes answer want_ok, max + 1 422. */
static void at_limit(fixture *f, const char *key, const char *path, const char *fmt, size_t max,
                     long want_ok, char *text_out, json_t **answer)
{
    char text[1024], js[4096], body[8192];
    hard_text(text, max + 1);
    json_text(js, sizeof(js), text);
    subst(body, sizeof(body), fmt, js);
    long long before = rows(f);
    px_http_resp r;
    px_http(&f->env, &r, "POST", path, key, body, NULL);
    if (r.status != 422)
        fail_msg("%s with %zu bytes: got %ld, want 422: %s", path, max + 1, r.status, r.body);
    px_http_resp_free(&r);
    assert_int_equal(rows(f), before);
    hard_text(text, max);
    json_text(js, sizeof(js), text);
    subst(body, sizeof(body), fmt, js);
    *answer = px_http_expect(&f->env, "POST", path, key, body, NULL, want_ok, NULL);
    strcpy(text_out, text);
}

/* The newest audit entry of action has details member equal to text, whole. */
static void audited_whole(fixture *f, const char *action, const char *member, const char *text)
{
    char v[1024];
    px_sql_textf(
        &f->env, v, sizeof(v),
        "SELECT details->>'%s' FROM audit_log WHERE action = '%s' ORDER BY seq DESC LIMIT 1",
        member, action);
    if (strcmp(v, text) != 0)
        fail_msg("audit %s.%s is not the text whole: %s", action, member, v);
}

static void test_text_limits__names_whole_at_the_limit(void **state)
{
    fixture *f = *state;
    char text[1024];
    json_t *j;
    /* An organization's name: 200 bytes. */
    at_limit(f, f->admin.key, "/v1/orgs", "{\"kind\":\"cmo\",\"name\":%s}", 200, 201, text, &j);
    assert_string_equal(px_test_str(j, "name"), text);
    json_decref(j);
    audited_whole(f, "org.create", "name", text);
    /* Its audit entry keeps what it starts with: a GLN (its events' read point), a
     * regulator's market (what it may read). */
    json_decref(px_test_call(&f->env, "POST", "/v1/orgs", f->admin.key,
                             "{\"kind\":\"cmo\",\"name\":\"GLN audit\",\"gln\":"
                             "\"4099990000004\",\"gln_prefix_length\":7}",
                             201));
    audited_whole(f, "org.create", "gln", "4099990000004");
    json_decref(px_test_call(&f->env, "POST", "/v1/orgs", f->admin.key,
                             "{\"kind\":\"regulator\",\"name\":\"Market audit\",\"market\":"
                             "\"DE\"}",
                             201));
    audited_whole(f, "org.create", "market", "DE");
    /* A product's name: 200 bytes, read back. */
    char fmt[256];
    snprintf(fmt, sizeof(fmt), "%s",
             "{\"gtin\":\"" GTIN "\",\"company_prefix_length\":7,\"market\":\"EU\",\"name\":%s}");
    at_limit(f, f->mah.key, "/v1/products", fmt, 200, 201, text, &j);
    json_decref(j);
    j = px_http_expect(&f->env, "GET", "/v1/products/" GTIN, f->mah.key, NULL, NULL, 200, NULL);
    assert_string_equal(px_test_str(j, "name"), text);
    json_decref(j);
    audited_whole(f, "product.create", "name", text);
    /* A partner's name: 200 bytes; the CMO's key shows it whole. */
    snprintf(fmt, sizeof(fmt), "%s", "{\"gtins\":[\"" GTIN "\"],\"name\":%s}");
    at_limit(f, f->mah.key, "/v1/partners", fmt, 200, 201, text, &j);
    char cmo_key[64];
    snprintf(cmo_key, sizeof(cmo_key), "%s", json_string_value(json_object_get(j, "api_key")));
    json_decref(j);
    j = px_http_expect(&f->env, "GET", "/v1/whoami", cmo_key, NULL, NULL, 200, NULL);
    assert_string_equal(px_test_str(j, "org_name"), text);
    json_decref(j);
}

/* A pack of batch L-1 commissioned and decommissioned as damaged by the MAH: one a reactivation
 * may bring back. */
static void damaged_pack(fixture *f, const char *serial)
{
    char serials[64], body[160];
    snprintf(serials, sizeof(serials), "[\"%s\"]", serial);
    px_test_commission(&f->env, f->mah.key, GTIN, "L-1", "751231", serials);
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"serials\":[\"%s\"],\"reason\":\"damaged\"}", serial);
    px_test_expect(&f->env, "POST", "/v1/decommissions", f->mah.key, body, 200, NULL);
}

static void test_text_limits__reactivation_reason_whole(void **state)
{
    fixture *f = *state;
    damaged_pack(f, "R1");
    char text[1024];
    json_t *j;
    at_limit(f, f->mah.key, "/v1/reactivations",
             "{\"gtin\":\"" GTIN "\",\"serials\":[\"R1\"],\"reason\":%s}", 200, 200, text, &j);
    json_decref(j);
    j = px_http_expect(&f->env, "GET", "/v1/packs/" GTIN "/R1", f->mah.key, NULL, NULL, 200, NULL);
    json_t *events = json_object_get(j, "events");
    json_t *last = json_array_get(events, json_array_size(events) - 1);
    assert_string_equal(px_test_str(last, "reason"), text);
    json_decref(j);
    audited_whole(f, "pack.reactivate", "reason", text);
}

/* A reactivation's reason says why a pack went back to the market (EU 2016/161 Art. 13): one a
 * person cannot read (empty, only spaces, only a no-break space or a zero-width space) is
 * refused, as a reprint's and an alert's are, and nothing changes. */
static void test_text_limits__reactivation_reason_blank_refused(void **state)
{
    fixture *f = *state;
    damaged_pack(f, "RB1");
    static const char *const blanks[] = {"\"\"", "\"   \"", "\"\\u00a0\"", "\" \\u200b \""};
    for (size_t i = 0; i < sizeof(blanks) / sizeof(*blanks); i++) {
        char body[256];
        snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"serials\":[\"RB1\"],\"reason\":%s}",
                 blanks[i]);
        long long before = rows(f);
        px_test_expect_field(&f->env, "POST", "/v1/reactivations", f->mah.key, body, "reason",
                             "invalid_value");
        assert_int_equal(rows(f), before);
    }
    json_t *j =
        px_http_expect(&f->env, "GET", "/v1/packs/" GTIN "/RB1", f->mah.key, NULL, NULL, 200, NULL);
    assert_string_equal(px_test_str(j, "state"), "decommissioned");
    json_decref(j);
}

static void test_text_limits__invalid_utf8_refused(void **state)
{
    fixture *f = *state;
    long long before = rows(f);
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/v1/orgs", f->admin.key,
            "{\"kind\":\"cmo\",\"name\":\"bad \xC3\x28 byte\"}", NULL);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body, "invalid_utf8"));
    px_http_resp_free(&r);
    assert_int_equal(rows(f), before);
}

/* Names and values from outside quoted into an error message or field are cut by a byte
 * count; cut inside a character they would make the answer invalid JSON (500). */
static void test_text_limits__error_texts_cut_whole_characters(void **state)
{
    fixture *f = *state;
    long long before = rows(f);
    /* an unknown member of 59 letters then 'é': its name is quoted to 60 bytes */
    char body[512];
    snprintf(body, sizeof(body), "{\"kind\":\"cmo\",\"name\":\"x\",\"%.59s\xc3\xa9\":1}",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    json_t *j = px_http_expect(&f->env, "POST", "/v1/orgs", f->admin.key, body, NULL, 422,
                               "validation_error");
    px_expect_detail(j, 0, -1, "unknown_field", NULL);
    /* the cut character left out */
    assert_int_equal(strlen(px_test_str(json_array_get(px_test_details(j), 0), "field")), 59);
    json_decref(j);
    /* a business transaction type of 39 letters then 'é': quoted to 40 bytes */
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"batch\":\"L-1\",\"market\":\"US\",\"ship_to\":{"
             "\"owning_party\":\"0614141000005\",\"location\":\"0614141000012\","
             "\"prefix_length\":7},\"transaction\":{\"type\":\"%.39s\xc3\xa9\",\"id\":\"1\"}}",
             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/v1/releases", f->mah.key, body, NULL);
    assert_int_equal(r.status, 422);
    /* A JSON answer (jansson reads UTF-8 only: no character cut in two), naming the field. */
    assert_non_null(r.json);
    assert_string_equal(px_test_str(json_array_get(px_test_details(r.json), 0), "field"),
                        "transaction.type");
    px_http_resp_free(&r);
    assert_int_equal(rows(f), before);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
