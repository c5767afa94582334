/* The MAH's webhook (docs/api.md "Webhook", docs/webhooks.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "paging.h"
#include "webhook.h"
#include "workers.h"

/* Never the secret: it signs deliveries and is shown to nobody, not even its owner. A query
 * string may carry the receiver's token too (it is left out of the audit entry), so it is
 * shown redacted, as a regulator endpoint's (h_reports.c). */
static json_t *webhook_json(const px_webhook *w)
{
    json_t *events = json_array();
    for (int i = 0; i < w->n_events; i++)
        json_array_append_new(events, json_string(w->events[i]));
    char url[sizeof(w->url) + 16];
    size_t base = strcspn(w->url, "?");
    snprintf(url, sizeof(url), "%.*s%s", (int)base, w->url, w->url[base] ? "?<redacted>" : "");
    return json_pack("{s:s, s:o, s:s, s:s}", "url", url, "events", events, "created_at",
                     w->created_at, "updated_at", w->updated_at);
}

void h_webhook_put(px_req *r)
{
    static const char *const allowed[] = {"url", "secret", "events", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    int n = 0;
    px_webhook_request rq = {0};
    rq.url = px_json_str(r, r->json, "url", PX_DELIVERY_URL_MAX, 1);
    rq.secret = px_json_str(r, r->json, "secret", PX_DELIVERY_SECRET_MAX, 1);
    const char **events = px_json_str_array(r, r->json, "events", PX_WEBHOOK_EVENT_LEN,
                                            PX_WEBHOOK_EVENTS_MAX, 1, &n);
    if (px_req_answered(r)) {
        free(events);
        return;
    }
    rq.events = events;
    rq.n_events = n;
    px_db *db = px_req_db(r);
    if (!db) {
        free(events);
        return;
    }
    px_webhook w;
    px_rc rc = px_svc_webhook_put(db, &r->actor, &rq, &w, &r->err);
    free(events);
    if (px_reply_failed(r, rc))
        return;
    px_reply_json(r, 200, webhook_json(&w));
}

void h_webhook_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_webhook w;
    if (px_reply_failed(r, px_svc_webhook_get(db, &r->actor, &w, &r->err)))
        return;
    px_reply_json(r, 200, webhook_json(&w));
}

void h_webhook_delete(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    if (px_reply_failed(r, px_svc_webhook_delete(db, &r->actor, &r->err)))
        return;
    px_reply_json(r, 200, json_pack("{s:b}", "deleted", 1));
}

static json_t *delivery_json(const px_webhook_delivery *d)
{
    return json_pack(
        "{s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "delivery_id", d->id, "event",
        d->event, "state", d->state, "attempts", d->attempts, "last_http_status",
        d->last_http_status ? json_integer(d->last_http_status) : json_null(), "last_error",
        px_json_str_or_null(d->last_error), "next_attempt_at",
        px_json_str_or_null(d->next_attempt_at), "created_at", d->created_at, "delivered_at",
        px_json_str_or_null(d->delivered_at), "retry_of", px_json_str_or_null(d->retry_of),
        "retried_by", px_json_str_or_null(d->retried_by));
}

static int add_delivery(void *ctx, const px_webhook_delivery *d)
{
    return px_list_add(ctx, d->id, delivery_json(d));
}

void h_webhook_delivery_retry(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_webhook_delivery d;
    if (px_reply_failed(r, px_svc_webhook_retry(db, &r->actor, px_req_param(r, 0), &d, &r->err)))
        return;
    px_workers_wake(r->app);
    px_reply_json(r, 202, delivery_json(&d));
}

void h_webhook_deliveries(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 1); /* keyset: the store applies the cursor */
    if (db)
        px_list_end(&l, px_svc_webhook_deliveries_each(db, &r->actor, px_req_query(r, "state"),
                                                       px_req_query(r, "retried"), l.after,
                                                       l.first + 1, add_delivery, &l, &r->err));
}
