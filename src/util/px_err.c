#include "px_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "px_str.h"

void px_err_clear(px_err *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    err->pos = -1;
}

/* The whole error anew: rc, code (px_rc_name(rc) when NULL), the message, and the field when
 * one is given (NULL: none). A NULL err takes nothing. */
static void err_vset(px_err *err, px_rc rc, const char *code, const char *field, const char *fmt,
                     va_list ap) __attribute__((format(printf, 5, 0)));

static void err_vset(px_err *err, px_rc rc, const char *code, const char *field, const char *fmt,
                     va_list ap)
{
    if (!err)
        return;
    px_err_clear(err);
    err->rc = rc;
    snprintf(err->code, sizeof(err->code), "%s", code ? code : px_rc_name(rc));
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    /* Cut at the buffer's end or by a "%.Ns" inside a character: still valid UTF-8. */
    px_utf8_scrub(err->message);
    if (field) {
        snprintf(err->field, sizeof(err->field), "%s", field);
        px_utf8_scrub(err->field);
    }
}

px_rc px_err_set(px_err *err, px_rc rc, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, rc, code, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

px_rc px_err_set_field(px_err *err, px_rc rc, const char *code, const char *field, const char *fmt,
                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, rc, code, field ? field : "", fmt, ap);
    va_end(ap);
    return rc;
}

px_rc px_err_pass(px_err *err, const px_err *from)
{
    if (err)
        *err = *from;
    return from->rc;
}

px_rc px_err_oom(px_err *err)
{
    return px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
}

px_rc px_err_no_random(px_err *err)
{
    return px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
}

void px_err_field(px_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->field, sizeof(err->field), fmt, ap);
    va_end(ap);
    px_utf8_scrub(err->field);
}

void px_err_span(px_err *err, int pos, int len)
{
    if (!err)
        return;
    err->pos = pos;
    err->len = len;
}

const char *px_rc_name(px_rc rc)
{
    switch (rc) {
    case PX_OK: return "ok";
    case PX_EINVALID: return "invalid";
    case PX_ENOTFOUND: return "not_found";
    case PX_EEXISTS: return "exists";
    case PX_ESTATE: return "invalid_state";
    case PX_ECONFLICT: return "conflict";
    case PX_EEXHAUSTED: return "exhausted";
    case PX_EAUTH: return "invalid_token";
    case PX_EFORBIDDEN: return "forbidden_role";
    case PX_ETOOBIG: return "payload_too_large";
    case PX_EUNAVAIL: return "unavailable";
    case PX_EINTERNAL: return "internal";
    }
    return "internal";
}

void px_err_quota(px_err *err, long long limit, long long used, long long requested)
{
    if (!err)
        return;
    err->has_quota = 1;
    err->quota_limit = limit;
    err->quota_used = used;
    err->quota_requested = requested;
}
