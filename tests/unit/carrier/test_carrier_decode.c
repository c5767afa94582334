/* Every symbol rendered here is read back by an independent decoder (ZXingReader, Debian
 * zxing-cpp-tools; SVGs rasterised by rsvg-convert): a GS1 DataMatrix must read as symbology
 * ]d2 with exactly the element string (EU 2016/161 Art. 5: the unique identifier in a Data
 * Matrix, ISO/IEC 16022 ECC 200; GS1 General Specifications: FNC1 in first position), a QR
 * Code as ]Q1 with exactly the Digital Link URI. Symbol sizes are checked against the ECC 200
 * capacity table: the smallest square or rectangle that holds the ASCII codewords. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "gs1.h"
#include "oracle.h"
#include "px_array.h"
#include "px_splitmix.h"

#define GS "\x1D"

/* GS1 AI character set 82 (GS1 General Specifications; DOMAIN.md §2.2). */
static const char SET82[] = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                            "abcdefghijklmnopqrstuvwxyz";

/* ---- ECC 200 sizes (ISO/IEC 16022, symbol attributes table): rows, cols, data codewords -- */

typedef struct dm_size {
    int rows, cols, data_cw;
} dm_size;

static const dm_size SQUARES[] = {
    {10, 10, 3},     {12, 12, 5},     {14, 14, 8},     {16, 16, 12},    {18, 18, 18},
    {20, 20, 22},    {22, 22, 30},    {24, 24, 36},    {26, 26, 44},    {32, 32, 62},
    {36, 36, 86},    {40, 40, 114},   {44, 44, 144},   {48, 48, 174},   {52, 52, 204},
    {64, 64, 280},   {72, 72, 368},   {80, 80, 456},   {88, 88, 576},   {96, 96, 696},
    {104, 104, 816}, {120, 120, 1050}, {132, 132, 1304}, {144, 144, 1558},
};
static const dm_size RECTS[] = {
    {8, 18, 5}, {8, 32, 10}, {12, 26, 16}, {12, 36, 22}, {16, 36, 32}, {16, 48, 49},
};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Data codewords in ASCII encodation: FNC1 first, a pair of digits per codeword, any other
 * character (and each separator FNC1) one codeword. */
static int ascii_codewords(const char *s, size_t len)
{
    int n = 1;
    for (size_t i = 0; i < len; i++, n++)
        if (is_digit(s[i]) && i + 1 < len && is_digit(s[i + 1]))
            i++;
    return n;
}

static const dm_size *smallest(const dm_size *t, size_t n, int cw)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].data_cw >= cw)
            return &t[i];
    return NULL;
}

/* ---- deterministic random packs (splitmix64; seed overridable with PX_TEST_SEED) ------- */

static uint64_t rng_state;

static int rng_below(int n)
{
    return (int)(px_splitmix64(&rng_state) % (uint64_t)n); /* n ≤ 100: bias < 1e-17 */
}

static void random_set82(char *out, int len)
{
    for (int i = 0; i < len; i++)
        out[i] = SET82[rng_below(82)];
    out[len] = '\0';
}

static char mod10(const char *digits, size_t len)
{
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        int d = digits[len - 1 - i] - '0';
        sum += (i % 2 == 0) ? 3 * d : d;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

/* Pack i: GTIN with a valid check digit, expiry YYMMDD (DD may be 00), batch, serial; the
 * serials of packs 0..4 walk through all 82 characters of set 82, the rest are random; every
 * fourth pack carries an NHRN (710..717); some packs have no batch. */
static void random_pack(gs1_pack *p, int i)
{
    memset(p, 0, sizeof(*p));
    for (int k = 0; k < 13; k++)
        p->gtin[k] = (char)('0' + rng_below(10));
    p->gtin[13] = mod10(p->gtin, 13);
    int ymd[3] = {20 + rng_below(30), 1 + rng_below(12), rng_below(29)}; /* YYMMD0 */
    for (int k = 0; k < 3; k++) {
        p->expiry[2 * k] = (char)('0' + ymd[k] / 10);
        p->expiry[2 * k + 1] = (char)('0' + ymd[k] % 10);
    }
    p->expiry[6] = '\0';
    if (i % 7 != 6)
        random_set82(p->batch, 1 + rng_below(GS1_BATCH_MAX));
    if (i * 20 < (int)sizeof(SET82) - 1) {
        size_t n = strlen(SET82 + i * 20);
        snprintf(p->serial, sizeof(p->serial), "%.20s", SET82 + i * 20);
        if (n < 20)
            random_set82(p->serial + n, 20 - (int)n);
    } else {
        random_set82(p->serial, 1 + rng_below(GS1_SERIAL_MAX));
    }
    if (i % 4 == 3) {
        snprintf(p->nhrn_ai, sizeof(p->nhrn_ai), "71%d", rng_below(8));
        random_set82(p->nhrn, 1 + rng_below(GS1_SERIAL_MAX));
    }
}

/* The element string built by hand from the rules (DOMAIN.md §2.3, §3): 01 and 17 are of
 * predefined length; 10, 21 and NHRN are variable and take a GS unless last. */
static size_t pack_element_string(char *out, size_t cap, const gs1_pack *p)
{
    int n = snprintf(out, cap, "01%s17%s", p->gtin, p->expiry);
    const char *sep = "";
    if (p->batch[0]) {
        n += snprintf(out + n, cap - (size_t)n, "10%s", p->batch);
        sep = GS;
    }
    n += snprintf(out + n, cap - (size_t)n, "%s21%s", sep, p->serial);
    if (p->nhrn_ai[0])
        n += snprintf(out + n, cap - (size_t)n, GS "%s%s", p->nhrn_ai, p->nhrn);
    return (size_t)n;
}

/* RFC 3986 unreserved characters stay, everything else is %XX (DOMAIN.md §4.2). */
static int pct(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '.' || c == '_' || c == '~';
        n += (size_t)snprintf(out + n, cap - n, keep ? "%c" : "%%%02X", c);
    }
    return (int)n;
}

/* Digital Link on the canonical domain: /01/gtin[/10/batch]/21/serial?17=…[&71x=…]
 * (DOMAIN.md §4.1, §4.3). */
static void pack_dl(char *out, size_t cap, const gs1_pack *p)
{
    char b[3 * GS1_BATCH_MAX + 1], s[3 * GS1_SERIAL_MAX + 1], h[3 * GS1_SERIAL_MAX + 1];
    pct(b, sizeof(b), p->batch);
    pct(s, sizeof(s), p->serial);
    pct(h, sizeof(h), p->nhrn);
    int n = snprintf(out, cap, "https://id.gs1.org/01/%s", p->gtin);
    if (p->batch[0])
        n += snprintf(out + n, cap - (size_t)n, "/10/%s", b);
    n += snprintf(out + n, cap - (size_t)n, "/21/%s?17=%s", s, p->expiry);
    if (p->nhrn_ai[0])
        snprintf(out + n, cap - (size_t)n, "&%s=%s", p->nhrn_ai, h);
}

/* ---- rendering into oracle items ------------------------------------------------------- */

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* Moves the rendered file into the item and checks its pixel size against the matrix:
 * (modules + 2 × quiet zone) × module_px, from the PNG IHDR or the SVG width/height. */
static void take(oracle_item *it, px_buf *b, const px_carrier_matrix *m,
                 const px_carrier_opts *o)
{
    int q = o->quiet_zone_modules == PX_CARRIER_QUIET_DEFAULT ? m->quiet_default
                                                               : o->quiet_zone_modules;
    int w = (m->width + 2 * q) * o->module_px, h = (m->height + 2 * q) * o->module_px;
    it->svg = o->format == PX_CARRIER_SVG;
    if (it->svg) {
        int sw = 0, sh = 0;
        const char *a = strstr(b->data, "<svg ");
        assert_non_null(a);
        assert_int_equal(sscanf(strstr(a, "width=") + 6, "\"%d\"", &sw), 1);
        assert_int_equal(sscanf(strstr(a, "height=") + 7, "\"%d\"", &sh), 1);
        assert_int_equal(sw, w);
        assert_int_equal(sh, h);
    } else {
        assert_true(b->len > 33);
        assert_memory_equal(b->data, "\x89PNG\r\n\x1a\n", 8);
        assert_int_equal(be32((const unsigned char *)b->data + 16), (unsigned)w);
        assert_int_equal(be32((const unsigned char *)b->data + 20), (unsigned)h);
        assert_int_equal((unsigned char)b->data[24], o->png_depth == PX_CARRIER_PNG_1BIT ? 1 : 8);
    }
    it->width_px = w;
    it->height_px = h;
    it->len = b->len;
    it->data = (unsigned char *)px_buf_take(b);
}

static const char *shape_name(px_carrier_shape s)
{
    return s == PX_CARRIER_SQUARE ? "square" : s == PX_CARRIER_RECT ? "rectangle" : "auto";
}

/* Renders a GS1 DataMatrix of es with o into it (falling back to square when a rectangle
 * cannot hold it, which must be refused with payload_too_large) and checks the symbol size. */
static void dm_item(oracle_item *it, const char *es, size_t len, px_carrier_opts o,
                    const char *what)
{
    px_err err;
    px_carrier_matrix m;
    px_buf b;
    px_buf_init(&b, 1u << 22);
    int cw = ascii_codewords(es, len);
    const dm_size *rect = smallest(RECTS, PX_COUNT(RECTS), cw);
    const dm_size *square = smallest(SQUARES, PX_COUNT(SQUARES), cw);
    if (o.shape == PX_CARRIER_RECT && !rect) {
        assert_int_equal(px_carrier_datamatrix(&b, es, len, &o, &err), PX_ETOOBIG);
        assert_string_equal(err.code, "payload_too_large");
        assert_int_equal(b.len, 0);
        o.shape = PX_CARRIER_SQUARE;
    }
    px_rc rc = px_carrier_datamatrix(&b, es, len, &o, &err);
    if (rc != PX_OK)
        fail_msg("%s: %s", what, err.message);
    assert_int_equal(px_carrier_datamatrix_encode(&m, es, len, o.shape, &err), PX_OK);
    /* The smallest symbol of the requested shape that holds the codewords. */
    const dm_size *want = o.shape == PX_CARRIER_SQUARE ? square
                          : o.shape == PX_CARRIER_RECT ? rect
                          : NULL;
    if (want) {
        if (m.height != want->rows || m.width != want->cols)
            fail_msg("%s: %d codewords gave %dx%d, expected %dx%d", what, cw, m.height, m.width,
                     want->rows, want->cols);
    } else {
        assert_true(m.width * m.height <= square->rows * square->cols);
    }
    take(it, &b, &m, &o);
    it->expect_id = "]d2";
    memcpy(it->expect, es, len);
    it->expect_len = len;
    size_t wcap = strlen(what) + 64;
    char *w = malloc(wcap);
    assert_non_null(w);
    snprintf(w, wcap, "%s (%s %s, %d px/module)", what, shape_name(o.shape),
            o.format == PX_CARRIER_SVG ? "SVG" : o.png_depth ? "PNG gray8" : "PNG 1-bit",
            o.module_px);
    it->what = w;
    px_buf_dispose(&b);
}

static void qr_item(oracle_item *it, const char *uri, px_carrier_opts o, const char *what)
{
    px_err err;
    px_carrier_matrix m;
    px_buf b;
    px_buf_init(&b, 1u << 22);
    if (px_carrier_qr(&b, uri, &o, &err) != PX_OK)
        fail_msg("%s: %s", what, err.message);
    assert_int_equal(px_carrier_qr_encode(&m, uri, &err), PX_OK);
    assert_int_equal(m.width, m.height);
    assert_int_equal((m.width - 17) % 4, 0); /* version v is 17 + 4v modules */
    take(it, &b, &m, &o);
    it->expect_id = "]Q1";
    snprintf(it->expect, sizeof(it->expect), "%s", uri);
    it->expect_len = strlen(uri);
    size_t wcap = strlen(what) + 64;
    char *w = malloc(wcap);
    assert_non_null(w);
    snprintf(w, wcap, "%s (QR %s)", what, o.format == PX_CARRIER_SVG ? "SVG" : "PNG");
    it->what = w;
    px_buf_dispose(&b);
}

static void items_free(oracle_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)items[i].what);
    oracle_items_free(items, n);
    free(items);
}

static void decode_all(oracle_item *items, size_t n)
{
    long bad = oracle_decode_check(items, n);
    if (bad < 0)
        fail_msg("the independent decoder could not run (see above)");
    if (bad)
        fail_msg("%ld of %zu symbols did not decode as expected", bad, n);
}

/* ---- tests ----------------------------------------------------------------------------- */

/* DOMAIN.md §3 worked payloads (element strings, GS = separator FNC1), in every shape and
 * format; the SVGs rasterised one by one as a user would. */
static void test_carrier__worked_payloads_decode(void)
{
    static const char *const payloads[] = {
        "0109506000134352" "17201225" "10ABC123" GS "2112345",
        "0109506000134352" "10ABC123" GS "17201225" "2112345",
        "0109506000134352" "2112345" GS "7141234567",
        "0109506000134352" "91AB12" GS "92" "ABCDEFGHIJabcdefghij0123456789+/+/ABCDEFGHIJ",
        "0100355154944954" "21100000001" GS "17261231" "10LOT1",
    };
    static const px_carrier_shape shapes[] = {PX_CARRIER_SQUARE, PX_CARRIER_RECT,
                                              PX_CARRIER_AUTO};
    size_t np = PX_COUNT(payloads), n = 0;
    oracle_item *items = calloc(np * 3 * 3, sizeof(*items));
    assert_non_null(items);
    for (size_t i = 0; i < np; i++) {
        for (size_t s = 0; s < 3; s++) {
            for (int f = 0; f < 3; f++) {
                px_carrier_opts o;
                px_carrier_opts_init(&o);
                o.shape = shapes[s];
                o.format = f == 2 ? PX_CARRIER_SVG : PX_CARRIER_PNG;
                o.png_depth = f == 1 ? PX_CARRIER_PNG_GRAY8 : PX_CARRIER_PNG_1BIT;
                char what[32];
                snprintf(what, sizeof(what), "worked payload %zu", i + 1);
                dm_item(&items[n], payloads[i], strlen(payloads[i]), o, what);
                items[n].svg_alone = 1;
                n++;
            }
        }
    }
    decode_all(items, n);
    items_free(items, n);
}

/* DOMAIN.md §4.3 Digital Link examples as QR Codes (PNG and SVG). */
static void test_carrier__digital_link_qr_decode(void)
{
    static const char *const uris[] = {
        "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=201225",
        "https://example.com/01/12312312312333/10/ABC123/21/XYZ?99=XYZ",
        "https://id.gs1.org/01/09506000134352/10/X%2BY/21/A%2FB%251?17=251200",
        "https://id.gs1.org/01/09506000134352/21/12345?714=1234567",
    };
    size_t nu = PX_COUNT(uris), n = 0;
    oracle_item *items = calloc(nu * 2, sizeof(*items));
    assert_non_null(items);
    for (size_t i = 0; i < nu; i++) {
        for (int f = 0; f < 2; f++) {
            px_carrier_opts o;
            px_carrier_opts_init(&o);
            o.format = f ? PX_CARRIER_SVG : PX_CARRIER_PNG;
            qr_item(&items[n], uris[i], o, uris[i]);
            items[n].svg_alone = 1;
            n++;
        }
    }
    decode_all(items, n);
    items_free(items, n);
}

/* At least 1,000 random packs (PX_TEST_PACKS to change), serials using every character of
 * set 82, payloads from the GS1 core (gs1_pack_elements, gs1_element_string_format,
 * gs1_dl_format) cross-checked against the rules; per pack a DataMatrix PNG and SVG (square, rectangle and auto in turn; 1-bit and
 * gray8; 2..6 px per module; default and wider quiet zones) and the Digital Link QR as PNG and
 * SVG: 4 symbols per pack, all decoded. */
static void test_carrier__random_packs_decode(void)
{
    const char *env = getenv("PX_TEST_PACKS");
    int packs = env ? (int)strtol(env, NULL, 10) : 1000;
    const char *seed = getenv("PX_TEST_SEED");
    rng_state = seed ? strtoull(seed, NULL, 0) : 20160161u;
    oracle_item *items = calloc((size_t)packs * 4, sizeof(*items));
    assert_non_null(items);
    size_t n = 0;
    int seen[256] = {0};
    for (int i = 0; i < packs; i++) {
        gs1_pack p;
        random_pack(&p, i);
        for (const char *c = p.serial; *c; c++)
            seen[(unsigned char)*c] = 1;
        char es[256], dl[GS1_DL_MAX + 1], what[48];
        snprintf(what, sizeof(what), "pack %d", i);
        /* The payloads come from the GS1 core, as in production, and must equal the ones
         * built by hand from the rules. */
        gs1_elements el;
        px_err err;
        if (gs1_pack_elements(&el, &p, &err) != PX_OK ||
            gs1_element_string_format(es, sizeof(es), &el, &err) != PX_OK ||
            gs1_dl_format(dl, sizeof(dl), "https://id.gs1.org", &el, &err) != PX_OK)
            fail_msg("%s: gs1: %s", what, err.message);
        size_t len = strlen(es);
        char hand_es[256], hand_dl[GS1_DL_MAX + 1];
        size_t hand_len = pack_element_string(hand_es, sizeof(hand_es), &p);
        pack_dl(hand_dl, sizeof(hand_dl), &p);
        if (hand_len != len || memcmp(hand_es, es, len) != 0)
            fail_msg("%s: gs1 element string differs from the rules", what);
        if (strcmp(hand_dl, dl) != 0)
            fail_msg("%s: gs1 Digital Link %s, by the rules %s", what, dl, hand_dl);

        px_carrier_opts o;
        px_carrier_opts_init(&o);
        o.shape = (px_carrier_shape)(i % 3);
        o.png_depth = (px_carrier_png_depth)(i / 3 % 2);
        o.module_px = 2 + i % 5;
        o.quiet_zone_modules = i % 4 == 0 ? PX_CARRIER_QUIET_DEFAULT : i % 4;
        dm_item(&items[n++], es, len, o, what);

        o.shape = (px_carrier_shape)((i + 1) % 3);
        o.format = PX_CARRIER_SVG;
        o.module_px = 3 + i % 3;
        dm_item(&items[n++], es, len, o, what);

        px_carrier_opts_init(&o);
        o.module_px = 2 + i % 3;
        o.png_depth = (px_carrier_png_depth)(i % 2);
        qr_item(&items[n++], dl, o, what);
        o.format = PX_CARRIER_SVG;
        o.module_px = 3;
        qr_item(&items[n++], dl, o, what);
    }
    if (packs >= 5)
        for (const char *c = SET82; *c; c++)
            if (!seen[(unsigned char)*c])
                fail_msg("no serial used '%c'", *c);
    decode_all(items, n);
    items_free(items, n);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP oracle_group_setup
#define PX_TEST_TEARDOWN oracle_group_teardown
