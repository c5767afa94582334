/* GS1 AI character sets 82 and 39 (GenSpecs §7.11 figure 7.11-1 and -2). */
#include <string.h>

#include "gs1.h"
#include "px_str.h"

/* CSET 82 as GS1's linter stores it: two 64-bit words read MSB-first, bit (c % 64) of word
 * c / 64 (lint_cset82.c). Exactly ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z. */
static const uint64_t cset82_bits[2] = {0x0000000067ffffffULL, 0x7fffffe17fffffe0ULL};

int gs1_cset82_char(unsigned char c)
{
    if (c >= 128)
        return 0;
    return (cset82_bits[c / 64] & (0x8000000000000000ULL >> (c % 64))) != 0;
}

/* CSET 39: # - / 0-9 A-Z (lint_cset39.c). */
int gs1_cset39_char(unsigned char c)
{
    return c == '#' || c == '-' || c == '/' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

px_rc gs1_cset82_validate(const char *s, size_t max, px_err *err)
{
    size_t i = 0;
    for (; s[i]; i++) {
        if (i >= max) {
            px_err_set(err, PX_EINVALID, "invalid_length", "longer than %zu characters", max);
            px_err_span(err, (int)max, 1);
            return PX_EINVALID;
        }
        if (!gs1_cset82_char((unsigned char)s[i])) {
            char nm[PX_CHAR_NAME_MAX];
            size_t w = px_char_name(nm, s + i, strlen(s + i));
            px_err_set(err, PX_EINVALID, "invalid_character",
                       "%s is not in the GS1 AI character set 82", nm);
            px_err_span(err, (int)i, (int)w);
            return PX_EINVALID;
        }
    }
    if (i == 0) {
        px_err_set(err, PX_EINVALID, "invalid_length", "empty value");
        px_err_span(err, 0, 0);
        return PX_EINVALID;
    }
    return PX_OK;
}
