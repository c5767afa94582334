/* Helpers shared between the files of gs1/ only (STYLE.md: <module>__fn). */
#ifndef PX_GS1_INTERNAL_H
#define PX_GS1_INTERNAL_H

#include <stddef.h>

#include "gs1.h"

int gs1__century_year(int yy, int current_year);

/* Bounded output writer with a sticky overflow flag (STYLE.md "Builders carry a sticky failed
 * flag"): after an overflow every put is a no-op and gs1__out_done reports it once. */
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

int gs1__hexval(unsigned char c);
/* Element lookup: index of ai in e, or -1. */
int gs1__find(const gs1_elements *e, const char *ai);

/* Parsers behind gs1_parse; error positions are offset by base. */
px_rc gs1__element_string_parse(gs1_elements *out, const char *s, size_t len, size_t base,
                                px_err *err);
px_rc gs1__hri_parse(gs1_elements *out, const char *s, size_t len, size_t base, px_err *err);
px_rc gs1__dl_parse(gs1_elements *out, const char *s, size_t len, size_t base, px_err *err);

#endif
