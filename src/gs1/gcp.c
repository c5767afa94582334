/* GS1 Company Prefix length from GS1's GCP prefix format list.
 *
 * The caller reads the XML file (gs1 does no I/O); this scans the buffer without allocating:
 * every <entry prefix="…" gcpLength="…"/> is compared with the key, and the longest matching
 * prefix wins (getGCPLength.py searches prefix lengths 12 down to 3). */
#include <string.h>

#include "gs1.h"

/* Value of attribute name="…" inside the tag [p, end), or NULL. */
static const char *attr(const char *p, const char *end, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    for (; p + n + 2 <= end; p++) {
        if (memcmp(p, name, n) == 0 && p[n] == '=' && p[n + 1] == '"' &&
            (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r')) {
            const char *v = p + n + 2, *q = v;
            while (q < end && *q != '"')
                q++;
            if (q >= end)
                return NULL;
            *vlen = (size_t)(q - v);
            return v;
        }
    }
    return NULL;
}

int gs1_gcp_length_lookup(const char *xml, size_t xml_len, const char *key, int gcppos)
{
    if (!xml || !key || (gcppos != 1 && gcppos != 2))
        return -1;
    size_t klen = strlen(key);
    if (klen < (size_t)gcppos)
        return -1;
    /* gcppos2 keys (GTIN, SSCC): the prefix starts after the indicator / extension digit. */
    const char *region = key + (gcppos - 1);
    size_t rlen = klen - (size_t)(gcppos - 1);
    const char *end = xml + xml_len;
    size_t best_len = 0;
    int best = -1;
    for (const char *p = xml; p + 6 < end; p++) {
        if (*p != '<' || memcmp(p + 1, "entry", 5) != 0)
            continue;
        const char *tag_end = p + 6;
        while (tag_end < end && *tag_end != '>')
            tag_end++;
        size_t plen = 0, llen = 0;
        const char *pre = attr(p + 6, tag_end, "prefix", &plen);
        const char *gl = attr(p + 6, tag_end, "gcpLength", &llen);
        p = tag_end - 1;
        if (!pre || !gl || plen == 0 || plen > rlen || plen <= best_len || llen == 0 || llen > 2 ||
            memcmp(pre, region, plen) != 0)
            continue;
        int v = 0;
        for (size_t i = 0; i < llen; i++) {
            if (gl[i] < '0' || gl[i] > '9') {
                v = -1;
                break;
            }
            v = v * 10 + (gl[i] - '0');
        }
        if (v <= 0)
            continue;
        best = v;
        best_len = plen;
    }
    return best;
}
