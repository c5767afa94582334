/* verify_batch — the public verifications' reads, shared (docs/resolver.md "Speed").
 *
 * Every public verification and resolver hit reads its pack, product, open alert and recent
 * scans in one statement, and PostgreSQL spends most of such a read starting the statement's
 * plan, not probing its indexes. The HTTP threads do not wait for that read: a request that
 * can take the fast path hands its read to this batch and parks (libmicrohttpd's suspended
 * connection); a reader (PACKID_VERIFY_READERS threads, each one statement at a time) reads
 * for every request waiting at that moment in one statement
 * (px_store_scan_lookup_many, up to PX_SCAN_LOOKUP_MAX serials), at one instant, and wakes
 * each request, which goes on with px_svc_public_verify as if it had read for itself. Under
 * load a statement serves tens of requests; a request waits for a reader to be free, if none
 * is, and for its own statement. At most PX_VERIFY_QUEUE_MAX requests wait: beyond, a request
 * reads for itself. */
#ifndef PX_SERVICE_VERIFY_BATCH_H
#define PX_SERVICE_VERIFY_BATCH_H

#include <stdatomic.h>

#include "scan_store.h"
#include "service.h"

typedef struct px_verify_batch px_verify_batch;

#define PX_VERIFY_QUEUE_MAX 4096

/* One request's read, owned by the request (it must outlive the call of ready). */
typedef struct px_verify_prefetch {
    char gtin[15];   /* the normalised GTIN */
    char serial[21]; /* the serial (GS1 AI 21) */
    px_scan_lookup lookup;
    /* The serial's buffered scans (scan_buffer.h) taken just before the statement: a scan a
     * flush writes while the statement runs is in one or the other. */
    px_scan_row buffered[PX_SCAN_HISTORY_MAX];
    int nbuffered;
    /* 0 while queued; 1 once the batch has read (lookup, or rc says why not), set before
     * ready is called; -1 when submit did not queue it (the batch had stopped, or the queue
     * was full) */
    _Atomic int done;
    int64_t at_us;    /* the instant of the read: the scan's time */
    int64_t since_us; /* the window's start the history was read from */
    px_rc rc;
    px_err err;
    /* Called once from a reader's thread when the read is done (or failed); the request may
     * be gone from the caller's hands as soon as it is called. */
    void (*ready)(void *arg);
    void *arg;
    struct px_verify_prefetch *next; /* the batch's queue */
} px_verify_prefetch;

/* Starts the batch's readers (app's PACKID_VERIFY_READERS threads); each takes a connection of
 * app's pool for each statement and reads the history as far back as the clone rules' longest
 * window (px_svc_scan_window_us). */
px_rc px_verify_batch_start(px_verify_batch **out, px_app *app, px_err *err);
/* Reads what waits, calls each ready, then ends the threads (NULL-safe). Later submissions are
 * refused. */
void px_verify_batch_stop(px_verify_batch *vb);
/* Frees a stopped batch (NULL-safe), once no thread can submit to it any more. */
void px_verify_batch_free(px_verify_batch *vb);

/* Queues p's read: 0, and p->ready is called once it is done; -1 when the batch has stopped
 * or PX_VERIFY_QUEUE_MAX requests wait (nothing queued, ready is not called). */
int px_verify_batch_submit(px_verify_batch *vb, px_verify_prefetch *p);

/* Reads tried (statements sent, or a connection not found for one) and the requests they
 * answered since start (/metrics). */
void px_verify_batch_stats(px_verify_batch *vb, unsigned long *reads, unsigned long *items);

#endif
