/* The events of a set-based packing (aggregation_internal.h): one AggregationEvent per parent
 * (EPCIS: an AggregationEvent has one parentID), the DELETE events of a repacking's children
 * leaving their old parents, the SSCCs' own commissioning, written with the aggregations in one
 * multi-row insert. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregation_internal.h"
#include "epcis.h"
#include "events.h"
#include "gs1.h"
#include "packing.h"
#include "px_array.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_str.h"
#include "tx.h"

static const char *own(batch *b, char *s)
{
    if (s)
        b->owned[b->n_owned++] = s;
    return s;
}

void px__agg_batch_events_free(batch *b)
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
                       const char *parent_sscc, const char *parent_gtin, const char *parent_serial,
                       const char *sgln, char *event_id, px_err *err)
{
    if (e->c.n == e->cap)
        return px_err_set(err, PX_EINTERNAL, "internal", "more events than room for them");
    px__event_at(ev, b->origin, b->now, sgln);
    char hash[PX_EPCIS_EVENT_ID_MAX], id[PX_ID_LEN + 1];
    px_rc rc = px_epcis_event_hash(hash, ev, err);
    if (rc != PX_OK)
        return rc;
    if (px_uuid_v4(id) != PX_OK)
        return px_err_no_random(err);
    if (event_id)
        px_strlcpy(event_id, id, PX_ID_LEN + 1);
    size_t i = e->c.n;
    e->c.id[i] = own(b, strdup(id));
    e->c.aggregation_id[i] = agg_id;
    e->c.type[i] = px_epcis_event_type_names[ev->type];
    e->c.action[i] = px_epcis_action_name(ev->action);
    e->c.biz_step[i] = px_cbv_bizstep_name(ev->biz_step);
    e->c.disposition[i] = ev->disposition == PX_DISP_NONE ? "" : px_cbv_disp_name(ev->disposition);
    e->c.parent_id[i] = ev->parent_id ? own(b, strdup(ev->parent_id)) : "";
    e->c.parent_sscc[i] = parent_sscc;
    e->c.parent_gtin[i] = parent_gtin;
    e->c.parent_serial[i] = parent_serial;
    e->c.epcs[i] = own(b, joined(ev->epcs, ev->n_epcs));
    e->c.read_point[i] = own(b, strdup(ev->read_point ? ev->read_point : ""));
    e->c.biz_location[i] = own(b, strdup(ev->biz_location ? ev->biz_location : ""));
    e->c.event_hash[i] = own(b, strdup(hash));
    if (!e->c.id[i] || !e->c.epcs[i] || !e->c.read_point[i] || !e->c.biz_location[i] ||
        !e->c.event_hash[i] || !e->c.parent_id[i])
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
                            const char *agg_id, const char *sgln, const char **scratch, px_err *err)
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
            px__agg_event_init(&ev, PX_EPCIS_DELETE, old, scratch, m);
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
 * commissioning active, the SSCC alone, no ILMD: GS1 US DSCSA practice); for a repack one
 * DELETE unpacking per container the children leave; then the group's AggregationEvent ADD
 * packing in_progress with its direct children in request order (REQ-AGG-4: one
 * AggregationEvent per parent and nesting level; docs/aggregation.md "Events"). */
static px_rc group_events(batch *b, event_cols *e, size_t g, const px_agg_applied *ap,
                          const char **scratch, px_err *err)
{
    const px_container *p = &b->par[g];
    const char *agg_id = b->out->done[g].aggregation_id;
    char uri[GS1_EPC_URI_MAX], sgln[64], prefix[13];
    int is_case = b->pgtins[g][0] != '\0';
    /* EPCIS parentID: the pure-identity URI of the container's SSCC or of the case's SGTIN. */
    px_rc rc = is_case ? gs1_epc_sgtin_format(uri, sizeof(uri), b->pgtins[g], b->cpar[g].gcp_len,
                                              b->pserials[g], err)
                       : gs1_epc_sscc_format(uri, sizeof(uri), p->sscc,
                                             (int)strlen(p->company_prefix), err);
    if (rc != PX_OK)
        return rc;
    if (is_case)
        snprintf(prefix, sizeof(prefix), "%.*s", b->cpar[g].gcp_len, b->pgtins[g] + 1);
    px__agg_container_sgln(sgln, b->by, is_case ? prefix : p->company_prefix);
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
    px__agg_event_init(&ev, PX_EPCIS_ADD, uri, scratch, n);
    return event_add(b, e, &ev, agg_id, b->parents[g], b->pgtins[g], b->pserials[g], sgln,
                     b->out->done[g].event_id, err);
}

/* The children's EPC URIs (SGTIN or SSCC pure identity) with the prefix lengths the store
 * read. */
px_rc px__agg_child_uris(batch *b, const px_agg_applied *ap, px_err *err)
{
    for (size_t i = 0; i < b->n; i++) {
        const px_agg_child *c = &b->kids[i];
        px_rc rc = px__child_epc(b->uri[i], c->sscc, c->gtin, c->serial, ap->gcp_len[i], err);
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

/* The events and aggregations of an applied request, written in one statement, and its audit
 * entry. */
px_rc px__agg_batch_record(px_tx *tx, batch *b, const px_agg_applied *ap, px_err *err)
{
    size_t cap = 2 * b->n_groups + b->n;
    event_cols e = {0};
    e.cap = cap;
    const char ***cols[] = {
        &e.c.id,           &e.c.aggregation_id, &e.c.type,      &e.c.action,
        &e.c.biz_step,     &e.c.disposition,    &e.c.parent_id, &e.c.parent_sscc,
        &e.c.parent_gtin,  &e.c.parent_serial,  &e.c.epcs,      &e.c.read_point,
        &e.c.biz_location, &e.c.event_hash};
    const char **scratch = malloc((b->n ? b->n : 1) * sizeof(*scratch));
    const char **agg_ids = malloc(b->n_groups * sizeof(*agg_ids));
    long *counts = malloc(b->n_groups * sizeof(*counts));
    px_rc rc = PX_OK;
    /* An event owns at most eight strings: its six columns' (event_add) and a repacked case's
     * two (repack_deletes). */
    char **owned = realloc(b->owned, 8 * cap * sizeof(*b->owned));
    if (owned)
        b->owned = owned;
    int oom = !scratch || !agg_ids || !counts || !owned;
    for (size_t i = 0; i < PX_COUNT(cols); i++)
        oom |= !(*cols[i] = calloc(cap, sizeof(char *)));
    if (oom) {
        rc = px_err_oom(err);
        goto done;
    }
    for (size_t g = 0; g < b->n_groups && rc == PX_OK; g++) {
        if (px_uuid_v4(b->out->done[g].aggregation_id) != PX_OK) {
            rc = px_err_no_random(err);
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
    px_agg_record_set rs = {by->org_id,
                            px__agg_tenant_of(b, 0),
                            px__agg_action_names[b->action],
                            b->now,
                            b->origin ? b->origin->event_time_us : b->now,
                            b->origin ? b->origin->tz_offset_min : 0,
                            agg_ids,
                            b->parents,
                            b->pgtins,
                            b->pserials,
                            counts,
                            b->n_groups,
                            e.c};
    if ((rc = px_store_agg_record(px_tx_db(tx), &rs, err)) != PX_OK)
        goto done;
    b->out->children = ap->moved;
    char action[24];
    snprintf(action, sizeof(action), "aggregation.%s", px__agg_action_names[b->action]);
    px_audit_details *d = px_tx_audit(tx, px__agg_tenant_of(b, 0), action, agg_ids[0]);
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
done:
    for (size_t i = 0; i < PX_COUNT(cols); i++)
        free(*cols[i]);
    free(scratch);
    free(agg_ids);
    free(counts);
    return rc;
}
