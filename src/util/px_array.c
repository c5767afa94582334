#include "px_array.h"

#include <stdint.h>
#include <stdlib.h>

void *px_array_room(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return v;
    size_t c = *cap ? *cap * 2 : first;
    if (c <= *cap || size == 0 || c > SIZE_MAX / size)
        return NULL;
    void *nv = realloc(v, c * size);
    if (nv)
        *cap = c;
    return nv;
}
