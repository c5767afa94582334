#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_log.h"
#include "px_str.h"
#include "stream.h"

#define STREAM_BLOCK (64 * 1024)  /* what MHD asks for per call */
/* One piece must fit: up to 512 KiB of events and then one more whole event. The largest is a
 * commissioning of 100,000 serials (PX_COMMISSION_MAX_SERIALS, a captured event's EPC bound
 * too) whose every serial character a Digital Link escapes: ~110 bytes an EPC, ~11 MB. */
#define STREAM_BUF_MAX (16u << 20)

/* Streamed responses cut by a failure after their headers (packid_http_streams_cut_total). */
static atomic_ulong streams_cut;

unsigned long px_stream_cut_total(void)
{
    return atomic_load(&streams_cut);
}

typedef struct {
    px_stream_next_fn next;
    px_stream_free_fn free_fn;
    void *ctx;
    px_buf buf;
    size_t off;
    int eof;
    char rid[sizeof(((px_req *)0)->rid)]; /* the request's id whole, for the log line */
} stream;

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    stream *s = cls;
    /* Refill until there is something to send: returning 0 would make MHD poll us again. */
    while (s->off == s->buf.len) {
        if (s->eof)
            return MHD_CONTENT_READER_END_OF_STREAM;
        px_buf_reset(&s->buf);
        s->off = 0;
        px_err err = PX_ERR_INIT;
        if (s->next(s->ctx, &s->buf, &s->eof, &err) != PX_OK) {
            char fields[PX_ERR_MSG_MAX * 2 + 160], msg[PX_ERR_MSG_MAX * 2];
            px_json_escape(msg, sizeof(msg), err.message);
            snprintf(fields, sizeof(fields), "\"rid\":\"%s\",\"detail\":\"%s\"", s->rid, msg);
            px_log(PX_LOG_ERROR, "streamed response cut", fields);
            atomic_fetch_add(&streams_cut, 1);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
    }
    size_t n = s->buf.len - s->off;
    if (n > max)
        n = max;
    memcpy(out, s->buf.data + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void release(void *cls)
{
    stream *s = cls;
    if (s->free_fn)
        s->free_fn(s->ctx);
    px_buf_dispose(&s->buf);
    free(s);
}

void px_reply_stream(px_req *r, int status, const char *content_type, const char *filename,
                     px_stream_next_fn next, px_stream_free_fn free_fn, void *ctx)
{
    stream *s = calloc(1, sizeof(*s));
    if (!s) {
        if (free_fn)
            free_fn(ctx);
        px_reply_oom(r);
        return;
    }
    s->next = next;
    s->free_fn = free_fn;
    s->ctx = ctx;
    px_strlcpy(s->rid, r->rid, sizeof(s->rid));
    px_buf_init(&s->buf, STREAM_BUF_MAX);
    if (r->response)
        MHD_destroy_response(r->response);
    r->response =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, reader, s, release);
    if (!r->response) {
        release(s);
        px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
        return;
    }
    MHD_add_response_header(r->response, "Content-Type", content_type);
    MHD_add_response_header(r->response, "X-Request-Id", r->rid);
    if (filename)
        px_reply_download_headers(r, filename);
    else
        MHD_add_response_header(r->response, "Cache-Control", "no-store");
    r->status = status;
    r->streamed = 1;
}

void px__stream_ended(const px_req *r, enum MHD_RequestTerminationCode toe)
{
    /* The server's side of a cut: a client that left ended its own answer (the request's log
     * line says "aborted"); a failed piece was counted by reader(). */
    const char *why = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED
                          ? "nothing went out for the idle timeout (the client read nothing, or "
                            "the server took that long to make a piece)"
                      : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "the server stopped"
                                                                      : NULL;
    if (!r->streamed || !why)
        return;
    char fields[400];
    snprintf(fields, sizeof(fields), "\"rid\":\"%s\",\"detail\":\"%s\"", r->rid, why);
    px_log(PX_LOG_ERROR, "streamed response cut", fields);
    atomic_fetch_add(&streams_cut, 1);
}
