/* px_buf — a growable byte buffer with a hard maximum (curl's dynbuf idea): hitting the
 * maximum is a named error (PX_ETOOBIG), never silent truncation or unbounded growth.
 * The content is always NUL-terminated so it can be used as a C string.
 *
 * Failure is sticky (pgbouncer's pktbuf idea): after the first append that does not fit
 * (PX_ETOOBIG) or cannot allocate (PX_EINTERNAL), every later append returns that same code
 * and changes nothing, so a builder may append a run of pieces and check once with
 * px_buf_failed(). The content is what it was before the failed append. px_buf_reset and
 * px_buf_dispose start over. */
#ifndef PX_BUF_H
#define PX_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "px_err.h"

typedef struct px_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    px_rc failed; /* PX_OK, or the first failure; every append returns it from then on */
} px_buf;

void px_buf_init(px_buf *b, size_t max);
/* Frees the data; the buffer is empty and not failed (NULL-safe). */
void px_buf_dispose(px_buf *b);
/* Empties the buffer and clears a failure; the allocation is kept. */
void px_buf_reset(px_buf *b);
px_rc px_buf_add(px_buf *b, const void *data, size_t len);
px_rc px_buf_puts(px_buf *b, const char *s);
/* Appends s as text of an HTML or XML document, in content or a quoted attribute alike: & < > "
 * and ' as &amp; &lt; &gt; &quot; &#39; (XML 1.0 §2.4 and §4.6; HTML's named references of
 * the same characters), every other byte as it is. */
px_rc px_buf_put_markup(px_buf *b, const char *s);
/* Appends s percent-encoded (RFC 3986 §2.1): every byte but the unreserved characters
 * (px_uri_unreserved) and those in also. */
px_rc px_buf_put_pct(px_buf *b, const char *s, const char *also);
px_rc px_buf_printf(px_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
px_rc px_buf_vprintf(px_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* PX_OK, or the failure of the first append that failed since init or the last reset. */
px_rc px_buf_failed(const px_buf *b);
/* Hands the NUL-terminated data to the caller (free() it); the buffer is left empty and not
 * failed. NULL when no memory. Check px_buf_failed() first: a failed buffer hands over the
 * content it had before its first failure. */
char *px_buf_take(px_buf *b);

#endif
