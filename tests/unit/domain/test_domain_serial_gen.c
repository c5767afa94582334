/* Unit tests for domain/serial_gen: settings validation, rejection sampling (exact uniformity
 * and a chi-square bound), sequential serials, the serial space and the 10,000× rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain_test.h"
#include "px_array.h"
#include "px_splitmix.h"
#include "serial_gen.h"

#define SET82 "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
#define ALNUM36 "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* ---- settings validation (REQ-SERIAL-1) ------------------------------------------------ */

static void test_domain__serial_settings_validate(void)
{
    static const struct {
        px_serial_strategy strategy;
        int length;
        const char *symbols;
        px_rc rc;
        const char *code, *field;
        int pos;
        int line;
    } v[] = {
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 20, ALNUM36, PX_OK, "", "", -1, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 6, "ABC", PX_OK, "", "", -1, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 12, SET82, PX_OK, "", "", -1, __LINE__},
        {PX_SERIAL_RANDOM_NUMERIC, 6, NULL, PX_OK, "", "", -1, __LINE__},
        {PX_SERIAL_RANDOM_NUMERIC, 20, "~~ ignored", PX_OK, "", "", -1, __LINE__},
        {PX_SERIAL_SEQUENTIAL_NUMERIC, 10, NULL, PX_OK, "", "", -1, __LINE__},
        {PX_SERIAL_RANDOM_NUMERIC, 5, NULL, PX_EINVALID, "invalid_length", "length", -1,
         __LINE__},
        {PX_SERIAL_RANDOM_NUMERIC, 21, NULL, PX_EINVALID, "invalid_length", "length", -1,
         __LINE__},
        {PX_SERIAL_SEQUENTIAL_NUMERIC, 0, NULL, PX_EINVALID, "invalid_length", "length", -1,
         __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 30, "ABC", PX_EINVALID, "invalid_length", "length", -1,
         __LINE__},
        {(px_serial_strategy)7, 10, "ABC", PX_EINVALID, "invalid_strategy", "strategy", -1,
         __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, NULL, PX_EINVALID, "symbols_required", "symbols", -1,
         __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "", PX_EINVALID, "symbols_required", "symbols", -1,
         __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "AB", PX_EINVALID, "too_few_symbols", "symbols", -1,
         __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "ABCA", PX_EINVALID, "duplicate_symbol", "symbols", 3,
         __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "AAB", PX_EINVALID, "duplicate_symbol", "symbols", 1,
         __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "ABC~", PX_EINVALID, "invalid_character", "symbols",
         3, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "A BC", PX_EINVALID, "invalid_character", "symbols",
         1, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "#ABC", PX_EINVALID, "invalid_character", "symbols",
         0, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "AB\xc3\xa9", PX_EINVALID, "invalid_character",
         "symbols", 2, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "AB\x1d", PX_EINVALID, "invalid_character",
         "symbols", 2, __LINE__},
        /* 83 characters: set 82 plus a repeat at position 82 */
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, SET82 "A", PX_EINVALID, "duplicate_symbol",
         "symbols", 82, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, SET82 "@", PX_EINVALID, "invalid_character",
         "symbols", 82, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 10, SET82 SET82, PX_EINVALID, "duplicate_symbol",
         "symbols", 82, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_serial_settings s;
        px_err err = PX_ERR_INIT;
        px_rc rc = px_serial_settings_init(&s, v[i].strategy, v[i].length, v[i].symbols, &err);
        if (rc != v[i].rc || strcmp(err.code, v[i].code) || strcmp(err.field, v[i].field) ||
            err.pos != v[i].pos)
            fail_msg("line %d: rc %d code '%s' field '%s' pos %d (%s)", v[i].line, rc, err.code,
                     err.field, err.pos, err.message);
        if (rc == PX_OK) /* a valid struct validates again */
            assert_int_equal(px_serial_settings_validate(&s, NULL), PX_OK);
    }
}

static void test_domain__serial_settings_messages(void)
{
    px_serial_settings s;
    px_err err;
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_RANDOM_ALPHANUMERIC, 10, "AB~C", &err),
                     PX_EINVALID);
    assert_string_equal(err.message, "'~' at position 3 is not in the GS1 AI character set 82");
    assert_int_equal(err.len, 1);
    /* A character outside ASCII is named by its code point, its span its bytes: 'é' is two. */
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_RANDOM_ALPHANUMERIC, 10,
                                             "AB\xc3\xa9"
                                             "C",
                                             &err),
                     PX_EINVALID);
    assert_string_equal(err.message, "U+00E9 at position 3 is not in the GS1 AI character set 82");
    assert_int_equal(err.pos, 2);
    assert_int_equal(err.len, 2);
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_RANDOM_NUMERIC, 4, NULL, &err),
                     PX_EINVALID);
    assert_string_equal(err.message, "length 4 is not between 6 and 20");
    /* a struct filled by hand without a terminating NUL in symbols is still checked safely */
    memset(&s, 0, sizeof(s));
    s.strategy = PX_SERIAL_RANDOM_ALPHANUMERIC;
    s.length = 10;
    memset(s.symbols, 'A', sizeof(s.symbols));
    assert_int_equal(px_serial_settings_validate(&s, &err), PX_EINVALID);
    assert_string_equal(err.code, "duplicate_symbol");
}

static void test_domain__serial_strategy_names(void)
{
    static const char *const names[] = {"RANDOM_ALPHANUMERIC", "RANDOM_NUMERIC",
                                        "SEQUENTIAL_NUMERIC"};
    assert_names_round_trip(px_serial_strategy, PX_SERIAL_STRATEGY__COUNT, names,
                            px_serial_strategy_name, px_serial_strategy_parse);
    px_serial_strategy s;
    px_err err;
    assert_int_equal(px_serial_strategy_parse(&s, "random_numeric", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_strategy");
    assert_string_equal(err.field, "strategy");
    assert_int_equal(px_serial_strategy_parse(&s, NULL, &err), PX_EINVALID);
    assert_string_equal(px_serial_strategy_name((px_serial_strategy)9), "?");
}

/* ---- byte sources ---------------------------------------------------------------------- */

typedef struct script {
    const unsigned char *bytes; /* played in a loop */
    size_t n, at;
    int calls, fail_after;
} script;

static px_rc script_fill(void *ctx, unsigned char *buf, size_t len)
{
    script *s = ctx;
    if (s->fail_after >= 0 && s->calls >= s->fail_after)
        return PX_EINTERNAL;
    s->calls++;
    for (size_t i = 0; i < len; i++) {
        buf[i] = s->bytes[s->at];
        s->at = (s->at + 1) % s->n;
    }
    return PX_OK;
}

/* splitmix64: a fixed, reproducible pseudo-random byte stream for distribution tests */
typedef struct splitmix {
    uint64_t x;
} splitmix;

static px_rc splitmix_fill(void *ctx, unsigned char *buf, size_t len)
{
    splitmix *s = ctx;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t z = px_splitmix64(&s->x);
        for (size_t k = 0; k < 8 && i + k < len; k++)
            buf[i + k] = (unsigned char)(z >> (8 * k));
    }
    return PX_OK;
}

/* ---- rejection sampling (REQ-SERIAL-2) -------------------------------------------------- */

/* Bytes >= limit are skipped, bytes below map to alphabet[b % n]. */
static void test_domain__serial_rejects_bytes_above_limit(void)
{
    /* digits: n = 10, limit = 250: 250..255 are rejected */
    static const unsigned char bytes[] = {250, 3, 255, 13, 251, 249, 252, 0, 253, 254, 120, 9};
    script src = {bytes, sizeof(bytes), 0, 0, -1};
    px_serial_settings s;
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_RANDOM_NUMERIC, 6, NULL, NULL), PX_OK);
    px_serial_gen g;
    assert_int_equal(px_serial_gen_init(&g, &s, script_fill, &src, NULL), PX_OK);
    assert_int_equal(g.limit, 250);
    char out[PX_SERIAL_LEN_MAX + 1];
    assert_int_equal(px_serial_gen_next(&g, out, NULL), PX_OK);
    /* 3, 13, 249, 0, 120, 9 -> 3 3 9 0 0 9 */
    assert_string_equal(out, "339009");
    assert_true(g.bytes_rejected == 6);
    assert_true(g.bytes_used == 12);

    /* "ABC": n = 3, limit = 255: only 255 is rejected; 254 -> 254 % 3 = 2 -> 'C' */
    static const unsigned char b2[] = {255, 254, 0, 1, 255, 2, 3, 253};
    script src2 = {b2, sizeof(b2), 0, 0, -1};
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_RANDOM_ALPHANUMERIC, 6, "ABC", NULL),
                     PX_OK);
    assert_int_equal(px_serial_gen_init(&g, &s, script_fill, &src2, NULL), PX_OK);
    assert_int_equal(g.limit, 255);
    assert_int_equal(px_serial_gen_next(&g, out, NULL), PX_OK);
    assert_string_equal(out, "CABCAB");

    /* 64 symbols: 256 is a multiple, nothing is rejected */
    static const char sym64[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_RANDOM_ALPHANUMERIC, 6, sym64, NULL),
                     PX_OK);
    assert_int_equal(px_serial_gen_init(&g, &s, script_fill, &src2, NULL), PX_OK);
    assert_int_equal(g.limit, 256);
    px_serial_gen_dispose(&g);
}

/* Feeding every byte value equally often gives exactly equal symbol counts for every alphabet
 * size: the mapping has no modulo bias (with plain b % n, the first 256 % n symbols would
 * come up once more per 256 bytes). */
static void test_domain__serial_exactly_uniform(void)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    for (size_t n = 3; n <= 82; n++) {
        char sym[83];
        memcpy(sym, SET82, n);
        sym[n] = '\0';
        px_serial_settings s;
        assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_RANDOM_ALPHANUMERIC, 6, sym, NULL),
                         PX_OK);
        script src = {all, 256, 0, 0, -1};
        px_serial_gen g;
        assert_int_equal(px_serial_gen_init(&g, &s, script_fill, &src, NULL), PX_OK);
        unsigned limit = 256u - 256u % (unsigned)n;
        /* draw exactly 16 pools (16 × 4096 bytes = 256 cycles of 0..255) */
        unsigned long counts[256] = {0};
        unsigned long want_chars = 256ul * limit; /* accepted bytes in 256 cycles */
        unsigned long got = 0;
        char out[PX_SERIAL_LEN_MAX + 1];
        while (got + 6 <= want_chars) {
            assert_int_equal(px_serial_gen_next(&g, out, NULL), PX_OK);
            for (int k = 0; k < 6; k++)
                counts[(unsigned char)out[k]]++;
            got += 6;
        }
        /* top up to a whole number of cycles by hand-counting the remainder */
        unsigned long rest = want_chars - got;
        for (unsigned long k = 0; k < rest; k++) {
            /* the next accepted bytes continue the cycle */
            while (g.pos < g.len && g.map[g.pool[g.pos]] == 0)
                g.pos++;
            assert_true(g.pos < g.len);
            counts[g.map[g.pool[g.pos++]]]++;
        }
        for (size_t k = 0; k < n; k++)
            if (counts[(unsigned char)sym[k]] != 256ul * (limit / n))
                fail_msg("n=%zu symbol '%c': %lu, want %lu", n, sym[k],
                         counts[(unsigned char)sym[k]], 256ul * (limit / n));
    }
}

/* Chi-square sanity on a pseudo-random stream: each alphabet, 600,000 symbols. The 99.99th
 * percentile of chi2(df) is below df + 6*sqrt(2 df) + 10 for these df. */
static void test_domain__serial_chi_square(void)
{
    static const char *const alphabets[] = {"ABC", "0123456789", ALNUM36, SET82};
    for (size_t a = 0; a < PX_COUNT(alphabets); a++) {
        px_serial_settings s;
        assert_int_equal(
            px_serial_settings_init(&s, PX_SERIAL_RANDOM_ALPHANUMERIC, 20, alphabets[a], NULL),
            PX_OK);
        splitmix sm = {0x5eed0000ULL + a};
        px_serial_gen g;
        assert_int_equal(px_serial_gen_init(&g, &s, splitmix_fill, &sm, NULL), PX_OK);
        unsigned long counts[256] = {0};
        char out[PX_SERIAL_LEN_MAX + 1];
        const int serials = 30000;
        for (int i = 0; i < serials; i++) {
            assert_int_equal(px_serial_gen_next(&g, out, NULL), PX_OK);
            assert_int_equal(strlen(out), 20);
            for (int k = 0; k < 20; k++)
                counts[(unsigned char)out[k]]++;
        }
        size_t n = strlen(alphabets[a]);
        double expect = (double)serials * 20 / (double)n, chi2 = 0;
        for (size_t k = 0; k < n; k++) {
            double d = (double)counts[(unsigned char)alphabets[a][k]] - expect;
            chi2 += d * d / expect;
        }
        double df = (double)n - 1;
        /* sqrt-free bound: (chi2 - df - 10)^2 < 72 df when chi2 > df + 10 */
        double over = chi2 - df - 10;
        if (over > 0 && over * over >= 72 * df)
            fail_msg("alphabet %zu (n=%zu): chi2 %.1f too large", a, n, chi2);
        /* the rejected share is close to (256 % n) / 256 */
        double rej = (double)g.bytes_rejected / (double)g.bytes_used;
        double want = (double)(256 % n) / 256.0;
        assert_true(rej > want - 0.01 && rej < want + 0.01);
        px_serial_gen_dispose(&g);
    }
}

static void test_domain__serial_source_failures(void)
{
    static const unsigned char bytes[] = {1, 2, 3};
    script src = {bytes, 3, 0, 0, 0}; /* fails at the first call */
    px_serial_settings s;
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_RANDOM_NUMERIC, 6, NULL, NULL), PX_OK);
    px_serial_gen g;
    px_err err;
    char out[PX_SERIAL_LEN_MAX + 1];
    assert_int_equal(px_serial_gen_init(&g, &s, script_fill, &src, NULL), PX_OK);
    assert_int_equal(px_serial_gen_next(&g, out, &err), PX_EUNAVAIL);
    assert_string_equal(err.code, "random_unavailable");

    /* a source of only rejected bytes ends with an error instead of spinning */
    static const unsigned char bad[] = {255};
    script stuck = {bad, 1, 0, 0, -1};
    assert_int_equal(px_serial_gen_init(&g, &s, script_fill, &stuck, NULL), PX_OK);
    assert_int_equal(px_serial_gen_next(&g, out, &err), PX_EINTERNAL);
    assert_true(stuck.calls <= 3);

    /* random strategies need a source */
    assert_int_equal(px_serial_gen_init(&g, &s, NULL, NULL, &err), PX_EINTERNAL);
    /* invalid settings are refused at init */
    s.length = 3;
    assert_int_equal(px_serial_gen_init(&g, &s, script_fill, &stuck, &err), PX_EINVALID);
    assert_string_equal(err.field, "length");
    px_serial_gen_dispose(NULL);
}

static void test_domain__serial_pool_refills_across_serials(void)
{
    splitmix sm = {42};
    px_serial_settings s;
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_RANDOM_ALPHANUMERIC, 20, ALNUM36, NULL),
                     PX_OK);
    px_serial_gen g;
    assert_int_equal(px_serial_gen_init(&g, &s, splitmix_fill, &sm, NULL), PX_OK);
    char prev[PX_SERIAL_LEN_MAX + 1] = "", out[PX_SERIAL_LEN_MAX + 1];
    for (int i = 0; i < 1000; i++) { /* ~23 refills */
        assert_int_equal(px_serial_gen_next(&g, out, NULL), PX_OK);
        assert_int_equal(strlen(out), 20);
        for (int k = 0; k < 20; k++)
            assert_non_null(strchr(ALNUM36, out[k]));
        assert_string_not_equal(out, prev);
        memcpy(prev, out, sizeof(out));
    }
    /* consumed bytes are wiped; dispose wipes the rest */
    for (size_t i = 0; i < g.pos; i++)
        assert_int_equal(g.pool[i], 0);
    px_serial_gen_dispose(&g);
    for (size_t i = 0; i < sizeof(g.pool); i++)
        assert_int_equal(g.pool[i], 0);
}

/* ---- sequential ----------------------------------------------------------------------- */

static void test_domain__serial_sequential(void)
{
    px_serial_settings s;
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_SEQUENTIAL_NUMERIC, 6, NULL, NULL),
                     PX_OK);
    char out[PX_SERIAL_LEN_MAX + 1];
    px_err err;
    assert_int_equal(px_serial_sequential_format(out, &s, 0, &err), PX_OK);
    assert_string_equal(out, "000000");
    assert_int_equal(px_serial_sequential_format(out, &s, 42, &err), PX_OK);
    assert_string_equal(out, "000042");
    assert_int_equal(px_serial_sequential_format(out, &s, 999999, &err), PX_OK);
    assert_string_equal(out, "999999");
    assert_int_equal(px_serial_sequential_format(out, &s, 1000000, &err), PX_EEXHAUSTED);
    assert_string_equal(err.code, "serial_space_exhausted");
    s.length = 20;
    assert_int_equal(px_serial_sequential_format(out, &s, UINT64_MAX, &err), PX_OK);
    assert_string_equal(out, "18446744073709551615");
    s.length = 19;
    assert_int_equal(px_serial_sequential_format(out, &s, UINT64_MAX, &err), PX_EEXHAUSTED);

    /* the generator counts from the seek position */
    s.length = 8;
    px_serial_gen g;
    assert_int_equal(px_serial_gen_init(&g, &s, NULL, NULL, &err), PX_OK);
    px_serial_gen_seek(&g, 99999998);
    assert_int_equal(px_serial_gen_next(&g, out, &err), PX_OK);
    assert_string_equal(out, "99999998");
    assert_int_equal(px_serial_gen_next(&g, out, &err), PX_OK);
    assert_string_equal(out, "99999999");
    assert_int_equal(px_serial_gen_next(&g, out, &err), PX_EEXHAUSTED);

    px_serial_settings r;
    assert_int_equal(px_serial_settings_init(&r, PX_SERIAL_RANDOM_NUMERIC, 8, NULL, NULL), PX_OK);
    assert_int_equal(px_serial_sequential_format(out, &r, 1, &err), PX_EINVALID);
}

/* ---- space and the 10,000× rule (REQ-SERIAL-3) ------------------------------------------ */

static void test_domain__serial_space(void)
{
    static const struct {
        px_serial_strategy st;
        int len;
        const char *sym;
        uint64_t space, max_rand;
        int line;
    } v[] = {
        {PX_SERIAL_RANDOM_NUMERIC, 6, NULL, 1000000ULL, 100ULL, __LINE__},
        {PX_SERIAL_SEQUENTIAL_NUMERIC, 6, NULL, 1000000ULL, 100ULL, __LINE__},
        {PX_SERIAL_RANDOM_NUMERIC, 19, NULL, 10000000000000000000ULL, 1000000000000000ULL,
         __LINE__},
        {PX_SERIAL_RANDOM_NUMERIC, 20, NULL, UINT64_MAX, 10000000000000000ULL, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 6, "ABC", 729ULL, 0ULL, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 12, "ABC", 531441ULL, 53ULL, __LINE__},
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 12, ALNUM36, 4738381338321616896ULL,
         473838133832161ULL, __LINE__},
        /* 36^13 = 170581728179578208256 > 2^64; / 10^4 = 17058172817957820 (floor) */
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 13, ALNUM36, UINT64_MAX, 17058172817957820ULL, __LINE__},
        /* 82^20 / 10^4 still exceeds 2^64: saturates */
        {PX_SERIAL_RANDOM_ALPHANUMERIC, 20, SET82, UINT64_MAX, UINT64_MAX, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_serial_settings s;
        assert_int_equal(px_serial_settings_init(&s, v[i].st, v[i].len, v[i].sym, NULL), PX_OK);
        uint64_t sp = px_serial_space(&s), mr = px_serial_space_max_issued(&s, 1),
                 mn = px_serial_space_max_issued(&s, 0);
        /* elsewhere: the whole space in sequence, half of it drawn at random (a space past
         * 2^64 here is past 2^65: its half saturates too) */
        uint64_t want_n = v[i].st == PX_SERIAL_SEQUENTIAL_NUMERIC || v[i].space == UINT64_MAX
                              ? v[i].space
                              : v[i].space / 2;
        if (sp != v[i].space || mr != v[i].max_rand || mn != want_n)
            fail_msg("line %d: space %llu max %llu/%llu", v[i].line, (unsigned long long)sp,
                     (unsigned long long)mr, (unsigned long long)mn);
    }
    px_serial_settings bad = {PX_SERIAL_RANDOM_NUMERIC, 2, ""};
    assert_true(px_serial_space(&bad) == 0);
    assert_true(px_serial_space_max_issued(&bad, 1) == 0);
    assert_int_equal(px_serial_alphabet_size(&bad), 10);
}

static void test_domain__serial_space_check_boundary(void)
{
    /* px_serial_space_check of the settings (strategy, length, symbols): already issued,
     * requested, the randomisation rule; its code, err.code and a part of err.message (when
     * not NULL). */
    static const struct {
        int line;
        px_serial_strategy strategy;
        int length;
        const char *symbols;
        uint64_t already, requested;
        int rule;
        px_rc rc;
        const char *code, *message;
    } v[] = {
#define RN6 PX_SERIAL_RANDOM_NUMERIC, 6, NULL
        /* 10^6 values: 100 serials × 10,000 = 10^6 <= space; 101 is one too many */
        {__LINE__, RN6, 0, 100, 1, PX_OK, NULL, NULL},
        {__LINE__, RN6, 0, 101, 1, PX_EEXHAUSTED, "serial_space_exhausted", NULL},
        {__LINE__, RN6, 60, 40, 1, PX_OK, NULL, NULL},
        {__LINE__, RN6, 60, 41, 1, PX_EEXHAUSTED, NULL, NULL},
        {__LINE__, RN6, 100, 0, 1, PX_OK, NULL, NULL},
        {__LINE__, RN6, 100, 1, 1, PX_EEXHAUSTED, NULL,
         "at most 100 issued serials (10,000 values per serial"},
        /* without the randomisation rule: at most half the space drawn at random (the draws
         * must keep finding free values), the whole space in sequence */
        {__LINE__, RN6, 0, 500000, 0, PX_OK, NULL, NULL},
        {__LINE__, RN6, 1, 500000, 0, PX_EEXHAUSTED, NULL,
         "at most 500000 issued serials (half the space"},
#undef RN6
        {__LINE__, PX_SERIAL_SEQUENTIAL_NUMERIC, 6, NULL, 0, 1000000, 0, PX_OK, NULL, NULL},
        {__LINE__, PX_SERIAL_SEQUENTIAL_NUMERIC, 6, NULL, 1, 1000000, 0, PX_EEXHAUSTED, NULL,
         "at most 1000000 issued serials; 1 issued"},
    /* already + requested overflowing 64 bits is exhausted, not wrapped */
#define RA20 PX_SERIAL_RANDOM_ALPHANUMERIC, 20, SET82
        {__LINE__, RA20, UINT64_MAX, 0, 1, PX_OK, NULL, NULL},
        {__LINE__, RA20, UINT64_MAX, 1, 1, PX_EEXHAUSTED, NULL, NULL},
        {__LINE__, RA20, 2, UINT64_MAX, 0, PX_EEXHAUSTED, NULL, NULL},
#undef RA20
    /* "ABC" length 6: 729 values, not even one serial with 10,000 values each */
#define ABC6 PX_SERIAL_RANDOM_ALPHANUMERIC, 6, "ABC"
        {__LINE__, ABC6, 0, 1, 1, PX_EEXHAUSTED, NULL, NULL},
        {__LINE__, ABC6, 0, 0, 1, PX_OK, NULL, NULL},
        {__LINE__, ABC6, 0, 364, 0, PX_OK, NULL, NULL},
        {__LINE__, ABC6, 0, 365, 0, PX_EEXHAUSTED, NULL, NULL},
#undef ABC6
    };
    px_serial_settings s;
    px_err err;
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        assert_int_equal(
            px_serial_settings_init(&s, v[i].strategy, v[i].length, v[i].symbols, NULL), PX_OK);
        px_rc rc = px_serial_space_check(&s, v[i].already, v[i].requested, v[i].rule, &err);
        if (rc != v[i].rc || (v[i].code && strcmp(err.code, v[i].code) != 0) ||
            (v[i].message && !strstr(err.message, v[i].message)))
            fail_msg("line %d: rc %d (%s: %s)", v[i].line, (int)rc, err.code, err.message);
    }
    /* invalid settings */
    s.length = 50;
    assert_int_equal(px_serial_space_check(&s, 0, 1, 0, &err), PX_EINVALID);
}

static void test_domain__serial_sequential_refused_where_random_required(void)
{
    px_serial_settings s;
    px_err err;
    assert_int_equal(px_serial_settings_init(&s, PX_SERIAL_SEQUENTIAL_NUMERIC, 20, NULL, NULL),
                     PX_OK);
    assert_int_equal(px_serial_space_check(&s, 0, 1, px_market_requires_randomisation("EU"), &err),
                     PX_EINVALID);
    assert_string_equal(err.code, "sequential_not_allowed");
    assert_string_equal(err.field, "strategy");
    assert_int_equal(px_serial_space_check(&s, 0, 1, px_market_requires_randomisation("US"), &err),
                     PX_OK);
}

static void test_domain__serial_markets(void)
{
    static const char *const yes[] = {"EU", "eu", "DE", "FR", "IT", "ES", "NL", "BE", "AT",
                                      "PL", "SE", "FI", "DK", "IE", "PT", "GR", "EL", "CY",
                                      "MT", "LU", "LV", "LT", "EE", "SK", "SI", "HR", "HU",
                                      "CZ", "RO", "BG", "IS", "LI", "NO", "de"};
    static const char *const no[] = {"US", "GB", "UK", "XI", "CH", "RU", "CN", "BR", "",
                                     "E",  "EUR", "DEU", "D E", NULL};
    for (size_t i = 0; i < PX_COUNT(yes); i++)
        if (!px_market_requires_randomisation(yes[i]))
            fail_msg("%s should require randomisation", yes[i]);
    for (size_t i = 0; i < PX_COUNT(no); i++)
        if (px_market_requires_randomisation(no[i]))
            fail_msg("%s should not require randomisation", no[i] ? no[i] : "(null)");
}
