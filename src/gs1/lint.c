/* The content checks ("linters") GS1's Barcode Syntax Dictionary names per AI component. Each one
 * here follows the rule the dictionary's name stands for; the table (ai_table_gen.c) says which
 * apply to which component. Positions are relative to the component. */
#include <string.h>

#include "gs1_ai.h"
#include "gs1_internal.h"
#include "px_calendar.h"
#include "px_str.h"

static px_rc fail(px_err *err, const char *code, size_t pos, size_t len, const char *ai,
                  const char *what)
{
    px_err_set(err, PX_EINVALID, code, "AI (%s): %s", ai, what);
    px_err_span(err, (int)pos, (int)len);
    return PX_EINVALID;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Leading '0' characters of s[0..len) (components are not NUL-terminated). */
static size_t zeros(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] == '0')
        i++;
    return i;
}

static int one_of(const char *s, size_t len, const char *set)
{
    return len == 1 && s[0] && strchr(set, s[0]) != NULL;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Compares two digit strings of equal length by value (no conversion: up to 12 digits). */
static int cmp_digits(const char *a, const char *b, size_t n)
{
    int c = memcmp(a, b, n);
    return c < 0 ? -1 : c > 0;
}

/* ---- check characters ------------------------------------------------------------------ */

/* Index of c in CSET 82 in the order of GenSpecs figure 7.11-1 (! " % & ' ( ) * + , - . / 0-9
 * : ; < = > ? A-Z _ a-z), or -1. */
static int cset82_index(unsigned char c)
{
    static const char order[] = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                                "abcdefghijklmnopqrstuvwxyz";
    if (c == 0)
        return -1;
    const char *p = strchr(order, c);
    return p ? (int)(p - order) : -1;
}

static unsigned next_prime(unsigned p)
{
    for (unsigned n = p + 1;; n++) {
        unsigned d = 2;
        while (d * d <= n && n % d)
            d++;
        if (d * d > n)
            return n;
    }
}

/* GenSpecs §7.9.5 check character pair (AI 8013 and every "csumalpha" component): the
 * characters before the pair weighted by the primes 2, 3, 5, … from the right, summed mod 1021,
 * written as two characters of the 32-character set below (quotient and remainder by 32). */
static px_rc lint_csumalpha(const char *ai, const char *s, size_t len, px_err *err)
{
    static const char cset32[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    if (len < 2)
        return fail(err, "invalid_check_pair", 0, len, ai, "too short for a check character pair");
    unsigned sum = 0, prime = 2;
    for (size_t i = len - 2; i-- > 0;) {
        int v = cset82_index((unsigned char)s[i]);
        if (v < 0)
            return fail(err, "invalid_character", i, 1, ai,
                        "is not in the GS1 AI character set 82");
        sum = (sum + (unsigned)v * prime) % 1021;
        prime = next_prime(prime);
    }
    if (s[len - 2] != cset32[sum / 32] || s[len - 1] != cset32[sum % 32])
        return fail(err, "invalid_check_pair", len - 2, 2, ai, "incorrect check character pair");
    return PX_OK;
}

/* ISO 13616 IBAN: country code, two check digits, BBAN of at most 30; the string with its first
 * four characters moved to the end, letters as 10..35, is 1 mod 97. */
static px_rc lint_iban(const char *ai, const char *s, size_t len, px_err *err)
{
    if (len < 4)
        return fail(err, "invalid_iban", 0, len, ai, "IBAN is too short");
    if (!gs1__iso3166_alpha2(s))
        return fail(err, "invalid_iban", 0, 2, ai, "IBAN country code is not ISO 3166 alpha-2");
    if (len > 34)
        return fail(err, "invalid_iban", 0, len, ai, "IBAN is too long");
    if (len <= 10)
        return fail(err, "invalid_iban", 0, len, ai, "IBAN is too short");
    unsigned r = 0;
    for (size_t k = 4; k < len + 4; k++) {
        size_t i = k < len ? k : k - len;
        char c = s[i];
        if (is_digit(c))
            r = (r * 10 + (unsigned)(c - '0')) % 97;
        else if (c >= 'A' && c <= 'Z')
            r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
        else
            return fail(err, "invalid_iban", i, 1, ai, "IBAN allows only digits and A-Z");
    }
    if (r != 1)
        return fail(err, "invalid_iban", 2, 2, ai, "incorrect IBAN check digits");
    return PX_OK;
}

/* ---- dates and times ------------------------------------------------------------------- */

static px_rc lint_date(const char *ai, const char *s, size_t len, int century, int day00,
                       px_err *err)
{
    size_t y = century ? 4 : 2;
    if (len != y + 4 || !px_digits(s, len))
        return fail(err, "invalid_date", 0, len, ai, "not a date");
    int mm = num(s + y, 2), dd = num(s + y + 2, 2);
    if (mm < 1 || mm > 12)
        return fail(err, "invalid_date", y, 2, ai, "illegal month");
    /* Without a century the syntax check counts a YY divisible by 4 as a leap year (right for
     * every year 1951–2150 but 2100); YYYY gets the Gregorian rule. */
    int year = century ? num(s, 4) : (num(s, 2) % 4 == 0 ? 2000 : 2001);
    if ((dd == 0 && !day00) || dd > px_days_in_month(year, mm))
        return fail(err, "invalid_date", y + 2, 2, ai, "illegal day");
    return PX_OK;
}

static px_rc lint_upto(const char *ai, const char *s, size_t len, size_t off, int max,
                       const char *what, px_err *err)
{
    if (len < off + 2 || !px_digits(s + off, 2) || num(s + off, 2) > max)
        return fail(err, "invalid_time", off, 2, ai, what);
    return PX_OK;
}

/* ---- counts and sequences -------------------------------------------------------------- */

/* "PPTT…": first half the piece, second half the total, 1 <= piece <= total. */
static px_rc lint_pieceoftotal(const char *ai, const char *s, size_t len, px_err *err)
{
    if (len == 0 || len % 2 || !px_digits(s, len))
        return fail(err, "invalid_value", 0, len, ai, "not a piece-of-total pair");
    size_t h = len / 2;
    size_t zp = zeros(s, h), zt = zeros(s + h, h);
    if (zp >= h)
        return fail(err, "invalid_value", 0, h, ai, "piece number must not be zero");
    if (zt >= h)
        return fail(err, "invalid_value", h, h, ai, "total must not be zero");
    if (cmp_digits(s, s + h, h) > 0)
        return fail(err, "invalid_value", 0, len, ai, "piece number exceeds the total");
    return PX_OK;
}

/* "pos/end" with no leading zeros and pos <= end (AI 7257 and kin). */
static px_rc lint_posinseqslash(const char *ai, const char *s, size_t len, px_err *err)
{
    size_t p = 0;
    while (p < len && is_digit(s[p]))
        p++;
    size_t e = p + 1;
    if (p == 0 || p >= len || s[p] != '/' || e >= len || !px_digits(s + e, len - e))
        return fail(err, "invalid_value", 0, len, ai, "must be <position>/<end>");
    size_t elen = len - e;
    if (s[0] == '0')
        return fail(err, "invalid_value", 0, p, ai, "position must not start with 0");
    if (s[e] == '0')
        return fail(err, "invalid_value", e, elen, ai, "end must not start with 0");
    if (p > elen || (p == elen && cmp_digits(s, s + e, p) > 0))
        return fail(err, "invalid_value", 0, len, ai, "position exceeds the end");
    return PX_OK;
}

/* ---- coupons (North American Coupon Application Guideline, AIs 8110 and 8112) ------------ */

typedef struct coupon {
    const char *ai, *s;
    size_t len, p;
    px_err *err;
} coupon;

static px_rc coupon_fail(coupon *c, const char *what)
{
    size_t at = c->p < c->len ? c->p : 0;
    return fail(c->err, "invalid_coupon", at, c->p < c->len ? 1 : c->len, c->ai, what);
}

/* One digit at the cursor, or -1 at the end. */
static int coupon_digit(coupon *c)
{
    return c->p < c->len ? c->s[c->p++] - '0' : -1;
}

/* n characters at the cursor, skipped; 0 when fewer remain. */
static int coupon_take(coupon *c, size_t n)
{
    if (c->len - c->p < n)
        return 0;
    c->p += n;
    return 1;
}

static int coupon_gcp(coupon *c, size_t n)
{
    size_t at = c->p;
    return coupon_take(c, n) && n >= 4 && px_digits(c->s + at, 4);
}

/* Purchase requirement: length 1..5, value, code 0..4 or 9, family code of 3. */
static px_rc coupon_requirement(coupon *c, const char *which)
{
    int vli = coupon_digit(c);
    if (vli < 1 || vli > 5 || !coupon_take(c, (size_t)vli))
        return coupon_fail(c, which);
    int code = coupon_digit(c);
    if (code < 0 || (code > 4 && code != 9) || !coupon_take(c, 3))
        return coupon_fail(c, which);
    return PX_OK;
}

/* Additional purchase GCP: length digit 0..6 (+6) or 9 (none). */
static px_rc coupon_extra_gcp(coupon *c)
{
    int vli = coupon_digit(c);
    if (vli < 0 || (vli > 6 && vli != 9))
        return coupon_fail(c, "invalid purchase company prefix length");
    if (vli != 9 && !coupon_gcp(c, (size_t)vli + 6))
        return coupon_fail(c, "invalid purchase company prefix");
    return PX_OK;
}

/* How both coupon AIs open: a company prefix (length digit 0..6, +6) and the 6-digit offer
 * code; which names the prefix in the message. */
static px_rc coupon_prefix_offer(coupon *c, const char *which)
{
    int vli = coupon_digit(c);
    if (vli < 0 || vli > 6 || !coupon_gcp(c, (size_t)vli + 6))
        return coupon_fail(c, which);
    if (!coupon_take(c, 6))
        return coupon_fail(c, "truncated offer code");
    return PX_OK;
}

/* Serial number, in both coupon AIs: length digit (+6), then the digits. */
static px_rc coupon_serial(coupon *c)
{
    int vli = coupon_digit(c);
    if (vli < 0 || !coupon_take(c, (size_t)vli + 6))
        return coupon_fail(c, "invalid serial number");
    return PX_OK;
}

/* Nothing may follow the last field of either coupon AI. */
static px_rc coupon_end(coupon *c)
{
    if (c->p != c->len)
        return coupon_fail(c, "unexpected data after the coupon fields");
    return PX_OK;
}

static px_rc lint_couponcode(const char *ai, const char *s, size_t len, px_err *err)
{
    coupon c = {ai, s, len, 0, err};
    if (!px_digits(s, len))
        return fail(err, "invalid_character", 0, len, ai, "coupon code must be digits");
    px_rc rc = coupon_prefix_offer(&c, "invalid coupon company prefix");
    if (rc != PX_OK)
        return rc;
    int vli = coupon_digit(&c);
    if (vli < 1 || vli > 5 || !coupon_take(&c, (size_t)vli))
        return coupon_fail(&c, "invalid save value");
    if ((rc = coupon_requirement(&c, "invalid first purchase requirement")) != PX_OK)
        return rc;
    if (c.p < len && s[c.p] == '1') {
        c.p++;
        int rule = coupon_digit(&c);
        if (rule < 0 || rule > 3)
            return coupon_fail(&c, "invalid additional purchase rules code");
        if ((rc = coupon_requirement(&c, "invalid second purchase requirement")) != PX_OK ||
            (rc = coupon_extra_gcp(&c)) != PX_OK)
            return rc;
    }
    if (c.p < len && s[c.p] == '2') {
        c.p++;
        if ((rc = coupon_requirement(&c, "invalid third purchase requirement")) != PX_OK ||
            (rc = coupon_extra_gcp(&c)) != PX_OK)
            return rc;
    }
    const char *expiry = NULL;
    if (c.p < len && s[c.p] == '3') {
        c.p++;
        expiry = s + c.p;
        if (len - c.p < 6 || lint_date(ai, expiry, 6, 0, 0, NULL) != PX_OK)
            return coupon_fail(&c, "invalid expiration date");
        c.p += 6;
    }
    if (c.p < len && s[c.p] == '4') {
        c.p++;
        const char *start = s + c.p;
        if (len - c.p < 6 || lint_date(ai, start, 6, 0, 0, NULL) != PX_OK)
            return coupon_fail(&c, "invalid start date");
        if (expiry && memcmp(start, expiry, 6) > 0)
            return coupon_fail(&c, "expiration date before start date");
        c.p += 6;
    }
    if (c.p < len && s[c.p] == '5') {
        c.p++;
        if ((rc = coupon_serial(&c)) != PX_OK)
            return rc;
    }
    if (c.p < len && s[c.p] == '6') {
        c.p++;
        vli = coupon_digit(&c);
        if (vli < 1 || vli > 7 || !coupon_gcp(&c, (size_t)vli + 6))
            return coupon_fail(&c, "invalid retailer company prefix or GLN");
    }
    if (c.p < len && s[c.p] == '9') {
        c.p++;
        int v = coupon_digit(&c);
        if (v < 0 || (v != 0 && v != 1 && v != 2 && v != 5 && v != 6))
            return coupon_fail(&c, "invalid save value code");
        v = coupon_digit(&c);
        if (v < 0 || v > 2)
            return coupon_fail(&c, "invalid save value applies-to-item");
        if (coupon_digit(&c) < 0) /* store coupon flag: any digit */
            return coupon_fail(&c, "missing store coupon flag");
        v = coupon_digit(&c);
        if (v != 0 && v != 1)
            return coupon_fail(&c, "invalid don't-multiply flag");
    }
    return coupon_end(&c);
}

static px_rc lint_couponposoffer(const char *ai, const char *s, size_t len, px_err *err)
{
    coupon c = {ai, s, len, 0, err};
    if (!px_digits(s, len))
        return fail(err, "invalid_character", 0, len, ai, "coupon offer must be digits");
    int v = coupon_digit(&c);
    if (v != 0 && v != 1)
        return coupon_fail(&c, "invalid format code");
    px_rc rc = coupon_prefix_offer(&c, "invalid funder company prefix");
    if (rc == PX_OK)
        rc = coupon_serial(&c);
    return rc == PX_OK ? coupon_end(&c) : rc;
}

/* ---- dispatcher ------------------------------------------------------------------------ */

/* Longer than 80 lines on purpose: one flat test per linter flag, in the flag table's order,
 * so a flag and its check are found together; each test is a line or two, or a call to the
 * linter above that owns it. */
px_rc gs1__lint(const char *ai, uint64_t m, const char *s, size_t len, px_err *err)
{
    px_rc rc = PX_OK;
    if (m & GS1_LINT_CSUM) {
        /* GenSpecs §7.9 standard mod-10 check digit. */
        if (len < 2 || gs1_check_digit(s, len - 1) != s[len - 1])
            return fail(err, "invalid_check_digit", len ? len - 1 : 0, 1, ai,
                        "incorrect check digit");
    }
    if ((m & GS1_LINT_CSUMALPHA) && (rc = lint_csumalpha(ai, s, len, err)) != PX_OK)
        return rc;
    if (m & (GS1_LINT_GCPPOS1 | GS1_LINT_GCPPOS2)) {
        /* The GS1 Company Prefix (at least 4 digits, the minimum of GS1's gcppos linters)
         * starts at the 1st / 2nd character of the key. */
        size_t start = (m & GS1_LINT_GCPPOS2) ? 1 : 0;
        for (size_t i = start; i < start + 4; i++)
            if (i >= len || !is_digit(s[i]))
                return fail(err, "invalid_character", i < len ? i : len, 1, ai,
                            "GS1 Company Prefix must start with 4 digits");
    }
    if ((m & GS1_LINT_ZERO) && (len == 0 || zeros(s, len) < len))
        return fail(err, "invalid_value", 0, len, ai, "must be zero");
    if ((m & GS1_LINT_NONZERO) && zeros(s, len) >= len)
        return fail(err, "invalid_value", 0, len, ai, "must not be zero");
    /* REQ-GS1-1: a lone "0" is refused too: the linter forbids any leading zero (AI 8011). */
    if ((m & GS1_LINT_NOZEROPREFIX) && len > 0 && s[0] == '0')
        return fail(err, "invalid_character", 0, 1, ai, "must not start with 0");
    if ((m & GS1_LINT_YYMMD0) && (rc = lint_date(ai, s, len, 0, 1, err)) != PX_OK)
        return rc;
    if ((m & GS1_LINT_YYMMDD) && (rc = lint_date(ai, s, len, 0, 0, err)) != PX_OK)
        return rc;
    if ((m & GS1_LINT_YYYYMMDD) && (rc = lint_date(ai, s, len, 1, 0, err)) != PX_OK)
        return rc;
    if ((m & GS1_LINT_HH) && (rc = lint_upto(ai, s, len, 0, 23, "illegal hour", err)) != PX_OK)
        return rc;
    if ((m & GS1_LINT_MI) && (rc = lint_upto(ai, s, len, 0, 59, "illegal minute", err)) != PX_OK)
        return rc;
    if ((m & GS1_LINT_SS) && (rc = lint_upto(ai, s, len, 0, 59, "illegal second", err)) != PX_OK)
        return rc;
    if ((m & GS1_LINT_HHMI) &&
        ((rc = lint_upto(ai, s, len, 0, 23, "illegal hour", err)) != PX_OK ||
         (rc = lint_upto(ai, s, len, 2, 59, "illegal minute", err)) != PX_OK))
        return rc;
    if (m & (GS1_LINT_ISO3166 | GS1_LINT_ISO3166999)) {
        int ok =
            len == 3 && px_digits(s, 3) &&
            (gs1__iso3166_numeric(num(s, 3)) || ((m & GS1_LINT_ISO3166999) && num(s, 3) == 999));
        if (!ok)
            return fail(err, "invalid_country", 0, len, ai, "not an ISO 3166 country code");
    }
    if ((m & GS1_LINT_ISO3166ALPHA2) && (len != 2 || !gs1__iso3166_alpha2(s)))
        return fail(err, "invalid_country", 0, len, ai, "not an ISO 3166 alpha-2 country code");
    if ((m & GS1_LINT_ISO4217) &&
        (len != 3 || !px_digits(s, 3) || !gs1__iso4217_numeric(num(s, 3))))
        return fail(err, "invalid_currency", 0, len, ai, "not an ISO 4217 currency code");
    if ((m & GS1_LINT_ISO5218) && !one_of(s, len, "0129"))
        return fail(err, "invalid_value", 0, len, ai, "not an ISO/IEC 5218 sex code");
    if ((m & GS1_LINT_PIECEOFTOTAL) && (rc = lint_pieceoftotal(ai, s, len, err)) != PX_OK)
        return rc;
    if ((m & GS1_LINT_POSINSEQSLASH) && (rc = lint_posinseqslash(ai, s, len, err)) != PX_OK)
        return rc;
    if (m & GS1_LINT_IMPORTERIDX) {
        char ch = len == 1 ? s[0] : 0;
        if (!(ch == '-' || ch == '_' || is_digit(ch) || (ch >= 'A' && ch <= 'Z') ||
              (ch >= 'a' && ch <= 'z')))
            return fail(err, "invalid_character", 0, len, ai, "invalid importer index");
    }
    if (m & (GS1_LINT_LATITUDE | GS1_LINT_LONGITUDE)) {
        /* Ten digits: degrees × 10^7 offset by 90 (latitude) or 180 (longitude). */
        const char *max = (m & GS1_LINT_LATITUDE) ? "1800000000" : "3600000000";
        if (len != 10 || !px_digits(s, 10) || memcmp(s, max, 10) > 0)
            return fail(err, "invalid_value", 0, len, ai,
                        (m & GS1_LINT_LATITUDE) ? "invalid latitude" : "invalid longitude");
    }
    if (m & GS1_LINT_MEDIATYPE) {
        int v = len == 2 && px_digits(s, 2) ? num(s, 2) : -1;
        if (!((v >= 1 && v <= 10) || v >= 80))
            return fail(err, "invalid_value", 0, len, ai, "not an AIDC media type");
    }
    if ((m & GS1_LINT_PACKAGETYPE) && !gs1__packagetype(s, len))
        return fail(err, "invalid_value", 0, len, ai, "not a UN/ECE Rec. 21 package type");
    if (m & GS1_LINT_PCENC) {
        for (size_t i = 0; i < len; i++)
            if (s[i] == '%') {
                if (i + 2 >= len || px_hexval((unsigned char)s[i + 1]) < 0 ||
                    px_hexval((unsigned char)s[i + 2]) < 0)
                    return fail(err, "invalid_percent_encoding", i, i + 3 <= len ? 3 : len - i, ai,
                                "'%' must start a %hh escape");
                i += 2;
            }
    }
    if ((m & GS1_LINT_HASNONDIGIT) && px_digits(s, len))
        return fail(err, "invalid_value", 0, len, ai, "needs a non-digit character");
    size_t hy = 0;
    while (hy < len && s[hy] == '-')
        hy++;
    if ((m & GS1_LINT_HYPHEN) && (len == 0 || hy < len))
        return fail(err, "invalid_value", 0, len, ai, "must be '-'");
    if ((m & GS1_LINT_WINDING) && !one_of(s, len, "019"))
        return fail(err, "invalid_value", 0, len, ai, "winding direction must be 0, 1 or 9");
    if ((m & GS1_LINT_YESNO) && !one_of(s, len, "01"))
        return fail(err, "invalid_value", 0, len, ai, "must be 0 or 1");
    if ((m & GS1_LINT_IBAN) && (rc = lint_iban(ai, s, len, err)) != PX_OK)
        return rc;
    if ((m & GS1_LINT_COUPONCODE) && (rc = lint_couponcode(ai, s, len, err)) != PX_OK)
        return rc;
    if ((m & GS1_LINT_COUPONPOSOFFER) && (rc = lint_couponposoffer(ai, s, len, err)) != PX_OK)
        return rc;
    return PX_OK;
}
