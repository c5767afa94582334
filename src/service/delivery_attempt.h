/* delivery_attempt — what report deliveries (delivery_runner.c) and webhook deliveries
 * (webhook_runner.c) share, so that the two keep one policy (docs/delivery.md, docs/webhooks.md:
 * "the same retry, backoff and attempt limit"): one POST with the configured timeouts, the
 * outcome of an attempt, and how that outcome is named and logged. */
#ifndef PX_DELIVERY_ATTEMPT_H
#define PX_DELIVERY_ATTEMPT_H

#include "delivery.h"
#include "px_log.h"
#include "service.h"
#include "tx.h"

/* POSTs rq with cfg's timeouts (PACKID_DELIVERY_TIMEOUT_MS; the connect at most 10 s). A
 * failure before any answer leaves res->http_status 0 and its sentence in res->error. */
void px__delivery_send(const px_config *cfg, px_delivery_request *rq, px_delivery_result *res);

/* A runner's pass (run: report or webhook deliveries) in a worker's turn to send, or no pass
 * (*did_work 0) while no turn is free. A POST may take PACKID_DELIVERY_TIMEOUT_MS (30 s)
 * against a receiver that accepts and never answers, and a MAH chooses its receivers: with
 * every worker in such POSTs, every tenant's allocations, exports, carrier batches, scans and
 * checkpoints would wait. So the sends of the process's workers together hold at most
 * PACKID_WORKERS - 1 of them (1 with a single worker). */
px_rc px__delivery_in_slot(px_app *app, px_db *db, int *did_work, px_err *err,
                           px_rc (*run)(px_app *app, px_db *db, int *did_work, px_err *err));

/* How long a claimed delivery stays 'sending' before another sender may claim it: longer
 * than one POST may take (twice PACKID_DELIVERY_TIMEOUT_MS and a second), so a live sender's
 * row is never claimed twice, and a crashed sender's row is due again after it. */
long px__delivery_lease_ms(const px_config *cfg);

/* The outcome of attempt n of at most max that got http_status: PX_DELIVERED on a 2xx,
 * PX_DELIVERY_DEAD on the last attempt, else PX_DELIVERY_RETRY with *retry_ms the jittered
 * backoff (PACKID_DELIVERY_BACKOFF_MS, PACKID_DELIVERY_BACKOFF_MAX_MS); *retry_ms 0 otherwise. */
px_delivery_outcome px__delivery_judge(const px_config *cfg, long http_status, int n, int max,
                                       long *retry_ms);

/* The log level of an attempt: info when delivered, error when dead, warning otherwise. */
px_log_level px__delivery_log_level(px_delivery_outcome o);
/* Logs attempt n of a delivery as one line, what ("report delivery", "webhook delivery")
 * with subject (the JSON members naming what was sent, e.g. "\"report_id\":\"…\"") and
 * the outcome: status, retry_ms, the classified code and sentence the API shows, and libcurl's
 * own words (detail), which only the log gets; at px__delivery_log_level(o). */
void px__delivery_log(const char *what, const char *subject, int n, const px_delivery_result *res,
                      px_delivery_outcome o, long retry_ms);

/* The end of attempt n of a delivery as both runners record it: its answer, its outcome and,
 * for a retry, the pause before the next. */
typedef struct px__attempt_end {
    int attempt;
    const px_delivery_result *res;
    px_delivery_outcome outcome;
    long retry_ms;
} px__attempt_end;
/* Judges attempt n of at most max that got res (px__delivery_judge). */
px__attempt_end px__delivery_end(const px_config *cfg, int n, int max,
                                 const px_delivery_result *res);
/* Tells the attempt's outcome once its recording committed: counted in counts (the app's
 * metric; NULL for a sandbox delivery, which live metrics never count) and logged (px__delivery_log
 * with what and subject). Never before: a recording that fails leaves the delivery to be taken up
 * again, and its outcome is told then, once. current 0: the delivery did not take the outcome (a
 * sender that stalled past its lease answered after another claimed it, docs/delivery.md
 * "Leases"): the outcome stays its attempt's, logged as superseded, not counted. */
void px__delivery_told(const px__attempt_end *e, int current, const char *what, const char *subject,
                       _Atomic unsigned long counts[PX_DELIVERY_OUTCOME__COUNT]);
/* 1 when the attempt is retried for want of any answer (no connection, TLS, silence, a
 * timeout; not an HTTP status, which may be this body's alone): the receiver itself is down,
 * and its other queued deliveries wait for this one's retry (the stores' pause). */
int px__delivery_receiver_down(const px__attempt_end *e);
/* The attempt's error sentence for its row, NULL when it had none (a 2xx). */
const char *px__attempt_error(const px__attempt_end *e);

/* The claim transaction's answer when the claim found nothing due (PX_ENOTFOUND from the
 * store): no error, and nothing to commit. */
px_rc px__delivery_none_due(px_tx *tx, px_err *err);

#endif
