/* The EPCIS 2.0 REST query GET /epcis/events over a real server and PostgreSQL: the answer
 * in 2.0 JSON-LD validates against the official EPCIS 2.0 JSON schema (python3-jsonschema),
 * in 2.0 XML against the official 2.0 query XSD (xmllint through ../shared/tools); both carry
 * the eventIDs the 1.2 query gives; paging follows the Link rel="next" to the end; the
 * standard parameters select what they name; errors are the binding's RFC 7807 problems;
 * Accept picks the syntax (406 otherwise); tenants and markets see only their events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"
#include "px_test_epcis.h"

#define MAH_GLN "4012345000009"

typedef px_test_tenants fixture;

/* MAH 1: batches C1..C4 commissioned (one serial each, four ObjectEvents ADD commissioning)
 * and C1 released to DE (one ObjectEvent OBSERVE shipping/in_transit): five events. MAH 2:
 * one commissioning event of its own. */
static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    *state = f;
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1:9");
    px_test_server_start(&f->env);
    px_test_tenants_make(f, "REST MAH", MAH_GLN, "DE", 7101);
    px_test_product_master(&f->env, f->gtin);
    px_test_idle_endpoint(&f->env, f->mah.key, "DE");
    for (int i = 1; i <= 4; i++) {
        char batch[8], serials[64];
        snprintf(batch, sizeof(batch), "C%d", i);
        snprintf(serials, sizeof(serials), "[\"RS%d\"]", i);
        px_test_commission(&f->env, f->mah.key, f->gtin, batch, "751231", serials);
    }
    char body[256];
    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"batch\":\"C1\",\"market\":\"DE\"}", f->gtin);
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201));
    px_test_commission(&f->env, f->mah2.key, f->gtin2, "O1", "751231", "[\"OS1\"]");
    return 0;
}

/* GET path as key with the extra request headers h (NULL-terminated); fails unless the
 * status is want. */
static void get_h(fixture *f, px_http_resp *r, const char *key, const char *path,
                  const char *const *h, long want, const char *file, int line)
{
    px_http(&f->env, r, "GET", path, key, NULL, h);
    if (r->status != want)
        fail_msg("%s:%d: GET %s: got %ld, want %ld: %.500s", file, line, path, r->status, want,
                 r->body ? r->body : "");
}

/* GET /epcis/events + qs with an optional Accept; fails unless the status is want. */
static void get(fixture *f, px_http_resp *r, const char *key, const char *qs, const char *accept,
                long want, const char *file, int line)
{
    char path[2048], acc[160];
    snprintf(path, sizeof(path), "/epcis/events%s", qs);
    const char *h[] = {acc, NULL};
    snprintf(acc, sizeof(acc), "Accept: %s", accept ? accept : "");
    get_h(f, r, key, path, accept ? h : NULL, want, file, line);
}

/* GET path as key; fails unless the answer is status with the EPCIS problem type type (RFC 7807
 * bodies, DOMAIN-2.md §14.5): each refusal of the binding's resources is checked so. */
static void get_problem(fixture *f, const char *key, const char *path, long status,
                        const char *type, int line)
{
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, key, NULL, NULL);
    const char *got = r.json ? json_string_value(json_object_get(r.json, "type")) : NULL;
    if (r.status != status || !got || strcmp(got, type) != 0)
        fail_msg("%s:%d: %s: %ld %.300s", __FILE__, line, path, r.status, r.body ? r.body : "");
    px_http_resp_free(&r);
}

/* Case-insensitive strstr (header names are case-insensitive, RFC 9110 §5.1). */
static const char *ci_find(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return s;
    return NULL;
}

/* The eventList of a query answer (px_test_event_list); fails the test when it has none. */
static json_t *event_list(const px_http_resp *r)
{
    json_t *l = px_test_event_list(r->json);
    if (!json_is_array(l))
        fail_msg("no epcisBody.queryResults.resultsBody.eventList in %.500s", r->body);
    return l;
}

/* What the tests asking by one event's own values read of the shipping event (C1's release,
 * the one OBSERVE): its eventID, its read point and its first EPC, as packid writes them. */
typedef struct {
    char id[160], read_point[128], epc[128];
} shipped;

static void shipping_event(fixture *f, shipped *out)
{
    px_http_resp r;
    get(f, &r, f->mah.key, "?EQ_bizStep=shipping", NULL, 200, __FILE__, __LINE__);
    json_t *ship = json_array_get(event_list(&r), 0);
    const char *epc = json_string_value(json_array_get(json_object_get(ship, "epcList"), 0));
    snprintf(out->id, sizeof(out->id), "%s", px_test_str(ship, "eventID"));
    snprintf(out->read_point, sizeof(out->read_point), "%s",
             px_test_str(json_object_get(ship, "readPoint"), "id"));
    snprintf(out->epc, sizeof(out->epc), "%s", epc ? epc : "");
    px_http_resp_free(&r);
}

/* The eventIDs of a JSON-LD answer, each followed by a newline (px_test_event_ids); fails the
 * test when it has no eventList. */
static void json_ids(const px_http_resp *r, char *out, size_t cap)
{
    event_list(r);
    px_test_event_ids(r->json, out, cap);
}

/* REQ-EPCISREST-1: JSON-LD by default and for application/ld+json, valid against both official
 * 2.0 JSON schemas; the version headers are sent. */
static void test_epcis_rest__jsonld_valid_against_official_schema(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    get(f, &r, f->mah.key, "", NULL, 200, __FILE__, __LINE__);
    assert_string_equal(r.content_type, "application/ld+json");
    assert_int_equal(json_array_size(event_list(&r)), 5);
    assert_string_equal(px_test_str(r.json, "type"), "EPCISQueryDocument");
    assert_non_null(ci_find(r.headers, "GS1-EPCIS-Version: 2.0.0"));
    assert_non_null(ci_find(r.headers, "GS1-CBV-Version: 2.0.0"));
    assert_null(ci_find(r.headers, "\nLink:")); /* one page holds them all */
    assert_int_equal(px_test_run_on(PX_TEST_VALIDATE_GS1, r.body, r.len, 0), 0);
    assert_int_equal(px_test_run_on(PX_TEST_VALIDATE_201, r.body, r.len, 0), 0);
    px_http_resp_free(&r);
    get(f, &r, f->mah.key, "", "application/ld+json", 200, __FILE__, __LINE__);
    assert_string_equal(r.content_type, "application/ld+json");
    px_http_resp_free(&r);
    /* The oracle can fail: a CBV URN where the schema wants a bare word. */
    get(f, &r, f->mah.key, "?EQ_bizStep=shipping", NULL, 200, __FILE__, __LINE__);
    char *b = strstr(r.body, "\"bizStep\":\"shipping\"");
    assert_non_null(b);
    size_t cap = r.len + 64;
    char *bad = malloc(cap);
    assert_non_null(bad);
    int n = snprintf(bad, cap, "%.*s\"bizStep\":\"urn:epcglobal:cbv:bizstep:shipping\"%s",
                     (int)(b - r.body), r.body, b + strlen("\"bizStep\":\"shipping\""));
    assert_true(n > 0 && (size_t)n < cap);
    fprintf(stderr, "(an invalid document follows: the validator's complaint is expected)\n");
    assert_int_not_equal(px_test_run_on(PX_TEST_VALIDATE_GS1, bad, (size_t)n, 0), 0);
    free(bad);
    px_http_resp_free(&r);
}

/* REQ-EPCISREST-1: application/xml answers the 2.0 query document, valid against the official
 * 2.0 query XSD, with the same eventIDs as the JSON-LD answer and as the 1.2 query
 * (GET /v1/epcis/events): one hash ID in every syntax. */
static void test_epcis_rest__xml_valid_and_same_ids_as_jsonld_and_1_2(void **state)
{
    fixture *f = *state;
    px_http_resp x, j, v1;
    get(f, &x, f->mah.key, "", "application/xml", 200, __FILE__, __LINE__);
    assert_non_null(strstr(x.content_type, "application/xml"));
    assert_non_null(strstr(x.body, "urn:epcglobal:epcis-query:xsd:2"));
    px_test_xsd_valid(x.body, x.len);
    get(f, &j, f->mah.key, "", "application/json", 200, __FILE__, __LINE__);
    assert_string_equal(j.content_type, "application/json");
    px_http(&f->env, &v1, "GET", "/v1/epcis/events", f->mah.key, NULL, NULL);
    assert_int_equal(v1.status, 200);
    char ix[4096], ij[4096], i1[4096];
    px_test_xml_event_ids(x.body, ix, sizeof(ix));
    json_ids(&j, ij, sizeof(ij));
    px_test_xml_event_ids(v1.body, i1, sizeof(i1));
    assert_int_equal(px_occurrences(ij, "\n"), 5);
    assert_string_equal(ix, ij);
    assert_string_equal(ij, i1);
    px_http_resp_free(&x);
    px_http_resp_free(&j);
    px_http_resp_free(&v1);
}

/* Copies the target of the Link rel="next" header ("" when none). */
static void next_link(const px_http_resp *r, char *out, size_t cap)
{
    out[0] = '\0';
    const char *l = ci_find(r->headers, "\nLink: <");
    if (!l)
        return;
    l += strlen("\nLink: <");
    const char *e = strchr(l, '>');
    assert_non_null(e);
    assert_non_null(strstr(e, "rel=\"next\""));
    snprintf(out, cap, "%.*s", (int)(e - l), l);
}

/* REQ-EPCISREST-2: perPage pages the answer; following Link rel="next" (which keeps the other
 * parameters) visits every event once, in the order of the whole answer; the last page has
 * no Link. */
static void test_epcis_rest__paging_follows_link_to_the_end(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    get(f, &r, f->mah.key, "?EQ_action=ADD|OBSERVE", "application/ld+json", 200, __FILE__,
        __LINE__);
    char all[4096];
    json_ids(&r, all, sizeof(all));
    px_http_resp_free(&r);
    char seen[4096] = "", path[2048] = "/epcis/events?EQ_action=ADD%7COBSERVE&perPage=2";
    int pages = 0;
    while (path[0]) {
        const char *h[] = {"Accept: application/ld+json", NULL};
        px_http(&f->env, &r, "GET", path, f->mah.key, NULL, h);
        if (r.status != 200)
            fail_msg("GET %s: %ld %s", path, r.status, r.body);
        assert_true(json_array_size(event_list(&r)) <= 2);
        char ids[4096];
        json_ids(&r, ids, sizeof(ids));
        strncat(seen, ids, sizeof(seen) - strlen(seen) - 1);
        next_link(&r, path, sizeof(path));
        if (path[0])
            assert_non_null(strstr(path, "EQ_action=ADD%7COBSERVE"));
        px_http_resp_free(&r);
        assert_true(++pages <= 3);
    }
    assert_int_equal(pages, 3);
    assert_string_equal(seen, all);

    /* The token is opaque: "p2." and 32 hex digits, not the page's last position (an
     * installation-wide number, which would tell how many events others recorded). One digit
     * changed is refused, and so is an earlier version's "p1.<position>", with which any tenant
     * could walk the positions and count the events of others. */
    const char *h[] = {"Accept: application/ld+json", NULL};
    px_http(&f->env, &r, "GET", "/epcis/events?EQ_action=ADD%7COBSERVE&perPage=2", f->mah.key, NULL,
            h);
    char first[4096], link[2048], seq[24];
    json_ids(&r, first, sizeof(first));
    next_link(&r, link, sizeof(link));
    px_http_resp_free(&r);
    const char *t = strstr(link, "nextPageToken=");
    assert_non_null(t);
    t += strlen("nextPageToken=");
    assert_int_equal(strncmp(t, "p2.", 3), 0); /* the prefix, whatever hex digit follows */
    assert_int_equal(strspn(t + 3, "0123456789abcdef"), 32);
    char last_id[128];
    snprintf(last_id, sizeof(last_id), "%.*s",
             (int)(strrchr(first, '\n') - strchr(first, '\n') - 1), strchr(first, '\n') + 1);
    px_sql_textf(&f->env, seq, sizeof(seq), "SELECT seq FROM epcis_event WHERE event_hash = '%s'",
                 last_id);
    px_http(&f->env, &r, "GET", link, f->mah.key, NULL, h);
    assert_int_equal(r.status, 200);
    px_http_resp_free(&r);
    char legacy[256], bad[2048];
    snprintf(legacy, sizeof(legacy),
             "/epcis/events?EQ_action=ADD%%7COBSERVE&perPage=2&nextPageToken=p1.%s", seq);
    px_http(&f->env, &r, "GET", legacy, f->mah.key, NULL, h);
    assert_int_equal(r.status, 400);
    px_http_resp_free(&r);
    snprintf(bad, sizeof(bad), "%s", link);
    char *d = bad + strlen(bad) - 1;
    *d = *d == '0' ? '1' : '0';
    px_http(&f->env, &r, "GET", bad, f->mah.key, NULL, h);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "QueryParameterException"));
    px_http_resp_free(&r);
}

/* REQ-EPCISREST-4: each standard parameter selects what it names (the expected counts follow
 * from the fixture's five events). */
static void test_epcis_rest__parameters_select(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    /* The shipping event's own ID, read point and EPC, for the parameters that take one. */
    shipped ship;
    shipping_event(f, &ship);
    assert_non_null(strstr(ship.epc, "urn:epc:id:sgtin:"));
    char q_id[256], q_rp[256], q_epc[256], q_any[256], q_class[256];
    snprintf(q_id, sizeof(q_id), "?EQ_eventID=%s", ship.id);
    snprintf(q_rp, sizeof(q_rp), "?EQ_readPoint=%s", ship.read_point);
    snprintf(q_epc, sizeof(q_epc), "?MATCH_epc=%s", ship.epc);
    snprintf(q_any, sizeof(q_any), "?MATCH_anyEPC=%s", ship.epc);
    /* The class pattern of the EPC: urn:epc:idpat:sgtin:CP.IR.* */
    char cls[128];
    snprintf(cls, sizeof(cls), "urn:epc:idpat:sgtin:%.100s",
             ship.epc + strlen("urn:epc:id:sgtin:"));
    *strrchr(cls, '.') = '\0';
    snprintf(q_class, sizeof(q_class), "?MATCH_epc=%s.*", cls);
    const struct {
        int line;
        const char *qs;
        size_t events;
    } v[] = {
        {__LINE__, "?eventType=ObjectEvent", 5},
        {__LINE__, "?eventType=AggregationEvent", 0},
        {__LINE__, "?eventType=TransactionEvent|ObjectEvent", 5},
        {__LINE__, "?eventType=TransformationEvent", 0},
        {__LINE__, "?EQ_bizStep=commissioning", 4},
        {__LINE__, "?EQ_bizStep=commissioning|shipping", 5},
        {__LINE__, "?EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping", 1},
        {__LINE__, "?EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping", 1},
        {__LINE__, "?EQ_bizStep=https://example.com/steps/custom", 0},
        {__LINE__, "?EQ_disposition=in_transit", 1},
        {__LINE__, "?EQ_disposition=active", 4},
        {__LINE__, "?EQ_action=OBSERVE", 1},
        {__LINE__, "?EQ_action=ADD", 4},
        {__LINE__, "?EQ_action=DELETE", 0},
        {__LINE__, "?GE_eventTime=2000-01-01T00:00:00Z", 5},
        {__LINE__, "?GE_eventTime=2999-01-01T00:00:00Z", 0},
        {__LINE__, "?LT_eventTime=2000-01-01T00:00:00%2B01:00", 0},
        {__LINE__, "?GE_recordTime=2000-01-01T00:00:00Z&LT_recordTime=2999-01-01T00:00:00Z", 5},
        {__LINE__, "?LT_recordTime=2000-01-01T00:00:00Z", 0},
        {__LINE__, "?EQ_bizStep=commissioning&EQ_action=OBSERVE", 0},
        {__LINE__, "?MATCH_epcClass=urn:epc:idpat:sgtin:4012345.012345.*", 0},
        {__LINE__, "?EQ_bizLocation=urn:epc:id:sgln:0000000.00000.0", 0},
        {__LINE__, "?EQ_readPoint=urn:epc:id:sgln:0000000.00000.0", 0}, /* not every read point */
        {__LINE__, q_id, 1},
        {__LINE__, q_rp, 5},
        {__LINE__, q_epc, 2}, /* C1's serial: commissioned, then released */
        {__LINE__, q_any, 2},
        {__LINE__, q_class, 5},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        get(f, &r, f->mah.key, v[i].qs, "application/json", 200, __FILE__, v[i].line);
        size_t n = json_array_size(event_list(&r));
        if (n != v[i].events)
            fail_msg("%s:%d: %s: %zu events, want %zu", __FILE__, v[i].line, v[i].qs, n,
                     v[i].events);
        px_http_resp_free(&r);
    }
}

/* Invalid, unknown and unsupported parameters are 400 QueryParameterException; an Accept
 * packid cannot meet is 406 NotAcceptableException (RFC 7807 bodies, DOMAIN-2.md §14.5). */
static void test_epcis_rest__errors_are_epcis_problems(void **state)
{
    fixture *f = *state;
    const struct {
        int line;
        const char *qs, *accept;
        long status;
        const char *type;
    } v[] = {
        {__LINE__, "?EQ_bizStep=bogus", NULL, 400, "epcisException:QueryParameterException"},
        {__LINE__, "?eventType=FooEvent", NULL, 400, "epcisException:QueryParameterException"},
        {__LINE__, "?EQ_action=ADD|", NULL, 400, "epcisException:QueryParameterException"},
        /* one eventID: a list would match nothing rather than either */
        {__LINE__, "?EQ_eventID=ni:///sha-256;aa|ni:///sha-256;bb", NULL, 400,
         "epcisException:QueryParameterException"},
        {__LINE__, "?GE_eventTime=yesterday", NULL, 400, "epcisException:QueryParameterException"},
        {__LINE__, "?perPage=0", NULL, 400, "epcisException:QueryParameterException"},
        {__LINE__, "?perPage=1000001", NULL, 400, "epcisException:QueryParameterException"},
        /* a number is digits, nothing before (strtol alone would skip the space) */
        {__LINE__, "?perPage=%205", NULL, 400, "epcisException:QueryParameterException"},
        {__LINE__, "?nextPageToken=xyz", NULL, 400, "epcisException:QueryParameterException"},
        /* a token's number past a long is none this server gave out (not the last page) */
        {__LINE__, "?nextPageToken=p1.99999999999999999999", NULL, 400,
         "epcisException:QueryParameterException"},
        {__LINE__, "?orderBy=eventTime", NULL, 400, "epcisException:QueryParameterException"},
        {__LINE__, "?colour=blue", NULL, 400, "epcisException:QueryParameterException"},
        {__LINE__, "?EQ_action=ADD&EQ_action=OBSERVE", NULL, 400,
         "epcisException:QueryParameterException"},
        {__LINE__, "?MATCH_epc=urn:epc:id:grai:4012345.00001.1", NULL, 400,
         "epcisException:QueryParameterException"},
        {__LINE__, "", "text/html", 406, "epcisException:NotAcceptableException"},
        {__LINE__, "", "application/xml;q=0", 406, "epcisException:NotAcceptableException"},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_http_resp r;
        get(f, &r, f->mah.key, v[i].qs, v[i].accept, v[i].status, __FILE__, v[i].line);
        assert_string_equal(r.content_type, "application/problem+json");
        assert_string_equal(px_test_str(r.json, "type"), v[i].type);
        assert_int_equal(px_test_int(r.json, "status"), v[i].status);
        px_http_resp_free(&r);
    }
    /* An action outside EPCIS's three is refused with the three named. */
    px_http_resp r;
    get(f, &r, f->mah.key, "?EQ_action=MOVE", NULL, 400, __FILE__, __LINE__);
    assert_non_null(strstr(px_test_str(r.json, "detail"), "ADD, OBSERVE or DELETE"));
    px_http_resp_free(&r);
    /* Ranges in order, q=0 skipped: XML refused, JSON taken. */
    get(f, &r, f->mah.key, "", "application/xml;q=0, application/json", 200, __FILE__, __LINE__);
    assert_string_equal(r.content_type, "application/json");
    px_http_resp_free(&r);
    get(f, &r, f->mah.key, "", "text/xml", 200, __FILE__, __LINE__);
    assert_non_null(strstr(r.content_type, "application/xml"));
    px_http_resp_free(&r);
}

/* REQ-EPCISREST-3: a MAH sees its own events only, a regulator the events of packs released to
 * its market (the batch's commissioning and the release), no key is 401. */
static void test_epcis_rest__tenant_and_market_scoping(void **state)
{
    fixture *f = *state;
    const struct {
        int line;
        const char *key;
        size_t events;
    } v[] = {
        {__LINE__, f->mah.key, 5},
        {__LINE__, f->mah2.key, 1},
        {__LINE__, f->reg_key, 2},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_http_resp r;
        get(f, &r, v[i].key, "", NULL, 200, __FILE__, v[i].line);
        size_t n = json_array_size(event_list(&r));
        if (n != v[i].events)
            fail_msg("%s:%d: %zu events, want %zu", __FILE__, v[i].line, n, v[i].events);
        if (v[i].key == f->mah2.key)
            assert_null(strstr(r.body, "RS1"));
        px_http_resp_free(&r);
    }
    px_http_resp r;
    get(f, &r, NULL, "", NULL, 401, __FILE__, __LINE__);
    px_http_resp_free(&r);
}

/* REQ-EPCISREST-9: /epcis/events/{eventID} answers that one event (its hash ID URL-encoded in
 * the path), in either syntax; an unknown ID, or another tenant's event, is 404
 * NoSuchResourceException. */
static void test_epcis_rest__one_event_by_id(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    shipped ship;
    shipping_event(f, &ship);
    const char *id = ship.id;
    char enc[480], path[600];
    assert_non_null(strstr(id, "ni:///sha-256;"));
    px_test_pct_encode(enc, sizeof(enc), id);
    snprintf(path, sizeof(path), "/epcis/events/%s", enc);
    px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *l = event_list(&r);
    assert_int_equal(json_array_size(l), 1);
    assert_string_equal(px_test_str(json_array_get(l, 0), "eventID"), id);
    px_http_resp_free(&r);
    const char *xml[] = {"Accept: application/xml", NULL};
    px_http(&f->env, &r, "GET", path, f->mah.key, NULL, xml);
    assert_int_equal(r.status, 200);
    px_test_xsd_valid(r.body, r.len);
    assert_int_equal(px_occurrences(r.body, "<eventID>"), 1);
    px_http_resp_free(&r);
    const struct {
        int line;
        const char *key, *path;
    } v[] = {
        {__LINE__, f->mah2.key, path},
        {__LINE__, f->mah.key, "/epcis/events/urn%3Auuid%3Anot-stored"},
        /* a path ID that is no one ID (a list) names no event either: 404, not 400 */
        {__LINE__, f->mah.key, "/epcis/events/urn%3Auuid%3Aa%7Curn%3Auuid%3Ab"},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++)
        get_problem(f, v[i].key, v[i].path, 404, "epcisException:NoSuchResourceException",
                    v[i].line);
}

/* The number of events of GET /epcis/events?EQ_eventID=<id>&<bound>=<at> as the MAH. */
static size_t events_by_id_and(fixture *f, const char *id, const char *bound, const char *at)
{
    char enc[480], enc_at[96], qs[720];
    px_test_pct_encode(enc, sizeof(enc), id);
    px_test_pct_encode(enc_at, sizeof(enc_at), at);
    snprintf(qs, sizeof(qs), "?EQ_eventID=%s&%s=%s", enc, bound, enc_at);
    px_http_resp r;
    get(f, &r, f->mah.key, qs, NULL, 200, __FILE__, __LINE__);
    size_t n = json_array_size(event_list(&r));
    px_http_resp_free(&r);
    return n;
}

/* EPCIS 1.2 §7.4.1: recordTime, present on every event retrieved through a query (JSON-LD, the
 * 2.0 XML answer and the 1.2 query answer; the XML valid against the official query XSDs, which
 * place it between eventTime and eventTimeZoneOffset), and the recordTime and eventTime filters
 * agree with what the answer shows: each event is at or after its own times (GE_ takes it) and
 * not before them (LT_ leaves it out), whatever microseconds packid keeps below them. */
static void test_epcis_rest__record_time_on_every_event(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    get(f, &r, f->mah.key, "", NULL, 200, __FILE__, __LINE__);
    json_t *l = event_list(&r);
    assert_int_equal(json_array_size(l), 5);
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *ev = json_array_get(l, i);
        const char *id = px_test_str(ev, "eventID");
        const char *times[][2] = {{"recordTime", px_test_str(ev, "recordTime")},
                                  {"eventTime", px_test_str(ev, "eventTime")}};
        for (size_t t = 0; t < PX_COUNT(times); t++) {
            char ge[32], lt[32];
            snprintf(ge, sizeof(ge), "GE_%s", times[t][0]);
            snprintf(lt, sizeof(lt), "LT_%s", times[t][0]);
            if (events_by_id_and(f, id, ge, times[t][1]) != 1 ||
                events_by_id_and(f, id, lt, times[t][1]) != 0)
                fail_msg("%s %s = %s: GE_ must take it, LT_ must not", id, times[t][0],
                         times[t][1]);
        }
    }
    px_http_resp_free(&r);
    const char *xml[] = {"Accept: application/xml", NULL};
    px_http(&f->env, &r, "GET", "/epcis/events", f->mah.key, NULL, xml);
    assert_int_equal(r.status, 200);
    assert_int_equal(px_occurrences(r.body, "<recordTime>"), 5);
    px_test_xsd_valid(r.body, r.len);
    px_http_resp_free(&r);
    px_http(&f->env, &r, "GET", "/v1/epcis/events", f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(px_occurrences(r.body, "<recordTime>"), 5);
    px_test_xsd_valid(r.body, r.len);
    px_http_resp_free(&r);
}

/* Validates a body against a schema of the binding's official openapi (components/schemas),
 * with python3-jsonschema: the outside oracle of the discovery answers. The openapi refers to
 * the value definitions (bizStep, disposition) of a schema stub on gs1.github.io; they are
 * taken from the official JSON schema held here instead (the machine is offline). */
#define OPENAPI_SCHEMA(name)                                                                       \
    "/usr/bin/python3 -c 'import json, sys, yaml, jsonschema; "                                    \
    "d = yaml.safe_load(open(sys.argv[1])); "                                                      \
    "stub = \"https://gs1.github.io/EPCIS/REST%20Bindings/JSON-Schema-Stub.json#/definitions/\"; " \
    "c = json.loads(json.dumps(d[\"components\"]).replace(stub, \"#/definitions/\")); "            \
    "s = {\"$ref\": \"#/components/schemas/\" + sys.argv[3], \"components\": c, "                  \
    "\"definitions\": json.load(open(sys.argv[2]))[\"definitions\"]}; "                            \
    "jsonschema.validate(json.load(open(sys.argv[4])), s)' "                                       \
    "'" PX_SHARED_DIR "/reference/epcis-2.0/rest/openapi.yaml' '" PX_TEST_SCHEMA_GS1 "' " name

/* The events of path (a browse resource) as key, following Link rel="next" (which must stay
 * on the resource) to the end with perPage; returns their eventIDs, one a line. */
static void browse_all(fixture *f, const char *key, const char *start, char *out, size_t cap,
                       const char *file, int line)
{
    char path[2048];
    snprintf(path, sizeof(path), "%s", start);
    size_t plen = strcspn(start, "?");
    out[0] = '\0';
    for (int pages = 0; path[0]; pages++) {
        const char *h[] = {"Accept: application/ld+json", NULL};
        px_http_resp r;
        px_http(&f->env, &r, "GET", path, key, NULL, h);
        if (r.status != 200)
            fail_msg("%s:%d: GET %s: %ld %.300s", file, line, path, r.status, r.body);
        char ids[4096];
        json_ids(&r, ids, sizeof(ids));
        strncat(out, ids, cap - strlen(out) - 1);
        next_link(&r, path, sizeof(path));
        if (path[0] && strncmp(path, start, plen) != 0)
            fail_msg("%s:%d: the next page %s left %.*s", file, line, path, (int)plen, start);
        px_http_resp_free(&r);
        assert_true(pages < 10);
    }
}

/* A long query keeps its next-page link whole (next_link sizes it for every byte escaped; it
 * had a fixed 16 KiB bound, which this query, about 6 KiB escaped, does not reach: the test
 * guards the link, it does not show the old bound cut one): four lists, each 512 bytes of the
 * longest locations and custom values, written back three times as long ('!' is sent as it
 * is and written as %21), keep their rel="next" and token, and following it gives the next
 * page. */
static void test_epcis_rest__long_query_keeps_its_link(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    shipped ship;
    shipping_event(f, &ship);
    const char *rp = ship.read_point;
    static char path[16384];
    const struct {
        const char *name, *own;
    } lists[] = {{"EQ_readPoint", rp},
                 {"EQ_bizLocation", rp},
                 {"EQ_bizStep", "commissioning|shipping"},
                 {"EQ_disposition", "active|in_transit"}};
    int o = snprintf(path, sizeof(path), "/epcis/events?perPage=2");
    for (size_t p = 0; p < PX_COUNT(lists); p++) {
        char value[513], junk[256];
        memset(junk, '!', sizeof(junk) - 1);
        memcpy(junk, "urn:x:", 6);
        junk[sizeof(junk) - 1] = '\0';
        int n = snprintf(value, sizeof(value), "%s", lists[p].own);
        while ((size_t)n + 2 < sizeof(value) - 1) {
            size_t room = sizeof(value) - 1 - (size_t)n - 1;
            n += snprintf(value + n, sizeof(value) - (size_t)n, "|%.*s",
                          (int)(room < 255 ? room : 255), junk);
        }
        assert_int_equal(strlen(value), 512);
        o += snprintf(path + o, sizeof(path) - (size_t)o, "&%s=", lists[p].name);
        for (const char *c = value; *c; c++)
            o += snprintf(path + o, sizeof(path) - (size_t)o, *c == '|' ? "%%7C" : "%c", *c);
    }
    int pages = 0;
    size_t events = 0;
    while (path[0]) {
        px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
        if (r.status != 200)
            fail_msg("GET (%zu bytes): %ld %s", strlen(path), r.status, r.body);
        events += json_array_size(event_list(&r));
        next_link(&r, path, sizeof(path));
        if (path[0]) {
            assert_true(strlen(path) > 3 * 4 * 400);
            assert_non_null(strstr(path, "nextPageToken="));
        }
        px_http_resp_free(&r);
        assert_true(++pages <= 10);
    }
    assert_true(pages >= 2);
    assert_true(events >= 3);
}

/* REQ-EPCISREST-11: each per-value resource of the binding (…/{value}/events) answers the
 * events /epcis/events gives with that value as its parameter (the oracle: the same query by
 * URL), paged by its own Link, with the caller's visibility; a value that is not of the
 * resource's kind is 404 NoSuchResourceException, a bad query parameter 400. */
static void test_epcis_rest__browse_resources_select(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    shipped ship;
    shipping_event(f, &ship);
    char rp_enc[384], epc_enc[384];
    px_test_pct_encode(rp_enc, sizeof(rp_enc), ship.read_point);
    px_test_pct_encode(epc_enc, sizeof(epc_enc), ship.epc);
    char rp_path[512], rp_qs[512], epc_path[512], epc_qs[512];
    snprintf(rp_path, sizeof(rp_path), "/epcis/readPoints/%s/events?perPage=2", rp_enc);
    snprintf(rp_qs, sizeof(rp_qs), "?EQ_readPoint=%s", rp_enc);
    snprintf(epc_path, sizeof(epc_path), "/epcis/epcs/%s/events?perPage=1", epc_enc);
    snprintf(epc_qs, sizeof(epc_qs), "?MATCH_anyEPC=%s", epc_enc);
    const struct {
        int line;
        const char *key, *path, *qs;
        int events;
    } v[] = {
        {__LINE__, f->mah.key, "/epcis/eventTypes/ObjectEvent/events?perPage=2",
         "?eventType=ObjectEvent", 5},
        {__LINE__, f->mah.key, "/epcis/eventTypes/AggregationEvent/events",
         "?eventType=AggregationEvent", 0},
        {__LINE__, f->mah.key, "/epcis/eventTypes/TransactionEvent/events",
         "?eventType=TransactionEvent", 0},
        {__LINE__, f->mah.key, "/epcis/bizSteps/commissioning/events?perPage=3",
         "?EQ_bizStep=commissioning", 4},
        {__LINE__, f->mah.key, "/epcis/bizSteps/urn%3Aepcglobal%3Acbv%3Abizstep%3Ashipping/events",
         "?EQ_bizStep=shipping", 1},
        {__LINE__, f->mah.key, "/epcis/bizSteps/commissioning/events?EQ_action=OBSERVE",
         "?EQ_bizStep=commissioning&EQ_action=OBSERVE", 0},
        {__LINE__, f->mah.key, "/epcis/dispositions/active/events", "?EQ_disposition=active", 4},
        {__LINE__, f->mah.key, "/epcis/dispositions/in_transit/events",
         "?EQ_disposition=in_transit", 1},
        {__LINE__, f->mah.key, rp_path, rp_qs, 5},
        {__LINE__, f->mah.key, "/epcis/readPoints/urn%3Aepc%3Aid%3Asgln%3A0000000.00000.0/events",
         "?EQ_readPoint=urn:epc:id:sgln:0000000.00000.0", 0},
        {__LINE__, f->mah.key, "/epcis/bizLocations/urn%3Aepc%3Aid%3Asgln%3A0000000.00000.0/events",
         "?EQ_bizLocation=urn:epc:id:sgln:0000000.00000.0", 0},
        {__LINE__, f->mah.key, epc_path, epc_qs, 2},
        /* Another tenant's EPC: nothing (visibility as /epcis/events). */
        {__LINE__, f->mah2.key, epc_path, epc_qs, 0},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char got[4096], want[4096];
        browse_all(f, v[i].key, v[i].path, got, sizeof(got), __FILE__, v[i].line);
        get(f, &r, v[i].key, v[i].qs, "application/ld+json", 200, __FILE__, v[i].line);
        json_ids(&r, want, sizeof(want));
        px_http_resp_free(&r);
        if (px_occurrences(got, "\n") != v[i].events || strcmp(got, want) != 0)
            fail_msg("%s:%d: %s gave\n%s\nwant %d events:\n%s", __FILE__, v[i].line, v[i].path, got,
                     v[i].events, want);
    }
    const struct {
        int line;
        const char *path;
        long status;
        const char *type;
    } bad[] = {
        {__LINE__, "/epcis/eventTypes/FooEvent/events", 404,
         "epcisException:NoSuchResourceException"},
        {__LINE__, "/epcis/bizSteps/bogus/events", 404, "epcisException:NoSuchResourceException"},
        {__LINE__, "/epcis/dispositions/shipping/events", 404,
         "epcisException:NoSuchResourceException"},
        {__LINE__, "/epcis/readPoints/nocolon/events", 404,
         "epcisException:NoSuchResourceException"},
        {__LINE__, "/epcis/epcs/urn%3Aepc%3Aid%3Agrai%3A4012345.00001.1/events", 404,
         "epcisException:NoSuchResourceException"},
        {__LINE__, "/epcis/bizSteps/commissioning%7Cshipping/events", 404,
         "epcisException:NoSuchResourceException"},
        {__LINE__, "/epcis/bizSteps/commissioning/events?EQ_bizStep=shipping", 400,
         "epcisException:QueryParameterException"},
        {__LINE__, "/epcis/bizSteps/commissioning/events?colour=blue", 400,
         "epcisException:QueryParameterException"},
        {__LINE__, "/epcis/eventTypes/ObjectEvent/events?perPage=0", 400,
         "epcisException:QueryParameterException"},
    };
    for (size_t i = 0; i < PX_COUNT(bad); i++)
        get_problem(f, f->mah.key, bad[i].path, bad[i].status, bad[i].type, bad[i].line);
}

/* REQ-EPCISREST-11: a browse resource answers the same documents as /epcis/events: JSON-LD
 * valid against the official JSON schema, XML against the 2.0 query XSD. */
static void test_epcis_rest__browse_resources_valid(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/epcis/bizSteps/commissioning/events", f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/ld+json");
    assert_int_equal(json_array_size(event_list(&r)), 4);
    assert_int_equal(px_test_run_on(PX_TEST_VALIDATE_GS1, r.body, r.len, 0), 0);
    px_http_resp_free(&r);
    const char *xml[] = {"Accept: application/xml", NULL};
    px_http(&f->env, &r, "GET", "/epcis/eventTypes/ObjectEvent/events", f->mah.key, NULL, xml);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "urn:epcglobal:epcis-query:xsd:2"));
    px_test_xsd_valid(r.body, r.len);
    assert_int_equal(px_occurrences(r.body, "<eventID>"), 5);
    px_http_resp_free(&r);
}

/* REQ-EPCISREST-12: GET /epcis/eventTypes lists the five event types, /epcis/eventTypes/{type}
 * its sub-resource events, each valid against the binding's own schema (EventTypeCollection,
 * ResourceCollection); a name that is no event type is 404. */
static void test_epcis_rest__event_types_discovery(void **state)
{
    fixture *f = *state;
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/epcis/eventTypes", f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *m = json_object_get(r.json, "member");
    assert_int_equal(json_array_size(m), 5);
    assert_string_equal(json_string_value(json_array_get(m, 0)), "ObjectEvent");
    assert_int_equal(px_test_run_on(OPENAPI_SCHEMA("EventTypeCollection"), r.body, r.len, 0), 0);
    /* The oracle can fail: a type that is no Collection. */
    char *b = strstr(r.body, "\"Collection\"");
    assert_non_null(b);
    b[1] = 'K';
    fprintf(stderr, "(an invalid document follows: the validator's complaint is expected)\n");
    assert_int_not_equal(px_test_run_on(OPENAPI_SCHEMA("EventTypeCollection"), r.body, r.len, 0),
                         0);
    px_http_resp_free(&r);
    px_http(&f->env, &r, "GET", "/epcis/eventTypes/AggregationEvent", f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.json, "member"), 0)),
                        "events");
    assert_int_equal(px_test_run_on(OPENAPI_SCHEMA("ResourceCollection"), r.body, r.len, 0), 0);
    px_http_resp_free(&r);
    px_http(&f->env, &r, "GET", "/epcis/eventTypes/FooEvent", f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(px_test_str(r.json, "type"), "epcisException:NoSuchResourceException");
    px_http_resp_free(&r);
}

/* The members of a Collection are exactly the standard values of the binding's own example
 * of that collection (its custom "ex:" value left out): the outside oracle of packid's CBV
 * lists. */
#define OPENAPI_EXAMPLE_MEMBERS(name)                                                              \
    "/usr/bin/python3 -c 'import json, sys, yaml; "                                                \
    "d = yaml.safe_load(open(sys.argv[1])); "                                                      \
    "want = {m for m in d[\"components\"][\"schemas\"][sys.argv[2]][\"example\"][\"member\"] "     \
    "if not m.startswith(\"ex:\")}; "                                                              \
    "got = json.load(open(sys.argv[3]))[\"member\"]; "                                             \
    "print(sorted(want ^ set(got)), file=sys.stderr); "                                            \
    "sys.exit(0 if len(got) == len(set(got)) and set(got) == want else 1)' "                       \
    "'" PX_SHARED_DIR "/reference/epcis-2.0/rest/openapi.yaml' " name

/* REQ-EPCISREST-12: GET /epcis/bizSteps and /epcis/dispositions are the CBV's standard values
 * (as the binding's own examples list them), valid Collections, paged by perPage with a Link;
 * each value's sub-resource (and a location's, an EPC's) is ["events"], 404 for a value not
 * of the collection's kind. */
static void test_epcis_rest__vocabularies_and_sub_resources(void **state)
{
    fixture *f = *state;
    const struct {
        int line;
        const char *path, *schema;
    } whole[] = {
        {__LINE__, "/epcis/bizSteps?perPage=1000", "BizStepCollection"},
        {__LINE__, "/epcis/dispositions?perPage=1000", "DispositionCollection"},
    };
    px_http_resp r;
    char cmd[2048];
    for (size_t i = 0; i < PX_COUNT(whole); i++) {
        px_http(&f->env, &r, "GET", whole[i].path, f->mah.key, NULL, NULL);
        if (r.status != 200 || ci_find(r.headers, "\nLink:"))
            fail_msg("%s:%d: %s: %ld", __FILE__, whole[i].line, whole[i].path, r.status);
        snprintf(cmd, sizeof(cmd), "%s %s", OPENAPI_SCHEMA(""), whole[i].schema);
        assert_int_equal(px_test_run_on(cmd, r.body, r.len, 0), 0);
        snprintf(cmd, sizeof(cmd), "%s %s", OPENAPI_EXAMPLE_MEMBERS(""), whole[i].schema);
        if (px_test_run_on(cmd, r.body, r.len, 0) != 0)
            fail_msg("%s:%d: %s: not the standard's values", __FILE__, whole[i].line,
                     whole[i].path);
        px_http_resp_free(&r);
    }
    /* Paged: 30 by default, then the Link to the rest; the pages hold every value once. */
    char path[512] = "/epcis/bizSteps", seen[4096] = "";
    int pages = 0, members = 0;
    while (path[0]) {
        px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
        assert_int_equal(r.status, 200);
        json_t *m = json_object_get(r.json, "member");
        assert_true(json_array_size(m) <= 30);
        for (size_t i = 0; i < json_array_size(m); i++, members++) {
            char item[80];
            snprintf(item, sizeof(item), "|%s|", json_string_value(json_array_get(m, i)));
            assert_null(strstr(seen, item));
            strncat(seen, item, sizeof(seen) - strlen(seen) - 1);
        }
        next_link(&r, path, sizeof(path));
        px_http_resp_free(&r);
        assert_true(++pages <= 3);
    }
    assert_int_equal(pages, 2);
    assert_non_null(strstr(seen, "|commissioning|"));
    assert_non_null(strstr(seen, "|void_shipping|"));
    const struct {
        int line;
        const char *path;
        long status;
    } v[] = {
        {__LINE__, "/epcis/bizSteps/shipping", 200},
        {__LINE__, "/epcis/bizSteps/urn%3Aepcglobal%3Acbv%3Abizstep%3Ashipping", 200},
        {__LINE__, "/epcis/bizSteps/bogus", 404},
        {__LINE__, "/epcis/dispositions/in_transit", 200},
        {__LINE__, "/epcis/dispositions/shipping", 404},
        {__LINE__, "/epcis/readPoints/urn%3Aepc%3Aid%3Asgln%3A4012345.00000.0", 200},
        {__LINE__, "/epcis/readPoints/nocolon", 404},
        {__LINE__, "/epcis/bizLocations/urn%3Aepc%3Aid%3Asgln%3A4012345.00000.0", 200},
        {__LINE__, "/epcis/bizLocations/nocolon", 404},
        {__LINE__, "/epcis/epcs/urn%3Aepc%3Aid%3Asgtin%3A4012345.007101.RS1", 200},
        {__LINE__, "/epcis/epcs/urn%3Aepc%3Aid%3Agrai%3A4012345.00001.1", 404},
        {__LINE__, "/epcis/bizSteps?colour=blue", 400},
        {__LINE__, "/epcis/dispositions?perPage=0", 400},
        {__LINE__, "/epcis/dispositions?perPage=%205", 400},
        {__LINE__, "/epcis/dispositions?nextPageToken=c1.%201", 400},
        {__LINE__, "/epcis/dispositions?nextPageToken=c1.0", 400},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_http(&f->env, &r, "GET", v[i].path, f->mah.key, NULL, NULL);
        if (r.status != v[i].status)
            fail_msg("%s:%d: %s: %ld %.300s", __FILE__, v[i].line, v[i].path, r.status,
                     r.body ? r.body : "");
        if (r.status == 200)
            assert_int_equal(px_test_run_on(OPENAPI_SCHEMA("ResourceCollection"), r.body, r.len, 0),
                             0);
        else
            assert_non_null(strstr(px_test_str(r.json, "type"), "epcisException:"));
        px_http_resp_free(&r);
    }
}

/* Adds "|v|" to set (once); returns 1 when it was there already. */
static int set_add(char *set, size_t cap, const char *v)
{
    char item[512];
    snprintf(item, sizeof(item), "|%s|", v);
    if (strstr(set, item))
        return 1;
    strncat(set, item, cap - strlen(set) - 1);
    return 0;
}

/* The oracle of a collection: the values field names in every event /epcis/events answers
 * key (the query, not the collection's SQL): "epcList" (every EPC), "readPoint" or
 * "bizLocation" (their id). */
static size_t values_of_events(fixture *f, const char *key, const char *field, char *set,
                               size_t cap)
{
    px_http_resp r;
    get(f, &r, key, "?perPage=1000", "application/ld+json", 200, __FILE__, __LINE__);
    json_t *l = event_list(&r);
    size_t n = 0;
    set[0] = '\0';
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *v = json_object_get(json_array_get(l, i), field);
        if (json_is_array(v)) {
            for (size_t j = 0; j < json_array_size(v); j++)
                n += !set_add(set, cap, json_string_value(json_array_get(v, j)));
        } else if (json_is_object(v)) {
            n += !set_add(set, cap, px_test_str(v, "id"));
        }
    }
    px_http_resp_free(&r);
    return n;
}

/* REQ-EPCISREST-13: GET /epcis/epcs, /epcis/readPoints and /epcis/bizLocations list exactly the
 * values of the events the key may query (the oracle: the same key's /epcis/events), each
 * once, over pages of perPage joined by Link rel="next" (the last page has none); every page
 * is valid against the binding's own UriCollection schema; another tenant and a regulator see
 * only their own events' values; a bad token or perPage is 400. */
static void test_epcis_rest__known_values_collections(void **state)
{
    fixture *f = *state;
    const struct {
        int line;
        const char *key, *path, *field;
        size_t want; /* values expected, as a floor check on the oracle */
    } v[] = {
        {__LINE__, f->mah.key, "/epcis/epcs?perPage=1", "epcList", 4},
        {__LINE__, f->mah.key, "/epcis/epcs?perPage=3", "epcList", 4},
        {__LINE__, f->mah.key, "/epcis/epcs", "epcList", 4},
        {__LINE__, f->mah2.key, "/epcis/epcs?perPage=1", "epcList", 1},
        {__LINE__, f->reg_key, "/epcis/epcs?perPage=1", "epcList", 1},
        {__LINE__, f->mah.key, "/epcis/readPoints?perPage=1", "readPoint", 1},
        {__LINE__, f->mah.key, "/epcis/bizLocations?perPage=1", "bizLocation", 1},
        {__LINE__, f->reg_key, "/epcis/readPoints", "readPoint", 1},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char want[8192], got[8192] = "", path[2048], cmd[2048];
        size_t n_want = values_of_events(f, v[i].key, v[i].field, want, sizeof(want));
        if (n_want != v[i].want)
            fail_msg("%s:%d: the oracle gave %zu values, want %zu: %s", __FILE__, v[i].line, n_want,
                     v[i].want, want);
        snprintf(path, sizeof(path), "%s", v[i].path);
        size_t n_got = 0;
        int pages = 0;
        while (path[0]) {
            px_http_resp r;
            px_http(&f->env, &r, "GET", path, v[i].key, NULL, NULL);
            if (r.status != 200)
                fail_msg("%s:%d: %s: %ld %.300s", __FILE__, v[i].line, path, r.status, r.body);
            snprintf(cmd, sizeof(cmd), "%s UriCollection", OPENAPI_SCHEMA(""));
            if (px_test_run_on(cmd, r.body, r.len, 0) != 0)
                fail_msg("%s:%d: %s: not a UriCollection: %.300s", __FILE__, v[i].line, path,
                         r.body);
            json_t *m = json_object_get(r.json, "member");
            for (size_t j = 0; j < json_array_size(m); j++, n_got++)
                if (set_add(got, sizeof(got), json_string_value(json_array_get(m, j))))
                    fail_msg("%s:%d: %s repeated", __FILE__, v[i].line,
                             json_string_value(json_array_get(m, j)));
            next_link(&r, path, sizeof(path));
            if (path[0] && strncmp(path, v[i].path, strcspn(v[i].path, "?")) != 0)
                fail_msg("%s:%d: the next page %s left the collection", __FILE__, v[i].line, path);
            px_http_resp_free(&r);
            if (++pages > 10)
                fail_msg("%s:%d: more than 10 pages", __FILE__, v[i].line);
        }
        /* Same count and every oracle value listed: the same set. */
        int same = n_got == n_want;
        for (const char *p = want; same && *p;) {
            const char *e = strchr(p + 1, '|');
            char item[512];
            snprintf(item, sizeof(item), "%.*s", (int)(e - p + 1), p);
            same = strstr(got, item) != NULL;
            p = e + 1;
        }
        if (!same)
            fail_msg("%s:%d: %s listed %s\nwant %s", __FILE__, v[i].line, v[i].path, got, want);
    }
    const struct {
        int line;
        const char *path;
    } bad[] = {
        {__LINE__, "/epcis/epcs?nextPageToken=p1.3"},
        {__LINE__, "/epcis/epcs?nextPageToken=v1.zz"},
        {__LINE__, "/epcis/readPoints?perPage=1001"},
        {__LINE__, "/epcis/readPoints?perPage=%205"},
        {__LINE__, "/epcis/bizLocations?EQ_bizStep=shipping"},
        {__LINE__, "/epcis/epcs?perPage=1&perPage=2"},
    };
    for (size_t i = 0; i < PX_COUNT(bad); i++)
        get_problem(f, f->mah.key, bad[i].path, 400, "epcisException:QueryParameterException",
                    bad[i].line);
}

/* REQ-EPCISREST-15: GS1-EPC-Format. Always_GS1_Digital_Link answers every EPC (epcList),
 * readPoint and bizLocation as GS1 Digital Link URIs — JSON-LD valid against both official
 * JSON schemas, XML against the 2.0 query XSD — with the same eventIDs (the hash is of the
 * Digital Link form anyway); the other three values, and no header, answer EPC URNs; the
 * answer says what it applied; an unknown value is 400. */
static void test_epcis_rest__epc_format_header(void **state)
{
    fixture *f = *state;
    char want_epc[96];
    snprintf(want_epc, sizeof(want_epc), "\"https://id.gs1.org/01/%s/21/RS1\"", f->gtin);
    const struct {
        int line;
        const char *value, *accept, *applied;
        int dl;
    } v[] = {
        {__LINE__, NULL, "application/ld+json", "Always_EPC_URN", 0},
        {__LINE__, "Always_EPC_URN", "application/ld+json", "Always_EPC_URN", 0},
        {__LINE__, "No_Preference", "application/ld+json", "Always_EPC_URN", 0},
        {__LINE__, "Never_Translates", "application/xml", "Always_EPC_URN", 0},
        {__LINE__, "Always_GS1_Digital_Link", "application/ld+json", "Always_GS1_Digital_Link", 1},
        {__LINE__, "Always_GS1_Digital_Link", "application/json", "Always_GS1_Digital_Link", 1},
        {__LINE__, "Always_GS1_Digital_Link", "application/xml", "Always_GS1_Digital_Link", 1},
    };
    char urn_ids[4096];
    px_http_resp u;
    get(f, &u, f->mah.key, "", NULL, 200, __FILE__, __LINE__);
    json_ids(&u, urn_ids, sizeof(urn_ids));
    px_http_resp_free(&u);
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char fmt[80], acc[80], applied[96], ids[4096];
        snprintf(fmt, sizeof(fmt), "GS1-EPC-Format: %s", v[i].value ? v[i].value : "");
        snprintf(acc, sizeof(acc), "Accept: %s", v[i].accept);
        snprintf(applied, sizeof(applied), "GS1-EPC-Format: %s\r", v[i].applied);
        const char *h[] = {acc, v[i].value ? fmt : NULL, NULL};
        px_http_resp r;
        get_h(f, &r, f->mah.key, "/epcis/events", h, 200, __FILE__, v[i].line);
        if (!ci_find(r.headers, applied))
            fail_msg("%s:%d: no %s in %s", __FILE__, v[i].line, applied, r.headers);
        int xml = strstr(v[i].accept, "xml") != NULL;
        if (xml) {
            px_test_xsd_valid(r.body, r.len);
            px_test_xml_event_ids(r.body, ids, sizeof(ids));
            assert_non_null(ci_find(r.headers, "GS1-CBV-XML-Format: Always_URN"));
        } else {
            assert_int_equal(px_test_run_on(PX_TEST_VALIDATE_GS1, r.body, r.len, 0), 0);
            assert_int_equal(px_test_run_on(PX_TEST_VALIDATE_201, r.body, r.len, 0), 0);
            json_ids(&r, ids, sizeof(ids));
        }
        if (strcmp(ids, urn_ids) != 0)
            fail_msg("%s:%d: other eventIDs:\n%s\nwant\n%s", __FILE__, v[i].line, ids, urn_ids);
        if (v[i].dl) {
            /* No EPC URN is left: EPCs, locations and parties are Digital Link URIs. */
            if (strstr(r.body, "urn:epc:id:"))
                fail_msg("%s:%d: an EPC URN in %.800s", __FILE__, v[i].line, r.body);
            char want[128];
            snprintf(want, sizeof(want), xml ? "<epc>https://id.gs1.org/01/%s/21/RS1</epc>" : "%s",
                     xml ? f->gtin : want_epc);
            if (!strstr(r.body, want))
                fail_msg("%s:%d: no %s in %.800s", __FILE__, v[i].line, want, r.body);
            assert_non_null(strstr(r.body, "https://id.gs1.org/414/" MAH_GLN));
        } else {
            if (!strstr(r.body, "urn:epc:id:sgtin:") || strstr(r.body, "https://id.gs1.org/01/"))
                fail_msg("%s:%d: not EPC URNs: %.800s", __FILE__, v[i].line, r.body);
        }
        px_http_resp_free(&r);
    }
    /* The collections of values list EPCs in the same form. */
    const char *dl[] = {"GS1-EPC-Format: Always_GS1_Digital_Link", NULL};
    px_http_resp r;
    get_h(f, &r, f->mah.key, "/epcis/epcs?perPage=1000", dl, 200, __FILE__, __LINE__);
    assert_non_null(strstr(r.body, want_epc));
    assert_null(strstr(r.body, "urn:epc:id:"));
    assert_non_null(ci_find(r.headers, "GS1-EPC-Format: Always_GS1_Digital_Link"));
    px_http_resp_free(&r);
    const char *bad[] = {"GS1-EPC-Format: Always_Barcode", NULL};
    get_h(f, &r, f->mah.key, "/epcis/events", bad, 400, __FILE__, __LINE__);
    assert_string_equal(px_test_str(r.json, "type"), "epcisException:ValidationException");
    px_http_resp_free(&r);
}

/* REQ-EPCISREST-16: GS1-EPCIS-Min / -Max and GS1-CBV-Min / -Max: a range holding 2.0.0 is
 * answered (with GS1-EPCIS-Version: 2.0.0), one without it is the standard's 406
 * NotAcceptableException naming packid's own range, a value that is no version is 400; the
 * same on every EPCIS GET. GS1-CBV-XML-Format: Always_Web_URI cannot be met in XML (406),
 * does not apply to JSON-LD. */
static void test_epcis_rest__version_negotiation(void **state)
{
    fixture *f = *state;
    const struct {
        int line;
        const char *path, *h1, *h2;
        long want;
        const char *type, *told;
    } v[] = {
        {__LINE__, "/epcis/events", "GS1-EPCIS-Min: 2.0.0", NULL, 200, NULL, NULL},
        {__LINE__, "/epcis/events", "GS1-EPCIS-Min: 1.2", "GS1-EPCIS-Max: 2.0", 200, NULL, NULL},
        {__LINE__, "/epcis/events", "GS1-EPCIS-Max: 2.1.0", "GS1-CBV-Min: 2", 200, NULL, NULL},
        {__LINE__, "/epcis/events", "GS1-EPCIS-Min: 2.0.1", NULL, 406,
         "epcisException:NotAcceptableException", "GS1-EPCIS-Min: 2.0.0"},
        {__LINE__, "/epcis/events", "GS1-EPCIS-Max: 1.2.0", NULL, 406,
         "epcisException:NotAcceptableException", "GS1-EPCIS-Max: 2.0.0"},
        {__LINE__, "/epcis/eventTypes", "GS1-CBV-Max: 1.2", NULL, 406,
         "epcisException:NotAcceptableException", "GS1-CBV-Max: 2.0.0"},
        {__LINE__, "/epcis/epcs", "GS1-EPCIS-Min: 3", NULL, 406,
         "epcisException:NotAcceptableException", "GS1-EPCIS-Min: 2.0.0"},
        {__LINE__, "/epcis/bizSteps", "GS1-EPCIS-Min: two", NULL, 400,
         "epcisException:ValidationException", NULL},
        {__LINE__, "/epcis/events", "GS1-EPCIS-Max: 2..0", NULL, 400,
         "epcisException:ValidationException", NULL},
        {__LINE__, "/epcis/events", "Accept: application/xml", "GS1-CBV-XML-Format: Always_Web_URI",
         406, "epcisException:NotAcceptableException", "GS1-CBV-XML-Format: Always_URN"},
        {__LINE__, "/epcis/events", "Accept: application/ld+json",
         "GS1-CBV-XML-Format: Always_Web_URI", 200, NULL, NULL},
        {__LINE__, "/epcis/events", "GS1-CBV-XML-Format: Sometimes", NULL, 400,
         "epcisException:ValidationException", NULL},
        /* A header given twice is refused, not read as its first (found by an outside probe). */
        {__LINE__, "/epcis/events", "GS1-EPC-Format: Always_EPC_URN",
         "GS1-EPC-Format: Always_GS1_Digital_Link", 400, "epcisException:ValidationException",
         NULL},
        {__LINE__, "/epcis/events", "GS1-EPCIS-Min: 2.0.0", "GS1-EPCIS-Min: 3", 400,
         "epcisException:ValidationException", NULL},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        const char *h[] = {v[i].h1, v[i].h2, NULL};
        px_http_resp r;
        get_h(f, &r, f->mah.key, v[i].path, h, v[i].want, __FILE__, v[i].line);
        if (v[i].want == 200) {
            if (!ci_find(r.headers, "GS1-EPCIS-Version: 2.0.0"))
                fail_msg("%s:%d: %s", __FILE__, v[i].line, r.headers);
        } else if (strcmp(px_test_str(r.json, "type"), v[i].type) != 0) {
            fail_msg("%s:%d: %s", __FILE__, v[i].line, r.body);
        }
        if (v[i].told && !ci_find(r.headers, v[i].told))
            fail_msg("%s:%d: no %s in %s", __FILE__, v[i].line, v[i].told, r.headers);
        px_http_resp_free(&r);
    }
}

/* REQ-EPCISREST-17: OPTIONS on every EPCIS path packid serves is 204 with Allow (OPTIONS and
 * the path's methods) and the binding's discovery headers, with or without a key; a path
 * packid does not serve is 404; keyed routes outside /epcis keep their 405. */
static void test_epcis_rest__options_discovery(void **state)
{
    fixture *f = *state;
    const struct {
        int line;
        const char *path, *allow;
    } v[] = {
        {__LINE__, "/epcis/events", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/events/ni%3A%2F%2F%2Fsha-256%3Bab", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/capture", "Allow: OPTIONS, POST\r"},
        {__LINE__, "/epcis/capture/abc", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/eventTypes", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/eventTypes/ObjectEvent", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/eventTypes/ObjectEvent/events", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/epcs", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/epcs/x", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/epcs/x/events", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/bizSteps", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/bizSteps/x", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/bizSteps/x/events", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/bizLocations", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/bizLocations/x", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/bizLocations/x/events", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/readPoints", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/readPoints/x", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/readPoints/x/events", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/dispositions", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/dispositions/x", "Allow: OPTIONS, GET, HEAD\r"},
        {__LINE__, "/epcis/dispositions/x/events", "Allow: OPTIONS, GET, HEAD\r"},
    };
    static const char *const told[] = {
        "GS1-EPCIS-Version: 2.0.0",
        "GS1-EPCIS-Min: 2.0.0",
        "GS1-EPCIS-Max: 2.0.0",
        "GS1-CBV-Version: 2.0.0",
        "GS1-CBV-Min: 2.0.0",
        "GS1-CBV-Max: 2.0.0",
        "GS1-EPC-Format: Always_EPC_URN, Always_GS1_Digital_Link",
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        for (int keyed = 0; keyed < 2; keyed++) {
            px_http_resp r;
            px_http(&f->env, &r, "OPTIONS", v[i].path, keyed ? f->mah.key : NULL, NULL, NULL);
            if (r.status != 204 || !ci_find(r.headers, v[i].allow))
                fail_msg("%s:%d: %ld %s", __FILE__, v[i].line, r.status, r.headers);
            for (size_t k = 0; k < PX_COUNT(told); k++)
                if (!ci_find(r.headers, told[k]))
                    fail_msg("%s:%d: no %s in %s", __FILE__, v[i].line, told[k], r.headers);
            /* Not a CORS preflight answer: the EPCIS routes take keys, not other origins. */
            assert_null(ci_find(r.headers, "Access-Control-Allow-Origin"));
            px_http_resp_free(&r);
        }
    }
    px_http_resp c;
    px_http(&f->env, &c, "OPTIONS", "/epcis/capture", f->mah.key, NULL, NULL);
    assert_int_equal(c.status, 204);
    assert_non_null(ci_find(c.headers, "GS1-EPCIS-Capture-Limit: "));
    assert_non_null(ci_find(c.headers, "GS1-EPCIS-Capture-File-Size-Limit: "));
    assert_non_null(ci_find(c.headers, "GS1-Capture-Error-Behaviour: all"));
    px_http_resp_free(&c);
    const struct {
        int line;
        const char *path;
        long want;
    } other[] = {
        {__LINE__, "/epcis/nothing", 404},
        {__LINE__, "/epcis/events/a/b/c", 404},
        {__LINE__, "/v1/products", 405},
    };
    for (size_t i = 0; i < PX_COUNT(other); i++) {
        px_http_resp r;
        px_http(&f->env, &r, "OPTIONS", other[i].path, f->mah.key, NULL, NULL);
        if (r.status != other[i].want)
            fail_msg("%s:%d: %ld %s", __FILE__, other[i].line, r.status, r.body);
        px_http_resp_free(&r);
    }
}

/* REQ-EPCISREST-18: an EPC given as a GS1 Digital Link URI (percent-encoded) in MATCH_epc /
 * MATCH_anyEPC and in /epcis/epcs/{epc}[/events], and a location's (/414/) in EQ_readPoint,
 * EQ_bizLocation and /epcis/readPoints/{readPoint}/events, selects the events of its URN form — for
 * the owner, and nothing for another tenant's key; a GTIN-only Digital Link is the URN pattern of
 * the GTIN; a Digital Link with another qualifier is refused (400 / 404), never ignored. */
static void test_epcis_rest__digital_link_epcs_in_paths_and_parameters(void **state)
{
    fixture *f = *state;
    char dl[96], idpat[96], dl_gtin[96], dl_lot[128];
    char e_urn[320], e_dl[320], e_idpat[320], e_dl_gtin[320], e_dl_lot[400];
    /* RS1's URN as packid writes it (the shipping event names only RS1). */
    shipped ship;
    shipping_event(f, &ship);
    const char *urn = ship.epc;
    /* Its read point: the MAH's GLN (an SGLN URN without extension). */
    char e_rp[320], e_rp_dl[320];
    px_test_pct_encode(e_rp, sizeof(e_rp), ship.read_point);
    px_test_pct_encode(e_rp_dl, sizeof(e_rp_dl), "https://id.gs1.org/414/" MAH_GLN);
    assert_non_null(strstr(urn, "urn:epc:id:sgtin:"));
    assert_non_null(strstr(urn, ".RS1"));
    snprintf(idpat, sizeof(idpat), "urn:epc:idpat:sgtin:%.*s*",
             (int)(strlen(urn) - strlen("urn:epc:id:sgtin:RS1")),
             urn + strlen("urn:epc:id:sgtin:"));
    snprintf(dl, sizeof(dl), "https://id.gs1.org/01/%s/21/RS1", f->gtin);
    snprintf(dl_gtin, sizeof(dl_gtin), "https://id.gs1.org/01/%s", f->gtin);
    snprintf(dl_lot, sizeof(dl_lot), "https://id.gs1.org/01/%s/10/C1", f->gtin);
    px_test_pct_encode(e_urn, sizeof(e_urn), urn);
    px_test_pct_encode(e_dl, sizeof(e_dl), dl);
    px_test_pct_encode(e_idpat, sizeof(e_idpat), idpat);
    px_test_pct_encode(e_dl_gtin, sizeof(e_dl_gtin), dl_gtin);
    px_test_pct_encode(e_dl_lot, sizeof(e_dl_lot), dl_lot);
    char path[1024];
    const struct {
        int line;
        const char *before, *urn_arg, *dl_arg, *after;
    } pairs[] = {
        {__LINE__, "/epcis/events?MATCH_epc=", e_urn, e_dl, ""},
        {__LINE__, "/epcis/events?MATCH_anyEPC=", e_urn, e_dl, ""},
        {__LINE__, "/epcis/epcs/", e_urn, e_dl, "/events"},
        {__LINE__, "/epcis/events?MATCH_epc=", e_idpat, e_dl_gtin, ""},
        {__LINE__, "/epcis/events?EQ_readPoint=", e_rp, e_rp_dl, ""},
        {__LINE__, "/epcis/events?EQ_bizLocation=", e_rp, e_rp_dl, ""},
        {__LINE__, "/epcis/readPoints/", e_rp, e_rp_dl, "/events"},
    };
    for (size_t i = 0; i < PX_COUNT(pairs); i++) {
        char ids_urn[4096], ids_dl[4096], ids_other[4096];
        px_http_resp r;
        snprintf(path, sizeof(path), "%s%s%s", pairs[i].before, pairs[i].urn_arg, pairs[i].after);
        get_h(f, &r, f->mah.key, path, NULL, 200, __FILE__, pairs[i].line);
        json_ids(&r, ids_urn, sizeof(ids_urn));
        px_http_resp_free(&r);
        snprintf(path, sizeof(path), "%s%s%s", pairs[i].before, pairs[i].dl_arg, pairs[i].after);
        get_h(f, &r, f->mah.key, path, NULL, 200, __FILE__, pairs[i].line);
        json_ids(&r, ids_dl, sizeof(ids_dl));
        px_http_resp_free(&r);
        get_h(f, &r, f->mah2.key, path, NULL, 200, __FILE__, pairs[i].line);
        json_ids(&r, ids_other, sizeof(ids_other));
        px_http_resp_free(&r);
        if (!ids_urn[0] || strcmp(ids_urn, ids_dl) != 0 || ids_other[0])
            fail_msg("%s:%d: URN\n%s\nDigital Link\n%s\nother tenant\n%s", __FILE__, pairs[i].line,
                     ids_urn, ids_dl, ids_other);
    }
    /* RS1: its commissioning and its release; the GTIN: every event of the MAH's GTIN. */
    snprintf(path, sizeof(path), "/epcis/events?MATCH_epc=%s", e_dl);
    px_http_resp r;
    get_h(f, &r, f->mah.key, path, NULL, 200, __FILE__, __LINE__);
    assert_int_equal(json_array_size(event_list(&r)), 2);
    px_http_resp_free(&r);
    snprintf(path, sizeof(path), "/epcis/epcs/%s", e_dl);
    get_h(f, &r, f->mah.key, path, NULL, 200, __FILE__, __LINE__);
    px_http_resp_free(&r);
    snprintf(path, sizeof(path), "/epcis/events?MATCH_epc=%s", e_dl_lot);
    get_h(f, &r, f->mah.key, path, NULL, 400, __FILE__, __LINE__);
    assert_string_equal(px_test_str(r.json, "type"), "epcisException:QueryParameterException");
    px_http_resp_free(&r);
    snprintf(path, sizeof(path), "/epcis/epcs/%s/events", e_dl_lot);
    get_h(f, &r, f->mah.key, path, NULL, 404, __FILE__, __LINE__);
    px_http_resp_free(&r);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
