/* carrier internals shared by the files of this layer (not a public interface). */
#ifndef PX_CARRIER_INT_H
#define PX_CARRIER_INT_H

#include <png.h>

#include "carrier.h"

#define CARRIER_GS 0x1D /* FNC1 as transmitted by scanners (GS1 General Specifications) */

/* Largest rendered image side in pixels: bounds the row buffers and the output size. */
#define CARRIER_IMAGE_PX_MAX 16384

/* Checks that s[0..len) is an element string the carrier can encode: printable ASCII without
 * space (GS1 character sets 82 and 39 and digits are all inside 0x21..0x7E), GS only between
 * two elements, at most PX_CARRIER_DM_DATA_MAX bytes. GS1 semantics (AIs, lengths, check
 * digits) are the GS1 core's job. */
px_rc carrier__element_string_check(const char *s, size_t len, px_err *err);
/* Checks a QR text and level as px_carrier_qr_encode_ec does before it encodes: a known level,
 * 1 to PX_CARRIER_QR_TEXT_MAX bytes of printable ASCII. */
px_rc carrier__qr_text_check(const char *text, px_carrier_ec ec, px_err *err);

/* Validates o against m and computes the image geometry: quiet zone in modules and the image
 * size in pixels. */
px_rc carrier__geometry(const px_carrier_matrix *m, const px_carrier_opts *o, int *quiet,
                        int *width_px, int *height_px, px_err *err);

/* An image that could not be written leaves the caller's buffer as it was: out cut back to
 * len (render.c). */
void carrier__out_cut(px_buf *out, size_t len);
/* The buffer's failure why while writing an image (what: "rendered image", "label"):
 * payload_too_large with out's limit, or out of memory (render.c). */
px_rc carrier__out_error(px_rc why, const px_buf *out, const char *what, px_err *err);
/* The opening of an SVG of w x h pixels over a viewBox of vw x vh units (its own: modules, or
 * pixels): the background rectangle and the start of the one path of dark areas, whose data
 * the caller writes next and closes with "\"/>" (render.c). */
px_rc carrier__svg_open(px_buf *out, int w, int h, int vw, int vh, const char *bg, const char *fg);

/* Writes the image's header (png_set_IHDR and what goes with it, png_write_info) and its rows
 * through row (a buffer of the caller's rowbytes); libpng's errors are caught around it. */
typedef void (*carrier__png_rows)(png_structp png, png_infop info, unsigned char *row,
                                  const void *ctx);
/* A PNG appended to out (render.c): libpng's writer set up and torn down, its output into out,
 * its errors reported through err (libpng's own handlers print to stderr), out as it was on
 * any failure (what names the image in a refusal: carrier__out_error). */
px_rc carrier__png_write(px_buf *out, size_t rowbytes, carrier__png_rows rows, const void *ctx,
                         const char *what, px_err *err);
#endif
