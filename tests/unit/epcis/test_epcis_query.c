/* EPCIS 1.2 query results: px_epcis_query_writer_new writes an
 * EPCISQueryDocument that the official query XSD accepts (../shared/tools/epcis-validate picks
 * EPCglobal-epcis-query-1_2.xsd by the root namespace), with and without events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "epcis.h"
#include "epcis_check.h"

#define T0 1772359200000000LL /* 2026-03-01T10:00:00Z */

static void validate(const px_buf *b)
{
    if (!ck_xsd_valid(b))
        fail_msg("query document does not validate:\n%s", b->data);
}

static const char *const serials[] = {"100000001", "A/B%1"};

static void events(px_epcis_event ev[2])
{
    memset(ev, 0, 2 * sizeof(*ev));
    ev[0].type = PX_EPCIS_OBJECT_EVENT;
    ev[0].action = PX_EPCIS_ADD;
    ev[0].biz_step = PX_BIZSTEP_COMMISSIONING;
    ev[0].disposition = PX_DISP_ACTIVE;
    ev[0].event_time_us = T0;
    ev[0].sgtin_gtin = "09506000134352";
    ev[0].sgtin_gcp_len = 7;
    ev[0].serials = serials;
    ev[0].n_serials = 2;
    ev[0].read_point = "urn:epc:id:sgln:9506000.00000.0";
    ev[0].biz_location = "urn:epc:id:sgln:9506000.00000.0";
    ev[0].lot = "LOT1";
    ev[0].expiry = "261231";
    ev[1] = ev[0];
    ev[1].action = PX_EPCIS_OBSERVE;
    ev[1].biz_step = PX_BIZSTEP_SHIPPING;
    ev[1].disposition = PX_DISP_IN_TRANSIT;
    ev[1].event_time_us = T0 + 60000000;
    ev[1].lot = NULL;
    ev[1].expiry = NULL;
}

/* A query document of query name at T0 (indented or not) into b, a fresh buffer the caller
 * disposes: its writer, opened with the code want. */
static px_epcis_writer *open_query(px_buf *b, const char *name, int indent, px_rc want)
{
    px_buf_init(b, 1 << 20);
    px_err err = PX_ERR_INIT;
    px_epcis_writer *w = NULL;
    assert_int_equal(px_epcis_query_writer_new(&w, px_epcis_sink_buf, b, name, T0, indent, &err),
                     want);
    return w;
}

static void test_epcis_query__results_validate(void)
{
    px_buf b;
    px_err err;
    px_epcis_writer *w = open_query(&b, "SimpleEventQuery", 1, PX_OK);
    px_epcis_event ev[2];
    events(ev);
    char id0[PX_EPCIS_EVENT_ID_MAX], id1[PX_EPCIS_EVENT_ID_MAX];
    assert_int_equal(px_epcis_event_hash(id0, &ev[0], &err), PX_OK);
    assert_int_equal(px_epcis_event_hash(id1, &ev[1], &err), PX_OK);
    ev[0].event_id = id0;
    ev[1].event_id = id1;
    assert_int_equal(px_epcis_writer_event(w, &ev[0]), PX_OK);
    assert_int_equal(px_epcis_writer_event(w, &ev[1]), PX_OK);
    assert_int_equal(px_epcis_writer_finish(w, &err), PX_OK);
    assert_int_equal(px_epcis_writer_count(w), 2);
    px_epcis_writer_free(w);
    assert_non_null(strstr(b.data, "<epcisq:EPCISQueryDocument"));
    assert_non_null(strstr(b.data, "<queryName>SimpleEventQuery</queryName>"));
    assert_non_null(strstr(b.data, "<resultsBody>"));
    assert_non_null(strstr(b.data, id0));
    assert_non_null(strstr(b.data, "urn:epc:id:sgtin:9506000.013435.A%2FB%251"));
    validate(&b);
    px_buf_dispose(&b);
}

static void test_epcis_query__empty_results_validate(void)
{
    px_buf b;
    px_err err;
    px_epcis_writer *w = open_query(&b, "SimpleEventQuery", 0, PX_OK);
    assert_int_equal(px_epcis_writer_finish(w, &err), PX_OK);
    px_epcis_writer_free(w);
    validate(&b);
    px_buf_dispose(&b);
}

static void test_epcis_query__needs_a_name(void)
{
    px_buf b;
    assert_null(open_query(&b, "", 0, PX_EINVALID));
    px_buf_dispose(&b);
}

/* EPCIS 1.2 §7.4.1: recordTime is written on retrieval (a query answer, every syntax: the 1.2
 * one valid against the query XSD), to the millisecond half-up as eventTime is, and left out of
 * a document (what a capture or a regulator receives, where it would be ignored); it is not
 * hashed (CBV 2.0 §8.9), so the eventID is the same either way. */
static void test_epcis_query__record_time_on_retrieval_only(void)
{
    px_epcis_event ev[2];
    events(ev);
    px_err err = PX_ERR_INIT;
    char bare[PX_EPCIS_EVENT_ID_MAX], recorded[PX_EPCIS_EVENT_ID_MAX];
    assert_int_equal(px_epcis_event_hash(bare, &ev[0], &err), PX_OK);
    ev[0].record_time_us = T0 + 1234567; /* 10:00:01.234567 */
    assert_int_equal(px_epcis_event_hash(recorded, &ev[0], &err), PX_OK);
    assert_string_equal(bare, recorded);
    for (int f = 0; f < PX_EPCIS_FORMAT__COUNT; f++) {
        px_buf q, d;
        px_buf_init(&q, 1 << 20);
        px_buf_init(&d, 1 << 20);
        px_epcis_writer *w = NULL;
        assert_int_equal(px_epcis_query_writer_open(&w, (px_epcis_format)f, px_epcis_sink_buf, &q,
                                                    "SimpleEventQuery", T0, 0, &err),
                         PX_OK);
        assert_int_equal(px_epcis_writer_event(w, &ev[0]), PX_OK);
        assert_int_equal(px_epcis_writer_finish(w, &err), PX_OK);
        px_epcis_writer_free(w);
        const char *want = f == PX_EPCIS_FORMAT_JSONLD_2_0
                               ? "\"recordTime\":\"2026-03-01T10:00:01.235Z\""
                               : "<recordTime>2026-03-01T10:00:01.235Z</recordTime>";
        if (!strstr(q.data, want))
            fail_msg("format %d: no %s in %s", f, want, q.data);
        if (f == PX_EPCIS_FORMAT_XML_1_2)
            validate(&q);
        px_epcis_doc_header h = {.profile = PX_EPCIS_PROFILE_NONE,
                                 .creation_us = T0,
                                 .sender_gln = "4012345000009",
                                 .receiver_gln = "4012345000115",
                                 .instance_id = "8f0b4c6e-2d51-4c0e-9a0e-1d2b3c4d5e6f"};
        if (px_epcis_writer_open(&w, (px_epcis_format)f, px_epcis_sink_buf, &d, &h, &err) != PX_OK)
            fail_msg("format %d: %s %s", f, err.code, err.message);
        assert_int_equal(px_epcis_writer_event(w, &ev[0]), PX_OK);
        assert_int_equal(px_epcis_writer_finish(w, &err), PX_OK);
        px_epcis_writer_free(w);
        assert_null(strstr(d.data, "recordTime"));
        px_buf_dispose(&q);
        px_buf_dispose(&d);
    }
}

/* px_epcis_time_bound against the rule it stands for (CBV 2.0 §8.9 rule 9: a time is written
 * as floor((us + 500) / 1000) ms): for every stored time t around a few bounds x, whole ms or
 * not, before 1970 too, the written value is at or after x exactly when t is at or after the
 * bound. */
static void test_epcis_query__time_bound_agrees_with_written_time(void)
{
    const int64_t xs[] = {T0, T0 + 1, T0 + 499, T0 + 500, T0 + 501, T0 + 999, -1000, -1, 0};
    for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
        int64_t bound = px_epcis_time_bound(xs[i]);
        for (int64_t t = xs[i] - 2500; t <= xs[i] + 2500; t++) {
            int64_t q = t + 500, written = (q >= 0 ? q / 1000 : -((-q + 999) / 1000)) * 1000;
            if ((written >= xs[i]) != (t >= bound))
                fail_msg("x %lld, t %lld: written %lld, bound %lld", (long long)xs[i], (long long)t,
                         (long long)written, (long long)bound);
        }
    }
    assert_int_equal(px_epcis_time_bound(T0), T0 - 500);
    assert_int_equal(px_epcis_time_bound(T0 + 1), T0 + 500);
}

/* A sink that refuses: the writer fails with PX_EUNAVAIL "epcis_sink" (the HTTP face maps an
 * oversized query result to 413 through this). */
static int refuse(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return -1;
}

static void test_epcis_query__sink_refusal_is_reported(void)
{
    px_err err = PX_ERR_INIT;
    px_epcis_writer *w = NULL;
    px_rc rc = px_epcis_query_writer_new(&w, refuse, NULL, "SimpleEventQuery", T0, 0, &err);
    if (rc == PX_OK) {
        px_epcis_event ev[2];
        events(ev);
        for (int i = 0; i < 200; i++)
            px_epcis_writer_event(w, &ev[0]);
        rc = px_epcis_writer_finish(w, &err);
        px_epcis_writer_free(w);
    }
    assert_int_equal(rc, PX_EUNAVAIL);
    assert_string_equal(err.code, "epcis_sink");
}
