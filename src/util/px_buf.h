/* px_buf — a growable byte buffer with a hard maximum (curl's dynbuf idea): hitting the
 * maximum is a named error (PX_ETOOBIG), never silent truncation or unbounded growth.
 * The content is always NUL-terminated so it can be used as a C string. */
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
} px_buf;

void px_buf_init(px_buf *b, size_t max);
void px_buf_dispose(px_buf *b);
void px_buf_reset(px_buf *b);
px_rc px_buf_add(px_buf *b, const void *data, size_t len);
px_rc px_buf_puts(px_buf *b, const char *s);
px_rc px_buf_printf(px_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
px_rc px_buf_vprintf(px_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the NUL-terminated data to the caller (free() it); the buffer is left empty. */
char *px_buf_take(px_buf *b);

#endif
