/* ndc — the one reading of an NDC (ndc.h): the catalog refuses what the report cannot carry. */
#include "ndc.h"

#include <string.h>

#include "px_array.h"

/* The segment lengths a printed NDC may have; each pads to 5-4-2. */
static const int k_layouts[][3] = {{4, 4, 2}, {5, 3, 2}, {5, 4, 1}, {5, 4, 2}};

static int digits_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int px_ndc11(char out[12], const char *ndc)
{
    size_t len = strlen(ndc);
    if (len == 11 && digits_only(ndc, 11)) {
        memcpy(out, ndc, 12);
        return 1;
    }
    const char *h1 = strchr(ndc, '-');
    const char *h2 = h1 ? strchr(h1 + 1, '-') : NULL;
    if (!h2 || strchr(h2 + 1, '-'))
        return 0;
    const char *seg[3] = {ndc, h1 + 1, h2 + 1};
    int n[3] = {(int)(h1 - ndc), (int)(h2 - h1 - 1), (int)(ndc + len - h2 - 1)};
    for (int i = 0; i < 3; i++)
        if (!digits_only(seg[i], (size_t)n[i]))
            return 0;
    static const int want[3] = {5, 4, 2};
    for (size_t l = 0; l < PX_COUNT(k_layouts); l++) {
        if (n[0] != k_layouts[l][0] || n[1] != k_layouts[l][1] || n[2] != k_layouts[l][2])
            continue;
        size_t o = 0;
        for (int i = 0; i < 3; i++) {
            for (int k = n[i]; k < want[i]; k++)
                out[o++] = '0';
            memcpy(out + o, seg[i], (size_t)n[i]);
            o += (size_t)n[i];
        }
        out[o] = '\0';
        return 1;
    }
    return 0;
}
