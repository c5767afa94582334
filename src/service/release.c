/* Release to a market (lifecycle.h; docs/lifecycle.md "Release"). */
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "pack_identity.h"
#include "pack_internal.h"
#include "packing.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "reports_internal.h"

typedef struct release_ctx {
    const px_app *app;
    const px_actor *by;
    const px_release_req *req;
    const px_release_req *asked; /* the request as given */
    px_release_req by_box;       /* with ssccs: the request with the packs they hold */
    char **held;                 /* those packs' serials */
    size_t n_held;
    char gtin[15];
    px_product prod;
    px__shipping ship;
    int64_t now;
    char **released; /* the released serials (malloc'd by the store) */
    size_t count;
    long unpacked; /* cases that left a pallet which stays (REQ-AGG-12) */
    px_release_result *res;
} release_ctx;

/* Listed serials are released all or none: each must be a commissioned pack of the batch. */
static px_rc listed_misfits(release_ctx *c, px_db *db, px_err *err)
{
    const px_release_req *req = c->req;
    size_t *idx = NULL, n_idx = 0;
    long *holds = NULL;
    px_rc rc = px_store_release_misfits(db, c->gtin, req->batch, req->serials, req->n_serials, &idx,
                                        &holds, &n_idx, err);
    if (rc != PX_OK || !n_idx)
        return rc;
    px__errlist errs = {0};
    for (size_t k = 0; k < n_idx && rc == PX_OK; k++) {
        px_err e;
        if (holds[k] > 0)
            /* REQ-AGG-14: a case that carries its own GTIN is not shipped without its packs. */
            px_err_set(&e, PX_ESTATE, "invalid_state",
                       "case '%s' holds %ld packs still commissioned: release them (or its "
                       "pallet, by ssccs) or unpack them first",
                       req->serials[idx[k]], holds[k]);
        else
            px_err_set(&e, PX_ESTATE, "invalid_state",
                       "serial '%s' is not a commissioned pack of batch '%s'", req->serials[idx[k]],
                       req->batch);
        rc = px__errlist_add(&errs, idx[k], &e, err);
    }
    free(idx);
    free(holds);
    if (rc != PX_OK) {
        free(errs.v);
        return rc;
    }
    free(c->res->errors);
    px__errlist_take(&errs, &c->res->errors, &c->res->n_errors);
    return px_err_set(err, PX_ESTATE, "invalid_state",
                      "%zu of %zu packs are not commissioned in batch '%s'", n_idx, req->n_serials,
                      req->batch);
}

/* A release of a whole batch moves the packs commissioned when it runs: the count the caller
 * confirmed (expected_count, a dry run's would_release) holds it to what was confirmed, so a
 * pack commissioned in between is not released unseen. The transaction rolls back. */
static px_rc count_confirmed(const px_release_req *req, long long count, px_err *err)
{
    if (req->expected_count <= 0 || count == req->expected_count)
        return PX_OK;
    return px_err_set_field(err, PX_ESTATE, "count_changed", "expected_count",
                            "the release would move %lld packs, not the %lld expected: nothing "
                            "was released",
                            count, req->expected_count);
}

/* The packs move to released and the release is recorded (its shipping data with it). */
static px_rc release_rows(release_ctx *c, px_db *db, px_err *err)
{
    const px_release_req *req = c->req;
    const px__shipping *ship = &c->ship;
    px_release_rec rel = {
        .id = c->res->release_id,
        .org_id = c->by->org_id,
        .tenant_id = c->prod.mah_id,
        .gtin = c->gtin,
        .batch = req->batch,
        .market = req->market,
        .now_us = c->now,
        .ship_from_gln = ship->has_parties ? ship->ship_from : NULL,
        .ship_to_party_gln = ship->has_parties ? ship->to_party : NULL,
        .ship_to_location_gln = ship->has_parties ? ship->to_location : NULL,
        .transaction_type = ship->has_tx ? ship->btt : NULL,
        .transaction_id = ship->has_tx ? req->transaction_id : NULL,
    };
    px_rc rc = px_store_release_packs(db, &rel, req->serials, req->serials ? req->n_serials : 0,
                                      &c->released, &c->count, err);
    if (rc != PX_OK)
        return rc;
    if (c->count == 0)
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "batch '%s' has no commissioned packs to release", req->batch);
    /* The misfit check locked the listed rows, so this guard only fires if that ever stops
     * holding; a short release never answers 201 (the listed packs move to released). */
    if (req->serials && c->count != req->n_serials)
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "%zu of %zu listed packs were not commissioned in batch '%s' any more",
                          req->n_serials - c->count, req->n_serials, req->batch);
    /* A whole batch of a case GTIN: listed serials were checked one by one (listed_misfits). */
    if (!req->serials && (rc = px__batch_cases_empty(db, c->gtin, req->batch, PX_CASES_RELEASED,
                                                     rel.id, err)) != PX_OK)
        return rc;
    if ((rc = count_confirmed(req, (long long)c->count, err)) != PX_OK)
        return rc;
    return px_store_release_insert(db, &rel, (long)c->count, err);
}

/* With ssccs: the request becomes one listing every pack the containers hold (the listed
 * serials path then checks, locks and moves them in one statement each). */
static px_rc containers_to_serials(release_ctx *c, px_db *db, px_err *err)
{
    px_serials_free(c->held, c->n_held);
    c->held = NULL;
    c->n_held = 0;
    free(c->res->errors);
    c->res->errors = NULL;
    c->res->n_errors = 0;
    px_rc rc = px_svc_container_packs(db, c->prod.mah_id, c->gtin, c->asked->batch, "commissioned",
                                      c->asked->ssccs, c->asked->n_ssccs, &c->held, &c->n_held,
                                      NULL, &c->res->errors, &c->res->n_errors, err);
    if (rc != PX_OK)
        return rc;
    c->by_box = *c->asked;
    c->by_box.serials = (const char *const *)c->held;
    c->by_box.n_serials = c->n_held;
    c->req = &c->by_box;
    return PX_OK;
}

/* A case on the listed containers ships with them (REQ-AGG-8): its own batch, which may not
 * be the request's, must be releasable too (not recalled, not expired: px__batch_open), or
 * the pallet would carry an expired case into the market unasked. */
typedef struct case_batches {
    px_db *db;
    int64_t now;
    px_rc rc;
    px_err *err;
} case_batches;

static int case_batch_open(void *vctx, const px_case_batch *b)
{
    case_batches *c = vctx;
    px_err e = PX_ERR_INIT;
    if ((c->rc = px__batch_open(c->db, b->gtin, b->batch, c->now, &e)) == PX_OK)
        return 0;
    if (c->rc == PX_EINVALID || c->rc == PX_ESTATE)
        c->rc = px_err_set_field(c->err, c->rc, e.code, "ssccs",
                                 "case %s/%s on the listed containers: %s (unpack it first)",
                                 b->gtin, b->serial, e.message);
    else
        px_err_pass(c->err, &e);
    return 1;
}

static px_rc cases_below_open(release_ctx *c, px_db *db, px_err *err)
{
    case_batches cb = {db, c->now, PX_OK, err};
    px_pack_move_from from; /* the cases containers_ship moves */
    px_pack_move_sources(&from, PX_PACK_RELEASE, PX_REASON_NONE);
    px_rc rc = px_store_cases_below_batches(db, c->asked->ssccs, c->asked->n_ssccs, from.states,
                                            from.n_states, case_batch_open, &cb, err);
    return rc != PX_OK ? rc : cb.rc;
}

/* The batch exists and the market's report has what it needs, before anything moves; a dry
 * run stops here with what it would do (nothing is written). */
static px_rc release_preflight(px_tx *tx, release_ctx *c, px_err *err)
{
    px_db *db = px_tx_db(tx);
    px_release_result *res = c->res;
    /* The product's master data as it stands while this commits: a change of it waits for
     * this release (and then sees its market: px__master_data_kept), one that committed since
     * the read before the transaction is read here. */
    px_rc rc;
    if ((rc = px_store_product_master_lock(db, c->gtin, 0, err)) != PX_OK ||
        (rc = px_store_product_get(db, &c->prod, c->gtin, 0, err)) != PX_OK)
        return rc;
    if ((rc = px__batch_open(db, c->gtin, c->req->batch, c->now, err)) != PX_OK)
        return rc;
    /* With ssccs: the containers and their packs locked before they are read, so no pack is
     * packed in or moved out between the read and the release (a pack left behind in a
     * released pallet, or released from its new container). */
    if (c->asked->ssccs &&
        ((rc = px_store_containers_lock(db, c->asked->ssccs, c->asked->n_ssccs, err)) != PX_OK ||
         (rc = containers_to_serials(c, db, err)) != PX_OK ||
         (rc = cases_below_open(c, db, err)) != PX_OK))
        return rc;
    const px_release_req *req = c->req;
    px_missing_list_dispose(&res->missing);
    int reports = 0;
    px__moved_packs moved = {req->batch, req->serials, req->serials ? req->n_serials : 0};
    if ((rc = px__report_preconditions(db, c->by, &c->prod, req->market, &moved, &res->missing,
                                       &reports, err)) != PX_OK)
        return rc;
    if (req->dry_run) {
        px_tx_discard(tx);
        res->would_report = reports;
        if (!req->serials && (rc = px__batch_cases_empty(db, c->gtin, req->batch,
                                                         PX_CASES_RELEASABLE, NULL, err)) != PX_OK)
            return rc;
        rc = px_store_release_count(db, &res->would_release, c->gtin, req->batch, req->serials,
                                    req->serials ? req->n_serials : 0, err);
        return rc == PX_OK ? count_confirmed(req, (long long)res->would_release, err) : rc;
    }
    return res->missing.n ? px__report_refusal(&res->missing, err) : PX_OK;
}

/* REQ-AGG-8: the containers ship with what they hold. REQ-AGG-12: a case shipped off a
 * pallet that stays leaves it (before the report is built: the report then names the
 * case's packing alone). */
static px_rc containers_ship(release_ctx *c, px_db *db, px_err *err)
{
    const char *const *ssccs = c->asked->ssccs;
    size_t n = c->asked->n_ssccs;
    px_pack_move_from from;
    px_pack_move_sources(&from, PX_PACK_RELEASE, PX_REASON_NONE);
    px_case_move cm = {"released",  c->by->org_id, c->res->release_id, c->req->market, NULL, c->now,
                       from.states, from.n_states, from.reasons,       from.n_reasons};
    px_rc rc = px_store_containers_set_state(db, ssccs, n, "released", err);
    if (rc == PX_OK)
        rc = px_store_cases_below_move(db, ssccs, n, &cm, err);
    if (rc == PX_OK)
        rc = px__containers_leave_parents(db, c->by, &c->prod, ssccs, n, c->now, &c->unpacked, err);
    return rc;
}

/* The release's shipping event, recorded in this transaction. */
static px_rc release_event(release_ctx *c, px_db *db, px_err *err)
{
    const px_release_req *req = c->req;
    px_pack_status to;
    px_pack_status_init(&to);
    to.state = PX_PACK_RELEASED;
    to.before = PX_PACK_RELEASED;
    px__event_in ev = {
        .by = c->by,
        .prod = &c->prod,
        .op = "release",
        .action = PX_PACK_RELEASE,
        .to = &to,
        .now_us = c->now,
        .serials = (const char *const *)c->released,
        .n = c->count,
        .serial_set = "release",
        .release_id = c->res->release_id,
        .lot = req->batch,
        .market = req->market,
        .ship = &c->ship,
    };
    /* REQ-AGG-11: shipped by containers to a market whose report carries their packing
     * events, the shipping event names the top-level units, not every pack
     * (docs/aggregation.md "The shipping event of containers"); the packs still all move
     * (release_rows). */
    px__top_units top = {0};
    px_rc rc = PX_OK;
    if (c->asked->ssccs && px__profile_ships_units(px_epcis_profile_for_market(req->market))) {
        rc = px__top_units_collect(db, c->asked->ssccs, c->asked->n_ssccs, &top, err);
        ev.epcs = top.ptr;
        ev.n_epcs = top.n;
    }
    if (rc == PX_OK)
        rc = px__event_record(db, &ev, NULL, c->res->event_id, NULL, err);
    px__top_units_dispose(&top);
    return rc;
}

static void release_audit(px_tx *tx, const release_ctx *c)
{
    const px_release_result *res = c->res;
    px_audit_details *d = px_tx_audit(tx, c->prod.mah_id, "release.create", res->release_id);
    px_audit_str(d, "gtin", c->gtin);
    px_audit_str(d, "batch", c->req->batch);
    px_audit_str(d, "market", c->req->market);
    px_audit_int(d, "released", (long long)c->count);
    if (c->unpacked)
        px_audit_int(d, "unpacked", (long long)c->unpacked);
    px_audit_str(d, "event_id", res->event_id);
}

static px_rc release_body(px_tx *tx, void *vc, px_err *err)
{
    release_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    px_release_result *res = c->res;
    free(c->released);
    c->released = NULL;
    c->count = 0;
    c->unpacked = 0;
    px_rc rc = release_preflight(tx, c, err);
    if (rc != PX_OK || c->req->dry_run)
        return rc;
    const px_release_req *req = c->req;
    /* With ssccs the held packs were checked as one set already (px_svc_container_packs);
     * release_rows' count guard refuses the release if one changed since. */
    if (req->serials && !c->asked->ssccs && (rc = listed_misfits(c, db, err)) != PX_OK)
        return rc;
    if (px_uuid_v4(res->release_id) != PX_OK)
        return px_err_no_random(err);
    if ((rc = release_rows(c, db, err)) != PX_OK)
        return rc;
    if (c->asked->ssccs && (rc = containers_ship(c, db, err)) != PX_OK)
        return rc;
    if ((rc = release_event(c, db, err)) != PX_OK)
        return rc;
    /* The market's EPCIS report, queued in this transaction. */
    px__report_subject subject = {
        .market = req->market, .batch = req->batch, .release_id = res->release_id};
    if ((rc = px__reports_queue(tx, c->app, &c->prod, &subject, res->report_id, err)) != PX_OK)
        return rc;
    release_audit(tx, c);
    res->released = (long)c->count;
    return PX_OK;
}

void px_release_result_dispose(px_release_result *res)
{
    px__refusals_dispose(&res->errors, &res->n_errors, &res->missing);
}

px_rc px_svc_release(px_db *db, const px_app *app, const px_actor *by, const px_release_req *req,
                     px_release_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    release_ctx c = {
        .app = app, .by = by, .req = req, .asked = req, .res = res, .now = px_now_us()};
    /* Listed serials move exactly those, all or none: a count beside them says nothing more
     * (a whole batch, or the packs the containers hold, is what it holds to). */
    if (req->expected_count > 0 && req->serials)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "expected_count",
                                "expected_count is for a release of a whole batch or of "
                                "containers: listed serials move exactly those");
    px_rc rc = px__pack_product(db, by, req->gtin, c.gtin, &c.prod, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px_batch_check(req->batch ? req->batch : "", err)) != PX_OK ||
        (rc = px_market_check(req->market, err)) != PX_OK ||
        (rc = px_market_release_check(c.prod.market, req->market, err)) != PX_OK)
        return rc;
    /* Shipping data: checked, and its SGLNs and bizTransaction built, before anything is
     * written (a bad field changes nothing). */
    if ((rc = px__shipping_prepare(&c.ship, app, by, &c.prod, req, err)) != PX_OK)
        return rc;
    if (req->serials && (rc = px__serial_list_check(req->serials, req->n_serials, &res->errors,
                                                    &res->n_errors, err)) != PX_OK)
        return rc;
    if (req->ssccs &&
        (rc = px__sscc_list_check(req->ssccs, req->n_ssccs, req->serials != NULL, err)) != PX_OK)
        return rc;
    rc = px_tx_run(db, by, release_body, &c, err);
    free(c.released);
    px_serials_free(c.held, c.n_held);
    return rc;
}
