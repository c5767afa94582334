/* Carriers of a pack, print manifests (exports) and print jobs (docs/print.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "list_reply.h"
#include "pack_identity.h"
#include "paging.h"
#include "print.h"
#include "px_array.h"
#include "px_str.h"
#include "stream.h"
#include "workers.h"

/* ---- carriers --------------------------------------------------------------------------- */

/* A symbol option that is a whole number (?module=, ?quiet=) into *out when it is given: one
 * outside min..max is a 422 invalid_value on its name, "<name> must be <min> to <max> <unit>".
 * -1 when refused. */
static int symbol_int(px_req *r, const char *name, long min, long max, const char *unit, int *out)
{
    const char *text = px_req_query(r, name);
    long v;
    if (!text)
        return 0;
    if (px_parse_long(text, min, max, &v) != 0) {
        px_reply_fieldf(r, name, "invalid_value", "%s must be %ld to %ld %s", name, min, max, unit);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* ?shape=square|rect|auto (DataMatrix) &module=1..64 &quiet=0..32 &depth=1|8 (PNG): each route
 * takes only those that change its symbol (routes.def), so shape on a QR Code or depth on an
 * SVG is refused as any name a route does not take, never ignored. */
static int symbol_opts(px_req *r, px_carrier_opts *o, px_carrier_format fmt)
{
    px_carrier_opts_init(o);
    o->format = fmt;
    const char *shape = px_req_query(r, "shape");
    const char *depth = px_req_query(r, "depth");
    if (shape) {
        static const char *const shapes[] = {
            [PX_CARRIER_SQUARE] = "square", [PX_CARRIER_RECT] = "rect", [PX_CARRIER_AUTO] = "auto"};
        int i = 0;
        if (px_reply_failed(r, px_name_pick(shapes, PX_COUNT(shapes), shape, "invalid_value",
                                            "shape", &i, &r->err)))
            return -1;
        o->shape = (px_carrier_shape)i;
    }
    if (symbol_int(r, "module", 1, PX_CARRIER_MODULE_PX_MAX, "pixels", &o->module_px) != 0 ||
        symbol_int(r, "quiet", 0, PX_CARRIER_QUIET_MAX, "modules", &o->quiet_zone_modules) != 0)
        return -1;
    if (depth) {
        if (strcmp(depth, "1") == 0)
            o->png_depth = PX_CARRIER_PNG_1BIT;
        else if (strcmp(depth, "8") == 0)
            o->png_depth = PX_CARRIER_PNG_GRAY8;
        else {
            px_reply_field(r, "depth", "invalid_value", "depth must be 1 or 8");
            return -1;
        }
    }
    return 0;
}

static void symbol(px_req *r, px_symbol_kind kind, px_carrier_format fmt)
{
    px_carrier_opts o;
    if (symbol_opts(r, &o, fmt) != 0)
        return;
    px_db *db = px_req_read_db(r);
    if (!db)
        return;
    px_buf out;
    px_buf_init(&out, PX_CARRIER_IMAGE_MAX);
    px_rc rc = px_svc_pack_symbol(db, r->app, &r->actor, px_req_param(r, 0), px_req_param(r, 1),
                                  kind, &o, &out, &r->err);
    if (px_reply_rendered(r, rc, &out, px_image_type(fmt == PX_CARRIER_PNG)) == 0)
        px_reply_private(r);
}

void h_pack_datamatrix_png(px_req *r)
{
    symbol(r, PX_SYMBOL_DATAMATRIX, PX_CARRIER_PNG);
}

void h_pack_datamatrix_svg(px_req *r)
{
    symbol(r, PX_SYMBOL_DATAMATRIX, PX_CARRIER_SVG);
}

void h_pack_qr_png(px_req *r)
{
    symbol(r, PX_SYMBOL_QR, PX_CARRIER_PNG);
}

void h_pack_qr_svg(px_req *r)
{
    symbol(r, PX_SYMBOL_QR, PX_CARRIER_SVG);
}

void h_pack_carrier(px_req *r)
{
    px_db *db = px_req_read_db(r);
    if (!db)
        return;
    px_pack_carrier c;
    if (px_reply_failed(r, px_svc_pack_carrier(db, r->app, &r->actor, px_req_param(r, 0),
                                               px_req_param(r, 1), &c, &r->err)))
        return;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "gtin", c.gtin, "serial", c.serial,
                          "element_string", c.element_string, "hri", c.hri, "hri_text", c.hri_text,
                          "digital_link", c.digital_link, "epc", c.epc);
    json_object_set_new(o, "batch", px_json_str_or_null(c.batch));
    json_object_set_new(o, "expiry", px_json_str_or_null(c.expiry));
    px_reply_json(r, 200, o);
}

/* ---- exports ---------------------------------------------------------------------------- */

static json_t *export_json(const px_export *e, const px_export_link *link)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "export_id", e->id, "job_id",
                          e->job_id, "status", e->status, "gtin", e->gtin, "format", e->format,
                          "gs", e->gs_style, "filename", e->filename, "created_at", e->created_at);
    json_object_set_new(o, "allocation_id", px_json_str_or_null(e->allocation_id));
    /* A batch export's batch, or an allocation export's production run (its batch and expiry,
     * as given): what the rows of serials not yet commissioned carry, and the label that binds
     * those serials to that batch at commissioning (docs/print.md). */
    json_object_set_new(o, "batch", px_json_str_or_null(e->batch[0] ? e->batch : e->run_batch));
    json_object_set_new(o, "expiry", px_json_str_or_null(e->run_expiry));
    json_object_set_new(o, "count", e->count >= 0 ? json_integer(e->count) : json_null());
    json_object_set_new(o, "finished_at", px_json_str_or_null(e->finished_at));
    if (e->error[0])
        json_object_set_new(o, "error", json_string(e->error));
    if (link && link->url[0]) {
        json_object_set_new(o, "url", json_string(link->url));
        json_object_set_new(o, "expires_in_ms", json_integer(link->expires_in_ms));
    } else {
        json_object_set_new(o, "url", json_null());
        json_object_set_new(o, "expires_in_ms", json_null());
    }
    return o;
}

/* The list shows no download link: GET /v1/exports/{id} mints one (its expiry starts then). */
static json_t *export_item(const px_list_item *it)
{
    return export_json(it->export_, NULL);
}

void h_export_list(px_req *r)
{
    px_list_reply(r, PX_LIST_EXPORTS, export_item);
}

void h_export_create(px_req *r)
{
    static const char *const allowed[] = {"allocation_id", "gtin", "batch", "expiry", "jsonl",
                                          "gs",            NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    px_export_request req = {0};
    req.allocation_id = px_json_str(r, r->json, "allocation_id", 64, 0);
    req.gtin = px_json_str(r, r->json, "gtin", GS1_GTIN_LEN, 0);
    req.batch = px_json_str(r, r->json, "batch", 64, 0);
    req.expiry = px_json_str(r, r->json, "expiry", 6, 0);
    req.gs = px_json_str(r, r->json, "gs", 16, 0);
    req.jsonl = px_json_bool(r, r->json, "jsonl");
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_export e;
    if (px_reply_failed(r, px_svc_export_create(db, &r->actor, &req, &e, &r->err)))
        return;
    px_workers_wake(r->app); /* committed: a worker starts the job now, not at its next poll */
    px_reply_json(r, 202, export_json(&e, NULL));
}

void h_export_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_export e;
    px_export_link link;
    if (px_reply_failed(
            r, px_svc_export_get(db, r->app, &r->actor, px_req_param(r, 0), &e, &link, &r->err)))
        return;
    px_reply_json(r, 200, export_json(&e, &link));
}

static px_rc stream_next(void *ctx, px_buf *out, int *eof, px_err *err)
{
    return px_export_stream_next(ctx, out, eof, err);
}

static void stream_free(void *ctx)
{
    px_export_stream_free(ctx);
}

void h_export_download(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_export_stream *s = NULL;
    if (px_reply_failed(r, px_svc_export_open(db, r->app, px_req_param(r, 0),
                                              px_req_query(r, "expires"), px_req_query(r, "sig"),
                                              &s, &r->err)))
        return;
    /* The download takes its pages on connections of its own, one page at a time: give the
     * request's connection back now rather than hold it for the whole transfer. */
    px_pool_release(r->app->pool, r->db);
    r->db = NULL;
    px_reply_stream(r, 200, px_export_stream_content_type(s), px_export_stream_filename(s),
                    stream_next, stream_free, s);
}

/* ---- print jobs ------------------------------------------------------------------------- */

static json_t *job_json(const px_print_job *j)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:s, s:s}", "print_job_id", j->id,
                          "gtin", j->gtin, "line", j->line, "operator", j->operator_name, "org_id",
                          j->org_id, "reprint", j->reprint, "count", (json_int_t)j->count,
                          "created_at", j->created_at, "tenant_id", j->tenant_id);
    json_object_set_new(o, "key_id", px_json_str_or_null(j->key_id));
    json_object_set_new(o, "reason", px_json_str_or_null(j->reason));
    json_object_set_new(o, "batch", px_json_str_or_null(j->batch));
    json_object_set_new(o, "expiry", px_json_str_or_null(j->expiry));
    return o;
}

void h_print_job_create(px_req *r)
{
    static const char *const allowed[] = {"gtin",   "serials", "line",   "operator", "reprint",
                                          "reason", "batch",   "expiry", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    int n = 0;
    px_print_request req = {0};
    req.gtin = px_json_str(r, r->json, "gtin", GS1_GTIN_LEN, 1);
    req.line = px_json_str(r, r->json, "line", PX_PRINT_LINE_MAX, 1);
    req.operator_name = px_json_str(r, r->json, "operator", PX_PRINT_OPERATOR_MAX, 1);
    req.reason = px_json_str(r, r->json, "reason", PX_PRINT_REASON_MAX, 0);
    req.batch = px_json_str(r, r->json, "batch", 64, 0);
    req.expiry = px_json_str(r, r->json, "expiry", 6, 0);
    req.reprint = px_json_bool(r, r->json, "reprint");
    /* A list request's empty or too long list has the list codes, as a commission's
     * (docs/api.md "Detail codes": serials_required, too_many_serials). */
    json_t *list = json_object_get(r->json, "serials");
    if (!px_req_answered(r) && json_is_array(list) &&
        px_pack_count_check(json_array_size(list), "serials", &r->err) != PX_OK) {
        px_reply_error(r, &r->err);
        return;
    }
    const char **serials = px_json_str_array(r, r->json, "serials", 64, PX_PRINT_MAX, 1, &n);
    if (px_req_answered(r))
        return;
    req.serials = serials;
    req.n_serials = (size_t)n;
    px_db *db = px_req_begin(r);
    if (!db) {
        free(serials);
        return;
    }
    px_print_result res;
    if (px_svc_print_job_create(db, &r->actor, &req, &res, &r->err) != PX_OK) {
        if (res.n_errors) {
            json_t *details = json_array();
            for (size_t i = 0; i < res.n_errors; i++) {
                const px_print_item_error *e = &res.errors[i];
                char field[32];
                snprintf(field, sizeof(field), "serials[%zu]", e->index);
                json_array_append_new(details, json_pack("{s:I, s:s, s:s, s:s, s:s}", "index",
                                                         (json_int_t)e->index, "field", field,
                                                         "serial", serials[e->index], "code",
                                                         e->code, "message", e->message));
            }
            px_reply_error_items(r, &r->err, details);
        } else {
            px_reply_error(r, &r->err);
        }
        px_print_result_dispose(&res);
        free(serials);
        return;
    }
    free(serials);
    px_reply_json(r, 201, job_json(&res.job));
    px_print_result_dispose(&res);
}

void h_print_job_get(px_req *r)
{
    PX_REPLY_ONE(r, px_print_job, px_svc_print_job_get, job_json);
}

static int add_job(void *ctx, const px_print_job *j)
{
    char key[64];
    snprintf(key, sizeof(key), "%lld|%s", (long long)j->created_at_us, j->id);
    return px_list_add(ctx, key, job_json(j));
}

void h_print_job_list(px_req *r)
{
    const char *gtin = px_req_query(r, "gtin");
    const char *serial = px_req_query(r, "serial");
    if (gtin && strlen(gtin) > GS1_GTIN_LEN)
        px_reply_field(r, "gtin", "invalid_value", "gtin is at most 14 digits");
    else if (serial && strlen(serial) > 64)
        px_reply_field(r, "serial", "invalid_value", "serial is at most 64 characters");
    if (px_req_answered(r))
        return;
    px_list l;
    px_db *db = px_list_begin(&l, r, 1);
    if (db)
        px_list_end(&l, px_svc_print_jobs_each(db, &r->actor, gtin, serial, l.after, l.first + 1,
                                               add_job, &l, &r->err));
}

static int add_serial(void *ctx, const char *serial)
{
    return px_list_add(ctx, serial, json_pack("{s:s}", "serial", serial));
}

void h_print_job_serials(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 1);
    if (db)
        px_list_end(&l, px_svc_print_job_serials(db, &r->actor, px_req_param(r, 0), l.after,
                                                 l.first + 1, add_serial, &l, &r->err));
}
