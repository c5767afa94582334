/* Golden documents: epcis/examples/<profile>.xml must equal, byte for byte, what the
 * fixtures produce today (regenerate with scripts/epcis-golden.sh), and each committed file
 * must validate against the official EPCIS 1.2 XSD (../shared/tools/epcis-validate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "epcis.h"
#include "epcis_fixtures.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    px_buf b;
    px_buf_init(&b, 1 << 24);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        assert_int_equal(px_buf_add(&b, chunk, n), PX_OK);
    fclose(f);
    *len = b.len;
    return px_buf_take(&b);
}

static void test_epcis__golden_documents(void)
{
    for (int p = 0; p < PX_EPCIS_PROFILE__COUNT; p++) {
        const char *name = px_epcis_profile_get((px_epcis_profile)p)->name;
        char path[1024];
        snprintf(path, sizeof(path), "%s/epcis/examples/%s.xml", PX_SOURCE_DIR, name);
        size_t len = 0;
        char *golden = slurp(path, &len);
        if (!golden)
            fail_msg("%s missing: run scripts/epcis-golden.sh", path);
        px_buf doc;
        px_err err;
        assert_int_equal(
            fx_new_document(&doc, 1 << 22, PX_EPCIS_FORMAT_XML_1_2, (px_epcis_profile)p, -1, &err),
            PX_OK);
        if (doc.len != len || memcmp(doc.data, golden, len) != 0)
            fail_msg("%s differs from the writer's output: run scripts/epcis-golden.sh and "
                     "review the diff", path);
        char cmd[2048];
        snprintf(cmd, sizeof(cmd), "'%s/tools/epcis-validate' '%s' 1>&2", PX_SHARED_DIR, path);
        if (system(cmd) != 0)
            fail_msg("%s does not validate against the EPCIS 1.2 XSD", path);
        free(golden);
        px_buf_dispose(&doc);
    }
}
