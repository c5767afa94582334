/* The EPCIS query (EPCIS 1.2 §8.2.7.1 SimpleEventQuery subset) and the export of a product's
 * events (reports.h). */
#include <string.h>

#include "epcis_match.h"
#include "gs1.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_str.h"
#include "reports_internal.h"
#include "service_internal.h"

static px_rc bad_param(px_err *err, const char *name, const char *what)
{
    return px_err_set_field(err, PX_EINVALID, "invalid_parameter", name, "%s: %s", name, what);
}

px_rc px_svc_epcis_query(px_db *db, const px_actor *by, const px_epcis_query_params *q,
                         px_epcis_sink sink, void *ctx, size_t *count, px_err *err)
{
    *count = 0;
    px_epcis_filter f = {0};
    switch (px_policy_scope(by->role, PX_ACT_EPCIS_QUERY)) {
    case PX_SCOPE_ORG: f.tenant_id = by->org_id; break;
    case PX_SCOPE_MARKET: f.market = px_market_check(by->market, NULL) == PX_OK ? by->market : "--"; break;
    case PX_SCOPE_SYSTEM: break;
    default: return px_policy_check(by->role, PX_ACT_EPCIS_QUERY, err);
    }
    /* The events of packing too (container_event, migration 0215); MATCH_epc matches their
     * children (EPCIS 1.2 §8.2.7.1: epcList and childEPCs). */
    f.with_containers = 1;
    px_epcis_epc epc;
    if (q->match_epc) {
        px_err e2 = PX_ERR_INIT;
        if (px__epcis_epc_urn(&epc, q->match_epc, &e2) != PX_OK)
            return bad_param(err, "MATCH_epc", e2.message);
        px_rc rc = px__epcis_epc_filter(&f, &epc, 0, err);
        if (rc != PX_OK)
            return rc;
    }
    if (q->eq_biz_step) {
        px_cbv_bizstep b = px_cbv_bizstep_lookup(px_cbv_word(PX_CBV_VOCAB_BIZSTEP, q->eq_biz_step));
        if (b == PX_BIZSTEP_NONE)
            return bad_param(err, "EQ_bizStep", "not a CBV business step");
        f.biz_step = px_cbv_bizstep_name(b);
    }
    if (q->ge_event_time) {
        if (px_time_parse_ceil(q->ge_event_time, &f.ge_time_us) != 0)
            return bad_param(err, "GE_eventTime", "an RFC 3339 time is expected");
        f.ge_time_us = px_epcis_time_bound(f.ge_time_us);
        f.has_ge = 1;
    }
    if (q->lt_event_time) {
        if (px_time_parse_ceil(q->lt_event_time, &f.lt_time_us) != 0)
            return bad_param(err, "LT_eventTime", "an RFC 3339 time is expected");
        f.lt_time_us = px_epcis_time_bound(f.lt_time_us);
        f.has_lt = 1;
    }
    if (q->eq_biz_location) {
        if (!px_str_printable(q->eq_biz_location, 256) ||
            strncmp(q->eq_biz_location, "urn:", 4) != 0)
            return bad_param(err, "EQ_bizLocation",
                             "a location URI (urn:epc:id:sgln:…) is expected");
        f.biz_location = q->eq_biz_location;
    }
    px_epcis_writer *w = NULL;
    px_rc rc = px_epcis_query_writer_new(&w, sink, ctx, "SimpleEventQuery", px_now_us(), 0, err);
    if (rc != PX_OK)
        return rc;
    rc = px__report_events_write(db, &f, w, err);
    *count = px_epcis_writer_count(w);
    px_epcis_writer_free(w);
    return rc;
}

/* ---- export ---------------------------------------------------------------------------- */

typedef struct export_doc {
    const px_epcis_filter *f;
    px_epcis_format format;
    px_epcis_profile profile;
    const px_product *product;
    const char *instance;
    px_epcis_sink sink;
    void *ctx;
    size_t *count;
} export_doc;

/* The whole document from one snapshot: events committed while it streams do not tear it. */
static px_rc export_doc_body(px_tx *tx, void *vx, px_err *err)
{
    export_doc *x = vx;
    return px__report_document_write_as(px_tx_db(tx), x->f, x->format, x->profile,
                                        x->product->mah_id, x->product, NULL, x->instance,
                                        x->sink, x->ctx, x->count, err);
}

px_rc px_svc_epcis_export(px_db *db, const px_actor *by, const char *gtin, const char *batch,
                          const char *profile_name, px_epcis_sink sink, void *ctx, size_t *count,
                          px_err *err)
{
    return px_svc_epcis_export_as(db, by, gtin, batch, profile_name, PX_EPCIS_FORMAT_XML_1_2,
                                  sink, ctx, count, err);
}

px_rc px_svc_epcis_export_as(px_db *db, const px_actor *by, const char *gtin, const char *batch,
                             const char *profile_name, px_epcis_format format,
                             px_epcis_sink sink, void *ctx, size_t *count, px_err *err)
{
    *count = 0;
    char g[GS1_GTIN_LEN + 1];
    px_rc rc = px__gtin_field(g, gtin, err);
    if (rc != PX_OK)
        return rc;
    if (batch && !px_str_printable(batch, GS1_BATCH_MAX))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "batch",
                                "batch must be 1 to %d characters", GS1_BATCH_MAX);
    px_product product;
    if (by->role == PX_ROLE_ADMIN)
        rc = px_store_product_get(db, &product, g, 0, err);
    else
        rc = px_svc_product_access(db, by, g, 0, &product, err);
    if (rc != PX_OK)
        return rc;
    px_epcis_profile profile = px_epcis_profile_for_market(product.market);
    if (profile_name && (rc = px_epcis_profile_parse(&profile, profile_name, err)) != PX_OK)
        return rc;
    char instance[PX_UUID_LEN + 1];
    if (px_uuid_v4(instance) != PX_OK)
        return px_err_no_random(err);
    px_epcis_filter f = {.tenant_id = product.mah_id, .gtin = g, .lot = batch};
    export_doc x = {&f, format, profile, &product, instance, sink, ctx, count};
    return px_tx_read(db, export_doc_body, &x, err);
}
