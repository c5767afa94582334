/* packid's AI table (DOMAIN.md §2.1) and the validation of one AI value against it.
 *
 * Rows are transcribed from GS1's Barcode Syntax Dictionary (release 2026-01-27); the test
 * test_gs1_dictionary compares every row with the dictionary file at test time. Kept in
 * lexical AI order like the dictionary. AIs outside this table are rejected as unknown. */
#include <string.h>

#include "gs1_ai.h"
#include "gs1_internal.h"
#include "px_calendar.h"

#define P GS1_AI_PREDEFINED
#define Q GS1_AI_DL_ATTR
#define N(n, l)                                                                                    \
    {                                                                                              \
        'N', n, n, 0, l                                                                            \
    }
#define NV(n, l)                                                                                   \
    {                                                                                              \
        'N', 1, n, 0, l                                                                            \
    }
#define X(n, l)                                                                                    \
    {                                                                                              \
        'X', n, n, 0, l                                                                            \
    }
#define XV(n, l)                                                                                   \
    {                                                                                              \
        'X', 1, n, 0, l                                                                            \
    }
#define YV(n, l)                                                                                   \
    {                                                                                              \
        'Y', 1, n, 0, l                                                                            \
    }
#define OPT(c, mn, mx)                                                                             \
    {                                                                                              \
        c, mn, mx, 1, ""                                                                           \
    }
#define NHRN(ai, title)                                                                            \
    {                                                                                              \
        ai, Q, {XV(20, "")}, "01", NULL, NULL, title                                               \
    }
#define INTERNAL(ai)                                                                               \
    {                                                                                              \
        ai, Q, {XV(90, "")}, NULL, NULL, NULL, "INTERNAL"                                          \
    }

/* clang-format off */
static const gs1_ai_def ai_table[] = {
    {"00", P | Q, {N(18, "csum,gcppos2")}, NULL, NULL, "", "SSCC"},
    {"01", P | Q, {N(14, "csum,gcppos2")}, NULL, "255,37", "22,10,21|235", "GTIN"},
    {"02", P | Q, {N(14, "csum,gcppos2")}, "37", "01,03", NULL, "CONTENT"},
    {"03", P, {N(14, "csum,gcppos2")}, NULL, "01,02,37", NULL, "MTO GTIN"},
    {"10", Q, {XV(20, "")}, "01,02,03,8006,8026", NULL, NULL, "BATCH/LOT"},
    {"11", P | Q, {N(6, "yymmd0")}, "01,02,03,8006,8026", NULL, NULL, "PROD DATE"},
    {"13", P | Q, {N(6, "yymmd0")}, "01,02,03,8006,8026", NULL, NULL, "PACK DATE"},
    {"15", P | Q, {N(6, "yymmd0")}, "01,02,03,8006,8026", NULL, NULL, "BEST BEFORE or BEST BY"},
    {"16", P | Q, {N(6, "yymmd0")}, "01,02,03,8006,8026", NULL, NULL, "SELL BY"},
    {"17", P | Q, {N(6, "yymmd0")}, "01,02,03,255,8006,8026", NULL, NULL, "USE BY or EXPIRY"},
    {"21", 0, {XV(20, "")}, "01,03,8006", "235", NULL, "SERIAL"},
    {"22", 0, {XV(20, "")}, "01", NULL, NULL, "CPV"},
    {"235", 0, {XV(28, "")}, "01", NULL, NULL, "TPX"},
    {"240", Q, {XV(30, "")}, "01,02,8006,8026", NULL, NULL, "ADDITIONAL ID"},
    {"253", Q, {N(13, "csum,gcppos1"), OPT('X', 1, 17)}, NULL, NULL, "", "GDTI"},
    {"254", 0, {XV(20, "")}, "414", NULL, NULL, "GLN EXTENSION COMPONENT"},
    {"255", Q, {N(13, "csum,gcppos1"), OPT('N', 1, 12)}, NULL, "01,02,415,8006,8020,8026", "",
     "GCN"},
    {"37", Q, {NV(8, "")}, "00 02,8026", NULL, NULL, "COUNT"},
    {"401", Q, {XV(30, "gcppos1")}, NULL, NULL, "", "GINC"},
    {"402", Q, {N(17, "csum,gcppos1")}, NULL, NULL, "", "GSIN"},
    {"414", P | Q, {N(13, "csum,gcppos1")}, NULL, NULL, "254|7040", "LOC No."},
    {"417", P | Q, {N(13, "csum,gcppos1")}, NULL, NULL, "7040", "PARTY"},
    {"7003", Q, {N(6, "yymmdd"), N(4, "hhmi")}, "01,02", NULL, NULL, "EXPIRY TIME"},
    {"7040", 0, {N(1, ""), X(1, ""), X(1, ""), X(1, "importeridx")}, NULL, NULL, NULL,
     "UIC+EXT"},
    NHRN("710", "NHRN PZN"),
    NHRN("711", "NHRN CIP"),
    NHRN("712", "NHRN CN"),
    NHRN("713", "NHRN DRN"),
    NHRN("714", "NHRN AIM"),
    NHRN("715", "NHRN NDC"),
    NHRN("716", "NHRN AIC"),
    NHRN("717", "NHRN SRN"),
    {"8003", Q, {N(1, "zero"), N(13, "csum,gcppos1"), OPT('X', 1, 16)}, NULL, NULL, "", "GRAI"},
    {"8004", Q, {XV(30, "gcppos1")}, NULL, NULL, "7040", "GIAI"},
    {"8006", Q, {N(14, "csum,gcppos2"), N(4, "pieceoftotal")}, NULL, "01,37", "22,10,21",
     "ITIP"},
    {"8010", Q, {YV(30, "gcppos1")}, NULL, NULL, "8011", "CPID"},
    {"8011", 0, {NV(12, "nozeroprefix")}, "8010", NULL, NULL, "CPID SERIAL"},
    {"8017", Q, {N(18, "csum,gcppos1")}, NULL, "8018", "8019", "GSRN - PROVIDER"},
    {"8018", Q, {N(18, "csum,gcppos1")}, NULL, "8017", "8019", "GSRN - RECIPIENT"},
    {"8019", 0, {NV(10, "")}, "8017,8018", NULL, NULL, "SRIN"},
    {"8026", Q, {N(14, "csum,gcppos2"), N(4, "pieceoftotal")}, "37", "02,8006", NULL,
     "ITIP CONTENT"},
    {"90", Q, {XV(30, "")}, NULL, NULL, NULL, "INTERNAL"},
    INTERNAL("91"),
    INTERNAL("92"),
    INTERNAL("93"),
    INTERNAL("94"),
    INTERNAL("95"),
    INTERNAL("96"),
    INTERNAL("97"),
    INTERNAL("98"),
    INTERNAL("99"),
};
/* clang-format on */

size_t gs1_ai_count(void)
{
    return sizeof(ai_table) / sizeof(ai_table[0]);
}

const gs1_ai_def *gs1_ai_at(size_t i)
{
    return i < gs1_ai_count() ? &ai_table[i] : NULL;
}

const gs1_ai_def *gs1_ai_lookup(const char *ai, size_t len)
{
    for (size_t i = 0; i < gs1_ai_count(); i++)
        if (strlen(ai_table[i].ai) == len && memcmp(ai_table[i].ai, ai, len) == 0)
            return &ai_table[i];
    return NULL;
}

const gs1_ai_def *gs1_ai_match(const char *data, size_t len)
{
    for (size_t n = 2; n <= 4 && n <= len; n++) {
        const gs1_ai_def *d = gs1_ai_lookup(data, n);
        if (d)
            return d;
    }
    return NULL;
}

size_t gs1_ai_min_len(const gs1_ai_def *d)
{
    size_t n = 0;
    for (int i = 0; i < GS1_AI_MAX_COMPONENTS && d->comp[i].cset; i++)
        if (!d->comp[i].optional)
            n += d->comp[i].min;
    return n;
}

size_t gs1_ai_max_len(const gs1_ai_def *d)
{
    size_t n = 0;
    for (int i = 0; i < GS1_AI_MAX_COMPONENTS && d->comp[i].cset; i++)
        n += d->comp[i].max;
    return n;
}

/* GenSpecs §7.8.4 figure 7.8.4-2 as in gs1-syntax-engine's fixedAIprefixLengths (DOMAIN.md §2.3):
 * data length after the AI for AIs starting with these two digits. */
int gs1_ai_prefix_length(const char *ai)
{
    static const struct {
        char prefix[3];
        int len;
    } fixed[] = {
        {"00", 18}, {"01", 14}, {"02", 14}, {"03", 14}, {"04", 16}, {"11", 6},
        {"12", 6},  {"13", 6},  {"14", 6},  {"15", 6},  {"16", 6},  {"17", 6},
        {"18", 6},  {"19", 6},  {"20", 2},  {"31", 6},  {"32", 6},  {"33", 6},
        {"34", 6},  {"35", 6},  {"36", 6},  {"41", 13},
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (ai[0] == fixed[i].prefix[0] && ai[0] && ai[1] == fixed[i].prefix[1])
            return fixed[i].len;
    return -1;
}

/* ---- linters ------------------------------------------------------------------------- */

static int linter_has(const char *linters, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = linters; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static px_rc fail(px_err *err, const char *code, size_t pos, size_t len, const char *ai,
                  const char *what)
{
    px_err_set(err, PX_EINVALID, code, "AI (%s): %s", ai, what);
    px_err_span(err, (int)pos, (int)len);
    return PX_EINVALID;
}

/* Linters of GS1's syntax tests (gs1-syntax-dictionary src/lint_*.c), applied to one
 * component s[0..len) that starts at offset off in the value. */
static px_rc lint(const gs1_ai_def *d, const gs1_ai_component *c, const char *s, size_t len,
                  size_t off, px_err *err)
{
    const char *l = c->linters;
    if (linter_has(l, "csum")) {
        /* GenSpecs §7.9 standard mod-10 check digit (DOMAIN.md §1.1). */
        if (gs1_check_digit(s, len - 1) != s[len - 1])
            return fail(err, "invalid_check_digit", off + len - 1, 1, d->ai,
                        "incorrect check digit");
    }
    if (linter_has(l, "yymmd0") || linter_has(l, "yymmdd")) {
        /* lint_yymmd0 / lint_yymmdd: the syntax check has no century, so a YY divisible by 4
         * is a leap year (true for every year 1951–2150 but 2100, as GS1's linter does). */
        int mm = two(s + 2), dd = two(s + 4);
        if (mm < 1 || mm > 12)
            return fail(err, "invalid_date", off + 2, 2, d->ai, "illegal month");
        int last = px_days_in_month(two(s) % 4 == 0 ? 2000 : 2001, mm);
        int day00 = linter_has(l, "yymmd0");
        if ((dd == 0 && !day00) || dd > last)
            return fail(err, "invalid_date", off + 4, 2, d->ai, "illegal day");
    }
    if (linter_has(l, "hhmi")) {
        if (two(s) > 23)
            return fail(err, "invalid_time", off, 2, d->ai, "illegal hour");
        if (two(s + 2) > 59)
            return fail(err, "invalid_time", off + 2, 2, d->ai, "illegal minute");
    }
    if (linter_has(l, "zero") && s[0] != '0')
        return fail(err, "invalid_character", off, 1, d->ai, "must be zero");
    if (linter_has(l, "pieceoftotal")) {
        int piece = two(s), total = two(s + 2);
        if (piece == 0 || total == 0 || piece > total)
            return fail(err, "invalid_value", off, 4, d->ai, "piece must be 1..total");
    }
    if (linter_has(l, "nozeroprefix") && len > 1 && s[0] == '0')
        return fail(err, "invalid_character", off, 1, d->ai, "no leading zero allowed");
    if (linter_has(l, "importeridx")) {
        unsigned char ch = (unsigned char)s[0];
        if (!(ch == '-' || ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= 'a' && ch <= 'z')))
            return fail(err, "invalid_character", off, 1, d->ai, "invalid importer index");
    }
    if (linter_has(l, "gcppos1") || linter_has(l, "gcppos2")) {
        /* lint_gcppos1/2: the GS1 Company Prefix (at least 4 digits, DOMAIN.md §1.5) starts
         * at the 1st / 2nd character of the key. */
        size_t start = linter_has(l, "gcppos2") ? 1 : 0;
        for (size_t i = start; i < start + 4; i++)
            if (i >= len || s[i] < '0' || s[i] > '9')
                return fail(err, "invalid_character", off + (i < len ? i : len), 1, d->ai,
                            "GS1 Company Prefix must start with 4 digits");
    }
    return PX_OK;
}

static int in_cset(char cset, unsigned char ch)
{
    switch (cset) {
    case 'N': return ch >= '0' && ch <= '9';
    case 'X': return gs1_cset82_char(ch);
    case 'Y': return gs1_cset39_char(ch);
    case 'Z':
        return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
               ch == '-' || ch == '_';
    }
    return 0;
}

static const char *cset_name(char cset)
{
    switch (cset) {
    case 'N': return "is not a digit";
    case 'X': return "is not in the GS1 AI character set 82";
    case 'Y': return "is not in the GS1 AI character set 39";
    default: return "is not in the base64url character set";
    }
}

/* Components are applied left to right, each consuming its length; optional components may be
 * dropped once the data is exhausted (dictionary header "Specification"). */
px_rc gs1_ai_value_validate(const gs1_ai_def *d, const char *v, size_t len, px_err *err)
{
    size_t pos = 0;
    for (int i = 0; i < GS1_AI_MAX_COMPONENTS && d->comp[i].cset; i++) {
        const gs1_ai_component *c = &d->comp[i];
        if (pos == len && c->optional)
            break;
        size_t avail = len - pos;
        size_t take = c->min == c->max ? c->min : (avail < c->max ? avail : c->max);
        if (avail < c->min || take == 0) {
            px_err_set(err, PX_EINVALID, "invalid_length",
                       "AI (%s): value is too short (%zu characters, needs at least %zu)", d->ai,
                       len, gs1_ai_min_len(d));
            px_err_span(err, (int)len, 0);
            return PX_EINVALID;
        }
        for (size_t k = pos; k < pos + take; k++) {
            unsigned char ch = (unsigned char)v[k];
            if (!in_cset(c->cset, ch)) {
                if (ch > 0x20 && ch < 0x7f)
                    px_err_set(err, PX_EINVALID, "invalid_character", "AI (%s): '%c' %s", d->ai, ch,
                               cset_name(c->cset));
                else
                    px_err_set(err, PX_EINVALID, "invalid_character", "AI (%s): byte 0x%02X %s",
                               d->ai, ch, cset_name(c->cset));
                px_err_span(err, (int)k, 1);
                return PX_EINVALID;
            }
        }
        px_rc rc = lint(d, c, v + pos, take, pos, err);
        if (rc != PX_OK)
            return rc;
        pos += take;
    }
    if (pos < len) {
        px_err_set(err, PX_EINVALID, "invalid_length",
                   "AI (%s): value is too long (%zu characters, at most %zu)", d->ai, len,
                   gs1_ai_max_len(d));
        px_err_span(err, (int)pos, (int)(len - pos));
        return PX_EINVALID;
    }
    return PX_OK;
}

int gs1_ai_is_qualifier(const gs1_ai_def *d, const char *ai)
{
    if (!d->dlpkey)
        return 0;
    size_t n = strlen(ai);
    for (const char *p = d->dlpkey; *p;) {
        size_t len = strcspn(p, ",|");
        if (len == n && memcmp(p, ai, n) == 0)
            return 1;
        p += len;
        if (*p)
            p++;
    }
    return 0;
}
