/* store/rows.c: a row mapper's run of text columns (px__texts) copies each column, in order
 * from the one named, into its own field, cut at that field's size as px_strlcpy cuts, and
 * SQL NULL as ""; the results are built with libpq's PQmakeEmptyPGresult / PQsetvalue. And a
 * statement's parameters (PX__ARGS) are counted as they are listed, in their order, and a
 * whole number among them (PX__INT) is its decimal text, each in its own buffer. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "store_internal.h"

/* One row of n text columns; values[i] NULL is SQL NULL. */
static PGresult *one_row(int n, const char *const *values)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(r);
    PGresAttDesc attrs[8];
    memset(attrs, 0, sizeof(attrs));
    static char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (int i = 0; i < n; i++) {
        attrs[i].name = names[i];
        attrs[i].typid = 25; /* text */
        attrs[i].typlen = -1;
    }
    assert_int_equal(PQsetResultAttrs(r, n, attrs), 1);
    for (int i = 0; i < n; i++)
        assert_int_equal(
            PQsetvalue(r, 0, i, (char *)values[i], values[i] ? (int)strlen(values[i]) : -1), 1);
    return r;
}

static void test_store_rows__texts_in_column_order(void)
{
    const char *values[] = {"skipped", "first", "second", "third"};
    PGresult *r = one_row(4, values);
    struct {
        char a[16], b[16], c[16];
    } f;
    memset(&f, 'x', sizeof(f));
    px__texts(r, 0, 1, PX__TEXT(f.a), PX__TEXT(f.b), PX__TEXT(f.c), NULL);
    assert_string_equal(f.a, "first");
    assert_string_equal(f.b, "second");
    assert_string_equal(f.c, "third");
    PQclear(r);
}

static void test_store_rows__texts_bounded_by_each_field(void)
{
    const char *values[] = {"abcdefgh", NULL, "12345"};
    PGresult *r = one_row(3, values);
    char small[4], null_field[8], exact[6];
    memset(null_field, 'x', sizeof(null_field));
    px__texts(r, 0, 0, PX__TEXT(small), PX__TEXT(null_field), PX__TEXT(exact), NULL);
    assert_string_equal(small, "abc"); /* cut at the field (ASan sees a write past it) */
    assert_string_equal(null_field, "");
    assert_string_equal(exact, "12345");
    PQclear(r);
}

/* What PX__ARGS hands px__exec: the number of values and the values, in the order listed
 * (a NULL among them is SQL NULL and still counts). */
static void args_seen(int n, const char *const *p, int want_n, const char *const *want)
{
    assert_int_equal(n, want_n);
    for (int i = 0; i < n; i++) {
        if (want[i])
            assert_string_equal(p[i], want[i]);
        else
            assert_null(p[i]);
    }
}

static void test_store_rows__args_counted_in_order(void)
{
    const char *gtin = "09506000134352", *none = NULL;
    args_seen(PX__ARGS(gtin), 1, (const char *const[]){"09506000134352"});
    args_seen(PX__ARGS(gtin, none, "t"), 3, (const char *const[]){"09506000134352", NULL, "t"});
    args_seen(PX__ARGS("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"),
              14,
              (const char *const[]){"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
                                    "13", "14"});
}

static void test_store_rows__numbers_as_text(void)
{
    long limit = 500;
    /* Each PX__INT has its buffer: two in one list do not overwrite each other. */
    args_seen(PX__ARGS(PX__INT(limit), PX__INT(-1), PX__INT(0)), 3,
              (const char *const[]){"500", "-1", "0"});
    /* The extremes fit PX__INT_LEN, sign and all. */
    args_seen(PX__ARGS(PX__INT(LLONG_MIN), PX__INT(LLONG_MAX)), 2,
              (const char *const[]){"-9223372036854775808", "9223372036854775807"});
    /* size_t and int64_t counts go through long long unchanged below LLONG_MAX. */
    size_t n = 100000;
    int64_t us = INT64_C(1798761600000000);
    args_seen(PX__ARGS(PX__INT(n), PX__INT(us)), 2,
              (const char *const[]){"100000", "1798761600000000"});
}

/* A timestamp for COPY, to the microsecond, on either side of the epoch: the instant before
 * 1970 falls in the day it is in (floor division), not the day after. */
static void test_store_rows__copy_timestamps(void)
{
    char out[40];
    px__copy_ts(out, 0);
    assert_string_equal(out, "1970-01-01 00:00:00.000000+00");
    px__copy_ts(out, -1);
    assert_string_equal(out, "1969-12-31 23:59:59.999999+00");
    px__copy_ts(out, 1767225600000000LL + 3723000001LL); /* 2026-01-01 01:02:03.000001 */
    assert_string_equal(out, "2026-01-01 01:02:03.000001+00");
    px__copy_ts(out, -86400000000LL);
    assert_string_equal(out, "1969-12-31 00:00:00.000000+00");
}
