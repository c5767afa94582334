/* Pack lifecycle routes (docs/api.md "Commissioning", "Release to market", "Decommissioning and
 * reactivation", "Packs"): parse, call the use case (service/lifecycle.h), render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "handlers.h"
#include "lifecycle.h"
#include "packing.h"
#include "px_crypto.h"
#include "px_jsonw.h"
#include "px_str.h"

/* ---- shared ---------------------------------------------------------------------------- */

static json_t *item_errors_json(const px_item_error *e, size_t n, const char *name)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char field[48];
        snprintf(field, sizeof(field), "%s[%zu]", name, e[i].index);
        json_t *d = json_pack("{s:I, s:s, s:s, s:s}", "index", (json_int_t)e[i].index, "field",
                              field, "code", e[i].code, "message", e[i].message);
        if (e[i].pos >= 0 && e[i].len > 0) {
            json_object_set_new(d, "position", json_integer(e[i].pos));
            json_object_set_new(d, "length", json_integer(e[i].len));
        }
        json_array_append_new(a, d);
    }
    return a;
}

/* An error with per-item details when the use case listed bad items. */
static void reply_items(px_req *r, const px_err *err, const px_item_error *e, size_t n,
                        const char *name)
{
    px_reply_error_items(r, err, n ? item_errors_json(e, n, name) : NULL);
}

/* The pieces a market's report lacks, as details of 422 report_precondition. */
static json_t *missing_json(const px_missing_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++) {
        const px_missing *m = &l->v[i];
        json_t *d = json_pack("{s:s, s:s}", "code", m->code, "message", m->message);
        if (m->field[0])
            json_object_set_new(d, "field", json_string(m->field));
        if (m->org_id[0])
            json_object_set_new(d, "org_id", json_string(m->org_id));
        json_array_append_new(a, d);
    }
    return a;
}

/* A refused pack operation or release: per-serial items, or the report's missing pieces. */
static void reply_refusal(px_req *r, const px_err *err, const px_item_error *e, size_t n,
                          const px_missing_list *missing)
{
    if (missing->n && strcmp(err->code, "report_precondition") == 0)
        px_reply_error_items(r, err, missing_json(missing));
    else
        reply_items(r, err, e, n, "serials");
}

/* A refused decommission, reactivation or recall: per-container items when containers were
 * sent and the refusal is about them (not a report's missing pieces), else as reply_refusal. */
static void reply_pack_op_refusal(px_req *r, const px_err *err, const px_pack_op_result *res,
                                  int by_ssccs)
{
    if (by_ssccs && res->n_errors && strcmp(err->code, "report_precondition") != 0)
        reply_items(r, err, res->errors, res->n_errors, "ssccs");
    else
        reply_refusal(r, err, res->errors, res->n_errors, &res->missing);
}

/* ---- POST /v1/commissions ---------------------------------------------------------------- */

/* The commission answer, rendered straight into a buffer: 100,000 items through jansson's
 * object model would cost more than the rest of the request's C work. */
static char *render_commission(void *ctx, const void *result, int *status)
{
    (void)ctx;
    const px_commission_result *res = result;
    const px_commission_req *req = res->req;
    px_buf b;
    px_buf_init(&b, (size_t)1 << 30);
    char msg[96];
    if (res->n_errors)
        snprintf(msg, sizeof(msg), "%ld of %zu serials commissioned", res->committed,
                 req->n_serials);
    else
        snprintf(msg, sizeof(msg), "Serials commissioned");
    px_buf_printf(&b,
                  "{\"success\":true,\"message\":\"%s\",\"commission_id\":\"%s\",\"event_id\":"
                  "\"%s\",\"event_hash\":\"%s\",\"commissioned\":%ld,\"allocated\":%ld,"
                  "\"external\":%ld,\"rejected\":%zu,\"data\":[",
                  msg, res->commission_id, res->event_id, res->event_hash, res->committed,
                  res->allocated, res->external, res->n_errors);
    size_t e = 0;
    for (size_t i = 0; i < req->n_serials; i++) {
        px_buf_puts(&b, i ? ",{\"serial_number\":" : "{\"serial_number\":");
        px_jsonw_string(&b, req->serials[i]);
        if (res->status[i] == PX_ITEM_OK) {
            px_buf_puts(&b, ",\"status\":\"commissioned\"}");
            continue;
        }
        while (e < res->n_errors && res->errors[e].index < i)
            e++;
        const px_item_error *it = e < res->n_errors ? &res->errors[e] : NULL;
        px_buf_printf(&b, ",\"status\":\"rejected\",\"index\":%zu,\"code\":", i);
        px_jsonw_string(&b, it ? it->code : "rejected");
        px_buf_puts(&b, ",\"message\":");
        px_jsonw_string(&b, it ? it->message : "");
        px_buf_puts(&b, "}");
    }
    px_rc rc = px_buf_puts(&b, "]}");
    *status = 200;
    if (rc != PX_OK) {
        px_buf_dispose(&b);
        return NULL;
    }
    return px_buf_take(&b);
}

void h_commission_create(px_req *r)
{
    static const char *const allowed[] = {
        "product_code", "product_code_schema", "batch", "expiry_date", "serials", "partial", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    size_t n = 0;
    /* Generous byte caps: the field rules (length, set 82, check digit) are the use case's,
     * so it can name the exact rule a value breaks. */
    const char *gtin = px_json_str(r, r->json, "product_code", 64, 1);
    const char *schema = px_json_str(r, r->json, "product_code_schema", 64, 1);
    const char *batch = px_json_str(r, r->json, "batch", 256, 1);
    const char *expiry = px_json_str(r, r->json, "expiry_date", 64, 1);
    int partial = px_json_bool(r, r->json, "partial");
    const char **serials = px_json_items(r, r->json, "serials", 1, &n);
    if (px_req_answered(r))
        return;
    px_idem idem = {0};
    const char *key = px_req_header(r, "Idempotency-Key");
    if (key) {
        /* Printable ASCII: header bytes above 0x7f need not be UTF-8, and the key is stored. */
        if (!px_ascii_printable(key, 200)) {
            free(serials);
            px_reply_field(r, "Idempotency-Key", "invalid_value",
                           "Idempotency-Key must be 1 to 200 printable ASCII characters");
            return;
        }
        idem.key = key;
        idem.route = "POST /v1/commissions";
        px_sha256_hex(idem.request_hash, r->body.data ? r->body.data : "", r->body.len);
        idem.render = render_commission;
    }
    px_db *db = px_req_db(r);
    if (!db) {
        free(serials);
        return;
    }
    px_commission_req req = {gtin, schema, batch, expiry, serials, n, partial, NULL};
    px_commission_result res;
    px_err err = PX_ERR_INIT;
    px_rc rc = px_svc_commission(db, &r->actor, &req, key ? &idem : NULL, &res, &err);
    if (rc != PX_OK) {
        reply_items(r, &err, res.errors, res.n_errors, "serials");
    } else if (idem.body) {
        /* A replay, or the body just stored with the key: the same bytes either way. */
        px_reply_take(r, idem.status, "application/json", idem.body, strlen(idem.body));
        idem.body = NULL;
    } else {
        int status;
        char *body = render_commission(NULL, &res, &status);
        if (body)
            px_reply_take(r, status, "application/json", body, strlen(body));
        else
            px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
    }
    free(idem.body);
    px_commission_result_dispose(&res);
    free(serials);
}

/* ---- POST /v1/releases ------------------------------------------------------------------- */

/* Shipping data (docs/lifecycle.md "Release: shipping data") into req: shapes here, the rules
 * (GLN check digits, prefix lengths, CBV types, what a market requires) in the use case.
 * ship_to is req->ship_to's storage. */
static void read_shipping(px_req *r, px_release_req *req, px_ship_to *ship_to)
{
    static const char *const ship_allowed[] = {"owning_party", "location", "prefix_length",
                                               "location_prefix_length", NULL};
    static const char *const tx_allowed[] = {"type", "id", NULL};
    json_t *ship = px_json_object(r, r->json, "ship_to", ship_allowed);
    json_t *tx = px_json_object(r, r->json, "transaction", tx_allowed);
    ship_to->owning_party = px_json_member_str(r, ship, "ship_to", "owning_party", GS1_GLN_LEN);
    ship_to->location = px_json_member_str(r, ship, "ship_to", "location", GS1_GLN_LEN);
    ship_to->prefix_length =
        px_json_member_int(r, ship, "ship_to", "prefix_length", GS1_GCP_LEN_MIN, GS1_GCP_LEN_MAX);
    ship_to->location_prefix_length = px_json_member_int(
        r, ship, "ship_to", "location_prefix_length", GS1_GCP_LEN_MIN, GS1_GCP_LEN_MAX);
    req->ship_to = ship ? ship_to : NULL;
    req->transaction_given = tx != NULL;
    req->transaction_type = px_json_member_str(r, tx, "transaction", "type", 16);
    req->transaction_id = px_json_member_str(r, tx, "transaction", "id", 100);
}

void h_release_create(px_req *r)
{
    static const char *const allowed[] = {"gtin",           "batch",       "market",  "serials",
                                          "ship_to",        "transaction", "dry_run", "ssccs",
                                          "expected_count", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    size_t n = 0;
    const char *gtin = px_json_str(r, r->json, "gtin", 64, 1);
    const char *batch = px_json_str(r, r->json, "batch", 256, 1);
    const char *market = px_json_market(r, r->json, 1);
    const char **serials = px_json_items(r, r->json, "serials", 0, &n);
    /* Containers in place of serials (docs/aggregation.md "Shipping containers"). */
    size_t n_ssccs = 0;
    const char **ssccs = px_json_items(r, r->json, "ssccs", 0, &n_ssccs);
    px_release_req req = {0};
    px_ship_to ship_to;
    read_shipping(r, &req, &ship_to);
    int dry_run = px_json_bool(r, r->json, "dry_run");
    req.expected_count =
        px_json_int(r, r->json, "expected_count", 1, PX_RELEASE_EXPECTED_MAX, 0, 0);
    px_db *db = px_req_db(r); /* NULL too when a reader above refused */
    if (!db) {
        free(serials);
        free(ssccs);
        return;
    }
    const char *empty[1] = {NULL};
    req.gtin = gtin;
    req.batch = batch;
    req.market = market;
    req.serials =
        json_object_get(r->json, "serials") && !json_is_null(json_object_get(r->json, "serials"))
            ? (serials ? serials : empty)
            : NULL;
    req.n_serials = n;
    req.ssccs = ssccs;
    req.n_ssccs = n_ssccs;
    req.dry_run = dry_run;
    px_release_result res;
    px_err err = PX_ERR_INIT;
    if (px_svc_release(db, r->app, &r->actor, &req, &res, &err) != PX_OK) {
        if (ssccs && res.n_errors)
            reply_items(r, &err, res.errors, res.n_errors, "ssccs");
        else
            reply_refusal(r, &err, res.errors, res.n_errors, &res.missing);
    } else if (dry_run) {
        px_reply_json(r, 200,
                      json_pack("{s:b, s:I, s:b, s:o}", "dry_run", 1, "would_release",
                                (json_int_t)res.would_release, "report", res.would_report,
                                "missing", missing_json(&res.missing)));
    } else {
        /* report_id: the market's EPCIS report. */
        px_reply_json(r, 201,
                      json_pack("{s:s, s:I, s:o, s:s}", "release_id", res.release_id, "released",
                                (json_int_t)res.released, "report_id",
                                px_json_str_or_null(res.report_id), "event_id", res.event_id));
    }
    px_release_result_dispose(&res);
    free(serials);
    free(ssccs);
}

/* ---- POST /v1/decommissions, /v1/reactivations ------------------------------------------- */

static void pack_op(px_req *r, int reactivate)
{
    static const char *const allowed[] = {"gtin", "serials", "reason", "ssccs", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    size_t n = 0, n_ssccs = 0;
    const char *gtin = px_json_str(r, r->json, "gtin", 64, 1);
    const char *reason = px_json_str(r, r->json, "reason", PX_PACK_OP_REASON_MAX, !reactivate);
    /* Containers in place of serials (docs/aggregation.md "Shipping containers"). */
    int by_box = px_json_present(r->json, "ssccs");
    const char **ssccs =
        by_box ? px_json_items(r, r->json, "ssccs", 1, &n_ssccs) : NULL;
    const char **serials = px_json_items(r, r->json, "serials", !by_box, &n);
    px_db *db = px_req_db(r); /* NULL too when a reader above refused */
    if (!db) {
        free(serials);
        free(ssccs);
        return;
    }
    px_pack_op_req req = {gtin, serials, n, reason, ssccs, n_ssccs};
    px_pack_op_result res;
    px_err err = PX_ERR_INIT;
    px_rc rc = reactivate ? px_svc_reactivate(db, r->app, &r->actor, &req, &res, &err)
                          : px_svc_decommission(db, r->app, &r->actor, &req, &res, &err);
    if (rc != PX_OK) {
        reply_pack_op_refusal(r, &err, &res, ssccs != NULL);
    } else {
        px_reply_json(r, 200,
                      json_pack("{s:s, s:s, s:I, s:s}", "operation_id", res.op_id, "event_id",
                                res.event_id, reactivate ? "reactivated" : "decommissioned",
                                (json_int_t)res.count, "state",
                                reactivate ? "active" : "decommissioned"));
    }
    px_pack_op_result_dispose(&res);
    free(serials);
    free(ssccs);
}

void h_decommission_create(px_req *r)
{
    pack_op(r, 0);
}

void h_reactivation_create(px_req *r)
{
    pack_op(r, 1);
}

/* ---- POST /v1/recalls ------------------------------------------------------------------ */

void h_recall_create(px_req *r)
{
    static const char *const allowed[] = {"gtin", "batch", "reason", "ssccs", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    /* Containers in place of the batch (docs/aggregation.md "Recalling containers"). */
    int by_box = px_json_present(r->json, "ssccs");
    size_t n_ssccs = 0;
    const char *gtin = px_json_str(r, r->json, "gtin", 64, 1);
    const char *batch = px_json_str(r, r->json, "batch", 256, !by_box);
    const char *reason = px_json_str(r, r->json, "reason", 32, 0);
    const char **ssccs =
        by_box ? px_json_items(r, r->json, "ssccs", 1, &n_ssccs) : NULL;
    px_db *db = px_req_db(r);
    if (!db) {
        free(ssccs);
        return;
    }
    px_recall_req req = {gtin, batch, reason, ssccs, n_ssccs};
    px_pack_op_result res;
    px_err err = PX_ERR_INIT;
    if (px_svc_recall(db, r->app, &r->actor, &req, &res, &err) != PX_OK)
        reply_pack_op_refusal(r, &err, &res, ssccs != NULL);
    else
        px_reply_json(r, 201,
                      json_pack("{s:s, s:o, s:I, s:s}", "recall_id", res.op_id, "event_id",
                                px_json_str_or_null(res.event_id[0] ? res.event_id : NULL),
                                "recalled", (json_int_t)res.count, "reason",
                                reason ? reason : "recalled"));
    px_pack_op_result_dispose(&res);
    free(ssccs);
}

/* ---- GET /v1/packs/{gtin}/{serial} ------------------------------------------------------ */

static int add_event(void *ctx, const px_event_row *e)
{
    json_t *events = ctx;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "event_id", e->event_id,
                          "event_hash", e->event_hash, "op", e->op, "type", e->type, "action",
                          e->action, "disposition", px_json_str_or_null(e->disposition), "biz_step",
                          e->biz_step, "event_time", e->event_time, "by", e->by);
    if (e->reason[0])
        json_object_set_new(o, "reason", json_string(e->reason));
    if (e->market[0])
        json_object_set_new(o, "market", json_string(e->market));
    json_array_append_new(events, o);
    return 0;
}

static int add_case_child(void *ctx, const px_case_child *c)
{
    return json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s}", "gtin", c->gtin, "serial",
                                                c->serial, "state", c->state, "batch", c->batch)) !=
           0;
}

/* docs/aggregation.md "Cases that carry their own GTIN": the case a pack is in ("case"), and
 * for a case the packs it holds ("children", at most PX_CASE_CHILDREN_SHOWN; one more read
 * says whether there are more: "children_truncated", never a list cut without a word). */
#define PX_CASE_CHILDREN_SHOWN 1000
static px_rc pack_case_json(px_db *db, const px_actor *by, json_t *o, const px_pack_row *p,
                            px_err *err)
{
    char cg[15], cs[21];
    px_rc rc = px_svc_pack_case(db, by, p->gtin, p->serial, cg, cs, err);
    if (rc != PX_OK)
        return rc;
    if (cg[0])
        json_object_set_new(o, "case", json_pack("{s:s, s:s}", "gtin", cg, "serial", cs));
    json_t *kids = json_array();
    rc = px_svc_case_children(db, by, p->gtin, p->serial, PX_CASE_CHILDREN_SHOWN + 1,
                              add_case_child, kids, err);
    if (rc == PX_OK && json_array_size(kids) > PX_CASE_CHILDREN_SHOWN) {
        json_array_remove(kids, PX_CASE_CHILDREN_SHOWN);
        json_object_set_new(o, "children_truncated", json_true());
    }
    if (rc == PX_OK && json_array_size(kids) > 0)
        json_object_set_new(o, "children", kids);
    else
        json_decref(kids);
    return rc;
}

void h_pack_get(px_req *r)
{
    px_db *db = px_req_read_db(r);
    if (!db)
        return;
    px_pack_row p;
    json_t *events = json_array();
    if (px_svc_pack_get(db, &r->actor, px_req_param(r, 0), px_req_param(r, 1), &p, add_event,
                        events, &r->err) != PX_OK) {
        json_decref(events);
        px_reply_error(r, &r->err);
        return;
    }
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "gtin", p.gtin,
        "serial", p.serial, "state", p.state, "batch", px_json_str_or_null(p.batch), "expiry",
        px_json_str_or_null(p.expiry), "origin", p.origin, "allocated_to",
        px_json_str_or_null(p.allocated_to), "allocation_id", px_json_str_or_null(p.allocation_id),
        "commissioned_by", px_json_str_or_null(p.commissioned_by), "commissioned_at",
        px_json_str_or_null(p.commissioned_at), "released_by", px_json_str_or_null(p.released_by),
        "released_at", px_json_str_or_null(p.released_at), "market", px_json_str_or_null(p.market),
        "events", events);
    json_object_set_new(o, "expiry_date", px_json_expiry_date(p.expiry));
    if (strcmp(p.state, "decommissioned") == 0) {
        json_object_set_new(o, "reason", json_string(p.reason));
        json_object_set_new(o, "decommissioned_by", px_json_str_or_null(p.decommissioned_by));
        json_object_set_new(o, "decommissioned_at", px_json_str_or_null(p.decommissioned_at));
    }
    /* docs/api.md "Packing hierarchy": the containers the pack is in, innermost first. */
    char parents[PX_PARENTS_MAX][19];
    size_t n_parents = 0;
    if (px_svc_pack_parents(db, &r->actor, p.gtin, p.serial, parents, &n_parents, &r->err) !=
        PX_OK) {
        json_decref(o);
        px_reply_error(r, &r->err);
        return;
    }
    json_t *pa = json_array();
    for (size_t i = 0; i < n_parents; i++)
        json_array_append_new(pa, json_string(parents[i]));
    json_object_set_new(o, "parents", pa);
    if (pack_case_json(db, &r->actor, o, &p, &r->err) != PX_OK) {
        json_decref(o);
        px_reply_error(r, &r->err);
        return;
    }
    px_reply_json(r, 200, o);
}
