/* Bounded string writer used by the formatters (no heap: the caller owns the buffer). */
#include <string.h>

#include "gs1_internal.h"

void gs1__out_init(gs1__out *o, char *buf, size_t cap)
{
    o->p = buf;
    o->cap = cap;
    o->len = 0;
    o->overflow = cap == 0;
    if (cap)
        buf[0] = '\0';
}

void gs1__out_putc(gs1__out *o, char c)
{
    if (o->overflow)
        return;
    if (o->len + 1 >= o->cap) {
        o->overflow = 1;
        return;
    }
    o->p[o->len++] = c;
}

void gs1__out_putn(gs1__out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gs1__out_putc(o, s[i]);
}

void gs1__out_puts(gs1__out *o, const char *s)
{
    gs1__out_putn(o, s, strlen(s));
}

px_rc gs1__out_done(gs1__out *o, px_err *err)
{
    if (o->overflow) {
        if (o->cap)
            o->p[0] = '\0';
        return px_err_set(err, PX_ETOOBIG, "output_too_long", "output does not fit in %zu bytes",
                          o->cap);
    }
    o->p[o->len] = '\0';
    return PX_OK;
}

int gs1__find(const gs1_elements *e, const char *ai)
{
    for (int i = 0; i < e->count; i++)
        if (strcmp(e->items[i].ai, ai) == 0)
            return i;
    return -1;
}

px_rc gs1__format_elements(char *out, size_t cap, const gs1_elements *e, gs1__put_element put,
                           px_err *err)
{
    px_rc rc = gs1_elements_validate(e, err);
    if (rc != PX_OK)
        return rc;
    gs1__out o;
    gs1__out_init(&o, out, cap);
    for (int i = 0; i < e->count; i++)
        put(&o, e, i);
    return gs1__out_done(&o, err);
}
