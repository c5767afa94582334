/* Event hash ID (DOMAIN.md §6.6): the three reference vectors of the GS1 reference
 * implementation (RalphTro/epcis-event-hash-generator), reproduced exactly, plus the
 * invariants the algorithm promises (order independence, eventID not hashed, any change
 * changes the hash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "epcis.h"
#include "px_clock.h"

static int64_t t(const char *rfc3339)
{
    int64_t us = 0;
    assert_int_equal(px_time_parse(rfc3339, &us), 0);
    return us;
}

static void assert_prehash(const px_epcis_event *ev, const char *expect)
{
    px_buf b;
    px_buf_init(&b, 1 << 20);
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_epcis_event_prehash(&b, ev, &err), PX_OK);
    assert_string_equal(b.data, expect);
    px_buf_dispose(&b);
}

static void assert_hash(const px_epcis_event *ev, const char *expect)
{
    char id[PX_EPCIS_EVENT_ID_MAX];
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_epcis_event_hash(id, ev, &err), PX_OK);
    assert_string_equal(id, expect);
}

/* ---- vector 1: tests/examples/epcisDocWithSingleEvent.jsonld (DOMAIN.md §6.6 item 1) ---- */

static const char *const v1_epcs[] = {"urn:epc:id:sgtin:0614141.107346.2018",
                                      "urn:epc:id:sgtin:0614141.107346.2017"};
static const px_epcis_biz_transaction v1_bt[] = {
    {PX_BTT_PO, "http://transaction.acme.com/po/12345678"}};

static px_epcis_event v1_event(void)
{
    px_epcis_event ev = {
        .type = PX_EPCIS_OBJECT_EVENT,
        .action = PX_EPCIS_OBSERVE,
        .biz_step = PX_BIZSTEP_SHIPPING,
        .disposition = PX_DISP_IN_TRANSIT,
        .event_time_us = t("2022-02-16T20:33:31.116000-06:00"),
        .tz_offset_min = -360,
        .epcs = v1_epcs,
        .n_epcs = 2,
        .read_point = "urn:epc:id:sgln:0614141.07346.1234",
        .biz_transactions = v1_bt,
        .n_biz_transactions = 1,
    };
    return ev;
}

#define V1_PREHASH                                                                              \
    "eventType=ObjectEventeventTime=2022-02-17T02:33:31.116ZeventTimeZoneOffset=-06:00"        \
    "epcListepc=https://id.gs1.org/01/10614141073464/21/2017"                                 \
    "epc=https://id.gs1.org/01/10614141073464/21/2018action=OBSERVE"                          \
    "bizStep=https://ref.gs1.org/cbv/BizStep-shipping"                                         \
    "disposition=https://ref.gs1.org/cbv/Disp-in_transit"                                      \
    "readPointid=https://id.gs1.org/414/0614141073467/254/1234"                               \
    "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-po"                                    \
    "bizTransaction=http://transaction.acme.com/po/12345678"
#define V1_ID "ni:///sha-256;ffa491b16867e34a7791a8d5389d826afc24e63a121026b6a4004ace38631b4b?ver=CBV2.0"

static void test_epcis__hash_vector1_prehash(void)
{
    px_epcis_event ev = v1_event();
    assert_prehash(&ev, V1_PREHASH); /* byte for byte, DOMAIN.md §6.6 */
}

static void test_epcis__hash_vector1(void)
{
    px_epcis_event ev = v1_event();
    assert_hash(&ev, V1_ID);
}

/* ---- vector 2: tests/examples/ReferenceEventHashAlgorithm.xml (user extensions) -------- */

#define EX "https://ns.example.com/epcis/"
static const px_epcis_xfield v2_f1[] = {{EX, "mySubField1", "2", NULL, 0},
                                        {EX, "mySubField2", "5", NULL, 0}};
static const px_epcis_xfield v2_f3[] = {{EX, "mySubField3", "3", NULL, 0},
                                        {EX, "mySubField3", "1", NULL, 0}};
static const px_epcis_xfield v2_ext[] = {
    {EX, "myField1", NULL, v2_f1, 2},
    {EX, "myField2", "0", NULL, 0},
    {EX, "myField3", NULL, v2_f3, 2},
};
static const char *const v2_epcs[] = {"urn:epc:id:sscc:4012345.0000000333",
                                      "urn:epc:id:sscc:4012345.0000000111",
                                      "urn:epc:id:sscc:4012345.0000000222"};

static px_epcis_event v2_event(void)
{
    px_epcis_event ev = {
        .type = PX_EPCIS_OBJECT_EVENT,
        .action = PX_EPCIS_OBSERVE,
        .biz_step = PX_BIZSTEP_DEPARTING,
        .event_time_us = t("2020-03-04T11:00:30.000+01:00"),
        .tz_offset_min = 60,
        .epcs = v2_epcs,
        .n_epcs = 3,
        .read_point = "urn:epc:id:sgln:4012345.00011.987",
        .extensions = v2_ext,
        .n_extensions = 3,
    };
    return ev;
}

static void test_epcis__hash_vector2(void)
{
    px_epcis_event ev = v2_event();
    assert_prehash(&ev,
                   "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000Z"
                   "eventTimeZoneOffset=+01:00"
                   "epcListepc=https://id.gs1.org/00/040123450000001112"
                   "epc=https://id.gs1.org/00/040123450000002225"
                   "epc=https://id.gs1.org/00/040123450000003338action=OBSERVE"
                   "bizStep=https://ref.gs1.org/cbv/BizStep-departing"
                   "readPointid=https://id.gs1.org/414/4012345000115/254/987"
                   "{" EX "}myField1{" EX "}mySubField1=2{" EX "}mySubField2=5"
                   "{" EX "}myField2=0"
                   "{" EX "}myField3{" EX "}mySubField3=1{" EX "}mySubField3=3");
    assert_hash(&ev, "ni:///sha-256;"
                     "6ae96341e0acc6d7a261364751f60e68278a81cdf51da0abb6b4e617014e39d7?ver=CBV2.0");
}

/* ---- vector 3: tests/examples/epcisDocWithVariousEventTypes, event 4 ------------------ */

static const px_epcis_quantity v3_q[] = {
    {"urn:epc:class:lgtin:4054739.099914.20160711", "600", "KGM"}};
/* The reference document declares xmlns:cbvmda="urn:epcglobal:cbv:mda:" (trailing colon):
 * the namespace string is hashed literally (DOMAIN.md §6.6 pitfall). */
static const px_epcis_xfield v3_ilmd[] = {
    {"urn:epcglobal:cbv:mda:", "bestBeforeDate", "2019-10-21", NULL, 0}};

static px_epcis_event v3_event(void)
{
    px_epcis_event ev = {
        .type = PX_EPCIS_OBJECT_EVENT,
        .action = PX_EPCIS_ADD,
        .biz_step = PX_BIZSTEP_COMMISSIONING,
        .event_time_us = t("2019-10-21T14:58:56.000+02:00"),
        .tz_offset_min = 120,
        .quantities = v3_q,
        .n_quantities = 1,
        .read_point = "urn:epc:id:sgln:4054739.00001.0",
        .ilmd = v3_ilmd,
        .n_ilmd = 1,
    };
    return ev;
}

static void test_epcis__hash_vector3(void)
{
    px_epcis_event ev = v3_event();
    assert_prehash(&ev,
                   "eventType=ObjectEventeventTime=2019-10-21T12:58:56.000Z"
                   "eventTimeZoneOffset=+02:00quantityListquantityElement"
                   "epcClass=https://id.gs1.org/01/04054739999148/10/20160711quantity=600uom=KGM"
                   "action=ADDbizStep=https://ref.gs1.org/cbv/BizStep-commissioning"
                   "readPointid=https://id.gs1.org/414/4054739000011"
                   "ilmd{urn:epcglobal:cbv:mda:}bestBeforeDate=2019-10-21");
    assert_hash(&ev, "ni:///sha-256;"
                     "5f396ea5cb32fe4d0980cb79f5a5eb9640559e9f5a6cefa5c98a7d6ad554b50b?ver=CBV2.0");
}

/* ---- invariants ------------------------------------------------------------------------ */

static void test_epcis__hash_ignores_event_id_and_order(void)
{
    px_epcis_event ev = v1_event();
    static const char *const swapped[] = {"urn:epc:id:sgtin:0614141.107346.2017",
                                          "urn:epc:id:sgtin:0614141.107346.2018"};
    ev.epcs = swapped;
    ev.event_id = "urn:uuid:1b4e28ba-2fa1-41d2-883f-0016d3cca427";
    assert_hash(&ev, V1_ID);
}

static void test_epcis__hash_serials_equal_uris(void)
{
    /* The same EPCs given as (gtin, gcp, serials) hash like the URIs (GTIN 10614141073464). */
    px_epcis_event ev = v1_event();
    static const char *const serials[] = {"2018", "2017"};
    ev.epcs = NULL;
    ev.n_epcs = 0;
    ev.sgtin_gtin = "10614141073464";
    ev.sgtin_gcp_len = 7;
    ev.serials = serials;
    ev.n_serials = 2;
    assert_hash(&ev, V1_ID);
}

static void test_epcis__hash_changes_with_content(void)
{
    px_epcis_event ev = v1_event();
    char a[PX_EPCIS_EVENT_ID_MAX], b[PX_EPCIS_EVENT_ID_MAX];
    px_err err;
    ev.disposition = PX_DISP_DISPENSED;
    assert_int_equal(px_epcis_event_hash(a, &ev, &err), PX_OK);
    assert_string_not_equal(a, V1_ID);
    ev = v1_event();
    ev.event_time_us += 1000; /* one millisecond later */
    assert_int_equal(px_epcis_event_hash(b, &ev, &err), PX_OK);
    assert_string_not_equal(b, V1_ID);
    assert_string_not_equal(a, b);
}

static void test_epcis__hash_rounds_half_up(void)
{
    /* CBV 2.0 rule 9: .1164999 → .116, .1165 → .117 (us resolution here). */
    px_epcis_event ev = v1_event();
    ev.event_time_us = t("2022-02-17T02:33:31.116499Z");
    assert_hash(&ev, V1_ID);
    ev.event_time_us = t("2022-02-17T02:33:31.115500Z");
    assert_hash(&ev, V1_ID);
    ev.event_time_us = t("2022-02-17T02:33:31.116500Z");
    char id[PX_EPCIS_EVENT_ID_MAX];
    px_err err;
    assert_int_equal(px_epcis_event_hash(id, &ev, &err), PX_OK);
    assert_string_not_equal(id, V1_ID);
}

static void test_epcis__hash_ilmd_and_decimal(void)
{
    /* ILMD lot/expiry hashed as {urn:epcglobal:cbv:mda}…, sorted; YYMMDD expiry converted
     * exactly as the writer converts it; quantity without trailing zeros (rule 6). */
    static const px_epcis_quantity q[] = {{"urn:epc:idpat:sgtin:4012345.098765.*", "2.50", NULL}};
    px_epcis_event ev = {
        .type = PX_EPCIS_OBJECT_EVENT,
        .action = PX_EPCIS_ADD,
        .biz_step = PX_BIZSTEP_COMMISSIONING,
        .disposition = PX_DISP_ACTIVE,
        .event_time_us = t("2025-03-01T09:00:00Z"),
        .tz_offset_min = -300,
        .quantities = q,
        .n_quantities = 1,
        .lot = " LOT1 ",
        .expiry = "261200",
    };
    assert_prehash(&ev, "eventType=ObjectEventeventTime=2025-03-01T09:00:00.000Z"
                        "eventTimeZoneOffset=-05:00quantityListquantityElement"
                        "epcClass=https://id.gs1.org/01/04012345987652quantity=2.5"
                        "action=ADDbizStep=https://ref.gs1.org/cbv/BizStep-commissioning"
                        "disposition=https://ref.gs1.org/cbv/Disp-active"
                        "ilmd{urn:epcglobal:cbv:mda}itemExpirationDate=2026-12-31"
                        "{urn:epcglobal:cbv:mda}lotNumber=LOT1");
}

/* An expiry written as a date must be a day of its month (xsd:date): 2025-02-31 is refused,
 * 2024-02-29 (a leap day) taken. */
static void test_epcis__hash_expiry_is_a_day(void)
{
    px_epcis_event ev = {
        .type = PX_EPCIS_OBJECT_EVENT,
        .action = PX_EPCIS_ADD,
        .biz_step = PX_BIZSTEP_COMMISSIONING,
        .event_time_us = t("2025-03-01T09:00:00Z"),
        .lot = "LOT1",
        .expiry = "2025-02-31",
    };
    px_buf b;
    px_buf_init(&b, 1 << 20);
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_epcis_event_prehash(&b, &ev, &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_date");
    px_buf_reset(&b);
    ev.expiry = "2024-02-29";
    assert_int_equal(px_epcis_event_prehash(&b, &ev, &err), PX_OK);
    px_buf_dispose(&b);
}

static void test_epcis__hash_aggregation(void)
{
    static const char *const kids[] = {"urn:epc:id:sgtin:0355154.094495.100000002",
                                       "urn:epc:id:sgtin:0355154.094495.100000001"};
    static const px_epcis_party src[] = {{PX_SDT_LOCATION, "urn:epc:id:sgln:0355154.00000.0"},
                                         {PX_SDT_OWNING_PARTY, "urn:epc:id:sgln:0355154.00000.0"}};
    px_epcis_event ev = {
        .type = PX_EPCIS_AGGREGATION_EVENT,
        .action = PX_EPCIS_ADD,
        .biz_step = PX_BIZSTEP_PACKING,
        .event_time_us = t("2025-03-01T09:05:00Z"),
        .tz_offset_min = -300,
        .parent_id = "urn:epc:id:sscc:0355154.0000000017",
        .epcs = kids,
        .n_epcs = 2,
        .sources = src,
        .n_sources = 2,
    };
    assert_prehash(&ev, "eventType=AggregationEventeventTime=2025-03-01T09:05:00.000Z"
                        "eventTimeZoneOffset=-05:00"
                        "parentID=https://id.gs1.org/00/003551540000000179"
                        "childEPCsepc=https://id.gs1.org/01/00355154944954/21/100000001"
                        "epc=https://id.gs1.org/01/00355154944954/21/100000002"
                        "action=ADDbizStep=https://ref.gs1.org/cbv/BizStep-packing"
                        "sourceListtype=https://ref.gs1.org/cbv/SDT-location"
                        "source=https://id.gs1.org/414/0355154000001"
                        "type=https://ref.gs1.org/cbv/SDT-owning_party"
                        "source=https://id.gs1.org/414/0355154000001");
}

static void test_epcis__hash_rejects_bad_epc(void)
{
    static const char *const bad[] = {"urn:epc:id:sgtin:0614141.10734.2017"};
    px_epcis_event ev = v1_event();
    ev.epcs = bad;
    ev.n_epcs = 1;
    char id[PX_EPCIS_EVENT_ID_MAX];
    px_err err = PX_ERR_INIT;
    assert_int_not_equal(px_epcis_event_hash(id, &ev, &err), PX_OK);
    assert_true(err.message[0] != '\0');
}
