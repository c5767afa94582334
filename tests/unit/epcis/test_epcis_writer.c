/* EPCIS writer: every event kind × every profile is written and validated with the official
 * EPCIS 1.2 XSD through ../shared/tools/epcis-validate (an external oracle,
 * tests/README.md); plus sticky failure, profile rules, sink failure and EPC escaping. */
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
#include "px_clock.h"

static const px_epcis_profile k_profiles[] = {PX_EPCIS_PROFILE_NONE, PX_EPCIS_PROFILE_EU,
                                              PX_EPCIS_PROFILE_US_DSCSA};

static void test_epcis__every_event_every_profile_validates(void)
{
    for (size_t p = 0; p < PX_COUNT(k_profiles); p++) {
        for (int k = -1; k < FX__COUNT; k++) {
            px_buf doc;
            px_buf_init(&doc, 1 << 20);
            px_err err = PX_ERR_INIT;
            px_rc rc = fx_write_document(&doc, k_profiles[p], k, &err);
            if (rc != PX_OK)
                fail_msg("profile %s, %s: %s", px_epcis_profile_get(k_profiles[p])->name,
                         k < 0 ? "all" : fx_kind_name((fx_kind)k), err.message);
            if (!ck_xsd_valid(&doc))
                fail_msg("profile %s, %s: the document does not validate",
                         px_epcis_profile_get(k_profiles[p])->name,
                         k < 0 ? "all" : fx_kind_name((fx_kind)k));
            px_buf_dispose(&doc);
        }
    }
}

static void test_epcis__document_shape(void)
{
    px_buf doc;
    px_buf_init(&doc, 1 << 20);
    px_err err;
    assert_int_equal(fx_write_document(&doc, PX_EPCIS_PROFILE_US_DSCSA, -1, &err), PX_OK);
    const char *s = doc.data;
    /* Appendix A: SBDH sender/receiver, EPCClass with NDC, DSCSA statement, ILMD. */
    assert_non_null(strstr(s, "<sbdh:Identifier Authority=\"GS1\">0355154000001</sbdh:Identifier>"));
    assert_non_null(strstr(s, "<VocabularyElement id=\"urn:epc:idpat:sgtin:0355154.094495.*\">"));
    assert_non_null(strstr(s, "#additionalTradeItemIdentificationTypeCode\">FDA_NDC_11<"));
    assert_non_null(strstr(s, "<gs1ushc:affirmTransactionStatement>true<"));
    assert_non_null(strstr(s, "<cbvmda:lotNumber>LOT1</cbvmda:lotNumber>"));
    /* YYMMDD with DD=00 → last day of the month (DOMAIN.md §2.4). */
    assert_non_null(strstr(s, "<cbvmda:itemExpirationDate>2026-12-31<"));
    /* §5.2 escaping of the serial "A/B%1" in the SGTIN URI. */
    assert_non_null(strstr(s, "<epc>urn:epc:id:sgtin:0355154.094495.A%2FB%251</epc>"));
    assert_non_null(strstr(s, "<eventID>ni:///sha-256;"));
    assert_non_null(strstr(s, "<eventTimeZoneOffset>-05:00</eventTimeZoneOffset>"));
    /* ms rounded half-up from .123456 */
    assert_non_null(strstr(s, "<eventTime>2025-03-01T09:00:00.123Z</eventTime>"));
    px_buf_reset(&doc);
    assert_int_equal(fx_write_document(&doc, PX_EPCIS_PROFILE_EU, -1, &err), PX_OK);
    assert_null(strstr(doc.data, "gs1ushc"));
    assert_non_null(strstr(doc.data, "TypeCode\">PZN<"));
    assert_non_null(strstr(doc.data, "Beispiel Pharma GmbH &amp; Co. KG"));
    px_buf_dispose(&doc);
}

/* ---- a small hand-made document for the negative cases -------------------------------- */

static px_epcis_doc_header header(px_epcis_profile p)
{
    px_epcis_doc_header h = {.profile = p,
                             .sender_gln = "0355154000001",
                             .receiver_gln = "0614141000005",
                             .instance_id = "report-1",
                             .creation_us = 1740823200LL * 1000000,
                             .products = fx_us_product(),
                             .n_products = 1};
    return h;
}

/* A writer of a document without a market profile into doc (a fresh buffer the caller
 * disposes). */
static px_epcis_writer *open_doc(px_buf *doc, px_err *err)
{
    px_buf_init(doc, 1 << 20);
    px_epcis_doc_header h = header(PX_EPCIS_PROFILE_NONE);
    px_epcis_writer *w = NULL;
    px_err_clear(err);
    assert_int_equal(px_epcis_writer_new(&w, px_epcis_sink_buf, doc, &h, err), PX_OK);
    return w;
}

static const char *const k_serials[] = {"100000001"};
#define SITE "urn:epc:id:sgln:0355154.00000.0"

static px_epcis_event commissioning(void)
{
    px_epcis_event ev = ck_event(PX_EPCIS_OBJECT_EVENT, PX_EPCIS_ADD, PX_BIZSTEP_COMMISSIONING,
                                 PX_DISP_ACTIVE, -300);
    ev.sgtin_gtin = "00355154944954";
    ev.sgtin_gcp_len = 7;
    ev.serials = k_serials;
    ev.n_serials = 1;
    ev.read_point = SITE;
    ev.biz_location = SITE;
    ev.lot = "LOT1";
    ev.expiry = "2026-12-31";
    return ev;
}

/* An ObjectEvent of the one EPC sscc read at SITE (no time): action, step and disposition. */
static px_epcis_event sscc_object(px_epcis_action action, px_cbv_bizstep step, px_cbv_disp disp,
                                  const char *const *sscc)
{
    px_epcis_event ev = {.type = PX_EPCIS_OBJECT_EVENT,
                         .action = action,
                         .biz_step = step,
                         .disposition = disp,
                         .epcs = sscc,
                         .n_epcs = 1,
                         .read_point = SITE};
    return ev;
}

static void test_epcis__sticky_failure(void)
{
    px_buf doc;
    px_err err;
    px_epcis_writer *w = open_doc(&doc, &err);
    px_epcis_event ok = commissioning();
    px_epcis_event bad = ok;
    bad.n_serials = 0; /* an ObjectEvent without EPCs or quantities */
    ck_sticky_first_error(w, &ok, &bad);
    px_buf_dispose(&doc);
}

static void test_epcis__event_rules(void)
{
    px_err err;
    px_epcis_event ev = commissioning();
    assert_int_equal(px_epcis_event_check(&ev, PX_EPCIS_PROFILE_EU, &err), PX_OK);
    ev.action = PX_EPCIS_OBSERVE; /* ILMD only with ADD (DOMAIN.md §6.3) */
    assert_int_equal(px_epcis_event_check(&ev, PX_EPCIS_PROFILE_NONE, &err), PX_EINVALID);
    ev = commissioning();
    ev.lot = NULL; /* EU/US: commissioning carries lot and expiry */
    assert_int_equal(px_epcis_event_check(&ev, PX_EPCIS_PROFILE_NONE, &err), PX_OK);
    assert_int_equal(px_epcis_event_check(&ev, PX_EPCIS_PROFILE_EU, &err), PX_EINVALID);
    assert_string_equal(err.code, "profile_violation");
    ev = commissioning();
    ev.read_point = NULL;
    assert_int_equal(px_epcis_event_check(&ev, PX_EPCIS_PROFILE_US_DSCSA, &err), PX_EINVALID);
    ev = commissioning();
    ev.tz_offset_min = 15 * 60;
    assert_int_equal(px_epcis_event_check(&ev, PX_EPCIS_PROFILE_NONE, &err), PX_EINVALID);
    /* US shipping needs owning_party + location on both sides and a bizTransaction. */
    static const char *const sscc[] = {"urn:epc:id:sscc:0355154.0000000017"};
    px_epcis_event ship =
        sscc_object(PX_EPCIS_OBSERVE, PX_BIZSTEP_SHIPPING, PX_DISP_IN_TRANSIT, sscc);
    assert_int_equal(px_epcis_event_check(&ship, PX_EPCIS_PROFILE_EU, &err), PX_OK);
    assert_int_equal(px_epcis_event_check(&ship, PX_EPCIS_PROFILE_US_DSCSA, &err), PX_EINVALID);
    /* aggregation: parentID for ADD/DELETE, children for ADD */
    px_epcis_event agg = {.type = PX_EPCIS_AGGREGATION_EVENT,
                          .action = PX_EPCIS_ADD,
                          .epcs = sscc,
                          .n_epcs = 1};
    assert_int_equal(px_epcis_event_check(&agg, PX_EPCIS_PROFILE_NONE, &err), PX_EINVALID);
    agg.parent_id = sscc[0];
    assert_int_equal(px_epcis_event_check(&agg, PX_EPCIS_PROFILE_NONE, &err), PX_OK);
    agg.action = PX_EPCIS_DELETE;
    agg.n_epcs = 0;
    assert_int_equal(px_epcis_event_check(&agg, PX_EPCIS_PROFILE_NONE, &err), PX_OK);
    agg.action = PX_EPCIS_ADD;
    assert_int_equal(px_epcis_event_check(&agg, PX_EPCIS_PROFILE_NONE, &err), PX_EINVALID);
    /* REQ-AGG-9: commissioning an SSCC alone carries no ILMD (DOMAIN-2.md §10.4) and passes
     * the US profile; mixed with a pack it still needs lot and expiry. */
    px_epcis_event box = sscc_object(PX_EPCIS_ADD, PX_BIZSTEP_COMMISSIONING, PX_DISP_ACTIVE, sscc);
    assert_int_equal(px_epcis_event_check(&box, PX_EPCIS_PROFILE_US_DSCSA, &err), PX_OK);
    static const char *const mixed[] = {"urn:epc:id:sscc:0355154.0000000017",
                                        "urn:epc:id:sgtin:0355154.094495.SN1"};
    box.epcs = mixed;
    box.n_epcs = 2;
    assert_int_equal(px_epcis_event_check(&box, PX_EPCIS_PROFILE_US_DSCSA, &err), PX_EINVALID);
    assert_string_equal(err.code, "profile_violation");
}

static void test_epcis__header_rules(void)
{
    px_buf doc;
    px_buf_init(&doc, 1 << 20);
    px_epcis_writer *w = NULL;
    px_err err;
    px_epcis_doc_header h = header(PX_EPCIS_PROFILE_US_DSCSA);
    px_epcis_product no_ndc = *fx_us_product();
    no_ndc.ndc = NULL;
    h.products = &no_ndc;
    assert_int_equal(px_epcis_writer_new(&w, px_epcis_sink_buf, &doc, &h, &err), PX_EINVALID);
    assert_string_equal(err.field, "products[0].ndc");
    assert_null(w);
    h = header(PX_EPCIS_PROFILE_EU);
    h.n_products = 0;
    assert_int_equal(px_epcis_writer_new(&w, px_epcis_sink_buf, &doc, &h, &err), PX_EINVALID);
    h = header(PX_EPCIS_PROFILE_NONE);
    h.receiver_gln = "0614141000006"; /* bad check digit */
    assert_int_equal(px_epcis_writer_new(&w, px_epcis_sink_buf, &doc, &h, &err), PX_EINVALID);
    assert_string_equal(err.field, "receiver_gln");
    h = header(PX_EPCIS_PROFILE_NONE);
    h.n_products = 0;
    assert_int_equal(px_epcis_writer_new(&w, px_epcis_sink_buf, &doc, &h, &err), PX_OK);
    assert_int_equal(px_epcis_writer_finish(w, &err), PX_OK);
    assert_true(ck_xsd_valid(&doc)); /* an empty EventList is a valid document */
    px_epcis_writer_free(w);
    px_buf_dispose(&doc);
}

static int refuse_after(void *ctx, const char *data, size_t len)
{
    (void)data;
    size_t *left = ctx;
    if (len > *left)
        return -1;
    *left -= len;
    return 0;
}

static void test_epcis__sink_failure(void)
{
    size_t left = 8192;
    px_epcis_doc_header h = header(PX_EPCIS_PROFILE_US_DSCSA);
    px_epcis_writer *w = NULL;
    px_err err;
    assert_int_equal(px_epcis_writer_new(&w, refuse_after, &left, &h, &err), PX_OK);
    px_epcis_event ev = commissioning();
    ck_sink_refusal(w, &ev, 1);
}

/* The openings' failures: an unknown format is refused (a document's and a query result's)
 * before anything is written, and an XML document's opening that the sink refuses fails with
 * the writer's error and hands back no writer (writer_start frees it; ASan sees a leak
 * otherwise). */
static void test_epcis__opening_failures(void)
{
    size_t none = 0; /* refuse_after with nothing left: every byte is refused */
    px_epcis_doc_header h = header(PX_EPCIS_PROFILE_NONE);
    px_epcis_writer *w = NULL;
    px_err err = PX_ERR_INIT;
    assert_int_equal(
        px_epcis_writer_open(&w, PX_EPCIS_FORMAT__COUNT, refuse_after, &none, &h, &err),
        PX_EINVALID);
    assert_string_equal(err.code, "invalid_format");
    assert_null(w);
    assert_int_equal(px_epcis_query_writer_open(&w, PX_EPCIS_FORMAT__COUNT, refuse_after, &none,
                                                "q", 1, 0, &err),
                     PX_EINVALID);
    assert_string_equal(err.code, "invalid_format");
    assert_null(w);
    /* A header of many products' master data: more than the writer buffers, so the opening
     * itself reaches the sink. */
    px_epcis_product many[64];
    for (size_t i = 0; i < 64; i++)
        many[i] = *fx_us_product();
    h.products = many;
    h.n_products = 64;
    static const px_epcis_format xml[] = {PX_EPCIS_FORMAT_XML_1_2, PX_EPCIS_FORMAT_XML_2_0};
    for (size_t f = 0; f < 2; f++) {
        px_err_clear(&err);
        px_rc rc = px_epcis_writer_open(&w, xml[f], refuse_after, &none, &h, &err);
        assert_int_not_equal(rc, PX_OK);
        assert_int_equal(err.rc, rc);
        assert_string_equal(err.message, "the EPCIS output sink refused the data");
        assert_null(w);
    }
}

static void test_epcis__escaping_and_extensions(void)
{
    px_buf doc;
    px_err err;
    px_epcis_writer *w = open_doc(&doc, &err);
    static const char *const serials[] = {"X&Y<1>\"'"};
    static const px_epcis_xfield kids[] = {{"urn:example:a", "b", "1 & 2", NULL, 0},
                                           {"urn:example:other", "c", "<3>", NULL, 0}};
    static const px_epcis_xfield ext[] = {{"urn:example:a", "a", NULL, kids, 2}};
    static const px_epcis_xfield ilmd[] = {{"urn:epcglobal:cbv:mda", "countryOfOrigin", "DE", NULL, 0}};
    px_epcis_event ev = commissioning();
    ev.serials = serials;
    ev.lot = "L&1";
    ev.extensions = ext;
    ev.n_extensions = 1;
    ev.ilmd = ilmd;
    ev.n_ilmd = 1;
    assert_int_equal(px_epcis_writer_event(w, &ev), PX_OK);
    assert_int_equal(px_epcis_writer_finish(w, &err), PX_OK);
    /* §5.2: " % & / < > ? are %-escaped in the URI; ' stays raw and is XML-escaped. */
    assert_non_null(strstr(doc.data, "urn:epc:id:sgtin:0355154.094495.X%26Y%3C1%3E%22&apos;<") ||
                    strstr(doc.data, "urn:epc:id:sgtin:0355154.094495.X%26Y%3C1%3E%22'<"));
    assert_non_null(strstr(doc.data, "<cbvmda:lotNumber>L&amp;1</cbvmda:lotNumber>"));
    assert_non_null(strstr(doc.data, "<cbvmda:countryOfOrigin>DE</cbvmda:countryOfOrigin>"));
    assert_non_null(strstr(doc.data, "<ext0:a xmlns:ext0=\"urn:example:a\"><ext0:b>1 &amp; 2</ext0:b>"
                                     "<ext1:c xmlns:ext1=\"urn:example:other\">&lt;3&gt;</ext1:c>"
                                     "</ext0:a>"));
    assert_true(ck_xsd_valid(&doc));
    px_epcis_writer_free(w);
    px_buf_dispose(&doc);
}

static void test_epcis__cbv_names(void)
{
    assert_string_equal(px_cbv_bizstep_name(PX_BIZSTEP_COMMISSIONING), "commissioning");
    assert_string_equal(px_cbv_disp_name(PX_DISP_IN_TRANSIT), "in_transit");
    assert_string_equal(px_cbv_btt_name(PX_BTT_DESADV), "desadv");
    assert_string_equal(px_cbv_sdt_name(PX_SDT_OWNING_PARTY), "owning_party");
    assert_null(px_cbv_bizstep_name(PX_BIZSTEP_NONE));
    assert_null(px_cbv_disp_name(PX_DISP__COUNT));
    /* Every bare word domain/'s transition table uses maps to an enum (pack_state.h). */
    static const char *const steps[] = {"commissioning", "shipping", "dispensing",
                                        "destroying", "decommissioning", "other"};
    for (size_t i = 0; i < PX_COUNT(steps); i++)
        assert_int_not_equal(px_cbv_bizstep_lookup(steps[i]), PX_BIZSTEP_NONE);
    static const char *const disps[] = {"active", "in_transit", "dispensed", "destroyed",
                                        "damaged", "inactive", "stolen", "recalled", "expired"};
    for (size_t i = 0; i < PX_COUNT(disps); i++)
        assert_int_not_equal(px_cbv_disp_lookup(disps[i]), PX_DISP_NONE);
    assert_int_equal(px_cbv_bizstep_lookup("release"), PX_BIZSTEP_NONE);
}
