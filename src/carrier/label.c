/* Logistic labels: the SSCC of a case or pallet (AI (00), GS1 General Specifications, "SSCC")
 * as a GS1-128 bar code with its human-readable line, or as a GS1 DataMatrix, to PNG or SVG.
 *
 * This file is the one adapter that owns libzint (Debian libzint-dev): zint encodes (GS1 mode,
 * "[00]" + the 18 digits, so FNC1 leads the symbol and scanners transmit ]C1 or ]d2 and
 * "00" + the SSCC) and lays out bars, modules and text; packid writes the files itself from
 * zint's raster (PNG, libpng, 8-bit gray) and vector (SVG) buffers, because zint 2.11 writes
 * files only to disk and packid renders into memory.
 *
 * Quiet zones are zint's compliant ones (BARCODE_QUIET_ZONES): 10X each side of GS1-128 (GS1
 * General Specifications, GS1-128 symbol specification table), 1X around a Data Matrix. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zint.h>

#include "carrier.h"
#include "carrier_int.h"
#include "gs1.h"

void px_carrier_label_opts_init(px_carrier_label_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->symbology = PX_LABEL_GS1_128;
    o->format = PX_CARRIER_PNG;
    o->module_px = 4;
    o->show_hri = 1;
}

/* ---- PNG from zint's raster ------------------------------------------------------------------ */

/* zint's raster as an 8-bit gray PNG (a carrier__png_rows). */
static void label_rows(png_structp png, png_infop info, unsigned char *row, const void *ctx)
{
    const struct zint_symbol *z = ctx;
    png_set_IHDR(png, info, (png_uint_32)z->bitmap_width, (png_uint_32)z->bitmap_height, 8,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < z->bitmap_height; y++) {
        /* zint's raster is RGB, 3 bytes a pixel; black on white, so gray is the luma. */
        const unsigned char *src = z->bitmap + (size_t)y * (size_t)z->bitmap_width * 3;
        for (int x = 0; x < z->bitmap_width; x++) {
            const unsigned char *p = src + 3 * x;
            row[x] = (unsigned char)((299u * p[0] + 587u * p[1] + 114u * p[2]) / 1000u);
        }
        png_write_row(png, row);
    }
}

/* ---- SVG from zint's vector ------------------------------------------------------------------ */

static px_rc svg_text(px_buf *out, float x, float y, float size, const char *anchor,
                      const unsigned char *text)
{
    px_buf_printf(out,
                  "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" font-family=\"OCR-B, "
                  "Helvetica, sans-serif\" font-size=\"%.1f\" fill=\"#000\">",
                  (double)x, (double)y, anchor, (double)size);
    /* The HRI is "(00)" and digits; escape anyway, it is XML. */
    px_buf_put_markup(out, (const char *)text);
    return px_buf_puts(out, "</text>");
}

static px_rc svg_write(px_buf *out, const struct zint_symbol *z, const char *hri, int dm_text,
                       px_err *err)
{
    size_t start = out->len;
    const struct zint_vector *v = z->vector;
    /* A Data Matrix has no text of its own in zint: the HRI line goes below it (GS1 logistic
     * label: the human-readable interpretation below the symbol), 4X high, the canvas widened
     * to hold it (about 0.6 em a digit) and the symbol centred above. */
    float x = 2.0f * z->scale, fs = dm_text ? 4.0f * x : 0.0f;
    float text_w = dm_text ? 0.62f * fs * (float)strlen(hri) + 2.0f * x : 0.0f;
    float w = v->width > text_w ? v->width : text_w, h = v->height + (dm_text ? 1.5f * fs : 0.0f);
    /* Whole pixels, and a viewBox of exactly that size: a fractional height would make the
     * viewer scale both axes (preserveAspectRatio) and 1-pixel bars would no longer fall on
     * pixel edges. */
    w = (float)(int)(w + 0.999f);
    h = (float)(int)(h + 0.999f);
    float dx = (float)(int)((w - v->width) / 2.0f);
    carrier__svg_open(out, (int)w, (int)h, (int)w, (int)h, "#fff", "#000");
    for (const struct zint_vector_rect *r = v->rectangles; r; r = r->next)
        if (r->colour == -1)
            px_buf_printf(out, "M%.2f %.2fh%.2fv%.2fh-%.2fz", (double)(r->x + dx), (double)r->y,
                          (double)r->width, (double)r->height, (double)r->width);
    px_buf_puts(out, "\"/>");
    for (const struct zint_vector_string *s = v->strings; s; s = s->next)
        svg_text(out, s->x, s->y, s->fsize,
                 s->halign == 1   ? "start"
                 : s->halign == 2 ? "end"
                                  : "middle",
                 s->text);
    if (dm_text)
        svg_text(out, w / 2.0f, v->height + 1.2f * fs, fs, "middle", (const unsigned char *)hri);
    px_rc rc = px_buf_puts(out, "</svg>\n");
    if (rc != PX_OK) {
        carrier__out_cut(out, start);
        return carrier__out_error(rc, out, "label", err);
    }
    return PX_OK;
}

/* ---- the label ------------------------------------------------------------------------------- */

px_rc px_carrier_label_sscc(px_buf *out, const char *sscc, const px_carrier_label_opts *o,
                            px_err *err)
{
    if (!o)
        return px_err_set(err, PX_EINVALID, "invalid_option", "no label options given");
    /* The SSCC's own rules (18 digits, mod-10 check digit) are the GS1 core's. */
    if (!sscc || gs1_sscc_validate(sscc, err) != PX_OK)
        return err->rc ? err->rc : PX_EINVALID;
    if (o->module_px < 1 || o->module_px > 32)
        return px_err_set(err, PX_EINVALID, "invalid_option", "module size %d px is outside 1..32",
                          o->module_px);
    if (o->symbology != PX_LABEL_GS1_128 && o->symbology != PX_LABEL_DATAMATRIX)
        return px_err_set(err, PX_EINVALID, "invalid_option", "unknown label symbology %d",
                          (int)o->symbology);
    if (o->format != PX_CARRIER_PNG && o->format != PX_CARRIER_SVG)
        return px_err_set(err, PX_EINVALID, "invalid_option", "unknown output format %d",
                          (int)o->format);
    char data[32], hri[32];
    /* REQ-LABEL-1: AI (00) in GS1 mode, FNC1 first: ]C1 / ]d2 and "00" + the SSCC. */
    snprintf(data, sizeof(data), "[00]%s", sscc);
    snprintf(hri, sizeof(hri), "(00)%s", sscc);
    struct zint_symbol *z = ZBarcode_Create();
    if (!z)
        return px_err_oom(err);
    int dm = o->symbology == PX_LABEL_DATAMATRIX;
    z->symbology = dm ? BARCODE_DATAMATRIX : BARCODE_GS1_128;
    z->input_mode = GS1_MODE;
    z->output_options = BARCODE_QUIET_ZONES;
    z->show_hrt = o->show_hri ? 1 : 0;
    /* zint's X-dimension is 2 × scale pixels (raster) or units (vector). */
    z->scale = (float)o->module_px / 2.0f;
    if (!dm)
        z->height = 50.0f; /* bar height in X: 32 mm bars at a 0.64 mm X, GS1 logistic label */
    px_rc rc = PX_OK;
    int zr = o->format == PX_CARRIER_PNG
                 ? ZBarcode_Encode_and_Buffer(z, (const unsigned char *)data, (int)strlen(data), 0)
                 : ZBarcode_Encode_and_Buffer_Vector(z, (const unsigned char *)data,
                                                     (int)strlen(data), 0);
    if (zr >= ZINT_ERROR) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "zint: %s", z->errtxt);
        goto done;
    }
    rc = o->format == PX_CARRIER_PNG
             ? carrier__png_write(out, (size_t)z->bitmap_width, label_rows, z, "label", err)
             : svg_write(out, z, hri, dm && o->show_hri, err);
done:
    ZBarcode_Delete(z);
    return rc;
}
