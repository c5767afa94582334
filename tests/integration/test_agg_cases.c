/* The packing hierarchy's edges over real HTTP and a real PostgreSQL (docs/aggregation.md): a
 * CMO's external SSCCs under its own company prefix, reactivating packs of a container, an
 * EPCIS AggregationEvent with a case's SGTIN as parentID, and an empty case in a pallet's
 * counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"

#define GTIN "00355154944954"    /* DOMAIN-2.md §10.8: GCP 0355154 */
#define OTHER PX_TEST_OTHER_GTIN /* the other MAH's product */
#define CMO_GLN "0614141000005"  /* the CMO's own GLN, GCP 0614141 (length 7) */
/* SSCCs built under the CMO's prefix 0614141 (extension, serial reference, check digit). */
#define CMO_CASE "006141410000000012"
#define CMO_CASE2 "006141410000000029"
#define CMO_PALLET "106141410000000033"
#define STRANGER "007777770000000013" /* GCP 0777777: nobody's */

typedef px_test_packers fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_server_start(&f->env);
    px_test_packers_make(f, "Cases MAH", GTIN, "Own-prefix CMO");
    *state = f;
    return 0;
}

/* Everything a packing request may change. */
static const char *const packing_rows[] = {"sscc",
                                           "sscc WHERE parent_sscc IS NOT NULL",
                                           "serial WHERE parent_sscc IS NOT NULL",
                                           "aggregation",
                                           "container_event",
                                           "audit_log",
                                           NULL};

static void pack_refused(fixture *f, const char *key, const char *parent, const char *children,
                         long status, const char *code)
{
    char *b = px_test_pack_body(parent, children);
    px_test_refused(&f->env, packing_rows, "POST", "/v1/aggregations", key, b, NULL, status, code);
    free(b);
}

/* REQ-SSCC-6: a CMO that numbers its own SSCCs builds them under its own GS1 company prefix,
 * registered as its organization's GLN and prefix length (PATCH /v1/orgs by its MAH). Its
 * external SSCCs are accepted for its partnered MAH's products and belong to that MAH; an SSCC
 * under a prefix nobody registered, a CMO's prefix used by someone else, or for a product of a
 * MAH it is not partnered with is refused 404 unknown_company_prefix with nothing changed. */
static void test_agg_cases__cmo_own_prefix(void **state)
{
    fixture *f = *state;
    px_test_commissioned_sql(&f->env, GTIN, "LC1", "491231", "OP", 3, 6, f->cmo.org);
    px_test_commissioned_sql(&f->env, OTHER, "LO1", "491231", "OX", 3, 1, f->mah2.org);
    const char *kids = "[{\"gtin\":\"" GTIN "\",\"serial\":\"OP001\"},{\"gtin\":\"" GTIN
                       "\",\"serial\":\"OP002\"}]";
    /* Before the CMO has a prefix of its own, its SSCC is nobody's. */
    pack_refused(f, f->cmo.key, CMO_CASE, kids, 404, "unknown_company_prefix");
    char path[96];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->cmo.org);
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"gln\":\"" CMO_GLN "\",\"gln_prefix_length\":7}", 200));
    px_test_pack(&f->env, f->cmo.key, CMO_CASE, kids);
    /* The container: the CMO's prefix, held by the CMO, owned by the partnered MAH. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE sscc = '" CMO_CASE "' AND "
                    "company_prefix = '0614141' AND origin = 'external' AND "
                    "state = 'commissioned' AND tenant_id = '%s' AND org_id = '%s'",
                    f->mah.org, f->cmo.org);
    px_expect_count(&f->env, 2, "SELECT count(*) FROM serial WHERE parent_sscc = '" CMO_CASE "'");
    /* Its EPC URI splits at the CMO's prefix (TDS: the GCP length is the builder's). */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE type = "
                    "'ObjectEvent' AND epcs = "
                    "'{urn:epc:id:sscc:0614141.0000000001}'");
    json_t *t = px_test_call(&f->env, "GET", "/v1/containers/" CMO_CASE, f->mah.key, NULL, 200);
    assert_int_equal(px_test_int(json_object_get(t, "counts"), "packs"), 2);
    json_decref(t);
    /* A pallet under the same prefix whose only child is a container: the child's MAH. */
    px_test_pack(&f->env, f->cmo.key, CMO_CASE2, "[{\"gtin\":\"" GTIN "\",\"serial\":\"OP003\"}]");
    px_test_pack(&f->env, f->cmo.key, CMO_PALLET,
                 "[{\"sscc\":\"" CMO_CASE "\"},{\"sscc\":\"" CMO_CASE2 "\"}]");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE sscc = '" CMO_PALLET "' AND "
                    "tenant_id = '%s' AND company_prefix = '0614141'",
                    f->mah.org);
    /* Refused, nothing changed: a prefix nobody registered; the CMO's prefix used by the MAH
     * (it is not the MAH's); the CMO's prefix for a product of a MAH it is not partnered
     * with (that MAH's pack). */
    pack_refused(f, f->cmo.key, STRANGER, "[{\"gtin\":\"" GTIN "\",\"serial\":\"OP004\"}]", 404,
                 "unknown_company_prefix");
    px_test_commissioned_sql(&f->env, GTIN, "LM1", "491231", "MP", 3, 1, f->mah.org);
    pack_refused(f, f->mah.key, "006141410000000036",
                 "[{\"gtin\":\"" GTIN "\",\"serial\":\"MP001\"}]", 404, "unknown_company_prefix");
    pack_refused(f, f->cmo.key, "006141410000000043",
                 "[{\"gtin\":\"" OTHER "\",\"serial\":\"OX001\"}]", 404, "unknown_company_prefix");
}

/* ---- reactivating packs of a container ----------------------------------------------------- */

#define R_CASE_A "003551540000005013"
#define R_CASE_B "003551540000005020"
#define R_PALLET "103551540000005034"
#define R_PALLET2 "103551540000005041"
#define R_SGTIN(s) "urn:epc:id:sgtin:0355154.094495." s

static void post_ok(fixture *f, const char *path, const char *body, long want)
{
    json_decref(px_test_call(&f->env, "POST", path, f->mah.key, body, want));
}

static long long serials_where(fixture *f, const char *cond)
{
    return px_count_of(&f->env, "SELECT count(*) FROM serial WHERE gtin = '" GTIN "' AND %s", cond);
}

static long long ssccs_where(fixture *f, const char *cond)
{
    return px_count_of(&f->env, "SELECT count(*) FROM sscc WHERE %s", cond);
}

/* POSTs body to path (200) as the MAH, then wants n of GTIN's serials where cond holds. */
static void moved(fixture *f, const char *path, const char *body, const char *cond, long long n)
{
    post_ok(f, path, body, 200);
    assert_int_equal(serials_where(f, cond), n);
}

/* REQ-AGG-15: packs decommissioned with their pallet come back as the user expects. By
 * serials, a pack comes back alone: it leaves the case that stays decommissioned, with its
 * AggregationEvent DELETE (no decommissioned case holds an active pack). By ssccs, a case or
 * a pallet comes back with what it holds, the packs staying in their cases; a case brought
 * back without its pallet leaves the pallet. A pack that cannot come back (an irreversible
 * reason) refuses the whole request, nothing changed. */
static void test_agg_cases__reactivate_packed(void **state)
{
    fixture *f = *state;
    px_test_commissioned_sql(&f->env, GTIN, "LR1", "491231", "R", 3, 6, f->mah.org);
    px_test_pack(&f->env, f->mah.key, R_CASE_A,
                 "[{\"gtin\":\"" GTIN "\",\"serial\":\"R001\"},{\"gtin\":\"" GTIN
                 "\",\"serial\":\"R002\"}]");
    px_test_pack(&f->env, f->mah.key, R_CASE_B,
                 "[{\"gtin\":\"" GTIN "\",\"serial\":\"R003\"},{\"gtin\":\"" GTIN
                 "\",\"serial\":\"R004\"}]");
    px_test_pack(&f->env, f->mah.key, R_PALLET,
                 "[{\"sscc\":\"" R_CASE_A "\"},{\"sscc\":\"" R_CASE_B "\"}]");
    moved(f, "/v1/decommissions",
          "{\"gtin\":\"" GTIN "\",\"reason\":\"damaged\",\"ssccs\":[\"" R_PALLET "\"]}",
          "serial LIKE 'R00%' AND state = 'decommissioned' AND parent_sscc IS NOT NULL", 4);
    /* One pack alone: active, out of its case, which stays decommissioned with R002. */
    moved(f, "/v1/reactivations", "{\"gtin\":\"" GTIN "\",\"serials\":[\"R001\"]}",
          "serial = 'R001' AND state = 'commissioned' AND parent_sscc IS NULL", 1);
    assert_int_equal(serials_where(f, "serial = 'R002' AND state = 'decommissioned' AND "
                                      "parent_sscc = '" R_CASE_A "'"),
                     1);
    assert_int_equal(ssccs_where(f, "sscc = '" R_CASE_A "' AND state = 'decommissioned'"), 1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE type = "
                    "'AggregationEvent' AND action = 'DELETE' AND parent_sscc = '" R_CASE_A
                    "' AND epcs = '{" R_SGTIN("R001") "}'");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = "
                    "'pack.reactivate' AND details->>'unpacked' = '1'");
    /* A case alone: it and its packs come back, the packs in it, the case off the pallet. */
    moved(f, "/v1/reactivations", "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"" R_CASE_B "\"]}",
          "serial IN ('R003', 'R004') AND state = 'commissioned' AND parent_sscc = '" R_CASE_B "'",
          2);
    assert_int_equal(
        ssccs_where(f, "sscc = '" R_CASE_B "' AND state = 'commissioned' AND parent_sscc IS NULL"),
        1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE action = 'DELETE' "
                    "AND parent_sscc = '" R_PALLET "' AND epcs = "
                    "'{urn:epc:id:sscc:0355154.0000000502}'");
    /* The pallet: it, its case and the pack still in it come back together. */
    moved(f, "/v1/reactivations", "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"" R_PALLET "\"]}",
          "serial = 'R002' AND state = 'commissioned' AND parent_sscc = '" R_CASE_A "'", 1);
    assert_int_equal(
        ssccs_where(f, "sscc IN ('" R_PALLET "', '" R_CASE_A "') AND state = 'commissioned'"), 2);
    json_t *t = px_test_call(&f->env, "GET", "/v1/containers/" R_PALLET, f->mah.key, NULL, 200);
    assert_int_equal(px_test_int(json_object_get(t, "counts"), "packs"), 1);
    json_decref(t);
    /* Destroyed with its pallet: no way back (Art. 13(1)(d)), nothing changed. */
    px_test_pack(&f->env, f->mah.key, R_PALLET2,
                 "[{\"gtin\":\"" GTIN "\",\"serial\":\"R005\"},{\"gtin\":\"" GTIN
                 "\",\"serial\":\"R006\"}]");
    post_ok(f, "/v1/decommissions",
            "{\"gtin\":\"" GTIN "\",\"reason\":\"destroyed\",\"ssccs\":[\"" R_PALLET2 "\"]}", 200);
    static const char *const rows[] = {"serial WHERE state = 'decommissioned'",
                                       "sscc WHERE state = 'decommissioned'",
                                       "serial WHERE parent_sscc IS NOT NULL",
                                       "container_event",
                                       "audit_log",
                                       NULL};
    px_test_refused(&f->env, rows, "POST", "/v1/reactivations", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"" R_PALLET2 "\"]}", NULL, 409,
                    "invalid_state");
    /* Containers come back by their MAH only, as they are decommissioned. */
    px_test_refused(&f->env, rows, "POST", "/v1/reactivations", f->cmo.key,
                    "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"" R_PALLET2 "\"]}", NULL, 403,
                    "forbidden_role");
}

/* ---- a pallet's counts with cases that carry their own GTIN ------------------------------ */

#define CASE_GTIN "10355154944951" /* the case level of GTIN's product: indicator 1 */
#define E_PALLET "103551540000005065"
#define PACK_OF(g, s) "{\"gtin\":\"" g "\",\"serial\":\"" s "\"}"

/* The count of by_batch's entry at depth of gtin, -1 when there is none. */
static long long by_batch(json_t *counts, int depth, const char *gtin)
{
    json_t *bb = json_object_get(counts, "by_batch");
    for (size_t i = 0; i < json_array_size(bb); i++) {
        json_t *e = json_array_get(bb, i);
        if (px_test_int(e, "depth") == depth && strcmp(px_test_str(e, "gtin"), gtin) == 0)
            return px_test_int(e, "packs");
    }
    return -1;
}

/* Packs children (a JSON array's items) into the case that carries its own GTIN, parent (a
 * PACK_OF), as its MAH. */
static void case_packed(fixture *f, const char *parent, const char *children)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"action\":\"pack\",\"parent\":%s,\"children\":[%s]}", parent,
             children);
    post_ok(f, "/v1/aggregations", body, 201);
}

/* A US case-level product of the MAH, gtin called name, with cases <prefix>1..n of batch
 * commissioned (its serials one digit: K1, K2, …). */
static void case_product(fixture *f, const char *gtin, const char *name, const char *batch,
                         const char *prefix, long n)
{
    px_test_product(&f->env, f->mah.key, gtin, name, "US");
    px_test_commissioned_sql(&f->env, gtin, batch, "491231", prefix, 1, n, f->mah.org);
}

/* REQ-AGG-16: on a pallet, a case that carries its own GTIN counts as a container of its
 * level, whether it holds packs or was emptied, and the packs in it one level below; a serial
 * of the case GTIN that never held anything stays a pack. */
static void test_agg_cases__empty_case_counts(void **state)
{
    fixture *f = *state;
    case_product(f, CASE_GTIN, "US case of 10", "LK1", "K", 3);
    px_test_commissioned_sql(&f->env, GTIN, "LE1", "491231", "E", 3, 3, f->mah.org);
    case_packed(f, PACK_OF(CASE_GTIN, "K1"), PACK_OF(GTIN, "E001") "," PACK_OF(GTIN, "E002"));
    case_packed(f, PACK_OF(CASE_GTIN, "K2"), PACK_OF(GTIN, "E003"));
    post_ok(f, "/v1/aggregations",
            "{\"action\":\"unpack\",\"parent\":" PACK_OF(CASE_GTIN, "K2") ",\"children\":[]}", 201);
    px_test_pack(
        &f->env, f->mah.key, E_PALLET,
        "[" PACK_OF(CASE_GTIN, "K1") "," PACK_OF(CASE_GTIN, "K2") "," PACK_OF(CASE_GTIN, "K3") "]");
    json_t *t = px_test_call(&f->env, "GET", "/v1/containers/" E_PALLET, f->mah.key, NULL, 200);
    json_t *counts = json_object_get(t, "counts");
    /* K1 and the empty K2 are containers; E001, E002 in K1 and the plain K3 are packs. */
    assert_int_equal(px_test_int(counts, "containers"), 2);
    assert_int_equal(px_test_int(counts, "packs"), 3);
    json_t *l1 = json_array_get(json_object_get(counts, "levels"), 0);
    assert_int_equal(px_test_int(l1, "depth"), 1);
    assert_int_equal(px_test_int(l1, "containers"), 2);
    assert_int_equal(px_test_int(l1, "packs"), 1);
    assert_int_equal(by_batch(counts, 1, CASE_GTIN), 1);
    assert_int_equal(by_batch(counts, 2, GTIN), 2);
    /* The tree's shape is kept: the three are listed as pack nodes. */
    assert_int_equal(json_array_size(json_object_get(t, "children")), 3);
    json_decref(t);
}

#define CASE2_GTIN "20355154944958" /* another case level: indicator 2 */
#define Q_PALLET "103551540000005072"

/* REQ-STATE-5, REQ-AGG-14: a case that carries its own GTIN moves with its pallet as the
 * transition table moves a pack: decommissioned as damaged with the pallet, then recalled
 * with it, the case is recalled as its packs are (it was left "damaged", which its MAH could
 * then reactivate alone, Art. 13(1)(d)); reactivated by the pallet, a recalled case stays. */
static void test_agg_cases__case_recalled_with_its_pallet(void **state)
{
    fixture *f = *state;
    case_product(f, CASE2_GTIN, "US case of 2", "LQ1", "Q", 1);
    px_test_commissioned_sql(&f->env, GTIN, "LQ2", "491231", "Q", 3, 2, f->mah.org);
    case_packed(f, PACK_OF(CASE2_GTIN, "Q1"), PACK_OF(GTIN, "Q001") "," PACK_OF(GTIN, "Q002"));
    px_test_pack(&f->env, f->mah.key, Q_PALLET, "[" PACK_OF(CASE2_GTIN, "Q1") "]");
    post_ok(f, "/v1/decommissions",
            "{\"gtin\":\"" GTIN "\",\"reason\":\"damaged\",\"ssccs\":[\"" Q_PALLET "\"]}", 200);
#define CASE_Q1 "SELECT count(*) FROM serial WHERE gtin = '" CASE2_GTIN "' AND serial = 'Q1' AND "
    px_expect_count(&f->env, 1, CASE_Q1 "state = 'decommissioned' AND reason = 'damaged'");
    post_ok(f, "/v1/recalls", "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"" Q_PALLET "\"]}", 201);
    assert_int_equal(serials_where(f, "serial IN ('Q001', 'Q002') AND reason = 'recalled'"), 2);
    px_expect_count(&f->env, 1,
                    CASE_Q1 "state = 'decommissioned' AND reason = 'recalled' AND prior_state = "
                            "'commissioned'");
    /* The case alone cannot come back: it is registered as recalled. */
    static const char *const rows[] = {"serial WHERE state = 'decommissioned'", "audit_log", NULL};
    px_test_refused(&f->env, rows, "POST", "/v1/reactivations", f->mah.key,
                    "{\"gtin\":\"" CASE2_GTIN "\",\"serials\":[\"Q1\"]}", NULL, 409,
                    "invalid_state");
    px_test_refused(&f->env, rows, "POST", "/v1/reactivations", f->mah.key,
                    "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"" Q_PALLET "\"]}", NULL, 409,
                    "invalid_state");
    px_expect_count(&f->env, 1, CASE_Q1 "reason = 'recalled'");
#undef CASE_Q1
    /* A case's answer lists its packs, 1,000 at most, and says when it holds more. */
    json_t *q1 = px_test_call(&f->env, "GET", "/v1/packs/" CASE2_GTIN "/Q1", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(q1, "children")), 2);
    assert_null(json_object_get(q1, "children_truncated"));
    json_decref(q1);
    px_test_commissioned_sql(&f->env, GTIN, "LQ3", "491231", "QM", 4, 1001, f->mah.org);
    px_sqlf(&f->env, "UPDATE serial SET parent_gtin = '" CASE2_GTIN
                     "', parent_serial = 'Q1' WHERE gtin = '" GTIN "' AND batch = 'LQ3'");
    q1 = px_test_call(&f->env, "GET", "/v1/packs/" CASE2_GTIN "/Q1", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(q1, "children")), 1000);
    assert_true(json_is_true(json_object_get(q1, "children_truncated")));
    json_decref(q1);
}

/* A pack's parents are all of them: a chain of 63 containers is listed whole; one the walk's
 * bound stops (64 and more: deeper than packing makes, or a damaged table) is an error, never a
 * list cut short. The containers are written by SQL (made-up SSCCs, digits only). */
static void test_agg_cases__parents_whole_or_error(void **state)
{
    fixture *f = *state;
    px_test_commissioned_sql(&f->env, GTIN, "LDEEP", "491231", "DP", 3, 1, f->mah.org);
    px_sqlf(&f->env,
            "INSERT INTO sscc (sscc, company_prefix, tenant_id, org_id, origin, state) SELECT "
            "lpad(n::text, 18, '9'), '0355154', '%s', '%s', 'external', 'commissioned' FROM "
            "generate_series(1, 64) n",
            f->mah.org, f->mah.org);
    /* 9…901 inside 9…902 inside … 9…964: container n's parent is n + 1. */
    for (int n = 1; n < 64; n++)
        px_sqlf(
            &f->env,
            "UPDATE sscc SET parent_sscc = lpad('%d', 18, '9') WHERE sscc = lpad('%d', 18, '9')",
            n + 1, n);
    px_sqlf(&f->env, "UPDATE sscc SET parent_sscc = NULL WHERE sscc = lpad('64', 18, '9')");
    px_sqlf(&f->env, "UPDATE serial SET parent_sscc = lpad('2', 18, '9') WHERE serial = 'DP001'");
    json_t *p = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/DP001", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(p, "parents")), 63);
    json_decref(p);
    px_sqlf(&f->env, "UPDATE serial SET parent_sscc = lpad('1', 18, '9') WHERE serial = 'DP001'");
    px_test_expect(&f->env, "GET", "/v1/packs/" GTIN "/DP001", f->mah.key, NULL, 500, "internal");
}

/* REQ-AGG-11, cases one level deep under concurrency: a case packed into another case while
 * a pack goes into it. Another session holds the case (as a packing into it does) and puts the
 * pack in, so the interleaving is the same on every run; the packing of the case then sees
 * what it holds and refuses (nested_case), nothing changed. Runs after the tests that register
 * CASE_GTIN and CASE2_GTIN. */
static void test_agg_cases__case_filled_while_packed_into_a_case(void **state)
{
    fixture *f = *state;
    px_test_commissioned_sql(&f->env, CASE2_GTIN, "LN1", "491231", "N", 1, 1, f->mah.org);
    px_test_commissioned_sql(&f->env, CASE_GTIN, "LN2", "491231", "N", 1, 1, f->mah.org);
    px_test_commissioned_sql(&f->env, GTIN, "LN3", "491231", "N", 3, 1, f->mah.org);
    PGconn *held = px_test_hold(&f->env, "SELECT 1 FROM serial WHERE gtin = '" CASE_GTIN
                                         "' AND serial = 'N1' FOR UPDATE");
    px_test_async a = {&f->env,
                       "POST",
                       "/v1/aggregations",
                       f->mah.key,
                       "{\"action\":\"pack\",\"parent\":" PACK_OF(
                           CASE2_GTIN, "N1") ","
                                             "\"children\":[" PACK_OF(CASE_GTIN, "N1") "]}",
                       0,
                       0,
                       "",
                       ""};
    px_test_async_start(&a);
    px_test_wait_row_lock_waiters(&f->env, 1);
    px_test_hold_end(held, "UPDATE serial SET parent_gtin = '" CASE_GTIN "', parent_serial = "
                           "'N1' WHERE gtin = '" GTIN "' AND serial = 'N001'");
    assert_int_equal(px_test_async_join(&a), 409);
    assert_string_equal(a.code, "aggregation_refused");
    assert_string_equal(a.detail, "nested_case");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE gtin = '" CASE_GTIN "' AND serial = 'N1' "
                    "AND parent_gtin IS NULL");
    /* Sent again, it is refused at once, saying why. */
    json_t *j = px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key, a.body, 409);
    assert_string_equal(px_test_str(json_array_get(px_test_details(j), 0), "message"),
                        "the child is a case (it holds packs): cases are one level deep");
    json_decref(j);
}

/* A case allocated to a CMO and not yet commissioned is the CMO's to read (px__cmo_sees, as
 * its pack read answers): packing into it says why it cannot be (409 invalid_state: a case is
 * commissioned first), not that it is unknown. Runs after the test that registers CASE_GTIN. */
static void test_agg_cases__cmo_allocated_case(void **state)
{
    fixture *f = *state;
    px_sqlf(&f->env,
            "INSERT INTO partnership_product (partnership_id, gtin) SELECT id, '" CASE_GTIN
            "' FROM partnership WHERE mah_id = '%s' AND cmo_id = '%s'",
            f->mah.org, f->cmo.org);
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, allocated_to) VALUES ('" CASE_GTIN
            "', 'AC1', 'allocated', '%s')",
            f->cmo.org);
    px_test_commissioned_sql(&f->env, GTIN, "LAC", "491231", "AC", 3, 1, f->cmo.org);
    px_test_expect(&f->env, "GET", "/v1/packs/" CASE_GTIN "/AC1", f->cmo.key, NULL, 200, NULL);
    px_test_refused(&f->env, packing_rows, "POST", "/v1/aggregations", f->cmo.key,
                    "{\"action\":\"pack\",\"parent\":" PACK_OF(
                        CASE_GTIN, "AC1") ","
                                          "\"children\":[" PACK_OF(GTIN, "AC001") "]}",
                    NULL, 409, "invalid_state");
}

#define V_CMO_PALLET "106141410000000095" /* held by the CMO (its own prefix) */
#define V_MAH_CASE "003551540000009097"   /* held by the MAH */
#define V_MAH_PALLET "103551540000009094" /* held by the MAH */
#define V_MAH_TOP "203551540000009107"    /* held by the MAH */

/* The codes in a container's tree (its children's SSCCs, or "gtin serial" for packs), joined by
 * ',' in the answer's order. */
static void tree_codes(const json_t *kids, char *out, size_t cap)
{
    size_t o = 0, i;
    json_t *k;
    out[0] = '\0';
    json_array_foreach(kids, i, k)
    {
        const char *sscc = json_string_value(json_object_get(k, "sscc"));
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "",
                              sscc ? sscc : json_string_value(json_object_get(k, "serial")));
    }
}

/* What a CMO reads of the packing hierarchy is what it may see (docs/aggregation.md, as its
 * pack and container reads): a case of its own lists only its unreleased packs (not one its
 * MAH released, nor one the MAH packed into it); its pack in the MAH's case or pallet names no
 * parent and no case; its pallet's tree and counts leave out the MAH's case in it and what that
 * holds. The MAH reads all of it. Runs after the tests that give the CMO its prefix and
 * CASE_GTIN. */
static void test_agg_cases__cmo_reads_only_what_it_may_see(void **state)
{
    fixture *f = *state;
    px_test_commissioned_sql(&f->env, CASE_GTIN, "LV1", "491231", "VC", 1, 1, f->cmo.org);
    px_test_commissioned_sql(&f->env, GTIN, "LV2", "491231", "V", 3, 5, f->cmo.org);
    px_test_commissioned_sql(&f->env, CASE_GTIN, "LV3", "491231", "VK", 1, 1, f->mah.org);
    px_test_commissioned_sql(&f->env, GTIN, "LV4", "491231", "VM", 3, 2, f->mah.org);
    json_decref(px_test_call(
        &f->env, "POST", "/v1/aggregations", f->cmo.key,
        "{\"action\":\"pack\",\"parent\":" PACK_OF(CASE_GTIN, "VC1") ",\"children\":[" PACK_OF(
            GTIN, "V001") "," PACK_OF(GTIN, "V002") "]}",
        201));
    case_packed(f, PACK_OF(CASE_GTIN, "VC1"), PACK_OF(GTIN, "VM001"));
    px_sqlf(&f->env,
            "UPDATE serial SET state = 'released', released_at = now(), released_by = "
            "'%s', market = 'US' WHERE gtin = '" GTIN "' AND serial = 'V002'",
            f->mah.org);
    json_t *c = px_test_call(&f->env, "GET", "/v1/packs/" CASE_GTIN "/VC1", f->cmo.key, NULL, 200);
    char got[256];
    tree_codes(json_object_get(c, "children"), got, sizeof(got));
    assert_string_equal(got, "V001");
    json_decref(c);
    c = px_test_call(&f->env, "GET", "/v1/packs/" CASE_GTIN "/VC1", f->mah.key, NULL, 200);
    tree_codes(json_object_get(c, "children"), got, sizeof(got));
    assert_string_equal(got, "V001,V002,VM001");
    json_decref(c);
    /* The CMO's V003 in the MAH's case, that case on the MAH's pallet; its V004 on that
     * pallet itself. */
    case_packed(f, PACK_OF(CASE_GTIN, "VK1"), PACK_OF(GTIN, "V003"));
    px_test_pack(&f->env, f->mah.key, V_MAH_PALLET,
                 "[" PACK_OF(CASE_GTIN, "VK1") "," PACK_OF(GTIN, "V004") "]");
    static const char *const cmo_pack[] = {"/v1/packs/" GTIN "/V003", "/v1/packs/" GTIN "/V004"};
    for (size_t i = 0; i < PX_COUNT(cmo_pack); i++) {
        c = px_test_call(&f->env, "GET", cmo_pack[i], f->cmo.key, NULL, 200);
        assert_int_equal(json_array_size(json_object_get(c, "parents")), 0);
        assert_null(json_object_get(c, "case"));
        json_decref(c);
        c = px_test_call(&f->env, "GET", cmo_pack[i], f->mah.key, NULL, 200);
        assert_string_equal(json_string_value(json_array_get(json_object_get(c, "parents"), 0)),
                            V_MAH_PALLET);
        assert_true(json_is_object(json_object_get(c, "case")) == (i == 0));
        json_decref(c);
    }
    /* The CMO's pallet with its V005, and the MAH's case (holding VM002) put on it. */
    px_test_pack(&f->env, f->cmo.key, V_CMO_PALLET, "[" PACK_OF(GTIN, "V005") "]");
    px_test_pack(&f->env, f->mah.key, V_MAH_CASE, "[" PACK_OF(GTIN, "VM002") "]");
    px_test_pack(&f->env, f->mah.key, V_CMO_PALLET, "[{\"sscc\":\"" V_MAH_CASE "\"}]");
    c = px_test_call(&f->env, "GET", "/v1/containers/" V_CMO_PALLET "?depth=all", f->cmo.key, NULL,
                     200);
    tree_codes(json_object_get(c, "children"), got, sizeof(got));
    assert_string_equal(got, "V005");
    assert_int_equal(px_test_int(json_object_get(c, "counts"), "containers"), 0);
    assert_int_equal(px_test_int(json_object_get(c, "counts"), "packs"), 1);
    json_decref(c);
    c = px_test_call(&f->env, "GET", "/v1/containers/" V_CMO_PALLET "?depth=all", f->mah.key, NULL,
                     200);
    assert_int_equal(px_test_int(json_object_get(c, "counts"), "containers"), 1);
    assert_int_equal(px_test_int(json_object_get(c, "counts"), "packs"), 2);
    json_decref(c);
    /* The CMO's pallet put on the MAH's: the CMO is not told which holds it; the MAH is. */
    px_test_pack(&f->env, f->mah.key, V_MAH_TOP, "[{\"sscc\":\"" V_CMO_PALLET "\"}]");
    c = px_test_call(&f->env, "GET", "/v1/containers/" V_CMO_PALLET, f->cmo.key, NULL, 200);
    assert_true(json_is_null(json_object_get(c, "parent")));
    json_decref(c);
    c = px_test_call(&f->env, "GET", "/v1/containers/" V_CMO_PALLET, f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(c, "parent"), V_MAH_TOP);
    json_decref(c);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
