/* epcis_golden_gen OUTDIR — writes the golden documents epcis/examples/<profile>.xml (one per
 * profile, every event kind, fixed clock and ids). Run through scripts/epcis-golden.sh;
 * test_epcis_golden checks the committed files against this output byte for byte. */
#include <stdio.h>

#include "epcis_fixtures.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: epcis_golden_gen OUTDIR\n");
        return 2;
    }
    for (int p = 0; p < PX_EPCIS_PROFILE__COUNT; p++) {
        const px_epcis_profile_info *info = px_epcis_profile_get((px_epcis_profile)p);
        px_buf doc;
        px_buf_init(&doc, 1 << 22);
        px_err err = PX_ERR_INIT;
        if (fx_write_document(&doc, (px_epcis_profile)p, -1, &err) != PX_OK) {
            fprintf(stderr, "epcis_golden_gen: %s: %s\n", info->name, err.message);
            px_buf_dispose(&doc);
            return 1;
        }
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s.xml", argv[1], info->name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(doc.data, 1, doc.len, f) != doc.len || fclose(f) != 0) {
            fprintf(stderr, "epcis_golden_gen: cannot write %s\n", path);
            px_buf_dispose(&doc);
            return 1;
        }
        printf("%s\n", path);
        px_buf_dispose(&doc);
    }
    return 0;
}
