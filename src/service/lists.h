/* lists — the paged lists of allocations, jobs, exports, commissions and releases (docs/api.md
 * "Lists"): newest first, keyset paging on (created_at, id), each with the visibility of its
 * single-object read (MAH and auditor: the tenant's; CMO: its own, never releases). */
#ifndef PX_SERVICE_LISTS_H
#define PX_SERVICE_LISTS_H

#include "job_store.h"
#include "list_store.h"
#include "pool_store.h"
#include "print_store.h"
#include "service.h"
#include "sscc_store.h"

/* One item of a page: id is its cursor; exactly one of the object pointers is set
 * (allocation, job, export, sscc_allocation for those lists; row for commissions and
 * releases). */
typedef struct px_list_item {
    const char *id;
    const px_list_row *row;
    const px_allocation *allocation;
    const px_job *job;
    const px_export *export_;
    const px_sscc_allocation *sscc_allocation;
} px_list_item;
typedef int (*px_list_item_fn)(void *ctx, const px_list_item *item);

/* What a list is narrowed to (each NULL: no filter): a job's status (jobs only); a product
 * and a batch (commissions and releases only: a batch's own rows, however old, where the
 * newest pages of the whole list may not reach them). */
typedef struct px_list_filter {
    const char *status;
    const char *gtin;  /* any GTIN form */
    const char *batch; /* set-82, 1-20 characters */
} px_list_filter;

/* The actor's rows of kind after the row with id after ("" or NULL: the newest; anything but
 * a UUID is 400 "bad_request"), at most limit, narrowed by filter (NULL: none). A status
 * that is not a job status, or a filter its list does not take, is 422 invalid_value on its
 * field; a malformed GTIN or batch 422 on "gtin" or "batch". */
px_rc px_svc_list(px_db *db, const px_actor *by, px_list_kind kind, const px_list_filter *filter,
                  const char *after, long limit, px_list_item_fn fn, void *ctx, px_err *err);

#endif
