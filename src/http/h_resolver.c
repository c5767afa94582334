/* The GS1 Digital Link resolver (docs/resolver.md, the GS1-Conformant Resolver Standard):
 * GET /01/{gtin}[/10/{lot}][/21/{serial}] and the other Digital Link forms gs1/ parses, answered
 * by content negotiation (domain/dl_resolve): a phone's browser gets packid's own verification
 * page, a machine the RFC 9264 linkset or the verdict as JSON, ?linkType=… a 307 to that link;
 * and /.well-known/gs1resolver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl_resolve.h"
#include "gs1.h"
#include "handlers.h"
#include "links.h"
#include "market.h"
#include "px_buf.h"
#include "px_crypto.h"
#include "px_str.h"
#include "resolver_page.h"
#include "scans.h"
#include "verification.h"
#include "vrs.h"

#define VOC "https://ref.gs1.org/voc/"

/* ---- the request's Digital Link ------------------------------------------------------ */

/* Besides RFC 3986 §2.3 unreserved characters, the sub-delimiters a path or value may carry
 * as they are (§3.3 pchar); '%' stays in text the server left escaped ("%2F", "%25":
 * query.c px__unescape), never in a decoded value (a lot "AB%41" is sent as AB%2541); '/', '=',
 * '&' and '+' only outside a query value. */
#define KEEP_PCHAR "!$'()*,;:@"

/* Text of the request as the server left it (its '%' escapes kept). */
static void put_escaped(px_buf *b, const char *s, int in_query)
{
    px_buf_put_pct(b, s, in_query ? KEEP_PCHAR "%" : KEEP_PCHAR "%/=&+");
}

/* A decoded value (a lot, a serial) as one escaped path segment. */
static void put_value(px_buf *b, const char *s)
{
    px_buf_put_pct(b, s, KEEP_PCHAR);
}

typedef struct query_ctx {
    px_buf *b;
    int n;
    int ais_only;
} query_ctx;

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    query_ctx *q = cls;
    if (q->ais_only && (!key[0] || !px_digits(key, strlen(key))))
        return MHD_YES;
    px_buf_puts(q->b, q->n++ ? "&" : "");
    put_escaped(q->b, key, 1);
    if (value) {
        px_buf_puts(q->b, "=");
        put_escaped(q->b, value, 1);
    }
    return MHD_YES;
}

/* The query string again (ais_only: only the AI attributes), escaped; n: pairs written. */
static int query_string(px_req *r, px_buf *b, int ais_only)
{
    query_ctx q = {b, 0, ais_only};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    return q.n;
}

#define ANY_DOMAIN "https://resolver.invalid"

/* The request as a Digital Link on ANY_DOMAIN into b: the path (a trailing '/' tolerated, as
 * the GS1-Conformant Resolver Standard asks) and the query (ais_only: its AI attributes only).
 * PX_OK, or input_too_long. */
static px_rc request_uri(px_req *r, px_buf *b, int ais_only, px_err *err)
{
    px_buf_puts(b, ANY_DOMAIN);
    size_t n = strlen(r->url);
    char *path = strndup(r->url, n > 1 && r->url[n - 1] == '/' ? n - 1 : n);
    if (path)
        put_escaped(b, path, 0);
    free(path);
    px_buf qs;
    px_buf_init(&qs, GS1_INPUT_MAX);
    if (query_string(r, &qs, ais_only)) {
        px_buf_puts(b, "?");
        px_buf_puts(b, qs.data);
    }
    px_buf_dispose(&qs);
    if (!path || px_buf_failed(b) != PX_OK)
        return px_err_set(err, PX_EINVALID, "input_too_long", "the link is too long");
    return PX_OK;
}

/* Parses the request as a Digital Link on any domain: the path and the AI attributes of the
 * query. */
static px_rc request_link(px_req *r, gs1_elements *e, px_err *err)
{
    px_buf b;
    px_buf_init(&b, GS1_INPUT_MAX);
    px_rc rc = request_uri(r, &b, 1, err);
    if (rc == PX_OK)
        rc = gs1_dl_parse(e, b.data, err);
    px_buf_dispose(&b);
    return rc;
}

static const char *element(const gs1_elements *e, const char *ai)
{
    for (int i = 0; i < e->count; i++)
        if (strcmp(e->items[i].ai, ai) == 0)
            return e->items[i].value;
    return NULL;
}

/* ---- answers --------------------------------------------------------------------------- */

/* Headers every resolver answer carries beside CORS for any origin (cors.c): the linkset's
 * location, even on a redirect (the GS1-Conformant Resolver Standard), and Vary. */
static void resolver_headers(px_req *r, const char *anchor)
{
    if (!r->response)
        return;
    /* The answer depends on Accept (page, JSON or linkset) and, for a redirect among links of
     * one type, on Accept-Language (choose_link): caches must key on both. */
    /* A refusal said Vary: Accept already (reply.c, every error body); this list holds it. */
    MHD_del_response_header(r->response, "Vary", "Accept");
    MHD_add_response_header(r->response, "Vary", "Accept, Accept-Language");
    if (anchor) {
        char link[GS1_DL_MAX + 128];
        snprintf(link, sizeof(link),
                 "<%s?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"",
                 anchor);
        MHD_add_response_header(r->response, "Link", link);
    }
}

/* The links packid knows for the item (the GS1 Web Vocabulary): its own verification page is the
 * default link; with a serial and a batch, of a product of a market whose packs the DSCSA
 * verification service answers for (market, px_market_vrs_answers; NULL: none), that service
 * (the GS1 Lightweight Messaging Standard, docs/verification.md) at /vrs. */
static json_t *links(const px_req *r, const char *anchor, const char *gtin, const char *lot,
                     const char *serial, const char *market, const px_product_link *ext, int next)
{
    json_t *ls = json_object();
    json_object_set_new(ls, VOC "defaultLink",
                        json_pack("[{s:s, s:s}]", "href", anchor, "title", "Verification page"));
    if (serial[0] && lot && lot[0] && px_market_vrs_answers(market)) {
        char href[GS1_DL_MAX + 256];
        px_buf b;
        px_buf_init(&b, sizeof(href));
        char base[256];
        px_app_public_base(r->app, base, sizeof(base));
        px_buf_printf(&b, "%s/vrs/verify/01/%s/10/", base, gtin);
        put_value(&b, lot);
        px_buf_puts(&b, "/21/");
        put_value(&b, serial);
        if (px_buf_failed(&b) == PX_OK)
            json_object_set_new(ls, VOC "verificationService",
                                json_pack("[{s:s, s:s, s:s, s:[s]}]", "href", b.data, "title",
                                          "DSCSA product identifier verification", "type",
                                          "application/json", "context", PX_VRS_CONTEXT));
        px_buf_dispose(&b);
    }
    /* REQ-LINKS-2: the MAH's links under their link types, in the MAH's order (the first of a
     * type is the one ?linkType= redirects to); the members the GS1 linkset schema allows. */
    for (int i = 0; i < next; i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), VOC "%s", ext[i].type);
        json_t *target = json_pack("{s:s, s:s}", "href", ext[i].href, "title", ext[i].title);
        if (ext[i].lang[0])
            json_object_set_new(target, "hreflang", json_pack("[s]", ext[i].lang));
        if (ext[i].media_type[0])
            json_object_set_new(target, "type", json_string(ext[i].media_type));
        json_t *list = json_object_get(ls, rel);
        if (!list) {
            list = json_array();
            json_object_set_new(ls, rel, list);
        }
        json_array_append_new(list, target);
    }
    return ls;
}

static void reply_linkset(px_req *r, const px_public_view *v, const char *anchor, json_t *ls)
{
    /* GS1's linkset schema requires a description: an unknown item's says what it is. */
    json_t *item = json_pack("{s:s, s:s}", "anchor", anchor, "itemDescription",
                             v->pub.product_found
                                 ? v->pub.product_name
                                 : "Unknown item: no product of this GTIN is registered here");
    json_object_update(item, ls);
    json_t *doc = json_pack("{s:[o]}", "linkset", item);
    char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!s) {
        px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
        return;
    }
    /* The GS1-Conformant Resolver Standard: exactly application/linkset+json, however the linkset
     * was asked for. */
    px_reply_take(r, 200, "application/linkset+json", s, strlen(s));
    /* The GS1-Conformant Resolver Standard: the JSON-LD context of a linkset. */
    MHD_add_response_header(r->response, "Link",
                            "<https://ref.gs1.org/standards/resolver/linkset-context>; "
                            "rel=\"http://www.w3.org/ns/json-ld#context\"; "
                            "type=\"application/ld+json\"");
    /* Its verification link names the batch only while the verdict vouches for the pack: an
     * answer of this moment, as the verdict's (px__verdict_reply). */
    MHD_add_response_header(r->response, "Cache-Control", "no-store");
}

/* REQ-LINKS-3 (the GS1-Conformant Resolver Standard): among the links of one type, the one whose
 * language the request's Accept-Language wants most; on equal wants (or no header, or no language
 * that matches) the MAH's order decides — the MAH lists its preferred link of a type first, so
 * candidates are never indistinguishable and no 300 is needed. A link without hreflang suits every
 * reader a little: above a link in a language not asked for, below any language asked for. */
static json_t *choose_link(px_req *r, json_t *candidates)
{
    const char *al = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Language");
    json_t *best = json_array_get(candidates, 0);
    if (!al)
        return best;
    int best_q = 0;
    size_t i;
    json_t *c;
    json_array_foreach(candidates, i, c)
    {
        const char *lang = json_string_value(json_array_get(json_object_get(c, "hreflang"), 0));
        int q = lang ? px_resolve_language_q(al, lang) : 1;
        if (q > best_q) {
            best = c;
            best_q = q;
        }
    }
    return best;
}

/* The GS1-Conformant Resolver Standard: 307 to the item's link of link_type (choose_link), every
 * query pair passed on (linkType unchanged: a VRS wants it as sent, docs/resolver.md "Content
 * negotiation"); a link type the item does not have is 404. */
static void reply_redirect(px_req *r, json_t *ls, const char *link_type)
{
    char full[96];
    snprintf(full, sizeof(full), VOC "%s", link_type);
    json_t *target = choose_link(r, json_object_get(ls, full));
    if (!target) {
        px_reply_fail(r, PX_ENOTFOUND, "not_found", "no link of type %s for this item", link_type);
        return;
    }
    /* The query goes on to the target (DOMAIN-2 §12.1 item 7), before a fragment the href may
     * end with (RFC 3986 §3: the query precedes the fragment, which never reaches a server). */
    const char *href = json_string_value(json_object_get(target, "href"));
    const char *frag = strchr(href, '#');
    size_t base = frag ? (size_t)(frag - href) : strlen(href);
    px_buf loc;
    px_buf_init(&loc, 8192);
    px_buf_add(&loc, href, base);
    px_buf qs;
    px_buf_init(&qs, 8192);
    if (query_string(r, &qs, 0)) {
        px_buf_puts(&loc, memchr(href, '?', base) ? "&" : "?");
        px_buf_puts(&loc, qs.data);
    }
    px_buf_dispose(&qs);
    if (frag)
        px_buf_puts(&loc, frag);
    if (px_buf_failed(&loc) != PX_OK) {
        px_buf_dispose(&loc);
        px_reply_fail(r, PX_EINVALID, "bad_request", "the query string is too long");
        return;
    }
    px_reply_bytes(r, 307, "text/plain", "", 0);
    MHD_add_response_header(r->response, "Location", loc.data);
    px_buf_dispose(&loc);
}

/* The anchor: the uncompressed link of the request on this resolver, its key and key
 * qualifiers only (the GS1-Conformant Resolver Standard); key receives those elements. */
static px_rc request_anchor(px_req *r, const gs1_elements *e, gs1_elements *key,
                            char anchor[GS1_DL_MAX], px_err *err)
{
    memset(key, 0, sizeof(*key));
    for (int i = 0; i < e->count; i++)
        if (strcmp(e->items[i].ai, "01") == 0 || strcmp(e->items[i].ai, "10") == 0 ||
            strcmp(e->items[i].ai, "21") == 0 || strcmp(e->items[i].ai, "22") == 0)
            key->items[key->count++] = e->items[i];
    char base[256];
    px_app_public_base(r->app, base, sizeof(base));
    return gs1_dl_format(anchor, GS1_DL_MAX, base, key, err);
}

/* The GS1-Conformant Resolver Standard: a compressed request names its uncompressed form. That
 * is the whole request uncompressed (gs1_dl_decompress) on this resolver: the key, its
 * qualifiers and every AI attribute the compressed data held — an expiry (17) is part of what
 * the link says — then the request's other query pairs; not the anchor, which keeps the key
 * and qualifiers only. e: the request's elements, the GS1 data alone named when the other pairs
 * are more than gs1_dl_decompress keeps (docs/gs1.md "Limits"). */
static void same_as_header(px_req *r, const gs1_elements *e)
{
    /* An uncompressed link's path is pairs of AI and value (/01/<gtin>/21/<serial>); a fully
     * compressed one is one segment, a partially compressed one the key's pair and the data
     * (/01/<gtin>/<data>): an odd count of segments, a trailing slash not counted. */
    size_t segments = 0, n = strlen(r->url);
    if (n > 1 && r->url[n - 1] == '/')
        n--;
    for (size_t i = 0; i < n; i++)
        segments += r->url[i] == '/';
    if (!r->response || segments % 2 == 0)
        return;
    px_buf in;
    px_buf_init(&in, GS1_INPUT_MAX);
    char *plain = malloc(GS1_INPUT_MAX);
    px_err err = PX_ERR_INIT;
    char base[256];
    px_app_public_base(r->app, base, sizeof(base));
    px_buf same;
    px_buf_init(&same, GS1_INPUT_MAX + sizeof(base) + 32);
    if (plain && request_uri(r, &in, 0, &err) == PX_OK &&
        gs1_dl_decompress(plain, GS1_INPUT_MAX, in.data, &err) == PX_OK)
        px_buf_printf(&same, "<%s%s>; rel=\"owl:sameAs\"", base, plain + strlen(ANY_DOMAIN));
    else if (plain && gs1_dl_format(plain, GS1_INPUT_MAX, base, e, &err) == PX_OK)
        px_buf_printf(&same, "<%s>; rel=\"owl:sameAs\"", plain);
    if (same.data && px_buf_failed(&same) == PX_OK)
        MHD_add_response_header(r->response, "Link", same.data);
    px_buf_dispose(&same);
    free(plain);
    px_buf_dispose(&in);
}

/* What h_resolve found, for the answer it chose. */
typedef struct resolve_found {
    px_resolve_answer a;
    const gs1_elements *e; /* the request's link */
    const char *link_type; /* the linkType asked, or "" */
    const char *serial;    /* "" for a link without one */
    const char *lot;       /* NULL for a link without one */
    const char *gtin;      /* the key's GTIN */
    const char *anchor;
    const px_public_view *v;
    const px_product_link *ext; /* the MAH's links (NULL for the verdict's JSON) */
    int next;
    px_db *db; /* the verification's read */
} resolve_found;

/* The answer: the page, the verdict's JSON, the linkset or the redirect, with the resolver's
 * headers. */
static void resolve_reply(px_req *r, const resolve_found *f)
{
    const px_public_view *v = f->v;
    json_t *ls = NULL;
    switch (f->a) {
    case PX_RESOLVE_PAGE:
        /* Unknown packs get the `unknown` page, never an error (docs/resolver.md). */
        px__resolver_page(r, v, f->gtin, f->serial, f->anchor, f->ext, f->next);
        break;
    case PX_RESOLVE_JSON:
        /* The verdict alone, as GET /v1/verify answers it (a test pack's flag included). */
        px__verdict_reply(r, f->db, f->gtin, f->serial, v);
        break;
    case PX_RESOLVE_LINKSET:
    case PX_RESOLVE_LINK:
        /* An unknown item (a GTIN nobody registered, a sandbox pack) has its default link too,
         * the page that says so (DOMAIN-2.md §12.1 item 4: every request URI has a default),
         * and nothing else: the linkset its answers point to (rel="linkset") exists. */
        if (!v->pub.product_found) {
            ls = links(r, f->anchor, f->gtin, NULL, "", NULL, NULL, 0);
            if (f->a == PX_RESOLVE_LINKSET)
                reply_linkset(r, v, f->anchor, ls);
            else
                reply_redirect(r, ls, f->link_type);
            break;
        }
        /* The stored batch completes the verification service's link only when the verdict
         * vouches for the pack, as on the page: a link must not tell what the page withholds. */
        ls = links(r, f->anchor, f->gtin,
                   f->lot ? f->lot
                          : (v->pub.pack.found && px_verdict_vouches(v->verdict) ? v->pub.pack.batch
                                                                                 : NULL),
                   f->serial, v->pub.market, f->ext, f->next);
        if (f->a == PX_RESOLVE_LINKSET)
            reply_linkset(r, v, f->anchor, ls);
        else
            reply_redirect(r, ls, f->link_type);
        break;
    }
    resolver_headers(r, f->anchor);
    same_as_header(r, f->e);
    json_decref(ls);
}

/* The query names the resolver reads itself; every other pair goes on with a redirect as sent.
 * One of these twice is refused, as every route refuses a name given twice (docs/api.md "401,
 * 403 and 404"): the first would count and the second — another link type, another place of
 * the scan for the clone rules — be dropped without a word. (AIs given twice are the Digital
 * Link's own error, duplicate_ai.) */
static const char *const k_read[] = {"linkType", "country", "lat", "lon", NULL};

void h_resolve(px_req *r)
{
    gs1_elements e;
    const char *twice;
    if (r->kept) {
        e = *(const gs1_elements *)r->kept; /* parsed before the park */
    } else if ((twice = px_req_query_repeated(r, k_read)) != NULL) {
        px_reply_fieldf(r, twice, "bad_request", "query parameter '%s' is given more than once",
                        twice);
        return;
    } else if (request_link(r, &e, &r->err) != PX_OK) {
        /* The GS1-Conformant Resolver Standard: a syntax error is 400, never 200 with an error
         * body. */
        px_reply_fail(r, PX_EINVALID, "bad_request", "not a GS1 Digital Link: %s", r->err.message);
        return;
    }
    const char *gtin = element(&e, "01");
    if (!gtin) {
        px_reply_fail(r, PX_ENOTFOUND, "not_found", "this resolver serves GTINs (01) only");
        return;
    }
    const char *serial = element(&e, "21");
    char link_type[64];
    resolve_found f = {.e = &e, .serial = serial ? serial : "", .lot = element(&e, "10")};
    f.a = px_resolve_choose(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept"),
                            px_req_query(r, "linkType"), link_type, sizeof(link_type));
    f.link_type = link_type;
    /* Only a person's look (the page) or an app's check (JSON) is a scan; a linkset or a
     * redirect asked by a machine is not, nor a HEAD (no content: it sees no verdict), unless
     * its serial is unknown (a guess, counted: service/scans.c). */
    px_scan_where w = {.country = px_req_query(r, "country"),
                       .lat = px_req_query(r, "lat"),
                       .lon = px_req_query(r, "lon"),
                       .client_addr = px__client_addr(r),
                       .source = "resolver",
                       .asked = (f.a != PX_RESOLVE_PAGE && f.a != PX_RESOLVE_JSON) ||
                                strcmp(r->method, "HEAD") == 0,
                       /* the JSON answer is the verdict alone, as GET /v1/verify's */
                       .verdict_only = f.a == PX_RESOLVE_JSON};
    int parked;
    px_db *db = px__verify_begin(r, gtin, f.serial, f.lot, element(&e, "17"), &w, &parked);
    if (parked && (r->kept = malloc(sizeof(e))) != NULL)
        memcpy(r->kept, &e, sizeof(e)); /* called again after the park: the link parsed once */
    if (!db)
        return; /* parked, or refused */
    px_public_view *v = calloc(1, sizeof(*v));
    if (!v) {
        px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
        return;
    }
    px_product_link *ext = NULL;
    if (px_reply_failed(r, px_svc_public_verify(r->app, db, gtin, f.serial, f.lot,
                                                element(&e, "17"), &w, r->pre, v, &r->err)))
        goto done;
    if (v->enumeration)
        px__limiter_drain(r->limiter, px__client_addr(r), 60.0);
    char anchor[GS1_DL_MAX];
    gs1_elements key;
    if (request_anchor(r, &e, &key, anchor, &r->err) != PX_OK) {
        px_reply_fail(r, PX_EINVALID, "bad_request", "not a GS1 Digital Link: %s", r->err.message);
        goto done;
    }
    /* The MAH's links, for every answer that shows links (not the verdict's JSON). */
    if (f.a != PX_RESOLVE_JSON && v->pub.product_found) {
        ext = calloc(PX_LINKS_MAX, sizeof(*ext));
        if (!ext) {
            px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
            goto done;
        }
        if (px_reply_failed(r, px_svc_links_public(db, key.items[0].value, ext, &f.next, &r->err)))
            goto done;
    }
    f.db = db;
    f.gtin = key.items[0].value;
    f.anchor = anchor;
    f.v = v;
    f.ext = ext;
    resolve_reply(r, &f);
done:
    free(ext);
    free(v);
}

/* A Digital Link path: a numeric AI segment after the first '/' (1, plain), or one segment of
 * the compressed alphabet (base64url) long enough to hold a key (2, compressed); else 0. */
static int link_shape(const char *url)
{
    const char *p = url + 1;
    size_t digits = strspn(p, "0123456789");
    size_t seg = strcspn(p, "/");
    if (digits >= 2 && digits <= 4 && p[digits] == '/')
        return 1;
    /* A trailing slash is tolerated, as on every link (DOMAIN-2 §12.1 item 12). */
    if (seg >= 8 && (p[seg] == '\0' || (p[seg] == '/' && p[seg + 1] == '\0')) &&
        px_base64url_span(p) == seg)
        return 2;
    return 0;
}

int px__resolver_path(const char *url)
{
    return link_shape(url) != 0;
}

/* 1 when the compressed path parses as a Digital Link (the path is the resolver's); a
 * segment of the compressed alphabet that does not is an unknown route, as any other. */
static int compressed_link(px_req *r)
{
    gs1_elements e;
    px_err err = PX_ERR_INIT;
    return request_link(r, &e, &err) == PX_OK;
}

int px__resolver_fallback(px_req *r)
{
    int shape = link_shape(r->url);
    if (!shape)
        return 0;
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        /* docs/api.md "405": a path the resolver answers is a known path, so another method
         * is 405 naming what it takes (its CORS preflight's OPTIONS too, cors.c), as on the
         * resolver's routed forms, not 404. */
        if (shape == 2 && !compressed_link(r))
            return 0;
        px_strlcpy(r->allow, "GET, HEAD, OPTIONS", sizeof(r->allow));
        px_reply_fail(r, PX_EINVALID, "method_not_allowed",
                      "method %s is not allowed on this path (allowed: %s)", r->method, r->allow);
        return 1;
    }
    r->cors = 1;
    r->page = 1; /* as the routes of PX_PAGE */
    if (px__limit_public(r))
        return 1;
    if (shape == 2 && !compressed_link(r)) {
        r->page = 0; /* not a link: an unknown route, answered as every one */
        return 0;
    }
    r->handler = h_resolve; /* called again after a park (px__verify_begin) */
    h_resolve(r);
    return 1;
}

void h_gs1resolver(px_req *r)
{
    /* The GS1-Conformant Resolver Standard: the resolver description file. It supports
     * language variants: among a MAH's links of one type, a redirect takes the one whose
     * language Accept-Language wants most (REQ-LINKS-3, choose_link). */
    char base[256];
    px_app_public_base(r->app, base, sizeof(base));
    json_t *d =
        json_pack("{s:s, s:s, s:[s], s:[{s:s, s:s}], s:b, s:b, s:[s], s:b, s:b, s:b, s:[s,s,s]}",
                  "resolverRoot", base, "name", "packid verification resolver",
                  "supportedPrimaryKeys", "01", "supportedLinkType", "namespace", VOC, "prefix",
                  "gs1:", "linkTypeDefaultCanBeLinkset", 0, "linkTypeDefaultCanBeAll", 0,
                  "supportedContextValuesEnumerated", PX_VRS_CONTEXT, "supportsLanguageVariants", 1,
                  "supportsSemanticInterpretation", 0, "validatesAIcombinations", 1,
                  "activeLinkTypes", "gs1:defaultLink", "gs1:verificationService", "gs1:linkset");
    px_reply_json(r, 200, d);
    resolver_headers(r, NULL);
}
