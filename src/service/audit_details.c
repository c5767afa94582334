#include <stdio.h>
#include <string.h>

#include "audit_details.h"
#include "px_jsonw.h"

void px_audit_details_init(px_audit_details *d)
{
    px_buf_init(&d->buf, PX_AUDIT_DETAILS_MAX);
    d->failed = px_buf_add(&d->buf, "{", 1) != PX_OK;
    d->first = 1;
    d->items = 0;
}

void px_audit_details_dispose(px_audit_details *d)
{
    px_buf_dispose(&d->buf);
    d->failed = 0;
}

static void put(px_audit_details *d, const char *s, size_t n)
{
    if (d && !d->failed && px_buf_add(&d->buf, s, n) != PX_OK)
        d->failed = 1;
}

static void put_string(px_audit_details *d, const char *s)
{
    if (d && !d->failed && px_jsonw_string(&d->buf, s) != PX_OK)
        d->failed = 1;
}

static void put_key(px_audit_details *d, const char *key)
{
    if (d && !d->first)
        put(d, ",", 1);
    if (d)
        d->first = 0;
    put_string(d, key);
    put(d, ":", 1);
}

void px_audit_str(px_audit_details *d, const char *key, const char *value)
{
    put_key(d, key);
    if (value)
        put_string(d, value);
    else
        put(d, "null", 4);
}

void px_audit_int(px_audit_details *d, const char *key, long long value)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", value);
    put_key(d, key);
    put(d, num, (size_t)n);
}

void px_audit_bool(px_audit_details *d, const char *key, int value)
{
    put_key(d, key);
    put(d, value ? "true" : "false", value ? 4 : 5);
}

void px_audit_strs(px_audit_details *d, const char *key, const char *const *values, size_t n)
{
    put_key(d, key);
    put(d, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(d, ",", 1);
        put_string(d, values[i]);
    }
    put(d, "]", 1);
}

void px_audit_same(px_audit_details *dst, const px_audit_details *src)
{
    if (!dst || !src || src->failed || src->buf.len <= 1)
        return;
    if (!dst->first)
        put(dst, ",", 1);
    put(dst, src->buf.data + 1, src->buf.len - 1); /* its members, after the '{' */
    dst->first = 0;
}

void px_audit_list(px_audit_details *d, const char *key)
{
    put_key(d, key);
    put(d, "[", 1);
    if (d)
        d->items = 0;
}

void px_audit_item(px_audit_details *d)
{
    if (!d)
        return;
    if (d->items++)
        put(d, "},{", 3);
    else
        put(d, "{", 1);
    d->first = 1;
}

void px_audit_list_end(px_audit_details *d)
{
    if (!d)
        return;
    put(d, d->items ? "}]" : "]", d->items ? 2 : 1);
    d->first = 0;
}

const char *px_audit_details_finish(px_audit_details *d, px_err *err)
{
    put(d, "}", 1);
    if (d->failed) {
        px_err_set(err, PX_EINTERNAL, "internal", "audit details over %d bytes",
                   PX_AUDIT_DETAILS_MAX);
        return NULL;
    }
    return d->buf.data;
}
