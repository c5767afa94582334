/* SSCC ownership over real HTTP and a real PostgreSQL (docs/aggregation.md): a CMO allocating
 * SSCCs under its own company prefix for each MAH it serves (REQ-SSCC-7), and a container that
 * comes back from a decommission in the state it had (REQ-AGG-15). */
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

#define GTIN "00355154944954"   /* the first MAH's product, GCP 0355154 (DOMAIN-2.md §10.8) */
#define OTHER "09506001000014"  /* the second MAH's product, GCP 9506001 */
#define THIRD "04012345000016"  /* a MAH the CMO does not serve, GCP 4012345 */
#define CMO_GLN "0614141000005" /* the CMO's own GLN, GCP 0614141 (length 7) */
#define CMO_GCP "0614141"

typedef struct {
    px_test_env env;
    px_test_party mah, mah2, mah3, cmo, cmo2;
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    /* A US endpoint that never answers: releases are reportable, the reports stay queued. */
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1:9");
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Owner MAH", "mah", f->mah.org, f->mah.key);
    px_test_org_key(&f->env, "mah", "Second MAH", "mah", f->mah2.org, f->mah2.key);
    px_test_org_key(&f->env, "mah", "Unpartnered MAH", "mah", f->mah3.org, f->mah3.key);
    px_test_product(&f->env, f->mah.key, GTIN, "US pack", "US");
    px_test_product(&f->env, f->mah2.key, OTHER, "Other pack", "EU");
    px_test_product(&f->env, f->mah3.key, THIRD, "Third pack", "EU");
    px_test_product_master(&f->env, GTIN);
    json_decref(px_test_partner(&f->env, f->mah.key, "Two-MAH CMO", "[\"" GTIN "\"]", f->cmo.org,
                                f->cmo.key));
    json_decref(px_test_partner(&f->env, f->mah.key, "Second CMO", "[\"" GTIN "\"]", f->cmo2.org,
                                f->cmo2.key));
    px_test_org_gln(&f->env, f->mah.org, "0355154000001");
    px_test_idle_endpoint(&f->env, f->mah.key, "US");
    *state = f;
    return 0;
}

/* Everything an allocation may change. sscc_sequence by its counters too: a block taken from
 * a prefix that has allocated before updates its row and adds none. */
static const char *const alloc_rows[] = {
    "sscc", "sscc_allocation", "SELECT coalesce(sum(next_ref), 0) FROM sscc_sequence",
    "job",  "audit_log",       NULL};

static void alloc_refused(fixture *f, const char *key, const char *body, long status,
                          const char *code)
{
    px_test_refused(&f->env, alloc_rows, "POST", "/v1/sscc-allocations", key, body, NULL, status,
                    code);
}

/* POST /v1/sscc-allocations (202): its allocation id into id; checks the MAH and prefix. */
static void alloc_ok(fixture *f, const char *key, const char *body, const char *mah,
                     const char *gcp, char id[40])
{
    json_t *j = px_test_call(&f->env, "POST", "/v1/sscc-allocations", key, body, 202);
    assert_string_equal(px_test_str(j, "mah_id"), mah);
    assert_string_equal(px_test_str(j, "company_prefix"), gcp);
    assert_string_equal(px_test_str(j, "status"), "completed");
    snprintf(id, 40, "%s", px_test_str(j, "allocation_id"));
    json_decref(j);
}

/* The body of an allocation of count SSCCs under the CMO's prefix for MAH mah, extra members
 * appended (",\"name\":value" or ""). */
static const char *own_for(char body[256], long count, const char *mah, const char *extra)
{
    snprintf(body, 256, "{\"count\":%ld,\"company_prefix\":\"" CMO_GCP "\",\"mah_id\":\"%s\"%s}",
             count, mah, extra);
    return body;
}

/* The number of SSCCs key reads of allocation id (status 200), or -1 when refused 404. */
static long listed(fixture *f, const char *key, const char *id, char first[19])
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/sscc-allocations/%s/ssccs", id);
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, key, NULL, NULL);
    long n = -1;
    if (r.status == 200) {
        json_t *items = json_object_get(r.json, "items");
        n = (long)json_array_size(items);
        if (first && n > 0)
            snprintf(first, 19, "%s", px_test_str(json_array_get(items, 0), "sscc"));
    } else {
        assert_int_equal(r.status, 404);
    }
    px_http_resp_free(&r);
    return n;
}

/* The number of items of GET path as key (200); the first one's allocation_id into first_id. */
static size_t page_items(fixture *f, const char *key, const char *path, char first_id[40])
{
    json_t *j = px_test_call(&f->env, "GET", path, key, NULL, 200);
    json_t *items = json_object_get(j, "items");
    size_t n = json_array_size(items);
    if (first_id)
        snprintf(first_id, 40, "%s",
                 n ? px_test_str(json_array_get(items, 0), "allocation_id") : "");
    json_decref(j);
    return n;
}

/* REQ-SSCC-7: a CMO allocates SSCCs under its own GLN's company prefix (registered by its MAH
 * with PATCH /v1/orgs) for each MAH it serves, naming the MAH (mah_id, or gtin of a partnered
 * product) when it serves several. The serial references of that prefix are one sequence over
 * every MAH, random ones unique against every SSCC of the prefix. The MAH, another CMO, or a
 * MAH the CMO does not serve cannot use it; every refusal changes nothing. An allocated SSCC
 * under the CMO's prefix is packed into like any other, and both the CMO and its MAH read the
 * allocation. */
static void test_sscc_owner__cmo_allocates_own_prefix(void **state)
{
    fixture *f = *state;
    char a1[40], a2[40], a3[40], a4[40], body[256], first[19];
    /* Before the CMO has a GLN under the prefix it numbers with, the prefix is nobody's. */
    alloc_refused(f, f->cmo.key, "{\"count\":3,\"company_prefix\":\"" CMO_GCP "\"}", 404,
                  "unknown_company_prefix");
    char path[96];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->cmo.org);
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"gln\":\"" CMO_GLN "\",\"gln_prefix_length\":7}", 200));
    /* Then the same CMO serves a second MAH too (its data now the operator's to change). */
    px_test_partnership_sql(&f->env, f->mah2.org, f->cmo.org, OTHER);
    /* A partnership that grants no product serves no MAH: none of the SSCCs could ever be
     * packed (docs/aggregation.md, a CMO's containers move only under a granted product), so
     * none is allocated for it, and nothing changes. */
    px_sqlf(&f->env, "INSERT INTO partnership (mah_id, cmo_id) VALUES ('%s', '%s')", f->mah3.org,
            f->cmo.org);
    alloc_refused(f, f->cmo.key, own_for(body, 1, f->mah3.org, ""), 404, "not_partnered");
    px_sqlf(&f->env, "DELETE FROM partnership WHERE mah_id = '%s' AND cmo_id = '%s'", f->mah3.org,
            f->cmo.org);
    /* It serves two MAHs: which one is to be named. */
    json_t *amb = px_test_refused_answer(
        &f->env, alloc_rows, "POST", "/v1/sscc-allocations", f->cmo.key,
        "{\"count\":3,\"company_prefix\":\"" CMO_GCP "\"}", NULL, 422, "validation_error");
    px_expect_detail(amb, 0, -1, "mah_ambiguous", "mah_id");
    json_decref(amb);
    alloc_ok(f, f->cmo.key,
             "{\"count\":3,\"company_prefix\":\"" CMO_GCP "\",\"gtin\":\"" GTIN "\"}", f->mah.org,
             CMO_GCP, a1);
    /* A MAH's id in upper case is the same id. */
    char upper[40];
    for (size_t i = 0; i < sizeof(upper); i++)
        upper[i] = (char)toupper((unsigned char)f->mah2.org[i]);
    alloc_ok(f, f->cmo.key, own_for(body, 2, upper, ""), f->mah2.org, CMO_GCP, a2);
    alloc_ok(f, f->cmo.key, own_for(body, 4, f->mah2.org, ",\"strategy\":\"random\""), f->mah2.org,
             CMO_GCP, a3);
    /* One sequence per prefix across both MAHs: the second MAH's block follows the first's. */
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM sscc WHERE allocation_id = '%s' AND "
                    "substr(sscc, 9, 9)::int IN (0, 1, 2) AND tenant_id = '%s' AND "
                    "org_id = '%s' AND company_prefix = '" CMO_GCP "'",
                    a1, f->mah.org, f->cmo.org);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM sscc WHERE allocation_id = '%s' AND "
                    "substr(sscc, 9, 9)::int IN (3, 4) AND tenant_id = '%s'",
                    a2, f->mah2.org);
    px_expect_count(&f->env, 9,
                    "SELECT count(DISTINCT sscc) FROM sscc WHERE "
                    "company_prefix = '" CMO_GCP "'");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc_allocation WHERE org_id = '%s' AND "
                    "company_prefix = '" CMO_GCP "' AND strategy = 'random' AND "
                    "tenant_id = '%s'",
                    f->cmo.org, f->mah2.org);
    /* Without company_prefix a CMO still allocates under its MAH's prefix: the MAH named. */
    snprintf(body, sizeof(body), "{\"count\":1,\"mah_id\":\"%s\"}", f->mah.org);
    alloc_ok(f, f->cmo.key, body, f->mah.org, "0355154", a4);
    alloc_refused(f, f->cmo.key, "{\"count\":1}", 422, "validation_error");
    /* Read by the CMO and by the MAH it was allocated for; not by the other MAH. */
    assert_int_equal(listed(f, f->cmo.key, a1, first), 3);
    assert_int_equal(listed(f, f->mah.key, a1, NULL), 3);
    assert_int_equal(listed(f, f->mah2.key, a1, NULL), -1);
    assert_int_equal(listed(f, f->mah2.key, a3, NULL), 4);
    /* A released container leaves the CMO's list (docs/api.md: a CMO never sees what is
     * released), not the MAH's. */
    px_sqlf(&f->env, "UPDATE sscc SET state = 'released' WHERE sscc = '%s'", first);
    assert_int_equal(listed(f, f->cmo.key, a1, NULL), 2);
    assert_int_equal(listed(f, f->mah.key, a1, NULL), 3);
    px_sqlf(&f->env, "UPDATE sscc SET state = 'allocated' WHERE sscc = '%s'", first);
    /* Listed, newest first: the CMO all four it allocated; each MAH those for it. */
    char newest[40];
    assert_int_equal(page_items(f, f->cmo.key, "/v1/sscc-allocations", newest), 4);
    assert_string_equal(newest, a4);
    assert_int_equal(page_items(f, f->mah.key, "/v1/sscc-allocations", newest), 2);
    assert_string_equal(newest, a4);
    assert_int_equal(page_items(f, f->mah2.key, "/v1/sscc-allocations", newest), 2);
    assert_string_equal(newest, a3);
    assert_int_equal(page_items(f, f->mah3.key, "/v1/sscc-allocations", NULL), 0);
    assert_int_equal(page_items(f, f->cmo.key, "/v1/sscc-allocations?first=3", NULL), 3);
    snprintf(path, sizeof(path), "/v1/sscc-allocations/%s", a2);
    json_t *one = px_test_call(&f->env, "GET", path, f->mah2.key, NULL, 200);
    assert_string_equal(px_test_str(one, "mah_id"), f->mah2.org);
    assert_string_equal(px_test_str(one, "org_id"), f->cmo.org);
    assert_string_equal(px_test_str(one, "company_prefix"), CMO_GCP);
    json_decref(one);
    json_decref(px_test_call(&f->env, "GET", path, f->mah.key, NULL, 404));
    /* Refused, nothing changed: the MAH (the prefix is not its own), even naming itself; a
     * second CMO of the same MAH; a MAH the CMO does not serve, by id or by its product; a
     * malformed or doubled MAH. */
    alloc_refused(f, f->mah.key, "{\"count\":1,\"company_prefix\":\"" CMO_GCP "\"}", 404,
                  "unknown_company_prefix");
    alloc_refused(f, f->mah.key, own_for(body, 1, f->mah.org, ""), 404, "unknown_company_prefix");
    alloc_refused(f, f->cmo2.key,
                  "{\"count\":1,\"company_prefix\":\"" CMO_GCP "\",\"gtin\":\"" GTIN "\"}", 404,
                  "unknown_company_prefix");
    alloc_refused(f, f->cmo.key, own_for(body, 1, f->mah3.org, ""), 404, "not_partnered");
    alloc_refused(f, f->cmo.key,
                  "{\"count\":1,\"company_prefix\":\"" CMO_GCP "\",\"gtin\":\"" THIRD "\"}", 404,
                  "product_not_found");
    /* The unknown product's refusal names the member that named it. */
    json_t *e = px_test_call(
        &f->env, "POST", "/v1/sscc-allocations", f->cmo.key,
        "{\"count\":1,\"company_prefix\":\"" CMO_GCP "\",\"gtin\":\"" THIRD "\"}", 404);
    json_t *refusal = json_object_get(json_object_get(e, "error"), "details");
    assert_string_equal(px_test_str(json_array_get(refusal, 0), "field"), "gtin");
    json_decref(e);
    alloc_refused(f, f->cmo.key, own_for(body, 1, "nobody", ""), 422, "validation_error");
    alloc_refused(f, f->cmo.key, own_for(body, 1, f->mah.org, ",\"gtin\":\"" GTIN "\""), 422,
                  "validation_error");
    /* Packing into an SSCC allocated under the CMO's prefix: like any allocated SSCC. */
    px_test_commissioned_sql(&f->env, GTIN, "LA1", "491231", "AP", 3, 3, f->cmo.org);
    px_test_commissioned_sql(&f->env, OTHER, "LA2", "491231", "AX", 3, 1, f->cmo.org);
    static const char *const pack_rows[] = {"sscc WHERE state = 'commissioned'",
                                            "serial WHERE parent_sscc IS NOT NULL",
                                            "aggregation",
                                            "container_event",
                                            "audit_log",
                                            NULL};
    snprintf(body, sizeof(body),
             "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[{\"gtin\":\"" OTHER
             "\",\"serial\":\"AX001\"}]}",
             first);
    px_test_refused(&f->env, pack_rows, "POST", "/v1/aggregations", f->cmo.key, body, NULL, 409,
                    "aggregation_refused");
    snprintf(body, sizeof(body),
             "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[{\"gtin\":\"" GTIN
             "\",\"serial\":\"AP001\"},{\"gtin\":\"" GTIN "\",\"serial\":\"AP002\"}]}",
             first);
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->cmo.key, body, 201));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE sscc = '%s' AND state = "
                    "'commissioned' AND origin = 'generated' AND tenant_id = '%s'",
                    first, f->mah.org);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE type = "
                    "'ObjectEvent' AND epcs = "
                    "'{urn:epc:id:sscc:" CMO_GCP ".0000000000}'");
    snprintf(path, sizeof(path), "/v1/containers/%s", first);
    json_t *t = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_int_equal(px_test_int(json_object_get(t, "counts"), "packs"), 2);
    json_decref(t);
}

/* ---- a container's state across decommission and reactivation ---------------------------- */

#define P_CASE_A "003551540000007017"
#define P_CASE_B "003551540000007024"
#define P_PALLET "103551540000007038"
#define SHIP_TX                                                                                    \
    ",\"market\":\"US\",\"ship_to\":{\"owning_party\":\"0614141000005\",\"location\":"             \
    "\"0614141000012\",\"prefix_length\":7},\"transaction\":{\"type\":\"po\",\"id\":\"PO-7\"}}"

static long long containers_in(fixture *f, const char *state)
{
    return px_count_of(&f->env,
                       "SELECT count(*) FROM sscc WHERE sscc IN ('" P_CASE_A "', '" P_CASE_B
                       "', '" P_PALLET "') AND state = '%s'",
                       state);
}

/* REQ-AGG-15: a released pallet decommissioned for a reversible reason comes back by ssccs as
 * it went: the pallet and its cases released again (their state before the decommission), as
 * the packs in them come back released; a pallet decommissioned while commissioned comes back
 * commissioned. */
static void test_sscc_owner__reactivated_container_keeps_state(void **state)
{
    fixture *f = *state;
    px_test_commissioned_sql(&f->env, GTIN, "LP1", "491231", "P", 3, 4, f->mah.org);
    px_test_pack(&f->env, f->mah.key, P_CASE_A,
                 "[{\"gtin\":\"" GTIN "\",\"serial\":\"P001\"},{\"gtin\":\"" GTIN "\",\"serial\":"
                 "\"P002\"}]");
    px_test_pack(&f->env, f->mah.key, P_CASE_B,
                 "[{\"gtin\":\"" GTIN "\",\"serial\":\"P003\"},{\"gtin\":\"" GTIN "\",\"serial\":"
                 "\"P004\"}]");
    px_test_pack(&f->env, f->mah.key, P_PALLET,
                 "[{\"sscc\":\"" P_CASE_A "\"},{\"sscc\":\"" P_CASE_B "\"}]");
    json_t *j = px_test_call(
        &f->env, "POST", "/v1/releases", f->mah.key,
        "{\"gtin\":\"" GTIN "\",\"batch\":\"LP1\",\"ssccs\":[\"" P_PALLET "\"]" SHIP_TX, 201);
    assert_int_equal(px_test_int(j, "released"), 4);
    json_decref(j);
    assert_int_equal(containers_in(f, "released"), 3);
    json_decref(px_test_call(
        &f->env, "POST", "/v1/decommissions", f->mah.key,
        "{\"gtin\":\"" GTIN "\",\"reason\":\"locked\",\"ssccs\":[\"" P_PALLET "\"]}", 200));
    assert_int_equal(containers_in(f, "decommissioned"), 3);
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM sscc WHERE prior_state = "
                    "'released'");
    long long events = px_count_of(&f->env, "SELECT count(*) FROM container_event");
    json_decref(px_test_call(&f->env, "POST", "/v1/reactivations", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"" P_PALLET "\"]}", 200));
    assert_int_equal(containers_in(f, "released"), 3);
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM sscc WHERE prior_state IS NOT "
                    "NULL");
    px_expect_count(&f->env, 4,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN "' AND serial "
                    "LIKE 'P00%%' AND state = 'released' AND parent_sscc IN ('" P_CASE_A
                    "', '" P_CASE_B "')");
    /* The whole unit came back together: no container left another (no new DELETE). */
    px_expect_count(&f->env, events, "SELECT count(*) FROM container_event");
    /* Decommissioned while commissioned, a case comes back commissioned. */
    px_test_commissioned_sql(&f->env, GTIN, "LP2", "491231", "Q", 3, 1, f->mah.org);
    px_test_pack(&f->env, f->mah.key, "003551540000007048",
                 "[{\"gtin\":\"" GTIN "\",\"serial\":\"Q001\"}]");
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"reason\":\"damaged\",\"ssccs\":["
                             "\"003551540000007048\"]}",
                             200));
    json_decref(px_test_call(&f->env, "POST", "/v1/reactivations", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"003551540000007048\"]}", 200));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE sscc = "
                    "'003551540000007048' AND state = 'commissioned'");
}

/* ---- a CMO's company prefixes beyond its GLN's ---------------------------------------------- */

#define XP1 "0614150" /* the second CMO's further prefixes: 7 and 9 digits */
#define XP2 "061416000"
#define XP2_SSCC "006141600000000017" /* under XP2: serial reference 0000001 */

/* What a refused PATCH of an organization must leave: its prefix list by content (a refused
 * replacement of the same size leaves the count as it was), every organization's GLN and name,
 * the audit log. */
static const char *const prefix_rows[] = {
    "SELECT string_agg(org_id || ':' || company_prefix, ',' ORDER BY company_prefix) FROM "
    "org_company_prefix",
    "SELECT md5(string_agg(concat_ws('/', id, name, gln, gln_prefix_length), ',' ORDER BY id)) "
    "FROM organization",
    "audit_log", NULL};

static void patch_cmo2(fixture *f, const char *body, long status, const char *code)
{
    char path[96];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->cmo2.org);
    px_test_refused(&f->env, prefix_rows, "PATCH", path, f->mah.key, body, NULL, status, code);
}

/* REQ-SSCC-8: a CMO lists company prefixes beyond its GLN's (PATCH /v1/orgs by its MAH, the
 * whole list); it allocates SSCCs under each and registers external ones under each, as under
 * its GLN's. A prefix that is someone else's (another organization's GLN prefix, a product's)
 * is 409 company_prefix_taken; a malformed or doubled one 422; a MAH lists none; every
 * refusal changes nothing. Cleared, the prefixes are nobody's again. */
static void test_sscc_owner__cmo_lists_more_prefixes(void **state)
{
    fixture *f = *state;
    char path[96], id[40];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->cmo2.org);
    json_t *o = px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"company_prefixes\":[\"" XP2 "\",\"" XP1 "\"]}", 200);
    json_t *list = json_object_get(o, "company_prefixes");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_array_get(list, 0)), XP1);
    assert_string_equal(json_string_value(json_array_get(list, 1)), XP2);
    /* `packid org list` prints the organization as the API answers it, prefixes included. */
    int rc;
    const char *args[] = {"org", "list", NULL};
    json_t *cli = px_test_cli(&f->env, &rc, args);
    assert_int_equal(rc, 0);
    size_t i;
    json_t *item, *found = NULL;
    json_array_foreach(json_object_get(cli, "items"), i, item)
    {
        if (strcmp(json_string_value(json_object_get(item, "org_id")), f->cmo2.org) == 0)
            found = item;
    }
    assert_non_null(found);
    assert_true(json_equal(found, o));
    json_decref(cli);
    json_decref(o);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = 'org.update' AND "
                    "details->>'company_prefixes' = '" XP2 "," XP1 "'");
    /* Allocated under one (it serves one MAH: no need to name it), packed under the other. */
    alloc_ok(f, f->cmo2.key, "{\"count\":2,\"company_prefix\":\"" XP1 "\"}", f->mah.org, XP1, id);
    px_test_commissioned_sql(&f->env, GTIN, "LB1", "491231", "BP", 3, 1, f->cmo2.org);
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->cmo2.key,
                             "{\"action\":\"pack\",\"parent\":{\"sscc\":\"" XP2_SSCC
                             "\"},\"children\":[{\"gtin\":\"" GTIN "\",\"serial\":\"BP001\"}]}",
                             201));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE sscc = '" XP2_SSCC "' AND "
                    "company_prefix = '" XP2 "' AND origin = 'external' AND "
                    "tenant_id = '%s' AND org_id = '%s'",
                    f->mah.org, f->cmo2.org);
    /* Someone else's, malformed, doubled, too many for a MAH: refused, nothing changed. */
    patch_cmo2(f, "{\"company_prefixes\":[\"" XP1 "\",\"" CMO_GCP "\"]}", 409,
               "company_prefix_taken");
    patch_cmo2(f, "{\"company_prefixes\":[\"0355154\"]}", 409, "company_prefix_taken");
    /* Prefixes that begin with one another are one licensee's: a longer one under another
     * organization's GLN prefix, a shorter one over a product's. */
    patch_cmo2(f, "{\"company_prefixes\":[\"" CMO_GCP "9\"]}", 409, "company_prefix_taken");
    patch_cmo2(f, "{\"company_prefixes\":[\"035515\"]}", 409, "company_prefix_taken");
    /* A replacement of the same size, one of it taken: the list keeps its content. */
    patch_cmo2(f, "{\"company_prefixes\":[\"" XP1 "\",\"035515\"]}", 409, "company_prefix_taken");
    patch_cmo2(f, "{\"company_prefixes\":[\"12345\"]}", 422, "validation_error");
    patch_cmo2(f, "{\"company_prefixes\":[\"" XP1 "\",\"" XP1 "\"]}", 422, "validation_error");
    char mah_path[96];
    snprintf(mah_path, sizeof(mah_path), "/v1/orgs/%s", f->mah.org);
    px_test_refused(&f->env, prefix_rows, "PATCH", mah_path, f->mah.key,
                    "{\"company_prefixes\":[\"0614170\"]}", NULL, 422, "validation_error");
    /* Listed, the prefixes are taken for later registrations too: a MAH's product numbered
     * under one, the MAH's own GLN under one (its prefix length naming it). */
    static const char *const products[] = {"product", "audit_log", NULL};
    px_test_refused(&f->env, products, "POST", "/v1/products", f->mah.key,
                    "{\"gtin\":\"00614150123450\",\"company_prefix_length\":7,\"name\":"
                    "\"Taken 1 mg\",\"market\":\"DE\",\"nhrn\":{\"ai\":\"710\",\"value\":"
                    "\"PZN1234567\"}}",
                    NULL, 409, "company_prefix_taken");
    px_test_refused(&f->env, prefix_rows, "PATCH", mah_path, f->mah.key,
                    "{\"gln\":\"0614160001236\",\"gln_prefix_length\":9}", NULL, 409,
                    "company_prefix_taken");
    /* So is a new organization's GLN under one: created by the operator, or a new CMO of a
     * partnership. Nothing is stored. */
    long long orgs = px_count_of(&f->env, "SELECT count(*) FROM organization");
    const char *create[] = {"org",
                            "create",
                            "--kind",
                            "cmo",
                            "--name",
                            "Taken CMO",
                            "--gln",
                            "0614160001236",
                            "--gln-prefix-length",
                            "9",
                            NULL};
    json_t *o2 = px_test_cli(&f->env, &rc, create);
    assert_int_not_equal(rc, 0);
    assert_string_equal(px_test_str(json_object_get(o2, "error"), "code"), "company_prefix_taken");
    json_decref(o2);
    static const char *const partners[] = {"organization", "partnership", "audit_log", NULL};
    px_test_refused(&f->env, partners, "POST", "/v1/partners", f->mah.key,
                    "{\"name\":\"Taken CMO\",\"gln\":\"0614160001236\",\"gln_prefix_length\":9}",
                    NULL, 409, "company_prefix_taken");
    px_expect_count(&f->env, orgs, "SELECT count(*) FROM organization");
    /* The list is as it was. */
    char listed[128];
    px_sql_textf(&f->env, listed, sizeof(listed),
                 "SELECT string_agg(company_prefix, ',' ORDER BY company_prefix) FROM "
                 "org_company_prefix WHERE org_id = '%s'",
                 f->cmo2.org);
    assert_string_equal(listed, XP1 "," XP2);
    /* Cleared: nobody's again. */
    o = px_test_call(&f->env, "PATCH", path, f->mah.key, "{\"company_prefixes\":[]}", 200);
    assert_int_equal(json_array_size(json_object_get(o, "company_prefixes")), 0);
    json_decref(o);
    alloc_refused(f, f->cmo2.key, "{\"count\":1,\"company_prefix\":\"" XP1 "\"}", 404,
                  "unknown_company_prefix");
}

/* The body of a product registration of gtin at prefix length len. */
static const char *product_body(char body[256], const char *gtin, int len)
{
    snprintf(body, 256,
             "{\"gtin\":\"%s\",\"company_prefix_length\":%d,\"name\":\"Prefix pack\","
             "\"market\":\"DE\"}",
             gtin, len);
    return body;
}

/* "0" and the GTIN-13 of twelve digits: a GTIN-14 under their prefix. */
static void gtin_under(char gtin[15], const char *twelve)
{
    gtin[0] = '0';
    px_test_gln(gtin + 1, twelve); /* GTIN-13 and GLN share the mod-10 check digit */
}

/* One organization per prefix (docs/aggregation.md; GS1 General Specifications §1.4): a MAH
 * registers no product under another MAH's prefix, as its products' or its GLN's (with its
 * length), nor under a CMO's GLN prefix unless it partners with that CMO, nor under a prefix
 * that begins with one of those or is the beginning of one (a prefix has one length). The
 * refusal is the listings' 409 company_prefix_taken on gtin and changes nothing; the owner
 * registers the same GTIN. */
static void test_sscc_owner__product_prefix_is_one_licensees(void **state)
{
    fixture *f = *state;
    static const char *const products[] = {"product", "audit_log", NULL};
    char body[256], gtin[15], gln[14], twelve[13];
    /* The second MAH's products' prefix 9506001: the same length, longer, shorter. */
    static const struct {
        const char *gtin;
        int len;
    } under_products[] = {{"09506001000021", 7}, {"09506001000021", 9}, {"09506001000021", 6}};
    for (size_t i = 0; i < PX_COUNT(under_products); i++) {
        json_t *no = px_test_refused_answer(
            &f->env, products, "POST", "/v1/products", f->mah3.key,
            product_body(body, under_products[i].gtin, under_products[i].len), NULL, 409,
            "company_prefix_taken");
        px_expect_detail(no, 0, -1, "company_prefix_taken", "gtin");
        json_decref(no);
    }
    json_decref(px_test_call(&f->env, "POST", "/v1/products", f->mah2.key,
                             product_body(body, "09506001000021", 7), 201));
    /* The third MAH's GLN prefix (12 digits, no product under it), and its beginning. */
    px_sql_textf(&f->env, gln, sizeof(gln), "SELECT gln FROM organization WHERE id = '%s'",
                 f->mah3.org);
    snprintf(twelve, sizeof(twelve), "%.12s", gln);
    gtin_under(gtin, twelve);
    px_test_refused(&f->env, products, "POST", "/v1/products", f->mah2.key,
                    product_body(body, gtin, 12), NULL, 409, "company_prefix_taken");
    px_test_refused(&f->env, products, "POST", "/v1/products", f->mah2.key,
                    product_body(body, gtin, 11), NULL, 409, "company_prefix_taken");
    json_decref(px_test_call(&f->env, "POST", "/v1/products", f->mah3.key,
                             product_body(body, gtin, 12), 201));
    /* The CMO's GLN prefix: not the third MAH's, which does not partner with it; its partner's
     * own GLN may have been numbered under it. */
    gtin_under(gtin, CMO_GCP "12345");
    px_test_refused(&f->env, products, "POST", "/v1/products", f->mah3.key,
                    product_body(body, gtin, 7), NULL, 409, "company_prefix_taken");
    json_decref(px_test_call(&f->env, "POST", "/v1/products", f->mah2.key,
                             product_body(body, gtin, 7), 201));
}

/* A new CMO of a partnership with the third MAH, GLN under twelve's digits, its prefix length
 * not given; its org id into org. */
static void unlengthed_cmo(fixture *f, const char *name, const char *twelve, char org[40])
{
    char gln[14], body[160];
    px_test_gln(gln, twelve);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"gln\":\"%s\"}", name, gln);
    json_t *j = px_test_call(&f->env, "POST", "/v1/partners", f->mah3.key, body, 201);
    snprintf(org, 40, "%s", px_test_str(j, "org_id"));
    json_decref(j);
}

/* A GLN whose prefix length is unknown and which lies under a prefix another organization
 * listed could be given no length later (each would overlap that prefix: 409), so its
 * organization would never have a read point: it is refused where it is given, 409
 * company_prefix_taken on gln, nothing changed, at creation (the operator's, a new CMO of a
 * partnership) and at a change. A GLN beside the prefix is taken and given its length later.
 * The other way round, a prefix is not listed while another organization's GLN of unknown
 * length lies under it. */
static void test_sscc_owner__unlengthed_gln_under_a_listed_prefix(void **state)
{
    fixture *f = *state;
    char path[96], gln[14], beside[40], later[40];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->cmo2.org);
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"company_prefixes\":[\"" XP1 "\"]}", 200));
    px_test_gln(gln, XP1 "00001");
    char body[160];
    static const char *const partners[] = {"organization", "partnership", "audit_log", NULL};
    snprintf(body, sizeof(body), "{\"name\":\"Unlengthed CMO\",\"gln\":\"%s\"}", gln);
    json_t *no = px_test_refused_answer(&f->env, partners, "POST", "/v1/partners", f->mah3.key,
                                        body, NULL, 409, "company_prefix_taken");
    px_expect_detail(no, 0, -1, "company_prefix_taken", "gln");
    json_decref(no);
    long long orgs = px_count_of(&f->env, "SELECT count(*) FROM organization");
    int rc;
    const char *create[] = {"org",   "create", "--kind", "cmo", "--name", "Unlengthed CMO",
                            "--gln", gln,      NULL};
    json_t *o = px_test_cli(&f->env, &rc, create);
    assert_int_not_equal(rc, 0);
    assert_string_equal(px_test_str(json_object_get(o, "error"), "code"), "company_prefix_taken");
    json_decref(o);
    px_expect_count(&f->env, orgs, "SELECT count(*) FROM organization");
    char mah3[96];
    snprintf(mah3, sizeof(mah3), "/v1/orgs/%s", f->mah3.org);
    snprintf(body, sizeof(body), "{\"gln\":\"%s\"}", gln);
    px_test_refused(&f->env, prefix_rows, "PATCH", mah3, f->mah3.key, body, NULL, 409,
                    "company_prefix_taken");
    /* Beside XP1 (0614151…): the length that overlaps XP1's beginning is refused, its own
     * length is given, and its read point with it. */
    unlengthed_cmo(f, "Beside CMO", "061415100001", beside);
    snprintf(path, sizeof(path), "/v1/orgs/%s", beside);
    px_test_refused(&f->env, prefix_rows, "PATCH", path, f->mah3.key, "{\"gln_prefix_length\":6}",
                    NULL, 409, "company_prefix_taken");
    o = px_test_call(&f->env, "PATCH", path, f->mah3.key, "{\"gln_prefix_length\":7}", 200);
    assert_int_equal(px_test_int(o, "gln_prefix_length"), 7);
    json_decref(o);
    /* A GLN of unknown length first: the prefix it lies under is not listed after it. */
    unlengthed_cmo(f, "Earlier CMO", "061417000001", later);
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->cmo2.org);
    no = px_test_refused_answer(&f->env, prefix_rows, "PATCH", path, f->mah.key,
                                "{\"company_prefixes\":[\"" XP1 "\",\"0614170\"]}", NULL, 409,
                                "company_prefix_taken");
    px_expect_detail(no, 0, -1, "company_prefix_taken", "company_prefixes[1]");
    json_decref(no);
}

/* The mirror of a product's rule: a GLN is not numbered under another MAH's products' prefix
 * (9506001, the second MAH's), at its length or, its length unknown, lying under it -- else
 * that MAH's next product there would be refused for it (company_prefix_taken on gln, nothing
 * changed): a MAH's own GLN, a new organization's (the operator's, a new CMO of another MAH's
 * partnership) and a MAH's change of its CMO's. A CMO's GLN may be under its partner MAH's
 * prefix: a new CMO of the second MAH's partnership, and the operator's change of it. */
static void test_sscc_owner__gln_not_under_another_mahs_products(void **state)
{
    fixture *f = *state;
    static const char *const orgs[] = {
        "SELECT string_agg(coalesce(gln, '-') || ':' || coalesce(gln_prefix_length, 0), ',' "
        "ORDER BY id) FROM organization",
        "partnership", "audit_log", NULL};
    char gln[14], body[192], path[96];
    px_test_gln(gln, "950600100077");
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->mah3.org);
    snprintf(body, sizeof(body), "{\"gln\":\"%s\",\"gln_prefix_length\":7}", gln);
    json_t *no = px_test_refused_answer(&f->env, orgs, "PATCH", path, f->mah3.key, body, NULL, 409,
                                        "company_prefix_taken");
    px_expect_detail(no, 0, -1, "company_prefix_taken", "gln");
    json_decref(no);
    snprintf(body, sizeof(body), "{\"gln\":\"%s\",\"gln_prefix_length\":9}", gln);
    px_test_refused(&f->env, orgs, "PATCH", path, f->mah3.key, body, NULL, 409,
                    "company_prefix_taken");
    snprintf(body, sizeof(body), "{\"gln\":\"%s\"}", gln); /* not in the prefix list */
    px_test_refused(&f->env, orgs, "PATCH", path, f->mah3.key, body, NULL, 409,
                    "company_prefix_taken");
    int rc;
    const char *create[] = {"org",   "create", "--kind",
                            "cmo",   "--name", "Squatting CMO",
                            "--gln", gln,      "--gln-prefix-length",
                            "7",     NULL};
    json_t *o = px_test_cli(&f->env, &rc, create);
    assert_int_not_equal(rc, 0);
    assert_string_equal(px_test_str(json_object_get(o, "error"), "code"), "company_prefix_taken");
    json_decref(o);
    snprintf(body, sizeof(body),
             "{\"name\":\"Squatting CMO\",\"gln\":\"%s\",\"gln_prefix_length\":7}", gln);
    px_test_refused(&f->env, orgs, "POST", "/v1/partners", f->mah.key, body, NULL, 409,
                    "company_prefix_taken");
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->cmo2.org);
    snprintf(body, sizeof(body), "{\"gln\":\"%s\",\"gln_prefix_length\":7}", gln);
    px_test_refused(&f->env, orgs, "PATCH", path, f->mah.key, body, NULL, 409,
                    "company_prefix_taken");
    /* The second MAH's own CMO site, numbered under its prefix. */
    snprintf(body, sizeof(body), "{\"name\":\"Site CMO\",\"gln\":\"%s\",\"gln_prefix_length\":7}",
             gln);
    json_t *j = px_test_call(&f->env, "POST", "/v1/partners", f->mah2.key, body, 201);
    snprintf(path, sizeof(path), "/v1/orgs/%s", px_test_str(j, "org_id"));
    json_decref(j);
    px_test_gln(gln, "950600100078");
    snprintf(body, sizeof(body), "{\"gln\":\"%s\",\"gln_prefix_length\":7}", gln);
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah2.key, body, 200));
}

/* A GLN is one organization's (found from outside: a MAH took a wholesaler's GLN and the VRS
 * then answered with the requester's own GLN as responderGLN). Another organization's exact
 * GLN is 409 gln_taken on gln, nothing changed, whoever gives it: a MAH for itself or for a new
 * CMO, the operator's CLI (each was accepted: the prefix rule lets two sites of one company
 * share a prefix); an organization sent its own GLN again keeps it. */
static void test_sscc_owner__gln_is_one_organizations(void **state)
{
    fixture *f = *state;
    static const char *const orgs[] = {
        "SELECT string_agg(coalesce(gln, '-'), ',' ORDER BY id) FROM organization", "partnership",
        "audit_log", NULL};
    int rc;
    const char *wholesaler[] = {"org",        "create", "--kind",        "verifier", "--name",
                                "Wholesaler", "--gln",  "5600001000006", NULL};
    json_decref(px_test_cli(&f->env, &rc, wholesaler));
    assert_int_equal(rc, 0);
    static const char taken[] = "{\"gln\":\"5600001000006\"}";
    char path[96];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->mah3.org);
    json_t *no = px_test_refused_answer(&f->env, orgs, "PATCH", path, f->mah3.key, taken, NULL, 409,
                                        "gln_taken");
    px_expect_detail(no, 0, -1, "gln_taken", "gln");
    json_decref(no);
    px_test_refused(&f->env, orgs, "POST", "/v1/partners", f->mah3.key,
                    "{\"name\":\"Borrowed GLN CMO\",\"gln\":\"5600001000006\"}", NULL, 409,
                    "gln_taken");
    const char *twin[] = {"org",    "create", "--kind",        "verifier", "--name",
                          "Double", "--gln",  "5600001000006", NULL};
    json_t *o = px_test_cli(&f->env, &rc, twin);
    assert_int_not_equal(rc, 0);
    assert_string_equal(px_test_str(json_object_get(o, "error"), "code"), "gln_taken");
    json_decref(o);
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->mah.org);
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"gln\":\"0355154000001\",\"gln_prefix_length\":7}", 200));
}

/* A GLN whose prefix length is unknown counts against a product as a listed prefix does: a
 * product registered over it would refuse every length it could be given (its organization
 * would never have a read point), so the product is 409 company_prefix_taken on gtin. A CMO
 * site of unknown length lying under a MAH's own GLN prefix is that MAH's site (the one length
 * it could take is the MAH's): taken beside the MAH's products. */
static void test_sscc_owner__unlengthed_gln_and_products(void **state)
{
    fixture *f = *state;
    char gln[14], body[256], gtin[15];
    int rc;
    px_test_gln(gln, "950600900001");
    const char *early[] = {"org",        "create", "--kind", "cmo", "--name",
                           "Early site", "--gln",  gln,      NULL};
    json_decref(px_test_cli(&f->env, &rc, early));
    assert_int_equal(rc, 0);
    static const char *const products[] = {"product", "audit_log", NULL};
    gtin_under(gtin, "950600900002");
    json_t *no =
        px_test_refused_answer(&f->env, products, "POST", "/v1/products", f->mah3.key,
                               product_body(body, gtin, 7), NULL, 409, "company_prefix_taken");
    px_expect_detail(no, 0, -1, "company_prefix_taken", "gtin");
    json_decref(no);
    /* The second MAH's GLN under its products' prefix 9506001: a site under it, length
     * unknown, is its. */
    px_test_gln(gln, "950600100000");
    px_test_org_gln(&f->env, f->mah2.org, gln);
    px_test_gln(gln, "950600100091");
    const char *site[] = {"org",      "create", "--kind", "cmo", "--name",
                          "Own site", "--gln",  gln,      NULL};
    json_t *o = px_test_cli(&f->env, &rc, site);
    if (rc != 0) {
        char *d = json_dumps(o, 0);
        fail_msg("org create: %s", d);
    }
    json_decref(o);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
