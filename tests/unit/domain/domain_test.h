/* Shared by the domain unit tests: times given as RFC 3339 text, enum names read back. */
#ifndef PX_DOMAIN_TEST_H
#define PX_DOMAIN_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "px_clock.h"

/* The instant rfc3339 names, in microseconds since the epoch; fails the test when it does not
 * parse. */
static inline int64_t at(const char *rfc3339)
{
    int64_t us;
    assert_int_equal(px_time_parse(rfc3339, &us), 0);
    return us;
}

/* Every value v of the enum type below count is named names[v] by name_fn and read back from
 * that name by parse_fn(&out, name, NULL). A macro: each enum has its own pair of functions. */
#define assert_names_round_trip(type, count, names, name_fn, parse_fn)                             \
    do {                                                                                           \
        for (int v_ = 0; v_ < (int)(count); v_++) {                                                \
            type out_ = (type)(count);                                                             \
            assert_string_equal(name_fn((type)v_), (names)[v_]);                                   \
            assert_int_equal(parse_fn(&out_, (names)[v_], NULL), PX_OK);                           \
            assert_int_equal(out_, v_);                                                            \
        }                                                                                          \
    } while (0)

#endif
