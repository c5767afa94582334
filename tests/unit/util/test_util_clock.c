/* Unit tests for util/px_clock: RFC 3339 formatting and parsing (values from Python's
 * datetime as the outside oracle), their round trip, and the pinned clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_clock.h"

static void test_util__clock_format(void)
{
    static const struct {
        int64_t us;
        const char *text;
        int line;
    } v[] = {
        {0, "1970-01-01T00:00:00.000Z", __LINE__},
        {-1, "1969-12-31T23:59:59.999Z", __LINE__},
        {-1000, "1969-12-31T23:59:59.999Z", __LINE__},
        {-1001, "1969-12-31T23:59:59.998Z", __LINE__},
        {999, "1970-01-01T00:00:00.000Z", __LINE__}, /* truncated, not rounded */
        {1772359200000000, "2026-03-01T10:00:00.000Z", __LINE__},
        {1772359200123456, "2026-03-01T10:00:00.123Z", __LINE__},
        {1709251199000000, "2024-02-29T23:59:59.000Z", __LINE__},
        {-62135596800000000, "0001-01-01T00:00:00.000Z", __LINE__},
        {253402300799999000, "9999-12-31T23:59:59.999Z", __LINE__},
        {253402300800000000, "10000-01-01T00:00:00.000Z", __LINE__}, /* year widens */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char out[32];
        memset(out, 'x', sizeof(out));
        px_time_format(out, v[i].us);
        if (strcmp(out, v[i].text) != 0)
            fail_msg("%s:%d: %lld -> %s", __FILE__, v[i].line, (long long)v[i].us, out);
    }
}

static void test_util__clock_parse(void)
{
    static const struct {
        const char *text;
        int ok;
        int64_t us;
        int line;
    } v[] = {
        {"2026-03-01T10:00:00Z", 1, 1772359200000000, __LINE__},
        {"2026-03-01t10:00:00z", 1, 1772359200000000, __LINE__},
        {"2026-03-01T10:00:00.123456Z", 1, 1772359200123456, __LINE__},
        {"2026-03-01T10:00:00.1234567Z", 1, 1772359200123456, __LINE__}, /* below 1 us */
        {"2026-03-01T10:00:00.1Z", 1, 1772359200100000, __LINE__},
        {"2026-03-01T12:30:00+02:30", 1, 1772359200000000, __LINE__},
        {"2026-03-01T05:00:00-05:00", 1, 1772359200000000, __LINE__},
        {"2024-02-29T23:59:59Z", 1, 1709251199000000, __LINE__},
        {"1969-12-31T23:59:59.999Z", 1, -1000, __LINE__},
        {"0001-01-01T00:00:00Z", 1, -62135596800000000, __LINE__},
        {"9999-12-31T23:59:59.999Z", 1, 253402300799999000, __LINE__},
        /* years 0001..9999 in UTC only: none of year 0, none that an offset takes out */
        {"0000-06-01T00:00:00Z", 0, 0, __LINE__},
        {"0001-01-01T00:00:00+00:01", 0, 0, __LINE__},
        {"9999-12-31T23:59:59-00:01", 0, 0, __LINE__},
        {"2026-03-01T10:00:60Z", 1, 1772359260000000, __LINE__}, /* leap second */
        {"2026-02-29T10:00:00Z", 0, 0, __LINE__},                /* 2026 is no leap year */
        {"2026-04-31T10:00:00Z", 0, 0, __LINE__},
        {"2026-13-01T10:00:00Z", 0, 0, __LINE__},
        {"2026-00-01T10:00:00Z", 0, 0, __LINE__},
        {"2026-03-00T10:00:00Z", 0, 0, __LINE__},
        {"2026-03-01T24:00:00Z", 0, 0, __LINE__},
        {"2026-03-01T10:60:00Z", 0, 0, __LINE__},
        {"2026-03-01T10:00:61Z", 0, 0, __LINE__},
        {"2026-03-01T10:00:00", 0, 0, __LINE__}, /* no offset */
        {"2026-03-01 10:00:00Z", 0, 0, __LINE__},
        {"2026-3-01T10:00:00Z", 0, 0, __LINE__},
        {" 2026-03-01T10:00:00Z", 0, 0, __LINE__},
        {"+2026-03-01T10:00:00Z", 0, 0, __LINE__},
        {"2026-03-01T-1:00:00Z", 0, 0, __LINE__},
        {"2026-03-01T10:00:00.Z", 0, 0, __LINE__},
        {"2026-03-01T10:00:00Zx", 0, 0, __LINE__},
        {"2026-03-01T10:00:00+0200", 0, 0, __LINE__},
        {"2026-03-01T10:00:00+02:00x", 0, 0, __LINE__},
        {"2026-03-01T10:00:00+15:00", 0, 0, __LINE__},
        /* xsd:dateTime's offsets, as EPCIS's eventTimeZoneOffset: within ±14:00 */
        {"2026-03-01T10:00:00+14:00", 1, 1772308800000000, __LINE__},
        {"2026-03-01T10:00:00-14:00", 1, 1772409600000000, __LINE__},
        {"2026-03-01T10:00:00-14:30", 0, 0, __LINE__},
        {"2026-03-01T10:00:00+14:01", 0, 0, __LINE__},
        {"2026-03-01T10:00:00+02:60", 0, 0, __LINE__},
        {"2026-03-01T10:00:00+", 0, 0, __LINE__},
        {"", 0, 0, __LINE__},
        {NULL, 0, 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        int64_t us = 42;
        int rc = px_time_parse(v[i].text, &us);
        if ((rc == 0) != v[i].ok || (v[i].ok && us != v[i].us) || (!v[i].ok && us != 42))
            fail_msg("%s:%d: '%s' -> %d, %lld", __FILE__, v[i].line,
                     v[i].text ? v[i].text : "(null)", rc, (long long)us);
    }
}

/* A bound below the microsecond rounds up, never down; at or above it, as px_time_parse. */
static void test_util__clock_parse_ceil(void)
{
    static const struct {
        const char *text;
        int64_t us;
    } v[] = {
        {"2026-03-01T10:00:00.1230001Z", 1772359200123001},
        {"2026-03-01T10:00:00.1239999Z", 1772359200124000},
        {"2026-03-01T10:00:00.1230000Z", 1772359200123000},
        {"2026-03-01T10:00:00.123Z", 1772359200123000},
        {"2026-03-01T10:00:00Z", 1772359200000000},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        int64_t us = 0, cut = 0;
        assert_int_equal(px_time_parse_ceil(v[i].text, &us), 0);
        assert_int_equal(px_time_parse(v[i].text, &cut), 0);
        if (us != v[i].us || cut > us || us - cut > 1)
            fail_msg("'%s' -> %lld (cut %lld)", v[i].text, (long long)us, (long long)cut);
    }
    int64_t us = 42;
    assert_int_equal(px_time_parse_ceil("2026-03-01T10:00:00.1Zx", &us), -1);
    assert_true(us == 42);
}

/* parse(format(us)) is us to the millisecond, across four centuries in prime steps. */
static void test_util__clock_round_trip(void)
{
    const int64_t from = -62135596800000000, to = 253402300799999000;
    const int64_t step = 1000003LL * 86400 * 1000 + 7919;
    for (int64_t us = from; us <= to; us += step / 25) {
        char text[32];
        px_time_format(text, us);
        int64_t back = 0;
        if (px_time_parse(text, &back) != 0 || back != us - (((us % 1000) + 1000) % 1000))
            fail_msg("%lld -> %s -> %lld", (long long)us, text, (long long)back);
    }
}

static void test_util__clock_pinned(void)
{
    px_clock_set(1772359200000000);
    assert_true(px_now_us() == 1772359200000000);
    assert_true(px_now_us() == 1772359200000000);
    px_clock_set(0);
    assert_true(px_now_us() > 1772359200000000 - 365LL * 86400 * 1000000 * 10);
    double a = px_mono_ms(), b = px_mono_ms();
    assert_true(b >= a);
}
