/* allotments — per-organization monthly allotments of serials and carriers (docs/allotments.md,
 * docs/api.md "Carriers in bulk, sandbox, allotments"). */
#ifndef PX_ALLOTMENTS_H
#define PX_ALLOTMENTS_H

#include "allotment_store.h"
#include "tx.h"

/* PUT /v1/orgs/{org_id}/allotments (operator): the organization's limits, -1 for none. */
px_rc px_svc_allotment_put(px_db *db, const px_actor *by, const char *org_id,
                           const long long limit[PX_ALLOT__COUNT], px_allotment *out, px_err *err);
/* GET /v1/orgs/{org_id}/allotments: the operator any organization's, anyone else only its
 * own (another organization's answers not_found). */
px_rc px_svc_allotment_get(px_db *db, const px_actor *by, const char *org_id, px_allotment *out,
                           px_err *err);
/* GET /v1/allotments: the operator every organization's; anyone else its own. */
px_rc px_svc_allotments_each(px_db *db, const px_actor *by, const char *after, long limit,
                             px_allotment_fn fn, void *ctx, px_err *err);

/* /metrics: this month's use per kind and the organizations that used all of a limit. */
px_rc px_svc_allotment_totals(px_db *db, long long used[PX_ALLOT__COUNT],
                              long long exhausted[PX_ALLOT__COUNT], px_err *err);

/* Charges n of kind to the caller's organization inside the use case's transaction, before it
 * commits; 403 "allotment_exceeded" (field `field`, with the limit, the use before and n) when
 * that passes the month's limit. The refusal makes the use case fail, and its rollback takes
 * the charge back: nothing of the work is kept. */
px_rc px_svc_allotment_charge(px_tx *tx, px_allot_kind kind, long long n, const char *field,
                              px_err *err);

#endif
