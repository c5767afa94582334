/* Shared helpers for the gs1 unit tests: every vector carries __FILE__/__LINE__ so a failure
 * names the row that broke (STYLE.md "Tests"). */
#ifndef PX_GS1_TEST_H
#define PX_GS1_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gs1.h"

#define AT __FILE__, __LINE__

/* Fails the test with the vector's location when cond is false. */
#define VCHECK(v, cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            print_error("%s:%d: ", (v)->file, (v)->line);                                          \
            print_error(__VA_ARGS__);                                                              \
            print_error("\n");                                                                     \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* "<GS>" in vectors stands for the 0x1D byte. */
static inline void gs_expand(char *out, size_t cap, const char *in)
{
    size_t n = 0;
    while (*in && n + 1 < cap) {
        if (strncmp(in, "<GS>", 4) == 0) {
            out[n++] = (char)GS1_GS;
            in += 4;
        } else {
            out[n++] = *in++;
        }
    }
    out[n] = '\0';
}

/* "(01)…(21)…" of an element list, for comparing parse results. */
static inline void elements_hri(char *out, size_t cap, const gs1_elements *e)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < e->count; i++)
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "(%s)%s", e->items[i].ai,
                              e->items[i].value);
}

#endif
