/* Unit tests for util/px_buf: growth, the hard maximum, and sticky failure — after the first
 * append that does not fit, every append fails with the same code and the content stays as it
 * was until px_buf_reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_buf.h"

static void test_util__buf_grows(void)
{
    px_buf b;
    px_buf_init(&b, 1 << 20);
    assert_int_equal(px_buf_failed(&b), PX_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(px_buf_printf(&b, "%04d,", i), PX_OK);
    assert_int_equal(b.len, 5000);
    assert_int_equal(strlen(b.data), 5000);
    assert_memory_equal(b.data + 4995, "0999,", 5);
    assert_int_equal(px_buf_add(&b, "xy", 1), PX_OK);
    assert_int_equal(px_buf_add(&b, NULL, 0), PX_OK);
    assert_string_equal(b.data + 5000, "x");
    px_buf_dispose(&b);
    px_buf_dispose(&b); /* twice is harmless */
    px_buf_dispose(NULL);
}

/* The maximum counts content bytes (the NUL is extra): exactly max fits. */
static void test_util__buf_maximum(void)
{
    static const struct {
        size_t max;
        const char *first, *second;
        px_rc rc;
        const char *content;
        int line;
    } v[] = {
        {8, "abcd", "efgh", PX_OK, "abcdefgh", __LINE__},
        {8, "abcd", "efghi", PX_ETOOBIG, "abcd", __LINE__},
        {8, "abcdefgh", "", PX_OK, "abcdefgh", __LINE__},
        {0, "", "", PX_OK, "", __LINE__},
        {3, "abc", "d", PX_ETOOBIG, "abc", __LINE__},
        {1000, "abc", "", PX_OK, "abc", __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_buf b;
        px_buf_init(&b, v[i].max);
        px_rc rc1 = px_buf_puts(&b, v[i].first);
        px_rc rc2 = px_buf_puts(&b, v[i].second);
        const char *got = b.data ? b.data : "";
        if (rc1 != PX_OK || rc2 != v[i].rc || strcmp(got, v[i].content) != 0 ||
            b.len != strlen(v[i].content) || px_buf_failed(&b) != v[i].rc)
            fail_msg("%s:%d: rc %d/%d content '%s'", __FILE__, v[i].line, (int)rc1, (int)rc2, got);
        px_buf_dispose(&b);
    }
}

/* After an overflow, every kind of append fails with PX_ETOOBIG and changes nothing, even one
 * that would fit; reset starts over. */
static void test_util__buf_sticky_failure(void)
{
    px_buf b;
    px_buf_init(&b, 10);
    assert_int_equal(px_buf_puts(&b, "hello"), PX_OK);
    assert_int_equal(px_buf_puts(&b, "-world!"), PX_ETOOBIG);
    assert_int_equal(px_buf_failed(&b), PX_ETOOBIG);
    assert_int_equal(px_buf_puts(&b, "x"), PX_ETOOBIG);
    assert_int_equal(px_buf_add(&b, "y", 1), PX_ETOOBIG);
    assert_int_equal(px_buf_add(&b, "", 0), PX_ETOOBIG);
    assert_int_equal(px_buf_printf(&b, "%d", 7), PX_ETOOBIG);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "hello");
    assert_int_equal(px_buf_failed(&b), PX_ETOOBIG);

    px_buf_reset(&b);
    assert_int_equal(px_buf_failed(&b), PX_OK);
    assert_int_equal(b.len, 0);
    assert_int_equal(px_buf_puts(&b, "0123456789"), PX_OK);
    assert_string_equal(b.data, "0123456789");
    assert_int_equal(px_buf_printf(&b, "%s", "!"), PX_ETOOBIG);
    assert_int_equal(px_buf_puts(&b, ""), PX_ETOOBIG);
    assert_string_equal(b.data, "0123456789");

    /* take hands over the content before the failure and leaves a fresh buffer */
    char *s = px_buf_take(&b);
    assert_string_equal(s, "0123456789");
    free(s);
    assert_int_equal(px_buf_failed(&b), PX_OK);
    assert_null(b.data);
    assert_int_equal(px_buf_puts(&b, "ok"), PX_OK);
    assert_string_equal(b.data, "ok");
    px_buf_dispose(&b);
}

/* A builder may append a run of pieces and check once at the end. */
static void test_util__buf_check_once(void)
{
    static const char *const pieces[] = {"<a>", "<b>", "<c>", "<d>", "<e>"};
    for (size_t max = 0; max <= 16; max++) {
        px_buf b;
        px_buf_init(&b, max);
        for (size_t i = 0; i < 5; i++)
            px_buf_puts(&b, pieces[i]);
        size_t whole = max / 3 < 5 ? max / 3 : 5; /* pieces that fit before the first miss */
        assert_int_equal(b.len, whole * 3);
        assert_int_equal(px_buf_failed(&b), whole == 5 ? PX_OK : PX_ETOOBIG);
        px_buf_dispose(&b);
    }
}

static void test_util__buf_take_empty(void)
{
    px_buf b;
    px_buf_init(&b, 0);
    char *s = px_buf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

/* Text in markup: the five characters XML 1.0 §2.4 and §4.6 give references for, wherever
 * they stand; every other byte (UTF-8 included) unchanged. */
static void test_util__buf_put_markup(void)
{
    static const struct {
        const char *in, *out;
        int line;
    } v[] = {
        {"", "", __LINE__},
        {"(01)09506000134352(21)A1", "(01)09506000134352(21)A1", __LINE__},
        {"a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&#39;f", __LINE__},
        {"<", "&lt;", __LINE__},
        {"&&", "&amp;&amp;", __LINE__},
        {"x<", "x&lt;", __LINE__},
        {"<x", "&lt;x", __LINE__},
        {"&amp;", "&amp;amp;", __LINE__}, /* text, not markup: a reference is escaped again */
        {"Z\xc3\xbcrich \xe2\x80\x94 ok", "Z\xc3\xbcrich \xe2\x80\x94 ok", __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_buf b;
        px_buf_init(&b, 1024);
        assert_int_equal(px_buf_put_markup(&b, v[i].in), PX_OK);
        if (strcmp(b.data ? b.data : "", v[i].out) != 0)
            fail_msg("%s:%d: '%s' -> '%s'", __FILE__, v[i].line, v[i].in, b.data ? b.data : "");
        px_buf_dispose(&b);
    }
    /* A reference that does not fit fails the buffer like any append. */
    px_buf b;
    px_buf_init(&b, 4);
    assert_int_equal(px_buf_put_markup(&b, "ab<"), PX_ETOOBIG);
    assert_int_equal(px_buf_failed(&b), PX_ETOOBIG);
    assert_string_equal(b.data, "ab");
    px_buf_dispose(&b);
}

/* Percent-encoding, every byte: kept as it is when RFC 3986 §2.3 lists it as unreserved (the
 * grammar's characters written out here) or the caller keeps it, else "%XX" in upper-case hex
 * whose value is the byte. */
static void test_util__buf_put_pct(void)
{
    static const char unreserved[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-._~";
    static const char *const also[] = {"", "!$'()*,;:@", "%/"};
    for (size_t k = 0; k < PX_COUNT(also); k++)
        for (int c = 1; c < 256; c++) {
            char in[2] = {(char)c, '\0'};
            px_buf b;
            px_buf_init(&b, 16);
            assert_int_equal(px_buf_put_pct(&b, in, also[k]), PX_OK);
            int raw = strchr(unreserved, c) || strchr(also[k], c);
            if (raw ? b.len != 1 || b.data[0] != (char)c
                    : b.len != 3 || b.data[0] != '%' || strtol(b.data + 1, NULL, 16) != c ||
                          strspn(b.data + 1, "0123456789ABCDEF") != 2)
                fail_msg("byte 0x%02x (kept also '%s'): '%s'", c, also[k], b.data);
            px_buf_dispose(&b);
        }
    px_buf b;
    px_buf_init(&b, 64);
    px_buf_put_pct(&b, "lot 7/\xc3\xa9~", "");
    assert_string_equal(b.data, "lot%207%2F%C3%A9~");
    px_buf_dispose(&b);
}
