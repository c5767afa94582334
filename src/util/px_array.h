/* px_array — the length of an array, and room for one more element in a growable one, written
 * once. */
#ifndef PX_ARRAY_H
#define PX_ARRAY_H

#include <stddef.h>

/* The number of elements of an array. Given a pointer instead, it would divide the pointer's
 * size: the build's -Wall (-Wsizeof-pointer-div) refuses that. */
#define PX_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Room for element n of a growable array v of *cap elements of size bytes (n of them used):
 * v itself while n < *cap, else v grown to twice *cap (first when it has none yet) and *cap
 * updated. NULL when memory runs out (or the size would overflow): v is then unchanged and
 * still the caller's. The one growth rule of the lists a use case or a reader collects item by
 * item:
 *     px_item_error *v = px_array_room(l->v, l->n, &l->cap, sizeof(*v), 16);
 *     if (!v)
 *         return px_err_oom(err);
 *     l->v = v; */
void *px_array_room(void *v, size_t n, size_t *cap, size_t size, size_t first);

#endif
