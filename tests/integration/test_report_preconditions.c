/* Nothing accepted that cannot be reported (docs/delivery.md "Preconditions"): a release to a
 * market whose report would lack something is refused with every missing piece named and
 * nothing changed; after the repair the same kind of release is reported, delivered and
 * XSD-valid. A report that fails for good is listed, counted in /metrics, logged at error
 * level, and delivered after a retry. Status changes of released packs reach the market. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "px_array.h"
#include "px_crypto.h"
#include "px_receiver.h"
#include "px_test.h"
#include "px_test_commission.h"

#define GTIN "09506001000014"
#define SECRET "receiver-shared-secret-0123456789"

typedef struct {
    px_test_env env;
    px_receiver rv;
    px_receiver hook; /* the MAH's webhook */
    px_test_party mah, cmo;
} fixture;

static int setup(void **state)
{
    fixture *f = px_receiver_fixture_new(sizeof(*f));
    px_receiver_start(&f->hook);
    px_receiver_allow(&f->env, f->rv.port, f->hook.port);
    px_test_setenv(&f->env, "PACKID_DELIVERY_BACKOFF_MS=20");
    px_test_setenv(&f->env, "PACKID_DELIVERY_BACKOFF_MAX_MS=50");
    px_test_setenv(&f->env, "PACKID_DELIVERY_MAX_ATTEMPTS=2");
    px_test_setenv(&f->env, "PACKID_EPCIS_XSD_DIR=" PX_SHARED_DIR "/reference/epcis-1.2/xsd");
    px_test_server_start(&f->env);
    /* A MAH without a GLN, a product without master data, a CMO site without a GLN: each a
     * piece a report will miss. */
    px_test_org_key_bare(&f->env, "mah", "Bare MAH", "mah", f->mah.org, f->mah.key);
    px_test_product(&f->env, f->mah.key, GTIN, "Bare pack", "EU");
    /* The partnership is made, and says at once what the CMO's events will lack. */
    json_t *p = px_test_call(&f->env, "POST", "/v1/partners", f->mah.key,
                             "{\"name\":\"Bare CMO\",\"gtins\":[\"" GTIN "\"]}", 201);
    snprintf(f->cmo.org, sizeof(f->cmo.org), "%s", px_test_str(p, "org_id"));
    snprintf(f->cmo.key, sizeof(f->cmo.key), "%s", px_test_str(p, "api_key"));
    json_t *w = json_array_get(json_object_get(p, "warnings"), 0);
    assert_string_equal(px_test_str(w, "code"), "missing_read_point");
    json_decref(p);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    px_test_teardown(&f->env);
    px_receiver_stop(&f->rv);
    px_receiver_stop(&f->hook);
    free(f);
    return 0;
}

static void commission(fixture *f, const char *batch, const char *prefix, int n)
{
    char serials[512];
    px_test_serials(serials, sizeof(serials), prefix, 1, n);
    px_test_commission(&f->env, f->cmo.key, GTIN, batch, "751231", serials);
}

/* Row counts of everything a release (or a status change) may change. */
static const char *const release_rows[] = {"serial WHERE state = 'released'",
                                           "serial WHERE state = 'decommissioned'",
                                           "market_release",
                                           "report",
                                           "epcis_event",
                                           "audit_log",
                                           "pack_op",
                                           NULL};

/* The codes of an error's details, in order, joined by ','. */
static void detail_codes(const px_http_resp *r, char *out, size_t cap)
{
    json_t *d = px_test_details(r->json);
    size_t o = 0, i;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(d, i, v)
    {
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "",
                              json_string_value(json_object_get(v, "code")));
    }
}

/* Expects 422 report_precondition with exactly these detail codes and nothing changed. */
static void refused(fixture *f, const char *path, const char *body, const char *codes)
{
    char got[512];
    px_test_rows rows;
    px_test_rows_begin(&rows, &f->env, release_rows);
    px_http_resp r;
    px_http(&f->env, &r, "POST", path, f->mah.key, body, NULL);
    detail_codes(&r, got, sizeof(got));
    if (r.status != 422 || strcmp(px_http_error_code(&r), "report_precondition") != 0 ||
        strcmp(got, codes) != 0)
        fail_msg("%s %s: got %ld [%s], want 422 report_precondition [%s]: %s", path, body, r.status,
                 got, codes, r.body);
    px_http_resp_free(&r);
    px_test_rows_same(&rows, path);
}

/* The last document the receiver got is valid against the official XSD and holds needle. */
static void last_document_valid(fixture *f, const char *needle)
{
    int n = px_receiver_count(&f->rv);
    assert_true(n > 0);
    px_received *q = &f->rv.req[n - 1];
    px_test_xsd_valid(q->body, q->len);
    if (needle && !strstr(q->body, needle))
        fail_msg("the document lacks %s", needle);
}

static void endpoint(fixture *f)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"market\":\"DE\",\"url\":\"http://127.0.0.1:%d/epcis\",\"hmac_secret\":\"" SECRET
             "\"}",
             f->rv.port);
    json_decref(px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->mah.key, body, 201));
}

static const char *report_of(json_t *j, char out[40])
{
    snprintf(out, 40, "%s", json_string_value(json_object_get(j, "report_id")));
    json_decref(j);
    return out;
}

/* Commissions batch (serials prefix1..n), releases it to DE with a receiver that fails the
 * first fail_first tries, and waits until its report (id) is in state. */
static void release_until(fixture *f, const char *batch, const char *prefix, int n, int fail_first,
                          const char *state, char id[40])
{
    commission(f, batch, prefix, n);
    px_receiver_reset(&f->rv, fail_first, 0);
    char body[128];
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"batch\":\"%s\",\"market\":\"DE\"}",
             batch);
    report_of(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201), id);
    json_decref(px_test_wait_report(&f->env, f->mah.key, id, state, 50));
}

static void test_report_preconditions__named_then_repaired(void **state)
{
    fixture *f = *state;
    /* Registration already says what an EU report will need from the master data. */
    json_t *w = px_test_call(&f->env, "POST", "/v1/products", f->mah.key,
                             "{\"gtin\":\"09506001000021\",\"company_prefix_length\":7,"
                             "\"name\":\"Bare pack 2\",\"market\":\"DE\"}",
                             201);
    json_t *warnings = json_object_get(w, "warnings");
    assert_int_equal(json_array_size(warnings), 4);
    assert_string_equal(px_test_str(json_array_get(warnings, 0), "code"), "missing_master_data");
    json_decref(w);
    /* Never yes now, failure later: the CMO without a read point cannot commission for an EU
     * market at all (its packs could never be released), and nothing is stored. */
    const char *const commission_rows[] = {"serial",      "batch",     "commission",
                                           "epcis_event", "audit_log", NULL};
    static const struct {
        const char *serials;
        int partial;
    } unplaced[] = {{"[\"P01\"]", 0},
                    /* A partial one with a bad serial too: refused as a whole, for the read
                     * point alone. */
                    {"[\"P01\",\"P 2\"]", 1}};
    for (size_t i = 0; i < PX_COUNT(unplaced); i++) {
        json_t *refusal = px_test_commission_refused_answer(
            &f->env, commission_rows, f->cmo.key, GTIN, "P-0", "751231", unplaced[i].serials,
            unplaced[i].partial, 422, "validation_error");
        px_expect_detail(refusal, 0, -1, "missing_read_point", "gln");
        if (unplaced[i].partial)
            assert_int_equal(json_array_size(px_test_details(refusal)), 1);
        json_decref(refusal);
    }
    /* Its site GLN given, it commissions; packs an older packid accepted without a read point
     * are made here by taking the read point off their commissioning event. */
    char path[96];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->cmo.org);
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"gln\":\"9506000000015\",\"gln_prefix_length\":7}", 200));
    commission(f, "P-1", "PA", 3);
    px_sqlf(&f->env,
            "UPDATE epcis_event SET read_point = NULL, biz_location = NULL WHERE lot = 'P-1' "
            "AND op = 'commission'");
    /* Every missing piece in one answer: the MAH's GLN (sender) and read point, the CMO's
     * read point on its commissioning events, four master data fields, the endpoint. */
    refused(f, "/v1/releases", "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"DE\"}",
            "missing_gln,missing_read_point,missing_master_data,missing_master_data,"
            "missing_master_data,missing_master_data,missing_read_point,no_endpoint");
    /* A dry run says the same, with what would move, and changes nothing either. */
    px_test_rows rows;
    px_test_rows_begin(&rows, &f->env, release_rows);
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"DE\","
                             "\"dry_run\":true}",
                             200);
    assert_int_equal(px_test_int(j, "would_release"), 3);
    assert_true(json_is_true(json_object_get(j, "report")));
    assert_int_equal(json_array_size(json_object_get(j, "missing")), 8);
    json_decref(j);
    px_test_rows_same(&rows, "the dry run");
    /* A country packid has no profile for, and a code that is no country. */
    refused(f, "/v1/releases", "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"CH\"}",
            "unknown_market");
    j = px_test_refused_answer(&f->env, release_rows, "POST", "/v1/releases", f->mah.key,
                               "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"XX\"}", NULL,
                               422, "validation_error");
    px_expect_detail(j, 0, -1, "unknown_market", "market");
    json_decref(j);

    /* The repair, through the API: the MAH's GLN with its prefix length, the product's master
     * data, an endpoint. */
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->mah.org);
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"gln\":\"9506000000008\",\"gln_prefix_length\":7}", 200));
    json_decref(px_test_call(&f->env, "PATCH", "/v1/products/" GTIN, f->mah.key,
                             "{\"master_data\":{\"dosage_form\":\"CAPSULE\",\"strength\":"
                             "\"500 mg\",\"pack_size\":\"21 CAPSULE in 1 BLISTER PACK\","
                             "\"manufacturer\":\"Bare MAH\"}}",
                             200));
    endpoint(f);
    /* The batch commissioned without a read point stays unreportable: its events are facts. */
    refused(f, "/v1/releases", "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"DE\"}",
            "missing_read_point");
    /* Packs of the same batch commissioned after the repair are released by themselves: the
     * report carries only the commissioning events that name a pack the release moves
     * (docs/delivery.md), so only those need a read point. The older packs stay refused. */
    char id[40];
    commission(f, "P-1", "PL", 2);
    px_receiver_reset(&f->rv, 0, 0);
    report_of(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                           "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"DE\","
                           "\"serials\":[\"PL1\",\"PL2\"]}",
                           201),
              id);
    json_decref(px_test_wait_report(&f->env, f->mah.key, id, "delivered", 50));
    last_document_valid(f, ".PL2</epc>");
    if (strstr(f->rv.req[px_receiver_count(&f->rv) - 1].body, ".PA1</epc>"))
        fail_msg("the report of PL1, PL2 carries the commissioning of PA1");
    refused(f, "/v1/releases",
            "{\"gtin\":\"" GTIN "\",\"batch\":\"P-1\",\"market\":\"DE\",\"serials\":[\"PA1\"]}",
            "missing_read_point");
    /* A batch commissioned after the repair is released, reported and delivered. */
    release_until(f, "P-2", "PB", 3, 0, "delivered", id);
    last_document_valid(f, "urn:epcglobal:cbv:bizstep:shipping");

    /* Never yes now, failure later: with packs released to DE, master data DE's reports of
     * their recall carry cannot be removed (every later recall would be refused for it);
     * changed it can be. Nothing of the refused PATCH is kept. */
    const char *const product_rows[] = {"audit_log", NULL};
    long long version =
        px_count_of(&f->env, "SELECT master_version FROM product WHERE gtin = '%s'", GTIN);
    json_t *no = px_test_refused_answer(
        &f->env, product_rows, "PATCH", "/v1/products/" GTIN, f->mah.key,
        "{\"master_data\":{\"dosage_form\":\"CAPSULE\",\"pack_size\":\"21 CAPSULE in 1 "
        "BLISTER PACK\",\"manufacturer\":\"Bare MAH\"}}",
        NULL, 422, "validation_error");
    px_expect_detail(no, 0, -1, "missing_master_data", "master_data.strength");
    json_decref(no);
    px_expect_count(&f->env, version, "SELECT master_version FROM product WHERE gtin = '%s'", GTIN);
    json_t *ok = px_test_call(&f->env, "PATCH", "/v1/products/" GTIN, f->mah.key,
                              "{\"master_data\":{\"dosage_form\":\"CAPSULE\",\"strength\":"
                              "\"250 mg\",\"pack_size\":\"21 CAPSULE in 1 BLISTER PACK\","
                              "\"manufacturer\":\"Bare MAH\"}}",
                              200);
    assert_null(json_object_get(ok, "warnings"));
    json_decref(ok);
    /* A product with nothing released may lack it, and its answer says what DE will need. */
    ok = px_test_call(&f->env, "PATCH", "/v1/products/09506001000021", f->mah.key,
                      "{\"name\":\"Bare pack 2, renamed\"}", 200);
    assert_int_equal(json_array_size(json_object_get(ok, "warnings")), 4);
    json_decref(ok);
}

/* Never yes now, failure later, for the MAH's GLN: with packs released to DE that can still be
 * recalled or decommissioned, whose reports carry its read point, a new GLN whose prefix length
 * is unknown (none given, none in GS1's list) is refused, 422 missing_read_point on gln, and
 * nothing changes (accepted, every later recall or decommission of those packs was refused,
 * report_precondition missing_read_point). A new GLN with its length is taken, as is one under
 * the product's own prefix, whose length then serves. */
static void test_report_preconditions__read_point_kept_for_released_packs(void **state)
{
    fixture *f = *state;
    char path[96];
    snprintf(path, sizeof(path), "/v1/orgs/%s", f->mah.org);
    const char *const org_rows[] = {
        "SELECT md5(string_agg(concat_ws('/', id, gln, gln_prefix_length), ',' ORDER BY id)) "
        "FROM organization",
        "audit_log", NULL};
    json_t *no =
        px_test_refused_answer(&f->env, org_rows, "PATCH", path, f->mah.key,
                               "{\"gln\":\"4000000000006\"}", NULL, 422, "validation_error");
    px_expect_detail(no, 0, -1, "missing_read_point", "gln");
    json_decref(no);
    json_t *o = px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"gln\":\"4000000000006\",\"gln_prefix_length\":7}", 200);
    assert_int_equal(px_test_int(o, "gln_prefix_length"), 7);
    json_decref(o);
    o = px_test_call(&f->env, "PATCH", path, f->mah.key, "{\"gln\":\"9506001000007\"}", 200);
    assert_true(json_is_null(json_object_get(o, "gln_prefix_length")));
    json_decref(o);
    /* The read point it had stays what its released packs' reports carry. */
    json_decref(px_test_call(&f->env, "PATCH", path, f->mah.key,
                             "{\"gln\":\"9506000000008\",\"gln_prefix_length\":7}", 200));
}

/* The partnership's warning is the commission's rule asked ahead: a CMO whose GLN lies under
 * the product's own company prefix, its length not given, commissions (the product's length
 * serves), so it is not warned; one whose GLN lies elsewhere is warned and refused. A change
 * that grants products is warned of alike; one that leaves them is not. */
static void test_report_preconditions__partner_warning_is_the_commission_rule(void **state)
{
    fixture *f = *state;
    static const char *const glns[] = {"9506001777770", "9506002777779"};
    for (size_t i = 0; i < PX_COUNT(glns); i++) {
        char body[256], org[64], key[128];
        snprintf(body, sizeof(body),
                 "{\"name\":\"Site CMO %zu\",\"gln\":\"%s\",\"gtins\":[\"" GTIN "\"]}", i, glns[i]);
        json_t *p = px_test_call(&f->env, "POST", "/v1/partners", f->mah.key, body, 201);
        snprintf(org, sizeof(org), "%s", px_test_str(p, "org_id"));
        snprintf(key, sizeof(key), "%s", px_test_str(p, "api_key"));
        json_t *w = json_object_get(p, "warnings");
        assert_int_equal(json_array_size(w), i);
        char path[96];
        snprintf(path, sizeof(path), "/v1/partners/%s", px_test_str(p, "partnership_id"));
        json_t *u =
            px_test_call(&f->env, "PATCH", path, f->mah.key, "{\"gtins\":[\"" GTIN "\"]}", 200);
        assert_int_equal(json_array_size(json_object_get(u, "warnings")), i);
        json_decref(u);
        u = px_test_call(&f->env, "PATCH", path, f->mah.key, "{\"status\":\"active\"}", 200);
        assert_null(json_object_get(u, "warnings"));
        json_decref(u);
        snprintf(body, sizeof(body), "[\"W%zu\"]", i);
        char *c = px_test_commission_body(GTIN, "W-1", "751231", body, 0);
        json_decref(px_test_call(&f->env, "POST", "/v1/commissions", key, c, i ? 422 : 200));
        free(c);
        json_decref(p);
    }
}

/* A release while the market's only endpoint is being switched off (another session does
 * what PATCH /v1/regulator-endpoints/{id} does: the tenant's endpoints lock, store/
 * report_store.c, then the UPDATE; it commits while the release waits): the release sees the
 * endpoint off and is refused (no_endpoint), nothing queued for an endpoint switched off
 * before it committed. */
static void test_report_preconditions__endpoint_switched_off_during_a_release(void **state)
{
    fixture *f = *state;
    commission(f, "P-9", "PZ", 2);
    char ep[40], sql[384];
    px_sql_textf(&f->env, ep, sizeof(ep),
                 "SELECT id::text FROM regulator_endpoint WHERE tenant_id = '%s' AND market = 'DE' "
                 "AND active",
                 f->mah.org);
    long long reports = px_count_of(&f->env, "SELECT count(*) FROM report");
    snprintf(sql, sizeof(sql),
             "SELECT pg_advisory_xact_lock(7103, hashtext('%s')); UPDATE regulator_endpoint SET "
             "active = false WHERE id = '%s'",
             f->mah.org, ep);
    PGconn *held = px_test_hold(&f->env, sql);
    px_test_async rel = {&f->env,
                         "POST",
                         "/v1/releases",
                         f->mah.key,
                         "{\"gtin\":\"" GTIN "\",\"batch\":\"P-9\",\"market\":\"DE\"}",
                         0,
                         0,
                         "",
                         ""};
    px_test_async_start(&rel);
    px_test_wait_row_lock_waiters(&f->env, 1);
    px_test_hold_end(held, NULL);
    assert_int_equal(px_test_async_join(&rel), 422);
    assert_string_equal(rel.code, "report_precondition");
    assert_string_equal(rel.detail, "no_endpoint");
    px_expect_count(&f->env, reports, "SELECT count(*) FROM report");
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM serial WHERE batch = 'P-9' AND state = "
                    "'commissioned'");
    px_sqlf(&f->env, "UPDATE regulator_endpoint SET active = true WHERE id = '%s'", ep);
}

static void test_report_preconditions__status_changes_reported(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    /* Each change of a released pack (P-2, released to DE above) is reported and delivered
     * with the disposition it leaves the pack in. */
    static const struct {
        const char *path, *body;
        long want;
        const char *disposition;
    } changes[] = {
        {"/v1/decommissions",
         "{\"gtin\":\"" GTIN "\",\"serials\":[\"PB1\"],\"reason\":\"damaged\"}", 200,
         "urn:epcglobal:cbv:disp:damaged"},
        {"/v1/reactivations", "{\"gtin\":\"" GTIN "\",\"serials\":[\"PB1\"],\"reason\":\"found\"}",
         200, "urn:epcglobal:cbv:disp:in_transit"},
        {"/v1/recalls", "{\"gtin\":\"" GTIN "\",\"batch\":\"P-2\",\"reason\":\"recalled\"}", 201,
         "urn:epcglobal:cbv:disp:recalled"},
    };
    for (size_t i = 0; i < PX_COUNT(changes); i++) {
        char id[40];
        px_test_expect(&f->env, "POST", changes[i].path, f->mah.key, changes[i].body,
                       changes[i].want, NULL);
        px_sql_text(&f->env,
                    "SELECT id FROM report WHERE op_id IS NOT NULL ORDER BY created_at DESC "
                    "LIMIT 1",
                    id, sizeof(id));
        assert_int_equal(strlen(id), 36);
        json_decref(px_test_wait_report(&f->env, f->mah.key, id, "delivered", 50));
        last_document_valid(f, changes[i].disposition);
    }
}

/* The report ids GET base (a first page, &after= follows) lists, page after page, are the
 * MAH's reports where cond holds, newest first. */
static void reports_walk(fixture *f, const char *base, const char *cond)
{
    char want[4096], got[4096] = "", path[512];
    px_sql_textf(&f->env, want, sizeof(want),
                 "SELECT coalesce(string_agg(id::text, ',' ORDER BY created_at DESC, id DESC), '') "
                 "FROM report WHERE tenant_id = '%s' AND %s",
                 f->mah.org, cond);
    snprintf(path, sizeof(path), "%s", base);
    int pages = 0;
    for (;;) {
        json_t *page = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(page, "items"), i, it)
        {
            size_t len = strlen(got);
            snprintf(got + len, sizeof(got) - len, "%s%s", len ? "," : "",
                     px_test_str(it, "report_id"));
        }
        pages++;
        int more = px_test_next_page(page, base, path, sizeof(path));
        json_decref(page);
        if (!more)
            break;
        if (pages > 100)
            fail_msg("%s: paging does not end", base);
    }
    if (strcmp(got, want) != 0)
        fail_msg("%s\n got  %s\n want %s", base, got, want);
    if (strchr(want, ',') && pages < 2)
        fail_msg("%s: several reports in one page of one", base);
}

static void test_report_preconditions__failed_listed_counted_logged_retried(void **state)
{
    fixture *f = *state;
    /* The MAH's webhook hears of a dead report, signed. */
    char body[256];
    snprintf(body, sizeof(body),
             "{\"url\":\"http://127.0.0.1:%d/hook\",\"secret\":\"" SECRET "\","
             "\"events\":[\"report.dead\"]}",
             f->hook.port);
    json_decref(px_test_call(&f->env, "PUT", "/v1/webhook", f->mah.key, body, 200));
    /* The receiver refuses every try: after PACKID_DELIVERY_MAX_ATTEMPTS the report is dead. */
    char id[40];
    release_until(f, "P-3", "PC", 2, 1000, "dead", id);
    for (int i = 0; i < 200 && px_receiver_count(&f->hook) == 0; i++)
        px_sleep_ms(50);
    assert_int_equal(px_receiver_count(&f->hook), 1);
    px_received *h = &f->hook.req[0];
    assert_non_null(strstr(h->body, "\"report.dead\""));
    assert_non_null(strstr(h->body, id));
    char hex[65], want[80];
    px_hmac_sha256_hex(hex, SECRET, strlen(SECRET), h->body, h->len);
    snprintf(want, sizeof(want), "sha256=%s", hex);
    assert_string_equal(h->signature, want);
    /* Listed, counted, logged at error level. */
    json_t *l = px_test_call(&f->env, "GET", "/v1/reports?state=dead", f->mah.key, NULL, 200);
    json_t *items = json_object_get(l, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(px_test_str(json_array_get(items, 0), "report_id"), id);
    json_decref(l);
    assert_int_equal(px_test_metric(&f->env, "packid_reports{state=\"dead\"}"), 1);
    assert_int_equal(px_test_metric(&f->env, "packid_report_deliveries_total{outcome=\"dead\"}"),
                     1);
    assert_true(px_test_log_has(&f->env, "\"level\":\"error\"", id));
    /* Retry: a new report of the same release, delivered; the dead one is kept. */
    px_receiver_reset(&f->rv, 0, 0);
    char path[128], retry_id[40];
    snprintf(path, sizeof(path), "/v1/reports/%s/retry", id);
    json_t *rr = px_test_call(&f->env, "POST", path, f->mah.key, NULL, 202);
    assert_string_equal(px_test_str(rr, "retry_of"), id);
    report_of(rr, retry_id);
    assert_string_not_equal(retry_id, id);
    json_decref(px_test_wait_report(&f->env, f->mah.key, retry_id, "delivered", 50));
    /* The dead one names its retry (retried_by), the retry none. */
    json_t *dead = px_test_wait_report(&f->env, f->mah.key, id, "dead", 50);
    assert_string_equal(px_test_str(dead, "retried_by"), retry_id);
    json_decref(dead);
    snprintf(path, sizeof(path), "/v1/reports/%s", retry_id);
    json_t *fresh = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_true(json_is_null(json_object_get(fresh, "retried_by")));
    json_decref(fresh);
    /* Repaired: the dead one is listed among those retried, not among those waiting for a
     * retry, and /metrics no longer counts it dead. */
    l = px_test_call(&f->env, "GET", "/v1/reports?state=dead&retried=false", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
    json_decref(l);
    l = px_test_call(&f->env, "GET", "/v1/reports?state=dead&retried=true", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    assert_string_equal(px_test_str(json_array_get(json_object_get(l, "items"), 0), "report_id"),
                        id);
    json_decref(l);
    assert_int_equal(px_test_metric(&f->env, "packid_reports{state=\"dead\"}"), 0);
    px_test_expect_field(&f->env, "GET", "/v1/reports?retried=maybe", f->mah.key, NULL, "retried",
                         "invalid_value");
    snprintf(path, sizeof(path), "/v1/reports/%s/retry", id);
    last_document_valid(f, "P-3");
    /* A report is retried once: the second retry names the first and queues nothing. */
    long long reports_before = px_count_of(&f->env, "SELECT count(*) FROM report");
    json_t *again = px_test_call(&f->env, "POST", path, f->mah.key, NULL, 409);
    json_t *e = json_object_get(again, "error");
    assert_string_equal(px_test_str(e, "code"), "already_retried");
    assert_non_null(strstr(px_test_str(e, "message"), retry_id));
    json_decref(again);
    px_expect_count(&f->env, reports_before, "SELECT count(*) FROM report");
    /* Only failed or dead reports are retried; another tenant's is not found. */
    snprintf(path, sizeof(path), "/v1/reports/%s/retry", retry_id);
    json_decref(px_test_call(&f->env, "POST", path, f->mah.key, NULL, 409));
    px_test_party other;
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", other.org, other.key);
    snprintf(path, sizeof(path), "/v1/reports/%s/retry", id);
    json_decref(px_test_call(&f->env, "POST", path, other.key, NULL, 404));
    json_decref(px_test_call(&f->env, "GET", "/v1/reports?state=bogus", f->mah.key, NULL, 422));
    l = px_test_call(&f->env, "GET", "/v1/reports?first=1", f->mah.key, NULL, 200);
    assert_true(json_is_true(json_object_get(l, "has_next_page")));
    json_decref(l);
    /* Pages of one, newest first, each list whole and in order, filtered or not (the
     * filter applies to the page, the cursor is looked up among all the caller's reports). */
    reports_walk(f, "/v1/reports?first=1", "true");
    reports_walk(f, "/v1/reports?first=1&state=dead", "state = 'dead'");
}

/* A recall tells the markets of the packs it recalls, no other: a pack of the batch released
 * to FR and dispensed there stays as it is, so FR (its endpoint since deactivated) neither
 * blocks the recall nor hears of it. */
static void test_report_preconditions__recall_tells_the_recalled_packs_markets(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    commission(f, "P-5", "PE", 2);
    char body[256];
    snprintf(body, sizeof(body),
             "{\"market\":\"FR\",\"url\":\"http://127.0.0.1:%d/epcis\",\"hmac_secret\":\"" SECRET
             "\"}",
             f->rv.port);
    json_t *e = px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->mah.key, body, 201);
    char fr[96];
    snprintf(fr, sizeof(fr), "/v1/regulator-endpoints/%s", px_test_str(e, "endpoint_id"));
    json_decref(e);
    px_test_expect(&f->env, "POST", "/v1/releases", f->mah.key,
                   "{\"gtin\":\"" GTIN
                   "\",\"batch\":\"P-5\",\"serials\":[\"PE1\"],\"market\":\"DE\"}",
                   201, NULL);
    px_test_expect(&f->env, "POST", "/v1/releases", f->mah.key,
                   "{\"gtin\":\"" GTIN
                   "\",\"batch\":\"P-5\",\"serials\":[\"PE2\"],\"market\":\"FR\"}",
                   201, NULL);
    px_test_expect(&f->env, "POST", "/v1/decommissions", f->mah.key,
                   "{\"gtin\":\"" GTIN "\",\"serials\":[\"PE2\"],\"reason\":\"dispensed\"}", 200,
                   NULL);
    px_test_expect(&f->env, "PATCH", fr, f->mah.key, "{\"active\":false}", 200, NULL);
    px_test_expect(&f->env, "POST", "/v1/recalls", f->mah.key,
                   "{\"gtin\":\"" GTIN "\",\"batch\":\"P-5\",\"reason\":\"recalled\"}", 201, NULL);
    char markets[64];
    px_sql_text(&f->env,
                "SELECT string_agg(r.market, ',' ORDER BY r.market) FROM report r JOIN pack_op o "
                "ON o.id = r.op_id WHERE o.kind = 'recall' AND o.batch = 'P-5'",
                markets, sizeof(markets));
    assert_string_equal(markets, "DE");
    char st[32];
    px_sql_text(&f->env, "SELECT state || '/' || reason FROM serial WHERE serial = 'PE2'", st,
                sizeof(st));
    assert_string_equal(st, "decommissioned/dispensed");
}

/* A status change of packs from several markets (or not released) records one event per
 * market: the DE report carries the DE pack, not the one that never left the MAH. */
static void test_report_preconditions__status_change_report_carries_its_markets_packs(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    commission(f, "P-6", "PF", 2);
    px_test_expect(&f->env, "POST", "/v1/releases", f->mah.key,
                   "{\"gtin\":\"" GTIN
                   "\",\"batch\":\"P-6\",\"serials\":[\"PF1\"],\"market\":\"DE\"}",
                   201, NULL);
    px_test_expect(&f->env, "POST", "/v1/decommissions", f->mah.key,
                   "{\"gtin\":\"" GTIN "\",\"serials\":[\"PF1\",\"PF2\"],\"reason\":\"damaged\"}",
                   200, NULL);
    char id[40];
    px_sql_text(&f->env,
                "SELECT id FROM report WHERE op_id IS NOT NULL ORDER BY created_at DESC LIMIT 1",
                id, sizeof(id));
    json_decref(px_test_wait_report(&f->env, f->mah.key, id, "delivered", 50));
    /* The decommission's document (the batch's earlier reports may arrive after it). */
    const px_received *q = NULL;
    for (int i = px_receiver_count(&f->rv) - 1; i >= 0 && !q; i--)
        if (strstr(f->rv.req[i].body, "bizstep:decommissioning"))
            q = &f->rv.req[i];
    assert_non_null(q);
    px_test_xsd_valid(q->body, q->len);
    if (!strstr(q->body, ".PF1<"))
        fail_msg("the DE report lacks PF1");
    if (strstr(q->body, "PF2"))
        fail_msg("the DE report carries PF2, a pack never released to DE");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event e JOIN pack_op o ON "
                    "o.id = e.op_id WHERE o.kind = 'decommission' AND "
                    "'PF2' = ANY (e.serials) AND e.market IS NULL");
}

/* Never yes now, failure later: a market's last active endpoint is not switched off while a
 * pack released there can still change (its recall would then be refused for want of it);
 * its successor first, and once every pack there is final it may go. */
static void test_report_preconditions__last_endpoint_stays_while_packs_can_change(void **state)
{
    fixture *f = *state;
    commission(f, "P-7", "PI", 2);
    char body[256], first[96], second[96];
    snprintf(body, sizeof(body),
             "{\"market\":\"IT\",\"url\":\"http://127.0.0.1:%d/epcis\",\"hmac_secret\":\"" SECRET
             "\"}",
             f->rv.port);
    json_t *e = px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->mah.key, body, 201);
    snprintf(first, sizeof(first), "/v1/regulator-endpoints/%s", px_test_str(e, "endpoint_id"));
    json_decref(e);
    px_test_expect(&f->env, "POST", "/v1/releases", f->mah.key,
                   "{\"gtin\":\"" GTIN "\",\"batch\":\"P-7\",\"market\":\"IT\"}", 201, NULL);
    static const char *const endpoint_rows[] = {"regulator_endpoint WHERE active", "audit_log",
                                                NULL};
    json_t *j = px_test_refused_answer(&f->env, endpoint_rows, "PATCH", first, f->mah.key,
                                       "{\"active\":false}", NULL, 409, "endpoint_needed");
    json_decref(j);
    e = px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->mah.key, body, 201);
    snprintf(second, sizeof(second), "/v1/regulator-endpoints/%s", px_test_str(e, "endpoint_id"));
    json_decref(e);
    px_test_expect(&f->env, "PATCH", first, f->mah.key, "{\"active\":false}", 200, NULL);
    px_test_expect(&f->env, "PATCH", second, f->mah.key, "{\"active\":false}", 409,
                   "endpoint_needed");
    /* Dispensed, PI1 is final; recalled, PI2 is not: a recalled pack in hand may still be
     * destroyed, and that is reported too. Destroyed, it is final, and the endpoint may go. */
    px_test_expect(&f->env, "POST", "/v1/decommissions", f->mah.key,
                   "{\"gtin\":\"" GTIN "\",\"serials\":[\"PI1\"],\"reason\":\"dispensed\"}", 200,
                   NULL);
    px_test_expect(&f->env, "POST", "/v1/recalls", f->mah.key,
                   "{\"gtin\":\"" GTIN "\",\"batch\":\"P-7\",\"reason\":\"recalled\"}", 201, NULL);
    px_test_expect(&f->env, "PATCH", second, f->mah.key, "{\"active\":false}", 409,
                   "endpoint_needed");
    px_test_expect(&f->env, "POST", "/v1/decommissions", f->mah.key,
                   "{\"gtin\":\"" GTIN "\",\"serials\":[\"PI2\"],\"reason\":\"destroyed\"}", 200,
                   NULL);
    px_test_expect(&f->env, "PATCH", second, f->mah.key, "{\"active\":false}", 200, NULL);
}

/* A change of master data and a product's first release, at once (the release waits on its
 * packs' rows, held by another session, as a large release is still writing): the change waits
 * for the release, then sees its market and is refused (missing_master_data), as it is once the
 * release has committed. Without the product's master data lock (store/product.c) the change
 * committed first, and every report of the recall or decommissioning of the released packs was
 * then refused for the field it removed. */
static void test_report_preconditions__master_data_change_waits_for_a_first_release(void **state)
{
    fixture *f = *state;
#define RACE_GTIN "09506001000038"
#define RACE_MASTER                                                                                \
    "\"dosage_form\":\"CAPSULE\",\"pack_size\":\"21 CAPSULE in 1 BLISTER PACK\","                  \
    "\"manufacturer\":\"Bare MAH\""
    json_decref(px_test_call(&f->env, "POST", "/v1/products", f->mah.key,
                             "{\"gtin\":\"" RACE_GTIN "\",\"company_prefix_length\":7,"
                             "\"name\":\"Race pack\",\"market\":\"DE\",\"master_data\":{"
                             "\"strength\":\"500 mg\"," RACE_MASTER "}}",
                             201));
    px_sqlf(&f->env,
            "INSERT INTO partnership_product (partnership_id, gtin) SELECT id, '" RACE_GTIN
            "' FROM partnership WHERE mah_id = '%s' AND cmo_id = '%s'",
            f->mah.org, f->cmo.org);
    px_test_commission(&f->env, f->cmo.key, RACE_GTIN, "P-R", "751231", "[\"PR1\",\"PR2\"]");
    PGconn *held =
        px_test_hold(&f->env, "SELECT 1 FROM serial WHERE gtin = '" RACE_GTIN "' FOR UPDATE");
    px_test_async rel = {&f->env,
                         "POST",
                         "/v1/releases",
                         f->mah.key,
                         "{\"gtin\":\"" RACE_GTIN "\",\"batch\":\"P-R\",\"market\":\"DE\"}",
                         0,
                         0,
                         "",
                         ""};
    px_test_async_start(&rel);
    assert_true(px_test_wait_row_lock_waiters(&f->env, 1));
    px_test_async change = {&f->env,
                            "PATCH",
                            "/v1/products/" RACE_GTIN,
                            f->mah.key,
                            "{\"master_data\":{" RACE_MASTER "}}",
                            0,
                            0,
                            "",
                            ""};
    px_test_async_start(&change);
    /* The change waits for the release (with the old code it answered at once). */
    assert_true(px_test_wait_row_lock_waiters(&f->env, 2));
    px_test_hold_end(held, NULL);
    assert_int_equal(px_test_async_join(&rel), 201);
    assert_int_equal(px_test_async_join(&change), 422);
    assert_string_equal(change.code, "validation_error");
    assert_string_equal(change.detail, "missing_master_data");
    json_t *p = px_test_call(&f->env, "GET", "/v1/products/" RACE_GTIN, f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(json_object_get(p, "master_data"), "strength"), "500 mg");
    json_decref(p);
#undef RACE_MASTER
#undef RACE_GTIN
}

/* Never yes now, failure later, for markets: a product or a regulator endpoint for a market
 * packid does not report to is refused as it is registered (a release there is always refused:
 * unknown_market); a release into another regime than its product's is refused on its field
 * (a US product's packs, serialized by DSCSA's rules, into an EU FMD market), nothing changed. */
static void test_report_preconditions__markets_checked_where_they_are_given(void **state)
{
    fixture *f = *state;
    static const char *const product_rows[] = {"product", "audit_log", NULL};
    json_t *j = px_test_refused_answer(
        &f->env, product_rows, "POST", "/v1/products", f->mah.key,
        "{\"gtin\":\"09506001000045\",\"company_prefix_length\":7,\"name\":\"JP pack\","
        "\"market\":\"JP\"}",
        NULL, 422, "validation_error");
    px_expect_detail(j, 0, -1, "unknown_market", "market");
    json_decref(j);
    static const char *const endpoint_rows[] = {"regulator_endpoint", "audit_log", NULL};
    char body[256];
    snprintf(body, sizeof(body),
             "{\"market\":\"CH\",\"url\":\"http://127.0.0.1:%d/epcis\",\"hmac_secret\":\"" SECRET
             "\"}",
             f->rv.port);
    j = px_test_refused_answer(&f->env, endpoint_rows, "POST", "/v1/regulator-endpoints",
                               f->mah.key, body, NULL, 422, "validation_error");
    px_expect_detail(j, 0, -1, "unknown_market", "market");
    json_decref(j);
    px_test_product(&f->env, f->mah.key, "09506001000045", "US pack", "US");
    px_test_commissioned_sql(&f->env, "09506001000045", "P-US", "751231", "PU", 2, 2, f->cmo.org);
    j = px_test_refused_answer(&f->env, release_rows, "POST", "/v1/releases", f->mah.key,
                               "{\"gtin\":\"09506001000045\",\"batch\":\"P-US\",\"market\":"
                               "\"DE\"}",
                               NULL, 422, "validation_error");
    px_expect_detail(j, 0, -1, "market_mismatch", "market");
    json_decref(j);
}

/* A delivery's outcome is told (counted in /metrics, logged) once it is recorded: a dead
 * outcome whose recording fails (here the database refuses the report.dead webhook it queues in
 * the same transaction, as a failing disk would) is neither counted nor logged; the report stays
 * sending and is taken up again when its lease runs out (here moved to now), and it is told
 * dead once, when that is recorded. Runs after the test that subscribes to report.dead. */
static void test_report_preconditions__delivery_told_once_recorded(void **state)
{
    fixture *f = *state;
#define DEAD "packid_report_deliveries_total{outcome=\"dead\"}"
    long long dead = px_test_metric(&f->env, DEAD);
    px_test_refuse_rows(&f->env, "webhook_delivery", "NEW.event = 'report.dead'", "XX000");
    commission(f, "P-T", "PT", 1);
    px_receiver_reset(&f->rv, 1000, 0);
    char id[40];
    report_of(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                           "{\"gtin\":\"" GTIN "\",\"batch\":\"P-T\",\"market\":\"DE\"}", 201),
              id);
    /* Both attempts made (PACKID_DELIVERY_MAX_ATTEMPTS=2), the last one's recording refused. */
    /* (px_test_log_has waits 5 s for the line: six rounds at most.) */
    int refused = 0;
    for (int i = 0; i < 6 && !refused; i++)
        refused = px_test_log_has(&f->env, "database error", "injected refusal");
    assert_true(refused);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM report WHERE id = '%s' AND state = 'sending'",
                    id);
    assert_int_equal(px_test_metric(&f->env, DEAD), dead);
    assert_false(px_test_log_has(&f->env, "\"outcome\":\"dead\"", id));
    px_test_refuse_end(&f->env, "webhook_delivery");
    px_sqlf(&f->env, "UPDATE report SET next_attempt_at = now() WHERE id = '%s'", id);
    json_decref(px_test_wait_report(&f->env, f->mah.key, id, "dead", 100));
    assert_int_equal(px_test_metric(&f->env, DEAD), dead + 1);
    assert_true(px_test_log_has(&f->env, "\"outcome\":\"dead\"", id));
    px_receiver_reset(&f->rv, 0, 0);
#undef DEAD
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
