/* EPCIS reports over real HTTP, a real PostgreSQL and a real local receiver: a release queues its
 * market's report; the delivery worker POSTs it, signed, to a receiver that fails the first 3 tries
 * and then accepts — the same bytes, the same document id, a signature that verifies every time.
 * Also: an invalid document is never sent (failed with the schema's reason), max attempts end in
 * dead, a crash between send and mark-sent re-sends the same document, tenant and market scoping,
 * the EPCIS query. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_crypto.h"
#include "px_receiver.h"
#include "px_test.h"

#define GTIN "09506000134369" /* not the demo product (09506000134352) */
#define MAH_GLN "9506000000008"
#define SECRET "receiver-shared-secret-0123456789"
#define AUTH "Bearer regulator-token-XYZ"
#define XSD_ENV "PACKID_EPCIS_XSD_DIR=" PX_SHARED_DIR "/reference/epcis-1.2/xsd"
#define US_GTIN "09506000134376" /* a US product of the same MAH */
#define CMO_GLN "4012345000016"  /* a CMO site outside the product's prefix, GCP length 8 */
#define CMO_SITE2_GLN "4012345000023" /* another site of that company (its prefix) */
/* A tiny GS1 prefix format list (DOMAIN.md §1.5 shape): 0614141 has length 7. */
#define GCP_LIST_XML                                                                               \
    "<?xml version=\"1.0\"?><GCPPrefixFormatList date=\"2025-01-01\">"                             \
    "<entry prefix=\"0614141\" gcpLength=\"7\"/><entry prefix=\"0355154\" gcpLength=\"7\"/>"       \
    "</GCPPrefixFormatList>"

/* ---- fixture ----------------------------------------------------------------------------- */

typedef struct {
    px_test_env env;
    px_receiver rv;
    px_test_party mah, mah2;
    char auditor_key[64];
    char reg_eu_key[64], reg_us_key[64];
    char ep_eu[40], ep_dead[40], ep_crash[40];
    char gcp_list[64];
} fixture;

static void endpoint(fixture *f, const char *market, int port, char *id)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"market\":\"%s\",\"url\":\"http://127.0.0.1:%d/epcis/capture\","
             "\"auth_header\":\"" AUTH "\",\"hmac_secret\":\"" SECRET "\"}",
             market, port);
    json_t *j = px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->mah.key, body, 201);
    snprintf(id, 40, "%s", json_string_value(json_object_get(j, "endpoint_id")));
    assert_null(json_object_get(j, "hmac_secret"));
    assert_null(json_object_get(j, "auth_header"));
    json_decref(j);
}

static int setup(void **state)
{
    fixture *f = px_receiver_fixture_new(sizeof(*f));
    static const char *const server_env[] = {
        XSD_ENV, "PACKID_DELIVERY_BACKOFF_MS=100", "PACKID_DELIVERY_BACKOFF_MAX_MS=400",
        "PACKID_DELIVERY_TIMEOUT_MS=1500", "PACKID_DELIVERY_MAX_ATTEMPTS=5",
        /* The receivers listen on loopback, which the outbound guard refuses by default. */
        "PACKID_OUTBOUND_ALLOW=127.0.0.1", NULL};
    px_test_setenv_list(&f->env, server_env);
    snprintf(f->gcp_list, sizeof(f->gcp_list), "/tmp/packid-gcp-XXXXXX");
    int gfd = mkstemp(f->gcp_list);
    assert_true(gfd >= 0);
    assert_int_equal(write(gfd, GCP_LIST_XML, strlen(GCP_LIST_XML)), (ssize_t)strlen(GCP_LIST_XML));
    close(gfd);
    char gcp_env[128];
    snprintf(gcp_env, sizeof(gcp_env), "PACKID_GCP_LIST=%s", f->gcp_list);
    px_test_setenv(&f->env, gcp_env);
    px_test_server_start(&f->env);
    /* The MAH's GLN with its company prefix length (DOMAIN.md §1.5): the source SGLN of its
     * shipping events whatever the product's prefix. */
    px_test_mah_gln(&f->env, "Report MAH", MAH_GLN, f->mah.org, f->mah.key);
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", f->mah2.org, f->mah2.key);
    char reg[40];
    px_test_regulator(&f->env, "EU hub", "EU", reg, f->reg_eu_key);
    px_test_regulator(&f->env, "FDA", "US", reg, f->reg_us_key);
    px_test_key(&f->env, f->mah.org, "auditor", f->auditor_key);
    json_decref(
        px_test_call(&f->env, "POST", "/v1/products", f->mah.key,
                     "{\"gtin\":\"" GTIN "\",\"company_prefix_length\":7,\"name\":\"Amoxil "
                     "500 mg\",\"market\":\"EU\",\"master_data\":{\"regulated_product_name\":"
                     "\"Amoxil 500 mg\",\"dosage_form\":\"CAPSULE\",\"strength\":\"500 mg\","
                     "\"pack_size\":\"21 CAPSULE in 1 BLISTER PACK\",\"manufacturer\":"
                     "\"Report MAH\"}}",
                     201));
    endpoint(f, "EU", f->rv.port, f->ep_eu);
    /* Port 1 on loopback: nothing listens, every try is refused at once. */
    endpoint(f, "DE", 1, f->ep_dead);
    endpoint(f, "FR", f->rv.port, f->ep_crash);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f && f->gcp_list[0])
        unlink(f->gcp_list);
    return px_receiver_fixture_teardown(state);
}

/* Commissions serials PREFIX-1..n into batch (by the MAH, whose GLN gives the readPoint) and
 * releases the batch to market; returns the report id ("" when none). */
static void commission_release(fixture *f, const char *batch, const char *prefix, int n,
                               const char *market, char report_id[40])
{
    char body[256], serials[1024], first[32];
    snprintf(first, sizeof(first), "%s-", prefix);
    px_test_serials(serials, sizeof(serials), first, 1, n);
    px_test_commission(&f->env, f->mah.key, GTIN, batch, "751231", serials);
    snprintf(body, sizeof(body), "{\"gtin\":\"" GTIN "\",\"batch\":\"%s\",\"market\":\"%s\"}",
             batch, market);
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201);
    json_t *rid = json_object_get(j, "report_id");
    snprintf(report_id, 40, "%s", json_is_string(rid) ? json_string_value(rid) : "");
    json_decref(j);
}

/* commission_release after px_receiver_reset(fail, hang_at): the release must have a
 * report. */
static void reported_release(fixture *f, int fail, int hang_at, const char *batch,
                             const char *prefix, int n, const char *market, char report_id[40])
{
    px_receiver_reset(&f->rv, fail, hang_at);
    commission_release(f, batch, prefix, n, market, report_id);
    assert_int_equal(strlen(report_id), 36);
}

/* ---- the must-show test ------------------------------------------------------------------ */

static void test_reports__delivered_after_three_failures(void **state)
{
    fixture *f = *state;
    char id[40];
    reported_release(f, 3, 0, "B-EU-1", "EU1", 5, "EU", id);
    json_t *j = px_test_wait_report(&f->env, f->mah.key, id, "delivered", 100);
    assert_int_equal(px_test_int(j, "attempts"), 4);
    assert_string_equal(px_test_str(j, "market"), "EU");
    json_t *att = json_object_get(j, "delivery_attempts");
    assert_int_equal(json_array_size(att), 4);
    for (size_t i = 0; i < 3; i++) {
        json_t *a = json_array_get(att, i);
        assert_string_equal(px_test_str(a, "outcome"), "retry");
        assert_int_equal(px_test_int(a, "http_status"), 500);
    }
    assert_string_equal(px_test_str(json_array_get(att, 3), "outcome"), "delivered");
    /* Delivered, it has no error left (as a webhook delivery); its attempts keep theirs. */
    assert_true(json_is_null(json_object_get(j, "last_error")));
    json_decref(j);

    assert_int_equal(px_receiver_count(&f->rv), 4);
    px_receiver *rv = &f->rv;
    char doc_id0[80], ids0[8192];
    px_between(rv->req[0].body, "<sbdh:InstanceIdentifier>", "</sbdh:InstanceIdentifier>", doc_id0,
               sizeof(doc_id0));
    px_test_xml_event_ids(rv->req[0].body, ids0, sizeof(ids0));
    assert_string_equal(doc_id0, id);
    /* 5 commissioning serials in one event + the release event, each with its hash ID. */
    assert_non_null(strstr(ids0, "ni:///sha-256;"));
    assert_non_null(strstr(rv->req[0].body, "urn:epcglobal:cbv:bizstep:commissioning"));
    assert_non_null(strstr(rv->req[0].body, "urn:epcglobal:cbv:bizstep:shipping"));
    assert_non_null(strstr(rv->req[0].body, "<cbvmda:lotNumber>B-EU-1</cbvmda:lotNumber>"));
    for (int i = 0; i < 4; i++) {
        px_received *q = &rv->req[i];
        /* the signature verifies with the shared secret */
        char hex[65], want[80];
        px_hmac_sha256_hex(hex, SECRET, strlen(SECRET), q->body, q->len);
        snprintf(want, sizeof(want), "sha256=%s", hex);
        assert_string_equal(q->signature, want);
        assert_string_equal(q->auth, AUTH);
        assert_string_equal(q->doc_id, id);
        /* the same document id and event ids on every try — in fact the same bytes */
        char doc_id[80], ids[8192];
        px_between(q->body, "<sbdh:InstanceIdentifier>", "</sbdh:InstanceIdentifier>", doc_id,
                   sizeof(doc_id));
        px_test_xml_event_ids(q->body, ids, sizeof(ids));
        assert_string_equal(doc_id, doc_id0);
        assert_string_equal(ids, ids0);
        assert_int_equal(q->len, rv->req[0].len);
        assert_memory_equal(q->body, rv->req[0].body, q->len);
    }
    px_test_xsd_valid(rv->req[0].body, rv->req[0].len);

    /* GET …/document is byte for byte what was delivered. */
    char path[128];
    snprintf(path, sizeof(path), "/v1/reports/%s/document", id);
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "application/xml"));
    assert_int_equal(r.len, rv->req[0].len);
    assert_memory_equal(r.body, rv->req[0].body, r.len);
    px_http_resp_free(&r);
}

/* A release's document: GET /v1/reports/{id}/document, checked against the EPCIS 1.2 XSD; the
 * number of its ObjectEvents into *events. The report is delivered before this returns, so no
 * later test's receiver sees it. Caller frees. */
static char *release_document(fixture *f, const char *body, int *events)
{
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201);
    char id[40], path[128];
    snprintf(id, sizeof(id), "%s", px_test_str(j, "report_id"));
    json_decref(j);
    json_decref(px_test_wait_report(&f->env, f->mah.key, id, "delivered", 100));
    snprintf(path, sizeof(path), "/v1/reports/%s/document", id);
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    px_test_xsd_valid(r.body, r.len);
    *events = px_occurrences(r.body, "<ObjectEvent>");
    char *doc = strdup(r.body);
    px_http_resp_free(&r);
    assert_non_null(doc);
    return doc;
}

static void test_reports__scoping(void **state)
{
    fixture *f = *state;
    char id[40];
    px_sql_text(&f->env, "SELECT id FROM report WHERE market = 'EU' LIMIT 1", id, sizeof(id));
    assert_int_equal(strlen(id), 36);
    char path[128], doc[160];
    snprintf(path, sizeof(path), "/v1/reports/%s", id);
    snprintf(doc, sizeof(doc), "/v1/reports/%s/document", id);
    json_decref(px_test_call(&f->env, "GET", path, f->auditor_key, NULL, 200));
    json_decref(px_test_call(&f->env, "GET", path, f->reg_eu_key, NULL, 200));
    json_decref(px_test_call(&f->env, "GET", doc, f->reg_eu_key, NULL, 200));
    /* another tenant, another market's regulator: 404, nothing leaks */
    json_decref(px_test_call(&f->env, "GET", path, f->mah2.key, NULL, 404));
    json_decref(px_test_call(&f->env, "GET", doc, f->mah2.key, NULL, 404));
    json_decref(px_test_call(&f->env, "GET", path, f->reg_us_key, NULL, 404));
    json_decref(px_test_call(&f->env, "GET", "/v1/reports/not-a-uuid", f->mah.key, NULL, 404));
    /* endpoints: listed without secrets; only a MAH writes them */
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/regulator-endpoints", f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "items")), 3);
    assert_null(strstr(r.body, SECRET));
    assert_null(strstr(r.body, "regulator-token"));
    px_http_resp_free(&r);
    json_t *j = px_test_call(&f->env, "GET", "/v1/regulator-endpoints", f->mah2.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    /* a token in the URL's query is never shown back */
    json_decref(px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->mah2.key,
                             "{\"market\":\"DE\",\"url\":\"https://example.org/x?token=s3cr3t\"}",
                             201));
    px_http(&f->env, &r, "GET", "/v1/regulator-endpoints", f->mah2.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "s3cr3t"));
    assert_non_null(strstr(r.body, "https://example.org/x?<redacted>"));
    px_http_resp_free(&r);
    json_decref(px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->reg_eu_key,
                             "{\"market\":\"EU\",\"url\":\"https://example.org/x\"}", 403));
    /* the secrets are not in the audit log either */
    px_expect_count(&f->env, 0, "%s",
                    "SELECT count(*) FROM audit_log WHERE details::text "
                    "LIKE '%" SECRET "%' OR details::text LIKE "
                    "'%regulator-token%'");
}

static void test_reports__endpoint_checks(void **state)
{
    fixture *f = *state;
    /* Each refused for its own defect, named (field and code), and nothing stored. */
    static const struct {
        const char *body, *field, *code;
    } bad[] = {
        {"{\"market\":\"EU\",\"url\":\"http://example.org/in\"}", "url",
         "invalid_url"}, /* http off loopback */
        {"{\"market\":\"EU\",\"url\":\"ftp://127.0.0.1/in\"}", "url", "invalid_url"},
        {"{\"market\":\"EU\",\"url\":\"https://u:p@example.org/in\"}", "url",
         "invalid_url"}, /* credentials in the URL */
        {"{\"market\":\"eu\",\"url\":\"https://example.org/in\"}", "market", "invalid_market"},
        {"{\"market\":\"EU\",\"url\":\"https://example.org/in\",\"auth_header\":\"a\\r\\nX: y\"}",
         "auth_header", "invalid_header"},
        {"{\"market\":\"EU\",\"url\":\"https://example.org/in\",\"auth_header\":\" \"}",
         "auth_header", "invalid_header"},
        {"{\"market\":\"EU\",\"url\":\"https://example.org/in\",\"hmac_secret\":\"short\"}",
         "hmac_secret", "invalid_value"},
        {"{\"market\":\"EU\",\"url\":\"https://example.org/in\",\"colour\":\"red\"}", "colour",
         "unknown_field"},
    };
    static const char *const stored[] = {"regulator_endpoint", "audit_log", NULL};
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        json_t *j = px_test_refused_answer(&f->env, stored, "POST", "/v1/regulator-endpoints",
                                           f->mah.key, bad[i].body, NULL, 422, "validation_error");
        px_expect_detail(j, 0, -1, bad[i].code, bad[i].field);
        json_decref(j);
    }
}

static long long release_rows(fixture *f)
{
    return px_sql_count(&f->env, "SELECT (SELECT count(*) FROM market_release) * 1000000 + "
                                 "(SELECT count(*) FROM epcis_event) * 1000 + "
                                 "(SELECT count(*) FROM report) + "
                                 "(SELECT count(*) FROM serial WHERE state = 'released') * 7 + "
                                 "(SELECT count(*) FROM audit_log) * 13");
}

/* A market that requires reports and has no endpoint: the release is refused (422
 * report_precondition, no_endpoint) and nothing changes; the commissioning stands. */
static void test_reports__no_endpoint_refused(void **state)
{
    fixture *f = *state;
    json_decref(
        px_test_call(&f->env, "POST", "/v1/commissions", f->mah.key,
                     "{\"product_code\":\"" GTIN "\",\"product_code_schema\":\"GTIN\","
                     "\"batch\":\"B-IT-1\",\"expiry_date\":\"751231\",\"serials\":[\"IT1-1\","
                     "\"IT1-2\"]}",
                     200));
    long long before = release_rows(f);
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"B-IT-1\",\"market\":\"IT\"}", 422);
    assert_int_equal(json_array_size(px_test_details(j)), 1);
    px_expect_detail(j, 0, -1, "no_endpoint", NULL);
    json_decref(j);
    assert_int_equal(release_rows(f), before);
}

/* with PACKID_EPCIS_XSD_DIR set, an invalid document is never sent. */
static void test_reports__invalid_document_is_never_sent(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    /* A document the official XSD refuses: an ObjectEvent without its required action. */
    px_sqlf(&f->env,
            "INSERT INTO report (id, tenant_id, endpoint_id, market, gtin, document_id, "
            "document, document_sha256) VALUES ('11111111-2222-4333-8444-555555555555', '%s', "
            "'%s', 'EU', '" GTIN "', '11111111-2222-4333-8444-555555555555', "
            "'<?xml version=\"1.0\"?><epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:"
            "xsd:1\" schemaVersion=\"1.2\" creationDate=\"2026-01-01T00:00:00Z\"><EPCISBody>"
            "<EventList><ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime>"
            "<eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcList/></ObjectEvent>"
            "</EventList></EPCISBody></epcis:EPCISDocument>', repeat('0', 64))",
            f->mah.org, f->ep_eu);
    const char *why[] = {"epcis_schema", "action", NULL};
    px_receiver_expect_unsent(&f->env, &f->rv, f->mah.key, "11111111-2222-4333-8444-555555555555",
                              why);
}

static void test_reports__max_attempts_then_dead(void **state)
{
    fixture *f = *state;
    char id[40];
    commission_release(f, "B-DE-1", "DE1", 3, "DE", id);
    assert_int_equal(strlen(id), 36);
    json_t *j = px_test_wait_report(&f->env, f->mah.key, id, "dead", 100);
    assert_int_equal(px_test_int(j, "attempts"), 5);
    assert_int_equal(json_array_size(json_object_get(j, "delivery_attempts")), 5);
    assert_non_null(json_string_value(json_object_get(j, "last_error")));
    assert_string_equal(
        px_test_str(json_array_get(json_object_get(j, "delivery_attempts"), 4), "outcome"), "dead");
    json_decref(j);
    px_sleep_ms(500);
    j = px_test_wait_report(&f->env, f->mah.key, id, "dead", 100);
    assert_int_equal(px_test_int(j, "attempts"), 5);
    json_decref(j);
}

/* Holds the receiver's hung request until it arrives (30 s at most). */
static void wait_hung(px_receiver *rv)
{
    pthread_mutex_lock(&rv->mu);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;
    while (!rv->hung)
        if (pthread_cond_timedwait(&rv->cv, &rv->mu, &dl) == ETIMEDOUT)
            break;
    int hung = rv->hung;
    pthread_mutex_unlock(&rv->mu);
    assert_true(hung);
}

/* Lets the receiver's held request go: closed without an answer. */
static void release_hang(px_receiver *rv)
{
    pthread_mutex_lock(&rv->mu);
    rv->release_hang = 1;
    pthread_cond_broadcast(&rv->cv);
    pthread_mutex_unlock(&rv->mu);
}

/* A crash between send and mark-sent: the receiver holds the first POST, packid is killed,
 * a new packid re-sends when the lease runs out — the same bytes. */
static void test_reports__crash_between_send_and_mark_sent(void **state)
{
    fixture *f = *state;
    char id[40];
    reported_release(f, 0, 1, "B-FR-1", "FR1", 4, "FR", id);
    px_receiver *rv = &f->rv;
    wait_hung(rv);
    px_test_server_kill(&f->env);
    release_hang(rv);
    char st[32];
    px_sql_textf(&f->env, st, sizeof(st), "SELECT state FROM report WHERE id = '%s'", id);
    assert_string_equal(st, "sending");
    px_test_server_start(&f->env);
    json_t *j = px_test_wait_report(&f->env, f->mah.key, id, "delivered", 100);
    assert_int_equal(px_test_int(j, "attempts"), 2);
    json_t *a0 = json_array_get(json_object_get(j, "delivery_attempts"), 0);
    assert_true(json_is_null(json_object_get(a0, "finished_at"))); /* the lost attempt */
    json_decref(j);
    assert_int_equal(px_receiver_count(rv), 2);
    assert_int_equal(rv->req[0].len, rv->req[1].len);
    assert_memory_equal(rv->req[0].body, rv->req[1].body, rv->req[0].len);
}

/* A release whose report's first POST the receiver holds (the sender stalls), and what
 * another process then does with the report once the lease has run out: set (an UPDATE's SET
 * list) on attempt 2. The report's id into id. */
static void stall_then_take_over(fixture *f, const char *batch, const char *prefix,
                                 const char *set, char id[40])
{
    reported_release(f, 0, 1, batch, prefix, 2, "FR", id);
    wait_hung(&f->rv);
    px_expect_count(&f->env, 1,
                    "WITH u AS (UPDATE report SET attempts = 2, %s WHERE id = '%s' "
                    "AND attempts = 1 RETURNING 1) SELECT count(*) FROM u",
                    set, id);
}

/* ---- the EPCIS query ------------------------------------------------------------------ */

static px_http_resp query(fixture *f, const char *key, const char *qs, long want)
{
    char path[512];
    snprintf(path, sizeof(path), "/v1/epcis/events%s", qs);
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, key, NULL, NULL);
    if (r.status != want)
        fail_msg("GET %s: got %ld %s", path, r.status, r.body);
    return r;
}

static void test_reports__epcis_query(void **state)
{
    fixture *f = *state;
    const char *mah = f->mah.key, *auditor = f->auditor_key, *mah2 = f->mah2.key;
    const char *reg_eu = f->reg_eu_key, *reg_us = f->reg_us_key;
    const struct {
        int line;
        const char *key, *qs;
        long want;
        int events; /* <ObjectEvent>s in the answer */
        int xsd;    /* checked against the official query XSD */
        const char *has[2], *lacks[2];
    } q[] = {
        /* EU1-2 was commissioned in B-EU-1 and released to EU: two events carry it. */
        {__LINE__,
         mah,
         "?MATCH_epc=urn:epc:id:sgtin:9506000.013436.EU1-2",
         200,
         2,
         1,
         {"urn:epcglobal:epcis-query:xsd:1"},
         {NULL}},
        {__LINE__,
         mah,
         "?MATCH_epc=urn:epc:id:sgtin:9506000.013436.EU1-2&EQ_bizStep=commissioning",
         200,
         1,
         0,
         {"bizstep:commissioning"},
         {NULL}},
        /* EU, DE, FR releases */
        {__LINE__,
         mah,
         "?EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping",
         200,
         3,
         0,
         {NULL},
         {NULL}},
        {__LINE__,
         mah,
         "?GE_eventTime=2000-01-01T00:00:00Z&LT_eventTime=2000-01-02T00:00:00Z",
         200,
         0,
         1,
         {NULL},
         {NULL}},
        {__LINE__,
         mah,
         "?EQ_bizLocation=urn:epc:id:sgln:9506000.00000.0&EQ_bizStep=shipping",
         200,
         3,
         0,
         {NULL},
         {NULL}},
        /* The auditor sees the MAH's events; another MAH none. */
        {__LINE__, auditor, "?EQ_bizStep=shipping", 200, 3, 0, {NULL}, {NULL}},
        {__LINE__, mah2, "", 200, 0, 0, {NULL}, {NULL}},
        /* The EU regulator: the EU release and its batch's commissioning only. */
        {__LINE__, reg_eu, "", 200, 2, 1, {"B-EU-1", "EU1-"}, {"IT1-", "DE1-"}},
        {__LINE__, reg_us, "", 200, 0, 0, {NULL}, {NULL}},
        /* Bad parameters are 422. */
        {__LINE__, mah, "?MATCH_epc=urn:epc:id:grai:9506000.00001.1", 422, 0, 0, {NULL}, {NULL}},
        {__LINE__, mah, "?EQ_bizStep=flying", 422, 0, 0, {NULL}, {NULL}},
        {__LINE__, mah, "?GE_eventTime=yesterday", 422, 0, 0, {NULL}, {NULL}},
    };
    for (size_t i = 0; i < PX_COUNT(q); i++) {
        px_http_resp r = query(f, q[i].key, q[i].qs, q[i].want);
        if (q[i].want == 200) {
            assert_non_null(strstr(r.content_type, "application/xml"));
            if (px_occurrences(r.body, "<ObjectEvent>") != q[i].events)
                fail_msg("%s:%d: %d events, want %d", __FILE__, q[i].line,
                         px_occurrences(r.body, "<ObjectEvent>"), q[i].events);
        }
        for (int k = 0; k < 2; k++) {
            if (q[i].has[k] && !strstr(r.body, q[i].has[k]))
                fail_msg("%s:%d: no %s", __FILE__, q[i].line, q[i].has[k]);
            if (q[i].lacks[k] && strstr(r.body, q[i].lacks[k]))
                fail_msg("%s:%d: %s", __FILE__, q[i].line, q[i].lacks[k]);
        }
        if (q[i].xsd)
            px_test_xsd_valid(r.body, r.len);
        px_http_resp_free(&r);
    }
}

/* Runs `packid <args…>` and fails unless it exits with want_rc; its "events" (-1 when it
 * failed). */
static long long cli_events(fixture *f, const char *const *args, int want_rc)
{
    int rc;
    json_t *j = px_test_cli(&f->env, &rc, args);
    assert_int_equal(rc, want_rc);
    long long events = want_rc == 0 ? px_test_int(j, "events") : -1;
    json_decref(j);
    return events;
}

/* `packid epcis export`: the GTIN's (or batch's) events as one valid EPCIS document. */
static void test_reports__cli_export(void **state)
{
    fixture *f = *state;
    char dir[256], out[300];
    px_test_tmpdir(dir, sizeof(dir), "export");
    snprintf(out, sizeof(out), "%s/events.xml", dir);
    const char *a[] = {"epcis", "export", "--gtin", GTIN, "--batch", "B-EU-1", "-o", out, NULL};
    assert_int_equal(cli_events(f, a, 0), 2);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    px_test_read(out, 0, buf, 1 << 20);
    assert_non_null(strstr(buf, "EPCClass"));
    assert_int_equal(px_occurrences(buf, "<ObjectEvent>"), 2);
    px_test_xsd_valid(buf, strlen(buf));
    free(buf);
    const char *all[] = {"epcis", "export", "--gtin", GTIN, "-o", out, NULL};
    assert_int_equal(cli_events(f, all, 0), 7);
    const char *bad[] = {"epcis", "export", "--gtin", "123", "-o", out, NULL};
    cli_events(f, bad, 1);
    px_test_rmdir(dir);
}

/* A batch released in parts: each release's report carries the commissioning events that name
 * the packs it released, and the release's event; not the batch's other commissionings, which
 * the earlier (or a later) part carries (docs/aggregation.md "Releasing a large batch by pallets").
 */
static void test_reports__release_in_parts_carries_its_commissioning(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    static const char *const part[] = {"PART-A-", "PART-B-", "PART-C-", "PART-D-"};
    for (int i = 0; i < 4; i++) {
        char serials[256];
        px_test_serials(serials, sizeof(serials), part[i], 1, i + 1);
        px_test_commission(&f->env, f->mah.key, GTIN, "B-PARTS", "751231", serials);
    }
    /* A's packs alone: commissioning A and the release. */
    int events = 0;
    char *doc = release_document(f,
                                 "{\"gtin\":\"" GTIN "\",\"batch\":\"B-PARTS\",\"market\":\"EU\","
                                 "\"serials\":[\"PART-A-1\"]}",
                                 &events);
    assert_int_equal(events, 2);
    assert_non_null(strstr(doc, "PART-A-1"));
    for (int i = 1; i < 4; i++)
        if (strstr(doc, part[i]))
            fail_msg("the first part's report names %s", part[i]);
    free(doc);
    /* One pack of B: commissioning B (all of its packs, as recorded) and the release. */
    doc = release_document(f,
                           "{\"gtin\":\"" GTIN "\",\"batch\":\"B-PARTS\",\"market\":\"EU\","
                           "\"serials\":[\"PART-B-2\"]}",
                           &events);
    assert_int_equal(events, 2);
    assert_non_null(strstr(doc, "PART-B-1"));
    assert_null(strstr(doc, "PART-A-"));
    assert_null(strstr(doc, "PART-C-"));
    free(doc);
    /* The rest of the batch (B-1, all of C and D): three commissionings and the release;
     * A's, whose packs are all released by the first part, is not sent again. */
    doc = release_document(f, "{\"gtin\":\"" GTIN "\",\"batch\":\"B-PARTS\",\"market\":\"EU\"}",
                           &events);
    assert_int_equal(events, 4);
    assert_null(strstr(doc, "PART-A-"));
    assert_non_null(strstr(doc, "PART-B-1"));
    assert_non_null(strstr(doc, "PART-C-3"));
    assert_non_null(strstr(doc, "PART-D-4"));
    free(doc);
}

/* ---- GLN prefix lengths and shipping data ------------------------------------------- */

/* `packid org create` of a CMO called "CLI CMO" with gln (NULL: none) and prefix_length;
 * fails unless it exits with want_rc, and a refusal (1) is invalid_value on
 * gln_prefix_length. Returns its output (the caller json_decref()s). */
static json_t *cli_cmo(fixture *f, const char *gln, const char *prefix_length, int want_rc)
{
    const char *args[12] = {"org", "create", "--kind", "cmo", "--name", "CLI CMO"};
    size_t n = 6;
    if (gln) {
        args[n++] = "--gln";
        args[n++] = gln;
    }
    args[n++] = "--gln-prefix-length";
    args[n++] = prefix_length;
    args[n] = NULL;
    int rc;
    json_t *j = px_test_cli(&f->env, &rc, args);
    assert_int_equal(rc, want_rc);
    if (want_rc == 1) {
        json_t *e = json_object_get(j, "error");
        assert_string_equal(px_test_str(e, "code"), "invalid_value");
        assert_string_equal(px_test_str(e, "field"), "gln_prefix_length");
    }
    return j;
}

/* A CMO site GLN outside the product's company prefix. With its prefix length (given
 * at POST /v1/partners) its commissioning event gets the right SGLN as readPoint, and the EU
 * report of the batch (the EU profile requires readPoint on every event) is delivered. */
static void test_reports__cmo_gln_prefix_gives_read_point(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    /* bad prefix lengths: 422, nothing created */
    long long orgs = px_sql_count(&f->env, "SELECT count(*) FROM organization");
    static const char *const bad_cmo[] = {
        "{\"name\":\"Bad CMO\",\"gln\":\"" CMO_GLN "\",\"gln_prefix_length\":5,\"gtins\":[\"" GTIN
        "\"]}",
        "{\"name\":\"Bad CMO\",\"gln_prefix_length\":8,\"gtins\":[\"" GTIN "\"]}",
        "{\"name\":\"Bad CMO\",\"gln\":\"" CMO_GLN
        "\",\"gln_prefix_length\":\"8\",\"gtins\":[\"" GTIN "\"]}"};
    for (size_t i = 0; i < PX_COUNT(bad_cmo); i++)
        json_decref(px_test_call(&f->env, "POST", "/v1/partners", f->mah.key, bad_cmo[i], 422));
    px_expect_count(&f->env, orgs, "SELECT count(*) FROM organization");

    json_t *j =
        px_test_call(&f->env, "POST", "/v1/partners", f->mah.key,
                     "{\"name\":\"Site CMO\",\"gln\":\"" CMO_GLN "\",\"gln_prefix_length\":8,"
                     "\"gtins\":[\"" GTIN "\"]}",
                     201);
    px_test_party cmo;
    snprintf(cmo.key, sizeof(cmo.key), "%s", json_string_value(json_object_get(j, "api_key")));
    snprintf(cmo.org, sizeof(cmo.org), "%s", json_string_value(json_object_get(j, "org_id")));
    json_decref(j);
    char v[256];
    px_sql_textf(&f->env, v, sizeof(v),
                 "SELECT gln_prefix_length FROM organization WHERE id = '%s'", cmo.org);
    assert_string_equal(v, "8");

    j = px_test_call(&f->env, "POST", "/v1/commissions", cmo.key,
                     "{\"product_code\":\"" GTIN "\",\"product_code_schema\":\"GTIN\",\"batch\":"
                     "\"B-CMO-EU\",\"expiry_date\":\"751231\",\"serials\":[\"CMO-1\",\"CMO-2\"]}",
                     200);
    char event_id[40];
    snprintf(event_id, sizeof(event_id), "%s", json_string_value(json_object_get(j, "event_id")));
    json_decref(j);
    /* SGLN of GLN 4012345000016 with an 8-digit prefix: CP 40123450, location ref 0001, no
     * extension (DOMAIN.md §5.1). */
    px_sql_textf(&f->env, v, sizeof(v),
                 "SELECT read_point || ' ' || biz_location || ' ' || location_gln FROM epcis_event "
                 "WHERE id = '%s'",
                 event_id);
    assert_string_equal(v,
                        "urn:epc:id:sgln:40123450.0001.0 urn:epc:id:sgln:40123450.0001.0 " CMO_GLN);

    json_t *rel =
        px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                     "{\"gtin\":\"" GTIN "\",\"batch\":\"B-CMO-EU\",\"market\":\"EU\"}", 201);
    char id[40];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(rel, "report_id")));
    json_decref(rel);
    j = px_test_wait_report(&f->env, f->mah.key, id, "delivered", 100);
    json_decref(j);
    assert_int_equal(px_receiver_count(&f->rv), 1);
    const char *doc = f->rv.req[0].body;
    assert_non_null(strstr(doc, "<readPoint><id>urn:epc:id:sgln:40123450.0001.0</id></readPoint>"));
    assert_non_null(strstr(doc, "<readPoint><id>urn:epc:id:sgln:9506000.00000.0</id></readPoint>"));
    px_test_xsd_valid(doc, f->rv.req[0].len);

    /* Without a given length the GLN's prefix comes from GS1's prefix list (gcppos1). */
    static const struct {
        const char *body, *prefix_length;
    } listed[] = {
        {"{\"name\":\"Listed CMO\",\"gln\":\"0614141000029\",\"gtins\":[\"" GTIN "\"]}", "7"},
        /* …and stays unknown (NULL) when the list has no entry: the product-prefix rule
         * applies. */
        {"{\"name\":\"Unlisted CMO\",\"gln\":\"1234567000008\",\"gtins\":[\"" GTIN "\"]}", "null"},
    };
    for (size_t i = 0; i < PX_COUNT(listed); i++) {
        j = px_test_call(&f->env, "POST", "/v1/partners", f->mah.key, listed[i].body, 201);
        px_sql_textf(&f->env, v, sizeof(v),
                     "SELECT coalesce(gln_prefix_length::text, 'null') FROM organization WHERE "
                     "id = '%s'",
                     px_test_str(j, "org_id"));
        json_decref(j);
        assert_string_equal(v, listed[i].prefix_length);
    }
    /* The CLI and the operator route take it too (another site of the same company: a GLN
     * is one organization's, its prefix may be several sites'). */
    j = cli_cmo(f, CMO_SITE2_GLN, "8", 0);
    assert_int_equal(px_test_int(j, "gln_prefix_length"), 8);
    json_decref(j);
    json_decref(cli_cmo(f, CMO_SITE2_GLN, "13", 1));
    /* The same rules as the API's (service/orgs.c), not the command line's own: a prefix
     * length needs a GLN. */
    j = cli_cmo(f, NULL, "8", 1);
    assert_non_null(strstr(px_test_str(json_object_get(j, "error"), "message"), "needs a gln"));
    json_decref(j);
}

/* A US (DSCSA) release carries its shipping data — source (the MAH), destination
 * (ship_to) and the business transaction — so the us-dscsa report is delivered; without them
 * the release is refused with 422 and nothing changes. */
static void test_reports__us_release_with_shipping(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    json_decref(
        px_test_call(&f->env, "POST", "/v1/products", f->mah.key,
                     "{\"gtin\":\"" US_GTIN "\",\"company_prefix_length\":7,\"name\":\"Examplamab "
                     "50 mg\",\"market\":\"US\",\"master_data\":{\"regulated_product_name\":"
                     "\"Examplamab\",\"dosage_form\":\"TABLET\",\"strength\":\"50 mg\","
                     "\"pack_size\":\"30 TABLET in 1 BOTTLE\",\"manufacturer\":\"Report MAH\","
                     "\"ndc\":\"12345-6789-01\"}}",
                     201));
    char ep_us[40];
    endpoint(f, "US", f->rv.port, ep_us);
    json_decref(
        px_test_call(&f->env, "POST", "/v1/commissions", f->mah.key,
                     "{\"product_code\":\"" US_GTIN "\",\"product_code_schema\":\"GTIN\","
                     "\"batch\":\"B-US-1\",\"expiry_date\":\"751231\",\"serials\":[\"US1-1\","
                     "\"US1-2\",\"US1-3\"]}",
                     200));

#define REL "{\"gtin\":\"" US_GTIN "\",\"batch\":\"B-US-1\",\"market\":\"US\""
#define SHIP ",\"ship_to\":{\"owning_party\":\"0614141000005\",\"location\":\"0614141000012\"}"
#define TX ",\"transaction\":{\"type\":\"po\",\"id\":\"PO-4711\"}"
    static const struct {
        const char *body;
        const char *field;
    } bad[] = {
        {REL "}", "ship_to"}, /* DSCSA: no release without them */
        {REL SHIP "}", "transaction"},
        {REL TX "}", "ship_to"},
        {REL ",\"ship_to\":{\"owning_party\":\"0614141000006\",\"location\":\"0614141000012\"}" TX
             "}",
         "ship_to.owning_party"}, /* check digit */
        {REL ",\"ship_to\":{\"owning_party\":\"0614141000005\"}" TX "}", "ship_to.location"},
        {REL ",\"ship_to\":{\"owning_party\":\"1234567000008\",\"location\":\"0614141000012\"}" TX
             "}",
         "ship_to.prefix_length"}, /* not in the GCP list, none given */
        {REL ",\"ship_to\":{\"owning_party\":\"0614141000005\",\"location\":\"0614141000012\","
             "\"prefix_length\":13}" TX "}",
         "ship_to.prefix_length"},
        {REL ",\"ship_to\":{\"owning_party\":\"0614141000005\",\"location\":\"0614141000012\","
             "\"colour\":\"red\"}" TX "}",
         "ship_to.colour"},
        {REL SHIP ",\"transaction\":{\"type\":\"cheque\",\"id\":\"PO-4711\"}}", "transaction.type"},
        {REL SHIP ",\"transaction\":{\"type\":\"po\"}}", "transaction.id"},
        {REL SHIP ",\"transaction\":{\"type\":\"po\",\"id\":\"PO\\u0007\"}}", "transaction.id"},
        {REL SHIP ",\"transaction\":\"po\"}", "transaction"},
        {REL SHIP ",\"transaction\":{}}", "transaction"}, /* named, but neither type nor id */
        {NULL, NULL}};
    long long before = release_rows(f);
    for (int i = 0; bad[i].body; i++) {
        json_t *j = px_http_expect(&f->env, "POST", "/v1/releases", f->mah.key, bad[i].body, NULL,
                                   422, "validation_error");
        px_expect_detail(j, 0, -1, NULL, bad[i].field);
        json_decref(j);
        assert_int_equal(release_rows(f), before); /* nothing changed */
    }

    /* ship_to GLNs without prefix_length: GS1's prefix list (0614141 → 7). */
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, REL SHIP TX "}", 201);
    char id[40], release_id[40], event_id[40];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "report_id")));
    snprintf(release_id, sizeof(release_id), "%s",
             json_string_value(json_object_get(j, "release_id")));
    snprintf(event_id, sizeof(event_id), "%s", json_string_value(json_object_get(j, "event_id")));
    assert_int_equal(px_test_int(j, "released"), 3);
    json_decref(j);
#undef REL
#undef SHIP
#undef TX
    j = px_test_wait_report(&f->env, f->mah.key, id, "delivered", 100);
    json_decref(j);
    assert_int_equal(px_receiver_count(&f->rv), 1);
    const char *doc = f->rv.req[0].body;
    px_test_xsd_valid(doc, f->rv.req[0].len);
    /* GS1 US guideline (DOMAIN.md §7, Appendix A): the transaction statement, NDC-11, the
     * shipping event's bizTransaction, source and destination. */
    assert_non_null(strstr(doc, "gs1ushc:dscsaTransactionStatement"));
    assert_non_null(strstr(
        doc, "<gs1ushc:affirmTransactionStatement>true</gs1ushc:affirmTransactionStatement>"));
    assert_non_null(strstr(doc, "FDA_NDC_11"));
    assert_non_null(strstr(doc, "<bizTransaction type=\"urn:epcglobal:cbv:btt:po\">"
                                "urn:epcglobal:cbv:bt:0614141000005:PO-4711</bizTransaction>"));
    assert_non_null(strstr(doc, "<source type=\"urn:epcglobal:cbv:sdt:owning_party\">"
                                "urn:epc:id:sgln:9506000.00000.0</source>"));
    assert_non_null(strstr(doc, "<source type=\"urn:epcglobal:cbv:sdt:location\">"
                                "urn:epc:id:sgln:9506000.00000.0</source>"));
    assert_non_null(strstr(doc, "<destination type=\"urn:epcglobal:cbv:sdt:owning_party\">"
                                "urn:epc:id:sgln:0614141.00000.0</destination>"));
    assert_non_null(strstr(doc, "<destination type=\"urn:epcglobal:cbv:sdt:location\">"
                                "urn:epc:id:sgln:0614141.00001.0</destination>"));
    /* Stored with the release and on its event. */
    char v[512];
    px_sql_textf(&f->env, v, sizeof(v),
                 "SELECT ship_from_gln || ship_to_party_gln || ship_to_location_gln || "
                 "transaction_type || transaction_id FROM market_release WHERE id = '%s'",
                 release_id);
    assert_string_equal(v, MAH_GLN "0614141000005"
                                   "0614141000012"
                                   "po"
                                   "PO-4711");
    px_sql_textf(&f->env, v, sizeof(v),
                 "SELECT concat_ws(' ', source_party, source_location, dest_party, dest_location, "
                 "biz_tx_type, biz_tx) FROM epcis_event WHERE id = '%s'",
                 event_id);
    assert_string_equal(v, "urn:epc:id:sgln:9506000.00000.0 urn:epc:id:sgln:9506000.00000.0 "
                           "urn:epc:id:sgln:0614141.00000.0 urn:epc:id:sgln:0614141.00001.0 po "
                           "urn:epcglobal:cbv:bt:0614141000005:PO-4711");
    /* That the document's eventID is this event's hash, recomputed from the stored fields, is
     * test_event_roundtrip's (a comparison with the stored column would copy what it checks). */
}

/* ---- last (the tests run in the order written): their releases add events that the EPCIS
 * query tests above count ---------------------------------------------------------------- */

/* A sender that stalls past its lease while another process delivers the report: its late
 * outcome (here a failed POST, a retry) stays its attempt's, and the delivered report is
 * neither queued again nor sent again (docs/delivery.md "A sender that stalls past its
 * lease"). */
static void test_reports__superseded_attempt_changes_nothing(void **state)
{
    fixture *f = *state;
    char id[40];
    /* The second process delivers it: attempt 2, delivered. */
    stall_then_take_over(f, "B-FR-2", "FR2", "state = 'delivered', delivered_at = now()", id);
    px_receiver *rv = &f->rv;
    release_hang(rv); /* the stalled sender's POST fails: a retry */
    px_count_soon(&f->env, 200,
                  "SELECT count(*) FROM report_attempt WHERE report_id = '%s' AND n = 1 AND "
                  "finished_at IS NOT NULL",
                  id);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM report_attempt WHERE report_id = '%s' AND "
                    "n = 1 AND outcome = 'retry'",
                    id);
    px_sleep_ms(600); /* past the backoff (100-400 ms): a queued report would be sent again */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM report WHERE id = '%s' AND state = "
                    "'delivered' AND attempts = 2",
                    id);
    assert_int_equal(px_receiver_count(rv), 1);
    assert_true(px_test_log_has(&f->env, "superseded", id));
}

/* A batch released in parts to two markets: each market's regulator sees its own release and
 * the commissioning of the packs, never the other market's release (docs/api.md "EPCIS
 * query": the releases to its market and the commissioning events of those batches). */
static void test_reports__regulator_sees_only_its_markets_release(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    px_test_commission(&f->env, f->mah.key, GTIN, "B-TWO", "751231", "[\"TWO-EU\",\"TWO-DE\"]");
    static const char *const markets[] = {"EU", "DE"};
    for (size_t i = 0; i < PX_COUNT(markets); i++) {
        char body[160];
        snprintf(body, sizeof(body),
                 "{\"gtin\":\"" GTIN "\",\"batch\":\"B-TWO\",\"market\":\"%s\","
                 "\"serials\":[\"TWO-%s\"]}",
                 markets[i], markets[i]);
        json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201));
    }
    static const char *const paths[] = {"/v1/epcis/events?EQ_bizStep=shipping",
                                        "/epcis/events?EQ_bizStep=shipping"};
    for (size_t i = 0; i < 2; i++) {
        px_http_resp r;
        px_http(&f->env, &r, "GET", paths[i], f->reg_eu_key, NULL, NULL);
        assert_int_equal(r.status, 200);
        if (!strstr(r.body, "TWO-EU") || strstr(r.body, "TWO-DE"))
            fail_msg("%s: the EU regulator must see the EU release alone: %s", paths[i], r.body);
        px_http_resp_free(&r);
    }
    /* The commissioning of both packs is one event the EU release's report carried. */
    px_http_resp r;
    px_http(&f->env, &r, "GET",
            "/v1/epcis/events?EQ_bizStep=commissioning&MATCH_epc="
            "urn:epc:id:sgtin:9506000.013436.TWO-EU",
            f->reg_eu_key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(px_occurrences(r.body, "<ObjectEvent>"), 1);
    px_http_resp_free(&r);
    /* The two releases' reports are delivered before the next test holds a request. */
    for (int i = 0; i < 200 && px_count_of(&f->env, "SELECT count(*) FROM report WHERE state IN "
                                                    "('queued', 'sending')") > 0;
         i++)
        px_sleep_ms(50);
}

/* A stalled sender whose POST did reach the receiver, answering after another sender's try
 * failed and queued the report again: its "delivered" still counts (the receiver has the
 * document), so the report is not sent again nor ever declared dead. */
static void test_reports__late_delivered_counts(void **state)
{
    fixture *f = *state;
    char id[40];
    /* The second process's try failed: attempt 2, queued for later. */
    stall_then_take_over(f, "B-FR-3", "FR3",
                         "state = 'queued', next_attempt_at = now() + interval '1 hour'", id);
    px_receiver *rv = &f->rv;
    pthread_mutex_lock(&rv->mu);
    rv->release_answers = 1;
    pthread_mutex_unlock(&rv->mu);
    release_hang(rv);
    json_t *j = px_test_wait_report(&f->env, f->mah.key, id, "delivered", 100);
    assert_int_equal(px_test_int(j, "attempts"), 2);
    json_decref(j);
    assert_int_equal(px_receiver_count(rv), 1);
}

/* An endpoint that does not answer puts its queue off: the reports queued behind the one that
 * found it silent wait for that one's retry, and another endpoint's report, queued after them
 * all, goes out meanwhile. Before, each took the send slot in turn for a whole timeout first.
 * The reports copy a delivered one's document (it passes the XSD). Last: it leaves its IT
 * reports dead. */
static void test_reports__silent_endpoint_does_not_hold_others(void **state)
{
    fixture *f = *state;
    int hole_port;
    int hole = px_receiver_black_hole(&hole_port);
    char ep_it[40];
    endpoint(f, "IT", hole_port, ep_it);
    px_receiver_reset(&f->rv, 0, 0);
    static const char copy[] =
        "INSERT INTO report (id, tenant_id, endpoint_id, market, gtin, document_id, document, "
        "document_sha256) SELECT gen_random_uuid(), r.tenant_id, '%s', '%s', r.gtin, "
        "gen_random_uuid(), r.document, r.document_sha256 FROM report r, generate_series(1, %d) "
        "WHERE r.id = (SELECT id FROM report WHERE state = 'delivered' AND market = 'EU' ORDER BY "
        "created_at LIMIT 1)";
    px_sqlf(&f->env, copy, ep_it, "IT", 4);
    px_sqlf(&f->env, copy, f->ep_eu, "EU", 1);
    char eu[40];
    px_sql_textf(&f->env, eu, sizeof(eu),
                 "SELECT id FROM report WHERE endpoint_id = '%s' ORDER BY created_at DESC LIMIT 1",
                 f->ep_eu);
    json_decref(px_test_wait_report(&f->env, f->mah.key, eu, "delivered", 100));
    /* the one send slot (PACKID_WORKERS 2) took at most two of the four before it */
    long long untried = px_count_of(&f->env,
                                    "SELECT count(*) FROM report WHERE endpoint_id = '%s' AND "
                                    "attempts = 0",
                                    ep_it);
    px_sqlf(&f->env, "UPDATE report SET state = 'dead' WHERE endpoint_id = '%s'", ep_it);
    close(hole);
    assert_true(untried >= 1);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
