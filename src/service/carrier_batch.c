/* Carriers in bulk (docs/carrier.md "Batches").
 *
 * The request is checked for shape and design only and stored with its items; the job that
 * renders them is carrier_batch_run.c, its design and saved templates carrier_design.c. Here: a
 * batch's creation and reads, a carrier rendered again from its stored data and design, the
 * batch's ZIP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allotments.h"
#include "carrier_batch.h"
#include "job_store.h"
#include "pack_internal.h"
#include "px_array.h"
#include "px_crypto.h"
#include "px_str.h"
#include "service_internal.h"
#include "tx.h"

/* ---- batches ------------------------------------------------------------------------------ */

px_rc px_svc_carrier_target_check(const px_actor *by, const char *target, gs1_elements *el,
                                  const char **gtin, px_err *err)
{
    *gtin = NULL;
    if (by->org_kind != PX_ORG_MAH)
        return px_err_set(err, PX_EFORBIDDEN, "forbidden_target",
                          "only a brand owner (MAH) may render Digital Link targets");
    px_rc rc = gs1_dl_parse(el, target, err);
    if (rc != PX_OK)
        return rc;
    for (int i = 0; i < el->count; i++)
        if (strcmp(el->items[i].ai, "01") == 0)
            *gtin = el->items[i].value;
    if (!*gtin || !**gtin || !px_digits(*gtin, strlen(*gtin)))
        return px_err_set(err, PX_EINVALID, "invalid_value",
                          "the Digital Link has no GTIN (AI 01) as its primary key");
    return PX_OK;
}

/* The request's items as checked before the transaction: copies of them with the errors of
 * those refused, and the GTIN-14 of each item: a pack's as normalised (the copy's gtin points
 * at it, so the batch stores every pack item's GTIN in one form, as its carriers hold it) or
 * the one a target names (check_item_products looks it up). */
typedef struct checked_items {
    px_carrier_item_in *items;
    px_err *errs;
    char (*gtin14)[GS1_GTIN_LEN + 1];
} checked_items;

/* Never yes now, failure later: an item that can never render (a pack's GTIN with a wrong
 * check digit or a serial outside GS1 set 82; a CMO's target, one that is no Digital Link) is
 * that item's error as the batch is stored, not in the job. */
static px_rc check_items(const px_actor *by, const px_carrier_batch_request *req, checked_items *ck,
                         px_err *err)
{
    ck->items = calloc(req->n_items, sizeof(*ck->items));
    ck->errs = calloc(req->n_items, sizeof(*ck->errs));
    ck->gtin14 = calloc(req->n_items, sizeof(*ck->gtin14));
    if (!ck->items || !ck->errs || !ck->gtin14)
        return px_err_oom(err);
    for (size_t i = 0; i < req->n_items; i++) {
        px_carrier_item_in *it = &ck->items[i];
        *it = req->items[i];
        if (it->error)
            continue;
        gs1_elements el;
        const char *gtin;
        px_err *e = &ck->errs[i];
        px_err_clear(e);
        if (!it->target) {
            /* GS1's rules for the keys: a pack of such a GTIN or serial cannot exist (the job's
             * pack read would answer not_found). */
            if (gs1_gtin_normalize(ck->gtin14[i], it->gtin, e) != PX_OK ||
                gs1_cset82_validate(it->serial, GS1_SERIAL_MAX, e) != PX_OK) {
                it->error = e->message;
                it->error_code = e->code;
            } else {
                it->gtin = ck->gtin14[i];
            }
            continue;
        }
        if (px_svc_carrier_target_check(by, it->target, &el, &gtin, e) != PX_OK) {
            it->error = e->message;
            it->error_code = e->code;
        } else {
            /* AI 01 is N14 (the Digital Link parser checks its value): it fits. */
            px_strlcpy(ck->gtin14[i], gtin, sizeof(ck->gtin14[i]));
        }
    }
    return PX_OK;
}

static void checked_items_free(checked_items *ck)
{
    free(ck->items);
    free(ck->errs);
    free(ck->gtin14);
}

typedef struct batch_ctx {
    px_carrier_batch *b;
    const px_carrier_batch_request *req;
    checked_items ck;     /* req's items, targets checked (check_targets) */
    size_t pack_link_max; /* the longest Digital Link a pack item's QR code can carry */
} batch_ctx;

px_rc px_svc_carrier_target_product(px_db *db, const px_actor *by, const char *gtin, px_err *err)
{
    px_product prod;
    px_rc rc = px_store_product_get(db, &prod, gtin, 0, err);
    if (rc == PX_OK && !px__org_sees_product(by, &prod))
        rc = PX_ENOTFOUND;
    if (rc == PX_ENOTFOUND)
        px_err_set(err, PX_ENOTFOUND, "not_found", "product %s not found", gtin);
    return rc;
}

/* A pack item of a product the caller does not see (not its own, or not granted to a CMO): the
 * item's error as it is stored, as the job would find it (set and cleared only here: an
 * attempt run again looks again). */
static const char k_pack_not_found[] = "pack not found";

/* The product of each item left: one the caller sees (a MAH's own; a CMO's through its
 * partnerships), or the item's error not_found as it is stored (another MAH's product answers
 * as an unknown one: nothing leaks). A CMO's product suspended refuses the batch (403
 * partnership_suspended, as its exports and print jobs). The job looks again (a product could
 * change hands meanwhile). Consecutive items of one GTIN are looked up once. */
static px_rc check_item_products(px_db *db, const px_actor *by, batch_ctx *c, px_err *err)
{
    char last[GS1_GTIN_LEN + 1] = "";
    px_err last_err = PX_ERR_INIT;
    for (size_t i = 0; i < c->req->n_items; i++) {
        px_carrier_item_in *it = &c->ck.items[i];
        const char *gtin = c->ck.gtin14[i];
        if (!it->target) {
            if (it->error == k_pack_not_found)
                it->error = it->error_code = NULL;
            if (it->error)
                continue; /* refused by check_items already */
            if (strcmp(gtin, last) != 0) {
                px_err_clear(&last_err);
                px_rc rc =
                    by->org_kind == PX_ORG_CMO
                        ? px__cmo_reads_through_partnership(db, by, gtin, "product", &last_err)
                        : px_svc_carrier_target_product(db, by, gtin, &last_err);
                if (rc != PX_OK && rc != PX_ENOTFOUND)
                    return px_err_pass(err, &last_err);
                px_strlcpy(last, gtin, sizeof(last));
            }
            if (last_err.rc != PX_OK) {
                it->error = k_pack_not_found;
                it->error_code = "not_found";
            }
            continue;
        }
        if (!gtin[0])
            continue; /* refused by check_items already */
        /* An attempt run again looks again (tx.h): a product committed meanwhile is seen. */
        it->error = NULL;
        it->error_code = NULL;
        if (strcmp(gtin, last) != 0) {
            px_err_clear(&last_err);
            px_rc rc = px_svc_carrier_target_product(db, by, gtin, &last_err);
            if (rc != PX_OK && rc != PX_ENOTFOUND) {
                return px_err_pass(err, &last_err);
            }
            px_strlcpy(last, gtin, sizeof(last));
        }
        if (last_err.rc != PX_OK) {
            px_err *e = &c->ck.errs[i];
            *e = last_err;
            it->error = e->message;
            it->error_code = e->code;
        }
    }
    return PX_OK;
}

/* A CMO's batch read through its partnerships, as every read of its
 * (px__cmo_reads_through_partnership): each product its pack items name must still be granted
 * to it (else 404, the batch's or carrier's) and its partnership active (else 403
 * partnership_suspended, at once). */
typedef struct cmo_gtins {
    px_db *db;
    const char *cmo_org_id, *what;
    px_rc rc;
    px_err *err;
} cmo_gtins;

static int cmo_gtin_served(void *vc, const char *gtin)
{
    cmo_gtins *c = vc;
    c->rc = px__cmo_org_reads_through_partnership(c->db, c->cmo_org_id, gtin, c->what, c->err);
    return c->rc != PX_OK;
}

static px_rc cmo_batch_served(px_db *db, const char *org_kind, const char *org_id,
                              const char *batch_id, const char *what, px_err *err)
{
    if (strcmp(org_kind, "cmo") != 0)
        return PX_OK;
    cmo_gtins c = {db, org_id, what, PX_OK, err};
    px_rc rc = px_store_carrier_batch_gtins(db, batch_id, cmo_gtin_served, &c, err);
    return rc != PX_OK ? rc : c.rc;
}

/* Never yes now, failure later: a batch's archive is drawn in memory at each download
 * (px_svc_carrier_batch_zip), so a batch whose images could outgrow it would be accepted and
 * then not handed out, and each download would hold that much memory. Its items' images,
 * bounded from their payloads' lengths (a pack's by PX_CARRIER_PACK_ES_MAX, or its Digital
 * Link's: the configured domain and PX_CARRIER_PACK_LINK_PATH_MAX, its batch and expiry being
 * read by the job), must stay within PX_CARRIER_BATCH_PIXELS_MAX
 * together. */
static px_rc pixels_within_budget(const px_carrier_batch *b, const checked_items *ck, size_t n,
                                  size_t pack_link_max, px_err *err)
{
    px_carrier_opts o;
    px_svc_carrier_design_opts(&o, &b->design, PX_CARRIER_PNG);
    int qr = strcmp(b->symbology, "qr") == 0;
    uint64_t px = 0;
    for (size_t i = 0; i < n; i++)
        if (!ck->items[i].error)
            px += px_carrier_pixels_bound(ck->items[i].target ? strlen(ck->items[i].target)
                                          : qr                ? pack_link_max
                                                              : PX_CARRIER_PACK_ES_MAX,
                                          qr, &o);
    if (px <= PX_CARRIER_BATCH_PIXELS_MAX)
        return PX_OK;
    return px_err_set_field(err, PX_EINVALID, "batch_too_large", "items",
                            "the batch's symbols may take up to %llu million pixels, more than "
                            "the %llu million a batch's archive holds: send fewer items, or a "
                            "smaller module_px or quiet_zone",
                            (unsigned long long)(px / 1000000),
                            (unsigned long long)(PX_CARRIER_BATCH_PIXELS_MAX / 1000000));
}

static px_rc batch_body(px_tx *tx, void *vc, px_err *err)
{
    batch_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    px_rc rc;
    if (c->req->template_id) {
        /* REQ-CBATCH-4: a saved design overrides the inline one (docs/api.md "Carriers in bulk").
         */
        px_carrier_template t;
        rc = px_svc_carrier_template_get(db, by, c->req->template_id, &t, err);
        if (rc != PX_OK) {
            px_err_field(err, "template_id");
            return rc;
        }
        c->b->design = t.design;
        px_strlcpy(c->b->template_id, t.id, sizeof(c->b->template_id));
    }
    if ((rc = check_item_products(db, by, c, err)) != PX_OK)
        return rc;
    /* Never yes now, failure later: a batch none of whose items can render would only fail
     * in its job; refused now, naming the first item's fault (the batch keeps per-item
     * errors while one item at least renders). */
    size_t refused = 0, first = 0;
    for (size_t i = c->req->n_items; i-- > 0;)
        if (c->ck.items[i].error) {
            refused++;
            first = i;
        }
    if (refused == c->req->n_items) {
        const px_carrier_item_in *it = &c->ck.items[first];
        return px_err_set_field(err, PX_EINVALID, it->error_code ? it->error_code : "invalid_item",
                                "items", "no item of the batch can be rendered: item %zu: %s%s",
                                first, it->error, refused > 1 ? " (and every other item)" : "");
    }
    if ((rc = pixels_within_budget(c->b, &c->ck, c->req->n_items, c->pack_link_max, err)) != PX_OK)
        return rc;
    rc = px_store_carrier_batch_insert(db, c->b, c->ck.items, c->req->n_items, err);
    /* Every item of an accepted batch that is not refused as it arrives is a carrier made
     * against the caller's allotment (docs/allotments.md), charged here, before any is
     * rendered. */
    long long charged = 0;
    for (size_t i = 0; i < c->req->n_items; i++)
        charged += c->ck.items[i].error == NULL;
    if (rc != PX_OK ||
        (rc = px_svc_allotment_charge(tx, PX_ALLOT_CARRIERS, charged, "items", err)) != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit(tx, px_tenant_of(by), "carrier_batch.create", c->b->id);
    px_audit_str(d, "symbology", c->b->symbology);
    px_audit_int(d, "total_count", c->b->total_count);
    /* A CMO's batch renders its MAHs' packs: on record in each of their chains too. */
    px_tx_also also = {tx, d};
    return by->org_kind == PX_ORG_CMO
               ? px_store_carrier_batch_mahs(db, c->b->id, by->org_id, px_tx_also_in, &also, err)
               : PX_OK;
}

px_rc px__carrier_batch_cmo_served(px_db *db, const char *batch_id, const char *cmo_org_id,
                                   const char *what, px_err *err)
{
    return cmo_batch_served(db, "cmo", cmo_org_id, batch_id, what, err);
}

/* A CMO never sees a pack after the MAH released it (DESIGN's pack visibility rule), and a
 * carrier shows the pack whole (GTIN, serial, batch, expiry). So a CMO's batch holding a pack
 * released since it was rendered is no longer handed out, its GET (which would mint the link)
 * and its download alike: 409 carriers_released, saying how many, as a CMO's print manifest
 * is (export_released); a new batch takes the packs still unreleased. */
static px_rc cmo_batch_unreleased(px_db *db, const px_carrier_batch *b, px_err *err)
{
    long long n = 0;
    if (strcmp(b->org_kind, "cmo") != 0)
        return PX_OK;
    px_rc rc = px_store_carriers_released(db, b->id, -1, &n, err);
    if (rc != PX_OK || n == 0)
        return rc;
    return px_err_set(err, PX_ECONFLICT, "carriers_released",
                      "%lld of the packs of carrier batch %s were released since it was rendered; "
                      "the CMO's carriers of them are no longer handed out: send a new batch",
                      n, b->id);
}

px_rc px__carrier_batch_retry(px_tx *tx, const px_job *j, px_err *err)
{
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    long long n = 0;
    px_rc rc = px_store_carrier_batch_requeue(db, j->object_id, &n, err);
    if (rc != PX_OK)
        return rc;
    /* Items refused each for its own reason (a pack unknown, not the caller's) would be
     * refused again: they are sent again in a new batch, as its items' errors say. */
    if (n == 0)
        return px_err_set(err, PX_ESTATE, "job_not_retryable",
                          "carrier batch %s failed item by item, each for its own reason (GET "
                          "/v1/carrier-batches/%s): send those items again in a new batch",
                          j->object_id, j->object_id);
    /* A CMO's batch is retried as it is read: through its partnerships, and not once a pack
     * of it was released (it would complete and never be handed out). */
    px_carrier_batch b;
    if ((rc = px_store_carrier_batch_get(db, &b, j->object_id, err)) != PX_OK ||
        (rc = cmo_batch_served(db, b.org_kind, b.org_id, b.id, "carrier batch", err)) != PX_OK ||
        (rc = cmo_batch_unreleased(db, &b, err)) != PX_OK ||
        (rc = px_svc_allotment_charge(tx, PX_ALLOT_CARRIERS, n, NULL, err)) != PX_OK ||
        (rc = px_store_allotment_recharged_carrier_batch(db, b.id, err)) != PX_OK ||
        (rc = px_store_job_requeue(db, j->id, b.completed_count + b.error_count, err)) != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit(tx, px_tenant_of(by), "carrier_batch.retry", b.id);
    px_audit_str(d, "job_id", j->id);
    px_audit_int(d, "items", n);
    px_audit_str(d, "failed_with", j->error);
    px_tx_also also = {tx, d};
    return by->org_kind == PX_ORG_CMO
               ? px_store_carrier_batch_mahs(db, b.id, by->org_id, px_tx_also_in, &also, err)
               : PX_OK;
}

px_rc px_svc_carrier_batch_create(px_db *db, const px_app *app, const px_actor *by,
                                  const px_carrier_batch_request *req, px_carrier_batch *out,
                                  px_err *err)
{
    px_carrier_batch b = {0};
    static const char *const symbologies[] = {"datamatrix", "qr"};
    const char *sym = req->symbology ? req->symbology : "datamatrix";
    px_rc rc = px_name_pick(symbologies, PX_COUNT(symbologies), sym, "invalid_value", "symbology",
                            NULL, err);
    if (rc != PX_OK)
        return rc;
    if (req->n_items < 1 || req->n_items > PX_CARRIER_BATCH_MAX)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "items",
                                "items must hold 1 to %d entries", PX_CARRIER_BATCH_MAX);
    if (req->template_id && !px_uuid_valid(req->template_id))
        return px_err_set_field(err, PX_ENOTFOUND, "not_found", "template_id",
                                "carrier template not found");
    /* The inline design is checked even when a template overrides it: a request is valid or
     * not on its own. */
    rc = px_svc_carrier_design_check(&b.design, req->design, err);
    if (rc != PX_OK)
        return rc;
    px_strlcpy(b.symbology, sym, sizeof(b.symbology));
    px_strlcpy(b.org_id, by->org_id, sizeof(b.org_id));
    px_strlcpy(b.org_kind, px_org_kind_name(by->org_kind), sizeof(b.org_kind));
    b.role = (int)by->role;
    px_strlcpy(b.key_id, by->key_id, sizeof(b.key_id));
    if (px_uuid_v4(b.id) != PX_OK || px_uuid_v4(b.job_id) != PX_OK)
        return px_err_no_random(err);
    batch_ctx c = {
        &b, req, {NULL, NULL, NULL}, strlen(app->cfg.dl_domain) + PX_CARRIER_PACK_LINK_PATH_MAX};
    if ((rc = check_items(by, req, &c.ck, err)) == PX_OK)
        rc = px_tx_run(db, by, batch_body, &c, err);
    checked_items_free(&c.ck);
    if (rc == PX_OK)
        *out = b;
    return rc;
}

px_rc px_svc_carrier_batch_get(px_db *db, const px_app *app, const px_actor *by, const char *id,
                               px_carrier_batch *out, px_export_link *link, px_err *err)
{
    memset(link, 0, sizeof(*link));
    if (!id || !px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "carrier batch not found");
    px_rc rc = px_store_carrier_batch_get(db, out, id, err);
    /* REQ-CBATCH-3: another organization's batch is not found, so nothing leaks
     * (docs/architecture.md "Requests"). */
    if (rc == PX_OK && strcmp(out->org_id, by->org_id) != 0)
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "carrier batch not found");
    if (rc == PX_OK)
        rc = cmo_batch_served(db, out->org_kind, out->org_id, out->id, "carrier batch", err);
    if (rc != PX_OK || strcmp(out->status, "completed") != 0)
        return rc;
    if ((rc = cmo_batch_unreleased(db, out, err)) != PX_OK)
        return rc;
    char path[128];
    snprintf(path, sizeof(path), "/v1/carrier-batches/%s/download", out->id);
    return px_svc_link_mint(db, app, "carrier-batch", out->id, path, link, err);
}

px_rc px_svc_carrier_batch_items(px_db *db, const char *batch_id, px_carrier_item_fn fn, void *ctx,
                                 px_err *err)
{
    return px_store_carrier_items_each(db, batch_id, 0, 0, fn, ctx, err);
}

/* ---- rendering a carrier ------------------------------------------------------------------ */

/* A carrier's symbol and its design's options for fmt: encoded once, drawn in any format (what
 * px_carrier_qr and px_carrier_datamatrix do in one call). */
static px_rc encode_row(const px_carrier_row *c, px_carrier_format fmt, px_carrier_matrix *m,
                        px_carrier_opts *o, px_err *err)
{
    px_svc_carrier_design_opts(o, &c->design, fmt);
    if (strcmp(c->symbology, "qr") == 0)
        return px_carrier_qr_encode_ec(m, c->data, o->qr_ec, err);
    return px_carrier_datamatrix_encode(m, c->data, strlen(c->data), o->shape, err);
}

static px_rc render_row(const px_carrier_row *c, px_carrier_format fmt, px_buf *out, px_err *err)
{
    px_carrier_matrix m;
    px_carrier_opts o;
    px_rc rc = encode_row(c, fmt, &m, &o, err);
    return rc == PX_OK ? px_carrier_render(out, &m, &o, err) : rc;
}

px_rc px_svc_carrier_render(px_db *db, const px_actor *by, const char *id, px_carrier_format fmt,
                            px_buf *out, px_err *err)
{
    if (!id || !px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "carrier not found");
    px_carrier_row *c = malloc(sizeof(*c));
    if (!c)
        return px_err_oom(err);
    px_rc rc = px_store_carrier_get(db, c, id, err);
    if (rc == PX_OK && strcmp(c->org_id, by->org_id) != 0)
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "carrier not found");
    /* A CMO's carrier of a pack released since: the pack is out of its view, as
     * GET /v1/packs/{gtin}/{serial} is (cmo_batch_unreleased). */
    long long released = 0;
    if (rc == PX_OK && c->gtin[0])
        rc = px__cmo_reads_through_partnership(db, by, c->gtin, "carrier", err);
    if (rc == PX_OK && by->org_kind == PX_ORG_CMO && c->gtin[0] &&
        (rc = px_store_carriers_released(db, c->batch_id, c->idx, &released, err)) == PX_OK &&
        released > 0)
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "carrier not found");
    if (rc == PX_OK)
        rc = render_row(c, fmt, out, err);
    free(c);
    return rc;
}

typedef struct zip_ctx {
    px_carrier_zip *z;
    px_carrier_matrix m;
    px_buf img;
    px_err *err;
    px_rc rc;
} zip_ctx;

/* One carrier's PNG and SVG, its symbol encoded once for both. */
static int zip_one(void *vc, const px_carrier_row *c)
{
    zip_ctx *z = vc;
    char name[64];
    px_carrier_opts o;
    z->rc = encode_row(c, PX_CARRIER_PNG, &z->m, &o, z->err);
    for (int k = 0; k < 2 && z->rc == PX_OK; k++) {
        px_buf_reset(&z->img);
        o.format = k ? PX_CARRIER_SVG : PX_CARRIER_PNG;
        z->rc = px_carrier_render(&z->img, &z->m, &o, z->err);
        /* Named by the item's index (zero-padded, so a file listing sorts like the request). */
        snprintf(name, sizeof(name), "%04d-%s.%s", c->idx, c->symbology, k ? "svg" : "png");
        if (z->rc == PX_OK)
            z->rc = px_carrier_zip_add(z->z, name, z->img.data, z->img.len, !k, z->err);
    }
    return z->rc != PX_OK;
}

px_rc px_svc_carrier_batch_zip(px_db *db, const px_app *app, const char *id, const char *expires,
                               const char *sig, px_buf *out, char *filename, size_t cap,
                               px_err *err)
{
    if (!id || !px_uuid_valid(id))
        return px__link_refused(err);
    px_carrier_batch b;
    px_err nf = PX_ERR_INIT;
    px_rc rc = px_store_carrier_batch_get(db, &b, id, &nf);
    /* The link carries no mode: a batch not found live may be the sandbox's (docs/sandbox.md),
     * whose link the sandbox's own secret signed; the connection stays there for the rest of
     * the request, as an export's download does. */
    if (rc == PX_ENOTFOUND && (rc = px_db_set_sandbox(db, 1, &nf)) == PX_OK)
        rc = px_store_carrier_batch_get(db, &b, id, &nf);
    if (rc != PX_OK && rc != PX_ENOTFOUND)
        return px_err_pass(err, &nf); /* a failed read is that failure, not a refused link */
    int found = rc == PX_OK;
    if ((rc = px_svc_link_check(db, app, "carrier-batch", id, expires, sig, err)) != PX_OK)
        return rc;
    if (!found || strcmp(b.status, "completed") != 0)
        return px__link_refused(err);
    /* Whoever holds the link: a CMO's batch is handed out as the CMO would read it. */
    if ((rc = cmo_batch_served(db, b.org_kind, b.org_id, b.id, "carrier batch", err)) != PX_OK ||
        (rc = cmo_batch_unreleased(db, &b, err)) != PX_OK)
        return rc;
    snprintf(filename, cap, "packid-carriers-%.8s.zip", b.id);
    zip_ctx z = {.err = err, .rc = PX_OK};
    px_buf_init(&z.img, PX_CARRIER_IMAGE_MAX);
    rc = px_carrier_zip_new(&z.z, err);
    if (rc == PX_OK)
        rc = px_store_carriers_each(db, b.id, zip_one, &z, err);
    if (rc == PX_OK)
        rc = z.rc;
    if (rc == PX_OK)
        rc = px_carrier_zip_finish(z.z, out, err);
    px_carrier_zip_free(z.z);
    px_buf_dispose(&z.img);
    return rc;
}
