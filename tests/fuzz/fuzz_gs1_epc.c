/* EPC URIs: gs1_epc_parse -> gs1_epc_format (same GCP length) -> gs1_epc_parse; and the
 * constrained DL of gs1_epc_to_dl must parse back to the same elements. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[FUZZ_MAX_INPUT], out[GS1_EPC_URI_MAX], dl[GS1_DL_MAX];
    if (!fuzz_cstr(in, data, size))
        return 0;
    gs1_elements a, b;
    gs1_epc_kind ka, kb;
    int la = 0, lb = 0;
    px_err err = PX_ERR_INIT;
    if (gs1_epc_parse(&a, &ka, &la, in, &err) != PX_OK) {
        if (err.pos > (int)size || err.len < 0)
            abort();
        return 0;
    }
    fuzz_must(gs1_epc_format(out, sizeof(out), &a, la, &err), &err, "epc format", in);
    fuzz_must(gs1_epc_parse(&b, &kb, &lb, out, &err), &err, "epc reparse", out);
    fuzz_same(&a, &b, "EPC URI", out);
    if (ka != kb || la != lb)
        abort();
    fuzz_must(gs1_epc_to_dl(dl, sizeof(dl), in, &err), &err, "epc to dl", in);
    fuzz_must(gs1_dl_parse(&b, dl, &err), &err, "dl of epc", dl);
    fuzz_same(&a, &b, "EPC -> DL", dl);
    if (ka == GS1_EPC_SGTIN) {
        /* gs1_epc_parse skips the element validation of an SGTIN: it must have nothing left
         * to refuse. An SGTIN's DL is written directly (no gs1_dl_format): the same bytes as
         * the general path, and as gs1_sgtin_to_dl from its GTIN and serial. */
        fuzz_must(gs1_elements_validate(&a, &err), &err, "sgtin elements", in);
        char general[GS1_DL_MAX], direct[GS1_DL_MAX];
        fuzz_must(gs1_dl_format(general, sizeof(general), NULL, &a, &err), &err, "dl format", in);
        fuzz_must(gs1_sgtin_to_dl(direct, sizeof(direct), a.items[0].value, a.items[1].value, &err),
                  &err, "sgtin dl", in);
        if (strcmp(dl, general) != 0 || strcmp(direct, general) != 0)
            abort();
    }
    return 0;
}
