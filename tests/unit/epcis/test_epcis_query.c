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
