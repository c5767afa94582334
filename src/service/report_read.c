/* Reading reports, their attempts and their documents (reports.h). */
#include <string.h>

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

px_rc px_svc_report_get(px_db *db, const px_actor *by, const char *id, px_report *out, px_err *err)
{
    const char *tenant, *market;
    px_rc rc = report_scope(by, &tenant, &market, err);
    if (rc != PX_OK)
        return rc;
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "no such report");
    return px_store_report_get(db, out, id, tenant, market, err);
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
    px_rc rc = report_scope(by, &tenant, &market, err);
    if (rc != PX_OK)
        return rc;
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "no such report");
    if ((rc = px_store_report_document(db, doc, len, id, tenant, market, err)) != PX_OK)
        return rc;
    if (!*doc)
        return px_err_set(err, PX_ENOTFOUND, "not_found",
                          "report %s has no document (it could not be built: see last_error)", id);
    return PX_OK;
}
