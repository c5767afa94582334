/* GS1 identification keys: mod-10 check digit, GTIN/GLN/SSCC validation (GS1 General
 * Specifications). */
#include <string.h>

#include "gs1.h"

/* GenSpecs §7.9 "Standard check digit calculations": weights 3,1,3,… from the right,
 * starting with the digit next to the check digit. */
int gs1_check_digit(const char *digits, size_t len)
{
    int sum = 0;
    int w = 3;
    for (size_t i = len; i-- > 0;) {
        unsigned char c = (unsigned char)digits[i];
        if (c < '0' || c > '9')
            return -1;
        sum += (c - '0') * w;
        w = 4 - w;
    }
    return '0' + (10 - sum % 10) % 10;
}

static px_rc digits_only(const char *s, size_t len, const char *what, px_err *err)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            px_err_set(err, PX_EINVALID, "invalid_character", "%s: character %zu is not a digit",
                       what, i + 1);
            px_err_span(err, (int)i, 1);
            return PX_EINVALID;
        }
    }
    return PX_OK;
}

static px_rc key_check(const char *key, size_t len, const char *what, px_err *err)
{
    if (len < 2) {
        px_err_set(err, PX_EINVALID, "invalid_length", "%s: too short", what);
        px_err_span(err, 0, (int)len);
        return PX_EINVALID;
    }
    px_rc rc = digits_only(key, len, what, err);
    if (rc != PX_OK)
        return rc;
    /* REQ-GS1-ZERO: a key of zeros only carries a valid check digit but no GS1 Company Prefix:
     * GS1 never allocates it (GS1 General Specifications §1.4: keys are built on a company
     * prefix), so it is refused as a product, location or container. */
    size_t zeros = 0;
    while (zeros < len && key[zeros] == '0')
        zeros++;
    if (zeros == len) {
        px_err_set(err, PX_EINVALID, "invalid_key", "%s: a key of zeros only is never allocated",
                   what);
        px_err_span(err, 0, (int)len);
        return PX_EINVALID;
    }
    int cd = gs1_check_digit(key, len - 1);
    if (cd != key[len - 1]) {
        px_err_set(err, PX_EINVALID, "invalid_check_digit",
                   "%s: check digit is '%c', expected '%c'", what, key[len - 1], cd);
        px_err_span(err, (int)len - 1, 1);
        return PX_EINVALID;
    }
    return PX_OK;
}

px_rc gs1_key_validate(const char *key, size_t len, px_err *err)
{
    return key_check(key, len, "key", err);
}

static px_rc fixed_key(const char *key, size_t want, const char *what, px_err *err)
{
    size_t len = key ? strlen(key) : 0;
    if (len != want) {
        px_err_set(err, PX_EINVALID, "invalid_length", "%s must be %zu digits, got %zu", what, want,
                   len);
        px_err_span(err, 0, (int)len);
        return PX_EINVALID;
    }
    return key_check(key, len, what, err);
}

/* GTIN-8/12/13 are left-padded with '0'; the check digit is unchanged because the weighting
 * is anchored at the right. */
px_rc gs1_gtin_normalize(char out[GS1_GTIN_LEN + 1], const char *in, px_err *err)
{
    size_t len = in ? strlen(in) : 0;
    if (len != 8 && len != 12 && len != 13 && len != 14) {
        px_err_set(err, PX_EINVALID, "invalid_length",
                   "GTIN must have 8, 12, 13 or 14 digits, got %zu", len);
        px_err_span(err, 0, (int)len);
        return PX_EINVALID;
    }
    px_rc rc = key_check(in, len, "GTIN", err);
    if (rc != PX_OK)
        return rc;
    size_t pad = GS1_GTIN_LEN - len;
    memset(out, '0', pad);
    memcpy(out + pad, in, len);
    out[GS1_GTIN_LEN] = '\0';
    return PX_OK;
}

px_rc gs1_gln_validate(const char *gln, px_err *err)
{
    return fixed_key(gln, GS1_GLN_LEN, "GLN", err);
}

px_rc gs1_sscc_validate(const char *sscc, px_err *err)
{
    return fixed_key(sscc, GS1_SSCC_LEN, "SSCC", err);
}
