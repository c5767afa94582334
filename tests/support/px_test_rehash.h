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

#endif
