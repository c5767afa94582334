/* store/rows.c: a row mapper's run of text columns (px__texts) copies each column, in order
 * from the one named, into its own field, cut at that field's size as px_strlcpy cuts, and
 * SQL NULL as ""; the results are built with libpq's PQmakeEmptyPGresult / PQsetvalue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

static void test_store_rows__texts_in_column_order(void **state)
{
    (void)state;
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

static void test_store_rows__texts_bounded_by_each_field(void **state)
{
    (void)state;
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
