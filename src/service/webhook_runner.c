/* The webhook runner (runners.def; webhook.h; docs/webhooks.md): one due delivery claimed,
 * POSTed signed, its attempt recorded. The same retry, backoff and attempt limit as report
 * deliveries (delivery_runner.c, PACKID_DELIVERY_*). */
#include <stdio.h>
#include <string.h>

#include "delivery_attempt.h"
#include "px_log.h"
#include "px_str.h"
#include "webhook.h"

typedef struct claim_ctx {
    px_webhook_job job;
    int claimed;
    long lease_ms;
} claim_ctx;

static px_rc claim_body(px_tx *tx, void *vc, px_err *err)
{
    claim_ctx *c = vc;
    if (c->claimed)
        px_webhook_job_dispose(&c->job);
    c->claimed = 0;
    px_rc rc = px_store_webhook_claim(px_tx_db(tx), &c->job, c->lease_ms, err);
    if (rc == PX_ENOTFOUND)
        return px__delivery_none_due(tx, err);
    if (rc == PX_OK)
        c->claimed = 1;
    return rc;
}

typedef struct end_ctx {
    const char *id;
    const char *tenant_id;
    px__attempt_end a;
    int unsent;  /* not sent (unwanted): no attempt was begun */
    int current; /* the delivery took the outcome (the attempt was not superseded) */
} end_ctx;

static px_rc end_body(px_tx *tx, void *vc, px_err *err)
{
    end_ctx *c = vc;
    if (c->unsent)
        return px_store_webhook_end_unsent(px_tx_db(tx), c->id, c->a.attempt,
                                           px__attempt_error(&c->a), &c->current, err);
    px_rc rc =
        px_store_webhook_end_attempt(px_tx_db(tx), c->id, c->a.attempt, (int)c->a.res->http_status,
                                     px_delivery_outcome_name(c->a.outcome),
                                     px__attempt_error(&c->a), c->a.retry_ms, &c->current, err);
    /* The tenant's other queued deliveries wait for this one's retry rather than each find the
     * receiver down in turn, a timeout each, while every other tenant's wait behind them. */
    if (rc == PX_OK && c->current && px__delivery_receiver_down(&c->a))
        rc = px_store_webhook_pause(px_tx_db(tx), c->tenant_id, c->a.retry_ms, err);
    return rc;
}

static px_rc run_webhook(px_app *app, px_db *db, int *did_work, px_err *err)
{
    const px_config *cfg = &app->cfg;
    claim_ctx c = {0};
    c.lease_ms = px__delivery_lease_ms(cfg);
    px_rc rc = px_tx_run(db, NULL, claim_body, &c, err);
    if (rc != PX_OK || !c.claimed) {
        if (c.claimed)
            px_webhook_job_dispose(&c.job);
        return rc;
    }
    *did_work = 1;
    px_delivery_result res = {0};
    /* The webhook was removed, or no longer subscribes to the event, after the event was
     * queued: nowhere to send it, or a receiver that said it no longer wants it. Dead at once
     * (listed, counted, logged), with no attempt counted (none was made: the claim began none),
     * and retried once subscribed again (webhook_store.c). */
    int unwanted = !c.job.url || c.job.unsubscribed;
    if (!c.job.url) {
        snprintf(res.error, sizeof(res.error), "the webhook was removed");
    } else if (c.job.unsubscribed) {
        snprintf(res.error, sizeof(res.error), "the webhook no longer subscribes to %s",
                 c.job.d.event);
    } else {
        /* REQ-HOOK-1: one POST per claim, signed like reports: X-Packid-Signature: sha256=<hex HMAC-SHA256(secret, body)>
         * (delivery.h); the delivery id rides as X-Packid-Document-Id too. */
        px_delivery_request rq = {
            .url = c.job.url,
            .hmac_secret = c.job.secret,
            .document_id = c.job.doc_id, /* the body's id (a retry's is the event's) */
            .content_type = "application/json",
            .body = c.job.body,
            .len = strlen(c.job.body),
        };
        px__delivery_send(cfg, &rq, &res);
    }
    /* REQ-HOOK-1: a 2xx is delivered, never claimed again; REQ-HOOK-3: the last attempt is
     * dead, as reports (an unwanted one's first: it has no attempt left); REQ-HOOK-2: else
     * retried with the same body after the reports' backoff. */
    char subject[128];
    snprintf(subject, sizeof(subject), "\"delivery_id\":\"%s\",\"event\":\"%s\"", c.job.d.id,
             c.job.d.event);
    end_ctx e = {
        c.job.d.id, c.job.d.tenant_id,
        px__delivery_end(cfg, c.job.attempt, unwanted ? 0 : cfg->delivery_max_attempts, &res),
        unwanted, 0};
    rc = px_tx_run(db, NULL, end_body, &e, err);
    if (rc == PX_OK)
        px__delivery_told(&e.a, e.current, "webhook delivery", subject,
                          px_db_is_sandbox(db) ? NULL : app->webhook_deliveries);
    px_webhook_job_dispose(&c.job);
    return rc;
}

px_rc px_run_webhook(px_app *app, px_db *db, int *did_work, px_err *err)
{
    return px__delivery_in_slot(app, db, did_work, err, run_webhook);
}
