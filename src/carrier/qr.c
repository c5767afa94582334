/* QR Code of a pack's GS1 Digital Link URI (the GS1 Digital Link URI Syntax), for MAHs who want
 * consumers to scan to a verification page. ISO/IEC 18004 with libqrencode: level M (15 % recovery,
 * the usual choice for printed URIs), 8-bit byte mode, the smallest version that fits. A plain QR
 * Code (scanners transmit ]Q1 and the URI), not GS1 QR (]Q3): a Digital Link is read as a URI. */
#include <errno.h>
#include <qrencode.h>
#include <string.h>

#include "carrier.h"
#include "carrier_int.h"
#include "px_str.h"

px_rc px_carrier_qr_encode(px_carrier_matrix *m, const char *text, px_err *err)
{
    return px_carrier_qr_encode_ec(m, text, PX_CARRIER_EC_M, err);
}

px_rc carrier__qr_text_check(const char *text, px_carrier_ec ec, px_err *err)
{
    if ((int)ec < 0 || (int)ec > (int)PX_CARRIER_EC_H)
        return px_err_set(err, PX_EINVALID, "invalid_option", "unknown QR error correction %d",
                          (int)ec);
    if (!text || !text[0])
        return px_err_set(err, PX_EINVALID, "empty_payload", "QR text is empty");
    size_t len = strlen(text);
    if (len > PX_CARRIER_QR_TEXT_MAX)
        return px_err_set(err, PX_ETOOBIG, "payload_too_large",
                          "QR text of %zu bytes exceeds the maximum of %d", len,
                          PX_CARRIER_QR_TEXT_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c > 0x7E) {
            char nm[PX_CHAR_NAME_MAX];
            size_t w = px_char_name(nm, text + i, len - i);
            px_err_set(err, PX_EINVALID, "invalid_character",
                       "%s at position %zu is not printable ASCII", nm, i + 1);
            px_err_span(err, (int)i, (int)w);
            return PX_EINVALID;
        }
    }
    return PX_OK;
}

px_rc px_carrier_qr_encode_ec(px_carrier_matrix *m, const char *text, px_carrier_ec ec, px_err *err)
{
    static const QRecLevel levels[] = {[PX_CARRIER_EC_DEFAULT] = QR_ECLEVEL_M,
                                       [PX_CARRIER_EC_L] = QR_ECLEVEL_L,
                                       [PX_CARRIER_EC_M] = QR_ECLEVEL_M,
                                       [PX_CARRIER_EC_Q] = QR_ECLEVEL_Q,
                                       [PX_CARRIER_EC_H] = QR_ECLEVEL_H};
    static const char names[] = "MLMQH";
    px_rc rc = carrier__qr_text_check(text, ec, err);
    if (rc != PX_OK)
        return rc;
    size_t len = strlen(text);
    errno = 0;
    QRcode *qr = QRcode_encodeString8bit(text, 0, levels[ec]);
    if (!qr) {
        if (errno == ERANGE)
            return px_err_set(err, PX_ETOOBIG, "payload_too_large",
                              "QR text of %zu bytes does not fit a QR Code at level %c", len,
                              names[ec]);
        return px_err_set(err, PX_EINTERNAL, "internal", "libqrencode failed");
    }
    if (qr->width < 21 || qr->width > PX_CARRIER_MATRIX_MAX) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "libqrencode produced %d modules",
                        qr->width);
        goto done;
    }
    memset(m, 0, sizeof(*m));
    m->width = m->height = qr->width;
    m->quiet_default = 4; /* ISO/IEC 18004: 4X */
    /* libqrencode: one byte per module, row-major from the top, bit 0 = dark. */
    for (int y = 0; y < qr->width; y++) {
        const unsigned char *row = qr->data + (size_t)y * (size_t)qr->width;
        for (int x = 0; x < qr->width; x++)
            if (row[x] & 1)
                m->bits[y][x >> 3] |= (unsigned char)(0x80u >> (x & 7));
    }
done:
    QRcode_free(qr);
    return rc;
}

px_rc px_carrier_qr(px_buf *out, const char *text, const px_carrier_opts *o, px_err *err)
{
    px_carrier_matrix m;
    px_rc rc = px_carrier_qr_encode_ec(&m, text, o ? o->qr_ec : PX_CARRIER_EC_M, err);
    if (rc != PX_OK)
        return rc;
    return px_carrier_render(out, &m, o, err);
}
