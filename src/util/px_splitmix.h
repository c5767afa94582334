/* splitmix64: a fast, reproducible stream of 64-bit values from a 64-bit state (Steele, Lea
 * and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the finalizer's
 * constants as in Vigna's reference splitmix64). Not for anything that guards: request ids
 * (http/server.c, seeded from OpenSSL), and the tests' and benchmarks' reproducible data. */
#ifndef PX_SPLITMIX_H
#define PX_SPLITMIX_H

#include <stdint.h>

/* The next value of the sequence whose state is *state (advanced). */
static inline uint64_t px_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#endif
