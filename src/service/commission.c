/* Commissioning (lifecycle.h, docs/lifecycle.md "Commissioning rules"). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "allotments.h"
#include "gs1.h"
#include "pack_identity.h"
#include "pack_internal.h"
#include "print_store.h"
#include "px_clock.h"
#include "px_crypto.h"

/* ---- the event hash, computed ahead ----------------------------------------------------- */

/* The event hash of a commission, computed on another thread while the database works: in
 * the common case (every candidate commissioned) the event's EPCs are exactly the candidates,
 * known before the transaction, and hashing 10,000 EPCs costs about as much as writing them
 * (docs/lifecycle.md "Figures"). When the outcome differs (partial with rejections) the hash
 * is computed again inline. */
typedef struct hash_ahead {
    pthread_t thread;
    int started, joined;
    px_pack_status to;
    px__event_in in;
    px_epcis_event ev;
    char sgln[64];
    char hash[PX_EPCIS_EVENT_ID_MAX];
    px_rc rc;
    px_err err;
} hash_ahead;

static void *hash_ahead_main(void *arg)
{
    hash_ahead *h = arg;
    h->rc = px_epcis_event_hash(h->hash, &h->ev, &h->err);
    return NULL;
}

/* prod must outlive the join (it is the caller's). */
static void hash_ahead_start(hash_ahead *h, const px_actor *by, const px_product *prod,
                             const char *const *cand, size_t n, const char *batch,
                             const char *expiry, int64_t now, const px_event_origin *origin)
{
    memset(h, 0, sizeof(*h));
    px_pack_status_init(&h->to);
    h->to.state = PX_PACK_COMMISSIONED;
    px__event_in in = {
        .by = by,
        .prod = prod,
        .op = "commission",
        .action = PX_PACK_COMMISSION,
        .to = &h->to,
        .now_us = now,
        .serials = cand,
        .n = n,
        .serial_set = "commission",
        .lot = batch,
        .expiry = expiry,
        .origin = origin,
    };
    h->in = in;
    px_epcis_vocab vocab;
    px_err e;
    if (px__event_build(&h->ev, &vocab, h->sgln, &h->in, &e) != PX_OK)
        return;
    /* The event points its read point at h->sgln, which lives on. */
    h->started = pthread_create(&h->thread, NULL, hash_ahead_main, h) == 0;
}

static void hash_ahead_join(hash_ahead *h)
{
    if (h && h->started && !h->joined) {
        pthread_join(h->thread, NULL);
        h->joined = 1;
    }
}

/* The precomputed hash when the event's EPCs are the ones hashed ahead, else NULL. */
static const char *hash_ahead_take(hash_ahead *h, const char *const *epcs, size_t n)
{
    if (!h || !h->started)
        return NULL;
    hash_ahead_join(h);
    if (h->rc != PX_OK || n != h->ev.n_serials)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (epcs[i] != h->ev.serials[i])
            return NULL;
    return h->hash;
}

/* ---- the transaction --------------------------------------------------------------------- */

typedef struct commission_ctx {
    const px_actor *by;
    const px_commission_req *req;
    px_idem *idem;
    hash_ahead *ahead;
    px_commission_result *res;
    px__errlist *errs;
    size_t errs_before;      /* the syntax errors, found before the transaction */
    const char *const *cand; /* the serials that passed the syntax rules */
    const size_t *cand_idx;  /* their request index */
    size_t n_cand;
    int64_t now;
    int whole_refused; /* refused as a whole (access, read point, batch, allotment, a row that
                        * failed): not for its items */
    size_t n_printed;  /* candidates printed with another batch (printed_batch_mismatch) */
    long long label_writes; /* the GTIN's count of label writes before the first probe, or -1 */
    const unsigned char *checked; /* per pool candidate: 1 when the first probe vouched for it */
} commission_ctx;

/* Forgets what an earlier attempt learnt: a rerun starts from the syntax errors. */
static void commission_reset(commission_ctx *c)
{
    for (size_t e = c->errs_before; e < c->errs->n; e++)
        c->res->status[c->errs->v[e].index] = PX_ITEM_OK;
    c->errs->n = c->errs_before;
    c->whole_refused = 0;
    c->n_printed = 0;
    c->label_writes = -1;
    if (c->idem && c->idem->body && !c->idem->replayed) {
        free(c->idem->body);
        c->idem->body = NULL;
    }
}

/* Marks the candidates the pool refused (out->rejected) as duplicate_serial items. */
static px_rc add_duplicates(commission_ctx *c, const px_commission_outcome *out, px_err *err)
{
    for (size_t k = 0; k < out->n_rejected; k++) {
        size_t i = c->cand_idx[out->rejected[k]];
        px_err e;
        px_err_set(&e, PX_EEXISTS, "duplicate_serial",
                   "serial '%s' is already commissioned or allocated to another organization",
                   c->req->serials[i]);
        c->res->status[i] = PX_ITEM_REJECTED;
        px_rc rc = px__errlist_add(c->errs, i, &e, err);
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

/* Access, the batch's one expiry (docs/api.md "batch_expiry_mismatch"; NMVS_FE_LOT_12) and the
 * pool: the candidates are commissioned (allocated ones claimed, external ones inserted) and
 * the refused ones become duplicate_serial items. A batch with another expiry writes nothing. */
px_rc px__batch_expiry_claim(px_db *db, const char *gtin, const char *batch, const char *expiry,
                             const char *field, char recall[PX_BATCH_RECALL_MAX], px_err *err)
{
    char stored[7];
    px_rc rc = px_store_batch_claim(db, stored, recall, gtin, batch, expiry, err);
    if (rc == PX_OK && strcmp(stored, expiry) != 0)
        rc = px_err_set_field(err, PX_ECONFLICT, "batch_expiry_mismatch", field,
                              "batch '%s' has expiry %s, not %s", batch, stored, expiry);
    return rc;
}

/* Never yes now, failure later: a serial a print job or a production run's manifest labelled
 * with another batch would be commissioned under this one, and every scan of its pack would
 * then say mismatch (its DataMatrix and the record disagree). Such candidates become
 * printed_batch_mismatch items; the pool sees the others (cand, idx: n of them, the request's
 * candidates less those). */
static px_rc printed_elsewhere(commission_ctx *c, px_db *db, const char **cand, size_t *idx,
                               unsigned char *checked, size_t *n, px_err *err)
{
    size_t *printed = NULL, n_printed = 0;
    unsigned char *seen = malloc(c->n_cand ? c->n_cand : 1);
    if (!seen)
        return px_err_oom(err);
    /* Counted before the probe (an earlier snapshot): a label that commits between the two is
     * in the probe and moves the count, so printed_meanwhile reads every taken serial again. */
    px_rc rc = px_store_label_writes(db, c->res->gtin, &c->label_writes, err);
    if (rc == PX_OK)
        rc = px_store_printed_other_batch(db, c->res->gtin, c->req->batch, c->by->org_id, c->cand,
                                          c->n_cand, seen, &printed, &n_printed, err);
    *n = 0;
    for (size_t k = 0, p = 0; rc == PX_OK && k < c->n_cand; k++) {
        if (p < n_printed && printed[p] == k) {
            size_t i = c->cand_idx[k];
            px_err e;
            px_err_set(&e, PX_ESTATE, "printed_batch_mismatch",
                       "serial '%s' was printed with another batch than '%s': its pack's code "
                       "would never match its record",
                       c->req->serials[i], c->req->batch);
            c->res->status[i] = PX_ITEM_REJECTED;
            rc = px__errlist_add(c->errs, i, &e, err);
            p++;
            continue;
        }
        cand[*n] = c->cand[k];
        checked[*n] = seen[k];
        idx[(*n)++] = c->cand_idx[k];
    }
    c->n_printed = n_printed;
    free(printed);
    free(seen);
    return rc;
}

/* A print job that labelled a serial with another batch while this commission waited for the
 * row (the job holds it FOR SHARE until it commits; the check above could not see it yet): a
 * new statement sees it now. Then the whole commission runs again (PX_ECONFLICT "conflict",
 * px_tx_run's retry), where the check refuses the serial. Only the serials taken are asked
 * about (the caller's: nothing of another's labels shows). */
static px_rc printed_meanwhile(commission_ctx *c, px_db *db, const px_commission_outcome *out,
                               px_err *err)
{
    /* Nothing labelled since the first probe (the count did not move): only a serial that
     * probe did not read and the pool's UPDATE took needs reading (one allocated to the caller
     * since, whose run manifest was already there). The others it did not read are the
     * request's new external serials, rows this commission inserted: nothing can label a
     * serial before its row exists. Every serial the probe read was allocated, so when the
     * UPDATE took no more serials than those, there is nothing to read. */
    long long writes = -1;
    px_rc rc = px_store_label_writes(db, c->res->gtin, &writes, err);
    if (rc != PX_OK)
        return rc;
    int moved = c->label_writes < 0 || writes != c->label_writes;
    const char **taken = malloc((c->n_cand ? c->n_cand : 1) * sizeof(*taken));
    if (!taken)
        return px_err_oom(err);
    size_t n = 0, n_read = 0;
    for (size_t k = 0, r = 0; k < c->n_cand; k++) {
        if (r < out->n_rejected && out->rejected[r] == k) {
            r++;
            continue;
        }
        int read = c->checked && c->checked[k];
        n_read += (size_t)read;
        if (moved || !read)
            taken[n++] = c->cand[k];
    }
    if (!moved && (long)n_read >= out->allocated)
        n = 0;
    size_t *printed = NULL, n_printed = 0;
    rc = n ? px_store_printed_other_batch(db, c->res->gtin, c->req->batch, NULL, taken, n, NULL,
                                          &printed, &n_printed, err)
           : PX_OK;
    free(taken);
    free(printed);
    if (rc == PX_OK && n_printed)
        rc = px_err_set(err, PX_ECONFLICT, "conflict",
                        "a print job labelled %zu of the serials while they were commissioned",
                        n_printed);
    return rc;
}

static px_rc commission_rows(commission_ctx *c, px_db *db, const char *commission_id,
                             px_product *prod, px_commission_outcome *out, px_err *err)
{
    px_rc rc = px_svc_product_access(db, c->by, c->res->gtin, 0, prod, err);
    if (rc == PX_OK)
        rc = px__commission_read_point(c->by, prod, c->req->origin, err);
    if (rc != PX_OK)
        return rc;
    char recall[PX_BATCH_RECALL_MAX];
    rc = px__batch_expiry_claim(db, c->res->gtin, c->req->batch, c->req->expiry_date, "expiry_date",
                                recall, err);
    if (rc == PX_OK && recall[0]) /* before any pack is written: nothing changes */
        rc = px__batch_recalled(err, c->res->gtin, c->req->batch, recall);
    if (rc != PX_OK)
        return rc;
    const char **cand = malloc((c->n_cand ? c->n_cand : 1) * sizeof(*cand));
    size_t *idx = malloc((c->n_cand ? c->n_cand : 1) * sizeof(*idx)), n = 0;
    unsigned char *checked = malloc(c->n_cand ? c->n_cand : 1);
    if (!cand || !idx || !checked)
        rc = px_err_oom(err);
    if (rc == PX_OK)
        rc = printed_elsewhere(c, db, cand, idx, checked, &n, err);
    /* The pool reads the candidates left; its refusals' indexes are theirs (add_duplicates). */
    const char *const *all = c->cand;
    const size_t *all_idx = c->cand_idx;
    size_t n_all = c->n_cand;
    if (rc == PX_OK) {
        px_commission_rows rows = {c->res->gtin,
                                   c->req->batch,
                                   c->req->expiry_date,
                                   c->by->org_id,
                                   commission_id,
                                   c->now,
                                   cand,
                                   n};
        c->cand = cand;
        c->cand_idx = idx;
        c->n_cand = n;
        c->checked = checked;
        rc = px_store_commission_serials(db, out, &rows, err);
        if (rc == PX_OK)
            rc = add_duplicates(c, out, err);
        if (rc == PX_OK)
            rc = printed_meanwhile(c, db, out, err);
        c->cand = all;
        c->cand_idx = all_idx;
        c->n_cand = n_all;
    }
    c->checked = NULL;
    free(cand);
    free(idx);
    free(checked);
    return rc;
}

/* All-or-nothing with invalid serials (the answer is 422 whatever the pool says): runs the
 * pool check of the valid candidates exactly as a commission would (same statement, so
 * "duplicate_serial" means the same thing) and rolls it back, adding their duplicate_serial
 * items. The request's other refusals keep their order: the field rules (422) come before
 * access, read point and batch rules, so when the product is not the caller's, its
 * partnership is suspended, the caller has no read point or the batch has another expiry, the
 * answer stays the 422 of the invalid serials and the pool is not consulted (nothing about it
 * is disclosed). No idempotency key is
 * claimed: a failed request stores nothing (docs/lifecycle.md "Idempotency"). */
static px_rc check_pool_body(px_tx *tx, void *vc, px_err *err)
{
    commission_ctx *c = vc;
    commission_reset(c);
    px_tx_discard(tx);
    px_product prod;
    px_commission_outcome out = {0};
    char id[PX_ID_LEN + 1];
    px_rc rc = px_uuid_v4(id) == PX_OK ? commission_rows(c, px_tx_db(tx), id, &prod, &out, err)
                                       : px_err_no_random(err);
    px_commission_outcome_dispose(&out);
    /* Access and batch refusals yield to the field rules; the database's own failures (and
     * the conflicts the helper reruns) do not. */
    if (rc != PX_OK && !px_tx_retryable(rc, err) && rc != PX_EINTERNAL && rc != PX_EUNAVAIL) {
        commission_reset(c);
        rc = PX_OK;
    }
    return rc;
}

static px_rc commission_refusal(commission_ctx *c, px_err *err)
{
    size_t n_invalid = c->errs_before, n_dup = c->errs->n - c->errs_before;
    if (n_dup)
        return px_err_set(err, PX_EINVALID, "validation_error",
                          "%zu of %zu serials are invalid and %zu already commissioned, "
                          "allocated to another organization or printed with another batch",
                          n_invalid, c->req->n_serials, n_dup);
    return px__items_invalid(err, n_invalid, c->req->n_serials, "serials");
}

/* The event's EPCs: the commissioned serials, in request order. */
static px_rc commission_event(commission_ctx *c, px_db *db, const px_product *prod, px_err *err)
{
    const px_commission_req *req = c->req;
    px_commission_result *res = c->res;
    const char **epcs = malloc((size_t)res->committed * sizeof(*epcs));
    if (!epcs)
        return px_err_oom(err);
    size_t k = 0;
    for (size_t i = 0; i < req->n_serials; i++)
        if (res->status[i] == PX_ITEM_OK)
            epcs[k++] = req->serials[i];
    px_pack_status to;
    px_pack_status_init(&to);
    to.state = PX_PACK_COMMISSIONED;
    px__event_in ev = {
        .by = c->by,
        .prod = prod,
        .op = "commission",
        .action = PX_PACK_COMMISSION,
        .to = &to,
        .now_us = c->now,
        .serials = epcs,
        .n = k,
        .serial_set = "commission",
        .commission_id = res->commission_id,
        .lot = req->batch,
        .expiry = req->expiry_date,
        .origin = req->origin,
    };
    px_rc rc = px__event_record(db, &ev, hash_ahead_take(c->ahead, epcs, k), res->event_id,
                                res->event_hash, err);
    free(epcs);
    return rc;
}

/* The rendered response is stored with the key in the same transaction (docs/api.md
 * "Commissioning": the same key and body answer the first response). The errors of a partial
 * commission are part of it. */
static px_rc idem_store(commission_ctx *c, px_db *db, px_err *err)
{
    px_idem *idem = c->idem;
    c->res->errors = c->errs->v;
    c->res->n_errors = c->errs->n;
    idem->body = idem->render(idem->render_ctx, c->res, &idem->status);
    c->res->errors = NULL;
    c->res->n_errors = 0;
    if (!idem->body)
        return px_err_oom(err);
    return px_store_idem_finish(db, c->by->org_id, idem->key, idem->status, idem->body, err);
}

static px_rc commission_body(px_tx *tx, void *vc, px_err *err)
{
    commission_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    const px_commission_req *req = c->req;
    px_commission_result *res = c->res;
    commission_reset(c);
    px_rc rc;
    if (c->idem && c->idem->key) {
        px_idem_row row;
        if ((rc = px_store_idem_claim(db, &row, c->by->org_id, c->idem->key, c->idem->route,
                                      c->idem->request_hash, err)) != PX_OK)
            return rc;
        if (!row.claimed) {
            px_tx_discard(tx);
            c->idem->replayed = 1;
            c->idem->status = row.status;
            c->idem->body = row.response;
            return PX_OK;
        }
    }
    if (px_uuid_v4(res->commission_id) != PX_OK)
        return px_err_no_random(err);
    px_product prod;
    px_commission_outcome out = {0};
    if ((rc = commission_rows(c, db, res->commission_id, &prod, &out, err))) {
        c->whole_refused = 1;
        goto done;
    }
    res->allocated = out.allocated;
    res->external = out.external;
    res->committed = out.allocated + out.external;
    if (((out.n_rejected || c->n_printed) && !req->partial) || res->committed == 0) {
        /* All-or-nothing (or nothing left to commission): every bad item, nothing stored. */
        if (out.n_rejected || !c->n_printed)
            rc = px_err_set(err, PX_EEXISTS, "duplicate_serial",
                            "%zu of %zu serials are already commissioned or allocated to another "
                            "organization",
                            out.n_rejected, c->n_cand);
        else
            rc = px_err_set(err, PX_ESTATE, "printed_batch_mismatch",
                            "%zu of %zu serials were printed with another batch than '%s'",
                            c->n_printed, c->n_cand, req->batch);
        goto done;
    }
    px_commission_rec rec = {res->commission_id, c->by->org_id,    prod.mah_id,    res->gtin,
                             req->batch,         req->expiry_date, res->committed, out.allocated,
                             out.external,       (long)c->errs->n, req->partial,   c->now};
    /* External serials are new serials of the caller's numbering: they count against its
     * allotment as allocated ones did when they were reserved (docs/allotments.md). */
    if ((rc = px_store_commission_insert(db, &rec, err)) != PX_OK ||
        (rc = commission_event(c, db, &prod, err)) != PX_OK ||
        (rc = px_svc_allotment_charge(tx, PX_ALLOT_SERIALS, (long long)out.external, "serials",
                                      err)) != PX_OK ||
        (c->idem && c->idem->key && (rc = idem_store(c, db, err)) != PX_OK)) {
        c->whole_refused = 1; /* not for its items: the allotment's detail is the answer's */
        goto done;
    }
    px_audit_details *d = px_tx_audit(tx, prod.mah_id, "commission.create", res->commission_id);
    px_audit_str(d, "gtin", res->gtin);
    px_audit_str(d, "batch", req->batch);
    px_audit_str(d, "expiry", req->expiry_date);
    px_audit_int(d, "count", res->committed);
    px_audit_int(d, "allocated", out.allocated);
    px_audit_int(d, "external", out.external);
    px_audit_int(d, "rejected", (long long)c->errs->n);
    px_audit_str(d, "event_id", res->event_id);
done:
    px_commission_outcome_dispose(&out);
    return rc;
}

/* ---- the use case ------------------------------------------------------------------------ */

void px_commission_result_dispose(px_commission_result *res)
{
    free(res->status);
    free(res->errors);
    res->status = NULL;
    res->errors = NULL;
    res->n_errors = 0;
}

/* The key is looked up before anything else (docs/api.md "Commissioning": the same key with the
 * same body returns the first response; with another body, 409): a replay answers the stored
 * response even when the field rules would now refuse the body (its expiry has passed since),
 * and a used key with another body is idempotency_conflict whether or not that body is valid.
 * A key not yet visible here is claimed in the transaction, which also covers a concurrent
 * first use. *replayed = 1 when the stored response answers. */
static px_rc idem_lookup(px_db *db, const px_actor *by, px_idem *idem, int *replayed, px_err *err)
{
    *replayed = 0;
    if (!idem || !idem->key)
        return PX_OK;
    px_idem_row row;
    int found = 0;
    px_rc rc = px_store_idem_lookup(db, &row, &found, by->org_id, idem->key, idem->route,
                                    idem->request_hash, err);
    if (rc == PX_OK && found) {
        idem->replayed = *replayed = 1;
        idem->status = row.status;
        idem->body = row.response;
    }
    return rc;
}

/* Field rules, cheapest first; none needs the database (domain/pack_identity.h). */
static px_rc commission_fields(px_commission_result *res, const px_commission_req *req, int64_t now,
                               px_err *err)
{
    gs1_date exp;
    px_rc rc;
    if ((rc = px_commission_gtin_check(res->gtin, req->product_code, req->product_code_schema,
                                       err)) != PX_OK ||
        (rc = px_commission_batch_check(req->batch ? req->batch : "", err)) != PX_OK ||
        (rc = px_commission_expiry_check(&exp, req->expiry_date, now, err)) != PX_OK ||
        (rc = px_commission_count_check(req->n_serials, err)) != PX_OK)
        return rc;
    return PX_OK;
}

px_rc px_svc_commission(px_db *db, const px_actor *by, const px_commission_req *req, px_idem *idem,
                        px_commission_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    res->req = req;
    int64_t now = px_now_us();
    int replayed;
    px_rc rc;
    if ((rc = idem_lookup(db, by, idem, &replayed, err)) != PX_OK || replayed)
        return rc;
    if ((rc = commission_fields(res, req, now, err)) != PX_OK)
        return rc;
    res->status = calloc(req->n_serials, 1);
    if (!res->status)
        return px_err_oom(err);
    px__errlist errs = {0};
    const char **cand = NULL;
    size_t *cand_idx = NULL;
    hash_ahead *ahead = NULL;
    px_product prod;
    if ((rc = px__serials_check(&errs, res->status, req->serials, req->n_serials, err)))
        goto done;
    if (errs.n == req->n_serials) {
        rc = px__items_invalid(err, errs.n, req->n_serials, "serials");
        goto done;
    }
    /* All-or-nothing with invalid serials: the request fails (422), but docs/api.md
     * ("Commissioning": "one bad item -> 422 (or 409) with every bad item in details") wants
     * every bad item, so the valid ones still go through the pool check, in a transaction that
     * is rolled back, and their duplicate_serial items join the details (docs/lifecycle.md
     * "Commissioning rules" 5). */
    int doomed = errs.n && !req->partial;
    size_t n_cand = req->n_serials - errs.n;
    cand = malloc(n_cand * sizeof(*cand));
    cand_idx = malloc(n_cand * sizeof(*cand_idx));
    if (!cand || !cand_idx) {
        rc = px_err_oom(err);
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < req->n_serials; i++)
        if (res->status[i] == PX_ITEM_OK) {
            cand_idx[k] = i;
            cand[k++] = req->serials[i];
        }
    /* The product as the event will carry it, read once for the hash computed ahead; the
     * transaction reads it again under its access rule (a partnership may change between). */
    if (!doomed && (ahead = malloc(sizeof(*ahead))) != NULL) {
        px_err ignore;
        if (px_store_product_get(db, &prod, res->gtin, 0, &ignore) == PX_OK)
            hash_ahead_start(ahead, by, &prod, cand, n_cand, req->batch, req->expiry_date, now,
                             req->origin);
        else
            memset(ahead, 0, sizeof(*ahead));
    }
    commission_ctx c = {by,       req,    idem, ahead, res, &errs, errs.n, cand,
                        cand_idx, n_cand, now,  0,     0,   -1,    NULL};
    if (doomed) {
        rc = px_tx_run(db, by, check_pool_body, &c, err);
        if (rc == PX_OK)
            rc = commission_refusal(&c, err);
    } else {
        rc = px_tx_run(db, by, commission_body, &c, err);
        /* A partial commission refused as a whole answers its own refusal: the items refused
         * before it did not decide it (docs/api.md "Commissioning"). */
        if (rc != PX_OK && c.whole_refused)
            errs.n = 0;
    }
    hash_ahead_join(ahead);
    if (rc != PX_OK && idem && idem->body && !idem->replayed) {
        free(idem->body); /* rendered by an attempt that did not commit */
        idem->body = NULL;
    }
done:
    free(ahead);
    free(cand);
    free(cand_idx);
    px__errlist_sort(&errs);
    px__errlist_take(&errs, &res->errors, &res->n_errors);
    return rc;
}
