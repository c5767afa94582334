/* Unit tests for util/px_array: px_array_room keeps the array while there is room, doubles it
 * (first when empty) when there is none, and refuses a size that would overflow without
 * touching the caller's array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "px_array.h"

static void test_util__array_room_grows_by_doubling(void)
{
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 40; i++) {
        int *g = px_array_room(v, n, &cap, sizeof(*g), 4);
        assert_non_null(g);
        v = g;
        v[n++] = i;
        /* 4, then 8, 16, 32, 64: always room for what was added. */
        assert_true(cap >= n);
    }
    assert_int_equal(cap, 64);
    for (int i = 0; i < 40; i++)
        assert_int_equal(v[i], i);
    /* With room left the same array comes back. */
    int *same = px_array_room(v, n, &cap, sizeof(*same), 4);
    assert_ptr_equal(same, v);
    assert_int_equal(cap, 64);
    free(v);
}

static void test_util__array_room_refuses_overflow(void)
{
    char one = 0;
    size_t cap = SIZE_MAX / 2 + 1;
    /* Twice cap wraps: NULL, cap unchanged, the array not freed (it is not even the heap's). */
    assert_null(px_array_room(&one, cap, &cap, 1, 4));
    assert_true(cap == SIZE_MAX / 2 + 1);
    size_t cap2 = 8;
    assert_null(px_array_room(&one, 8, &cap2, SIZE_MAX / 8, 4));
    assert_int_equal(cap2, 8);
}
