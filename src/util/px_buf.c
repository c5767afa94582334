#include "px_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_str.h"

void px_buf_init(px_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void px_buf_dispose(px_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = PX_OK;
}

void px_buf_reset(px_buf *b)
{
    b->len = 0;
    b->failed = PX_OK;
    if (b->data)
        b->data[0] = '\0';
}

/* Records the first failure; every later append returns it. */
static px_rc fail(px_buf *b, px_rc rc)
{
    b->failed = rc;
    return rc;
}

static px_rc reserve(px_buf *b, size_t extra)
{
    if (b->failed != PX_OK)
        return b->failed;
    if (extra > b->max || b->len > b->max - extra)
        return fail(b, PX_ETOOBIG);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return PX_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return fail(b, PX_EINTERNAL);
    b->data = p;
    b->cap = cap;
    return PX_OK;
}

px_rc px_buf_add(px_buf *b, const void *data, size_t len)
{
    px_rc rc = reserve(b, len);
    if (rc != PX_OK)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return PX_OK;
}

px_rc px_buf_puts(px_buf *b, const char *s)
{
    return px_buf_add(b, s, strlen(s));
}

px_rc px_buf_put_markup(px_buf *b, const char *s)
{
    for (const char *run = s;; s++) {
        const char *ref = *s == '&'    ? "&amp;"
                          : *s == '<'  ? "&lt;"
                          : *s == '>'  ? "&gt;"
                          : *s == '"'  ? "&quot;"
                          : *s == '\'' ? "&#39;"
                                       : NULL;
        if (!ref && *s)
            continue;
        px_buf_add(b, run, (size_t)(s - run)); /* the run of plain bytes before s */
        if (!ref)
            return b->failed;
        px_buf_puts(b, ref);
        run = s + 1;
    }
}

px_rc px_buf_put_pct(px_buf *b, const char *s, const char *also)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (px_uri_unreserved(*p) || strchr(also, *p)) {
            px_buf_add(b, p, 1);
        } else {
            char e[4];
            px_pct_byte(e, *p);
            px_buf_add(b, e, 3);
        }
    }
    return b->failed;
}

px_rc px_buf_vprintf(px_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (b->failed != PX_OK)
        return b->failed;
    if (n < 0)
        return fail(b, PX_EINTERNAL);
    px_rc rc = reserve(b, (size_t)n);
    if (rc != PX_OK)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return PX_OK;
}

px_rc px_buf_printf(px_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    px_rc rc = px_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

px_rc px_buf_failed(const px_buf *b)
{
    return b->failed;
}

char *px_buf_take(px_buf *b)
{
    if (!b->data) {
        /* An empty buffer still hands over "" (a NUL-terminated string). */
        b->data = malloc(1);
        if (!b->data)
            return NULL;
        b->data[0] = '\0';
    }
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = PX_OK;
    return p;
}
