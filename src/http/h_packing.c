/* The packing hierarchy's routes (docs/aggregation.md): POST /v1/sscc-allocations,
 * GET /v1/sscc-allocations/{id}/ssccs, POST /v1/aggregations, GET /v1/containers/{sscc}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "packing.h"
#include "paging.h"
#include "px_str.h"

void h_sscc_allocation_create(px_req *r)
{
    static const char *const allowed[] = {
        "count", "extension_digit", "company_prefix", "strategy", "mah_id", "gtin", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    px_sscc_alloc_request req = {0};
    /* REQ-SSCC-3: up to 100,000 SSCCs per request. */
    req.count = (long)px_json_int(r, r->json, "count", 1, PX_SSCC_ALLOC_MAX, 0, 1);
    req.extension_digit = (int)px_json_int(r, r->json, "extension_digit", 0, 9, 0, 0);
    req.company_prefix = px_json_str(r, r->json, "company_prefix", GS1_GCP_LEN_MAX, 0);
    req.strategy = px_json_str(r, r->json, "strategy", 16, 0);
    req.mah_id = px_json_str(r, r->json, "mah_id", PX_UUID_LEN, 0);
    req.gtin = px_json_str(r, r->json, "gtin", GS1_GTIN_LEN, 0);
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_sscc_alloc_result res;
    if (px_reply_failed(r, px_svc_sscc_allocate(db, &r->actor, &req, &res, &r->err)))
        return;
    /* docs/api.md "Packing hierarchy": the job shape of an allocation; the SSCCs are generated in
     * the request, so the job is already completed. */
    px_reply_json(r, 202,
                  json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:s, s:s}", "job_id", res.job.id,
                            "allocation_id", res.allocation.id, "total", (json_int_t)res.job.total,
                            "status", res.job.status, "company_prefix",
                            res.allocation.company_prefix, "extension_digit",
                            res.allocation.extension_digit, "strategy", res.allocation.strategy,
                            "mah_id", res.allocation.tenant_id));
}

static int add_sscc(void *ctx, const px_sscc_item *it)
{
    return px_list_add(ctx, it->sscc, json_pack("{s:s, s:s}", "sscc", it->sscc, "state",
                                                it->state));
}

void h_sscc_allocation_ssccs(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 1);
    if (!db)
        return;
    /* A cursor of this list is an SSCC: 18 digits. */
    size_t n = strlen(l.after);
    if (n != 0 && (n != GS1_SSCC_LEN || !px_digits(l.after, n))) {
        json_decref(l.items);
        px_reply_bad_cursor(r);
        return;
    }
    px_list_end(&l, px_svc_sscc_list(db, &r->actor, px_req_param(r, 0), l.after, l.first + 1,
                                     add_sscc, &l, &r->err));
}

/* ---- aggregations ---------------------------------------------------------------------- */

/* details of refused children: index (within its parent's children), and for the form with
 * several parents parent_index (groups non-NULL). */
static json_t *child_errors_json(const px_item_error *e, const size_t *groups, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        char field[64];
        if (groups)
            snprintf(field, sizeof(field), "aggregations[%zu].children[%zu]", groups[i],
                     e[i].index);
        else
            snprintf(field, sizeof(field), "children[%zu]", e[i].index);
        json_t *d = json_pack("{s:I, s:s, s:s, s:s}", "index", (json_int_t)e[i].index, "field",
                              field, "code", e[i].code, "message", e[i].message);
        if (d && groups)
            json_object_set_new(d, "parent_index", json_integer((json_int_t)groups[i]));
        if (d && e[i].pos >= 0 && e[i].len > 0) {
            json_object_set_new(d, "position", json_integer(e[i].pos));
            json_object_set_new(d, "length", json_integer(e[i].len));
        }
        json_array_append_new(a, d);
    }
    return a;
}

static const char *member(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A child is {"gtin", "serial"} or {"sscc"}; anything else is left to the use case's
 * per-child syntax check (a child with neither is invalid_value there). */
static void children_read(px_agg_child *c, json_t *kids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(kids, i);
        c[i].gtin = member(o, "gtin");
        c[i].serial = member(o, "serial");
        c[i].sscc = member(o, "sscc");
        if (json_is_object(o) && json_object_size(o) !=
                                     (size_t)(!!c[i].gtin + !!c[i].serial + !!c[i].sscc))
            c[i].gtin = c[i].serial = c[i].sscc = NULL; /* an unknown or non-string member */
    }
}

static const char *const parent_allowed[] = {"sscc", "gtin", "serial", NULL};

/* A parent is {"sscc"} (a container) or {"gtin", "serial"} (a case that carries its own GTIN):
 * 0 with the members set, or an answered 422. */
static int parent_read(px_req *r, json_t *parent, const char *name, const char **sscc,
                       const char **gtin, const char **serial)
{
    *sscc = px_json_member_str(r, parent, name, "sscc", GS1_SSCC_LEN);
    *gtin = px_json_member_str(r, parent, name, "gtin", GS1_GTIN_LEN);
    *serial = px_json_member_str(r, parent, name, "serial", GS1_SERIAL_MAX);
    if (px_req_answered(r))
        return -1;
    if (*sscc ? (*gtin || *serial) : (!*gtin || !*serial)) {
        px_reply_field(r, name, "required",
                       "a parent is {\"sscc\"} (a container) or {\"gtin\", \"serial\"} (a case "
                       "that carries its own GTIN)");
        return -1;
    }
    return 0;
}

/* The parent as an answer names it. */
static json_t *parent_json(const char *sscc, const char *gtin, const char *serial)
{
    return sscc ? json_pack("{s:s}", "sscc", sscc)
                : json_pack("{s:s, s:s}", "gtin", gtin, "serial", serial);
}

/* One entry of "aggregations": {"parent", "children"}; its children are read into kids_out.
 * 0, or an answered 422. */
static int group_read(px_req *r, json_t *o, size_t g, px_agg_group *grp, px_agg_child *kids_out)
{
    static const char *const entry_allowed[] = {"parent", "children", NULL};
    char name[64];
    snprintf(name, sizeof(name), "aggregations[%zu]", g);
    if (!json_is_object(o)) {
        px_reply_field(r, name, "invalid_type", "each entry is {\"parent\", \"children\"}");
        return -1;
    }
    if (px_json_only(r, o, entry_allowed) != 0)
        return -1;
    json_t *parent = px_json_object(r, o, "parent", parent_allowed);
    if (px_req_answered(r))
        return -1;
    snprintf(name, sizeof(name), "aggregations[%zu].parent", g);
    if (parent_read(r, parent, name, &grp->parent_sscc, &grp->parent_gtin, &grp->parent_serial) !=
        0)
        return -1;
    json_t *kids = json_object_get(o, "children");
    if (!json_is_array(kids)) {
        snprintf(name, sizeof(name), "aggregations[%zu].children", g);
        px_reply_field(r, name, "invalid_type", "children must be an array");
        return -1;
    }
    grp->children = kids_out;
    grp->n = json_array_size(kids);
    children_read(kids_out, kids, grp->n);
    return 0;
}

/* The answer to a batch: each parent done, or the refused children with their parent_index. */
static void batch_reply(px_req *r, const px_agg_group *groups, const px_agg_batch_result *res,
                        px_rc rc, const px_err *err)
{
    if (rc != PX_OK) {
        px_reply_error_items(
            r, err,
            res->n_errors ? child_errors_json(res->errors, res->error_group, res->n_errors) : NULL);
        return;
    }
    json_t *items = json_array();
    for (size_t g = 0; items && g < res->n_done; g++)
        json_array_append_new(
            items, json_pack("{s:o, s:s, s:s, s:I}", "parent",
                             parent_json(groups[g].parent_sscc, groups[g].parent_gtin,
                                         groups[g].parent_serial),
                             "aggregation_id", res->done[g].aggregation_id, "event_id",
                             res->done[g].event_id, "children", (json_int_t)res->done[g].children));
    px_reply_json(
        r, 201,
        json_pack("{s:o, s:I}", "aggregations", items, "children", (json_int_t)res->children));
}

/* {"aggregations": [{"parent": {"sscc"}, "children": [...]}, ...]}: many parents in one
 * request (REQ-AGG-10). */
static void aggregation_batch(px_req *r, px_agg_action action, json_t *list)
{
    size_t ng = json_array_size(list), total = 0;
    if (ng == 0 || ng > PX_AGG_PARENTS_MAX) {
        px_reply_fieldf(r, "aggregations", ng ? "too_many_parents" : "invalid_value",
                        "aggregations lists 1 to %d parents", PX_AGG_PARENTS_MAX);
        return;
    }
    for (size_t g = 0; g < ng; g++) {
        json_t *kids = json_object_get(json_array_get(list, g), "children");
        total += json_is_array(kids) ? json_array_size(kids) : 0;
    }
    px_err err = PX_ERR_INIT;
    if (px_svc_agg_children_check(total, &err) != PX_OK) {
        px_reply_error(r, &err); /* before the children are read: a bounded allocation */
        return;
    }
    px_agg_group *groups = calloc(ng, sizeof(*groups));
    px_agg_child *c = calloc(total ? total : 1, sizeof(*c));
    if (!groups || !c)
        px_reply_oom(r);
    size_t at = 0;
    for (size_t g = 0; g < ng && !px_req_answered(r); g++) {
        group_read(r, json_array_get(list, g), g, &groups[g], c + at);
        at += groups[g].n;
    }
    px_db *db = px_req_begin(r);
    if (db) {
        px_agg_batch_result res;
        px_rc rc = px_svc_aggregate_batch(db, &r->actor, action, groups, ng, &res, &err);
        batch_reply(r, groups, &res, rc, &err);
        px_agg_batch_result_dispose(&res);
    }
    free(groups);
    free(c);
}

/* "action": pack, unpack or repack. 0, or an answered 422. */
static int action_read(px_req *r, px_agg_action *out)
{
    const char *action = px_json_str(r, r->json, "action", 16, 1);
    if (px_req_answered(r))
        return -1;
    return px_reply_failed(r, px_agg_action_parse(out, action, &r->err)) ? -1 : 0;
}

/* The form with one parent: {"action", "parent", "children"}. */
static void aggregation_one(px_req *r, px_agg_request *req)
{
    json_t *parent = px_json_object(r, r->json, "parent", parent_allowed);
    if (px_req_answered(r))
        return;
    if (!parent) {
        px_reply_field(r, "parent.sscc", "required",
                       "parent.sscc is required (a container's SSCC), or parent.gtin and "
                       "parent.serial (a case that carries its own GTIN)");
        return;
    }
    if (parent_read(r, parent, "parent", &req->parent_sscc, &req->parent_gtin,
                    &req->parent_serial) != 0)
        return;
    json_t *kids = json_object_get(r->json, "children");
    if (kids && !json_is_null(kids) && !json_is_array(kids)) {
        px_reply_field(r, "children", "invalid_type", "children must be an array");
        return;
    }
    size_t n = json_is_array(kids) ? json_array_size(kids) : 0;
    px_err err = PX_ERR_INIT;
    if (px_svc_agg_children_check(n, &err) != PX_OK) {
        px_reply_error(r, &err); /* before the children are read: a bounded allocation */
        return;
    }
    px_agg_child *c = calloc(n ? n : 1, sizeof(*c));
    if (!c) {
        px_reply_oom(r);
        return;
    }
    children_read(c, kids, n);
    req->children = c;
    req->n = n;
    px_db *db = px_req_begin(r);
    if (!db) {
        free(c);
        return;
    }
    px_agg_result res;
    px_rc rc = px_svc_aggregate(db, &r->actor, req, &res, &err);
    free(c);
    if (rc != PX_OK) {
        px_reply_error_items(
            r, &err, res.n_errors ? child_errors_json(res.errors, NULL, res.n_errors) : NULL);
        px_item_errors_free(res.errors);
        return;
    }
    px_reply_json(r, 201,
                  json_pack("{s:s, s:s, s:I}", "aggregation_id", res.aggregation_id, "event_id",
                            res.event_id, "children", (json_int_t)res.children));
}

void h_aggregation_create(px_req *r)
{
    static const char *const allowed[] = {"action", "parent", "children", "aggregations", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    px_agg_request req = {0};
    if (action_read(r, &req.action) != 0)
        return;
    json_t *list = json_object_get(r->json, "aggregations");
    if (!list) {
        aggregation_one(r, &req);
        return;
    }
    if (!json_is_array(list))
        px_reply_field(r, "aggregations", "invalid_type", "aggregations must be an array");
    else if (json_object_get(r->json, "parent") || json_object_get(r->json, "children"))
        px_reply_field(r, "aggregations", "invalid_value",
                       "give aggregations, or parent and children, not both");
    else if (req.action == PX_AGG_UNPACK)
        px_reply_field(r, "action", "invalid_value",
                       "aggregations packs or repacks; unpack one parent at a time");
    else
        aggregation_batch(r, req.action, list);
}

/* ---- containers ------------------------------------------------------------------------ */

typedef struct tree_ctx {
    json_t *arrays;   /* sscc -> its children array (borrowed from the tree) */
    json_t *levels;   /* depth (text) -> {"depth", "packs", "containers"} */
    json_t *by_batch; /* [{"gtin", "batch", "packs"}] */
    json_int_t packs, containers;
    int oom;
} tree_ctx;

static int add_node(void *vc, const px_tree_row *row)
{
    tree_ctx *c = vc;
    json_t *into = json_object_get(c->arrays, row->parent);
    if (!into)
        return 0; /* below a level not listed */
    json_t *n;
    if (row->sscc[0]) {
        n = json_pack("{s:s, s:s}", "sscc", row->sscc, "state", row->state);
        json_t *kids = json_array();
        if (n && kids) {
            json_object_set_new(n, "children", kids);
            json_object_set(c->arrays, row->sscc, kids);
        } else
            json_decref(kids);
    } else {
        n = json_pack("{s:s, s:s, s:s}", "gtin", row->gtin, "serial", row->serial, "state",
                      row->state);
        if (n && row->batch[0])
            json_object_set_new(n, "batch", json_string(row->batch));
    }
    if (!n || json_array_append_new(into, n) != 0)
        c->oom = 1;
    return c->oom;
}

static int add_count(void *vc, const px_tree_count *k)
{
    tree_ctx *c = vc;
    char key[16];
    snprintf(key, sizeof(key), "%d", k->depth);
    json_t *lv = json_object_get(c->levels, key);
    if (!lv) {
        lv = json_pack("{s:i, s:I, s:I}", "depth", k->depth, "packs", (json_int_t)0,
                       "containers", (json_int_t)0);
        if (!lv || json_object_set_new(c->levels, key, lv) != 0)
            return c->oom = 1;
    }
    const char *what = k->gtin[0] ? "packs" : "containers";
    json_object_set_new(lv, what,
                        json_integer(json_integer_value(json_object_get(lv, what)) + k->n));
    if (k->gtin[0]) {
        c->packs += k->n;
        json_t *b = json_pack("{s:i, s:s, s:o, s:I}", "depth", k->depth, "gtin", k->gtin, "batch",
                              px_json_str_or_null(k->batch), "packs", (json_int_t)k->n);
        if (!b || json_array_append_new(c->by_batch, b) != 0)
            return c->oom = 1;
    } else
        c->containers += k->n;
    return 0;
}

void h_container_get(px_req *r)
{
    px_db *db = px_req_db(r);
    if (!db)
        return;
    const char *depth = px_req_query(r, "depth");
    if (depth && strcmp(depth, "all") != 0 && strcmp(depth, "1") != 0) {
        px_reply_bad_param(r, "depth", "depth is 1 or all");
        return;
    }
    const char *sscc = px_req_param(r, 0);
    json_t *top = json_array();
    tree_ctx c = {json_object(), json_object(), json_array(), 0, 0, 0};
    px_err err = PX_ERR_INIT;
    px_container box;
    px_rc rc = PX_EINTERNAL;
    if (!top || !c.arrays || !c.levels || !c.by_batch)
        rc = px_err_oom(&err);
    else if (json_object_set(c.arrays, sscc, top) != 0)
        rc = px_err_oom(&err);
    else
        rc = px_svc_container_read(db, &r->actor, sscc, depth && strcmp(depth, "all") == 0, &box,
                                   add_node, add_count, &c, &err);
    if (rc == PX_OK && c.oom)
        rc = px_err_oom(&err);
    json_t *levels = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(c.levels, k, v) json_array_append(levels, v);
    json_decref(c.arrays);
    json_decref(c.levels);
    if (rc != PX_OK) {
        json_decref(top);
        json_decref(levels);
        json_decref(c.by_batch);
        px_reply_error(r, &err);
        return;
    }
    /* docs/api.md "Packing hierarchy": {"sscc", "parent", "children", "counts"}; the state, the
     * counts per level and per GTIN and batch extend it. */
    px_reply_json(r, 200,
                  json_pack("{s:s, s:s, s:o, s:o, s:{s:I, s:I, s:o, s:o}}", "sscc", box.sscc,
                            "state", box.state, "parent", px_json_str_or_null(box.parent),
                            "children", top, "counts", "packs", c.packs, "containers", c.containers,
                            "levels", levels, "by_batch", c.by_batch));
}

/* GET /v1/containers/{sscc}/label.png|svg?symbology=gs1-128|datamatrix&module_px= — the
 * logistic label (GS1 General Specifications §2.2.1: the SSCC in AI (00), GS1-128 by default,
 * a GS1 DataMatrix on request), rendered by carrier/ (libzint). */
static void container_label(px_req *r, px_carrier_format fmt)
{
    px_carrier_label_opts o;
    px_carrier_label_opts_init(&o);
    o.format = fmt;
    const char *sym = px_req_query(r, "symbology");
    const char *mpx = px_req_query(r, "module_px");
    long m = 0;
    if (sym && strcmp(sym, "datamatrix") == 0)
        o.symbology = PX_LABEL_DATAMATRIX;
    else if (sym && strcmp(sym, "gs1-128") != 0) {
        px_reply_bad_param(r, "symbology", "symbology is gs1-128 or datamatrix");
        return;
    }
    if (mpx && px_parse_long(mpx, 1, 32, &m) != 0) {
        px_reply_bad_param(r, "module_px", "module_px is 1 to 32");
        return;
    }
    if (mpx)
        o.module_px = (int)m;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_buf out;
    px_buf_init(&out, PX_CARRIER_IMAGE_MAX);
    px_rc rc = px_svc_container_label(db, &r->actor, px_req_param(r, 0), &o, &out, &r->err);
    px_reply_rendered(r, rc, &out, px_image_type(fmt == PX_CARRIER_PNG));
}

void h_container_label_png(px_req *r)
{
    container_label(r, PX_CARRIER_PNG);
}

void h_container_label_svg(px_req *r)
{
    container_label(r, PX_CARRIER_SVG);
}
