/* carrier without the external decoder: input checks, options, output limits, the ECC 200
 * finder pattern, and the PNG and SVG writers read back pixel by pixel / run by run against
 * the module matrix. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "px_array.h"

#define GS "\x1D"
#define WORKED "0109506000134352" "17201225" "10ABC123" GS "2112345"
#define DL "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=201225"

typedef struct bad_input {
    int line;
    const char *s;
    size_t len; /* 0: strlen */
    px_carrier_shape shape;
    px_rc rc;
    const char *code;
    int pos; /* -1: not checked */
} bad_input;

static char long_alpha[1700];   /* fits the length cap, not the largest symbol */
static char too_long[3200];     /* over PX_CARRIER_DM_DATA_MAX */

static void test_carrier__rejects_bad_element_strings(void)
{
    memset(long_alpha, 'A', sizeof(long_alpha) - 1);
    memset(too_long, '1', sizeof(too_long) - 1);
    const bad_input cases[] = {
        {__LINE__, "", 0, PX_CARRIER_SQUARE, PX_EINVALID, "empty_payload", -1},
        {__LINE__, NULL, 0, PX_CARRIER_SQUARE, PX_EINVALID, "empty_payload", -1},
        {__LINE__, GS "0109506000134352", 0, PX_CARRIER_SQUARE, PX_EINVALID,
         "invalid_separator", 0},
        {__LINE__, "0109506000134352" "10AB" GS, 0, PX_CARRIER_SQUARE, PX_EINVALID,
         "invalid_separator", 20},
        {__LINE__, "0109506000134352" "10AB" GS GS "21X", 0, PX_CARRIER_SQUARE, PX_EINVALID,
         "invalid_separator", 20},
        {__LINE__, "0109506000134352" "21A B", 0, PX_CARRIER_SQUARE, PX_EINVALID,
         "invalid_character", 19},
        {__LINE__, "0109506000134352" "21\xC3\xA9", 0, PX_CARRIER_SQUARE, PX_EINVALID,
         "invalid_character", 18},
        {__LINE__, "0109506000134352" "21A\n", 0, PX_CARRIER_SQUARE, PX_EINVALID,
         "invalid_character", 19},
        {__LINE__, long_alpha, 0, PX_CARRIER_SQUARE, PX_ETOOBIG, "payload_too_large", -1},
        {__LINE__, too_long, 0, PX_CARRIER_SQUARE, PX_ETOOBIG, "payload_too_large", -1},
        /* 16x48 holds 49 data codewords: FNC1 + 8 (GTIN) + 1 ("21") + 40 letters = 50. */
        {__LINE__, "0109506000134352" "21ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn", 0,
         PX_CARRIER_RECT, PX_ETOOBIG, "payload_too_large", -1},
        {__LINE__, WORKED, 0, (px_carrier_shape)9, PX_EINVALID, "invalid_option", -1},
    };
    for (size_t i = 0; i < PX_COUNT(cases); i++) {
        const bad_input *c = &cases[i];
        px_carrier_opts o;
        px_carrier_opts_init(&o);
        o.shape = c->shape;
        px_buf b;
        px_buf_init(&b, 1u << 20);
        px_buf_puts(&b, "keep");
        px_err err = PX_ERR_INIT;
        size_t len = c->len ? c->len : c->s ? strlen(c->s) : 0;
        px_rc rc = px_carrier_datamatrix(&b, c->s, len, &o, &err);
        if (rc != c->rc || strcmp(err.code, c->code) != 0 || (c->pos >= 0 && err.pos != c->pos))
            fail_msg("%s:%d: got %s/%s at %d (%s), expected %s/%s at %d", __FILE__, c->line,
                     px_rc_name(rc), err.code, err.pos, err.message, px_rc_name(c->rc), c->code,
                     c->pos);
        assert_true(err.message[0] != '\0');
        assert_int_equal(b.len, 4); /* the caller's buffer is left as it was */
        assert_string_equal(b.data, "keep");
        px_buf_dispose(&b);
    }
    /* The rectangle that does not fit is a square that does. */
    px_carrier_matrix m;
    px_err err;
    assert_int_equal(px_carrier_datamatrix_encode(
                         &m, "0109506000134352" "21ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn",
                         57, PX_CARRIER_SQUARE, &err),
                     PX_OK);
    assert_int_equal(m.width, 32);
}

static void test_carrier__rejects_bad_options(void)
{
    struct {
        int line, module_px, quiet, format, depth;
    } cases[] = {
        {__LINE__, 0, PX_CARRIER_QUIET_DEFAULT, PX_CARRIER_PNG, PX_CARRIER_PNG_1BIT},
        {__LINE__, PX_CARRIER_MODULE_PX_MAX + 1, 1, PX_CARRIER_PNG, PX_CARRIER_PNG_1BIT},
        {__LINE__, 5, -2, PX_CARRIER_PNG, PX_CARRIER_PNG_1BIT},
        {__LINE__, 5, PX_CARRIER_QUIET_MAX + 1, PX_CARRIER_SVG, PX_CARRIER_PNG_1BIT},
        {__LINE__, 5, 1, 7, PX_CARRIER_PNG_1BIT},
        {__LINE__, 5, 1, PX_CARRIER_PNG, 5},
    };
    for (size_t i = 0; i < PX_COUNT(cases); i++) {
        px_carrier_opts o;
        px_carrier_opts_init(&o);
        o.module_px = cases[i].module_px;
        o.quiet_zone_modules = cases[i].quiet;
        o.format = (px_carrier_format)cases[i].format;
        o.png_depth = (px_carrier_png_depth)cases[i].depth;
        px_buf b;
        px_buf_init(&b, 1u << 20);
        px_err err = PX_ERR_INIT;
        px_rc rc = px_carrier_datamatrix(&b, WORKED, strlen(WORKED), &o, &err);
        if (rc != PX_EINVALID || strcmp(err.code, "invalid_option") != 0)
            fail_msg("%s:%d: got %s/%s", __FILE__, cases[i].line, px_rc_name(rc), err.code);
        assert_int_equal(b.len, 0);
        px_buf_dispose(&b);
    }
}

static void test_carrier__rejects_bad_qr_text(void)
{
    static char big[PX_CARRIER_QR_TEXT_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    struct {
        int line;
        const char *s;
        px_rc rc;
        const char *code;
    } cases[] = {
        {__LINE__, "", PX_EINVALID, "empty_payload"},
        {__LINE__, NULL, PX_EINVALID, "empty_payload"},
        {__LINE__, "https://id.gs1.org/01/0950\t6000134352", PX_EINVALID, "invalid_character"},
        {__LINE__, big, PX_ETOOBIG, "payload_too_large"},
    };
    for (size_t i = 0; i < PX_COUNT(cases); i++) {
        px_carrier_opts o;
        px_carrier_opts_init(&o);
        px_buf b;
        px_buf_init(&b, 1u << 20);
        px_err err = PX_ERR_INIT;
        px_rc rc = px_carrier_qr(&b, cases[i].s, &o, &err);
        if (rc != cases[i].rc || strcmp(err.code, cases[i].code) != 0)
            fail_msg("%s:%d: got %s/%s (%s)", __FILE__, cases[i].line, px_rc_name(rc), err.code,
                     err.message);
        assert_int_equal(b.len, 0);
        px_buf_dispose(&b);
    }
}

/* A px_buf at its maximum is PX_ETOOBIG and the buffer is left as it was (PNG: the error is
 * raised inside libpng's write callback and unwinds through its longjmp). */
static void test_carrier__output_limit(void)
{
    for (int f = 0; f < 2; f++) {
        for (size_t max = 10; max < 400; max += 37) {
            px_carrier_opts o;
            px_carrier_opts_init(&o);
            o.format = f ? PX_CARRIER_SVG : PX_CARRIER_PNG;
            px_buf b;
            px_buf_init(&b, max);
            px_buf_puts(&b, "abc");
            px_err err;
            px_rc rc = px_carrier_datamatrix(&b, WORKED, strlen(WORKED), &o, &err);
            if (rc == PX_OK) {
                assert_true(b.len <= max);
            } else {
                assert_int_equal(rc, PX_ETOOBIG);
                assert_string_equal(err.code, "payload_too_large");
                assert_int_equal(b.len, 3);
                assert_string_equal(b.data, "abc");
            }
            px_buf_dispose(&b);
        }
    }
}

/* ISO/IEC 16022 ECC 200 finder pattern: solid left column and bottom row ("L"), alternating
 * top row and right column (clock track), dark at the top-left and bottom-right corners. */
static void check_finder(const px_carrier_matrix *m)
{
    int w = m->width, h = m->height;
    for (int y = 0; y < h; y++) {
        assert_int_equal(px_carrier_matrix_get(m, 0, y), 1);
        assert_int_equal(px_carrier_matrix_get(m, w - 1, y), y % 2);
    }
    for (int x = 0; x < w; x++) {
        assert_int_equal(px_carrier_matrix_get(m, x, h - 1), 1);
        assert_int_equal(px_carrier_matrix_get(m, x, 0), x % 2 == 0);
    }
}

static void test_carrier__finder_pattern_and_sizes(void)
{
    px_carrier_matrix m;
    px_err err;
    /* test_carrier_decode checks every size against the ECC 200 capacity table; here the
     * shapes and one fixed point. */
    assert_int_equal(px_carrier_datamatrix_encode(&m, WORKED, strlen(WORKED), PX_CARRIER_SQUARE,
                                                  &err),
                     PX_OK);
    assert_int_equal(m.width, m.height);
    check_finder(&m);
    assert_int_equal(px_carrier_datamatrix_encode(&m, WORKED, strlen(WORKED), PX_CARRIER_RECT,
                                                  &err),
                     PX_OK);
    assert_true(m.height < m.width);
    check_finder(&m);
    assert_int_equal(px_carrier_datamatrix_encode(&m, "0109506000134352", 16, PX_CARRIER_SQUARE,
                                                  &err),
                     PX_OK);
    /* FNC1 + 8 digit pairs = 9 data codewords: 14x14 holds 8, 16x16 holds 12. */
    assert_int_equal(m.width, 16);
}

/* Reads a PNG back (libpng simplified API) and compares every pixel with the matrix, the
 * quiet zone and the module size. */
static void check_png(const px_buf *b, const px_carrier_matrix *m, int q, int mpx)
{
    png_image img = {0};
    img.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&img, b->data, b->len));
    assert_int_equal(img.width, (unsigned)((m->width + 2 * q) * mpx));
    assert_int_equal(img.height, (unsigned)((m->height + 2 * q) * mpx));
    img.format = PNG_FORMAT_GRAY;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    assert_non_null(px);
    assert_true(png_image_finish_read(&img, NULL, px, 0, NULL));
    for (unsigned y = 0; y < img.height; y++) {
        for (unsigned x = 0; x < img.width; x++) {
            int mx = (int)x / mpx - q, my = (int)y / mpx - q;
            int dark = mx >= 0 && my >= 0 && mx < m->width && my < m->height &&
                       px_carrier_matrix_get(m, mx, my);
            if (px[y * img.width + x] != (dark ? 0 : 255))
                fail_msg("pixel %u,%u is %d, module %d,%d is %s", x, y, px[y * img.width + x],
                         mx, my, dark ? "dark" : "light");
        }
    }
    free(px);
}

/* The sample symbol: the Digital Link URI as a QR Code (qr), else the worked element
 * string as a DataMatrix of shape. */
static void encode_sample(px_carrier_matrix *m, int qr, px_carrier_shape shape)
{
    px_err err;
    if (qr)
        assert_int_equal(px_carrier_qr_encode(m, DL, &err), PX_OK);
    else
        assert_int_equal(px_carrier_datamatrix_encode(m, WORKED, strlen(WORKED), shape, &err),
                         PX_OK);
}

static void test_carrier__png_pixels(void)
{
    px_carrier_matrix m;
    px_err err;
    for (int qr = 0; qr < 2; qr++) {
        encode_sample(&m, qr, PX_CARRIER_RECT);
        for (int depth = 0; depth < 2; depth++) {
            for (int mpx = 1; mpx <= 9; mpx += 4) {
                for (int q = -1; q <= 3; q += 2) {
                    px_carrier_opts o;
                    px_carrier_opts_init(&o);
                    o.png_depth = (px_carrier_png_depth)depth;
                    o.module_px = mpx;
                    o.quiet_zone_modules = q;
                    px_buf b;
                    px_buf_init(&b, 1u << 22);
                    assert_int_equal(px_carrier_render(&b, &m, &o, &err), PX_OK);
                    assert_int_equal((unsigned char)b.data[24], depth ? 8 : 1);
                    check_png(&b, &m, q < 0 ? m.quiet_default : q, mpx);
                    px_buf_dispose(&b);
                }
            }
        }
    }
}

/* The SVG: size attributes, a viewBox in modules with the quiet zone, crispEdges, one path
 * whose runs redraw exactly the dark modules. */
static void test_carrier__svg_runs(void)
{
    px_carrier_matrix m;
    px_err err;
    for (int qr = 0; qr < 2; qr++) {
        encode_sample(&m, qr, PX_CARRIER_SQUARE);
        px_carrier_opts o;
        px_carrier_opts_init(&o);
        o.format = PX_CARRIER_SVG;
        o.module_px = 4;
        px_buf b;
        px_buf_init(&b, 1u << 22);
        assert_int_equal(px_carrier_render(&b, &m, &o, &err), PX_OK);
        int q = m.quiet_default, vw = m.width + 2 * q, vh = m.height + 2 * q;
        char head[200];
        snprintf(head, sizeof(head), "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"", vw * 4,
                 vh * 4, vw, vh);
        assert_non_null(strstr(b.data, head));
        assert_non_null(strstr(b.data, "shape-rendering=\"crispEdges\""));
        const char *d = strstr(b.data, "<path");
        assert_non_null(d);
        assert_null(strstr(d + 1, "<path"));
        d = strstr(d, " d=\"") + 4;
        static unsigned char seen[PX_CARRIER_MATRIX_MAX][PX_CARRIER_MATRIX_MAX];
        memset(seen, 0, sizeof(seen));
        int x, y, n, n2, used;
        while (sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2, &used) == 4) {
            assert_int_equal(n, n2);
            for (int k = 0; k < n; k++) {
                assert_int_equal(seen[y - q][x - q + k], 0);
                seen[y - q][x - q + k] = 1;
            }
            d += used;
        }
        assert_int_equal(*d, '"');
        for (y = 0; y < m.height; y++)
            for (x = 0; x < m.width; x++)
                assert_int_equal(seen[y][x], px_carrier_matrix_get(&m, x, y));
        px_buf_dispose(&b);
    }
}

/* px_carrier_drawable says of every matrix and options what px_carrier_render does (the same
 * code), without drawing: what a carrier batch's job relies on to prove an item renders. The
 * options cover each check's both sides; the matrices a symbol of each kind and two a
 * renderer must refuse. */
static void test_carrier__drawable_as_render(void)
{
    static px_carrier_matrix m[4];
    px_err err;
    encode_sample(&m[0], 0, PX_CARRIER_SQUARE);
    encode_sample(&m[1], 1, PX_CARRIER_SQUARE);
    m[2] = m[0];
    m[2].width = 0;
    m[3] = m[0];
    m[3].height = PX_CARRIER_MATRIX_MAX + 1;
    static const int mpx[] = {0, 1, 3, PX_CARRIER_MODULE_PX_MAX, PX_CARRIER_MODULE_PX_MAX + 1};
    static const int quiet[] = {PX_CARRIER_QUIET_DEFAULT, 0, PX_CARRIER_QUIET_MAX,
                                PX_CARRIER_QUIET_MAX + 1, -2};
    static const int fmt[] = {PX_CARRIER_PNG, PX_CARRIER_SVG, 7};
    static const int depth[] = {PX_CARRIER_PNG_1BIT, PX_CARRIER_PNG_GRAY8, 9};
    int drawn = 0, refused = 0;
    for (size_t k = 0; k < 4; k++)
        for (size_t a = 0; a < PX_COUNT(mpx); a++)
            for (size_t b = 0; b < PX_COUNT(quiet); b++)
                for (size_t c = 0; c < PX_COUNT(fmt); c++)
                    for (size_t d = 0; d < PX_COUNT(depth); d++) {
                        /* The largest images only as 1-bit PNGs: the check is the same. */
                        if (mpx[a] == PX_CARRIER_MODULE_PX_MAX &&
                            (fmt[c] != PX_CARRIER_PNG || depth[d] != PX_CARRIER_PNG_1BIT))
                            continue;
                        px_carrier_opts o;
                        px_carrier_opts_init(&o);
                        o.module_px = mpx[a];
                        o.quiet_zone_modules = quiet[b];
                        o.format = (px_carrier_format)fmt[c];
                        o.png_depth = (px_carrier_png_depth)depth[d];
                        px_err de, re;
                        px_err_clear(&de);
                        px_err_clear(&re);
                        px_buf out;
                        px_buf_init(&out, 64u << 20);
                        px_rc drc = px_carrier_drawable(&m[k], &o, &de);
                        px_rc rrc = px_carrier_render(&out, &m[k], &o, &re);
                        px_buf_dispose(&out);
                        assert_int_equal(drc, rrc);
                        assert_string_equal(de.code, re.code);
                        drawn += rrc == PX_OK;
                        refused += rrc != PX_OK;
                    }
    /* Both sides were reached. */
    assert_true(drawn > 10);
    assert_true(refused > 10);
    assert_int_equal(px_carrier_drawable(&m[0], NULL, &err), PX_EINVALID);
}

/* One payload of len bytes: digits only (kind 0), letters only (1), a mix with GS separators
 * between elements (2), or the mix with one byte a renderer refuses (3). */
static void payload(char *out, size_t len, int kind, unsigned *seed)
{
    for (size_t i = 0; i < len; i++) {
        *seed = *seed * 1103515245u + 12345u;
        unsigned r = (*seed >> 16) & 0x7fff;
        out[i] = kind == 0   ? (char)('0' + r % 10)
                 : kind == 1 ? (char)('A' + r % 26)
                             : (char)(0x21 + r % 94);
        if (kind >= 2 && i > 0 && i + 1 < len && r % 17 == 0 && out[i - 1] != 0x1D)
            out[i] = 0x1D;
    }
    if (kind == 3 && len > 2)
        out[len / 2] = ' ';
    out[len] = '\0';
}

/* px_carrier_check gives the answer a render gives (the same code), for payloads on both sides
 * of every capacity its shortcut relies on (Data Matrix square and rectangle, QR version 40 at
 * each level), of every kind, under good and bad options: a carrier batch's job proves items
 * with it and leaves the drawing to the download. */
static void test_carrier__check_as_render(void)
{
    static const size_t dm_lens[] = {0,    1,    10,   46,   47,   48,   49,   50,   98,  99,
                                     1000, 1556, 1557, 1558, 1559, 2335, 2336, 3116, 3117};
    static const size_t qr_lens[] = {0, 1, 100, 1273, 1274, 1663, 1664, 2331, 2332, 2953, 2954};
    static char buf[3200];
    static px_carrier_matrix scratch;
    unsigned seed = 7;
    int ok = 0, refused = 0;
    px_buf out;
    px_buf_init(&out, 64u << 20);
    for (int qr = 0; qr < 2; qr++) {
        const size_t *lens = qr ? qr_lens : dm_lens;
        size_t nlens = qr ? PX_COUNT(qr_lens) : PX_COUNT(dm_lens);
        for (size_t l = 0; l < nlens; l++)
            for (int kind = 0; kind < 4; kind++)
                for (int v = 0; v < 8; v++) {
                    /* QR: the default level, L, M, Q, H, an unknown level; Data Matrix: each
                     * shape, an unknown one; then bad drawing options for both (a PNG depth,
                     * a format, a module size, a quiet zone). */
                    static const int ec[] = {0, 1, 2, 3, 4, 9, 4, 1};
                    static const int shape[] = {0, 1, 2, 9, 0, 0, 1, 2};
                    px_carrier_opts o;
                    px_carrier_opts_init(&o);
                    o.qr_ec = (px_carrier_ec)ec[v];
                    o.shape = (px_carrier_shape)shape[v];
                    if (v == 4)
                        o.png_depth = (px_carrier_png_depth)7;
                    if (v == 5 && !qr)
                        o.format = (px_carrier_format)7;
                    if (v == 6)
                        o.module_px = 0;
                    if (v == 7)
                        o.quiet_zone_modules = PX_CARRIER_QUIET_MAX + 1;
                    payload(buf, lens[l], kind, &seed);
                    px_err ce, re;
                    px_err_clear(&ce);
                    px_err_clear(&re);
                    px_buf_reset(&out);
                    px_rc crc = px_carrier_check(&scratch, buf, qr, &o, &ce);
                    px_rc rrc = qr ? px_carrier_qr(&out, buf, &o, &re)
                                   : px_carrier_datamatrix(&out, buf, strlen(buf), &o, &re);
                    if (crc != rrc || strcmp(ce.code, re.code) != 0)
                        fail_msg("qr %d, %zu bytes of kind %d, variant %d: check %d %s, render "
                                 "%d %s",
                                 qr, lens[l], kind, v, (int)crc, ce.code, (int)rrc, re.code);
                    ok += rrc == PX_OK;
                    refused += rrc != PX_OK;
                }
    }
    px_buf_dispose(&out);
    assert_true(ok > 50);
    assert_true(refused > 50);
}

/* What a carrier batch's job proves without drawing is drawn later into a buffer of
 * PX_CARRIER_IMAGE_MAX (the batch's archive, service/carrier_batch.c): the largest symbol of each
 * kind at the largest design a batch can ask for (64 px modules, a 32-module quiet zone, in black
 * and white or in colours) fits it as PNG and as SVG, so "renders" holds for the download too. */
static void test_carrier__largest_design_fits_the_download(void)
{
    /* Version 40 at level H holds 1,273 bytes (ISO/IEC 18004, Table 7): the largest QR. */
    static char text[1274];
    memset(text, 'A', 1273);
    text[1273] = '\0';
    static px_carrier_matrix m[2];
    px_err err;
    assert_int_equal(px_carrier_qr_encode_ec(&m[0], text, PX_CARRIER_EC_H, &err), PX_OK);
    assert_int_equal(m[0].width, PX_CARRIER_MATRIX_MAX);
    /* 144x144 holds 1,558 codewords: the leading FNC1 and 1,557 letters. */
    static char letters[1558];
    memset(letters, 'A', 1557);
    letters[1557] = '\0';
    assert_int_equal(px_carrier_datamatrix_encode(&m[1], letters, 1557, PX_CARRIER_SQUARE, &err),
                     PX_OK);
    assert_int_equal(m[1].width, 144);
    px_buf out;
    px_buf_init(&out, PX_CARRIER_IMAGE_MAX);
    for (int k = 0; k < 2; k++)
        for (int colors = 0; colors < 2; colors++)
            for (int f = 0; f < 2; f++) {
                px_carrier_opts o;
                px_carrier_opts_init(&o);
                o.module_px = PX_CARRIER_MODULE_PX_MAX;
                o.quiet_zone_modules = PX_CARRIER_QUIET_MAX;
                o.format = f ? PX_CARRIER_SVG : PX_CARRIER_PNG;
                o.colors = colors;
                o.fg_rgb = 0x1A237E;
                o.bg_rgb = 0xFFF8E1;
                px_buf_reset(&out);
                assert_int_equal(px_carrier_render(&out, &m[k], &o, &err), PX_OK);
                assert_true(out.len > 0);
            }
    px_buf_dispose(&out);
}

/* px_carrier_pixels_bound is an upper bound: for payloads of every length from 1 to past the
 * largest symbol's capacity, at each QR level and for Data Matrix, the symbol the encoder
 * (libqrencode, libdmtx: the oracle) picks draws no more pixels than the bound says, at the
 * default quiet zone and at 3 px a module. The payloads are digits and letters alternating,
 * which QR takes in byte mode and Data Matrix one codeword a byte (its densest is digits). */
static void test_carrier__pixels_bound_holds(void)
{
    static char data[PX_CARRIER_QR_TEXT_MAX + 1];
    for (size_t i = 0; i < sizeof(data) - 1; i++)
        data[i] = i % 2 ? 'A' : '7';
    static const px_carrier_ec levels[] = {PX_CARRIER_EC_L, PX_CARRIER_EC_M, PX_CARRIER_EC_Q,
                                           PX_CARRIER_EC_H};
    px_carrier_matrix m;
    px_carrier_opts o;
    px_carrier_opts_init(&o);
    o.module_px = 3;
    for (int qr = 0; qr < 2; qr++)
        for (size_t l = 0; l < (qr ? 4u : 1u); l++) {
            o.qr_ec = levels[l];
            for (size_t len = 1; len < sizeof(data); len += len < 200 ? 1 : 37) {
                char saved = data[len];
                data[len] = '\0';
                px_err e;
                px_rc rc = qr ? px_carrier_qr_encode_ec(&m, data, o.qr_ec, &e)
                              : px_carrier_datamatrix_encode(&m, data, len, PX_CARRIER_SQUARE, &e);
                data[len] = saved;
                if (rc != PX_OK)
                    break; /* past the largest symbol */
                uint64_t side = (uint64_t)(m.width + 2 * m.quiet_default) * 3;
                uint64_t bound = px_carrier_pixels_bound(len, qr, &o);
                if (side * side > bound)
                    fail_msg("%s level %zu, %zu bytes: %dx%d modules draw %llu px, bound %llu",
                             qr ? "QR" : "Data Matrix", l, len, m.width, m.height,
                             (unsigned long long)(side * side), (unsigned long long)bound);
            }
        }
    /* And it is no wild guess: a 90-byte code of letters and digits in Data Matrix at 5 px a
     * module is bounded under twice the side of its real symbol. */
    px_carrier_opts_init(&o);
    data[90] = '\0';
    assert_int_equal(px_carrier_datamatrix_encode(&m, data, 90, PX_CARRIER_SQUARE, NULL), PX_OK);
    uint64_t real = (uint64_t)(m.width + 2) * 5;
    assert_true(px_carrier_pixels_bound(90, 0, &o) < 4 * real * real);
}
