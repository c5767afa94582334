/* The EPCIS 2.0 REST query streams (docs/epcis.md "Streamed answers"): a 1,000,000-event
 * answer (PACKID_STREAM_TEST_EVENTS to run fewer while developing) goes out in 2.0 XML and in
 * JSON-LD while the server's peak resident memory stays flat; each document is complete
 * (every event counted) and valid by outside tools: the XML through xmllint's streaming
 * validator against the official 2.0 query XSD, the JSON-LD through Python's json parser. A
 * client that leaves mid-stream gives the server's connection back; a failure after the
 * headers cuts the body (the client sees a truncated document), is logged at error level and
 * counted in packid_http_streams_cut_total.
 *
 * The events are loaded with one INSERT … SELECT from a real commissioning event (a fixture,
 * not the API: a million commissions through the API would take hours). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "px_test.h"

#define MAH_GLN "4012345000009"
#define QUERY_XSD PX_SHARED_DIR "/reference/epcis-2.0/xsd/EPCglobal-epcis-query-2_0.xsd"
/* The growth of the server's peak RSS a streamed answer may cause, whatever its size (the
 * documents of the full run are ~0.6 GB each). */
#define RSS_GROWTH_MAX_KB (64L * 1024)

/* The server's backend that holds a streamed answer's snapshot (pg_stat_activity). */
#define IN_ANSWER                                                                              \
    "datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid() "     \
    "AND query LIKE '%%FROM epcis_event e%%'"

typedef struct fixture {
    px_test_env env;
    char org[40], key[64];
    char gtin[15];
    long n;
} fixture;

static int setup(void **state)
{
    /* ASan keeps freed memory in a quarantine (256 MB by default) that would show in the
     * server's RSS as if packid held it; a small one lets the RSS show packid's own use. The
     * server inherits this process's environment. */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[1024];
    snprintf(opts, sizeof(opts), "%s%squarantine_size_mb=8", asan ? asan : "",
             asan && asan[0] ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    fixture *f = px_test_fixture_new(sizeof(*f));
    *state = f;
    const char *n = getenv("PACKID_STREAM_TEST_EVENTS");
    f->n = n && atol(n) > 0 ? atol(n) : 1000000;
    px_test_server_start(&f->env);
    const char *m[] = {"--kind", "mah", "--name", "Stream MAH", "--gln", MAH_GLN,
                       "--gln-prefix-length", "7", NULL};
    px_test_org_args_key(&f->env, m, "mah", f->org, f->key);
    px_test_gtin(f->gtin, 7201);
    px_test_product(&f->env, f->key, f->gtin, "Stream product", "DE");
    px_test_commission(&f->env, f->key, f->gtin, "S1", "751231", "[\"ST0\"]");
    /* n - 1 more events like the real one, each with its own serial, time and ID. The copies
     * point at the rows the real one points at, so the foreign-key triggers are skipped
     * (replica role, this session only): they would double the fixture's time. */
    px_sqlf(&f->env,
            "SET session_replication_role = replica; INSERT INTO epcis_event (id, tenant_id, "
            "org_id, op, type, action, biz_step, "
            "disposition, event_time, tz_offset_min, gtin, gcp_len, serial_set, serials, "
            "epc_count, lot, expiry, location_gln, read_point, biz_location, event_hash) "
            "SELECT gen_random_uuid(), e.tenant_id, e.org_id, e.op, e.type, e.action, "
            "e.biz_step, e.disposition, e.event_time + g * interval '1 millisecond', "
            "e.tz_offset_min, e.gtin, e.gcp_len, 'list', ARRAY['ST' || g], 1, e.lot, e.expiry, "
            "e.location_gln, e.read_point, e.biz_location, "
            "'ni:///sha-256;' || md5(g::text) || md5('x' || g) || '?ver=CBV2.0' "
            "FROM epcis_event e, generate_series(1, %ld) g WHERE e.gtin = '%s'",
            f->n - 1, f->gtin);
    px_expect_count(&f->env, f->n, "SELECT count(*) FROM epcis_event WHERE gtin = '%s'", f->gtin);
    assert_int_equal(px_sql_exec(&f->env, "ANALYZE epcis_event"), 0);
    return 0;
}

/* A kB figure of the server's /proc/<pid>/status ("VmHWM", "VmRSS"), which it must have. */
static long proc_kb(pid_t pid, const char *name)
{
    long kb = px_test_proc_kb(pid, name);
    assert_true(kb > 0);
    return kb;
}

/* What a streamed answer delivered: its bytes piped to an outside checker and the count of
 * needle, matched across the pieces' boundaries (needle's first byte occurs once in it). */
typedef struct received {
    FILE *to;
    const char *needle;
    size_t matched, bytes, stop_after;
    long count;
    fixture *f;
    int killed;
} received;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
    received *rc = ctx;
    size_t n = size * nmemb, nl = strlen(rc->needle);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == rc->needle[rc->matched])
            rc->matched++;
        else
            rc->matched = p[i] == rc->needle[0] ? 1 : 0;
        if (rc->matched == nl) {
            rc->count++;
            rc->matched = 0;
        }
    }
    if (rc->to && fwrite(p, 1, n, rc->to) != n)
        return 0;
    rc->bytes += n;
    if (rc->stop_after && rc->bytes >= rc->stop_after) {
        if (!rc->f)
            return 0; /* the client leaves */
        if (!rc->killed) {
            /* The server's database connection dies under the stream: the one backend inside
             * a transaction whose last statement read the events. */
            rc->killed = 1;
            px_expect_count(&rc->f->env, 1,
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE " IN_ANSWER);
        }
    }
    return n;
}

/* GET path as f's key with accept (and extra, one more header; NULL: none), its body into
 * rc; returns curl's result, *status. */
static CURLcode stream_with(fixture *f, const char *path, const char *accept, const char *extra,
                            received *rc, long *status)
{
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[512], auth[128], acc[128];
    snprintf(url, sizeof(url), "%s%s", f->env.base_url, path);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", f->key);
    snprintf(acc, sizeof(acc), "Accept: %s", accept);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, acc);
    if (extra)
        h = curl_slist_append(h, extra);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, rc);
    CURLcode res = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return res;
}

static CURLcode stream(fixture *f, const char *path, const char *accept, received *rc, long *status)
{
    return stream_with(f, path, accept, NULL, rc, status);
}

/* Streams path (a whole answer) with accept into checker (a shell command reading stdin that
 * exits 0 when the document is valid); fails unless the status is 200, the transfer complete,
 * the checker satisfied and needle counted f->n times. Returns the document's size. */
static size_t stream_checked(fixture *f, const char *path, const char *accept,
                             const char *needle, const char *checker)
{
    received rc = {.needle = needle};
    rc.to = popen(checker, "w");
    assert_non_null(rc.to);
    long status;
    CURLcode res = stream(f, path, accept, &rc, &status);
    int exit_code = pclose(rc.to);
    assert_int_equal(res, CURLE_OK);
    assert_int_equal(status, 200);
    assert_int_equal(rc.count, f->n);
    assert_true(WIFEXITED(exit_code) && WEXITSTATUS(exit_code) == 0);
    return rc.bytes;
}

/* REQ-EPCISREST-10: a 1,000,000-event answer, as one page, streams in 2.0 XML and in JSON-LD
 * with the server's peak RSS flat; both documents are complete and valid. */
static void test_epcis_stream__million_events_flat_memory(void **state)
{
    fixture *f = *state;
    /* Everything a query touches once (pool connection, prepared plans, libxml2) is
     * touched before the first reading. */
    px_http_resp warm;
    px_http(&f->env, &warm, "GET", "/epcis/events?perPage=10", f->key, NULL, NULL);
    assert_int_equal(warm.status, 200);
    px_http_resp_free(&warm);
    long hwm0 = proc_kb(f->env.server_pid, "VmHWM");
    char path[128];
    snprintf(path, sizeof(path), "/epcis/events?perPage=%ld", f->n);
    /* XML: validated as it arrives, by libxml2's streaming reader (not packid's code). */
    size_t xml_bytes = stream_checked(
        f, path, "application/xml", "</ObjectEvent>",
        "xmllint --stream --noout --schema '" QUERY_XSD "' - 2>&1 | tail -3 >&2");
    long hwm_x = proc_kb(f->env.server_pid, "VmHWM");
    /* JSON-LD: parsed whole by Python's json, the list counted there too. */
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import json, sys; d = json.load(sys.stdin); "
             "l = d[\"epcisBody\"][\"queryResults\"][\"resultsBody\"][\"eventList\"]; "
             "sys.exit(0 if len(l) == %ld and d[\"type\"] == \"EPCISQueryDocument\" else 3)'",
             f->n);
    size_t json_bytes = stream_checked(f, path, "application/ld+json", "\"eventID\":", cmd);
    long hwm1 = proc_kb(f->env.server_pid, "VmHWM");
    fprintf(stderr,
            "streamed %ld events: XML %zu bytes, JSON-LD %zu bytes; server VmHWM %ld kB before, "
            "%ld kB after XML, %ld kB after JSON-LD, VmRSS %ld kB\n",
            f->n, xml_bytes, json_bytes, hwm0, hwm_x, hwm1, proc_kb(f->env.server_pid, "VmRSS"));
    /* Bounded: the peak grew by less than a fixed amount, far below either document. */
    assert_true(hwm1 - hwm0 < RSS_GROWTH_MAX_KB);
}

/* REQ-EPCISREST-10: a client that leaves mid-stream gives the connection back to the pool;
 * the next query is answered. */
static void test_epcis_stream__client_leaves_connection_returns(void **state)
{
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "/epcis/events?perPage=%ld", f->n);
    received r = {.needle = "</ObjectEvent>", .stop_after = 256 * 1024};
    long status;
    assert_int_equal(stream(f, path, "application/xml", &r, &status), CURLE_WRITE_ERROR);
    assert_true(r.count > 0 && r.count < f->n);
    /* The server sees the closed socket on its next write; then the connection is back. */
    int in_use = -1;
    for (int i = 0; i < 100 && in_use != 0; i++) {
        in_use = (int)px_test_metric_of(&f->env, "packid_db_pool_in_use");
        if (in_use != 0)
            px_sleep_ms(50);
    }
    assert_int_equal(in_use, 0);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM pg_stat_activity WHERE " IN_ANSWER);
    px_test_expect(&f->env, "GET", "/epcis/events?perPage=1", f->key, NULL, 200, NULL);
}

/* REQ-EPCISREST-10: a failure after the headers (the database connection dies mid-answer)
 * cannot change the 200: the chunked body ends without its last chunk, so the client sees a
 * truncated document, never a complete-looking one; the server logs it at error level and
 * counts it. */
static void test_epcis_stream__failure_after_headers_truncates(void **state)
{
    fixture *f = *state;
    long cut0 = px_test_metric_of(&f->env, "packid_http_streams_cut_total");
    char path[128];
    snprintf(path, sizeof(path), "/epcis/events?perPage=%ld", f->n);
    received r = {.needle = "</ObjectEvent>", .stop_after = 64 * 1024, .f = f};
    long status;
    CURLcode res = stream(f, path, "application/xml", &r, &status);
    assert_int_equal(status, 200);
    assert_int_not_equal(res, CURLE_OK);
    assert_int_equal(r.killed, 1);
    assert_true(r.count < f->n);
    assert_int_equal(px_test_metric_of(&f->env, "packid_http_streams_cut_total"), cut0 + 1);
    assert_true(px_test_log_has(&f->env, "streamed response cut", NULL));
    /* The pool replaces the dead connection: the next query is answered. */
    px_test_expect(&f->env, "GET", "/epcis/events?perPage=1", f->key, NULL, 200, NULL);
}

/* A streamed answer the server itself cuts is logged at error level and counted, as a failed
 * piece is: here the server stops while a client that reads nothing holds a page of the
 * million events (the idle timeout, 120 s, ends such an answer the same way). */
static void test_epcis_stream__answer_cut_by_the_server_is_logged(void **state)
{
    fixture *f = *state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->env.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "GET /epcis/events?perPage=%ld HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\nAccept: application/xml\r\n\r\n",
                     f->n, f->key);
    assert_int_equal(write(fd, req, (size_t)n), n);
    /* The answer is under way once the server's backend holds its snapshot. */
    int under_way = 0;
    for (int i = 0; i < 200 && !under_way; i++) {
        under_way = px_count_of(&f->env, "SELECT count(*) FROM pg_stat_activity WHERE " IN_ANSWER);
        if (!under_way)
            px_sleep_ms(25);
    }
    assert_true(under_way);
    assert_int_equal(px_test_server_stop(&f->env), 0);
    close(fd);
    assert_true(px_test_log_has(&f->env, "streamed response cut", "the server stopped"));
    px_test_server_start(&f->env);
}

/* The largest event a commission makes streams whole in every form: 100,000 serials, each of
 * set 82 characters a Digital Link escapes ('/' is %2F), asked as 2.0 XML with Digital Link
 * EPCs (GS1-EPC-Format: Always_GS1_Digital_Link) is one event of ~10 MB, past the stream
 * buffer's old 8 MiB (the answer was then cut after its 200). Runs last: the event is dated
 * 2099, after every other. */
static void test_epcis_stream__largest_event_whole(void **state)
{
    fixture *f = *state;
    px_sqlf(&f->env,
            "INSERT INTO epcis_event (id, tenant_id, org_id, op, type, action, biz_step, "
            "disposition, event_time, tz_offset_min, gtin, gcp_len, serial_set, serials, "
            "epc_count, lot, expiry, location_gln, read_point, biz_location, event_hash) "
            "SELECT gen_random_uuid(), e.tenant_id, e.org_id, e.op, e.type, e.action, "
            "e.biz_step, e.disposition, '2099-01-01T00:00:00Z', e.tz_offset_min, e.gtin, "
            "e.gcp_len, 'list', ARRAY(SELECT '///////////////' || lpad(g::text, 5, '0') FROM "
            "generate_series(1, 100000) g), 100000, e.lot, e.expiry, e.location_gln, "
            "e.read_point, e.biz_location, 'ni:///sha-256;' || md5('largest') || md5('event') || "
            "'?ver=CBV2.0' FROM epcis_event e WHERE e.gtin = '%s' ORDER BY e.event_time LIMIT 1",
            f->gtin);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM epcis_event WHERE epc_count = 100000");
    long cut0 = px_test_metric_of(&f->env, "packid_http_streams_cut_total");
    received rc = {.needle = "</epc>"};
    rc.to = popen("xmllint --stream --noout --schema '" QUERY_XSD "' - 2>&1 | tail -3 >&2", "w");
    assert_non_null(rc.to);
    long status;
    CURLcode res =
        stream_with(f, "/epcis/events?GE_eventTime=2099-01-01T00:00:00Z", "application/xml",
                    "GS1-EPC-Format: Always_GS1_Digital_Link", &rc, &status);
    int exit_code = pclose(rc.to);
    assert_int_equal(res, CURLE_OK);
    assert_int_equal(status, 200);
    assert_int_equal(rc.count, 100000);
    assert_true(rc.bytes > (8u << 20));
    assert_true(WIFEXITED(exit_code) && WEXITSTATUS(exit_code) == 0);
    assert_int_equal(px_test_metric_of(&f->env, "packid_http_streams_cut_total"), cut0);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
