/* Unit tests for util/px_jsonw: every JSON string packid writes by hand (audit details, the
 * commission answer, exports, carrier batches, the EPCIS 2.0 writer, log lines) escapes as
 * jansson does, byte for byte — the outside oracle is jansson's own encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "px_jsonw.h"
#include "px_log.h"

/* jansson's encoding of the one-byte string {c} (its quotes included), into out. */
static void jansson_of(unsigned char c, char *out, size_t cap)
{
    char s[2] = {(char)c, 0};
    json_t *j = json_stringn(s, 1);
    char *d = json_dumps(j, JSON_ENCODE_ANY);
    assert_non_null(d);
    snprintf(out, cap, "%s", d);
    free(d);
    json_decref(j);
}

/* Every ASCII byte, as jansson's encoder writes it. */
static void test_util__jsonw_every_byte_as_jansson(void)
{
    for (int c = 1; c < 128; c++) {
        char want[16], s[2] = {(char)c, 0};
        jansson_of((unsigned char)c, want, sizeof(want));
        char got[16];
        px_buf b;
        px_buf_init(&b, 64);
        px_rc rc = px_jsonw_string(&b, s);
        snprintf(got, sizeof(got), "%.*s", (int)b.len, b.data ? b.data : "");
        px_buf_dispose(&b);
        assert_int_equal(rc, PX_OK);
        if (strcmp(got, want) != 0)
            fail_msg("byte 0x%02x: %s, jansson %s", c, got, want);
        /* a log line's text is the same without its quotes, but for DEL, which a log line
         * escapes (a terminal's control; jansson reads \u007F back as DEL) */
        char esc[16];
        px_json_escape(esc, sizeof(esc), s);
        if (c == 0x7F)
            snprintf(want, sizeof(want), "\"\\u007F\"");
        if (strncmp(esc, want + 1, strlen(want) - 2) != 0 || strlen(esc) != strlen(want) - 2)
            fail_msg("byte 0x%02x in a log line: %s, jansson %s", c, esc, want);
    }
}

/* A log line's text is valid JSON and UTF-8 whatever came from outside (jansson decodes it,
 * its UTF-8 check the oracle): characters of UTF-8 kept, C1 controls, stray and overlong
 * bytes as \u00XX; and what does not fit ends "...", while what fits exactly is whole. */
static void test_util__jsonw_log_text_stays_utf8(void)
{
    static const struct {
        const char *in, *want;
        size_t cap;
    } v[] = {
        {"caf\xc3\xa9", "caf\xc3\xa9", 64},
        {"/\x7f\xc2\x9b\xff", "/\\u007F\\u009B\\u00FF", 64}, /* C1 as its code point */
        {"\xc0\xaf", "\\u00C0\\u00AF", 64},                  /* overlong '/' */
        {"\xe2\x82", "\\u00E2\\u0082", 64},                  /* a character cut short */
        {"abcdefghi", "abcdefghi", 10},                      /* fits exactly: whole */
        {"abcdefghij", "abcdef...", 10},                     /* one more: cut, and says so */
        {"ab\xc3\xa9"
         "cdefgh",
         "ab\xc3\xa9"
         "cd...",
         10}, /* never inside a character */
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char out[64], doc[80];
        px_json_escape(out, v[i].cap, v[i].in);
        if (strcmp(out, v[i].want) != 0)
            fail_msg("case %zu: %s, want %s", i, out, v[i].want);
        snprintf(doc, sizeof(doc), "\"%s\"", out);
        json_error_t e;
        json_t *j = json_loads(doc, JSON_DECODE_ANY, &e);
        if (!j)
            fail_msg("case %zu: jansson refuses %s: %s", i, doc, e.text);
        json_decref(j);
    }
}

/* A byte of a multi-byte UTF-8 sequence stands for itself (jansson encodes only whole
 * characters: the next test gives it text). */
static void test_util__jsonw_high_bytes_stand(void)
{
    char esc[6];
    for (int c = 128; c < 256; c++)
        assert_int_equal(px_json_escape_byte((unsigned char)c, esc), 0);
}

/* Text around the escapes is copied whole, multi-byte UTF-8 included. */
static void test_util__jsonw_runs_copied_whole(void)
{
    const char *s = "caf\xc3\xa9 \"q\"\n\x1d"
                    "end\\";
    json_t *j = json_string(s);
    char *want = json_dumps(j, JSON_ENCODE_ANY);
    px_buf b;
    px_buf_init(&b, 64);
    px_rc rc = px_jsonw_string(&b, s);
    int same = rc == PX_OK && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
    px_buf_dispose(&b);
    free(want);
    json_decref(j);
    assert_true(same);
}
