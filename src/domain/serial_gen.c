/* serial_gen — settings validation, serial space arithmetic, random and sequential serials. */
#include "serial_gen.h"

#include <stdio.h>
#include <string.h>

#include "gs1.h"
#include "px_str.h"

static const char *const k_strategy_names[PX_SERIAL_STRATEGY__COUNT] = {
    [PX_SERIAL_RANDOM_ALPHANUMERIC] = "RANDOM_ALPHANUMERIC",
    [PX_SERIAL_RANDOM_NUMERIC] = "RANDOM_NUMERIC",
    [PX_SERIAL_SEQUENTIAL_NUMERIC] = "SEQUENTIAL_NUMERIC",
};

static const char k_digits[] = "0123456789";

/* strlen bounded by the symbols array (a hand-filled struct may lack the NUL) */
static size_t symbols_len(const px_serial_settings *s)
{
    size_t n = 0;
    while (n < sizeof(s->symbols) && s->symbols[n])
        n++;
    return n;
}

static int strategy_ok(px_serial_strategy s)
{
    return (int)s >= 0 && s < PX_SERIAL_STRATEGY__COUNT;
}

const char *px_serial_strategy_name(px_serial_strategy s)
{
    return strategy_ok(s) ? k_strategy_names[s] : "?";
}

PX_NAME_PARSER(px_serial_strategy_parse, px_serial_strategy, k_strategy_names,
               PX_SERIAL_STRATEGY__COUNT, "invalid_strategy", "strategy")

static px_rc bad_symbols(px_err *err, const char *code, int pos, int width, const char *msg)
{
    px_err_set(err, PX_EINVALID, code, "%s", msg);
    px_err_field(err, "symbols");
    if (pos >= 0)
        px_err_span(err, pos, width);
    return PX_EINVALID;
}

/* REQ-SERIAL-1: every symbol in GS1 AI character set 82 (AI 21 is X..20), none repeated,
 * at least 3 (docs/api.md). Checks n characters of sym. */
static px_rc check_symbols(const char *sym, size_t n, px_err *err)
{
    if (n == 0)
        return bad_symbols(err, "symbols_required", -1, 0,
                           "symbols are required for RANDOM_ALPHANUMERIC");
    unsigned char seen[256] = {0};
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)sym[i];
        char msg[96], nm[PX_CHAR_NAME_MAX];
        if (!gs1_cset82_char(c)) {
            size_t w = px_char_name(nm, sym + i, n - i);
            snprintf(msg, sizeof(msg), "%s at position %zu is not in the GS1 AI character set 82",
                     nm, i + 1);
            return bad_symbols(err, "invalid_character", (int)i, (int)w, msg);
        }
        if (seen[c]) {
            snprintf(msg, sizeof(msg), "'%c' at position %zu repeats an earlier symbol", c,
                     i + 1);
            return bad_symbols(err, "duplicate_symbol", (int)i, 1, msg);
        }
        seen[c] = 1;
    }
    /* n > 82 always repeats or leaves set 82 above; kept as a guard */
    if (n > PX_SERIAL_SYMBOLS_MAX)
        return bad_symbols(err, "invalid_length", PX_SERIAL_SYMBOLS_MAX, 1, "more than 82 symbols");
    if (n < PX_SERIAL_SYMBOLS_MIN)
        return bad_symbols(err, "too_few_symbols", -1, 0, "at least 3 distinct symbols are needed");
    return PX_OK;
}

static px_rc check_strategy_length(const px_serial_settings *s, px_err *err)
{
    if (!strategy_ok(s->strategy)) {
        return px_err_set_field(err, PX_EINVALID, "invalid_strategy", "strategy",
                                "unknown serial strategy");
    }
    /* REQ-SERIAL-1: docs/api.md "length": 6..20; AI 21 is X..20 */
    if (s->length < PX_SERIAL_LEN_MIN || s->length > PX_SERIAL_LEN_MAX) {
        return px_err_set_field(err, PX_EINVALID, "invalid_length", "length",
                                "length %d is not between %d and %d", s->length, PX_SERIAL_LEN_MIN,
                                PX_SERIAL_LEN_MAX);
    }
    return PX_OK;
}

px_rc px_serial_settings_validate(const px_serial_settings *s, px_err *err)
{
    px_rc rc = check_strategy_length(s, err);
    if (rc != PX_OK)
        return rc;
    if (s->strategy != PX_SERIAL_RANDOM_ALPHANUMERIC)
        return PX_OK; /* numeric strategies use 0-9; symbols are ignored */
    return check_symbols(s->symbols, symbols_len(s), err);
}

px_rc px_serial_settings_init(px_serial_settings *out, px_serial_strategy strategy, int length,
                              const char *symbols, px_err *err)
{
    memset(out, 0, sizeof(*out));
    out->strategy = strategy;
    out->length = length;
    if (symbols && strategy == PX_SERIAL_RANDOM_ALPHANUMERIC) {
        size_t n = strlen(symbols);
        if (n > PX_SERIAL_SYMBOLS_MAX) {
            px_rc rc = check_strategy_length(out, err);
            return rc != PX_OK ? rc : check_symbols(symbols, n, err);
        }
        memcpy(out->symbols, symbols, n + 1);
    }
    return px_serial_settings_validate(out, err);
}

unsigned px_serial_alphabet_size(const px_serial_settings *s)
{
    if (s->strategy == PX_SERIAL_RANDOM_ALPHANUMERIC)
        return (unsigned)symbols_len(s);
    return 10;
}

/* ---- exact serial-space arithmetic: 82^20 < 2^128, so four 32-bit limbs suffice ------- */

typedef struct u128 {
    uint32_t w[4]; /* little-endian limbs */
} u128;

static u128 u128_pow(unsigned base, int exp)
{
    u128 x = {{1, 0, 0, 0}};
    for (int e = 0; e < exp; e++) {
        uint64_t carry = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t v = (uint64_t)x.w[i] * base + carry;
            x.w[i] = (uint32_t)v;
            carry = v >> 32;
        }
        /* carry is 0: base <= 82, exp <= 20 */
    }
    return x;
}

static u128 u128_div_small(u128 x, uint32_t d)
{
    uint64_t rem = 0;
    for (int i = 3; i >= 0; i--) {
        uint64_t cur = (rem << 32) | x.w[i];
        x.w[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    return x;
}

static uint64_t u128_sat64(u128 x)
{
    if (x.w[2] || x.w[3])
        return UINT64_MAX;
    return ((uint64_t)x.w[1] << 32) | x.w[0];
}

static px_rc valid_quiet(const px_serial_settings *s)
{
    return px_serial_settings_validate(s, NULL);
}

uint64_t px_serial_space(const px_serial_settings *s)
{
    if (valid_quiet(s) != PX_OK)
        return 0;
    return u128_sat64(u128_pow(px_serial_alphabet_size(s), s->length));
}

/* The most serials the settings may issue, and in *why the words of that bound for a refusal
 * ("" for the whole space); s valid. */
static uint64_t max_issued(const px_serial_settings *s, int requires_randomisation,
                           const char **why)
{
    u128 space = u128_pow(px_serial_alphabet_size(s), s->length);
    *why = "";
    /* Delegated Regulation (EU) 2016/161 Art. 4(c): probability of guessing < 1/10,000.
     * floor(space / 10,000) is the largest N with N × 10,000 <= space. */
    if (requires_randomisation) {
        space = u128_div_small(space, (uint32_t)PX_SERIAL_GUESS_FACTOR);
        *why = " (10,000 values per serial, Art. 4(c))";
    } else if (s->strategy != PX_SERIAL_SEQUENTIAL_NUMERIC) {
        /* Drawn at random, a space at most half full leaves every draw a free value with a
         * chance of one half at least, so the allocation's rounds end; a fuller one would
         * draw for ever for its last values (the job failing after it was accepted). */
        space = u128_div_small(space, 2);
        *why = " (half the space: drawn serials must keep finding free values)";
    }
    return u128_sat64(space);
}

uint64_t px_serial_space_max_issued(const px_serial_settings *s, int requires_randomisation)
{
    const char *why;
    return valid_quiet(s) == PX_OK ? max_issued(s, requires_randomisation, &why) : 0;
}

px_rc px_serial_space_check(const px_serial_settings *s, uint64_t already_issued,
                            uint64_t requested, int requires_randomisation, px_err *err)
{
    px_rc rc = px_serial_settings_validate(s, err);
    if (rc != PX_OK)
        return rc;
    /* REQ-SERIAL-3: Art. 4(b)(ii): the serial is generated by a randomisation algorithm */
    if (requires_randomisation && s->strategy == PX_SERIAL_SEQUENTIAL_NUMERIC) {
        return px_err_set_field(
            err, PX_EINVALID, "sequential_not_allowed", "strategy",
            "SEQUENTIAL_NUMERIC serials are not allowed where randomisation is required "
            "(Delegated Regulation (EU) 2016/161 Art. 4)");
    }
    const char *why;
    uint64_t max = max_issued(s, requires_randomisation, &why);
    uint64_t total = already_issued + requested;
    int overflow = total < already_issued;
    /* REQ-SERIAL-3: issued_total × 10,000 <= space (randomised markets); elsewhere the space,
     * or half of it drawn at random (px_serial_space_max_issued) */
    if (overflow || total > max)
        return px_err_set(err, PX_EEXHAUSTED, "serial_space_exhausted",
                          "%s serials of length %d allow at most %llu issued serials%s; "
                          "%llu issued and %llu requested",
                          px_serial_strategy_name(s->strategy), s->length, (unsigned long long)max,
                          why, (unsigned long long)already_issued, (unsigned long long)requested);
    return PX_OK;
}

px_rc px_serial_sequential_format(char out[PX_SERIAL_LEN_MAX + 1], const px_serial_settings *s,
                                  uint64_t n, px_err *err)
{
    px_rc rc = px_serial_settings_validate(s, err);
    if (rc != PX_OK)
        return rc;
    if (s->strategy != PX_SERIAL_SEQUENTIAL_NUMERIC)
        return px_err_set(err, PX_EINVALID, "invalid_strategy",
                          "settings are not SEQUENTIAL_NUMERIC");
    char tmp[PX_SERIAL_LEN_MAX + 1];
    int i = PX_SERIAL_LEN_MAX;
    tmp[i] = '\0';
    uint64_t v = n;
    do {
        tmp[--i] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    int digits = PX_SERIAL_LEN_MAX - i;
    if (digits > s->length)
        return px_err_set(err, PX_EEXHAUSTED, "serial_space_exhausted",
                          "counter %llu does not fit in %d digits", (unsigned long long)n,
                          s->length);
    int pad = s->length - digits;
    memset(out, '0', (size_t)pad);
    memcpy(out + pad, tmp + i, (size_t)digits + 1);
    return PX_OK;
}

/* ---- generator ---------------------------------------------------------------------------- */

px_rc px_serial_gen_init(px_serial_gen *g, const px_serial_settings *s, px_serial_fill_fn fill,
                         void *fill_ctx, px_err *err)
{
    memset(g, 0, sizeof(*g));
    px_rc rc = px_serial_settings_validate(s, err);
    if (rc != PX_OK)
        return rc;
    g->settings = *s;
    g->fill = fill;
    g->fill_ctx = fill_ctx;
    if (s->strategy == PX_SERIAL_SEQUENTIAL_NUMERIC)
        return PX_OK;
    if (!fill)
        return px_err_set(err, PX_EINTERNAL, "internal", "random serials need a byte source");
    const char *alpha = s->strategy == PX_SERIAL_RANDOM_NUMERIC ? k_digits : s->symbols;
    unsigned n = px_serial_alphabet_size(s);
    g->alphabet_size = n;
    /* REQ-SERIAL-2: rejection sampling. Bytes >= limit (the largest multiple of n not above
     * 256) are discarded, so b % n is uniform over the alphabet: no modulo bias. */
    g->limit = 256u - 256u % n;
    for (unsigned b = 0; b < 256; b++)
        g->map[b] = b < g->limit ? (unsigned char)alpha[b % n] : 0;
    return PX_OK;
}

void px_serial_gen_seek(px_serial_gen *g, uint64_t counter)
{
    g->counter = counter;
}

static px_rc refill(px_serial_gen *g, px_err *err)
{
    if (g->fill(g->fill_ctx, g->pool, sizeof(g->pool)) != PX_OK)
        return px_err_set(err, PX_EUNAVAIL, "random_unavailable",
                          "the random number source failed");
    g->pos = 0;
    g->len = sizeof(g->pool);
    return PX_OK;
}

px_rc px_serial_gen_next(px_serial_gen *g, char out[PX_SERIAL_LEN_MAX + 1], px_err *err)
{
    if (g->settings.strategy == PX_SERIAL_SEQUENTIAL_NUMERIC) {
        px_rc rc = px_serial_sequential_format(out, &g->settings, g->counter, err);
        if (rc == PX_OK)
            g->counter++;
        return rc;
    }
    if (!g->alphabet_size)
        return px_err_set(err, PX_EINTERNAL, "internal", "serial generator not initialised");
    const int len = g->settings.length;
    int i = 0;
    int dry = 0; /* pools in a row without one accepted byte */
    size_t pos = g->pos;
    while (i < len) {
        if (pos == g->len) {
            g->pos = pos;
            /* a real source rejects a whole 4 KiB pool with probability < (10/256)^4096 */
            if (++dry > 2)
                return px_err_set(err, PX_EINTERNAL, "internal",
                                  "the random source yields only rejected bytes");
            px_rc rc = refill(g, err);
            if (rc != PX_OK)
                return rc;
            pos = 0;
        }
        unsigned char b = g->pool[pos];
        g->pool[pos++] = 0; /* consumed randomness does not linger */
        unsigned char c = g->map[b];
        g->bytes_used++;
        if (c) {
            out[i++] = (char)c;
            dry = 0;
        } else {
            g->bytes_rejected++;
        }
    }
    g->pos = pos;
    out[len] = '\0';
    return PX_OK;
}

void px_serial_gen_dispose(px_serial_gen *g)
{
    if (!g)
        return;
    volatile unsigned char *p = g->pool;
    for (size_t i = 0; i < sizeof(g->pool); i++)
        p[i] = 0;
    g->pos = g->len = 0;
}
