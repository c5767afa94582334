/* allocation — serial settings, allocation requests, the allocation job runner, and reading
 * jobs and allocated serials (docs/api.md "Products and serial settings", "Allocating
 * serials"; docs/pool.md). */
#ifndef PX_ALLOCATION_H
#define PX_ALLOCATION_H

#include "job_store.h"
#include "pool_store.h"
#include "service.h"

/* Serials per chunk: one transaction generates, inserts and records the progress of this
 * many (COPY's cost is the primary key's growth, not the statement). */
#define PX_ALLOC_CHUNK 50000
#define PX_ALLOC_MAX 1000000   /* docs/api.md: up to 1,000,000 serials per job */

/* The fields of a PUT …/serial-settings body, as received (validated here). */
typedef struct px_settings_input {
    const char *strategy;   /* required */
    long long length;       /* required */
    const char *symbols;    /* NULL when absent */
} px_settings_input;

/* PUT /v1/serial-settings: the MAH's organization default, once (PX_ECONFLICT
 * "settings_immutable" afterwards). Validation errors are PX_EINVALID with field strategy,
 * length or symbols (and the position of a bad symbol). */
px_rc px_svc_org_settings_put(px_db *db, const px_actor *by, const px_settings_input *in,
                              px_serial_settings *out, px_err *err);
/* The caller's organization default; PX_ENOTFOUND "not_found" when none. */
px_rc px_svc_org_settings_get(px_db *db, const px_actor *by, px_serial_settings *out,
                              px_err *err);
/* PUT /v1/products/{gtin}/serial-settings: once per product. A market that requires
 * randomisation refuses SEQUENTIAL_NUMERIC (422, field strategy). */
px_rc px_svc_product_settings_put(px_db *db, const px_actor *by, const char *gtin,
                                  const px_settings_input *in, px_serial_settings *out,
                                  px_err *err);
/* The settings an allocation of the product would use: its own (*from_org = 0), else its
 * MAH's default (*from_org = 1); PX_ENOTFOUND "not_found" with neither. */
px_rc px_svc_product_settings_get(px_db *db, const px_actor *by, const char *gtin,
                                  px_serial_settings *out, int *from_org, px_err *err);

typedef struct px_alloc_request {
    const char *gtin;       /* as given in the path */
    long long count;        /* 1..1,000,000 */
    const char *label;      /* NULL or 1..200 printable characters */
    const char *for_org;    /* NULL, or (MAH) the CMO organization to allocate to */
} px_alloc_request;

typedef struct px_alloc_result {
    px_allocation allocation;
    px_job job;
} px_alloc_result;

/* POST /v1/products/{gtin}/allocations: checks access, settings (copying the organization's
 * at the first allocation), the market's rules, reserves the count on the product and queues
 * the job — one transaction with its audit entry. */
px_rc px_svc_allocate(px_db *db, const px_actor *by, const px_alloc_request *req,
                      px_alloc_result *out, px_err *err);

/* GET /v1/jobs/{id}: the job if the caller's organization created it, is its tenant (MAH,
 * auditor), or receives its serials; else PX_ENOTFOUND "not_found". */
px_rc px_svc_job_get(px_db *db, const px_actor *by, const char *id, px_job *out, px_err *err);

/* /metrics: queued, running and failed jobs of every tenant by kind and status. */
/* POST /v1/jobs/{id}/retry (job_retry.c): a failed job of the caller's organization queued
 * again; PX_ESTATE "job_not_failed" for one that is not failed. */
px_rc px_svc_job_retry(px_db *db, const px_actor *by, const char *id, px_job *out, px_err *err);
px_rc px_svc_job_counts(px_db *db, px_job_count_fn fn, void *ctx, px_err *err);

/* The allocation if the caller may read it (MAH/auditor: their products'; CMO: its own, on
 * an active partnership); else PX_ENOTFOUND "not_found". */
px_rc px_svc_allocation_get(px_db *db, const px_actor *by, const char *id, px_allocation *out,
                            px_err *err);
/* GET /v1/allocations/{id}/serials: one page of the allocation's serials in page->order. */
px_rc px_svc_allocation_serials_each(px_db *db, const px_actor *by, const char *id,
                                     const px_serial_page *page, px_serial_item_fn fn,
                                     void *ctx, px_err *err);

/* The runner (runners.def): one chunk of one allocation job per call, in one transaction. */
px_rc px_run_allocation(px_app *app, px_db *db, int *did_work, px_err *err);

#endif
