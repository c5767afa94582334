/* Repairs over real HTTP and a real PostgreSQL: PATCH of organizations, products and regulator
 * endpoints (each bad field 422 with its field and nothing changed, another tenant's 404, an
 * audit entry with old and new values), a MAH's own keys, and the webhook's configuration. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"

typedef struct {
    px_test_env env;
    px_test_party admin, mah, mah2;
    px_test_party cmo;  /* the MAH's partner (key handed over at partnering) */
    px_test_party cmo2; /* nobody's partner */
    char gtin[15];
    int next_gtin;
} fixture;

static json_t *call(fixture *f, const char *method, const char *path, const char *key,
                    const char *body, long status, const char *code)
{
    return px_http_expect(&f->env, method, path, key, body, NULL, status, code);
}

/* The row text of a table's rows matching where, and the audit log's length: what must not
 * move when a request is refused. */
typedef struct {
    char row[4096];
    long long audit;
} snapshot;

static void snap(fixture *f, snapshot *s, const char *table, const char *where)
{
    px_sql_textf(&f->env, s->row, sizeof(s->row),
                 "SELECT md5(string_agg(t::text, ',')) FROM %s t WHERE %s", table, where);
    s->audit = px_sql_count(&f->env, "SELECT count(*) FROM audit_log");
}

static void unchanged(fixture *f, const snapshot *before, const char *table, const char *where,
                      int line)
{
    snapshot now;
    snap(f, &now, table, where);
    if (strcmp(now.row, before->row) != 0 || now.audit != before->audit)
        fail_msg("line %d: %s changed (audit %lld -> %lld)", line, table, before->audit, now.audit);
}

/* One bad request: 422 validation_error naming field (the first detail), nothing changed. */
typedef struct {
    const char *body;
    const char *field;
    int line;
} bad_case;

static void expect_bad(fixture *f, const char *method, const char *path, const char *key,
                       const bad_case *c, const char *table, const char *where)
{
    snapshot s;
    snap(f, &s, table, where);
    json_t *j = call(f, method, path, key, c->body, 422, "validation_error");
    px_expect_detail_at(__FILE__, c->line, j, 0, -1, NULL, c->field);
    json_decref(j);
    unchanged(f, &s, table, where, c->line);
}

/* Each of the n bad cases PATCHed to path by the MAH: 422 on its field, nothing changed. */
static void patches_bad(fixture *f, const char *path, const bad_case *cases, size_t n,
                        const char *table, const char *where)
{
    for (size_t i = 0; i < n; i++)
        expect_bad(f, "PATCH", path, f->mah.key, &cases[i], table, where);
}

/* A PATCH another party makes (or one of an id nobody has): refused with status and code. */
typedef struct {
    const char *path, *key, *body;
    long status;
    const char *code;
} refusal;

/* Each of the n refusals answered as it says, with the rows of table where holds and the
 * audit log unchanged (line: the caller's, named when they changed). */
static void patches_refused(fixture *f, const refusal *r, size_t n, const char *table,
                            const char *where, int line)
{
    snapshot s;
    snap(f, &s, table, where);
    for (size_t i = 0; i < n; i++)
        px_test_expect(&f->env, "PATCH", r[i].path, r[i].key, r[i].body, r[i].status, r[i].code);
    unchanged(f, &s, table, where, line);
}

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1:9");
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "operator", "Operator", "admin", f->admin.org, f->admin.key);
    px_test_org_key(&f->env, "mah", "Repair MAH", "mah", f->mah.org, f->mah.key);
    px_test_org_key_bare(&f->env, "mah", "Other MAH", "mah", f->mah2.org, f->mah2.key);
    px_test_org_key(&f->env, "cmo", "Lonely CMO", "cmo", f->cmo2.org, f->cmo2.key);
    px_test_gtin(f->gtin, 700);
    px_test_product(&f->env, f->mah.key, f->gtin, "Repair 10 mg", "EU");
    char gtins[32];
    snprintf(gtins, sizeof(gtins), "[\"%s\"]", f->gtin);
    json_decref(px_test_partner(&f->env, f->mah.key, "Repair CMO", gtins, f->cmo.org, f->cmo.key));
    *state = f;
    return 0;
}

/* ---- PATCH /v1/orgs/{id} ---------------------------------------------------------------- */

static void test_repair__org_patch(void **state)
{
    fixture *f = *state;
    char path[96], where[96], g1[14], g2[14], body[256];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->mah.org);
    snprintf(where, sizeof(where), "id = '%s'", f->mah.org);
    px_test_gln(g1, "401234500001");
    px_test_gln(g2, "401234500002");
    long long audits = px_audit_count(&f->env, "org.update", f->mah.org);
    char old_gln[14];
    px_sql_textf(&f->env, old_gln, sizeof(old_gln), "SELECT gln FROM organization WHERE id = '%s'",
                 f->mah.org);

    /* happy path: the MAH's own organization */
    snprintf(body, sizeof(body),
             "{\"name\":\"Repair MAH GmbH\",\"gln\":\"%s\",\"gln_prefix_length\":7}", g1);
    json_t *o = call(f, "PATCH", path, f->mah.key, body, 200, NULL);
    assert_string_equal(px_test_str(o, "name"), "Repair MAH GmbH");
    assert_string_equal(px_test_str(o, "gln"), g1);
    assert_int_equal(px_test_int(o, "gln_prefix_length"), 7);
    json_decref(o);
    char v[128];
    char sql[512];
    px_sql_textf(&f->env, v, sizeof(v),
                 "SELECT name || '|' || gln || '|' || gln_prefix_length "
                 "FROM organization WHERE id = '%s'",
                 f->mah.org);
    char want[160];
    snprintf(want, sizeof(want), "Repair MAH GmbH|%s|7", g1);
    assert_string_equal(v, want);
    /* audited with the old and the new values */
    assert_int_equal(px_audit_count(&f->env, "org.update", f->mah.org), audits + 1);
    snprintf(sql, sizeof(sql),
             "SELECT details->>'old_name' || '|' || (details->>'name') || '|' || "
             "coalesce(details->>'old_gln', 'null') || '|' || (details->>'gln') || '|' || "
             "(details->>'gln_prefix_length') FROM audit_log WHERE action = 'org.update' "
             "AND subject = '%s' ORDER BY seq DESC LIMIT 1",
             f->mah.org);
    char det[256];
    px_sql_text(&f->env, sql, det, sizeof(det));
    snprintf(want, sizeof(want), "Repair MAH|Repair MAH GmbH|%s|%s|7", old_gln, g1);
    assert_string_equal(det, want);
    /* the same GLN sent again keeps the prefix length given by hand (no prefix list here) */
    snprintf(body, sizeof(body), "{\"name\":\"Repair MAH AG\",\"gln\":\"%s\"}", g1);
    o = call(f, "PATCH", path, f->mah.key, body, 200, NULL);
    assert_int_equal(px_test_int(o, "gln_prefix_length"), 7);
    json_decref(o);

    /* each bad field: 422 with the field, nothing changed */
    char bad_gln[64], zero[64], long_name[300];
    snprintf(bad_gln, sizeof(bad_gln), "{\"gln\":\"%.12s%c\"}", g2,
             g2[12] == '9' ? '0' : g2[12] + 1);
    snprintf(zero, sizeof(zero), "{\"gln\":\"0000000000000\"}");
    memset(long_name, 'x', 201);
    long_name[201] = '\0';
    char long_body[320];
    snprintf(long_body, sizeof(long_body), "{\"name\":\"%s\"}", long_name);
    const bad_case cases[] = {
        {bad_gln, "gln", __LINE__},
        {zero, "gln", __LINE__},
        {"{\"gln\":\"12345\"}", "gln", __LINE__},
        {"{\"gln_prefix_length\":5}", "gln_prefix_length", __LINE__},
        {"{\"gln_prefix_length\":13}", "gln_prefix_length", __LINE__},
        {"{\"name\":\"\"}", "name", __LINE__},
        {long_body, "name", __LINE__},
        {"{\"name\":\"a\\u0001b\"}", "name", __LINE__},
        {"{\"kind\":\"cmo\"}", "kind", __LINE__},
        {"{\"market\":\"EU\"}", "market", __LINE__},
    };
    patches_bad(f, path, cases, PX_COUNT(cases), "organization", where);
    /* The name and GLN rules are one at creation and at a change: the all-zero GLN is a GS1
     * key of zeros only (invalid_key), a name with a control character invalid_name, each with
     * its field. */
    static const struct {
        const char *method, *body, *field, *code;
    } same[] = {
        {"PATCH", "{\"gln\":\"0000000000000\"}", "gln", "invalid_key"},
        {"POST", "{\"kind\":\"mah\",\"name\":\"Zero\",\"gln\":\"0000000000000\"}", "gln",
         "invalid_key"},
        {"PATCH", "{\"name\":\"a\\u0001b\"}", "name", "invalid_name"},
        {"POST", "{\"kind\":\"mah\",\"name\":\"a\\u0001b\"}", "name", "invalid_name"},
    };
    for (size_t i = 0; i < PX_COUNT(same); i++) {
        int post = same[i].method[1] == 'O';
        long long orgs = px_sql_count(&f->env, "SELECT count(*) FROM organization");
        snapshot before;
        snap(f, &before, "organization", where);
        json_t *j = call(f, same[i].method, post ? "/v1/orgs" : path,
                         post ? f->admin.key : f->mah.key, same[i].body, 422, "validation_error");
        px_expect_detail(j, 0, -1, same[i].code, same[i].field);
        json_decref(j);
        px_expect_count(&f->env, orgs, "SELECT count(*) FROM organization");
        unchanged(f, &before, "organization", where, __LINE__);
    }

    /* a prefix length for an organization without a GLN */
    char p2[96], w2[96];
    snprintf(p2, sizeof(p2), "/v1/orgs/%s", f->mah2.org);
    snprintf(w2, sizeof(w2), "id = '%s'", f->mah2.org);
    const bad_case no_gln = {"{\"gln_prefix_length\":8}", "gln_prefix_length", __LINE__};
    expect_bad(f, "PATCH", p2, f->mah2.key, &no_gln, "organization", w2);
    /* its first GLN: audited with no old one */
    char first_gln[14];
    px_test_gln(first_gln, "409999400000");
    snprintf(body, sizeof(body), "{\"gln\":\"%s\",\"gln_prefix_length\":7}", first_gln);
    json_decref(call(f, "PATCH", p2, f->mah2.key, body, 200, NULL));
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(details->>'old_gln', 'null') || '|' || (details->>'gln') FROM "
             "audit_log WHERE action = 'org.update' AND subject = '%s' ORDER BY seq DESC LIMIT 1",
             f->mah2.org);
    px_sql_text(&f->env, sql, det, sizeof(det));
    snprintf(want, sizeof(want), "null|%s", first_gln);
    assert_string_equal(det, want);

    /* its CMO partner: yes; another MAH, a CMO that is not its partner, nonsense: 404 */
    snprintf(body, sizeof(body), "{\"gln\":\"%s\"}", g2);
    char cp[96];
    snprintf(cp, sizeof(cp), "/v1/orgs/%s", f->cmo.org);
    o = call(f, "PATCH", cp, f->mah.key, body, 200, NULL);
    assert_string_equal(px_test_str(o, "gln"), g2);
    /* no prefix list configured: unknown */
    assert_true(json_is_null(json_object_get(o, "gln_prefix_length")));
    json_decref(o);
    assert_int_equal(px_audit_count(&f->env, "org.update", f->cmo.org), 1);
    const refusal taken = {p2, f->mah.key, "{\"name\":\"Taken over\"}", 404, "not_found"};
    patches_refused(f, &taken, 1, "organization", w2, __LINE__);
    snprintf(cp, sizeof(cp), "/v1/orgs/%s", f->cmo2.org);
    px_test_expect(&f->env, "PATCH", cp, f->mah.key, "{\"name\":\"Taken over\"}", 404, "not_found");
    snprintf(cp, sizeof(cp), "/v1/orgs/%s", f->admin.org);
    px_test_expect(&f->env, "PATCH", cp, f->mah.key, "{\"name\":\"Taken over\"}", 404, "not_found");
    px_test_expect(&f->env, "PATCH", "/v1/orgs/not-a-uuid", f->mah.key, "{\"name\":\"x\"}", 404,
                   "not_found");
    /* the CMO itself may not (policy), the operator may change anyone */
    px_test_expect(&f->env, "PATCH", path, f->cmo.key, "{\"name\":\"x\"}", 403, "forbidden_role");
    o = call(f, "PATCH", p2, f->admin.key, "{\"name\":\"Other MAH AG\"}", 200, NULL);
    assert_string_equal(px_test_str(o, "name"), "Other MAH AG");
    json_decref(o);

    /* a CMO another MAH has linked too: its GLN is their read point as well, so neither MAH
     * changes it (403, nothing changed); the operator still may */
    char g3[15], cw[96];
    px_test_gtin_own(g3, 701); /* the other MAH numbers under a prefix of its own */
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"company_prefix_length\":7,\"name\":\"Other 5 mg\","
             "\"market\":\"US\"}",
             g3);
    px_test_expect(&f->env, "POST", "/v1/products", f->mah2.key, body, 201, NULL);
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"gtins\":[\"%s\"]}", f->cmo.org, g3);
    json_decref(call(f, "POST", "/v1/partners", f->mah2.key, body, 201, NULL));
    snprintf(cp, sizeof(cp), "/v1/orgs/%s", f->cmo.org);
    snprintf(cw, sizeof(cw), "id = '%s'", f->cmo.org);
    const refusal shared[] = {
        {cp, f->mah.key, "{\"name\":\"Mine alone\"}", 403, "shared_organization"},
        {cp, f->mah2.key, "{\"name\":\"Mine alone\"}", 403, "shared_organization"}};
    patches_refused(f, shared, PX_COUNT(shared), "organization", cw, __LINE__);
    o = call(f, "PATCH", cp, f->admin.key, "{\"name\":\"Repair CMO Ltd\"}", 200, NULL);
    assert_string_equal(px_test_str(o, "name"), "Repair CMO Ltd");
    json_decref(o);
    /* The operator's change is on record in the operator's chain and in each partner MAH's,
     * where their auditors read it: the same details in all three. */
    char chains[512], wanted[512];
    px_sql_textf(&f->env, chains, sizeof(chains),
                 "SELECT string_agg(coalesce(tenant_id::text, 'operator') || '=' || "
                 "(details->>'old_name') || '>' || (details->>'name'), ',' ORDER BY "
                 "coalesce(tenant_id::text, '')) FROM audit_log WHERE action = 'org.update' AND "
                 "subject = '%s' AND details->>'name' = 'Repair CMO Ltd'",
                 f->cmo.org);
    const char *m1 = strcmp(f->mah.org, f->mah2.org) < 0 ? f->mah.org : f->mah2.org;
    const char *m2 = m1 == f->mah.org ? f->mah2.org : f->mah.org;
    snprintf(wanted, sizeof(wanted),
             "operator=Repair CMO>Repair CMO Ltd,%s=Repair CMO>Repair CMO Ltd,"
             "%s=Repair CMO>Repair CMO Ltd",
             m1, m2);
    assert_string_equal(chains, wanted);
}

/* A MAH's change of its CMO's data while another MAH makes a partnership with that CMO (here:
 * another session holds the CMO shared and inserts the partnership, as POST /v1/partners
 * does, and commits while the change waits): the change then sees the CMO shared, 403
 * shared_organization, and the CMO is unchanged — never a change made "alone" that lands
 * after the CMO stopped being the MAH's alone. */
static void test_repair__org_patch_meets_a_new_partnership(void **state)
{
    fixture *f = *state;
    char gtins[32], cmo[40], cmo_key[64], sql[512], path[96];
    snprintf(gtins, sizeof(gtins), "[\"%s\"]", f->gtin);
    json_decref(px_test_partner(&f->env, f->mah.key, "Skew CMO", gtins, cmo, cmo_key));
    snprintf(sql, sizeof(sql),
             "SELECT 1 FROM organization WHERE id = '%s' FOR SHARE; INSERT INTO partnership "
             "(mah_id, cmo_id) VALUES ('%s', '%s')",
             cmo, f->mah2.org, cmo);
    PGconn *held = px_test_hold(&f->env, sql);
    snprintf(path, sizeof(path), "/v1/orgs/%s", cmo);
    px_test_async patch = {&f->env, "PATCH", path, f->mah.key, "{\"name\":\"Mine alone\"}",
                           0,       0,       "",   ""};
    px_test_async_start(&patch);
    px_test_wait_row_lock_waiters(&f->env, 1);
    px_test_hold_end(held, NULL);
    assert_int_equal(px_test_async_join(&patch), 403);
    assert_string_equal(patch.code, "shared_organization");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM organization WHERE id = '%s' AND name = "
                    "'Skew CMO'",
                    cmo);
}

/* What a MAH sets is audited as it was set, not as a count: the CMO a partnership creates
 * (org.create, in the MAH's chain), the products it grants and the status it changes (before
 * and after), a product's passport names and its links. */
static void test_repair__settings_audited_as_set(void **state)
{
    fixture *f = *state;
    char got[1024], want[1024], path[128], body[512];
    px_sql_textf(&f->env, got, sizeof(got),
                 "SELECT (details->>'kind') || '|' || (details->>'name') || '|' || tenant_id FROM "
                 "audit_log WHERE action = 'org.create' AND subject = '%s'",
                 f->cmo.org);
    snprintf(want, sizeof(want), "cmo|Repair CMO|%s", f->mah.org);
    assert_string_equal(got, want);
    char partnership[40];
    px_sql_textf(&f->env, partnership, sizeof(partnership),
                 "SELECT subject FROM audit_log WHERE action = 'partner.create' AND "
                 "details->>'cmo_id' = '%s' AND details->'gtins' = '[\"%s\"]'::jsonb",
                 f->cmo.org, f->gtin);
    snprintf(path, sizeof(path), "/v1/partners/%s", partnership);
    snprintf(body, sizeof(body), "{\"status\":\"suspended\",\"gtins\":[\"%s\"]}", f->gtin);
    json_decref(call(f, "PATCH", path, f->mah.key, body, 200, NULL));
    json_decref(call(f, "PATCH", path, f->mah.key, "{\"status\":\"active\"}", 200, NULL));
    /* The status it has: nothing changes, nothing is audited (it was, found from outside). */
    json_decref(call(f, "PATCH", path, f->mah.key, "{\"status\":\"active\"}", 200, NULL));
    px_sql_textf(&f->env, got, sizeof(got),
                 "SELECT string_agg((details->>'old_status') || '>' || (details->>'status') || "
                 "'|' || (details->'gtins')::text, ';' ORDER BY seq) FROM audit_log WHERE action "
                 "= 'partner.update' AND subject = '%s'",
                 partnership);
    snprintf(want, sizeof(want), "active>suspended|[\"%s\"];suspended>active|null", f->gtin);
    assert_string_equal(got, want);
    snprintf(path, sizeof(path), "/v1/products/%s/passport", f->gtin);
    json_decref(call(f, "PUT", path, f->mah.key,
                     "{\"public_fields\":[\"strength\",\"dosage_form\"]}", 200, NULL));
    snprintf(path, sizeof(path), "/v1/products/%s/links", f->gtin);
    json_decref(call(f, "PUT", path, f->mah.key,
                     "{\"links\":[{\"link_type\":\"gs1:pip\",\"href\":"
                     "\"https://example.com/pip\",\"title\":\"Information \\u00e9\"}]}",
                     200, NULL));
    px_sql_textf(&f->env, got, sizeof(got),
                 "SELECT string_agg(action || '=' || (details::text), ';' ORDER BY seq) FROM "
                 "audit_log WHERE action IN ('product.passport', 'product.links') AND subject = "
                 "'%s'",
                 f->gtin);
    assert_string_equal(got,
                        "product.passport={\"public_fields\": [\"strength\", \"dosage_form\"]};"
                        "product.links={\"links\": [{\"href\": \"https://example.com/pip\", "
                        "\"lang\": null, \"title\": \"Information \u00e9\", \"link_type\": "
                        "\"pip\", \"media_type\": null}]}");
}

/* ---- PATCH /v1/products/{gtin} ------------------------------------------------------------ */

static long long product_version(fixture *f)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT master_version FROM product WHERE gtin = '%s'", f->gtin);
    char v[32];
    px_sql_text(&f->env, sql, v, sizeof(v));
    return strtoll(v, NULL, 10);
}

static void test_repair__product_patch(void **state)
{
    fixture *f = *state;
    char path[64], where[64];
    snprintf(path, sizeof(path), "/v1/products/%s", f->gtin);
    snprintf(where, sizeof(where), "gtin = '%s'", f->gtin);
    long long v0 = product_version(f);
    long long audits = px_audit_count(&f->env, "product.update", f->gtin);

    json_t *o = call(f, "GET", path, f->mah.key, NULL, 200, NULL);
    assert_int_equal(px_test_int(o, "master_version"), v0);
    json_decref(o);

    o = call(f, "PATCH", path, f->mah.key, "{\"name\":\"Repair 10 mg tablets\"}", 200, NULL);
    assert_string_equal(px_test_str(o, "name"), "Repair 10 mg tablets");
    assert_int_equal(px_test_int(o, "master_version"), v0 + 1);
    json_decref(o);
    o = call(f, "PATCH", path, f->mah.key,
             "{\"master_data\":{\"dosage_form\":\"TABLET\",\"strength\":\"10 mg\"},"
             "\"nhrn\":{\"ai\":\"714\",\"value\":\"1234567\"}}",
             200, NULL);
    assert_int_equal(px_test_int(o, "master_version"), v0 + 2);
    json_t *md = json_object_get(o, "master_data");
    assert_string_equal(px_test_str(md, "dosage_form"), "TABLET");
    assert_string_equal(px_test_str(json_object_get(o, "nhrn"), "ai"), "714");
    json_decref(o);
    /* the same values again: nothing changed, no new version, nothing audited */
    o = call(f, "PATCH", path, f->mah.key, "{\"name\":\"Repair 10 mg tablets\"}", 200, NULL);
    assert_int_equal(px_test_int(o, "master_version"), v0 + 2);
    json_decref(o);
    /* nhrn null removes it */
    o = call(f, "PATCH", path, f->mah.key, "{\"nhrn\":null}", 200, NULL);
    assert_null(json_object_get(o, "nhrn"));
    assert_int_equal(px_test_int(o, "master_version"), v0 + 3);
    json_decref(o);
    assert_int_equal(product_version(f), v0 + 3);
    assert_int_equal(px_audit_count(&f->env, "product.update", f->gtin), audits + 3);
    char det[256];
    px_sql_textf(&f->env, det, sizeof(det),
                 "SELECT (details->>'old_name') || '|' || (details->>'name') || '|' || "
                 "(details->>'master_version') FROM audit_log WHERE action = 'product.update' "
                 "AND subject = '%s' ORDER BY seq LIMIT 1 OFFSET %lld",
                 f->gtin, audits);
    char want[128];
    snprintf(want, sizeof(want), "Repair 10 mg|Repair 10 mg tablets|%lld", v0 + 1);
    assert_string_equal(det, want);

    const bad_case cases[] = {
        {"{\"name\":\"\"}", "name", __LINE__},
        {"{\"name\":\"a\\u0007b\"}", "name", __LINE__},
        {"{\"nhrn\":{\"ai\":\"720\",\"value\":\"1\"}}", "nhrn.ai", __LINE__},
        {"{\"nhrn\":{\"ai\":\"714\",\"value\":\"a b\"}}", "nhrn.value", __LINE__},
        {"{\"nhrn\":{\"ai\":\"714\"}}", "nhrn.value", __LINE__},
        {"{\"nhrn\":{\"ai\":\"714\",\"value\":\"1\",\"x\":1}}", "nhrn.x", __LINE__},
        {"{\"master_data\":{\"ndc\":\"12-34\"}}", "master_data.ndc", __LINE__},
        {"{\"master_data\":{\"color\":\"red\"}}", "master_data.color", __LINE__},
        {"{\"master_data\":{\"strength\":\"a\\u0001\"}}", "master_data.strength", __LINE__},
        {"{\"master_data\":[]}", "master_data", __LINE__},
        {"{\"market\":\"US\"}", "market", __LINE__},
        {"{\"gtin\":\"09506000134352\"}", "gtin", __LINE__},
    };
    patches_bad(f, path, cases, PX_COUNT(cases), "product", where);

    /* another MAH: 404; the partnered CMO: policy says no; an unknown GTIN: 404 */
    const refusal others[] = {
        {path, f->mah2.key, "{\"name\":\"Mine now\"}", 404, "product_not_found"},
        {path, f->cmo.key, "{\"name\":\"Mine now\"}", 403, "forbidden_role"},
        {"/v1/products/12345", f->mah.key, "{\"name\":\"x\"}", 404, "product_not_found"}};
    patches_refused(f, others, PX_COUNT(others), "product", where, __LINE__);
}

/* ---- PATCH /v1/regulator-endpoints/{id} ---------------------------------------------------- */

#define EP_SECRET "first-secret-0123456789"
#define EP_SECRET2 "rotated-secret-9876543210"

static void test_repair__endpoint_patch(void **state)
{
    fixture *f = *state;
    json_t *e = call(f, "POST", "/v1/regulator-endpoints", f->mah.key,
                     "{\"market\":\"EU\",\"url\":\"http://127.0.0.1:9/hub\","
                     "\"auth_header\":\"Bearer one\",\"hmac_secret\":\"" EP_SECRET "\"}",
                     201, NULL);
    char id[40], path[96], where[96], sql[256], v[128];
    snprintf(id, sizeof(id), "%s", px_test_str(e, "endpoint_id"));
    json_decref(e);
    snprintf(path, sizeof(path), "/v1/regulator-endpoints/%s", id);
    snprintf(where, sizeof(where), "id = '%s'", id);

    px_http_resp r;
    px_http(&f->env, &r, "PATCH", path, f->mah.key,
            "{\"url\":\"http://127.0.0.1:9/hub2?token=abc\",\"active\":false,"
            "\"auth_header\":null,\"hmac_secret\":\"" EP_SECRET2 "\"}",
            NULL);
    assert_int_equal(r.status, 200);
    /* no secret, no auth header, no query echoed */
    assert_null(strstr(r.body, "secret-"));
    assert_null(strstr(r.body, "Bearer"));
    assert_null(strstr(r.body, "token=abc"));
    assert_string_equal(px_test_str(r.json, "url"), "http://127.0.0.1:9/hub2?<redacted>");
    assert_true(json_is_false(json_object_get(r.json, "active")));
    assert_true(json_is_false(json_object_get(r.json, "has_auth_header")));
    assert_true(json_is_true(json_object_get(r.json, "signed")));
    px_http_resp_free(&r);
    snprintf(sql, sizeof(sql),
             "SELECT url || '|' || coalesce(auth_header, 'none') || '|' || hmac_secret || '|' "
             "|| active FROM regulator_endpoint WHERE id = '%s'",
             id);
    px_sql_text(&f->env, sql, v, sizeof(v));
    assert_string_equal(v, "http://127.0.0.1:9/hub2?token=abc|none|" EP_SECRET2 "|false");
    /* a new auth header; other fields kept */
    json_decref(call(f, "PATCH", path, f->mah.key,
                     "{\"auth_header\":\"Bearer two\",\"active\":true}", 200, NULL));
    px_sql_text(&f->env, sql, v, sizeof(v));
    assert_string_equal(v, "http://127.0.0.1:9/hub2?token=abc|Bearer two|" EP_SECRET2 "|true");
    /* audited, never with a secret, the header or the URL */
    assert_int_equal(px_audit_count(&f->env, "endpoint.update", id), 2);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_log WHERE action = 'endpoint.update' AND subject = "
             "'%s' AND (details::text LIKE '%%secret-%%' OR details::text LIKE '%%Bearer%%' OR "
             "details::text LIKE '%%hub2%%')",
             id);
    px_expect_count(&f->env, 0, "%s", sql);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_log WHERE action = 'endpoint.update' AND subject = "
             "'%s' AND (details->>'secret_rotated')::boolean AND "
             "NOT (details->>'active')::boolean",
             id);
    px_expect_count(&f->env, 1, "%s", sql);

    const bad_case cases[] = {
        {"{\"url\":\"ftp://127.0.0.1/x\"}", "url", __LINE__},
        {"{\"url\":\"http://example.com/x\"}", "url", __LINE__},
        {"{\"url\":\"\"}", "url", __LINE__},
        {"{\"hmac_secret\":\"short\"}", "hmac_secret", __LINE__},
        {"{\"hmac_secret\":null}", "hmac_secret", __LINE__},
        {"{\"auth_header\":\"Bearer x\\r\\nX-Evil: 1\"}", "auth_header", __LINE__},
        {"{\"active\":\"yes\"}", "active", __LINE__},
        {"{\"market\":\"US\"}", "market", __LINE__},
    };
    patches_bad(f, path, cases, PX_COUNT(cases), "regulator_endpoint", where);

    const refusal others[] = {
        {path, f->mah2.key, "{\"active\":false}", 404, "not_found"},
        {"/v1/regulator-endpoints/nope", f->mah.key, "{\"active\":false}", 404, "not_found"},
        {path, f->cmo.key, "{\"active\":false}", 403, "forbidden_role"}};
    patches_refused(f, others, PX_COUNT(others), "regulator_endpoint", where, __LINE__);
}

/* ---- a MAH's own keys ---------------------------------------------------------------------- */

static void test_repair__mah_keys(void **state)
{
    fixture *f = *state;
    /* REQ-KEY-1: a mah key and an auditor key for its own organization, usable at once */
    json_t *k = call(f, "POST", "/v1/keys", f->mah.key, "{\"role\":\"mah\",\"label\":\"line 2\"}",
                     201, NULL);
    char mk[64], mk_id[40];
    snprintf(mk, sizeof(mk), "%s", px_test_str(k, "api_key"));
    snprintf(mk_id, sizeof(mk_id), "%s", px_test_str(k, "key_id"));
    assert_string_equal(px_test_str(k, "org_id"), f->mah.org);
    json_decref(k);
    k = call(f, "POST", "/v1/keys", f->mah.key, "{\"role\":\"auditor\"}", 201, NULL);
    char ak[64];
    snprintf(ak, sizeof(ak), "%s", px_test_str(k, "api_key"));
    json_decref(k);
    json_t *w = call(f, "GET", "/v1/whoami", mk, NULL, 200, NULL);
    json_decref(w);
    px_test_expect(&f->env, "GET", "/v1/products", mk, NULL, 200, NULL);
    px_test_expect(&f->env, "GET", "/v1/audit", ak, NULL, 200, NULL);
    px_test_expect(&f->env, "POST", "/v1/keys", ak, "{\"role\":\"auditor\"}", 403,
                   "forbidden_role");
    char body[160];
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"mah\"}", f->mah.org);
    json_decref(call(f, "POST", "/v1/keys", mk, body, 201, NULL));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = "
                    "'key.create' AND details->>'role' = 'auditor'");

    /* roles a MAH may not mint (403 forbidden_role, field role), a bad role (422), another
     * organization (404); nothing written */
    long long keys = px_sql_count(&f->env, "SELECT count(*) FROM api_key");
    json_t *j =
        call(f, "POST", "/v1/keys", f->mah.key, "{\"role\":\"cmo\"}", 403, "forbidden_role");
    px_expect_detail(j, 0, -1, NULL, "role");
    json_decref(j);
    px_test_expect(&f->env, "POST", "/v1/keys", f->mah.key, "{\"role\":\"admin\"}", 403,
                   "forbidden_role");
    px_test_expect(&f->env, "POST", "/v1/keys", f->mah.key, "{\"role\":\"regulator\"}", 403,
                   "forbidden_role");
    px_test_expect(&f->env, "POST", "/v1/keys", f->mah.key, "{\"role\":\"boss\"}", 422,
                   "validation_error");
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"mah\"}", f->mah2.org);
    px_test_expect(&f->env, "POST", "/v1/keys", f->mah.key, body, 404, "not_found");
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"role\":\"cmo\"}", f->cmo.org);
    px_test_expect(&f->env, "POST", "/v1/keys", f->mah.key, body, 404, "not_found");
    px_test_expect(&f->env, "POST", "/v1/keys", f->cmo.key, "{\"role\":\"cmo\"}", 403,
                   "forbidden_role");
    px_expect_count(&f->env, keys, "SELECT count(*) FROM api_key");
    /* the operator still names the organization */
    px_test_expect(&f->env, "POST", "/v1/keys", f->admin.key, "{\"role\":\"mah\"}", 422,
                   "validation_error");

    /* REQ-KEY-2: revoking its own key stops it at once; another's keys are not found */
    char path[96];
    snprintf(path, sizeof(path), "/v1/keys/%s", mk_id);
    px_test_expect(&f->env, "DELETE", path, f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/products", mk, NULL, 200, NULL);
    px_test_expect(&f->env, "DELETE", path, f->mah.key, NULL, 200, NULL);
    px_test_expect(&f->env, "GET", "/v1/products", mk, NULL, 401, "invalid_token");
    assert_int_equal(px_audit_count(&f->env, "key.revoke", mk_id), 1);
    /* Revoking twice is harmless, and the log says what happened: one revocation, at the
     * time it took effect (a second entry would record a revocation that changed nothing). */
    char revoked_at[64], again_at[64];
    px_sql_textf(&f->env, revoked_at, sizeof(revoked_at),
                 "SELECT revoked_at FROM api_key WHERE id = '%s'", mk_id);
    px_test_expect(&f->env, "DELETE", path, f->mah.key, NULL, 200, NULL);
    px_sql_textf(&f->env, again_at, sizeof(again_at),
                 "SELECT revoked_at FROM api_key WHERE id = '%s'", mk_id);
    assert_string_equal(again_at, revoked_at);
    assert_int_equal(px_audit_count(&f->env, "key.revoke", mk_id), 1);
    char cmo_key_id[40];
    px_sql_textf(&f->env, cmo_key_id, sizeof(cmo_key_id),
                 "SELECT id FROM api_key WHERE org_id = '%s' LIMIT 1", f->cmo.org);
    snprintf(path, sizeof(path), "/v1/keys/%s", cmo_key_id);
    px_test_expect(&f->env, "DELETE", path, f->mah.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/products", f->cmo.key, NULL, 200, NULL);
    px_test_expect(&f->env, "DELETE", "/v1/keys/garbage", f->mah.key, NULL, 404, "not_found");
    /* Another organization's key and a key that does not exist answer alike, to the byte:
     * nothing says which ids exist. */
    px_http_resp foreign, unknown;
    px_http(&f->env, &foreign, "DELETE", path, f->mah.key, NULL, NULL);
    px_http(&f->env, &unknown, "DELETE", "/v1/keys/00000000-0000-4000-8000-000000000000",
            f->mah.key, NULL, NULL);
    assert_int_equal(foreign.status, 404);
    assert_string_equal(foreign.body, unknown.body);
    px_http_resp_free(&foreign);
    px_http_resp_free(&unknown);
    /* a MAH may revoke the key it calls with (docs/api.md says so) */
    k = call(f, "POST", "/v1/keys", f->mah.key, "{\"role\":\"mah\"}", 201, NULL);
    char self[64], self_id[40];
    snprintf(self, sizeof(self), "%s", px_test_str(k, "api_key"));
    snprintf(self_id, sizeof(self_id), "%s", px_test_str(k, "key_id"));
    json_decref(k);
    snprintf(path, sizeof(path), "/v1/keys/%s", self_id);
    px_test_expect(&f->env, "DELETE", path, self, NULL, 200, NULL);
    px_test_expect(&f->env, "GET", "/v1/whoami", self, NULL, 401, "invalid_token");
}

/* The keys a list answered, walked page by page (first=2), as "id:role:label:revoked" items
 * joined by commas, in its order; also checks that no key itself is in an answer. */
static void listed_keys(fixture *f, const char *query, const char *key, const char *mode, char *out,
                        size_t cap)
{
    out[0] = '\0';
    char base[256], path[512];
    snprintf(base, sizeof(base), "/v1/keys?%s%sfirst=2", query, *query ? "&" : "");
    snprintf(path, sizeof(path), "%s", base);
    for (int more = 1; more;) {
        json_t *j = call(f, "GET", path, key, NULL, 200, NULL);
        char *text = json_dumps(j, 0);
        assert_null(strstr(text, "pk_"));
        free(text);
        json_t *items = json_object_get(j, "items");
        assert_true(json_array_size(items) <= 2);
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *k = json_array_get(items, i);
            /* These members and no other (the key's hash least of all). */
            assert_int_equal(json_object_size(k), 7);
            static const char *const members[] = {"key_id", "org_id",     "role",      "label",
                                                  "mode",   "created_at", "revoked_at"};
            for (size_t m = 0; m < 7; m++)
                assert_non_null(json_object_get(k, members[m]));
            assert_string_equal(px_test_str(k, "mode"), mode);
            assert_non_null(px_test_str(k, "created_at"));
            json_t *label = json_object_get(k, "label"), *rev = json_object_get(k, "revoked_at");
            size_t o = strlen(out);
            snprintf(out + o, cap - o, "%s%s:%s:%s:%d", o ? "," : "", px_test_str(k, "key_id"),
                     px_test_str(k, "role"), json_is_null(label) ? "" : json_string_value(label),
                     !json_is_null(rev));
        }
        more = px_test_next_page(j, base, path, sizeof(path));
        json_decref(j);
    }
}

/* An id is a UUID, and a UUID is the same in capitals (RFC 9562 §4: read case-insensitively),
 * as GET /v1/jobs/{id} and the report routes take it: a key, an organization, a partnership
 * and an endpoint named in capitals are found too (they answered 404: a key sent that way
 * was not revoked). */
static void upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'f')
            *s = (char)(*s - 'a' + 'A');
}

static void test_repair__ids_in_capitals(void **state)
{
    fixture *f = *state;
    char id[40], path[128];
    json_t *k = call(f, "POST", "/v1/keys", f->mah.key, "{\"role\":\"auditor\"}", 201, NULL);
    char ak[64];
    snprintf(ak, sizeof(ak), "%s", px_test_str(k, "api_key"));
    snprintf(id, sizeof(id), "%s", px_test_str(k, "key_id"));
    json_decref(k);
    upper(id);
    snprintf(path, sizeof(path), "/v1/keys/%s", id);
    json_t *j = call(f, "DELETE", path, f->mah.key, NULL, 200, NULL);
    for (const char *c = px_test_str(j, "key_id"); *c; c++)
        assert_false(*c >= 'A' && *c <= 'F'); /* as every answer writes an id */
    json_decref(j);
    px_test_expect(&f->env, "GET", "/v1/whoami", ak, NULL, 401, "invalid_token");

    snprintf(id, sizeof(id), "%s", f->mah.org);
    upper(id);
    snprintf(path, sizeof(path), "/v1/orgs/%s", id);
    j = call(f, "PATCH", path, f->mah.key, "{}", 200, NULL);
    assert_string_equal(px_test_str(j, "org_id"), f->mah.org);
    json_decref(j);

    px_sql_textf(&f->env, id, sizeof(id), "SELECT id FROM partnership WHERE mah_id = '%s' LIMIT 1",
                 f->mah.org);
    upper(id);
    snprintf(path, sizeof(path), "/v1/partners/%s", id);
    json_decref(call(f, "GET", path, f->mah.key, NULL, 200, NULL));
    json_decref(call(f, "PATCH", path, f->mah.key, "{}", 200, NULL));
    /* another MAH's, in capitals too, is still not found */
    px_test_expect(&f->env, "GET", path, f->mah2.key, NULL, 404, "not_found");

    j = call(f, "POST", "/v1/regulator-endpoints", f->mah.key,
             "{\"market\":\"FR\",\"url\":\"http://127.0.0.1:9/caps\"}", 201, NULL);
    snprintf(id, sizeof(id), "%s", px_test_str(j, "endpoint_id"));
    json_decref(j);
    upper(id);
    snprintf(path, sizeof(path), "/v1/regulator-endpoints/%s", id);
    json_decref(call(f, "PATCH", path, f->mah.key, "{\"active\":false}", 200, NULL));
    px_test_expect(&f->env, "PATCH", path, f->mah2.key, "{\"active\":false}", 404, "not_found");
}

/* GET /v1/keys: an organization's keys as api_key holds them (active and revoked, oldest
 * first, every page), never a key itself; the MAH its own only, the operator any; a test
 * key lists the sandbox's test keys, a live key the live ones. */
static void test_repair__key_list(void **state)
{
    fixture *f = *state;
    json_t *k = call(f, "POST", "/v1/keys", f->mah2.key,
                     "{\"role\":\"auditor\",\"label\":\"desk\"}", 201, NULL);
    char path[128];
    snprintf(path, sizeof(path), "/v1/keys/%s", px_test_str(k, "key_id"));
    json_decref(k);
    json_decref(call(f, "POST", "/v1/keys", f->mah2.key, "{\"role\":\"mah\"}", 201, NULL));
    json_decref(call(f, "DELETE", path, f->mah2.key, NULL, 200, NULL));
    k = call(f, "POST", "/v1/keys", f->mah2.key, "{\"role\":\"mah\",\"mode\":\"test\"}", 201, NULL);
    char test_key[64];
    snprintf(test_key, sizeof(test_key), "%s", px_test_str(k, "api_key"));
    json_decref(k);

    char want[2048], got[2048];
#define ROWS(schema)                                                                               \
    "SELECT string_agg(id::text || ':' || role || ':' || coalesce(label, '') || ':' || "           \
    "(revoked_at IS NOT NULL)::int, ',' ORDER BY created_at, id) FROM " schema                     \
    "api_key WHERE org_id = '%s'"
    px_sql_textf(&f->env, want, sizeof(want), ROWS(""), f->mah2.org);
    assert_non_null(strstr(want, ":auditor:desk:1"));
    listed_keys(f, "", f->mah2.key, "live", got, sizeof(got));
    assert_string_equal(got, want);
    /* The operator reads it by org_id; with none, its own organization's. */
    char q[80];
    snprintf(q, sizeof(q), "org_id=%s", f->mah2.org);
    listed_keys(f, q, f->admin.key, "live", got, sizeof(got));
    assert_string_equal(got, want);
    px_sql_textf(&f->env, want, sizeof(want), ROWS(""), f->admin.org);
    listed_keys(f, "", f->admin.key, "live", got, sizeof(got));
    assert_string_equal(got, want);
    /* A test key: the sandbox's keys of its organization. */
    px_sql_textf(&f->env, want, sizeof(want), ROWS("sandbox."), f->mah2.org);
    assert_int_equal(strchr(want, ',') == NULL, 1); /* the one test key */
    listed_keys(f, "", test_key, "test", got, sizeof(got));
    assert_string_equal(got, want);
    /* A UUID in capitals names the same organization. */
    char upper[40];
    snprintf(upper, sizeof(upper), "%s", f->mah2.org);
    for (char *p = upper; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    snprintf(q, sizeof(q), "org_id=%s", upper);
    px_sql_textf(&f->env, want, sizeof(want), ROWS(""), f->mah2.org);
    listed_keys(f, q, f->mah2.key, "live", got, sizeof(got));
    assert_string_equal(got, want);
#undef ROWS
    /* Another organization's keys answer as an unknown organization's, and so does one that
     * does not exist, to the operator too; a CMO may not list. */
    snprintf(q, sizeof(q), "/v1/keys?org_id=%s", f->mah.org);
    px_test_expect(&f->env, "GET", q, f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/keys?org_id=00000000-0000-4000-8000-000000000000",
                   f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/keys?org_id=garbage", f->admin.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/keys?org_id=00000000-0000-4000-8000-000000000000",
                   f->admin.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/keys", f->cmo.key, NULL, 403, NULL);
}

/* ---- the webhook's configuration ------------------------------------------------------------ */

#define WH_SECRET "webhook-secret-0123456789"

static void test_repair__webhook_config(void **state)
{
    fixture *f = *state;
    px_test_expect(&f->env, "GET", "/v1/webhook", f->mah.key, NULL, 404, "not_found");
    px_http_resp r;
    px_http(&f->env, &r, "PUT", "/v1/webhook", f->mah.key,
            "{\"url\":\"http://127.0.0.1:9/hook\",\"secret\":\"" WH_SECRET "\","
            "\"events\":[\"report.failed\",\"report.dead\"]}",
            NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, WH_SECRET));
    assert_string_equal(px_test_str(r.json, "url"), "http://127.0.0.1:9/hook");
    assert_int_equal(json_array_size(json_object_get(r.json, "events")), 2);
    assert_non_null(json_object_get(r.json, "updated_at"));
    px_http_resp_free(&r);
    px_http(&f->env, &r, "GET", "/v1/webhook", f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, WH_SECRET));
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.json, "events"), 1)),
                        "report.dead");
    px_http_resp_free(&r);
    /* replaced whole */
    json_decref(call(f, "PUT", "/v1/webhook", f->mah.key,
                     "{\"url\":\"http://127.0.0.1:9/hook2\",\"secret\":\"" WH_SECRET "\","
                     "\"events\":[\"clone.suspected\"]}",
                     200, NULL));
    char where[96];
    snprintf(where, sizeof(where), "tenant_id = '%s'", f->mah.org);
    const bad_case cases[] = {
        {"{\"url\":\"ftp://127.0.0.1/x\",\"secret\":\"" WH_SECRET "\",\"events\":"
         "[\"report.dead\"]}",
         "url", __LINE__},
        {"{\"url\":\"http://127.0.0.1:9/h\",\"secret\":\"short\",\"events\":[\"report.dead\"]}",
         "secret", __LINE__},
        {"{\"url\":\"http://127.0.0.1:9/h\",\"secret\":\"" WH_SECRET "\",\"events\":"
         "[\"pack.eaten\"]}",
         "events[0]", __LINE__},
        {"{\"url\":\"http://127.0.0.1:9/h\",\"secret\":\"" WH_SECRET "\",\"events\":[]}", "events",
         __LINE__},
        {"{\"url\":\"http://127.0.0.1:9/h\",\"secret\":\"" WH_SECRET "\",\"events\":"
         "[\"report.dead\",\"report.dead\"]}",
         "events[1]", __LINE__},
        {"{\"url\":\"http://127.0.0.1:9/h\",\"secret\":\"" WH_SECRET "\"}", "events", __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(cases); i++)
        expect_bad(f, "PUT", "/v1/webhook", f->mah.key, &cases[i], "webhook", where);
    /* another MAH has its own (none); a CMO and an auditor may not */
    px_test_expect(&f->env, "GET", "/v1/webhook", f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/webhook", f->cmo.key, NULL, 403, "forbidden_role");
    char auditor[64];
    px_test_key(&f->env, f->mah.org, "auditor", auditor);
    px_test_expect(&f->env, "GET", "/v1/webhook", auditor, NULL, 403, "forbidden_role");
    px_test_expect(&f->env, "PUT", "/v1/webhook", auditor,
                   "{\"url\":\"http://127.0.0.1:9/h\",\"secret\":\"" WH_SECRET
                   "\",\"events\":[\"report.dead\"]}",
                   403, "forbidden_role");
    px_test_expect(&f->env, "PUT", "/v1/webhook", f->cmo.key,
                   "{\"url\":\"http://127.0.0.1:9/h\",\"secret\":\"" WH_SECRET
                   "\",\"events\":[\"report.dead\"]}",
                   403, "forbidden_role");
    assert_int_equal(px_audit_count(&f->env, "webhook.put", f->mah.org), 2);
    px_test_expect(&f->env, "GET", "/v1/webhook/deliveries", f->mah.key, NULL, 200, NULL);
    px_test_expect(&f->env, "DELETE", "/v1/webhook", f->mah.key, NULL, 200, NULL);
    px_test_expect(&f->env, "GET", "/v1/webhook", f->mah.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "DELETE", "/v1/webhook", f->mah.key, NULL, 404, "not_found");
    assert_int_equal(px_audit_count(&f->env, "webhook.delete", f->mah.org), 1);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
