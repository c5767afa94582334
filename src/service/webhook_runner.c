/* The webhook runner (runners.def; webhook.h; docs/webhooks.md): one due delivery claimed,
 * POSTed signed, its attempt recorded. The same retry, backoff and attempt limit as report
 * deliveries (delivery_runner.c, PACKID_DELIVERY_*). */
#include <stdio.h>
#include <string.h>

#include "delivery.h"
#include "px_crypto.h"
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
    if (rc == PX_ENOTFOUND) {
        px_err_clear(err);
        px_tx_discard(tx);
        return PX_OK;
    }
    if (rc == PX_OK)
        c->claimed = 1;
    return rc;
}

typedef struct end_ctx {
    const char *id;
    int attempt;
    const px_delivery_result *res;
    const char *outcome;
    long retry_ms;
} end_ctx;

static px_rc end_body(px_tx *tx, void *vc, px_err *err)
{
    end_ctx *c = vc;
    return px_store_webhook_end_attempt(px_tx_db(tx), c->id, c->attempt, (int)c->res->http_status,
                                        c->outcome, c->res->error[0] ? c->res->error : NULL,
                                        c->retry_ms, err);
}

static void log_attempt(const px_webhook_job *j, const px_delivery_result *res,
                        const char *outcome, long retry)
{
    char fields[700], esc[300];
    px_json_escape(esc, sizeof(esc), res->error);
    snprintf(fields, sizeof(fields),
             "\"delivery_id\":\"%s\",\"event\":\"%s\",\"attempt\":%d,\"status\":%ld,"
             "\"outcome\":\"%s\",\"retry_ms\":%ld,\"error\":\"%s\"",
             j->d.id, j->d.event, j->attempt, res->http_status, outcome, retry, esc);
    px_log_level lvl = strcmp(outcome, "delivered") == 0 ? PX_LOG_INFO
                       : strcmp(outcome, "dead") == 0    ? PX_LOG_ERROR
                                                         : PX_LOG_WARN;
    px_log(lvl, "webhook delivery", fields);
}

px_rc px_run_webhook(px_app *app, px_db *db, int *did_work, px_err *err)
{
    *did_work = 0;
    const px_config *cfg = &app->cfg;
    claim_ctx c;
    memset(&c, 0, sizeof(c));
    c.lease_ms = 2 * cfg->delivery_timeout_ms + 1000;
    px_rc rc = px_tx_run(db, NULL, claim_body, &c, err);
    if (rc != PX_OK || !c.claimed) {
        if (c.claimed)
            px_webhook_job_dispose(&c.job);
        return rc;
    }
    *did_work = 1;
    px_delivery_result res;
    memset(&res, 0, sizeof(res));
    if (!c.job.url) {
        /* The webhook was removed after the event was queued: nowhere to send it. */
        snprintf(res.error, sizeof(res.error), "the webhook was removed");
    } else {
        long timeout = cfg->delivery_timeout_ms;
        /* REQ-HOOK-1: one POST per claim, signed like reports: X-Packid-Signature: sha256=<hex HMAC-SHA256(secret, body)>
         * (delivery.h); the delivery id rides as X-Packid-Document-Id too. */
        px_delivery_request rq = {
            .url = c.job.url,
            .hmac_secret = c.job.secret,
            .document_id = c.job.d.id,
            .content_type = "application/json",
            .body = c.job.body,
            .len = strlen(c.job.body),
            .connect_timeout_ms = timeout < 10000 ? timeout : 10000,
            .timeout_ms = timeout,
        };
        px_err derr;
        px_err_clear(&derr);
        if (px_delivery_post(&rq, &res, &derr) != PX_OK) {
            res.http_status = 0;
            snprintf(res.error, sizeof(res.error), "%s", derr.message);
        }
    }
    end_ctx e = {c.job.d.id, c.job.attempt, &res, "retry", 0};
    if (c.job.url && res.http_status >= 200 && res.http_status <= 299) {
        e.outcome = "delivered"; /* REQ-HOOK-1: never claimed again */
    } else if (!c.job.url || c.job.attempt >= cfg->delivery_max_attempts) {
        e.outcome = "dead"; /* REQ-HOOK-3: the last attempt, as reports */
    } else {
        /* REQ-HOOK-2: retried with the same body after the reports' backoff. */
        unsigned rnd = 0;
        px_random_bytes(&rnd, sizeof(rnd));
        e.retry_ms = px_delivery_backoff_ms(c.job.attempt, cfg->delivery_backoff_ms,
                                            cfg->delivery_backoff_max_ms, rnd);
    }
    log_attempt(&c.job, &res, e.outcome, e.retry_ms);
    rc = px_tx_run(db, NULL, end_body, &e, err);
    px_webhook_job_dispose(&c.job);
    return rc;
}
