/* carrier — the data carriers printed on a pack: GS1 DataMatrix (the EU FMD unique identifier,
 * Delegated Regulation (EU) 2016/161 Art. 5) and a QR Code of the pack's GS1 Digital Link URI,
 * rendered to PNG or SVG into a px_buf.
 *
 * This is the adapter that owns libdmtx, libqrencode and libpng; this header exposes only plain
 * C types. Encoding produces a px_carrier_matrix (one bit per module); one PNG writer and one
 * SVG writer render any matrix, so DataMatrix and QR share them.
 *
 * The carrier checks the structure of its input (length, bytes, separators), not GS1 semantics:
 * callers pass an element string produced by gs1_element_string_format from validated elements
 * (the CLI goes through gs1_parse). See docs/carrier.md. */
#ifndef PX_CARRIER_H
#define PX_CARRIER_H

#include <stddef.h>
#include <stdint.h>

#include "px_buf.h"
#include "px_err.h"

/* Largest symbols: Data Matrix ECC 200 144×144 (ISO/IEC 16022), QR version 40 177×177
 * (ISO/IEC 18004). A matrix is fixed-size, so encoding allocates nothing of ours. */
#define PX_CARRIER_MATRIX_MAX 177
#define PX_CARRIER_MATRIX_STRIDE ((PX_CARRIER_MATRIX_MAX + 7) / 8)

/* Longest element string accepted (bytes, without the leading FNC1): the ECC 200 capacity in
 * digits; anything longer cannot fit in the largest symbol. */
#define PX_CARRIER_DM_DATA_MAX 3116
/* Longest QR text (bytes): QR version 40 at level M holds 2331 bytes. */
#define PX_CARRIER_QR_TEXT_MAX 2331

#define PX_CARRIER_MODULE_PX_MAX 64
/* The most bytes one rendered symbol or label (PNG or SVG) may take in the server's answers
 * and a batch's archive: a render past it fails rather than grows without bound. */
#define PX_CARRIER_IMAGE_MAX (8u << 20)
#define PX_CARRIER_QUIET_MAX 32
/* quiet_zone_modules = PX_CARRIER_QUIET_DEFAULT picks the symbology's minimum: 1 module on
 * every side for Data Matrix ECC 200 (ISO/IEC 16022, "quiet zone"; the GS1 General
 * Specifications' GS1 DataMatrix symbol specification table asks the same 1X), 4 modules for
 * QR Code (ISO/IEC 18004). */
#define PX_CARRIER_QUIET_DEFAULT (-1)

typedef enum px_carrier_shape {
    PX_CARRIER_SQUARE = 0, /* smallest square symbol that fits (10×10 … 144×144) */
    PX_CARRIER_RECT,       /* smallest rectangle (8×18 … 16×48) for tight packaging; a payload
                            * that does not fit any rectangle is PX_ETOOBIG (no silent
                            * fallback: the artwork was sized for a rectangle) */
    PX_CARRIER_AUTO        /* the smallest symbol of either shape */
} px_carrier_shape;

typedef enum px_carrier_format {
    PX_CARRIER_PNG = 0,
    PX_CARRIER_SVG
} px_carrier_format;

typedef enum px_carrier_png_depth {
    PX_CARRIER_PNG_1BIT = 0, /* 1-bit grayscale: smallest, what label printers want */
    PX_CARRIER_PNG_GRAY8     /* 8-bit grayscale (0 / 255), for tools that dislike 1-bit */
} px_carrier_png_depth;

/* QR Code error correction level (ISO/IEC 18004: L 7 %, M 15 %, Q 25 %, H 30 % of the
 * codewords recoverable). 0 is M, the level packid always used, so a zeroed struct keeps it. */
typedef enum px_carrier_ec {
    PX_CARRIER_EC_DEFAULT = 0, /* M */
    PX_CARRIER_EC_L,
    PX_CARRIER_EC_M,
    PX_CARRIER_EC_Q,
    PX_CARRIER_EC_H
} px_carrier_ec;

typedef struct px_carrier_opts {
    px_carrier_shape shape;        /* DataMatrix only */
    int module_px;                 /* pixels per module (X-dimension), 1..64 */
    int quiet_zone_modules;        /* 0..32, or PX_CARRIER_QUIET_DEFAULT */
    px_carrier_format format;
    px_carrier_png_depth png_depth;
    px_carrier_ec qr_ec;           /* QR only */
    /* 0: black modules on white (the gray PNGs above). 1: fg_rgb modules on bg_rgb (0xRRGGBB),
     * a 1-bit palette PNG whatever png_depth says, and those fills in SVG. */
    int colors;
    uint32_t fg_rgb, bg_rgb;
} px_carrier_opts;

/* One bit per module, row 0 at the top, the most significant bit of byte 0 the leftmost
 * module; 1 = dark. No quiet zone: the writers add it. */
typedef struct px_carrier_matrix {
    int width, height;             /* modules */
    int quiet_default;             /* the symbology's minimum quiet zone (modules) */
    unsigned char bits[PX_CARRIER_MATRIX_MAX][PX_CARRIER_MATRIX_STRIDE];
} px_carrier_matrix;

/* Defaults: square, 5 px/module, the symbology's quiet zone, PNG 1-bit. */
void px_carrier_opts_init(px_carrier_opts *o);

/* GS1 DataMatrix of an element string (GS 0x1D only between elements; no leading FNC1, no
 * symbology identifier): ECC 200 (ISO/IEC 16022) with FNC1 in first position (GS1 General
 * Specifications, GS1 DataMatrix), so scanners transmit ]d2 and the element string. Renders opts->format
 * and appends it to out; on failure out is left as it was. */
px_rc px_carrier_datamatrix(px_buf *out, const char *element_string, size_t len,
                            const px_carrier_opts *o, px_err *err);

/* QR Code (ISO/IEC 18004, level opts->qr_ec (M by default), 8-bit byte mode) of text, typically the pack's GS1 Digital
 * Link URI (scanners transmit ]Q1 and the URI). opts->shape is ignored. */
px_rc px_carrier_qr(px_buf *out, const char *text, const px_carrier_opts *o, px_err *err);

/* Parses a colour "#rrggbb" (either case) into 0xRRGGBB; else PX_EINVALID "invalid_value". */
px_rc px_carrier_color_parse(uint32_t *out, const char *s, px_err *err);
/* Checks that fg on bg scans: dark modules on a light background, with a symbol contrast
 * (difference of the two reflectances, approximated by relative luminance) of at least 40 %,
 * ISO/IEC 15415's grade C, the lowest overall grade the GS1 General Specifications accept for
 * a GS1 DataMatrix (symbol quality, 1.5/C). PX_EINVALID "low_contrast" otherwise. */
px_rc px_carrier_contrast_check(uint32_t fg_rgb, uint32_t bg_rgb, px_err *err);

/* Lower level: encode into a module matrix, then render a matrix. */
px_rc px_carrier_datamatrix_encode(px_carrier_matrix *m, const char *element_string, size_t len,
                                   px_carrier_shape shape, px_err *err);
px_rc px_carrier_qr_encode(px_carrier_matrix *m, const char *text, px_err *err);
/* The same at error correction level ec. */
px_rc px_carrier_qr_encode_ec(px_carrier_matrix *m, const char *text, px_carrier_ec ec,
                              px_err *err);
/* Appends the PNG or SVG of m (opts->format) to out; on failure out is left as it was. */
px_rc px_carrier_render(px_buf *out, const px_carrier_matrix *m, const px_carrier_opts *o,
                        px_err *err);
/* Whether m can be drawn under o: every check px_carrier_render makes before it draws (the
 * options in range, the image within its largest side). A matrix that passes renders in
 * either format, short of memory (the largest design fits PX_CARRIER_IMAGE_MAX:
 * test_carrier__largest_design_fits_the_download): what a carrier batch's job proves of each item
 * without drawing an image it would throw away. */
px_rc px_carrier_drawable(const px_carrier_matrix *m, const px_carrier_opts *o, px_err *err);
/* Whether data renders under o (qr: as px_carrier_qr, else as px_carrier_datamatrix), with
 * the answer and error a render would give, drawing nothing: by the symbology's capacity when
 * the data surely fits, else by encoding it into scratch (check.c). */
px_rc px_carrier_check(px_carrier_matrix *scratch, const char *data, int qr,
                       const px_carrier_opts *o, px_err *err);
/* An upper bound of the pixels of the image (its quiet zone included) of a payload of len
 * bytes under o (qr, else Data Matrix), from the symbology's least dense symbol, without
 * encoding: what a carrier batch asks of its items before it takes them (check.c). */
uint64_t px_carrier_pixels_bound(size_t len, int qr, const px_carrier_opts *o);
px_rc px_carrier_png_write(px_buf *out, const px_carrier_matrix *m, const px_carrier_opts *o,
                           px_err *err);
px_rc px_carrier_svg_write(px_buf *out, const px_carrier_matrix *m, const px_carrier_opts *o,
                           px_err *err);

/* ---- logistic labels (label.c, libzint) ------------------------------------------------------ */

typedef enum px_label_symbology {
    PX_LABEL_GS1_128 = 0,  /* GS1-128 (]C1), the logistic label's bar code */
    PX_LABEL_DATAMATRIX    /* GS1 DataMatrix (]d2) */
} px_label_symbology;

typedef struct px_carrier_label_opts {
    px_label_symbology symbology;
    px_carrier_format format;
    int module_px;  /* pixels per module (X-dimension), 1..32; default 4 */
    int show_hri;   /* the human-readable line "(00)…" (default 1); PNG Data Matrix: none */
} px_carrier_label_opts;

void px_carrier_label_opts_init(px_carrier_label_opts *o);
/* The label of an SSCC (18 digits, valid check digit; else the GS1 core's error): AI (00) as
 * GS1-128 with the human-readable line below, or as a GS1 DataMatrix; PNG (8-bit gray) or SVG
 * appended to out. Scanners transmit ]C1 or ]d2 and "00" + the SSCC. This is what
 * GET /v1/containers/{sscc}/label.png|svg calls. */
px_rc px_carrier_label_sscc(px_buf *out, const char *sscc, const px_carrier_label_opts *o,
                            px_err *err);

/* ---- ZIP archives (zip.c, libzip) ------------------------------------------------------------ */

/* An archive built in memory: add files, then finish into a px_buf. */
typedef struct px_carrier_zip px_carrier_zip;
px_rc px_carrier_zip_new(px_carrier_zip **out, px_err *err);
/* Adds a copy of data as name; store = 1 keeps it uncompressed (a PNG is deflated already). */
px_rc px_carrier_zip_add(px_carrier_zip *z, const char *name, const void *data, size_t len,
                         int store, px_err *err);
/* Writes the archive (central directory included) to out. Call once, then free. */
px_rc px_carrier_zip_finish(px_carrier_zip *z, px_buf *out, px_err *err);
void px_carrier_zip_free(px_carrier_zip *z);

/* Module (x, y) of m: 1 dark, 0 light. */
static inline int px_carrier_matrix_get(const px_carrier_matrix *m, int x, int y)
{
    return (m->bits[y][x >> 3] >> (7 - (x & 7))) & 1;
}

#endif
