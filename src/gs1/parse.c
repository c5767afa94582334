/* gs1_parse: one entry point for every textual form a pack's data arrives in (DOMAIN.md §3,
 * §4): scanner output with an AIM symbology identifier, raw GS1 data with GS separators,
 * bracketed HRI, or a GS1 Digital Link URI. */
#include <string.h>

#include "gs1_internal.h"

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

px_rc gs1_parse(gs1_elements *out, const char *input, px_err *err)
{
    size_t len = strlen(input);
    size_t skip = 0;
    /* AIM symbology identifiers (DOMAIN.md §3): ]d2 GS1 DataMatrix, ]Q3 GS1 QR, ]C1 GS1-128,
     * ]e0 GS1 DataBar, ]J1 GS1 DotCode carry element strings; ]d1 / ]Q1 (plain DataMatrix/QR)
     * carry a Digital Link URI. */
    if (starts_with(input, len, "]d2") || starts_with(input, len, "]Q3") ||
        starts_with(input, len, "]C1") || starts_with(input, len, "]e0") ||
        starts_with(input, len, "]J1")) {
        skip = 3;
        return gs1__element_string_parse(out, input + skip, len - skip, skip, err);
    }
    if (starts_with(input, len, "]d1") || starts_with(input, len, "]Q1"))
        skip = 3;
    const char *s = input + skip;
    size_t n = len - skip;
    if (is_uri(s, n))
        return gs1__dl_parse(out, s, n, skip, err);
    if (skip) {
        px_err_set(err, PX_EINVALID, "invalid_symbology",
                   "\"%.3s\" data is not a GS1 Digital Link URI", input);
        px_err_span(err, 0, 3);
        return PX_EINVALID;
    }
    size_t lead = 0;
    while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
        lead++;
    if (lead < n && s[lead] == '(')
        return gs1__hri_parse(out, s, n, 0, err);
    return gs1__element_string_parse(out, s, n, 0, err);
}
