/* store/lifecycle.c: the text[] parameter every list of serials, GTINs or children travels in
 * (px_store_text_array, px__text_array). PostgreSQL's array input syntax (its manual, "Array
 * Value Input"): elements in braces, comma-separated, each double-quoted, '"' and '\' inside
 * written with a backslash before them; past the 64 MiB bound the request is refused as too
 * big and nothing is left to dispose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lifecycle_store.h"
#include "store_internal.h"

static void check_literal(const char *const *v, size_t n, const char *want)
{
    px_buf b;
    px_buf_init(&b, 1u << 20);
    assert_int_equal(px_store_text_array(&b, v, n), PX_OK);
    assert_non_null(b.data);
    assert_string_equal(b.data, want);
    px_buf_dispose(&b);
}

static void test_store_text_array__literal(void)
{
    check_literal(NULL, 0, "{}");
    static const char *const plain[] = {"SN1", "", "A-1/2"};
    check_literal(plain, 3, "{\"SN1\",\"\",\"A-1/2\"}");
    /* Set 82 allows '"'; a backslash is escaped too, should one ever reach a list. */
    static const char *const quoted[] = {"a\"b", "c\\d", "NULL"};
    check_literal(quoted, 3, "{\"a\\\"b\",\"c\\\\d\",\"NULL\"}");
}

/* An element longer than the writer's 96-byte chunk comes out whole, escapes included. */
static void test_store_text_array__long_element(void)
{
    char v[301];
    for (int i = 0; i < 300; i++)
        v[i] = i % 50 == 49 ? '"' : (char)('a' + i % 26);
    v[300] = '\0';
    char want[2 + 2 + 300 + 6 + 1];
    size_t k = 0;
    want[k++] = '{';
    want[k++] = '"';
    for (int i = 0; i < 300; i++) {
        if (v[i] == '"')
            want[k++] = '\\';
        want[k++] = v[i];
    }
    want[k++] = '"';
    want[k++] = '}';
    want[k] = '\0';
    const char *const one[] = {v};
    check_literal(one, 1, want);
}

static void test_store_text_array__past_the_bound(void)
{
    /* 70,000 elements of 1,000 bytes: about 70 MB quoted, over the 64 MiB bound. */
    size_t n = 70000;
    char *item = malloc(1001);
    const char **v = malloc(n * sizeof(*v));
    assert_non_null(item);
    assert_non_null(v);
    memset(item, 'x', 1000);
    item[1000] = '\0';
    for (size_t i = 0; i < n; i++)
        v[i] = item;
    px_buf b;
    px_err err;
    assert_null(px__text_array(&b, v, n, "serials", &err));
    assert_int_equal(err.rc, PX_ETOOBIG);
    assert_string_equal(err.code, "payload_too_large");
    assert_string_equal(err.message, "too many serials");
    assert_null(b.data); /* already disposed */
    px_buf_dispose(&b);  /* and disposing again is harmless */
    /* Under the bound the same call gives the literal, which the caller disposes. */
    const char *a = px__text_array(&b, v, 3, "serials", &err);
    assert_non_null(a);
    assert_int_equal(strlen(a), 2 + 3 * 1002 + 2);
    px_buf_dispose(&b);
    free(v);
    free(item);
}
