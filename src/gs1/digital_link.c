/* GS1 Digital Link URIs: building and parsing (GS1 Digital Link URI Syntax 1.2+, as
 * implemented by gs1-syntax-engine dl.c). */
#include <string.h>

#include "gs1_ai.h"
#include "gs1_internal.h"
#include "px_str.h"

#define DL_MAX_SEGMENTS GS1__DL_MAX_SEGMENTS

/* ---- building ------------------------------------------------------------------------ */

/* As GS1's syntax engine: escape everything except RFC 3986 unreserved characters, uppercase
 * hex. */
void gs1__out_pct(gs1__out *o, const char *v)
{
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        char e[4];
        if (px_uri_unreserved(c)) {
            gs1__out_putc(o, (char)c);
        } else {
            px_pct_byte(e, c);
            gs1__out_puts(o, e);
        }
    }
}

/* The n-th alternative ("22,10,21" of "22,10,21|235") as a pointer and length. */
static int alt_get(const char *dlpkey, int n, const char **p, size_t *len)
{
    const char *s = dlpkey;
    for (int i = 0; i < n; i++) {
        s = strchr(s, '|');
        if (!s)
            return 0;
        s++;
    }
    *p = s;
    *len = strcspn(s, "|");
    return 1;
}

static int alt_has(const char *alt, size_t alen, const char *ai)
{
    size_t n = strlen(ai);
    for (const char *p = alt; p < alt + alen;) {
        size_t l = strcspn(p, ",|");
        if (l == n && memcmp(p, ai, n) == 0)
            return 1;
        p += l + 1;
    }
    return 0;
}

/* RFC 3986 authority as the DL grammar allows it: a host name or an [IP literal] with an
 * optional port 0–65535; no userinfo ("user@"), no IPv6 zone ("%25eth0"), no empty host.
 * One rule for gs1_dl_format's domain and gs1_dl_parse's input (REQ-GS1-4). */
static int authority_ok(const char *a, size_t n)
{
    size_t i = 0;
    if (n == 0)
        return 0;
    if (a[0] == '[') {
        for (i = 1; i < n && a[i] != ']'; i++)
            if (!(px_hexval((unsigned char)a[i]) >= 0 || a[i] == ':' || a[i] == '.'))
                return 0;
        if (i == n || i == 1)
            return 0;
        i++;
    } else {
        while (i < n && a[i] != ':') {
            if (a[i] == '@' || a[i] == '%' || a[i] == '[' || a[i] == ']')
                return 0;
            i++;
        }
        if (i == 0)
            return 0;
    }
    if (i == n)
        return 1;
    if (a[i] != ':' || n - i < 2 || n - i > 6)
        return 0;
    long port = 0;
    for (i++; i < n; i++) {
        if (a[i] < '0' || a[i] > '9')
            return 0;
        port = port * 10 + (a[i] - '0');
    }
    return port <= 65535;
}

int gs1_dl_domain_valid(const char *d)
{
    size_t n = strlen(d);
    const char *host;
    if (strncmp(d, "https://", 8) == 0 || strncmp(d, "HTTPS://", 8) == 0)
        host = d + 8;
    else if (strncmp(d, "http://", 7) == 0 || strncmp(d, "HTTP://", 7) == 0)
        host = d + 7;
    else
        return 0;
    if (!*host || *host == '/' || d[n - 1] == '/')
        return 0;
    for (const char *p = d; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("?#\"<>\\^`{|}", *p))
            return 0;
    return authority_ok(host, strcspn(host, "/"));
}

static const char *dl_misfit(const gs1_ai_def *kd, const gs1_elements *e);

/* The data validated, and the primary key its Digital Link is built on: the first whose
 * qualifiers and attributes fit the other AIs; when none fits, the first (its misfit is the
 * caller's to report). no_dl_key when the data holds none (DL URI Syntax §4: every Digital
 * Link has a primary key). */
px_rc gs1__dl_key_of(const gs1_elements *e, int *key, px_err *err)
{
    px_rc rc = gs1_elements_validate(e, err);
    if (rc != PX_OK)
        return rc;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < e->count; i++) {
            const gs1_ai_def *d = gs1_ai_lookup(e->items[i].ai, strlen(e->items[i].ai));
            if (d->dlpkey && (pass == 1 || !dl_misfit(d, e))) {
                *key = i;
                return PX_OK;
            }
        }
    return px_err_set(err, PX_EINVALID, "no_dl_key", "no GS1 Digital Link primary key in the data");
}

/* Element string to Digital Link (GS1 Digital Link URI Syntax; docs/gs1.md "Digital Link
 * build"): the first AI that is a DL primary key goes first, then its qualifiers present in the
 * data in the prescribed order, then every other AI as a query attribute. */
px_rc gs1_dl_format(char *out, size_t cap, const char *domain, const gs1_elements *e, px_err *err)
{
    if (!domain || !*domain)
        domain = GS1_DL_CANONICAL;
    if (!gs1_dl_domain_valid(domain))
        return px_err_set(err, PX_EINVALID, "invalid_domain",
                          "Digital Link domain \"%.100s\" must be scheme://host[/stem] without "
                          "a trailing slash",
                          domain);
    return gs1__dl_format(out, cap, domain, strlen(domain), e, err);
}

/* gs1_dl_format on a prefix taken from a parsed Digital Link (its stem is opaque and may hold
 * empty segments, so it is not checked again). */
px_rc gs1__dl_format(char *out, size_t cap, const char *domain, size_t domain_len,
                     const gs1_elements *e, px_err *err)
{
    int key;
    px_rc rc = gs1__dl_key_of(e, &key, err);
    if (rc != PX_OK)
        return rc;
    const gs1_ai_def *kd = gs1_ai_lookup(e->items[key].ai, strlen(e->items[key].ai));
    /* Choose the qualifier alternative that leaves only permitted attributes for the query
     * and carries the most qualifiers (first one on a tie). */
    int best = -1, best_count = -1;
    const char *bad_ai = NULL;
    const char *alt = NULL;
    size_t alen = 0;
    for (int a = 0; alt_get(kd->dlpkey, a, &alt, &alen); a++) {
        int count = 0, feasible = 1;
        for (int i = 0; i < e->count; i++) {
            const char *ai = e->items[i].ai;
            if (strcmp(ai, kd->ai) == 0)
                continue;
            if (alt_has(alt, alen, ai)) {
                count++;
            } else if (!(gs1_ai_lookup(ai, strlen(ai))->flags & GS1_AI_DL_ATTR)) {
                feasible = 0;
                if (!bad_ai)
                    bad_ai = ai;
            }
        }
        if (feasible && count > best_count) {
            best = a;
            best_count = count;
        }
    }
    if (best < 0)
        return px_err_set(err, PX_EINVALID, "not_dl_attribute",
                          "AI (%s) is not permitted in a Digital Link with key (%s)", bad_ai,
                          kd->ai);
    alt_get(kd->dlpkey, best, &alt, &alen);

    gs1__out o;
    gs1__out_init(&o, out, cap);
    gs1__out_putn(&o, domain, domain_len);
    gs1__out_putc(&o, '/');
    gs1__out_puts(&o, kd->ai);
    gs1__out_putc(&o, '/');
    gs1__out_pct(&o, e->items[key].value);
    for (const char *p = alt; p < alt + alen;) {
        size_t l = strcspn(p, ",|");
        for (int i = 0; i < e->count; i++) {
            if (strlen(e->items[i].ai) == l && memcmp(e->items[i].ai, p, l) == 0) {
                gs1__out_putc(&o, '/');
                gs1__out_puts(&o, e->items[i].ai);
                gs1__out_putc(&o, '/');
                gs1__out_pct(&o, e->items[i].value);
                break; /* duplicates carry the same value (gs1_elements_validate) */
            }
        }
        p += l + 1;
    }
    int first = 1;
    for (int i = 0; i < e->count; i++) {
        const char *ai = e->items[i].ai;
        if (strcmp(ai, kd->ai) == 0 || alt_has(alt, alen, ai) || gs1__find(e, ai) < i)
            continue;
        gs1__out_putc(&o, first ? '?' : '&');
        first = 0;
        gs1__out_puts(&o, ai);
        gs1__out_putc(&o, '=');
        gs1__out_pct(&o, e->items[i].value);
    }
    return gs1__out_done(&o, err);
}

/* ---- parsing ------------------------------------------------------------------------- */

typedef struct seg {
    size_t off, len;
} seg;

/* As GS1's syntax engine reads a Digital Link: %XX (either case) decodes, an invalid %
 * sequence stays literal, %00 is rejected; in the query "+" is a space. */
static px_rc pct_decode(char *dst, size_t *dlen, const char *s, size_t len, int query, size_t base,
                        px_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < len && px_hexval((unsigned char)s[i + 1]) >= 0 &&
            px_hexval((unsigned char)s[i + 2]) >= 0) {
            int v = px_hexval((unsigned char)s[i + 1]) * 16 + px_hexval((unsigned char)s[i + 2]);
            if (v == 0)
                return gs1__at(err,
                               px_err_set(err, PX_EINVALID, "invalid_escape",
                                          "\"%%00\" is not allowed at position %zu", base + i + 1),
                               base + i, 3);
            c = (char)v;
            i += 2;
        } else if (c == '+' && query) {
            c = ' ';
        }
        if (n >= GS1_AI_VALUE_MAX)
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "invalid_length",
                                      "value is longer than %d characters", GS1_AI_VALUE_MAX),
                           base, len);
        dst[n++] = c;
    }
    dst[n] = '\0';
    *dlen = n;
    return PX_OK;
}

/* A path or query segment of digits: an empty one is not a number. */
static int all_digits(const char *s, size_t len)
{
    return len > 0 && px_digits(s, len);
}

/* Adds one AI with its still-encoded value s[off..off+len). */
static px_rc add_value(gs1_elements *out, const gs1_ai_def *d, const char *s, size_t off,
                       size_t len, int query, size_t base, px_err *err)
{
    char value[GS1_AI_VALUE_MAX + 1];
    size_t vlen = 0;
    if (len == 0)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "empty_value",
                                  "AI (%s) has an empty value at position %zu", d->ai,
                                  base + off + 1),
                       base + off, 0);
    px_rc rc = pct_decode(value, &vlen, s + off, len, query, base + off, err);
    if (rc != PX_OK)
        return rc;
    /* GS1 Digital Link URI Syntax §4.5: a GTIN-8, -12 or -13 in a Digital Link stands for its
     * 14-digit form with leading zeros. */
    if (strcmp(d->ai, "01") == 0 && (vlen == 8 || vlen == 12 || vlen == 13) &&
        all_digits(value, vlen)) {
        size_t pad = GS1_GTIN_LEN - vlen;
        memmove(value + pad, value, vlen + 1);
        memset(value, '0', pad);
        vlen = GS1_GTIN_LEN;
    }
    if (gs1__find(out, d->ai) >= 0)
        return gs1__at(
            err,
            px_err_set(err, PX_EINVALID, "duplicate_ai", "AI (%s) appears more than once", d->ai),
            base + off, len);
    rc = gs1_ai_value_validate(d, value, vlen, err);
    if (rc != PX_OK) {
        /* The value was percent-decoded: point at the whole raw value. */
        px_err_span(err, (int)(base + off), (int)len);
        return rc;
    }
    return gs1__element_push(out, d->ai, value, vlen, base + off, len, err);
}

/* Is the qualifier list q[0..m) an ordered subsequence of alternative alt? */
static int alt_accepts(const char *alt, size_t alen, const char *s, const seg *q, int m)
{
    const char *p = alt;
    for (int k = 0; k < m; k++) {
        int found = 0;
        while (p < alt + alen) {
            size_t l = strcspn(p, ",|");
            int hit = l == q[k].len && memcmp(p, s + q[k].off, l) == 0;
            p += l + 1;
            if (hit) {
                found = 1;
                break;
            }
        }
        if (!found)
            return 0;
    }
    return 1;
}

/* A link whose where ("path", "compressed data") names no primary key, at [pos, pos + len)
 * of the input. */
static px_rc no_key_in(px_err *err, const char *where, size_t pos, size_t len)
{
    return gs1__at(err,
                   px_err_set(err, PX_EINVALID, "no_dl_key",
                              "no GS1 Digital Link primary key in the %s", where),
                   pos, len);
}

/* The AI the segment a names (all digits, 2 to 4 of them), or NULL. */
static const gs1_ai_def *known_ai(const char *s, const seg *a)
{
    return a->len <= 4 && all_digits(s + a->off, a->len) ? gs1_ai_lookup(s + a->off, a->len) : NULL;
}

/* A path that ends with an AI and no value ("/01/…/21", its '/' after it dropped): the walk
 * from the end would read the value before it as an AI; say that the AI's value is empty. */
static px_rc empty_value(px_err *err, const gs1_ai_def *d, size_t pos, size_t len)
{
    char what[48];
    size_t k = 0;
    for (const char *t = d->title ? d->title : "value"; *t && k + 1 < sizeof(what); t++)
        what[k++] = (char)(*t >= 'A' && *t <= 'Z' ? *t - 'A' + 'a' : *t);
    what[k] = '\0';
    return gs1__at(err,
                   px_err_set(err, PX_EINVALID, "invalid_path",
                              "the %s (AI %s) in the path is empty", what, d->ai),
                   pos, len);
}

/* Uncompressed path (GS1 Digital Link URI Syntax): anything before the primary key is an opaque
 * stem; walk (AI, value) pairs back from the end to the rightmost primary key, check the qualifier
 * sequence, add the values. */
static px_rc path_plain(gs1_elements *out, const char *s, const seg *segs, int nseg, size_t p,
                        size_t qmark, size_t base, const gs1_ai_def **kdp, unsigned *compatible,
                        int *keyp, px_err *err)
{
    int key = -1;
    const gs1_ai_def *kd = NULL;
    for (int i = nseg - 2; i >= 0; i -= 2) {
        const seg *a = &segs[i];
        if (!all_digits(s + a->off, a->len))
            break;
        const gs1_ai_def *d = known_ai(s, a);
        if (!d && i == nseg - 2 && i > 0 && known_ai(s, &segs[i - 1]) &&
            (d = known_ai(s, &segs[nseg - 1])) != NULL)
            return empty_value(err, d, base + segs[nseg - 1].off, segs[nseg - 1].len);
        if (!d)
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "unknown_ai",
                                      "unknown AI (%.*s) in the path",
                                      (int)(a->len > 8 ? 8 : a->len), s + a->off),
                           base + a->off, a->len);
        if (d->dlpkey) {
            key = i;
            kd = d;
            break;
        }
    }
    if (key < 0)
        return no_key_in(err, "path", base + p, qmark - p);
    seg quals[DL_MAX_SEGMENTS / 2];
    int m = 0;
    for (int i = key + 2; i < nseg; i += 2)
        quals[m++] = segs[i];
    /* dlpkey=22,10,21|235: the qualifiers must follow one alternative in order (§4.1). */
    unsigned ok = 0;
    const char *alt;
    size_t alen;
    for (int a = 0; a < 32 && alt_get(kd->dlpkey, a, &alt, &alen); a++)
        if (alt_accepts(alt, alen, s, quals, m))
            ok |= 1u << a;
    if (!ok)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_key_qualifiers",
                                  "path is not a valid key-qualifier sequence for AI (%s)", kd->ai),
                       base + segs[key].off - 1, qmark - segs[key].off + 1);
    for (int i = key; i < nseg; i += 2) {
        const gs1_ai_def *d = gs1_ai_lookup(s + segs[i].off, segs[i].len);
        px_rc rc = add_value(out, d, s, segs[i + 1].off, segs[i + 1].len, 0, base, err);
        if (rc != PX_OK)
            return rc;
    }
    *kdp = kd;
    *compatible = ok;
    *keyp = key;
    return PX_OK;
}

/* The first AI of e that fits none of kd's qualifier sequences and is no permitted attribute,
 * or NULL when e makes a valid Digital Link with key kd. */
static const char *dl_misfit(const gs1_ai_def *kd, const gs1_elements *e)
{
    const char *alt, *bad = NULL;
    size_t alen;
    for (int a = 0; alt_get(kd->dlpkey, a, &alt, &alen); a++) {
        const char *misfit = NULL;
        for (int i = 0; i < e->count && !misfit; i++) {
            const char *ai = e->items[i].ai;
            if (strcmp(ai, kd->ai) != 0 && !alt_has(alt, alen, ai) &&
                !(gs1_ai_lookup(ai, strlen(ai))->flags & GS1_AI_DL_ATTR))
                misfit = ai;
        }
        if (!misfit)
            return NULL;
        if (!bad)
            bad = misfit;
    }
    return bad;
}

/* Compressed path (GS1 DL compression): ".../KEY/value/<compressed>" (partially) or
 * ".../<compressed>" (fully). Returns the index of the first segment that is not stem. */
static px_rc path_compressed(gs1_elements *out, gs1__dl_parts *parts, const char *s,
                             const seg *segs, int nseg, size_t base, const gs1_ai_def **kdp,
                             int *first, px_err *err)
{
    const seg *last = &segs[nseg - 1];
    int start = nseg - 1;
    if (nseg >= 3 && all_digits(s + segs[nseg - 3].off, segs[nseg - 3].len) &&
        segs[nseg - 3].len <= 4) {
        const gs1_ai_def *d = gs1_ai_lookup(s + segs[nseg - 3].off, segs[nseg - 3].len);
        if (d && d->dlpkey) {
            px_rc rc = add_value(out, d, s, segs[nseg - 2].off, segs[nseg - 2].len, 0, base, err);
            if (rc != PX_OK)
                return rc;
            start = nseg - 3;
        }
    }
    gs1__dl_pair *other = parts ? parts->other + parts->nother : NULL;
    int nother = 0, before = out->count;
    px_rc rc =
        gs1__dl_decompress_data(out, other, &nother, parts ? GS1__DL_MAX_OTHER - parts->nother : 0,
                                s + last->off, last->len, base + last->off, err);
    if (rc != PX_OK)
        return rc;
    if (out->count == before && nother == 0)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_compressed_dl",
                                  "compressed Digital Link: the segment holds no data"),
                       base + last->off, last->len);
    if (parts)
        parts->nother += nother;
    /* The compressed data may hold any AI in any order: the key is the first primary key
     * (the path's one when partially compressed) whose qualifier sequences and the permitted
     * attributes hold every other AI, as in an uncompressed link. */
    const gs1_ai_def *first_key = NULL;
    const char *bad_ai = NULL;
    for (int i = 0; i < out->count; i++) {
        const gs1_ai_def *d = gs1_ai_lookup(out->items[i].ai, strlen(out->items[i].ai));
        if (d->dlpkey && (start == nseg - 1 || i == before - 1)) {
            const char *misfit = dl_misfit(d, out);
            if (!first_key) {
                first_key = d;
                bad_ai = misfit;
            }
            if (misfit)
                continue;
            *kdp = d;
            *first = start;
            if (parts)
                parts->compressed = start == nseg - 1 ? 2 : 1;
            return PX_OK;
        }
    }
    if (first_key)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "not_dl_attribute",
                                  "AI (%s) is not permitted in a Digital Link with key (%s)",
                                  bad_ai, first_key->ai),
                       base + last->off, last->len);
    return no_key_in(err, "compressed data", base + last->off, last->len);
}

/* The refusal of the character at offset at of the whole input, which is not allowed where
 * ("in a URI", "outside the host"); its position is told from 1. */
static px_rc char_refused(px_err *err, size_t at, const char *where)
{
    return gs1__at(err,
                   px_err_set(err, PX_EINVALID, "invalid_character",
                              "character at position %zu is not allowed %s", at + 1, where),
                   at, 1);
}

/* The URI up to its path: URI characters only, the scheme, and the authority; *path is where
 * the path (or query, or fragment) starts. */
static px_rc uri_authority(const char *s, size_t len, size_t base, size_t *path, px_err *err)
{
    /* RFC 3986: characters outside the URI character set are errors. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c))
            return char_refused(err, base + i, "in a URI");
    }
    /* Scheme http or https, all lower or all upper case (GS1's syntax engine refuses mixed
     * case). */
    size_t p;
    if (len >= 8 && (memcmp(s, "https://", 8) == 0 || memcmp(s, "HTTPS://", 8) == 0))
        p = 8;
    else if (len >= 7 && (memcmp(s, "http://", 7) == 0 || memcmp(s, "HTTP://", 7) == 0))
        p = 7;
    else
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_scheme",
                                  "Digital Link must start with http:// or https://"),
                       base, len < 8 ? len : 8);
    size_t host = p;
    while (p < len && s[p] != '/' && s[p] != '?' && s[p] != '#')
        p++;
    if (p == host)
        return gs1__at(err, px_err_set(err, PX_EINVALID, "invalid_domain", "missing domain"),
                       base + host, 0);
    /* REQ-GS1-4: DL URI syntax (GS1 Digital Link grammar, RFC 3986 authority): the host is a
     * name or an IP literal with an optional port; userinfo ("user@") and an IPv6 zone
     * ("%25eth0") are not part of it. */
    if (!authority_ok(s + host, p - host))
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_domain",
                                  "Digital Link host must be a name or [IP] with an optional port, "
                                  "without userinfo or IPv6 zone"),
                       base + host, p - host);
    /* RFC 3986 / DL grammar: "[" and "]" delimit an IP literal host and appear nowhere else. */
    for (size_t i = p; i < len; i++)
        if (s[i] == '[' || s[i] == ']')
            return char_refused(err, base + i, "outside the host");
    *path = p;
    return PX_OK;
}

/* The path s[p..qmark) cut at '/' into segments (at most DL_MAX_SEGMENTS). */
static px_rc path_segments(const char *s, size_t p, size_t qmark, size_t base,
                           seg segs[DL_MAX_SEGMENTS], int *nseg, px_err *err)
{
    if (p >= qmark || s[p] != '/')
        return no_key_in(err, "path", base + p, 0);
    if (s[qmark - 1] == '/')
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_path",
                                  "Digital Link path must not end with \"/\""),
                       base + qmark - 1, 1);
    *nseg = 0;
    for (size_t i = p; i < qmark;) {
        size_t st = i + 1, k = st;
        while (k < qmark && s[k] != '/')
            k++;
        if (*nseg == DL_MAX_SEGMENTS)
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "invalid_path", "too many path segments"),
                           base + st, k - st);
        segs[*nseg].off = st;
        segs[*nseg].len = k - st;
        (*nseg)++;
        i = k;
    }
    return PX_OK;
}

/* The path's elements, uncompressed or (failing that) compressed; *kd is the key's AI,
 * *key its segment, *compatible the key's alternative sequences the path matched. */
static px_rc path_read(gs1_elements *out, gs1__dl_parts *parts, const char *s, const seg *segs,
                       int nseg, size_t p, size_t qmark, size_t base, const gs1_ai_def **kd,
                       unsigned *compatible, int *key, px_err *err)
{
    px_rc rc = path_plain(out, s, segs, nseg, p, qmark, base, kd, compatible, key, err);
    if (rc == PX_OK)
        return PX_OK;
    /* Not an uncompressed path: a compressed one (partially or fully) is the other form a
     * Digital Link may take; when that fails too, the uncompressed error stands. */
    px_err first_err = {0};
    if (err)
        first_err = *err;
    memset(out, 0, sizeof(*out));
    px_rc crc = path_compressed(out, parts, s, segs, nseg, base, kd, key, err);
    if (crc == PX_OK) {
        *compatible = 0; /* qualifiers of a compressed path are not checked against the query */
        return PX_OK;
    }
    memset(out, 0, sizeof(*out));
    if (parts)
        parts->compressed = 0;
    /* Report what the link most likely is: compressed data that decoded but holds a
     * bad value keeps its own error; otherwise the uncompressed reading's error. */
    int decoded = err && strcmp(err->code, "invalid_compressed_dl") != 0;
    int structural =
        strcmp(first_err.code, "no_dl_key") == 0 || strcmp(first_err.code, "unknown_ai") == 0;
    if (decoded && structural)
        return crc;
    px_err_pass(err, &first_err);
    return rc;
}

/* A numeric query parameter s[i..k) with '=' at eq: a Digital Link attribute AI, not a
 * qualifier of the path's key (kd) in the alternative sequences the path matched. */
static px_rc query_ai(gs1_elements *out, const char *s, size_t i, size_t eq, size_t k, size_t base,
                      const gs1_ai_def *kd, unsigned compatible, px_err *err)
{
    const gs1_ai_def *d = eq - i <= 4 ? gs1_ai_lookup(s + i, eq - i) : NULL;
    if (!d)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "unknown_ai", "unknown AI (%.*s) in the query",
                                  (int)(eq - i > 8 ? 8 : eq - i), s + i),
                       base + i, eq - i);
    if (!(d->flags & GS1_AI_DL_ATTR))
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "not_dl_attribute",
                                  "AI (%s) is not permitted as a Digital Link "
                                  "attribute",
                                  d->ai),
                       base + i, eq - i);
    /* §4.1: a qualifier of the path's key belongs in the path, unless the path used
     * an alternative sequence that does not include it. */
    const char *alt;
    size_t alen;
    for (int a = 0; alt_get(kd->dlpkey, a, &alt, &alen); a++)
        if ((compatible & (1u << a)) && alt_has(alt, alen, d->ai))
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "qualifier_in_query",
                                      "AI (%s) should be in the path info", d->ai),
                           base + i, k - i);
    return add_value(out, d, s, eq + 1, k - eq - 1, 1, base, err);
}

/* A non-GS1 parameter s[i..k) (key=value, '=' at eq, or a singleton key) is kept for the
 * callers that rebuild the URI (compression); each is bounded like an AI value. */
static px_rc query_other(gs1__dl_parts *parts, const char *s, size_t i, size_t eq, size_t k,
                         size_t base, px_err *err)
{
    size_t vlen = eq < k ? k - eq - 1 : 0;
    if (parts->nother >= GS1__DL_MAX_OTHER || eq - i >= sizeof(parts->other[0].key) ||
        vlen >= sizeof(parts->other[0].value))
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_query",
                                  "too many or too long non-GS1 query parameters"),
                       base + i, k - i);
    gs1__dl_pair *o = &parts->other[parts->nother++];
    memcpy(o->key, s + i, eq - i);
    o->klen = eq - i;
    memcpy(o->value, s + eq + (eq < k), vlen);
    o->vlen = vlen;
    o->has_value = eq < k;
    return PX_OK;
}

px_rc gs1__dl_parse_parts(gs1_elements *out, gs1__dl_parts *parts, const char *s, size_t len,
                          size_t base, px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (parts)
        memset(parts, 0, sizeof(*parts));
    /* No overall length cap here: gs1_parse caps its input at GS1_INPUT_MAX, and the value
     * limits (90 characters, 32 elements, 64 segments) bound the work. */
    size_t p = 0;
    px_rc rc = uri_authority(s, len, base, &p, err);
    if (rc != PX_OK)
        return rc;
    size_t end = p;
    while (end < len && s[end] != '#') /* the fragment is ignored */
        end++;
    if (parts)
        parts->frag = end;
    size_t qmark = p;
    while (qmark < end && s[qmark] != '?')
        qmark++;
    seg segs[DL_MAX_SEGMENTS];
    int nseg = 0;
    if ((rc = path_segments(s, p, qmark, base, segs, &nseg, err)) != PX_OK)
        return rc;
    const gs1_ai_def *kd = NULL;
    unsigned compatible = 0;
    int key = -1;
    rc = path_read(out, parts, s, segs, nseg, p, qmark, base, &kd, &compatible, &key, err);
    if (rc != PX_OK)
        return rc;
    if (parts)
        parts->prefix_len = segs[key].off - 1;
    /* Query: AI=value pairs; non-numeric keys (linkType, …) are kept aside and singletons are
     * ignored. */
    for (size_t i = qmark + 1; i < end;) {
        size_t k = i;
        while (k < end && s[k] != '&')
            k++;
        size_t eq = i;
        while (eq < k && s[eq] != '=')
            eq++;
        /* REQ-GS1-4: DL grammar: a query parameter is key=value with a non-empty key ("?=1" is
         * not). */
        if (eq == i && eq < k)
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "invalid_query",
                                      "query parameter without a name at position %zu",
                                      base + i + 1),
                           base + i, k - i);
        if (eq < k && all_digits(s + i, eq - i))
            rc = query_ai(out, s, i, eq, k, base, kd, compatible, err);
        else if (eq > i && parts)
            rc = query_other(parts, s, i, eq, k, base, err);
        if (rc != PX_OK)
            return rc;
        i = k + 1;
    }
    return gs1_elements_validate(out, err);
}

px_rc gs1__dl_parse(gs1_elements *out, const char *s, size_t len, size_t base, px_err *err)
{
    return gs1__dl_parse_parts(out, NULL, s, len, base, err);
}

px_rc gs1_dl_parse(gs1_elements *out, const char *uri, px_err *err)
{
    return gs1__dl_parse(out, uri, strlen(uri), 0, err);
}
