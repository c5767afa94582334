/* Unit tests for util/px_str (copying, number parsing, text and UUID checks), the one-line
 * failures of px_err, and the numeric settings of px_config. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_config.h"
#include "px_err.h"
#include "px_str.h"

static void test_util__str_parse_long(void)
{
    static const struct {
        const char *s;
        long min, max;
        int ok;
        long v;
        int line;
    } v[] = {
        {"0", 0, 10, 1, 0, __LINE__},
        {"10", 0, 10, 1, 10, __LINE__},
        {"11", 0, 10, 0, 0, __LINE__},
        {"-1", 0, 10, 0, 0, __LINE__},
        {"-1", -5, 5, 1, -1, __LINE__},
        {"+7", 0, 10, 1, 7, __LINE__},
        {"007", 0, 10, 1, 7, __LINE__},
        {"65535", 0, 65535, 1, 65535, __LINE__},
        {"65536", 0, 65535, 0, 0, __LINE__},
        {"9223372036854775807", 0, LONG_MAX, 1, LONG_MAX, __LINE__},
        {"9223372036854775808", 0, LONG_MAX, 0, 0, __LINE__}, /* overflow (ERANGE) */
        {"12abc", 0, 100, 0, 0, __LINE__},
        {"12 ", 0, 100, 0, 0, __LINE__},
        {" 12", 0, 100, 0, 0, __LINE__},
        {"\t12", 0, 100, 0, 0, __LINE__},
        {"-", -5, 5, 0, 0, __LINE__},
        {"+", 0, 5, 0, 0, __LINE__},
        {"0x10", 0, 100, 0, 0, __LINE__},
        {"1e3", 0, 10000, 0, 0, __LINE__},
        {"", 0, 10, 0, 0, __LINE__},
        {NULL, 0, 10, 0, 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        long out = -42;
        int rc = px_parse_long(v[i].s, v[i].min, v[i].max, &out);
        if ((rc == 0) != v[i].ok || (v[i].ok && out != v[i].v) || (!v[i].ok && out != -42))
            fail_msg("%s:%d: '%s' -> %d, %ld", __FILE__, v[i].line, v[i].s ? v[i].s : "(null)", rc,
                     out);
    }
}

/* Character set N (GenSpecs §7.11): only 0-9; n bytes are read, not up to a NUL. */
static void test_util__str_digits(void)
{
    assert_int_equal(px_digits("0123456789", 10), 1);
    assert_int_equal(px_digits("", 0), 1);    /* no byte that is not a digit */
    assert_int_equal(px_digits("12a", 2), 1); /* only the n bytes asked */
    assert_int_equal(px_digits("12a", 3), 0);
    assert_int_equal(px_digits("1\0002", 3), 0);
    for (int c = 0; c < 256; c++) {
        char s[2] = {'5', (char)c};
        if (px_digits(s, 2) != (c >= '0' && c <= '9'))
            fail_msg("byte 0x%02x", c);
    }
}

static void test_util__str_uuid(void)
{
    static const struct {
        const char *s;
        int ok;
        int line;
    } v[] = {
        {"123e4567-e89b-12d3-a456-426614174000", 1, __LINE__},
        {"123E4567-E89B-12D3-A456-426614174000", 1, __LINE__},
        {"00000000-0000-0000-0000-000000000000", 1, __LINE__},
        {"123e4567-e89b-12d3-a456-42661417400", 0, __LINE__},   /* 35 */
        {"123e4567-e89b-12d3-a456-4266141740000", 0, __LINE__}, /* 37 */
        {"123e4567e89b-12d3-a456-4266141740000", 0, __LINE__},  /* dash moved */
        {"123e4567-e89b-12d3-a456-42661417400g", 0, __LINE__},
        {"{23e4567-e89b-12d3-a456-426614174000", 0, __LINE__},
        {"123e4567-e89b-12d3-a456_426614174000", 0, __LINE__},
        {"123e4567-e89b-12d3-a456-42661417400 ", 0, __LINE__},
        {"123e4567e89b12d3a456426614174000", 0, __LINE__}, /* hex without dashes */
        {"", 0, __LINE__},
        {NULL, 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++)
        if (px_uuid_valid(v[i].s) != v[i].ok)
            fail_msg("%s:%d: '%s'", __FILE__, v[i].line, v[i].s ? v[i].s : "(null)");
}

static void test_util__str_printable(void)
{
    static const struct {
        const char *s;
        size_t maxlen;
        int ok;
        int line;
    } v[] = {
        {"Acme GmbH", 200, 1, __LINE__},
        {"Zürich", 200, 1, __LINE__}, /* UTF-8 passes */
        {"abc", 3, 1, __LINE__},
        {"abcd", 3, 0, __LINE__},
        {"", 200, 0, __LINE__},
        {"tab\there", 200, 0, __LINE__},
        {"line\n", 200, 0, __LINE__},
        {"del\x7f", 200, 0, __LINE__},
        {"Z\xfcrich", 200, 0, __LINE__}, /* Latin-1, not UTF-8 */
        {"caf\xc3", 200, 0, __LINE__},   /* cut inside a character */
        {"a\xc2\x85"
         "b",
         200, 0, __LINE__},                  /* NEL, a C1 control */
        {"\xc2\xa0nbsp", 200, 1, __LINE__},  /* U+00A0 is no control */
        {"X\xef\xbf\xbe", 200, 0, __LINE__}, /* U+FFFE: not an XML 1.0 character */
        {"X\xef\xbf\xbf", 200, 0, __LINE__}, /* U+FFFF: nor is this */
        {"X\xef\xbf\xbd", 200, 1, __LINE__}, /* U+FFFD, the replacement character, is */
        /* UAX #9's embeddings, overrides and isolates reorder what is shown: "a", RLO, "b". */
        {"a\xe2\x80\xae"
         "b",
         200, 0, __LINE__},
        {"a\xe2\x80\xaa", 200, 0, __LINE__},        /* LRE, U+202A: the first of them */
        {"a\xe2\x80\xa9", 200, 1, __LINE__},        /* U+2029, just before: no bidi control */
        {"a\xe2\x81\xa6", 200, 0, __LINE__},        /* LRI, U+2066 */
        {"a\xe2\x81\xa9", 200, 0, __LINE__},        /* PDI, U+2069: the last */
        {"a\xe2\x81\xaa", 200, 1, __LINE__},        /* U+206A, after them */
        {"\xd7\xa9\xe2\x80\x8f", 200, 1, __LINE__}, /* Hebrew shin and RLM: a mark is kept */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++)
        if (px_str_printable(v[i].s, v[i].maxlen) != v[i].ok)
            fail_msg("%s:%d: '%s'", __FILE__, v[i].line, v[i].s);
}

/* Blank: what a person could not tell from nothing, spaces and invisible characters alike:
 * U+00A0, U+FEFF (a byte order mark), U+200B, U+2000, U+200A, RLM alone, U+202F, U+205F,
 * U+2060, U+3000. Seen: a letter beside a zero-width space, a hyphen U+2010, an ideographic
 * comma U+3001. */
static void test_util__str_blank(void)
{
    static const char *const blank[] = {"",
                                        "   ",
                                        "\xc2\xa0",
                                        "\xef\xbb\xbf",
                                        "\xe2\x80\x8b \xe2\x80\x80\xe2\x80\x8a",
                                        "\xe2\x80\x8f",
                                        "\xe2\x80\xaf\xe2\x81\x9f\xe2\x81\xa0",
                                        "\xe3\x80\x80"};
    static const char *const seen[] = {"L\xe2\x80\x8b", "\xe2\x80\x90", "\xe3\x80\x81", " a "};
    for (size_t i = 0; i < PX_COUNT(blank); i++)
        if (!px_str_blank(blank[i]))
            fail_msg("blank[%zu] is taken for text", i);
    for (size_t i = 0; i < PX_COUNT(seen); i++)
        if (px_str_blank(seen[i]))
            fail_msg("seen[%zu] is taken for blank", i);
}

/* A byte order mark is the three bytes EF BB BF at the start, nothing shorter or later. */
static void test_util__str_utf8_bom(void)
{
    assert_int_equal(px_utf8_bom("\xef\xbb\xbf{}", 5), 3);
    assert_int_equal(px_utf8_bom("\xef\xbb\xbf", 3), 3);
    assert_int_equal(px_utf8_bom("\xef\xbb\xbf", 2), 0);   /* cut short */
    assert_int_equal(px_utf8_bom("\xef\xbb\xbe{}", 5), 0); /* U+FEFE's bytes */
    assert_int_equal(px_utf8_bom(" \xef\xbb\xbf", 4), 0);  /* not at the start */
    assert_int_equal(px_utf8_bom("", 0), 0);
}

/* A character named for a message: ASCII as itself, any other well-formed character by its
 * code point (an invisible one or a bidi override too: never raw), a stray byte as a byte; the
 * length is the span to point at, never past what is readable. */
static void test_util__str_char_name(void)
{
    static const struct {
        const char *s;
        size_t avail;
        const char *name;
        size_t len;
    } v[] = {
        {"~x", 2, "'~'", 1},
        {" ", 1, "' '", 1},
        {"\t", 1, "byte 0x09", 1},
        {"\x7f", 1, "byte 0x7F", 1},
        {"\xc3\xa9!", 3, "U+00E9", 2},
        {"\xe2\x80\xae", 3, "U+202E", 3},      /* RIGHT-TO-LEFT OVERRIDE */
        {"\xef\xbb\xbf", 3, "U+FEFF", 3},      /* a byte order mark */
        {"\xf0\x9f\x98\x80", 4, "U+1F600", 4}, /* outside the BMP */
        {"\xc3\xa9", 1, "byte 0xC3", 1},       /* cut at avail */
        {"\xc0\xaf", 2, "byte 0xC0", 1},       /* overlong '/' */
        {"\xed\xa0\x80", 3, "byte 0xED", 1},   /* a surrogate */
        {"\x80", 1, "byte 0x80", 1},           /* a stray continuation */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char out[PX_CHAR_NAME_MAX];
        size_t n = px_char_name(out, v[i].s, v[i].avail);
        if (strcmp(out, v[i].name) != 0 || n != v[i].len)
            fail_msg("v[%zu]: %s (%zu), want %s (%zu)", i, out, n, v[i].name, v[i].len);
    }
}

static void test_util__str_strlcpy(void)
{
    char dst[5];
    assert_int_equal(px_strlcpy(dst, "abc", sizeof(dst)), 3);
    assert_string_equal(dst, "abc");
    assert_int_equal(px_strlcpy(dst, "abcdefgh", sizeof(dst)), 8); /* >= cap: truncated */
    assert_string_equal(dst, "abcd");
    dst[0] = 'z';
    assert_int_equal(px_strlcpy(dst, "abc", 0), 3); /* cap 0 writes nothing */
    assert_int_equal(dst[0], 'z');
}

/* Text cut inside a character, and every ill-formed form RFC 3629 §4 names (overlong,
 * surrogate, above U+10FFFF, stray continuation, bad lead), loses exactly those bytes, and
 * px_utf8_valid refuses exactly the inputs that lose any. */
static void test_util__str_utf8_scrub(void)
{
    const struct {
        const char *in, *out;
        size_t dropped;
        int line;
    } v[] = {
        {"plain", "plain", 0, __LINE__},
        {"caf\xc3\xa9", "caf\xc3\xa9", 0, __LINE__}, /* é whole */
        {"caf\xc3", "caf", 1, __LINE__},             /* é cut after its lead */
        {"a\xe2\x82z", "az", 2, __LINE__},           /* € cut mid-way, more follows */
        {"\xf0\x9f\x92\x8a pill", "\xf0\x9f\x92\x8a pill", 0, __LINE__}, /* 4 bytes */
        {"\xf0\x9f\x92", "", 3, __LINE__},
        {"\xc0\xafx", "x", 2, __LINE__},         /* overlong '/' */
        {"\xe0\x80\xafx", "x", 3, __LINE__},     /* overlong, 3 bytes */
        {"\xed\xa0\x80x", "x", 3, __LINE__},     /* surrogate U+D800 */
        {"\xf4\x90\x80\x80x", "x", 4, __LINE__}, /* above U+10FFFF */
        {"\x80\xbfok", "ok", 2, __LINE__},       /* stray continuations */
        {"\xffok", "ok", 1, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char buf[32]; /* copied by hand: px_strlcpy would not keep ill-formed input as is */
        memcpy(buf, v[i].in, strlen(v[i].in) + 1);
        if (px_utf8_valid(v[i].in) != (v[i].dropped == 0))
            fail_msg("%s:%d: px_utf8_valid disagrees", __FILE__, v[i].line);
        size_t d = px_utf8_scrub(buf);
        if (strcmp(buf, v[i].out) != 0 || d != v[i].dropped)
            fail_msg("%s:%d: dropped %zu, want %zu", __FILE__, v[i].line, d, v[i].dropped);
    }
    /* the error message of a "%.Ns" cut inside a character stays valid */
    px_err err;
    px_err_set(&err, PX_EINVALID, "x", "name '%.4s'", "caf\xc3\xa9");
    assert_string_equal(err.message, "name 'caf'");
}

static void test_util__err_one_line(void)
{
    px_err err;
    assert_int_equal(px_err_set_field(&err, PX_EINVALID, "invalid_gtin", "gtin",
                                      "GTIN '%s' has %d digits", "123", 3),
                     PX_EINVALID);
    assert_int_equal(err.rc, PX_EINVALID);
    assert_string_equal(err.code, "invalid_gtin");
    assert_string_equal(err.field, "gtin");
    assert_string_equal(err.message, "GTIN '123' has 3 digits");
    assert_int_equal(err.pos, -1);

    assert_int_equal(px_err_set_field(&err, PX_ENOTFOUND, NULL, NULL, "gone"), PX_ENOTFOUND);
    assert_string_equal(err.code, "not_found");
    assert_string_equal(err.field, "");

    assert_int_equal(px_err_oom(&err), PX_EINTERNAL);
    assert_string_equal(err.code, "internal");
    assert_string_equal(err.message, "out of memory");
    assert_string_equal(err.field, "");

    assert_int_equal(px_err_no_random(&err), PX_EINTERNAL);
    assert_string_equal(err.code, "internal");
    assert_string_equal(err.message, "no randomness");

    assert_int_equal(px_err_oom(NULL), PX_EINTERNAL); /* err may be NULL */
    assert_int_equal(px_err_set_field(NULL, PX_EINVALID, "x", "y", "z"), PX_EINVALID);

    /* a long field is cut to the struct, never overflowing it */
    char longf[200];
    memset(longf, 'f', sizeof(longf) - 1);
    longf[sizeof(longf) - 1] = '\0';
    px_err_set_field(&err, PX_EINVALID, "c", longf, "m");
    assert_int_equal(strlen(err.field), PX_ERR_FIELD_MAX - 1);
}

/* A text that did not fit says so ("..." at its end) and stays UTF-8; one that fit is left. */
static void test_util__str_cut_mark(void)
{
    static const struct {
        const char *in;
        size_t cap, len;
        const char *want;
    } v[] = {
        {"abc", 8, 3, "abc"},          /* fit */
        {"abcdefg", 8, 7, "abcdefg"},  /* fit exactly */
        {"abcdefg", 8, 12, "abcd..."}, /* cut by snprintf: 12 wanted */
        {"ab\xc3\xa9"
         "def",
         7, 9, "ab..."},    /* the mark lands inside é: its lead byte dropped */
        {"ab", 3, 9, "ab"}, /* no room for the mark: left as it is */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char s[16];
        snprintf(s, sizeof(s), "%s", v[i].in);
        px_cut_mark(s, v[i].cap, v[i].len);
        if (strcmp(s, v[i].want) != 0)
            fail_msg("case %zu: %s, want %s", i, s, v[i].want);
    }
}

/* FNV-1a 64: the published test vectors of its authors (Landon Curt Noll's FNV page). */
static void test_util__str_fnv1a(void)
{
    assert_true(px_fnv1a("") == 0xcbf29ce484222325ull);
    assert_true(px_fnv1a("a") == 0xaf63dc4c8601ec8cull);
    assert_true(px_fnv1a("foobar") == 0x85944171f73967e8ull);
}

/* A UUID in either case is one id: lowered as PostgreSQL writes it, and compared so. */
static void test_util__str_uuid_case(void)
{
    char out[37];
    px_uuid_lower(out, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D");
    assert_string_equal(out, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    px_uuid_lower(out, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D-and-more");
    assert_int_equal(strlen(out), 36); /* never more than a UUID's length */
    assert_true(px_uuid_same("0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
                             "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"));
    assert_false(px_uuid_same("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                              "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e"));
    assert_false(px_uuid_same("0a1b", "0a1b2c"));
    assert_true(px_uuid_same("", ""));
}

/* Printable ASCII is 0x20..0x7E, 1 to maxlen bytes: every byte value tried alone. */
static void test_util__str_ascii_printable(void)
{
    for (int c = 1; c < 256; c++) {
        char s[2] = {(char)c, 0};
        assert_int_equal(px_ascii_printable(s, 1), c >= 0x20 && c <= 0x7E);
    }
    assert_false(px_ascii_printable("", 10));
    assert_true(px_ascii_printable("abc", 3));
    assert_false(px_ascii_printable("abcd", 3));
}

/* qsort with px_strp_cmp puts C strings in byte order: upper case before lower, a prefix before
 * its extensions, UTF-8 by its code units. */
static void test_util__str_strp_cmp_sorts(void)
{
    const char *v[] = {"b", "a\xc3\xa9", "B", "ab", "a", "a\x7f"};
    qsort(v, PX_COUNT(v), sizeof(v[0]), px_strp_cmp);
    static const char *const want[] = {"B", "a", "ab", "a\x7f", "a\xc3\xa9", "b"};
    for (size_t i = 0; i < PX_COUNT(v); i++)
        assert_string_equal(v[i], want[i]);
}

/* A name table's look-up (exact, NULL never found) and its names in words, cut like
 * px_strlcpy when the buffer is short. */
static void test_util__str_name_table(void)
{
    static const char *const names[] = {"B1", "B2", "default"};
    assert_int_equal(px_name_index(names, 3, "B1"), 0);
    assert_int_equal(px_name_index(names, 3, "default"), 2);
    assert_int_equal(px_name_index(names, 3, "b1"), -1);
    assert_int_equal(px_name_index(names, 3, "B"), -1);
    assert_int_equal(px_name_index(names, 3, ""), -1);
    assert_int_equal(px_name_index(names, 3, NULL), -1);
    assert_int_equal(px_name_index(names, 2, "default"), -1); /* only the first n */
    char out[32];
    px_name_choices(out, sizeof(out), names, 3);
    assert_string_equal(out, "B1, B2 or default");
    px_name_choices(out, sizeof(out), names, 2);
    assert_string_equal(out, "B1 or B2");
    px_name_choices(out, sizeof(out), names, 1);
    assert_string_equal(out, "B1");
    px_name_choices(out, sizeof(out), names, 0);
    assert_string_equal(out, "");
    char small[8];
    px_name_choices(small, sizeof(small), names, 3);
    assert_string_equal(small, "B1, B2 "); /* cut, terminated */
    px_err err;
    assert_int_equal(px_name_refused(&err, "invalid_value", "expired", "expired", "B3", names, 3),
                     PX_EINVALID);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "expired");
    assert_string_equal(err.message, "expired 'B3' is not one of B1, B2 or default");
    px_name_refused(&err, "invalid_format", NULL, "EPCIS format", NULL, names, 2);
    assert_string_equal(err.field, "");
    assert_string_equal(err.message, "EPCIS format '' is not one of B1 or B2");
    /* px_name_pick: PX_OK with the index, or PX_EINVALID with the refusal on the field that
     * names the value (the index untouched). */
    px_err picked = PX_ERR_INIT;
    int at = -1;
    assert_int_equal(px_name_pick(names, 3, "B2", "invalid_value", "expired", &at, &picked), PX_OK);
    assert_int_equal(at, 1);
    assert_int_equal(px_name_pick(names, 3, "B1", "invalid_value", "expired", NULL, NULL), PX_OK);
    assert_int_equal(px_name_pick(names, 3, "b2", "invalid_value", "expired", NULL, NULL),
                     PX_EINVALID); /* no error kept: none asked for */
    assert_int_equal(px_name_pick(names, 3, "b2", "invalid_value", "expired", &at, &picked),
                     PX_EINVALID);
    assert_int_equal(at, 1); /* untouched */
    assert_string_equal(picked.code, "invalid_value");
    assert_string_equal(picked.field, "expired");
    assert_string_equal(picked.message, "expired 'b2' is not one of B1, B2 or default");
}

/* The optimal string alignment distance, checked against hand-counted pairs: one edit of each
 * kind, letters compared without case, the bound. */
static void test_util__str_edit_distance(void)
{
    static const struct {
        const char *a, *b;
        size_t d; /* with max 3 */
    } v[] = {
        {"", "", 0},
        {"PACKID_DEMO", "PACKID_DEMO", 0},
        {"packid_demo", "PACKID_DEMO", 0},                        /* case */
        {"PACKID_RETENTON_MONTHS", "PACKID_RETENTION_MONTHS", 1}, /* a letter left out */
        {"PACKID_THREADSS", "PACKID_THREADS", 1},                 /* one too many */
        {"PACKID_THREADZ", "PACKID_THREADS", 1},                  /* one changed */
        {"PACKID_TRHEADS", "PACKID_THREADS", 1},                  /* two swapped */
        {"PACKID_TRHEADZ", "PACKID_THREADS", 2},
        {"ab", "ba", 1},
        {"abc", "ca", 3}, /* OSA: no edit of a swapped pair */
        {"kitten", "sitting", 3},
        {"", "abc", 3},
        {"PACKID_BIN", "PACKID_DEMO", 4}, /* past the bound: 3 + 1 */
        {"PACKID_TEST_DATABASE_URL", "PACKID_READ_DATABASE_URL", 3},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        size_t d = px_edit_distance(v[i].a, v[i].b, 3);
        if (d != v[i].d || px_edit_distance(v[i].b, v[i].a, 3) != d)
            fail_msg("%s ~ %s: %zu, wanted %zu", v[i].a, v[i].b, d, v[i].d);
    }
    /* The bound: 1 past it whatever the distance; longer than 64 bytes is always far. */
    assert_int_equal(px_edit_distance("kitten", "sitting", 2), 3);
    assert_int_equal(px_edit_distance("kitten", "sitting", 0), 1);
    char long_a[70];
    memset(long_a, 'a', 65);
    long_a[65] = '\0';
    assert_int_equal(px_edit_distance(long_a, long_a, 2), 3);
    long_a[64] = '\0';
    assert_int_equal(px_edit_distance(long_a, long_a, 2), 0);
}
