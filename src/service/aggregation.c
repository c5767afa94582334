/* Packing, unpacking and repacking containers, with their EPCIS events (packing.h,
 * docs/aggregation.md, DOMAIN-2.md §10.3–10.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis.h"
#include "events.h"
#include "gs1.h"
#include "packing.h"
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
    px_err e;
    px_rc rc = row->sscc[0]
                   ? gs1_epc_sscc_format(u, GS1_EPC_URI_MAX, row->sscc, row->gcp_len, &e)
                   : gs1_epc_sgtin_format(u, GS1_EPC_URI_MAX, row->gtin, row->gcp_len,
                                          row->serial, &e);
    if (rc != PX_OK) {
        l->rc = px_err_set(l->err, PX_EINTERNAL, "internal", "a stored child has no EPC URI");
        return 1;
    }
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
static void container_sgln(char out[64], const px_actor *by, const char *prefix)
{
    px_product p;
    memset(&p, 0, sizeof(p));
    size_t l = strlen(prefix);
    memset(p.gtin, '0', 14);
    memcpy(p.gtin + 1, prefix, l);
    p.company_prefix_length = (int)l;
    px__org_sgln(out, by, &p);
}

/* Hashes ev, writes its row: one container event (REQ-AGG-4: in the request's transaction,
 * beside the change and the audit entry). */
static px_rc record(px_db *db, agg_ctx *c, const px_actor *by, px_epcis_event *ev,
                    const char *parent_sscc, char event_id[PX_ID_LEN + 1], px_err *err)
{
    ev->event_time_us = c->now;
    ev->read_point = c->sgln[0] ? c->sgln : NULL;
    ev->biz_location = ev->read_point;
    char hash[PX_EPCIS_EVENT_ID_MAX];
    px_rc rc = px_epcis_event_hash(hash, ev, err);
    if (rc != PX_OK)
        return rc;
    if (px_uuid_v4(event_id) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
    px_container_event_rec rec;
    memset(&rec, 0, sizeof(rec));
    rec.id = event_id;
    rec.tenant_id = c->parent.tenant_id;
    rec.org_id = by->org_id;
    rec.aggregation_id = c->out->aggregation_id;
    rec.type = ev->type == PX_EPCIS_AGGREGATION_EVENT ? "AggregationEvent" : "ObjectEvent";
    rec.action = px_epcis_action_name(ev->action);
    rec.biz_step = px_cbv_bizstep_name(ev->biz_step);
    rec.disposition = px_cbv_disp_name(ev->disposition);
    rec.event_time_us = c->now;
    rec.parent_id = ev->parent_id;
    rec.parent_sscc = parent_sscc;
    rec.parent_gtin = c->req->parent_gtin; /* a case's unpacking: the case (NULL otherwise) */
    rec.parent_serial = c->req->parent_gtin ? c->req->parent_serial : NULL;
    rec.epcs = ev->epcs;
    rec.n_epcs = ev->n_epcs;
    rec.read_point = ev->read_point;
    rec.biz_location = ev->biz_location;
    rec.event_hash = hash;
    return px_store_container_event_insert(db, &rec, err);
}

/* DOMAIN-2.md §10.4: packing is ADD / packing / in_progress, unpacking DELETE / unpacking
 * without disposition; one event per parent (REQ-AGG-4: one AggregationEvent per nesting
 * level and request). An empty DELETE takes every child out (§10.3). */
static void aggregation_event_init(px_epcis_event *ev, px_epcis_action act,
                                   const char *parent_uri, const char *const *epcs, size_t n)
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
    aggregation_event_init(&ev, act, parent_uri, epcs, n);
    return record(db, c, by, &ev, parent_sscc, c->out->event_id, err);
}

/* REQ-AGG-2: a child that cannot move, as the answer's detail (DOMAIN-2.md §10.4 "ordering
 * rules"). */
static void misfit_error(px_item_error *e, size_t index, const px_agg_misfit *f)
{
    e->index = index;
    e->pos = -1;
    px_strlcpy(e->code, f->code, sizeof(e->code));
    px_err tmp;
    if (strcmp(f->code, "already_packed") == 0)
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
    else
        px_err_set(&tmp, PX_ENOTFOUND, f->code, "no such pack or container");
    px_strlcpy(e->message, tmp.message, sizeof(e->message));
}

static px_rc refused(px_err *err, size_t bad, size_t n, int unpack)
{
    return px_err_set(err, PX_ESTATE, unpack ? "unpack_refused" : "aggregation_refused",
                      "%zu of %zu children cannot be %s: nothing was changed", bad, n,
                      unpack ? "unpacked" : "packed");
}

/* A parent the caller may use: its MAH's, or for a CMO one it holds that is not released;
 * allocated (its first packing commissions it) or commissioned. */
static px_rc parent_check(const px_actor *by, const px_container *p, const char *sscc,
                          const char *field, px_err *err)
{
    int visible = !p->sscc[0]                ? 0
                  : by->org_kind == PX_ORG_MAH ? strcmp(p->tenant_id, by->org_id) == 0
                  : by->org_kind == PX_ORG_CMO
                      ? strcmp(p->org_id, by->org_id) == 0 && strcmp(p->state, "released") != 0
                      : 0;
    if (!visible) /* another tenant's container: 404, nothing leaks */
        return px_err_set_field(err, PX_ENOTFOUND, "not_found", field, "container %s not found",
                                sscc);
    if (strcmp(p->state, "allocated") != 0 && strcmp(p->state, "commissioned") != 0)
        return px_err_set_field(err, PX_ESTATE, "invalid_state", field, "container %s is %s",
                                sscc, p->state);
    return PX_OK;
}

static const char *const action_names[] = {"pack", "unpack", "repack"};

static px_rc case_check(const px_actor *by, const px_case_parent *c, const char *gtin,
                        const char *serial, const char *field, px_err *err);

/* The parent of an unpacking, locked and checked: a container (parent_check), or a case that
 * carries its own GTIN (case_check: the rules of packing into it). Sets the parent's tenant,
 * EPC URI and location, and key to the parent as px_agg_scope names it. */
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
            (rc = case_check(by, &cp, g, sr, "parent", err)) != PX_OK ||
            (rc = gs1_epc_sgtin_format(c->parent_uri, sizeof(c->parent_uri), g, cp.gcp_len, sr,
                                       err)) != PX_OK)
            return rc;
        px_strlcpy(c->parent.tenant_id, cp.tenant_id, sizeof(c->parent.tenant_id));
        snprintf(prefix, sizeof(prefix), "%.*s", cp.gcp_len, g + 1);
        container_sgln(c->sgln, by, prefix);
        snprintf(key, 40, "%s %s", g, sr); /* serial.parent_gtin || ' ' || parent_serial */
        return PX_OK;
    }
    rc = px_store_container_get(db, &c->parent, req->parent_sscc, 1, err);
    if (rc == PX_ENOTFOUND)
        c->parent.sscc[0] = '\0';
    else if (rc != PX_OK)
        return rc;
    if ((rc = parent_check(by, &c->parent, req->parent_sscc, "parent", err)) != PX_OK ||
        (rc = gs1_epc_sscc_format(c->parent_uri, sizeof(c->parent_uri), c->parent.sscc,
                                  (int)strlen(c->parent.company_prefix), err)) != PX_OK)
        return rc;
    container_sgln(c->sgln, by, c->parent.company_prefix);
    px_strlcpy(key, c->parent.sscc, 40);
    return PX_OK;
}

/* Unpacking: the listed children out of the parent, or every child (DOMAIN-2.md §10.3: an
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
    if (rc != PX_OK)
        return rc;
    if (req->n > 0) {
        px_agg_scope sc = {c->parent.tenant_id, by->org_kind == PX_ORG_CMO ? by->org_id : NULL,
                           key};
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
                misfit_error(&c->out->errors[i], (size_t)m.items[i].index, &m.items[i]);
            c->out->n_errors = m.n;
            px_agg_misfits_dispose(&m);
            return refused(err, c->out->n_errors, req->n, 1);
        }
        if ((rc = children_collect(db, &c->kids, req->n, err)) != PX_OK)
            return rc;
    }
    if (px_uuid_v4(c->out->aggregation_id) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
    long moved = 0;
    if (req->parent_gtin)
        rc = px_store_agg_case_clear(db, req->parent_gtin, req->parent_serial, req->n > 0, &moved,
                                     err);
    else if (req->n == 0)
        rc = px_store_agg_empty(db, c->parent.sscc, &moved, err);
    else
        rc = px_store_agg_set_parent(db, NULL, &moved, err);
    if (rc != PX_OK)
        return rc;
    c->out->children = moved;
    px_aggregation_rec a = {c->out->aggregation_id,   by->org_id,     c->parent.tenant_id,
                            action_names[req->action], c->parent.sscc, moved,
                            c->now,                    req->parent_gtin,
                            req->parent_gtin ? req->parent_serial : NULL};
    if ((rc = px_store_aggregation_insert(db, &a, err)) != PX_OK ||
        (rc = aggregation_event(db, c, by, PX_EPCIS_DELETE, c->parent.sscc, c->parent_uri,
                                c->kids.ptr, c->kids.n, err)) != PX_OK)
        return rc;
    px_audit_details *d =
        px_tx_audit(tx, c->parent.tenant_id, "aggregation.unpack", c->out->aggregation_id);
    if (d) {
        if (req->parent_gtin) {
            px_audit_str(d, "parent_gtin", req->parent_gtin);
            px_audit_str(d, "parent_serial", req->parent_serial);
        } else {
            px_audit_str(d, "parent", c->parent.sscc);
        }
        px_audit_int(d, "children", moved);
        px_audit_str(d, "event_id", c->out->event_id);
    }
    return PX_OK;
}

/* Syntax of each child before any SQL: an 18-digit SSCC with its check digit, or a GTIN and a
 * serial of set 82 (the same rules as commissioning). Each bad child goes to errs[*bad] (room
 * for every child) with its index and, when groups, its group. */
static void children_syntax(px_item_error *errs, size_t *groups, size_t *bad, size_t group,
                            const px_agg_child *children, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const px_agg_child *ch = &children[i];
        px_err e;
        px_err_clear(&e);
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

/* ---- packing and repacking many parents at once ------------------------------------------ */

/* One request of px_svc_aggregate_batch, flattened: every child with the index of its group. */
typedef struct batch {
    px_agg_action action;
    const px_agg_group *groups;
    size_t n_groups;
    int single;                   /* the one-parent form: fields named as it names them */
    const char **parents;         /* per group: its SSCC, "" for a case */
    const char **pgtins, **pserials; /* per group: the case's SGTIN, "" for a container */
    px_case_parent *cpar;         /* per group: the case, locked */
    px_agg_child *kids;           /* every child, group after group */
    size_t *group, *first;        /* per child its group; per group its first child */
    size_t n;
    px_container *par;            /* per group, locked */
    int64_t now;
    px_agg_batch_result *out;
    const px_actor *by;
    /* the events, rebuilt on every attempt */
    char (*uri)[GS1_EPC_URI_MAX];
    char **owned;                 /* the strings the events' columns point to */
    size_t n_owned;
} batch;

static const char *own(batch *b, char *s)
{
    if (s)
        b->owned[b->n_owned++] = s;
    return s;
}

static void batch_events_free(batch *b)
{
    for (size_t i = 0; i < b->n_owned; i++)
        free(b->owned[i]);
    b->n_owned = 0;
}

/* The EPC URIs of n children joined by spaces (malloc'd). */
static char *joined(const char *const *uris, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(uris[i]) + 1;
    char *s = malloc(len), *w = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(uris[i]);
        if (i)
            *w++ = ' ';
        memcpy(w, uris[i], l);
        w += l;
    }
    *w = '\0';
    return s;
}

/* The events of one request, as the store's columns. */
typedef struct event_cols {
    px_agg_event_cols c;
    size_t cap;
} event_cols;

/* Hashes ev and appends it as a row of the events (REQ-AGG-4: recorded in the request's
 * transaction, beside the change and the audit entry); its id into event_id when asked. */
static px_rc event_add(batch *b, event_cols *e, px_epcis_event *ev, const char *agg_id,
                       const char *parent_sscc, const char *parent_gtin,
                       const char *parent_serial, const char *sgln, char *event_id, px_err *err)
{
    if (e->c.n == e->cap)
        return px_err_set(err, PX_EINTERNAL, "internal", "more events than room for them");
    ev->event_time_us = b->now;
    ev->read_point = sgln[0] ? sgln : NULL;
    ev->biz_location = ev->read_point;
    char hash[PX_EPCIS_EVENT_ID_MAX], id[PX_ID_LEN + 1];
    px_rc rc = px_epcis_event_hash(hash, ev, err);
    if (rc != PX_OK)
        return rc;
    if (px_uuid_v4(id) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
    if (event_id)
        px_strlcpy(event_id, id, PX_ID_LEN + 1);
    size_t i = e->c.n;
    e->c.id[i] = own(b, strdup(id));
    e->c.aggregation_id[i] = agg_id;
    e->c.type[i] = ev->type == PX_EPCIS_AGGREGATION_EVENT ? "AggregationEvent" : "ObjectEvent";
    e->c.action[i] = px_epcis_action_name(ev->action);
    e->c.biz_step[i] = px_cbv_bizstep_name(ev->biz_step);
    e->c.disposition[i] = ev->disposition == PX_DISP_NONE ? "" : px_cbv_disp_name(ev->disposition);
    e->c.parent_id[i] = ev->parent_id ? own(b, strdup(ev->parent_id)) : "";
    e->c.parent_sscc[i] = parent_sscc;
    e->c.parent_gtin[i] = parent_gtin;
    e->c.parent_serial[i] = parent_serial;
    e->c.epcs[i] = own(b, joined(ev->epcs, ev->n_epcs));
    e->c.read_point[i] = own(b, strdup(sgln));
    e->c.event_hash[i] = own(b, strdup(hash));
    if (!e->c.id[i] || !e->c.epcs[i] || !e->c.read_point[i] || !e->c.event_hash[i] ||
        !e->c.parent_id[i])
        return px_err_oom(err);
    e->c.n++;
    return PX_OK;
}

/* A child that leaves a container (repack), sorted by that container. */
typedef struct leaving {
    const char *was_in;
    size_t i;
} leaving;

static int leaving_cmp(const void *x, const void *y)
{
    const leaving *a = x, *b = y;
    int d = strcmp(a->was_in, b->was_in);
    return d ? d : (a->i > b->i) - (a->i < b->i);
}

static px_rc repack_deletes(batch *b, event_cols *e, size_t g, const px_agg_applied *ap,
                            const char *agg_id, const char *sgln, const char **scratch,
                            px_err *err)
{
    size_t f = b->first[g], n = b->groups[g].n, k = 0;
    leaving *l = malloc((n ? n : 1) * sizeof(*l));
    if (!l)
        return px_err_oom(err);
    for (size_t i = 0; i < n; i++)
        if (ap->was_in[f + i][0])
            l[k++] = (leaving){ap->was_in[f + i], f + i};
    qsort(l, k, sizeof(*l), leaving_cmp);
    px_rc rc = PX_OK;
    for (size_t a = 0; a < k && rc == PX_OK;) {
        size_t z = a, m = 0;
        while (z < k && strcmp(l[z].was_in, l[a].was_in) == 0)
            scratch[m++] = b->uri[l[z++].i];
        /* the container it left, or the case ("GTIN SERIAL") */
        char old[GS1_EPC_URI_MAX], was[40], *sp;
        px_strlcpy(was, l[a].was_in, sizeof(was));
        int gcp = ap->was_gcp_len[l[a].i];
        if ((sp = strchr(was, ' ')) != NULL) {
            *sp++ = '\0';
            rc = gs1_epc_sgtin_format(old, sizeof(old), was, gcp, sp, err);
        } else {
            rc = gs1_epc_sscc_format(old, sizeof(old), was, gcp, err);
        }
        if (rc == PX_OK) {
            px_epcis_event ev;
            aggregation_event_init(&ev, PX_EPCIS_DELETE, old, scratch, m);
            rc = sp ? event_add(b, e, &ev, agg_id, "", own(b, strdup(was)), own(b, strdup(sp)),
                                sgln, NULL, err)
                    : event_add(b, e, &ev, agg_id, l[a].was_in, "", "", sgln, NULL, err);
        }
        a = z;
    }
    free(l);
    return rc;
}

/* The events of group g: the container's commissioning at its first packing (ObjectEvent ADD
 * commissioning active, the SSCC alone, no ILMD: DOMAIN-2.md §10.4, GS1 US practice); for a
 * repack one DELETE unpacking per container the children leave (§10.4 "repack"); then the
 * group's AggregationEvent ADD packing in_progress with its direct children in request order
 * (REQ-AGG-4: one AggregationEvent per parent and nesting level, §10.3). */
static px_rc group_events(batch *b, event_cols *e, size_t g, const px_agg_applied *ap,
                          const char **scratch, px_err *err)
{
    const px_container *p = &b->par[g];
    const char *agg_id = b->out->done[g].aggregation_id;
    char uri[GS1_EPC_URI_MAX], sgln[64], prefix[13];
    int is_case = b->pgtins[g][0] != '\0';
    /* EPCIS parentID: the pure-identity URI of the container's SSCC or of the case's SGTIN
     * (DOMAIN-2.md §10.3). */
    px_rc rc = is_case ? gs1_epc_sgtin_format(uri, sizeof(uri), b->pgtins[g], b->cpar[g].gcp_len,
                                              b->pserials[g], err)
                       : gs1_epc_sscc_format(uri, sizeof(uri), p->sscc,
                                             (int)strlen(p->company_prefix), err);
    if (rc != PX_OK)
        return rc;
    if (is_case)
        snprintf(prefix, sizeof(prefix), "%.*s", b->cpar[g].gcp_len, b->pgtins[g] + 1);
    container_sgln(sgln, b->by, is_case ? prefix : p->company_prefix);
    px_epcis_event ev;
    /* A case was commissioned as a pack (its own ObjectEvent): only a container's first
     * packing commissions it here. */
    if (!is_case && strcmp(p->state, "allocated") == 0) {
        const char *epc[1] = {uri};
        memset(&ev, 0, sizeof(ev));
        ev.type = PX_EPCIS_OBJECT_EVENT;
        ev.action = PX_EPCIS_ADD;
        ev.biz_step = PX_BIZSTEP_COMMISSIONING;
        ev.disposition = PX_DISP_ACTIVE;
        ev.epcs = epc;
        ev.n_epcs = 1;
        if ((rc = event_add(b, e, &ev, agg_id, p->sscc, "", "", sgln, NULL, err)) != PX_OK)
            return rc;
    }
    if (b->action == PX_AGG_REPACK &&
        (rc = repack_deletes(b, e, g, ap, agg_id, sgln, scratch, err)) != PX_OK)
        return rc;
    size_t f = b->first[g], n = b->groups[g].n;
    for (size_t i = 0; i < n; i++)
        scratch[i] = b->uri[f + i];
    aggregation_event_init(&ev, PX_EPCIS_ADD, uri, scratch, n);
    return event_add(b, e, &ev, agg_id, b->parents[g], b->pgtins[g], b->pserials[g], sgln,
                     b->out->done[g].event_id, err);
}

/* The children's EPC URIs (SGTIN or SSCC pure identity) with the prefix lengths the store
 * read. */
static px_rc child_uris(batch *b, const px_agg_applied *ap, px_err *err)
{
    for (size_t i = 0; i < b->n; i++) {
        const px_agg_child *c = &b->kids[i];
        px_rc rc = c->sscc ? gs1_epc_sscc_format(b->uri[i], GS1_EPC_URI_MAX, c->sscc,
                                                 ap->gcp_len[i], err)
                           : gs1_epc_sgtin_format(b->uri[i], GS1_EPC_URI_MAX, c->gtin,
                                                  ap->gcp_len[i], c->serial, err);
        if (rc != PX_OK)
            return px_err_set(err, PX_EINTERNAL, "internal", "a stored child has no EPC URI");
    }
    return PX_OK;
}

static void field_of(char *out, size_t len, const batch *b, size_t g, const char *tail)
{
    if (b->single)
        snprintf(out, len, "%s", tail);
    else
        snprintf(out, len, "aggregations[%zu].%s", g, tail);
}

static const char *tenant_of(const batch *b, size_t g)
{
    return b->pgtins[g][0] ? b->cpar[g].tenant_id : b->par[g].tenant_id;
}

/* REQ-AGG-11: a case that carries its own GTIN as a parent (DOMAIN-2.md §10.4 "case
 * SGTIN"): a pack the caller may use as a child (its MAH's; a CMO's own commissioning,
 * unreleased, partnered), commissioned, and not itself inside a case (cases are one level
 * deep). */
static px_rc case_check(const px_actor *by, const px_case_parent *c, const char *gtin,
                        const char *serial, const char *field, px_err *err)
{
    int visible = !c->found                  ? 0
                  : by->org_kind == PX_ORG_MAH ? strcmp(c->tenant_id, by->org_id) == 0
                  : by->org_kind == PX_ORG_CMO
                      ? strcmp(c->commissioned_by, by->org_id) == 0 && !c->released &&
                            c->partnered
                      : 0;
    if (!visible)
        return px_err_set_field(err, PX_ENOTFOUND, "not_found", field,
                                "case %s/%s not found", gtin, serial);
    if (strcmp(c->state, "commissioned") != 0)
        return px_err_set_field(err, PX_ESTATE, "invalid_state", field, "case %s/%s is %s",
                                gtin, serial, c->state);
    if (c->in_case)
        return px_err_set_field(err, PX_ESTATE, "invalid_state", field,
                                "case %s/%s is inside another case", gtin, serial);
    return PX_OK;
}

/* The parents, locked; the unknown ones registered as external SSCCs first. */
static px_rc parents_get(batch *b, px_db *db, px_err *err)
{
    size_t found = 0, boxes = 0, cases = 0;
    for (size_t g = 0; g < b->n_groups; g++)
        b->pgtins[g][0] ? cases++ : boxes++;
    px_rc rc = cases ? px_store_agg_cases_lock(db, b->pgtins, b->pserials, b->n_groups, b->cpar,
                                               err)
                     : PX_OK;
    if (rc == PX_OK && boxes)
        rc = px_store_agg_parents_lock(db, b->parents, b->n_groups, b->par, &found, err);
    if (rc != PX_OK || found == boxes)
        return rc;
    const char **missing = malloc(b->n_groups * sizeof(*missing));
    if (!missing)
        return px_err_oom(err);
    size_t m = 0;
    for (size_t g = 0; g < b->n_groups; g++)
        if (!b->pgtins[g][0] && !b->par[g].sscc[0])
            missing[m++] = b->parents[g];
    long added = 0;
    rc = px_store_sscc_register_external(db, missing, m, b->by->org_id, &added, err);
    free(missing);
    if (rc == PX_OK && added > 0)
        rc = px_store_agg_parents_lock(db, b->parents, b->n_groups, b->par, &found, err);
    return rc;
}

static px_rc batch_refuse(batch *b, const px_agg_misfits *m, px_err *err)
{
    px_agg_batch_result *out = b->out;
    out->errors = calloc(m->n, sizeof(*out->errors));
    out->error_group = calloc(m->n, sizeof(*out->error_group));
    if (!out->errors || !out->error_group)
        return px_err_oom(err);
    for (size_t i = 0; i < m->n; i++) {
        size_t at = (size_t)m->items[i].index, g = b->group[at];
        out->error_group[i] = g;
        misfit_error(&out->errors[i], at - b->first[g], &m->items[i]);
    }
    out->n_errors = m->n;
    return refused(err, m->n, b->n, 0);
}

static void result_reset(px_agg_batch_result *out)
{
    px_item_errors_free(out->errors);
    free(out->error_group);
    out->errors = NULL;
    out->error_group = NULL;
    out->n_errors = 0;
    out->children = 0;
}

/* The events and aggregations of an applied request, written in one statement, and its audit
 * entry. */
static px_rc batch_record(px_tx *tx, batch *b, const px_agg_applied *ap, px_err *err)
{
    size_t cap = 2 * b->n_groups + b->n;
    event_cols e;
    memset(&e, 0, sizeof(e));
    e.cap = cap;
    const char ***cols[] = {&e.c.id,          &e.c.aggregation_id, &e.c.type,
                            &e.c.action,      &e.c.biz_step,       &e.c.disposition,
                            &e.c.parent_id,   &e.c.parent_sscc,    &e.c.parent_gtin,
                            &e.c.parent_serial, &e.c.epcs,         &e.c.read_point,
                            &e.c.event_hash};
    const char **scratch = malloc((b->n ? b->n : 1) * sizeof(*scratch));
    const char **agg_ids = malloc(b->n_groups * sizeof(*agg_ids));
    long *counts = malloc(b->n_groups * sizeof(*counts));
    px_rc rc = PX_OK;
    char **owned = realloc(b->owned, 8 * cap * sizeof(*b->owned));
    if (owned)
        b->owned = owned;
    int oom = !scratch || !agg_ids || !counts || !owned;
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        oom |= !(*cols[i] = calloc(cap, sizeof(char *)));
    if (oom) {
        rc = px_err_oom(err);
        goto done;
    }
    for (size_t g = 0; g < b->n_groups && rc == PX_OK; g++) {
        if (px_uuid_v4(b->out->done[g].aggregation_id) != PX_OK) {
            rc = px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
            break;
        }
        b->out->done[g].children = (long)b->groups[g].n;
        agg_ids[g] = b->out->done[g].aggregation_id;
        counts[g] = (long)b->groups[g].n;
        rc = group_events(b, &e, g, ap, scratch, err);
    }
    if (rc != PX_OK)
        goto done;
    const px_actor *by = b->by;
    px_agg_record_set rs = {by->org_id, tenant_of(b, 0), action_names[b->action], b->now,
                            agg_ids,    b->parents,      b->pgtins,
                            b->pserials, counts,         b->n_groups,
                            e.c};
    if ((rc = px_store_agg_record(px_tx_db(tx), &rs, err)) != PX_OK)
        goto done;
    b->out->children = ap->moved;
    char action[24];
    snprintf(action, sizeof(action), "aggregation.%s", action_names[b->action]);
    px_audit_details *d = px_tx_audit(tx, tenant_of(b, 0), action, agg_ids[0]);
    if (d) {
        if (b->pgtins[0][0]) {
            px_audit_str(d, "parent_gtin", b->pgtins[0]);
            px_audit_str(d, "parent_serial", b->pserials[0]);
        } else {
            px_audit_str(d, "parent", b->par[0].sscc);
        }
        if (b->n_groups > 1)
            px_audit_int(d, "parents", (long long)b->n_groups);
        px_audit_int(d, "children", ap->moved);
        px_audit_str(d, "event_id", b->out->done[0].event_id);
    }
done:
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        free(*cols[i]);
    free(scratch);
    free(agg_ids);
    free(counts);
    return rc;
}

static px_rc batch_body(px_tx *tx, void *vb, px_err *err)
{
    batch *b = vb;
    px_db *db = px_tx_db(tx);
    b->by = px_tx_actor(tx);
    batch_events_free(b);
    result_reset(b->out);
    px_rc rc = parents_get(b, db, err);
    for (size_t g = 0; rc == PX_OK && g < b->n_groups; g++) {
        char field[64];
        field_of(field, sizeof(field), b, g, "parent");
        rc = b->pgtins[g][0] ? case_check(b->by, &b->cpar[g], b->pgtins[g], b->pserials[g], field,
                                          err)
                             : parent_check(b->by, &b->par[g], b->parents[g], field, err);
        /* One tenant per request: its audit chain and its events' owner. */
        if (rc == PX_OK && strcmp(tenant_of(b, g), tenant_of(b, 0)) != 0)
            rc = px_err_set_field(err, PX_EINVALID, "several_mahs", field,
                                  "the parents belong to several MAHs: one request packs for "
                                  "one MAH");
    }
    if (rc != PX_OK)
        return rc;
    px_agg_set s = {b->parents,
                    b->pgtins,
                    b->pserials,
                    b->n_groups,
                    b->kids,
                    b->group,
                    b->n,
                    tenant_of(b, 0),
                    b->by->org_kind == PX_ORG_CMO ? b->by->org_id : NULL,
                    b->action == PX_AGG_REPACK};
    px_agg_applied ap;
    if ((rc = px_store_agg_apply(db, &s, &ap, err)) != PX_OK)
        goto done;
    if (ap.misfits.n > 0) {
        rc = batch_refuse(b, &ap.misfits, err);
        goto done;
    }
    /* REQ-AGG-6: a child another request moved since the rules read it: the whole body runs
     * again (px_tx_run), and the rules then see that request's result. */
    if ((size_t)ap.moved != b->n) {
        rc = px_err_set(err, PX_ECONFLICT, "conflict",
                        "a child changed while it was being packed: try again");
        goto done;
    }
    if ((rc = child_uris(b, &ap, err)) == PX_OK)
        rc = batch_record(tx, b, &ap, err);
done:
    px_agg_applied_dispose(&ap);
    return rc;
}

void px_agg_batch_result_dispose(px_agg_batch_result *r)
{
    free(r->done);
    px_item_errors_free(r->errors);
    free(r->error_group);
    memset(r, 0, sizeof(*r));
}

/* A parent's key: its SSCC, or its case's GTIN and serial (an SSCC is 18 digits, a GTIN 14:
 * never equal). */
typedef struct parent_ref {
    const char *a, *b;
    size_t g;
} parent_ref;

static int parent_ref_cmp(const void *x, const void *y)
{
    const parent_ref *p = x, *q = y;
    int d = strcmp(p->a, q->a);
    if (!d)
        d = strcmp(p->b, q->b);
    return d ? d : (p->g > q->g) - (p->g < q->g);
}

/* A case parent's syntax: a GTIN-14 and a serial of set 82, as a pack's. */
static px_rc case_syntax(const batch *b, size_t g, const px_agg_group *gr, px_err *err)
{
    char field[64], norm[GS1_GTIN_LEN + 1];
    px_err e;
    px_err_clear(&e);
    field_of(field, sizeof(field), b, g, "parent.gtin");
    if (!gr->parent_gtin || gs1_gtin_normalize(norm, gr->parent_gtin, &e) != PX_OK ||
        strcmp(norm, gr->parent_gtin) != 0) {
        px_rc rc = px_err_set_field(err, PX_EINVALID, e.code[0] ? e.code : "invalid_value", field,
                                    "the parent case's GTIN is not a valid GTIN-14");
        px_err_span(err, e.pos, e.len);
        return rc;
    }
    field_of(field, sizeof(field), b, g, "parent.serial");
    if (!gr->parent_serial || gs1_cset82_validate(gr->parent_serial, GS1_SERIAL_MAX, &e) != PX_OK) {
        px_rc rc = px_err_set_field(err, PX_EINVALID, e.code[0] ? e.code : "invalid_value", field,
                                    "the parent case's serial is not a valid serial");
        px_err_span(err, e.pos, e.len);
        return rc;
    }
    return PX_OK;
}

/* The checks that need no SQL: counts, each parent's syntax, a parent listed twice, each
 * child's syntax (every bad child listed). */
static px_rc batch_check(batch *b, px_err *err)
{
    char field[64];
    size_t total = 0;
    for (size_t g = 0; g < b->n_groups; g++) {
        const px_agg_group *gr = &b->groups[g];
        px_err e;
        px_err_clear(&e);
        if (gr->parent_gtin || gr->parent_serial) {
            px_rc rc = case_syntax(b, g, gr, err);
            if (rc != PX_OK)
                return rc;
        } else if (field_of(field, sizeof(field), b, g, "parent.sscc"),
                   !gr->parent_sscc || gs1_sscc_validate(gr->parent_sscc, &e) != PX_OK) {
            px_rc rc = px_err_set_field(err, PX_EINVALID, e.code[0] ? e.code : "invalid_value",
                                        field, "the parent is not a valid SSCC");
            px_err_span(err, e.pos, e.len);
            return rc;
        }
        field_of(field, sizeof(field), b, g, "children");
        if (gr->n == 0)
            return px_err_set_field(err, PX_EINVALID, "invalid_value", field,
                                    "packing needs at least one child");
        total += gr->n;
    }
    if (total > PX_AGG_CHILDREN_MAX)
        return px_err_set_field(err, PX_ETOOBIG, "too_many_children", "children",
                                "at most %d children per request", PX_AGG_CHILDREN_MAX);
    parent_ref *r = malloc(b->n_groups * sizeof(*r));
    if (!r)
        return px_err_oom(err);
    for (size_t g = 0; g < b->n_groups; g++)
        r[g] = b->groups[g].parent_gtin
                   ? (parent_ref){b->groups[g].parent_gtin, b->groups[g].parent_serial, g}
                   : (parent_ref){b->groups[g].parent_sscc, "", g};
    qsort(r, b->n_groups, sizeof(*r), parent_ref_cmp);
    size_t dup = 0;
    for (size_t i = 1; i < b->n_groups && !dup; i++)
        if (strcmp(r[i].a, r[i - 1].a) == 0 && strcmp(r[i].b, r[i - 1].b) == 0)
            dup = r[i].g + 1;
    free(r);
    if (dup) {
        field_of(field, sizeof(field), b, dup - 1, "parent");
        return px_err_set_field(err, PX_EINVALID, "duplicate_parent", field,
                                "a parent is listed once per request: give all its children "
                                "in one entry");
    }
    px_agg_batch_result *out = b->out;
    out->errors = calloc(total ? total : 1, sizeof(*out->errors));
    out->error_group = calloc(total ? total : 1, sizeof(*out->error_group));
    if (!out->errors || !out->error_group)
        return px_err_oom(err);
    for (size_t g = 0; g < b->n_groups; g++)
        children_syntax(out->errors, out->error_group, &out->n_errors, g, b->groups[g].children,
                        b->groups[g].n);
    if (out->n_errors)
        return px_err_set(err, PX_EINVALID, "validation_error", "%zu of %zu children are invalid",
                          out->n_errors, total);
    b->n = total;
    return PX_OK;
}

static void batch_dispose(batch *b)
{
    batch_events_free(b);
    free(b->owned);
    free(b->parents);
    free(b->pgtins);
    free(b->pserials);
    free(b->cpar);
    free(b->kids);
    free(b->group);
    free(b->first);
    free(b->par);
    free(b->uri);
}

static px_rc aggregate_groups(px_db *db, const px_actor *by, batch *b, px_err *err)
{
    px_rc rc = batch_check(b, err);
    if (rc != PX_OK)
        return rc;
    size_t n = b->n ? b->n : 1, ng = b->n_groups;
    b->parents = malloc(ng * sizeof(*b->parents));
    b->pgtins = malloc(ng * sizeof(*b->pgtins));
    b->pserials = malloc(ng * sizeof(*b->pserials));
    b->cpar = calloc(ng, sizeof(*b->cpar));
    b->first = malloc(ng * sizeof(*b->first));
    b->par = calloc(ng, sizeof(*b->par));
    b->kids = malloc(n * sizeof(*b->kids));
    b->group = malloc(n * sizeof(*b->group));
    b->uri = malloc(n * sizeof(*b->uri));
    b->out->done = calloc(ng, sizeof(*b->out->done));
    if (!b->parents || !b->pgtins || !b->pserials || !b->cpar || !b->first || !b->par ||
        !b->kids || !b->group || !b->uri || !b->out->done)
        return px_err_oom(err);
    b->out->n_done = ng;
    size_t at = 0;
    for (size_t g = 0; g < ng; g++) {
        const px_agg_group *gr = &b->groups[g];
        b->parents[g] = gr->parent_gtin ? "" : gr->parent_sscc;
        b->pgtins[g] = gr->parent_gtin ? gr->parent_gtin : "";
        b->pserials[g] = gr->parent_gtin ? gr->parent_serial : "";
        b->first[g] = at;
        for (size_t i = 0; i < b->groups[g].n; i++, at++) {
            b->kids[at] = b->groups[g].children[i];
            b->group[at] = g;
        }
    }
    b->now = px_now_us();
    return px_tx_run(db, by, batch_body, b, err);
}

px_rc px_svc_aggregate_batch(px_db *db, const px_actor *by, px_agg_action action,
                             const px_agg_group *groups, size_t n_groups,
                             px_agg_batch_result *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (action == PX_AGG_UNPACK)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "action",
                                "several parents are packed or repacked; unpack one at a time");
    if (n_groups == 0 || n_groups > PX_AGG_PARENTS_MAX)
        return px_err_set_field(err, n_groups ? PX_ETOOBIG : PX_EINVALID,
                                n_groups ? "too_many_parents" : "invalid_value", "aggregations",
                                "from 1 to %d parents per request", PX_AGG_PARENTS_MAX);
    /* REQ-AGG-10: many parents, one transaction, every rule over every child at once. */
    batch b;
    memset(&b, 0, sizeof(b));
    b.action = action;
    b.groups = groups;
    b.n_groups = n_groups;
    b.out = out;
    px_rc rc = aggregate_groups(db, by, &b, err);
    batch_dispose(&b);
    return rc;
}

px_rc px_svc_aggregate(px_db *db, const px_actor *by, const px_agg_request *req,
                       px_agg_result *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (req->n > PX_AGG_CHILDREN_MAX)
        return px_err_set_field(err, PX_ETOOBIG, "too_many_children", "children",
                                "at most %d children per request", PX_AGG_CHILDREN_MAX);
    px_rc rc;
    if (req->action != PX_AGG_UNPACK) {
        /* Packing one parent is packing a set of one (the set-based path). */
        px_agg_group g = {req->parent_sscc, req->parent_gtin, req->parent_serial, req->children,
                          req->n};
        px_agg_batch_result res;
        memset(&res, 0, sizeof(res));
        batch b;
        memset(&b, 0, sizeof(b));
        b.action = req->action;
        b.groups = &g;
        b.n_groups = 1;
        b.single = 1;
        b.out = &res;
        rc = aggregate_groups(db, by, &b, err);
        batch_dispose(&b);
        if (res.n_done == 1 && rc == PX_OK) {
            px_strlcpy(out->aggregation_id, res.done[0].aggregation_id,
                       sizeof(out->aggregation_id));
            px_strlcpy(out->event_id, res.done[0].event_id, sizeof(out->event_id));
            out->children = res.children;
        }
        out->errors = res.errors; /* group 0: the indexes are the request's */
        out->n_errors = res.n_errors;
        res.errors = NULL;
        px_agg_batch_result_dispose(&res);
        return rc;
    }
    px_err e;
    px_err_clear(&e);
    if (req->parent_gtin) {
        /* REQ-AGG-13: a case that carries its own GTIN is unpacked like a container. */
        px_agg_group g = {NULL, req->parent_gtin, req->parent_serial, req->children, req->n};
        batch b;
        memset(&b, 0, sizeof(b));
        b.single = 1;
        b.groups = &g;
        b.n_groups = 1;
        if ((rc = case_syntax(&b, 0, &g, err)) != PX_OK)
            return rc;
    } else if (!req->parent_sscc || gs1_sscc_validate(req->parent_sscc, &e) != PX_OK) {
        rc = px_err_set_field(err, PX_EINVALID, e.code[0] ? e.code : "invalid_value",
                              "parent.sscc", "the parent is not a valid SSCC");
        px_err_span(err, e.pos, e.len);
        return rc;
    }
    if (req->n > 0 && !(out->errors = calloc(req->n, sizeof(*out->errors))))
        return px_err_oom(err);
    children_syntax(out->errors, NULL, &out->n_errors, 0, req->children, req->n);
    if (out->n_errors)
        return px_err_set(err, PX_EINVALID, "validation_error", "%zu of %zu children are invalid",
                          out->n_errors, req->n);
    agg_ctx c;
    memset(&c, 0, sizeof(c));
    c.req = req;
    c.out = out;
    c.now = px_now_us();
    rc = px_tx_run(db, by, unpack_body, &c, err);
    child_list_dispose(&c.kids);
    return rc;
}
