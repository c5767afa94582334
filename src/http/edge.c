/* The edge: what every request must satisfy before routing and authentication, and the
 * memory budget of request bodies (docs/api.md "The HTTP edge").
 *
 * libmicrohttpd 0.9.75 is lenient where a front proxy may not be: it keeps the first of two
 * Content-Length headers, accepts Content-Length beside Transfer-Encoding, hands over header
 * values holding NUL or control characters (a C string then ends early: "Bearer <key>\0junk"
 * authenticates as "Bearer <key>"), and waits for the end of a body framed by a transfer
 * coding it does not know. Two parsers that disagree on where a request ends are a
 * request-smuggling hazard (RFC 9112 §6.3, §11.2), so packid refuses every such request
 * itself. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "px_str.h"
#include "request.h"

#define EDGE_HEADERS_MAX 256

typedef struct edge_scan {
    const char *key[EDGE_HEADERS_MAX]; /* in arrival order, pointing into MHD's read buffer */
    const char *end[EDGE_HEADERS_MAX]; /* value + value_size */
    int n;
    px_edge_framing *f;
    px_err *err;
    px_rc rc;
    int cl_seen;
    char cl[32];
    int te_seen;
    unsigned once_seen; /* bit i: k_once[i] was given */
} edge_scan;

/* Fields a request may carry once (RFC 9110 §5.3: not lists; RFC 9112 §3.2: a second Host is
 * 400). libmicrohttpd hands packid the first of two, where a front proxy may act on the last:
 * a request holding two keys, or two Idempotency-Keys, would mean one thing to the proxy's
 * rules and another to packid, so it is refused whole. */
static const char *const k_once[] = {"Host", "Authorization", "x-access-token", "X-CSRF-Token",
                                     "Idempotency-Key"};

/* RFC 9110 §5.5: a field value is visible characters, spaces and horizontal tabs (obs-text
 * aside); CR, LF and NUL are explicitly invalid, and the other controls have no meaning. */
static int bad_octet(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* RFC 9110 §5.6.2: a field name is a token. A name with a space ("Transfer-Encoding :") or
 * another separator is one a front proxy may trim and read as a different header (RFC 9112
 * §5.1: such a request must be refused with 400). */
static int tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int token_eq(const char *v, size_t n, const char *word)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return n == strlen(word) && strncasecmp(v, word, n) == 0;
}

static enum MHD_Result scan_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    edge_scan *s = cls;
    /* Every header is scanned for a NUL (nul_inside): one that could not be is refused. */
    if (s->n == EDGE_HEADERS_MAX) {
        s->rc = px_err_set(s->err, PX_EINVALID, "bad_header", "more than %d headers",
                           EDGE_HEADERS_MAX);
        return MHD_NO;
    }
    s->key[s->n] = key;
    s->end[s->n] = value + value_size;
    s->n++;
    if (key_size == 0)
        goto bad_header;
    for (size_t i = 0; i < key_size; i++)
        if (!tchar((unsigned char)key[i]))
            goto bad_header;
    for (size_t i = 0; i < value_size; i++)
        if (bad_octet((unsigned char)value[i]))
            goto bad_header;
    for (unsigned i = 0; i < sizeof(k_once) / sizeof(k_once[0]); i++) {
        if (key_size != strlen(k_once[i]) || strncasecmp(key, k_once[i], key_size) != 0)
            continue;
        if (s->once_seen & (1u << i)) {
            s->rc = px_err_set(s->err, PX_EINVALID, "bad_header",
                               "the %s header is given more than once", k_once[i]);
            return MHD_NO;
        }
        s->once_seen |= 1u << i;
    }
    if (key_size == 14 && strncasecmp(key, "Content-Length", 14) == 0) {
        /* libmicrohttpd itself answers a value that is not one decimal number (400 with its
         * own HTML body, docs/api.md); what reaches here are digits, maybe several headers
         * of them. */
        if (value_size >= sizeof(s->cl)) {
            s->rc = px_err_set(s->err, PX_EINVALID, "bad_content_length",
                               "the Content-Length header is too long");
            return MHD_NO;
        }
        if (!px_digits(value, value_size)) {
            s->rc = px_err_set(s->err, PX_EINVALID, "bad_content_length",
                               "the Content-Length header must be one decimal number");
            return MHD_NO;
        }
        if (s->cl_seen && (strlen(s->cl) != value_size || memcmp(s->cl, value, value_size))) {
            s->rc = px_err_set(s->err, PX_EINVALID, "bad_content_length",
                               "the request carries conflicting Content-Length headers");
            return MHD_NO;
        }
        memcpy(s->cl, value, value_size);
        s->cl[value_size] = '\0';
        s->cl_seen = 1;
    } else if (key_size == 17 && strncasecmp(key, "Transfer-Encoding", 17) == 0) {
        /* Only "chunked", once: anything else (gzip, "gzip, chunked", a repeated header)
         * would need a decoder packid does not have (RFC 9112 §6.1: 501). */
        if (s->te_seen || !token_eq(value, value_size, "chunked")) {
            s->rc = px_err_set(s->err, PX_EINVALID, "not_implemented",
                               "the only transfer coding packid accepts is chunked");
            return MHD_NO;
        }
        s->te_seen = 1;
    }
    return MHD_YES;
bad_header:
    s->rc = px_err_set(s->err, PX_EINVALID, "bad_header",
                       "a header name is not a token, or a header holds a control character "
                       "or NUL");
    return MHD_NO;
}

/* A NUL inside a value. libmicrohttpd 0.9.75 parses the header block in place, replacing
 * each CR and LF with NUL, and measures a value with strlen: "Bearer k\0junk" arrives as
 * "Bearer k", size 8, and the value-size API cannot tell. What follows the value in the
 * buffer can: between one value's end and the next header's name there may be only trailing
 * blanks and the two NULs that were CR LF; after the last value, blanks,
 * then the line's and the blank line's terminators. Anything else is the rest of a value cut
 * at a NUL. The last value must be followed by CR LF CR LF (a bare-LF request is refused:
 * "\0\0" then anything could be a value cut at a NUL); NULs right at its end, with nothing
 * after them, cut nothing and cannot be told from the terminators. When the names do not follow
 * each other in one buffer (libmicrohttpd copies a folded line, RFC 9112 §5.2), the request is
 * refused rather than guessed. */
static int nul_inside(const edge_scan *s)
{
    for (int i = 0; i < s->n; i++) {
        const char *p = s->end[i];
        if (i + 1 < s->n) {
            const char *next = s->key[i + 1];
            if (next <= p || next - p > 8192)
                return 1; /* not one buffer: inconclusive, refused */
            int nuls = 0;
            for (; p < next; p++) {
                if (*p == '\0')
                    nuls++;
                else if (*p != ' ' && *p != '\t')
                    return 1;
            }
            if (nuls != 2) /* CR LF; anything more is a value cut at a NUL */
                return 1;
        } else {
            while (*p == ' ' || *p == '\t')
                p++;
            /* the line's CR LF then the blank line's */
            if (p[0] != '\0' || p[1] != '\0' || p[2] != '\0' || p[3] != '\0')
                return 1;
        }
    }
    return 0;
}

px_rc px__edge_check(struct MHD_Connection *conn, px_edge_framing *f, px_err *err)
{
    memset(f, 0, sizeof(*f));
    edge_scan s = {.f = f, .err = err, .rc = PX_OK};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, scan_one, &s);
    if (s.rc != PX_OK)
        return s.rc;
    if (nul_inside(&s))
        return px_err_set(err, PX_EINVALID, "bad_header",
                          "a header holds a control character or NUL");
    if (s.cl_seen && s.te_seen) /* RFC 9112 §6.3 item 3: a smuggling attempt or a bad proxy */
        return px_err_set(err, PX_EINVALID, "bad_content_length",
                          "Content-Length and Transfer-Encoding must not both be sent");
    f->chunked = s.te_seen;
    if (s.cl_seen) {
        f->has_length = 1;
        unsigned long long v = 0;
        for (const char *p = s.cl; *p; p++) {
            if (v > (~0ULL - 9) / 10)
                return px_err_set(err, PX_EINVALID, "bad_content_length",
                                  "the Content-Length header is too large");
            v = v * 10 + (unsigned long long)(*p - '0');
        }
        f->length = v;
    }
    return PX_OK;
}

/* ---- the body budget -------------------------------------------------------------------- */

void px__budget_init(px_body_budget *b, size_t limit)
{
    atomic_init(&b->used, 0);
    b->limit = limit;
}

int px__budget_take(px_body_budget *b, size_t n)
{
    size_t cur = atomic_load(&b->used);
    do {
        if (n > b->limit || cur > b->limit - n)
            return -1;
    } while (!atomic_compare_exchange_weak(&b->used, &cur, cur + n));
    return 0;
}

void px__budget_give(px_body_budget *b, size_t n)
{
    atomic_fetch_sub(&b->used, n);
}

size_t px__body_cap(size_t need)
{
    /* px_buf's growth (util/px_buf.c reserve): 256 bytes, doubled until the content and its
     * NUL fit. The budget counts what will really be allocated, not what was declared. */
    size_t cap = 256;
    while (cap < need + 1)
        cap *= 2;
    return cap;
}
