/* The packing hierarchy over real HTTP and a real PostgreSQL (docs/aggregation.md): SSCC
 * pools, packing, unpacking, repacking, the rules per child with nothing changed on refusal,
 * the events of DOMAIN-2.md §10.8's worked example, and two packers racing for one child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gs1.h"
#include "px_array.h"
#include "px_test.h"
#include "px_test_epcis.h"

#define GTIN "00355154944954" /* DOMAIN-2.md §10.8: GCP 0355154, item reference 94495 */
#define CASE1 "003551540000001015"
#define CASE2 "003551540000001022"
#define PALLET "103551540000002019"

typedef px_test_packers fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    /* A US endpoint that never answers: releases are reportable, the report stays queued. */
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1:9");
    px_test_server_start(&f->env);
    px_test_packers_make(f, "Packing MAH", GTIN, "Packing CMO");
    px_test_product_master(&f->env, GTIN);
    px_test_idle_endpoint(&f->env, f->mah.key, "US");
    *state = f;
    return 0;
}

/* Everything a packing request may change. */
static const char *const packing_rows[] = {"sscc",
                                           "sscc WHERE parent_sscc IS NOT NULL",
                                           "sscc WHERE state = 'commissioned'",
                                           "serial WHERE parent_sscc IS NOT NULL",
                                           "serial WHERE parent_gtin IS NOT NULL",
                                           "aggregation",
                                           "container_event",
                                           "audit_log",
                                           NULL};

static char *pack_body(const char *action, const char *parent, const char *children)
{
    size_t cap = strlen(children) + 128;
    char *b = malloc(cap);
    snprintf(b, cap, "{\"action\":\"%s\",\"parent\":{\"sscc\":\"%s\"},\"children\":%s}", action,
             parent, children);
    return b;
}

static json_t *pack(fixture *f, const char *key, const char *action, const char *parent,
                    const char *children, long want)
{
    char *b = pack_body(action, parent, children);
    json_t *j = px_test_call(&f->env, "POST", "/v1/aggregations", key, b, want);
    free(b);
    return j;
}

/* A request body refused with nothing changed, and its first detail: its index and code. */
static void refused_body_detail(fixture *f, const char *key, const char *b, long status,
                                const char *code, long index, const char *detail_code)
{
    json_t *j = px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations", key, b,
                                       NULL, status, code);
    px_expect_detail(j, 0, index, detail_code, NULL);
    json_decref(j);
}

/* The first detail of a refused request of a container parent: its index and code. */
static void refused_detail(fixture *f, const char *key, const char *action, const char *parent,
                           const char *children, long status, const char *code, long index,
                           const char *detail_code)
{
    char *b = pack_body(action, parent, children);
    refused_body_detail(f, key, b, status, code, index, detail_code);
    free(b);
}

/* ---- SSCC pools ------------------------------------------------------------------------ */

static int sscc_ok(const char *s, const char *prefix)
{
    px_err e;
    return gs1_sscc_check_prefix(s, prefix, &e) == PX_OK;
}

/* REQ-SSCC-2, REQ-SSCC-3, REQ-SSCC-4: a sequential pool hands out disjoint blocks of valid
 * SSCCs, each unique. */
static void test_aggregation__sscc_allocation_sequential(void **state)
{
    fixture *f = *state;
    json_t *j = px_test_call(&f->env, "POST", "/v1/sscc-allocations", f->mah.key,
                             "{\"count\":5,\"extension_digit\":3}", 202);
    assert_string_equal(px_test_str(j, "status"), "completed");
    assert_int_equal(px_test_int(j, "total"), 5);
    assert_string_equal(px_test_str(j, "company_prefix"), "0355154");
    char path[160];
    snprintf(path, sizeof(path), "/v1/sscc-allocations/%s/ssccs?first=3",
             px_test_str(j, "allocation_id"));
    json_t *p = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    json_t *items = json_object_get(p, "items");
    assert_int_equal(json_array_size(items), 3);
    /* Serial references 0, 1, 2 of extension digit 3, each with its check digit. */
    assert_string_equal(px_test_str(json_array_get(items, 0), "sscc"), "303551540000000002");
    assert_string_equal(px_test_str(json_array_get(items, 0), "state"), "allocated");
    assert_true(sscc_ok(px_test_str(json_array_get(items, 2), "sscc"), "0355154"));
    char next[200];
    assert_int_equal(px_test_next_page(p, path, next, sizeof(next)), 1);
    json_decref(p);
    p = px_test_call(&f->env, "GET", next, f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(p, "items")), 2);
    json_decref(p);
    /* The job is there and completed. */
    snprintf(path, sizeof(path), "/v1/jobs/%s", px_test_str(j, "job_id"));
    json_t *job = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(job, "status"), "completed");
    json_decref(job);
    json_decref(j);
    /* The next block follows on; the CMO allocates from its MAH's prefix. */
    j = px_test_call(&f->env, "POST", "/v1/sscc-allocations", f->cmo.key,
                     "{\"count\":2,\"extension_digit\":3}", 202);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM sscc WHERE allocation_id = '%s' AND "
                    "sscc IN ('303551540000000057', '303551540000000064') AND "
                    "org_id = '%s' AND tenant_id = '%s'",
                    px_test_str(j, "allocation_id"), f->cmo.org, f->mah.org);
    /* Another MAH's CMO-less allocation never reads it. */
    snprintf(path, sizeof(path), "/v1/sscc-allocations/%s/ssccs", px_test_str(j, "allocation_id"));
    px_test_expect(&f->env, "GET", path, f->mah2.key, NULL, 404, "not_found");
    json_decref(j);
    px_expect_count(&f->env, 7,
                    "SELECT count(DISTINCT sscc) FROM sscc WHERE "
                    "sscc LIKE '3%%'");
}

static void test_aggregation__sscc_allocation_random_and_refusals(void **state)
{
    fixture *f = *state;
    json_t *j = px_test_call(&f->env, "POST", "/v1/sscc-allocations", f->mah.key,
                             "{\"count\":200,\"extension_digit\":7,\"strategy\":\"random\"}", 202);
    px_expect_count(&f->env, 200,
                    "SELECT count(*) FROM sscc WHERE allocation_id = '%s' AND sscc "
                    "LIKE '70355154%%'",
                    px_test_str(j, "allocation_id"));
    /* Random, not the sequence's next block: the references spread over the 10^9 of the
     * prefix (the chance that even 10 of 200 fall below 1000 is nil), and the sequence of
     * (0355154, 7) is not moved. */
    if (px_count_of(&f->env,
                    "SELECT count(*) FROM sscc WHERE allocation_id = '%s' AND "
                    "substr(sscc, 9, 9)::bigint < 1000",
                    px_test_str(j, "allocation_id")) >= 10)
        fail_msg("a random allocation handed out a block of low references");
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM sscc_sequence WHERE company_prefix = '0355154' AND "
                    "extension_digit = 7 AND next_ref > 0");
    json_decref(j);
    /* A prefix that is not the caller's: 404; a bad count or digit: 422. */
    px_test_expect(&f->env, "POST", "/v1/sscc-allocations", f->mah2.key,
                   "{\"count\":1,\"company_prefix\":\"0355154\"}", 404, "unknown_company_prefix");
    px_test_expect_field(&f->env, "POST", "/v1/sscc-allocations", f->mah.key, "{\"count\":100001}",
                         "count", NULL);
    px_test_expect_field(&f->env, "POST", "/v1/sscc-allocations", f->mah.key,
                         "{\"count\":1,\"extension_digit\":10}", "extension_digit", NULL);
    px_test_expect(&f->env, "POST", "/v1/sscc-allocations", f->mah.key,
                   "{\"count\":1,\"strategy\":\"odd\"}", 422, "validation_error");
    /* An aggregation's action is one of its table's, and the refusal lists them. */
    json_t *e =
        px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key,
                     "{\"action\":\"move\",\"parent\":{\"sscc\":\"003551540000010017\"}}", 422);
    px_expect_detail(e, 0, -1, NULL, "action");
    assert_string_equal(px_test_str(json_array_get(px_test_details(e), 0), "message"),
                        "action 'move' is not one of pack, unpack or repack");
    json_decref(e);
}

/* REQ-POLICY-3: an auditor writes nothing; its refusal names what was asked (a packing or an
 * unpacking), not another action that shares its permission. */
static void test_aggregation__auditor_refusal_names_packing(void **state)
{
    fixture *f = *state;
    char auditor[64];
    px_test_key(&f->env, f->mah.org, "auditor", auditor);
    json_t *j = px_test_call(&f->env, "POST", "/v1/aggregations", auditor,
                             "{\"action\":\"unpack\",\"parent\":{\"sscc\":\"003551540000010017\"},"
                             "\"children\":[]}",
                             403);
    json_t *e = json_object_get(j, "error");
    assert_string_equal(px_test_str(e, "code"), "forbidden_role");
    assert_string_equal(px_test_str(e, "message"), "role 'auditor' may not pack or unpack packs");
    json_decref(j);
}

/* ---- packing --------------------------------------------------------------------------- */

static void commission(fixture *f, const char *batch, const char *serials)
{
    px_test_commission(&f->env, f->mah.key, GTIN, batch, "491231", serials);
}

#define SGTIN(s) "{\"gtin\":\"" GTIN "\",\"serial\":\"" s "\"}"
#define BOX(s) "{\"sscc\":\"" s "\"}"

/* REQ-AGG-4: DOMAIN-2.md §10.8 — 2 cases of 3 packs on one pallet give exactly its three
 * AggregationEvents (and the SSCCs' commissioning events). */
static void test_aggregation__worked_example_events(void **state)
{
    fixture *f = *state;
    commission(f, "LOT1", "[\"SN1001\",\"SN1002\",\"SN1003\",\"SN1004\",\"SN1005\",\"SN1006\"]");
    json_t *j = pack(f, f->mah.key, "pack", CASE1,
                     "[" SGTIN("SN1001") "," SGTIN("SN1002") "," SGTIN("SN1003") "]", 201);
    assert_int_equal(px_test_int(j, "children"), 3);
    char ev1[40];
    snprintf(ev1, sizeof(ev1), "%s", px_test_str(j, "event_id"));
    json_decref(j);
    json_decref(pack(f, f->mah.key, "pack", CASE2,
                     "[" SGTIN("SN1004") "," SGTIN("SN1005") "," SGTIN("SN1006") "]", 201));
    json_decref(pack(f, f->mah.key, "pack", PALLET, "[" BOX(CASE1) "," BOX(CASE2) "]", 201));
    /* The three packing events, structurally: parentID, childEPCs in order, action, bizStep,
     * disposition, read point and business location. */
    static const char *const want[] = {
        "urn:epc:id:sscc:0355154.0000000101|urn:epc:id:sgtin:0355154.094495.SN1001,"
        "urn:epc:id:sgtin:0355154.094495.SN1002,urn:epc:id:sgtin:0355154.094495.SN1003|ADD|"
        "packing|in_progress|urn:epc:id:sgln:0355154.00000.0|urn:epc:id:sgln:0355154.00000.0",
        "urn:epc:id:sscc:0355154.0000000102|urn:epc:id:sgtin:0355154.094495.SN1004,"
        "urn:epc:id:sgtin:0355154.094495.SN1005,urn:epc:id:sgtin:0355154.094495.SN1006|ADD|"
        "packing|in_progress|urn:epc:id:sgln:0355154.00000.0|urn:epc:id:sgln:0355154.00000.0",
        "urn:epc:id:sscc:0355154.1000000201|urn:epc:id:sscc:0355154.0000000101,"
        "urn:epc:id:sscc:0355154.0000000102|ADD|packing|in_progress|"
        "urn:epc:id:sgln:0355154.00000.0|urn:epc:id:sgln:0355154.00000.0",
    };
    char got[1024];
    for (int i = 0; i < 3; i++) {
        px_sql_textf(
            &f->env, got, sizeof(got),
            "SELECT concat_ws('|', parent_id, array_to_string(epcs, ','), action, biz_step, "
            "disposition, read_point, biz_location) FROM container_event WHERE type = "
            "'AggregationEvent' AND tenant_id = '%s' ORDER BY seq OFFSET %d LIMIT 1",
            f->mah.org, i);
        assert_string_equal(got, want[i]);
    }
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE id = '%s' AND "
                    "event_hash LIKE 'ni:///sha-256;%%' AND aggregation_id IS NOT NULL",
                    ev1);
    /* Each SSCC commissioned once, by an ObjectEvent that names it alone. */
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM container_event WHERE type = 'ObjectEvent' "
                    "AND action = 'ADD' AND biz_step = 'commissioning' AND "
                    "disposition = 'active' AND cardinality(epcs) = 1 AND epcs[1] IN "
                    "('urn:epc:id:sscc:0355154.0000000101', "
                    "'urn:epc:id:sscc:0355154.0000000102', "
                    "'urn:epc:id:sscc:0355154.1000000201')");
    /* The links, and the external SSCCs registered at their first use (REQ-SSCC-5). */
    px_expect_count(&f->env, 3, "SELECT count(*) FROM serial WHERE parent_sscc = '" CASE1 "'");
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM sscc WHERE parent_sscc = '" PALLET "' AND "
                    "origin = 'external' AND state = 'commissioned'");
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM audit_log WHERE action = "
                    "'aggregation.pack'");
}

/* REQ-AGG-7: the tree of §10.8's pallet, its counts, a pack's parents, and who may see it. */
static void test_aggregation__container_tree_and_parents(void **state)
{
    fixture *f = *state;
    json_t *j = px_test_call(&f->env, "GET", "/v1/containers/" PALLET, f->mah.key, NULL, 200);
    assert_true(json_is_null(json_object_get(j, "parent")));
    assert_string_equal(px_test_str(j, "state"), "commissioned");
    json_t *kids = json_object_get(j, "children");
    assert_int_equal(json_array_size(kids), 2);
    assert_string_equal(px_test_str(json_array_get(kids, 0), "sscc"), CASE1);
    /* Direct children only: the cases' own children are not listed. */
    assert_int_equal(json_array_size(json_object_get(json_array_get(kids, 0), "children")), 0);
    json_t *counts = json_object_get(j, "counts");
    assert_int_equal(px_test_int(counts, "packs"), 6);
    assert_int_equal(px_test_int(counts, "containers"), 2);
    json_t *levels = json_object_get(counts, "levels");
    assert_int_equal(json_array_size(levels), 2);
    assert_int_equal(px_test_int(json_array_get(levels, 0), "containers"), 2);
    assert_int_equal(px_test_int(json_array_get(levels, 1), "packs"), 6);
    json_t *bb = json_array_get(json_object_get(counts, "by_batch"), 0);
    assert_string_equal(px_test_str(bb, "batch"), "LOT1");
    assert_int_equal(px_test_int(bb, "packs"), 6);
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/containers/" PALLET "?depth=all", f->mah.key, NULL, 200);
    json_t *case2 = json_array_get(json_object_get(j, "children"), 1);
    assert_string_equal(px_test_str(case2, "sscc"), CASE2);
    json_t *packs = json_object_get(case2, "children");
    assert_int_equal(json_array_size(packs), 3);
    assert_string_equal(px_test_str(json_array_get(packs, 0), "serial"), "SN1004");
    assert_string_equal(px_test_str(json_array_get(packs, 0), "state"), "commissioned");
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/containers/" CASE1, f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "parent"), PALLET);
    json_decref(j);
    /* The pack's chain up to the top container, innermost first. */
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/SN1002", f->mah.key, NULL, 200);
    json_t *pa = json_object_get(j, "parents");
    assert_int_equal(json_array_size(pa), 2);
    assert_string_equal(json_string_value(json_array_get(pa, 0)), CASE1);
    assert_string_equal(json_string_value(json_array_get(pa, 1)), PALLET);
    json_decref(j);
    /* Another MAH, and a CMO that does not hold the pallet: 404. */
    px_test_expect(&f->env, "GET", "/v1/containers/" PALLET, f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/containers/" PALLET, f->cmo.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/containers/103551540000002018", f->mah.key, NULL, 404,
                   "not_found");
}

/* One label from the route, decoded by ZXingReader (Debian zxing-cpp-tools, an outside
 * decoder): its symbology identifier and bytes must be want_id and "00" + sscc. */
static void label_decodes(fixture *f, const char *sscc, const char *query, const char *ext,
                          const char *want_id)
{
    char path[160], file[96], cmd[512], out[4096], want[64];
    snprintf(path, sizeof(path), "/v1/containers/%s/label.%s%s", sscc, ext, query);
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, !strcmp(ext, "png") ? "image/png" : "image/svg+xml");
    snprintf(file, sizeof(file), "/tmp/packid-label-%d.%s", (int)getpid(), ext);
    FILE *fp = fopen(file, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(r.body, 1, r.len, fp), r.len);
    fclose(fp);
    px_http_resp_free(&r);
    if (!strcmp(ext, "svg")) { /* ZXingReader reads raster images: rasterise the SVG first */
        snprintf(cmd, sizeof(cmd), "rsvg-convert -o %s.png %s && mv %s.png %s.r.png", file, file,
                 file, file);
        assert_int_equal(px_test_shell(cmd), 0);
        snprintf(cmd, sizeof(cmd), "ZXingReader %s.r.png", file);
    } else {
        snprintf(cmd, sizeof(cmd), "ZXingReader %s", file);
    }
    px_test_read(cmd, 1, out, sizeof(out));
    /* "Bytes: 30 30 …": the hex of "00" + the SSCC. */
    char hex[3 * 20 + 1];
    size_t o = 0;
    snprintf(want, sizeof(want), "00%s", sscc);
    for (size_t i = 0; want[i]; i++)
        o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%s%02X", i ? " " : "", want[i]);
    if (!strstr(out, want_id) || !strstr(out, hex))
        fail_msg("%s: want %s and bytes %s, ZXingReader said:\n%s", path, want_id, hex, out);
    snprintf(cmd, sizeof(cmd), "rm -f %s %s.r.png", file, file);
    px_test_shell(cmd);
}

/* REQ-LABEL-1: the container's logistic label over HTTP, GS1-128 by default and GS1 DataMatrix
 * on request, PNG and SVG, each read back by an outside decoder as AI (00) and the SSCC; a
 * container the caller may not see has no label. */
static void test_aggregation__labels_decode(void **state)
{
    fixture *f = *state;
    label_decodes(f, PALLET, "", "png", "]C1");
    label_decodes(f, CASE1, "?module_px=3", "svg", "]C1");
    label_decodes(f, PALLET, "?symbology=datamatrix", "png", "]d2");
    label_decodes(f, CASE2, "?symbology=datamatrix", "svg", "]d2");
    px_test_expect(&f->env, "GET", "/v1/containers/" PALLET "/label.png", f->mah2.key, NULL, 404,
                   "not_found");
    px_test_expect(&f->env, "GET", "/v1/containers/" PALLET "/label.png?symbology=qr", f->mah.key,
                   NULL, 400, "bad_request");
}

#define SHIP_TX                                                                                    \
    ",\"market\":\"US\",\"ship_to\":{\"owning_party\":\"0614141000005\",\"location\":"             \
    "\"0614141000012\",\"prefix_length\":7},\"transaction\":{\"type\":\"po\",\"id\":\"PO-1\"}}"

/* Releases by body (want packs released), then fetches the release's DSCSA report and checks
 * it against the EPCIS 1.2 XSD; the caller frees doc. */
static void release_report(fixture *f, const char *body, long released, px_http_resp *doc)
{
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201);
    assert_int_equal(px_test_int(j, "released"), released);
    char path[160];
    snprintf(path, sizeof(path), "/v1/reports/%s/document", px_test_str(j, "report_id"));
    json_decref(j);
    px_http(&f->env, doc, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(doc->status, 200);
    px_test_xsd_valid(doc->body, doc->len);
}

/* How many of doc's events name parent (an EPC URI) as their parentID. */
static int parent_ids(const px_http_resp *doc, const char *parent)
{
    char tag[128];
    snprintf(tag, sizeof(tag), "<parentID>%s</parentID>", parent);
    return px_occurrences(doc->body, tag);
}

/* REQ-AGG-8: releasing the pallet releases every pack below it in one request, and nothing
 * else; a container holding a pack that cannot move refuses the whole request, listing it. */
static void test_aggregation__shipping_a_pallet(void **state)
{
    fixture *f = *state;
    commission(f, "LOT1", "[\"SN1007\",\"SN2001\",\"SN2002\"]");
    commission(f, "LOT9", "[\"SN9001\"]");
    json_decref(pack(f, f->mah.key, "pack", "003551540000008014",
                     "[" SGTIN("SN2001") "," SGTIN("SN2002") "]", 201));
    json_decref(pack(f, f->mah.key, "pack", "003551540000008021", "[" SGTIN("SN9001") "]", 201));
    /* The case is decommissioned with what it holds (a pack decommissioned on its own would
     * leave it, REQ-AGG-10). */
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"003551540000008014\"],"
                             "\"reason\":\"damaged\"}",
                             200));
    static const char *const rows[] = {"serial WHERE state = 'released'",
                                       "sscc WHERE state = 'released'", "market_release", NULL};
    /* A case with a decommissioned pack, a case of another batch, an unknown container. */
    static const struct {
        const char *ssccs, *code, *detail;
        long status;
    } bad[] = {
        {"[\"003551540000008014\"]", "invalid_state", "invalid_state", 409},
        {"[\"" PALLET "\",\"003551540000008021\"]", "invalid_state", "other_batch", 409},
        {"[\"" PALLET "\",\"003551540000009011\"]", "not_found", "not_found", 404},
    };
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        char body[512];
        snprintf(body, sizeof(body),
                 "{\"gtin\":\"" GTIN "\",\"batch\":\"LOT1\",\"ssccs\":%s" SHIP_TX, bad[i].ssccs);
        json_t *j = px_test_refused_answer(&f->env, rows, "POST", "/v1/releases", f->mah.key, body,
                                           NULL, bad[i].status, bad[i].code);
        px_expect_detail(j, 0, -1, bad[i].detail, NULL);
        json_decref(j);
    }
    /* REQ-AGG-9: the DSCSA report carries the pallet's packing events with their parentIDs
     * (the receiver infers the contents, DOMAIN-2.md §10.5), and validates against the XSD. */
    px_http_resp doc;
    release_report(
        f, "{\"gtin\":\"" GTIN "\",\"batch\":\"LOT1\",\"ssccs\":[\"" PALLET "\"]" SHIP_TX, 6, &doc);
    assert_int_equal(px_occurrences(doc.body, "<AggregationEvent>"), 3);
    assert_int_equal(parent_ids(&doc, "urn:epc:id:sscc:0355154.1000000201"), 1);
    assert_int_equal(parent_ids(&doc, "urn:epc:id:sscc:0355154.0000000101"), 1);
    assert_int_equal(px_occurrences(doc.body, "<epc>urn:epc:id:sscc:0355154.0000000102</epc>"),
                     2); /* its commissioning, and the pallet's childEPCs */
    px_http_resp_free(&doc);
    px_expect_count(&f->env, 6,
                    "SELECT count(*) FROM serial WHERE state = 'released' "
                    "AND serial LIKE 'SN100%%' AND parent_sscc IS NOT NULL");
    /* Nothing else: SN1007 of the same batch, outside the pallet, stays. */
    px_expect_count(&f->env, 6, "SELECT count(*) FROM serial WHERE state = 'released'");
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM sscc WHERE state = 'released' "
                    "AND sscc IN ('" PALLET "', '" CASE1 "', '" CASE2 "')");
    /* Released: the pallet cannot take more packs. */
    px_test_expect(&f->env, "POST", "/v1/aggregations", f->mah.key,
                   "{\"action\":\"pack\",\"parent\":{\"sscc\":\"" PALLET
                   "\"},\"children\":[" SGTIN("SN1007") "]}",
                   409, "invalid_state");
}

/* REQ-AGG-8: decommissioning a case by its SSCC decommissions every pack it holds, and it. */
static void test_aggregation__decommission_a_case(void **state)
{
    fixture *f = *state;
    commission(f, "LOT5", "[\"D1\",\"D2\"]");
    json_decref(pack(f, f->mah.key, "pack", "003551540000010017",
                     "[" SGTIN("D1") "," SGTIN("D2") "]", 201));
    /* The CMO never decommissions a shipment; an unknown container is not found. */
    px_test_expect(&f->env, "POST", "/v1/decommissions", f->cmo.key,
                   "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"003551540000010017\"],"
                   "\"reason\":\"damaged\"}",
                   403, "forbidden_role");
    px_test_expect(&f->env, "POST", "/v1/decommissions", f->mah.key,
                   "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"103551540000011011\"],"
                   "\"reason\":\"destroyed\"}",
                   404, "not_found");
    json_t *j = px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"ssccs\":[\"003551540000010017\"],"
                             "\"reason\":\"destroyed\"}",
                             200);
    assert_int_equal(px_test_int(j, "decommissioned"), 2);
    json_decref(j);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM serial WHERE serial IN ('D1', "
                    "'D2') AND state = 'decommissioned' AND reason = "
                    "'destroyed'");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sscc WHERE sscc = "
                    "'003551540000010017' AND state = 'decommissioned'");
}

/* REQ-AGG-1: at most 100,000 children per request, one parent or several; one more is
 * refused before any SQL, naming the field, by the one rule (px_svc_agg_children_check). */
static void test_aggregation__too_many_children(void **state)
{
    fixture *f = *state;
    size_t n = 100001, cap = n * 32 + 256;
    char *b = malloc(cap);
    static const char *const heads[] = {
        "{\"action\":\"pack\",\"parent\":{\"sscc\":\"003551540000010017\"},\"children\":[",
        "{\"action\":\"pack\",\"aggregations\":[{\"parent\":{\"sscc\":\"003551540000010017\"},"
        "\"children\":["};
    static const char *const tails[] = {"]}", "]}]}"};
    for (int k = 0; k < 2; k++) {
        size_t off = (size_t)snprintf(b, cap, "%s", heads[k]);
        for (size_t i = 0; i < n; i++)
            off += (size_t)snprintf(b + off, cap - off, "%s{\"sscc\":\"003551540000003019\"}",
                                    i ? "," : "");
        snprintf(b + off, cap - off, "%s", tails[k]);
        json_t *j = px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                           f->mah.key, b, NULL, 413, "too_many_children");
        px_expect_detail(j, 0, -1, NULL, "children");
        json_decref(j);
    }
    free(b);
}

/* REQ-AGG-2, REQ-AGG-3, REQ-AGG-5: a cycle, a double parent, a decommissioned child, another
 * tenant's child, a duplicate: refused with the child's index and code, and nothing changed. */
static void test_aggregation__rules_refuse_and_change_nothing(void **state)
{
    fixture *f = *state;
    commission(f, "LOT2", "[\"R1\",\"R2\",\"R3\"]");
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"serials\":[\"R3\"],"
                             "\"reason\":\"damaged\"}",
                             200));
    json_decref(pack(f, f->mah.key, "pack", "003551540000003019", "[" SGTIN("R1") "]", 201));
    json_decref(
        pack(f, f->mah.key, "pack", "103551540000004013", "[" BOX("003551540000003019") "]", 201));
    /* The pallet into its own case. */
    refused_detail(f, f->mah.key, "pack", "003551540000003019",
                   "[" SGTIN("R2") "," BOX("103551540000004013") "]", 409, "aggregation_refused", 1,
                   "cycle");
    /* R1 is already in a case. */
    refused_detail(f, f->mah.key, "pack", "003551540000005013", "[" SGTIN("R2") "," SGTIN("R1") "]",
                   409, "aggregation_refused", 1, "already_packed");
    /* R3 is decommissioned. */
    refused_detail(f, f->mah.key, "pack", "003551540000005013", "[" SGTIN("R3") "]", 409,
                   "aggregation_refused", 0, "invalid_state");
    /* Another tenant's commissioned pack, and an unknown one, answer not_found (the pack
     * exists: a MAH's packing reads only its own products' packs); so does the other MAH's
     * view of this MAH's container. */
    px_test_commissioned_sql(&f->env, PX_TEST_OTHER_GTIN, "LOT-O", "751231", "X", 1, 1,
                             f->mah2.org);
    refused_detail(f, f->mah.key, "pack", "003551540000005013",
                   "[" SGTIN("R2") ",{\"gtin\":\"" PX_TEST_OTHER_GTIN "\",\"serial\":\"X1\"}]", 409,
                   "aggregation_refused", 1, "not_found");
    refused_detail(f, f->mah.key, "pack", "003551540000005013",
                   "[" SGTIN("R2") ",{\"gtin\":\"" PX_TEST_OTHER_GTIN "\",\"serial\":\"X9\"}]", 409,
                   "aggregation_refused", 1, "not_found");
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM serial WHERE gtin = '" PX_TEST_OTHER_GTIN
                    "' AND parent_sscc IS NOT NULL");
    refused_detail(f, f->mah.key, "pack", "003551540000005013", "[" SGTIN("R2") "," SGTIN("R2") "]",
                   409, "aggregation_refused", 1, "duplicate");
    /* The other MAH packing into this MAH's container is told what it is told of an SSCC of
     * this prefix nobody numbered (REQ-SSCC-6): the container's existence does not show. */
    const char *const theirs[] = {"003551540000003019", "003551540000099012"};
    char *b;
    for (size_t i = 0; i < PX_COUNT(theirs); i++) {
        b = pack_body("pack", theirs[i], "[" SGTIN("R2") "]");
        px_test_refused(&f->env, packing_rows, "POST", "/v1/aggregations", f->mah2.key, b, NULL,
                        404, "unknown_company_prefix");
        free(b);
    }
    px_expect_count(&f->env, 0, "SELECT count(*) FROM sscc WHERE sscc = '003551540000099012'");
    /* A parent of a prefix nobody here owns (REQ-SSCC-6: said so), a bad check digit: refused
     * before anything. */
    b = pack_body("pack", "009999990000000019", "[" SGTIN("R2") "]");
    px_test_refused(&f->env, packing_rows, "POST", "/v1/aggregations", f->mah.key, b, NULL, 404,
                    "unknown_company_prefix");
    free(b);
    px_test_expect_field(&f->env, "POST", "/v1/aggregations", f->mah.key,
                         "{\"action\":\"pack\",\"parent\":{\"sscc\":\"003551540000003018\"},"
                         "\"children\":[" SGTIN("R2") "]}",
                         "parent.sscc", "invalid_check_digit");
}

/* Unpacking listed children, then everything, then repacking moves children between cases
 * with a DELETE on the old parent and an ADD on the new. */
static void test_aggregation__unpack_then_repack(void **state)
{
    fixture *f = *state;
    commission(f, "LOT3", "[\"U1\",\"U2\",\"U3\"]");
    json_decref(pack(f, f->mah.key, "pack", "003551540000006010",
                     "[" SGTIN("U1") "," SGTIN("U2") "," SGTIN("U3") "]", 201));
    json_t *j = pack(f, f->mah.key, "unpack", "003551540000006010", "[" SGTIN("U2") "]", 201);
    assert_int_equal(px_test_int(j, "children"), 1);
    json_decref(j);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM serial WHERE parent_sscc = "
                    "'003551540000006010'");
    /* U2 is no longer in it: unpacking it again is refused. */
    refused_detail(f, f->mah.key, "unpack", "003551540000006010", "[" SGTIN("U2") "]", 409,
                   "unpack_refused", 0, "not_in_parent");
    /* Repack U1 into a new case: DELETE on the old one, ADD on the new one. */
    j = pack(f, f->mah.key, "repack", "003551540000007017", "[" SGTIN("U1") "," SGTIN("U2") "]",
             201);
    assert_int_equal(px_test_int(j, "children"), 2);
    char agg[40];
    snprintf(agg, sizeof(agg), "%s", px_test_str(j, "aggregation_id"));
    json_decref(j);
    char got[512];
    px_sql_textf(&f->env, got, sizeof(got),
                 "SELECT string_agg(concat_ws('|', type, action, biz_step, parent_id, "
                 "array_to_string(epcs, ',')), ';' ORDER BY seq) FROM container_event WHERE "
                 "aggregation_id = '%s'",
                 agg);
    assert_string_equal(got,
                        "ObjectEvent|ADD|commissioning|urn:epc:id:sscc:0355154.0000000701;"
                        "AggregationEvent|DELETE|unpacking|urn:epc:id:sscc:0355154.0000000601|"
                        "urn:epc:id:sgtin:0355154.094495.U1;"
                        "AggregationEvent|ADD|packing|urn:epc:id:sscc:0355154.0000000701|"
                        "urn:epc:id:sgtin:0355154.094495.U1,urn:epc:id:sgtin:0355154.094495.U2");
    /* Empty the first case: one DELETE with no children (DOMAIN-2.md §10.3). */
    j = px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key,
                     "{\"action\":\"unpack\",\"parent\":{\"sscc\":\"003551540000006010\"}}", 201);
    assert_int_equal(px_test_int(j, "children"), 1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE id = '%s' AND action "
                    "= 'DELETE' AND cardinality(epcs) = 0",
                    px_test_str(j, "event_id"));
    json_decref(j);
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM serial WHERE parent_sscc = "
                    "'003551540000006010'");
    /* Emptying it again is refused, nothing recorded: a DELETE of no children says the parent
     * was emptied, which it was not (it held nothing). */
    json_decref(px_test_refused_answer(
        &f->env, packing_rows, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"unpack\",\"parent\":{\"sscc\":\"003551540000006010\"}}", NULL, 409,
        "unpack_refused"));
}

/* ---- many parents in one request ------------------------------------------------------- */

#define BATCH_CASE_A "003551540000011014"
#define BATCH_CASE_B "003551540000011021"
#define BATCH_PALLET "103551540000012018"

/* The first detail of a refused request with several parents: both indexes and the code. */
static void batch_refused(fixture *f, const char *body, long status, const char *code,
                          long parent_index, long index, const char *detail_code)
{
    json_t *j = px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                       f->mah.key, body, NULL, status, code);
    if (detail_code) {
        char field[64];
        snprintf(field, sizeof(field), "aggregations[%ld].children[%ld]", parent_index, index);
        px_expect_detail(j, 0, index, detail_code, field);
        assert_int_equal(px_test_int(json_array_get(px_test_details(j), 0), "parent_index"),
                         parent_index);
    }
    json_decref(j);
}

/* REQ-AGG-10: a line reports a run at once — two cases of packs and the pallet that takes
 * them, in one request: one aggregation and one AggregationEvent per parent (DOMAIN-2.md
 * §10.3), the cases commissioned before they go onto the pallet, one audit entry; the
 * pallet's DSCSA report infers its contents and validates against the EPCIS 1.2 XSD. */
static void test_aggregation__many_parents_in_one_request(void **state)
{
    fixture *f = *state;
    commission(f, "LOT5", "[\"M1\",\"M2\",\"M3\",\"M4\",\"M5\"]");
    long long packings =
        px_count_of(&f->env, "SELECT count(*) FROM audit_log WHERE action = 'aggregation.pack'");
    json_t *j = px_test_call(
        &f->env, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"pack\",\"aggregations\":["
        "{\"parent\":{\"sscc\":\"" BATCH_CASE_A
        "\"},\"children\":[" SGTIN("M1") "," SGTIN("M2") "," SGTIN(
            "M3") "]},"
                  "{\"parent\":{\"sscc\":\"" BATCH_CASE_B
                  "\"},\"children\":[" SGTIN("M4") "," SGTIN(
                      "M5") "]},"
                            "{\"parent\":{\"sscc\":\"" BATCH_PALLET
                            "\"},\"children\":[" BOX(BATCH_CASE_A) "," BOX(BATCH_CASE_B) "]}]}",
        201);
    assert_int_equal(px_test_int(j, "children"), 7);
    json_t *items = json_object_get(j, "aggregations");
    assert_int_equal(json_array_size(items), 3);
    static const char *const parents[] = {BATCH_CASE_A, BATCH_CASE_B, BATCH_PALLET};
    static const long counts[] = {3, 2, 2};
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(items, i);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(it, "parent"), "sscc")), parents[i]);
        assert_int_equal(px_test_int(it, "children"), counts[i]);
        /* Its event is the ADD of its own parent, in its own aggregation. */
        px_expect_count(&f->env, 1,
                        "SELECT count(*) FROM container_event e JOIN aggregation a "
                        "ON a.id = e.aggregation_id WHERE e.id = '%s' AND "
                        "a.id = '%s' AND e.type = 'AggregationEvent' AND "
                        "e.action = 'ADD' AND e.parent_sscc = '%s' AND "
                        "a.parent_sscc = '%s' AND a.children = %ld",
                        px_test_str(it, "event_id"), px_test_str(it, "aggregation_id"), parents[i],
                        parents[i], counts[i]);
    }
    json_decref(j);
    /* The events in order: each container's commissioning, then its packing. */
    char got[2048];
    px_sql_text(&f->env,
                "SELECT string_agg(concat_ws('|', type, action, biz_step, parent_id, "
                "array_to_string(epcs, ',')), ';' ORDER BY seq) FROM container_event WHERE "
                "aggregation_id IN (SELECT id FROM aggregation WHERE parent_sscc IN ('" BATCH_CASE_A
                "', '" BATCH_CASE_B "', '" BATCH_PALLET "'))",
                got, sizeof(got));
    assert_string_equal(got,
                        "ObjectEvent|ADD|commissioning|urn:epc:id:sscc:0355154.0000001101;"
                        "AggregationEvent|ADD|packing|urn:epc:id:sscc:0355154.0000001101|"
                        "urn:epc:id:sgtin:0355154.094495.M1,urn:epc:id:sgtin:0355154.094495.M2,"
                        "urn:epc:id:sgtin:0355154.094495.M3;"
                        "ObjectEvent|ADD|commissioning|urn:epc:id:sscc:0355154.0000001102;"
                        "AggregationEvent|ADD|packing|urn:epc:id:sscc:0355154.0000001102|"
                        "urn:epc:id:sgtin:0355154.094495.M4,urn:epc:id:sgtin:0355154.094495.M5;"
                        "ObjectEvent|ADD|commissioning|urn:epc:id:sscc:0355154.1000001201;"
                        "AggregationEvent|ADD|packing|urn:epc:id:sscc:0355154.1000001201|"
                        "urn:epc:id:sscc:0355154.0000001101,urn:epc:id:sscc:0355154.0000001102");
    /* One audit entry for the request, not one per parent. */
    px_expect_count(&f->env, packings + 1,
                    "SELECT count(*) FROM audit_log WHERE action = 'aggregation.pack'");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = "
                    "'aggregation.pack' AND details->>'parents' = '3' AND "
                    "details->>'children' = '7'");
    px_expect_count(&f->env, 5,
                    "SELECT count(*) FROM serial WHERE parent_sscc IN ('" BATCH_CASE_A
                    "', '" BATCH_CASE_B "')");
    /* The pallet ships what it holds, and its report lets the receiver infer that. */
    px_http_resp doc;
    release_report(
        f, "{\"gtin\":\"" GTIN "\",\"batch\":\"LOT5\",\"ssccs\":[\"" BATCH_PALLET "\"]" SHIP_TX, 5,
        &doc);
    assert_int_equal(px_occurrences(doc.body, "<AggregationEvent>"), 3);
    assert_int_equal(parent_ids(&doc, "urn:epc:id:sscc:0355154.1000001201"), 1);
    px_http_resp_free(&doc);
}

/* REQ-AGG-10: a request with several parents is refused whole, with the broken child named by
 * its parent's index and its own, and nothing changes; so are a parent listed twice, a child
 * listed under two parents and two parents put into each other. */
static void test_aggregation__many_parents_refused_whole(void **state)
{
    fixture *f = *state;
    commission(f, "LOT6", "[\"N1\",\"N2\",\"N3\"]");
    json_decref(pack(f, f->mah.key, "pack", "003551540000013018", "[" SGTIN("N1") "]", 201));
    /* N1 is packed already: the second parent's second child. */
    batch_refused(f,
                  "{\"action\":\"pack\",\"aggregations\":["
                  "{\"parent\":{\"sscc\":\"003551540000014015\"},\"children\":[" SGTIN(
                      "N2") "]},"
                            "{\"parent\":{\"sscc\":\"003551540000015012\"},\"children\":[" SGTIN(
                                "N3") "," SGTIN("N1") "]}]}",
                  409, "aggregation_refused", 1, 1, "already_packed");
    /* N2 under two parents: the second listing is the duplicate. */
    batch_refused(
        f,
        "{\"action\":\"pack\",\"aggregations\":["
        "{\"parent\":{\"sscc\":\"003551540000014015\"},\"children\":[" SGTIN(
            "N2") "]},"
                  "{\"parent\":{\"sscc\":\"003551540000015012\"},\"children\":[" SGTIN("N2") "]}]}",
        409, "aggregation_refused", 1, 0, "duplicate");
    /* Two containers into each other in one request. */
    batch_refused(f,
                  "{\"action\":\"pack\",\"aggregations\":["
                  "{\"parent\":{\"sscc\":\"003551540000014015\"},\"children\":[" BOX(
                      "003551540000015012") "]},"
                                            "{\"parent\":{\"sscc\":\"003551540000015012\"},"
                                            "\"children\":[" BOX("003551540000014015") "]}]}",
                  409, "aggregation_refused", 0, 0, "cycle");
    /* A bad serial in the second parent's children: 422 before any SQL, both indexes. */
    batch_refused(f,
                  "{\"action\":\"pack\",\"aggregations\":["
                  "{\"parent\":{\"sscc\":\"003551540000014015\"},\"children\":[" SGTIN(
                      "N2") "]},"
                            "{\"parent\":{\"sscc\":\"003551540000015012\"},\"children\":["
                            "{\"gtin\":\"" GTIN "\",\"serial\":\"bad serial\"}]}]}",
                  422, "validation_error", 1, 0, "invalid_character");
    px_test_expect_field(
        &f->env, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"pack\",\"aggregations\":["
        "{\"parent\":{\"sscc\":\"003551540000014015\"},\"children\":[" SGTIN(
            "N2") "]},"
                  "{\"parent\":{\"sscc\":\"003551540000014015\"},\"children\":[" SGTIN("N3") "]}]}",
        "aggregations[1].parent", "duplicate_parent");
    px_test_expect_field(&f->env, "POST", "/v1/aggregations", f->mah.key,
                         "{\"action\":\"pack\",\"aggregations\":[],\"parent\":{\"sscc\":\""
                         "003551540000014015\"}}",
                         "aggregations", "invalid_value");
    /* Nothing of the refused requests stayed: the first parents are still unknown. */
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM sscc WHERE sscc IN "
                    "('003551540000014015', '003551540000015012')");
}

/* ---- cases that carry their own GTIN -------------------------------------------------- */

#define CASE_GTIN "10355154944951" /* the case level of GTIN's product: indicator 1 */
#define CASE_SGTIN(s) "{\"gtin\":\"" CASE_GTIN "\",\"serial\":\"" s "\"}"
#define CASE_PALLET "103551540000016016"

/* REQ-AGG-11: a homogeneous case that carries its own GTIN (an SGTIN of the MAH's case-level
 * GTIN) is a parent: its AggregationEvent's parentID is the case's SGTIN EPC URI and no
 * container is commissioned for it; the pack shows its case, the case its packs; the case goes
 * onto a pallet, and a release of its packs reports both levels, XSD-valid. */
static void test_aggregation__case_with_its_own_gtin(void **state)
{
    fixture *f = *state;
    px_test_product(&f->env, f->mah.key, CASE_GTIN, "US case of 10", "US");
    px_test_product_master(&f->env, CASE_GTIN);
    px_test_commission(&f->env, f->mah.key, CASE_GTIN, "LOTC", "491231", "[\"C1\",\"C2\"]");
    commission(f, "LOTC", "[\"K1\",\"K2\",\"K3\"]");
    json_t *j = px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key,
                             "{\"action\":\"pack\",\"parent\":" CASE_SGTIN(
                                 "C1") ",\"children\":[" SGTIN("K1") "," SGTIN("K2") "]}",
                             201);
    char ev[40];
    snprintf(ev, sizeof(ev), "%s", px_test_str(j, "event_id"));
    json_decref(j);
    char got[512];
    px_sql_textf(&f->env, got, sizeof(got),
                 "SELECT concat_ws('|', type, action, biz_step, disposition, parent_id, "
                 "array_to_string(epcs, ','), parent_gtin, parent_serial, coalesce(parent_sscc, "
                 "'none')) FROM container_event WHERE id = '%s'",
                 ev);
    assert_string_equal(got, "AggregationEvent|ADD|packing|in_progress|"
                             "urn:epc:id:sgtin:0355154.194495.C1|"
                             "urn:epc:id:sgtin:0355154.094495.K1,"
                             "urn:epc:id:sgtin:0355154.094495.K2|" CASE_GTIN "|C1|none");
    /* The case was commissioned as a pack: nothing more is commissioned for it. */
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM container_event WHERE "
                    "epcs[1] LIKE '%%.194495.C1'");
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/K1", f->mah.key, NULL, 200);
    json_t *c = json_object_get(j, "case");
    assert_string_equal(px_test_str(c, "gtin"), CASE_GTIN);
    assert_string_equal(px_test_str(c, "serial"), "C1");
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/packs/" CASE_GTIN "/C1", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "children")), 2);
    json_decref(j);
    /* The case onto a pallet: the pack's parents reach the pallet through its case. */
    json_decref(pack(f, f->mah.key, "pack", CASE_PALLET, "[" CASE_SGTIN("C1") "]", 201));
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/K2", f->mah.key, NULL, 200);
    json_t *pa = json_object_get(j, "parents");
    assert_int_equal(json_array_size(pa), 1);
    assert_string_equal(json_string_value(json_array_get(pa, 0)), CASE_PALLET);
    json_decref(j);
    /* A release of the case's packs reports the case's packing and the pallet's (DOMAIN-2.md
     * §10.5: the receiver infers), against the EPCIS 1.2 XSD. */
    px_http_resp doc;
    release_report(f,
                   "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTC\",\"serials\":[\"K1\",\"K2\"]" SHIP_TX,
                   2, &doc);
    assert_int_equal(parent_ids(&doc, "urn:epc:id:sgtin:0355154.194495.C1"), 1);
    assert_int_equal(parent_ids(&doc, "urn:epc:id:sscc:0355154.1000001601"), 1);
    px_http_resp_free(&doc);
}

/* Commissions cases (serials of CASE_GTIN) and packs (of GTIN) into lot, then packs as
 * pack_body asks (201): a case that holds packs. */
static void case_holding(fixture *f, const char *lot, const char *cases, const char *packs,
                         const char *pack_body)
{
    px_test_commission(&f->env, f->mah.key, CASE_GTIN, lot, "491231", cases);
    commission(f, lot, packs);
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key, pack_body, 201));
}

/* The first detail's message of a 409 invalid_state answer (caller frees the answer). */
static const char *refused_message(json_t *j)
{
    assert_string_equal(px_test_str(json_object_get(j, "error"), "code"), "invalid_state");
    return px_test_str(json_array_get(px_test_details(j), 0), "message");
}

/* REQ-AGG-14/15: a case that carries its own GTIN does not move by its own serial while it
 * holds packs still in use. Released alone it shipped a case whose packs stayed commissioned;
 * destroyed, it held active packs that could still be released and that no unpack could take
 * out (found by driving the server from outside). Both refused with nothing changed, naming
 * what it holds; once its packs have left it, it moves. */
static void test_aggregation__case_moves_by_serial_only_empty(void **state)
{
    fixture *f = *state;
    case_holding(f, "LOTE", "[\"E1\"]", "[\"EK1\",\"EK2\"]",
                 "{\"action\":\"pack\",\"parent\":" CASE_SGTIN("E1") ",\"children\":[" SGTIN(
                     "EK1") "," SGTIN("EK2") "]}");
    json_t *j = px_test_call(
        &f->env, "POST", "/v1/releases", f->mah.key,
        "{\"gtin\":\"" CASE_GTIN "\",\"batch\":\"LOTE\",\"serials\":[\"E1\"]" SHIP_TX, 409);
    assert_non_null(strstr(refused_message(j), "holds 2 packs still commissioned"));
    json_decref(j);
    j = px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key,
                     "{\"gtin\":\"" CASE_GTIN "\",\"serials\":[\"E1\"],\"reason\":\"destroyed\"}",
                     409);
    assert_non_null(strstr(refused_message(j), "holds 2 packs not decommissioned"));
    json_decref(j);
    px_expect_count(&f->env, 3,
                    "SELECT count(*) FROM serial WHERE serial IN ('E1', 'EK1', 'EK2') AND state "
                    "= 'commissioned'");
    json_decref(px_test_call(
        &f->env, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"unpack\",\"parent\":" CASE_SGTIN("E1") ",\"children\":[]}", 201));
    json_decref(px_test_call(
        &f->env, "POST", "/v1/decommissions", f->mah.key,
        "{\"gtin\":\"" CASE_GTIN "\",\"serials\":[\"E1\"],\"reason\":\"destroyed\"}", 200));
}

/* The message of a 409 invalid_state answer without details (caller frees the answer). */
static const char *batch_refusal(json_t *j)
{
    json_t *e = json_object_get(j, "error");
    assert_string_equal(px_test_str(e, "code"), "invalid_state");
    return px_test_str(e, "message");
}

/* REQ-AGG-14/15 for a whole batch of a case GTIN (no serials): a release would ship the
 * batch's cases without the packs still commissioned in them, a recall would take cases out of
 * use around packs in use. Both refused (a dry run too) with nothing changed, the batch not
 * marked recalled; once the case is empty the batch moves. */
static void test_aggregation__case_batch_moves_only_empty(void **state)
{
    fixture *f = *state;
    case_holding(f, "LOTF", "[\"F1\",\"F2\"]", "[\"FK1\",\"FK2\"]",
                 "{\"action\":\"pack\",\"parent\":" CASE_SGTIN("F1") ",\"children\":[" SGTIN(
                     "FK1") "," SGTIN("FK2") "]}");
    static const char *const release[] = {
        "{\"gtin\":\"" CASE_GTIN "\",\"batch\":\"LOTF\",\"dry_run\":true" SHIP_TX,
        "{\"gtin\":\"" CASE_GTIN "\",\"batch\":\"LOTF\"" SHIP_TX,
    };
    for (size_t i = 0; i < sizeof(release) / sizeof(release[0]); i++) {
        json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, release[i], 409);
        assert_non_null(strstr(batch_refusal(j), "1 cases of batch 'LOTF' hold 2 packs still "
                                                 "commissioned (the first: case 'F1')"));
        json_decref(j);
    }
    json_t *j = px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key,
                             "{\"gtin\":\"" CASE_GTIN "\",\"batch\":\"LOTF\"}", 409);
    assert_non_null(strstr(batch_refusal(j), "1 cases of batch 'LOTF' hold 2 packs not "
                                             "decommissioned (the first: case 'F1')"));
    json_decref(j);
    px_expect_count(&f->env, 4,
                    "SELECT count(*) FROM serial WHERE serial IN ('F1', 'F2', 'FK1', 'FK2') AND "
                    "state = 'commissioned'");
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM batch WHERE batch = 'LOTF' AND recalled_at IS NOT NULL");
    json_decref(px_test_call(
        &f->env, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"unpack\",\"parent\":" CASE_SGTIN("F1") ",\"children\":[]}", 201));
    /* The pack's own history names its packing and unpacking (it named neither). */
    char ops[128];
    px_test_pack_ops(&f->env, f->mah.key, GTIN, "FK1", ops, sizeof(ops));
    assert_string_equal(ops, "commission,pack,unpack");
    j = px_test_call(&f->env, "GET", "/v1/packs/" GTIN "/FK1", f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(json_array_get(json_object_get(j, "events"), 1), "biz_step"),
                        "packing");
    json_decref(j);
    j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, release[1], 201);
    assert_int_equal(json_integer_value(json_object_get(j, "released")), 2);
    json_decref(j);
    json_decref(px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key,
                             "{\"gtin\":\"" CASE_GTIN "\",\"batch\":\"LOTF\"}", 201));
}

/* REQ-AGG-11: what a case that carries its own GTIN refuses, with nothing changed. */
static void test_aggregation__case_refusals(void **state)
{
    fixture *f = *state;
    commission(f, "LOTD", "[\"CD1\",\"CD2\"]");
    px_test_commission(&f->env, f->mah.key, CASE_GTIN, "LOTD", "491231", "[\"C3\"]");
    json_decref(px_test_call(
        &f->env, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"pack\",\"parent\":" CASE_SGTIN("C3") ",\"children\":[" SGTIN("CD1") "]}",
        201));
    static const struct {
        const char *body, *code;
        long index;
        const char *message; /* the detail's, which says why */
    } bad[] = {
        /* CD1 is in C3 already */
        {"{\"action\":\"pack\",\"parent\":" CASE_SGTIN("C2") ",\"children\":[" SGTIN(
             "CD2") "," SGTIN("CD1") "]}",
         "already_packed", 1, "the child is already in container " CASE_GTIN " C3"},
        /* a case into itself, or any case of its GTIN */
        {"{\"action\":\"pack\",\"parent\":" CASE_SGTIN("C2") ",\"children\":[" CASE_SGTIN(
             "C2") "]}",
         "invalid_child", 0,
         "a case holds packs of another GTIN: never a container, nor a pack of its own GTIN"},
        /* a case holds packs, not containers */
        {"{\"action\":\"pack\",\"parent\":" CASE_SGTIN("C2") ",\"children\":[" SGTIN("CD2") "," BOX(
             CASE_PALLET) "]}",
         "invalid_child", 1,
         "a case holds packs of another GTIN: never a container, nor a pack of its own GTIN"},
    };
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        json_t *j =
            px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations", f->mah.key,
                                   bad[i].body, NULL, 409, "aggregation_refused");
        px_expect_detail(j, 0, bad[i].index, bad[i].code, NULL);
        assert_string_equal(px_test_str(json_array_get(px_test_details(j), 0), "message"),
                            bad[i].message);
        json_decref(j);
    }
    /* Another MAH's view of the case, and an unknown case: 404. */
    px_test_refused(
        &f->env, packing_rows, "POST", "/v1/aggregations", f->mah2.key,
        "{\"action\":\"pack\",\"parent\":" CASE_SGTIN("C3") ",\"children\":[" SGTIN("CD2") "]}",
        NULL, 404, "not_found");
    px_test_refused(
        &f->env, packing_rows, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"pack\",\"parent\":" CASE_SGTIN("C9") ",\"children\":[" SGTIN("CD2") "]}",
        NULL, 404, "not_found");
    px_test_expect_field(&f->env, "POST", "/v1/aggregations", f->mah.key,
                         "{\"action\":\"pack\",\"parent\":{\"sscc\":\"" CASE_PALLET "\","
                         "\"gtin\":\"" CASE_GTIN "\"},\"children\":[" SGTIN("CD2") "]}",
                         "parent", "required");
    /* Repacking from one case into another: the DELETE names the case left, by its SGTIN. */
    json_t *j = px_test_call(
        &f->env, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"repack\",\"parent\":" CASE_SGTIN("C2") ",\"children\":[" SGTIN("CD1") "]}",
        201);
    char got[512], sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(concat_ws('|', action, parent_id, array_to_string(epcs, ','), "
             "parent_serial), ';' ORDER BY seq) FROM container_event WHERE aggregation_id = '%s'",
             px_test_str(j, "aggregation_id"));
    json_decref(j);
    px_sql_text(&f->env, sql, got, sizeof(got));
    assert_string_equal(got, "DELETE|urn:epc:id:sgtin:0355154.194495.C3|"
                             "urn:epc:id:sgtin:0355154.094495.CD1|C3;"
                             "ADD|urn:epc:id:sgtin:0355154.194495.C2|"
                             "urn:epc:id:sgtin:0355154.094495.CD1|C2");
}

/* REQ-AGG-13: a case that carries its own GTIN is unpacked like a container (DOMAIN-2.md
 * §10.3): listed packs, then all of them, each request one AggregationEvent DELETE unpacking
 * whose parentID is the case's SGTIN, its aggregation and audit entry; what it refuses changes
 * nothing; the emptied case takes packs again. */
static void test_aggregation__unpack_a_case(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->mah.key, CASE_GTIN, "LOTU", "491231", "[\"C5\"]");
    commission(f, "LOTU", "[\"CU1\",\"CU2\",\"CU3\"]");
    json_decref(
        px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key,
                     "{\"action\":\"pack\",\"parent\":" CASE_SGTIN("C5") ",\"children\":[" SGTIN(
                         "CU1") "," SGTIN("CU2") "," SGTIN("CU3") "]}",
                     201));
    json_t *j = px_test_call(
        &f->env, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"unpack\",\"parent\":" CASE_SGTIN("C5") ",\"children\":[" SGTIN("CU2") "]}",
        201);
    assert_int_equal(px_test_int(j, "children"), 1);
    char got[512], sql[512];
    px_sql_textf(
        &f->env, got, sizeof(got),
        "SELECT concat_ws('|', e.type, e.action, e.biz_step, coalesce(e.disposition, '-'), "
        "e.parent_id, array_to_string(e.epcs, ','), e.read_point, e.parent_gtin, "
        "e.parent_serial, coalesce(e.parent_sscc, 'none'), a.action, a.parent_gtin, "
        "a.parent_serial, coalesce(a.parent_sscc, 'none'), a.children) FROM container_event "
        "e JOIN aggregation a ON a.id = e.aggregation_id WHERE e.id = '%s' AND "
        "e.event_hash LIKE 'ni:///sha-256;%%'",
        px_test_str(j, "event_id"));
    assert_string_equal(got, "AggregationEvent|DELETE|unpacking|-|"
                             "urn:epc:id:sgtin:0355154.194495.C5|"
                             "urn:epc:id:sgtin:0355154.094495.CU2|"
                             "urn:epc:id:sgln:0355154.00000.0|" CASE_GTIN
                             "|C5|none|unpack|" CASE_GTIN "|C5|none|1");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = "
                    "'aggregation.unpack' AND subject = '%s' AND "
                    "details->>'parent_serial' = 'C5' AND details->>'children' = '1'",
                    px_test_str(j, "aggregation_id"));
    json_decref(j);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM serial WHERE parent_gtin = '" CASE_GTIN
                    "' AND parent_serial = 'C5'");
    /* Refused, nothing changed: a pack no longer in the case, another MAH's case, an unknown
     * one, a GTIN with a wrong check digit. */
    refused_body_detail(f, f->mah.key,
                        "{\"action\":\"unpack\",\"parent\":" CASE_SGTIN(
                            "C5") ",\"children\":[" SGTIN("CU1") "," SGTIN("CU2") "]}",
                        409, "unpack_refused", 1, "not_in_parent");
    px_test_refused(&f->env, packing_rows, "POST", "/v1/aggregations", f->mah2.key,
                    "{\"action\":\"unpack\",\"parent\":" CASE_SGTIN("C5") ",\"children\":[]}", NULL,
                    404, "not_found");
    px_test_refused(&f->env, packing_rows, "POST", "/v1/aggregations", f->mah.key,
                    "{\"action\":\"unpack\",\"parent\":" CASE_SGTIN("C99") ",\"children\":[]}",
                    NULL, 404, "not_found");
    px_test_expect_field(&f->env, "POST", "/v1/aggregations", f->mah.key,
                         "{\"action\":\"unpack\",\"parent\":{\"gtin\":\"10355154944952\","
                         "\"serial\":\"C5\"},\"children\":[]}",
                         "parent.gtin", NULL);
    /* Everything: an empty DELETE (§10.3), the case holds nothing. */
    j = px_test_call(&f->env, "POST", "/v1/aggregations", f->mah.key,
                     "{\"action\":\"unpack\",\"parent\":" CASE_SGTIN("C5") ",\"children\":[]}",
                     201);
    assert_int_equal(px_test_int(j, "children"), 2);
    snprintf(sql, sizeof(sql),
             "SELECT concat_ws('|', action, parent_id, coalesce(array_to_string(epcs, ','), "
             "'')) FROM container_event WHERE id = '%s'",
             px_test_str(j, "event_id"));
    json_decref(j);
    px_sql_text(&f->env, sql, got, sizeof(got));
    assert_string_equal(got, "DELETE|urn:epc:id:sgtin:0355154.194495.C5|");
    j = px_test_call(&f->env, "GET", "/v1/packs/" CASE_GTIN "/C5", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "children")), 0);
    json_decref(j);
    json_decref(px_test_call(
        &f->env, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"pack\",\"parent\":" CASE_SGTIN("C5") ",\"children\":[" SGTIN("CU3") "]}",
        201));
    /* A case that is not commissioned is not unpacked: 409 invalid_state, as for packing. */
    px_test_commission(&f->env, f->mah.key, CASE_GTIN, "LOTU", "491231", "[\"C6\"]");
    json_decref(px_test_call(
        &f->env, "POST", "/v1/decommissions", f->mah.key,
        "{\"gtin\":\"" CASE_GTIN "\",\"serials\":[\"C6\"],\"reason\":\"damaged\"}", 200));
    px_test_refused(&f->env, packing_rows, "POST", "/v1/aggregations", f->mah.key,
                    "{\"action\":\"unpack\",\"parent\":" CASE_SGTIN("C6") ",\"children\":[]}", NULL,
                    409, "invalid_state");
}

/* REQ-AGG-6: two packers (the CMO and its MAH) put the same pack into two cases at the same
 * moment: exactly one wins, the other is told already_packed. */
static void test_aggregation__two_packers_race(void **state)
{
    fixture *f = *state;
    for (int round = 0; round < 5; round++) {
        char serial[16], body_a[256], body_b[256], sa[19], sb[19], sql[128];
        snprintf(serial, sizeof(serial), "RACE%d", round);
        snprintf(body_a, sizeof(body_a), "[\"%s\"]", serial);
        px_test_commission(&f->env, f->cmo.key, GTIN, "LOTR", "491231", body_a);
        px_err e;
        assert_int_equal(gs1_sscc_build(sa, 0, "0355154", 9000u + (unsigned)round, &e), PX_OK);
        assert_int_equal(gs1_sscc_build(sb, 0, "0355154", 9100u + (unsigned)round, &e), PX_OK);
        snprintf(body_a, sizeof(body_a),
                 "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[{\"gtin\":\"" GTIN
                 "\",\"serial\":\"%s\"}]}",
                 sa, serial);
        snprintf(body_b, sizeof(body_b),
                 "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[{\"gtin\":\"" GTIN
                 "\",\"serial\":\"%s\"}]}",
                 sb, serial);
        px_test_race_req a = {"POST", "/v1/aggregations", f->cmo.key, body_a, 0, "", "", NULL, ""};
        px_test_race_req b = {"POST", "/v1/aggregations", f->mah.key, body_b, 0, "", "", NULL, ""};
        px_test_race2(&f->env, &a, &b);
        px_test_race_req *loser = px_test_race_loser(&a, &b, 201, round);
        assert_int_equal(loser->status, 409);
        assert_string_equal(loser->code, "aggregation_refused");
        assert_string_equal(loser->detail, "already_packed");
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM serial WHERE serial = '%s' AND "
                 "parent_sscc IS NOT NULL",
                 serial);
        px_expect_count(&f->env, 1, "%s", sql);
    }
    /* The rounds above may run one after the other; here both requests surely overlap: the
     * pack's row is held in another session until both wait for it (each locks its children
     * before it checks them), then let go: one packs, the other then sees it packed. */
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTR", "491231", "[\"RACEH\"]");
    char body_a[256], body_b[256], pa[19], pb[19];
    px_err e;
    assert_int_equal(gs1_sscc_build(pa, 0, "0355154", 9205u, &e), PX_OK);
    assert_int_equal(gs1_sscc_build(pb, 0, "0355154", 9215u, &e), PX_OK);
    snprintf(body_a, sizeof(body_a),
             "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[" SGTIN("RACEH") "]}",
             pa);
    snprintf(body_b, sizeof(body_b),
             "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[" SGTIN("RACEH") "]}",
             pb);
    px_test_race_req a = {"POST", "/v1/aggregations", f->cmo.key, body_a, 0, "", "", NULL, ""};
    px_test_race_req b = {"POST", "/v1/aggregations", f->mah.key, body_b, 0, "", "", NULL, ""};
    px_test_race_held(
        &f->env, "SELECT 1 FROM serial WHERE gtin = '" GTIN "' AND serial = 'RACEH' FOR UPDATE", &a,
        &b);
    px_test_race_req *loser = px_test_race_loser(&a, &b, 201, 5);
    assert_int_equal(loser->status, 409);
    assert_string_equal(loser->detail, "already_packed");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'RACEH' AND parent_sscc IS NOT "
                    "NULL");
}

/* REQ-AGG-3 under concurrency: three requests nest X1 in X3, X2 in X1 and X3 in X2 at the same
 * moment (the three containers held in another session until all three wait): two win, the one
 * that would close the ring is refused as a cycle. Each locked only its own parent and the
 * containers above it, so the three checks ran before any link was committed and all three
 * won, leaving X1, X2, X3 inside one another (found by driving the server from outside). */
static void test_aggregation__three_nestings_race_no_cycle(void **state)
{
    fixture *f = *state;
    for (int round = 0; round < 4; round++) {
        char x[3][19], body[3][256], serial[16], hold[256];
        px_err e;
        for (int i = 0; i < 3; i++) {
            assert_int_equal(
                gs1_sscc_build(x[i], 0, "0355154", 9400u + 10u * (unsigned)round + (unsigned)i, &e),
                PX_OK);
            snprintf(serial, sizeof(serial), "NEST%d%d", round, i);
            snprintf(body[i], sizeof(body[i]), "[\"%s\"]", serial);
            px_test_commission(&f->env, f->cmo.key, GTIN, "LOTN", "491231", body[i]);
            snprintf(body[i], sizeof(body[i]), "[{\"gtin\":\"" GTIN "\",\"serial\":\"%s\"}]",
                     serial);
            json_decref(pack(f, f->mah.key, "pack", x[i], body[i], 201));
        }
        for (int i = 0; i < 3; i++)
            snprintf(body[i], sizeof(body[i]),
                     "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[{\"sscc\":"
                     "\"%s\"}]}",
                     x[i], x[(i + 1) % 3]);
        snprintf(hold, sizeof(hold),
                 "SELECT 1 FROM sscc WHERE sscc IN ('%s', '%s', '%s') FOR SHARE", x[0], x[1], x[2]);
        PGconn *held = px_test_hold(&f->env, hold);
        px_test_async a[3];
        for (int i = 0; i < 3; i++) {
            a[i] = (px_test_async){.env = &f->env,
                                   .method = "POST",
                                   .path = "/v1/aggregations",
                                   .key = f->mah.key,
                                   .body = body[i]};
            px_test_async_start(&a[i]);
        }
        int waited = px_test_wait_row_lock_waiters(&f->env, 3);
        px_test_hold_end(held, NULL);
        int won = 0, cycle = 0;
        for (int i = 0; i < 3; i++) {
            long st = px_test_async_join(&a[i]);
            won += st == 201;
            cycle += st == 409 && strcmp(a[i].detail, "cycle") == 0;
        }
        assert_true(waited);
        if (won != 2 || cycle != 1)
            fail_msg("round %d: %d nestings won, %d refused as a cycle", round, won, cycle);
    }
}

/* A 500 always leaves its cause in the log, under the request's id, even when the code that
 * failed did not log it: here the pack read of a pack in a ring of containers (made by SQL;
 * no request can make one since the nesting turn) gave a 500 and only the access line. */
static void test_aggregation__internal_error_logged(void **state)
{
    fixture *f = *state;
    char x[2][19], body[128];
    px_err e;
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTN", "491231", "[\"RING1\"]");
    for (int i = 0; i < 2; i++)
        assert_int_equal(gs1_sscc_build(x[i], 0, "0355154", 9480u + (unsigned)i, &e), PX_OK);
    snprintf(body, sizeof(body), "[{\"sscc\":\"%s\"}]", x[1]);
    json_decref(pack(f, f->mah.key, "pack", x[1], "[" SGTIN("RING1") "]", 201));
    json_decref(pack(f, f->mah.key, "pack", x[0], body, 201));
    px_sqlf(&f->env, "UPDATE sscc SET parent_sscc = '%s' WHERE sscc = '%s'", x[1], x[0]);
    px_http_resp r;
    const char *const rid[] = {"X-Request-Id: ring-read-500", NULL};
    px_http(&f->env, &r, "GET", "/v1/packs/" GTIN "/RING1", f->mah.key, NULL, rid);
    long status = r.status;
    px_http_resp_free(&r);
    px_sqlf(&f->env, "UPDATE sscc SET parent_sscc = NULL WHERE sscc = '%s'", x[0]);
    assert_int_equal(status, 500);
    assert_true(px_test_log_has(&f->env, "\"msg\":\"request failed\"", "ring-read-500"));
}

/* A CMO whose pack its MAH packed is told the pack is in a container, not which: the MAH's
 * container is not the CMO's to see (REQ-AGG-5). The MAH is told which. */
static void test_aggregation__already_packed_names_only_a_visible_parent(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTH", "491231", "[\"HID1\"]");
    json_decref(pack(f, f->mah.key, "pack", "003551540000009219", "[" SGTIN("HID1") "]", 201));
    const char *const key[] = {f->cmo.key, f->mah.key};
    const char *const told[] = {"the child is already in a container held by another",
                                "the child is already in container 003551540000009219"};
    for (size_t i = 0; i < PX_COUNT(key); i++) {
        char *b = pack_body("pack", "003551540000009318", "[" SGTIN("HID1") "]");
        json_t *j = px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                           key[i], b, NULL, 409, "aggregation_refused");
        px_expect_detail(j, 0, 0, "already_packed", NULL);
        assert_string_equal(px_test_str(json_array_get(px_test_details(j), 0), "message"), told[i]);
        json_decref(j);
        free(b);
    }
}

/* The CMO allocates one new SSCC (extension digit ext) into first, or two, the lower into first,
 * when second is not NULL: the containers of its own that the CMO tests pack into. */
static void cmo_ssccs(fixture *f, int ext, char first[19], char second[19])
{
    char body[64], both[40];
    snprintf(body, sizeof(body), "{\"count\":%d,\"extension_digit\":%d}", second ? 2 : 1, ext);
    json_t *j = px_test_call(&f->env, "POST", "/v1/sscc-allocations", f->cmo.key, body, 202);
    px_sql_textf(&f->env, both, sizeof(both),
                 "SELECT min(sscc) || max(sscc) FROM sscc WHERE allocation_id = '%s'",
                 px_test_str(j, "allocation_id"));
    json_decref(j);
    snprintf(first, 19, "%.18s", both);
    if (second)
        snprintf(second, 19, "%.18s", both + 18);
}

/* REQ-AGG-5: a CMO moves only what it may use. Its empty unpack takes out its own packs, not
 * one its MAH released since (which stays, uncounted, and the event names what came out); a
 * parent left holding only such packs is refused. Its repack does not take a pack out of its
 * MAH's container, which it may not unpack: already_packed, as for a packing. */
static void test_aggregation__cmo_moves_only_what_it_may_use(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTU", "491231", "[\"MW1\",\"MW2\",\"MW3\"]");
    char a[19], b[19], body[512];
    cmo_ssccs(f, 6, a, b);
    json_decref(pack(f, f->cmo.key, "pack", a, "[" SGTIN("MW1") "," SGTIN("MW2") "]", 201));
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTU\",\"serials\":"
                             "[\"MW1\"]" SHIP_TX,
                             201));
    /* The empty unpack: MW2 out, the released MW1 stays; the event names MW2 alone. */
    json_t *j = pack(f, f->cmo.key, "unpack", a, "[]", 201);
    assert_int_equal(px_test_int(j, "children"), 1);
    json_decref(j);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM serial WHERE parent_sscc = '%s'", a);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE parent_sscc = '%s' AND serial = 'MW1'", a);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE action = 'DELETE' AND "
                    "parent_sscc = '%s' AND epcs = ARRAY['urn:epc:id:sgtin:0355154.094495.MW2']",
                    a);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = 'aggregation.unpack' AND "
                    "details->>'parent' = '%s' AND details->>'children' = '1'",
                    a);
    /* Again: nothing it may take out is left. */
    snprintf(body, sizeof(body),
             "{\"action\":\"unpack\",\"parent\":{\"sscc\":\"%s\"},"
             "\"children\":[]}",
             a);
    px_test_refused(&f->env, packing_rows, "POST", "/v1/aggregations", f->cmo.key, body, NULL, 409,
                    "unpack_refused");
    /* The repack out of the MAH's container. */
    json_decref(pack(f, f->mah.key, "pack", "003551540000009417", "[" SGTIN("MW3") "]", 201));
    snprintf(body, sizeof(body),
             "{\"action\":\"repack\",\"parent\":{\"sscc\":\"%s\"},"
             "\"children\":[" SGTIN("MW3") "]}",
             b);
    j = px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations", f->cmo.key, body,
                               NULL, 409, "aggregation_refused");
    px_expect_detail(j, 0, 0, "already_packed", NULL);
    assert_string_equal(px_test_str(json_array_get(px_test_details(j), 0), "message"),
                        "the child is already in a container held by another");
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'MW3' AND parent_sscc = "
                    "'003551540000009417'");
    /* The MAH may: its repack moves MW3 into the CMO's container B. */
    json_decref(pack(f, f->mah.key, "repack", b, "[" SGTIN("MW3") "]", 201));
}

/* A CMO's empty unpack takes out only what its parent holds when it takes it: a pack that a
 * repack moves out meanwhile (here the repack reaches the pack's row first, both wait on it)
 * stays in its new container, and the unpack counts the rest. Read before locked, the pack
 * was taken out of the container it had moved to. */
static void test_aggregation__cmo_empty_unpack_leaves_what_moved(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTV", "491231", "[\"MV1\",\"MV2\"]");
    char x[19], y[19], repack[256], unpack[128];
    cmo_ssccs(f, 7, x, y);
    json_decref(pack(f, f->cmo.key, "pack", x, "[" SGTIN("MV1") "," SGTIN("MV2") "]", 201));
    snprintf(repack, sizeof(repack),
             "{\"action\":\"repack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[" SGTIN("MV1") "]}",
             y);
    snprintf(unpack, sizeof(unpack),
             "{\"action\":\"unpack\",\"parent\":{\"sscc\":\"%s\"},\"children\":[]}", x);
    PGconn *held = px_test_hold(&f->env, "SELECT 1 FROM serial WHERE gtin = '" GTIN
                                         "' AND serial = 'MV1' FOR UPDATE");
    px_test_async a = {.env = &f->env,
                       .method = "POST",
                       .path = "/v1/aggregations",
                       .key = f->cmo.key,
                       .body = repack};
    px_test_async b = {.env = &f->env,
                       .method = "POST",
                       .path = "/v1/aggregations",
                       .key = f->cmo.key,
                       .body = unpack};
    px_test_async_start(&a);
    int queued = px_test_wait_row_lock_waiters(&f->env, 1);
    px_test_async_start(&b);
    queued = queued && px_test_wait_row_lock_waiters(&f->env, 2);
    px_test_hold_end(held, NULL);
    assert_int_equal(px_test_async_join(&a), 201);
    assert_int_equal(px_test_async_join(&b), 201);
    assert_true(queued);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE serial = 'MV1' AND parent_sscc = '%s'", y);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM serial WHERE parent_sscc = '%s'", x);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE action = 'DELETE' AND "
                    "parent_sscc = '%s' AND epcs = ARRAY['urn:epc:id:sgtin:0355154.094495.MV2']",
                    x);
}

/* A CMO reads its container through its partnership, as it reads a pack (docs/lifecycle.md
 * "Visibility"): suspended, 403 partnership_suspended for the container and its label; the
 * product no longer granted, the container's packs of it are out of its view (a pack read
 * answers 404 for them). Read past both, the CMO listed the packs and their counts. */
static void test_aggregation__cmo_reads_a_container_through_its_partnership(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTP", "491231", "[\"PV1\"]");
    char x[19], ps[40], path[96], body[128];
    cmo_ssccs(f, 8, x, NULL);
    json_decref(pack(f, f->cmo.key, "pack", x, "[" SGTIN("PV1") "]", 201));
    px_sql_textf(&f->env, ps, sizeof(ps), "SELECT id FROM partnership WHERE cmo_id = '%s'",
                 f->cmo.org);
    char box[64], label[96], partner[64];
    snprintf(box, sizeof(box), "/v1/containers/%s", x);
    snprintf(label, sizeof(label), "/v1/containers/%s/label.svg", x);
    snprintf(partner, sizeof(partner), "/v1/partners/%s", ps);
    json_t *j = px_test_call(&f->env, "GET", box, f->cmo.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "children")), 1);
    json_decref(j);

    px_test_expect(&f->env, "PATCH", partner, f->mah.key, "{\"status\":\"suspended\"}", 200, NULL);
    px_test_expect(&f->env, "GET", box, f->cmo.key, NULL, 403, "partnership_suspended");
    px_test_expect(&f->env, "GET", label, f->cmo.key, NULL, 403, "partnership_suspended");

    px_test_expect(&f->env, "PATCH", partner, f->mah.key, "{\"status\":\"active\",\"gtins\":[]}",
                   200, NULL);
    snprintf(path, sizeof(path), "/v1/packs/" GTIN "/PV1");
    px_test_expect(&f->env, "GET", path, f->cmo.key, NULL, 404, "not_found");
    j = px_test_call(&f->env, "GET", box, f->cmo.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "children")), 0);
    assert_int_equal(px_test_int(json_object_get(j, "counts"), "packs"), 0);
    json_decref(j);
    /* The MAH still sees its pack in the box; the grant back for the tests after. */
    j = px_test_call(&f->env, "GET", box, f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "children")), 1);
    json_decref(j);
    snprintf(body, sizeof(body), "{\"gtins\":[\"%s\"]}", GTIN);
    px_test_expect(&f->env, "PATCH", partner, f->mah.key, body, 200, NULL);
}

/* A CMO packs and unpacks its containers through its partnership, as it reads them: while the
 * MAH has it suspended, packing its box onto another, and unpacking it, are 403
 * partnership_suspended with nothing changed (the box was moved onto its pallet, and its
 * unpacking told that its own pack did not exist, found by an outside probe); so is its SSCC
 * allocation for that MAH; active again, the same packing goes through. */
static void test_aggregation__suspended_cmo_moves_no_container(void **state)
{
    fixture *f = *state;
#define SV_CASE "20355154944958" /* a case level of GTIN's product: indicator 2 */
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTS", "491231", "[\"SV1\",\"SV2\",\"SV3\"]");
    char box[19], pallet[19], ps[40], partner[64], kids[64];
    cmo_ssccs(f, 5, box, pallet);
    json_decref(pack(f, f->cmo.key, "pack", box, "[" SGTIN("SV1") "]", 201));
    px_sql_textf(&f->env, ps, sizeof(ps), "SELECT id FROM partnership WHERE cmo_id = '%s'",
                 f->cmo.org);
    snprintf(partner, sizeof(partner), "/v1/partners/%s", ps);
    /* and a case of its own that carries its own GTIN, granted to it, holding SV2 */
    px_test_product(&f->env, f->mah.key, SV_CASE, "US case of 20", "US");
    px_test_product_master(&f->env, SV_CASE);
    px_test_expect(&f->env, "PATCH", partner, f->mah.key,
                   "{\"gtins\":[\"" GTIN "\",\"" SV_CASE "\"]}", 200, NULL);
    px_test_commission(&f->env, f->cmo.key, SV_CASE, "LOTSC", "491231", "[\"SVC\"]");
    static const char into_case[] =
        "{\"action\":\"%s\",\"parent\":{\"gtin\":\"" SV_CASE "\",\"serial\":\"SVC\"},"
        "\"children\":[%s]}";
    char cb[256];
    snprintf(cb, sizeof(cb), into_case, "pack", SGTIN("SV2"));
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->cmo.key, cb, 201));
    px_test_expect(&f->env, "PATCH", partner, f->mah.key, "{\"status\":\"suspended\"}", 200, NULL);
    /* its case too, packed into or unpacked: 403 saying why, not "case not found" */
    snprintf(cb, sizeof(cb), into_case, "unpack", "");
    json_decref(px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                       f->cmo.key, cb, NULL, 403, "partnership_suspended"));
    char into[256];
    snprintf(into, sizeof(into), into_case, "pack", SGTIN("SV3"));
    json_decref(px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                       f->cmo.key, into, NULL, 403, "partnership_suspended"));
#undef SV_CASE
    snprintf(kids, sizeof(kids), "[{\"sscc\":\"%s\"}]", box);
    char *b = pack_body("pack", pallet, kids);
    json_decref(px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                       f->cmo.key, b, NULL, 403, "partnership_suspended"));
    char *u = pack_body("unpack", box, "[]");
    json_decref(px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                       f->cmo.key, u, NULL, 403, "partnership_suspended"));
    free(u);
    /* Nor does it allocate SSCCs for that MAH: 403 as its serial allocations are, not "product
     * not found" for its own granted product, nor "register one first" (a CMO registers
     * none). */
    char alloc[160];
    snprintf(alloc, sizeof(alloc), "{\"count\":1,\"gtin\":\"%s\"}", GTIN);
    px_test_expect(&f->env, "POST", "/v1/sscc-allocations", f->cmo.key, alloc, 403,
                   "partnership_suspended");
    snprintf(alloc, sizeof(alloc), "{\"count\":1,\"mah_id\":\"%s\"}", f->mah.org);
    px_test_expect(&f->env, "POST", "/v1/sscc-allocations", f->cmo.key, alloc, 403,
                   "partnership_suspended");
    json_t *j =
        px_test_call(&f->env, "POST", "/v1/sscc-allocations", f->cmo.key, "{\"count\":1}", 404);
    assert_null(strstr(px_test_str(json_object_get(j, "error"), "message"), "register"));
    json_decref(j);
    px_test_expect(&f->env, "PATCH", partner, f->mah.key, "{\"status\":\"active\"}", 200, NULL);
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->cmo.key, b, 201));
    free(b);
    /* Active again but the case's product no longer granted: the case is not found (404). */
    px_test_expect(&f->env, "PATCH", partner, f->mah.key, "{\"gtins\":[\"" GTIN "\"]}", 200, NULL);
    json_decref(px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                       f->cmo.key, into, NULL, 404, "not_found"));
}

/* A CMO packs and unpacks its containers only while its partnership grants the products its
 * own packs in them carry, as it packs those packs: its box of a pack no longer granted is not
 * found (404) as a parent, packed into or unpacked, and as a child packed onto its pallet; a
 * partnership that grants nothing leaves it no container to pack, not even empty ones onto
 * one another (they were, found by an outside probe). Nothing changes; granted again, the same
 * packing goes through. */
static void test_aggregation__cmo_packs_no_container_of_an_ungranted_product(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->cmo.key, GTIN, "LOTU", "491231", "[\"UG1\",\"UG2\"]");
    char box[19], pallet[19], e1[19], e2[19], ps[40], partner[64], kids[64];
    cmo_ssccs(f, 4, box, pallet);
    cmo_ssccs(f, 4, e1, e2);
    json_decref(pack(f, f->cmo.key, "pack", box, "[" SGTIN("UG1") "]", 201));
    /* e1 commissioned by its first packing, and empty again */
    json_decref(pack(f, f->cmo.key, "pack", e1, "[" SGTIN("UG2") "]", 201));
    json_decref(pack(f, f->cmo.key, "unpack", e1, "[]", 201));
    px_sql_textf(&f->env, ps, sizeof(ps), "SELECT id FROM partnership WHERE cmo_id = '%s'",
                 f->cmo.org);
    snprintf(partner, sizeof(partner), "/v1/partners/%s", ps);
    /* Another product granted, not the box's. */
    px_test_expect(&f->env, "PATCH", partner, f->mah.key, "{\"gtins\":[\"" CASE_GTIN "\"]}", 200,
                   NULL);
    snprintf(kids, sizeof(kids), "[{\"sscc\":\"%s\"}]", box);
    char *onto = pack_body("pack", pallet, kids);
    json_t *j = px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                       f->cmo.key, onto, NULL, 404, "not_found");
    px_expect_detail(j, 0, -1, "not_found", "children[0]");
    json_decref(j);
    static const char *const acts[][2] = {
        {"unpack", "[]"}, {"unpack", "[" SGTIN("UG1") "]"}, {"pack", "[" SGTIN("UG2") "]"}};
    for (size_t i = 0; i < PX_COUNT(acts); i++) {
        char *b = pack_body(acts[i][0], box, acts[i][1]);
        j = px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations", f->cmo.key, b,
                                   NULL, 404, "not_found");
        px_expect_detail(j, 0, -1, "not_found", "parent");
        json_decref(j);
        free(b);
    }
    /* Granting nothing: not even its empty containers onto one another. */
    px_test_expect(&f->env, "PATCH", partner, f->mah.key, "{\"gtins\":[]}", 200, NULL);
    snprintf(kids, sizeof(kids), "[{\"sscc\":\"%s\"}]", e1);
    char *empty = pack_body("pack", e2, kids);
    json_decref(px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                       f->cmo.key, empty, NULL, 404, "not_found"));
    /* Its read stays as it was: the container, without the packs out of its view. */
    char path[64];
    snprintf(path, sizeof(path), "/v1/containers/%s", box);
    j = px_test_call(&f->env, "GET", path, f->cmo.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "children")), 0);
    json_decref(j);
    px_test_expect(&f->env, "PATCH", partner, f->mah.key, "{\"gtins\":[\"" GTIN "\"]}", 200, NULL);
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->cmo.key, onto, 201));
    json_decref(px_test_call(&f->env, "POST", "/v1/aggregations", f->cmo.key, empty, 201));
    free(onto);
    free(empty);
}

/* ---- the EPCIS queries ----------------------------------------------------------------- */

/* The events of GET path as key (EPCIS 2.0 JSON-LD), following Link rel="next" to the end:
 * each as "type|parentID|EPCs" (childEPCs or epcList, joined by ","), its eventID in ids (when
 * not NULL). The count. */
static size_t rest_events(fixture *f, const char *key, const char *path, char got[][400],
                          char ids[][128], size_t cap)
{
    char next[1024];
    size_t n = 0;
    snprintf(next, sizeof(next), "%s", path);
    while (next[0]) {
        px_http_resp r;
        px_http(&f->env, &r, "GET", next, key, NULL, NULL);
        if (r.status != 200 || !r.json)
            fail_msg("GET %s: %ld %.300s", next, r.status, r.body);
        json_t *l = px_test_event_list(r.json);
        size_t i;
        json_t *ev;
        json_array_foreach(l, i, ev)
        {
            assert_true(n < cap);
            json_t *epcs = json_object_get(ev, "childEPCs");
            if (!epcs)
                epcs = json_object_get(ev, "epcList");
            int k = snprintf(got[n], 400, "%s|%s|", px_test_str(ev, "type"),
                             json_string_value(json_object_get(ev, "parentID"))
                                 ? json_string_value(json_object_get(ev, "parentID"))
                                 : "");
            size_t j;
            json_t *e;
            json_array_foreach(epcs, j, e)
            {
                k += snprintf(got[n] + k, 400 - (size_t)k, "%s%s", j ? "," : "",
                              json_string_value(e));
            }
            if (ids)
                snprintf(ids[n], 128, "%s", px_test_str(ev, "eventID"));
            n++;
        }
        /* Link: </epcis/events?…>; rel="next" */
        const char *link = strstr(r.headers, "\nLink: <");
        next[0] = '\0';
        if (link) {
            link += strlen("\nLink: <");
            snprintf(next, sizeof(next), "%.*s", (int)(strchr(link, '>') - link), link);
        }
        px_http_resp_free(&r);
    }
    return n;
}

#define SG(s) "urn:epc:id:sgtin:0355154.094495." s
#define SS(s) "urn:epc:id:sscc:0355154." s

/* docs/epcis.md "Query results": the events of packing (container_event) answer the EPCIS
 * queries beside the commissioning (epcis_event), in write order under one keyset: every
 * page walk gives the one-page answer; MATCH_epc matches children, MATCH_anyEPC the parent
 * too, an SSCC and a Digital Link included; eventType, one event by its ID, the EPC
 * collection and the 1.2 query (valid against its XSD) see them; another MAH and a regulator
 * do not. */
static void test_aggregation__events_answer_the_epcis_queries(void **state)
{
    fixture *f = *state;
    /* The group's other tests wrote events before: this test reads those recorded since. */
    char since[64], all[128];
    px_sql_textf(&f->env, since, sizeof(since), "%s",
                 "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
    snprintf(all, sizeof(all), "/epcis/events?GE_recordTime=%s", since);
    commission(f, "LOTQ", "[\"QE1001\",\"QE1002\",\"QE1003\",\"QE1004\",\"QE1005\",\"QE1006\"]");
    json_decref(pack(f, f->mah.key, "pack", "003551540000005013",
                     "[" SGTIN("QE1001") "," SGTIN("QE1002") "," SGTIN("QE1003") "]", 201));
    json_decref(pack(f, f->mah.key, "pack", "003551540000005020",
                     "[" SGTIN("QE1004") "," SGTIN("QE1005") "," SGTIN("QE1006") "]", 201));
    json_decref(pack(f, f->mah.key, "pack", "103551540000006017",
                     "[" BOX("003551540000005013") "," BOX("003551540000005020") "]", 201));
    static const char *const want[] = {
        "ObjectEvent||" SG("QE1001") "," SG("QE1002") "," SG("QE1003") "," SG("QE1004") "," SG(
            "QE1005") "," SG("QE1006"),
        "ObjectEvent||" SS("0000000501"),
        "AggregationEvent|" SS("0000000501") "|" SG("QE1001") "," SG("QE1002") "," SG("QE1003"),
        "ObjectEvent||" SS("0000000502"),
        "AggregationEvent|" SS("0000000502") "|" SG("QE1004") "," SG("QE1005") "," SG("QE1006"),
        "ObjectEvent||" SS("1000000601"),
        "AggregationEvent|" SS("1000000601") "|" SS("0000000501") "," SS("0000000502"),
    };
    char got[16][400], ids[16][128], paged[16][400], path[512], enc[256];
    size_t n = rest_events(f, f->mah.key, all, got, ids, 16);
    assert_int_equal(n, PX_COUNT(want));
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got[i], want[i]);
    /* One keyset over both tables: a page of one event at a time gives the same answer. */
    snprintf(path, sizeof(path), "%s&perPage=1", all);
    assert_int_equal(rest_events(f, f->mah.key, path, paged, NULL, 16), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(paged[i], want[i]);
    snprintf(path, sizeof(path), "%s&perPage=2&EQ_bizStep=packing", all);
    assert_int_equal(rest_events(f, f->mah.key, path, paged, NULL, 16), 3);
    assert_string_equal(paged[2], want[6]);
    /* Each eventID is the one stored, and answers alone. */
    px_expect_count(&f->env, 7,
                    "SELECT count(*) FROM (SELECT event_hash FROM container_event UNION ALL "
                    "SELECT event_hash FROM epcis_event) e WHERE event_hash IN ('%s', '%s', '%s', "
                    "'%s', '%s', '%s', '%s')",
                    ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]);
    px_test_pct_encode(enc, sizeof(enc), ids[6]);
    snprintf(path, sizeof(path), "/epcis/events/%s", enc);
    assert_int_equal(rest_events(f, f->mah.key, path, paged, NULL, 16), 1);
    assert_string_equal(paged[0], want[6]);
    /* MATCH_epc: the events that list the EPC (epcList, childEPCs); MATCH_anyEPC: its parentID
     * too, in any spelling of the EPC. */
    static const struct {
        int line;
        const char *qs;
        int events[8]; /* indexes into want, -1 ends */
    } q[] = {
        {__LINE__, "?MATCH_epc=" SG("QE1001"), {0, 2, -1}},
        {__LINE__, "?MATCH_anyEPC=" SG("QE1004"), {0, 4, -1}},
        {__LINE__, "?MATCH_epc=https%3A%2F%2Fid.gs1.org%2F01%2F" GTIN "%2F21%2FQE1006", {0, 4, -1}},
        {__LINE__, "?MATCH_epc=urn:epc:idpat:sgtin:0355154.094495.*", {0, 2, 4, -1}},
        {__LINE__, "?MATCH_epc=" SS("0000000501"), {1, 6, -1}},
        {__LINE__, "?MATCH_anyEPC=" SS("0000000501"), {1, 2, 6, -1}},
        {__LINE__,
         "?MATCH_anyEPC=https%3A%2F%2Fid.gs1.org%2F00%2F"
         "103551540000006017",
         {5, 6, -1}},
        {__LINE__, "?MATCH_epc=" SS("1000000601"), {5, -1}},
        {__LINE__, "?eventType=AggregationEvent&EQ_action=ADD", {2, 4, 6, -1}},
        {__LINE__, "?eventType=AggregationEvent&MATCH_anyEPC=" SG("QE1002"), {2, -1}},
        {__LINE__, "?MATCH_epc=" SS("0000000599"), {-1}},
        /* MATCH_parentID: the events whose parentID it is, no others */
        {__LINE__, "?MATCH_parentID=" SS("0000000501"), {2, -1}},
        {__LINE__, "?MATCH_parentID=https%3A%2F%2Fid.gs1.org%2F00%2F103551540000006017", {6, -1}},
        {__LINE__, "?MATCH_parentID=" SG("QE1001"), {-1}},
        {__LINE__, "?MATCH_parentID=" SS("0000000501") "&MATCH_epc=" SG("QE1002"), {2, -1}},
        {__LINE__, "?MATCH_parentID=" SS("0000000501") "&MATCH_epc=" SG("QE1004"), {-1}},
        {__LINE__, "?MATCH_parentID=urn:epc:idpat:sgtin:0355154.094495.*", {-1}},
    };
    for (size_t i = 0; i < PX_COUNT(q); i++) {
        snprintf(path, sizeof(path), "%s&%s", all, q[i].qs + 1);
        n = rest_events(f, f->mah.key, path, paged, NULL, 16);
        size_t k = 0;
        for (; q[i].events[k] >= 0; k++) {
            if (k >= n || strcmp(paged[k], want[q[i].events[k]]) != 0)
                fail_msg("line %d: event %zu is %s, want %s", q[i].line, k,
                         k < n ? paged[k] : "none", want[q[i].events[k]]);
        }
        if (n != k)
            fail_msg("line %d: %zu events, want %zu", q[i].line, n, k);
    }
    /* One parent only, as MATCH_epc: a list is refused, never taken as one of its values. */
    px_http_resp bad;
    snprintf(path, sizeof(path), "%s&MATCH_parentID=%s%%7C%s", all, SS("0000000501"),
             SS("0000000502"));
    px_http(&f->env, &bad, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(bad.status, 400);
    assert_non_null(strstr(bad.body, "QueryParameterException"));
    px_http_resp_free(&bad);
    /* The EPC collection lists the containers. */
    json_t *c = px_test_call(&f->env, "GET", "/epcis/epcs?perPage=1000", f->mah.key, NULL, 200);
    char *dump = json_dumps(c, JSON_COMPACT);
    assert_non_null(strstr(dump, SS("0000000501")));
    assert_non_null(strstr(dump, SS("1000000601")));
    free(dump);
    json_decref(c);
    /* The 1.2 query: the same events, valid against the official 1.2 query XSD. */
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/epcis/events?MATCH_epc=" SG("QE1003"), f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(px_occurrences(r.body, "<AggregationEvent>"), 1);
    assert_int_equal(px_occurrences(r.body, "<ObjectEvent>"), 1);
    assert_non_null(strstr(r.body, "<parentID>" SS("0000000501") "</parentID>"));
    px_test_xsd_valid(r.body, r.len);
    px_http_resp_free(&r);
    /* Another MAH sees none of them; the regulator of the market the pallet is shipped to sees
     * the commissioning and the release of its packs, not the packing. */
    assert_int_equal(rest_events(f, f->mah2.key, all, paged, NULL, 16), 0);
    release_report(
        f, "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTQ\",\"ssccs\":[\"103551540000006017\"]" SHIP_TX,
        6, &r);
    px_http_resp_free(&r);
    assert_int_equal(rest_events(f, f->mah.key, all, paged, NULL, 16), PX_COUNT(want) + 1);
    char reg_org[40], reg_key[64];
    px_test_regulator(&f->env, "Packing queries FDA", "US", reg_org, reg_key);
    assert_int_equal(rest_events(f, reg_key, all, paged, NULL, 16), 2);
    assert_string_equal(paged[0], want[0]);
    assert_string_equal(paged[1], "ObjectEvent||" SS("1000000601")); /* the shipped unit */
}

/* An empty unpack of a parent that never held anything — a CMO's fresh SSCC, a MAH's case
 * never packed — is refused, nothing recorded: its DELETE of no children would put an
 * unpacking before the container's own commissioning in every report of its later packs. */
static void test_aggregation__empty_unpack_of_an_empty_parent_refused(void **state)
{
    fixture *f = *state;
    char fresh[19], body[160];
    cmo_ssccs(f, 0, fresh, NULL);
    snprintf(body, sizeof(body), "{\"action\":\"unpack\",\"parent\":{\"sscc\":\"%s\"}}", fresh);
    json_decref(px_test_refused_answer(&f->env, packing_rows, "POST", "/v1/aggregations",
                                       f->cmo.key, body, NULL, 409, "unpack_refused"));
    px_test_commission(&f->env, f->mah.key, CASE_GTIN, "LOT-EMPTY", "751231", "[\"EC1\"]");
    json_t *j = px_test_refused_answer(
        &f->env, packing_rows, "POST", "/v1/aggregations", f->mah.key,
        "{\"action\":\"unpack\",\"parent\":{\"gtin\":\"" CASE_GTIN "\",\"serial\":\"EC1\"}}", NULL,
        409, "unpack_refused");
    assert_non_null(strstr(px_test_str(json_object_get(j, "error"), "message"), "holds nothing"));
    json_decref(j);
}

/* What a release by ssccs may change. */
static const char *const release_rows[] = {"serial WHERE state = 'released'",
                                           "sscc WHERE state = 'released'",
                                           "market_release",
                                           "epcis_event",
                                           "report",
                                           "audit_log",
                                           NULL};

/* REQ-AGG-8 with Art. 13(1)(c): a case on a pallet ships with it, so its own batch must be
 * releasable too: a case of an expired batch (not the request's) stops the pallet's release,
 * a dry run too, 422 expiry_in_past on ssccs naming the case, nothing changed (it was shipped
 * with its pallet, found by an outside probe); once its batch is in date, the pallet ships. */
static void test_aggregation__expired_case_stops_its_pallet(void **state)
{
    fixture *f = *state;
    case_holding(f, "LOTX", "[\"X1\"]", "[\"XK1\",\"XK2\"]",
                 "{\"action\":\"pack\",\"parent\":" CASE_SGTIN("X1") ",\"children\":[" SGTIN(
                     "XK1") "," SGTIN("XK2") "]}");
    json_decref(pack(f, f->mah.key, "pack", "103551540000017013", "[" CASE_SGTIN("X1") "]", 201));
    px_sql_exec(&f->env, "UPDATE batch SET expiry = '250228' WHERE gtin = '" CASE_GTIN
                         "' AND batch = 'LOTX'");
    static const char *const body[] = {
        "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTX\",\"ssccs\":[\"103551540000017013\"]" SHIP_TX,
        "{\"gtin\":\"" GTIN "\",\"batch\":\"LOTX\",\"dry_run\":true,\"ssccs\":"
        "[\"103551540000017013\"]" SHIP_TX,
    };
    for (size_t i = 0; i < PX_COUNT(body); i++) {
        json_t *j = px_test_refused_answer(&f->env, release_rows, "POST", "/v1/releases",
                                           f->mah.key, body[i], NULL, 422, "validation_error");
        px_expect_detail(j, 0, -1, "expiry_in_past", "ssccs");
        assert_non_null(strstr(px_test_str(json_array_get(px_test_details(j), 0), "message"),
                               "case " CASE_GTIN "/X1"));
        json_decref(j);
    }
    /* A recalled batch of a case stops it the same way (set by hand: the API recalls a case
     * batch only while its cases hold no pack in use, so none would be on the pallet). */
    px_sql_exec(&f->env,
                "UPDATE batch SET expiry = '491231', recalled_at = now(), "
                "recall_reason = 'recalled' WHERE gtin = '" CASE_GTIN "' AND batch = 'LOTX'");
    json_t *j = px_test_refused_answer(&f->env, release_rows, "POST", "/v1/releases", f->mah.key,
                                       body[0], NULL, 409, "batch_recalled");
    px_expect_detail(j, 0, -1, "batch_recalled", "ssccs");
    assert_non_null(
        strstr(px_test_str(json_object_get(j, "error"), "message"), "case " CASE_GTIN "/X1"));
    json_decref(j);
    px_sql_exec(&f->env, "UPDATE batch SET recalled_at = NULL, recall_reason = NULL WHERE gtin "
                         "= '" CASE_GTIN "' AND batch = 'LOTX'");
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body[0], 201));
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE gtin = '" CASE_GTIN
                    "' AND serial = 'X1' AND state = 'released'");
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
