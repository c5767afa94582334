/* Decommissioning and reactivation of listed packs (lifecycle.h; Delegated Regulation (EU)
 * 2016/161 Art. 12, 13; docs/lifecycle.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display_name.h"
#include "gs1.h"
#include "pack_identity.h"
#include "pack_internal.h"
#include "packing.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_str.h"
#include "reports_internal.h"

/* A stored pack's status as the state machine (domain/pack_state.h) reads it. */
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

typedef struct op_ctx {
    const px_actor *by;
    const px_pack_op_req *req;
    char gtin[15];
    px_product prod;
    px_pack_action action;
    px_decom_reason reason;
    const char *kind;        /* decommission, reactivate, recall */
    const char *reason_text; /* stored on the operation and its event */
    int64_t now;
    px_transition_req treq;
    px_pack_status *to; /* per request index */
    unsigned char *found;
    const char **states;
    px__errlist errs;
    int oom;
    px__market_set markets;        /* where the listed released packs went */
    px__op_events events;          /* the events recorded, for the audit entry */
    long left;                     /* packs taken out of their containers */
    char (*market_of)[3];          /* per request index: its market, "" when not released */
    const px_app *app;
    px_pack_op_result *res;
    const char *held_batch; /* by containers: the batch their packs were read for (or NULL) */
} op_ctx;


/* Each locked row: is it the caller's to move, and where does the state machine take it. */
static int op_row(void *vctx, size_t i, const px_pack_row *row)
{
    op_ctx *c = vctx;
    if (c->by->org_kind == PX_ORG_CMO && !px__cmo_sees_pack(c->by, row))
        return 0; /* reported as not found: another organization's pack */
    c->found[i] = 1;
    c->market_of[i][0] = '\0';
    if (row->released_at[0] && row->market[0]) { /* reported to its market */
        px__market_set_add(&c->markets, row->market);
        px_strlcpy(c->market_of[i], row->market, sizeof(c->market_of[i]));
    }
    px_err e = PX_ERR_INIT;
    px_pack_status from;
    px_rc rc = status_of(&from, row, &e);
    px_transition_req t = c->treq;
    if (rc == PX_OK && row->expiry[0]) {
        px_err de;
        if (gs1_expiry_parse(&t.expiry, row->expiry, c->now, &de) != PX_OK)
            memset(&t.expiry, 0, sizeof(t.expiry));
    }
    if (rc == PX_OK)
        rc = px_pack_transition(&from, &t, &c->to[i], &e);
    /* REQ-AGG-15: a case that carries its own GTIN goes out of use only after its packs: one
     * decommissioned while it holds packs still in use would be a destroyed case holding
     * active packs (still releasable, and no unpack takes them out of a decommissioned case). */
    if (rc == PX_OK && c->to[i].state == PX_PACK_DECOMMISSIONED && row->holds_active > 0)
        rc = px_err_set(&e, PX_ESTATE, "invalid_state",
                        "case %s/%s holds %ld packs not decommissioned: decommission them, or "
                        "unpack them (POST /v1/aggregations), first",
                        row->gtin, row->serial, row->holds_active);
    if (rc != PX_OK && px__errlist_add(&c->errs, i, &e, NULL) != PX_OK)
        c->oom = 1;
    return 0;
}

/* All-or-nothing: every refused pack in details, nothing changed. */
static px_rc op_refusals(op_ctx *c, size_t n, px_err *err)
{
    int not_found_only = c->errs.n == 0;
    for (size_t i = 0; i < n; i++)
        if (!c->found[i]) {
            px_err e;
            px_err_set(&e, PX_ENOTFOUND, "not_found", "pack %s/%s not found", c->gtin,
                       c->req->serials[i]);
            px_rc rc = px__errlist_add(&c->errs, i, &e, err);
            if (rc != PX_OK)
                return rc;
        }
    if (!c->errs.n)
        return PX_OK;
    px__errlist_sort(&c->errs);
    size_t bad = c->errs.n;
    px__errlist_take(&c->errs, &c->res->errors, &c->res->n_errors);
    if (not_found_only)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "%zu of %zu packs not found", bad, n);
    return px_err_set(err, PX_ESTATE, "invalid_state", "%zu of %zu packs cannot %s", bad, n,
                      px_pack_action_name(c->action));
}

/* The event of one group: the listed packs of market ("" not released) in reactivation
 * pass (0: back to commissioned, 1: back to released; every pack in pass 0 otherwise). None
 * is recorded for an empty group. group is scratch of n entries. */
static px_rc group_event(op_ctx *c, px_db *db, size_t n, const char **group, const char *market,
                         int pass, px_err *err)
{
    size_t k = 0;
    const px_pack_status *rep = NULL;
    for (size_t i = 0; i < n; i++) {
        int in_pass = c->action != PX_PACK_REACTIVATE
                          ? pass == 0
                          : (c->to[i].state == PX_PACK_COMMISSIONED) == (pass == 0);
        if (in_pass && strcmp(c->market_of[i], market) == 0) {
            group[k++] = c->req->serials[i];
            rep = &c->to[i];
        }
    }
    if (!k)
        return PX_OK;
    px__event_in ev = {
        .by = c->by,
        .prod = &c->prod,
        .op = c->kind,
        .action = c->action,
        .to = rep,
        .now_us = c->now,
        .serials = group,
        .n = k,
        .serial_set = "list",
        .op_id = c->res->op_id,
        .reason = c->reason_text,
        .market = market[0] ? market : NULL,
    };
    px_rc rc = px__event_record(db, &ev, NULL, c->res->event_id, NULL, err);
    return rc == PX_OK ? px__op_events_add(&c->events, c->res->event_id, err) : rc;
}

/* One event per market the packs were released to, and one for packs not released: each
 * market's report carries its own packs and no other market's serials. A reactivation
 * returns each pack to the state it left; when a request mixes commissioned and released
 * packs, each group gets its own event (their dispositions differ: active vs in_transit). */
static px_rc op_events(op_ctx *c, px_db *db, size_t n, px_err *err)
{
    const char **group = malloc(n * sizeof(*group));
    if (!group)
        return px_err_oom(err);
    c->events.n = 0; /* an earlier attempt's, rolled back */
    px_rc rc = PX_OK;
    for (int m = 0; m <= c->markets.n && rc == PX_OK; m++) {
        const char *market = m < c->markets.n ? c->markets.v[m] : "";
        for (int pass = 0; pass < 2 && rc == PX_OK; pass++)
            rc = group_event(c, db, n, group, market, pass, err);
    }
    free(group);
    return rc;
}

/* The packs' rows move: back to the state each left, or to decommissioned with the reason. */
static px_rc op_move_packs(op_ctx *c, px_db *db, size_t n, px_err *err)
{
    if (c->action == PX_PACK_REACTIVATE) {
        for (size_t i = 0; i < n; i++)
            c->states[i] = px_pack_state_name(c->to[i].state);
        return px_store_packs_reactivate(db, c->gtin, c->req->serials, c->states, n, err);
    }
    for (size_t i = 0; i < n; i++)
        c->states[i] = px_pack_state_name(c->to[i].before);
    return px_store_packs_decommission(db, c->gtin, c->req->serials, c->states, n,
                                       px_decom_reason_name(c->reason), c->by->org_id, c->now, err);
}

/* The containers follow the packs (or the packs leave them); c->left counts what left. */
static px_rc op_move_containers(op_ctx *c, px_db *db, size_t n, px_err *err)
{
    const px_pack_op_req *req = c->req;
    c->left = 0;
    /* REQ-AGG-10: a pack decommissioned or recalled on its own is taken out of its case
     * (sampled, destroyed, dispensed: it no longer travels in it), so the container's tree
     * and counts stay true; packs that go with their container stay in it.
     * REQ-AGG-15: a pack reactivated on its own (its container still decommissioned) leaves
     * that container too: a decommissioned case never holds an active pack. */
    if (!req->ssccs)
        return px__packs_leave_containers(db, c->by, &c->prod, req->serials, n,
                                          c->action == PX_PACK_REACTIVATE, c->now, &c->left, err);
    /* REQ-AGG-8: decommissioned containers go with what they hold; REQ-AGG-14: so do the
     * cases that carry their own GTIN in them. */
    px_pack_move_from from; /* which cases move with their containers: the table's */
    px_pack_move_sources(&from, c->action, c->reason);
    px_case_move cm = {"decommissioned",
                       c->by->org_id,
                       NULL,
                       NULL,
                       px_decom_reason_name(c->reason),
                       c->now,
                       from.states,
                       from.n_states,
                       from.reasons,
                       from.n_reasons};
    /* REQ-AGG-15: reactivated by ssccs, the containers, the cases in them and their packs come
     * back together and the packs stay where they were: the unit goes on as a whole. */
    int back = c->action == PX_PACK_REACTIVATE;
    px_rc rc = back ? px_store_containers_reactivate(db, req->ssccs, req->n_ssccs, err)
                    : px_store_containers_set_state(db, req->ssccs, req->n_ssccs,
                                                    "decommissioned", err);
    if (rc == PX_OK)
        rc = back ? px_store_cases_below_reactivate(db, req->ssccs, req->n_ssccs, from.reasons,
                                                    from.n_reasons, c->res->op_id, err)
                  : px_store_cases_below_move_op(db, req->ssccs, req->n_ssccs, &cm, c->res->op_id,
                                                 err);
    /* REQ-AGG-12: a case decommissioned or recalled off its pallet leaves the pallet;
     * REQ-AGG-15: so does a case reactivated without its pallet (which stays decommissioned). */
    if (rc == PX_OK)
        rc = px__containers_leave_parents(db, c->by, &c->prod, req->ssccs, req->n_ssccs, c->now,
                                          &c->left, err);
    return rc;
}

static void op_audit(px_tx *tx, const op_ctx *c, size_t n)
{
    char action_name[32] = "pack.";
    px_strlcpy(action_name + 5, c->kind, sizeof(action_name) - 5);
    px_audit_details *d = px_tx_audit(tx, c->prod.mah_id, action_name, c->res->op_id);
    px_audit_str(d, "gtin", c->gtin);
    px_audit_int(d, "count", (long long)n);
    px_audit_str(d, "reason", c->reason_text ? c->reason_text : "");
    px_audit_str(d, "event_id", c->res->event_id);
    px_audit_strs(d, "event_ids", c->events.p, c->events.n);
    if (c->left)
        px_audit_int(d, "unpacked", (long long)c->left);
}

/* By containers: their packs were read before this transaction (px__pack_op_containers). With
 * the containers and the packs in them now locked (a pack, unpack or repack of them waits for
 * this transaction), they must hold exactly those packs still: else one was packed in or moved
 * out meanwhile, and the operation, which would leave it behind or take it from its new
 * container, is refused with nothing changed. */
static px_rc held_unchanged(op_ctx *c, px_db *db, px_err *err)
{
    const px_pack_op_req *q = c->req;
    if (!q->ssccs || !q->n_ssccs)
        return PX_OK;
    px_rc rc = px_store_containers_lock(db, q->ssccs, q->n_ssccs, err);
    if (rc != PX_OK)
        return rc;
    char **held = NULL;
    long *roots = NULL;
    size_t n_held = 0, n_errs = 0;
    px_item_error *errs = NULL;
    rc = px_svc_container_packs(db, c->prod.mah_id, c->gtin, c->held_batch, NULL, q->ssccs,
                                q->n_ssccs, &held, &n_held, &roots, &errs, &n_errs, err);
    int same = rc == PX_OK && n_held == q->n_serials && n_errs == 0;
    for (size_t i = 0; same && i < n_held; i++)
        same = strcmp(held[i], q->serials[i]) == 0;
    px_serials_free(held, n_held);
    free(roots);
    free(errs);
    if (rc != PX_OK)
        return rc;
    return same ? PX_OK
                : px_err_set(err, PX_ECONFLICT, "containers_changed",
                             "a pack was packed into or moved out of the containers while this "
                             "request ran: nothing was changed, send it again");
}

static px_rc op_body(px_tx *tx, void *vc, px_err *err)
{
    op_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    size_t n = c->req->n_serials;
    c->errs.n = 0;
    c->oom = 0;
    memset(&c->markets, 0, sizeof(c->markets));
    px_missing_list_dispose(&c->res->missing);
    memset(c->found, 0, n);
    /* The access checked before the transaction, again inside it: a CMO's partnership
     * suspended or its product taken out meanwhile refuses it now (the transaction holds the
     * partnership from its start, tx.c), and the product's master data the reports carry is
     * read as committed now. */
    px_rc rc = px_svc_product_access(db, c->by, c->gtin, 0, &c->prod, err);
    if (rc == PX_OK)
        rc = held_unchanged(c, db, err);
    if (rc != PX_OK)
        return rc;
    rc = px_store_packs_lock(db, c->gtin, c->req->serials, n, op_row, c, err);
    if (rc != PX_OK)
        return rc;
    if (c->oom)
        return px_err_oom(err);
    /* Released packs are reported to their markets: everything those reports need, first. */
    if ((rc = op_refusals(c, n, err)) != PX_OK ||
        (rc = px__report_preconditions_markets(db, c->by, &c->prod, &c->markets, &c->res->missing,
                                               err)) != PX_OK)
        return rc;
    /* The operation first: the cases that move with their containers record it (case_op). */
    if (px_uuid_v4(c->res->op_id) != PX_OK)
        return px_err_no_random(err);
    px_pack_op_rec op = {c->res->op_id, c->kind,        c->by->org_id, c->prod.mah_id, c->gtin,
                         NULL,          c->reason_text, (long)n,       c->now};
    if ((rc = px_store_pack_op_insert(db, &op, err)) != PX_OK ||
        (rc = op_move_packs(c, db, n, err)) != PX_OK ||
        (rc = op_move_containers(c, db, n, err)) != PX_OK ||
        (rc = op_events(c, db, n, err)) != PX_OK ||
        (rc = px__reports_queue_markets(tx, c->app, &c->prod, &c->markets, c->res->op_id,
                                        c->res->report_ids, &c->res->n_reports, err)) != PX_OK)
        return rc;
    op_audit(tx, c, n);
    c->res->count = (long)n;
    return PX_OK;
}

static px_rc pack_op(px_db *db, const px_app *app, const px_actor *by,
                     const px_pack_op_req *req, px_pack_action action, px_decom_reason reason,
                     const char *held_batch, px_pack_op_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    op_ctx c = {0};
    c.app = app;
    c.held_batch = held_batch;
    px_rc rc = px__pack_product(db, by, req->gtin, c.gtin, &c.prod, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px__serial_list_check(req->serials, req->n_serials, &res->errors, &res->n_errors,
                                    err)) != PX_OK)
        return rc;
    size_t n = req->n_serials;
    c.by = by;
    c.req = req;
    c.res = res;
    c.action = action;
    c.reason = reason;
    c.kind = action == PX_PACK_REACTIVATE ? "reactivate"
             : action == PX_PACK_RECALL   ? "recall"
                                          : "decommission";
    c.reason_text = action == PX_PACK_REACTIVATE ? req->reason : px_decom_reason_name(reason);
    c.now = px_now_us();
    c.treq.action = action;
    c.treq.reason = reason;
    c.treq.org_id = by->org_id;
    c.treq.now_us = c.now;
    c.to = calloc(n, sizeof(*c.to));
    c.found = calloc(n, 1);
    c.states = calloc(n, sizeof(*c.states));
    c.market_of = calloc(n, sizeof(*c.market_of));
    rc = c.to && c.found && c.states && c.market_of ? px_tx_run(db, by, op_body, &c, err)
                                                    : px_err_oom(err);
    free(c.errs.v);
    free(c.to);
    free(c.found);
    free(c.market_of);
    free(c.states);
    return rc;
}

/* A held pack the operation refused is the fault of the container listed that holds it: its
 * detail moves to that container's index, naming the pack (REQ-AGG-8, REQ-RECALL-SSCC-2). */
static void errors_to_containers(px_pack_op_result *res, const char *gtin,
                                 const char *const *held, const long *roots)
{
    for (size_t i = 0; i < res->n_errors; i++) {
        px_item_error *e = &res->errors[i];
        char msg[sizeof(e->message) + 64];
        snprintf(msg, sizeof(msg), "holds pack %s/%s: %s", gtin, held[e->index], e->message);
        px_strlcpy(e->message, msg, sizeof(e->message));
        e->index = (size_t)roots[e->index];
    }
    px__held_errors_sort(res->errors, res->n_errors);
}

px_rc px__pack_op_containers(px_db *db, const px_app *app, const px_actor *by,
                             const px_pack_op_req *req, const char *batch, px_pack_action action,
                             px_decom_reason reason, px_pack_op_result *res, px_err *err)
{
    px_rc rc = px__sscc_list_check(req->ssccs, req->n_ssccs, req->serials != NULL, err);
    if (rc != PX_OK)
        return rc;
    char g[15];
    px_product prod;
    if ((rc = px__pack_product(db, by, req->gtin, g, &prod, err)) != PX_OK)
        return rc;
    if (by->org_kind != PX_ORG_MAH) /* a CMO decommissions packs, never a shipment */
        return px_err_set_field(err, PX_EFORBIDDEN, "forbidden_role", "ssccs",
                                "only the MAH decommissions or reactivates containers");
    char **held = NULL;
    long *roots = NULL;
    size_t n_held = 0;
    if ((rc = px_svc_container_packs(db, prod.mah_id, g, batch, NULL, req->ssccs, req->n_ssccs,
                                     &held, &n_held, &roots, &res->errors, &res->n_errors,
                                     err)) != PX_OK)
        return rc;
    px_pack_op_req all = *req;
    all.gtin = g;
    all.serials = (const char *const *)held;
    all.n_serials = n_held;
    rc = pack_op(db, app, by, &all, action, reason, batch, res, err);
    if (rc != PX_OK)
        errors_to_containers(res, g, (const char *const *)held, roots);
    px_serials_free(held, n_held);
    free(roots);
    return rc;
}

void px_pack_op_result_dispose(px_pack_op_result *res)
{
    px__refusals_dispose(&res->errors, &res->n_errors, &res->missing);
}

px_rc px_svc_decommission(px_db *db, const px_app *app, const px_actor *by, const px_pack_op_req *req,
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
    if (!req->ssccs)
        return pack_op(db, app, by, req, action, reason, NULL, res, err);
    return px__pack_op_containers(db, app, by, req, NULL, action, reason, res, err);
}

px_rc px_svc_reactivate(px_db *db, const px_app *app, const px_actor *by, const px_pack_op_req *req,
                        px_pack_op_result *res, px_err *err)
{
    memset(res, 0, sizeof(*res));
    /* The reason is why a pack went back to the market (Art. 13), kept in its event and its
     * audit entry: text a person can read (display_name.h). */
    if (req->reason && px_text_check(req->reason, PX_PACK_OP_REASON_MAX, "reason", err) != PX_OK)
        return PX_EINVALID;
    /* REQ-AGG-15: by ssccs, every held pack through Art. 13's rules, all or none. */
    if (req->ssccs)
        return px__pack_op_containers(db, app, by, req, NULL, PX_PACK_REACTIVATE, PX_REASON_NONE,
                                      res, err);
    return pack_op(db, app, by, req, PX_PACK_REACTIVATE, PX_REASON_NONE, NULL, res, err);
}
