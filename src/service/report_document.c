/* The EPCIS document of a report or an export: header, master data, the stored events
 * (reports_internal.h). */
#include <string.h>

#include "gs1.h"
#include "ndc.h"
#include "packing.h"
#include "px_clock.h"
#include "px_str.h"
#include "reports_internal.h"

/* A GLN as the SBDH carries it: a valid GS1 key of 13 digits. */
static int is_gln(const char *s)
{
    return s && gs1_gln_validate(s, NULL) == PX_OK;
}

typedef struct product_md {
    px_epcis_product p;
    char ndc[16]; /* the 11-digit form, or the stored text the profile then refuses */
    char gcp_gtin[15];
} product_md;

static void product_master(product_md *m, const px_product *pr)
{
    memset(m, 0, sizeof(*m));
    px_strlcpy(m->gcp_gtin, pr->gtin, sizeof(m->gcp_gtin));
    m->p.gtin = m->gcp_gtin;
    m->p.gcp_len = pr->company_prefix_length;
    m->p.regulated_product_name =
        pr->master.regulated_product_name[0] ? pr->master.regulated_product_name : pr->name;
    m->p.dosage_form_type = pr->master.dosage_form;
    m->p.strength_description = pr->master.strength;
    m->p.net_content_description = pr->master.pack_size;
    m->p.manufacturer_name = pr->master.manufacturer;
    if (pr->master.ndc[0]) {
        /* A stored NDC the catalog would refuse today is passed on as it is: the DSCSA
         * profile then names it (report_preconditions.c refuses it before any change). */
        if (!px_ndc11(m->ndc, pr->master.ndc))
            px_strlcpy(m->ndc, pr->master.ndc, sizeof(m->ndc));
        m->p.ndc = m->ndc;
    }
    m->p.nhrn_ai = pr->nhrn_ai[0] ? pr->nhrn_ai : NULL;
    m->p.nhrn = pr->nhrn_value[0] ? pr->nhrn_value : NULL;
}

static int write_row(void *ctx, const px_epcis_row *row)
{
    px__event_walk *c = ctx;
    px_epcis_event ev;
    px__row_lists lists;
    if ((c->rc = px__event_from_row(&ev, &lists, row, c->err)) != PX_OK)
        return 1;
    return (c->rc = px__event_put(c->w, &ev, c->err)) != PX_OK;
}

px_rc px__report_events_write(px_db *db, const px_epcis_filter *f, px_epcis_writer *w, px_err *err)
{
    px__event_walk c = {w, err, PX_OK};
    px_rc rc = px_store_epcis_events_each(db, f, write_row, &c, err);
    if (rc == PX_OK)
        rc = c.rc;
    if (rc == PX_OK)
        rc = px_epcis_writer_finish(w, err);
    return rc;
}

static int first_gln(void *ctx, const px_epcis_row *row)
{
    px_strlcpy(ctx, row->location_gln, 14);
    return 1;
}

px_rc px__report_document_write(px_db *db, const px_epcis_filter *f, px_epcis_profile profile,
                                const char *tenant_id, const px_product *product,
                                const char *receiver_gln, const char *instance_id,
                                px_epcis_sink sink, void *sctx, size_t *count, px_err *err)
{
    return px__report_document_write_as(db, f, PX_EPCIS_FORMAT_XML_1_2, profile, tenant_id,
                                        product, receiver_gln, instance_id, sink, sctx, count,
                                        err);
}

px_rc px__report_document_write_as(px_db *db, const px_epcis_filter *f, px_epcis_format format,
                                   px_epcis_profile profile, const char *tenant_id,
                                   const px_product *product, const char *receiver_gln,
                                   const char *instance_id, px_epcis_sink sink, void *sctx,
                                   size_t *count, px_err *err)
{
    *count = 0;
    px_org org;
    px_rc rc = px_store_org_get(db, &org, tenant_id, err);
    if (rc != PX_OK)
        return rc;
    char sender[14];
    px_strlcpy(sender, org.gln, sizeof(sender));
    if (!is_gln(sender)) {
        /* The MAH has no GLN of its own: the GLN its events were recorded at. */
        sender[0] = '\0';
        if ((rc = px_store_epcis_events_each(db, f, first_gln, sender, err)) != PX_OK)
            return rc;
        if (!is_gln(sender))
            return px_err_set(err, PX_EINVALID, "missing_gln",
                              "the sender needs a GLN: give organization %s one", tenant_id);
    }
    product_md md;
    product_master(&md, product);
    px_epcis_doc_header h = {
        .profile = profile,
        .sender_gln = sender,
        .receiver_gln = is_gln(receiver_gln) ? receiver_gln : sender,
        .instance_id = instance_id,
        .creation_us = px_now_us(),
        .products = &md.p,
        .n_products = 1,
        .indent = 0,
    };
    px_epcis_writer *w = NULL;
    if ((rc = px_epcis_writer_open(&w, format, sink, sctx, &h, err)) != PX_OK)
        return rc;
    if (px__profile_ships_units(profile) && f->release_id) {
        /* The batch's commissioning, the containers' commissioning and packing, then the
         * shipping event: the order in which they happened, as in the GS1 US DSCSA guideline's
         * example (R1.3 §2.2.1.1: the shipment's top-level units last; packing.h, REQ-AGG-9). */
        px__event_walk c = {w, err, PX_OK};
        px_epcis_filter made = *f, shipped = *f;
        made.biz_step = "commissioning";
        shipped.biz_step = "shipping";
        rc = px_store_epcis_events_each(db, &made, write_row, &c, err);
        if (rc == PX_OK)
            rc = c.rc;
        if (rc == PX_OK)
            rc = px__container_events_write(db, f, w, err);
        if (rc == PX_OK)
            rc = px_store_epcis_events_each(db, &shipped, write_row, &c, err);
        if (rc == PX_OK)
            rc = c.rc;
        if (rc == PX_OK)
            rc = px_epcis_writer_finish(w, err);
    } else {
        rc = px__report_events_write(db, f, w, err);
    }
    *count = px_epcis_writer_count(w);
    px_epcis_writer_free(w);
    return rc;
}
