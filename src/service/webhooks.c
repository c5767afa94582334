/* A MAH's webhook: configuration, the enqueue, the deliveries list (webhook.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery.h"
#include "px_array.h"
#include "px_cursor.h"
#include "px_str.h"
#include "webhook.h"

/* The store keeps whatever URL px_delivery_url_check admits, uncut. */
_Static_assert(PX_WEBHOOK_URL_MAX == PX_DELIVERY_URL_MAX, "a webhook's URL column");

int px_webhook_event_known(const char *name)
{
#define KNOWN(e) if (strcmp(name, e) == 0) return 1;
    PX_WEBHOOK_EVENTS(KNOWN)
#undef KNOWN
    return 0;
}

/* Every field checked before anything is written, with the rules of regulator endpoints
 * (endpoints.c): the same URL policy and secret bounds. */
static px_rc webhook_fields(const px_webhook_request *rq, px_err *err)
{
    px_rc rc;
    if ((rc = px_delivery_url_check(rq->url, err)) != PX_OK) {
        px_err_field(err, "url");
        return rc;
    }
    if ((rc = px_delivery_secret_check(rq->secret, "secret", err)) != PX_OK)
        return rc;
    if (rq->n_events < 1 || rq->n_events > PX_WEBHOOK_EVENTS_MAX)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "events",
                                "events must list 1 to %d events", PX_WEBHOOK_EVENTS_MAX);
    /* The refusal names the item (events[i]), as every list's does (docs/api.md "Errors"). */
    for (int i = 0; i < rq->n_events; i++) {
        int twice = 0;
        for (int j = 0; j < i && !twice; j++)
            twice = strcmp(rq->events[i], rq->events[j]) == 0;
        if (!px_webhook_event_known(rq->events[i]))
            px_err_set(err, PX_EINVALID, "invalid_event",
                       "'%s' is not an event a webhook can subscribe to", rq->events[i]);
        else if (twice)
            px_err_set(err, PX_EINVALID, "duplicate_event", "event '%s' is listed twice",
                       rq->events[i]);
        else
            continue;
        px_err_field(err, "events[%d]", i);
        return PX_EINVALID;
    }
    return PX_OK;
}

typedef struct put_ctx {
    const px_webhook_request *rq;
    px_webhook *out;
} put_ctx;

static px_rc put_body(px_tx *tx, void *vc, px_err *err)
{
    put_ctx *c = vc;
    px_rc rc = px_store_webhook_put(px_tx_db(tx), c->out, c->rq->secret, err);
    if (rc != PX_OK)
        return rc;
    /* Audited without the secret and without the URL's query (it may carry a token). */
    px_audit_details *d = px_tx_audit(tx, c->out->tenant_id, "webhook.put", c->out->tenant_id);
    char url[PX_DELIVERY_URL_MAX + 1];
    size_t base = strcspn(c->out->url, "?");
    snprintf(url, sizeof(url), "%.*s", (int)base, c->out->url); /* the whole URL but its query */
    px_audit_str(d, "url", url);
    char events[PX_WEBHOOK_EVENTS_MAX * (PX_WEBHOOK_EVENT_LEN + 1) + 1];
    size_t off = 0;
    events[0] = '\0';
    for (int i = 0; i < c->out->n_events; i++)
        off += (size_t)snprintf(events + off, sizeof(events) - off, "%s%s", i ? "," : "",
                                c->out->events[i]);
    px_audit_str(d, "events", events);
    return PX_OK;
}

px_rc px_svc_webhook_put(px_db *db, const px_actor *by, const px_webhook_request *rq,
                         px_webhook *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    px_rc rc = webhook_fields(rq, err);
    if (rc != PX_OK)
        return rc;
    px_strlcpy(out->tenant_id, by->org_id, sizeof(out->tenant_id));
    px_strlcpy(out->url, rq->url, sizeof(out->url));
    out->n_events = rq->n_events;
    for (int i = 0; i < rq->n_events; i++)
        px_strlcpy(out->events[i], rq->events[i], sizeof(out->events[i]));
    put_ctx c = {rq, out};
    return px_tx_run(db, by, put_body, &c, err);
}

px_rc px_svc_webhook_get(px_db *db, const px_actor *by, px_webhook *out, px_err *err)
{
    return px_store_webhook_get(db, out, by->org_id, err);
}

static px_rc delete_body(px_tx *tx, void *vc, px_err *err)
{
    (void)vc;
    const px_actor *by = px_tx_actor(tx);
    px_rc rc = px_store_webhook_delete(px_tx_db(tx), by->org_id, err);
    if (rc != PX_OK)
        return rc;
    px_tx_audit(tx, by->org_id, "webhook.delete", by->org_id);
    return PX_OK;
}

px_rc px_svc_webhook_delete(px_db *db, const px_actor *by, px_err *err)
{
    return px_tx_run(db, by, delete_body, NULL, err);
}

px_rc px_svc_webhook_deliveries_each(px_db *db, const px_actor *by, const char *state,
                                     const char *retried, const char *cursor, long limit,
                                     px_webhook_delivery_fn fn, void *ctx, px_err *err)
{
    /* A delivery's states (migration 0010's CHECK): a dead one is found without paging
     * through every delivered one. */
    static const char *const states[] = {"queued", "sending", "delivered", "dead"};
    if (state &&
        px_name_pick(states, PX_COUNT(states), state, "invalid_value", "state", NULL, err) != PX_OK)
        return PX_EINVALID;
    if (retried &&
        px_name_pick(px_bool_names, 2, retried, "invalid_value", "retried", NULL, err) != PX_OK)
        return PX_EINVALID;
    /* The cursor is the last delivery's id, as every newest-first list's. */
    if (px_cursor_check_uuid(cursor, err) != PX_OK)
        return PX_EINVALID;
    return px_store_webhook_deliveries_each(db, by->org_id, state, retried, cursor, limit, fn, ctx,
                                            err);
}

px_rc px_svc_webhook_delivery_counts(px_db *db, px_webhook_count_fn fn, void *ctx, px_err *err)
{
    return px_store_webhook_delivery_counts(db, fn, ctx, err);
}

typedef struct retry_ctx {
    const char *id;
    px_webhook_delivery *out;
} retry_ctx;

static px_rc retry_body(px_tx *tx, void *vc, px_err *err)
{
    retry_ctx *c = vc;
    const px_actor *by = px_tx_actor(tx);
    px_rc rc = px_store_webhook_retry(px_tx_db(tx), by->org_id, c->id, c->out, err);
    if (rc != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit(tx, by->org_id, "webhook.retry", c->id);
    px_audit_str(d, "delivery_id", c->out->id);
    px_audit_str(d, "event", c->out->event);
    return PX_OK;
}

px_rc px_svc_webhook_retry(px_db *db, const px_actor *by, const char *id,
                           px_webhook_delivery *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "webhook delivery not found");
    retry_ctx c = {id, out};
    return px_tx_run(db, by, retry_body, &c, err);
}

px_rc px_svc_webhook_enqueue(px_tx *tx, const char *tenant_id, const char *event,
                             const char *data_json, px_err *err)
{
    if (!event || !px_webhook_event_known(event))
        return px_err_set(err, PX_EINVALID, "invalid_event", "'%s' is not a webhook event",
                          event ? event : "");
    /* data is an object (docs/webhooks.md): its first non-blank character says so; the
     * database's json cast checks the rest. */
    const char *s = data_json ? data_json : "";
    s += strspn(s, " \t\r\n");
    if (*s != '{')
        return px_err_set(err, PX_EINVALID, "invalid_value", "webhook data must be a JSON object");
    if (!px_uuid_valid(tenant_id))
        return PX_OK; /* no such tenant, no webhook */
    int queued = 0;
    return px_store_webhook_enqueue(px_tx_db(tx), &queued, tenant_id, event, data_json, err);
}

px_rc px_svc_webhook_job_failed(px_tx *tx, const char *tenant_id, const char *kind,
                                const char *job_id, const char *object_id, const char *gtin,
                                const char *why, px_err *err)
{
    char id_key[32];
    snprintf(id_key, sizeof(id_key), "%s_id", kind);
    px_audit_details w;
    px_audit_details_init(&w);
    px_audit_str(&w, "job_id", job_id);
    px_audit_str(&w, "kind", kind);
    px_audit_str(&w, id_key, object_id);
    px_audit_str(&w, "gtin", gtin);
    px_audit_str(&w, "error", why);
    const char *json = px_audit_details_finish(&w, err);
    px_rc rc = json ? px_svc_webhook_enqueue(tx, tenant_id, "job.failed", json, err) : PX_EINTERNAL;
    px_audit_details_dispose(&w);
    return rc;
}
