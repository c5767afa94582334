/* The public routes' per-client buckets (src/http/ratelimit.c, docs/resolver.md "Abuse
 * limits"): clients do not share a bucket, an IPv6 /64 is one client, a drained client waits,
 * and the fixed table keeps limiting after a flood of new addresses. REQ-ABUSE-1, REQ-ABUSE-2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "px_clock.h"
#include "request.h"

#define T0 1700000000000000LL

/* A limiter of rate tokens a second and burst tokens on the test clock set to T0; limiter_done
 * frees it and gives the clock back, so each test starts from the same instant. */
static px_limiter *limiter_at_t0(double rate, double burst)
{
    px_clock_set(T0);
    px_limiter *l = px__limiter_new(rate, burst);
    assert_non_null(l);
    return l;
}

static void limiter_done(px_limiter *l)
{
    px__limiter_free(l);
    px_clock_set(0);
}

static void test_http_ratelimit__clients_apart(void)
{
    px_limiter *l = limiter_at_t0(1, 3);
    int retry = 0;
    for (int i = 0; i < 3; i++)
        assert_int_equal(px__limiter_take(l, "192.0.2.1", &retry), 1);
    assert_int_equal(px__limiter_take(l, "192.0.2.1", &retry), 0);
    assert_int_equal(retry, 1);
    /* Another address is served. */
    assert_int_equal(px__limiter_take(l, "192.0.2.2", &retry), 1);
    /* One IPv6 /64 is one client, another /64 is another. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(px__limiter_take(l, "2001:db8:1:2::1", &retry), 1);
    assert_int_equal(px__limiter_take(l, "2001:db8:1:2:ffff::99", &retry), 0);
    assert_int_equal(px__limiter_take(l, "2001:db8:1:3::1", &retry), 1);
    /* A second later the first client has one token again. */
    px_clock_set(T0 + 1000000);
    assert_int_equal(px__limiter_take(l, "192.0.2.1", &retry), 1);
    assert_int_equal(px__limiter_take(l, "192.0.2.1", &retry), 0);
    limiter_done(l);
}

/* REQ-ABUSE-2: a drained client owes the given seconds even with a full bucket. */
static void test_http_ratelimit__drain(void)
{
    px_limiter *l = limiter_at_t0(2, 10);
    int retry = 0;
    px__limiter_drain(l, "198.51.100.7", 60);
    assert_int_equal(px__limiter_take(l, "198.51.100.7", &retry), 0);
    assert_true(retry >= 60);
    px_clock_set(T0 + 61 * 1000000LL);
    assert_int_equal(px__limiter_take(l, "198.51.100.7", &retry), 1);
    assert_int_equal(px__limiter_take(l, "198.51.100.8", &retry), 1);
    limiter_done(l);
}

/* 100,000 new addresses pass through the fixed table (its memory is the struct's, nothing
 * grows); afterwards the table still limits: a client gets its burst and then waits. A client
 * whose 16 neighbouring slots all saw newer clients loses its bucket: the price of a bounded
 * table, which a flood of addresses could buy anyway by using them. */
static void test_http_ratelimit__flood(void)
{
    px_limiter *l = limiter_at_t0(0.001, 2);
    int retry = 0;
    char addr[64];
    for (int i = 0; i < 100000; i++) {
        px_clock_set(T0 + 1 + i);
        snprintf(addr, sizeof(addr), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        assert_int_equal(px__limiter_take(l, addr, &retry), 1);
    }
    assert_int_equal(px__limiter_take(l, "203.0.113.9", &retry), 1);
    assert_int_equal(px__limiter_take(l, "203.0.113.9", &retry), 1);
    assert_int_equal(px__limiter_take(l, "203.0.113.9", &retry), 0);
    assert_int_equal(retry, 1000); /* one token at 0.001/s */
    limiter_done(l);
}
