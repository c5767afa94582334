/* One delivery attempt's POST and outcome, shared by the report and webhook runners
 * (delivery_attempt.h). */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "delivery_attempt.h"
#include "px_crypto.h"
#include "px_str.h"

void px__delivery_send(const px_config *cfg, px_delivery_request *rq, px_delivery_result *res)
{
    long timeout = cfg->delivery_timeout_ms;
    rq->connect_timeout_ms = timeout < 10000 ? timeout : 10000;
    rq->timeout_ms = timeout;
    px_err derr = PX_ERR_INIT;
    if (px_delivery_post(rq, res, &derr) != PX_OK) {
        /* Refused before any packet (a URL saved before a rule it now breaks): its class is
         * the refusal's code (invalid_url), so the log and the attempt say why. */
        res->http_status = 0;
        px_strlcpy(res->code, derr.code, sizeof(res->code));
        snprintf(res->error, sizeof(res->error), "%s", derr.message);
    }
}

px_rc px__delivery_in_slot(px_app *app, px_db *db, int *did_work, px_err *err,
                           px_rc (*run)(px_app *app, px_db *db, int *did_work, px_err *err))
{
    *did_work = 0;
    int cap = app->cfg.workers > 1 ? app->cfg.workers - 1 : 1;
    if (atomic_fetch_add(&app->deliveries_sending, 1) >= cap) {
        atomic_fetch_sub(&app->deliveries_sending, 1);
        return PX_OK; /* every turn taken: the other workers stay free for the other runners */
    }
    px_rc rc = run(app, db, did_work, err);
    atomic_fetch_sub(&app->deliveries_sending, 1);
    return rc;
}

long px__delivery_lease_ms(const px_config *cfg)
{
    return 2 * cfg->delivery_timeout_ms + 1000;
}

px_delivery_outcome px__delivery_judge(const px_config *cfg, long http_status, int n, int max,
                                       long *retry_ms)
{
    *retry_ms = 0;
    if (px_delivery_accepted(http_status))
        return PX_DELIVERED;
    if (n >= max)
        return PX_DELIVERY_DEAD;
    unsigned rnd = 0;
    px_random_bytes(&rnd, sizeof(rnd));
    *retry_ms =
        px_delivery_backoff_ms(n, cfg->delivery_backoff_ms, cfg->delivery_backoff_max_ms, rnd);
    return PX_DELIVERY_RETRY;
}

const char *px_delivery_outcome_name(px_delivery_outcome o)
{
    static const char *const names[PX_DELIVERY_OUTCOME__COUNT] = {"delivered", "retry", "dead",
                                                                  "failed"};
    return (unsigned)o < PX_DELIVERY_OUTCOME__COUNT ? names[o] : "unknown";
}

px_log_level px__delivery_log_level(px_delivery_outcome o)
{
    return o == PX_DELIVERED ? PX_LOG_INFO : o == PX_DELIVERY_DEAD ? PX_LOG_ERROR : PX_LOG_WARN;
}

void px__delivery_log(const char *what, const char *subject, int n, const px_delivery_result *res,
                      px_delivery_outcome o, long retry_ms)
{
    char fields[1200], esc[300], detail[300];
    px_json_escape(esc, sizeof(esc), res->error);
    px_json_escape(detail, sizeof(detail), res->detail);
    snprintf(fields, sizeof(fields),
             "%s,\"attempt\":%d,\"status\":%ld,\"outcome\":\"%s\",\"retry_ms\":%ld,"
             "\"code\":\"%s\",\"error\":\"%s\",\"detail\":\"%s\"",
             subject, n, res->http_status, px_delivery_outcome_name(o), retry_ms, res->code, esc,
             detail);
    px_log(px__delivery_log_level(o), what, fields);
}

px__attempt_end px__delivery_end(const px_config *cfg, int n, int max,
                                 const px_delivery_result *res)
{
    px__attempt_end e = {n, res, PX_DELIVERED, 0};
    e.outcome = px__delivery_judge(cfg, res->http_status, n, max, &e.retry_ms);
    return e;
}

void px__delivery_told(const px__attempt_end *e, int current, const char *what, const char *subject,
                       _Atomic unsigned long counts[PX_DELIVERY_OUTCOME__COUNT])
{
    if (!current) {
        char fields[400], msg[96];
        snprintf(fields, sizeof(fields), "%s,\"attempt\":%d,\"outcome\":\"%s\"", subject,
                 e->attempt, px_delivery_outcome_name(e->outcome));
        snprintf(msg, sizeof(msg), "%s: a later attempt superseded this one", what);
        px_log(PX_LOG_WARN, msg, fields);
        return;
    }
    if (counts)
        counts[e->outcome]++;
    px__delivery_log(what, subject, e->attempt, e->res, e->outcome, e->retry_ms);
}

int px__delivery_receiver_down(const px__attempt_end *e)
{
    return e->outcome == PX_DELIVERY_RETRY && e->res->http_status == 0;
}

const char *px__attempt_error(const px__attempt_end *e)
{
    return e->res->error[0] ? e->res->error : NULL;
}

px_rc px__delivery_none_due(px_tx *tx, px_err *err)
{
    px_err_clear(err);
    px_tx_discard(tx);
    return PX_OK;
}
