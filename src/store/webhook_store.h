/* webhook_store — a MAH's webhook, its delivery outbox and the attempts (migration
 * 0010_repair.sql, docs/webhooks.md). */
#ifndef PX_WEBHOOK_STORE_H
#define PX_WEBHOOK_STORE_H

#include <stddef.h>

#include "px_err.h"
#include "store.h"

#define PX_WEBHOOK_URL_MAX 2048
#define PX_WEBHOOK_EVENTS_MAX 32
#define PX_WEBHOOK_EVENT_LEN 64

typedef struct px_webhook {
    char tenant_id[PX_ID_LEN + 1];
    char url[PX_WEBHOOK_URL_MAX + 1];
    int n_events;
    char events[PX_WEBHOOK_EVENTS_MAX][PX_WEBHOOK_EVENT_LEN + 1];
    char created_at[32];
    char updated_at[32];
} px_webhook;

/* Creates or replaces the tenant's webhook (the secret is stored, never read back here);
 * fills w's timestamps. */
px_rc px_store_webhook_put(px_db *db, px_webhook *w, const char *secret, px_err *err);
/* The tenant's webhook; PX_ENOTFOUND "not_found" when none. */
px_rc px_store_webhook_get(px_db *db, px_webhook *out, const char *tenant_id, px_err *err);
/* Removes it; PX_ENOTFOUND when none. Deliveries still queued then end dead at their next
 * claim ("the webhook was removed"). */
px_rc px_store_webhook_delete(px_db *db, const char *tenant_id, px_err *err);

/* Queues event with data (a JSON object text) for the tenant's webhook when it exists and
 * subscribes to the event; the body {"id", "event", "created_at", "data"} is fixed here.
 * *queued = 1 when a delivery row was written. */
px_rc px_store_webhook_enqueue(px_db *db, int *queued, const char *tenant_id, const char *event,
                               const char *data_json, px_err *err);

typedef struct px_webhook_delivery {
    char id[PX_ID_LEN + 1];
    char tenant_id[PX_ID_LEN + 1];
    char event[PX_WEBHOOK_EVENT_LEN + 1];
    char state[16];            /* queued | sending | delivered | dead */
    int attempts;
    int last_http_status;      /* 0: none */
    char last_error[256];
    char next_attempt_at[32];
    char created_at[32];
    char delivered_at[32];     /* "" until delivered */
    char retry_of[PX_ID_LEN + 1]; /* the dead delivery this one retries, "" if none */
    char retried_by[PX_ID_LEN + 1]; /* the delivery that retries this dead one, "" if none */
} px_webhook_delivery;

typedef int (*px_webhook_delivery_fn)(void *ctx, const px_webhook_delivery *d);
/* Queues a retry of the tenant's dead delivery id (a UUID: the caller checks): a new delivery
 * with its event and the same body (receivers recognise the event by the body's id),
 * retry_of id, into out. PX_ENOTFOUND not_found (unknown, another tenant's); PX_ESTATE
 * invalid_state (not dead), already_retried (names the retry), no_webhook (no webhook
 * subscribes to its event now). */
px_rc px_store_webhook_retry(px_db *db, const char *tenant_id, const char *id,
                             px_webhook_delivery *out, px_err *err);
/* The tenant's deliveries (those in state, when not NULL), newest first on (created_at, id),
 * after the delivery after_id when set (a UUID: the caller checks), at most limit. */
px_rc px_store_webhook_deliveries_each(px_db *db, const char *tenant_id, const char *state,
                                       const char *retried, const char *after_id, long limit,
                                       px_webhook_delivery_fn fn, void *ctx, px_err *err);
/* The deliveries of every tenant not delivered, by state (queued, sending, dead: each, 0 when
 * none; a dead one already retried is left out), for /metrics: read through an index of those
 * alone (migration 0214), however many delivered. */
typedef int (*px_webhook_count_fn)(void *ctx, const char *state, long long n);
px_rc px_store_webhook_delivery_counts(px_db *db, px_webhook_count_fn fn, void *ctx, px_err *err);

/* A claimed delivery: what to send. Strings are owned (px_webhook_job_dispose). */
typedef struct px_webhook_job {
    px_webhook_delivery d;
    char *body;
    char *url;                 /* NULL: the webhook was removed */
    char *secret;
    char doc_id[PX_ID_LEN + 1]; /* the event's id, the body's "id": a retry's is the first's */
    int attempt;                /* the attempt begun by the claim; unsent: the attempts made */
    int unsubscribed;           /* the webhook was removed or no longer subscribes to the
                                   event: not sent, no attempt begun */
} px_webhook_job;
void px_webhook_job_dispose(px_webhook_job *j);
/* Puts the tenant's queued deliveries off to retry_ms from now at the earliest (none is
 * brought forward): its receiver did not answer, so the queue behind the delivery that found
 * it so waits for that one's retry instead of taking the send slots one by one while other
 * tenants' deliveries wait behind it. */
px_rc px_store_webhook_pause(px_db *db, const char *tenant_id, long retry_ms, px_err *err);

/* Claims the most overdue queued delivery (or a 'sending' one whose lease ran out), FOR
 * UPDATE SKIP LOCKED: marks it 'sending' leased for lease_ms, counts the attempt and records
 * its start; one the webhook no longer wants (unsubscribed) begins no attempt, since it is not
 * sent. PX_ENOTFOUND when nothing is due. */
px_rc px_store_webhook_claim(px_db *db, px_webhook_job *out, long lease_ms, px_err *err);
/* Ends a claimed delivery that is not sent (unsubscribed): dead with error, its attempts the
 * n made before (none counted for it), while it is still that claim's (sending, n attempts);
 * *current says whether it was. */
px_rc px_store_webhook_end_unsent(px_db *db, const char *id, int n, const char *error, int *current,
                                  px_err *err);
/* Ends attempt n: outcome delivered | retry (due again in retry_ms) | dead. The attempt's row
 * always takes it; the delivery by the outbox's rule (PX__SQL_ATTEMPT_MOVES_ROW): while n is
 * its latest attempt and still sending, or a late "delivered" while it is not finished (a
 * late failure changes nothing a newer attempt wrote); *current says whether it did. */
px_rc px_store_webhook_end_attempt(px_db *db, const char *id, int n, int http_status,
                                   const char *outcome, const char *error, long retry_ms,
                                   int *current, px_err *err);

#endif
