/* Packing and repacking many parents at once, set-based (packing.h, docs/aggregation.md
 * "Packing, unpacking, repacking"): the parents locked in one statement, every rule and change
 * of every child in one more, the aggregations and their events in one multi-row insert. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregation_internal.h"
#include "epcis.h"
#include "events.h"
#include "gs1.h"
#include "pack_internal.h"
#include "packing.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_str.h"
#include "service_internal.h"
#include "tx.h"

/* ---- packing and repacking many parents at once ------------------------------------------ */

static void field_of(char *out, size_t len, const batch *b, size_t g, const char *tail)
{
    if (b->single)
        snprintf(out, len, "%s", tail);
    else
        snprintf(out, len, "aggregations[%zu].%s", g, tail);
}

const char *px__agg_tenant_of(const batch *b, size_t g)
{
    return b->pgtins[g][0] ? b->cpar[g].tenant_id : b->par[g].tenant_id;
}

/* REQ-AGG-11: a case that carries its own GTIN as a parent (docs/aggregation.md "Cases that
 * carry their own GTIN"): a pack the caller sees (its MAH's; a CMO's own serial, px__cmo_sees,
 * on a product it is actively partnered on), commissioned, and not itself inside a case
 * (cases are one level deep). */
px_rc px__agg_case_check(px_db *db, const px_actor *by, const px_case_parent *c, const char *gtin,
                         const char *serial, const char *field, px_err *err)
{
    /* A CMO's own case of a product it is no longer actively partnered on: told why, as its
     * read of the case is (403 partnership_suspended while suspended; not granted, 404). */
    if (c->found && by->org_kind == PX_ORG_CMO && !c->partnered &&
        px__cmo_sees(by, c->allocated_to, c->commissioned_by, c->released)) {
        char what[64];
        snprintf(what, sizeof(what), "case %s/%s", gtin, serial);
        px_rc rc = px__cmo_reads_through_partnership(db, by, gtin, what, err);
        if (rc != PX_OK) {
            px_err_field(err, "%s", field);
            return rc;
        }
    }
    int visible =
        !c->found                    ? 0
        : by->org_kind == PX_ORG_MAH ? strcmp(c->tenant_id, by->org_id) == 0
        : by->org_kind == PX_ORG_CMO
            ? px__cmo_sees(by, c->allocated_to, c->commissioned_by, c->released) && c->partnered
            : 0;
    if (!visible)
        return px_err_set_field(err, PX_ENOTFOUND, "not_found", field, "case %s/%s not found", gtin,
                                serial);
    if (strcmp(c->state, "commissioned") != 0)
        return px_err_set_field(err, PX_ESTATE, "invalid_state", field, "case %s/%s is %s", gtin,
                                serial, c->state);
    if (c->in_case)
        return px_err_set_field(err, PX_ESTATE, "invalid_state", field,
                                "case %s/%s is inside another case", gtin, serial);
    return PX_OK;
}

/* The parents, locked; the unknown ones registered as external SSCCs first. A parent SSCC
 * the caller does not see (missing, or another's) under a prefix it may not number is marked
 * foreign: it is answered alike whether it exists or not (another tenant's container must not
 * show through a different refusal). */
static px_rc parents_get(batch *b, px_db *db, px_err *err)
{
    size_t found = 0, boxes = 0, cases = 0;
    for (size_t g = 0; g < b->n_groups; g++)
        b->pgtins[g][0] ? cases++ : boxes++;
    /* A container child may close a cycle: its turn first, before any parent is locked and
     * long before its check (px_store_agg_nesting_turn). Packs and cases nest nothing. */
    int nests = 0;
    for (size_t i = 0; i < b->n && !nests; i++)
        nests = b->kids[i].sscc && b->kids[i].sscc[0];
    px_rc rc = nests ? px_store_agg_nesting_turn(db, err) : PX_OK;
    if (rc == PX_OK && cases)
        rc = px_store_agg_cases_lock(db, b->pgtins, b->pserials, b->n_groups, b->cpar, err);
    if (rc == PX_OK && boxes)
        rc = px_store_agg_parents_lock(db, b->parents, b->n_groups, b->par, &found, err);
    memset(b->foreign, 0, b->n_groups * sizeof(*b->foreign));
    if (rc != PX_OK)
        return rc;
    const char **unseen = malloc(b->n_groups * sizeof(*unseen));
    size_t *of = malloc(b->n_groups * sizeof(*of));
    int *usable = malloc(b->n_groups * sizeof(*usable));
    if (!unseen || !of || !usable) {
        free(unseen);
        free(of);
        free(usable);
        return px_err_oom(err);
    }
    size_t m = 0;
    for (size_t g = 0; g < b->n_groups; g++)
        if (!b->pgtins[g][0] && (!b->par[g].sscc[0] || !px__container_visible(b->by, &b->par[g]))) {
            of[m] = g;
            unseen[m++] = b->parents[g];
        }
    long added = 0;
    if (m)
        rc = px_store_sscc_register_external(db, unseen, m, b->kids, b->n, b->by->org_id, usable,
                                             &added, err);
    for (size_t k = 0; rc == PX_OK && k < m; k++)
        b->foreign[of[k]] = !usable[k];
    free(unseen);
    free(of);
    free(usable);
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
        px__agg_misfit_error(&out->errors[i], at - b->first[g], &m->items[i]);
    }
    out->n_errors = m->n;
    return px__agg_refused(err, m->n, b->n, 0);
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

/* A CMO's container child moves with what it holds: the rule of its parents
 * (px__container_cmo_partnered). One it may not use is left to the packing's rules (a child's
 * not_found, nothing leaks). */
static px_rc cmo_container_children_check(batch *b, px_db *db, px_err *err)
{
    px_rc rc = PX_OK;
    for (size_t i = 0; rc == PX_OK && b->by->org_kind == PX_ORG_CMO && i < b->n; i++) {
        if (!b->kids[i].sscc || !b->kids[i].sscc[0])
            continue;
        px_container box;
        rc = px_store_container_get(db, &box, b->kids[i].sscc, 0, err);
        if (rc == PX_ENOTFOUND) {
            rc = PX_OK;
            continue;
        }
        if (rc != PX_OK || !px__container_visible(b->by, &box) ||
            strcmp(box.tenant_id, px__agg_tenant_of(b, 0)) != 0)
            continue;
        char tail[48], field[96];
        size_t g = b->group[i];
        snprintf(tail, sizeof(tail), "children[%zu]", i - b->first[g]);
        field_of(field, sizeof(field), b, g, tail);
        rc = px__container_cmo_partnered(db, b->by, &box, field, 1, err);
    }
    return rc;
}

static px_rc batch_body(px_tx *tx, void *vb, px_err *err)
{
    batch *b = vb;
    px_db *db = px_tx_db(tx);
    b->by = px_tx_actor(tx);
    px__agg_batch_events_free(b);
    result_reset(b->out);
    px_rc rc = parents_get(b, db, err);
    for (size_t g = 0; rc == PX_OK && g < b->n_groups; g++) {
        char field[64];
        field_of(field, sizeof(field), b, g, "parent");
        /* REQ-SSCC-6: an SSCC parent the caller cannot see, of a company prefix that is
         * neither of a product the caller may use nor, for a CMO, its own: say so rather than
         * a bare not_found, the same whether another organization numbered it or nobody. */
        if (b->foreign[g])
            rc = px_err_set_field(err, PX_ENOTFOUND, "unknown_company_prefix", field,
                                  "container %s not found, and its company prefix is not one "
                                  "you may number SSCCs under",
                                  b->parents[g]);
        else
            rc = b->pgtins[g][0]
                     ? px__agg_case_check(db, b->by, &b->cpar[g], b->pgtins[g], b->pserials[g],
                                          field, err)
                     : px__agg_parent_check(b->by, &b->par[g], b->parents[g], field, err);
        if (rc == PX_OK && !b->pgtins[g][0])
            rc = px__container_cmo_partnered(db, b->by, &b->par[g], field, 1, err);
        if (rc == PX_OK)
            rc = px__agg_in_order(db, b->origin, b->pgtins[g][0] ? NULL : b->parents[g],
                                  b->pgtins[g], b->pserials[g], field, err);
        /* One tenant per request: its audit chain and its events' owner. */
        if (rc == PX_OK && strcmp(px__agg_tenant_of(b, g), px__agg_tenant_of(b, 0)) != 0)
            rc = px_err_set_field(err, PX_EINVALID, "several_mahs", field,
                                  "the parents belong to several MAHs: one request packs for "
                                  "one MAH");
    }
    if (rc == PX_OK)
        rc = cmo_container_children_check(b, db, err);
    if (rc != PX_OK)
        return rc;
    px_agg_set s = {b->parents,
                    b->pgtins,
                    b->pserials,
                    b->n_groups,
                    b->kids,
                    b->group,
                    b->n,
                    px__agg_tenant_of(b, 0),
                    px__cmo_scope(b->by),
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
    if ((rc = px__agg_child_uris(b, &ap, err)) == PX_OK)
        rc = px__agg_batch_record(tx, b, &ap, err);
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
    px_err e = PX_ERR_INIT;
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
        field_of(field, sizeof(field), b, g, "parent.sscc");
        px_rc rc = gr->parent_gtin || gr->parent_serial
                       ? case_syntax(b, g, gr, err)
                       : px__agg_parent_sscc_syntax(gr->parent_sscc, field, err);
        if (rc != PX_OK)
            return rc;
        field_of(field, sizeof(field), b, g, "children");
        if (gr->n == 0)
            return px_err_set_field(err, PX_EINVALID, "invalid_value", field,
                                    "packing needs at least one child");
        total += gr->n;
    }
    if (px_svc_agg_children_check(total, err) != PX_OK)
        return err->rc;
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
        px__agg_children_syntax(out->errors, out->error_group, &out->n_errors, g,
                                b->groups[g].children, b->groups[g].n);
    if (out->n_errors)
        return px__items_invalid(err, out->n_errors, total, "children");
    b->n = total;
    return PX_OK;
}

static void batch_dispose(batch *b)
{
    px__agg_batch_events_free(b);
    free(b->owned);
    free(b->parents);
    free(b->pgtins);
    free(b->pserials);
    free(b->cpar);
    free(b->kids);
    free(b->group);
    free(b->first);
    free(b->par);
    free(b->foreign);
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
    b->foreign = calloc(ng, sizeof(*b->foreign));
    b->kids = malloc(n * sizeof(*b->kids));
    b->group = malloc(n * sizeof(*b->group));
    b->uri = malloc(n * sizeof(*b->uri));
    b->out->done = calloc(ng, sizeof(*b->out->done));
    if (!b->parents || !b->pgtins || !b->pserials || !b->cpar || !b->first || !b->par ||
        !b->foreign || !b->kids || !b->group || !b->uri || !b->out->done)
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
                             const px_agg_group *groups, size_t n_groups, px_agg_batch_result *out,
                             px_err *err)
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
    batch b = {
        .action = action,
        .groups = groups,
        .n_groups = n_groups,
        .out = out,
    };
    px_rc rc = aggregate_groups(db, by, &b, err);
    batch_dispose(&b);
    return rc;
}

/* ---- one parent, for px_svc_aggregate ---------------------------------------------------- */

px_rc px__agg_pack_single(px_db *db, const px_actor *by, const px_agg_request *req,
                          px_agg_result *out, px_err *err)
{
    px_rc rc;
    px_agg_group g = {req->parent_sscc, req->parent_gtin, req->parent_serial, req->children,
                      req->n};
    px_agg_batch_result res = {0};
    batch b = {
        .action = req->action,
        .groups = &g,
        .n_groups = 1,
        .single = 1,
        .origin = req->origin,
        .out = &res,
    };
    rc = aggregate_groups(db, by, &b, err);
    batch_dispose(&b);
    if (res.n_done == 1 && rc == PX_OK) {
        px_strlcpy(out->aggregation_id, res.done[0].aggregation_id, sizeof(out->aggregation_id));
        px_strlcpy(out->event_id, res.done[0].event_id, sizeof(out->event_id));
        out->children = res.children;
    }
    out->errors = res.errors; /* group 0: the indexes are the request's */
    out->n_errors = res.n_errors;
    res.errors = NULL;
    px_agg_batch_result_dispose(&res);
    return rc;
}

px_rc px__agg_case_syntax_single(const px_agg_request *req, px_err *err)
{
    px_agg_group g = {NULL, req->parent_gtin, req->parent_serial, req->children, req->n};
    batch b = {
        .single = 1,
        .groups = &g,
        .n_groups = 1,
    };
    return case_syntax(&b, 0, &g, err);
}
