/* Unit tests for util/px_splitmix: from state 0 the sequence starts with the values the
 * published reference splitmix64.c (Vigna) gives: 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4,
 * 0x06c45d188009454f. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "px_splitmix.h"

static void test_util__splitmix_reference_values(void)
{
    uint64_t s = 0;
    assert_true(px_splitmix64(&s) == 0xe220a8397b1dcdafull);
    assert_true(px_splitmix64(&s) == 0x6e789e6aa1b965f4ull);
    assert_true(px_splitmix64(&s) == 0x06c45d188009454full);
    /* The state moves by the golden-ratio increment, whatever the output. */
    assert_true(s == 3 * 0x9E3779B97F4A7C15ull);
}
