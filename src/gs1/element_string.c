/* GS1 element strings: concatenated AI + data with GS (0x1D) separators (GenSpecs §7.8.4
 * "Element string concatenation"). */
#include <string.h>

#include "gs1_ai.h"
#include "gs1_internal.h"

static void put_element(gs1__out *o, const gs1_elements *e, int i)
{
    const gs1_ai_def *d = gs1_ai_lookup(e->items[i].ai, strlen(e->items[i].ai));
    gs1__out_puts(o, e->items[i].ai);
    gs1__out_puts(o, e->items[i].value);
    /* GenSpecs §7.8.4: a separator follows every element that is not of predefined length,
     * unless it is the last one; never a trailing separator. */
    if (!(d->flags & GS1_AI_PREDEFINED) && i + 1 < e->count)
        gs1__out_putc(o, (char)GS1_GS);
}

px_rc gs1_element_string_format(char *out, size_t cap, const gs1_elements *e, px_err *err)
{
    return gs1__format_elements(out, cap, e, put_element, err);
}

px_rc gs1__unknown_ai(px_err *err, const char *s, size_t digits, size_t pos)
{
    return gs1__at(err,
                   px_err_set(err, PX_EINVALID, "unknown_ai", "unknown AI (%.*s) at position %zu",
                              (int)(digits > 8 ? 8 : digits), s, pos + 1),
                   pos, digits);
}

/* The AI that starts at s[pos] (*d), or the error of what stands there instead. */
static px_rc ai_at(const char *s, size_t len, size_t pos, size_t base, const gs1_ai_def **d,
                   px_err *err)
{
    size_t digits = 0;
    while (pos + digits < len && digits < 4 && s[pos + digits] >= '0' && s[pos + digits] <= '9')
        digits++;
    *d = gs1_ai_match(s + pos, digits);
    if (*d)
        return PX_OK;
    if (s[pos] == GS1_GS)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "unexpected_separator",
                                  "unexpected separator at position %zu", base + pos + 1),
                       base + pos, 1);
    if (digits < 2)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_ai", "expected an AI at position %zu",
                                  base + pos + 1),
                       base + pos, digits ? digits : 1);
    return gs1__unknown_ai(err, s + pos, digits, base + pos);
}

/* The length of AI d's value at s[vstart]: its fixed length, or up to the next separator;
 * too short or too long is an error. */
static px_rc value_len(const gs1_ai_def *d, const char *s, size_t len, size_t vstart, size_t base,
                       size_t *vlen, px_err *err)
{
    if (d->flags & GS1_AI_PREDEFINED) {
        *vlen = gs1_ai_max_len(d);
        if (len - vstart < *vlen) {
            size_t gs = vstart;
            while (gs < len && s[gs] != GS1_GS)
                gs++;
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "invalid_length",
                                      "AI (%s): value is too short (%zu characters, needs "
                                      "%zu)",
                                      d->ai, gs - vstart, gs1_ai_max_len(d)),
                           base + vstart, gs - vstart);
        }
    } else {
        *vlen = 0;
        while (vstart + *vlen < len && s[vstart + *vlen] != GS1_GS)
            (*vlen)++;
    }
    if (*vlen > gs1_ai_max_len(d))
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_length",
                                  "AI (%s): value is too long (%zu characters, at most "
                                  "%zu)",
                                  d->ai, *vlen, gs1_ai_max_len(d)),
                       base + vstart + gs1_ai_max_len(d), *vlen - gs1_ai_max_len(d));
    return PX_OK;
}

/* Parses s[0..len) (no symbology identifier); error positions are offset by base so they
 * point into the caller's input. */
px_rc gs1__element_string_parse(gs1_elements *out, const char *s, size_t len, size_t base,
                                int fnc1_implied, px_err *err)
{
    memset(out, 0, sizeof(*out));
    size_t pos = 0;
    /* REQ-GS1-2: in raw data an FNC1 in first position may be transmitted as a leading GS. After
     * ]d2/]Q3/… the identifier already is that FNC1, so a GS there is an error (as in GS1's syntax
     * engine). */
    if (pos < len && s[pos] == GS1_GS) {
        if (fnc1_implied)
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "unexpected_separator",
                                      "separator right after the symbology identifier at position "
                                      "%zu (the first FNC1 is implied)",
                                      base + pos + 1),
                           base + pos, 1);
        pos++;
    }
    while (pos < len) {
        size_t ai_pos = pos;
        const gs1_ai_def *d;
        px_rc rc = ai_at(s, len, pos, base, &d, err);
        if (rc != PX_OK)
            return rc;
        size_t alen = strlen(d->ai);
        pos += alen;
        size_t vstart = pos, vlen;
        if ((rc = value_len(d, s, len, vstart, base, &vlen, err)) != PX_OK)
            return rc;
        rc = gs1_ai_value_validate(d, s + vstart, vlen, err);
        if (rc != PX_OK) {
            if (err && err->pos >= 0)
                err->pos += (int)(base + vstart);
            return rc;
        }
        rc = gs1__element_push(out, d->ai, s + vstart, vlen, base + ai_pos, alen, err);
        if (rc != PX_OK)
            return rc;
        pos = vstart + vlen;
        /* A separator ends a variable-length value; one after a predefined-length value
         * "should not" be there (GenSpecs §7.8.4) but is tolerated, as is a trailing one. */
        if (pos < len && s[pos] == GS1_GS)
            pos++;
    }
    if (out->count == 0)
        return gs1__at(err, px_err_set(err, PX_EINVALID, "no_elements", "no GS1 element strings"),
                       base, len);
    return gs1_elements_validate(out, err);
}
