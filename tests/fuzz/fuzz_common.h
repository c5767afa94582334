/* Shared by the gs1 libFuzzer harnesses: invariant parse(format(x)) == x. */
#ifndef PX_FUZZ_COMMON_H
#define PX_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs1.h"

#define FUZZ_MAX_INPUT 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copies the fuzz input into a NUL-terminated buffer; 0 when too long or it has a NUL. */
static inline int fuzz_cstr(char *buf, const uint8_t *data, size_t size)
{
    if (size >= FUZZ_MAX_INPUT || memchr(data, 0, size))
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    return 1;
}

static inline void fuzz_same(const gs1_elements *a, const gs1_elements *b, const char *what,
                             const char *formatted)
{
    int same = a->count == b->count;
    for (int i = 0; same && i < a->count; i++)
        same = strcmp(a->items[i].ai, b->items[i].ai) == 0 &&
               strcmp(a->items[i].value, b->items[i].value) == 0;
    if (!same) {
        fprintf(stderr, "%s: parse(format(x)) != x\nformatted: %s\n", what, formatted);
        for (int i = 0; i < a->count; i++)
            fprintf(stderr, "  a (%s)%s\n", a->items[i].ai, a->items[i].value);
        for (int i = 0; i < b->count; i++)
            fprintf(stderr, "  b (%s)%s\n", b->items[i].ai, b->items[i].value);
        abort();
    }
}

/* Same AI/value pairs in any order (compressed Digital Links carry AIs in ascending order). */
static inline void fuzz_same_set(const gs1_elements *a, const gs1_elements *b, const char *what,
                                 const char *formatted)
{
    int same = a->count == b->count;
    for (int i = 0; same && i < a->count; i++) {
        int found = 0;
        for (int k = 0; k < b->count && !found; k++)
            found = strcmp(a->items[i].ai, b->items[k].ai) == 0 &&
                    strcmp(a->items[i].value, b->items[k].value) == 0;
        same = found;
    }
    if (!same) {
        fprintf(stderr, "%s: parse(format(x)) != x (as sets)\nformatted: %s\n", what, formatted);
        abort();
    }
}

static inline void fuzz_must(px_rc rc, const px_err *err, const char *what, const char *text)
{
    if (rc != PX_OK) {
        fprintf(stderr, "%s failed on a value that parsed: %s [%s]\ninput: %s\n", what,
                err->message, err->code, text);
        abort();
    }
}

#endif
