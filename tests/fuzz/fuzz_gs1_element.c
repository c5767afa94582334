/* Element strings and scan data (]d2/]Q3/raw GS): gs1_parse -> element string -> gs1_parse. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[FUZZ_MAX_INPUT], out[2048], scan[2100];
    if (!fuzz_cstr(in, data, size))
        return 0;
    gs1_elements a, b;
    px_err err = PX_ERR_INIT;
    if (gs1_parse(&a, in, &err) != PX_OK) {
        /* errors must point inside the input */
        if (err.pos > (int)size || err.len < 0 || err.pos + err.len > (int)size + 1)
            abort();
        return 0;
    }
    fuzz_must(gs1_element_string_format(out, sizeof(out), &a, &err), &err, "format", in);
    fuzz_must(gs1_parse(&b, out, &err), &err, "reparse", out);
    fuzz_same(&a, &b, "element string", out);
    snprintf(scan, sizeof(scan), "]d2%s", out);
    fuzz_must(gs1_parse(&b, scan, &err), &err, "reparse ]d2", scan);
    fuzz_same(&a, &b, "]d2 scan data", scan);
    return 0;
}
