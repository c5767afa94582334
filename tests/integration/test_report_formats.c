/* Regulator endpoints choose the EPCIS syntax of their reports (docs/epcis.md "Report
 * formats"): a release to an endpoint of format epcis-2.0-jsonld is delivered to a local
 * receiver as application/ld+json, valid against the official EPCIS 2.0 JSON schema, and read
 * back it carries the events (and eventIDs) packid's query gives; one of format epcis-2.0-xml
 * is delivered as EPCIS 2.0 XML, valid against the official 2.0 XSD (and checked in-process
 * with PACKID_EPCIS2_XSD_DIR before it is stored and sent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_receiver.h"
#include "px_test.h"
#include "px_test_epcis.h"

#define MAH_GLN "4012345000009"

typedef struct fixture {
    px_test_env env;
    px_receiver rv;
    px_test_party mah;
    char gtin[15];
} fixture;

static void endpoint(fixture *f, const char *market, const char *format)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"market\":\"%s\",\"url\":\"http://127.0.0.1:%d/epcis/capture\","
             "\"format\":\"%s\"}",
             market, f->rv.port, format);
    json_t *j = px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->mah.key, body, 201);
    assert_string_equal(px_test_str(j, "format"), format);
    json_decref(j);
}

static int setup(void **state)
{
    fixture *f = px_receiver_fixture_new(sizeof(*f));
    *state = f;
    px_test_setenv(&f->env, "PACKID_EPCIS_XSD_DIR=" PX_SHARED_DIR "/reference/epcis-1.2/xsd");
    px_test_setenv(&f->env, "PACKID_EPCIS2_XSD_DIR=" PX_SHARED_DIR "/reference/epcis-2.0/xsd");
    /* JSON-LD reports are checked against the official JSON schema before they are stored and
     * before every send (the JSON-LD delivery below passes it). */
    px_test_setenv(&f->env, "PACKID_EPCIS2_JSON_SCHEMA=" PX_TEST_SCHEMA_GS1);
    px_test_setenv(&f->env, "PACKID_DELIVERY_BACKOFF_MS=100");
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1");
    px_test_server_start(&f->env);
    px_test_mah_gln(&f->env, "Format MAH", MAH_GLN, f->mah.org, f->mah.key);
    px_test_gtin(f->gtin, 7301);
    px_test_product(&f->env, f->mah.key, f->gtin, "Format product", "DE");
    px_test_product_master(&f->env, f->gtin);
    endpoint(f, "DE", "epcis-2.0-jsonld");
    endpoint(f, "FR", "epcis-2.0-xml");
    return 0;
}

/* With the receiver reset: commissions batch (serials PREFIX1..3), releases it to market, waits
 * for its report to be delivered; the report id into id. Returns the first request received. */
static px_received *release_delivered(fixture *f, const char *batch, const char *prefix,
                                      const char *market, char id[40])
{
    px_receiver_reset(&f->rv, 0, 0);
    char serials[256], body[256];
    px_test_serials(serials, sizeof(serials), prefix, 1, 3);
    px_test_commission(&f->env, f->mah.key, f->gtin, batch, "751231", serials);
    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"batch\":\"%s\",\"market\":\"%s\"}", f->gtin,
             batch, market);
    json_t *j = px_test_call(&f->env, "POST", "/v1/releases", f->mah.key, body, 201);
    snprintf(id, 40, "%s", px_test_str(j, "report_id"));
    json_decref(j);
    json_decref(px_test_wait_report(&f->env, f->mah.key, id, "delivered", 100));
    return &f->rv.req[0];
}

/* The eventIDs packid's own query gives for the batch (JSON-LD), newline-separated. */
static void query_ids(fixture *f, const char *serial_epc, char *out, size_t cap)
{
    char path[256];
    snprintf(path, sizeof(path), "/epcis/events?MATCH_epc=%s", serial_epc);
    json_t *j = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    px_test_event_ids(j, out, cap);
    json_decref(j);
}

static void epc_of(const fixture *f, const char *serial, char *out, size_t cap)
{
    snprintf(out, cap, "urn:epc:id:sgtin:%.7s.%c%.5s.%s", f->gtin + 1, f->gtin[0], f->gtin + 8,
             serial);
}

/* REQ-EPCISREST-7: an epcis-2.0-jsonld endpoint receives EPCIS 2.0 JSON-LD, valid against the
 * official JSON schemas, holding the batch's commissioning and the release, with the eventIDs
 * of packid's query; GET /v1/reports/{id}/document answers the same bytes as JSON-LD. */
static void test_report_formats__jsonld_delivered_and_read_back(void **state)
{
    fixture *f = *state;
    char id[40];
    px_received *got = release_delivered(f, "F-DE-1", "FD", "DE", id);
    assert_int_equal(px_receiver_count(&f->rv), 1);
    assert_string_equal(got->content_type, "application/ld+json");
    assert_int_equal(px_test_run_on(PX_TEST_VALIDATE_GS1, got->body, got->len, 0), 0);
    assert_int_equal(px_test_run_on(PX_TEST_VALIDATE_201, got->body, got->len, 0), 0);
    json_error_t jerr;
    json_t *doc = json_loadb(got->body, got->len, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(px_test_str(doc, "type"), "EPCISDocument");
    json_t *l = json_object_get(json_object_get(doc, "epcisBody"), "eventList");
    assert_int_equal(json_array_size(l), 2);
    char ids[1024] = "", want[1024], epc[96];
    size_t o = 0;
    for (size_t i = 0; i < json_array_size(l); i++)
        o += (size_t)snprintf(ids + o, sizeof(ids) - o, "%s\n",
                              px_test_str(json_array_get(l, i), "eventID"));
    assert_string_equal(px_test_str(json_array_get(l, 0), "bizStep"), "commissioning");
    assert_string_equal(px_test_str(json_array_get(l, 1), "bizStep"), "shipping");
    json_decref(doc);
    epc_of(f, "FD1", epc, sizeof(epc));
    query_ids(f, epc, want, sizeof(want));
    assert_string_equal(ids, want);
    /* The stored document is what was sent, in its own media type. */
    char path[96];
    snprintf(path, sizeof(path), "/v1/reports/%s/document", id);
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/ld+json");
    assert_int_equal(r.len, got->len);
    assert_memory_equal(r.body, got->body, r.len);
    px_http_resp_free(&r);
}

/* REQ-EPCISREST-7: an epcis-2.0-xml endpoint receives EPCIS 2.0 XML, valid against the official
 * 2.0 XSD, with the same eventIDs as packid's query. */
static void test_report_formats__xml_2_0_delivered_valid(void **state)
{
    fixture *f = *state;
    char id[40];
    px_received *got = release_delivered(f, "F-FR-1", "FF", "FR", id);
    assert_int_equal(px_receiver_count(&f->rv), 1);
    assert_non_null(strstr(got->content_type, "application/xml"));
    assert_non_null(strstr(got->body, "urn:epcglobal:epcis:xsd:2"));
    px_test_xsd_valid(got->body, got->len);
    char ids[1024], want[1024], epc[96];
    px_test_xml_event_ids(got->body, ids, sizeof(ids));
    epc_of(f, "FF1", epc, sizeof(epc));
    query_ids(f, epc, want, sizeof(want));
    assert_string_equal(ids, want);
}

/* REQ-EPCISREST-8: `packid epcis export --format` writes the product's events in that syntax:
 * JSON-LD valid against the official schema, 2.0 XML against the 2.0 XSD, the same eventIDs;
 * an unknown format is a usage error. */
static void test_report_formats__cli_export_formats(void **state)
{
    fixture *f = *state;
    char out[] = "/tmp/packid-export-format-XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    char ids_json[2048] = "", ids_xml[2048] = "";
    const char *formats[] = {"epcis-2.0-jsonld", "epcis-2.0-xml"};
    for (int k = 0; k < 2; k++) {
        int rc;
        const char *a[] = {"epcis",    "export", "--gtin", f->gtin, "--format",
                           formats[k], "-o",     out,      NULL};
        json_t *j = px_test_cli(&f->env, &rc, a);
        assert_int_equal(rc, 0);
        assert_true(px_test_int(j, "events") >= 2);
        json_decref(j);
        char *buf = calloc(1, 1 << 20);
        assert_non_null(buf);
        px_test_read(out, 0, buf, 1 << 20);
        size_t n = strlen(buf);
        char *ids = k == 0 ? ids_json : ids_xml;
        size_t o = 0;
        if (k == 0) {
            assert_int_equal(buf[0], '{');
            assert_int_equal(px_test_run_on(PX_TEST_VALIDATE_GS1, buf, n, 0), 0);
            for (const char *p = buf; (p = strstr(p, "\"eventID\":\"")) != NULL;) {
                p += 11;
                o += (size_t)snprintf(ids + o, 2048 - o, "%.*s\n", (int)strcspn(p, "\""), p);
            }
        } else {
            assert_non_null(strstr(buf, "urn:epcglobal:epcis:xsd:2"));
            px_test_xsd_valid(buf, n);
            px_test_xml_event_ids(buf, ids, 2048);
        }
        free(buf);
    }
    assert_true(ids_json[0] != '\0');
    assert_string_equal(ids_json, ids_xml);
    int rc;
    const char *bad[] = {"epcis",          "export", "--gtin", f->gtin, "--format",
                         "epcis-3.0-yaml", "-o",     out,      NULL};
    json_decref(px_test_cli(&f->env, &rc, bad));
    assert_int_equal(rc, 2);
    unlink(out);
}

/* Points the CLI's setting name (an extra of the fixture's environment) at value; its old
 * "NAME=value" goes to old, for px_test_setenv to put back. */
static void swap_setting(fixture *f, const char *name, const char *value, char *old, size_t cap)
{
    const char *cur = px_test_extra(&f->env, name);
    if (!cur)
        fail_msg("%s is not set in the fixture", name);
    snprintf(old, cap, "%s", cur);
    char set[256];
    snprintf(set, sizeof(set), "%s=%s", name, value);
    px_test_setenv(&f->env, set);
}

/* The names in dir, one a line ("" when empty). */
static void dir_names(const char *dir, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    pclose(p);
}

/* REQ-EPCISREST-14: `packid epcis export` checks its own document before it writes it: against
 * the official schema it passes (the file appears, nothing else is left beside it); against a
 * schema it cannot meet (a JSON schema requiring a member packid never writes; an "XSD" whose
 * EPCISDocument is plain text) it is refused with exit 1 and code epcis_schema, and nothing is
 * written — no output file, no partial file. */
static void test_report_formats__cli_export_checks_its_output(void **state)
{
    fixture *f = *state;
    char dir[] = "/tmp/packid-export-check-XXXXXX", out[256], names[1024], old[256];
    assert_non_null(mkdtemp(dir));
    snprintf(out, sizeof(out), "%s/export.out", dir);
    /* The schemas that no packid document meets (written for this test, in their own
     * folder). */
    char sdir[] = "/tmp/packid-export-schema-XXXXXX", json_schema[256], xsd[256];
    assert_non_null(mkdtemp(sdir));
    snprintf(json_schema, sizeof(json_schema), "%s/strict.json", sdir);
    snprintf(xsd, sizeof(xsd), "%s/EPCglobal-epcis-2_0.xsd", sdir);
    FILE *fp = fopen(json_schema, "w");
    assert_non_null(fp);
    fputs("{\"$schema\": \"http://json-schema.org/draft-07/schema#\", \"type\": \"object\", "
          "\"required\": [\"memberPackidNeverWrites\"]}\n",
          fp);
    fclose(fp);
    fp = fopen(xsd, "w");
    assert_non_null(fp);
    fputs("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
          "targetNamespace=\"urn:epcglobal:epcis:xsd:2\">"
          "<xs:element name=\"EPCISDocument\" type=\"xs:string\"/></xs:schema>\n",
          fp);
    fclose(fp);
    const struct {
        int line;
        const char *format, *setting, *schema; /* schema NULL: the official one stays */
        int exit_code;
    } v[] = {
        {__LINE__, "epcis-2.0-jsonld", "PACKID_EPCIS2_JSON_SCHEMA", NULL, 0},
        {__LINE__, "epcis-2.0-xml", "PACKID_EPCIS2_XSD_DIR", NULL, 0},
        {__LINE__, "epcis-1.2-xml", "PACKID_EPCIS_XSD_DIR", NULL, 0},
        {__LINE__, "epcis-2.0-jsonld", "PACKID_EPCIS2_JSON_SCHEMA", json_schema, 1},
        {__LINE__, "epcis-2.0-xml", "PACKID_EPCIS2_XSD_DIR", sdir, 1},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        if (v[i].schema)
            swap_setting(f, v[i].setting, v[i].schema, old, sizeof(old));
        int rc;
        const char *a[] = {"epcis",     "export", "--gtin", f->gtin, "--format",
                           v[i].format, "-o",     out,      NULL};
        json_t *j = px_test_cli(&f->env, &rc, a);
        if (v[i].schema)
            px_test_setenv(&f->env, old);
        dir_names(dir, names, sizeof(names));
        if (rc != v[i].exit_code)
            fail_msg("%s:%d: %s: exit %d, want %d", __FILE__, v[i].line, v[i].format, rc,
                     v[i].exit_code);
        if (v[i].exit_code == 0) {
            if (strcmp(names, "export.out\n") != 0)
                fail_msg("%s:%d: the folder holds %s", __FILE__, v[i].line, names);
            assert_true(px_test_int(j, "events") >= 2);
            unlink(out);
        } else {
            json_t *e = json_object_get(j, "error");
            if (strcmp(px_test_str(e, "code"), "epcis_schema") != 0 || names[0])
                fail_msg("%s:%d: %s: code %s, the folder holds \"%s\"", __FILE__, v[i].line,
                         v[i].format, px_test_str(e, "code"), names);
            assert_non_null(strstr(px_test_str(e, "message"), "not valid"));
        }
        json_decref(j);
    }
    unlink(json_schema);
    unlink(xsd);
    rmdir(sdir);
    rmdir(dir);
}

/* `packid epcis export -o FILE` without a schema to check against writes FILE only once the
 * export is whole too: one that fails (a GTIN packid does not know) leaves the file that was
 * there as it was, and no partial file beside it; one that succeeds replaces it. */
static void test_report_formats__cli_failed_export_keeps_file(void **state)
{
    fixture *f = *state;
    char dir[] = "/tmp/packid-export-keep-XXXXXX", out[256], names[1024], old[256], text[256];
    assert_non_null(mkdtemp(dir));
    snprintf(out, sizeof(out), "%s/export.out", dir);
    static const char yesterday[] = "yesterday's export\n";
    assert_int_equal(px_test_write_file(out, yesterday, sizeof(yesterday) - 1), 0);
    swap_setting(f, "PACKID_EPCIS_XSD_DIR", "", old, sizeof(old));
    char unknown[15];
    px_test_gtin(unknown, 99901);
    int rc;
    const char *a[] = {"epcis",         "export", "--gtin", unknown, "--format",
                       "epcis-1.2-xml", "-o",     out,      NULL};
    json_decref(px_test_cli(&f->env, &rc, a));
    assert_int_not_equal(rc, 0);
    px_test_read(out, 0, text, sizeof(text));
    assert_string_equal(text, "yesterday's export\n");
    dir_names(dir, names, sizeof(names));
    assert_string_equal(names, "export.out\n");
    a[3] = f->gtin;
    json_decref(px_test_cli(&f->env, &rc, a));
    assert_int_equal(rc, 0);
    px_test_read(out, 0, text, sizeof(text));
    assert_non_null(strstr(text, "EPCISDocument"));
    dir_names(dir, names, sizeof(names));
    assert_string_equal(names, "export.out\n");
    /* The file keeps its mode; a link at -o is written through, never replaced (as a device
     * such as /dev/null or a pipe is written into). */
    assert_int_equal(chmod(out, 0640), 0);
    json_decref(px_test_cli(&f->env, &rc, a));
    assert_int_equal(rc, 0);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    char link[300];
    snprintf(link, sizeof(link), "%s/through.link", dir);
    assert_int_equal(symlink(out, link), 0);
    a[7] = link;
    unlink(out);
    json_decref(px_test_cli(&f->env, &rc, a));
    px_test_setenv(&f->env, old);
    assert_int_equal(rc, 0);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    px_test_read(out, 0, text, sizeof(text));
    assert_non_null(strstr(text, "EPCISDocument"));
    unlink(link);
    unlink(out);
    rmdir(dir);
}

/* PATCH changes the format of reports queued from then on; null or an unknown one is 422. */
static void test_report_formats__patch_changes_format(void **state)
{
    fixture *f = *state;
    char body[256], path[96];
    snprintf(body, sizeof(body), "{\"market\":\"IT\",\"url\":\"http://127.0.0.1:%d/x\"}",
             f->rv.port);
    json_t *j = px_test_call(&f->env, "POST", "/v1/regulator-endpoints", f->mah.key, body, 201);
    assert_string_equal(px_test_str(j, "format"), "epcis-1.2-xml");
    snprintf(path, sizeof(path), "/v1/regulator-endpoints/%s", px_test_str(j, "endpoint_id"));
    json_decref(j);
    j = px_test_call(&f->env, "PATCH", path, f->mah.key, "{\"format\":\"epcis-2.0-xml\"}", 200);
    assert_string_equal(px_test_str(j, "format"), "epcis-2.0-xml");
    json_decref(j);
    px_test_expect_field(&f->env, "PATCH", path, f->mah.key, "{\"format\":null}", "format",
                         "invalid_value");
    px_test_expect_field(&f->env, "PATCH", path, f->mah.key, "{\"format\":\"xml\"}", "format",
                         "invalid_value");
    char id[40];
    px_received *got = release_delivered(f, "F-IT-1", "FI", "IT", id);
    assert_non_null(strstr(got->body, "urn:epcglobal:epcis:xsd:2"));
    px_test_xsd_valid(got->body, got->len);
}

/* An unknown format is refused when the endpoint is created. */
static void test_report_formats__unknown_format_refused(void **state)
{
    fixture *f = *state;
    px_test_expect_field(&f->env, "POST", "/v1/regulator-endpoints", f->mah.key,
                         "{\"market\":\"IT\",\"url\":\"http://127.0.0.1:9/x\","
                         "\"format\":\"epcis-3.0-yaml\"}",
                         "format", "invalid_value");
}

/* REQ-EPCISREST-7: a JSON-LD report the official JSON schema refuses is never sent: the
 * document is put in place of a report's by SQL (the hook: packid itself writes only valid
 * ones), and the sender fails it unsent with the schema's reason (listed, attempts 0; a retry
 * would build a new document), while the outside oracle agrees the document is invalid. */
static void test_report_formats__invalid_jsonld_is_never_sent(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    static const char doc[] =
        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld\"],"
        "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":"
        "\"2026-01-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{\"type\":\"ObjectEvent\","
        "\"eventTimeZoneOffset\":\"+00:00\",\"epcList\":[],\"action\":\"ADD\"}]}}";
    assert_int_not_equal(px_test_run_on(PX_TEST_VALIDATE_GS1, doc, strlen(doc), 0), 0);
    char ep[40];
    px_sql_text(&f->env,
                "SELECT id FROM regulator_endpoint WHERE market = 'DE' AND format = "
                "'epcis-2.0-jsonld'",
                ep, sizeof(ep));
    px_sqlf(&f->env,
            "INSERT INTO report (id, tenant_id, endpoint_id, market, gtin, document_id, "
            "document, document_sha256) VALUES ('11111111-2222-4333-8444-5555555555a1', '%s', "
            "'%s', 'DE', '%s', '11111111-2222-4333-8444-5555555555a1', '%s', repeat('0', 64))",
            f->mah.org, ep, f->gtin, doc);
    const char *why[] = {"epcis_schema", "/epcisBody/eventList/0", "eventTime", NULL};
    px_receiver_expect_unsent(&f->env, &f->rv, f->mah.key, "11111111-2222-4333-8444-5555555555a1",
                              why);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_receiver_fixture_teardown
