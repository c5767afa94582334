/* The NDC's one reading (domain/ndc.c): the forms the catalog takes, each with the 11-digit
 * form the DSCSA report carries, written out from the GS1 US implementation guideline's
 * layouts (4-4-2, 5-3-2 and 5-4-1 padded to 5-4-2), and the forms it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ndc.h"
#include "px_array.h"

static void test_domain__ndc11(void)
{
    static const struct {
        const char *ndc, *want; /* want NULL: refused */
        int line;
    } v[] = {
        {"1234-5678-90", "01234567890", __LINE__},
        {"12345-678-90", "12345067890", __LINE__},
        {"12345-6789-1", "12345678901", __LINE__},
        {"12345-6789-01", "12345678901", __LINE__},
        {"12345678901", "12345678901", __LINE__},
        {"1234567890", NULL, __LINE__}, /* ten bare digits: which layout? */
        {"123456789012", NULL, __LINE__},
        {"123-4567-890", NULL, __LINE__},
        {"12345-6789-123", NULL, __LINE__},
        {"1234-567-89", NULL, __LINE__},
        {"1-2-3", NULL, __LINE__},
        {"12345--6789", NULL, __LINE__},
        {"1234-5678-9a", NULL, __LINE__},
        {"1234-5678-90-", NULL, __LINE__},
        {"-1234-5678-90", NULL, __LINE__},
        {"", NULL, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char out[12] = "";
        int ok = px_ndc11(out, v[i].ndc);
        if (ok != (v[i].want != NULL) || (ok && strcmp(out, v[i].want) != 0))
            fail_msg("line %d: %s -> %d %s", v[i].line, v[i].ndc, ok, out);
    }
}
