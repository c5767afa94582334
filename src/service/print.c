/* Carriers of a pack and print jobs (docs/print.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allotments.h"
#include "display_name.h"
#include "lifecycle.h"
#include "pack_identity.h"
#include "pack_internal.h"
#include "print.h"
#include "px_array.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_cursor.h"
#include "px_log.h"
#include "px_str.h"
#include "service_internal.h"
#include "tx.h"

/* ---- carriers --------------------------------------------------------------------------- */

/* The pack visibility rule of GET /v1/packs/{gtin}/{serial} (docs/api.md "Packs"), applied by the
 * lifecycle's own pack lookup so there is one rule: a MAH sees its products' packs; a CMO the
 * serials allocated to it or commissioned by it that were never released (px__cmo_sees);
 * anyone else, and another tenant's pack, gets not_found. */
static px_rc pack_visible(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                          px_product *prod, px_print_pack *pk, px_err *err)
{
    px_pack_row row;
    px_rc rc = px_svc_pack_get(db, by, gtin, serial, &row, NULL, NULL, err);
    if (rc != PX_OK)
        return rc;
    /* The product gives the GS1 Company Prefix length (EPC URI) and the NHRN. */
    rc = px_store_product_get(db, prod, row.gtin, 0, err);
    if (rc != PX_OK)
        return rc;
    memset(pk, 0, sizeof(*pk));
    px_strlcpy(pk->gtin, row.gtin, sizeof(pk->gtin));
    px_strlcpy(pk->serial, row.serial, sizeof(pk->serial));
    px_strlcpy(pk->state, row.state, sizeof(pk->state));
    px_strlcpy(pk->batch, row.batch, sizeof(pk->batch));
    px_strlcpy(pk->expiry, row.expiry, sizeof(pk->expiry));
    px_strlcpy(pk->allocated_to, row.allocated_to, sizeof(pk->allocated_to));
    px_strlcpy(pk->commissioned_by, row.commissioned_by, sizeof(pk->commissioned_by));
    pk->released = row.released_at[0] != '\0';
    return PX_OK;
}

static px_rc carrier_of(px_pack_carrier *out, const px_app *app, const px_product *prod,
                        const px_print_pack *pk, px_err *err)
{
    memset(out, 0, sizeof(*out));
    px_strlcpy(out->gtin, pk->gtin, sizeof(out->gtin));
    px_strlcpy(out->serial, pk->serial, sizeof(out->serial));
    px_strlcpy(out->batch, pk->batch, sizeof(out->batch));
    px_strlcpy(out->expiry, pk->expiry, sizeof(out->expiry));
    gs1_pack p;
    gs1_pack_set(&p, pk->gtin, pk->serial, pk->batch, pk->expiry, prod->nhrn_ai, prod->nhrn_value);
    gs1_elements el;
    /* GS1 General Specifications §7.8.4 (no separator after a predefined-length AI): 01, 17,
     * 10, 21, then NHRN — one GS, after the batch, when everything is present. */
    px_rc rc = gs1_pack_elements(&el, &p, err);
    if (rc == PX_OK)
        rc = gs1_element_string_format(out->element_string, sizeof(out->element_string), &el, err);
    if (rc == PX_OK)
        rc = gs1_hri_format(out->hri, sizeof(out->hri), &el, err);
    if (rc == PX_OK)
        rc = gs1_hri_text_format(out->hri_text, sizeof(out->hri_text), &el, err);
    if (rc == PX_OK)
        rc = gs1_dl_format(out->digital_link, sizeof(out->digital_link), app->cfg.dl_domain, &el,
                           err);
    if (rc == PX_OK)
        rc = gs1_epc_sgtin_format(out->epc, sizeof(out->epc), pk->gtin, prod->company_prefix_length,
                                  pk->serial, err);
    if (rc != PX_OK) {
        px_logf(PX_LOG_ERROR, "pack %s/%s does not format: %s", pk->gtin, pk->serial, err->message);
        return px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    }
    return PX_OK;
}

px_rc px_svc_pack_carrier_of(px_pack_carrier *out, const px_app *app, const px_product *prod,
                             const px_print_pack *pk, px_err *err)
{
    return carrier_of(out, app, prod, pk, err);
}

px_rc px_svc_pack_carrier(px_db *db, const px_app *app, const px_actor *by, const char *gtin,
                          const char *serial, px_pack_carrier *out, px_err *err)
{
    px_product prod;
    px_print_pack pk;
    px_rc rc = pack_visible(db, by, gtin, serial, &prod, &pk, err);
    if (rc != PX_OK)
        return rc;
    return carrier_of(out, app, &prod, &pk, err);
}

px_rc px_svc_pack_symbol(px_db *db, const px_app *app, const px_actor *by, const char *gtin,
                         const char *serial, px_symbol_kind kind, const px_carrier_opts *opts,
                         px_buf *out, px_err *err)
{
    px_pack_carrier c;
    px_rc rc = px_svc_pack_carrier(db, app, by, gtin, serial, &c, err);
    if (rc != PX_OK)
        return rc;
    if (kind == PX_SYMBOL_QR)
        return px_carrier_qr(out, c.digital_link, opts, err);
    return px_carrier_datamatrix(out, c.element_string, strlen(c.element_string), opts, err);
}

/* ---- print jobs ---------------------------------------------------------------------------- */

typedef struct {
    const px_actor *by;
    const px_print_request *req;
    const char *batch; /* the job's batch ("" none) */
    const char *expiry;
    unsigned char *seen; /* per request serial: found and visible */
    px_print_result *res;
    size_t cap;
    int n_notfound, n_invalid, n_printed, n_unprinted;
    px_rc rc;
} check_ctx;

static int add_error(check_ctx *c, size_t index, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int add_error(check_ctx *c, size_t index, const char *code, const char *fmt, ...)
{
    px_print_result *res = c->res;
    px_print_item_error *grown =
        px_array_room(res->errors, res->n_errors, &c->cap, sizeof(*grown), 16);
    if (!grown) {
        c->rc = PX_EINTERNAL;
        return 1;
    }
    res->errors = grown;
    px_print_item_error *e = &res->errors[res->n_errors++];
    e->index = index;
    px_strlcpy(e->code, code, sizeof(e->code));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return 0;
}

static int check_pack(void *ctx, size_t index, const px_print_pack *p, int printed)
{
    check_ctx *c = ctx;
    const px_actor *by = c->by;
    /* Serials known to the caller: a MAH's own products (checked before); a CMO's own. */
    int visible = by->org_kind == PX_ORG_MAH ||
                  px__cmo_sees(by, p->allocated_to, p->commissioned_by, p->released);
    if (!visible)
        return 0; /* reported as not found with the ones that do not exist */
    c->seen[index] = 1;
    const char *s = c->req->serials[index];
    if (strcmp(p->state, "decommissioned") == 0) {
        c->n_invalid++;
        return add_error(c, index, "invalid_state", "serial '%s' is decommissioned", s);
    }
    /* REQ-PRINT-3: a pack is printed with its batch and expiry; one missing is refused before
     * anything is printed. */
    if (p->batch[0] && c->batch[0] && strcmp(p->batch, c->batch) != 0) {
        c->n_invalid++;
        return add_error(c, index, "batch_mismatch",
                         "serial '%s' was commissioned in another batch", s);
    }
    if (!p->batch[0] && !c->batch[0]) {
        c->n_invalid++;
        return add_error(c, index, "missing_batch",
                         "serial '%s' has no batch or expiry: give batch and expiry", s);
    }
    /* REQ-PRINT-1: a serial is printed once; REQ-PRINT-2: a reprint (damaged label) only of a
     * serial printed before. */
    if (printed && !c->req->reprint) {
        c->n_printed++;
        return add_error(c, index, "already_printed", "serial '%s' was already printed", s);
    }
    if (!printed && c->req->reprint) {
        c->n_unprinted++;
        return add_error(c, index, "not_printed",
                         "serial '%s' was never printed, so it cannot be reprinted", s);
    }
    return 0;
}

static int cmp_index(const void *a, const void *b)
{
    const px_print_item_error *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

static px_rc validate_text(const char *v, size_t max, const char *field, int required, px_err *err)
{
    if (!v || !*v) {
        if (!required)
            return PX_OK;
        return px_err_set_field(err, PX_EINVALID, "required", field, "%s is required", field);
    }
    /* Who printed, on which line and why (display_name.h). */
    return px_text_check(v, max, field, err);
}

void px_print_result_dispose(px_print_result *res)
{
    if (!res)
        return;
    free(res->errors);
    res->errors = NULL;
    res->n_errors = 0;
}

/* Checks each serial's syntax and duplicates inside the request (422 with every bad one). */
static px_rc check_serials(check_ctx *c, px_err *err)
{
    const px_print_request *req = c->req;
    /* Duplicates by sorting (O(n log n), the commissioning rule): a nested scan of up to
     * PX_PRINT_MAX serials would hold an HTTP thread for billions of comparisons. */
    unsigned char *dup = calloc(req->n_serials, 1);
    px_serial_ref *scratch = calloc(req->n_serials, sizeof(*scratch));
    if (!dup || !scratch) {
        free(dup);
        free(scratch);
        return px_err_oom(err);
    }
    px_commission_mark_duplicates(dup, req->serials, req->n_serials,
                                  scratch);
    for (size_t i = 0; i < req->n_serials; i++) {
        px_err e = PX_ERR_INIT;
        if (gs1_cset82_validate(req->serials[i], GS1_SERIAL_MAX, &e) != PX_OK) {
            if (add_error(c, i, e.code, "%s", e.message))
                break;
            continue;
        }
        if (dup[i] && add_error(c, i, "duplicate_in_request", "serial '%s' is listed twice",
                                req->serials[i]))
            break;
    }
    free(dup);
    free(scratch);
    if (c->rc != PX_OK)
        return px_err_oom(err);
    if (c->res->n_errors)
        return px__items_invalid(err, c->res->n_errors, req->n_serials, "serials");
    return PX_OK;
}

/* A batch has one expiry (docs/api.md "batch_expiry_mismatch"); a known batch gives it, an unknown
 * one needs it. */
static px_rc print_batch_expiry(px_db *db, const char *gtin, const char *batch, char expiry[7],
                                px_err *err)
{
    /* Given, the expiry is claimed with the labels printed for it (as a commission claims it),
     * so a concurrent print or commission with another expiry is refused, never both kept.
     * Labels of a recalled batch would go on packs it can no longer take. */
    px_rc rc;
    if (expiry[0]) {
        char recall[PX_BATCH_RECALL_MAX];
        rc = px__batch_expiry_claim(db, gtin, batch, expiry, "expiry", recall, err);
        return rc == PX_OK && recall[0] ? px__batch_recalled(err, gtin, batch, recall) : rc;
    }
    if ((rc = px__batch_not_recalled(db, gtin, batch, err)) != PX_OK)
        return rc;
    int found = 0;
    rc = px_store_batch_expiry(db, expiry, &found, gtin, batch, NULL, err);
    if (rc == PX_OK && !found)
        return px_err_set_field(err, PX_EINVALID, "required", "expiry",
                                "batch '%s' is not known yet: give its expiry", batch);
    /* Known: labels of a batch already expired are of packs that could never be
     * commissioned. */
    return rc == PX_OK ? px__batch_expiry_past(batch, expiry, px_now_us(),
                                               "its packs could never be commissioned", err)
                       : rc;
}

/* Nothing is printed when any serial is refused; the status says the worst kind. */
static px_rc print_refusals(check_ctx *c, px_err *err)
{
    px_print_result *res = c->res;
    for (size_t i = 0; i < c->req->n_serials; i++)
        if (!c->seen[i]) {
            c->n_notfound++;
            add_error(c, i, "not_found", "serial '%s' not found", c->req->serials[i]);
        }
    if (c->rc != PX_OK)
        return px_err_oom(err);
    if (res->n_errors)
        qsort(res->errors, res->n_errors, sizeof(res->errors[0]), cmp_index);
    if (c->n_notfound)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "%d serials not found", c->n_notfound);
    if (c->n_invalid)
        return px_err_set(err, PX_EINVALID, "validation_error",
                          "%d serials cannot be printed as asked", c->n_invalid);
    if (c->n_printed)
        return px_err_set(err, PX_EEXISTS, "already_printed",
                          "%d serials were already printed; a damaged label is a reprint",
                          c->n_printed);
    if (c->n_unprinted)
        return px_err_set(err, PX_ESTATE, "not_printed",
                          "%d serials were never printed and cannot be reprinted", c->n_unprinted);
    return PX_OK;
}

static void print_job_fill(px_print_job *j, const px_actor *by, const px_print_request *req,
                           const char *gtin, const char *tenant_id, const char *batch,
                           const char *expiry)
{
    px_strlcpy(j->org_id, by->org_id, sizeof(j->org_id));
    px_strlcpy(j->key_id, by->key_id, sizeof(j->key_id));
    px_strlcpy(j->tenant_id, tenant_id, sizeof(j->tenant_id));
    px_strlcpy(j->gtin, gtin, sizeof(j->gtin));
    px_strlcpy(j->line, req->line, sizeof(j->line));
    px_strlcpy(j->operator_name, req->operator_name, sizeof(j->operator_name));
    j->reprint = req->reprint;
    px_strlcpy(j->reason,
               req->reprint ? (req->reason && *req->reason ? req->reason : "damaged") : "",
               sizeof(j->reason));
    px_strlcpy(j->batch, batch, sizeof(j->batch));
    px_strlcpy(j->expiry, expiry, sizeof(j->expiry));
    j->created_at_us = px_now_us();
}

typedef struct print_tx {
    check_ctx *c;
    const char *gtin;
    char batch[GS1_BATCH_MAX + 1], expiry[7];
    size_t syntax_errors; /* found before the transaction */
} print_tx;

static px_rc print_body(px_tx *tx, void *vp, px_err *err)
{
    print_tx *p = vp;
    check_ctx *c = p->c;
    px_db *db = px_tx_db(tx);
    const px_print_request *req = c->req;
    px_print_job *j = &c->res->job;
    /* A rerun starts from the syntax errors. */
    c->res->n_errors = p->syntax_errors;
    c->n_notfound = c->n_invalid = c->n_printed = c->n_unprinted = 0;
    memset(c->seen, 0, req->n_serials);
    px_product prod;
    px_rc rc;
    if ((rc = px_svc_product_access(db, c->by, p->gtin, 0, &prod, err)) != PX_OK ||
        (p->batch[0] && (rc = print_batch_expiry(db, p->gtin, p->batch, p->expiry, err))) ||
        (rc = px_store_print_packs_lock(db, p->gtin, req->serials, req->n_serials, check_pack, c,
                                        err)) != PX_OK ||
        (rc = print_refusals(c, err)) != PX_OK)
        return rc;
    memset(j, 0, sizeof(*j));
    if (px_uuid_v4(j->id) != PX_OK)
        return px_err_no_random(err);
    print_job_fill(j, c->by, req, p->gtin, prod.mah_id, p->batch, p->expiry);
    rc = px_store_print_job_insert(db, j, req->serials, req->n_serials, err);
    /* Lost a race with a concurrent first print of the same serial: the unique index on first
     * prints refused this one (REQ-PRINT-1) after the winner committed. The job is tried again
     * (a conflict, tx.h), and the rerun's check sees the winner's print: 409 already_printed
     * naming each serial, as a job that came later is told (409 conflict only should every try
     * of the transaction helper meet a conflict). */
    if (rc == PX_EEXISTS)
        return px_err_set(err, PX_ECONFLICT, "conflict",
                          "a serial of this job was printed by a concurrent job; send it again");
    /* Each serial of a print job is a carrier made (a reprint too): the caller's carriers
     * allotment (docs/allotments.md). */
    if (rc != PX_OK ||
        (rc = px_svc_allotment_charge(tx, PX_ALLOT_CARRIERS, j->count, "serials", err)) != PX_OK)
        return rc;
    px_audit_details *d =
        px_tx_audit(tx, j->tenant_id, j->reprint ? "print_job.reprint" : "print_job.create", j->id);
    px_audit_str(d, "gtin", j->gtin);
    /* The batch and expiry printed (a batch new to packid was claimed with it here). */
    px_audit_str(d, "batch", j->batch[0] ? j->batch : NULL);
    px_audit_str(d, "expiry", j->expiry[0] ? j->expiry : NULL);
    px_audit_int(d, "count", j->count);
    px_audit_str(d, "line", j->line);
    px_audit_str(d, "operator", j->operator_name);
    px_audit_bool(d, "reprint", j->reprint);
    px_audit_str(d, "reason", j->reason);
    return PX_OK;
}

/* The request's own fields, checked before anything is read. */
static px_rc print_fields(const px_print_request *req, print_tx *p, px_err *err)
{
    if (req->n_serials == 0 || req->n_serials > PX_PRINT_MAX)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "serials",
                                "serials must list 1 to %d serials", PX_PRINT_MAX);
    if (validate_text(req->line, PX_PRINT_LINE_MAX, "line", 1, err) != PX_OK ||
        validate_text(req->operator_name, PX_PRINT_OPERATOR_MAX, "operator", 1, err) != PX_OK ||
        validate_text(req->reason, PX_PRINT_REASON_MAX, "reason", 0, err) != PX_OK)
        return PX_EINVALID;
    if (req->reason && *req->reason && !req->reprint)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "reason",
                                "reason is for reprints only");
    if (req->batch) {
        /* The batch the packs will be commissioned in: its rule (pack_identity.h). */
        if (px_commission_batch_check(req->batch, err) != PX_OK)
            return PX_EINVALID;
        px_strlcpy(p->batch, req->batch, sizeof(p->batch));
    }
    if (req->expiry) {
        if (!req->batch)
            return px_err_set_field(err, PX_EINVALID, "required", "batch",
                                    "expiry is given without its batch");
        /* The commissioning rule, as an export run has it: the batch this claims is one the
         * packs will be commissioned in, which a past expiry never could be. */
        gs1_date date;
        if (px_commission_expiry_check(&date, req->expiry, px_now_us(), err) != PX_OK) {
            px_err_field(err, "expiry");
            return PX_EINVALID;
        }
        px_strlcpy(p->expiry, req->expiry, sizeof(p->expiry));
    }
    return PX_OK;
}

px_rc px_svc_print_job_create(px_db *db, const px_actor *by, const px_print_request *req,
                              px_print_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    char gtin[GS1_GTIN_LEN + 1];
    if (px__gtin_field(gtin, req->gtin, err) != PX_OK)
        return PX_EINVALID;
    print_tx p = {0};
    p.gtin = gtin;
    px_rc rc = print_fields(req, &p, err);
    if (rc != PX_OK)
        return rc;
    check_ctx c = {.by = by, .req = req, .batch = p.batch, .expiry = p.expiry, .res = res};
    if (check_serials(&c, err) != PX_OK)
        return err->rc;
    c.seen = calloc(req->n_serials, 1);
    if (!c.seen)
        return px_err_oom(err);
    p.c = &c;
    p.syntax_errors = res->n_errors;
    rc = px_tx_run(db, by, print_body, &p, err);
    free(c.seen);
    return rc;
}

px_rc px_svc_print_job_get(px_db *db, const px_actor *by, const char *id, px_print_job *out,
                           px_err *err)
{
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "print job not found");
    px_rc rc = px_store_print_job_get(db, out, id, err);
    if (rc == PX_OK && !px__maker_or_its_mah(by, out->org_id, out->tenant_id))
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "print job not found");
    if (rc == PX_OK)
        rc = px__cmo_reads_through_partnership(db, by, out->gtin, "print job", err);
    return rc;
}

px_rc px_svc_print_jobs_each(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                             const char *after, long limit, px_print_job_fn fn, void *ctx,
                             px_err *err)
{
    char g[GS1_GTIN_LEN + 1] = "";
    if (gtin && *gtin && px__gtin_field(g, gtin, err) != PX_OK)
        return PX_EINVALID;
    if (serial && *serial) {
        if (!g[0]) {
            return px_err_set_field(err, PX_EINVALID, "required", "gtin", "serial needs gtin");
        }
        if (gs1_cset82_validate(serial, GS1_SERIAL_MAX, err) != PX_OK) {
            px_err_field(err, "serial");
            return PX_EINVALID;
        }
    }
    px_print_job_filter f = {
        .gtin = g[0] ? g : NULL, .serial = serial && *serial ? serial : NULL, .limit = limit};
    /* A MAH sees every job on its products, a CMO its own jobs. */
    if (by->org_kind == PX_ORG_MAH)
        f.tenant_id = by->org_id;
    else
        f.org_id = by->org_id;
    char after_id[PX_ID_LEN + 1] = "";
    if (after && *after) {
        const char *bar = strchr(after, '|');
        char us[24];
        if (!bar || (size_t)(bar - after) >= sizeof(us) || !px_uuid_valid(bar + 1))
            return px_cursor_refuse(err);
        memcpy(us, after, (size_t)(bar - after));
        us[bar - after] = '\0';
        long v;
        if (px_parse_long(us, 0, PX_TIME_US_MAX, &v) != 0)
            return px_cursor_refuse(err);
        f.after_us = v;
        px_strlcpy(after_id, bar + 1, sizeof(after_id));
        f.after_id = after_id;
    }
    return px_store_print_jobs_each(db, &f, fn, ctx, err);
}

px_rc px_svc_print_job_serials(px_db *db, const px_actor *by, const char *id, const char *after,
                               long limit, px_print_serial_fn fn, void *ctx, px_err *err)
{
    px_print_job j;
    px_rc rc = px_svc_print_job_get(db, by, id, &j, err);
    if (rc != PX_OK)
        return rc;
    /* The cursor is a serial this list gave (GS1 set 82, at most 20). */
    px_err ignored;
    if (after && *after && gs1_cset82_validate(after, GS1_SERIAL_MAX, &ignored) != PX_OK)
        return px_cursor_refuse(err);
    return px_store_print_job_serials(db, id, after, limit, fn, ctx, err);
}
