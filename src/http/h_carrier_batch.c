/* Carriers in bulk and saved designs (docs/carrier.md "Batches"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier_batch.h"
#include "handlers.h"
#include "workers.h"
#include "px_str.h"

/* ---- designs ------------------------------------------------------------------------------- */

/* An integer member of design, or -2 when absent; -3 (a value no check accepts) when it is
 * not an integer, so the use case names the field. */
static int design_int(json_t *design, const char *name)
{
    json_t *v = design ? json_object_get(design, name) : NULL;
    if (!v || json_is_null(v))
        return -2;
    if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > 1000)
        return -3;
    return (int)json_integer_value(v);
}

/* Reads the "design" member into d; 0, or -1 after a 422. */
static int read_design(px_req *r, json_t *body, px_carrier_design_request *d, int *present)
{
    static const char *const allowed[] = {"error_correction", "colors", "quiet_zone", "module_px",
                                          NULL};
    static const char *const colors_allowed[] = {"foreground", "background", NULL};
    memset(d, 0, sizeof(*d));
    d->quiet_zone = d->module_px = -2;
    json_t *design = px_json_object(r, body, "design", allowed);
    *present = design != NULL;
    if (px_req_answered(r))
        return -1;
    if (!design)
        return 0;
    d->ec = px_json_member_str(r, design, "design", "error_correction", 1);
    json_t *colors = px_json_object(r, design, "colors", colors_allowed);
    d->fg = px_json_member_str(r, colors, "design.colors", "foreground", 7);
    d->bg = px_json_member_str(r, colors, "design.colors", "background", 7);
    if (px_req_answered(r))
        return -1;
    d->quiet_zone = design_int(design, "quiet_zone");
    d->module_px = design_int(design, "module_px");
    return 0;
}

static json_t *design_json(const px_carrier_design *d)
{
    json_t *o =
        json_pack("{s:s, s:{s:s, s:s}, s:I}", "error_correction", d->ec, "colors", "foreground",
                  d->fg, "background", d->bg, "module_px", (json_int_t)d->module_px);
    json_object_set_new(o, "quiet_zone",
                        d->quiet_zone >= 0 ? json_integer(d->quiet_zone) : json_null());
    return o;
}

static json_t *template_json(const px_carrier_template *t)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "template_id", t->id, "object",
                          "carrier_template", "name", t->name, "created_at", t->created_at);
    json_object_set_new(o, "design", design_json(&t->design));
    return o;
}

void h_carrier_template_create(px_req *r)
{
    static const char *const allowed[] = {"name", "design", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    int present = 0;
    const char *name = px_json_str(r, r->json, "name", PX_CARRIER_TEMPLATE_NAME_MAX, 1);
    if (px_req_answered(r))
        return;
    px_carrier_design_request d;
    if (read_design(r, r->json, &d, &present) != 0)
        return;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_carrier_template t;
    if (px_reply_failed(r, px_svc_carrier_template_create(db, &r->actor, name, &d, &t, &r->err)))
        return;
    px_reply_json(r, 201, template_json(&t));
}

void h_carrier_template_get(px_req *r)
{
    PX_REPLY_ONE(r, px_carrier_template, px_svc_carrier_template_get, template_json);
}

/* ---- batches ------------------------------------------------------------------------------- */

static json_t *batch_json(const px_carrier_batch *b)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "id", b->id, "object", "batch",
                  "status", b->status, "total_count", (json_int_t)b->total_count, "completed_count",
                  (json_int_t)b->completed_count, "error_count", (json_int_t)b->error_count,
                  "symbology", b->symbology, "created_at", b->created_at);
    json_object_set_new(o, "job_id", json_string(b->job_id));
    json_object_set_new(o, "template_id", px_json_str_or_null(b->template_id));
    json_object_set_new(o, "design", design_json(&b->design));
    json_object_set_new(o, "finished_at", px_json_str_or_null(b->finished_at));
    return o;
}

/* One item of the request: a pack {"gtin", "serial"} or a target {"target": {"destination"}}.
 * A malformed item is not a 422 for the whole batch: it becomes that item's error, the rest
 * is still rendered (docs/api.md "Carriers in bulk"). */
static void read_item(json_t *v, px_carrier_item_in *it)
{
    memset(it, 0, sizeof(*it));
    if (!json_is_object(v)) {
        it->error =
            "an item is an object: {\"gtin\", \"serial\"} or {\"target\": {\"destination\"}}";
        return;
    }
    const char *key;
    json_t *m;
    json_object_foreach(v, key, m)
    {
        if (strcmp(key, "gtin") != 0 && strcmp(key, "serial") != 0 && strcmp(key, "target") != 0) {
            it->error = "unknown member: an item has gtin and serial, or target";
            return;
        }
    }
    json_t *target = json_object_get(v, "target");
    json_t *gtin = json_object_get(v, "gtin"), *serial = json_object_get(v, "serial");
    if (target) {
        json_t *dest = json_is_object(target) ? json_object_get(target, "destination") : NULL;
        if (gtin || serial || !json_is_object(target) || json_object_size(target) != 1 ||
            !json_is_string(dest)) {
            it->error =
                "target is {\"destination\": \"<Digital Link URI>\"}, without gtin or serial";
            return;
        }
        const char *d = json_string_value(dest);
        /* Only printable ASCII travels to the job (no NUL inside: the lengths agree). */
        if (strlen(d) != json_string_length(dest) ||
            !px_ascii_printable(d, PX_CARRIER_TARGET_MAX)) {
            it->error = "target.destination must be 1 to 1024 printable ASCII characters";
            return;
        }
        it->target = d;
        return;
    }
    if (!json_is_string(gtin) || !json_is_string(serial)) {
        it->error = "gtin and serial are both required strings";
        return;
    }
    const char *g = json_string_value(gtin), *s = json_string_value(serial);
    if (strlen(g) != json_string_length(gtin) || !px_ascii_printable(g, GS1_GTIN_LEN) ||
        strlen(s) != json_string_length(serial) || !px_ascii_printable(s, GS1_SERIAL_MAX)) {
        it->error = "gtin is 1 to 14 digits and serial 1 to 20 characters of GS1 set 82";
        return;
    }
    it->gtin = g;
    it->serial = s;
}

void h_carrier_batch_create(px_req *r)
{
    static const char *const allowed[] = {"items", "symbology", "design", "template_id", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    int present = 0;
    const char *sym = px_json_str(r, r->json, "symbology", 16, 0);
    const char *template_id = px_json_str(r, r->json, "template_id", 64, 0);
    if (px_req_answered(r))
        return;
    px_carrier_design_request d;
    if (read_design(r, r->json, &d, &present) != 0)
        return;
    json_t *items = json_object_get(r->json, "items");
    if (!json_is_array(items) || json_array_size(items) < 1 ||
        json_array_size(items) > PX_CARRIER_BATCH_MAX) {
        px_reply_fieldf(r, "items", items ? "invalid_value" : "required",
                        "items must be an array of 1 to %d items", PX_CARRIER_BATCH_MAX);
        return;
    }
    size_t n = json_array_size(items);
    px_carrier_item_in *in = calloc(n, sizeof(*in));
    if (!in) {
        px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
        return;
    }
    for (size_t i = 0; i < n; i++)
        read_item(json_array_get(items, i), &in[i]);
    px_carrier_batch_request req = {sym, in, n, template_id, present ? &d : NULL};
    px_db *db = px_req_begin(r);
    if (db) {
        px_carrier_batch b;
        if (!px_reply_failed(
                r, px_svc_carrier_batch_create(db, r->app, &r->actor, &req, &b, &r->err))) {
            /* Committed: a worker starts the job now, not at its next poll. */
            px_workers_wake(r->app);
            px_reply_json(r, 202, batch_json(&b));
        }
    }
    free(in);
}

static int add_item(void *ctx, const px_carrier_item *it)
{
    json_t *o = json_pack("{s:I}", "index", (json_int_t)it->idx);
    if (it->carrier_id[0]) {
        char png[96], svg[96];
        snprintf(png, sizeof(png), "/v1/carriers/%s/symbol.png", it->carrier_id);
        snprintf(svg, sizeof(svg), "/v1/carriers/%s/symbol.svg", it->carrier_id);
        json_object_set_new(o, "carrier_id", json_string(it->carrier_id));
        json_object_set_new(o, "png", json_string(png));
        json_object_set_new(o, "svg", json_string(svg));
    } else if (it->error_code[0]) {
        json_object_set_new(
            o, "error",
            json_pack("{s:s, s:s}", "code", it->error_code, "message", it->error_message));
    }
    return json_array_append_new(ctx, o) != 0;
}

void h_carrier_batch_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_carrier_batch b;
    px_export_link link;
    if (px_reply_failed(r, px_svc_carrier_batch_get(db, r->app, &r->actor, px_req_param(r, 0), &b,
                                                    &link, &r->err)))
        return;
    json_t *items = json_array();
    if (px_reply_failed(r, px_svc_carrier_batch_items(db, b.id, add_item, items, &r->err))) {
        json_decref(items);
        return;
    }
    json_t *o = batch_json(&b);
    json_object_set_new(o, "items", items);
    if (link.url[0]) {
        json_object_set_new(o, "download_url", json_string(link.url));
        json_object_set_new(o, "expires_in_ms", json_integer(link.expires_in_ms));
    } else {
        json_object_set_new(o, "download_url", json_null());
    }
    px_reply_json(r, 200, o);
}

void h_carrier_batch_download(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_buf out;
    px_buf_init(&out, 256u << 20);
    char filename[64];
    px_rc rc =
        px_svc_carrier_batch_zip(db, r->app, px_req_param(r, 0), px_req_query(r, "expires"),
                                 px_req_query(r, "sig"), &out, filename, sizeof(filename), &r->err);
    if (px_reply_rendered(r, rc, &out, "application/zip") != 0)
        return;
    px_reply_download_headers(r, filename);
}

static void carrier_symbol(px_req *r, px_carrier_format fmt)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_buf out;
    px_buf_init(&out, PX_CARRIER_IMAGE_MAX);
    px_rc rc = px_svc_carrier_render(db, &r->actor, px_req_param(r, 0), fmt, &out, &r->err);
    if (px_reply_rendered(r, rc, &out, px_image_type(fmt == PX_CARRIER_PNG)) == 0)
        px_reply_private(r);
}

void h_carrier_png(px_req *r)
{
    carrier_symbol(r, PX_CARRIER_PNG);
}

void h_carrier_svg(px_req *r)
{
    carrier_symbol(r, PX_CARRIER_SVG);
}
