/* What shipping, recalling and decommissioning do to the packing hierarchy, over real HTTP and
 * a real PostgreSQL (docs/aggregation.md): a recall by SSCCs moves every pack below the
 * containers and nothing else, or refuses naming the packs; a pack decommissioned on its own
 * leaves its case with an AggregationEvent DELETE; the DSCSA shipping event of a pallet names
 * the pallet (DOMAIN-2.md §10.8's worked example, in every report syntax an endpoint chooses),
 * while the EU profile keeps reporting the packs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "events.h"
#include "gs1.h"
#include "px_array.h"
#include "px_test.h"

/* docs/api.md "Limits": containers per request. */
#define CONTAINERS_MAX_DOC 10000
/* The end of a US release body: market, ship-to and transaction (DSCSA). */
#define SHIP_TX                                                                                    \
    ",\"market\":\"US\",\"ship_to\":{\"owning_party\":\"0614141000005\",\"location\":"             \
    "\"0614141000012\",\"prefix_length\":7},\"transaction\":{\"type\":\"po\",\"id\":\"PO-1\"}}"
#include "px_test_rehash.h"

#define GTIN "00355154944954" /* DOMAIN-2.md §10.8: GCP 0355154, item reference 94495 */
#define CASE1 "003551540000001015"
#define CASE2 "003551540000001022"
#define PALLET "103551540000002019"
#define CASE_GTIN "10355154944951" /* the case level of GTIN's product: indicator digit 1 */

typedef struct {
    px_test_env env;
    px_test_party mah, cmo;
    char eu_gtin[15];
} fixture;

static void endpoint(fixture *f, const char *market, const char *format)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"market\":\"%s\",\"url\":\"http://127.0.0.1:9/epcis\",\"format\":\"%s\"}", market,
             format);
    json_decref(px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->mah.key, body, 201));
}

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    /* Endpoints that never answer: the reports stay queued, each document built and checked
     * against its version's XSD in-process when it is queued. */
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1:9");
    px_test_setenv(&f->env, "PACKID_EPCIS_XSD_DIR=" PX_SHARED_DIR "/reference/epcis-1.2/xsd");
    px_test_setenv(&f->env, "PACKID_EPCIS2_XSD_DIR=" PX_SHARED_DIR "/reference/epcis-2.0/xsd");
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Shipping MAH", "mah", f->mah.org, f->mah.key);
    px_test_product(&f->env, f->mah.key, GTIN, "US pack", "US");
    px_test_gtin(f->eu_gtin, 8801); /* GCP 4012345 */
    px_test_product(&f->env, f->mah.key, f->eu_gtin, "EU pack", "DE");
    json_decref(px_test_partner(&f->env, f->mah.key, "Shipping CMO", "[\"" GTIN "\"]", f->cmo.org,
                                f->cmo.key));
    /* The MAH's location of §10.8: SGLN urn:epc:id:sgln:0355154.00000.0. */
    px_test_org_gln(&f->env, f->mah.org, "0355154000001");
    px_test_product_master(&f->env, GTIN);
    px_test_product_master(&f->env, f->eu_gtin);
    px_test_product(&f->env, f->mah.key, CASE_GTIN, "US case of 10", "US");
    px_test_product_master(&f->env, CASE_GTIN);
    endpoint(f, "US", "epcis-1.2-xml");
    endpoint(f, "US", "epcis-2.0-xml");
    endpoint(f, "US", "epcis-2.0-jsonld");
    endpoint(f, "DE", "epcis-1.2-xml");
    *state = f;
    return 0;
}

#define SGTIN(s) "{\"gtin\":\"" GTIN "\",\"serial\":\"" s "\"}"

/* An SSCC of GCP 0355154 (extension digit ext, serial reference ref). */
static const char *sscc(char out[19], int ext, unsigned ref)
{
    px_err e;
    assert_int_equal(gs1_sscc_build(out, ext, "0355154", ref, &e), PX_OK);
    return out;
}

/* Packs a case of the given children JSON, returning its SSCC. */
static const char *box(fixture *f, char out[19], int ext, unsigned ref, const char *children)
{
    px_test_pack(&f->env, f->mah.key, sscc(out, ext, ref), children);
    return out;
}

static void commission(fixture *f, const char *batch, const char *serials)
{
    px_test_commission(&f->env, f->mah.key, GTIN, batch, "491231", serials);
}

/* Releases by body, answered 201 with released packs; its release_id out. */
static void release_ok(fixture *f, const char *body, long released, char release_id[40])
{
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201);
    assert_int_equal(px_test_int(j, "released"), released);
    snprintf(release_id, 40, "%s", px_test_str(j, "release_id"));
    json_decref(j);
}

/* Recalls by body, answered 201 with n packs recalled; its recall_id into id when not NULL. */
static void recall_ok(fixture *f, const char *body, long long n, char id[40])
{
    json_t *j = px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key, body, 201);
    assert_int_equal(px_test_int(j, "recalled"), n);
    if (id)
        snprintf(id, 40, "%s", px_test_str(j, "recall_id"));
    json_decref(j);
}

/* Decommissions by body, answered 200 with n packs decommissioned. */
static void decommission_ok(fixture *f, const char *body, long long n)
{
    json_t *j = px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key, body, 200);
    assert_int_equal(px_test_int(j, "decommissioned"), n);
    json_decref(j);
}

/* ---- recall by SSCC ----------------------------------------------------------------------- */

/* REQ-RECALL-SSCC-1: recalling a pallet recalls every pack below it, in one request, and
 * nothing else: a case outside it and a pack outside any case stay; the containers follow
 * their packs; the operation, its event and its audit entry are recorded. */
static void test_container_ship__recall_a_pallet(void **state)
{
    fixture *f = *state;
    char b1[19], b2[19], b3[19], p[19], body[256];
    commission(f, "LOTR", "[\"R1\",\"R2\",\"R3\",\"R4\",\"R5\",\"R6\",\"R7\"]");
    box(f, b1, 0, 501, "[" SGTIN("R1") "," SGTIN("R2") "," SGTIN("R3") "]");
    box(f, b2, 0, 502, "[" SGTIN("R4") "," SGTIN("R5") "]");
    box(f, b3, 0, 503, "[" SGTIN("R6") "]");
    snprintf(body, sizeof(body), "[{\"sscc\":\"%s\"},{\"sscc\":\"%s\"}]", b1, b2);
    px_test_pack(&f->env, f->mah.key, sscc(p, 1, 510), body);
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\"]}", p);
    json_t *j = px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key, body, 201);
    assert_int_equal(px_test_int(j, "recalled"), 5);
    assert_string_equal(px_test_str(j, "reason"), "recalled");
    char recall_id[40];
    snprintf(recall_id, sizeof(recall_id), "%s", px_test_str(j, "recall_id"));
    json_decref(j);
    px_expect_count(&f->env, 5,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN "' AND batch = "
                    "'LOTR' AND state = 'decommissioned' AND reason = 'recalled' AND "
                    "serial IN ('R1', 'R2', 'R3', 'R4', 'R5')");
    /* Nothing else: the case outside the pallet and the loose pack of the same batch stay. */
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN
                    "' AND batch = 'LOTR' AND state = 'commissioned'");
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM sscc WHERE state = 'decommissioned' AND "
                    "sscc IN ('%s', '%s', '%s')",
                    p, b1, b2);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE sscc = '%s' AND state = "
                    "'commissioned'",
                    b3);
    /* A recall moves the pallet as a whole: the packs stay in their cases. */
    px_expect_count(&f->env, 3, "SELECT count(*) FROM serial WHERE parent_sscc = '%s'", b1);
    /* One operation, one recall event naming the five packs, one audit entry. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM pack_op WHERE id = '%s' AND kind = "
                    "'recall' AND count = 5",
                    recall_id);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE op_id = '%s' AND op = "
                    "'recall' AND disposition = 'recalled' AND cardinality(serials) "
                    "= 5",
                    recall_id);
    assert_int_equal(px_audit_count(&f->env, "pack.recall", recall_id), 1);
}

/* A CMO never sees a container again once it was released, as it never sees a released pack
 * (docs/lifecycle.md): neither released nor decommissioned after its release (a recall by
 * SSCC of a shipped pallet), to read or to pack into; the MAH does. The rows are written as
 * those moves leave them. */
static void test_container_ship__cmo_loses_a_released_container(void **state)
{
    fixture *f = *state;
    static const char *const moves[][2] = {{"commissioned", "NULL"},
                                           {"released", "NULL"},
                                           {"decommissioned", "'released'"},
                                           {"decommissioned", "'commissioned'"}};
    static const long cmo_sees[] = {200, 404, 404, 200};
    char b[19], path[64], body[256];
    sscc(b, 0, 596);
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTRC", "491231", "[\"RC1\"]");
    snprintf(body, sizeof(body),
             "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[" SGTIN("RC1") "]}",
             b);
    snprintf(path, sizeof(path), "/v1/containers/%s", b);
    px_sqlf(&f->env,
            "INSERT INTO sscc (sscc, company_prefix, tenant_id, org_id, origin, state) VALUES "
            "('%s', '0355154', '%s', '%s', 'generated', 'commissioned')",
            b, f->mah.org, f->cmo.org);
    for (size_t i = 0; i < PX_COUNT(cmo_sees); i++) {
        px_sqlf(&f->env, "UPDATE sscc SET state = '%s', prior_state = %s WHERE sscc = '%s'",
                moves[i][0], moves[i][1], b);
        px_test_expect(&f->env, "GET", path, f->cmo.key, NULL, cmo_sees[i],
                       cmo_sees[i] == 404 ? "not_found" : NULL);
        /* Nor can it pack into it: unknown to it, as to a read (never "it is released"). */
        if (cmo_sees[i] == 404)
            px_test_expect(&f->env, "POST", "/v1/aggregations", f->cmo.key, body, 404, "not_found");
        px_test_expect(&f->env, "GET", path, f->mah.key, NULL, 200, NULL);
    }
    /* A pack released by its serials stays in the box the CMO still holds, and the MAH may
     * pack a pack of its own into it: the CMO's view of the box leaves both out, tree and
     * counts (px__cmo_sees: its own serials, never after release); the MAH's keeps them. */
    px_sqlf(&f->env, "UPDATE sscc SET state = 'commissioned', prior_state = NULL WHERE sscc = '%s'",
            b);
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTRC", "491231", "[\"RC2\"]");
    px_test_commission(&f->env, f->mah.key, GTIN, "LOTRC", "491231", "[\"RC0\"]");
    px_sqlf(&f->env,
            "UPDATE serial SET parent_sscc = '%s' WHERE gtin = '" GTIN "' AND serial IN ('RC0', "
            "'RC1', 'RC2'); UPDATE serial SET state = 'released', released_at = now(), market = "
            "'US' WHERE gtin = '" GTIN "' AND serial = 'RC1'",
            b);
    char all[96];
    snprintf(all, sizeof(all), "%s?depth=all", path);
    const char *const keys[] = {f->cmo.key, f->mah.key};
    for (size_t k = 0; k < PX_COUNT(keys); k++) {
        json_t *t = px_test_call(&f->env, "GET", all, keys[k], NULL, 200);
        json_t *kids = json_object_get(t, "children");
        size_t want = k == 0 ? 1 : 3;
        assert_int_equal(json_array_size(kids), want);
        assert_string_equal(px_test_str(json_array_get(kids, (size_t)want - 1), "serial"), "RC2");
        assert_int_equal(px_test_int(json_object_get(t, "counts"), "packs"), (long long)want);
        char *text = json_dumps(t, 0);
        assert_non_null(text);
        int others = (strstr(text, "RC1") != NULL) + (strstr(text, "RC0") != NULL);
        free(text);
        json_decref(t);
        assert_int_equal(others, k == 1 ? 2 : 0);
    }
}

/* REQ-RECALL-SSCC-2: a container holding a pack a recall cannot move refuses the whole request,
 * the pack named under the index of the container listed; an unknown container is 404 with
 * its index; a batch given must be every pack's; nothing changes. */
static void test_container_ship__recall_refusal_lists_packs(void **state)
{
    fixture *f = *state;
    char b1[19], b2[19], b3[19], p[19], p2[19], unknown[19], body[512];
    commission(f, "LOTS", "[\"S1\",\"S2\",\"S3\",\"S4\"]");
    box(f, b1, 0, 520, "[" SGTIN("S1") "," SGTIN("S2") "]");
    box(f, b2, 0, 521, "[" SGTIN("S3") "]");
    snprintf(body, sizeof(body), "[{\"sscc\":\"%s\"},{\"sscc\":\"%s\"}]", b1, b2);
    px_test_pack(&f->env, f->mah.key, sscc(p, 1, 530), body);
    box(f, b3, 0, 522, "[" SGTIN("S4") "]");
    snprintf(body, sizeof(body), "[{\"sscc\":\"%s\"}]", b3);
    px_test_pack(&f->env, f->mah.key, sscc(p2, 1, 531), body);
    /* The first pallet is stolen with what it holds (irreversible: no recall moves it). */
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\"],\"reason\":\"stolen\"}",
             p);
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key, body, 200));
    static const char *const rows[] = {"serial WHERE state = 'decommissioned'",
                                       "serial WHERE reason = 'recalled'",
                                       "sscc WHERE state = 'decommissioned'",
                                       "pack_op",
                                       "epcis_event",
                                       "container_event",
                                       "audit_log",
                                       NULL};
    /* A recallable case and the stolen pallet listed. */
    static const struct {
        int line;
        const char *batch, *code, *detail, *names;
        long status, index;
    } bad[] = {
        {__LINE__, NULL, "invalid_state", "invalid_state", "S1", 409, 1},
        {__LINE__, "LOTX", "invalid_state", "other_batch", "S4", 409, 0},
    };
    sscc(unknown, 0, 599);
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        char list[128], path_body[512];
        snprintf(list, sizeof(list), "[\"%s\",\"%s\"]", b3, p);
        if (bad[i].batch)
            snprintf(path_body, sizeof(path_body),
                     "{\"gtin\":\"" GTIN "\",\"batch\":\"%s\",\"ssccs\":%s}", bad[i].batch, list);
        else
            snprintf(path_body, sizeof(path_body), "{\"gtin\":\"" GTIN "\",\"ssccs\":%s}", list);
        json_t *j = px_test_refused_answer(&f->env, rows, "POST", "/v1/recalls", f->mah.key,
                                           path_body, NULL, bad[i].status, bad[i].code);
        px_expect_detail_at(__FILE__, bad[i].line, j, 0, bad[i].index, bad[i].detail, NULL);
        const char *msg = px_test_str(json_array_get(px_test_details(j), 0), "message");
        if (!strstr(msg, bad[i].names))
            fail_msg("%s:%d: want a detail naming %s: %s", __FILE__, bad[i].line, bad[i].names,
                     msg);
        json_decref(j);
    }
    /* An unknown container: 404 with its index. */
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\",\"%s\"]}", b1, unknown);
    json_t *nf = px_test_refused_answer(&f->env, rows, "POST", "/v1/recalls", f->mah.key, body,
                                        NULL, 404, "not_found");
    px_expect_detail(nf, 0, 1, "not_found", NULL);
    json_decref(nf);
    /* Shapes: an empty list, a bad check digit; the CMO never recalls. */
    px_test_expect_field(&f->env, "POST", "/v1/recalls", f->mah.key,
                         "{\"gtin\":\"" GTIN "\",\"ssccs\":[]}", "ssccs", "invalid_value");
    json_t *no = px_test_refused_answer(
        &f->env, rows, "POST", "/v1/recalls", f->mah.key,
        "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"003551540000005201\"]}", NULL, 422, NULL);
    px_expect_detail(no, 0, 0, "invalid_check_digit", "ssccs[0]");
    json_decref(no);
    /* A container listed twice: refused on its repeat, as a serial is. */
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\",\"%s\"]}", b1, b1);
    no = px_test_refused_answer(&f->env, rows, "POST", "/v1/recalls", f->mah.key, body, NULL, 422,
                                NULL);
    px_expect_detail(no, 0, 1, "duplicate_sscc", "ssccs[1]");
    json_decref(no);
    /* More containers than one request takes (docs/api.md "Limits"), on every route that takes
     * ssccs: refused before anything is read. */
    size_t cap = 512 + 21 * (CONTAINERS_MAX_DOC + 1);
    char *many = malloc(cap);
    assert_non_null(many);
    static const char *const routes[] = {"/v1/recalls", "/v1/decommissions", "/v1/releases"};
    for (size_t r = 0; r < 3; r++) {
        size_t o = (size_t)snprintf(many, cap, "{\"gtin\":\"" GTIN "\",%s\"ssccs\":[",
                                    r == 1   ? "\"reason\":\"destroyed\","
                                    : r == 2 ? "\"batch\":\"LOT1\","
                                             : "");
        for (int i = 0; i <= CONTAINERS_MAX_DOC; i++)
            o += (size_t)snprintf(many + o, cap - o, "%s\"%s\"", i ? "," : "", b1);
        snprintf(many + o, cap - o, "]%s", r == 2 ? SHIP_TX : "}");
        px_test_expect_field(&f->env, "POST", routes[r], f->mah.key, many, "ssccs",
                             "too_many_containers");
    }
    free(many);
    /* Packs are named by serials or by containers, never both, on every route that takes
     * both: nothing changes. */
    static const struct {
        const char *route, *more;
    } both[] = {{"/v1/decommissions", ",\"reason\":\"destroyed\"}"},
                {"/v1/reactivations", "}"},
                {"/v1/releases", ",\"batch\":\"LOTS\"" SHIP_TX}};
    for (size_t r = 0; r < PX_COUNT(both); r++) {
        snprintf(body, sizeof(body),
                 "{\"gtin\":\"" GTIN "\",\"serials\":[\"S1\"],\"ssccs\":[\"%s\"]%s", b1,
                 both[r].more);
        px_test_refused(&f->env, rows, "POST", both[r].route, f->mah.key, body, NULL, 422, NULL);
        px_test_expect_field(&f->env, "POST", both[r].route, f->mah.key, body, "ssccs",
                             "invalid_value");
    }
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\"]}", b1);
    px_test_refused(&f->env, rows, "POST", "/v1/recalls", f->cmo.key, body, NULL, 403, NULL);
    /* Containers that hold more packs than one request moves (100,000, as a list of serials):
     * refused on the field the request sent, nothing changed. */
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, allocated_to, batch, expiry, "
            "commissioned_by, commissioned_at, parent_sscc) SELECT '" GTIN "', 'BULK' || g, "
            "'commissioned', '%s', 'LOTS', expiry, '%s', now(), '%s' FROM batch, "
            "generate_series(1, 100000) g WHERE batch.gtin = '" GTIN "' AND batch.batch = 'LOTS'",
            f->mah.org, f->mah.org, b3);
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTS\",\"ssccs\":[\"%s\"]}",
             b3);
    px_test_refused(&f->env, rows, "POST", "/v1/recalls", f->mah.key, body, NULL, 422, NULL);
    px_test_expect_field(&f->env, "POST", "/v1/recalls", f->mah.key, body, "ssccs",
                         "too_many_serials");
    px_sqlf(&f->env, "DELETE FROM serial WHERE gtin = '" GTIN "' AND serial LIKE 'BULK%%'");
    /* Every stolen pack is named, each under the pallet's index. */
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\",\"%s\"]}", b3, p);
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/v1/recalls", f->mah.key, body, NULL);
    json_t *details = px_test_details(r.json);
    assert_int_equal(json_array_size(details), 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(px_test_str(json_array_get(details, i), "field"), "ssccs[1]");
    px_http_resp_free(&r);
    /* The case on the other pallet can be recalled, with its batch; REQ-AGG-12: recalled off
     * its pallet, it leaves it (its pack stays in it). */
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTS\",\"ssccs\":[\"%s\"]}",
             b3);
    recall_ok(f, body, 1, NULL);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE sscc = '%s' AND parent_sscc IS "
                    "NULL AND (SELECT count(*) FROM serial WHERE parent_sscc = '%s') "
                    "= 1",
                    b3, b3);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE action = 'DELETE' "
                    "AND parent_sscc = '%s' AND parent_id = "
                    "'urn:epc:id:sscc:0355154.1000000531' AND epcs = "
                    "ARRAY['urn:epc:id:sscc:0355154.0000000522']",
                    p2);
}

/* ---- a pack leaving its container --------------------------------------------------------- */

/* REQ-AGG-10: a pack decommissioned on its own (a sample pulled, a pack destroyed) leaves its
 * case in the same transaction: one AggregationEvent DELETE per case, parentID the case, the
 * pack its child; the tree and counts no longer hold it; its parents are gone. Packs that go
 * with their container (decommissioned by SSCC) stay in it. */
static void test_container_ship__decommissioned_pack_leaves_case(void **state)
{
    fixture *f = *state;
    char b1[19], b2[19], p[19], body[256];
    commission(f, "LOTD", "[\"D1\",\"D2\",\"D3\",\"D4\",\"D5\"]");
    box(f, b1, 0, 540, "[" SGTIN("D1") "," SGTIN("D2") "," SGTIN("D3") "]");
    box(f, b2, 0, 541, "[" SGTIN("D4") "," SGTIN("D5") "]");
    snprintf(body, sizeof(body), "[{\"sscc\":\"%s\"}]", b1);
    px_test_pack(&f->env, f->mah.key, sscc(p, 1, 545), body);
    decommission_ok(f,
                    "{\"gtin\":\"" GTIN "\",\"serials\":[\"D4\",\"D2\"],"
                    "\"reason\":\"sample\"}",
                    2);
    /* The trees: the case holds D1 and D3 only, the pallet counts two packs. */
    char path[64];
    snprintf(path, sizeof(path), "/v1/containers/%s", b1);
    json_t *j = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    json_t *kids = json_object_get(j, "children");
    assert_int_equal(json_array_size(kids), 2);
    assert_string_equal(px_test_str(json_array_get(kids, 0), "serial"), "D1");
    assert_string_equal(px_test_str(json_array_get(kids, 1), "serial"), "D3");
    assert_int_equal(px_test_int(json_object_get(j, "counts"), "packs"), 2);
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/containers/%s", p);
    j = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_int_equal(px_test_int(json_object_get(j, "counts"), "packs"), 2);
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/D2", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "parents")), 0);
    assert_string_equal(px_test_str(j, "state"), "decommissioned");
    json_decref(j);
    /* One DELETE per case, with the case as parentID (not the pallet above it), at the
     * decommissioner's location. */
    char got[1024], mine[128];
    snprintf(mine, sizeof(mine), "parent_sscc IN ('%s', '%s', '%s')", b1, b2, p);
    px_sql_textf(
        &f->env, got, sizeof(got),
        "SELECT string_agg(concat_ws('|', type, action, biz_step, coalesce(disposition, "
        "'-'), parent_id, array_to_string(epcs, ','), read_point), ';' ORDER BY parent_id) "
        "FROM container_event WHERE action = 'DELETE' AND aggregation_id IS NULL AND "
        "event_hash LIKE 'ni:///sha-256;%%' AND %s",
        mine);
    assert_string_equal(got,
                        "AggregationEvent|DELETE|unpacking|-|urn:epc:id:sscc:0355154.0000000540|"
                        "urn:epc:id:sgtin:0355154.094495.D2|urn:epc:id:sgln:0355154.00000.0;"
                        "AggregationEvent|DELETE|unpacking|-|urn:epc:id:sscc:0355154.0000000541|"
                        "urn:epc:id:sgtin:0355154.094495.D4|urn:epc:id:sgln:0355154.00000.0");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = "
                    "'pack.decommission' AND details::text LIKE "
                    "'%%\"unpacked\"%%'");
    /* A pack recalled on its own leaves its case too. */
    decommission_ok(f,
                    "{\"gtin\":\"" GTIN "\",\"serials\":[\"D3\"],"
                    "\"reason\":\"recalled\"}",
                    1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE action = 'DELETE' "
                    "AND parent_id = 'urn:epc:id:sscc:0355154.0000000540' AND "
                    "epcs = ARRAY['urn:epc:id:sgtin:0355154.094495.D3']");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM serial WHERE parent_sscc = '%s'", b1);
    /* A case decommissioned by its SSCC keeps what it holds: no DELETE. */
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\"],\"reason\":\"destroyed\"}", b2);
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key, body, 200));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'D5' AND "
                    "parent_sscc = '%s'",
                    b2);
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM container_event WHERE action = 'DELETE' "
                    "AND %s",
                    mine);
    /* REQ-AGG-12: a case destroyed off its pallet leaves the pallet, with what it holds. */
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\"],\"reason\":\"destroyed\"}", b1);
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key, body, 200));
    px_sql_text(&f->env,
                "SELECT concat_ws('|', parent_id, array_to_string(epcs, ',')) FROM "
                "container_event WHERE action = 'DELETE' ORDER BY seq DESC LIMIT 1",
                got, sizeof(got));
    assert_string_equal(got,
                        "urn:epc:id:sscc:0355154.1000000545|urn:epc:id:sscc:0355154.0000000540");
    snprintf(path, sizeof(path), "/v1/containers/%s", p);
    j = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "children")), 0);
    assert_int_equal(px_test_int(json_object_get(j, "counts"), "packs"), 0);
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'D1' AND "
                    "parent_sscc = '%s' AND state = 'decommissioned'",
                    b1);
}

/* ---- the shipping event ------------------------------------------------------------------- */

/* One event of a document as "type|action|bizStep|parentID|epc,epc,…" (CBV words bare). */
static void sig_add(char *out, size_t cap, const char *type, const char *action,
                    const char *biz_step, const char *parent, const char *epcs)
{
    const char *c = strrchr(biz_step, ':');
    const char *d = strrchr(biz_step, '-');
    const char *word = c && (!d || c > d) ? c + 1 : d ? d + 1 : biz_step;
    size_t o = strlen(out);
    snprintf(out + o, cap - o, "%s|%s|%s|%s|%s\n", type, action, word, parent, epcs);
}

/* The events of an XML document (1.2 or 2.0) in document order. */
static void xml_events(const char *doc, char *out, size_t cap)
{
    out[0] = '\0';
    for (const char *p = doc;;) {
        const char *o = strstr(p, "<ObjectEvent>"), *a = strstr(p, "<AggregationEvent>");
        if (!o && !a)
            break;
        int is_obj = o && (!a || o < a);
        const char *start = is_obj ? o : a;
        const char *end = strstr(start, is_obj ? "</ObjectEvent>" : "</AggregationEvent>");
        assert_non_null(end);
        size_t len = (size_t)(end - start);
        char *ev = strndup(start, len);
        char action[16] = "", step[96] = "", parent[96] = "", epcs[2048] = "";
        px_between(ev, "<action>", "</action>", action, sizeof(action));
        px_between(ev, "<bizStep>", "</bizStep>", step, sizeof(step));
        px_between(ev, "<parentID>", "</parentID>", parent, sizeof(parent));
        size_t k = 0;
        for (const char *e = ev; (e = strstr(e, "<epc>")) != NULL;) {
            e += 5;
            size_t n = strcspn(e, "<");
            k += (size_t)snprintf(epcs + k, sizeof(epcs) - k, "%s%.*s", k ? "," : "", (int)n, e);
        }
        sig_add(out, cap, is_obj ? "ObjectEvent" : "AggregationEvent", action, step, parent, epcs);
        free(ev);
        p = end;
    }
}

/* The events of a JSON-LD document in document order. */
static void json_events(const char *doc, size_t len, char *out, size_t cap)
{
    out[0] = '\0';
    json_error_t jerr;
    json_t *j = json_loadb(doc, len, 0, &jerr);
    assert_non_null(j);
    json_t *l = json_object_get(json_object_get(j, "epcisBody"), "eventList");
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *e = json_array_get(l, i);
        json_t *list = json_object_get(e, "epcList");
        if (!list)
            list = json_object_get(e, "childEPCs");
        char epcs[2048] = "";
        size_t k = 0;
        for (size_t x = 0; x < json_array_size(list); x++)
            k += (size_t)snprintf(epcs + k, sizeof(epcs) - k, "%s%s", k ? "," : "",
                                  json_string_value(json_array_get(list, x)));
        const char *parent = json_string_value(json_object_get(e, "parentID"));
        sig_add(out, cap, px_test_str(e, "type"), px_test_str(e, "action"),
                px_test_str(e, "bizStep"), parent ? parent : "", epcs);
    }
    json_decref(j);
}

/* The release's stored events rebuilt with service/'s reader (px__event_from_row) and
 * re-hashed: how many hash differently from the ID stored when they were written, and the EPCs
 * of its shipping event as "uri,uri". */
typedef struct rehash_ctx {
    px_test_rehash_count n; /* first: px_test_each_rehashed counts into it */
    char shipped[256];
} rehash_ctx;

static void shipped_epcs(void *vc, const px_epcis_row *row, const px_epcis_event *ev, int same)
{
    (void)same;
    rehash_ctx *c = vc;
    if (strcmp(row->biz_step, "shipping") == 0) {
        assert_int_equal(ev->n_serials, 0);
        size_t o = 0;
        for (size_t i = 0; i < ev->n_epcs; i++)
            o += (size_t)snprintf(c->shipped + o, sizeof(c->shipped) - o, "%s%s", i ? "," : "",
                                  ev->epcs[i]);
    }
}

static void rehash(fixture *f, const char *release_id, rehash_ctx *c)
{
    memset(c, 0, sizeof(*c));
    px_epcis_filter flt = {0};
    flt.gtin = GTIN;
    flt.lot = "LOT1";
    flt.release_id = release_id;
    px_test_each_rehashed(&f->env, &flt, shipped_epcs, c);
}

#define SG(s) "urn:epc:id:sgtin:0355154.094495." s
#define SC_CASE1 "urn:epc:id:sscc:0355154.0000000101"
#define SC_CASE2 "urn:epc:id:sscc:0355154.0000000102"
#define SC_PALLET "urn:epc:id:sscc:0355154.1000000201"

/* The document of release_id's report to its endpoint of format (an endpoint format name),
 * fetched (200) into doc; the caller frees it. */
static void release_document(fixture *f, const char *release_id, const char *format,
                             px_http_resp *doc)
{
    char id[64], path[128];
    px_sql_textf(&f->env, id, sizeof(id),
                 "SELECT r.id FROM report r JOIN regulator_endpoint e ON e.id = r.endpoint_id "
                 "WHERE r.release_id = '%s' AND e.format = '%s'",
                 release_id, format);
    snprintf(path, sizeof(path), "/v1/reports/%s/document", id);
    px_http(&f->env, doc, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(doc->status, 200);
}

/* REQ-AGG-11, REQ-AGG-9: DOMAIN-2.md §10.8's pallet shipped to the US: the report carries the
 * packs' commissioning, each SSCC's commissioning and its packing event, then one shipping
 * ObjectEvent that names the pallet alone (a case listed beside it travels inside it), in the
 * order they happened — in 1.2 XML, 2.0 XML and 2.0 JSON-LD alike, each valid against its
 * official schema. Every pack moved. */
static void test_container_ship__dscsa_ships_the_pallet(void **state)
{
    fixture *f = *state;
    commission(f, "LOT1", "[\"SN1001\",\"SN1002\",\"SN1003\",\"SN1004\",\"SN1005\",\"SN1006\"]");
    px_test_pack(&f->env, f->mah.key, CASE1,
                 "[" SGTIN("SN1001") "," SGTIN("SN1002") "," SGTIN("SN1003") "]");
    px_test_pack(&f->env, f->mah.key, CASE2,
                 "[" SGTIN("SN1004") "," SGTIN("SN1005") "," SGTIN("SN1006") "]");
    px_test_pack(&f->env, f->mah.key, PALLET,
                 "[{\"sscc\":\"" CASE1 "\"},{\"sscc\":\"" CASE2 "\"}]");
    char release_id[40];
    release_ok(f,
               "{\"gtin\":\"" GTIN "\",\"batch\":\"LOT1\",\"ssccs\":[\"" PALLET "\",\"" CASE1
               "\"]" SHIP_TX,
               6, release_id);
    px_expect_count(&f->env, 6,
                    "SELECT count(*) FROM serial WHERE state = 'released' "
                    "AND release_id = '%s'",
                    release_id);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE release_id = '%s' AND "
                    "epcs = ARRAY['" SC_PALLET "'] AND epc_count = 1",
                    release_id);
    /* The shipping event read back from its row (as reports, exports and queries write it)
     * names the pallet, and hashes to the ID stored when it was written; a row that names
     * another unit does not (the check can fail). */
    rehash_ctx rc;
    rehash(f, release_id, &rc);
    assert_int_equal(rc.n.rows, 2);
    assert_int_equal(rc.n.mismatches, 0);
    assert_string_equal(rc.shipped, SC_PALLET);
    px_expect_count(&f->env, 1,
                    "UPDATE epcis_event SET epcs = ARRAY['" SC_CASE1 "'] WHERE "
                    "release_id = '%s' RETURNING 1",
                    release_id);
    rehash(f, release_id, &rc);
    assert_int_equal(rc.n.mismatches, 1);
    px_expect_count(&f->env, 1,
                    "UPDATE epcis_event SET epcs = ARRAY['" SC_PALLET "'] WHERE "
                    "release_id = '%s' RETURNING 1",
                    release_id);
    static const char want[] =
        "ObjectEvent|ADD|commissioning||" SG("SN1001") "," SG("SN1002") "," SG("SN1003") "," SG(
            "SN"
            "10"
            "0"
            "4") "," SG("SN1005") "," SG("SN1006") "\n"
                                                   "ObjectEvent|ADD|commissioning||" SC_CASE1 "\n"
                                                   "AggregationEvent|ADD|packing|" SC_CASE1
                                                   "|" SG("SN1001") "," SG("SN1002") "," SG(
                                                       "SN1003") "\n"
                                                                 "ObjectEvent|ADD|"
                                                                 "commissioning||" SC_CASE2 "\n"
                                                                 "AggregationEvent|ADD|"
                                                                 "packing|" SC_CASE2
                                                                 "|" SG("SN1004") "," SG(
                                                                     "SN10"
                                                                     "05") "," SG("SN1006") "\n"
                                                                                            "Object"
                                                                                            "Event|"
                                                                                            "ADD|"
                                                                                            "commis"
                                                                                            "sionin"
                                                                                            "g|"
                                                                                            "|" SC_PALLET
                                                                                            "\n"
                                                                                            "Aggreg"
                                                                                            "ationE"
                                                                                            "ve"
                                                                                            "nt|"
                                                                                            "ADD|"
                                                                                            "packin"
                                                                                            "g"
                                                                                            "|" SC_PALLET
                                                                                            "|" SC_CASE1
                                                                                            "," SC_CASE2
                                                                                            "\n"
                                                                                            "Object"
                                                                                            "Event|"
                                                                                            "OBSERV"
                                                                                            "E|"
                                                                                            "shippi"
                                                                                            "ng|"
                                                                                            "|" SC_PALLET
                                                                                            "\n";
    static const char *const formats[] = {"epcis-1.2-xml", "epcis-2.0-xml", "epcis-2.0-jsonld"};
    for (size_t k = 0; k < 3; k++) {
        char got[8192];
        px_http_resp doc;
        release_document(f, release_id, formats[k], &doc);
        if (k < 2) {
            px_test_xsd_valid(doc.body, doc.len);
            xml_events(doc.body, got, sizeof(got));
        } else {
            assert_int_equal(px_test_run_on(PX_TEST_VALIDATE_GS1, doc.body, doc.len, 0), 0);
            json_events(doc.body, doc.len, got, sizeof(got));
        }
        if (strcmp(got, want) != 0)
            fail_msg("%s: the events differ from §10.8's\nwant:\n%s\ngot:\n%s", formats[k], want,
                     got);
        px_http_resp_free(&doc);
    }
    /* REQ-RECALL-SSCC-1: recalling the shipped pallet tells its market in the same
     * transaction: one report per US endpoint, each built and checked against its schema when
     * queued, with the recall of the six packs. */
    char recall_id[40];
    recall_ok(f, "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"" PALLET "\"]}", 6, recall_id);
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM report WHERE op_id = '%s' AND market = "
                    "'US' AND event_count = 1",
                    recall_id);
}

/* The events of the release's EPCIS 1.2 report, checked against its XSD. */
static void release_doc_events(fixture *f, const char *release_id, char *got, size_t cap)
{
    px_http_resp doc;
    release_document(f, release_id, "epcis-1.2-xml", &doc);
    px_test_xsd_valid(doc.body, doc.len);
    xml_events(doc.body, got, cap);
    px_http_resp_free(&doc);
}

/* REQ-AGG-12: a case shipped off a pallet that stays leaves it (one DELETE, the pallet as
 * parentID); the DSCSA report then names the case's packing and the case, and nothing of the
 * pallet; the pallet keeps its other case. */
static void test_container_ship__case_shipped_off_a_pallet(void **state)
{
    fixture *f = *state;
    char b1[19], b2[19], p[19], body[512];
    commission(f, "LOTC", "[\"C1\",\"C2\"]");
    box(f, b1, 0, 560, "[" SGTIN("C1") "]");
    box(f, b2, 0, 561, "[" SGTIN("C2") "]");
    snprintf(body, sizeof(body), "[{\"sscc\":\"%s\"},{\"sscc\":\"%s\"}]", b1, b2);
    px_test_pack(&f->env, f->mah.key, sscc(p, 1, 565), body);
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTC\",\"ssccs\":[\"%s\"]" SHIP_TX, b1);
    char release_id[40];
    release_ok(f, body, 1, release_id);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE action = 'DELETE' "
                    "AND parent_id = 'urn:epc:id:sscc:0355154.1000000565' AND epcs "
                    "= ARRAY['urn:epc:id:sscc:0355154.0000000560']");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE parent_sscc = '%s' AND sscc = "
                    "'%s' AND (SELECT state FROM sscc WHERE sscc = '%s') = "
                    "'commissioned'",
                    p, b2, p);
    char got[4096];
    release_doc_events(f, release_id, got, sizeof(got));
    assert_string_equal(
        got,
        "ObjectEvent|ADD|commissioning||" SG("C1") "," SG(
            "C2") "\n"
                  "ObjectEvent|ADD|commissioning||urn:epc:id:sscc:0355154.0000000560\n"
                  "AggregationEvent|ADD|packing|urn:epc:id:sscc:0355154.0000000560|" SG(
                      "C1") "\n"
                            "ObjectEvent|OBSERVE|shipping||urn:epc:id:sscc:0355154.0000000560\n");
}

/* The EU report report_id lists the packs a and b of the EU product (their commissioning and
 * shipping), XSD-valid, and no SSCC nor absent (when given) reaches it. */
static void eu_doc_lists_packs(fixture *f, const char *report_id, const char *a, const char *b,
                               const char *absent)
{
    char path[128], got[4096], want[1024];
    snprintf(path, sizeof(path), "/v1/reports/%s/document", report_id);
    px_http_resp doc;
    px_http(&f->env, &doc, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(doc.status, 200);
    px_test_xsd_valid(doc.body, doc.len);
    xml_events(doc.body, got, sizeof(got));
    const char *ref = f->eu_gtin + 8;
    snprintf(want, sizeof(want),
             "ObjectEvent|ADD|commissioning||urn:epc:id:sgtin:4012345.0%.5s.%s,"
             "urn:epc:id:sgtin:4012345.0%.5s.%s\n"
             "ObjectEvent|OBSERVE|shipping||urn:epc:id:sgtin:4012345.0%.5s.%s,"
             "urn:epc:id:sgtin:4012345.0%.5s.%s\n",
             ref, a, ref, b, ref, a, ref, b);
    assert_string_equal(got, want);
    assert_null(strstr(doc.body, "urn:epc:id:sscc:"));
    if (absent)
        assert_null(strstr(doc.body, absent));
    px_http_resp_free(&doc);
}

/* REQ-AGG-11: the EU profile keeps reporting packs: a case shipped to an EU market gives a
 * shipping event that lists its packs, and no SSCC at all reaches the document (the EU Hub
 * takes no aggregation, DOMAIN-2.md §10.6). */
static void test_container_ship__eu_reports_packs(void **state)
{
    fixture *f = *state;
    char b[19], body[512];
    px_err e;
    assert_int_equal(gs1_sscc_build(b, 0, "4012345", 77, &e), PX_OK);
    px_test_commission(&f->env, f->mah.key, f->eu_gtin, "EU1", "491231", "[\"E1\",\"E2\"]");
    snprintf(body, sizeof(body),
             "[{\"gtin\":\"%s\",\"serial\":\"E1\"},{\"gtin\":\"%s\",\"serial\":\"E2\"}]",
             f->eu_gtin, f->eu_gtin);
    px_test_pack(&f->env, f->mah.key, b, body);
    /* A count confirmed beside the containers holds to the packs they hold: 3 is not the 2
     * the case holds (409 count_changed, nothing released); 2 is. */
    static const char *const rows[] = {"serial WHERE state = 'released'", "report", NULL};
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"batch\":\"EU1\",\"market\":\"DE\",\"ssccs\":[\"%s\"],"
             "\"expected_count\":3}",
             f->eu_gtin, b);
    px_test_refused(&f->env, rows, "POST", "/v1/releases", f->mah.key, body, NULL, 409,
                    "count_changed");
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"batch\":\"EU1\",\"market\":\"DE\",\"ssccs\":[\"%s\"],"
             "\"expected_count\":2}",
             f->eu_gtin, b);
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201);
    assert_int_equal(px_test_int(j, "released"), 2);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE release_id = '%s' AND "
                    "epcs IS NULL AND epc_count = 2",
                    px_test_str(j, "release_id"));
    eu_doc_lists_packs(f, px_test_str(j, "report_id"), "E1", "E2", NULL);
    json_decref(j);
}

/* ---- cases that carry their own GTIN ------------------------------------------------------ */

#define SG_CASE(s) "urn:epc:id:sgtin:0355154.194495." s

/* Packs the children JSON into the case CASE_GTIN/serial. */
static void pack_case(fixture *f, const char *serial, const char *children)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"action\":\"pack\",\"parent\":{\"gtin\":\"" CASE_GTIN "\",\"serial\":\"%s\"},"
             "\"children\":%s}",
             serial, children);
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key, body, 201));
}

/* REQ-AGG-10: a pack decommissioned or recalled on its own leaves the case that carries its
 * own GTIN as it leaves an SSCC container: the link is cleared and an AggregationEvent DELETE
 * names the case's SGTIN as parentID (DOMAIN-2.md §10.4 rule 4), at the decommissioner's
 * location; the case keeps its other packs; a later DSCSA report of a pack of the case carries
 * the case's packing and both DELETEs, so a receiver does not count the packs that left. */
static void test_container_ship__pack_leaves_its_gtin_case(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->mah.key, CASE_GTIN, "LOTG", "491231", "[\"G\"]");
    commission(f, "LOTG", "[\"G1\",\"G2\",\"G3\"]");
    pack_case(f, "G", "[" SGTIN("G1") "," SGTIN("G2") "," SGTIN("G3") "]");
    decommission_ok(f,
                    "{\"gtin\":\"" GTIN "\",\"serials\":[\"G2\"],"
                    "\"reason\":\"sample\"}",
                    1);
    char got[4096];
    px_sql_text(&f->env,
                "SELECT concat_ws('|', type, action, biz_step, coalesce(disposition, '-'), "
                "parent_id, array_to_string(epcs, ','), read_point, parent_gtin, parent_serial, "
                "coalesce(parent_sscc, 'none')) FROM container_event WHERE action = 'DELETE' "
                "AND parent_serial = 'G' AND event_hash LIKE 'ni:///sha-256;%%'",
                got, sizeof(got));
    assert_string_equal(got, "AggregationEvent|DELETE|unpacking|-|" SG_CASE("G") "|" SG(
                                 "G2") "|urn:epc:id:sgln:0355154.00000.0|" CASE_GTIN "|G|none");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN
                    "' AND serial = 'G2' AND parent_gtin IS NULL AND "
                    "parent_serial IS NULL AND parent_sscc IS NULL");
    json_t *j = px_test_call(&f->env, "GET", "/v1/packs/" CASE_GTIN "/G", f->mah.key, NULL, 200);
    json_t *kids = json_object_get(j, "children");
    assert_int_equal(json_array_size(kids), 2);
    assert_string_equal(px_test_str(json_array_get(kids, 0), "serial"), "G1");
    assert_string_equal(px_test_str(json_array_get(kids, 1), "serial"), "G3");
    json_decref(j);
    px_sql_text(&f->env,
                "SELECT details->>'unpacked' FROM audit_log WHERE action = 'pack.decommission' "
                "ORDER BY seq DESC LIMIT 1",
                got, sizeof(got));
    assert_string_equal(got, "1");
    /* Recalled on its own: out of the case too. */
    decommission_ok(f,
                    "{\"gtin\":\"" GTIN "\",\"serials\":[\"G3\"],"
                    "\"reason\":\"recalled\"}",
                    1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE action = 'DELETE' "
                    "AND parent_id = '" SG_CASE("G") "' AND epcs = ARRAY['" SG("G3") "']");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE parent_gtin = '" CASE_GTIN
                    "' AND parent_serial = 'G'");
    /* The release of the pack left in the case: its report replays the case's contents. */
    char release_id[40];
    release_ok(f, "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTG\",\"serials\":[\"G1\"]" SHIP_TX, 1,
               release_id);
    release_doc_events(f, release_id, got, sizeof(got));
    assert_string_equal(
        got,
        "ObjectEvent|ADD|commissioning||" SG("G1") "," SG("G2") "," SG(
            "G3") "\n"
                  "AggregationEvent|ADD|packing|" SG_CASE("G") "|" SG("G1") "," SG("G2") "," SG(
                      "G3") "\n"
                            "AggregationEvent|DELETE|unpacking|" SG_CASE("G") "|" SG(
                                "G2") "\n"
                                      "AggregationEvent|DELETE|unpacking|" SG_CASE("G") "|" SG(
                                          "G3") "\n"
                                                "ObjectEvent|OBSERVE|shipping||" SG("G1") "\n");
}

/* REQ-AGG-14: a pallet of cases that carry their own GTIN ships by its SSCC: the walk reaches
 * the packs inside the cases (a pack of another batch in a case refuses the release, named
 * under the pallet's index, nothing changed); the release moves every pack and the cases
 * themselves; the DSCSA report carries each case's packing (parentID the case's SGTIN) and the
 * pallet's, then ships the pallet; a recall of the pallet recalls the packs and the cases. */
static void test_container_ship__pallet_of_cases(void **state)
{
    fixture *f = *state;
    char p[19], body[512];
    px_test_commission(&f->env, f->mah.key, CASE_GTIN, "LOTP", "491231", "[\"P1\",\"P2\"]");
    commission(f, "LOTP", "[\"Q1\",\"Q2\",\"Q3\",\"Q4\"]");
    commission(f, "LOTX", "[\"Q5\"]");
    pack_case(f, "P1", "[" SGTIN("Q1") "," SGTIN("Q2") "]");
    pack_case(f, "P2", "[" SGTIN("Q3") "," SGTIN("Q4") "]");
    px_test_pack(&f->env, f->mah.key, sscc(p, 1, 570),
                 "[{\"gtin\":\"" CASE_GTIN "\",\"serial\":\"P1\"},{\"gtin\":\"" CASE_GTIN
                 "\",\"serial\":\"P2\"}]");
    pack_case(f, "P2", "[" SGTIN("Q5") "]");
    static const char *const rows[] = {"serial WHERE state = 'released'",
                                       "sscc WHERE state = "
                                       "'released'",
                                       "container_event", "report", NULL};
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTP\",\"ssccs\":[\"%s\"]" SHIP_TX, p);
    json_t *e = px_test_refused_answer(&f->env, rows, "POST", "/v1/releases", f->mah.key, body,
                                       NULL, 409, "invalid_state");
    assert_int_equal(json_array_size(px_test_details(e)), 1);
    px_expect_detail(e, 0, 0, "other_batch", NULL);
    assert_non_null(
        strstr(px_test_str(json_array_get(px_test_details(e), 0), "message"), GTIN "/Q5"));
    json_decref(e);
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key,
                             "{\"action\":\"unpack\",\"parent\":{\"gtin\":\"" CASE_GTIN
                             "\",\"serial\":\"P2\"},\"children\":[" SGTIN("Q5") "]}",
                             201));
    char release_id[40];
    release_ok(f, body, 4, release_id);
    px_expect_count(&f->env, 4,
                    "SELECT count(*) FROM serial WHERE state = 'released' AND "
                    "release_id = '%s' AND market = 'US' AND released_at IS NOT "
                    "NULL AND (gtin, serial) IN (('" CASE_GTIN "', 'P1'), ('" CASE_GTIN
                    "', 'P2'), ('" GTIN "', 'Q1'), ('" GTIN "', 'Q4'))",
                    release_id);
    char got[4096], want[2048], sc[64];
    snprintf(sc, sizeof(sc), "urn:epc:id:sscc:0355154.1%.9s", p + 8);
    release_doc_events(f, release_id, got, sizeof(got));
    snprintf(
        want, sizeof(want),
        "ObjectEvent|ADD|commissioning||" SG("Q1") "," SG("Q2") "," SG("Q3") "," SG(
            "Q4") "\n"
                  "AggregationEvent|ADD|packing|" SG_CASE("P1") "|" SG("Q1") "," SG(
                      "Q2") "\n"
                            "AggregationEvent|ADD|packing|" SG_CASE("P2") "|" SG("Q3") "," SG(
                                "Q4") "\n"
                                      "ObjectEvent|ADD|commissioning||%s\n"
                                      "AggregationEvent|ADD|packing|%s|" SG_CASE("P1") "," SG_CASE(
                                          "P2") "\n"
                                                "AggregationEvent|ADD|packing|" SG_CASE(
                                                    "P2") "|" SG("Q5") "\n"
                                                                       "AggregationEvent|DELETE|"
                                                                       "unpacking|" SG_CASE(
                                                                           "P2") "|" SG("Q5") "\n"
                                                                                              "Obje"
                                                                                              "ctEv"
                                                                                              "ent|"
                                                                                              "OBSE"
                                                                                              "RVE|"
                                                                                              "ship"
                                                                                              "ping"
                                                                                              "||%"
                                                                                              "s\n",
        sc, sc, sc);
    assert_string_equal(got, want);
    /* The recall of the shipped pallet: the four packs, and the cases with them. */
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\"]}", p);
    recall_ok(f, body, 4, NULL);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM serial WHERE gtin = '" CASE_GTIN
                    "' AND serial IN ('P1', 'P2') AND state = "
                    "'decommissioned' AND reason = 'recalled' AND "
                    "prior_state = 'released'");
}

/* REQ-AGG-14: the EU profile lists packs only: a pallet of cases that carry their own GTIN
 * released to an EU market gives a shipping event of the packs, and neither the pallet's SSCC
 * nor a case's SGTIN reaches the document (DOMAIN-2.md §10.6). */
static void test_container_ship__eu_pallet_of_cases(void **state)
{
    fixture *f = *state;
    char cg[15], pallet[19], body[512];
    px_err e;
    px_test_gtin(cg, 8802); /* the EU case level, GCP 4012345 */
    px_test_product(&f->env, f->mah.key, cg, "EU case", "DE");
    px_test_product_master(&f->env, cg);
    px_test_commission(&f->env, f->mah.key, cg, "EU2", "491231", "[\"EC1\"]");
    px_test_commission(&f->env, f->mah.key, f->eu_gtin, "EU2", "491231", "[\"E3\",\"E4\"]");
    snprintf(body, sizeof(body),
             "{\"action\":\"pack\",\"parent\":{\"gtin\":\"%s\",\"serial\":\"EC1\"},\"children\":"
             "[{\"gtin\":\"%s\",\"serial\":\"E3\"},{\"gtin\":\"%s\",\"serial\":\"E4\"}]}",
             cg, f->eu_gtin, f->eu_gtin);
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key, body, 201));
    assert_int_equal(gs1_sscc_build(pallet, 1, "4012345", 78, &e), PX_OK);
    snprintf(body, sizeof(body), "[{\"gtin\":\"%s\",\"serial\":\"EC1\"}]", cg);
    px_test_pack(&f->env, f->mah.key, pallet, body);
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"batch\":\"EU2\",\"market\":\"DE\",\"ssccs\":[\"%s\"]}", f->eu_gtin,
             pallet);
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201);
    assert_int_equal(px_test_int(j, "released"), 2);
    eu_doc_lists_packs(f, px_test_str(j, "report_id"), "E3", "E4", ".EC1");
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE gtin = '%s' AND serial = "
                    "'EC1' AND state = 'released' AND market = 'DE'",
                    cg);
}

/* Case cs of lot holding its packs cs1 and cs2, packed onto a new pallet (serial reference
 * ref), whose SSCC goes into p. */
static void case_of_two_on_pallet(fixture *f, const char *lot, const char *cs, char p[19],
                                  unsigned ref)
{
    char one[32], packs[64], kids[256], onto[128];
    snprintf(one, sizeof(one), "[\"%s\"]", cs);
    snprintf(packs, sizeof(packs), "[\"%s1\",\"%s2\"]", cs, cs);
    snprintf(kids, sizeof(kids),
             "[{\"gtin\":\"" GTIN "\",\"serial\":\"%s1\"},{\"gtin\":\"" GTIN
             "\",\"serial\":\"%s2\"}]",
             cs, cs);
    snprintf(onto, sizeof(onto), "[{\"gtin\":\"" CASE_GTIN "\",\"serial\":\"%s\"}]", cs);
    px_test_commission(&f->env, f->mah.key, CASE_GTIN, lot, "491231", one);
    commission(f, lot, packs);
    pack_case(f, cs, kids);
    px_test_pack(&f->env, f->mah.key, sscc(p, 1, ref), onto);
}

/* REQ-AGG-14: a case that carries its own GTIN moves with its pallet, and its history says
 * so: the pallet's release, decommissioning and reactivation by ssccs are in the case's
 * events (the events that moved it, with their op), as they are in its packs'. */
static void test_container_ship__case_history_moves_with_its_pallet(void **state)
{
    fixture *f = *state;
    char p[19], body[512], ops[256];
    case_of_two_on_pallet(f, "LOTH", "H", p, 581);
    px_test_pack_ops(&f->env, f->mah.key, CASE_GTIN, "H", ops, sizeof(ops));
    assert_string_equal(ops, "commission,pack");
    char release_id[40];
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTH\",\"ssccs\":[\"%s\"]" SHIP_TX, p);
    release_ok(f, body, 2, release_id);
    px_test_pack_ops(&f->env, f->mah.key, CASE_GTIN, "H", ops, sizeof(ops));
    assert_string_equal(ops, "commission,pack,release");
    json_t *j = px_test_call(&f->env, "GET", "/v1/packs/" CASE_GTIN "/H", f->mah.key, NULL, 200);
    json_t *ev = json_array_get(json_object_get(j, "events"), 2);
    assert_string_equal(px_test_str(ev, "market"), "US");
    assert_string_equal(px_test_str(j, "state"), "released");
    json_decref(j);
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"reason\":\"damaged\",\"ssccs\":[\"%s\"]}", p);
    decommission_ok(f, body, 2);
    px_test_pack_ops(&f->env, f->mah.key, CASE_GTIN, "H", ops, sizeof(ops));
    assert_string_equal(ops, "commission,pack,release,decommission");
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\"]}", p);
    json_decref(px_test_call(&f->env, "POST", "/v1/reactivations", f->mah.key, body, 200));
    px_test_pack_ops(&f->env, f->mah.key, CASE_GTIN, "H", ops, sizeof(ops));
    assert_string_equal(ops, "commission,pack,release,decommission,reactivate");
    j = px_test_call(&f->env, "GET", "/v1/packs/" CASE_GTIN "/H", f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "state"), "released");
    json_decref(j);
    /* The packs' own history is the same operations. */
    px_test_pack_ops(&f->env, f->mah.key, GTIN, "H1", ops, sizeof(ops));
    assert_string_equal(ops, "commission,pack,release,decommission,reactivate");
}

/* A pack packed into a box while a recall of that box runs: the recall read the box's packs
 * before its transaction, then locks the box and its packs and finds one more; it refuses with
 * nothing changed (409 containers_changed) rather than leave the new pack commissioned in a
 * recalled box. Another session holds the box while the pack moves in, so the interleaving is
 * the same on every run. */
static void test_container_ship__recall_meets_a_pack_moved_in(void **state)
{
    fixture *f = *state;
    char b[19], body[256];
    commission(f, "LOTM", "[\"M1\",\"M2\",\"M3\"]");
    box(f, b, 0, 590, "[" SGTIN("M1") "," SGTIN("M2") "]");
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT 1 FROM sscc WHERE sscc = '%s' FOR UPDATE", b);
    PGconn *held = px_test_hold(&f->env, sql);
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"%s\"]}", b);
    px_test_async recall = {&f->env, "POST", "/v1/recalls", f->mah.key, body, 0, 0, "", ""};
    px_test_async_start(&recall);
    px_test_wait_row_lock_waiters(&f->env, 1);
    /* What a packing of M3 into the box does, committed while the recall waits. */
    snprintf(sql, sizeof(sql), "UPDATE serial SET parent_sscc = '%s' WHERE gtin = '" GTIN
             "' AND serial = 'M3'", b);
    px_test_hold_end(held, sql);
    assert_int_equal(px_test_async_join(&recall), 409);
    assert_string_equal(recall.code, "containers_changed");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE sscc = '%s' AND state = "
                    "'commissioned'",
                    b);
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN
                    "' AND serial LIKE 'M_' AND state = 'commissioned'");
    /* Asked again, the recall takes the box as it is now: all three packs. */
    recall_ok(f, body, 3, NULL);
}

/* A pack taken out of its case while the case's pallet is released: another session holds
 * the pack while the release runs and then moves it (what an unpacking does), so the
 * interleaving is the same on every run. The release locks the packs in the pallet's cases too,
 * so it ships the pallet as it is then: the pack that left stays commissioned, never released
 * outside the pallet it was read in. */
static void test_container_ship__release_meets_a_pack_taken_out_of_its_case(void **state)
{
    fixture *f = *state;
    char p[19], body[512], sql[256];
    case_of_two_on_pallet(f, "LOTRT", "RT", p, 586);
    PGconn *held = px_test_hold(&f->env, "SELECT 1 FROM serial WHERE gtin = '" GTIN
                                         "' AND serial = 'RT2' FOR UPDATE");
    snprintf(body, sizeof(body),
             "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTRT\",\"ssccs\":[\"%s\"]" SHIP_TX, p);
    px_test_async rel = {&f->env, "POST", "/v1/releases", f->mah.key, body, 0, 0, "", ""};
    px_test_async_start(&rel);
    px_test_wait_row_lock_waiters(&f->env, 1);
    snprintf(sql, sizeof(sql),
             "UPDATE serial SET parent_gtin = NULL, parent_serial = NULL WHERE gtin = '" GTIN
             "' AND serial = 'RT2'");
    px_test_hold_end(held, sql);
    long st = px_test_async_join(&rel);
    if (st != 201 && !(st == 409 && strcmp(rel.code, "containers_changed") == 0))
        fail_msg("the release answered %ld %s", st, rel.code);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE gtin = '" GTIN "' AND serial = 'RT2' AND "
                    "state = 'commissioned' AND released_at IS NULL AND parent_gtin IS NULL");
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
