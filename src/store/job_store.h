/* job_store — the job table in PostgreSQL: the background work of allocations, exports,
 * print manifests and carrier batches, each claimed by its runner (docs/pool.md "The job
 * runner"). The claims themselves are the kinds' own (pool_store.h, print_store.h,
 * carrier_store.h), written with store_internal.h's PX__JOB_* fragments. */
#ifndef PX_JOB_STORE_H
#define PX_JOB_STORE_H

#include "px_err.h"
#include "store.h"

typedef struct px_job {
    char id[PX_ID_LEN + 1];
    char kind[32];
    char status[16]; /* queued | running | completed | failed */
    long long total, done;
    char error[256];            /* "" unless failed */
    char org_id[PX_ID_LEN + 1]; /* who created it */
    char tenant_id[PX_ID_LEN + 1];
    char created_at[32], started_at[32], finished_at[32];
    char gtin[15]; /* the product the job works on (allocation or export) */
    /* The id of what the job works on, by its kind: the allocation, export, carrier batch or
     * SSCC allocation ("" for none), so a job found in a list leads to it. */
    char object_id[PX_ID_LEN + 1];
} px_job;

/* Inserts a queued job of kind, total units, for org_id in tenant_id (the MAH whose work it is)
 * into *out: the row as stored (id, status, created_at). */
px_rc px_store_job_insert(px_db *db, const char *kind, long total, const char *org_id,
                          const char *tenant_id, px_job *out, px_err *err);
/* The job if org_id may see it: it created the job, is the job's tenant (the MAH), or the
 * job allocates serials to it; all_orgs = 1 skips the check. PX_ENOTFOUND "not_found". */
px_rc px_store_job_get(px_db *db, px_job *out, const char *id, const char *org_id, int all_orgs,
                       px_err *err);

/* px_store_job_get for org_id, the row locked to the end of the transaction (a retry: no
 * runner or other retry changes it meanwhile). */
px_rc px_store_job_lock(px_db *db, px_job *out, const char *id, const char *org_id, px_err *err);
/* A failed job queued again with done units already done: its error, tries and end cleared
 * (POST /v1/jobs/{id}/retry). A job that is not failed is left as it is. */
px_rc px_store_job_requeue(px_db *db, const char *job_id, long long done, px_err *err);

/* Marks a job that ran inside the request's own transaction as completed. */
px_rc px_store_job_complete_now(px_db *db, const char *job_id, px_err *err);

/* done += n; completed when done reaches total (status, finished_at). */
px_rc px_store_job_advance(px_db *db, const char *job_id, long long n, int *completed, px_err *err);
/* status failed with error (the message shown by GET /v1/jobs/{id}), if the job is still
 * queued or running (*changed = 1; *undone = total - done as the job row says then). */
px_rc px_store_job_fail(px_db *db, const char *job_id, const char *error, int *changed,
                        long long *undone, px_err *err);
/* Counts a failed try of job job_id (why: its last error, shown while it waits) and holds it
 * back from its runner's claim (not_before) for a pause that doubles with each try: 0.5, 1,
 * 2, 4 s … *tries: the tries failed so far, 0 when the job had already ended. */
px_rc px_store_job_failed_try(px_db *db, const char *job_id, const char *why, int *tries,
                              px_err *err);
/* The error GET /v1/jobs/{id} shows for job job_id (a job its runner ended as failed). */
px_rc px_store_job_error_set(px_db *db, const char *job_id, const char *error, px_err *err);
/* A try of job job_id begins: its started_at is set now (the database's clock, as every time
 * of the job row) unless an earlier try set it, outside the try's savepoint so that a failed
 * try keeps it: the job started when its first try did. */
px_rc px_store_job_started(px_db *db, const char *job_id, px_err *err);
/* After a try of job job_id that did its work: the failed tries before it are forgotten (the
 * count is of tries in a row) and their error with them. */
px_rc px_store_job_try_ok(px_db *db, const char *job_id, px_err *err);

/* The jobs that are queued, running or failed, counted by kind and status (completed ones are
 * not counted: they only grow). fn returns non-zero to stop. */
typedef int (*px_job_count_fn)(void *ctx, const char *kind, const char *status, long long n);
px_rc px_store_job_counts(px_db *db, px_job_count_fn fn, void *ctx, px_err *err);

#endif
