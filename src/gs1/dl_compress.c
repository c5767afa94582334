/* Compressed GS1 Digital Link: the binary encoding of AI data carried as one base64url path
 * segment (GS1 Digital Link URI Syntax, "compression").
 *
 * The bit string is a sequence of entries. An entry starts with four bits per character of its
 * key: an AI's digits ("01" is 0000 0001), an optimisation code of two hex characters that
 * stands for a fixed sequence of AIs ("0B" = (01)(10)), or "F" for a non-GS1 key=value pair.
 * The AI's value follows in the AI's compression format, derived here from the dictionary
 * components: adjacent mandatory fixed-length components of one kind merge ("N4 N5 N3 N1 N1"
 * is N14), and optional components become one variable-length tail ("N6 [N6]" is N6 N..6).
 *   fixed numeric N<L>   the number in valuebits(L) bits (valuebits(n) = ceil(n·log2 10), 1 for
 *                        n = 0, as the reference computes it with a 0.01 margin)
 *   variable N..<M>      bitlength(M) bits of length n, then the number in valuebits(n) bits
 *   X (set 82, 39, 64)   3 bits of encoding, [bitlength(M) bits of length], then the characters:
 *                        0 digits as one number, 1 lowercase hex and 2 uppercase hex at 4 bits,
 *                        3 base64url at 6 bits, 4 ASCII at 7 bits
 * The bit string is padded with 0 bits to a multiple of 6 and written in base64url (A–Z a–z
 * 0–9 - _, no '=' padding); a reader stops when 8 or fewer bits are left.
 *
 * packid writes AIs in ascending AI order (the form the reference feature files expect), with
 * GS1_DL_OPTIMISE groups of AIs that have an optimisation code first, and reads every form,
 * optimisation codes and "F" pairs included. A
 * number is always given back with as many digits as were encoded (leading zeros kept). */
#include <string.h>

#include "gs1_ai.h"
#include "gs1_internal.h"
#include "px_array.h"
#include "px_str.h"

#define BITS_MAX (8 * 4096)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char hexu[] = "0123456789ABCDEF";

/* ---- formats ------------------------------------------------------------------------- */

typedef struct fmt {
    char kind; /* 'N' or 'X' */
    unsigned char fixed;
    unsigned char len; /* L (fixed) or M (variable) */
} fmt;

static int fmt_of(const gs1_ai_def *d, fmt f[GS1_AI_MAX_COMPONENTS])
{
    int n = 0;
    for (int i = 0; i < GS1_AI_MAX_COMPONENTS && d->comp[i].cset; i++) {
        const gs1_ai_component *c = &d->comp[i];
        char kind = c->cset == 'N' ? 'N' : 'X';
        unsigned char fixed = c->min == c->max && !c->optional;
        if (n > 0 && f[n - 1].kind == kind && f[n - 1].fixed == fixed) {
            f[n - 1].len = (unsigned char)(f[n - 1].len + c->max);
        } else {
            f[n].kind = kind;
            f[n].fixed = fixed;
            f[n].len = c->max;
            n++;
        }
    }
    return n;
}

static unsigned bitlength(unsigned m)
{
    unsigned b = 0;
    while (m) {
        b++;
        m >>= 1;
    }
    return b;
}

/* ceil(n·log2(10) + 0.01) exactly as the reference computes it in floating point; the integer
 * form agrees for every n up to 100 (test_gs1__dl_compress_bits). */
unsigned gs1__dl_value_bits(unsigned n)
{
    return (unsigned)((n * 332192809ull + 1000000ull) / 100000000ull) + 1;
}

/* ---- bit writer / reader --------------------------------------------------------------- */

typedef struct bits {
    unsigned char b[BITS_MAX / 8];
    size_t n, cap; /* bits written / available */
    int overflow;
} bits;

static void put(bits *w, unsigned v, unsigned count)
{
    for (unsigned i = count; i-- > 0;) {
        if (w->n >= BITS_MAX) {
            w->overflow = 1;
            return;
        }
        if ((v >> i) & 1u)
            w->b[w->n / 8] |= (unsigned char)(0x80u >> (w->n % 8));
        else
            w->b[w->n / 8] &= (unsigned char)~(0x80u >> (w->n % 8));
        w->n++;
    }
}

static int get(const bits *r, size_t *pos, unsigned count, unsigned *v)
{
    if (*pos + count > r->n)
        return 0;
    unsigned x = 0;
    for (unsigned i = 0; i < count; i++, (*pos)++)
        x = (x << 1) | ((r->b[*pos / 8] >> (7 - *pos % 8)) & 1u);
    *v = x;
    return 1;
}

/* Big numbers of up to 127 digits (422 bits: a compressed non-GS1 value) as little-endian
 * 32-bit limbs. */
#define LIMBS 14
#define NUMBER_MAX_DIGITS 127

static void put_number(bits *w, const char *digits, size_t n)
{
    uint32_t l[LIMBS] = {0};
    if (n > NUMBER_MAX_DIGITS) {
        w->overflow = 1; /* callers bound n; never truncate silently */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t carry = (uint64_t)(digits[i] - '0');
        for (int k = 0; k < LIMBS; k++) {
            uint64_t x = (uint64_t)l[k] * 10 + carry;
            l[k] = (uint32_t)x;
            carry = x >> 32;
        }
    }
    unsigned nb = gs1__dl_value_bits((unsigned)n);
    for (unsigned i = nb; i-- > 0;)
        put(w, (l[i / 32] >> (i % 32)) & 1u, 1);
}

/* Reads valuebits(n) bits as a number and writes it as exactly n digits; 0 when it needs more. */
static int get_number(const bits *r, size_t *pos, size_t n, char *out)
{
    uint32_t l[LIMBS] = {0};
    if (n > NUMBER_MAX_DIGITS)
        return 0;
    unsigned nb = gs1__dl_value_bits((unsigned)n);
    for (unsigned i = nb; i-- > 0;) {
        unsigned bit;
        if (!get(r, pos, 1, &bit))
            return 0;
        l[i / 32] |= (uint32_t)bit << (i % 32);
    }
    for (size_t d = n; d-- > 0;) {
        uint64_t rem = 0;
        for (int k = LIMBS; k-- > 0;) {
            uint64_t x = (rem << 32) | l[k];
            l[k] = (uint32_t)(x / 10);
            rem = x % 10;
        }
        out[d] = (char)('0' + rem);
    }
    for (int k = 0; k < LIMBS; k++)
        if (l[k])
            return 0; /* more digits than the length says */
    return 1;
}

/* ---- values ---------------------------------------------------------------------------- */

static int all_in(const char *s, size_t n, int (*ok)(char))
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!ok(s[i]))
            return 0;
    return 1;
}

static int is_num(char c)
{
    return c >= '0' && c <= '9';
}
static int is_hexl(char c)
{
    return is_num(c) || (c >= 'a' && c <= 'f');
}
static int is_hexu(char c)
{
    return is_num(c) || (c >= 'A' && c <= 'F');
}
static int is_b64(char c)
{
    return c && strchr(b64, c) != NULL;
}

/* The reference's choice: the narrowest alphabet that holds every character. */
static unsigned encoding_of(const char *s, size_t n)
{
    unsigned enc = 4;
    if (all_in(s, n, is_b64))
        enc = 3;
    if (all_in(s, n, is_hexl))
        enc = 1;
    if (all_in(s, n, is_hexu))
        enc = 2;
    if (all_in(s, n, is_num))
        enc = 0;
    return enc;
}

static void put_chars(bits *w, unsigned enc, const char *s, size_t n)
{
    if (enc == 0) {
        put_number(w, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (enc == 1 || enc == 2)
            put(w, (unsigned)(strchr(hexu, c >= 'a' ? c - 32 : c) - hexu), 4);
        else if (enc == 3)
            put(w, (unsigned)(strchr(b64, c) - b64), 6);
        else
            put(w, (unsigned char)c, 7);
    }
}

static int get_chars(const bits *r, size_t *pos, unsigned enc, size_t n, char *out)
{
    if (enc == 0)
        return get_number(r, pos, n, out);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (enc == 1 || enc == 2) {
            if (!get(r, pos, 4, &v))
                return 0;
            out[i] = enc == 1 && v > 9 ? (char)('a' + v - 10) : hexu[v];
        } else if (enc == 3) {
            if (!get(r, pos, 6, &v))
                return 0;
            out[i] = b64[v];
        } else if (enc == 4) {
            if (!get(r, pos, 7, &v) || v < 0x20 || v == 0x7f)
                return 0; /* printable ASCII only */
            out[i] = (char)v;
        } else {
            return 0;
        }
    }
    return 1;
}

static void put_key(bits *w, const char *key)
{
    for (const char *p = key; *p; p++)
        put(w, (unsigned)(strchr(hexu, *p) - hexu), 4);
}

/* One AI value in the AI's compression format; 0 when the value does not fit the format. */
static int put_value(bits *w, const gs1_ai_def *d, const char *v)
{
    fmt f[GS1_AI_MAX_COMPONENTS];
    int nf = fmt_of(d, f);
    size_t len = strlen(v), pos = 0;
    for (int i = 0; i < nf; i++) {
        size_t n = f[i].fixed ? f[i].len : len - pos;
        if (pos + n > len || n > f[i].len)
            return 0;
        const char *s = v + pos;
        if (f[i].kind == 'N') {
            if (n && !all_in(s, n, is_num))
                return 0;
            if (!f[i].fixed)
                put(w, (unsigned)n, bitlength(f[i].len));
            put_number(w, s, n);
        } else {
            unsigned enc = encoding_of(s, n);
            put(w, enc, 3);
            if (!f[i].fixed)
                put(w, (unsigned)n, bitlength(f[i].len));
            put_chars(w, enc, s, n);
        }
        pos += n;
    }
    return pos == len;
}

static int get_value(const bits *r, size_t *pos, const gs1_ai_def *d, char *v, size_t *vlen)
{
    fmt f[GS1_AI_MAX_COMPONENTS];
    int nf = fmt_of(d, f);
    size_t n = 0;
    for (int i = 0; i < nf; i++) {
        unsigned enc = 0, len = f[i].len;
        if (f[i].kind == 'X' && !get(r, pos, 3, &enc))
            return 0;
        if (!f[i].fixed && !get(r, pos, bitlength(f[i].len), &len))
            return 0;
        if (len > f[i].len || n + len > GS1_AI_VALUE_MAX)
            return 0;
        if (!get_chars(r, pos, enc, len, v + n))
            return 0;
        n += len;
    }
    v[n] = '\0';
    *vlen = n;
    return 1;
}

/* GS1 Digital Link compression's optimisation codes: one two-hex-digit key for a sequence of
 * AIs whose values follow in that order. */
static const struct {
    char code[3];
    const char *ais;
} optimisations[] = {
    {"0A", "01 22"},     {"0B", "01 10"},     {"0C", "01 21"},       {"0D", "01 17"},
    {"0E", "01 7003"},   {"0F", "01 30"},     {"1A", "01 10 21 17"}, {"1B", "01 15"},
    {"1C", "01 11"},     {"1D", "01 16"},     {"1E", "01 91"},       {"1F", "01 10 15"},
    {"2A", "01 3100"},   {"2B", "01 3101"},   {"2C", "01 3102"},     {"2D", "01 3103"},
    {"2E", "01 3104"},   {"2F", "01 3105"},   {"3A", "01 3200"},     {"3B", "01 3201"},
    {"3C", "01 3202"},   {"3D", "01 3203"},   {"3E", "01 3204"},     {"3F", "01 3205"},
    {"9A", "8010 8011"}, {"9B", "8017 8019"}, {"9C", "8018 8019"},   {"9D", "414 254"},
    {"A0", "01 3920"},   {"A1", "01 3921"},   {"A2", "01 3922"},     {"A3", "01 3923"},
    {"A4", "01 3924"},   {"A5", "01 3925"},   {"A6", "01 3926"},     {"A7", "01 3927"},
    {"A8", "01 3928"},   {"A9", "01 3929"},   {"C0", "255 3900"},    {"C1", "255 3901"},
    {"C2", "255 3902"},  {"C3", "255 3903"},  {"C4", "255 3904"},    {"C5", "255 3905"},
    {"C6", "255 3906"},  {"C7", "255 3907"},  {"C8", "255 3908"},    {"C9", "255 3909"},
    {"CA", "255 3940"},  {"CB", "255 3941"},  {"CC", "255 3942"},    {"CD", "255 3943"},
};

/* ---- encoder --------------------------------------------------------------------------- */

/* Index in optimisations[] of the code that stands for the most AI characters among those
 * whose AIs are all still unused (the first such code on a tie, as the reference picks), or
 * -1. */
static int best_optimisation(const gs1_elements *e, const int *order, const int *used, int n)
{
    int best = -1;
    size_t best_len = 0;
    for (size_t k = 0; k < PX_COUNT(optimisations); k++) {
        size_t chars = 0;
        int all = 1;
        for (const char *a = optimisations[k].ais; *a && all;) {
            size_t alen = strcspn(a, " ");
            int found = 0;
            for (int i = 0; i < n && !found; i++)
                found = !used[i] && strlen(e->items[order[i]].ai) == alen &&
                        memcmp(e->items[order[i]].ai, a, alen) == 0;
            all = found;
            chars += alen;
            a += alen;
            if (*a)
                a++;
        }
        if (all && chars > best_len) {
            best = (int)k;
            best_len = chars;
        }
    }
    return best;
}

/* The elements' indexes in ascending AI order, without skip_ai and without repeats; the
 * count. */
static int ai_order(const gs1_elements *e, const char *skip_ai, int order[GS1_MAX_ELEMENTS])
{
    int n = 0;
    for (int i = 0; i < e->count; i++) {
        if (skip_ai && strcmp(e->items[i].ai, skip_ai) == 0)
            continue;
        if (gs1__find(e, e->items[i].ai) < i)
            continue; /* a repeated AI carries the same value (gs1_elements_validate) */
        int k = n++;
        while (k > 0 && strcmp(e->items[order[k - 1]].ai, e->items[i].ai) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    return n;
}

static px_rc value_unfit(px_err *err, const char *ai)
{
    return px_err_set(err, PX_EINVALID, "invalid_value",
                      "AI (%s): value does not fit its compression format", ai);
}

/* With optimisation, groups of AIs that have a code go first (best group first), their
 * values in the group's order; used marks the elements written. */
static px_rc put_groups(bits *local, const gs1_elements *e, const int *order, int *used, int n,
                        px_err *err)
{
    for (int best; (best = best_optimisation(e, order, used, n)) >= 0;) {
        put_key(local, optimisations[best].code);
        for (const char *a = optimisations[best].ais; *a;) {
            size_t alen = strcspn(a, " ");
            for (int i = 0; i < n; i++) {
                const gs1_element *it = &e->items[order[i]];
                if (!used[i] && strlen(it->ai) == alen && memcmp(it->ai, a, alen) == 0) {
                    used[i] = 1;
                    if (!put_value(local, gs1_ai_lookup(it->ai, alen), it->value))
                        return value_unfit(err, it->ai);
                    break;
                }
            }
            a += alen;
            if (*a)
                a++;
        }
    }
    return PX_OK;
}

/* A non-GS1 query parameter as "F": 7 bits of key length, the key in base64url, then the
 * value as an X..127 (its %XX escapes decoded: the decoder escapes again). */
static px_rc put_other(bits *local, const gs1__dl_pair *p, px_err *err)
{
    if (p->klen == 0 || p->klen > 127 || !all_in(p->key, p->klen, is_b64) || p->vlen > 127)
        return px_err_set(err, PX_EINVALID, "invalid_query",
                          "query parameter \"%.*s\" cannot be compressed", (int)p->klen, p->key);
    char v[sizeof(p->value)];
    size_t vl = 0;
    for (size_t i = 0; i < p->vlen; i++) {
        if (p->value[i] == '%' && i + 2 < p->vlen &&
            px_hexval((unsigned char)p->value[i + 1]) >= 0 &&
            px_hexval((unsigned char)p->value[i + 2]) >= 0) {
            int c = px_hexval((unsigned char)p->value[i + 1]) * 16 +
                    px_hexval((unsigned char)p->value[i + 2]);
            if (c < 0x20 || c >= 0x7f)
                return px_err_set(err, PX_EINVALID, "invalid_query",
                                  "query parameter \"%.*s\" has a value that cannot be "
                                  "compressed",
                                  (int)p->klen, p->key);
            v[vl++] = (char)c;
            i += 2;
        } else {
            v[vl++] = p->value[i];
        }
    }
    put(local, 0xF, 4);
    put(local, (unsigned)p->klen, 7);
    put_chars(local, 3, p->key, p->klen);
    unsigned enc = encoding_of(v, vl);
    put(local, enc, 3);
    put(local, (unsigned)vl, 7);
    put_chars(local, enc, v, vl);
    return PX_OK;
}

px_rc gs1__dl_compress_data(gs1__out *o, const gs1_elements *e, const char *skip_ai,
                            const gs1__dl_pair *other, int nother, int optimise, px_err *err)
{
    bits local = {0};
    int order[GS1_MAX_ELEMENTS];
    int n = ai_order(e, skip_ai, order);
    int used[GS1_MAX_ELEMENTS] = {0};
    px_rc rc = optimise ? put_groups(&local, e, order, used, n, err) : PX_OK;
    if (rc != PX_OK)
        return rc;
    /* The other AIs follow in ascending order. */
    for (int k = 0; k < n; k++) {
        if (used[k])
            continue;
        const gs1_element *it = &e->items[order[k]];
        const gs1_ai_def *d = gs1_ai_lookup(it->ai, strlen(it->ai));
        put_key(&local, it->ai);
        if (!d || !put_value(&local, d, it->value))
            return value_unfit(err, it->ai);
    }
    for (int k = 0; k < nother; k++)
        /* a singleton has no value to compress; it stays in the query */
        if (other[k].has_value && (rc = put_other(&local, &other[k], err)) != PX_OK)
            return rc;
    if (local.overflow)
        return px_err_set(err, PX_ETOOBIG, "input_too_long", "too much data to compress");
    size_t pos = 0;
    while (pos < local.n) {
        unsigned v = 0;
        for (int i = 0; i < 6; i++, pos++)
            v = (v << 1) | (pos < local.n ? (local.b[pos / 8] >> (7 - pos % 8)) & 1u : 0u);
        gs1__out_putc(o, b64[v]);
    }
    return PX_OK;
}

/* ---- decoder --------------------------------------------------------------------------- */

/* The length of the AIs that start with these two digits (GS1 AIs are prefix-free and their
 * length follows from the first two digits), or 0. */
static size_t ai_len_for_prefix(const char p[2])
{
    for (size_t i = 0; i < gs1_ai_count(); i++) {
        const char *ai = gs1_ai_at(i)->ai;
        if (ai[0] == p[0] && ai[1] == p[1])
            return strlen(ai);
    }
    return 0;
}

/* A decoded non-GS1 value goes back into a query: characters that would end or break the
 * parameter there are percent-encoded in place. Returns the new length, 0 when it no longer
 * fits. */
static size_t pct_value(char *v, size_t n, size_t cap)
{
    char tmp[sizeof(((gs1__dl_pair *)0)->value)];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= 0x20 || strchr("&#\"<>\\^`{|}[]%", c)) {
            if (m + 3 >= sizeof(tmp))
                return 0;
            char e[4];
            px_pct_byte(e, c);
            memcpy(tmp + m, e, 3);
            m += 3;
        } else {
            if (m + 1 >= sizeof(tmp))
                return 0;
            tmp[m++] = (char)c;
        }
    }
    if (m >= cap)
        return 0;
    memcpy(v, tmp, m);
    v[m] = '\0';
    return m;
}

static px_rc bad(px_err *err, size_t base, size_t len, const char *what)
{
    px_err_set(err, PX_EINVALID, "invalid_compressed_dl", "compressed Digital Link: %s", what);
    px_err_span(err, (int)base, (int)len);
    return PX_EINVALID;
}

static px_rc add(gs1_elements *out, const gs1_ai_def *d, const char *v, size_t vlen, size_t base,
                 size_t len, px_err *err)
{
    if (gs1__find(out, d->ai) >= 0) {
        px_err_set(err, PX_EINVALID, "duplicate_ai", "AI (%s) appears more than once", d->ai);
        px_err_span(err, (int)base, (int)len);
        return PX_EINVALID;
    }
    px_rc rc = gs1_ai_value_validate(d, v, vlen, err);
    if (rc != PX_OK) {
        px_err_span(err, (int)base, (int)len);
        return rc;
    }
    return gs1__element_push(out, d->ai, v, vlen, base, len, err);
}

static const char garbled[] = "not a compressed Digital Link segment";

/* An AI (its first two digits in key) and its value; the segment s[0..len) at base is named
 * in errors. */
static px_rc read_ai(bits *r, size_t *pos, char key[5], gs1_elements *out, size_t base, size_t len,
                     px_err *err)
{
    size_t alen = ai_len_for_prefix(key);
    if (!alen)
        return bad(err, base, len, "unknown AI prefix");
    for (size_t k = 2; k < alen; k++) {
        unsigned h;
        if (!get(r, pos, 4, &h) || h > 9)
            return bad(err, base, len, garbled);
        key[k] = hexu[h];
    }
    const gs1_ai_def *d = gs1_ai_lookup(key, alen);
    if (!d)
        return bad(err, base, len, "unknown AI");
    char value[GS1_AI_VALUE_MAX + 1];
    size_t vlen;
    if (!get_value(r, pos, d, value, &vlen))
        return bad(err, base, len, garbled);
    return add(out, d, value, vlen, base, len, err);
}

/* A non-GS1 query parameter ("F", h2 the key length's high bits): kept in other, or only
 * counted when other is NULL. */
static px_rc read_other(bits *r, size_t *pos, unsigned h2, gs1__dl_pair *other, int *nother,
                        int max_other, size_t base, size_t len, px_err *err)
{
    unsigned klen, rest, enc, vl;
    if (!get(r, pos, 3, &rest))
        return bad(err, base, len, garbled);
    klen = (h2 << 3) | rest;
    gs1__dl_pair p = {0};
    if (klen == 0 || klen > sizeof(p.key) - 1 || !get_chars(r, pos, 3, klen, p.key) ||
        !get(r, pos, 3, &enc) || !get(r, pos, 7, &vl) || vl > sizeof(p.value) - 1 ||
        !get_chars(r, pos, enc, vl, p.value))
        return bad(err, base, len, garbled);
    /* A key of digits names an AI in the uncompressed link's query (GS1 Digital Link URI
     * Syntax §6): carried as a non-GS1 pair, its value would be read as that AI once written
     * out, and the link would say two things (found by fuzz_gs1_dl). No compressor writes one. */
    if (px_digits(p.key, klen))
        return bad(err, base, len, "a non-GS1 parameter's key is all digits (an AI's name)");
    p.klen = klen;
    p.vlen = pct_value(p.value, vl, sizeof(p.value));
    p.has_value = 1;
    if (!p.vlen && vl)
        return bad(err, base, len, "compressed query value too long once escaped");
    if (!other)
        (*nother)++; /* counted only: the caller keeps no pairs */
    else if (*nother < max_other)
        other[(*nother)++] = p;
    return PX_OK;
}

/* An optimisation code (key) and the values of its group of AIs, in the group's order. */
static px_rc read_group(bits *r, size_t *pos, const char *key, gs1_elements *out, size_t base,
                        size_t len, px_err *err)
{
    size_t k = 0;
    while (k < PX_COUNT(optimisations) && memcmp(optimisations[k].code, key, 2) != 0)
        k++;
    if (k == PX_COUNT(optimisations))
        return bad(err, base, len, "unknown optimisation code");
    for (const char *a = optimisations[k].ais; *a;) {
        size_t alen = strcspn(a, " ");
        const gs1_ai_def *d = gs1_ai_lookup(a, alen);
        char value[GS1_AI_VALUE_MAX + 1];
        size_t vlen;
        if (!d || !get_value(r, pos, d, value, &vlen))
            return bad(err, base, len, garbled);
        px_rc rc = add(out, d, value, vlen, base, len, err);
        if (rc != PX_OK)
            return rc;
        a += alen;
        if (*a)
            a++;
    }
    return PX_OK;
}

px_rc gs1__dl_decompress_data(gs1_elements *out, gs1__dl_pair *other, int *nother, int max_other,
                              const char *s, size_t len, size_t base, px_err *err)
{
    bits r = {0};
    if (len == 0 || len * 6 > BITS_MAX)
        return bad(err, base, len, garbled);
    for (size_t i = 0; i < len; i++) {
        const char *p = s[i] ? strchr(b64, s[i]) : NULL;
        if (!p)
            return bad(err, base + i, 1, "character outside base64url");
        put(&r, (unsigned)(p - b64), 6);
    }
    size_t pos = 0;
    while (r.n - pos > 8) {
        /* Zeroed only for the optimiser: more than 8 bits are left, so both reads succeed. */
        unsigned h1 = 0, h2 = 0;
        get(&r, &pos, 4, &h1);
        get(&r, &pos, 4, &h2);
        char key[5] = {hexu[h1], hexu[h2], 0, 0, 0};
        px_rc rc;
        if (h1 <= 9 && h2 <= 9)
            rc = read_ai(&r, &pos, key, out, base, len, err);
        else if (h1 == 0xF)
            rc = read_other(&r, &pos, h2, other, nother, max_other, base, len, err);
        else
            rc = read_group(&r, &pos, key, out, base, len, err);
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

/* ---- URIs ------------------------------------------------------------------------------ */

/* The non-GS1 query parameters: key=value ones in their order, then the singletons (the order
 * the reference library writes); with singletons_only, the key=value ones went into the
 * compressed data. */
static void put_pairs(gs1__out *o, const gs1__dl_pair *p, int n, int have_query,
                      int singletons_only)
{
    int first = !have_query;
    for (int pass = singletons_only; pass < 2; pass++)
        for (int i = 0; i < n; i++) {
            if (p[i].has_value != !pass)
                continue;
            gs1__out_putc(o, first ? '?' : '&');
            first = 0;
            gs1__out_putn(o, p[i].key, p[i].klen);
            if (p[i].has_value) {
                gs1__out_putc(o, '=');
                gs1__out_putn(o, p[i].value, p[i].vlen);
            }
        }
}

static px_rc compress_core(gs1__out *o, const char *prefix, size_t prefix_len,
                           const gs1_elements *e, unsigned flags, const gs1__dl_pair *other,
                           int nother, const char *frag, size_t frag_len, px_err *err)
{
    int key; /* the key gs1_dl_format would choose */
    px_rc rc = gs1__dl_key_of(e, &key, err);
    if (rc != PX_OK)
        return rc;
    gs1__out_putn(o, prefix, prefix_len);
    gs1__out_putc(o, '/');
    const char *skip = NULL;
    int inner = (flags & GS1_DL_COMPRESS_OTHER) ? nother : 0;
    if (flags & GS1_DL_PARTIAL) {
        skip = e->items[key].ai;
        gs1__out_puts(o, skip);
        gs1__out_putc(o, '/');
        gs1__out_pct(o, e->items[key].value);
        int rest = 0;
        for (int i = 0; i < inner; i++)
            rest += other[i].has_value;
        for (int i = 0; i < e->count; i++)
            if (strcmp(e->items[i].ai, skip) != 0)
                rest++;
        if (rest)
            gs1__out_putc(o, '/');
    }
    rc = gs1__dl_compress_data(o, e, skip, other, inner, (flags & GS1_DL_OPTIMISE) != 0, err);
    if (rc != PX_OK)
        return rc;
    put_pairs(o, other, nother, 0, (flags & GS1_DL_COMPRESS_OTHER) != 0);
    if (frag_len)
        gs1__out_putn(o, frag, frag_len);
    return PX_OK;
}

px_rc gs1_dl_compress_elements(char *out, size_t cap, const char *domain, const gs1_elements *e,
                               unsigned flags, px_err *err)
{
    if (!domain || !*domain)
        domain = GS1_DL_CANONICAL;
    gs1__out o;
    gs1__out_init(&o, out, cap);
    px_rc rc = compress_core(&o, domain, strlen(domain), e, flags, NULL, 0, NULL, 0, err);
    return rc != PX_OK ? rc : gs1__out_done(&o, err);
}

px_rc gs1_dl_compress(char *out, size_t cap, const char *uri, unsigned flags, px_err *err)
{
    gs1_elements e;
    gs1__dl_parts parts;
    size_t len = strlen(uri);
    px_rc rc = gs1__dl_parse_parts(&e, &parts, uri, len, 0, err);
    if (rc != PX_OK)
        return rc;
    gs1__out o;
    gs1__out_init(&o, out, cap);
    rc = compress_core(&o, uri, parts.prefix_len, &e, flags, parts.other, parts.nother,
                       uri + parts.frag, len - parts.frag, err);
    return rc != PX_OK ? rc : gs1__out_done(&o, err);
}

px_rc gs1_dl_decompress(char *out, size_t cap, const char *uri, px_err *err)
{
    gs1_elements e;
    gs1__dl_parts parts;
    size_t len = strlen(uri);
    px_rc rc = gs1__dl_parse_parts(&e, &parts, uri, len, 0, err);
    if (rc != PX_OK)
        return rc;
    rc = gs1__dl_format(out, cap, uri, parts.prefix_len, &e, err);
    if (rc != PX_OK)
        return rc;
    /* A compressed path carries many AIs in one segment; written out, each takes two. With a
     * long stem the result could pass the bound the parser keeps, and packid would write a
     * link it refuses to read: refused here instead (found by fuzz_gs1_dl). */
    const char *path = strstr(out, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    int segments = 0;
    for (const char *q = path; q && *q && *q != '?' && *q != '#'; q++)
        segments += *q == '/';
    if (segments > GS1__DL_MAX_SEGMENTS)
        return px_err_set(err, PX_EINVALID, "dl_too_long",
                          "the uncompressed link would have %d path segments; at most %d", segments,
                          GS1__DL_MAX_SEGMENTS);
    size_t n = strlen(out);
    int have_query = strchr(out, '?') != NULL;
    char first = out[0];
    gs1__out o;
    gs1__out_init(&o, out, cap);
    out[0] = first; /* append after what gs1_dl_format wrote */
    o.len = n;
    put_pairs(&o, parts.other, parts.nother, have_query, 0);
    gs1__out_putn(&o, uri + parts.frag, len - parts.frag);
    return gs1__out_done(&o, err);
}
