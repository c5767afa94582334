/* gs1_parse: one entry point for every textual form a pack's data arrives in: scanner output with
 * an AIM symbology identifier, raw GS1 data with GS separators, bracketed HRI, or a GS1 Digital
 * Link URI. Input longer than GS1_INPUT_MAX is refused (input_too_long) before any parsing. */
#include <string.h>

#include "gs1_internal.h"
#include "px_array.h"

static int starts_with(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s, p, n) == 0;
}

static int is_uri(const char *s, size_t len)
{
    return starts_with(s, len, "http://") || starts_with(s, len, "https://") ||
           starts_with(s, len, "HTTP://") || starts_with(s, len, "HTTPS://");
}

/* AIM symbology identifiers (ISO/IEC 15424): these carry GS1 element strings, the leading FNC1
 * being implied by the identifier itself — ]d2 GS1 DataMatrix, ]Q3 GS1 QR, ]C1 GS1-128, ]e0 GS1
 * DataBar, ]J1 GS1 DotCode. */
static const char *const gs1_symids[] = {"]d2", "]Q3", "]C1", "]e0", "]J1"};
/* REQ-GS1-5: plain data of the same carriers (]d1 DataMatrix, ]Q1 QR, ]J0 DotCode) may carry
 * a Digital Link URI (GS1 DotCode is read exactly like DataMatrix). */
static const char *const plain_symids[] = {"]d1", "]Q1", "]J0"};

static int symid_in(const char *s, size_t len, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (starts_with(s, len, ids[i]))
            return 1;
    return 0;
}

/* gs1_parse, with the form it read in *form (gs1_parse_form's names). */
static px_rc parse(gs1_elements *out, const char *input, const char **form, px_err *err)
{
    /* REQ-GS1-6: the input limit has its own error code (GS1_INPUT_MAX, gs1.h). */
    size_t len = 0;
    while (len <= GS1_INPUT_MAX && input[len])
        len++;
    if (len > GS1_INPUT_MAX) {
        memset(out, 0, sizeof(*out));
        px_err_set(err, PX_ETOOBIG, "input_too_long", "input is longer than %d characters",
                   GS1_INPUT_MAX);
        px_err_span(err, GS1_INPUT_MAX, 1);
        return PX_ETOOBIG;
    }
    size_t skip = 0;
    if (symid_in(input, len, gs1_symids, PX_COUNT(gs1_symids))) {
        skip = 3;
        *form = "scan_data";
        return gs1__element_string_parse(out, input + skip, len - skip, skip, 1, err);
    }
    if (symid_in(input, len, plain_symids, PX_COUNT(plain_symids)))
        skip = 3;
    const char *s = input + skip;
    size_t n = len - skip;
    if (is_uri(s, n)) {
        *form = "digital_link";
        return gs1__dl_parse(out, s, n, skip, err);
    }
    if (skip) {
        memset(out, 0, sizeof(*out));
        px_err_set(err, PX_EINVALID, "invalid_symbology",
                   "\"%.3s\" data is not a GS1 Digital Link URI", input);
        px_err_span(err, 0, 3);
        return PX_EINVALID;
    }
    /* Bracketed HRI starts with "(" — spaces before it are not skipped but reported by the HRI
     * parser: spaces are never silently dropped. */
    size_t lead = 0;
    while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
        lead++;
    if (lead < n && s[lead] == '(') {
        *form = "hri";
        return gs1__hri_parse(out, s, n, 0, err);
    }
    *form = "element_string";
    return gs1__element_string_parse(out, s, n, 0, 0, err);
}

px_rc gs1_parse(gs1_elements *out, const char *input, px_err *err)
{
    const char *form;
    return parse(out, input, &form, err);
}

px_rc gs1_parse_form(gs1_elements *out, const char *input, const char **form, px_err *err)
{
    *form = "";
    if (strncmp(input, "urn:epc:", 8) == 0) {
        *form = "epc_uri";
        return gs1_epc_parse(out, NULL, NULL, input, err);
    }
    return parse(out, input, form, err);
}
