/* Unit tests for util/px_calendar: known dates, leap years, the year 1 and 9999 edges, and
 * every day from 0001-01-01 to 9999-12-31 against two oracles — stepping a date forward one
 * day at a time with px_days_in_month, and the C library's gmtime_r (proleptic Gregorian on
 * a 64-bit time_t). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_calendar.h"

static void test_util__calendar_known_dates(void)
{
    static const struct {
        int y, m, d;
        int64_t days;
        int line;
    } v[] = {
        {1970, 1, 1, 0, __LINE__},      {1969, 12, 31, -1, __LINE__},
        {1970, 1, 2, 1, __LINE__},      {2000, 3, 1, 11017, __LINE__},
        {2000, 2, 29, 11016, __LINE__}, {2024, 2, 29, 19782, __LINE__},
        {2026, 1, 1, 20454, __LINE__},  {1600, 1, 1, -135140, __LINE__},
        {1900, 3, 1, -25508, __LINE__}, {1900, 2, 28, -25509, __LINE__},
        {1, 1, 1, -719162, __LINE__},   {9999, 12, 31, 2932896, __LINE__},
        {2038, 1, 19, 24855, __LINE__}, {1582, 10, 15, -141427, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        int64_t days = px_civil_days(v[i].y, v[i].m, v[i].d);
        int64_t y;
        int m, d;
        px_civil_from_days(v[i].days, &y, &m, &d);
        if (days != v[i].days || y != v[i].y || m != v[i].m || d != v[i].d)
            fail_msg("%s:%d: %04d-%02d-%02d -> %lld, back %04lld-%02d-%02d", __FILE__, v[i].line,
                     v[i].y, v[i].m, v[i].d, (long long)days, (long long)y, m, d);
    }
}

static void test_util__calendar_leap_years(void)
{
    static const struct {
        int64_t year;
        int leap;
        int line;
    } v[] = {
        {2024, 1, __LINE__}, {2023, 0, __LINE__}, {2000, 1, __LINE__}, {1900, 0, __LINE__},
        {2100, 0, __LINE__}, {1600, 1, __LINE__}, {2400, 1, __LINE__}, {4, 1, __LINE__},
        {1, 0, __LINE__},    {0, 1, __LINE__},    {-4, 1, __LINE__},   {-100, 0, __LINE__},
        {9996, 1, __LINE__}, {9999, 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        if (px_leap_year(v[i].year) != v[i].leap ||
            px_days_in_month(v[i].year, 2) != (v[i].leap ? 29 : 28))
            fail_msg("%s:%d: year %lld", __FILE__, v[i].line, (long long)v[i].year);
    }
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++)
        assert_int_equal(px_days_in_month(2023, m), len[m - 1]);
    assert_int_equal(px_days_in_month(2023, 0), 0);
    assert_int_equal(px_days_in_month(2023, 13), 0);
}

/* Every day of years 1..9999: the day count is consecutive, both directions agree, and the
 * C library names the same date. */
static void test_util__calendar_round_trip(void)
{
    int y = 1, m = 1, d = 1;
    int64_t expect = px_civil_days(1, 1, 1);
    for (;;) {
        int64_t days = px_civil_days(y, m, d);
        int64_t by;
        int bm, bd;
        px_civil_from_days(days, &by, &bm, &bd);
        if (days != expect || by != y || bm != m || bd != d)
            fail_msg("%04d-%02d-%02d: days %lld (expected %lld), back %04lld-%02d-%02d", y, m, d,
                     (long long)days, (long long)expect, (long long)by, bm, bd);
        time_t t = (time_t)(days * 86400 + 43200);
        struct tm tm = {0};
        if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 != y || tm.tm_mon + 1 != m || tm.tm_mday != d)
            fail_msg("%04d-%02d-%02d: gmtime_r says %04d-%02d-%02d", y, m, d, tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday);
        if (y == 9999 && m == 12 && d == 31)
            break;
        expect++;
        if (++d > px_days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_true(expect == 2932896);
}

static void test_util__calendar_from_us(void)
{
    static const struct {
        int y, m, d;
        int line;
    } v[] = {{1970, 1, 1, __LINE__},   {1969, 12, 31, __LINE__}, {2000, 2, 29, __LINE__},
             {2026, 3, 15, __LINE__},  {2100, 3, 1, __LINE__},   {1600, 1, 1, __LINE__},
             {2025, 12, 31, __LINE__}, {2026, 1, 1, __LINE__},   {2081, 6, 1, __LINE__}};
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        /* the first and the last microsecond of the day */
        int64_t first = px_civil_days(v[i].y, v[i].m, v[i].d) * PX_DAY_US;
        int64_t at[2] = {first, first + PX_DAY_US - 1};
        for (int k = 0; k < 2; k++) {
            int y, m, d;
            px_civil_from_us(at[k], &y, &m, &d);
            if (y != v[i].y || m != v[i].m || d != v[i].d)
                fail_msg("%s:%d: got %04d-%02d-%02d", __FILE__, v[i].line, y, m, d);
            /* the year two-digit GS1 years are read against (GenSpecs §7.12) */
            if (px_year_of_us(at[k]) != v[i].y)
                fail_msg("%s:%d: year %d", __FILE__, v[i].line, px_year_of_us(at[k]));
        }
    }
    int y, m, d;
    px_civil_from_us(-1, &y, &m, &d); /* one microsecond before the epoch */
    assert_int_equal(y, 1969);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
    assert_int_equal(px_year_of_us(-1), 1969);
}

static void test_util__calendar_floor_div(void)
{
    static const struct {
        int64_t a, b, q;
        int line;
    } v[] = {{7, 2, 3, __LINE__},           {-7, 2, -4, __LINE__},
             {-8, 2, -4, __LINE__},         {0, 5, 0, __LINE__},
             {-1, 86400, -1, __LINE__},     {86399, 86400, 0, __LINE__},
             {-86400, 86400, -1, __LINE__}, {-86401, 86400, -2, __LINE__}};
    for (size_t i = 0; i < PX_COUNT(v); i++)
        if (px_floor_div(v[i].a, v[i].b) != v[i].q)
            fail_msg("%s:%d", __FILE__, v[i].line);
}

/* The shape of an xsd:date without a zone; the ranges are left to the caller. */
static void test_util__iso_date_shape(void)
{
    int y = 0, m = 0, d = 0;
    assert_true(px_iso_date_shape("2027-06-30", &y, &m, &d));
    assert_int_equal(y, 2027);
    assert_int_equal(m, 6);
    assert_int_equal(d, 30);
    assert_true(px_iso_date_shape("2027-13-40", &y, &m, &d)); /* shape only */
    assert_int_equal(m, 13);
    static const char *const bad[] = {"",           "2027-06-3",  "2027-06-300",
                                      "2027/06/30", "27-06-30",   "2027-6-300",
                                      "20a7-06-30", "2027-06-3x", "270630"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(px_iso_date_shape(bad[i], &y, &m, &d));
}
