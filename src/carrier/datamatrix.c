/* GS1 DataMatrix encoding with libdmtx.
 *
 * ISO/IEC 16022 ECC 200; GS1 General Specifications, GS1 DataMatrix: FNC1 (codeword 232) in the
 * first position marks the symbol as GS1 (scanners transmit ]d2), and FNC1 separates an element
 * of variable length from the next one. libdmtx emits codeword 232 for every input byte equal to
 * DmtxPropFnc1; we use GS (0x1D), which is what a scanner transmits for a separator FNC1, so the
 * element string round-trips byte for byte. */
#include <dmtx.h>
#include <string.h>

#include "carrier.h"
#include "carrier_int.h"
#include "px_str.h"

px_rc carrier__element_string_check(const char *s, size_t len, px_err *err)
{
    if (!s || len == 0)
        return px_err_set(err, PX_EINVALID, "empty_payload", "element string is empty");
    if (len > PX_CARRIER_DM_DATA_MAX)
        return px_err_set(err, PX_ETOOBIG, "payload_too_large",
                          "element string of %zu bytes exceeds the Data Matrix maximum of %d",
                          len, PX_CARRIER_DM_DATA_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == CARRIER_GS) {
            /* The leading FNC1 is added here; a separator is never first, last or doubled
             * (GS1 General Specifications §7.8.4: no separator after the last element string). */
            if (i == 0 || i + 1 == len || (unsigned char)s[i + 1] == CARRIER_GS) {
                px_err_set(err, PX_EINVALID, "invalid_separator",
                           "GS separator at position %zu is %s", i + 1,
                           i == 0 ? "first (the leading FNC1 is added by the carrier)"
                                  : i + 1 == len ? "last" : "doubled");
                px_err_span(err, (int)i, 1);
                return PX_EINVALID;
            }
            continue;
        }
        if (c < 0x21 || c > 0x7E) {
            char nm[PX_CHAR_NAME_MAX];
            size_t w = px_char_name(nm, s + i, len - i);
            px_err_set(err, PX_EINVALID, "invalid_character",
                       "%s at position %zu cannot appear in a GS1 element string", nm, i + 1);
            px_err_span(err, (int)i, (int)w);
            return PX_EINVALID;
        }
    }
    return PX_OK;
}

/* Encodes FNC1 + element string at one pixel per module into m. Returns PX_OK, PX_ETOOBIG
 * when no symbol of the requested size class holds it, PX_EINTERNAL otherwise (err untouched
 * for PX_ETOOBIG: the caller words it). */
static px_rc encode(px_carrier_matrix *m, unsigned char *data, size_t n, int size_request,
                    px_err *err)
{
    px_rc rc;
    DmtxEncode *enc = dmtxEncodeCreate();
    if (!enc)
        return px_err_oom(err);
    /* ASCII encodation packs digit pairs into one codeword (the bulk of a pharma payload) and
     * accepts FNC1; EDIFACT refuses it. One pixel per module, no margin: the writers scale. */
    if (dmtxEncodeSetProp(enc, DmtxPropScheme, DmtxSchemeAscii) != DmtxPass ||
        dmtxEncodeSetProp(enc, DmtxPropFnc1, CARRIER_GS) != DmtxPass ||
        dmtxEncodeSetProp(enc, DmtxPropSizeRequest, size_request) != DmtxPass ||
        dmtxEncodeSetProp(enc, DmtxPropModuleSize, 1) != DmtxPass ||
        dmtxEncodeSetProp(enc, DmtxPropMarginSize, 0) != DmtxPass ||
        dmtxEncodeSetProp(enc, DmtxPropPixelPacking, DmtxPack8bppK) != DmtxPass) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "libdmtx refused an encoder property");
        goto done;
    }
    /* dmtxEncodeDataMatrix returns DmtxPass (1) on success. With valid ASCII input the only
     * failure is a payload too large for the requested size class. */
    if (dmtxEncodeDataMatrix(enc, (int)n, data) != DmtxPass) {
        rc = PX_ETOOBIG;
        goto done;
    }
    const DmtxImage *img = enc->image;
    if (!img || img->width < 8 || img->height < 8 || img->width > PX_CARRIER_MATRIX_MAX ||
        img->height > PX_CARRIER_MATRIX_MAX || img->bytesPerPixel != 1) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "libdmtx produced an unexpected image");
        goto done;
    }
    memset(m, 0, sizeof(*m));
    m->width = img->width;
    m->height = img->height;
    m->quiet_default = 1; /* ISO/IEC 16022: 1X on every side */
    /* img->pxl row 0 is the top row (dmtxImageGetPixelValue counts y from the bottom; we read
     * the pixels directly). 8bppK: 0 = dark module. */
    for (int y = 0; y < m->height; y++) {
        const unsigned char *row = img->pxl + (size_t)y * (size_t)img->rowSizeBytes;
        unsigned char *bits = m->bits[y];
        for (int x = 0; x < m->width; x++)
            if (row[x] < 128)
                bits[x >> 3] |= (unsigned char)(0x80u >> (x & 7));
    }
    rc = PX_OK;
done:
    dmtxEncodeDestroy(&enc);
    return rc;
}

/* encode, with its PX_ETOOBIG worded for the caller: the element string (data less its leading
 * FNC1) does not fit what, the symbol asked for. */
static px_rc encode_or_refuse(px_carrier_matrix *m, unsigned char *data, size_t n, int size_request,
                              const char *what, px_err *err)
{
    px_rc rc = encode(m, data, n, size_request, err);
    if (rc == PX_ETOOBIG)
        return px_err_set(err, PX_ETOOBIG, "payload_too_large",
                          "element string of %zu bytes does not fit %s", n - 1, what);
    return rc;
}

px_rc px_carrier_datamatrix_encode(px_carrier_matrix *m, const char *element_string, size_t len,
                                   px_carrier_shape shape, px_err *err)
{
    px_rc rc = carrier__element_string_check(element_string, len, err);
    if (rc != PX_OK)
        return rc;
    if (shape != PX_CARRIER_SQUARE && shape != PX_CARRIER_RECT && shape != PX_CARRIER_AUTO)
        return px_err_set(err, PX_EINVALID, "invalid_option", "unknown symbol shape %d",
                          (int)shape);

    /* FNC1 in first position, then the element string (GS = separator FNC1). */
    unsigned char data[PX_CARRIER_DM_DATA_MAX + 1];
    data[0] = CARRIER_GS;
    memcpy(data + 1, element_string, len);
    size_t n = len + 1;

    if (shape == PX_CARRIER_RECT)
        return encode_or_refuse(m, data, n, DmtxSymbolRectAuto,
                                "a rectangular Data Matrix (largest 16x48); use a square symbol",
                                err);
    rc = encode_or_refuse(m, data, n, DmtxSymbolSquareAuto, "a Data Matrix (largest 144x144)", err);
    if (rc != PX_OK || shape == PX_CARRIER_SQUARE)
        return rc;
    /* Auto: libdmtx refuses DmtxSymbolShapeAuto for encoding, so try a rectangle too and keep
     * the symbol with fewer modules (the square on a tie). */
    px_carrier_matrix r;
    rc = encode(&r, data, n, DmtxSymbolRectAuto, err);
    if (rc == PX_ETOOBIG)
        return PX_OK;
    if (rc != PX_OK)
        return rc;
    if (r.width * r.height < m->width * m->height)
        memcpy(m, &r, sizeof(r));
    return PX_OK;
}

px_rc px_carrier_datamatrix(px_buf *out, const char *element_string, size_t len,
                            const px_carrier_opts *o, px_err *err)
{
    px_carrier_matrix m;
    px_rc rc = px_carrier_datamatrix_encode(&m, element_string, len, o->shape, err);
    if (rc != PX_OK)
        return rc;
    return px_carrier_render(out, &m, o, err);
}
