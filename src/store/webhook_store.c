/* A MAH's webhook and its delivery outbox (webhook_store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_crypto.h"
#include "px_str.h"
#include "store_internal.h"
#include "webhook_store.h"

#define TS(col) PX__SQL_ISO0(col)

/* The events as one text per line (event names hold no newline: migration 0010's CHECK on
 * webhook_delivery and the service's vocabulary). */
#define WEBHOOK_COLS \
    "tenant_id, url, array_to_string(events, E'\\n'), " TS("created_at") ", " TS("updated_at")

static void webhook_row(px_webhook *w, const PGresult *r, int i)
{
    memset(w, 0, sizeof(*w));
    px_strlcpy(w->tenant_id, px__val(r, i, 0), sizeof(w->tenant_id));
    px_strlcpy(w->url, px__val(r, i, 1), sizeof(w->url));
    const char *ev = px__val(r, i, 2);
    while (*ev && w->n_events < PX_WEBHOOK_EVENTS_MAX) {
        size_t n = strcspn(ev, "\n");
        if (n > PX_WEBHOOK_EVENT_LEN)
            n = PX_WEBHOOK_EVENT_LEN;
        memcpy(w->events[w->n_events], ev, n);
        w->events[w->n_events][n] = '\0';
        w->n_events++;
        ev += strcspn(ev, "\n");
        if (*ev)
            ev++;
    }
    px_strlcpy(w->created_at, px__val(r, i, 3), sizeof(w->created_at));
    px_strlcpy(w->updated_at, px__val(r, i, 4), sizeof(w->updated_at));
}

px_rc px_store_webhook_put(px_db *db, px_webhook *w, const char *secret, px_err *err)
{
    /* The events travel as one newline-joined text, split in SQL: no array literal to quote. */
    char events[PX_WEBHOOK_EVENTS_MAX * (PX_WEBHOOK_EVENT_LEN + 1) + 1];
    size_t off = 0;
    events[0] = '\0';
    for (int i = 0; i < w->n_events; i++)
        off += (size_t)snprintf(events + off, sizeof(events) - off, "%s%s", i ? "\n" : "",
                                w->events[i]);
    PGresult *r = px__exec(db,
                           "INSERT INTO webhook (tenant_id, url, secret, events) VALUES "
                           "($1::uuid, $2, $3, string_to_array($4, E'\\n')) "
                           "ON CONFLICT (tenant_id) DO UPDATE SET url = EXCLUDED.url, "
                           "secret = EXCLUDED.secret, events = EXCLUDED.events, "
                           "updated_at = now() RETURNING " WEBHOOK_COLS,
                           PX__ARGS(w->tenant_id, w->url, secret, events), err);
    return PX__INSERTED(r, err, webhook_row, w);
}

px_rc px_store_webhook_get(px_db *db, px_webhook *out, const char *tenant_id, px_err *err)
{
    PGresult *r = px__exec(db, "SELECT " WEBHOOK_COLS " FROM webhook WHERE tenant_id = $1::uuid",
                           PX__ARGS(tenant_id), err);
    return PX__ONE_ROW(r, err, webhook_row, out, "not_found", "no webhook is configured");
}

px_rc px_store_webhook_delete(px_db *db, const char *tenant_id, px_err *err)
{
    PGresult *r = px__exec(db, "DELETE FROM webhook WHERE tenant_id = $1::uuid RETURNING 1",
                           PX__ARGS(tenant_id), err);
    px_rc rc = px__one(r, err, "not_found", "no webhook is configured");
    PQclear(r);
    return rc;
}

px_rc px_store_webhook_enqueue(px_db *db, int *queued, const char *tenant_id, const char *event,
                               const char *data_json, px_err *err)
{
    *queued = 0;
    /* One statement: the subscription test and the insert see the same webhook row. The body
     * is built here once (json_build_object keeps data's text as it is), so every retry sends
     * the same bytes. created_at is when the event is queued (docs/webhooks.md): the statement's
     * clock, not the transaction's start, which for a job.failed is its runner's claim, a whole
     * try (a lock waited for up to PACKID_RUNNER_LOCK_TIMEOUT_MS) before the failure. */
    /* clang-format off */
    return px__exec_found(
        db,
        "WITH n AS (SELECT gen_random_uuid() AS id, "
        "date_trunc('milliseconds', clock_timestamp()) AS at) "
        "INSERT INTO webhook_delivery (id, tenant_id, event, body, created_at, event_id) "
        "SELECT n.id, w.tenant_id, $2, json_build_object('id', n.id, 'event', $2::text, "
        "'created_at', " PX__SQL_ISO("n.at") ", "
        "'data', $3::json)::text, n.at, n.id FROM n, webhook w "
        "WHERE w.tenant_id = $1::uuid AND $2 = ANY (w.events) RETURNING id",
        PX__ARGS(tenant_id, event, data_json), queued, err);
    /* clang-format on */
}

/* next_attempt_at only while the delivery is to be tried (queued, or its lease while
 * sending): a delivered or dead one has no next attempt (docs/api.md, as a report's). */
#define DELIVERY_NEXT "CASE WHEN d.state IN ('queued', 'sending') THEN d.next_attempt_at END"
#define DELIVERY_RETRIED_BY                                                                        \
    "coalesce((SELECT k.id::text FROM webhook_delivery k WHERE k.retry_of = d.id LIMIT 1), '')"
#define DELIVERY_COLS                                                                              \
    "d.id, d.tenant_id, d.event, d.state, d.attempts, coalesce(d.last_http_status, 0), "           \
    "coalesce(d.last_error, ''), " TS(DELIVERY_NEXT) ", " TS("d.created_at") ", " TS(              \
        "d.delivered_at") ", coalesce(d.retry_of::text, ''), " DELIVERY_RETRIED_BY                 \
                          " AS retried_by"
#define DELIVERY_NCOLS 12

static void delivery_row(px_webhook_delivery *d, const PGresult *r, int i)
{
    memset(d, 0, sizeof(*d));
    px__texts(r, i, 0, PX__TEXT(d->id), PX__TEXT(d->tenant_id), PX__TEXT(d->event),
              PX__TEXT(d->state), NULL);
    d->attempts = (int)strtol(px__val(r, i, 4), NULL, 10);
    d->last_http_status = (int)strtol(px__val(r, i, 5), NULL, 10);
    px__texts(r, i, 6, PX__TEXT(d->last_error), PX__TEXT(d->next_attempt_at),
              PX__TEXT(d->created_at), PX__TEXT(d->delivered_at), PX__TEXT(d->retry_of),
              PX__TEXT(d->retried_by), NULL);
}

px_rc px_store_webhook_retry(px_db *db, const char *tenant_id, const char *id,
                             px_webhook_delivery *out, px_err *err)
{
    const char *p[] = {id, tenant_id};
    /* The dead row locked: two retries of it take turns, and the second sees the first's. */
    PGresult *r = px__exec(
        db,
        "SELECT d.state, d.event, coalesce((SELECT k.id::text FROM webhook_delivery k WHERE "
        "k.retry_of = d.id LIMIT 1), ''), EXISTS (SELECT 1 FROM webhook w WHERE w.tenant_id = "
        "d.tenant_id AND d.event = ANY (w.events))::int FROM webhook_delivery d WHERE d.id = "
        "$1::uuid AND d.tenant_id = $2::uuid FOR UPDATE OF d",
        2, p, err);
    px_rc rc = px__one(r, err, "not_found", "webhook delivery not found");
    if (rc != PX_OK) {
        PQclear(r);
        return rc;
    }
    char state[16], event[PX_WEBHOOK_EVENT_LEN + 1], retried_by[PX_ID_LEN + 1];
    px__texts(r, 0, 0, PX__TEXT(state), PX__TEXT(event), PX__TEXT(retried_by), NULL);
    int subscribed = px__val(r, 0, 3)[0] == '1';
    PQclear(r);
    if (strcmp(state, "dead") != 0)
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "only a dead delivery is retried; this one is %s", state);
    if (retried_by[0])
        return px_err_set(err, PX_ESTATE, "already_retried",
                          "this delivery was retried already: delivery %s", retried_by);
    /* Never yes now, failure later: a retry nothing would receive is refused here. */
    if (!subscribed)
        return px_err_set(err, PX_ESTATE, "no_webhook",
                          "no webhook subscribes to %s now: PUT /v1/webhook first", event);
    /* A statement of its own, so its snapshot is taken after the lock: a retry that another
     * request committed while this one waited is seen here (READ COMMITTED), and none is
     * added beside it. */
    r = px__exec(db,
                 "INSERT INTO webhook_delivery AS d (id, tenant_id, event, body, created_at, "
                 "retry_of, event_id) SELECT gen_random_uuid(), o.tenant_id, o.event, o.body, "
                 "date_trunc('milliseconds', now()), o.id, coalesce(o.event_id, o.id) FROM "
                 "webhook_delivery o WHERE o.id = "
                 "$1::uuid AND o.tenant_id = $2::uuid AND NOT EXISTS (SELECT 1 FROM "
                 "webhook_delivery k WHERE k.retry_of = o.id) RETURNING " DELIVERY_COLS,
                 2, p, err);
    if (!r)
        return err->rc;
    rc = PQntuples(r) == 1 ? PX_OK
                           : px_err_set(err, PX_ESTATE, "already_retried",
                                        "this delivery was retried already");
    if (rc == PX_OK)
        delivery_row(out, r, 0);
    PQclear(r);
    return rc;
}

px_rc px_store_webhook_deliveries_each(px_db *db, const char *tenant_id, const char *state,
                                       const char *retried, const char *after_id, long limit,
                                       px_webhook_delivery_fn fn, void *ctx, px_err *err)
{
    /* The cursor is found without the filter (PX__PAGE): a delivery that changed state since
     * the page before does not end the list. */
    PGresult *r = px__page(db,
                           PX__PAGE("SELECT " DELIVERY_COLS ", d.created_at AS at FROM "
                                    "webhook_delivery d WHERE d.tenant_id = $1::uuid",
                                    "($2::text IS NULL OR v.state = $2::text) AND ($3::boolean "
                                    "IS NULL OR (v.retried_by <> '') = $3::boolean)",
                                    "$4", "$5"),
                           PX__ARGS(tenant_id, state, retried), after_id, limit, err);
    PX__RETURN_EACH_ROW(r, err, px_webhook_delivery, delivery_row, fn, ctx);
}

px_rc px_store_webhook_delivery_counts(px_db *db, px_webhook_count_fn fn, void *ctx, px_err *err)
{
    return px__each_count(
        px__exec(db,
                 PX__BY_STATE_UNREPAIRED("'queued', 'sending', 'dead'", "webhook_delivery",
                                         " AND t.state <> 'delivered'"),
                 0, NULL, err),
        fn, ctx, err);
}

void px_webhook_job_dispose(px_webhook_job *j)
{
    if (!j)
        return;
    free(j->body);
    free(j->url);
    px_secret_free(j->secret);
    memset(j, 0, sizeof(*j));
}

px_rc px_store_webhook_claim(px_db *db, px_webhook_job *out, long lease_ms, px_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *lease = PX__INT(lease_ms);
    /* The lease: while one sender holds the delivery in 'sending', no other claims it; if it
     * dies between send and mark-sent, the delivery is due again when the lease runs out
     * (at-least-once; the body's id lets the receiver drop a repeat). A delivered or dead
     * row is never claimed again. An attempt is a POST: one the webhook no longer wants (it
     * was removed, or no longer subscribes to the event) is not sent, so it is neither counted
     * nor recorded in webhook_attempt (the runner ends it, px_store_webhook_end_unsent). */
    /* clang-format off */
    PGresult *r = px__exec_cached(
        db, PX__Q_WEBHOOK_CLAIM,
        "WITH c AS (SELECT d.id, EXISTS (SELECT 1 FROM webhook w WHERE w.tenant_id = "
        "d.tenant_id AND d.event = ANY (w.events)) AS wanted FROM webhook_delivery d "
        "WHERE d.state IN ('queued', 'sending') AND d.next_attempt_at <= now() "
        "ORDER BY d.next_attempt_at LIMIT 1 FOR UPDATE OF d SKIP LOCKED), "
        "u AS (UPDATE webhook_delivery d SET state = 'sending', "
        "attempts = d.attempts + c.wanted::int, "
        "next_attempt_at = " PX__SQL_MS_FROM_NOW("$1") " FROM c "
        "WHERE d.id = c.id RETURNING d.*, c.wanted), "
        "a AS (INSERT INTO webhook_attempt (delivery_id, delivery_created_at, n, started_at) "
        "SELECT id, created_at, attempts, clock_timestamp() FROM u WHERE wanted) "
        "SELECT " DELIVERY_COLS ", d.body, w.url, w.secret, "
        "coalesce(d.event_id, d.id)::text, (NOT d.wanted)::int "
        "FROM u d LEFT JOIN webhook w ON w.tenant_id = d.tenant_id",
        PX__ARGS(lease), err);
    /* clang-format on */
    px_rc rc = px__one(r, err, "not_found", "no webhook delivery is due");
    if (rc == PX_OK) {
        delivery_row(&out->d, r, 0);
        out->attempt = out->d.attempts;
        out->body = px__dup(r, 0, DELIVERY_NCOLS);
        rc = out->body ? PX_OK : px_err_oom(err);
        if (rc == PX_OK)
            rc = px__dup_col(&out->url, r, 0, DELIVERY_NCOLS + 1, err);
        if (rc == PX_OK)
            rc = px__dup_col(&out->secret, r, 0, DELIVERY_NCOLS + 2, err);
        /* A retry carries its dead delivery's body, whose id is the event's (the first
         * delivery's): the header says the same, so a receiver drops a repeat by either. The
         * event's id is the row's (migration 0221); a row without one is sent under its own. */
        if (rc == PX_OK)
            px_strlcpy(out->doc_id, px__val(r, 0, DELIVERY_NCOLS + 3), sizeof(out->doc_id));
        out->unsubscribed = px__val(r, 0, DELIVERY_NCOLS + 4)[0] == '1';
        if (rc != PX_OK)
            px_webhook_job_dispose(out);
    }
    PQclear(r);
    return rc;
}

px_rc px_store_webhook_pause(px_db *db, const char *tenant_id, long retry_ms, px_err *err)
{
    return px__exec_cmd(db, PX__SQL_PAUSE_RECEIVER("webhook_delivery", "tenant_id"),
                        PX__ARGS(tenant_id, PX__INT(retry_ms)), err);
}

px_rc px_store_webhook_end_unsent(px_db *db, const char *id, int n, const char *error, int *current,
                                  px_err *err)
{
    *current = 0;
    return px__exec_found(db,
                          "UPDATE webhook_delivery SET state = 'dead', last_error = $3, "
                          "next_attempt_at = clock_timestamp() WHERE id = $1::uuid AND "
                          "state = 'sending' AND attempts = $2::int RETURNING 1",
                          PX__ARGS(id, PX__INT(n), error), current, err);
}

px_rc px_store_webhook_end_attempt(px_db *db, const char *id, int n, int http_status,
                                   const char *outcome, const char *error, long retry_ms,
                                   int *current, px_err *err)
{
    /* As a report's attempt (report_store.c): the attempt's row always gets its outcome, the
     * delivery only by the outbox's rule. */
    return px__end_attempt(db,
                           PX__SQL_END_ATTEMPT("webhook_attempt", "delivery_id", "webhook_delivery",
                                               "last_error = $5, last_http_status = $3::int, "),
                           id, n, http_status, outcome, error, retry_ms, current, err);
}
