/* The EPCIS event of a lifecycle transition, written as a row and read back from it
 * (events.h). */
#include <string.h>

#include "events.h"
#include "gs1.h"
#include "px_crypto.h"
#include "px_str.h"

px_rc px__child_epc(char out[GS1_EPC_URI_MAX], const char *sscc, const char *gtin,
                    const char *serial, int gcp_len, px_err *err)
{
    px_err e;
    px_rc rc = sscc && sscc[0]
                   ? gs1_epc_sscc_format(out, GS1_EPC_URI_MAX, sscc, gcp_len, &e)
                   : gs1_epc_sgtin_format(out, GS1_EPC_URI_MAX, gtin, gcp_len, serial, &e);
    return rc == PX_OK ? PX_OK
                       : px_err_set(err, PX_EINTERNAL, "internal", "a stored child has no EPC URI");
}

/* The organization's location as SGLN (read point and business location;
 * urn:epc:id:sgln:CP.LOCREF.EXT, EPC Tag Data Standard). The GLN's company prefix length is
 * not derivable from the GLN: it is the organization's gln_prefix_length (given at creation or
 * found in GS1's prefix list); failing that, when the GLN starts with the product's company
 * prefix, that length; otherwise the event keeps the bare GLN (location_gln) and no SGLN. */
void px__org_sgln(char out[64], const px_actor *by, const px_product *p)
{
    out[0] = '\0';
    if (strlen(by->org_gln) != GS1_GLN_LEN)
        return;
    int cpl = by->org_gln_prefix_length;
    if (!gs1_gcp_len_valid(cpl)) {
        cpl = p->company_prefix_length;
        if (memcmp(by->org_gln, p->gtin + 1, (size_t)cpl) != 0)
            return;
    }
    px_err e;
    if (gs1_epc_sgln_format(out, 64, by->org_gln, cpl, NULL, &e) != PX_OK)
        out[0] = '\0';
}

int px__market_needs_read_point(const char *market)
{
    const px_epcis_profile_info *pi = px_epcis_profile_get(px_epcis_profile_for_market(market));
    return pi && pi->read_point_required;
}

px_rc px__commission_read_point(const px_actor *by, const px_product *p, const px_event_origin *o,
                                px_err *err)
{
    if ((o && o->read_point && o->read_point[0]) || !px__market_needs_read_point(p->market))
        return PX_OK;
    char sgln[64];
    px__org_sgln(sgln, by, p);
    if (sgln[0])
        return PX_OK;
    return px_err_set_field(err, PX_EINVALID, "missing_read_point", "gln",
                            "organization '%.80s' has no GLN with a known company prefix length: "
                            "the %s reports of these packs need their commissioning's read point "
                            "(PATCH /v1/orgs/%s gives it one, by its MAH for a CMO)",
                            by->org_name, p->market, by->org_id);
}

static const char *place(const char *given, const char *sgln)
{
    if (given && given[0])
        return given;
    return sgln[0] ? sgln : NULL;
}

void px__event_at(px_epcis_event *ev, const px_event_origin *o, int64_t now_us, const char *sgln)
{
    ev->event_time_us = o ? o->event_time_us : now_us;
    ev->tz_offset_min = o ? o->tz_offset_min : 0;
    ev->read_point = place(o ? o->read_point : NULL, sgln);
    ev->biz_location = place(o ? o->biz_location : NULL, sgln);
}

px_rc px__event_build(px_epcis_event *ev_out, px_epcis_vocab *vocab, char sgln[64],
                      const px__event_in *in, px_err *err)
{
    px_rc rc = px_epcis_vocab_for(vocab, in->action, in->to, err);
    if (rc != PX_OK)
        return rc;
    px__org_sgln(sgln, in->by, in->prod);
    px_epcis_event ev = {
        .type = PX_EPCIS_OBJECT_EVENT,
        .action = vocab->action,
        .biz_step = px_cbv_bizstep_lookup(vocab->biz_step),
        .disposition = vocab->disposition ? px_cbv_disp_lookup(vocab->disposition) : PX_DISP_NONE,
    };
    px__event_at(&ev, in->origin, in->now_us, sgln);
    ev.sgtin_gtin = in->prod->gtin;
    ev.sgtin_gcp_len = in->prod->company_prefix_length;
    ev.serials = in->serials;
    ev.n_serials = in->n;
    if (in->epcs) { /* the top-level units stand for the packs they hold */
        ev.epcs = in->epcs;
        ev.n_epcs = in->n_epcs;
        ev.serials = NULL;
        ev.n_serials = 0;
    }
    if (vocab->action == PX_EPCIS_ADD) { /* ILMD belongs to the commissioning event only */
        ev.lot = in->lot;
        ev.expiry = in->expiry;
    }
    if (in->ship && in->ship->has_parties) {
        ev.sources = in->ship->sources;
        ev.n_sources = 2;
        ev.destinations = in->ship->destinations;
        ev.n_destinations = 2;
    }
    if (in->ship && in->ship->has_tx) {
        ev.biz_transactions = &in->ship->bt;
        ev.n_biz_transactions = 1;
    }
    *ev_out = ev;
    return PX_OK;
}

px_rc px__event_record(px_db *db, const px__event_in *in, const char *precomputed,
                       char event_id[PX_ID_LEN + 1], char hash_out[PX_EPCIS_EVENT_ID_MAX],
                       px_err *err)
{
    px_epcis_vocab vocab;
    char sgln[64];
    px_epcis_event ev;
    px_rc rc = px__event_build(&ev, &vocab, sgln, in, err);
    if (rc != PX_OK)
        return rc;
    char hash[PX_EPCIS_EVENT_ID_MAX];
    if (precomputed)
        px_strlcpy(hash, precomputed, sizeof(hash));
    else if ((rc = px_epcis_event_hash(hash, &ev, err)) != PX_OK)
        return rc;
    if (px_uuid_v4(event_id) != PX_OK)
        return px_err_no_random(err);
    px_event_rec rec = {
        .id = event_id,
        .tenant_id = in->prod->mah_id,
        .org_id = in->by->org_id,
        .op = in->op,
        .action = px_epcis_action_name(vocab.action),
        .biz_step = vocab.biz_step,
        .disposition = vocab.disposition,
        .event_time_us = ev.event_time_us,
        .tz_offset_min = ev.tz_offset_min,
        .gtin = in->prod->gtin,
        .gcp_len = in->prod->company_prefix_length,
        .serial_set = in->serial_set,
        .commission_id = in->commission_id,
        .release_id = in->release_id,
        .op_id = in->op_id,
    };
    if (strcmp(in->serial_set, "list") == 0) {
        rec.serials = in->serials;
        rec.n_serials = in->n;
    }
    rec.epc_count = (long)(in->epcs ? in->n_epcs : in->n);
    rec.epcs = in->epcs;
    rec.n_epcs = in->n_epcs;
    rec.lot = in->lot;
    rec.expiry = in->expiry;
    rec.reason = in->reason;
    rec.market = in->market;
    rec.location_gln = in->by->org_gln;
    rec.read_point = ev.read_point ? ev.read_point : "";
    rec.biz_location = ev.biz_location ? ev.biz_location : "";
    if (in->ship && in->ship->has_parties) {
        rec.source_party = in->ship->sources[0].id;
        rec.source_location = in->ship->sources[1].id;
        rec.dest_party = in->ship->destinations[0].id;
        rec.dest_location = in->ship->destinations[1].id;
    }
    if (in->ship && in->ship->has_tx) {
        rec.biz_tx_type = in->ship->btt;
        rec.biz_tx = in->ship->bt_uri;
    }
    rec.event_hash = hash;
    if ((rc = px_store_event_insert(db, &rec, err)) != PX_OK)
        return rc;
    if (hash_out)
        memcpy(hash_out, hash, PX_EPCIS_EVENT_ID_MAX);
    return PX_OK;
}

/* ---- row -> event ------------------------------------------------------------------------ */

/* One end of a shipment (its source or its destination) into out[2]: owning_party then
 * location, each only when the row has it (EPCIS 1.2 §7.3.5.4). *list is out, or NULL when
 * the row has neither; returns how many. */
static size_t row_parties(px_epcis_party out[2], const px_epcis_party **list, const char *party,
                          const char *location)
{
    size_t n = 0;
    if (party && party[0])
        out[n++] = (px_epcis_party){PX_SDT_OWNING_PARTY, party};
    if (location && location[0])
        out[n++] = (px_epcis_party){PX_SDT_LOCATION, location};
    *list = n ? out : NULL;
    return n;
}

/* A release's shipping data as px__event_build carries it: source and destination
 * (row_parties), one bizTransaction. */
static void row_shipping(px_epcis_event *ev, px__row_lists *l, const px_epcis_row *row)
{
    ev->n_sources = row_parties(l->sources, &ev->sources, row->source_party, row->source_location);
    ev->n_destinations =
        row_parties(l->destinations, &ev->destinations, row->dest_party, row->dest_location);
    if (row->biz_tx && row->biz_tx[0]) {
        l->bt.type = px_cbv_btt_lookup(row->biz_tx_type);
        l->bt.id = row->biz_tx;
        ev->biz_transactions = &l->bt;
        ev->n_biz_transactions = 1;
    }
}

/* The columns admit these words only (migrations 0004, 0020); another is a row packid did not
 * write, refused rather than rebuilt, queried or reported as some other event (an unknown
 * disposition read as none would leave out of the event what its stored hash was computed
 * with). */
px_rc px__event_words(px_epcis_event *ev, const char *type, const char *action,
                      const char *biz_step, const char *disposition, const char *id, px_err *err)
{
    int t = px_name_index(px_epcis_event_type_names, PX_EPCIS_EVENT_TYPES, type);
    int a = px_name_index(px_epcis_action_names, PX_EPCIS_ACTIONS, action);
    if (t < 0 || a < 0)
        return px_err_set(err, PX_EINTERNAL, "internal",
                          "stored event %s has an unknown type or action", id);
    ev->type = (px_epcis_event_type)t;
    ev->action = (px_epcis_action)a;
    ev->biz_step = px_cbv_bizstep_lookup(biz_step);
    if (ev->biz_step == PX_BIZSTEP_NONE)
        return px_err_set(err, PX_EINTERNAL, "internal", "stored event %s has an unknown bizStep",
                          id);
    ev->disposition = disposition[0] ? px_cbv_disp_lookup(disposition) : PX_DISP_NONE;
    if (disposition[0] && ev->disposition == PX_DISP_NONE)
        return px_err_set(err, PX_EINTERNAL, "internal",
                          "stored event %s has an unknown disposition", id);
    return PX_OK;
}

/* The ILMD (lot, expiry) goes with commissioning only (EPCIS 1.2: ilmd only when action =
 * ADD). */
px_rc px__event_from_row(px_epcis_event *ev, px__row_lists *lists, const px_epcis_row *row,
                         px_err *err)
{
    memset(ev, 0, sizeof(*ev));
    px_rc rc =
        px__event_words(ev, row->type, row->action, row->biz_step, row->disposition, row->id, err);
    if (rc != PX_OK)
        return rc;
    ev->event_time_us = row->event_time_us;
    ev->tz_offset_min = row->tz_offset_min;
    ev->record_time_us = row->record_time_us;
    ev->event_id = row->event_hash[0] ? row->event_hash : NULL;
    ev->sgtin_gtin = row->gtin;
    ev->sgtin_gcp_len = row->gcp_len;
    ev->serials = row->serials;
    ev->n_serials = row->n_serials;
    ev->epcs = row->epcs;
    ev->n_epcs = row->n_epcs;
    ev->parent_id = row->parent_id && row->parent_id[0] ? row->parent_id : NULL;
    ev->read_point = row->read_point[0] ? row->read_point : NULL;
    ev->biz_location = row->biz_location[0] ? row->biz_location : NULL;
    if (ev->action == PX_EPCIS_ADD && ev->type == PX_EPCIS_OBJECT_EVENT) {
        ev->lot = row->lot[0] ? row->lot : NULL;
        ev->expiry = row->expiry[0] ? row->expiry : NULL;
    }
    row_shipping(ev, lists, row);
    return PX_OK;
}

px_rc px__event_put(px_epcis_writer *w, const px_epcis_event *ev, px_err *err)
{
    px_rc rc = px_epcis_writer_event(w, ev);
    if (rc != PX_OK)
        px_epcis_writer_finish(w, err); /* copies the sticky error */
    return rc;
}

px_rc px__op_events_add(px__op_events *e, const char *id, px_err *err)
{
    /* At most one event per market and group, and a request of more markets than
     * PX_OP_MARKETS_MAX is refused before: past the bound is packid's fault, never an audit
     * entry cut short without a word. */
    if (e->n >= PX__OP_EVENTS_MAX)
        return px_err_set(err, PX_EINTERNAL, "internal", "more events than an operation records");
    px_strlcpy(e->id[e->n], id, sizeof(e->id[0]));
    e->p[e->n] = e->id[e->n];
    e->n++;
    return PX_OK;
}
