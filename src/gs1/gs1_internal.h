/* Helpers shared between the files of gs1/ only (named <module>__fn). */
#ifndef PX_GS1_INTERNAL_H
#define PX_GS1_INTERNAL_H

#include <stddef.h>

#include "gs1.h"
#include "px_str.h"

int gs1__century_year(int yy, int current_year);

/* rc, with err's span set to the len bad characters at pos (0-based) of the parsed input. */
static inline px_rc gs1__at(px_err *err, px_rc rc, size_t pos, size_t len)
{
    px_err_span(err, (int)pos, (int)len);
    return rc;
}
/* PX_EINVALID "unknown_ai": the digits at s[pos] (pos 0-based in the parsed input) are no AI
 * of the table; the message shows at most 8 of them (element_string.c). */
px_rc gs1__unknown_ai(px_err *err, const char *s, size_t digits, size_t pos);
/* Appends the element (ai, value[0..vlen)) a parser read, checked already; PX_ETOOBIG
 * "too_many_elements" with the span pos/len of the input when out already holds
 * GS1_MAX_ELEMENTS. One place for every parser's last step (elements.c). */
px_rc gs1__element_push(gs1_elements *out, const char *ai, const char *value, size_t vlen,
                        size_t pos, size_t len, px_err *err);

/* Bounded output writer with a sticky overflow flag: after an overflow every put is a no-op
 * and gs1__out_done reports it once. */
typedef struct gs1__out {
    char *p;
    size_t cap, len;
    int overflow;
} gs1__out;

void gs1__out_init(gs1__out *o, char *buf, size_t cap);
void gs1__out_putc(gs1__out *o, char c);
void gs1__out_putn(gs1__out *o, const char *s, size_t n);
void gs1__out_puts(gs1__out *o, const char *s);
/* NUL-terminates; PX_ETOOBIG when the output did not fit. */
px_rc gs1__out_done(gs1__out *o, px_err *err);

/* Writes element i of e to o in one output form. */
typedef void (*gs1__put_element)(gs1__out *o, const gs1_elements *e, int i);
/* An output form of e (element string, HRI): e is validated first, so no form writes data
 * another would refuse; then put writes each element in turn (out.c). */
px_rc gs1__format_elements(char *out, size_t cap, const gs1_elements *e, gs1__put_element put,
                           px_err *err);

/* Percent-encodes all but RFC 3986 unreserved characters (Digital Link values, §4.2). */
void gs1__out_pct(gs1__out *o, const char *v);
/* Element lookup: index of ai in e, or -1. */
int gs1__find(const gs1_elements *e, const char *ai);

/* Parsers behind gs1_parse; error positions are offset by base. */
/* fnc1_implied: the data followed a symbology identifier (]d2, ]Q3, …), which stands for the
 * first FNC1, so a GS in first position is an error there. */
px_rc gs1__element_string_parse(gs1_elements *out, const char *s, size_t len, size_t base,
                                int fnc1_implied, px_err *err);
px_rc gs1__hri_parse(gs1_elements *out, const char *s, size_t len, size_t base, px_err *err);
px_rc gs1__dl_parse(gs1_elements *out, const char *s, size_t len, size_t base, px_err *err);

/* A non-GS1 query parameter of a Digital Link, as written (not percent-decoded); a parameter
 * without "=" (a singleton) has has_value 0. */
typedef struct gs1__dl_pair {
    char key[64];
    char value[128];
    size_t klen, vlen;
    int has_value;
} gs1__dl_pair;

#define GS1__DL_MAX_OTHER 16

/* A Digital Link taken apart (dl_compress.c needs the parts to rebuild the URI). */
typedef struct gs1__dl_parts {
    size_t prefix_len; /* "scheme://host[/stem]" before the key (or the compressed segment) */
    size_t frag;       /* position of '#', or the length when there is no fragment */
    int compressed;    /* 0 none, 1 partially, 2 fully compressed path */
    gs1__dl_pair other[GS1__DL_MAX_OTHER]; /* non-GS1 query parameters, then "F" pairs */
    int nother;
} gs1__dl_parts;

/* The most path segments a Digital Link may have here (stem and GS1 path together): the
 * parser's bound, which gs1_dl_decompress also keeps for what it writes. */
#define GS1__DL_MAX_SEGMENTS 64

px_rc gs1__dl_parse_parts(gs1_elements *out, gs1__dl_parts *parts, const char *s, size_t len,
                          size_t base, px_err *err);
/* Compressed-DL binary data (dl_compress.c): the elements of e (but skip_ai) in ascending AI
 * order (optimise: optimisation-code groups first), then the pairs, as base64url into o. */
px_rc gs1__dl_compress_data(gs1__out *o, const gs1_elements *e, const char *skip_ai,
                            const gs1__dl_pair *other, int nother, int optimise, px_err *err);
/* Appends the elements (validated values) and "F" pairs of one compressed segment (other
 * NULL: the pairs are only counted in *nother). */
px_rc gs1__dl_decompress_data(gs1_elements *out, gs1__dl_pair *other, int *nother, int max_other,
                              const char *s, size_t len, size_t base, px_err *err);
unsigned gs1__dl_value_bits(unsigned n);
/* e validated, and *key the index of its Digital Link primary key (digital_link.c);
 * no_dl_key when it has none. */
px_rc gs1__dl_key_of(const gs1_elements *e, int *key, px_err *err);
/* gs1_dl_format without the domain check, for a prefix cut from a parsed Digital Link. */
px_rc gs1__dl_format(char *out, size_t cap, const char *prefix, size_t prefix_len,
                     const gs1_elements *e, px_err *err);

#endif
