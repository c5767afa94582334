/* Bracketed human-readable interpretation "(01)09506000134352(21)…" (docs/gs1.md).
 *
 * Parentheses are part of set 82, so a "(" in a value could read as the start of the next AI.
 * GS1's bracketed syntax (as its syntax engine reads it) writes every "(" inside data as "\(";
 * "\" is not in set 82, so the escape is unambiguous. packid prints every "(" that way, so what
 * it prints reads back — here and in GS1's engine — as the same data. On input "\(" is a "(",
 * and an unescaped "(" that cannot start an AI ("(" digits ")") is taken as data.
 *
 * Spaces are not in set 82 and are never dropped: a space anywhere in HRI input (around the
 * brackets included) is reported as an invalid character at its position. */
#include <string.h>

#include "gs1_ai.h"
#include "gs1_internal.h"

/* 1 when s[i] starts "(" digits ")" — the start of an AI in HRI. */
static int ai_bracket_at(const char *s, size_t len, size_t i)
{
    if (i >= len || s[i] != '(')
        return 0;
    size_t k = i + 1;
    while (k < len && s[k] >= '0' && s[k] <= '9')
        k++;
    return k > i + 1 && k < len && s[k] == ')';
}

static void put_element(gs1__out *o, const gs1_elements *e, int i)
{
    const char *v = e->items[i].value;
    gs1__out_putc(o, '(');
    gs1__out_puts(o, e->items[i].ai);
    gs1__out_putc(o, ')');
    for (size_t k = 0; v[k]; k++) {
        if (v[k] == '(') /* REQ-GS1-7: every "(" in data is written "\(" */
            gs1__out_putc(o, '\\');
        gs1__out_putc(o, v[k]);
    }
}

px_rc gs1_hri_format(char *out, size_t cap, const gs1_elements *e, px_err *err)
{
    return gs1__format_elements(out, cap, e, put_element, err);
}

/* The printed HRI (GS1 General Specifications §4.15): each AI in parentheses, a space, its data
 * as it is: a label shows the data's own characters, so a "(" in data is no "\(" here (the
 * escape belongs to the bracketed syntax above, which is read back). Elements are separated by
 * one space, as GS1's syntax engine writes each element of its HRI. */
static void put_printed(gs1__out *o, const gs1_elements *e, int i)
{
    if (i > 0)
        gs1__out_putc(o, ' ');
    gs1__out_putc(o, '(');
    gs1__out_puts(o, e->items[i].ai);
    gs1__out_puts(o, ") ");
    gs1__out_puts(o, e->items[i].value);
}

px_rc gs1_hri_text_format(char *out, size_t cap, const gs1_elements *e, px_err *err)
{
    return gs1__format_elements(out, cap, e, put_printed, err);
}

/* REQ-GS1-3: a space in HRI input is reported where it stands, never skipped or trimmed. */
static px_rc space_at(px_err *err, size_t pos)
{
    return gs1__at(err,
                   px_err_set(err, PX_EINVALID, "invalid_character",
                              "space at position %zu: HRI input must not contain spaces", pos + 1),
                   pos, 1);
}

px_rc gs1__hri_parse(gs1_elements *out, const char *s, size_t len, size_t base, px_err *err)
{
    memset(out, 0, sizeof(*out));
    size_t pos = 0;
    while (pos < len) {
        if (s[pos] == ' ' || s[pos] == '\t')
            return space_at(err, base + pos);
        if (!ai_bracket_at(s, len, pos))
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "invalid_ai",
                                      "expected \"(AI)\" at position %zu", base + pos + 1),
                           base + pos, 1);
        size_t ai_pos = pos + 1, digits = 0;
        while (s[ai_pos + digits] != ')')
            digits++;
        const gs1_ai_def *d = digits <= 4 ? gs1_ai_lookup(s + ai_pos, digits) : NULL;
        if (!d)
            return gs1__unknown_ai(err, s + ai_pos, digits, base + ai_pos);
        pos = ai_pos + digits + 1;
        char value[GS1_AI_VALUE_MAX + 1];
        size_t map[GS1_AI_VALUE_MAX + 1];
        size_t vlen = 0;
        size_t vstart = pos;
        while (pos < len && !ai_bracket_at(s, len, pos)) {
            size_t src = pos;
            if (s[pos] == ' ' || s[pos] == '\t')
                return space_at(err, base + pos);
            if (s[pos] == '\\' && pos + 1 < len && s[pos + 1] == '(')
                pos++;
            if (vlen >= GS1_AI_VALUE_MAX)
                return gs1__at(err,
                               px_err_set(err, PX_EINVALID, "invalid_length",
                                          "AI (%s): value is too long (at most %zu)", d->ai,
                                          gs1_ai_max_len(d)),
                               base + src, 1);
            map[vlen] = src;
            value[vlen++] = s[pos++];
        }
        map[vlen] = vlen ? map[vlen - 1] + 1 : vstart;
        value[vlen] = '\0';
        px_rc rc = gs1_ai_value_validate(d, value, vlen, err);
        if (rc != PX_OK) {
            if (err && err->pos >= 0) {
                size_t p = (size_t)err->pos <= vlen ? map[err->pos] : vstart;
                err->pos = (int)(base + p);
            }
            return rc;
        }
        rc = gs1__element_push(out, d->ai, value, vlen, base + ai_pos, digits, err);
        if (rc != PX_OK)
            return rc;
    }
    if (out->count == 0)
        return gs1__at(err, px_err_set(err, PX_EINVALID, "no_elements", "no GS1 element strings"),
                       base, len);
    return gs1_elements_validate(out, err);
}
