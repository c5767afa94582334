/* The query string and the path's escapes: libmicrohttpd's unescape callback, the values a
 * handler reads (px_req_query) and the refusal of a query a route does not take. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "px_crypto.h"
#include "px_str.h"
#include "request.h"

/* Percent-decoding of the path and query (RFC 3986 §2.1), except "%2F" and "%25": a serial may
 * contain '/' (GS1 character set 82), so an escaped slash must stay inside its path segment
 * until the router has split the path; "%25" stays too so that the second, per-value decoding
 * (px__decode_slashes) is unambiguous. "%00" is left as is: no value may contain NUL. */
size_t px__unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    for (const char *p = s; *p; p++) {
        int hi, lo;
        if (p[0] == '%' && (hi = px_hexval((unsigned char)p[1])) >= 0 &&
            (lo = px_hexval((unsigned char)p[2])) >= 0) {
            int v = hi * 16 + lo;
            if (v != '/' && v != '%' && v != 0) {
                *w++ = (char)v;
                p += 2;
                continue;
            }
        }
        *w++ = *p;
    }
    *w = '\0';
    return (size_t)(w - s);
}

int px__decode_segment(char *out, size_t cap, const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        if (w + 1 >= cap)
            return 0;
        if (s[i] == '%' && i + 2 < len && s[i + 1] == '2' &&
            (s[i + 2] == 'F' || s[i + 2] == 'f' || s[i + 2] == '5')) {
            out[w++] = s[i + 2] == '5' ? '%' : '/';
            i += 2;
            continue;
        }
        out[w++] = s[i];
    }
    out[w] = '\0';
    return 1;
}

void px__decode_slashes(char *s)
{
    size_t n = strlen(s);
    (void)px__decode_segment(s, n + 1, s, n); /* never longer than it was: decodes in place */
}

/* What px__query_refused looks for: a name or value that is not UTF-8, and, on a route whose
 * query names are listed (routes.def), a name it does not take, one given twice, or (on a
 * keyed /v1/ route) one given empty. */
typedef struct query_check {
    px_req *r;
    const px_route *rt; /* NULL: no route (the resolver's other forms), UTF-8 only */
    uint64_t seen;      /* a bit per listed name given so far */
    const char *bad;
    const char *why;
    int oom; /* a value could not be decoded: the request fails before any handler reads it */
} query_check;

/* The decoded values px_req_query hands out, kept with the request, each by the value
 * libmicrohttpd holds (raw: so a lookup finds what libmicrohttpd's own lookup answers, whose
 * names match without regard to case); a header's trimmed value (px_req_header) has none. */
struct px_query_value {
    struct px_query_value *next;
    const char *raw;
    char s[];
};

/* A decoded copy of raw, kept with the request (NULL when out of memory). */
static const char *decode_add(px_req *r, const char *raw)
{
    size_t len = strlen(raw);
    struct px_query_value *q = malloc(sizeof(*q) + len + 1);
    if (!q)
        return NULL;
    q->raw = raw;
    memcpy(q->s, raw, len + 1);
    px__decode_slashes(q->s);
    q->next = r->query;
    r->query = q;
    return q->s;
}

/* The decoded copy of raw, made now if it was not (NULL when out of memory). */
static const char *decoded(px_req *r, const char *raw)
{
    for (struct px_query_value *q = r->query; q; q = q->next)
        if (q->raw == raw)
            return q->s;
    return decode_add(r, raw);
}

/* Decodes "%2F" and "%25" in every value now, before any handler runs: so a handler's
 * px_req_query never allocates, and an allocation that fails fails the request (500) instead
 * of reading as a parameter left out (a filter dropped). 0 when out of memory. */
static int decode_value(px_req *r, const char *value)
{
    /* Each value is met once here (a value's copy is not looked for: a query of many escaped
     * values would make that quadratic). */
    return !value || !strchr(value, '%') || decode_add(r, value) != NULL;
}

static enum MHD_Result query_each(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    query_check *q = cls;
    if (!px_utf8_valid(key) || (value && !px_utf8_valid(value))) {
        q->bad = px_utf8_valid(key) ? key : "";
        q->why = "is not UTF-8";
        return MHD_NO;
    }
    /* px__unescape leaves "%00" (a NUL, which no C string carries) as it came, and a literal
     * '%' arrives as "%25": a "%00" here is a NUL, refused rather than read as the text "%00". */
    if (strstr(key, "%00") || (value && strstr(value, "%00"))) {
        q->bad = strstr(key, "%00") ? "" : key;
        q->why = "holds %00 (a NUL)";
        return MHD_NO;
    }
    if (!decode_value(q->r, value)) {
        q->oom = 1;
        return MHD_NO;
    }
    /* An empty pair ("a=1&&b=2", a trailing "&") names nothing and is skipped, as the URL
     * Standard's application/x-www-form-urlencoded parser skips it; a value without a name
     * ("=1") is refused on a route that lists its names. */
    if (!*key && (!value || !*value))
        return MHD_YES;
    if (!q->rt || q->rt->query == PX_QUERY_ANY)
        return MHD_YES;
    if (!*key) {
        q->bad = "";
        q->why = "has no name";
        return MHD_NO;
    }
    int i = px_route_query_index(q->rt, key);
    if (i < 0 || i >= 64) {
        q->bad = key;
        q->why = "is not one this route takes (schemas/openapi.yaml lists them)";
        return MHD_NO;
    }
    if (q->seen & ((uint64_t)1 << i)) {
        q->bad = key;
        q->why = "is given more than once";
        return MHD_NO;
    }
    /* On packid's own keyed routes an empty value would read as the filter left out (every
     * row listed, as a mistyped name would): refused too. */
    if ((!value || !*value) && px_route_own_keyed(q->rt)) {
        q->bad = key;
        q->why = "is empty (leave it out for no filter)";
        return MHD_NO;
    }
    q->seen |= (uint64_t)1 << i;
    return MHD_YES;
}

/* Every value from the URL is well-formed UTF-8 before any handler reads it (docs/api.md
 * "Conventions"): percent-decoding may give any byte, and a text that is not UTF-8 is nothing
 * packid stores (a path names no object: 404, checked before routing, so the resolver's
 * paths too) and no parameter it takes (400). A route answers only the query it takes: a
 * name it does not know (a typo of a filter would list everything) or one given twice (which
 * one counts?) is refused, not ignored. 1 when a refusal was queued. */
int px__query_refused(px_req *r, const px_route *rt)
{
    query_check q = {.r = r, .rt = rt};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_each, &q);
    if (q.oom) {
        px_reply_oom(r);
        return 1;
    }
    if (!q.bad)
        return 0;
    if (rt && strncmp(rt->pattern, "/epcis/", 7) == 0) {
        /* The EPCIS 2.0 binding's routes answer in its problem shape (the EPCIS 2.0 REST bindings),
         * as its query routes refuse an unknown parameter themselves. */
        char detail[200];
        snprintf(detail, sizeof(detail), "query parameter '%.64s' %s", q.bad, q.why);
        px_utf8_scrub(detail);
        px_reply_problem(r, PX_EPCIS_EX_QUERY_PARAMETER, detail);
        return 1;
    }
    px_err err;
    /* A parameter without a name, or whose name is not UTF-8, is named by field "query". */
    if (*q.bad)
        px_err_set_field(&err, PX_EINVALID, "bad_request", q.bad, "query parameter '%.64s' %s",
                         q.bad, q.why);
    else
        px_err_set_field(&err, PX_EINVALID, "bad_request", "query", "a query parameter %s", q.why);
    px_reply_error(r, &err);
    return 1;
}

const char *px_req_query(px_req *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    if (!v || !strchr(v, '%'))
        return v;
    /* px__query_refused decoded every value holding an escape before the handler ran; only a
     * refusal decided before it (a 429 choosing between page and JSON) decodes here. */
    return decoded(r, v);
}

const char *px_req_header(px_req *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
    size_t len = v ? strlen(v) : 0;
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    if (!v || !v[len])
        return v;
    struct px_query_value *q = malloc(sizeof(*q) + len + 1);
    if (!q)
        return v; /* as sent: a key with a trailing space then fails as it did */
    memcpy(q->s, v, len);
    q->s[len] = '\0';
    q->raw = NULL;
    q->next = r->query;
    r->query = q;
    return q->s;
}

typedef struct repeat_scan {
    const char *const *names;
    unsigned seen, twice; /* a bit per name */
} repeat_scan;

static enum MHD_Result repeat_each(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    (void)value;
    repeat_scan *s = cls;
    /* Without regard to case, as px_req_query finds a value (libmicrohttpd's lookup): "exp"
     * and "EXP" are one name to the handler, so "exp=…&EXP=…" is that name twice, not a
     * second value dropped without a word. */
    for (unsigned i = 0; s->names[i] && i < 32; i++)
        if (strcasecmp(key, s->names[i]) == 0) {
            s->twice |= s->seen & (1u << i);
            s->seen |= 1u << i;
        }
    return MHD_YES;
}

static const char *repeated(px_req *r, enum MHD_ValueKind kind, const char *const *names)
{
    repeat_scan s = {names, 0, 0};
    MHD_get_connection_values(r->conn, kind, repeat_each, &s);
    for (unsigned i = 0; names[i] && i < 32; i++)
        if (s.twice & (1u << i))
            return names[i];
    return NULL;
}

const char *px_req_query_repeated(px_req *r, const char *const *names)
{
    return repeated(r, MHD_GET_ARGUMENT_KIND, names);
}

const char *px_req_header_repeated(px_req *r, const char *const *names)
{
    return repeated(r, MHD_HEADER_KIND, names);
}

void px__req_query_free(px_req *r)
{
    while (r->query) {
        struct px_query_value *next = r->query->next;
        free(r->query);
        r->query = next;
    }
}
