/* SSCC, AI (00): building one from its parts and checking it belongs to a company prefix
 * (GS1 General Specifications §3.3.1). Pure: no heap, no I/O. */
#include <string.h>

#include "gs1.h"
#include "px_str.h"

/* Ten to the power n for n <= 19 (fits uint64_t). */
static uint64_t pow10u(int n)
{
    uint64_t v = 1;
    while (n-- > 0)
        v *= 10u;
    return v;
}

static px_rc gcp_check(const char *gcp, size_t *len, px_err *err)
{
    size_t n = gcp ? strlen(gcp) : 0;
    /* The EPC URI partitions of TDS §14 span 6 to 12 digits; an SSCC's serial reference then
     * has 16 - L digits, 4 to 10. */
    if (!gs1_gcp_len_valid((long)n)) {
        px_err_set(err, PX_EINVALID, "invalid_length",
                   "company prefix must have %d to %d digits, got %zu", GS1_GCP_LEN_MIN,
                   GS1_GCP_LEN_MAX, n);
        px_err_span(err, 0, (int)n);
        return PX_EINVALID;
    }
    for (size_t i = 0; i < n; i++) {
        if (gcp[i] < '0' || gcp[i] > '9') {
            px_err_set(err, PX_EINVALID, "invalid_character",
                       "company prefix: character %zu is not a digit", i + 1);
            px_err_span(err, (int)i, 1);
            return PX_EINVALID;
        }
    }
    *len = n;
    return PX_OK;
}

uint64_t gs1_sscc_capacity(int gcp_len)
{
    if (!gs1_gcp_len_valid(gcp_len))
        return 0;
    /* 16 - L digits: 10^(16-L) serial references per extension digit. */
    return pow10u(16 - gcp_len);
}

int gs1_gcp_valid(const char *s)
{
    size_t n = strlen(s);
    return gs1_gcp_len_valid((long)n) && px_digits(s, n);
}

px_rc gs1_sscc_build(char out[GS1_SSCC_LEN + 1], int ext, const char *gcp, uint64_t ref,
                     px_err *err)
{
    out[0] = '\0';
    size_t l;
    px_rc rc = gcp_check(gcp, &l, err);
    if (rc != PX_OK)
        return rc;
    if (ext < 0 || ext > 9)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "extension_digit",
                                "extension digit must be 0 to 9, got %d", ext);
    uint64_t cap = gs1_sscc_capacity((int)l);
    if (ref >= cap)
        return px_err_set(err, PX_EEXHAUSTED, "sscc_exhausted",
                          "serial reference %llu does not fit in %d digits",
                          (unsigned long long)ref, 16 - (int)l);
    /* REQ-SSCC-1: GenSpecs §3.3.1: N1 extension digit, N2..N(1+L) company prefix, then the
     * serial reference right-aligned in 16 - L digits, N18 the check digit. */
    out[0] = (char)('0' + ext);
    memcpy(out + 1, gcp, l);
    for (size_t i = 16; i > l; i--) {
        out[i] = (char)('0' + ref % 10u);
        ref /= 10u;
    }
    out[17] = (char)gs1_check_digit(out, 17);
    out[18] = '\0';
    /* A key of zeros only is never allocated (REQ-GS1-ZERO); gcp_check let "000000" pass. */
    rc = gs1_sscc_validate(out, err);
    if (rc != PX_OK)
        out[0] = '\0';
    return rc;
}

px_rc gs1_sscc_check_prefix(const char *sscc, const char *gcp, px_err *err)
{
    px_rc rc = gs1_sscc_validate(sscc, err);
    if (rc != PX_OK)
        return rc;
    size_t l;
    if ((rc = gcp_check(gcp, &l, err)) != PX_OK)
        return rc;
    /* Syntax dictionary `00 N18,csum,gcppos2`: the prefix starts at the second digit. */
    if (memcmp(sscc + 1, gcp, l) != 0) {
        px_err_set(err, PX_EINVALID, "wrong_company_prefix",
                   "SSCC %s does not carry company prefix %s", sscc, gcp);
        px_err_span(err, 1, (int)l);
        return PX_EINVALID;
    }
    return PX_OK;
}
