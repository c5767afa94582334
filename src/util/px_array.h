/* px_array — the length of an array, written once. */
#ifndef PX_ARRAY_H
#define PX_ARRAY_H

/* The number of elements of an array. Given a pointer instead, it would divide the pointer's
 * size: the build's -Wall (-Wsizeof-pointer-div) refuses that. */
#define PX_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#endif
