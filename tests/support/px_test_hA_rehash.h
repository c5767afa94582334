/* Every stored event rebuilt and hashed again, counted (px_test_hA_rehash.c): what
 * test_event_roundtrip and test_container_ship both walk, each looking at its own fields. */
#ifndef PX_TEST_HA_REHASH_H
#define PX_TEST_HA_REHASH_H

#include "px_test_rehash.h"

/* Called for each row with ctx, the event rebuilt from the row (px_test_rehash_same) and
 * whether it hashes to the stored ID. */
typedef void (*px_test_rehashed_fn)(void *ctx, const px_epcis_row *row, const px_epcis_event *ev,
                                    int same);
/* The first member of a px_test_each_rehashed context (C11 6.7.2.1: a pointer to a struct is
 * a pointer to its first member): how many rows were selected, and how many of them hash
 * differently from their stored ID. */
typedef struct px_test_rehash_count {
    int rows, mismatches;
    px_test_rehashed_fn fn; /* set by px_test_each_rehashed */
} px_test_rehash_count;
/* px_test_each_event of flt, each row rebuilt and re-hashed, counted into ctx's first member
 * (zeroed first) and handed to fn (NULL: none) with ctx. */
void px_test_each_rehashed(px_test_env *env, const px_epcis_filter *flt, px_test_rehashed_fn fn,
                           void *ctx);

#endif
