/* Packing, unpacking and repacking containers, with their EPCIS events (packing.h,
 * docs/aggregation.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregation_internal.h"
#include "epcis.h"
#include "events.h"
#include "gs1.h"
#include "pack_internal.h"
#include "packing.h"
#include "px_array.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_str.h"
#include "tx.h"

/* The children of one request as the events name them: EPC URIs in request order, with the
 * parent each had before the request. */
typedef struct child_list {
    char (*uri)[GS1_EPC_URI_MAX];
    char (*was_in)[GS1_SSCC_LEN + 1];
    const char **ptr; /* uri[i], or the order of a group */
    size_t n, cap;
    px_rc rc;
    px_err *err;
} child_list;

static void child_list_dispose(child_list *l)
{
    free(l->uri);
    free(l->was_in);
    free(l->ptr);
    memset(l, 0, sizeof(*l));
}

static int add_child(void *ctx, const px_agg_row *row)
{
    child_list *l = ctx;
    if (l->n == l->cap)
        return 1; /* the request's count: never more rows than children */
    char *u = l->uri[l->n];
    if ((l->rc = px__child_epc(u, row->sscc, row->gtin, row->serial, row->gcp_len, l->err)) !=
        PX_OK)
        return 1;
    px_strlcpy(l->was_in[l->n], row->parent, sizeof(l->was_in[l->n]));
    l->ptr[l->n] = u;
    l->n++;
    return 0;
}

static px_rc children_collect(px_db *db, child_list *l, size_t n, px_err *err)
{
    memset(l, 0, sizeof(*l));
    l->err = err;
    size_t k = n ? n : 1;
    l->uri = malloc(k * sizeof(*l->uri));
    l->was_in = malloc(k * sizeof(*l->was_in));
    l->ptr = malloc(k * sizeof(*l->ptr));
    if (!l->uri || !l->was_in || !l->ptr)
        return px_err_oom(err);
    l->cap = n;
    px_rc rc = px_store_agg_children_each(db, add_child, l, err);
    return rc != PX_OK ? rc : l->rc;
}

typedef struct agg_ctx {
    const px_agg_request *req;
    px_agg_result *out;
    int64_t now;
    px_container parent;
    char parent_uri[GS1_EPC_URI_MAX];
    char sgln[64];
    child_list kids;
} agg_ctx;

/* The container's location for read point and business location: the caller's GLN as an
 * SGLN, its prefix length known or, failing that, equal to the container's company prefix
 * (the rule of px__org_sgln, with the SSCC's prefix standing in for a product's). */
void px__agg_container_sgln(char out[64], const px_actor *by, const char *prefix)
{
    px_product p = {0};
    size_t l = strlen(prefix);
    memset(p.gtin, '0', 14);
    memcpy(p.gtin + 1, prefix, l);
    p.company_prefix_length = (int)l;
    px__org_sgln(out, by, &p);
}

px_rc px__agg_event_store(px_db *db, const px_epcis_event *ev, const px_container_event_rec *rec,
                          char event_id[PX_ID_LEN + 1], px_err *err)
{
    char hash[PX_EPCIS_EVENT_ID_MAX];
    px_rc rc = px_epcis_event_hash(hash, ev, err);
    if (rc != PX_OK)
        return rc;
    if (px_uuid_v4(event_id) != PX_OK)
        return px_err_no_random(err);
    px_container_event_rec row = *rec;
    row.id = event_id;
    row.type = px_epcis_event_type_names[ev->type];
    row.action = px_epcis_action_name(ev->action);
    row.biz_step = px_cbv_bizstep_name(ev->biz_step);
    row.disposition = px_cbv_disp_name(ev->disposition);
    row.event_time_us = ev->event_time_us;
    row.tz_offset_min = ev->tz_offset_min;
    row.parent_id = ev->parent_id;
    row.epcs = ev->epcs;
    row.n_epcs = ev->n_epcs;
    row.read_point = ev->read_point;
    row.biz_location = ev->biz_location;
    row.event_hash = hash;
    return px_store_container_event_insert(db, &row, err);
}

/* Dates ev and writes its row: one container event (REQ-AGG-4: in the request's transaction,
 * beside the change and the audit entry). */
static px_rc record(px_db *db, agg_ctx *c, const px_actor *by, px_epcis_event *ev,
                    const char *parent_sscc, char event_id[PX_ID_LEN + 1], px_err *err)
{
    px__event_at(ev, c->req->origin, c->now, c->sgln);
    px_container_event_rec rec = {
        .tenant_id = c->parent.tenant_id,
        .org_id = by->org_id,
        .aggregation_id = c->out->aggregation_id,
        .parent_sscc = parent_sscc,
        .parent_gtin = c->req->parent_gtin, /* a case's unpacking: the case (NULL otherwise) */
        .parent_serial = c->req->parent_gtin ? c->req->parent_serial : NULL,
    };
    return px__agg_event_store(db, ev, &rec, event_id, err);
}

/* docs/aggregation.md "Events": packing is ADD / packing / in_progress, unpacking DELETE /
 * unpacking without disposition; one event per parent (REQ-AGG-4: one AggregationEvent per
 * nesting level and request). An empty DELETE takes every child out (EPCIS 2.0 §7.4.3). */
void px__agg_event_init(px_epcis_event *ev, px_epcis_action act, const char *parent_uri,
                        const char *const *epcs, size_t n)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = PX_EPCIS_AGGREGATION_EVENT;
    ev->action = act;
    ev->biz_step = act == PX_EPCIS_ADD ? PX_BIZSTEP_PACKING : PX_BIZSTEP_UNPACKING;
    ev->disposition = act == PX_EPCIS_ADD ? PX_DISP_IN_PROGRESS : PX_DISP_NONE;
    ev->parent_id = parent_uri;
    ev->epcs = epcs;
    ev->n_epcs = n;
}

static px_rc aggregation_event(px_db *db, agg_ctx *c, const px_actor *by, px_epcis_action act,
                               const char *parent_sscc, const char *parent_uri,
                               const char *const *epcs, size_t n, px_err *err)
{
    px_epcis_event ev;
    px__agg_event_init(&ev, act, parent_uri, epcs, n);
    return record(db, c, by, &ev, parent_sscc, c->out->event_id, err);
}

/* REQ-AGG-2: a child that cannot move, as the answer's detail (docs/aggregation.md "Packing,
 * unpacking, repacking": the rules per child). */
void px__agg_misfit_error(px_item_error *e, size_t index, const px_agg_misfit *f)
{
    e->index = index;
    e->pos = -1;
    px_strlcpy(e->code, f->code, sizeof(e->code));
    px_err tmp;
    if (strcmp(f->code, "already_packed") == 0 && !f->parent[0])
        px_err_set(&tmp, PX_ESTATE, f->code, "the child is already in a container held by another");
    else if (strcmp(f->code, "already_packed") == 0)
        px_err_set(&tmp, PX_ESTATE, f->code, "the child is already in container %s", f->parent);
    else if (strcmp(f->code, "invalid_state") == 0)
        px_err_set(&tmp, PX_ESTATE, f->code, "the child is %s, not commissioned",
                   f->state[0] ? f->state : "unknown");
    else if (strcmp(f->code, "cycle") == 0)
        px_err_set(&tmp, PX_ESTATE, f->code,
                   "the child holds the parent: a container never goes inside itself");
    else if (strcmp(f->code, "duplicate") == 0)
        px_err_set(&tmp, PX_EINVALID, f->code, "the child is listed twice");
    else if (strcmp(f->code, "not_in_parent") == 0)
        px_err_set(&tmp, PX_ESTATE, f->code, "the child is not in this container");
    else if (strcmp(f->code, "invalid_child") == 0) /* REQ-AGG-11 */
        px_err_set(&tmp, PX_ESTATE, f->code,
                   "a case holds packs of another GTIN: never a container, nor a pack of its "
                   "own GTIN");
    else if (strcmp(f->code, "nested_case") == 0)
        px_err_set(&tmp, PX_ESTATE, f->code,
                   "the child is a case (it holds packs): cases are one level deep");
    else
        px_err_set(&tmp, PX_ENOTFOUND, f->code, "no such pack or container");
    px_strlcpy(e->message, tmp.message, sizeof(e->message));
}

px_rc px__agg_refused(px_err *err, size_t bad, size_t n, int unpack)
{
    return px_err_set(err, PX_ESTATE, unpack ? "unpack_refused" : "aggregation_refused",
                      "%zu of %zu children cannot be %s: nothing was changed", bad, n,
                      unpack ? "unpacked" : "packed");
}

/* A parent the caller may use: its MAH's, or for a CMO one it holds that is not released;
 * allocated (its first packing commissions it) or commissioned. */
px_rc px__agg_parent_check(const px_actor *by, const px_container *p, const char *sscc,
                           const char *field, px_err *err)
{
    if (!p->sscc[0] || !px__container_visible(by, p)) /* another tenant's: 404, nothing leaks */
        return px_err_set_field(err, PX_ENOTFOUND, "not_found", field, "container %s not found",
                                sscc);
    if (strcmp(p->state, "allocated") != 0 && strcmp(p->state, "commissioned") != 0)
        return px_err_set_field(err, PX_ESTATE, "invalid_state", field, "container %s is %s", sscc,
                                p->state);
    return PX_OK;
}

const char *const px__agg_action_names[] = {
    [PX_AGG_PACK] = "pack", [PX_AGG_UNPACK] = "unpack", [PX_AGG_REPACK] = "repack"};

PX_NAME_PARSER(px_agg_action_parse, px_agg_action, px__agg_action_names,
               PX_COUNT(px__agg_action_names), "invalid_value", "action")

px_rc px__agg_in_order(px_db *db, const px_event_origin *origin, const char *sscc, const char *gtin,
                       const char *serial, const char *field, px_err *err)
{
    if (!origin)
        return PX_OK;
    /* A parent's events reach a receiver that replays them by eventTime (EPCIS 2.0 §7.4.3: an
     * AggregationEvent's meaning depends on the parent's state at its time): one dated before
     * an event already recorded of the same parent (a DELETE before the ADD it undoes) would
     * be read in another order than it was applied. */
    long long last = 0;
    px_rc rc = px_store_parent_last_event_us(db, sscc, gtin, serial, &last, err);
    if (rc != PX_OK || last <= origin->event_time_us)
        return rc;
    char at[32], before[32];
    px_time_format(at, origin->event_time_us);
    px_time_format(before, (int64_t)last);
    return px_err_set_field(err, PX_EINVALID, "out_of_order", field,
                            "eventTime %s is before %s, the last event recorded of its parent: a "
                            "parent's events are captured in the order they happened",
                            at, before);
}

/* The parent of an unpacking, locked and checked: a container (px__agg_parent_check), or a case
 * that carries its own GTIN (px__agg_case_check: the rules of packing into it). Sets the parent's
 * tenant, EPC URI and location, and key to the parent as px_agg_scope names it. */
static px_rc unpack_parent(px_db *db, agg_ctx *c, const px_actor *by, char key[40], px_err *err)
{
    const px_agg_request *req = c->req;
    px_rc rc;
    if (req->parent_gtin) {
        px_case_parent cp;
        const char *g = req->parent_gtin, *sr = req->parent_serial;
        char prefix[13];
        memset(&c->parent, 0, sizeof(c->parent));
        if ((rc = px_store_agg_cases_lock(db, &g, &sr, 1, &cp, err)) != PX_OK ||
            (rc = px__agg_case_check(db, by, &cp, g, sr, "parent", err)) != PX_OK ||
            (rc = gs1_epc_sgtin_format(c->parent_uri, sizeof(c->parent_uri), g, cp.gcp_len, sr,
                                       err)) != PX_OK)
            return rc;
        px_strlcpy(c->parent.tenant_id, cp.tenant_id, sizeof(c->parent.tenant_id));
        snprintf(prefix, sizeof(prefix), "%.*s", cp.gcp_len, g + 1);
        px__agg_container_sgln(c->sgln, by, prefix);
        snprintf(key, 40, "%s %s", g, sr); /* serial.parent_gtin || ' ' || parent_serial */
        return PX_OK;
    }
    rc = px_store_container_get(db, &c->parent, req->parent_sscc, 1, err);
    if (rc == PX_ENOTFOUND)
        c->parent.sscc[0] = '\0';
    else if (rc != PX_OK)
        return rc;
    if ((rc = px__agg_parent_check(by, &c->parent, req->parent_sscc, "parent", err)) != PX_OK ||
        (rc = px__container_cmo_partnered(db, by, &c->parent, "parent", 1, err)) != PX_OK ||
        (rc = gs1_epc_sscc_format(c->parent_uri, sizeof(c->parent_uri), c->parent.sscc,
                                  (int)strlen(c->parent.company_prefix), err)) != PX_OK)
        return rc;
    px__agg_container_sgln(c->sgln, by, c->parent.company_prefix);
    px_strlcpy(key, c->parent.sscc, 40);
    return PX_OK;
}

/* The children an unpack takes out, loaded for its statements (*listed of them; an empty
 * DELETE by the MAH loads none: it takes every child). An empty DELETE by a CMO takes out what
 * it could list by name (its own unreleased packs and containers, REQ-AGG-5): a pack released
 * since stays, unseen and uncounted, and the event names the children taken out, since "all"
 * would not be true of it. A parent that holds only such packs is refused: an event of no
 * children would say it was emptied. Listed children that do not fit are refused each with its
 * index. */
static px_rc unpack_children(px_db *db, agg_ctx *c, const px_actor *by, const char *key,
                             size_t *listed, px_err *err)
{
    const px_agg_request *req = c->req;
    px_rc rc = PX_OK;
    *listed = req->n;
    if (req->n == 0 && px__cmo_scope(by)) {
        px_agg_scope sc = {c->parent.tenant_id, px__cmo_scope(by), key};
        size_t held = 0;
        if ((rc = px_store_agg_load_contents(db, req->parent_gtin ? NULL : c->parent.sscc,
                                             req->parent_gtin, req->parent_serial, &sc, listed,
                                             &held, err)) != PX_OK ||
            (rc = children_collect(db, &c->kids, *listed, err)) != PX_OK)
            return rc;
        if (*listed == 0 && held > 0)
            return px_err_set(err, PX_ESTATE, "unpack_refused",
                              "%s holds nothing this organization may take out: nothing was "
                              "changed",
                              key);
    } else if (req->n > 0) {
        px_agg_scope sc = {c->parent.tenant_id, px__cmo_scope(by), key};
        px_agg_misfits m = {NULL, 0};
        if ((rc = px_store_agg_load(db, req->children, req->n, err)) != PX_OK ||
            (rc = px_store_agg_misfits(db, &sc, &m, err)) != PX_OK) {
            px_agg_misfits_dispose(&m);
            return rc;
        }
        if (m.n > 0) {
            if (!(c->out->errors = calloc(m.n, sizeof(*c->out->errors)))) {
                px_agg_misfits_dispose(&m);
                return px_err_oom(err);
            }
            for (size_t i = 0; i < m.n; i++)
                px__agg_misfit_error(&c->out->errors[i], (size_t)m.items[i].index, &m.items[i]);
            c->out->n_errors = m.n;
            px_agg_misfits_dispose(&m);
            return px__agg_refused(err, c->out->n_errors, req->n, 1);
        }
        if ((rc = children_collect(db, &c->kids, req->n, err)) != PX_OK)
            return rc;
    }
    return PX_OK;
}

/* Unpacking: the listed children out of the parent, or every child (EPCIS 2.0 §7.4.3: an
 * empty DELETE takes every child out). */
static px_rc unpack_body(px_tx *tx, void *vc, px_err *err)
{
    agg_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    const px_agg_request *req = c->req;
    px_item_errors_free(c->out->errors);
    memset(c->out, 0, sizeof(*c->out));
    child_list_dispose(&c->kids);
    char key[40];
    px_rc rc = unpack_parent(db, c, by, key, err);
    if (rc == PX_OK)
        rc = px__agg_in_order(db, req->origin, req->parent_gtin ? NULL : c->parent.sscc,
                              req->parent_gtin, req->parent_serial, "parent", err);
    if (rc != PX_OK)
        return rc;
    size_t listed = 0;
    if ((rc = unpack_children(db, c, by, key, &listed, err)) != PX_OK)
        return rc;
    if (px_uuid_v4(c->out->aggregation_id) != PX_OK)
        return px_err_no_random(err);
    long moved = 0;
    int all = req->n == 0 && !px__cmo_scope(by); /* else the loaded children */
    if (req->parent_gtin)
        rc = px_store_agg_case_clear(db, req->parent_gtin, req->parent_serial, !all, &moved, err);
    else if (all)
        rc = px_store_agg_empty(db, c->parent.sscc, &moved, err);
    else if (listed > 0)
        rc = px_store_agg_set_parent(db, NULL, &moved, err);
    if (rc != PX_OK)
        return rc;
    /* An unpack of every child from a parent that held none would record a DELETE of no
     * children, which says the parent was emptied (EPCIS 2.0 §7.4.3): a receiver would read
     * an unpacking of what never was, before the container's own first event. */
    if (req->n == 0 && moved == 0)
        return px_err_set(err, PX_ESTATE, "unpack_refused",
                          "%s holds nothing to take out: nothing was changed", key);
    c->out->children = moved;
    px_aggregation_rec a = {c->out->aggregation_id,
                            by->org_id,
                            c->parent.tenant_id,
                            px__agg_action_names[req->action],
                            c->parent.sscc,
                            moved,
                            c->now,
                            req->parent_gtin,
                            req->parent_gtin ? req->parent_serial : NULL};
    if ((rc = px_store_aggregation_insert(db, &a, err)) != PX_OK ||
        (rc = aggregation_event(db, c, by, PX_EPCIS_DELETE, c->parent.sscc, c->parent_uri,
                                c->kids.ptr, c->kids.n, err)) != PX_OK)
        return rc;
    px_audit_details *d =
        px_tx_audit(tx, c->parent.tenant_id, "aggregation.unpack", c->out->aggregation_id);
    if (req->parent_gtin) {
        px_audit_str(d, "parent_gtin", req->parent_gtin);
        px_audit_str(d, "parent_serial", req->parent_serial);
    } else {
        px_audit_str(d, "parent", c->parent.sscc);
    }
    px_audit_int(d, "children", moved);
    px_audit_str(d, "event_id", c->out->event_id);
    return PX_OK;
}

/* Syntax of each child before any SQL: an 18-digit SSCC with its check digit, or a GTIN and a
 * serial of set 82 (the same rules as commissioning). Each bad child goes to errs[*bad] (room
 * for every child) with its index and, when groups, its group. */
px_rc px__agg_parent_sscc_syntax(const char *sscc, const char *field, px_err *err)
{
    px_err e = PX_ERR_INIT;
    if (sscc && gs1_sscc_validate(sscc, &e) == PX_OK)
        return PX_OK;
    px_rc rc = px_err_set_field(err, PX_EINVALID, e.code[0] ? e.code : "invalid_value", field,
                                "the parent is not a valid SSCC");
    px_err_span(err, e.pos, e.len);
    return rc;
}

void px__agg_children_syntax(px_item_error *errs, size_t *groups, size_t *bad, size_t group,
                             const px_agg_child *children, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const px_agg_child *ch = &children[i];
        px_err e = PX_ERR_INIT;
        int ok;
        if (ch->sscc)
            ok = !ch->gtin && !ch->serial && gs1_sscc_validate(ch->sscc, &e) == PX_OK;
        else {
            char g[GS1_GTIN_LEN + 1];
            ok = ch->gtin && ch->serial && gs1_gtin_normalize(g, ch->gtin, &e) == PX_OK &&
                 strcmp(g, ch->gtin) == 0 &&
                 gs1_cset82_validate(ch->serial, GS1_SERIAL_MAX, &e) == PX_OK;
        }
        if (ok)
            continue;
        if (groups)
            groups[*bad] = group;
        px_item_error *it = &errs[(*bad)++];
        it->index = i;
        it->pos = e.code[0] ? e.pos : -1;
        it->len = e.len;
        px_strlcpy(it->code, e.code[0] ? e.code : "invalid_value", sizeof(it->code));
        px_strlcpy(it->message,
                   e.code[0] ? e.message
                             : "a child is {\"sscc\"} or {\"gtin\", \"serial\"} (GTIN-14)",
                   sizeof(it->message));
    }
}

px_rc px_svc_agg_children_check(size_t n, px_err *err)
{
    if (n > PX_AGG_CHILDREN_MAX)
        return px_err_set_field(err, PX_ETOOBIG, "too_many_children", "children",
                                "at most %d children per request", PX_AGG_CHILDREN_MAX);
    return PX_OK;
}

px_rc px_svc_aggregate(px_db *db, const px_actor *by, const px_agg_request *req, px_agg_result *out,
                       px_err *err)
{
    memset(out, 0, sizeof(*out));
    px_rc rc = px_svc_agg_children_check(req->n, err);
    if (rc != PX_OK)
        return rc;
    if (req->action != PX_AGG_UNPACK) {
        /* Packing one parent is packing a set of one (the set-based path). */
        return px__agg_pack_single(db, by, req, out, err);
    }
    /* REQ-AGG-13: a case that carries its own GTIN is unpacked like a container. */
    rc = req->parent_gtin ? px__agg_case_syntax_single(req, err)
                          : px__agg_parent_sscc_syntax(req->parent_sscc, "parent.sscc", err);
    if (rc != PX_OK)
        return rc;
    if (req->n > 0 && !(out->errors = calloc(req->n, sizeof(*out->errors))))
        return px_err_oom(err);
    px__agg_children_syntax(out->errors, NULL, &out->n_errors, 0, req->children, req->n);
    if (out->n_errors)
        return px__items_invalid(err, out->n_errors, req->n, "children");
    agg_ctx c = {
        .req = req,
        .out = out,
        .now = px_now_us(),
    };
    rc = px_tx_run(db, by, unpack_body, &c, err);
    child_list_dispose(&c.kids);
    return rc;
}
