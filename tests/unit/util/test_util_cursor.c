/* Unit tests for util/px_cursor: base64url vectors (RFC 4648 §5, computed with Python's
 * base64.urlsafe_b64encode as the outside oracle), round trips and malformed cursors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_crypto.h"
#include "px_cursor.h"

static void test_util__cursor_vectors(void)
{
    static const struct {
        const char *raw, *cursor;
        int line;
    } v[] = {
        {"seq:42", "c2VxOjQy", __LINE__},
        {"a", "YQ", __LINE__},
        {"ab", "YWI", __LINE__},
        {"abc", "YWJj", __LINE__},
        {"12345|SERIAL/1", "MTIzNDV8U0VSSUFMLzE", __LINE__},
        {"~~~", "fn5-", __LINE__}, /* '-' where base64 has '+' */
        {"???", "Pz8_", __LINE__}, /* '_' where base64 has '/' */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char c[PX_CURSOR_MAX + 1], raw[160];
        if (px_cursor_encode(c, sizeof(c), v[i].raw) != 0 || strcmp(c, v[i].cursor) != 0)
            fail_msg("%s:%d: encode '%s' -> '%s'", __FILE__, v[i].line, v[i].raw, c);
        if (px_cursor_decode(raw, sizeof(raw), v[i].cursor) != 0 || strcmp(raw, v[i].raw) != 0)
            fail_msg("%s:%d: decode '%s' -> '%s'", __FILE__, v[i].line, v[i].cursor, raw);
    }
}

/* Every printable raw text of 1..140 bytes comes back unchanged. */
static void test_util__cursor_round_trip(void)
{
    char raw[141], c[PX_CURSOR_MAX + 1], back[160];
    for (size_t n = 1; n <= 140; n++) {
        for (size_t i = 0; i < n; i++)
            raw[i] = (char)(0x20 + (i * 7 + n) % 95);
        raw[n] = '\0';
        assert_int_equal(px_cursor_encode(c, sizeof(c), raw), 0);
        assert_int_equal(strlen(c), (n * 4 + 2) / 3);
        assert_int_equal(px_cursor_decode(back, sizeof(back), c), 0);
        assert_string_equal(back, raw);
    }
    memset(raw, 'x', 140);
    raw[140] = '\0';
    char small[8];
    assert_int_equal(px_cursor_encode(small, sizeof(small), raw), -1); /* cap too small */
    char big[200];
    memset(big, 'x', 141);
    big[141] = '\0';
    assert_int_equal(px_cursor_encode(c, sizeof(c), big), -1); /* raw over 140 bytes */
}

static void test_util__cursor_malformed(void)
{
    static const struct {
        const char *cursor;
        int line;
    } v[] = {
        {"", __LINE__},      {"Y", __LINE__},    /* 1 mod 4: not a whole byte */
        {"YWJjZ", __LINE__}, {"YW=j", __LINE__}, /* padding is not used */
        {"YW+j", __LINE__},                      /* base64, not base64url */
        {"YW/j", __LINE__},  {"YW j", __LINE__},
        {"AAAA", __LINE__}, /* decodes to NUL bytes: not text we issue */
        {"Cg", __LINE__},   /* "\n" */
        {"fw", __LINE__},   /* DEL */
        {"_w", __LINE__},   /* 0xFF: not UTF-8, nothing we issue */
        {"w6k", __LINE__},  /* "é": cursors we issue are ASCII */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char raw[160];
        if (px_cursor_decode(raw, sizeof(raw), v[i].cursor) != -1)
            fail_msg("%s:%d: '%s' accepted", __FILE__, v[i].line, v[i].cursor);
    }
    char longc[PX_CURSOR_MAX + 2];
    memset(longc, 'Q', sizeof(longc) - 1);
    longc[sizeof(longc) - 1] = '\0';
    char raw[200];
    assert_int_equal(px_cursor_decode(raw, sizeof(raw), longc), -1); /* over PX_CURSOR_MAX */
    char tiny[4];
    assert_int_equal(px_cursor_decode(tiny, 3, "YWJj"), -1); /* "abc" and its NUL need 4 */
    assert_int_equal(px_cursor_decode(tiny, sizeof(tiny), "YWJj"), 0);
    assert_string_equal(tiny, "abc");
}

/* RFC 4648 §5 Table 2, stated here by ranges: every byte's base64url value, and the run of
 * base64url characters a text starts with. */
static void test_util__base64url_values(void)
{
    for (int c = 0; c < 256; c++) {
        int want = c >= 'A' && c <= 'Z'   ? c - 'A'
                   : c >= 'a' && c <= 'z' ? c - 'a' + 26
                   : c >= '0' && c <= '9' ? c - '0' + 52
                   : c == '-'             ? 62
                   : c == '_'             ? 63
                                          : -1;
        if (px_base64url_value(c) != want)
            fail_msg("byte 0x%02x: %d, want %d", c, px_base64url_value(c), want);
    }
    assert_int_equal(px_base64url_span("pk_live_Ab-9"), 12);
    assert_int_equal(px_base64url_span("Ab-9/x"), 4);
    assert_int_equal(px_base64url_span("=pad"), 0);
}

/* A list paged by ids takes no cursor, or a UUID; anything else is the one refusal of a cursor
 * this list did not issue. */
static void test_util__cursor_check_uuid(void)
{
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_cursor_check_uuid(NULL, &err), PX_OK);
    assert_int_equal(px_cursor_check_uuid("", &err), PX_OK);
    assert_int_equal(px_cursor_check_uuid("0b7c6f0e-2d7a-4c51-9a0e-2f1d3c4b5a69", &err), PX_OK);
    assert_int_equal(px_cursor_check_uuid("MDEyMzQ1Njc4OTAxMjM0NQ", &err), PX_EINVALID);
    assert_string_equal(err.code, "bad_request");
    assert_string_equal(err.field, "after");
    assert_string_equal(err.message, "after is not a cursor of this list");
}
