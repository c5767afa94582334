/* The two writers shared by every symbology: a module matrix to PNG (libpng) or SVG.
 *
 * Both draw the quiet zone as light modules around the symbol (ISO/IEC 16022 for Data Matrix,
 * ISO/IEC 18004 for QR): without it a scanner may not find the symbol on a busy label. */
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "carrier_int.h"
#include "px_str.h"

void px_carrier_opts_init(px_carrier_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->shape = PX_CARRIER_SQUARE;
    o->module_px = 5;
    o->quiet_zone_modules = PX_CARRIER_QUIET_DEFAULT;
    o->format = PX_CARRIER_PNG;
    o->png_depth = PX_CARRIER_PNG_1BIT;
}

/* ---- colours ---------------------------------------------------------------------------- */

px_rc px_carrier_color_parse(uint32_t *out, const char *s, px_err *err)
{
    uint32_t v = 0;
    if (!s || s[0] != '#' || strlen(s) != 7)
        return px_err_set(err, PX_EINVALID, "invalid_value", "colour '%.16s' is not #rrggbb",
                          s ? s : "");
    for (int i = 1; i < 7; i++) {
        int h = px_hexval((unsigned char)s[i]);
        if (h < 0)
            return px_err_set(err, PX_EINVALID, "invalid_value", "colour '%s' is not #rrggbb", s);
        v = (v << 4) | (uint32_t)h;
    }
    *out = v;
    return PX_OK;
}

/* Relative luminance of an sRGB colour (ITU-R BT.709 primaries, the sRGB transfer curve),
 * 0 (black) .. 1 (white): the stand-in for the reflectance a scanner measures. */
static double luminance(uint32_t rgb)
{
    double c[3];
    for (int i = 0; i < 3; i++) {
        double v = (double)((rgb >> (16 - 8 * i)) & 0xFFu) / 255.0;
        c[i] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

px_rc px_carrier_contrast_check(uint32_t fg_rgb, uint32_t bg_rgb, px_err *err)
{
    double lf = luminance(fg_rgb), lb = luminance(bg_rgb);
    /* ISO/IEC 15415 symbol contrast SC = Rmax - Rmin; grade C needs SC >= 40 %. Dark modules
     * on a light ground: a reversed symbol is not read by every scanner on a line. */
    if (lb - lf < 0.40)
        return px_err_set(err, PX_EINVALID, "low_contrast",
                          "foreground #%06X on background #%06X has a symbol contrast of %d %%; "
                          "dark modules on a light background with at least 40 %% are needed",
                          (unsigned)fg_rgb, (unsigned)bg_rgb, (int)lround((lb - lf) * 100.0));
    return PX_OK;
}

px_rc carrier__geometry(const px_carrier_matrix *m, const px_carrier_opts *o, int *quiet,
                        int *width_px, int *height_px, px_err *err)
{
    if (!o)
        return px_err_set(err, PX_EINVALID, "invalid_option", "no render options given");
    if (o->png_depth != PX_CARRIER_PNG_1BIT && o->png_depth != PX_CARRIER_PNG_GRAY8)
        return px_err_set(err, PX_EINVALID, "invalid_option", "unknown PNG depth %d",
                          (int)o->png_depth);
    if (o->module_px < 1 || o->module_px > PX_CARRIER_MODULE_PX_MAX)
        return px_err_set(err, PX_EINVALID, "invalid_option",
                          "module size %d px is outside 1..%d", o->module_px,
                          PX_CARRIER_MODULE_PX_MAX);
    int q = o->quiet_zone_modules == PX_CARRIER_QUIET_DEFAULT ? m->quiet_default
                                                               : o->quiet_zone_modules;
    if (q < 0 || q > PX_CARRIER_QUIET_MAX)
        return px_err_set(err, PX_EINVALID, "invalid_option",
                          "quiet zone of %d modules is outside 0..%d", o->quiet_zone_modules,
                          PX_CARRIER_QUIET_MAX);
    if (m->width < 1 || m->height < 1 || m->width > PX_CARRIER_MATRIX_MAX ||
        m->height > PX_CARRIER_MATRIX_MAX)
        return px_err_set(err, PX_EINVALID, "invalid_option", "matrix of %dx%d modules",
                          m->width, m->height);
    int w = (m->width + 2 * q) * o->module_px, h = (m->height + 2 * q) * o->module_px;
    if (w > CARRIER_IMAGE_PX_MAX || h > CARRIER_IMAGE_PX_MAX)
        return px_err_set(err, PX_ETOOBIG, "payload_too_large",
                          "image of %dx%d px exceeds %d px", w, h, CARRIER_IMAGE_PX_MAX);
    *quiet = q;
    *width_px = w;
    *height_px = h;
    return PX_OK;
}

px_rc px_carrier_drawable(const px_carrier_matrix *m, const px_carrier_opts *o, px_err *err)
{
    int quiet, w, h;
    if (o && o->format != PX_CARRIER_PNG && o->format != PX_CARRIER_SVG)
        return px_err_set(err, PX_EINVALID, "invalid_option", "unknown output format %d",
                          (int)o->format);
    return carrier__geometry(m, o, &quiet, &w, &h, err);
}

/* Maps a px_buf failure (which sets no px_err) to an error. */
void carrier__out_cut(px_buf *out, size_t len)
{
    out->len = len;
    if (out->data)
        out->data[len] = '\0';
}

px_rc carrier__out_error(px_rc why, const px_buf *out, const char *what, px_err *err)
{
    if (why == PX_ETOOBIG)
        return px_err_set(err, PX_ETOOBIG, "payload_too_large",
                          "%s exceeds the output limit of %zu bytes", what, out->max);
    return px_err_oom(err);
}

px_rc px_carrier_render(px_buf *out, const px_carrier_matrix *m, const px_carrier_opts *o,
                        px_err *err)
{
    px_rc rc = px_carrier_drawable(m, o, err);
    if (rc != PX_OK)
        return rc;
    return o->format == PX_CARRIER_SVG ? px_carrier_svg_write(out, m, o, err)
                                       : px_carrier_png_write(out, m, o, err);
}

/* ---- PNG ------------------------------------------------------------------------------ */

/* Where libpng's output goes: rc says why the write callback gave up. */
typedef struct png_sink {
    px_buf *out;
    px_rc rc;
} png_sink;

static void sink_write(png_structp png, png_bytep data, size_t n)
{
    png_sink *s = png_get_io_ptr(png);
    px_rc rc = px_buf_add(s->out, data, n);
    if (rc != PX_OK) {
        s->rc = rc;
        png_error(png, "output buffer");
    }
}

static void sink_flush(png_structp png)
{
    (void)png;
}

/* libpng's default handlers print to stderr; errors here are reported through px_err. */
static void png_fail(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* Everything between setjmp and the end lives here, so no local of the caller is modified
 * after setjmp (C11 7.13.2.1: such locals would need volatile). Returns 0, or -1 after a
 * libpng error. */
static int png_run(png_structp png, png_infop info, png_sink *sink, unsigned char *row,
                   carrier__png_rows rows, const void *ctx)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    png_set_write_fn(png, sink, sink_write, sink_flush);
    rows(png, info, row, ctx);
    png_write_end(png, NULL);
    return 0;
}

px_rc carrier__png_write(px_buf *out, size_t rowbytes, carrier__png_rows rows, const void *ctx,
                         const char *what, px_err *err)
{
    size_t start = out->len;
    png_sink sink = {out, PX_OK};
    unsigned char *row = malloc(rowbytes ? rowbytes : 1);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_warn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    px_rc rc;
    if (!row || !png || !info)
        rc = px_err_oom(err);
    else if (png_run(png, info, &sink, row, rows, ctx) == 0)
        rc = PX_OK;
    else
        rc = sink.rc != PX_OK ? carrier__out_error(sink.rc, out, what, err)
                              : px_err_set(err, PX_EINTERNAL, "internal", "libpng failed");
    if (png)
        png_destroy_write_struct(&png, &info);
    free(row);
    if (rc != PX_OK)
        carrier__out_cut(out, start);
    return rc;
}

/* One image row of module row y (y < 0 or >= height: a quiet-zone row). 1-bit gray: bit 1 is
 * white; 8-bit gray: 255 is white. */
static void png_row(unsigned char *row, size_t rowbytes, const px_carrier_matrix *m, int y,
                    int quiet, int mpx, int gray8)
{
    memset(row, 0xFF, rowbytes);
    if (y < 0 || y >= m->height)
        return;
    const unsigned char *bits = m->bits[y];
    for (int x = 0; x < m->width; x++) {
        if (!((bits[x >> 3] >> (7 - (x & 7))) & 1))
            continue;
        int p0 = (quiet + x) * mpx;
        if (gray8) {
            memset(row + p0, 0, (size_t)mpx);
        } else {
            for (int p = p0; p < p0 + mpx; p++)
                row[p >> 3] &= (unsigned char)~(0x80u >> (p & 7));
        }
    }
}

/* The matrix's PNG (render.c's carrier__png_rows). */
typedef struct matrix_png {
    const px_carrier_matrix *m;
    const px_carrier_opts *o;
    size_t rowbytes;
    int quiet, w, h;
} matrix_png;

static void matrix_rows(png_structp png, png_infop info, unsigned char *row, const void *ctx)
{
    const matrix_png *c = ctx;
    const px_carrier_opts *o = c->o;
    int gray8 = !o->colors && o->png_depth == PX_CARRIER_PNG_GRAY8;
    png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, gray8 ? 8 : 1,
                 o->colors ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (o->colors) {
        /* The rows are the 1-bit gray rows (bit 1 = light): index 0 is the foreground of the
         * dark modules, index 1 the background. */
        png_color pal[2];
        const uint32_t rgb[2] = {o->fg_rgb, o->bg_rgb};
        for (int i = 0; i < 2; i++) {
            pal[i].red = (png_byte)((rgb[i] >> 16) & 0xFFu);
            pal[i].green = (png_byte)((rgb[i] >> 8) & 0xFFu);
            pal[i].blue = (png_byte)(rgb[i] & 0xFFu);
        }
        png_set_PLTE(png, info, pal, 2);
    }
    /* Two-level images compress best unfiltered (and libpng's adaptive filter costs time). */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_write_info(png, info);
    for (int y = -c->quiet; y < c->m->height + c->quiet; y++) {
        png_row(row, c->rowbytes, c->m, y, c->quiet, o->module_px, gray8);
        for (int r = 0; r < o->module_px; r++)
            png_write_row(png, row);
    }
}

px_rc px_carrier_png_write(px_buf *out, const px_carrier_matrix *m, const px_carrier_opts *o,
                           px_err *err)
{
    matrix_png c = {.m = m, .o = o};
    px_rc rc = carrier__geometry(m, o, &c.quiet, &c.w, &c.h, err);
    if (rc != PX_OK)
        return rc;
    c.rowbytes =
        !o->colors && o->png_depth == PX_CARRIER_PNG_GRAY8 ? (size_t)c.w : ((size_t)c.w + 7) / 8;
    return carrier__png_write(out, c.rowbytes, matrix_rows, &c, "rendered image", err);
}

/* ---- SVG ------------------------------------------------------------------------------ */

px_rc carrier__svg_open(px_buf *out, int w, int h, int vw, int vh, const char *bg, const char *fg)
{
    return px_buf_printf(out,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                         "height=\"%d\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
                         "<rect width=\"%d\" height=\"%d\" fill=\"%s\"/><path fill=\"%s\" d=\"",
                         w, h, vw, vh, vw, vh, bg, fg);
}

/* One <path> of horizontal runs, one subpath per run of dark modules ("M x y h n v1 h-n z"),
 * in module units (the viewBox), scaled to module_px by width/height; crispEdges keeps module
 * edges on pixel boundaries when rasterised. */
px_rc px_carrier_svg_write(px_buf *out, const px_carrier_matrix *m, const px_carrier_opts *o,
                           px_err *err)
{
    int quiet = 0, w = 0, h = 0;
    px_rc rc = carrier__geometry(m, o, &quiet, &w, &h, err);
    if (rc != PX_OK)
        return rc;
    size_t start = out->len;
    int vw = m->width + 2 * quiet, vh = m->height + 2 * quiet;
    char bg[8] = "#fff", fg[8] = "#000";
    if (o->colors) {
        snprintf(bg, sizeof(bg), "#%06x", (unsigned)(o->bg_rgb & 0xFFFFFFu));
        snprintf(fg, sizeof(fg), "#%06x", (unsigned)(o->fg_rgb & 0xFFFFFFu));
    }
    rc = carrier__svg_open(out, w, h, vw, vh, bg, fg);
    for (int y = 0; y < m->height && rc == PX_OK; y++) {
        int x = 0;
        while (x < m->width && rc == PX_OK) {
            if (!px_carrier_matrix_get(m, x, y)) {
                x++;
                continue;
            }
            int x0 = x;
            while (x < m->width && px_carrier_matrix_get(m, x, y))
                x++;
            rc = px_buf_printf(out, "M%d %dh%dv1h-%dz", quiet + x0, quiet + y, x - x0, x - x0);
        }
    }
    if (rc == PX_OK)
        rc = px_buf_puts(out, "\"/></svg>\n");
    if (rc != PX_OK) {
        carrier__out_cut(out, start);
        return carrier__out_error(rc, out, "rendered image", err);
    }
    return PX_OK;
}
