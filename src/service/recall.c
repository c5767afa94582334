/* Recall of a batch (lifecycle.h; Delegated Regulation (EU) 2016/161 Art. 40). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack_identity.h"
#include "pack_internal.h"
#include "px_str.h"
#include "reports_internal.h"
#include "px_clock.h"
#include "px_crypto.h"

typedef struct recall_ctx {
    const px_app *app;
    const px_actor *by;
    const px_recall_req *req;
    char gtin[15];
    px_product prod;
    px_decom_reason reason;
    px_pack_move_from from; /* which packs the recall reaches: the transition table's */
    int64_t now;
    char **recalled;
    char (*market_of)[3]; /* per recalled pack: the market it was released to, "" none */
    size_t count;
    px__market_set markets; /* where released packs of the batch went */
    px__op_events events;   /* the events recorded, for the audit entry */
    px_pack_op_result *res;
} recall_ctx;

/* One event per market the recalled packs were released to, carrying that market and its packs
 * alone, and one for the packs never released, as a decommission records them (pack_ops.c
 * op_events): a market's report carries its own packs, never another market's serials
 * (docs/lifecycle.md "Events and audit"). The event of packs never released carries neither a
 * market nor a lot: a regulator reads an event without a market only as one of a batch
 * released to it, found by its lot (report_store.c filter_where), so no regulator's report or
 * query takes it. res->event_id is the last event's. */
static px_rc recall_events(recall_ctx *c, px_db *db, px_err *err)
{
    if (!c->count)
        return PX_OK;
    const char **group = malloc(c->count * sizeof(*group));
    if (!group)
        return px_err_oom(err);
    px_pack_status to;
    px_pack_status_init(&to);
    to.state = PX_PACK_DECOMMISSIONED;
    to.reason = c->reason;
    px_rc rc = PX_OK;
    for (int m = 0; m <= c->markets.n && rc == PX_OK; m++) {
        const char *market = m < c->markets.n ? c->markets.v[m] : "";
        size_t k = 0;
        for (size_t i = 0; i < c->count; i++)
            if (strcmp(c->market_of[i], market) == 0)
                group[k++] = c->recalled[i];
        if (!k)
            continue;
        px__event_in ev = {
            .by = c->by,
            .prod = &c->prod,
            .op = "recall",
            .action = PX_PACK_RECALL,
            .to = &to,
            .now_us = c->now,
            .serials = group,
            .n = k,
            .serial_set = "list",
            .op_id = c->res->op_id,
            .lot = market[0] ? c->req->batch : NULL,
            .reason = px_decom_reason_name(c->reason),
            .market = market[0] ? market : NULL,
        };
        rc = px__event_record(db, &ev, NULL, c->res->event_id, NULL, err);
        if (rc == PX_OK)
            rc = px__op_events_add(&c->events, c->res->event_id, err);
    }
    free(group);
    return rc;
}

static px_rc recall_body(px_tx *tx, void *vc, px_err *err)
{
    recall_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    const char *reason = px_decom_reason_name(c->reason);
    free(c->recalled);
    free(c->market_of);
    c->recalled = NULL;
    c->market_of = NULL;
    c->count = 0;
    c->res->event_id[0] = '\0'; /* an earlier attempt's, rolled back */
    c->events.n = 0;
    px_rc rc;
    /* The markets the recalled packs were released to hear of the recall like of a release.
     * They are known once the rows are locked and changed (a release committed meanwhile is
     * among them); everything their reports need is checked before the event is recorded,
     * and a refusal rolls the change back: nothing changed. */
    memset(&c->markets, 0, sizeof(c->markets));
    px_missing_list_dispose(&c->res->missing);
    /* The batch keeps its recall (migration 0220): a later commission into it or release of it
     * is refused. Its row is locked first, so a commission holding it (px_store_batch_claim)
     * commits before the packs are read and its packs are recalled too. */
    px_batch_recall_found found;
    if ((rc = px_store_batch_recall_mark(db, &found, c->gtin, c->req->batch, reason, c->now,
                                         err)) != PX_OK)
        return rc;
    if (found == PX_BATCH_NONE)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "batch '%s' of %s not found",
                          c->req->batch, c->gtin);
    if ((rc = px_store_recall_batch(db, c->gtin, c->req->batch, reason, c->from.states,
                                    c->from.n_states, c->from.reasons, c->from.n_reasons,
                                    c->by->org_id, c->now, &c->recalled, &c->market_of, &c->count,
                                    err)) != PX_OK)
        return rc;
    char now[24];
    snprintf(now, sizeof(now), "%lld", (long long)c->now);
    if ((rc = px__batch_cases_empty(db, c->gtin, c->req->batch, PX_CASES_RECALLED, now, err)) !=
        PX_OK)
        return rc;
    for (size_t i = 0; i < c->count; i++)
        if (c->market_of[i][0])
            px__market_set_add(&c->markets, c->market_of[i]);
    if ((rc = px__report_preconditions_markets(db, c->by, &c->prod, &c->markets, &c->res->missing,
                                               err)) != PX_OK)
        return rc;
    /* A batch with nothing left to recall is closed all the same the first time (labels may
     * be printed for it, packs not yet commissioned: none may be now); recalled before, the
     * request would change nothing. */
    if (c->count == 0 && found == PX_BATCH_RECALLED_BEFORE)
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "batch '%s' was recalled and has no packs that can be recalled",
                          c->req->batch);
    if (px_uuid_v4(c->res->op_id) != PX_OK)
        return px_err_no_random(err);
    /* No packs: no event and no pack operation (a row of one counts at least one pack); the
     * batch's recall and the audit entry record it. */
    px_pack_op_rec op = {c->res->op_id, "recall", c->by->org_id,  c->prod.mah_id, c->gtin,
                         c->req->batch, reason,   (long)c->count, c->now};
    if ((c->count && (rc = px_store_pack_op_insert(db, &op, err)) != PX_OK) ||
        (rc = recall_events(c, db, err)) != PX_OK ||
        (rc = px__reports_queue_markets(tx, c->app, &c->prod, &c->markets, c->res->op_id,
                                        c->res->report_ids, &c->res->n_reports, err)) != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit(tx, c->prod.mah_id, "pack.recall", c->res->op_id);
    px_audit_str(d, "gtin", c->gtin);
    px_audit_str(d, "batch", c->req->batch);
    px_audit_str(d, "reason", reason);
    px_audit_int(d, "count", (long long)c->count);
    px_audit_str(d, "event_id", c->res->event_id[0] ? c->res->event_id : NULL);
    px_audit_strs(d, "event_ids", c->events.p, c->events.n);
    c->res->count = (long)c->count;
    return PX_OK;
}

px_rc px_svc_recall(px_db *db, const px_app *app, const px_actor *by, const px_recall_req *req,
                    px_pack_op_result *res,
                    px_err *err)
{
    memset(res, 0, sizeof(*res));
    recall_ctx c = {
        .app = app,
        .by = by,
        .req = req,
        .res = res,
        .now = px_now_us(),
        .reason = PX_REASON_RECALLED,
    };
    px_rc rc;
    if (req->reason && (rc = px_decom_reason_parse(&c.reason, req->reason, err)) != PX_OK)
        return rc;
    if (c.reason != PX_REASON_RECALLED && c.reason != PX_REASON_WITHDRAWN)
        return px_err_set_field(err, PX_EINVALID, "invalid_reason", "reason",
                                "a recall's reason is 'recalled' or 'withdrawn', not '%s'",
                                req->reason);
    if (req->ssccs) {
        /* REQ-RECALL-SSCC-1: a recall by containers recalls every pack they hold, in one
         * statement, all or none; a batch, when given, must be that of every pack. */
        if (req->batch && (rc = px_batch_check(req->batch, err)) != PX_OK)
            return rc;
        px_pack_op_req op = {req->gtin,  NULL,        0, px_decom_reason_name(c.reason),
                             req->ssccs, req->n_ssccs};
        return px__pack_op_containers(db, app, by, &op, req->batch, PX_PACK_RECALL, c.reason, res,
                                      err);
    }
    if ((rc = px__pack_product(db, by, req->gtin, c.gtin, &c.prod, err)) != PX_OK ||
        (rc = px_batch_check(req->batch ? req->batch : "", err)) != PX_OK)
        return rc;
    px_pack_move_sources(&c.from, PX_PACK_RECALL, c.reason);
    rc = px_tx_run(db, by, recall_body, &c, err);
    free(c.recalled);
    free(c.market_of);
    return rc;
}
