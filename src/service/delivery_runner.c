/* The delivery runner (runners.def; reports.h; docs/delivery.md): one due report claimed,
 * validated, sent, and its attempt recorded. */
#include <stdio.h>
#include <string.h>

#include "delivery_attempt.h"
#include "epcis_format.h"
#include "px_log.h"
#include "px_str.h"
#include "reports_internal.h"
#include "webhook.h"

typedef struct claim_ctx {
    const px_app *app;
    px_report_job job;
    int claimed;
    int attempt; /* the attempt number begun */
    long lease_ms;
    char reason[PX_ERR_CODE_MAX + PX_ERR_MSG_MAX + 2]; /* why it is failed unsent, or "" */
} claim_ctx;

/* Why a claimed report cannot be sent ("" when it can): no document, or one the official XSD
 * or JSON schema refuses (validated before every send when PACKID_EPCIS_XSD_DIR,
 * PACKID_EPCIS2_XSD_DIR or PACKID_EPCIS2_JSON_SCHEMA is set: an invalid document is never
 * sent). */
static void unsendable_reason(claim_ctx *c)
{
    c->reason[0] = '\0';
    if (!c->job.document) {
        snprintf(c->reason, sizeof(c->reason), "the report has no document");
        return;
    }
    /* REQ-EPCISREST-7: the schema of the document's own version and syntax (docs/epcis.md
     * "Report formats"): the XSDs, or for JSON-LD the official JSON schema. */
    const struct px_epcis_validator *v = px_svc_report_validator(
        c->app, px_epcis_document_format(c->job.document, c->job.document_len));
    if (!v)
        return;
    px_err verr = PX_ERR_INIT;
    if (px_epcis_validate_buffer(v, c->job.document, c->job.document_len, &verr) != PX_OK)
        snprintf(c->reason, sizeof(c->reason), "%s: %s", verr.code, verr.message);
}

/* The lease: while one sender holds the report in 'sending', no other claims it; if that
 * sender dies between send and mark-sent, the report is due again when the lease runs out
 * and the same stored document goes out again. */
/* Tells the MAH's webhook (report.failed, report.dead) in the same transaction as the state
 * change, so it is told exactly once (docs/webhooks.md). */
static px_rc tell_webhook(px_tx *tx, const px_report *r, const char *event, const char *reason,
                          px_err *err)
{
    px_audit_details d; /* the details builder writes any flat JSON object */
    px_audit_details_init(&d);
    px_audit_str(&d, "report_id", r->id);
    px_audit_str(&d, "market", r->market);
    px_audit_str(&d, "gtin", r->gtin);
    px_audit_str(&d, "batch", r->batch[0] ? r->batch : NULL);
    px_audit_str(&d, "release_id", r->release_id[0] ? r->release_id : NULL);
    px_audit_str(&d, "op_id", r->op_id[0] ? r->op_id : NULL);
    px_audit_str(&d, "reason", reason);
    const char *json = px_audit_details_finish(&d, err);
    px_rc rc = json ? px_svc_webhook_enqueue(tx, r->tenant_id, event, json, err) : PX_EINTERNAL;
    px_audit_details_dispose(&d);
    return rc;
}

static px_rc claim_body(px_tx *tx, void *vc, px_err *err)
{
    claim_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    if (c->claimed)
        px_report_job_dispose(&c->job);
    c->claimed = 0;
    px_rc rc = px_store_report_claim(db, &c->job, err);
    if (rc == PX_ENOTFOUND)
        return px__delivery_none_due(tx, err);
    if (rc != PX_OK)
        return rc;
    c->claimed = 1;
    unsendable_reason(c);
    if (c->reason[0]) {
        rc = px_store_report_fail(db, c->job.r.id, c->reason, err);
        return rc == PX_OK ? tell_webhook(tx, &c->job.r, "report.failed", c->reason, err) : rc;
    }
    return px_store_report_begin_attempt(db, c->job.r.id, c->lease_ms, &c->attempt, err);
}

typedef struct end_ctx {
    const px_report *report;
    px__attempt_end a;
    int current; /* the report took the outcome (the attempt was not superseded) */
} end_ctx;

static px_rc end_body(px_tx *tx, void *vc, px_err *err)
{
    end_ctx *c = vc;
    px_rc rc = px_store_report_end_attempt(
        px_tx_db(tx), c->report->id, c->a.attempt, (int)c->a.res->http_status,
        px_delivery_outcome_name(c->a.outcome), px__attempt_error(&c->a), c->a.retry_ms,
        &c->current, err);
    if (rc == PX_OK && c->current && c->a.outcome == PX_DELIVERY_DEAD)
        rc = tell_webhook(tx, c->report, "report.dead", c->a.res->error, err);
    /* The endpoint's other queued reports wait for this one's retry rather than each find it
     * down in turn, a timeout each, while other endpoints' reports wait behind them. */
    if (rc == PX_OK && c->current && px__delivery_receiver_down(&c->a))
        rc = px_store_report_pause(px_tx_db(tx), c->report->endpoint_id, c->a.retry_ms, err);
    return rc;
}

static void log_unsendable(const char *id, const char *reason)
{
    char fields[700], esc[600];
    px_json_escape(esc, sizeof(esc), reason);
    snprintf(fields, sizeof(fields), "\"report_id\":\"%s\",\"reason\":\"%s\"", id, esc);
    px_log(PX_LOG_ERROR, "report failed: not sent", fields);
}

static px_rc run_delivery(px_app *app, px_db *db, int *did_work, px_err *err)
{
    const px_config *cfg = &app->cfg;
    claim_ctx c = {0};
    c.app = app;
    c.lease_ms = px__delivery_lease_ms(cfg);
    px_rc rc = px_tx_run(db, NULL, claim_body, &c, err);
    if (rc != PX_OK || !c.claimed) {
        if (c.claimed)
            px_report_job_dispose(&c.job);
        return rc;
    }
    *did_work = 1;
    if (c.reason[0]) {
        app->deliveries[PX_DELIVERY_FAILED]++;
        log_unsendable(c.job.r.id, c.reason);
        px_report_job_dispose(&c.job);
        return PX_OK;
    }
    if (px_db_is_sandbox(db)) {
        /* REQ-SANDBOX-3: a sandbox report is built and validated like a live one, and never
         * sent: test data must not reach a regulator. Its attempt says so. */
        px_delivery_result sink = {0};
        snprintf(sink.error, sizeof(sink.error),
                 "sandbox: validated and kept; test data is never sent to a regulator endpoint");
        end_ctx e = {&c.job.r, {c.attempt, &sink, PX_DELIVERED, 0}, 0};
        rc = px_tx_run(db, NULL, end_body, &e, err);
        px_report_job_dispose(&c.job);
        return rc;
    }
    px_delivery_request rq = {
        .url = c.job.url,
        .auth_header = c.job.auth_header,
        .hmac_secret = c.job.hmac_secret,
        .document_id = c.job.r.document_id,
        .body = c.job.document,
        .len = c.job.document_len,
        .content_type =
            px_epcis_media_type(px_epcis_document_format(c.job.document, c.job.document_len)),
    };
    px_delivery_result res;
    px__delivery_send(cfg, &rq, &res);
    char subject[64];
    snprintf(subject, sizeof(subject), "\"report_id\":\"%s\"", c.job.r.id);
    end_ctx e = {&c.job.r, px__delivery_end(cfg, c.attempt, c.job.r.max_attempts, &res), 0};
    rc = px_tx_run(db, NULL, end_body, &e, err);
    if (rc == PX_OK)
        px__delivery_told(&e.a, e.current, "report delivery", subject, app->deliveries);
    px_report_job_dispose(&c.job);
    return rc;
}

px_rc px_run_delivery(px_app *app, px_db *db, int *did_work, px_err *err)
{
    return px__delivery_in_slot(app, db, did_work, err, run_delivery);
}
