/* px__event_to_dl (service/epcis_dl.c): GS1-EPC-Format: Always_GS1_Digital_Link of the EPCIS
 * 2.0 REST answers. Every identifier of an event — EPCs given as URIs and as serials,
 * parentID, the quantities' class, readPoint, bizLocation, sources and destinations — becomes
 * its Digital Link (the expected values are the GS1 Tag Data Standard's worked examples, the
 * outside oracle), a URI with no Digital Link form (a PGLN) stays, the event hash ID is the
 * same for both forms (the hash brings EPCs to Digital Link itself), and the documents the
 * writers make of the translated events validate against the official JSON schema and the
 * 2.0 XSD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../epcis/epcis_check.h"
#include "epcis_dl.h"
#include "px_array.h"

static const char *const k_children[] = {"urn:epc:id:sgtin:0614141.812345.400",
                                         "urn:epc:id:sscc:0614141.1234567890"};
static const char *const k_serials[] = {"401", "A/B"};
static const px_epcis_quantity k_qty[] = {
    {.epc_class = "urn:epc:class:lgtin:4012345.012345.998877", .quantity = "200", .uom = "KGM"},
    {.epc_class = "urn:epc:idpat:sgtin:4012345.098765.*", .quantity = "10", .uom = NULL},
};
static const px_epcis_party k_src[] = {
    {.type = PX_SDT_OWNING_PARTY, .id = "urn:epc:id:pgln:0614141.00000"},
    {.type = PX_SDT_LOCATION, .id = "urn:epc:id:sgln:0614141.12345.400"},
};
static const px_epcis_party k_dst[] = {
    {.type = PX_SDT_LOCATION, .id = "urn:epc:id:sgln:0614141.12345.0"},
};

/* An AggregationEvent ADD that names every kind of identifier. */
static px_epcis_event aggregation(void)
{
    px_epcis_event ev = {.type = PX_EPCIS_AGGREGATION_EVENT,
                         .action = PX_EPCIS_ADD,
                         .biz_step = PX_BIZSTEP_PACKING,
                         .disposition = PX_DISP_IN_PROGRESS,
                         .event_time_us = 1740819600LL * 1000000,
                         .tz_offset_min = 60,
                         .parent_id = "urn:epc:id:sscc:0614141.1234567890",
                         .epcs = k_children,
                         .n_epcs = 1,
                         .sgtin_gtin = "80614141123458",
                         .sgtin_gcp_len = 7,
                         .serials = k_serials,
                         .n_serials = 2,
                         .quantities = k_qty,
                         .n_quantities = 2,
                         .read_point = "urn:epc:id:sgln:0614141.12345.400",
                         .biz_location = "urn:epc:id:sgln:0614141.12345.0",
                         .sources = k_src,
                         .n_sources = 2,
                         .destinations = k_dst,
                         .n_destinations = 1};
    return ev;
}

/* REQ-EPCISREST-15: the identifiers in Digital Link form, the same hash ID. */
static void test_epcis_dl__every_identifier_translated(void)
{
    px_epcis_event in = aggregation(), out;
    px__event_dl d;
    px__event_dl_init(&d);
    px_err err = PX_ERR_INIT;
    assert_int_equal(px__event_to_dl(&out, &in, &d, &err), PX_OK);
    const struct {
        int line;
        const char *got, *want;
    } v[] = {
        {__LINE__, out.epcs[0], "https://id.gs1.org/01/80614141123458/21/400"},
        {__LINE__, out.epcs[1], "https://id.gs1.org/01/80614141123458/21/401"},
        {__LINE__, out.epcs[2], "https://id.gs1.org/01/80614141123458/21/A%2FB"},
        {__LINE__, out.parent_id, "https://id.gs1.org/00/106141412345678908"},
        {__LINE__, out.read_point, "https://id.gs1.org/414/0614141123452/254/400"},
        {__LINE__, out.biz_location, "https://id.gs1.org/414/0614141123452"},
        {__LINE__, out.quantities[0].epc_class, "https://id.gs1.org/01/04012345123456/10/998877"},
        {__LINE__, out.quantities[1].epc_class, "https://id.gs1.org/01/04012345987652"},
        {__LINE__, out.sources[0].id, "urn:epc:id:pgln:0614141.00000"}, /* no DL form: kept */
        {__LINE__, out.sources[1].id, "https://id.gs1.org/414/0614141123452/254/400"},
        {__LINE__, out.destinations[0].id, "https://id.gs1.org/414/0614141123452"},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++)
        if (!v[i].got || strcmp(v[i].got, v[i].want) != 0)
            fail_msg("%s:%d: got %s, want %s", __FILE__, v[i].line, v[i].got ? v[i].got : "NULL",
                     v[i].want);
    assert_int_equal(out.n_epcs, 3);
    assert_int_equal(out.n_serials, 0);
    assert_null(out.sgtin_gtin);
    assert_int_equal(out.sources[0].type, PX_SDT_OWNING_PARTY);
    assert_string_equal(out.quantities[0].quantity, "200");
    /* The same hash ID (the hash cannot take a PGLN, DOMAIN.md §4.4: left out here). */
    char h_urn[PX_EPCIS_EVENT_ID_MAX], h_dl[PX_EPCIS_EVENT_ID_MAX];
    px_epcis_event hin = in, hout;
    hin.sources = k_src + 1;
    hin.n_sources = 1;
    px__event_dl d2;
    px__event_dl_init(&d2);
    assert_int_equal(px__event_to_dl(&hout, &hin, &d2, &err), PX_OK);
    assert_int_equal(px_epcis_event_hash(h_urn, &hin, &err), PX_OK);
    assert_int_equal(px_epcis_event_hash(h_dl, &hout, &err), PX_OK);
    assert_string_equal(h_urn, h_dl);
    px__event_dl_dispose(&d2);
    /* The storage is reused: a second, smaller event leaves nothing of the first. */
    px_epcis_event small = in;
    small.parent_id = NULL;
    small.n_serials = 0;
    small.n_quantities = 0;
    small.quantities = NULL;
    assert_int_equal(px__event_to_dl(&out, &small, &d, &err), PX_OK);
    assert_int_equal(out.n_epcs, 1);
    assert_null(out.parent_id);
    assert_null(out.quantities);
    assert_string_equal(out.epcs[0], "https://id.gs1.org/01/80614141123458/21/400");
    px__event_dl_dispose(&d);
}

/* REQ-EPCISREST-15: documents of translated events are valid: JSON-LD against the official
 * JSON schema (python3-jsonschema), 2.0 XML against the official 2.0 XSD (xmllint). */
static void test_epcis_dl__documents_valid(void)
{
    static const char *const k_obj_serials[] = {"RS1", "RS2"};
    px_epcis_event agg = aggregation();
    px_epcis_event obj = {.type = PX_EPCIS_OBJECT_EVENT,
                          .action = PX_EPCIS_ADD,
                          .biz_step = PX_BIZSTEP_COMMISSIONING,
                          .disposition = PX_DISP_ACTIVE,
                          .event_time_us = 1740819600LL * 1000000,
                          .sgtin_gtin = "80614141123458",
                          .sgtin_gcp_len = 7,
                          .serials = k_obj_serials,
                          .n_serials = 2,
                          .read_point = "urn:epc:id:sgln:0614141.12345.0",
                          .lot = "L1",
                          .expiry = "2030-12-31"};
    const struct {
        px_epcis_format format;
        const char *suffix, *oracle;
    } f[] = {
        {PX_EPCIS_FORMAT_JSONLD_2_0, ".jsonld",
         "/usr/bin/python3 '" CK_JSON_VALIDATE "' '" CK_SCHEMA_GS1 "'"},
        {PX_EPCIS_FORMAT_XML_2_0, ".xml", "'" CK_XSD_VALIDATE "' --v2"},
    };
    for (size_t i = 0; i < PX_COUNT(f); i++) {
        px_buf doc;
        px_buf_init(&doc, 1 << 20);
        px_epcis_doc_header h = {.profile = PX_EPCIS_PROFILE_NONE, .creation_us = 1};
        px_epcis_writer *w = NULL;
        px_err err = PX_ERR_INIT;
        assert_int_equal(px_epcis_writer_open(&w, f[i].format, px_epcis_sink_buf, &doc, &h, &err),
                         PX_OK);
        px__event_dl d;
        px__event_dl_init(&d);
        px_epcis_event out;
        assert_int_equal(px__event_to_dl(&out, &obj, &d, &err), PX_OK);
        assert_int_equal(px_epcis_writer_event(w, &out), PX_OK);
        assert_int_equal(px__event_to_dl(&out, &agg, &d, &err), PX_OK);
        assert_int_equal(px_epcis_writer_event(w, &out), PX_OK);
        assert_int_equal(px_epcis_writer_finish(w, &err), PX_OK);
        px_epcis_writer_free(w);
        px__event_dl_dispose(&d);
        assert_null(strstr(doc.data, "urn:epc:id:sgtin"));
        assert_non_null(strstr(doc.data, "https://id.gs1.org/00/106141412345678908"));
        char path[1][64];
        ck_keep(path[0], &doc, f[i].suffix);
        int ok = ck_run_oracle(f[i].oracle, path, 1, 0);
        unlink(path[0]);
        if (!ok)
            fail_msg("%s: not valid: %.2000s", f[i].suffix, doc.data);
        px_buf_dispose(&doc);
    }
}
