/* The stored events rebuilt and hashed again (the round trip of DOMAIN.md §6.6's event hash):
 * what test_event_roundtrip and test_container_ship both check, with service/'s own row reader.
 * Links packid_service (support/CMakeLists.txt: packid_testsupport_rehash). */
#ifndef PX_TEST_REHASH_H
#define PX_TEST_REHASH_H

#include "events.h"
#include "px_test.h"

/* Every stored event row flt selects, in env's database, handed to fn (with ctx). */
void px_test_each_event(px_test_env *env, const px_epcis_filter *flt, px_epcis_row_fn fn,
                        void *ctx);
/* row rebuilt by px__event_from_row into ev (its lists in lists) and hashed from its fields
 * alone (the eventID left out): 1 when that is the hash stored with the row, else 0. Fails the
 * test, naming the row, when it cannot be rebuilt or hashed. */
int px_test_rehash_same(const px_epcis_row *row, px_epcis_event *ev, px__row_lists *lists);

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
