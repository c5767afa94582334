/* print — what a packaging line needs to print packs (docs/print.md):
 *   - the carriers of one pack (GS1 DataMatrix, Digital Link QR, element string, HRI, EPC);
 *   - print manifests (exports) of an allocation or a batch, frozen by a background job and
 *     downloaded through a short-lived link signed with HMAC-SHA256;
 *   - print jobs: who printed which serials, when, on which line; a serial is printed once
 *     unless a reprint (damaged label) is asked for, and reprints are recorded. */
#ifndef PX_PRINT_H
#define PX_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "carrier.h"
#include "gs1.h"
#include "print_store.h"
#include "px_buf.h"
#include "service.h"
#include "signed_link.h"

/* ---- carriers of a pack ----------------------------------------------------------------- */

typedef struct px_pack_carrier {
    char gtin[15];
    char serial[21];
    char batch[21]; /* "" when not commissioned */
    char expiry[7];
    char element_string[256]; /* GS (0x1D) between elements */
    char hri[256];            /* bracketed: "(" in data as "\(", read back by gs1_parse */
    char hri_text[256];       /* the printed HRI: "(01) … (21) …", data as it is */
    char digital_link[GS1_DL_MAX + 1];
    char epc[GS1_EPC_URI_MAX + 1];
} px_pack_carrier;

/* The pack's carrier data if the actor may see the pack (the pack visibility rule: a MAH its
 * products' packs; a CMO its serials, allocated or commissioned, not released); else PX_ENOTFOUND
 * "not_found". gtin as given (normalised), serial 1..20 characters of set 82. */
px_rc px_svc_pack_carrier(px_db *db, const px_app *app, const px_actor *by, const char *gtin,
                          const char *serial, px_pack_carrier *out, px_err *err);

/* The carrier data of a pack already read and already known visible to the caller (the carrier
 * batch job reads a chunk of packs in one statement). */
px_rc px_svc_pack_carrier_of(px_pack_carrier *out, const px_app *app, const px_product *prod,
                             const px_print_pack *pk, px_err *err);

typedef enum px_symbol_kind {
    PX_SYMBOL_DATAMATRIX = 0, /* GS1 DataMatrix of the element string */
    PX_SYMBOL_QR              /* QR Code of the Digital Link URI */
} px_symbol_kind;

/* Renders the pack's symbol (opts->format PNG or SVG) into out. */
px_rc px_svc_pack_symbol(px_db *db, const px_app *app, const px_actor *by, const char *gtin,
                         const char *serial, px_symbol_kind kind, const px_carrier_opts *opts,
                         px_buf *out, px_err *err);

/* ---- exports (print manifests) ----------------------------------------------------------- */

typedef struct px_export_request {
    const char *allocation_id; /* either this … */
    const char *gtin;          /* … or gtin + batch */
    const char *batch;         /* with gtin: the batch to export; with allocation_id: the
                                * production run's batch for serials not yet commissioned */
    const char *expiry;        /* with allocation_id and batch: the run's expiry, YYMMDD */
    int jsonl;      /* 1: JSON Lines instead of CSV */
    const char *gs; /* NULL/"escape": \u001d; "tag": <GS> */
} px_export_request;

/* POST /v1/exports: checks access to the allocation or batch and queues the export job — one
 * transaction with its audit entry. */
px_rc px_svc_export_create(px_db *db, const px_actor *by, const px_export_request *req,
                           px_export *out, px_err *err);

/* GET /v1/exports/{id}: the export if the caller's organization asked for it, or (MAH) it is
 * on one of its products; a fresh signed link when completed. */
px_rc px_svc_export_get(px_db *db, const px_app *app, const px_actor *by, const char *id,
                        px_export *out, px_export_link *link, px_err *err);

/* The download of a signed link, streamed page by page. Each page borrows a pool connection
 * only while it is read, so memory and connections stay bounded whatever the size. */
typedef struct px_export_stream px_export_stream;

/* Verifies the link (constant-time HMAC, then expiry): a bad or tampered link is
 * PX_EFORBIDDEN "forbidden", an expired one PX_EFORBIDDEN "link_expired"; an export that is
 * not (or no longer) downloadable answers as a bad link, so nothing leaks. */
px_rc px_svc_export_open(px_db *db, px_app *app, const char *id, const char *expires,
                         const char *sig, px_export_stream **out, px_err *err);
/* The file name and content type of the download. */
const char *px_export_stream_filename(const px_export_stream *s);
const char *px_export_stream_content_type(const px_export_stream *s);
/* Appends the next part of the file (the header, then one page of rows) to out; *eof = 1
 * when nothing is left. */
px_rc px_export_stream_next(px_export_stream *s, px_buf *out, int *eof, px_err *err);
void px_export_stream_free(px_export_stream *s);

/* The runner (runners.def): freezes one export's selection per call. */
px_rc px_run_export(px_app *app, px_db *db, int *did_work, px_err *err);

/* ---- print jobs -------------------------------------------------------------------------- */

#define PX_PRINT_MAX 100000 /* serials per job */

typedef struct px_print_request {
    const char *gtin;
    const char *const *serials;
    size_t n_serials;
    const char *line;          /* 1..PX_PRINT_LINE_MAX printable characters */
    const char *operator_name; /* 1..PX_PRINT_OPERATOR_MAX printable characters */
    int reprint;               /* damaged labels: every serial printed before */
    const char *reason;        /* reprints: why (default "damaged") */
    const char *batch;         /* optional: the batch printed (with expiry) */
    const char *expiry;        /* optional: YYMMDD */
} px_print_request;

/* One refused serial of a print request. */
typedef struct px_print_item_error {
    size_t index;
    char code[32];
    char message[120];
} px_print_item_error;

typedef struct px_print_result {
    px_print_job job;
    px_print_item_error *errors; /* malloc'd, every refused serial, index order */
    size_t n_errors;
} px_print_result;

/* POST /v1/print-jobs — all or nothing, one transaction with its audit entry. Refusals with
 * res->errors: PX_ENOTFOUND "not_found" (serials the caller does not know), PX_EINVALID
 * "validation_error" (bad serials, missing batch or expiry, batch mismatch), PX_EEXISTS
 * "already_printed", PX_ESTATE "not_printed" (a reprint of a serial never printed). */
px_rc px_svc_print_job_create(px_db *db, const px_actor *by, const px_print_request *req,
                              px_print_result *res, px_err *err);
void px_print_result_dispose(px_print_result *res);

/* GET /v1/print-jobs/{id}: the job if the caller's organization made it or (MAH) it is on one
 * of its products. */
px_rc px_svc_print_job_get(px_db *db, const px_actor *by, const char *id, px_print_job *out,
                           px_err *err);
/* GET /v1/print-jobs?gtin=&serial=: the jobs the caller may see, oldest first. after is a
 * cursor text "<created_at_us>|<id>" or "". */
px_rc px_svc_print_jobs_each(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                             const char *after, long limit, px_print_job_fn fn, void *ctx,
                             px_err *err);
/* GET /v1/print-jobs/{id}/serials. */
px_rc px_svc_print_job_serials(px_db *db, const px_actor *by, const char *id, const char *after,
                               long limit, px_print_serial_fn fn, void *ctx, px_err *err);

#endif
