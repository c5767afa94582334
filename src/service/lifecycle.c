/* Pack lifecycle use cases (lifecycle.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commission_rules.h"
#include "epcis.h"
#include "gs1.h"
#include "lifecycle.h"
#include "reports.h"
#include "pack_state.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_log.h"
#include "px_str.h"

/* ---- item errors ------------------------------------------------------------------------ */

typedef struct errlist {
    px_item_error *v;
    size_t n, cap;
} errlist;

static int errlist_add(errlist *l, size_t index, const px_err *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        px_item_error *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    px_item_error *it = &l->v[l->n++];
    it->index = index;
    px_strlcpy(it->code, e->code, sizeof(it->code));
    px_strlcpy(it->message, e->message, sizeof(it->message));
    it->pos = e->pos;
    it->len = e->len;
    return 0;
}

static int item_cmp(const void *a, const void *b)
{
    const px_item_error *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

void px_item_errors_free(px_item_error *e)
{
    free(e);
}

/* Syntax of a serial list: each 1..20 characters of set 82 (REQ-COMMISSION-2) and no
 * repeats inside the request (REQ-COMMISSION-5). bad[i] is set for every bad item. */
static px_rc serials_check(errlist *errs, unsigned char *bad, const char *const *serials,
                           size_t n, px_err *err)
{
    px_serial_ref *scratch = malloc((n ? n : 1) * sizeof(*scratch));
    unsigned char *dup = malloc(n ? n : 1);
    if (!scratch || !dup) {
        free(scratch);
        free(dup);
        return px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
    }
    px_commission_mark_duplicates(dup, serials, n, scratch);
    for (size_t i = 0; i < n; i++) {
        px_err e;
        px_err_clear(&e);
        px_rc rc = px_commission_serial_check(serials[i], (long)i, &e);
        if (rc == PX_OK && dup[i])
            rc = px_commission_duplicate_error(&e, serials[i], i);
        if (rc != PX_OK) {
            bad[i] = 1;
            if (errlist_add(errs, i, &e) != 0) {
                free(scratch);
                free(dup);
                return px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
            }
        }
    }
    free(scratch);
    free(dup);
    return PX_OK;
}

/* ---- shared pieces -------------------------------------------------------------------- */

/* The organization's location as SGLN (read point and business location;
 * urn:epc:id:sgln:CP.LOCREF.EXT, DOMAIN.md §5.1). The GLN's company prefix length is not
 * derivable from the GLN (DOMAIN.md §1.5): it is the organization's gln_prefix_length (given
 * at creation or found in GS1's prefix list); failing that, when the GLN starts with the
 * product's company prefix, that length; otherwise the event keeps the bare GLN
 * (location_gln) and no SGLN. */
static void org_sgln(char out[64], const px_actor *by, const px_product *p)
{
    out[0] = '\0';
    if (strlen(by->org_gln) != 13)
        return;
    int cpl = by->org_gln_prefix_length;
    if (cpl < 6 || cpl > 12) {
        cpl = p->company_prefix_length;
        if (memcmp(by->org_gln, p->gtin + 1, (size_t)cpl) != 0)
            return;
    }
    px_err e;
    if (gs1_epc_sgln_format(out, 64, by->org_gln, cpl, NULL, &e) != PX_OK)
        out[0] = '\0';
}

/* ---- shipping data of a release ------------------------------------------------------- */

/* "urn:epcglobal:cbv:bt:" + GLN + ":" + an id of at most 100 characters, each escaped to at
 * most 3. */
#define BT_URI_MAX (21 + 13 + 1 + 3 * 100 + 1)

/* The source, destination and business transaction of a release's shipping event, as
 * px_epcis_event carries them (the lists point into this struct: never copy it). */
typedef struct shipping {
    int has_parties, has_tx;
    char ship_from[14], to_party[14], to_location[14];
    char src_sgln[64], dst_party[64], dst_location[64];
    px_epcis_party sources[2], destinations[2];
    char btt[16];                  /* bare CBV btt word */
    char bt_uri[BT_URI_MAX];
    px_epcis_biz_transaction bt;
} shipping;

/* A 422 on one request field (API.md error shape: details[0].field). */
#define FIELD_FAIL(err, field, code, ...)                                                      \
    (px_err_set((err), PX_EINVALID, (code), __VA_ARGS__), px_err_field((err), "%s", (field)), \
     PX_EINVALID)

/* A ship_to GLN as SGLN: the GLN checked as a GS1 key (mod-10 check digit, DOMAIN.md §1.1),
 * its company prefix length given, else from GS1's prefix list (gcppos1, §1.5), else 422. */
static px_rc ship_sgln(char out[64], char gln_out[14], const px_app *app, const char *gln,
                       const char *field, int given, const char *len_field, px_err *err)
{
    if (!gln)
        return FIELD_FAIL(err, field, "required", "%s is required", field);
    if (gs1_gln_validate(gln, err) != PX_OK) {
        px_err_field(err, "%s", field);
        return PX_EINVALID;
    }
    int cpl = 0;
    if (px_svc_gln_prefix_length(&cpl, app, gln, given, err) != PX_OK) {
        px_err_field(err, "%s", len_field);
        return PX_EINVALID;
    }
    if (cpl == 0) {
        px_err_set(err, PX_EINVALID, "unknown_company_prefix",
                   "the company prefix length of GLN %s is not known (not in GS1's prefix "
                   "list): give %s",
                   gln, len_field);
        px_err_field(err, "%s", len_field);
        return PX_EINVALID;
    }
    px_strlcpy(gln_out, gln, 14);
    if (gs1_epc_sgln_format(out, 64, gln, cpl, NULL, err) != PX_OK) {
        px_err_field(err, "%s", field);
        return PX_EINVALID;
    }
    return PX_OK;
}

/* Checks the shipping data of a release and builds what the event carries. Rules (docs/
 * lifecycle.md "Release: shipping data"):
 * - a market whose EPCIS profile requires source/destination and a bizTransaction (US: GS1
 *   US DSCSA guideline, DOMAIN.md §7) refuses a release without them: FD&C Act §581(26),(27)
 *   transaction information and statement accompany the change of ownership, so the
 *   shipping event is not recorded (and its report not queued) without them;
 * - source = the releasing organization, owning party and location: the SGLN of its GLN;
 * - the bizTransaction id is CBV 1.2's GLN-based form urn:epcglobal:cbv:bt:GLN:ID, GLN =
 *   the party that issued the id: the buyer (ship_to owning party) for a purchase order
 *   (po, poc), the releasing organization otherwise (desadv, inv, bol, …). */
static px_rc shipping_prepare(shipping *sh, const px_app *app, const px_actor *by,
                              const px_product *prod, const px_release_req *req, px_err *err)
{
    memset(sh, 0, sizeof(*sh));
    const px_epcis_profile_info *pi = px_epcis_profile_get(px_svc_market_profile(req->market));
    if (pi && pi->shipping_parties && !req->ship_to)
        return FIELD_FAIL(err, "ship_to", "required",
                          "market %s needs ship_to (owning_party and location GLNs): DSCSA "
                          "transaction information accompanies the change of ownership",
                          req->market);
    if (pi && pi->shipping_transaction && !req->transaction_type && !req->transaction_id)
        return FIELD_FAIL(err, "transaction", "required",
                          "market %s needs transaction (type and id): DSCSA transaction "
                          "information accompanies the change of ownership",
                          req->market);
    px_rc rc;
    if (req->ship_to) {
        const px_ship_to *t = req->ship_to;
        int loc_len = t->location_prefix_length ? t->location_prefix_length : t->prefix_length;
        const char *loc_field = t->location_prefix_length ? "ship_to.location_prefix_length"
                                                          : "ship_to.prefix_length";
        if ((rc = ship_sgln(sh->dst_party, sh->to_party, app, t->owning_party,
                            "ship_to.owning_party", t->prefix_length, "ship_to.prefix_length",
                            err)) != PX_OK ||
            (rc = ship_sgln(sh->dst_location, sh->to_location, app, t->location,
                            "ship_to.location", loc_len, loc_field, err)) != PX_OK)
            return rc;
        org_sgln(sh->src_sgln, by, prod);
        if (!sh->src_sgln[0]) {
            px_err_set(err, PX_EINVALID, "unknown_company_prefix",
                       "the releasing organization needs a GLN with a known company prefix "
                       "length to be the shipping source (packid org create --gln "
                       "--gln-prefix-length)");
            px_err_field(err, "ship_to");
            return PX_EINVALID;
        }
        px_strlcpy(sh->ship_from, by->org_gln, sizeof(sh->ship_from));
        /* EPCIS 1.2 §7.3.5.4 / GS1 US guideline: owning_party and location on each side. */
        sh->sources[0] = (px_epcis_party){PX_SDT_OWNING_PARTY, sh->src_sgln};
        sh->sources[1] = (px_epcis_party){PX_SDT_LOCATION, sh->src_sgln};
        sh->destinations[0] = (px_epcis_party){PX_SDT_OWNING_PARTY, sh->dst_party};
        sh->destinations[1] = (px_epcis_party){PX_SDT_LOCATION, sh->dst_location};
        sh->has_parties = 1;
    }
    if (req->transaction_type || req->transaction_id) {
        if (!req->transaction_type)
            return FIELD_FAIL(err, "transaction.type", "required",
                              "transaction.type is required");
        if (!req->transaction_id)
            return FIELD_FAIL(err, "transaction.id", "required", "transaction.id is required");
        /* CBV 1.2 §7.3 business transaction types (po, desadv, inv, bol, …). */
        px_cbv_btt type = px_cbv_btt_lookup(req->transaction_type);
        if (type == PX_BTT_NONE)
            return FIELD_FAIL(err, "transaction.type", "invalid_value",
                              "transaction.type '%.40s' is not a CBV business transaction type "
                              "(po, poc, desadv, inv, bol, recadv, rma, prodorder, pedigree, …)",
                              req->transaction_type);
        size_t n = strlen(req->transaction_id);
        int ok = n >= 1 && n <= 100;
        for (size_t i = 0; ok && i < n; i++)
            ok = req->transaction_id[i] >= 0x20 && req->transaction_id[i] <= 0x7e;
        if (!ok)
            return FIELD_FAIL(err, "transaction.id", "invalid_value",
                              "transaction.id must be 1 to 100 printable ASCII characters");
        const char *issuer = (type == PX_BTT_PO || type == PX_BTT_POC) && sh->to_party[0]
                                 ? sh->to_party
                                 : by->org_gln;
        if (strlen(issuer) != 13)
            return FIELD_FAIL(err, "transaction", "invalid_value",
                              "a business transaction id needs the GLN of the party that "
                              "issued it: the releasing organization has none (give ship_to "
                              "for a po)");
        /* The id is escaped like a URI path segment (RFC 3986: everything but ALPHA, DIGIT,
         * "-", ".", "_" is percent-encoded), so the URI is valid xsd:anyURI and is hashed and
         * written byte for byte the same. */
        size_t o = (size_t)snprintf(sh->bt_uri, sizeof(sh->bt_uri), "urn:epcglobal:cbv:bt:%s:",
                                    issuer);
        static const char hex[] = "0123456789ABCDEF";
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)req->transaction_id[i];
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.' || c == '_') {
                sh->bt_uri[o++] = (char)c;
            } else {
                sh->bt_uri[o++] = '%';
                sh->bt_uri[o++] = hex[c >> 4];
                sh->bt_uri[o++] = hex[c & 15];
            }
        }
        sh->bt_uri[o] = '\0';
        px_strlcpy(sh->btt, px_cbv_btt_name(type), sizeof(sh->btt));
        sh->bt.type = type;
        sh->bt.id = sh->bt_uri;
        sh->has_tx = 1;
    }
    return PX_OK;
}

typedef struct event_in {
    const px_actor *by;
    const px_product *prod;
    const char *op;
    px_pack_action action;
    const px_pack_status *to;
    int64_t now_us;
    const char *const *serials;  /* the EPCs of the event */
    size_t n;
    const char *serial_set;
    const char *commission_id, *release_id, *op_id;
    const char *lot, *expiry, *reason, *market;
    const shipping *ship;         /* release: source, destination, bizTransaction; or NULL */
} event_in;

/* Writes the EPCIS event row of a transition, with its EPCIS 2.0 event hash ID computed from
 * exactly the fields px_epcis_event will carry when the event is exported (DOMAIN.md §6.6). */
/* The px_epcis_event of a transition (what the exporter will write and what is hashed). */
static px_rc build_event(px_epcis_event *ev_out, px_epcis_vocab *vocab, char sgln[64],
                         const event_in *in, px_err *err)
{
    px_rc rc = px_epcis_vocab_for(vocab, in->action, in->to, err);
    if (rc != PX_OK)
        return rc;
    org_sgln(sgln, in->by, in->prod);
    px_epcis_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = PX_EPCIS_OBJECT_EVENT;
    ev.action = vocab->action;
    ev.biz_step = px_cbv_bizstep_lookup(vocab->biz_step);
    ev.disposition = vocab->disposition ? px_cbv_disp_lookup(vocab->disposition) : PX_DISP_NONE;
    ev.event_time_us = in->now_us;
    ev.tz_offset_min = 0;
    ev.sgtin_gtin = in->prod->gtin;
    ev.sgtin_gcp_len = in->prod->company_prefix_length;
    ev.serials = in->serials;
    ev.n_serials = in->n;
    ev.read_point = sgln[0] ? sgln : NULL;
    ev.biz_location = sgln[0] ? sgln : NULL;
    if (vocab->action == PX_EPCIS_ADD) { /* ILMD belongs to the commissioning event only */
        ev.lot = in->lot;
        ev.expiry = in->expiry;
    }
    if (in->ship && in->ship->has_parties) {
        ev.sources = in->ship->sources;
        ev.n_sources = 2;
        ev.destinations = in->ship->destinations;
        ev.n_destinations = 2;
    }
    if (in->ship && in->ship->has_tx) {
        ev.biz_transactions = &in->ship->bt;
        ev.n_biz_transactions = 1;
    }
    *ev_out = ev;
    return PX_OK;
}

/* Writes the EPCIS event row of a transition, with its EPCIS 2.0 event hash ID computed from
 * exactly the fields px_epcis_event will carry when the event is exported (DOMAIN.md §6.6).
 * precomputed: the hash of the same event computed ahead (NULL: compute it here). */
static px_rc record_event(px_db *db, const event_in *in, const char *precomputed,
                          char event_id[PX_ID_LEN + 1], char hash_out[PX_EPCIS_EVENT_ID_MAX],
                          px_err *err)
{
    px_epcis_vocab vocab;
    char sgln[64];
    px_epcis_event ev;
    px_rc rc = build_event(&ev, &vocab, sgln, in, err);
    if (rc != PX_OK)
        return rc;
    char hash[PX_EPCIS_EVENT_ID_MAX];
    if (precomputed)
        px_strlcpy(hash, precomputed, sizeof(hash));
    else if ((rc = px_epcis_event_hash(hash, &ev, err)) != PX_OK)
        return rc;
    if ((rc = px_uuid_v4(event_id)) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
    px_event_rec rec;
    memset(&rec, 0, sizeof(rec));
    rec.id = event_id;
    rec.tenant_id = in->prod->mah_id;
    rec.org_id = in->by->org_id;
    rec.op = in->op;
    rec.action = px_epcis_action_name(vocab.action);
    rec.biz_step = vocab.biz_step;
    rec.disposition = vocab.disposition;
    rec.event_time_us = in->now_us;
    rec.tz_offset_min = 0;
    rec.gtin = in->prod->gtin;
    rec.gcp_len = in->prod->company_prefix_length;
    rec.serial_set = in->serial_set;
    rec.commission_id = in->commission_id;
    rec.release_id = in->release_id;
    rec.op_id = in->op_id;
    if (strcmp(in->serial_set, "list") == 0) {
        rec.serials = in->serials;
        rec.n_serials = in->n;
    }
    rec.epc_count = (long)in->n;
    rec.lot = in->lot;
    rec.expiry = in->expiry;
    rec.reason = in->reason;
    rec.market = in->market;
    rec.location_gln = in->by->org_gln;
    rec.read_point = sgln;
    rec.biz_location = sgln;
    if (in->ship && in->ship->has_parties) {
        rec.source_party = in->ship->sources[0].id;
        rec.source_location = in->ship->sources[1].id;
        rec.dest_party = in->ship->destinations[0].id;
        rec.dest_location = in->ship->destinations[1].id;
    }
    if (in->ship && in->ship->has_tx) {
        rec.biz_tx_type = in->ship->btt;
        rec.biz_tx = in->ship->bt_uri;
    }
    rec.event_hash = hash;
    if ((rc = px_store_event_insert(db, &rec, err)) != PX_OK)
        return rc;
    if (hash_out)
        memcpy(hash_out, hash, sizeof(hash));
    return PX_OK;
}

/* The event hash of a commission, computed on another thread while the database works: in
 * the common case (every candidate commissioned) the event's EPCs are exactly the candidates,
 * known before the transaction, and hashing 10,000 EPCs costs about as much as writing them.
 * When the outcome differs (partial with rejections) the hash is computed again. */
typedef struct hash_ahead {
    pthread_t thread;
    int started, joined;
    px_product prod;
    px_pack_status to;
    event_in in;
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

static void hash_ahead_start(hash_ahead *h, px_db *db, const px_actor *by, const char *gtin,
                             const char *const *cand, size_t n, const char *batch,
                             const char *expiry, int64_t now)
{
    memset(h, 0, sizeof(*h));
    px_err e;
    if (px_store_product_get(db, &h->prod, gtin, 0, &e) != PX_OK)
        return;
    px_pack_status_init(&h->to);
    h->to.state = PX_PACK_COMMISSIONED;
    event_in in = {by, &h->prod, "commission", PX_PACK_COMMISSION, &h->to, now, cand, n,
                   "commission", NULL, NULL, NULL, batch, expiry, NULL, NULL, NULL};
    h->in = in;
    px_epcis_vocab vocab;
    if (build_event(&h->ev, &vocab, h->sgln, &h->in, &e) != PX_OK)
        return;
    /* build_event points read_point at its own sgln argument: h->sgln, which lives on. */
    h->started = pthread_create(&h->thread, NULL, hash_ahead_main, h) == 0;
}

static void hash_ahead_join(hash_ahead *h)
{
    if (h->started && !h->joined) {
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

/* Bounded retry of a whole use case on a serialization failure or deadlock (STYLE.md
 * "SQLSTATE ... CONFLICT and a bounded retry"). */
static int retryable(px_rc rc, const px_err *err)
{
    return rc == PX_ECONFLICT && strcmp(err->code, "conflict") == 0;
}

/* ---- commissioning ---------------------------------------------------------------------- */

void px_commission_result_dispose(px_commission_result *res)
{
    free(res->status);
    free(res->errors);
    res->status = NULL;
    res->errors = NULL;
    res->n_errors = 0;
}

/* Marks the candidates the pool refused (out->rejected) as duplicate_serial items. */
static px_rc add_duplicates(const px_commission_req *req, px_commission_result *res,
                            errlist *errs, const px_commission_outcome *out,
                            const size_t *cand_idx, px_err *err)
{
    for (size_t k = 0; k < out->n_rejected; k++) {
        size_t i = cand_idx[out->rejected[k]];
        px_err e;
        px_err_clear(&e);
        px_err_set(&e, PX_EEXISTS, "duplicate_serial",
                   "serial '%s' is already commissioned or allocated to another organization",
                   req->serials[i]);
        res->status[i] = PX_ITEM_REJECTED;
        if (errlist_add(errs, i, &e) != 0)
            return px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
    }
    return PX_OK;
}

/* All-or-nothing with invalid serials (the answer is 422 whatever the pool says): runs the
 * pool check of the valid candidates exactly as a commission would (same statement, so
 * "duplicate_serial" means the same thing) and rolls it back, adding their duplicate_serial
 * items to errs. The request's other refusals keep their order: the field rules (422) come
 * before access and batch rules, so when the product is not the caller's, its partnership is
 * suspended or the batch has another expiry, the answer stays the 422 of the invalid serials
 * and the pool is not consulted (nothing about it is disclosed). No idempotency key is claimed:
 * a failed request stores nothing (docs/lifecycle.md "Idempotency"). */
static px_rc commission_check_pool(px_db *db, const px_actor *by, const px_commission_req *req,
                                   px_commission_result *res, errlist *errs,
                                   const char *const *cand, const size_t *cand_idx,
                                   size_t n_cand, px_err *err)
{
    size_t n_invalid = errs->n;
    px_commission_outcome out;
    memset(&out, 0, sizeof(out));
    px_product prod;
    char stored[7], id[PX_ID_LEN + 1];
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px_svc_product_access(db, by, res->gtin, 0, &prod, err)) != PX_OK ||
        (rc = px_store_batch_claim(db, stored, res->gtin, req->batch, req->expiry_date, err)))
        goto done;
    if (strcmp(stored, req->expiry_date) == 0) {
        if (px_uuid_v4(id) != PX_OK) {
            rc = px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
            goto done;
        }
        px_commission_rows rows = {res->gtin, req->batch, req->expiry_date, by->org_id, id,
                                   px_now_us(), cand, n_cand};
        if ((rc = px_store_commission_serials(db, &out, &rows, err)) != PX_OK ||
            (rc = add_duplicates(req, res, errs, &out, cand_idx, err)) != PX_OK)
            goto done;
    }
done:
    px_db_rollback(db);
    px_commission_outcome_dispose(&out);
    /* Access and batch refusals yield to the field rules; the database's own failures do not. */
    if (rc != PX_OK && (retryable(rc, err) || rc == PX_EINTERNAL || rc == PX_EUNAVAIL)) {
        for (size_t e = n_invalid; e < errs->n; e++)
            res->status[errs->v[e].index] = PX_ITEM_OK;
        errs->n = n_invalid;
        return rc;
    }
    size_t n_dup = errs->n - n_invalid;
    if (n_dup)
        return px_err_set(err, PX_EINVALID, "validation_error",
                          "%zu of %zu serials are invalid and %zu already commissioned or "
                          "allocated to another organization",
                          n_invalid, req->n_serials, n_dup);
    return px_err_set(err, PX_EINVALID, "validation_error", "%zu of %zu serials are invalid",
                      n_invalid, req->n_serials);
}

static px_rc commission_tx(px_db *db, const px_actor *by, const px_commission_req *req,
                           px_idem *idem, hash_ahead *ahead, px_commission_result *res,
                           errlist *errs,
                           const char *const *cand, const size_t *cand_idx, size_t n_cand,
                           int64_t now, px_err *err)
{
    px_product prod;
    px_commission_outcome out;
    memset(&out, 0, sizeof(out));
    size_t errs_before = errs->n;
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        return rc;
    if (idem && idem->key) {
        px_idem_row row;
        if ((rc = px_store_idem_claim(db, &row, by->org_id, idem->key, idem->route,
                                      idem->request_hash, err)) != PX_OK)
            goto fail;
        if (!row.claimed) {
            px_db_rollback(db);
            idem->replayed = 1;
            idem->status = row.status;
            idem->body = row.response;
            return PX_OK;
        }
    }
    if ((rc = px_svc_product_access(db, by, res->gtin, 0, &prod, err)) != PX_OK)
        goto fail;
    /* A batch has one expiry (API.md "batch_expiry_mismatch"; NMVS_FE_LOT_12). */
    char stored[7];
    if ((rc = px_store_batch_claim(db, stored, res->gtin, req->batch, req->expiry_date, err)))
        goto fail;
    if (strcmp(stored, req->expiry_date) != 0) {
        rc = px_err_set(err, PX_ECONFLICT, "batch_expiry_mismatch",
                        "batch '%s' has expiry %s, not %s", req->batch, stored,
                        req->expiry_date);
        px_err_field(err, "expiry_date");
        goto fail;
    }
    if ((rc = px_uuid_v4(res->commission_id)) != PX_OK) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
        goto fail;
    }
    px_commission_rows rows = {res->gtin, req->batch, req->expiry_date, by->org_id,
                               res->commission_id, now, cand, n_cand};
    if ((rc = px_store_commission_serials(db, &out, &rows, err)) != PX_OK)
        goto fail;
    if ((rc = add_duplicates(req, res, errs, &out, cand_idx, err)) != PX_OK)
        goto fail;
    res->allocated = out.allocated;
    res->external = out.external;
    res->committed = out.allocated + out.external;
    if ((out.n_rejected && !req->partial) || res->committed == 0) {
        /* All-or-nothing (or nothing left to commission): every bad item, nothing stored. */
        rc = px_err_set(err, PX_EEXISTS, "duplicate_serial",
                        "%zu of %zu serials are already commissioned or allocated to another "
                        "organization",
                        out.n_rejected, n_cand);
        goto fail;
    }
    px_commission_rec rec = {res->commission_id, by->org_id, prod.mah_id, res->gtin,
                             req->batch,         req->expiry_date, res->committed,
                             out.allocated,      out.external,     (long)errs->n,
                             req->partial,       now};
    if ((rc = px_store_commission_insert(db, &rec, err)) != PX_OK)
        goto fail;

    /* The event's EPCs: the commissioned serials, in request order. */
    const char **epcs = malloc((size_t)res->committed * sizeof(*epcs));
    if (!epcs) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
        goto fail;
    }
    size_t k = 0;
    for (size_t i = 0; i < req->n_serials; i++)
        if (res->status[i] == PX_ITEM_OK)
            epcs[k++] = req->serials[i];
    px_pack_status to;
    px_pack_status_init(&to);
    to.state = PX_PACK_COMMISSIONED;
    event_in ev = {by, &prod, "commission", PX_PACK_COMMISSION, &to, now, epcs, k,
                   "commission", res->commission_id, NULL, NULL, req->batch,
                   req->expiry_date, NULL, NULL, NULL};
    rc = record_event(db, &ev, hash_ahead_take(ahead, epcs, k), res->event_id, res->event_hash,
                      err);
    free(epcs);
    if (rc != PX_OK)
        goto fail;

    if (idem && idem->key) {
        /* The errors of a partial commission are part of the stored response. */
        res->errors = errs->v;
        res->n_errors = errs->n;
        idem->body = idem->render(idem->render_ctx, res, &idem->status);
        res->errors = NULL;
        res->n_errors = 0;
        if (!idem->body) {
            rc = px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
            goto fail;
        }
        if ((rc = px_store_idem_finish(db, by->org_id, idem->key, idem->status, idem->body,
                                       err)) != PX_OK)
            goto fail;
    }
    /* The audit entry last, just before COMMIT: its append takes a transaction-scoped lock
     * that serialises every writer of every tenant until COMMIT (migration 0001,
     * docs/architecture.md "Transactions"), so the rendering of a 100,000-item response above
     * must not run under it. */
    char details[512], batch_esc[64];
    px_json_escape(batch_esc, sizeof(batch_esc), req->batch);
    snprintf(details, sizeof(details),
             "{\"gtin\":\"%s\",\"batch\":\"%s\",\"expiry\":\"%s\",\"count\":%ld,"
             "\"allocated\":%ld,\"external\":%ld,\"rejected\":%zu,\"event_id\":\"%s\"}",
             res->gtin, batch_esc, req->expiry_date, res->committed, out.allocated,
             out.external, errs->n, res->event_id);
    if ((rc = px_svc_audit(db, by, prod.mah_id, "commission.create", res->commission_id,
                           details, err)) != PX_OK)
        goto fail;
    px_commission_outcome_dispose(&out);
    return px_db_commit(db, err);
fail:
    px_db_rollback(db);
    px_commission_outcome_dispose(&out);
    if (retryable(rc, err)) {
        /* Forget what this attempt learnt: the retry starts over. */
        for (size_t e = errs_before; e < errs->n; e++)
            res->status[errs->v[e].index] = PX_ITEM_OK;
        errs->n = errs_before;
    }
    if (idem && idem->body && !idem->replayed) {
        free(idem->body);
        idem->body = NULL;
    }
    return rc;
}

px_rc px_svc_commission(px_db *db, const px_actor *by, const px_commission_req *req,
                        px_idem *idem, px_commission_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    res->req = req;
    int64_t now = px_now_us();
    gs1_date exp;
    px_rc rc;
    /* The key is looked up before anything else (API.md "Commissioning": the same key with
     * the same body returns the first response; with another body, 409): a replay answers the
     * stored response even when the field rules would now refuse the body (its expiry has
     * passed since), and a used key with another body is idempotency_conflict whether or not
     * that body is valid. A key not yet visible here is claimed in the transaction, which
     * also covers a concurrent first use. */
    if (idem && idem->key) {
        px_idem_row row;
        int found = 0;
        if ((rc = px_store_idem_lookup(db, &row, &found, by->org_id, idem->key, idem->route,
                                       idem->request_hash, err)) != PX_OK)
            return rc;
        if (found) {
            idem->replayed = 1;
            idem->status = row.status;
            idem->body = row.response;
            return PX_OK;
        }
    }
    /* Field rules, cheapest first; none needs the database (domain/commission_rules.h). */
    if ((rc = px_commission_gtin_check(res->gtin, req->product_code, req->product_code_schema,
                                       err)) != PX_OK ||
        (rc = px_commission_batch_check(req->batch ? req->batch : "", err)) != PX_OK ||
        (rc = px_commission_expiry_check(&exp, req->expiry_date, now, err)) != PX_OK ||
        (rc = px_commission_count_check(req->n_serials, err)) != PX_OK)
        return rc;
    res->status = calloc(req->n_serials, 1);
    if (!res->status)
        return px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
    errlist errs = {0};
    if ((rc = serials_check(&errs, res->status, req->serials, req->n_serials, err)) != PX_OK)
        goto done;
    if (errs.n == req->n_serials) {
        rc = px_err_set(err, PX_EINVALID, "validation_error", "%zu of %zu serials are invalid",
                        errs.n, req->n_serials);
        goto done;
    }
    /* All-or-nothing with invalid serials: the request fails (422), but API.md
     * ("Commissioning": "one bad item -> 422 (or 409) with every bad item in details") wants
     * every bad item, so the valid ones still go through the pool check, in a transaction that
     * is rolled back, and their duplicate_serial items join the details (docs/lifecycle.md
     * "Commissioning rules" 5). */
    int doomed = errs.n && !req->partial;
    /* The candidates: the request's serials that passed the syntax rules. */
    size_t n_cand = req->n_serials - errs.n;
    const char **cand = malloc(n_cand * sizeof(*cand));
    size_t *cand_idx = malloc(n_cand * sizeof(*cand_idx));
    if (!cand || !cand_idx) {
        free(cand);
        free(cand_idx);
        rc = px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < req->n_serials; i++)
        if (res->status[i] == PX_ITEM_OK) {
            cand_idx[k] = i;
            cand[k++] = req->serials[i];
        }
    hash_ahead *ahead = doomed ? NULL : malloc(sizeof(*ahead));
    if (ahead)
        hash_ahead_start(ahead, db, by, res->gtin, cand, n_cand, req->batch, req->expiry_date,
                         now);
    for (int attempt = 0; attempt < 3; attempt++) {
        px_err_clear(err);
        rc = doomed ? commission_check_pool(db, by, req, res, &errs, cand, cand_idx, n_cand,
                                            err)
                    : commission_tx(db, by, req, idem, ahead, res, &errs, cand, cand_idx,
                                    n_cand, now, err);
        if (!retryable(rc, err))
            break;
    }
    if (ahead)
        hash_ahead_join(ahead);
    free(ahead);
    free(cand);
    free(cand_idx);
done:
    if (errs.n > 1)
        qsort(errs.v, errs.n, sizeof(*errs.v), item_cmp);
    res->errors = errs.v;
    res->n_errors = errs.n;
    return rc;
}

/* ---- status of a stored pack --------------------------------------------------------- */

static px_rc status_of(px_pack_status *st, const px_pack_row *row, px_err *err)
{
    px_pack_status_init(st);
    px_rc rc = px_pack_state_parse(&st->state, row->state, err);
    if (rc != PX_OK)
        return rc;
    if (st->state == PX_PACK_DECOMMISSIONED) {
        if ((rc = px_decom_reason_parse(&st->reason, row->reason, err)) != PX_OK ||
            (rc = px_pack_state_parse(&st->before, row->prior_state, err)) != PX_OK)
            return px_err_set(err, PX_EINTERNAL, "internal", "corrupt pack state");
        st->decommissioned_at_us = row->decommissioned_at_us;
        px_strlcpy(st->decommissioned_by, row->decommissioned_by, sizeof(st->decommissioned_by));
    } else {
        st->before = st->state;
    }
    return PX_OK;
}

/* A CMO's view of a pack: only those it commissioned and that never went to market
 * (DESIGN.md: "may never ... see packs after release"). */
static int cmo_sees(const px_actor *by, const px_pack_row *row)
{
    return strcmp(row->commissioned_by, by->org_id) == 0 && row->released_at[0] == '\0';
}

/* The product of a pack operation, with the 404 rules of the caller's tenant. */
static px_rc product_of(px_db *db, const px_actor *by, const char *gtin, char g[15],
                        px_product *prod, px_err *err)
{
    if (!gtin || gs1_gtin_normalize(g, gtin, err) != PX_OK) {
        px_err_set(err, PX_EINVALID, err->code[0] ? err->code : "invalid_value",
                   "gtin '%.20s' is not a valid GTIN", gtin ? gtin : "");
        px_err_field(err, "gtin");
        return PX_EINVALID;
    }
    return px_svc_product_access(db, by, g, 0, prod, err);
}

static px_rc serial_list_check(const char *const *serials, size_t n, px_pack_op_result *res,
                               px_err *err)
{
    if (n == 0) {
        px_err_set(err, PX_EINVALID, "serials_required", "at least one serial is required");
        px_err_field(err, "serials");
        return PX_EINVALID;
    }
    if (n > PX_COMMISSION_MAX_SERIALS)
        return px_commission_count_check(n, err);
    unsigned char *bad = calloc(n, 1);
    errlist errs = {0};
    px_rc rc = bad ? serials_check(&errs, bad, serials, n, err)
                   : px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
    free(bad);
    if (rc == PX_OK && errs.n) {
        res->errors = errs.v;
        res->n_errors = errs.n;
        return px_err_set(err, PX_EINVALID, "validation_error", "%zu of %zu serials are invalid",
                          errs.n, n);
    }
    free(errs.v);
    return rc;
}

/* ---- decommission and reactivation --------------------------------------------------- */

typedef struct op_ctx {
    const px_actor *by;
    const px_pack_op_req *req;
    px_transition_req treq;
    px_pack_status *to;            /* per request index */
    unsigned char *found;
    errlist errs;
    int current_year;
    int oom;
} op_ctx;

static int op_row(void *vctx, size_t i, const px_pack_row *row)
{
    op_ctx *c = vctx;
    if (c->by->org_kind == PX_ORG_CMO && !cmo_sees(c->by, row))
        return 0; /* reported as not found below: another organization's pack */
    c->found[i] = 1;
    px_err e;
    px_err_clear(&e);
    px_pack_status from;
    px_rc rc = status_of(&from, row, &e);
    px_transition_req t = c->treq;
    if (rc == PX_OK && row->expiry[0]) {
        px_err de;
        if (gs1_date_parse(&t.expiry, row->expiry, 1, c->current_year, &de) != PX_OK)
            memset(&t.expiry, 0, sizeof(t.expiry));
    }
    if (rc == PX_OK)
        rc = px_pack_transition(&from, &t, &c->to[i], &e);
    if (rc != PX_OK && errlist_add(&c->errs, i, &e) != 0)
        c->oom = 1;
    return 0;
}

static px_rc pack_op(px_db *db, const px_actor *by, const px_pack_op_req *req,
                     px_pack_action action, px_decom_reason reason, px_pack_op_result *res,
                     px_err *err)
{
    memset(res, 0, sizeof(*res));
    int64_t now = px_now_us();
    char gtin[15];
    px_product prod;
    px_rc rc = product_of(db, by, req->gtin, gtin, &prod, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = serial_list_check(req->serials, req->n_serials, res, err)) != PX_OK)
        return rc;
    size_t n = req->n_serials;
    op_ctx c;
    memset(&c, 0, sizeof(c));
    c.by = by;
    c.req = req;
    c.treq.action = action;
    c.treq.reason = reason;
    c.treq.org_id = by->org_id;
    c.treq.now_us = now;
    int y, m, d;
    px_civil_from_us(now, &y, &m, &d);
    c.current_year = y;
    c.to = calloc(n, sizeof(*c.to));
    c.found = calloc(n, 1);
    const char **states = calloc(n, sizeof(*states));
    if (!c.to || !c.found || !states) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
        goto out;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        c.errs.n = 0;
        memset(c.found, 0, n);
        px_err_clear(err);
        if ((rc = px_db_begin(db, err)) != PX_OK)
            goto out;
        if ((rc = px_store_packs_lock(db, gtin, req->serials, n, op_row, &c, err)) != PX_OK)
            goto fail;
        if (c.oom) {
            rc = px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
            goto fail;
        }
        int not_found_only = 1;
        if (c.errs.n)
            not_found_only = 0;
        for (size_t i = 0; i < n; i++)
            if (!c.found[i]) {
                px_err e;
                px_err_clear(&e);
                px_err_set(&e, PX_ENOTFOUND, "not_found", "pack %s/%s not found", gtin,
                           req->serials[i]);
                if (errlist_add(&c.errs, i, &e) != 0) {
                    rc = px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
                    goto fail;
                }
            }
        if (c.errs.n) {
            /* All-or-nothing: every refused pack in details, nothing changed. */
            qsort(c.errs.v, c.errs.n, sizeof(*c.errs.v), item_cmp);
            rc = not_found_only
                     ? px_err_set(err, PX_ENOTFOUND, "not_found", "%zu of %zu packs not found",
                                  c.errs.n, n)
                     : px_err_set(err, PX_ESTATE, "invalid_state",
                                  "%zu of %zu packs cannot %s", c.errs.n, n,
                                  px_pack_action_name(action));
            res->errors = c.errs.v;
            res->n_errors = c.errs.n;
            c.errs.v = NULL;
            goto fail;
        }
        const char *kind = action == PX_PACK_REACTIVATE ? "reactivate"
                           : action == PX_PACK_RECALL   ? "recall"
                                                        : "decommission";
        if (action == PX_PACK_REACTIVATE) {
            for (size_t i = 0; i < n; i++)
                states[i] = px_pack_state_name(c.to[i].state);
            rc = px_store_packs_reactivate(db, gtin, req->serials, states, n, err);
        } else {
            for (size_t i = 0; i < n; i++)
                states[i] = px_pack_state_name(c.to[i].before);
            rc = px_store_packs_decommission(db, gtin, req->serials, states, n,
                                             px_decom_reason_name(reason), by->org_id, now, err);
        }
        if (rc != PX_OK)
            goto fail;
        if (px_uuid_v4(res->op_id) != PX_OK) {
            rc = px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
            goto fail;
        }
        const char *reason_text = action == PX_PACK_REACTIVATE ? req->reason
                                                               : px_decom_reason_name(reason);
        px_pack_op_rec op = {res->op_id, kind, by->org_id, prod.mah_id, gtin, NULL,
                             reason_text, (long)n, now};
        if ((rc = px_store_pack_op_insert(db, &op, err)) != PX_OK)
            goto fail;
        /* One event per request. A reactivation returns each pack to the state it left; when
         * a request mixes commissioned and released packs, each group gets its own event
         * (their dispositions differ: active vs in_transit). */
        const char **group = malloc(n * sizeof(*group));
        if (!group) {
            rc = px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
            goto fail;
        }
        for (int pass = 0; pass < 2 && rc == PX_OK; pass++) {
            size_t k = 0;
            const px_pack_status *rep = NULL;
            for (size_t i = 0; i < n; i++) {
                int in_group = action != PX_PACK_REACTIVATE
                                   ? pass == 0
                                   : (c.to[i].state == PX_PACK_COMMISSIONED) == (pass == 0);
                if (in_group) {
                    group[k++] = req->serials[i];
                    rep = &c.to[i];
                }
            }
            if (!k)
                continue;
            event_in ev = {by, &prod, kind, action, rep, now, group, k, "list", NULL, NULL,
                           res->op_id, NULL, NULL, reason_text, NULL, NULL};
            rc = record_event(db, &ev, NULL, res->event_id, NULL, err);
        }
        free(group);
        if (rc != PX_OK)
            goto fail;
        char details[400], reason_esc[200];
        px_json_escape(reason_esc, sizeof(reason_esc), reason_text ? reason_text : "");
        snprintf(details, sizeof(details),
                 "{\"gtin\":\"%s\",\"count\":%zu,\"reason\":\"%s\",\"event_id\":\"%s\"}", gtin,
                 n, reason_esc, res->event_id);
        char action_name[32];
        snprintf(action_name, sizeof(action_name), "pack.%s", kind);
        if ((rc = px_svc_audit(db, by, prod.mah_id, action_name, res->op_id, details, err)))
            goto fail;
        res->count = (long)n;
        rc = px_db_commit(db, err);
        goto out;
    fail:
        px_db_rollback(db);
        if (!retryable(rc, err))
            goto out;
    }
out:
    free(c.errs.v);
    free(c.to);
    free(c.found);
    free(states);
    return rc;
}

px_rc px_svc_decommission(px_db *db, const px_actor *by, const px_pack_op_req *req,
                          px_pack_op_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    px_decom_reason reason;
    px_rc rc = px_decom_reason_parse(&reason, req->reason ? req->reason : "", err);
    if (rc != PX_OK)
        return rc;
    px_pack_action action = px_decom_reason_action(reason);
    /* A recall or withdrawal is the MAH's act (Art. 40; policy PX_ACT_RECALL). */
    if (action == PX_PACK_RECALL && (rc = px_policy_check(by->role, PX_ACT_RECALL, err)))
        return rc;
    if ((rc = px_decom_reason_check_role(by->role, reason, err)) != PX_OK)
        return rc;
    return pack_op(db, by, req, action, reason, res, err);
}

px_rc px_svc_reactivate(px_db *db, const px_actor *by, const px_pack_op_req *req,
                        px_pack_op_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    if (req->reason && !px_str_printable(req->reason, 200)) {
        px_err_set(err, PX_EINVALID, "invalid_value",
                   "reason must be 1 to 200 characters without control characters");
        px_err_field(err, "reason");
        return PX_EINVALID;
    }
    return pack_op(db, by, req, PX_PACK_REACTIVATE, PX_REASON_NONE, res, err);
}

/* ---- release ---------------------------------------------------------------------------- */

static px_rc market_check(const char *m, px_err *err)
{
    if (!m || strlen(m) != 2 || m[0] < 'A' || m[0] > 'Z' || m[1] < 'A' || m[1] > 'Z') {
        px_err_set(err, PX_EINVALID, "invalid_market",
                   "market must be EU, US or another two-letter ISO 3166 code");
        px_err_field(err, "market");
        return PX_EINVALID;
    }
    return PX_OK;
}

static px_rc release_tx(px_db *db, const px_actor *by, const px_release_req *req,
                        const char *gtin, const px_product *pprod, const shipping *ship,
                        int64_t now, px_release_result *res, px_err *err);


/* Release and recall act on a batch that was commissioned: another answers not_found. */
static px_rc batch_must_exist(px_db *db, const char *gtin, const char *batch, px_err *err)
{
    int exists = 0;
    px_rc rc = px_store_batch_exists(db, &exists, gtin, batch, err);
    if (rc == PX_OK && !exists)
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "batch '%s' of %s not found", batch,
                        gtin);
    return rc;
}

px_rc px_svc_release(px_db *db, const px_app *app, const px_actor *by,
                     const px_release_req *req, px_release_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    int64_t now = px_now_us();
    char gtin[15];
    px_product prod;
    px_rc rc = product_of(db, by, req->gtin, gtin, &prod, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px_commission_batch_check(req->batch ? req->batch : "", err)) != PX_OK ||
        (rc = market_check(req->market, err)) != PX_OK)
        return rc;
    /* Shipping data: checked, and its SGLNs and bizTransaction built, before anything is
     * written (a bad field changes nothing). */
    shipping ship;
    if ((rc = shipping_prepare(&ship, app, by, &prod, req, err)) != PX_OK)
        return rc;
    return release_tx(db, by, req, gtin, &prod, &ship, now, res, err);
}

static px_rc release_tx(px_db *db, const px_actor *by, const px_release_req *req,
                        const char *gtin, const px_product *pprod, const shipping *ship,
                        int64_t now, px_release_result *res, px_err *err)
{
    px_rc rc;
    px_product prod = *pprod;
    if (req->serials) {
        px_pack_op_result tmp;
        memset(&tmp, 0, sizeof(tmp));
        if ((rc = serial_list_check(req->serials, req->n_serials, &tmp, err)) != PX_OK) {
            res->errors = tmp.errors;
            res->n_errors = tmp.n_errors;
            return rc;
        }
    }
    char **released = NULL;
    size_t count = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        px_err_clear(err);
        if ((rc = px_db_begin(db, err)) != PX_OK)
            return rc;
        if ((rc = batch_must_exist(db, gtin, req->batch, err)) != PX_OK)
            goto fail;
        if (req->serials) {
            size_t *idx = NULL, n_idx = 0;
            if ((rc = px_store_release_misfits(db, gtin, req->batch, req->serials,
                                               req->n_serials, &idx, &n_idx, err)) != PX_OK)
                goto fail;
            if (n_idx) {
                errlist errs = {0};
                for (size_t k = 0; k < n_idx; k++) {
                    px_err e;
                    px_err_clear(&e);
                    px_err_set(&e, PX_ESTATE, "invalid_state",
                               "serial '%s' is not a commissioned pack of batch '%s'",
                               req->serials[idx[k]], req->batch);
                    errlist_add(&errs, idx[k], &e);
                }
                free(idx);
                res->errors = errs.v;
                res->n_errors = errs.n;
                rc = px_err_set(err, PX_ESTATE, "invalid_state",
                                "%zu of %zu packs are not commissioned in batch '%s'", n_idx,
                                req->n_serials, req->batch);
                goto fail;
            }
        }
        if (px_uuid_v4(res->release_id) != PX_OK) {
            rc = px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
            goto fail;
        }
        px_release_rec rel = {
            .id = res->release_id,
            .org_id = by->org_id,
            .tenant_id = prod.mah_id,
            .gtin = gtin,
            .batch = req->batch,
            .market = req->market,
            .now_us = now,
            .ship_from_gln = ship->has_parties ? ship->ship_from : NULL,
            .ship_to_party_gln = ship->has_parties ? ship->to_party : NULL,
            .ship_to_location_gln = ship->has_parties ? ship->to_location : NULL,
            .transaction_type = ship->has_tx ? ship->btt : NULL,
            .transaction_id = ship->has_tx ? req->transaction_id : NULL,
        };
        if ((rc = px_store_release_packs(db, &rel, req->serials, req->serials ? req->n_serials : 0,
                                         &released, &count, err)) != PX_OK)
            goto fail;
        if (count == 0) {
            rc = px_err_set(err, PX_ESTATE, "invalid_state",
                            "batch '%s' has no commissioned packs to release", req->batch);
            goto fail;
        }
        /* Listed serials are released all or none: the misfit check locked them, so this
         * guard only fires if that ever stops holding; a short release never answers 201
         * (API.md "Release to market": the listed packs move to released). */
        if (req->serials && count != req->n_serials) {
            rc = px_err_set(err, PX_ESTATE, "invalid_state",
                            "%zu of %zu listed packs were not commissioned in batch '%s' any "
                            "more",
                            req->n_serials - count, req->n_serials, req->batch);
            goto fail;
        }
        if ((rc = px_store_release_insert(db, &rel, (long)count, err)) != PX_OK)
            goto fail;
        px_pack_status to;
        px_pack_status_init(&to);
        to.state = PX_PACK_RELEASED;
        to.before = PX_PACK_RELEASED;
        event_in ev = {by, &prod, "release", PX_PACK_RELEASE, &to, now,
                       (const char *const *)released, count, "release", NULL,
                       res->release_id, NULL, req->batch, NULL, NULL, req->market, ship};
        if ((rc = record_event(db, &ev, NULL, res->event_id, NULL, err)) != PX_OK)
            goto fail;
        /* Issue 6: the market's EPCIS report, queued in this transaction (reports.h). */
        if ((rc = px_svc_reports_queue_release(db, by, res->release_id, res->report_id,
                                               err)) != PX_OK)
            goto fail;
        char details[400], batch_esc[64];
        px_json_escape(batch_esc, sizeof(batch_esc), req->batch);
        snprintf(details, sizeof(details),
                 "{\"gtin\":\"%s\",\"batch\":\"%s\",\"market\":\"%s\",\"released\":%zu,"
                 "\"event_id\":\"%s\"}",
                 gtin, batch_esc, req->market, count, res->event_id);
        if ((rc = px_svc_audit(db, by, prod.mah_id, "release.create", res->release_id, details,
                               err)) != PX_OK)
            goto fail;
        res->released = (long)count;
        free(released);
        return px_db_commit(db, err);
    fail:
        px_db_rollback(db);
        free(released);
        released = NULL;
        if (!retryable(rc, err))
            return rc;
    }
    return rc;
}

/* ---- recall ----------------------------------------------------------------------------- */

px_rc px_svc_recall(px_db *db, const px_actor *by, const px_recall_req *req,
                    px_pack_op_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    int64_t now = px_now_us();
    px_decom_reason reason = PX_REASON_RECALLED;
    px_rc rc;
    if (req->reason && (rc = px_decom_reason_parse(&reason, req->reason, err)) != PX_OK)
        return rc;
    if (reason != PX_REASON_RECALLED && reason != PX_REASON_WITHDRAWN) {
        px_err_set(err, PX_EINVALID, "invalid_reason",
                   "a recall's reason is 'recalled' or 'withdrawn', not '%s'", req->reason);
        px_err_field(err, "reason");
        return PX_EINVALID;
    }
    char gtin[15];
    px_product prod;
    if ((rc = product_of(db, by, req->gtin, gtin, &prod, err)) != PX_OK)
        return rc;
    if ((rc = px_commission_batch_check(req->batch ? req->batch : "", err)) != PX_OK)
        return rc;
    /* Which packs the recall reaches comes from the transition table, not from here. */
    const char *states[PX_PACK_STATE__COUNT], *reasons[PX_REASON__COUNT];
    size_t ns = 0, nr = 0;
    for (int s = 0; s < PX_PACK_STATE__COUNT; s++)
        if (s != PX_PACK_DECOMMISSIONED &&
            px_pack_move_allowed((px_pack_state)s, PX_REASON_NONE, PX_PACK_RECALL, reason))
            states[ns++] = px_pack_state_name((px_pack_state)s);
    for (int r = 1; r < PX_REASON__COUNT; r++)
        if (px_pack_move_allowed(PX_PACK_DECOMMISSIONED, (px_decom_reason)r, PX_PACK_RECALL,
                                 reason))
            reasons[nr++] = px_decom_reason_name((px_decom_reason)r);
    char **recalled = NULL;
    size_t count = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        px_err_clear(err);
        if ((rc = px_db_begin(db, err)) != PX_OK)
            return rc;
        if ((rc = batch_must_exist(db, gtin, req->batch, err)) != PX_OK)
            goto fail;
        if ((rc = px_store_recall_batch(db, gtin, req->batch, px_decom_reason_name(reason),
                                        states, ns, reasons, nr, by->org_id, now, &recalled,
                                        &count, err)) != PX_OK)
            goto fail;
        if (count == 0) {
            rc = px_err_set(err, PX_ESTATE, "invalid_state",
                            "batch '%s' has no packs that can be recalled", req->batch);
            goto fail;
        }
        if (px_uuid_v4(res->op_id) != PX_OK) {
            rc = px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
            goto fail;
        }
        px_pack_op_rec op = {res->op_id, "recall", by->org_id, prod.mah_id, gtin, req->batch,
                             px_decom_reason_name(reason), (long)count, now};
        if ((rc = px_store_pack_op_insert(db, &op, err)) != PX_OK)
            goto fail;
        px_pack_status to;
        px_pack_status_init(&to);
        to.state = PX_PACK_DECOMMISSIONED;
        to.reason = reason;
        event_in ev = {by, &prod, "recall", PX_PACK_RECALL, &to, now,
                       (const char *const *)recalled, count, "list", NULL, NULL, res->op_id,
                       req->batch, NULL, px_decom_reason_name(reason), NULL, NULL};
        if ((rc = record_event(db, &ev, NULL, res->event_id, NULL, err)) != PX_OK)
            goto fail;
        char details[400], batch_esc[64];
        px_json_escape(batch_esc, sizeof(batch_esc), req->batch);
        snprintf(details, sizeof(details),
                 "{\"gtin\":\"%s\",\"batch\":\"%s\",\"reason\":\"%s\",\"count\":%zu,"
                 "\"event_id\":\"%s\"}",
                 gtin, batch_esc, px_decom_reason_name(reason), count, res->event_id);
        if ((rc = px_svc_audit(db, by, prod.mah_id, "pack.recall", res->op_id, details, err)))
            goto fail;
        res->count = (long)count;
        free(recalled);
        return px_db_commit(db, err);
    fail:
        px_db_rollback(db);
        free(recalled);
        recalled = NULL;
        if (!retryable(rc, err))
            return rc;
    }
    return rc;
}

/* ---- reading a pack ---------------------------------------------------------------------- */

px_rc px_svc_pack_get(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                      px_pack_row *out, px_event_row_fn fn, void *ctx, px_err *err)
{
    char g[15];
    px_err ignore;
    if (!gtin || gs1_gtin_normalize(g, gtin, &ignore) != PX_OK || !serial ||
        strlen(serial) > GS1_SERIAL_MAX)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "pack not found");
    px_product prod;
    px_rc rc;
    if (by->org_kind == PX_ORG_CMO) {
        /* A CMO reads through its partnership, like every other access of its (issue 4: a
         * suspended partnership "stops the CMO's access at once"): suspended -> 403
         * partnership_suspended, as its allocations and commissions get; the GTIN not (or no
         * longer) granted -> the pack is outside its view: 404 not_found, the answer for
         * another tenant's pack (DESIGN.md "Security"). The carrier routes read through here. */
        if ((rc = px_svc_product_access(db, by, g, 0, &prod, err)) != PX_OK)
            return rc == PX_ENOTFOUND
                       ? px_err_set(err, PX_ENOTFOUND, "not_found", "pack not found")
                       : rc;
    } else if (px_store_product_get(db, &prod, g, 0, &ignore) != PX_OK) {
        return px_err_set(err, PX_ENOTFOUND, "not_found", "pack not found");
    }
    rc = px_store_pack_get(db, out, g, serial, err);
    if (rc != PX_OK)
        return rc;
    int visible = 0;
    switch (px_policy_scope(by->role, PX_ACT_PACK_READ)) {
    case PX_SCOPE_ORG: /* MAH and its auditor: the MAH's products */
        visible = strcmp(prod.mah_id, by->org_id) == 0;
        break;
    case PX_SCOPE_PARTNER: /* CMO: packs it commissioned, until released */
        visible = cmo_sees(by, out);
        break;
    default:
        break;
    }
    /* Another tenant's pack answers 404, never 403 (DESIGN.md "Security"). */
    if (!visible)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "pack not found");
    return fn ? px_store_pack_events_each(db, out, fn, ctx, err) : PX_OK;
}
