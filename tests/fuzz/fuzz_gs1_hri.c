/* Bracketed HRI: gs1_parse("(..)..") -> gs1_hri_format -> gs1_parse. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[FUZZ_MAX_INPUT + 1], out[2048];
    if (size + 1 >= FUZZ_MAX_INPUT)
        return 0;
    /* Keep the harness on the HRI parser: the input always starts with "(". */
    in[0] = '(';
    if (!fuzz_cstr(in + 1, data, size))
        return 0;
    gs1_elements a, b;
    px_err err = PX_ERR_INIT;
    if (gs1_parse(&a, in, &err) != PX_OK) {
        if (err.pos > (int)size + 1 || err.len < 0)
            abort();
        return 0;
    }
    fuzz_must(gs1_hri_format(out, sizeof(out), &a, &err), &err, "hri format", in);
    fuzz_must(gs1_parse(&b, out, &err), &err, "hri reparse", out);
    fuzz_same(&a, &b, "HRI", out);
    return 0;
}
