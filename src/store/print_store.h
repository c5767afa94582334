/* print_store — SQL of server secrets, print manifests (exports) and print jobs
 * (docs/print.md). */
#ifndef PX_PRINT_STORE_H
#define PX_PRINT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A print job's free text (docs/api.md "Print jobs"): the line and the operator are required,
 * a reprint's reason optional; printable characters, at most these many bytes. */
#define PX_PRINT_LINE_MAX 64
#define PX_PRINT_OPERATOR_MAX 100
#define PX_PRINT_REASON_MAX 200

/* ---- server secret ------------------------------------------------------------------- */

/* The named secret (32 random bytes), created once by whichever process asks first (the
 * proposal is inserted ON CONFLICT DO NOTHING and the stored one read back). proposal NULL:
 * read only (a secret a migration made: no write on a read path, which may be a standby). */
px_rc px_store_secret_get(px_db *db, uint8_t out[32], const char *name, const uint8_t proposal[32],
                          px_err *err);

/* ---- packs as the print paths see them ---------------------------------------------------- */

typedef struct px_print_pack {
    char gtin[15];
    char serial[21];
    char state[16];
    char batch[21]; /* "" when not commissioned */
    char expiry[7];
    char allocated_to[PX_ID_LEN + 1];
    char commissioned_by[PX_ID_LEN + 1];
    int released; /* released_at is set */
} px_print_pack;

/* ---- exports -------------------------------------------------------------------------- */

typedef struct px_export {
    char id[PX_ID_LEN + 1];
    char job_id[PX_ID_LEN + 1];
    char org_id[PX_ID_LEN + 1];
    char key_id[PX_ID_LEN + 1]; /* "" for the CLI */
    char tenant_id[PX_ID_LEN + 1];
    char gtin[15];
    char allocation_id[PX_ID_LEN + 1]; /* "" for a batch export */
    char batch[21];                    /* "" for an allocation export */
    char run_batch[21];                /* allocation export: the production run's batch and */
    char run_expiry[7];                /* expiry for rows not yet commissioned ("" if none) */
    char scope_org[PX_ID_LEN + 1];     /* "" = every serial of the selection */
    char format[8];                    /* csv | jsonl */
    char gs_style[8];                  /* escape | tag */
    char status[16];                   /* queued | running | completed | failed */
    long long count;                   /* -1 until completed */
    char filename[201];
    char error[PX_ERR_MSG_MAX]; /* the failure's message whole, as the job keeps it */
    char created_at[32];
    char finished_at[32];
    /* the product, for rendering rows */
    int gcp_len;
    char nhrn_ai[4];
    char nhrn_value[21];
} px_export;

/* Inserts the job (kind export) and the export row, created at now_us (the service's clock:
 * the export's times are compared with releases', px_store_export_released); e->id and
 * e->job_id are set by the caller. The job row keeps the database's time, as every job's (its
 * claim order and pauses are the queue's, compared with the database's now()). */
px_rc px_store_export_insert(px_db *db, px_export *e, int64_t now_us, px_err *err);
/* The export by id (with its product's fields); PX_ENOTFOUND "not_found". */
px_rc px_store_export_get(px_db *db, px_export *out, const char *id, px_err *err);
/* A failed export queued again (its job: px_store_job_requeue): its error and end cleared. */
px_rc px_store_export_requeue(px_db *db, const char *export_id, px_err *err);
/* In the caller's transaction: claims one runnable export job (FOR UPDATE SKIP LOCKED); an
 * allocation export waits until its allocation's job is no longer queued or running.
 * *found = 0 when there is none. *alloc_failed = 1 when the allocation's job failed. */
px_rc px_store_export_claim(px_db *db, px_export *out, int *found, int *alloc_failed, px_err *err);
/* In the caller's transaction: freezes the selection into export_item and completes the
 * export (finished at now_us) and its job with the count. */
px_rc px_store_export_freeze(px_db *db, px_export *e, int64_t now_us, px_err *err);
/* In the caller's transaction: marks the export (finished at now_us) and its job failed with
 * message. */
px_rc px_store_export_fail(px_db *db, const px_export *e, const char *message, int64_t now_us,
                           px_err *err);

typedef struct px_export_row {
    long long n; /* 1..count */
    char serial[21];
    char batch[21];
    char expiry[7];
    int released; /* a CMO's export: the pack was released since the freeze (PX__CMO_SEES) */
} px_export_row;
typedef int (*px_export_row_fn)(void *ctx, const px_export_row *row);
/* How many rows of a CMO's export (e->scope_org set) name a pack released since the export
 * was frozen: the CMO no longer sees those (PX__CMO_SEES). 0 for a MAH's export. */
px_rc px_store_export_released(px_db *db, const px_export *e, long long *n, px_err *err);
/* Rows n > after_n, at most limit, in order; fn returns non-zero to stop. */
px_rc px_store_export_rows(px_db *db, const px_export *e, long long after_n, long limit,
                           px_export_row_fn fn, void *ctx, px_err *err);

/* ---- print jobs ------------------------------------------------------------------------- */

typedef struct px_print_job {
    char id[PX_ID_LEN + 1];
    char org_id[PX_ID_LEN + 1];
    char key_id[PX_ID_LEN + 1];
    char tenant_id[PX_ID_LEN + 1];
    char gtin[15];
    char line[PX_PRINT_LINE_MAX + 1];
    char operator_name[PX_PRINT_OPERATOR_MAX + 1];
    int reprint;
    char reason[PX_PRINT_REASON_MAX + 1];
    char batch[21];
    char expiry[7];
    long count;
    char created_at[32];
    int64_t created_at_us;
} px_print_job;

/* Locks (FOR UPDATE) the listed serials of gtin and calls fn for each one found, with its
 * index in serials and whether it has a first print already (printed) — fn returns non-zero
 * to stop. */
typedef int (*px_print_pack_fn)(void *ctx, size_t index, const px_print_pack *p, int printed);
px_rc px_store_print_packs_lock(px_db *db, const char *gtin, const char *const *serials, size_t n,
                                px_print_pack_fn fn, void *ctx, px_err *err);
/* Inserts the job and one print_job_serial row per serial (one statement); a serial printed
 * before (without reprint) is PX_EEXISTS. */
px_rc px_store_print_job_insert(px_db *db, px_print_job *j, const char *const *serials, size_t n,
                                px_err *err);
/* The indexes into serials[] (n of gtin, in order, malloc'd into *idx; NULL when none) of the
 * serials whose label carries a batch other than batch: the newest print job's with a batch
 * (first print or reprint), else the newest production run manifest's (an allocation's
 * export with its batch, not failed). org_id not NULL: only the serials allocated to it, still
 * allocated, are asked about (a caller learns nothing of another's labels); NULL: every one.
 * One probe of the GTIN's print jobs and exports first; only when one names another batch are
 * the serials sent and read. checked (n entries, may be NULL): 1 for each serial whose label
 * this answer vouches for (every one when no label of the GTIN names another batch; else
 * those it read: org_id's), 0 for the others. */
px_rc px_store_printed_other_batch(px_db *db, const char *gtin, const char *batch,
                                   const char *org_id, const char *const *serials, size_t n,
                                   unsigned char *checked, size_t **idx, size_t *n_idx,
                                   px_err *err);
/* *n: how many serials of allocation_id (of gtin), still allocated, carry a print job's label
 * with a batch other than batch (their newest print job with a batch). */
px_rc px_store_allocation_printed_other_batch(px_db *db, const char *gtin,
                                              const char *allocation_id, const char *batch,
                                              long long *n, px_err *err);
/* How many print jobs and production run manifests the GTIN has (neither table loses rows: a
 * count that has not moved means none was written in between). */
px_rc px_store_label_writes(px_db *db, const char *gtin, long long *n, px_err *err);
/* The print job; PX_ENOTFOUND "not_found". */
px_rc px_store_print_job_get(px_db *db, px_print_job *out, const char *id, px_err *err);

typedef struct px_print_job_filter {
    const char *tenant_id; /* NULL: any (then org_id is set) */
    const char *org_id;    /* NULL: any */
    const char *gtin;      /* NULL: any */
    const char *serial;    /* NULL: any (with gtin) */
    int64_t after_us;      /* keyset: (created_at, id) > (after_us, after_id) */
    const char *after_id;  /* NULL/"" = from the start */
    long limit;
} px_print_job_filter;
typedef int (*px_print_job_fn)(void *ctx, const px_print_job *j);
px_rc px_store_print_jobs_each(px_db *db, const px_print_job_filter *f, px_print_job_fn fn,
                               void *ctx, px_err *err);

/* The serials of a job after `after`, serial order, at most limit. */
typedef int (*px_print_serial_fn)(void *ctx, const char *serial);
px_rc px_store_print_job_serials(px_db *db, const char *job_id, const char *after, long limit,
                                 px_print_serial_fn fn, void *ctx, px_err *err);

#endif
