/* Whether a payload renders, without drawing it: what a carrier batch's job proves of each item
 * (docs/carrier.md "Batches"), since its images are drawn when they are fetched.
 *
 * Most payloads are far shorter than the largest symbol holds, and for those the symbology's
 * capacity proves the fit without running the encoder:
 * - Data Matrix ECC 200 in ASCII encodation (the only scheme datamatrix.c lets libdmtx use)
 *   spends one codeword per byte 0..127, fewer for digit pairs, and one for the leading FNC1
 *   (ISO/IEC 16022, 5.2.3); the largest square symbol, 144x144, holds 1,558 data codewords and
 *   the largest rectangle, 16x48, 49 (ISO/IEC 16022, Table 7). So an element string of n bytes
 *   fits when n + 1 is at most that.
 * - QR Code in 8-bit byte mode: version 40 holds 2,953, 2,331, 1,663 and 1,273 bytes at levels
 *   L, M, Q and H (ISO/IEC 18004, Table 7).
 * A longer payload goes through the encoder and the drawing's checks as the renderer would.
 * test_carrier_render holds the shortcut to the renderer: the same answer for payloads on both
 * sides of every capacity, good and bad options. */
#include <math.h>
#include <string.h>

#include "carrier.h"
#include "carrier_int.h"

#define DM_SQUARE_CODEWORDS 1558 /* 144x144 */
#define DM_RECT_CODEWORDS 49     /* 16x48 */
#define DM_SQUARE_MODULES 144
#define DM_RECT_WIDTH 48
#define DM_RECT_HEIGHT 16
#define QR_V40_MODULES PX_CARRIER_MATRIX_MAX

/* The symbology's minimum quiet zone, as its encoder leaves it in the matrix (qr.c: 4X,
 * datamatrix.c: 1X). */
static int quiet_default(int qr)
{
    return qr ? 4 : 1;
}

/* The largest matrix of a kind, as the encoder would leave it: the drawing's checks only grow
 * with the matrix, so when this one passes them every symbol of the kind does. */
static void largest(px_carrier_matrix *m, int qr, px_carrier_shape shape)
{
    m->width = qr ? QR_V40_MODULES : shape == PX_CARRIER_RECT ? DM_RECT_WIDTH : DM_SQUARE_MODULES;
    m->height = qr ? QR_V40_MODULES : shape == PX_CARRIER_RECT ? DM_RECT_HEIGHT : DM_SQUARE_MODULES;
    m->quiet_default = quiet_default(qr);
}

/* 1 when data is valid for its encoder and surely fits; 0 when only the encoder can tell. */
static int fits_surely(const char *data, int qr, const px_carrier_opts *o)
{
    size_t len = strlen(data);
    px_err ignore;
    if (qr) {
        static const size_t v40[] = {[PX_CARRIER_EC_DEFAULT] = PX_CARRIER_QR_TEXT_MAX,
                                     [PX_CARRIER_EC_L] = 2953,
                                     [PX_CARRIER_EC_M] = PX_CARRIER_QR_TEXT_MAX,
                                     [PX_CARRIER_EC_Q] = 1663,
                                     [PX_CARRIER_EC_H] = 1273};
        return carrier__qr_text_check(data, o->qr_ec, &ignore) == PX_OK && len <= v40[o->qr_ec];
    }
    if (o->shape != PX_CARRIER_SQUARE && o->shape != PX_CARRIER_RECT && o->shape != PX_CARRIER_AUTO)
        return 0;
    size_t cap = o->shape == PX_CARRIER_RECT ? DM_RECT_CODEWORDS : DM_SQUARE_CODEWORDS;
    return carrier__element_string_check(data, len, &ignore) == PX_OK && len + 1 <= cap;
}

/* The least data a module carries in each symbology's least dense symbol (the smallest: its
 * finder and timing patterns weigh most), which every larger symbol passes:
 * QR version 1 (21x21) holds 17, 14, 11 and 7 bytes at levels L, M, Q and H (ISO/IEC 18004,
 * Table 7); Data Matrix 10x10 holds 3 codewords (ISO/IEC 16022, Table 7). */
static const double k_qr_density[] = {[PX_CARRIER_EC_DEFAULT] = 14.0 / 441,
                                      [PX_CARRIER_EC_L] = 17.0 / 441,
                                      [PX_CARRIER_EC_M] = 14.0 / 441,
                                      [PX_CARRIER_EC_Q] = 11.0 / 441,
                                      [PX_CARRIER_EC_H] = 7.0 / 441};
#define DM_DENSITY (3.0 / 100)
/* The largest step from one symbol size to the next: QR 4 modules a version, Data Matrix 16
 * (104x104 to 120x120). */
#define QR_STEP 4
#define DM_STEP 16

uint64_t px_carrier_pixels_bound(size_t len, int qr, const px_carrier_opts *o)
{
    /* The symbol chosen is the smallest that holds the payload: the first (QR 21, Data
     * Matrix 10 modules), or one after a symbol that held less than len, whose side s0 has
     * density * s0^2 < len, so the chosen side is below sqrt(len / density) + the step: an
     * upper bound, never above the largest symbol. */
    int ec = o->qr_ec >= PX_CARRIER_EC_DEFAULT && o->qr_ec <= PX_CARRIER_EC_H ? (int)o->qr_ec : 0;
    double density = qr ? k_qr_density[ec] : DM_DENSITY;
    double need = qr ? (double)len : (double)len + 1; /* Data Matrix: FNC1 first */
    double side = sqrt(need / density) + (qr ? QR_STEP : DM_STEP);
    int max = qr ? QR_V40_MODULES : DM_SQUARE_MODULES, min = qr ? 21 : 10;
    int s = side > max ? max : side < min ? min : (int)side;
    int quiet = o->quiet_zone_modules == PX_CARRIER_QUIET_DEFAULT ? quiet_default(qr)
                                                                  : o->quiet_zone_modules;
    uint64_t px = (uint64_t)(s + 2 * quiet) * (uint64_t)(o->module_px > 0 ? o->module_px : 1);
    return px * px;
}

px_rc px_carrier_check(px_carrier_matrix *scratch, const char *data, int qr,
                       const px_carrier_opts *o, px_err *err)
{
    /* A render checks the data first: so does this (no data: the encoder's own answer). */
    if (!data)
        return qr ? carrier__qr_text_check(NULL, o ? o->qr_ec : PX_CARRIER_EC_M, err)
                  : carrier__element_string_check(NULL, 0, err);
    if (!o)
        return px_err_set(err, PX_EINVALID, "invalid_option", "no render options given");
    if (fits_surely(data, qr, o)) {
        /* The data encodes, so only the drawing's checks are left; made on the largest
         * symbol they pass for every smaller one, and they refuse only options (no image of
         * valid options outgrows CARRIER_IMAGE_PX_MAX: (177 + 64) x 64 px at most). */
        largest(scratch, qr, o->shape);
        return px_carrier_drawable(scratch, o, err);
    }
    px_rc rc = qr ? px_carrier_qr_encode_ec(scratch, data, o->qr_ec, err)
                  : px_carrier_datamatrix_encode(scratch, data, strlen(data), o->shape, err);
    return rc == PX_OK ? px_carrier_drawable(scratch, o, err) : rc;
}
