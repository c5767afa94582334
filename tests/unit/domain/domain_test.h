/* Shared by the domain unit tests whose vectors give times as RFC 3339 text. */
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

#endif
