/* EPCIS 2.0 capture over a real server and PostgreSQL (docs/epcis.md "EPCIS 2.0 capture"):
 * commissioning ObjectEvents in a JSON-LD or XML document become commissions (the packs
 * exist afterwards, their commissioning event is queryable); a document sent again changes
 * nothing; one bad event under rollback changes nothing and the job lists it, under proceed
 * the good ones are applied; media types, bad documents, other tenants' jobs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gs1.h"
#include "px_array.h"
#include "px_test.h"
#include "px_test_epcis.h"

#define MAH_GLN "4012345000009"

typedef px_test_tenants fixture;
static char epc_prefix[64]; /* urn:epc:id:sgtin:CP.IR. of the MAH's gtin (GCP length 7) */

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    *state = f;
    /* test_epcis_capture__over_the_limit sends 100,001 events (about 25 MB). */
    px_test_setenv(&f->env, "PACKID_MAX_BODY=50331648");
    px_test_server_start(&f->env);
    px_test_tenants_make(f, "Capture MAH", MAH_GLN, "DE", 7201);
    /* TDS: indicator digit + item reference, after the 7-digit company prefix. */
    snprintf(epc_prefix, sizeof(epc_prefix), "urn:epc:id:sgtin:%.7s.%c%.5s.", f->gtin + 1,
             f->gtin[0], f->gtin + 8);
    return 0;
}

/* The JSON strings "<prefix><serial>", comma-separated, of serials (comma-separated; ""
 * gives none) into epcs. */
static void epc_list(char *epcs, size_t cap, const char *prefix, const char *serials)
{
    size_t o = 0;
    epcs[0] = '\0';
    for (const char *p = serials; *p;) {
        size_t n = strcspn(p, ",");
        o += (size_t)snprintf(epcs + o, cap - o, "%s\"%s%.*s\"", o ? "," : "", prefix, (int)n, p);
        p += n;
        if (*p == ',')
            p++;
    }
}

/* One event of a JSON-LD document: a commissioning of serials (comma-separated) into lot,
 * or (lot NULL) a shipping OBSERVE of them. */
static void ld_event(px_test_env *env, char *out, size_t cap, const char *prefix,
                     const char *event_id, const char *serials, const char *lot)
{
    (void)env;
    char epcs[1024];
    epc_list(epcs, sizeof(epcs), prefix, serials);
    if (lot)
        snprintf(out, cap,
                 "{\"type\":\"ObjectEvent\",\"eventTime\":\"2025-03-01T09:00:00.000Z\","
                 "\"eventTimeZoneOffset\":\"+01:00\",\"eventID\":\"%s\",\"epcList\":[%s],"
                 "\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"disposition\":\"active\","
                 "\"readPoint\":{\"id\":\"urn:epc:id:sgln:4012345.00000.0\"},"
                 "\"ilmd\":{\"cbvmda:lotNumber\":\"%s\",\"cbvmda:itemExpirationDate\":"
                 "\"2075-12-31\"}}",
                 event_id, epcs, lot);
    else
        snprintf(out, cap,
                 "{\"type\":\"ObjectEvent\",\"eventTime\":\"2025-03-02T09:00:00.000Z\","
                 "\"eventTimeZoneOffset\":\"+01:00\",\"eventID\":\"%s\",\"epcList\":[%s],"
                 "\"action\":\"OBSERVE\",\"bizStep\":\"shipping\",\"disposition\":"
                 "\"in_transit\"}",
                 event_id, epcs);
}

/* An AggregationEvent of a JSON-LD document: action (ADD, DELETE, OBSERVE) on parent (an EPC
 * URI), children the serials (comma-separated) of prefix's product, or "" for none. */
static void ld_agg_event(char *out, size_t cap, const char *prefix, const char *event_id,
                         const char *action, const char *parent, const char *serials)
{
    char epcs[1024];
    epc_list(epcs, sizeof(epcs), prefix, serials);
    snprintf(out, cap,
             "{\"type\":\"AggregationEvent\",\"eventTime\":\"2025-03-01T10:00:00.000Z\","
             "\"eventTimeZoneOffset\":\"+01:00\",\"eventID\":\"%s\",\"parentID\":\"%s\","
             "\"childEPCs\":[%s],\"action\":\"%s\",\"bizStep\":\"%s\"}",
             event_id, parent, epcs, action,
             strcmp(action, "DELETE") == 0 ? "unpacking" : "packing");
}

/* A JSON-LD document up to its event list's opening bracket. */
#define LD_HEAD                                                                                    \
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld\"],"          \
    "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":"                       \
    "\"2025-03-01T10:00:00.000Z\",\"epcisBody\":{\"eventList\":["

static char *ld_doc(const char *e1, const char *e2, const char *e3)
{
    size_t cap = 8192;
    char *d = malloc(cap);
    assert_non_null(d);
    snprintf(d, cap, LD_HEAD "%s%s%s%s%s]}}", e1, e2 ? "," : "", e2 ? e2 : "", e3 ? "," : "",
             e3 ? e3 : "");
    return d;
}

/* POSTs body as content_type (behaviour NULL: none), wants status; copies the job path. */
static json_t *capture(fixture *f, const char *key, const char *content_type, const char *behaviour,
                       const char *body, long want, char *job, size_t job_cap, const char *file,
                       int line)
{
    char ct[96], bh[96];
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
    snprintf(bh, sizeof(bh), "GS1-Capture-Error-Behaviour: %s", behaviour ? behaviour : "");
    const char *h[] = {ct, behaviour ? bh : NULL, NULL};
    px_http_resp r;
    px_http(&f->env, &r, "POST", "/epcis/capture", key, body, h);
    if (r.status != want)
        fail_msg("%s:%d: POST /epcis/capture: got %ld, want %ld: %.500s", file, line, r.status,
                 want, r.body);
    if (job) {
        job[0] = '\0';
        const char *l = strstr(r.headers, "\nLocation: ");
        if (l) {
            l += strlen("\nLocation: ");
            snprintf(job, job_cap, "%.*s", (int)strcspn(l, "\r\n"), l);
        }
    }
    json_t *j = r.json ? json_incref(r.json) : NULL;
    px_http_resp_free(&r);
    return j;
}

static json_t *job_get(fixture *f, const char *key, const char *path, long want)
{
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, key, NULL, NULL);
    if (r.status != want)
        fail_msg("GET %s: got %ld, want %ld: %.500s", path, r.status, want, r.body);
    json_t *j = r.json ? json_incref(r.json) : NULL;
    px_http_resp_free(&r);
    return j;
}

/* capture() by the MAH, accepted (202), then its job (200): the job's path into job (128
 * bytes), the job returned (the caller json_decref()s). line: the caller's, for a failure. */
static json_t *captured(fixture *f, const char *content_type, const char *behaviour,
                        const char *doc, char job[128], int line)
{
    json_decref(
        capture(f, f->mah.key, content_type, behaviour, doc, 202, job, 128, __FILE__, line));
    return job_get(f, f->mah.key, job, 200);
}

/* captured() of a JSON-LD doc whose job succeeded; line: the caller's, named when it did not. */
static void applied(fixture *f, const char *doc, char job[128], int line)
{
    json_t *j = captured(f, "application/ld+json", NULL, doc, job, line);
    if (!json_is_true(json_object_get(j, "success")))
        fail_msg("line %d: the capture failed: %s", line,
                 px_test_str(json_array_get(json_object_get(j, "errors"), 0), "detail"));
    json_decref(j);
}

/* applied() of the JSON-LD document of events e1, e2, e3 (ld_doc). */
static void applied_events(fixture *f, const char *e1, const char *e2, const char *e3,
                           char job[128], int line)
{
    char *doc = ld_doc(e1, e2, e3);
    applied(f, doc, job, line);
    free(doc);
}

/* A capture under rollback of doc holding one bad event (bad_id): accepted (202), none of the
 * rows counted changes (what names the request), and its job failed with that one event's
 * error. Returns the job (the caller json_decref()s). line: the caller's. */
static json_t *rolled_back(fixture *f, const char *content_type, const char *doc,
                           const char *const *counted, const char *bad_id, const char *detail_has,
                           const char *what, int line)
{
    char job[128];
    px_test_rows s;
    px_test_rows_begin(&s, &f->env, counted);
    json_decref(capture(f, f->mah.key, content_type, "rollback", doc, 202, job, sizeof(job),
                        __FILE__, line));
    px_test_rows_same_at(&s, what, __FILE__, line);
    json_t *j = job_get(f, f->mah.key, job, 200);
    assert_true(json_is_false(json_object_get(j, "success")));
    json_t *errs = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_string_equal(px_test_str(json_array_get(errs, 0), "instance"), bad_id);
    if (!strstr(px_test_str(json_array_get(errs, 0), "detail"), detail_has))
        fail_msg("%s (line %d): the refusal's detail says no \"%s\": %s", what, line, detail_has,
                 px_test_str(json_array_get(errs, 0), "detail"));
    return j;
}

static long packs(fixture *f, const char *batch)
{
    return px_count_of(&f->env, "SELECT count(*) FROM serial WHERE gtin = '%s' AND batch = '%s'",
                       f->gtin, batch);
}

/* REQ-EPCISREST-5: a JSON-LD document's commissioning events are commissioned (the packs
 * exist, their commissioning event is queryable), the job says success; sent again, nothing
 * changes and the job still succeeds (idempotent by eventID). */
static void test_epcis_capture__jsonld_commissions_and_is_idempotent(void **state)
{
    fixture *f = *state;
    char e1[2048], e2[2048], job[128];
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, "urn:uuid:6f0a3a4e-0001-4000-8000-000000000001",
             "CA1,CA2", "L-CAP-1");
    ld_event(&f->env, e2, sizeof(e2), epc_prefix, "urn:uuid:6f0a3a4e-0001-4000-8000-000000000002",
             "CA3", "L-CAP-1");
    char *doc = ld_doc(e1, e2, NULL);
    json_t *a = capture(f, f->mah.key, "application/ld+json", NULL, doc, 202, job, sizeof(job),
                        __FILE__, __LINE__);
    assert_non_null(strstr(job, "/epcis/capture/"));
    assert_string_equal(job + strlen("/epcis/capture/"), px_test_str(a, "captureID"));
    json_decref(a);
    json_t *j = job_get(f, f->mah.key, job, 200);
    assert_true(json_is_false(json_object_get(j, "running")));
    assert_true(json_is_true(json_object_get(j, "success")));
    assert_string_equal(px_test_str(j, "captureErrorBehaviour"), "rollback");
    assert_int_equal(json_array_size(json_object_get(j, "errors")), 0);
    json_decref(j);
    assert_int_equal(packs(f, "L-CAP-1"), 3);
    /* The commission recorded packid's commissioning event for the batch. */
    char q[256];
    snprintf(q, sizeof(q), "/epcis/events?EQ_bizStep=commissioning&MATCH_epc=%sCA3", epc_prefix);
    json_t *ev = px_test_call(&f->env, "GET", q, f->mah.key, NULL, 200);
    json_t *list = px_test_event_list(ev);
    assert_int_equal(json_array_size(list), 1);
    /* packid's event is the captured one's: when and where the packs were commissioned, not
     * when the document arrived. */
    json_t *one = json_array_get(list, 0);
    assert_string_equal(px_test_str(one, "eventTime"), "2025-03-01T09:00:00.000Z");
    assert_string_equal(px_test_str(one, "eventTimeZoneOffset"), "+01:00");
    assert_string_equal(px_test_str(json_object_get(one, "readPoint"), "id"),
                        "urn:epc:id:sgln:4012345.00000.0");
    json_decref(ev);
    long commissions =
        px_count_of(&f->env, "SELECT count(*) FROM commission WHERE gtin = '%s'", f->gtin);
    /* Again: nothing changes. */
    applied(f, doc, job, __LINE__);
    assert_int_equal(packs(f, "L-CAP-1"), 3);
    px_expect_count(&f->env, commissions, "SELECT count(*) FROM commission WHERE gtin = '%s'",
                    f->gtin);
    free(doc);
}

/* An eventID is kept as it arrived, whatever printable characters it holds: one with a
 * backslash before a "t" (COPY text's escape for a tab, were it not escaped) is stored to the
 * letter, and the same document sent again is recognised by it. */
static void test_epcis_capture__event_id_kept_to_the_letter(void **state)
{
    fixture *f = *state;
    char e1[2048], job[128];
    /* The JSON text \\t9 is the eventID's backslash, then t9. */
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, "urn:x:packid:cap\\\\t9", "CBS1", "L-CAP-BS");
    char *doc = ld_doc(e1, NULL, NULL);
    applied(f, doc, job, __LINE__);
#define STORED "SELECT count(*) FROM epcis_captured_event WHERE event_id = 'urn:x:packid:cap\\t9'"
    px_expect_count(&f->env, 1, STORED);
    applied(f, doc, job, __LINE__);
    px_expect_count(&f->env, 1, STORED);
#undef STORED
    assert_int_equal(packs(f, "L-CAP-BS"), 1);
    free(doc);
}

/* REQ-EPCISREST-6: under rollback one event packid cannot act on (a shipping event) refuses
 * the whole document: nothing changes and the job lists that event with its eventID; under
 * proceed the good events are applied and the bad one listed. */
static void test_epcis_capture__rollback_nothing_proceed_good_ones(void **state)
{
    fixture *f = *state;
    char e1[2048], e2[2048], e3[2048], job[128];
    const char *bad_id = "urn:uuid:6f0a3a4e-0002-4000-8000-00000000000b";
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, "urn:uuid:6f0a3a4e-0002-4000-8000-000000000001",
             "CB1", "L-CAP-2");
    ld_event(&f->env, e2, sizeof(e2), epc_prefix, bad_id, "CB1", NULL);
    ld_event(&f->env, e3, sizeof(e3), epc_prefix, "urn:uuid:6f0a3a4e-0002-4000-8000-000000000003",
             "CB2", "L-CAP-2");
    char *doc = ld_doc(e1, e2, e3);
    const char *counted[] = {"serial", "commission", "epcis_event", "audit_log", NULL};
    json_t *j = rolled_back(f, "application/json", doc, counted, bad_id, "events[1]",
                            "rollback capture", __LINE__);
    json_t *e = json_array_get(json_object_get(j, "errors"), 0);
    assert_string_equal(px_test_str(e, "type"), "epcisException:ValidationException");
    json_decref(j);
    assert_int_equal(packs(f, "L-CAP-2"), 0);

    j = captured(f, "application/ld+json", "proceed", doc, job, __LINE__);
    assert_true(json_is_false(json_object_get(j, "success")));
    assert_string_equal(px_test_str(j, "captureErrorBehaviour"), "proceed");
    assert_int_equal(json_array_size(json_object_get(j, "errors")), 1);
    json_decref(j);
    assert_int_equal(packs(f, "L-CAP-2"), 2);
    free(doc);
}

/* One commissioning event of a given time and place, JSON-LD (the place as a readPoint and a
 * bizLocation). */
static void ld_commission_at(char *out, size_t cap, const char *event_id, const char *serial,
                             const char *lot, const char *time, const char *place)
{
    snprintf(out, cap,
             "{\"type\":\"ObjectEvent\",\"eventTime\":\"%s\",\"eventTimeZoneOffset\":\"-05:00\","
             "\"eventID\":\"%s\",\"epcList\":[\"%s%s\"],\"action\":\"ADD\",\"bizStep\":"
             "\"commissioning\",\"disposition\":\"active\",\"readPoint\":{\"id\":\"%s\"},"
             "\"bizLocation\":{\"id\":\"%s\"},\"ilmd\":{\"cbvmda:lotNumber\":\"%s\","
             "\"cbvmda:itemExpirationDate\":\"2075-12-31\"}}",
             time, event_id, epc_prefix, serial, place, place, lot);
}

/* A captured commissioning keeps its own time and place (EPCIS 2.0 §7.4.6: eventTime is when
 * the event occurred; readPoint and bizLocation where): events of one batch at two places are
 * two commissioning events, each with its time, offset and location as sent (a Digital Link
 * location too); events of one batch at one place are one, dated by the latest of them; an
 * event dated after packid's clock is refused, nothing kept. */
static void test_epcis_capture__event_time_and_place_kept(void **state)
{
    fixture *f = *state;
    char e1[2048], e2[2048], job[128];
    ld_commission_at(e1, sizeof(e1), "urn:uuid:6f0a3a4e-0012-4000-8000-000000000001", "CT1",
                     "L-TIME", "2025-03-01T09:00:00.000Z", "urn:epc:id:sgln:4012345.00011.0");
    ld_commission_at(e2, sizeof(e2), "urn:uuid:6f0a3a4e-0012-4000-8000-000000000002", "CT2",
                     "L-TIME", "2025-03-01T11:30:00.000Z", "https://id.gs1.org/414/4012345000115");
    char e3[2048];
    ld_commission_at(e3, sizeof(e3), "urn:uuid:6f0a3a4e-0012-4000-8000-000000000004", "CT4",
                     "L-TIME", "2025-03-01T12:00:00.000Z", "https://id.gs1.org/414/4012345000115");
    /* The later of the two one-place events first: the run is dated by its latest time, not
     * by its last event. */
    applied_events(f, e1, e3, e2, job, __LINE__);
    assert_int_equal(packs(f, "L-TIME"), 3);
    const char *rows = "SELECT count(*) FROM epcis_event e JOIN commission c ON c.id = "
                       "e.commission_id WHERE c.batch = 'L-TIME' AND e.tz_offset_min = -300 AND ";
    px_expect_count(&f->env, 1,
                    "%se.event_time = '2025-03-01T09:00:00Z' AND e.read_point = "
                    "'urn:epc:id:sgln:4012345.00011.0' AND e.biz_location = e.read_point",
                    rows);
    /* CT2 and CT4, one place: one event, at 12:00 (by then both were commissioned). */
    px_expect_count(&f->env, 1,
                    "%se.event_time = '2025-03-01T12:00:00Z' AND e.read_point = "
                    "'https://id.gs1.org/414/4012345000115' AND e.epc_count = 2",
                    rows);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM epcis_event e JOIN commission c ON c.id = "
                    "e.commission_id WHERE c.batch = 'L-TIME'");
    /* A pack's history says when it was commissioned. */
    char path[128];
    snprintf(path, sizeof(path), "/v1/packs/%s/CT1", f->gtin);
    json_t *pack = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_string_equal(
        px_test_str(json_array_get(json_object_get(pack, "events"), 0), "event_time"),
        "2025-03-01T09:00:00.000Z");
    json_decref(pack);

    const char *id = "urn:uuid:6f0a3a4e-0012-4000-8000-000000000003";
    ld_commission_at(e1, sizeof(e1), id, "CT3", "L-TIME", "2099-01-01T00:00:00.000Z",
                     "urn:epc:id:sgln:4012345.00011.0");
    char *doc = ld_doc(e1, NULL, NULL);
    const char *counted[] = {"serial", "commission", "epcis_event", "audit_log", NULL};
    json_decref(rolled_back(f, "application/ld+json", doc, counted, id, "after packid's clock",
                            "an event ahead of the clock", __LINE__));
    free(doc);
    /* A location that is no URI (a space in it) is refused, nothing kept. */
    id = "urn:uuid:6f0a3a4e-0012-4000-8000-000000000005";
    ld_commission_at(e1, sizeof(e1), id, "CT5", "L-TIME", "2025-03-01T09:00:00.000Z",
                     "line 4 of hall B");
    doc = ld_doc(e1, NULL, NULL);
    json_decref(rolled_back(f, "application/ld+json", doc, counted, id, "readPoint must be a URI",
                            "a location that is no URI", __LINE__));
    free(doc);
    /* A location kept as it came is one the query names: the Digital Link as stored, beside
     * the SGLN URNs it stands for (the 09:00 event's, the same GLN), and its own sub-resource. */
    px_http_resp q;
    px_http(&f->env, &q, "GET", "/epcis/events?EQ_readPoint=https://id.gs1.org/414/4012345000115",
            f->mah.key, NULL, NULL);
    assert_int_equal(q.status, 200);
    long long stored = px_count_of(&f->env, "SELECT count(*) FROM epcis_event WHERE read_point IN "
                                            "('https://id.gs1.org/414/4012345000115', "
                                            "'urn:epc:id:sgln:4012345.00011.0')");
    assert_int_equal(stored, 2);
    assert_int_equal(px_occurrences(q.body, "\"eventTime\""), stored);
    px_http_resp_free(&q);
    px_test_expect(&f->env, "GET",
                   "/epcis/readPoints/https%3A%2F%2Fid.gs1.org%2F414%2F4012345000115", f->mah.key,
                   NULL, 200, NULL);
    /* A location no query could name is refused at capture (px_epcis_location_ok, the query's
     * own rule): longer than 255 bytes, without a scheme, or holding the lists' '|'. */
    char longloc[300];
    snprintf(longloc, sizeof(longloc), "urn:example:%0256d", 0);
    const char *const unnamable[] = {longloc, "hallB", "urn:example:a|b"};
    for (size_t i = 0; i < PX_COUNT(unnamable); i++) {
        id = "urn:uuid:6f0a3a4e-0012-4000-8000-000000000006";
        ld_commission_at(e1, sizeof(e1), id, "CT6", "L-TIME", "2025-03-01T09:00:00.000Z",
                         unnamable[i]);
        doc = ld_doc(e1, NULL, NULL);
        json_decref(rolled_back(f, "application/ld+json", doc, counted, id, "at most 255 bytes",
                                "a location no query can name", __LINE__));
        free(doc);
    }
    /* An https location that is no Digital Link is asked for as it is (no 400). */
    px_test_expect(&f->env, "GET", "/epcis/events?EQ_readPoint=https://acme.example/lines/4",
                   f->mah.key, NULL, 200, NULL);
    /* The longest location kept, slashes and all, is its own resource too: the path's bound is
     * the value's 255 bytes, not the escaped segment's (each '/' sent as %2F). */
    char widest[256] = "https://acme.example";
    while (strlen(widest) + 2 <= 255)
        strcat(widest, "/a");
    if (strlen(widest) < 255)
        strcat(widest, "b");
    assert_int_equal(strlen(widest), 255);
    id = "urn:uuid:6f0a3a4e-0012-4000-8000-000000000007";
    ld_commission_at(e1, sizeof(e1), id, "CT7", "L-WIDE", "2025-03-01T09:00:00.000Z", widest);
    doc = ld_doc(e1, NULL, NULL);
    json_decref(captured(f, "application/ld+json", NULL, doc, job, __LINE__));
    free(doc);
    char wide_path[1024];
    int o = snprintf(wide_path, sizeof(wide_path), "/epcis/readPoints/");
    for (const char *c = widest; *c; c++)
        o += snprintf(wide_path + o, sizeof(wide_path) - (size_t)o, "%s",
                      *c == '/'   ? "%2F"
                      : *c == ':' ? "%3A"
                                  : (char[]){*c, '\0'});
    assert_true(o > 255 + (int)strlen("/epcis/readPoints/"));
    strcat(wide_path, "/events");
    px_http(&f->env, &q, "GET", wide_path, f->mah.key, NULL, NULL);
    assert_int_equal(q.status, 200);
    assert_int_equal(px_occurrences(q.body, "\"eventTime\""), 1);
    assert_non_null(strstr(q.body, "CT7"));
    px_http_resp_free(&q);
}

/* The events of one query (path, as the MAH) that name the pack CT8 of time_at_sub_ms's
 * capture. */
static int sub_ms_found(fixture *f, const char *path)
{
    px_http_resp q;
    px_http(&f->env, &q, "GET", path, f->mah.key, NULL, NULL);
    if (q.status != 200)
        fail_msg("GET %s: %ld %.300s", path, q.status, q.body ? q.body : "");
    int n = px_occurrences(q.body, "L-SUBMS");
    px_http_resp_free(&q);
    return n;
}

/* A time below the millisecond is answered to the millisecond, half-up (CBV 2.0 §8.9 rule 9),
 * by the queries and by the pack's history alike, and the time filters compare what the answer
 * shows: an event answered at ".124Z" is at or
 * after ".124Z" (GE_eventTime takes it) and not before it (LT_eventTime does not), in the 2.0
 * query and the 1.2 one, though it was captured at ".1236Z". */
static void test_epcis_capture__sub_millisecond_time_as_answered(void **state)
{
    fixture *f = *state;
    char e1[2048], job[128];
    ld_commission_at(e1, sizeof(e1), "urn:uuid:6f0a3a4e-0012-4000-8000-000000000008", "CT8",
                     "L-SUBMS", "2025-04-01T09:00:00.1236Z", "urn:epc:id:sgln:4012345.00011.0");
    applied_events(f, e1, NULL, NULL, job, __LINE__);
    char epc[128], path[512];
    snprintf(epc, sizeof(epc), "%sCT8", epc_prefix);
    static const struct {
        const char *route, *bound;
        int found;
    } cases[] = {
        {"/epcis/events?MATCH_epc", "GE_eventTime=2025-04-01T09:00:00.124Z", 1},
        {"/epcis/events?MATCH_epc", "LT_eventTime=2025-04-01T09:00:00.124Z", 0},
        {"/epcis/events?MATCH_epc", "LT_eventTime=2025-04-01T09:00:00.125Z", 1},
        {"/epcis/events?MATCH_epc", "GE_eventTime=2025-04-01T09:00:00.1241Z", 0},
        /* below the microsecond: after .124, not cut to it */
        {"/epcis/events?MATCH_epc", "GE_eventTime=2025-04-01T09:00:00.1240001Z", 0},
        {"/epcis/events?MATCH_epc", "LT_eventTime=2025-04-01T09:00:00.1240001Z", 1},
        {"/v1/epcis/events?MATCH_epc", "GE_eventTime=2025-04-01T09:00:00.124Z", 1},
        {"/v1/epcis/events?MATCH_epc", "LT_eventTime=2025-04-01T09:00:00.124Z", 0},
    };
    for (size_t i = 0; i < PX_COUNT(cases); i++) {
        snprintf(path, sizeof(path), "%s=%s&%s", cases[i].route, epc, cases[i].bound);
        if (sub_ms_found(f, path) != cases[i].found)
            fail_msg("%s: want %d event(s)", path, cases[i].found);
    }
    px_http_resp q;
    snprintf(path, sizeof(path), "/epcis/events?MATCH_epc=%s", epc);
    px_http(&f->env, &q, "GET", path, f->mah.key, NULL, NULL);
    assert_non_null(strstr(q.body, "\"eventTime\":\"2025-04-01T09:00:00.124Z\""));
    px_http_resp_free(&q);
    /* The pack's history names the same event at the same time as the queries and its hash
     * do (it said ".123Z", cut rather than rounded, found by an outside probe). */
    snprintf(path, sizeof(path), "/v1/packs/%s/CT8", f->gtin);
    json_t *pk = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    json_t *ev = json_array_get(json_object_get(pk, "events"), 0);
    assert_string_equal(px_test_str(ev, "op"), "commission");
    assert_string_equal(px_test_str(ev, "event_time"), "2025-04-01T09:00:00.124Z");
    json_decref(pk);
}

/* A location is kept only if the official XSDs take it (xsd:anyURI, RFC 3986): one they
 * refuse — a '%' not followed by two hex digits, a second '#', brackets outside an IP-literal
 * host — is refused at capture, nothing kept; kept, it made every report of its packs (and
 * every query answer carrying it) invalid, so they could never be released. Locations the XSDs
 * take are kept, and the 1.2 query answer that carries them validates. */
static void test_epcis_capture__location_the_xsd_takes(void **state)
{
    fixture *f = *state;
    char e1[2048], job[128];
    const char *counted[] = {"serial", "commission", "epcis_event", "audit_log", NULL};
    const char *const refused[] = {"urn:example:line%zz",       "urn:example:a#b#c",
                                   "urn:example:[::]",          "https://acme.example/x[1]",
                                   "https://acme.example:8a/x", "https://a@b@acme.example/",
                                   "https://acme.example:/x",   "1a:x"};
    for (size_t i = 0; i < PX_COUNT(refused); i++) {
        const char *id = "urn:uuid:6f0a3a4e-0013-4000-8000-000000000001";
        ld_commission_at(e1, sizeof(e1), id, "CU1", "L-URI", "2025-03-01T09:00:00.000Z",
                         refused[i]);
        char *doc = ld_doc(e1, NULL, NULL);
        json_decref(rolled_back(f, "application/ld+json", doc, counted, id,
                                "readPoint must be a URI", refused[i], __LINE__));
        free(doc);
    }
    const char *const kept[] = {"urn:example:line%4A#x", "https://[fd00::7]:8443/line/4",
                                "urn:example:<&>"};
    for (size_t i = 0; i < PX_COUNT(kept); i++) {
        char id[64], serial[8];
        snprintf(id, sizeof(id), "urn:uuid:6f0a3a4e-0013-4000-8000-00000000001%zu", i);
        snprintf(serial, sizeof(serial), "CU%zu", i + 2);
        ld_commission_at(e1, sizeof(e1), id, serial, "L-URI", "2025-03-01T09:00:00.000Z", kept[i]);
        char *doc = ld_doc(e1, NULL, NULL);
        json_t *j = captured(f, "application/ld+json", NULL, doc, job, __LINE__);
        if (!json_is_true(json_object_get(j, "success")))
            fail_msg("%s refused: %s", kept[i], json_dumps(j, 0));
        json_decref(j);
        free(doc);
    }
    px_http_resp q;
    px_http(&f->env, &q, "GET", "/v1/epcis/events", f->mah.key, NULL, NULL);
    assert_int_equal(q.status, 200);
    assert_non_null(strstr(q.body, "urn:example:line%4A#x"));
    px_test_xsd_valid(q.body, strlen(q.body));
    px_http_resp_free(&q);
}
/* A refusal that quotes the document says what it refuses whole: a 400-byte EPC is quoted
 * in part, not cut off with the reason (the detail holds 256 bytes), and the cut shows, in an
 * epcList, a parentID and childEPCs alike. */
static void test_epcis_capture__long_epc_refusal_says_why(void **state)
{
    fixture *f = *state;
    char e1[2048], serial[401];
    memset(serial, 'A', 400);
    serial[400] = '\0';
    const char *id = "urn:uuid:6f0a3a4e-0012-4000-8000-000000000099";
    ld_event(&f->env, e1, sizeof(e1), "urn:example:epc:", id, serial, "L-LONG");
    char *doc = ld_doc(e1, NULL, NULL);
    const char *counted[] = {"serial", "commission", "epcis_event", "audit_log", NULL};
    json_decref(rolled_back(f, "application/ld+json", doc, counted, id,
                            "AAAA... is not an SGTIN URI", "an EPC of 400 bytes", __LINE__));
    free(doc);
    char parent[420];
    snprintf(parent, sizeof(parent), "urn:example:%s", serial);
    ld_agg_event(e1, sizeof(e1), epc_prefix, id, "ADD", parent, "LP1");
    doc = ld_doc(e1, NULL, NULL);
    json_decref(rolled_back(f, "application/ld+json", doc, counted, id,
                            "AAAA...: a parent is a container's SSCC", "a parentID of 412 bytes",
                            __LINE__));
    free(doc);
    char agg[1200];
    snprintf(agg, sizeof(agg),
             "{\"type\":\"AggregationEvent\",\"eventTime\":\"2025-03-01T10:00:00.000Z\","
             "\"eventTimeZoneOffset\":\"+01:00\",\"eventID\":\"%s\",\"parentID\":"
             "\"urn:epc:id:sscc:4012345.0000000001\",\"childEPCs\":[\"%s\"],\"action\":\"ADD\","
             "\"bizStep\":\"packing\"}",
             id, parent);
    doc = ld_doc(agg, NULL, NULL);
    json_decref(rolled_back(f, "application/ld+json", doc, counted, id,
                            "AAAA... is neither an SGTIN nor an SSCC URI",
                            "a child EPC of 412 bytes", __LINE__));
    free(doc);
}

/* An expiry written with its century must be the year AI (17)'s six digits stand for
 * (GenSpecs §7.12): 2127-06-30 would be stored as 270630 and read back as 2027. Refused, and
 * nothing of the document is kept. */
static void test_epcis_capture__expiry_century_kept(void **state)
{
    fixture *f = *state;
    char e1[2048];
    const char *id = "urn:uuid:6f0a3a4e-0007-4000-8000-000000000001";
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, id, "CC1", "L-CENT");
    char *d = strstr(e1, "2075-12-31");
    assert_non_null(d);
    memcpy(d, "2127-06-30", 10);
    char *doc = ld_doc(e1, NULL, NULL);
    const char *counted[] = {"serial", "commission", "epcis_event", "audit_log", NULL};
    json_decref(rolled_back(f, "application/ld+json", doc, counted, id, "itemExpirationDate",
                            "a century dropped", __LINE__));
    free(doc);
    /* An event of 1970 with 2027-06-30: its documents would read 270630 against the event's
     * year (1927), the pack's answers against today's (2027). Refused too. */
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, id, "CC1", "L-CENT");
    memcpy(strstr(e1, "2025-03-01T"), "1970-01-01T", 11);
    memcpy(strstr(e1, "2075-12-31"), "2027-06-30", 10);
    doc = ld_doc(e1, NULL, NULL);
    json_decref(rolled_back(f, "application/ld+json", doc, counted, id, "itemExpirationDate",
                            "two centuries", __LINE__));
    free(doc);
    /* A lot of 21 characters: past AI (10)'s 20. */
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, id, "CC1", "L-0123456789-01234567");
    doc = ld_doc(e1, NULL, NULL);
    json_decref(rolled_back(f, "application/ld+json", doc, counted, id, "1 to 20 characters",
                            "a lot too long", __LINE__));
    free(doc);
}

/* A capture whose transaction fails after its job row was written (here the database refuses
 * the commission) answers the failure, applies nothing, and leaves its job failed with the
 * reason: never "running" for ever. */
static void test_epcis_capture__failed_transaction_ends_its_job(void **state)
{
    fixture *f = *state;
    char e1[2048];
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, "urn:uuid:6f0a3a4e-0008-4000-8000-000000000001",
             "CF1", "L-FAIL");
    char *doc = ld_doc(e1, NULL, NULL);
    px_test_refuse_rows(&f->env, "commission", "true", "XX000");
    json_decref(
        capture(f, f->mah.key, "application/ld+json", NULL, doc, 500, NULL, 0, __FILE__, __LINE__));
    px_test_refuse_end(&f->env, "commission");
    free(doc);
    assert_int_equal(packs(f, "L-FAIL"), 0);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM epcis_capture WHERE running");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_capture WHERE NOT success AND "
                    "applied_count = 0 AND errors->0->>'status' = '500' AND "
                    "created_at > now() - interval '1 minute'");
}

/* A capture's job row is written in the transaction that applies its events, with its
 * outcome: while that transaction runs (here held at its audit append by another session), no
 * job of it is visible, so a process killed then leaves no job "running" for ever; once it
 * commits, the job is there, finished. */
static void test_epcis_capture__job_commits_with_its_events(void **state)
{
    fixture *f = *state;
    char e1[2048], sql[160];
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, "urn:uuid:6f0a3a4e-0010-4000-8000-000000000001",
             "CJ1", "L-JOB");
    char *doc = ld_doc(e1, NULL, NULL);
    long before = px_count_of(&f->env, "SELECT count(*) FROM epcis_capture");
    snprintf(sql, sizeof(sql), "SELECT 1 FROM audit_head WHERE chain = '%s' FOR UPDATE",
             f->mah.org);
    PGconn *held = px_test_hold(&f->env, sql);
    px_test_async cap = {&f->env, "POST", "/epcis/capture", f->mah.key, doc, 0, 0, "", ""};
    px_test_async_start(&cap);
    px_test_wait_row_lock_waiters(&f->env, 1);
    px_expect_count(&f->env, before, "SELECT count(*) FROM epcis_capture");
    px_test_hold_end(held, NULL);
    assert_int_equal(px_test_async_join(&cap), 202);
    free(doc);
    assert_int_equal(packs(f, "L-JOB"), 1);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM epcis_capture WHERE running");
    px_expect_count(&f->env, before + 1, "SELECT count(*) FROM epcis_capture");
}

/* Under proceed an event about another MAH's product is refused (the commission's own
 * visibility rule), the caller's own event still applies. */
static void test_epcis_capture__other_tenants_product_refused(void **state)
{
    fixture *f = *state;
    char other_prefix[64], e1[2048], e2[2048], job[128];
    snprintf(other_prefix, sizeof(other_prefix), "urn:epc:id:sgtin:%.7s.%c%.5s.", f->gtin2 + 1,
             f->gtin2[0], f->gtin2 + 8);
    ld_event(&f->env, e1, sizeof(e1), other_prefix, "urn:uuid:6f0a3a4e-0003-4000-8000-000000000001",
             "CX1", "L-CAP-3");
    ld_event(&f->env, e2, sizeof(e2), epc_prefix, "urn:uuid:6f0a3a4e-0003-4000-8000-000000000002",
             "CC1", "L-CAP-3");
    char *doc = ld_doc(e1, e2, NULL);
    json_t *j = captured(f, "application/ld+json", "proceed", doc, job, __LINE__);
    json_t *errs = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_non_null(strstr(px_test_str(json_array_get(errs, 0), "detail"), "events[0]"));
    json_decref(j);
    assert_int_equal(packs(f, "L-CAP-3"), 1);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM serial WHERE gtin = '%s'", f->gtin2);
    /* The other MAH cannot read the job. */
    json_decref(job_get(f, f->mah2.key, job, 404));
    free(doc);
}

/* Never yes now, failure later: an organization without a GLN (no read point of its own)
 * captures a commissioning for a market whose reports need a read point only when the event
 * brings its own readPoint; the event without one is refused and makes no pack. */
static void test_epcis_capture__commission_needs_a_read_point(void **state)
{
    fixture *f = *state;
    px_test_party bare;
    px_test_org_key_bare(&f->env, "mah", "Bare capture MAH", "mah", bare.org, bare.key);
    px_test_product(&f->env, bare.key, "04099993000018", "Bare capture pack", "DE");
    const char *prefix = "urn:epc:id:sgtin:4099993.000001.";
    const char *read_point = "\"readPoint\":{\"id\":\"urn:epc:id:sgln:4012345.00000.0\"},";
    char e1[2048], e2[2048], job[128];
    ld_event(&f->env, e1, sizeof(e1), prefix, "urn:uuid:6f0a3a4e-0009-4000-8000-000000000001",
             "RP1", "L-RP");
    ld_event(&f->env, e2, sizeof(e2), prefix, "urn:uuid:6f0a3a4e-0009-4000-8000-000000000002",
             "RP2", "L-RP");
    char *rp = strstr(e2, read_point);
    assert_non_null(rp);
    memmove(rp, rp + strlen(read_point), strlen(rp + strlen(read_point)) + 1);
    char *doc = ld_doc(e1, e2, NULL);
    json_decref(capture(f, bare.key, "application/ld+json", "proceed", doc, 202, job, sizeof(job),
                        __FILE__, __LINE__));
    json_t *j = job_get(f, bare.key, job, 200);
    json_t *errs = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_string_equal(px_test_str(json_array_get(errs, 0), "instance"),
                        "urn:uuid:6f0a3a4e-0009-4000-8000-000000000002");
    assert_non_null(strstr(px_test_str(json_array_get(errs, 0), "detail"), "no GLN"));
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE gtin = '04099993000018' AND serial = 'RP1'");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM serial WHERE gtin = '04099993000018'");
    free(doc);
}

/* A 2.0 XML document is captured the same way. */
static void test_epcis_capture__xml_document(void **state)
{
    fixture *f = *state;
    char doc[4096], job[128];
    snprintf(doc, sizeof(doc),
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
             "<epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:xsd:2\" "
             "xmlns:cbvmda=\"urn:epcglobal:cbv:mda\" schemaVersion=\"2.0\" "
             "creationDate=\"2025-03-01T10:00:00.000Z\"><EPCISBody><EventList><ObjectEvent>"
             "<eventTime>2025-03-01T09:00:00.000Z</eventTime>"
             "<eventTimeZoneOffset>+01:00</eventTimeZoneOffset>"
             "<eventID>urn:uuid:6f0a3a4e-0004-4000-8000-000000000001</eventID>"
             "<epcList><epc>%sCD1</epc><epc>%sCD2</epc></epcList><action>ADD</action>"
             "<bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>"
             "<disposition>urn:epcglobal:cbv:disp:active</disposition>"
             "<ilmd><cbvmda:lotNumber>L-CAP-4</cbvmda:lotNumber>"
             "<cbvmda:itemExpirationDate>2075-12-31</cbvmda:itemExpirationDate></ilmd>"
             "</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>",
             epc_prefix, epc_prefix);
    json_t *j = captured(f, "application/xml", NULL, doc, job, __LINE__);
    assert_true(json_is_true(json_object_get(j, "success")));
    json_decref(j);
    assert_int_equal(packs(f, "L-CAP-4"), 2);
}

/* RFC 8259 §8.1: a JSON document that starts with a UTF-8 byte order mark (as some systems
 * write UTF-8) is read as the document after it, under both JSON media types; an XML
 * document may start with one too (XML 1.0 §4.3.3). A mark and nothing else is still an
 * empty body. */
static void test_epcis_capture__byte_order_mark(void **state)
{
    fixture *f = *state;
    char e1[2048], job[128], doc[8192];
    const struct {
        const char *ct, *serial, *event_id;
    } v[] = {
        {"application/ld+json", "CBOM1", "urn:uuid:6f0a3a4e-0030-4000-8000-000000000001"},
        {"application/json", "CBOM2", "urn:uuid:6f0a3a4e-0030-4000-8000-000000000002"},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        ld_event(&f->env, e1, sizeof(e1), epc_prefix, v[i].event_id, v[i].serial, "L-CAP-BOM");
        char *d = ld_doc(e1, NULL, NULL);
        snprintf(doc, sizeof(doc), "\xEF\xBB\xBF%s", d);
        free(d);
        json_t *j = captured(f, v[i].ct, NULL, doc, job, __LINE__);
        if (!json_is_true(json_object_get(j, "success")))
            fail_msg("%s with a BOM: %s", v[i].ct,
                     px_test_str(json_array_get(json_object_get(j, "errors"), 0), "detail"));
        json_decref(j);
    }
    assert_int_equal(packs(f, "L-CAP-BOM"), 2);
    snprintf(doc, sizeof(doc),
             "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
             "<epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:xsd:2\" "
             "xmlns:cbvmda=\"urn:epcglobal:cbv:mda\" schemaVersion=\"2.0\" "
             "creationDate=\"2025-03-01T10:00:00.000Z\"><EPCISBody><EventList><ObjectEvent>"
             "<eventTime>2025-03-01T09:00:00.000Z</eventTime>"
             "<eventTimeZoneOffset>+01:00</eventTimeZoneOffset>"
             "<eventID>urn:uuid:6f0a3a4e-0030-4000-8000-000000000003</eventID>"
             "<epcList><epc>%sCBOM3</epc></epcList><action>ADD</action>"
             "<bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>"
             "<disposition>urn:epcglobal:cbv:disp:active</disposition>"
             "<ilmd><cbvmda:lotNumber>L-CAP-BOM</cbvmda:lotNumber>"
             "<cbvmda:itemExpirationDate>2075-12-31</cbvmda:itemExpirationDate></ilmd>"
             "</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>",
             epc_prefix);
    json_t *j = captured(f, "application/xml", NULL, doc, job, __LINE__);
    assert_true(json_is_true(json_object_get(j, "success")));
    json_decref(j);
    assert_int_equal(packs(f, "L-CAP-BOM"), 3);
    j = capture(f, f->mah.key, "application/ld+json", NULL, "\xEF\xBB\xBF", 400, NULL, 0, __FILE__,
                __LINE__);
    assert_string_equal(px_test_str(j, "detail"), "the body is empty");
    json_decref(j);
}

/* Refusals of the whole request: RFC 7807 problems. A problem type's title is the same at
 * every occurrence (RFC 7807 §3.1); its detail says what this one was. */
static void test_epcis_capture__refusals(void **state)
{
    fixture *f = *state;
    const struct {
        int line;
        const char *ct, *behaviour, *body;
        long status;
        const char *type;
    } v[] = {
        {__LINE__, "text/plain", NULL, "{}", 415, "epcisException:UnsupportedMediaTypeException"},
        {__LINE__, "application/ld+json", NULL, "{\"type\":\"EPCISDocument\"", 400,
         "epcisException:ValidationException"},
        {__LINE__, "application/xml", NULL, "{\"type\":\"EPCISDocument\"}", 400,
         "epcisException:ValidationException"},
        {__LINE__, "application/ld+json", "sometimes", "{}", 400,
         "epcisException:ValidationException"},
    };
    char title[128] = "", detail[512] = "";
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        json_t *j = capture(f, f->mah.key, v[i].ct, v[i].behaviour, v[i].body, v[i].status, NULL, 0,
                            __FILE__, v[i].line);
        if (!j || strcmp(px_test_str(j, "type"), v[i].type) != 0)
            fail_msg("%s:%d: not a %s problem", __FILE__, v[i].line, v[i].type);
        if (i > 1) { /* the ValidationExceptions after the first */
            if (strcmp(px_test_str(j, "title"), title) != 0 ||
                strcmp(px_test_str(j, "detail"), detail) == 0)
                fail_msg("%s:%d: title \"%s\" after \"%s\", detail \"%s\"", __FILE__, v[i].line,
                         px_test_str(j, "title"), title, px_test_str(j, "detail"));
        } else if (i == 1) {
            snprintf(title, sizeof(title), "%s", px_test_str(j, "title"));
            snprintf(detail, sizeof(detail), "%s", px_test_str(j, "detail"));
        }
        json_decref(j);
    }
    json_decref(job_get(f, f->mah.key, "/epcis/capture/00000000-0000-4000-8000-000000000000", 404));
    json_decref(job_get(f, f->mah.key, "/epcis/capture/not-a-uuid", 404));
    /* A regulator does not commission. */
    json_decref(capture(f, f->reg_key, "application/ld+json", NULL, "{}", 403, NULL, 0, __FILE__,
                        __LINE__));
}

/* GS1-Capture-Error-Behaviour given twice (proceed and rollback) is refused whole, 400
 * ValidationException naming it, nothing captured: it was read as its first value and the
 * second dropped without a word, so a document meant to roll back whole could commit in part
 * (found by an outside probe). */
static void test_epcis_capture__behaviour_given_twice_refused(void **state)
{
    fixture *f = *state;
    char e1[2048];
    ld_commission_at(e1, sizeof(e1), "urn:uuid:6f0a3a4e-0012-4000-8000-00000000002a", "CTW1",
                     "L-TWICE", "2025-04-01T09:00:00Z", "urn:epc:id:sgln:4012345.00011.0");
    char *doc = ld_doc(e1, NULL, NULL);
    /* The behaviour twice, and the body's media type twice (the first was read). */
    static const char *const twice[][4] = {
        {"Content-Type: application/ld+json", "GS1-Capture-Error-Behaviour: proceed",
         "GS1-Capture-Error-Behaviour: rollback", "GS1-Capture-Error-Behaviour"},
        {"Content-Type: application/ld+json", "Content-Type: application/xml", NULL,
         "Content-Type"},
        {"Content-Type: application/xml", "Content-Type: application/ld+json", NULL,
         "Content-Type"},
        {"Content-Type: text/plain", "Content-Type: application/ld+json", NULL, "Content-Type"},
    };
    for (size_t i = 0; i < PX_COUNT(twice); i++) {
        const char *h[] = {twice[i][0], twice[i][1], twice[i][2], NULL};
        px_http_resp r;
        px_http(&f->env, &r, "POST", "/epcis/capture", f->mah.key, doc, h);
        if (r.status != 400 || !r.json ||
            strcmp(px_test_str(r.json, "type"), "epcisException:ValidationException") != 0 ||
            !strstr(px_test_str(r.json, "detail"), twice[i][3]))
            fail_msg("%s twice: got %ld %.300s", twice[i][3], r.status, r.body);
        px_http_resp_free(&r);
    }
    assert_int_equal(packs(f, "L-TWICE"), 0);
    /* One of them, the same document is captured. */
    char job[128];
    json_t *j = captured(f, "application/ld+json", "rollback", doc, job, __LINE__);
    assert_true(json_is_true(json_object_get(j, "success")));
    json_decref(j);
    assert_int_equal(packs(f, "L-TWICE"), 1);
    free(doc);
}

/* Appends to doc (cap bytes, *o used) one commissioning event of n packs named prefix0,
 * prefix1, … (a comma first unless first; eventID NULL: none), lot `lot`, at 09:00. */
static void big_commissioning(char *doc, size_t cap, size_t *o, int first, const char *event_id,
                              const char *prefix, int n, const char *lot)
{
    char id[128] = "";
    if (event_id)
        snprintf(id, sizeof(id), "\"eventID\":\"%s\",", event_id);
    *o += (size_t)snprintf(doc + *o, cap - *o,
                           "%s{\"type\":\"ObjectEvent\",\"eventTime\":\"2025-03-01T09:00:00Z\","
                           "\"eventTimeZoneOffset\":\"+01:00\",%s\"epcList\":[",
                           first ? "" : ",", id);
    for (int i = 0; i < n; i++)
        *o += (size_t)snprintf(doc + *o, cap - *o, "%s\"%s%s%d\"", i ? "," : "", epc_prefix, prefix,
                               i);
    *o += (size_t)snprintf(doc + *o, cap - *o,
                           "],\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"ilmd\":{"
                           "\"cbvmda:lotNumber\":\"%s\",\"cbvmda:itemExpirationDate\":"
                           "\"2075-12-31\"}}",
                           lot);
    assert_true(*o < cap);
}

/* The largest commission as one event: 100,000 EPCs in one epcList (docs/api.md: a commission
 * holds at most 100,000 serials) are commissioned, each once; the list grows by doubling (its
 * growth by one copied it once per serial, and such an event held a request thread for ten
 * minutes). One more is refused for the commission's bound, nothing kept. */
static void test_epcis_capture__largest_commission_in_one_event(void **state)
{
    fixture *f = *state;
    for (int n = 100000; n <= 100001; n++) {
        const char *lot = n == 100000 ? "L-ONE" : "L-ONE2";
        size_t cap = (size_t)n * 64 + 2048, o = 0;
        char *doc = malloc(cap);
        assert_non_null(doc);
        o += (size_t)snprintf(doc, cap, "%s", LD_HEAD);
        big_commissioning(doc, cap, &o, 1, NULL, lot, n, lot);
        o += (size_t)snprintf(doc + o, cap - o, "]}}");
        assert_true(o < cap);
        char job[128];
        json_t *j = captured(f, "application/ld+json", NULL, doc, job, __LINE__);
        free(doc);
        if (n == 100000) {
            assert_true(json_is_true(json_object_get(j, "success")));
            assert_int_equal(packs(f, lot), n);
        } else {
            assert_true(json_is_false(json_object_get(j, "success")));
            const char *detail =
                px_test_str(json_array_get(json_object_get(j, "errors"), 0), "detail");
            if (!strstr(detail, "too_many_serials"))
                fail_msg("the refusal says no too_many_serials: %s", detail);
            assert_int_equal(packs(f, lot), 0);
        }
        json_decref(j);
    }
}

/* One event over GS1-EPCIS-Capture-Limit (100,000) is 413 CaptureLimitExceededException, and
 * nothing is applied (the events are as small as the reader takes; the server's body cap is
 * raised for them in setup). */
static void test_epcis_capture__over_the_limit(void **state)
{
    fixture *f = *state;
    const int n = 100001;
    size_t cap = (size_t)n * 300 + 1024, o = 0;
    char *doc = malloc(cap);
    assert_non_null(doc);
    o += (size_t)snprintf(doc + o, cap - o, "%s", LD_HEAD);
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(doc + o, cap - o,
                              "%s{\"type\":\"ObjectEvent\",\"eventTime\":"
                              "\"2025-03-01T09:00:00Z\",\"eventTimeZoneOffset\":\"+01:00\","
                              "\"epcList\":[\"%sLIM%d\"],\"action\":\"ADD\",\"bizStep\":"
                              "\"commissioning\",\"ilmd\":{\"cbvmda:lotNumber\":\"L-LIM\","
                              "\"cbvmda:itemExpirationDate\":\"2075-12-31\"}}",
                              i ? "," : "", epc_prefix, i);
    o += (size_t)snprintf(doc + o, cap - o, "]}}");
    assert_true(o < cap);
    json_t *j =
        capture(f, f->mah.key, "application/ld+json", NULL, doc, 413, NULL, 0, __FILE__, __LINE__);
    assert_string_equal(px_test_str(j, "type"), "epcisException:CaptureLimitExceededException");
    json_decref(j);
    assert_int_equal(packs(f, "L-LIM"), 0);
    free(doc);
}

/* Under rollback a run of one batch's commissioning events becomes commissions of at most
 * 100,000 serials each (a commission's own limit), all in the document's one transaction:
 * two events of 50,001 packs of one lot are captured whole, as under proceed. */
static void test_epcis_capture__rollback_batch_over_one_commission(void **state)
{
    fixture *f = *state;
    const int per = 50001;
    size_t cap = (size_t)per * 2 * 64 + 4096, o = 0;
    char *doc = malloc(cap);
    assert_non_null(doc);
    o += (size_t)snprintf(doc + o, cap - o, "%s", LD_HEAD);
    for (int e = 0; e < 2; e++) {
        char id[64], names[16];
        snprintf(id, sizeof(id), "urn:uuid:6f0a3a4e-0011-4000-8000-00000000000%d", e + 1);
        snprintf(names, sizeof(names), "BIG%d-", e);
        big_commissioning(doc, cap, &o, e == 0, id, names, per, "L-BIG");
    }
    o += (size_t)snprintf(doc + o, cap - o, "]}}");
    assert_true(o < cap);
    char job[128];
    applied(f, doc, job, __LINE__);
    free(doc);
    assert_int_equal(packs(f, "L-BIG"), 2 * per);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM commission WHERE batch = 'L-BIG' AND "
                    "count <= 100000");
}

/* An SSCC of the fixture's company prefix (extension digit 0, serial reference ref) and its
 * EPC URI. */
static void sscc_of(fixture *f, char sscc[19], char uri[64], unsigned ref)
{
    char gcp[8];
    snprintf(gcp, sizeof(gcp), "%.7s", f->gtin + 1);
    px_err e;
    assert_int_equal(gs1_sscc_build(sscc, 0, gcp, ref, &e), PX_OK);
    snprintf(uri, 64, "urn:epc:id:sscc:%s.%c%.9s", gcp, sscc[0], sscc + 8);
}

static long packed_in(fixture *f, const char *sscc)
{
    return px_count_of(&f->env, "SELECT count(*) FROM serial WHERE parent_sscc = '%s'", sscc);
}

/* A captured packing that names its readPoint and no bizLocation: the read point as sent,
 * the business location the organization's (as every location an event leaves out), in the
 * row as in the hashed event. */
static void test_epcis_capture__aggregation_read_point_kept(void **state)
{
    fixture *f = *state;
    char sscc[19], uri[64], e1[2048], e2[2048], epcs[256], job[128];
    sscc_of(f, sscc, uri, 7011);
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, "urn:uuid:6f0a3a4e-0013-4000-8000-000000000001",
             "AR1,AR2", "L-AGG-RP");
    epc_list(epcs, sizeof(epcs), epc_prefix, "AR1,AR2");
    snprintf(e2, sizeof(e2),
             "{\"type\":\"AggregationEvent\",\"eventTime\":\"2025-03-01T10:00:00.000Z\","
             "\"eventTimeZoneOffset\":\"+01:00\",\"eventID\":"
             "\"urn:uuid:6f0a3a4e-0013-4000-8000-0000000000a1\",\"parentID\":\"%s\","
             "\"childEPCs\":[%s],\"action\":\"ADD\",\"bizStep\":\"packing\",\"readPoint\":"
             "{\"id\":\"urn:epc:id:sgln:4012345.00022.0\"}}",
             uri, epcs);
    applied_events(f, e1, e2, NULL, job, __LINE__);
    /* Its AggregationEvent and the container's commissioning, both where the line said. */
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM container_event WHERE parent_sscc = '%s' AND "
                    "read_point = 'urn:epc:id:sgln:4012345.00022.0' AND biz_location IS "
                    "DISTINCT FROM read_point AND event_time = '2025-03-01T10:00:00Z'",
                    sscc);
}

/* REQ-EPCISREST-10: one document commissions three packs and packs them (ADD, an SSCC parent
 * packid has not seen: registered as the caller's external SSCC, as POST /v1/aggregations
 * does); a second unpacks them (DELETE). Each captured eventID is kept beside the aggregation
 * it became; the first document sent again changes nothing. */
static void test_epcis_capture__aggregation_pack_then_unpack(void **state)
{
    fixture *f = *state;
    char sscc[19], uri[64], e1[2048], e2[2048], job[128];
    sscc_of(f, sscc, uri, 7001);
    const char *add_id = "urn:uuid:6f0a3a4e-0005-4000-8000-0000000000a1";
    const char *del_id = "urn:uuid:6f0a3a4e-0005-4000-8000-0000000000d1";
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, "urn:uuid:6f0a3a4e-0005-4000-8000-000000000001",
             "AG1,AG2,AG3", "L-AGG-1");
    ld_agg_event(e2, sizeof(e2), epc_prefix, add_id, "ADD", uri, "AG1,AG2,AG3");
    char *doc = ld_doc(e1, e2, NULL);
    applied(f, doc, job, __LINE__);
    assert_int_equal(packs(f, "L-AGG-1"), 3);
    assert_int_equal(packed_in(f, sscc), 3);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_captured_event c JOIN aggregation a "
                    "ON a.id = c.aggregation_id WHERE c.event_id = '%s' AND "
                    "a.parent_sscc = '%s' AND a.action = 'pack' AND a.children = 3",
                    add_id, sscc);
    /* packid's own AggregationEvent, as for POST /v1/aggregations, dated as the captured one
     * (10:00 at +01:00); no location sent: the organization's. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE type = "
                    "'AggregationEvent' AND action = 'ADD' AND parent_sscc = '%s' "
                    "AND cardinality(epcs) = 3 AND event_time = '2025-03-01T10:00:00Z' AND "
                    "tz_offset_min = 60 AND biz_location IS NOT DISTINCT FROM read_point",
                    sscc);
    const char *counted[] = {"serial WHERE parent_sscc IS NOT NULL",
                             "aggregation",
                             "container_event",
                             "commission",
                             "audit_log",
                             NULL};
    px_test_rows s;
    px_test_rows_begin(&s, &f->env, counted);
    json_decref(capture(f, f->mah.key, "application/ld+json", NULL, doc, 202, job, sizeof(job),
                        __FILE__, __LINE__));
    px_test_rows_same_at(&s, "the same document again", __FILE__, __LINE__);
    free(doc);

    ld_agg_event(e1, sizeof(e1), epc_prefix, del_id, "DELETE", uri, "AG1,AG2,AG3");
    doc = ld_doc(e1, NULL, NULL);
    applied(f, doc, job, __LINE__);
    assert_int_equal(packed_in(f, sscc), 0);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_captured_event c JOIN aggregation a "
                    "ON a.id = c.aggregation_id WHERE c.event_id = '%s' AND "
                    "a.action = 'unpack'",
                    del_id);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE action = 'DELETE' AND "
                    "parent_sscc = '%s' AND event_time = '2025-03-01T10:00:00Z' AND "
                    "tz_offset_min = 60",
                    sscc);
    free(doc);
}

/* One document applied: serials (of prefix, an EPC's spelling up to the serial) commissioned
 * into lot, then packed into parent; its eventIDs urn:uuid:<id>-4000-8000-000000000001 and
 * …-0000000000a1. */
static void commission_and_pack(fixture *f, const char *prefix, const char *parent, const char *id,
                                const char *serials, const char *lot)
{
    char e1[2048], e2[2048], c_id[64], a_id[64], job[128];
    snprintf(c_id, sizeof(c_id), "urn:uuid:%s-4000-8000-000000000001", id);
    snprintf(a_id, sizeof(a_id), "urn:uuid:%s-4000-8000-0000000000a1", id);
    ld_event(&f->env, e1, sizeof(e1), prefix, c_id, serials, lot);
    ld_agg_event(e2, sizeof(e2), prefix, a_id, "ADD", parent, serials);
    char *doc = ld_doc(e1, e2, NULL);
    applied(f, doc, job, __LINE__);
    free(doc);
}

/* EPCIS 2.0 §8.2: an EPC is an EPC URI or its constrained Digital Link. packid's own 2.0 query
 * writes Digital Links on request, so a partner sends back what it got: SGTINs and an SSCC as
 * Digital Links (on another domain too) commission and pack as their URNs do (they were
 * refused, found from outside). A Digital Link with data beside the key is no EPC. */
static void test_epcis_capture__digital_link_epcs(void **state)
{
    fixture *f = *state;
    char sscc[19], uri[64], e1[2048], prefix[96], parent[96];
    sscc_of(f, sscc, uri, 7006);
    snprintf(prefix, sizeof(prefix), "https://id.gs1.org/01/%s/21/", f->gtin);
    snprintf(parent, sizeof(parent), "https://dl.example.com/00/%s", sscc);
    commission_and_pack(f, prefix, parent, "6f0a3a4e-0015", "DL1,DL2", "L-DL-1");
    char *doc;
    assert_int_equal(packs(f, "L-DL-1"), 2);
    assert_int_equal(packed_in(f, sscc), 2);
    char lot_prefix[128];
    snprintf(lot_prefix, sizeof(lot_prefix), "https://id.gs1.org/01/%s/10/L1/21/", f->gtin);
    const char *bad_id = "urn:uuid:6f0a3a4e-0015-4000-8000-000000000002";
    ld_event(&f->env, e1, sizeof(e1), lot_prefix, bad_id, "DL3", "L-DL-1");
    doc = ld_doc(e1, NULL, NULL);
    const char *counted[] = {"serial", "commission", "epcis_event", NULL};
    json_decref(rolled_back(f, "application/ld+json", doc, counted, bad_id, "is not an SGTIN URI",
                            "a Digital Link with a lot beside its key", __LINE__));
    free(doc);
}

/* A parent's events are captured in time order: a DELETE dated before the ADD it undoes would
 * be replayed by eventTime as an unpacking of packs not yet packed (a receiver would then infer
 * them shipped in the container). Refused with the reason, nothing changed; dated at the ADD's
 * time or later it applies. */
static void test_epcis_capture__aggregation_out_of_order(void **state)
{
    fixture *f = *state;
    char sscc[19], uri[64], e1[2048], job[128];
    sscc_of(f, sscc, uri, 7005);
    commission_and_pack(f, epc_prefix, uri, "6f0a3a4e-0014", "AO1,AO2", "L-AGG-3");
    char *doc;
    const char *early_id = "urn:uuid:6f0a3a4e-0014-4000-8000-0000000000d1";
    ld_agg_event(e1, sizeof(e1), epc_prefix, early_id, "DELETE", uri, "AO1");
    char *t = strstr(e1, "2025-03-01T10:00:00.000Z");
    assert_non_null(t);
    memcpy(t, "2025-03-01T09:59:59.999Z", 24);
    doc = ld_doc(e1, NULL, NULL);
    const char *counted[] = {"serial WHERE parent_sscc IS NOT NULL",
                             "aggregation",
                             "container_event",
                             "audit_log",
                             "epcis_captured_event",
                             NULL};
    json_decref(rolled_back(f, "application/ld+json", doc, counted, early_id,
                            "out_of_order: eventTime 2025-03-01T09:59:59.999Z is before "
                            "2025-03-01T10:00:00",
                            "a DELETE dated before the ADD", __LINE__));
    free(doc);
    assert_int_equal(packed_in(f, sscc), 2);
    ld_agg_event(e1, sizeof(e1), epc_prefix, "urn:uuid:6f0a3a4e-0014-4000-8000-0000000000d2",
                 "DELETE", uri, "AO1");
    doc = ld_doc(e1, NULL, NULL);
    applied(f, doc, job, __LINE__);
    free(doc);
    assert_int_equal(packed_in(f, sscc), 1);
}

/* REQ-EPCISREST-10: a packing with one child packid does not know, under rollback, changes
 * nothing — not even the commission before it in the same document — and the job lists the
 * event with the child's index and reason; under proceed the commission is applied and the
 * packing (all-or-nothing itself, as POST /v1/aggregations) still refused. */
static void test_epcis_capture__aggregation_bad_child(void **state)
{
    fixture *f = *state;
    char sscc[19], uri[64], e1[2048], e2[2048], job[128];
    sscc_of(f, sscc, uri, 7002);
    const char *bad_id = "urn:uuid:6f0a3a4e-0006-4000-8000-0000000000a1";
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, "urn:uuid:6f0a3a4e-0006-4000-8000-000000000001",
             "AB1,AB2", "L-AGG-2");
    ld_agg_event(e2, sizeof(e2), epc_prefix, bad_id, "ADD", uri, "AB1,NOSUCHPACK,AB2");
    char *doc = ld_doc(e1, e2, NULL);
    const char *counted[] = {"serial",    "commission",           "epcis_event",
                             "sscc",      "aggregation",          "container_event",
                             "audit_log", "epcis_captured_event", NULL};
    json_t *j = rolled_back(f, "application/ld+json", doc, counted, bad_id, "events[1]",
                            "rollback capture with a bad child", __LINE__);
    assert_non_null(strstr(px_test_str(json_array_get(json_object_get(j, "errors"), 0), "detail"),
                           "childEPCs[1]: not_found"));
    json_decref(j);

    j = captured(f, "application/ld+json", "proceed", doc, job, __LINE__);
    assert_true(json_is_false(json_object_get(j, "success")));
    assert_int_equal(json_array_size(json_object_get(j, "errors")), 1);
    json_decref(j);
    assert_int_equal(packs(f, "L-AGG-2"), 2);
    assert_int_equal(packed_in(f, sscc), 0);
    free(doc);
    /* Every bad child is named, as POST /v1/aggregations lists each: the first 10, then how
     * many more. */
    char kids[256] = "AB1";
    for (int i = 1; i <= 12; i++)
        snprintf(kids + strlen(kids), sizeof(kids) - strlen(kids), ",NOPE%d", i);
    ld_agg_event(e2, sizeof(e2), epc_prefix, "urn:uuid:6f0a3a4e-0006-4000-8000-0000000000a2", "ADD",
                 uri, kids);
    doc = ld_doc(e2, NULL, NULL);
    j = captured(f, "application/ld+json", "proceed", doc, job, __LINE__);
    free(doc);
    const char *d = px_test_str(json_array_get(json_object_get(j, "errors"), 0), "detail");
    assert_non_null(strstr(d, "12 of 13 children cannot be packed"));
    assert_non_null(strstr(d, "childEPCs[1]: not_found: no such pack or container; "
                              "childEPCs[2]: not_found"));
    assert_non_null(strstr(d, "childEPCs[10]: not_found"));
    assert_null(strstr(d, "childEPCs[11]"));
    assert_non_null(strstr(d, "... and 2 more)"));
    json_decref(j);
    assert_int_equal(packed_in(f, sscc), 0);
}

/* The AggregationEvents packid cannot act on are refused each with its reason: OBSERVE, a pack
 * as parent that is no case packid knows (REQ-AGG-17), a parent that is no SSCC or SGTIN. */
static void test_epcis_capture__aggregation_refusals(void **state)
{
    fixture *f = *state;
    char sscc[19], uri[64], ev[2048], job[128];
    sscc_of(f, sscc, uri, 7003);
    char sgtin_parent[96];
    snprintf(sgtin_parent, sizeof(sgtin_parent), "%sPARENT1", epc_prefix);
    /* A parent of 60 two-byte characters: its refusal quotes a cut of it, between characters
     * (the job's errors are stored as JSON, which takes UTF-8 only). */
    char long_parent[160] = "https://example.com/x";
    for (int i = 0; i < 60; i++)
        strcat(long_parent, "\xc3\xa9");
    const struct {
        int line;
        const char *action, *parent, *want;
    } v[] = {
        {__LINE__, "OBSERVE", uri, "OBSERVE"},
        {__LINE__, "ADD", sgtin_parent, "not_found"},
        {__LINE__, "ADD", "urn:epc:id:sgln:4012345.00000.0", "a container's SSCC"},
        {__LINE__, "ADD", long_parent, "a container's SSCC"},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        ld_agg_event(ev, sizeof(ev), epc_prefix, "urn:uuid:6f0a3a4e-0007-4000-8000-000000000001",
                     v[i].action, v[i].parent, "AR1");
        char *doc = ld_doc(ev, NULL, NULL);
        json_t *j = captured(f, "application/ld+json", NULL, doc, job, v[i].line);
        json_t *errs = json_object_get(j, "errors");
        if (json_array_size(errs) != 1 ||
            !strstr(px_test_str(json_array_get(errs, 0), "detail"), v[i].want))
            fail_msg("%s:%d: want one error naming \"%s\"", __FILE__, v[i].line, v[i].want);
        json_decref(j);
        free(doc);
    }
    /* A time of year 0 has no form a report could carry (libxml2 refuses year 0): refused as
     * the document is read, so no container keeps an event no DSCSA report could validate. */
    ld_agg_event(ev, sizeof(ev), epc_prefix, "urn:uuid:6f0a3a4e-0007-4000-8000-000000000002", "ADD",
                 uri, "AR1");
    char *t = strstr(ev, "2025-03-01T10:00:00.000Z");
    assert_non_null(t);
    memcpy(t, "0000-06-01", 10);
    char *doc = ld_doc(ev, NULL, NULL);
    json_t *no = capture(f, f->mah.key, "application/ld+json", NULL, doc, 400, job, sizeof(job),
                         __FILE__, __LINE__);
    if (!strstr(px_test_str(no, "detail"), "eventTime"))
        fail_msg("the refusal does not name eventTime: %s", px_test_str(no, "detail"));
    json_decref(no);
    free(doc);
}

/* packid records its own event for what a captured one applies: a captured event that says
 * more than that event will carry (business transactions, sources, destinations, further
 * ILMD, user extensions), or another bizStep or disposition, is refused with what would not be
 * kept, and nothing changes (none is applied with that part dropped and its job told a
 * success; an AggregationEvent ADD of bizStep shipping is no packing). */
static void test_epcis_capture__what_would_not_be_kept_is_refused(void **state)
{
    fixture *f = *state;
    char sscc[19], uri[64];
    sscc_of(f, sscc, uri, 7004);
    const char *id = "urn:uuid:6f0a3a4e-0008-4000-8000-000000000001";
    const struct {
        int line;
        const char *action; /* NULL: a commissioning ObjectEvent */
        const char *from, *to, *want;
    } v[] = {
        {__LINE__, NULL, "\"readPoint\"",
         "\"bizTransactionList\":[{\"type\":\"po\",\"bizTransaction\":"
         "\"urn:epcglobal:cbv:bt:4012345000009:PO-1\"}],\"readPoint\"",
         "bizTransactionList"},
        {__LINE__, NULL, "\"readPoint\"",
         "\"sourceList\":[{\"type\":\"location\",\"source\":"
         "\"urn:epc:id:sgln:4012345.00000.0\"}],\"readPoint\"",
         "sourceList"},
        {__LINE__, NULL, "\"readPoint\"",
         "\"destinationList\":[{\"type\":\"location\",\"destination\":"
         "\"urn:epc:id:sgln:4012345.00000.0\"}],\"readPoint\"",
         "destinationList"},
        {__LINE__, NULL, "\"cbvmda:lotNumber\"",
         "\"cbvmda:bestBeforeDate\":\"2075-06-30\",\"cbvmda:lotNumber\"", "ILMD fields"},
        {__LINE__, NULL, "\"readPoint\"",
         "\"https://example.com/ext/lineSpeed\":\"120\",\"readPoint\"", "user extension fields"},
        {__LINE__, NULL, "\"disposition\":\"active\"", "\"disposition\":\"damaged\"",
         "disposition damaged"},
        {__LINE__, "ADD", "\"packing\"", "\"shipping\"", "bizStep shipping"},
        {__LINE__, "ADD", "\"bizStep\"", "\"disposition\":\"container_closed\",\"bizStep\"",
         "disposition container_closed"},
        {__LINE__, "DELETE", "\"unpacking\"", "\"packing\"", "bizStep packing"},
    };
    const char *counted[] = {"serial",    "commission",           "epcis_event",
                             "sscc",      "aggregation",          "container_event",
                             "audit_log", "epcis_captured_event", NULL};
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char ev[2048], out[2048];
        if (v[i].action)
            ld_agg_event(ev, sizeof(ev), epc_prefix, id, v[i].action, uri, "AK1");
        else
            ld_event(&f->env, ev, sizeof(ev), epc_prefix, id, "AK1", "L-KEPT");
        char *at = strstr(ev, v[i].from);
        if (!at)
            fail_msg("%s:%d: no %s in the event", __FILE__, v[i].line, v[i].from);
        snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - ev), ev, v[i].to, at + strlen(v[i].from));
        char *doc = ld_doc(out, NULL, NULL);
        json_decref(rolled_back(f, "application/ld+json", doc, counted, id, v[i].want, v[i].want,
                                v[i].line));
        free(doc);
    }
    assert_int_equal(packs(f, "L-KEPT"), 0);
}

/* REQ-AGG-17: an AggregationEvent whose parentID is the SGTIN of a case that carries its own
 * GTIN packs (ADD) and unpacks (DELETE) through the same use case as POST /v1/aggregations
 * with parent {"gtin","serial"}: the packs are in the case, the aggregation and packid's own
 * AggregationEvent name it, and the DELETE takes the listed pack out. */
#define IN_CASE                                                                                    \
    "SELECT count(*) FROM serial WHERE gtin = '%s' AND parent_gtin = '%s' AND parent_serial = "    \
    "'CS1'"
static void test_epcis_capture__aggregation_case_parent(void **state)
{
    fixture *f = *state;
    char case_gtin[15], case_uri[96], e1[2048], e2[2048], job[128];
    px_test_gtin(case_gtin, 7203);
    px_test_product(&f->env, f->mah.key, case_gtin, "Captured case", "DE");
    px_test_commissioned_sql(&f->env, case_gtin, "L-CASE-1", "751231", "CS", 1, 1, f->mah.org);
    snprintf(case_uri, sizeof(case_uri), "urn:epc:id:sgtin:%.7s.%c%.5s.CS1", case_gtin + 1,
             case_gtin[0], case_gtin + 8);
    const char *add_id = "urn:uuid:6f0a3a4e-0009-4000-8000-0000000000a1";
    const char *del_id = "urn:uuid:6f0a3a4e-0009-4000-8000-0000000000d1";
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, "urn:uuid:6f0a3a4e-0009-4000-8000-000000000001",
             "CP1,CP2,CP3", "L-CASE-P");
    ld_agg_event(e2, sizeof(e2), epc_prefix, add_id, "ADD", case_uri, "CP1,CP2,CP3");
    applied_events(f, e1, e2, NULL, job, __LINE__);
    px_expect_count(&f->env, 3, IN_CASE, f->gtin, case_gtin);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_captured_event c JOIN aggregation a "
                    "ON a.id = c.aggregation_id WHERE c.event_id = '%s' AND "
                    "a.parent_gtin = '%s' AND a.parent_serial = 'CS1' AND "
                    "a.action = 'pack' AND a.children = 3",
                    add_id, case_gtin);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE type = "
                    "'AggregationEvent' AND action = 'ADD' AND parent_id = '%s' "
                    "AND parent_gtin = '%s' AND cardinality(epcs) = 3",
                    case_uri, case_gtin);
    ld_agg_event(e1, sizeof(e1), epc_prefix, del_id, "DELETE", case_uri, "CP2");
    applied_events(f, e1, NULL, NULL, job, __LINE__);
    px_expect_count(&f->env, 2, IN_CASE, f->gtin, case_gtin);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM serial WHERE gtin = '%s' AND serial = "
                    "'CP2' AND parent_gtin IS NULL",
                    f->gtin);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM container_event WHERE type = "
                    "'AggregationEvent' AND action = 'DELETE' AND parent_id = '%s' "
                    "AND cardinality(epcs) = 1",
                    case_uri);
}

/* The same document sent twice at once (a line's retry racing its first try) is applied once,
 * and both jobs succeed: the later finds its events applied (the loser's job failed before,
 * its commission meeting the winner's serials as duplicate_serial). Several rounds, each its
 * own document: the two surely overlap in some. */
static void test_epcis_capture__same_document_twice_at_once(void **state)
{
    fixture *f = *state;
    for (int round = 0; round < 4; round++) {
        char e1[2048], id[64], serials[64], lot[16];
        snprintf(id, sizeof(id), "urn:uuid:6f0a3a4e-0016-4000-8000-0000000000%02d", round);
        snprintf(serials, sizeof(serials), "TW%d-1,TW%d-2,TW%d-3", round, round, round);
        snprintf(lot, sizeof(lot), "L-TWICE-%d", round);
        ld_event(&f->env, e1, sizeof(e1), epc_prefix, id, serials, lot);
        char *doc = ld_doc(e1, NULL, NULL);
        static const char *const ld[] = {"Content-Type: application/ld+json", NULL};
        px_test_race_req a = {"POST", "/epcis/capture", f->mah.key, doc, 0, "", "", ld, ""};
        px_test_race_req b = a;
        px_test_race2(&f->env, &a, &b);
        free(doc);
        const px_test_race_req *both[] = {&a, &b};
        for (int k = 0; k < 2; k++) {
            if (both[k]->status != 202)
                fail_msg("round %d: a capture answered %ld", round, both[k]->status);
            json_t *j = job_get(f, f->mah.key, both[k]->location, 200);
            if (!json_is_true(json_object_get(j, "success"))) {
                char *d = json_dumps(j, 0);
                fail_msg("round %d: a job failed: %s", round, d);
            }
            json_decref(j);
        }
        assert_int_equal(packs(f, lot), 3);
        px_expect_count(&f->env, 1, "SELECT count(*) FROM commission WHERE batch = '%s'", lot);
    }
}

/* Two events of one document with one eventID: the later is refused (an eventID names one
 * event), the earlier applies under proceed. */
static void test_epcis_capture__repeated_event_id(void **state)
{
    fixture *f = *state;
    char e1[2048], e2[2048], job[128];
    const char *id = "urn:uuid:6f0a3a4e-0008-4000-8000-000000000001";
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, id, "RP1", "L-REP-1");
    ld_event(&f->env, e2, sizeof(e2), epc_prefix, id, "RP2", "L-REP-1");
    char *doc = ld_doc(e1, e2, NULL);
    json_t *j = captured(f, "application/ld+json", "proceed", doc, job, __LINE__);
    json_t *errs = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errs), 1);
    const char *detail = px_test_str(json_array_get(errs, 0), "detail");
    assert_non_null(strstr(detail, "events[1]"));
    assert_non_null(strstr(detail, "eventID of events[0] again"));
    json_decref(j);
    assert_int_equal(packs(f, "L-REP-1"), 1);
    free(doc);
}

/* EPCIS 2.0 §7.4.1: an eventID names one event. The same event sent again is applied once
 * (idempotent); another event that reuses an eventID already applied is refused, its packs not
 * commissioned — it was skipped as a resend, the job saying success, its packs lost without a
 * word (found by an outside probe). */
static void test_epcis_capture__event_id_reused_for_other_content(void **state)
{
    fixture *f = *state;
    char e1[2048], job[128];
    const char *id = "urn:uuid:6f0a3a4e-0008-4000-8000-000000000002";
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, id, "RU1", "L-REUSE");
    applied_events(f, e1, NULL, NULL, job, __LINE__);
    applied_events(f, e1, NULL, NULL, job, __LINE__); /* the same again: applied once */
    assert_int_equal(packs(f, "L-REUSE"), 1);
    ld_event(&f->env, e1, sizeof(e1), epc_prefix, id, "RU2", "L-REUSE");
    char *doc = ld_doc(e1, NULL, NULL);
    const char *counted[] = {"serial",    "commission", "epcis_event", "epcis_captured_event",
                             "audit_log", NULL};
    json_decref(rolled_back(f, "application/ld+json", doc, counted, id,
                            "captured before with other content", "an eventID reused", __LINE__));
    free(doc);
    assert_int_equal(packs(f, "L-REUSE"), 1);
}

/* The official examples with AggregationEvents (../shared/reference/epcis-2.0/examples/): none
 * is one packid's data can hold (OBSERVE, SGTIN parents, class-level children, parents of
 * another company), so each is read, its AggregationEvents refused with a reason and nothing
 * changed — never half applied. */
static void test_epcis_capture__official_aggregation_examples(void **state)
{
    fixture *f = *state;
    /* 400: the reader refuses the document whole (sensor data, certification info, persistent
     * disposition, nested extensions and EPCs packid cannot hash are outside its model,
     * docs/epcis.md). */
    static const struct {
        int line;
        const char *file;
        long status;
    } v[] = {
        {__LINE__, "gs1-epcis/JSON/Example_9.6.3-AggregationEvent.jsonld", 202},
        {__LINE__, "gs1-epcis/JSON/WithSensorData/SensorDataExample8.jsonld", 400},
        {__LINE__,
         "gs1-epcis/JSON/WithFullCombinationOfFields/"
         "aggregation_event_all_possible_fields.jsonld",
         400},
        {__LINE__, "gs1-epcis/XML/Example-PersistentDisposition.xml", 400},
        {__LINE__, "gs1-epcis/XML/WithExtension/AggregationEvent.xml", 400},
        {__LINE__, "gs1-epcis/XML/Mimasu/Example3.xml", 202},
        {__LINE__, "openepcis/EPCIS/JSON/Capture/Documents/AggregationEvent.json", 202},
        {__LINE__,
         "openepcis/EPCIS/JSON/Capture/Documents/"
         "AggregationEvent_with_persistentDisposition.json",
         400},
        {__LINE__, "openepcis/EPCIS/JSON/Capture/Documents/AggregationEvent_with_digitalLink.json",
         202},
        {__LINE__, "openepcis/EPCIS/JSON/Capture/Documents/AggregationEvent_with_sensorData.json",
         400},
    };
    const char *counted[] = {"serial", "sscc", "aggregation", "container_event", "audit_log", NULL};
    size_t cap = (size_t)1 << 20;
    char *doc = malloc(cap);
    assert_non_null(doc);
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char path[512], job[128];
        snprintf(path, sizeof(path), PX_SHARED_DIR "/reference/epcis-2.0/examples/%s", v[i].file);
        px_test_read(path, 0, doc, cap);
        int xml = strstr(v[i].file, ".xml") != NULL;
        px_test_rows s;
        px_test_rows_begin(&s, &f->env, counted);
        json_decref(capture(f, f->mah.key, xml ? "application/xml" : "application/ld+json",
                            "proceed", doc, v[i].status, job, sizeof(job), __FILE__, v[i].line));
        px_test_rows_same_at(&s, v[i].file, __FILE__, v[i].line);
        if (v[i].status != 202)
            continue;
        json_t *j = job_get(f, f->mah.key, job, 200);
        json_t *errs = json_object_get(j, "errors");
        size_t n_agg =
            (size_t)px_occurrences(doc, xml ? "<AggregationEvent>" : "\"AggregationEvent\"");
        if (n_agg == 0 || json_array_size(errs) < n_agg)
            fail_msg("%s:%d: %zu refusals for %zu AggregationEvents", __FILE__, v[i].line,
                     json_array_size(errs), n_agg);
        json_decref(j);
    }
    free(doc);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
