#include "dl_resolve.h"

#include <string.h>

#include "px_array.h"
#include "px_str.h"

const char *px_link_type_suffix(const char *t)
{
    static const char *const ns[] = {"gs1:", "https://ref.gs1.org/voc/", "https://gs1.org/voc/",
                                     "https://www.gs1.org/voc/", "http://gs1.org/voc/"};
    for (size_t i = 0; i < PX_COUNT(ns); i++) {
        size_t n = strlen(ns[i]);
        if (strncmp(t, ns[i], n) == 0)
            return t + n;
    }
    return t;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int same_ci(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (lower((unsigned char)a[i]) != b[i])
            return 0;
    return 1;
}

/* The q value (RFC 9110 §12.4.2) of one media range's parameters, in thousandths. */
static int qvalue(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && lower((unsigned char)p[0]) == 'q' && p[1] == '=') {
            p += 2;
            int q = 0, scale = 1000;
            if (p < end && *p == '1')
                return 1000;
            if (p < end && *p == '0')
                p++;
            if (p < end && *p == '.')
                for (p++; p < end && *p >= '0' && *p <= '9' && scale > 1; p++) {
                    scale /= 10;
                    q += (*p - '0') * scale;
                }
            return q;
        }
        while (p < end && *p != ';')
            p++;
    }
    return 1000;
}

/* One element of a comma-separated header list with q values (Accept, Accept-Language; RFC
 * 9110 §5.6.1, §12.4.2): from *p, the element's name (*name, *n bytes) and its q; *p moves
 * past it. 0 when the list has no element left. */
static int next_element(const char **p, const char **name, size_t *n, int *q)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == ',')
        s++;
    if (!*s)
        return 0;
    const char *end = s;
    while (*end && *end != ',')
        end++;
    const char *semi = s;
    while (semi < end && *semi != ';' && *semi != ' ' && *semi != '\t')
        semi++;
    *name = s;
    *n = (size_t)(semi - s);
    *q = qvalue(semi, end);
    *p = end;
    return 1;
}

px_resolve_answer px_resolve_choose(const char *accept, const char *link_type, char *suffix,
                                    size_t cap)
{
    if (cap)
        suffix[0] = '\0';
    if (link_type && link_type[0]) {
        const char *s = px_link_type_suffix(link_type);
        /* The GS1-Conformant Resolver Standard: linkset, or its older spelling "all", answers
         * the linkset and never redirects. The default link is packid's own page. */
        if (strcmp(s, "linkset") == 0 || strcmp(s, "all") == 0)
            return PX_RESOLVE_LINKSET;
        if (strcmp(s, "defaultLink") == 0)
            return PX_RESOLVE_PAGE;
        /* Cut, if it must be, between characters: the suffix is echoed in a JSON answer. */
        if (cap)
            px_strlcpy(suffix, s, cap);
        return PX_RESOLVE_LINK;
    }
    if (!accept)
        return PX_RESOLVE_PAGE;
    /* The best of the three media types packid serves; on equal q the linkset (asked for by
     * name, the GS1-Conformant Resolver Standard), then the page (a browser's Accept lists
     * text/html), then JSON. */
    int q_set = -1, q_html = -1, q_json = -1, q_any = -1, q_app = -1;
    const char *p = accept, *name;
    size_t n;
    int q;
    while (next_element(&p, &name, &n, &q)) {
        if (same_ci(name, n, "application/linkset+json"))
            q_set = q;
        else if (same_ci(name, n, "text/html") || same_ci(name, n, "application/xhtml+xml"))
            q_html = q > q_html ? q : q_html;
        else if (same_ci(name, n, "application/json"))
            q_json = q;
        else if (same_ci(name, n, "application/*"))
            q_app = q; /* RFC 9110 §12.5.1: every application type, JSON the one packid has */
        else if (same_ci(name, n, "*/*") || same_ci(name, n, "text/*"))
            q_any = q > q_any ? q : q_any;
    }
    if (q_html < 0)
        q_html = q_any;
    if (q_json < 0)
        q_json = q_app;
    if (q_set > 0 && q_set >= q_html && q_set >= q_json)
        return PX_RESOLVE_LINKSET;
    if (q_json > 0 && q_json > q_html)
        return PX_RESOLVE_JSON;
    return PX_RESOLVE_PAGE;
}

/* How closely the language range r (rn bytes) matches tag, 0 when it does not: "*" matches
 * every tag (1); a range that is the tag or a prefix of it at a '-' (RFC 4647 §3.3.1 basic
 * filtering: "en" for "en-GB"), or the tag a prefix of the range at a '-' (§3.4 lookup, which
 * truncates "es-ES" to "es"), scores by the subtags they share, an exact match above all. */
static size_t range_match(const char *r, size_t rn, const char *tag)
{
    if (rn == 1 && r[0] == '*')
        return 1;
    size_t tn = strlen(tag), n = rn < tn ? rn : tn;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)r[i]) != lower((unsigned char)tag[i]))
            return 0;
    if (rn == tn)
        return 2 * n + 2;
    if ((rn < tn ? tag[rn] : r[tn]) != '-')
        return 0;
    return 2 * n + 1;
}

int px_resolve_language_q(const char *accept_language, const char *lang)
{
    if (!accept_language || !lang || !lang[0])
        return -1;
    int best_q = -1, q;
    size_t best = 0, n;
    const char *p = accept_language, *name;
    while (next_element(&p, &name, &n, &q)) {
        /* The closest matching range decides ("en-GB;q=0.2, en" wants en-GB little). */
        size_t m = n ? range_match(name, n, lang) : 0;
        if (m > best) {
            best_q = q;
            best = m;
        }
    }
    return best_q;
}
