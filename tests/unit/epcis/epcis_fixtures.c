/* Sample documents: one pack flow per market (DOMAIN.md Appendix A for the US; an EU flow on
 * the GS1 example prefix 4012345). Values are fictitious; keys carry valid check digits. */
#include "epcis_fixtures.h"

#include <stdio.h>
#include <string.h>

#include "gs1.h"
#include "px_array.h"
#include "px_clock.h"

typedef struct fx_data {
    const char *gtin;
    int gcp_len;
    const char *sender, *receiver, *site_gln, *dest_gln, *sscc, *po;
    int tz_min;
    const char *created; /* RFC 3339 */
    px_epcis_product product;
} fx_data;

static const fx_data k_us = {
    .gtin = "00355154944954",
    .gcp_len = 7,
    .sender = "0355154000001",
    .receiver = "0614141000005",
    .site_gln = "0355154000001",
    .dest_gln = "0614141000012",
    .sscc = "003551540000000179",
    .po = "urn:epcglobal:cbv:bt:0614141000005:PO-4711",
    .tz_min = -300,
    .created = "2025-03-01T10:00:00.000Z",
    .product = {.gtin = "00355154944954",
                .gcp_len = 7,
                .regulated_product_name = "Examplamab",
                .dosage_form_type = "TABLET",
                .strength_description = "50 mg",
                .net_content_description = "30 TABLET in 1 BOTTLE",
                .manufacturer_name = "Example Pharma Inc.",
                .ndc = "55154944905"},
};

const px_epcis_product *fx_us_product(void)
{
    return &k_us.product;
}

static const fx_data k_eu = {
    .gtin = "04012345987652",
    .gcp_len = 7,
    .sender = "4012345000009",
    .receiver = "4012345000115",
    .site_gln = "4012345000009",
    .dest_gln = "4012345000115",
    .sscc = "040123450000003338",
    .po = "urn:epcglobal:cbv:bt:4012345000115:PO-0815",
    .tz_min = 60,
    .created = "2025-03-01T10:00:00.000Z",
    .product = {.gtin = "04012345987652",
                .gcp_len = 7,
                .regulated_product_name = "Examplol 500 mg Filmtabletten",
                .dosage_form_type = "FILM_COATED_TABLET",
                .strength_description = "500 mg",
                .net_content_description = "20 tablets, blister",
                .manufacturer_name = "Beispiel Pharma GmbH & Co. KG",
                .nhrn_ai = "710",
                .nhrn = "12345678"},
};

static const char *const k_serials[] = {"100000001", "100000002", "A/B%1"};
#define NSERIALS (PX_COUNT(k_serials))

static const char *const k_names[FX__COUNT] = {
    "commissioning", "packing", "shipping", "dispensing",
    "decommissioning", "destroying", "recall", "unpacking",
};

const char *fx_kind_name(fx_kind k)
{
    return (unsigned)k < FX__COUNT ? k_names[k] : "?";
}

/* Formatted identifiers of one flow. */
typedef struct fx_ids {
    char site[GS1_EPC_URI_MAX];   /* SGLN of the sender's site */
    char dest[GS1_EPC_URI_MAX];   /* SGLN of the receiver's site */
    char sender_party[GS1_EPC_URI_MAX];
    char receiver_party[GS1_EPC_URI_MAX];
    char sscc[GS1_EPC_URI_MAX];
    char items[NSERIALS][GS1_EPC_URI_MAX];
    const char *item_ptrs[NSERIALS];
    const char *sscc_ptr[1];
} fx_ids;

static px_rc make_ids(fx_ids *ids, const fx_data *d, px_err *err)
{
    px_rc rc;
    if ((rc = gs1_epc_sgln_format(ids->site, sizeof(ids->site), d->site_gln, d->gcp_len, NULL,
                                  err)) ||
        (rc = gs1_epc_sgln_format(ids->dest, sizeof(ids->dest), d->dest_gln, d->gcp_len, NULL,
                                  err)) ||
        (rc = gs1_epc_sgln_format(ids->sender_party, sizeof(ids->sender_party), d->sender,
                                  d->gcp_len, NULL, err)) ||
        (rc = gs1_epc_sgln_format(ids->receiver_party, sizeof(ids->receiver_party), d->receiver,
                                  d->gcp_len, NULL, err)) ||
        (rc = gs1_epc_sscc_format(ids->sscc, sizeof(ids->sscc), d->sscc, d->gcp_len, err)))
        return rc;
    for (size_t i = 0; i < NSERIALS; i++) {
        if ((rc = gs1_epc_sgtin_format(ids->items[i], sizeof(ids->items[i]), d->gtin, d->gcp_len,
                                       k_serials[i], err)))
            return rc;
        ids->item_ptrs[i] = ids->items[i];
    }
    ids->sscc_ptr[0] = ids->sscc;
    return PX_OK;
}

static const px_epcis_xfield k_ext_children[] = {
    {.ns = "https://ns.example.com/packid-test/", .name = "line", .value = "L2"},
    {.ns = "https://ns.example.com/packid-test/", .name = "shift", .value = "B"},
};
static const px_epcis_xfield k_ext[] = {
    {.ns = "https://ns.example.com/packid-test/",
     .name = "production",
     .children = k_ext_children,
     .n_children = 2},
};

/* Each kind's verb (DOMAIN.md §6.4, fixtures.h) and, for the events about one pack, which of
 * the items it names (-1: the event names its EPCs otherwise). */
#define OBJ PX_EPCIS_OBJECT_EVENT
#define AGG PX_EPCIS_AGGREGATION_EVENT
static const struct {
    px_epcis_event_type type;
    px_epcis_action action;
    px_cbv_bizstep biz_step;
    px_cbv_disp disposition;
    int item;
} k_kinds[FX__COUNT] = {
    [FX_COMMISSIONING] = {OBJ, PX_EPCIS_ADD, PX_BIZSTEP_COMMISSIONING, PX_DISP_ACTIVE, -1},
    [FX_PACKING] = {AGG, PX_EPCIS_ADD, PX_BIZSTEP_PACKING, PX_DISP_IN_PROGRESS, -1},
    [FX_SHIPPING] = {OBJ, PX_EPCIS_OBSERVE, PX_BIZSTEP_SHIPPING, PX_DISP_IN_TRANSIT, -1},
    [FX_DISPENSING] = {OBJ, PX_EPCIS_OBSERVE, PX_BIZSTEP_DISPENSING, PX_DISP_DISPENSED, 0},
    [FX_DECOMMISSIONING] = {OBJ, PX_EPCIS_OBSERVE, PX_BIZSTEP_DECOMMISSIONING, PX_DISP_DAMAGED, 1},
    [FX_DESTROYING] = {OBJ, PX_EPCIS_DELETE, PX_BIZSTEP_DESTROYING, PX_DISP_DESTROYED, 1},
    [FX_RECALL] = {OBJ, PX_EPCIS_OBSERVE, PX_BIZSTEP_DECOMMISSIONING, PX_DISP_RECALLED, 2},
    [FX_UNPACKING] = {AGG, PX_EPCIS_DELETE, PX_BIZSTEP_UNPACKING, PX_DISP_NONE, -1},
};
#undef OBJ
#undef AGG

static void build(px_epcis_event *ev, fx_kind k, const fx_data *d, const fx_ids *ids,
                  px_epcis_party src[2], px_epcis_party dst[2], px_epcis_biz_transaction *bt,
                  px_epcis_profile profile)
{
    int64_t t0;
    px_time_parse(d->created, &t0);
    memset(ev, 0, sizeof(*ev));
    ev->type = k_kinds[k].type;
    ev->action = k_kinds[k].action;
    ev->biz_step = k_kinds[k].biz_step;
    ev->disposition = k_kinds[k].disposition;
    ev->event_time_us = t0 - 3600LL * 1000000 + (int64_t)k * 600 * 1000000 + 123456;
    ev->tz_offset_min = d->tz_min;
    ev->read_point = ids->site;
    ev->biz_location = ids->site;
    if (k_kinds[k].item >= 0) {
        ev->epcs = ids->item_ptrs + k_kinds[k].item;
        ev->n_epcs = 1;
    }
    switch (k) {
    case FX_COMMISSIONING:
        /* SGTINs formatted by the writer from (gtin, gcp, serials). */
        ev->sgtin_gtin = d->gtin;
        ev->sgtin_gcp_len = d->gcp_len;
        ev->serials = k_serials;
        ev->n_serials = NSERIALS;
        ev->lot = "LOT1";
        ev->expiry = "261200"; /* AI (17) with DD=00: 2026-12-31 */
        if (profile == PX_EPCIS_PROFILE_NONE) {
            ev->extensions = k_ext;
            ev->n_extensions = 1;
        }
        break;
    case FX_PACKING:
        ev->parent_id = ids->sscc;
        ev->epcs = ids->item_ptrs;
        ev->n_epcs = NSERIALS;
        ev->biz_location = NULL;
        break;
    case FX_SHIPPING:
        ev->epcs = ids->sscc_ptr;
        ev->n_epcs = 1;
        ev->biz_location = NULL;
        bt->type = PX_BTT_PO;
        bt->id = d->po;
        ev->biz_transactions = bt;
        ev->n_biz_transactions = 1;
        src[0] = (px_epcis_party){PX_SDT_OWNING_PARTY, ids->sender_party};
        src[1] = (px_epcis_party){PX_SDT_LOCATION, ids->site};
        dst[0] = (px_epcis_party){PX_SDT_OWNING_PARTY, ids->receiver_party};
        dst[1] = (px_epcis_party){PX_SDT_LOCATION, ids->dest};
        ev->sources = src;
        ev->n_sources = 2;
        ev->destinations = dst;
        ev->n_destinations = 2;
        break;
    case FX_UNPACKING:
        ev->parent_id = ids->sscc;
        ev->read_point = ids->dest;
        ev->biz_location = ids->dest;
        break;
    case FX_DISPENSING: /* at the destination */
        ev->read_point = ids->dest;
        ev->biz_location = ids->dest;
        break;
    default: /* decommissioning, destroying, recall: the verb and the item say it all */ break;
    }
}

px_rc fx_write_document(px_buf *out, px_epcis_profile profile, int only, px_err *err)
{
    return fx_write_document_as(out, PX_EPCIS_FORMAT_XML_1_2, profile, only, err);
}

px_rc fx_write_document_as(px_buf *out, px_epcis_format format, px_epcis_profile profile,
                           int only, px_err *err)
{
    const fx_data *d = profile == PX_EPCIS_PROFILE_US_DSCSA ? &k_us : &k_eu;
    fx_ids ids;
    px_rc rc = make_ids(&ids, d, err);
    if (rc != PX_OK)
        return rc;
    px_epcis_doc_header h = {
        .profile = profile,
        .sender_gln = d->sender,
        .receiver_gln = d->receiver,
        .instance_id = "8f0b4c6e-2d51-4c0e-9a0e-1d2b3c4d5e6f",
        .products = &d->product,
        .n_products = 1,
        .indent = 1,
    };
    px_time_parse(d->created, &h.creation_us);
    px_epcis_writer *w = NULL;
    if ((rc = px_epcis_writer_open(&w, format, px_epcis_sink_buf, out, &h, err)) != PX_OK)
        return rc;
    for (int k = 0; k < FX__COUNT; k++) {
        if (only >= 0 && k != only)
            continue;
        px_epcis_event ev;
        px_epcis_party src[2], dst[2];
        px_epcis_biz_transaction bt;
        char id[PX_EPCIS_EVENT_ID_MAX];
        build(&ev, (fx_kind)k, d, &ids, src, dst, &bt, profile);
        if ((rc = px_epcis_event_hash(id, &ev, err)) != PX_OK)
            break;
        ev.event_id = id;
        px_epcis_writer_event(w, &ev);
    }
    if (rc == PX_OK)
        rc = px_epcis_writer_finish(w, err);
    px_epcis_writer_free(w);
    return rc;
}

px_rc fx_new_document(px_buf *out, size_t cap, px_epcis_format format, px_epcis_profile profile,
                      int only, px_err *err)
{
    px_buf_init(out, cap);
    return fx_write_document_as(out, format, profile, only, err);
}
