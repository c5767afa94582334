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
#include <string.h>

#include "carrier.h"
#include "carrier_int.h"

#define DM_SQUARE_CODEWORDS 1558 /* 144x144 */
#define DM_RECT_CODEWORDS 49     /* 16x48 */
#define DM_SQUARE_MODULES 144
#define DM_RECT_WIDTH 48
#define DM_RECT_HEIGHT 16
#define QR_V40_MODULES PX_CARRIER_MATRIX_MAX

/* The largest matrix of a kind, as the encoder would leave it: the drawing's checks only grow
 * with the matrix, so when this one passes them every symbol of the kind does. */
static void largest(px_carrier_matrix *m, int qr, px_carrier_shape shape)
{
    m->width = qr ? QR_V40_MODULES : shape == PX_CARRIER_RECT ? DM_RECT_WIDTH : DM_SQUARE_MODULES;
    m->height = qr ? QR_V40_MODULES : shape == PX_CARRIER_RECT ? DM_RECT_HEIGHT : DM_SQUARE_MODULES;
    m->quiet_default = qr ? 4 : 1;
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
