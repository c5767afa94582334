/* carrier internals shared by the files of this layer (not a public interface). */
#ifndef PX_CARRIER_INT_H
#define PX_CARRIER_INT_H

#include <png.h>

#include "carrier.h"

#define CARRIER_GS 0x1D /* FNC1 as transmitted by scanners (GS1 General Specifications) */

/* Largest rendered image side in pixels: bounds the row buffers and the output size. */
#define CARRIER_IMAGE_PX_MAX 16384

/* Validates o against m and computes the image geometry: quiet zone in modules and the image
 * size in pixels. */
px_rc carrier__geometry(const px_carrier_matrix *m, const px_carrier_opts *o, int *quiet,
                        int *width_px, int *height_px, px_err *err);

/* A PNG written into a px_buf (render.c): rc says why the write callback gave up. */
typedef struct carrier__png_sink {
    px_buf *out;
    px_rc rc;
} carrier__png_sink;
/* A libpng writer whose errors longjmp back to the caller's setjmp and are reported through
 * px_err (libpng's own handlers print to stderr); NULL when out of memory. */
png_structp carrier__png_new(void);
/* Sends png's output into s->out. */
void carrier__png_to_sink(png_structp png, carrier__png_sink *s);
#endif
