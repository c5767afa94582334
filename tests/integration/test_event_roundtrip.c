/* Event -> stored row -> rebuilt event -> hash, for every event kind the lifecycle records.
 *
 * The hash ID of an event (EPCIS 2.0 event hash, DOMAIN.md §6.6) is computed when the event is
 * written, from the event the use case builds (service/events.c px__event_build); reports and
 * queries rebuild the event from its row (px__event_from_row). This test drives every kind of
 * transition over real HTTP, then rebuilds each stored row and re-hashes it: a field the
 * writer stores differently from what it hashed, or one the reader forgets, changes the hash
 * and fails here. A tampered row proves the check can fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "px_test.h"
#include "px_test_rehash.h"

#define GTIN "09506001000014"    /* EU product */
#define GTIN_US "00312345000011" /* US product (DSCSA: shipping data) */
#define MAH_GLN "9506000000008"
#define CMO_GLN "9506000000015"

typedef struct {
    px_test_env env;
    px_test_party mah, cmo;
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1:9");
    px_test_server_start(&f->env);
    px_test_mah_gln(&f->env, "Roundtrip MAH", MAH_GLN, f->mah.org, f->mah.key);
    px_test_product(&f->env, f->mah.key, GTIN, "EU pack", "EU");
    px_test_product(&f->env, f->mah.key, GTIN_US, "US pack", "US");
    json_t *o =
        px_test_call(&f->env, "POST", "/v1/partners", f->mah.key,
                     "{\"name\":\"Site CMO\",\"gln\":\"" CMO_GLN "\",\"gln_prefix_length\":7,"
                     "\"gtins\":[\"" GTIN "\",\"" GTIN_US "\"]}",
                     201);
    snprintf(f->cmo.org, sizeof(f->cmo.org), "%s", px_test_str(o, "org_id"));
    snprintf(f->cmo.key, sizeof(f->cmo.key), "%s", px_test_str(o, "api_key"));
    json_decref(o);
    px_test_product_master(&f->env, GTIN);
    px_test_product_master(&f->env, GTIN_US);
    px_test_idle_endpoint(&f->env, f->mah.key, "DE");
    px_test_idle_endpoint(&f->env, f->mah.key, "US");
    *state = f;
    return 0;
}

/* Every event kind the lifecycle writes: commissioning (with its ILMD), release without and
 * with shipping data (source, destination, bizTransaction), decommissioning by the CMO and
 * the MAH, reactivation of a commissioned and of a released pack (two events, two
 * dispositions), recall. */
static void make_every_kind(fixture *f)
{
    px_test_commission(&f->env, f->cmo.key, GTIN, "RT-1", "751231",
                       "[\"RT-A1\",\"RT-A2\",\"RT-A3\",\"RT-A4\",\"RT-A5\"]");
    px_test_commission(&f->env, f->cmo.key, GTIN, "RT-2", "751231", "[\"RT-B1\",\"RT-B2\"]");
    px_test_commission(&f->env, f->cmo.key, GTIN_US, "RT-US", "751231", "[\"US-1\",\"US-2\"]");
    json_decref(px_test_call(
        &f->env, "POST", "/v1/decommissions", f->cmo.key,
        "{\"gtin\":\"" GTIN "\",\"serials\":[\"RT-A1\"],\"reason\":\"damaged\"}", 200));
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"RT-1\",\"market\":\"DE\","
                             "\"serials\":[\"RT-A2\",\"RT-A3\"]}",
                             201));
    json_decref(
        px_test_call(&f->env, "POST", "/v1/releases", f->mah.key,
                     "{\"gtin\":\"" GTIN_US "\",\"batch\":\"RT-US\",\"market\":\"US\","
                     "\"ship_to\":{\"owning_party\":\"0614141000005\",\"location\":"
                     "\"0614141000012\",\"prefix_length\":7},\"transaction\":{\"type\":\"po\","
                     "\"id\":\"PO 4711/x\"}}",
                     201));
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"serials\":[\"RT-A2\",\"RT-A4\"],\"reason\":"
                             "\"sample\"}",
                             200));
    json_decref(px_test_call(&f->env, "POST", "/v1/reactivations", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"serials\":[\"RT-A2\",\"RT-A4\"],\"reason\":"
                             "\"kept \\\"é\\\" in error\"}",
                             200));
    json_decref(px_test_call(&f->env, "POST", "/v1/recalls", f->mah.key,
                             "{\"gtin\":\"" GTIN "\",\"batch\":\"RT-2\",\"reason\":\"recalled\"}",
                             201));
}

typedef struct check_ctx {
    px_test_rehash_count n; /* first: px_test_each_rehashed counts into it */
    char kinds[16][64]; /* distinct action/bizStep/disposition seen */
    int n_kinds;
    char first_bad[200];
} check_ctx;

static void check_row(void *vc, const px_epcis_row *row, const px_epcis_event *ev, int same)
{
    (void)ev;
    check_ctx *c = vc;
    if (!same && !c->first_bad[0])
        snprintf(c->first_bad, sizeof(c->first_bad), "%s %s", row->biz_step, row->disposition);
    char kind[64];
    snprintf(kind, sizeof(kind), "%s/%s/%s", row->action, row->biz_step, row->disposition);
    int seen = 0;
    for (int i = 0; i < c->n_kinds && !seen; i++)
        seen = strcmp(c->kinds[i], kind) == 0;
    if (!seen && c->n_kinds < 16)
        snprintf(c->kinds[c->n_kinds++], sizeof(c->kinds[0]), "%s", kind);
}

static void check_all(fixture *f, check_ctx *c)
{
    memset(c, 0, sizeof(*c));
    px_epcis_filter flt = {0};
    flt.tenant_id = f->mah.org;
    px_test_each_rehashed(&f->env, &flt, check_row, c);
}

static int has_kind(const check_ctx *c, const char *kind)
{
    for (int i = 0; i < c->n_kinds; i++)
        if (strcmp(c->kinds[i], kind) == 0)
            return 1;
    return 0;
}

static void test_event_roundtrip__every_kind_rehashes(void **state)
{
    fixture *f = *state;
    make_every_kind(f);
    check_ctx c;
    check_all(f, &c);
    if (c.n.mismatches)
        fail_msg("%d of %d rebuilt events hash differently (first: %s)", c.n.mismatches, c.n.rows,
                 c.first_bad);
    /* commission x3, decommission x3 (the second request: one event for its pack released to
     * DE, one for its pack not released), release x2, reactivation x2 (two dispositions),
     * recall */
    assert_int_equal(c.n.rows, 11);
    assert_true(has_kind(&c, "ADD/commissioning/active"));
    assert_true(has_kind(&c, "OBSERVE/shipping/in_transit"));
    assert_true(has_kind(&c, "OBSERVE/decommissioning/damaged"));
    assert_true(has_kind(&c, "OBSERVE/decommissioning/inactive"));
    assert_true(has_kind(&c, "OBSERVE/decommissioning/recalled"));
    /* A reactivation: OBSERVE, other, the disposition of the state returned to
     * (domain/epcis_vocab.c). */
    assert_true(has_kind(&c, "OBSERVE/other/active"));
    assert_true(has_kind(&c, "OBSERVE/other/in_transit"));
    /* The US release carries its shipping data: it is part of what was re-hashed. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM epcis_event WHERE biz_tx "
                    "LIKE 'urn:epcglobal:cbv:bt:0614141000005:PO%%'");

    /* The check fails when a stored field differs from what was hashed. */
    assert_int_equal(px_sql_exec(&f->env, "UPDATE epcis_event SET dest_location = "
                                          "'urn:epc:id:sgln:0614141.00002.0' WHERE biz_tx "
                                          "IS NOT NULL"),
                     0);
    check_all(f, &c);
    assert_int_equal(c.n.mismatches, 1);

    /* A stored word outside the vocabulary is a row packid did not write: a query answers
     * none of it rather than the event without its disposition. */
    assert_int_equal(px_sql_exec(&f->env, "UPDATE epcis_event SET disposition = 'no_such_word' "
                                          "WHERE biz_step = 'decommissioning' AND disposition = "
                                          "'damaged'"),
                     0);
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/epcis/events?EQ_bizStep=decommissioning", f->mah.key, NULL,
            NULL);
    assert_int_equal(r.status, 500);
    px_http_resp_free(&r);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
