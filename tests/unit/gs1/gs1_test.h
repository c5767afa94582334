/* Shared helpers for the gs1 unit tests: every vector carries __FILE__/__LINE__ so a failure
 * names the row that broke (tests/README.md: table-driven). */
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

/* What every refusal vector asserts: input (named in a failure) was refused (rc PX_EINVALID)
 * with code (NULL: not checked), at byte pos (-1: not checked) spanning len bytes (-1: not
 * checked). file and line are the vector's. */
static inline void check_refused(const char *file, int line, const char *input, px_rc rc,
                                 const px_err *err, const char *code, int pos, int len)
{
    struct {
        const char *file;
        int line;
    } at = {file, line}, *v = &at;
    VCHECK(v, rc == PX_EINVALID, "%s accepted (rc %d)", input, (int)rc);
    VCHECK(v, !code || strcmp(err->code, code) == 0, "%s: code %s, want %s (%s)", input, err->code,
           code, err->message);
    VCHECK(v, pos < 0 || err->pos == pos, "%s: position %d, want %d (%s)", input, err->pos, pos,
           err->message);
    VCHECK(v, len < 0 || err->len == len, "%s: length %d, want %d (%s)", input, err->len, len,
           err->message);
}

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

/* A parse vector: in (with <GS>) is accepted with the elements hri, or (code not NULL)
 * refused with code, the error at pos (-1: not checked) spanning len bytes (-1: not
 * checked). */
typedef struct {
    const char *file;
    int line;
    const char *in;
    const char *code;
    int pos, len;
    const char *hri;
} element_vec;

/* Parses v->in with gs1_parse and checks the outcome v states. */
static inline void check_element_parse(const element_vec *v)
{
    char in[256], got[512];
    gs_expand(in, sizeof(in), v->in);
    gs1_elements e;
    px_err err = PX_ERR_INIT;
    px_rc rc = gs1_parse(&e, in, &err);
    if (!v->code) {
        VCHECK(v, rc == PX_OK, "%s: %s", v->in, err.message);
        elements_hri(got, sizeof(got), &e);
        VCHECK(v, strcmp(got, v->hri) == 0, "%s -> %s", v->in, got);
        return;
    }
    check_refused(v->file, v->line, v->in, rc, &err, v->code, v->pos, v->pos < 0 ? -1 : v->len);
}

#endif
