/* Reading reports, their attempts and their documents (reports.h). */
#include <string.h>

#include "market.h"
#include "px_array.h"
#include "px_cursor.h"
#include "px_str.h"
#include "reports_internal.h"

/* The scope of a report read: tenant for MAH/auditor, market for a regulator. */
static px_rc report_scope(const px_actor *by, const char **tenant, const char **market, px_err *err)
{
    *tenant = NULL;
    *market = NULL;
    switch (px_policy_scope(by->role, PX_ACT_REPORT_READ)) {
    case PX_SCOPE_ORG: *tenant = by->org_id; return PX_OK;
    case PX_SCOPE_MARKET:
        /* A regulator without a market sees nothing. */
        *market = px_market_check(by->market, NULL) == PX_OK ? by->market : "--";
        return PX_OK;
    case PX_SCOPE_SYSTEM: return PX_OK;
    default: return px_policy_check(by->role, PX_ACT_REPORT_READ, err);
    }
}

/* The caller's scope for report id; a malformed id is not found, like another's. */
static px_rc report_id_scope(const px_actor *by, const char *id, const char **tenant,
                             const char **market, px_err *err)
{
    px_rc rc = report_scope(by, tenant, market, err);
    if (rc == PX_OK && !px_uuid_valid(id))
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "no such report");
    return rc;
}

px_rc px_svc_report_get(px_db *db, const px_actor *by, const char *id, px_report *out, px_err *err)
{
    const char *tenant, *market;
    px_rc rc = report_id_scope(by, id, &tenant, &market, err);
    return rc == PX_OK ? px_store_report_get(db, out, id, tenant, market, err) : rc;
}

px_rc px_svc_report_attempts_each(px_db *db, const px_actor *by, const char *id,
                                  px_report_attempt_fn fn, void *ctx, px_err *err)
{
    px_report r;
    px_rc rc = px_svc_report_get(db, by, id, &r, err);
    if (rc != PX_OK)
        return rc;
    return px_store_report_attempts_each(db, r.id, fn, ctx, err);
}

px_rc px_svc_report_document(px_db *db, const px_actor *by, const char *id, char **doc, size_t *len,
                             px_err *err)
{
    *doc = NULL;
    *len = 0;
    const char *tenant, *market;
    px_rc rc = report_id_scope(by, id, &tenant, &market, err);
    if (rc != PX_OK || (rc = px_store_report_document(db, doc, len, id, tenant, market, err)))
        return rc;
    if (!*doc)
        return px_err_set(err, PX_ENOTFOUND, "not_found",
                          "report %s has no document (it could not be built: see last_error)", id);
    return PX_OK;
}

px_rc px_svc_reports_each(px_db *db, const px_actor *by, const char *state, const char *retried,
                          const char *market, const char *after, long limit, px_report_fn fn,
                          void *ctx, px_err *err)
{
    static const char *const states[] = {"queued", "sending", "delivered", "failed", "dead"};
    const char *tenant, *scope_market;
    px_rc rc = report_scope(by, &tenant, &scope_market, err);
    if (rc != PX_OK)
        return rc;
    if (state && (rc = px_name_pick(states, PX_COUNT(states), state, "invalid_value", "state", NULL,
                                    err)) != PX_OK)
        return rc;
    if (retried && (rc = px_name_pick(px_bool_names, 2, retried, "invalid_value", "retried", NULL,
                                      err)) != PX_OK)
        return rc;
    if (market && (rc = px_market_check(market, err)) != PX_OK)
        return rc;
    if (px_cursor_check_uuid(after, err) != PX_OK)
        return PX_EINVALID;
    return px_store_report_each(db, tenant, scope_market, state, retried, market, after, limit, fn,
                                ctx, err);
}

typedef struct retry_ctx {
    const px_app *app;
    const char *id;
    px_report *out;
} retry_ctx;

/* A new report of the same subject to the same endpoint, its document built again from the
 * stored events with today's master data; the failed or dead one stays as it was, and is
 * retried once. */
static px_rc retry_body(px_tx *tx, void *vc, px_err *err)
{
    retry_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    px_report old;
    px_product prod;
    px_rc rc = px_store_report_get(db, &old, c->id, px_tx_actor(tx)->org_id, NULL, err);
    if (rc != PX_OK)
        return rc;
    if (strcmp(old.state, "failed") != 0 && strcmp(old.state, "dead") != 0)
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "report %s is %s: only a failed or dead report is retried", old.id,
                          old.state);
    /* Once (migration 0011): a second retry would send the same facts twice. */
    char retried_by[PX_ID_LEN + 1];
    if ((rc = px_store_report_retried_by(db, retried_by, old.id, err)) != PX_OK)
        return rc;
    if (retried_by[0])
        return px_err_set(err, PX_ESTATE, "already_retried",
                          "report %s was already retried by report %s (retry that one if it "
                          "fails)",
                          old.id, retried_by);
    if ((rc = px_store_product_get(db, &prod, old.gtin, 0, err)) != PX_OK)
        return rc;
    px__report_subject s = {.market = old.market,
                            .batch = old.batch[0] ? old.batch : NULL,
                            .release_id = old.release_id[0] ? old.release_id : NULL,
                            .op_id = old.op_id[0] ? old.op_id : NULL,
                            .retry_of = old.id,
                            .endpoint_id = old.endpoint_id};
    char id[PX_ID_LEN + 1];
    if ((rc = px__reports_queue(tx, c->app, &prod, &s, id, err)) == PX_EEXISTS)
        /* A retry of the same report committed meanwhile (the unique index saw it). */
        return px_err_set(err, PX_ESTATE, "already_retried", "report %s was already retried",
                          old.id);
    if (rc != PX_OK)
        return rc;
    if (!id[0])
        return px_err_set(err, PX_EINVALID, "report_precondition",
                          "the endpoint of report %s is no longer active "
                          "(PATCH /v1/regulator-endpoints/%s)",
                          old.id, old.endpoint_id);
    return px_store_report_get(db, c->out, id, NULL, NULL, err);
}

px_rc px_svc_report_retry(px_db *db, const px_app *app, const px_actor *by, const char *id,
                          px_report *out, px_err *err)
{
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "no such report");
    retry_ctx c = {app, id, out};
    return px_tx_run(db, by, retry_body, &c, err);
}

px_rc px_svc_report_counts(px_db *db, px_report_count_fn fn, void *ctx, px_err *err)
{
    return px_store_report_counts(db, fn, ctx, err);
}
