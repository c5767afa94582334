/* webhook — a MAH's webhook: where packid tells it, by signed POSTs, of failures it must see
 * and repair (docs/webhooks.md). Configuration (webhooks.c), the enqueue that other use cases
 * call inside their own transaction, and the delivery runner (webhook_runner.c). */
#ifndef PX_SERVICE_WEBHOOK_H
#define PX_SERVICE_WEBHOOK_H

#include "delivery.h" /* a webhook secret's bound: PX_DELIVERY_SECRET_MAX */
#include "service.h"
#include "tx.h"
#include "webhook_store.h"

/* The events a webhook may subscribe to; another name is 422 "invalid_event". */
#define PX_WEBHOOK_EVENTS(X)                                                                 \
    X("report.failed")   /* a report cannot be sent (its document does not validate) */      \
    X("report.dead")     /* a report was not accepted after its last attempt */              \
    X("clone.suspected") /* a verification saw signs of a cloned pack */                     \
    X("job.failed")      /* an allocation or export job failed */

/* 1 when name is one of PX_WEBHOOK_EVENTS. */
int px_webhook_event_known(const char *name);

typedef struct px_webhook_request {
    const char *url;               /* px_delivery_url_check's rules */
    const char *secret;            /* PX_DELIVERY_SECRET_MIN..MAX printable characters */
    const char *const *events;     /* 1..PX_WEBHOOK_EVENTS_MAX known names, no repeats */
    int n_events;
} px_webhook_request;

/* PUT /v1/webhook: creates or replaces the calling MAH's webhook (audited without the secret
 * or the URL's query). */
px_rc px_svc_webhook_put(px_db *db, const px_actor *by, const px_webhook_request *rq,
                         px_webhook *out, px_err *err);
/* GET: the calling MAH's webhook, "not_found" when none. */
px_rc px_svc_webhook_get(px_db *db, const px_actor *by, px_webhook *out, px_err *err);
/* DELETE (audited); "not_found" when none. */
px_rc px_svc_webhook_delete(px_db *db, const px_actor *by, px_err *err);
/* GET /v1/webhook/deliveries[?state=][&retried=]: newest first, those in state when given
 * (queued, sending, delivered, dead; else 422 invalid_value); retried "true" or "false": only
 * those a retry was made of, or only the others; cursor "" or the id of the last delivery of
 * the page before (anything but a UUID is 400 "bad_request"). */
px_rc px_svc_webhook_deliveries_each(px_db *db, const px_actor *by, const char *state,
                                     const char *retried, const char *cursor, long limit,
                                     px_webhook_delivery_fn fn, void *ctx, px_err *err);
/* Every tenant's deliveries by state, for /metrics (packid_webhook_deliveries). */
px_rc px_svc_webhook_delivery_counts(px_db *db, px_webhook_count_fn fn, void *ctx, px_err *err);

/* Queues event for tenant_id's webhook inside the caller's transaction (the delivery commits
 * with what caused it, or not at all). data_json: a JSON object text (the event's "data").
 * PX_OK doing nothing when the tenant has no webhook or did not subscribe to the event;
 * PX_EINVALID for an event not in PX_WEBHOOK_EVENTS or data that does not start as an object.
 * data_json is built by code (px_jsonw, jansson), never taken from a request: text that is
 * not JSON is a bug, which the database's json cast refuses (PX_EINTERNAL, the caller's
 * transaction fails). */
px_rc px_svc_webhook_enqueue(px_tx *tx, const char *tenant_id, const char *event,
                             const char *data_json, px_err *err);

/* job.failed (docs/webhooks.md) of a background job of kind ("allocation", "export") to the
 * tenant's webhook, in tx: {"job_id", "kind", "<kind>_id": object_id, "gtin", "error": why}. */
px_rc px_svc_webhook_job_failed(px_tx *tx, const char *tenant_id, const char *kind,
                                const char *job_id, const char *object_id, const char *gtin,
                                const char *why, px_err *err);

/* POST /v1/webhook/deliveries/{id}/retry (docs/webhooks.md "Retrying a dead delivery"): the
 * caller's dead delivery queued again as a new delivery with the same body (retry_of),
 * audited webhook.retry; px_store_webhook_retry's refusals. */
px_rc px_svc_webhook_retry(px_db *db, const px_actor *by, const char *id,
                           px_webhook_delivery *out, px_err *err);

/* The runner (runners.def): one due delivery claimed, POSTed, its attempt recorded. */
px_rc px_run_webhook(px_app *app, px_db *db, int *did_work, px_err *err);

#endif
