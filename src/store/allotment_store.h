/* allotment_store — per-organization allotments and their monthly usage (migration
 * 0076_allotments.sql, docs/allotments.md). */
#ifndef PX_ALLOTMENT_STORE_H
#define PX_ALLOTMENT_STORE_H

#include "px_err.h"
#include "store.h"

/* What an allotment limits. */
typedef enum px_allot_kind { PX_ALLOT_SERIALS = 0, PX_ALLOT_CARRIERS, PX_ALLOT__COUNT } px_allot_kind;

/* An organization's allotment and its use in the current month (UTC). A limit of -1: none. */
typedef struct px_allotment {
    char org_id[PX_ID_LEN + 1];
    long long limit[PX_ALLOT__COUNT];
    long long used[PX_ALLOT__COUNT];
    char period[8];     /* "YYYY-MM" */
    char resets_at[32]; /* the next month's first instant, RFC 3339 UTC */
} px_allotment;

/* Sets the organization's limits (-1: none); PX_ENOTFOUND "not_found" when no such
 * organization. Fills out as px_store_allotment_get. */
px_rc px_store_allotment_put(px_db *db, const char *org_id, const long long limit[PX_ALLOT__COUNT],
                             px_allotment *out, px_err *err);
/* The organization's allotment (limits -1 when none was set) and this month's use. */
px_rc px_store_allotment_get(px_db *db, const char *org_id, px_allotment *out, px_err *err);

/* Adds n of kind to the organization's use this month and returns the use and limit after it
 * in out. Call it inside the transaction of the work it counts: the usage row stays locked to
 * COMMIT, so a concurrent charge of the same organization waits and then sees this one. */
px_rc px_store_allotment_charge(px_db *db, const char *org_id, px_allot_kind kind, long long n,
                                px_allotment *out, px_err *err);

typedef int (*px_allotment_fn)(void *ctx, const px_allotment *a);
/* Gives back n serials of allocation allocation_id to the allotment use of the month and
 * organization it was charged to (a failed allocation's unissued serials; never below 0). */
px_rc px_store_allotment_refund_allocation(px_db *db, const char *allocation_id, long long n,
                                           px_err *err);
/* The allocation or carrier batch was charged again this month (a failed job's retry): what
 * its job gives back from now on returns to this month's use. */
px_rc px_store_allotment_recharged_allocation(px_db *db, const char *allocation_id, px_err *err);
px_rc px_store_allotment_recharged_carrier_batch(px_db *db, const char *batch_id, px_err *err);
/* Gives back n carriers of carrier batch batch_id to the month and organization it was
 * charged to (a failed batch's items never rendered; never below 0). */
px_rc px_store_allotment_refund_carrier_batch(px_db *db, const char *batch_id, long long n,
                                              px_err *err);
/* Organizations with an allotment or a use this month, org_id order after `after` (keyset,
 * "" from the start), at most limit; only_org restricts the list to one organization. */
px_rc px_store_allotments_each(px_db *db, const char *only_org, const char *after, long limit,
                               px_allotment_fn fn, void *ctx, px_err *err);

/* This month's totals over all organizations: use per kind, and how many organizations have
 * used all of their limit of that kind (for /metrics: no organization is named there). */
px_rc px_store_allotment_totals(px_db *db, long long used[PX_ALLOT__COUNT],
                                long long exhausted[PX_ALLOT__COUNT], px_err *err);

#endif
