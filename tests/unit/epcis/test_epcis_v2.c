/* EPCIS 2.0 writers: every event kind x every profile, written as 2.0
 * JSON-LD and 2.0 XML, is valid for independent oracles — the official JSON schema (both the
 * GS1 repository's and the ratified 2.0.1 copy) through python3-jsonschema, and the official
 * 2.0 XSD through ../shared/tools/epcis-validate (xmllint); the three syntaxes carry the same
 * eventIDs; the JSON-LD writer streams, fails sticky and reports a refusing sink. */
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

#define SCHEMA_201                                                                                 \
    PX_SHARED_DIR "/reference/epcis-2.0/json/ref-gs1-org-via-openepcis/epcis-json-schema.json"

static const px_epcis_profile k_profiles[] = {PX_EPCIS_PROFILE_NONE, PX_EPCIS_PROFILE_EU,
                                              PX_EPCIS_PROFILE_US_DSCSA};
#define NPROFILES (PX_COUNT(k_profiles))
#define NDOCS (NPROFILES * (FX__COUNT + 1))

typedef struct tmpfiles {
    char path[NDOCS][64];
    size_t n;
} tmpfiles;

static void tmp_add(tmpfiles *t, const px_buf *doc, const char *suffix)
{
    assert_true(t->n < NDOCS);
    ck_keep(t->path[t->n++], doc, suffix);
}

static void tmp_dispose(tmpfiles *t)
{
    for (size_t i = 0; i < t->n; i++)
        unlink(t->path[i]);
    t->n = 0;
}

/* Runs tool (with its leading arguments) on every file at once; 1 when all are valid. */
static int run_oracle(const char *tool_and_args, tmpfiles *t)
{
    return ck_run_oracle(tool_and_args, t->path, t->n, 0);
}

static void write_all(tmpfiles *t, px_epcis_format fmt, const char *suffix)
{
    for (size_t p = 0; p < NPROFILES; p++) {
        for (int k = -1; k < FX__COUNT; k++) {
            px_buf doc;
            px_err err = PX_ERR_INIT;
            if (fx_new_document(&doc, 1 << 20, fmt, k_profiles[p], k, &err) != PX_OK)
                fail_msg("%s, profile %s, %s: %s", px_epcis_format_name(fmt),
                         px_epcis_profile_get(k_profiles[p])->name,
                         k < 0 ? "all" : fx_kind_name((fx_kind)k), err.message);
            tmp_add(t, &doc, suffix);
            px_buf_dispose(&doc);
        }
    }
}

/* REQ-EPCIS2-1: every JSON-LD document packid writes validates against the official EPCIS 2.0
 * JSON schema (an independent validator, python3-jsonschema). */
static void test_epcis_v2__jsonld_every_kind_every_profile_validates(void)
{
    tmpfiles t = {.n = 0};
    write_all(&t, PX_EPCIS_FORMAT_JSONLD_2_0, ".jsonld");
    int ok_gs1 = run_oracle("/usr/bin/python3 '" CK_JSON_VALIDATE "' '" CK_SCHEMA_GS1 "'", &t);
    int ok_201 = run_oracle("/usr/bin/python3 '" CK_JSON_VALIDATE "' '" SCHEMA_201 "'", &t);
    tmp_dispose(&t);
    assert_true(ok_gs1);
    assert_true(ok_201);
}

/* REQ-EPCIS2-2: every 2.0 XML document packid writes validates against the official 2.0 XSD. */
static void test_epcis_v2__xml_every_kind_every_profile_validates(void)
{
    tmpfiles t = {.n = 0};
    write_all(&t, PX_EPCIS_FORMAT_XML_2_0, ".xml");
    int ok = run_oracle("'" CK_XSD_VALIDATE "' --v2", &t);
    tmp_dispose(&t);
    assert_true(ok);
}

/* The oracles can fail: a CBV URN in JSON (the schema wants bare words, DOMAIN-2.md §14.6) and
 * an eventID in a 1.2-only baseExtension wrapper in 2.0 XML are each rejected. */
static void test_epcis_v2__oracles_reject_broken_documents(void)
{
    px_buf doc;
    px_err err;
    assert_int_equal(fx_new_document(&doc, 1 << 20, PX_EPCIS_FORMAT_JSONLD_2_0,
                                     PX_EPCIS_PROFILE_NONE, FX_SHIPPING, &err),
                     PX_OK);
    char *b = strstr(doc.data, "\"bizStep\":\"shipping\"");
    assert_non_null(b);
    px_buf bad;
    px_buf_init(&bad, 1 << 20);
    px_buf_add(&bad, doc.data, (size_t)(b - doc.data));
    px_buf_puts(&bad, "\"bizStep\":\"urn:epcglobal:cbv:bizstep:shipping\"");
    px_buf_puts(&bad, b + strlen("\"bizStep\":\"shipping\""));
    tmpfiles t = {.n = 0};
    tmp_add(&t, &bad, ".jsonld");
    fprintf(stderr, "(an invalid document follows: the validator's complaint is expected)\n");
    assert_false(run_oracle("/usr/bin/python3 '" CK_JSON_VALIDATE "' '" CK_SCHEMA_GS1 "'", &t));
    tmp_dispose(&t);

    px_buf_reset(&doc);
    px_buf_reset(&bad);
    assert_int_equal(fx_write_document_as(&doc, PX_EPCIS_FORMAT_XML_2_0, PX_EPCIS_PROFILE_NONE,
                                          FX_SHIPPING, &err),
                     PX_OK);
    char *e = strstr(doc.data, "<eventID>");
    char *ee = strstr(doc.data, "</eventID>");
    assert_non_null(e);
    px_buf_add(&bad, doc.data, (size_t)(e - doc.data));
    px_buf_puts(&bad, "<baseExtension>");
    px_buf_add(&bad, e, (size_t)(ee - e) + strlen("</eventID>"));
    px_buf_puts(&bad, "</baseExtension>");
    px_buf_puts(&bad, ee + strlen("</eventID>"));
    tmp_add(&t, &bad, ".xml");
    assert_false(run_oracle("'" CK_XSD_VALIDATE "' --v2", &t));
    tmp_dispose(&t);
    px_buf_dispose(&bad);
    px_buf_dispose(&doc);
}

/* Collects the eventIDs ("ni:///…?ver=CBV2.0") of a document in order. */
static size_t event_ids(char ids[][PX_EPCIS_EVENT_ID_MAX], size_t max, const char *doc)
{
    size_t n = 0;
    for (const char *p = strstr(doc, "ni:///"); p && n < max; p = strstr(p + 1, "ni:///")) {
        const char *q = strstr(p, "?ver=CBV2.0");
        assert_non_null(q);
        size_t len = (size_t)(q - p) + strlen("?ver=CBV2.0");
        assert_true(len < PX_EPCIS_EVENT_ID_MAX);
        memcpy(ids[n], p, len);
        ids[n][len] = '\0';
        n++;
    }
    return n;
}

/* REQ-EPCIS2-3: one hash, computed once from the model, is the eventID in every syntax. */
static void test_epcis_v2__same_event_ids_in_every_syntax(void)
{
    char ids[PX_EPCIS_FORMAT__COUNT][FX__COUNT][PX_EPCIS_EVENT_ID_MAX];
    size_t n[PX_EPCIS_FORMAT__COUNT];
    for (int f = 0; f < PX_EPCIS_FORMAT__COUNT; f++) {
        px_buf doc;
        px_err err;
        assert_int_equal(
            fx_new_document(&doc, 1 << 20, (px_epcis_format)f, PX_EPCIS_PROFILE_US_DSCSA, -1, &err),
            PX_OK);
        n[f] = event_ids(ids[f], FX__COUNT, doc.data);
        px_buf_dispose(&doc);
    }
    assert_int_equal(n[0], FX__COUNT);
    for (int f = 1; f < PX_EPCIS_FORMAT__COUNT; f++) {
        assert_int_equal(n[f], n[0]);
        for (size_t i = 0; i < n[0]; i++)
            assert_string_equal(ids[f][i], ids[0][i]);
    }
}

static void test_epcis_v2__jsonld_shape(void)
{
    px_buf doc;
    px_err err;
    assert_int_equal(fx_new_document(&doc, 1 << 20, PX_EPCIS_FORMAT_JSONLD_2_0,
                                     PX_EPCIS_PROFILE_US_DSCSA, -1, &err),
                     PX_OK);
    const char *s = doc.data;
    assert_non_null(strstr(s, "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
                              "epcis-context.jsonld\""));
    assert_non_null(strstr(s, "\"sender\":\"0355154000001\""));
    assert_non_null(strstr(s, "\"gs1ushc:dscsaTransactionStatement\""));
    assert_non_null(strstr(s, "\"bizStep\":\"commissioning\",\"disposition\":\"active\""));
    assert_non_null(strstr(s, "\"ilmd\":{\"cbvmda:lotNumber\":\"LOT1\","
                              "\"cbvmda:itemExpirationDate\":\"2026-12-31\"}"));
    assert_non_null(strstr(s, "\"urn:epc:id:sgtin:0355154.094495.A%2FB%251\""));
    assert_non_null(strstr(s, "{\"type\":\"po\",\"bizTransaction\":"));
    assert_non_null(strstr(s, "{\"type\":\"owning_party\",\"source\":"));
    /* DELETE of every child: no childEPCs at all (DOMAIN-2.md §14.6). */
    assert_null(strstr(s, "\"childEPCs\":[]"));
    px_buf_reset(&doc);
    assert_int_equal(fx_write_document_as(&doc, PX_EPCIS_FORMAT_JSONLD_2_0, PX_EPCIS_PROFILE_NONE,
                                          FX_COMMISSIONING, &err),
                     PX_OK);
    /* A user extension's namespace is declared in the event's own @context. */
    assert_non_null(
        strstr(doc.data, "\"@context\":{\"ext1\":\"https://ns.example.com/packid-test/\"}"));
    assert_non_null(
        strstr(doc.data, "\"ext1:production\":{\"ext1:line\":\"L2\",\"ext1:shift\":\"B\"}"));
    assert_non_null(strstr(doc.data, "Beispiel Pharma GmbH & Co. KG"));
    px_buf_dispose(&doc);
}

/* ---- streaming, sticky failure, sink failure ----------------------------------------- */

typedef struct count_sink {
    size_t bytes, calls, max_chunk;
    size_t fail_after; /* refuse once bytes would exceed this (0: never) */
} count_sink;

static int sink_count(void *ctx, const char *data, size_t len)
{
    count_sink *c = ctx;
    (void)data;
    if (c->fail_after && c->bytes + len > c->fail_after)
        return -1;
    c->bytes += len;
    c->calls++;
    if (len > c->max_chunk)
        c->max_chunk = len;
    return 0;
}

static const char *const k_epcs[] = {"urn:epc:id:sgtin:0355154.094495.1"};

static px_epcis_event shipping_event(void)
{
    px_epcis_event ev = ck_event(PX_EPCIS_OBJECT_EVENT, PX_EPCIS_OBSERVE, PX_BIZSTEP_SHIPPING,
                                 PX_DISP_IN_TRANSIT, 60);
    ev.epcs = k_epcs;
    ev.n_epcs = 1;
    return ev;
}

/* REQ-EPCIS2-4: the JSON-LD writer hands the sink bounded chunks while the document grows. */
static void test_epcis_v2__jsonld_streams_in_bounded_chunks(void)
{
    count_sink c = {0};
    px_epcis_doc_header h = {.profile = PX_EPCIS_PROFILE_NONE, .creation_us = 1};
    px_epcis_writer *w = NULL;
    px_err err;
    assert_int_equal(px_epcis_writer_open(&w, PX_EPCIS_FORMAT_JSONLD_2_0, sink_count, &c, &h, &err),
                     PX_OK);
    px_epcis_event ev = shipping_event();
    for (int i = 0; i < 20000; i++)
        assert_int_equal(px_epcis_writer_event(w, &ev), PX_OK);
    size_t before_finish = c.bytes;
    assert_int_equal(px_epcis_writer_finish(w, &err), PX_OK);
    px_epcis_writer_free(w);
    assert_true(before_finish > 0);        /* bytes left while events were added */
    assert_true(c.max_chunk <= 64 * 1024); /* never more than one chunk at once */
    assert_true(c.bytes > 20000 * 200);
}

static void test_epcis_v2__jsonld_sticky_first_error(void)
{
    px_buf doc;
    px_buf_init(&doc, 1 << 20);
    px_epcis_doc_header h = {.profile = PX_EPCIS_PROFILE_NONE, .creation_us = 1};
    px_epcis_writer *w = NULL;
    px_err err = PX_ERR_INIT;
    assert_int_equal(
        px_epcis_writer_open(&w, PX_EPCIS_FORMAT_JSONLD_2_0, px_epcis_sink_buf, &doc, &h, &err),
        PX_OK);
    px_epcis_event ev = shipping_event();
    px_epcis_event bad = ev;
    bad.n_epcs = 0; /* an ObjectEvent without EPCs or quantities (DOMAIN.md §6.3) */
    ck_sticky_first_error(w, &ev, &bad);

    /* A sink that refuses: PX_EUNAVAIL, reported by finish at the latest. */
    count_sink c = {.fail_after = 1000};
    assert_int_equal(px_epcis_writer_open(&w, PX_EPCIS_FORMAT_JSONLD_2_0, sink_count, &c, &h, &err),
                     PX_OK);
    ck_sink_refusal(w, &ev, 0);
    px_buf_dispose(&doc);
}

static void test_epcis_v2__format_names(void)
{
    px_err err;
    for (int f = 0; f < PX_EPCIS_FORMAT__COUNT; f++) {
        px_epcis_format back;
        assert_int_equal(
            px_epcis_format_parse(&back, px_epcis_format_name((px_epcis_format)f), &err), PX_OK);
        assert_int_equal(back, f);
    }
    px_epcis_format out;
    assert_int_equal(px_epcis_format_parse(&out, "3.0-yaml", &err), PX_EINVALID);
    assert_null(px_epcis_format_name(PX_EPCIS_FORMAT__COUNT));
}

/* 1.2 still needs the SBDH parties; 2.0 without a market profile does not. */
static void test_epcis_v2__header_parties_optional_in_2_0(void)
{
    px_buf doc;
    px_buf_init(&doc, 1 << 20);
    px_epcis_doc_header h = {.profile = PX_EPCIS_PROFILE_NONE, .creation_us = 1};
    px_epcis_writer *w = NULL;
    px_err err;
    assert_int_equal(
        px_epcis_writer_open(&w, PX_EPCIS_FORMAT_XML_1_2, px_epcis_sink_buf, &doc, &h, &err),
        PX_EINVALID);
    for (int f = PX_EPCIS_FORMAT_XML_2_0; f < PX_EPCIS_FORMAT__COUNT; f++) {
        assert_int_equal(
            px_epcis_writer_open(&w, (px_epcis_format)f, px_epcis_sink_buf, &doc, &h, &err), PX_OK);
        px_epcis_writer_free(w);
    }
    h.profile = PX_EPCIS_PROFILE_EU;
    assert_int_equal(
        px_epcis_writer_open(&w, PX_EPCIS_FORMAT_JSONLD_2_0, px_epcis_sink_buf, &doc, &h, &err),
        PX_EINVALID);
    px_buf_dispose(&doc);
}

/* REQ-EPCIS2-2: the in-process validator (libxml2, as for 1.2) with the official 2.0 XSD
 * accepts packid's 2.0 XML and rejects a 1.2 document and a misplaced element. */
static void test_epcis_v2__libxml2_validator_2_0(void)
{
    px_epcis_validator *v = NULL;
    px_err err = PX_ERR_INIT;
    if (px_epcis_validator_open(&v, PX_EPCIS_FORMAT_XML_2_0,
                                PX_SHARED_DIR "/reference/epcis-2.0/xsd", &err) != PX_OK)
        fail_msg("%s", err.message);
    for (size_t p = 0; p < NPROFILES; p++) {
        px_buf doc;
        assert_int_equal(
            fx_new_document(&doc, 1 << 20, PX_EPCIS_FORMAT_XML_2_0, k_profiles[p], -1, &err),
            PX_OK);
        if (px_epcis_validate_buffer(v, doc.data, doc.len, &err) != PX_OK)
            fail_msg("profile %zu: %s", p, err.message);
        char *act = strstr(doc.data, "<action>");
        char *epc = strstr(doc.data, "<epcList>");
        assert_true(act && epc && epc < act);
        /* swap the first "<epcList>" tag name for one the 2.0 XSD does not know there */
        memcpy(epc, "<epcLizt>", 9);
        char *close = strstr(epc, "</epcList>");
        memcpy(close, "</epcLizt>", 10);
        assert_int_equal(px_epcis_validate_buffer(v, doc.data, doc.len, &err), PX_EINVALID);
        assert_string_equal(err.code, "epcis_schema");
        px_buf_reset(&doc);
        assert_int_equal(
            fx_write_document_as(&doc, PX_EPCIS_FORMAT_XML_1_2, k_profiles[p], -1, &err), PX_OK);
        assert_int_equal(px_epcis_validate_buffer(v, doc.data, doc.len, &err), PX_EINVALID);
        px_buf_dispose(&doc);
    }
    px_epcis_validator_free(v);
    assert_int_equal(px_epcis_validator_open(&v, PX_EPCIS_FORMAT_JSONLD_2_0, "x", &err),
                     PX_EINVALID);
}
