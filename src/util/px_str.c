#include "px_str.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t px_strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = strlen(src);
    if (cap) {
        size_t c = n < cap ? n : cap - 1;
        /* A cut never splits a UTF-8 sequence (RFC 3629 §3: continuation bytes are
         * 10xxxxxx): the copy ends before the character that does not fit whole. */
        if (c < n)
            while (c > 0 && ((unsigned char)src[c] & 0xC0) == 0x80)
                c--;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

int px_parse_long(const char *s, long min, long max, long *out)
{
    /* strtol would also skip leading white space: a number is a sign or digit first */
    if (!s || !((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int px_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int px_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int px_uri_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void px_pct_byte(char out[4], unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    out[0] = '%';
    out[1] = hex[c >> 4];
    out[2] = hex[c & 15];
    out[3] = '\0';
}

uint64_t px_fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ull; /* the 64-bit offset basis */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull; /* the 64-bit FNV prime */
    return h;
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

void px_uuid_lower(char out[PX_UUID_LEN + 1], const char *s)
{
    size_t i = 0;
    for (; s[i] && i < PX_UUID_LEN; i++)
        out[i] = (char)ascii_lower((unsigned char)s[i]);
    out[i] = '\0';
}

int px_uuid_same(const char *a, const char *b)
{
    for (;; a++, b++) {
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
            return 0;
        if (!*a)
            return 1;
    }
}

int px_strp_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define EDIT_MAX_LEN 64

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

size_t px_edit_distance(const char *a, const char *b, size_t max)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > EDIT_MAX_LEN || lb > EDIT_MAX_LEN)
        return max + 1;
    /* Three rows of the table: d[i][j] is the distance of a's first i and b's first j. */
    size_t rows[3][EDIT_MAX_LEN + 1];
    size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        size_t best = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            int ai = toupper((unsigned char)a[i - 1]), bj = toupper((unsigned char)b[j - 1]);
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai != bj));
            if (i > 1 && j > 1 && ai == toupper((unsigned char)b[j - 2]) &&
                toupper((unsigned char)a[i - 2]) == bj && before[j - 2] + 1 < cur[j])
                cur[j] = before[j - 2] + 1;
            if (cur[j] < best)
                best = cur[j];
        }
        if (best > max) /* every later row is at least as far */
            return max + 1;
        size_t *t = before;
        before = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] > max ? max + 1 : prev[lb];
}

int px_name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

void px_name_choices(char *out, size_t cap, const char *const *names, size_t n)
{
    size_t at = 0;
    if (cap)
        out[0] = '\0';
    for (size_t i = 0; i < n && at < cap; i++) {
        const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
        int w = snprintf(out + at, cap - at, "%s%s", sep, names[i]);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

px_rc px_name_refused(px_err *err, const char *code, const char *field, const char *what,
                      const char *s, const char *const *names, size_t n)
{
    char choices[160];
    px_name_choices(choices, sizeof(choices), names, n);
    return px_err_set_field(err, PX_EINVALID, code, field, "%s '%s' is not one of %s", what,
                            s ? s : "", choices);
}

const char *const px_bool_names[2] = {"false", "true"};

px_rc px_name_pick(const char *const *names, size_t n, const char *s, const char *code,
                   const char *field, int *index, px_err *err)
{
    int i = px_name_index(names, n, s);
    if (i < 0)
        return px_name_refused(err, code, field, field, s, names, n);
    if (index)
        *index = i;
    return PX_OK;
}

int px_uuid_valid(const char *s)
{
    if (!s || strlen(s) != PX_UUID_LEN)
        return 0;
    for (int i = 0; i < PX_UUID_LEN; i++) {
        char c = s[i];
        int ok =
            (i == 8 || i == 13 || i == 18 || i == 23) ? c == '-' : px_hexval((unsigned char)c) >= 0;
        if (!ok)
            return 0;
    }
    return 1;
}

static size_t utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

void px_cut_mark(char *s, size_t cap, size_t len)
{
    if (len >= cap && cap >= 4)
        memcpy(s + cap - 4, "...", 4);
    px_utf8_scrub(s);
}

size_t px_utf8_bom(const char *s, size_t len)
{
    return len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

size_t px_char_name(char out[PX_CHAR_NAME_MAX], const char *s, size_t avail)
{
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] >= 0x20 && p[0] <= 0x7E) {
        snprintf(out, PX_CHAR_NAME_MAX, "'%c'", p[0]);
        return 1;
    }
    unsigned char seq[5] = {0}; /* NUL-ended: utf8_seq reads no further than avail */
    memcpy(seq, p, avail < 4 ? avail : 4);
    size_t n = utf8_seq(seq);
    if (n < 2) {
        snprintf(out, PX_CHAR_NAME_MAX, "byte 0x%02X", p[0]);
        return 1;
    }
    unsigned long cp = seq[0] & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (seq[i] & 0x3Fu);
    snprintf(out, PX_CHAR_NAME_MAX, "U+%04lX", cp);
    return n;
}

size_t px_utf8_seq(const char *s)
{
    return utf8_seq((const unsigned char *)s);
}

size_t px_utf8_scrub(char *s)
{
    unsigned char *r = (unsigned char *)s, *w = r;
    while (*r) {
        size_t n = utf8_seq(r);
        if (n == 0) {
            r++;
            continue;
        }
        if (w != r)
            memmove(w, r, n);
        w += n;
        r += n;
    }
    *w = '\0';
    return (size_t)(r - w);
}

int px_utf8_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_seq(p);
        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}

int px_ascii_printable(const char *s, size_t maxlen)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= maxlen || (unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7E)
            return 0;
    return n > 0;
}

/* The bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069; UTF-8
 * 0xE2 0x80 0xAA..0xAE and 0xE2 0x81 0xA6..0xA9): they reorder the text around them as it is
 * shown (Unicode UAX #9 §2.1-2.2), so a name could read as another in a list or a report
 * (CVE-2021-42574, "Trojan Source"). The marks (LRM, RLM) stay allowed: they only settle the
 * direction of neutral characters in mixed scripts. */
static int bidi_control(const unsigned char *p)
{
    return p[0] == 0xE2 && ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
                            (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9));
}

/* The byte length of the space or invisible character at p, 0 for any other: ASCII space,
 * no-break space U+00A0, the spaces U+2000..U+200A, the zero-width space, joiners and marks
 * U+200B..U+200F, U+202F, U+205F, the word joiner U+2060, U+3000, and U+FEFF (zero-width
 * no-break space, a byte order mark). */
static size_t blank_len(const unsigned char *p)
{
    if (p[0] == ' ')
        return 1;
    if (p[0] == 0xC2 && p[1] == 0xA0)
        return 2;
    if (p[0] == 0xE2 && ((p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8F) || p[2] == 0xAF)) ||
                         (p[1] == 0x81 && (p[2] == 0x9F || p[2] == 0xA0))))
        return 3;
    if ((p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) ||
        (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF))
        return 3;
    return 0;
}

int px_str_printable(const char *s, size_t maxlen)
{
    size_t n = 0;
    for (const char *p = s; *p; p++, n++) {
        unsigned char c = (unsigned char)*p;
        if (n >= maxlen || c < 0x20 || c == 0x7f)
            return 0;
        /* C1 controls (U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8) are control characters too. */
        if (c == 0xC2 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9F)
            return 0;
        /* U+FFFE and U+FFFF (0xEF 0xBF 0xBE/0xBF) are not characters (Unicode §23.7), and XML
         * 1.0 §2.2 excludes them: text that reaches an EPCIS document must not hold them. */
        if (c == 0xEF && (unsigned char)p[1] == 0xBF &&
            ((unsigned char)p[2] == 0xBE || (unsigned char)p[2] == 0xBF))
            return 0;
        if (bidi_control((const unsigned char *)p))
            return 0;
    }
    return n > 0 && px_utf8_valid(s);
}

int px_str_blank(const char *s)
{
    size_t n;
    while ((n = blank_len((const unsigned char *)s)) > 0)
        s += n;
    return *s == '\0';
}
