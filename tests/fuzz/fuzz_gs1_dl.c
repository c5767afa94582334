/* GS1 Digital Link: gs1_dl_parse -> gs1_dl_format (canonical) -> gs1_dl_parse, and through the
 * compressed forms: gs1_dl_compress_elements (fully, partially) -> gs1_dl_parse, and
 * gs1_dl_decompress of the input -> gs1_dl_parse. */
#include "fuzz_common.h"
#include "px_array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[FUZZ_MAX_INPUT], out[4 * FUZZ_MAX_INPUT];
    if (!fuzz_cstr(in, data, size))
        return 0;
    gs1_elements a, b;
    px_err err = PX_ERR_INIT;
    if (gs1_dl_parse(&a, in, &err) != PX_OK) {
        if (err.pos > (int)size || err.len < 0)
            abort();
        return 0;
    }
    fuzz_must(gs1_dl_format(out, sizeof(out), NULL, &a, &err), &err, "dl format", in);
    fuzz_must(gs1_dl_parse(&b, out, &err), &err, "dl reparse", out);
    fuzz_same_set(&a, &b, "Digital Link", out); /* a compressed input is in AI order */
    static const unsigned modes[] = {0, GS1_DL_PARTIAL, GS1_DL_OPTIMISE,
                                     GS1_DL_PARTIAL | GS1_DL_OPTIMISE};
    for (size_t m = 0; m < PX_COUNT(modes); m++) {
        fuzz_must(gs1_dl_compress_elements(out, sizeof(out), NULL, &a, modes[m], &err), &err,
                  "dl compress", in);
        fuzz_must(gs1_dl_parse(&b, out, &err), &err, "compressed dl reparse", out);
        fuzz_same_set(&a, &b, "compressed Digital Link", out);
    }
    /* gs1_dl_decompress keeps the non-GS1 parameters, within documented limits
     * (invalid_query past them; dl_too_long when the written-out path would pass the parser's
     * segment bound); gs1_dl_parse only skips them. */
    px_rc rc = gs1_dl_decompress(out, sizeof(out), in, &err);
    if (rc != PX_OK &&
        (strcmp(err.code, "invalid_query") == 0 || strcmp(err.code, "dl_too_long") == 0))
        return 0;
    fuzz_must(rc, &err, "dl decompress", in);
    fuzz_must(gs1_dl_parse(&b, out, &err), &err, "decompressed dl reparse", out);
    fuzz_same_set(&a, &b, "decompressed Digital Link", out);
    return 0;
}
