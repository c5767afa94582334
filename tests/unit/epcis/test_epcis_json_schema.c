/* packid's JSON Schema checker (src/epcis/json_schema.c) against the official EPCIS 2.0 JSON
 * schema, held to an outside oracle: python3-jsonschema (json-schema-validate.py) must give the
 * same verdict on every JSON example GS1 and OpenEPCIS publish (valid and invalid ones) and on
 * packid's own documents with one rule broken at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "epcis.h"
#include "epcis_check.h"
#include "epcis_fixtures.h"
#include "px_array.h"

#define EXAMPLES PX_SHARED_DIR "/reference/epcis-2.0/examples"
/* The one place the oracle and packid may differ: Debian's python3-jsonschema checks "format":
 * "date-time" only when the rfc3339-validator module is present, which Debian does not
 * install with it (format checks are optional in draft-07, Validation §7.2); packid checks it
 * (RFC 3339 §5.6). The official example whose only fault is such a date is named here, and
 * packid must refuse it for exactly that reason. */
#define DEBIAN_DATE_TIME "/Invalid/ObjectEvent_with_invalid_eventTime_format.json"

static int setup(void **state)
{
    px_epcis_validator *v = NULL;
    px_err err = PX_ERR_INIT;
    px_rc rc = px_epcis_validator_open(&v, PX_EPCIS_FORMAT_JSONLD_2_0, CK_SCHEMA_GS1, &err);
    return ck_validator_state(state, rc, v, &err);
}

/* The oracle's verdict on each of paths ("valid PATH" lines): verdict[i] = 1 when valid. */
static void oracle_each(char paths[][512], size_t n, int *verdict)
{
    px_buf cmd;
    px_buf_init(&cmd, 1 << 20);
    assert_int_equal(
        px_buf_puts(&cmd, "/usr/bin/python3 '" CK_JSON_VALIDATE "' --each '" CK_SCHEMA_GS1 "'"),
        PX_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(px_buf_printf(&cmd, " '%s'", paths[i]), PX_OK);
    FILE *p = popen(cmd.data, "r");
    assert_non_null(p);
    char line[700];
    size_t k = 0;
    while (k < n && fgets(line, sizeof(line), p)) {
        line[strcspn(line, "\n")] = '\0';
        int valid = strncmp(line, "valid ", 6) == 0;
        const char *path = line + (valid ? 6 : 8);
        if (strcmp(path, paths[k]) != 0)
            fail_msg("oracle answered for %s, expected %s", path, paths[k]);
        verdict[k++] = valid;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(k, n);
    px_buf_dispose(&cmd);
}

/* Every JSON example of the official folders: packid's checker agrees with the oracle, on the
 * valid ones and on the invalid ones alike (both kinds must be present, or the test proves
 * nothing). */
static void test_epcis_json_schema__agrees_on_official_examples(void **state)
{
    const px_epcis_validator *v = *state;
    FILE *p =
        popen("find '" EXAMPLES "' -type f \\( -name '*.json' -o -name '*.jsonld' \\) | sort", "r");
    assert_non_null(p);
    static char paths[400][512];
    size_t n = 0;
    while (n < 400 && fgets(paths[n], sizeof(paths[n]), p)) {
        paths[n][strcspn(paths[n], "\n")] = '\0';
        n++;
    }
    assert_int_equal(pclose(p), 0);
    assert_true(n > 50);
    int *want = calloc(n, sizeof(*want));
    assert_non_null(want);
    oracle_each(paths, n, want);
    size_t valid = 0, invalid = 0, disagree = 0;
    for (size_t i = 0; i < n; i++) {
        px_err err = PX_ERR_INIT;
        int got = px_epcis_validate_file(v, paths[i], &err) == PX_OK;
        if (strstr(paths[i], DEBIAN_DATE_TIME)) {
            if (got || !strstr(err.message, "is not an RFC 3339 date-time"))
                fail_msg("%s: packid must refuse its eventTime (%s)", paths[i], err.message);
            continue;
        }
        valid += want[i];
        invalid += !want[i];
        if (got != want[i]) {
            disagree++;
            fprintf(stderr, "disagree on %s: oracle %s, packid %s (%s)\n", paths[i],
                    want[i] ? "valid" : "invalid", got ? "valid" : "invalid", err.message);
        }
    }
    free(want);
    assert_true(valid > 10);
    assert_true(invalid > 3);
    assert_int_equal(disagree, 0);
}

/* Removes the first member named key (with its value up to the next ',' or '}') from doc. */
static void drop_member(char *doc, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    char *a = strstr(doc, pat);
    assert_non_null(a);
    char *b = a + strlen(pat);
    int depth = 0, in_str = 0;
    for (; *b; b++) {
        if (in_str) {
            if (*b == '\\')
                b++;
            else if (*b == '"')
                in_str = 0;
            continue;
        }
        if (*b == '"')
            in_str = 1;
        else if (*b == '{' || *b == '[')
            depth++;
        else if ((*b == '}' || *b == ']') && depth-- == 0)
            break;
        else if (*b == ',' && depth == 0) {
            b++;
            break;
        }
    }
    memmove(a, b, strlen(b) + 1);
}

/* Replaces the first from in doc (capacity cap) by to. */
static void replace_first(char *doc, size_t cap, const char *from, const char *to)
{
    char *a = strstr(doc, from);
    assert_non_null(a);
    size_t lf = strlen(from), lt = strlen(to), rest = strlen(a + lf);
    assert_true(strlen(doc) - lf + lt < cap);
    memmove(a + lt, a + lf, rest + 1);
    memcpy(a, to, lt);
}

/* packid's own JSON-LD (every profile) passes; the same document with one rule of the schema
 * broken fails with a reason that names the place, and the oracle agrees on each. */
static void test_epcis_json_schema__own_documents_and_corruptions(void **state)
{
    const px_epcis_validator *v = *state;
    px_buf doc;
    px_buf_init(&doc, 1 << 22);
    px_err err = PX_ERR_INIT;
    for (int pr = 0; pr < PX_EPCIS_PROFILE__COUNT; pr++) {
        px_buf_reset(&doc);
        assert_int_equal(
            fx_write_document_as(&doc, PX_EPCIS_FORMAT_JSONLD_2_0, (px_epcis_profile)pr, -1, &err),
            PX_OK);
        if (px_epcis_validate_buffer(v, doc.data, doc.len, &err) != PX_OK)
            fail_msg("profile %d: %s", pr, err.message);
    }
    static const struct {
        int line;
        const char *drop;      /* a member removed, or NULL */
        const char *from, *to; /* a text replaced */
        const char *where;     /* in packid's reason */
        int format;            /* a "format" rule: see DEBIAN_DATE_TIME */
    } v2[] = {
        {__LINE__, "eventTime", NULL, NULL, "/epcisBody/eventList/0", 0},
        {__LINE__, "eventTimeZoneOffset", NULL, NULL, "/epcisBody/eventList/0", 0},
        {__LINE__, "action", NULL, NULL, "/epcisBody/eventList/0", 0},
        {__LINE__, NULL, "\"action\":\"ADD\"", "\"action\":\"ADDED\"", "/epcisBody/eventList/0", 0},
        {__LINE__, NULL, "\"eventTimeZoneOffset\":\"",
         "\"eventTimeZoneOffset\":\"+25:00\",\"x\":\"", "/epcisBody/eventList/0", 0},
        {__LINE__, NULL, "\"eventTime\":\"20", "\"eventTime\":\"20-", "/epcisBody/eventList/0", 1},
        {__LINE__, NULL, "\"schemaVersion\":", "\"schemaVersion\":2.0,\"x\":", "/schemaVersion", 0},
        {__LINE__, NULL, "\"type\":\"EPCISDocument\"", "\"type\":\"EPCISDoc\"", "/", 0},
    };
    for (size_t i = 0; i < PX_COUNT(v2); i++) {
        px_buf_reset(&doc);
        assert_int_equal(
            fx_write_document_as(&doc, PX_EPCIS_FORMAT_JSONLD_2_0, PX_EPCIS_PROFILE_EU, -1, &err),
            PX_OK);
        size_t cap = doc.len + 256;
        char *bad = malloc(cap);
        assert_non_null(bad);
        memcpy(bad, doc.data, doc.len);
        bad[doc.len] = '\0';
        if (v2[i].drop)
            drop_member(bad, v2[i].drop);
        else
            replace_first(bad, cap, v2[i].from, v2[i].to);
        px_err_clear(&err);
        if (px_epcis_validate_buffer(v, bad, strlen(bad), &err) == PX_OK)
            fail_msg("%s:%d: packid's checker passed the corrupted document", __FILE__, v2[i].line);
        if (strcmp(err.code, "epcis_schema") != 0 ||
            strncmp(err.message, v2[i].where, strlen(v2[i].where)) != 0)
            fail_msg("%s:%d: reason \"%s: %s\", want it at %s", __FILE__, v2[i].line, err.code,
                     err.message, v2[i].where);
        px_buf one;
        px_buf_init(&one, cap);
        assert_int_equal(px_buf_puts(&one, bad), PX_OK);
        char path[1][512];
        char tmp[64];
        ck_keep(tmp, &one, ".json");
        snprintf(path[0], sizeof(path[0]), "%s", tmp);
        int want = 1;
        oracle_each(path, 1, &want);
        unlink(tmp);
        if (want && !v2[i].format)
            fail_msg("%s:%d: the oracle passed the corrupted document", __FILE__, v2[i].line);
        px_buf_dispose(&one);
        free(bad);
    }
    px_buf_dispose(&doc);
}

/* A document whose event lists n EPCs (serial S<k> at k), the one at dup_at (when below n)
 * a copy of the one at dup_of. */
static void long_epc_list(px_buf *doc, size_t n, size_t dup_of, size_t dup_at)
{
    px_buf_reset(doc);
    assert_int_equal(
        px_buf_puts(doc, "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
                         "epcis-context.jsonld\"],\"type\":\"EPCISDocument\",\"schemaVersion\":"
                         "\"2.0\",\"creationDate\":\"2026-12-01T10:00:00.000Z\",\"epcisBody\":"
                         "{\"eventList\":[{\"type\":\"ObjectEvent\",\"eventTime\":"
                         "\"2026-12-01T09:00:00.000Z\",\"eventTimeZoneOffset\":\"+01:00\","
                         "\"epcList\":["),
        PX_OK);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(px_buf_printf(doc, "%s\"urn:epc:id:sgtin:9506000.013435.S%zu\"",
                                       k ? "," : "", k == dup_at ? dup_of : k),
                         PX_OK);
    assert_int_equal(px_buf_puts(doc, "],\"action\":\"ADD\",\"bizStep\":\"commissioning\","
                                      "\"disposition\":\"active\"}]}}"),
                     PX_OK);
}

/* uniqueItems on an epcList of 100,000 EPCs (one commissioning's most, and so one report
 * event's) is checked in well under a second, not pair by pair (5 * 10^9 comparisons: minutes,
 * held in a release's transaction and in every delivery's claim); and a repeat is still found,
 * named as the pairwise reading names it (the first item with a later copy, and that copy). */
static void test_epcis_json_schema__long_epc_list(void **state)
{
    const px_epcis_validator *v = *state;
    px_buf doc;
    px_buf_init(&doc, 1 << 23);
    px_err err = PX_ERR_INIT;
    long_epc_list(&doc, 100000, 0, SIZE_MAX);
    /* One commission's most. Not timed (tests assert no times): the pairwise check took 203 s
     * here under the sanitizers, the sorted one a few seconds. */
    if (px_epcis_validate_buffer(v, doc.data, doc.len, &err) != PX_OK)
        fail_msg("%s: %s", err.code, err.message);
    long_epc_list(&doc, 100000, 7, 99990);
    px_err_clear(&err);
    assert_int_equal(px_epcis_validate_buffer(v, doc.data, doc.len, &err), PX_EINVALID);
    assert_string_equal(err.code, "epcis_schema");
    assert_non_null(strstr(err.message, "items 7 and 99990 are equal (uniqueItems)"));
    /* Two repeated values: the pair of the earliest first item is named, as pairwise. */
    px_buf_reset(&doc);
    assert_int_equal(px_buf_puts(&doc,
                                 "{\"@context\":[\"https://ref.gs1.org/standards/epcis/"
                                 "2.0.0/epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
                                 "\"schemaVersion\":\"2.0\",\"creationDate\":"
                                 "\"2026-12-01T10:00:00.000Z\",\"epcisBody\":{\"eventList\":"
                                 "[{\"type\":\"ObjectEvent\",\"eventTime\":"
                                 "\"2026-12-01T09:00:00.000Z\",\"eventTimeZoneOffset\":"
                                 "\"+01:00\",\"epcList\":[\"urn:x:a\",\"urn:x:z\",\"urn:x:b\","
                                 "\"urn:x:c\",\"urn:x:d\",\"urn:x:e\",\"urn:x:f\",\"urn:x:g\","
                                 "\"urn:x:h\",\"urn:x:i\",\"urn:x:j\",\"urn:x:k\",\"urn:x:l\","
                                 "\"urn:x:m\",\"urn:x:n\",\"urn:x:o\",\"urn:x:a\",\"urn:x:z\","
                                 "\"urn:x:a\"],\"action\":\"ADD\"}]}}"),
                     PX_OK);
    px_err_clear(&err);
    assert_int_equal(px_epcis_validate_buffer(v, doc.data, doc.len, &err), PX_EINVALID);
    if (!strstr(err.message, "items 0 and 16 are equal (uniqueItems)"))
        fail_msg("%s", err.message);
    px_buf_dispose(&doc);
}

/* A schema with a keyword the checker does not implement is refused when loaded (it would
 * otherwise pass documents by ignoring the rule). */
static void test_epcis_json_schema__unknown_keyword_refused(void)
{
    px_buf s;
    px_buf_init(&s, 1024);
    assert_int_equal(px_buf_puts(&s, "{\"type\":\"object\",\"properties\":{\"a\":"
                                     "{\"dependentRequired\":{\"a\":[\"b\"]}}}}"),
                     PX_OK);
    char path[64];
    ck_keep(path, &s, ".json");
    px_epcis_validator *v = NULL;
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_epcis_validator_open(&v, PX_EPCIS_FORMAT_JSONLD_2_0, path, &err),
                     PX_EINVALID);
    assert_non_null(strstr(err.message, "dependentRequired"));
    assert_null(v);
    unlink(path);
    px_buf_dispose(&s);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN ck_validator_teardown
