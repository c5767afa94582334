/* scan_buffer — public verification scans waiting to be written (docs/resolver.md "Speed").
 *
 * A verification of a known pack that raises nothing answers after one read; its scan joins
 * this buffer and the scan_flush runner writes the buffer in one statement every worker pass
 * (≈ 100 ms when idle). The clone rules of the next verification of the same serial see the
 * buffered scans too, so a scan is never missed for being unwritten. What can still be lost:
 * the scans of the last pass when the process is killed (never an alert: a scan that raises
 * one is written with it, durably, in its own transaction). */
#ifndef PX_SERVICE_SCAN_BUFFER_H
#define PX_SERVICE_SCAN_BUFFER_H

#include "scan_store.h"
#include "service.h"

/* When the buffer holds this many scans, the verification that finds it full writes it
 * itself (back-pressure instead of unbounded memory). */
#define PX_SCAN_BUFFER_MAX 20000

typedef struct px_scan_buffer px_scan_buffer;

px_rc px_scan_buffer_new(px_scan_buffer **out, px_err *err);
void px_scan_buffer_free(px_scan_buffer *b);

/* The client hash as the database computes it (hex SHA-256 of the salt and the address); the
 * salt is read once. */
px_rc px_scan_buffer_client_hash(px_scan_buffer *b, px_db *db, const char *addr,
                                 char out[PX_SHA256_HEX_LEN + 1], px_err *err);

/* Scans lost since start: a write of the buffer failed and the buffer had no room left to
 * keep them for the next one (each loss also logged at error level; /metrics). */
unsigned long px_scan_buffer_lost(px_scan_buffer *b);

/* Adds r: 0 when added (*full = 1 once the buffer reached PX_SCAN_BUFFER_MAX: the caller then
 * writes it), -1 when there was no room (the caller writes the buffer and adds r again). */
int px_scan_buffer_push(px_scan_buffer *b, const px_scan_rec *r, int *full);

/* The buffered scans of (gtin, serial) at or after since_us, appended to rows up to max. */
void px_scan_buffer_history(px_scan_buffer *b, const char *gtin, const char *serial,
                            int64_t since_us, px_scan_row *rows, int *n, int max);

/* How many scans wait or are being written. */
size_t px_scan_buffer_count(px_scan_buffer *b);

/* Writes and empties the buffer (live connections only); *written = how many. The scans
 * written stay in px_scan_buffer_history's answers until the next flush (a duplicate of a row
 * the database also returns moves no clone rule); a second flush waits for the first, 10 s at
 * most (then PX_EUNAVAIL). */
px_rc px_scan_buffer_flush(px_scan_buffer *b, px_db *db, size_t *written, px_err *err);

/* The runner (runners.def): px_scan_buffer_flush of app's buffer. */
px_rc px_run_scan_flush(px_app *app, px_db *db, int *did_work, px_err *err);

#endif
