/* stream — responses produced piece by piece (MHD_create_response_from_callback), for bodies
 * too large to hold in memory: print manifest downloads (docs/print.md), EPCIS 2.0 query pages
 * (docs/epcis.md "Streamed answers"). */
#ifndef PX_HTTP_STREAM_H
#define PX_HTTP_STREAM_H

#include "request.h"

/* Appends the next piece of the body to out; sets *eof when nothing is left. A failure after
 * the status line went out can only cut the connection (the client sees a truncated chunked
 * body, never a complete-looking file). */
typedef px_rc (*px_stream_next_fn)(void *ctx, px_buf *out, int *eof, px_err *err);
typedef void (*px_stream_free_fn)(void *ctx);

/* Queues a streamed response (chunked transfer encoding). filename, when not NULL, is sent
 * as Content-Disposition: attachment. ctx is freed with free_fn when the response is
 * destroyed (also when the client goes away). */
void px_reply_stream(px_req *r, int status, const char *content_type, const char *filename,
                     px_stream_next_fn next, px_stream_free_fn free_fn, void *ctx);

/* At the request's end (server.c): a streamed answer the server cut (its idle timeout, its
 * stop) is logged at error level and counted, as a failed piece is. */
void px__stream_ended(const px_req *r, enum MHD_RequestTerminationCode toe);
/* Streamed responses cut so far by a failure after their headers went out (metrics.c). */
unsigned long px_stream_cut_total(void);

#endif
