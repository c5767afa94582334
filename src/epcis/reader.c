/* EPCIS reader: 1.2 XML, 2.0 XML and 2.0 JSON-LD into the one event model (px_epcis_event)
 * that the writers take, so a document read and written again, in any syntax, yields the
 * same events and the same hash IDs (the reader beside its writer: libgit2's parse/write
 * pairs). The mapping is DOMAIN-2.md §14.7 read backwards.
 *
 * Nothing is dropped silently: a field the model cannot carry would change the event's hash
 * (or its meaning) without anyone noticing, so it fails with "epcis_unsupported" and the
 * caller decides. recordTime is the one exception: the capturing side sets it, and it is not
 * part of the hash (CBV 2.0 §8.9).
 *
 * XML goes through libxml2's streaming xmlTextReader; each event's subtree is expanded,
 * converted and freed before the next, so memory is bounded by the largest event. JSON-LD is
 * streamed too (a scanner cuts out one event at a time for jansson). */
#include <jansson.h>
#include <libxml/xmlreader.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_internal.h"
#include "gs1.h"
#include "px_clock.h"

#define XFIELD_DEPTH_MAX 8

/* ---- per-event storage: every allocation of one event, freed together ---------------- */

typedef struct arena {
    void **p;
    size_t n, cap;
    int oom;
} arena;

static void *ar_alloc(arena *a, size_t size)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        void **np = realloc(a->p, cap * sizeof(*np));
        if (!np) {
            a->oom = 1;
            return NULL;
        }
        a->p = np;
        a->cap = cap;
    }
    void *m = calloc(1, size ? size : 1);
    if (!m) {
        a->oom = 1;
        return NULL;
    }
    a->p[a->n++] = m;
    return m;
}

static char *ar_strdup(arena *a, const char *s, size_t n)
{
    char *d = ar_alloc(a, n + 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A copy without surrounding whitespace (XML text content of leaf elements). */
static char *ar_trim(arena *a, const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return ar_strdup(a, s, n);
}

static void ar_reset(arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->p[i]);
    a->n = 0;
}

static void ar_dispose(arena *a)
{
    ar_reset(a);
    free(a->p);
    a->p = NULL;
    a->cap = 0;
}

/* ---- shared value parsing ------------------------------------------------------------ */

static px_rc unsupported(px_err *err, const char *what, const char *name)
{
    return px_err_set(err, PX_EINVALID, "epcis_unsupported", "%s \"%s\" is not in packid's model",
                      what, name);
}

/* A CBV value as URN (CBV 1.x), Web URI (CBV 2.0) or bare word (JSON), to its bare word. */
static const char *cbv_word(const char *v, const char *urn, const char *web)
{
    size_t nu = strlen(urn), nw = strlen(web);
    if (strncmp(v, urn, nu) == 0)
        return v + nu;
    if (strncmp(v, web, nw) == 0)
        return v + nw;
    if (strchr(v, ':'))
        return NULL; /* some other URI: not a CBV value */
    return v;
}

static px_rc parse_bizstep(px_cbv_bizstep *out, const char *v, px_err *err)
{
    const char *w = cbv_word(v, EPCIS__URN_BIZSTEP, EPCIS__WEB_BIZSTEP);
    if (!w || (*out = px_cbv_bizstep_lookup(w)) == PX_BIZSTEP_NONE)
        return unsupported(err, "bizStep", v);
    return PX_OK;
}

static px_rc parse_disp(px_cbv_disp *out, const char *v, px_err *err)
{
    const char *w = cbv_word(v, EPCIS__URN_DISP, EPCIS__WEB_DISP);
    if (!w || (*out = px_cbv_disp_lookup(w)) == PX_DISP_NONE)
        return unsupported(err, "disposition", v);
    return PX_OK;
}

static px_rc parse_btt(px_cbv_btt *out, const char *v, px_err *err)
{
    const char *w = cbv_word(v, EPCIS__URN_BTT, EPCIS__WEB_BTT);
    if (!w || (*out = px_cbv_btt_lookup(w)) == PX_BTT_NONE)
        return unsupported(err, "bizTransaction type", v);
    return PX_OK;
}

static px_rc parse_sdt(px_cbv_sdt *out, const char *v, px_err *err)
{
    const char *w = cbv_word(v, EPCIS__URN_SDT, EPCIS__WEB_SDT);
    for (int i = 1; w && i < PX_SDT__COUNT; i++)
        if (strcmp(px_cbv_sdt_name((px_cbv_sdt)i), w) == 0) {
            *out = (px_cbv_sdt)i;
            return PX_OK;
        }
    return unsupported(err, "source/destination type", v);
}

static px_rc parse_action(px_epcis_action *out, const char *v, px_err *err)
{
    static const px_epcis_action all[] = {PX_EPCIS_ADD, PX_EPCIS_OBSERVE, PX_EPCIS_DELETE};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(px_epcis_action_name(all[i]), v) == 0) {
            *out = all[i];
            return PX_OK;
        }
    return px_err_set(err, PX_EINVALID, "epcis_invalid",
                      "action \"%s\" is not ADD, OBSERVE or DELETE", v);
}

static px_rc parse_time(int64_t *us, const char *v, px_err *err)
{
    if (px_time_parse(v, us) != 0)
        return px_err_set(err, PX_EINVALID, "epcis_invalid",
                          "eventTime \"%s\" is not a date-time "
                          "with an offset",
                          v);
    return PX_OK;
}

/* "+hh:mm" / "-hh:mm" within ±14:00 (EPCIS 2.0 pattern, DOMAIN.md §6.2). */
static px_rc parse_tz(int *minutes, const char *v, px_err *err)
{
    if (strlen(v) == 6 && (v[0] == '+' || v[0] == '-') && v[3] == ':') {
        int h = (v[1] - '0') * 10 + (v[2] - '0'), m = (v[4] - '0') * 10 + (v[5] - '0');
        int ok = v[1] >= '0' && v[1] <= '9' && v[2] >= '0' && v[2] <= '9' && v[4] >= '0' &&
                 v[4] <= '5' && v[5] >= '0' && v[5] <= '9' && (h < 14 || (h == 14 && m == 0));
        if (ok) {
            *minutes = (v[0] == '-' ? -1 : 1) * (h * 60 + m);
            return PX_OK;
        }
    }
    return px_err_set(err, PX_EINVALID, "epcis_invalid",
                      "eventTimeZoneOffset \"%s\" is not [+-]hh:mm within 14:00", v);
}

static int digits13(const char *s)
{
    if (!s || strlen(s) != 13)
        return 0;
    for (int i = 0; i < 13; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* The model's rules, and the hash: an event whose identifiers packid cannot bring to the
 * canonical Digital Link form (DOMAIN.md §4.4: an EPC scheme gs1_epc_to_dl does not know)
 * has no packid hash ID, so it is outside the model like an unknown event type. */
/* REQ-EPCIS2-5: what is handed over is a valid, hashable model event, so writing it again in
 * any syntax gives the same hash ID. REQ-EPCIS2-6: what the model lacks is refused. */
static px_rc check_event(const px_epcis_event *ev, px_err *err)
{
    px_rc rc = px_epcis_event_check(ev, PX_EPCIS_PROFILE_NONE, err);
    if (rc != PX_OK)
        return rc;
    char id[PX_EPCIS_EVENT_ID_MAX];
    px_err herr;
    px_err_clear(&herr);
    if (px_epcis_event_hash(id, ev, &herr) != PX_OK)
        return px_err_set(err, PX_EINVALID, "epcis_unsupported", "no hash ID: %s", herr.message);
    return PX_OK;
}

/* ---- XML ------------------------------------------------------------------------------ */

static int is_el(const xmlNode *n)
{
    return n && n->type == XML_ELEMENT_NODE;
}

static const char *lname(const xmlNode *n)
{
    return (const char *)n->name;
}

static const char *ns_of(const xmlNode *n)
{
    return n->ns && n->ns->href ? (const char *)n->ns->href : NULL;
}

/* An element of EPCIS itself: unqualified (the event children) or in an EPCIS namespace. */
static int epcis_el(const xmlNode *n)
{
    const char *ns = ns_of(n);
    return !ns || strcmp(ns, EPCIS__NS_EPCIS_1) == 0 || strcmp(ns, EPCIS__NS_EPCIS_2) == 0;
}

static size_t count_el(const xmlNode *parent, const char *name)
{
    size_t n = 0;
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (is_el(c) && (!name || strcmp(lname(c), name) == 0))
            n++;
    return n;
}

/* The trimmed text of a leaf element, copied into the arena. */
static char *text(arena *a, const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s = ar_trim(a, t ? (const char *)t : "");
    xmlFree(t);
    return s;
}

static char *attr(arena *a, const xmlNode *n, const char *name)
{
    xmlChar *t = xmlGetProp(n, BAD_CAST name);
    if (!t)
        return NULL;
    char *s = ar_trim(a, (const char *)t);
    xmlFree(t);
    return s;
}

static px_rc x_xfield(arena *a, px_epcis_xfield *f, const xmlNode *n, int depth, px_err *err)
{
    if (depth >= XFIELD_DEPTH_MAX)
        return px_err_set(err, PX_EINVALID, "epcis_invalid", "extension nested too deep");
    const char *ns = ns_of(n);
    if (!ns)
        return unsupported(err, "element", lname(n));
    if (n->properties)
        /* px_epcis_xfield has no attributes: refuse rather than drop them. */
        return unsupported(err, "attribute on extension element", lname(n));
    f->ns = ar_strdup(a, ns, strlen(ns));
    f->name = ar_strdup(a, lname(n), strlen(lname(n)));
    size_t nc = count_el(n, NULL);
    if (nc == 0) {
        f->value = text(a, n);
        return a->oom ? px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory") : PX_OK;
    }
    px_epcis_xfield *ch = ar_alloc(a, nc * sizeof(*ch));
    if (!ch)
        return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
    size_t i = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            /* Mixed content (text beside child elements) has no JSON-LD form. */
            for (const xmlChar *t = c->content; t && *t; t++)
                if (*t != ' ' && *t != '\t' && *t != '\n' && *t != '\r')
                    return unsupported(err, "mixed content in", lname(n));
        }
        if (!is_el(c))
            continue;
        px_rc rc = x_xfield(a, &ch[i++], c, depth + 1, err);
        if (rc != PX_OK)
            return rc;
    }
    f->children = ch;
    f->n_children = nc;
    return PX_OK;
}

/* Growable list of xfields for one event (ILMD or extensions). */
typedef struct xlist {
    px_epcis_xfield *v;
    size_t n, cap;
} xlist;

static px_epcis_xfield *xl_push(arena *a, xlist *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        px_epcis_xfield *nv = ar_alloc(a, cap * sizeof(*nv));
        if (!nv)
            return NULL;
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof(*nv));
        l->v = nv;
        l->cap = cap;
    }
    memset(&l->v[l->n], 0, sizeof(l->v[0]));
    return &l->v[l->n++];
}

typedef struct x_ctx {
    arena *a;
    px_epcis_event *ev;
    xlist ilmd, ext;
} x_ctx;

static px_rc x_epcs(x_ctx *x, const xmlNode *list)
{
    size_t n = count_el(list, "epc");
    const char **v = ar_alloc(x->a, (n ? n : 1) * sizeof(*v));
    if (!v)
        return PX_EINTERNAL;
    size_t i = 0;
    for (const xmlNode *c = list->children; c; c = c->next)
        if (is_el(c) && strcmp(lname(c), "epc") == 0)
            v[i++] = text(x->a, c);
    x->ev->epcs = v;
    x->ev->n_epcs = n;
    return PX_OK;
}

static px_rc x_quantities(x_ctx *x, const xmlNode *list, px_err *err)
{
    size_t n = count_el(list, "quantityElement");
    px_epcis_quantity *q = ar_alloc(x->a, (n ? n : 1) * sizeof(*q));
    if (!q)
        return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
    size_t i = 0;
    for (const xmlNode *c = list->children; c; c = c->next) {
        if (!is_el(c) || strcmp(lname(c), "quantityElement") != 0)
            continue;
        for (const xmlNode *f = c->children; f; f = f->next) {
            if (!is_el(f))
                continue;
            if (strcmp(lname(f), "epcClass") == 0)
                q[i].epc_class = text(x->a, f);
            else if (strcmp(lname(f), "quantity") == 0)
                q[i].quantity = text(x->a, f);
            else if (strcmp(lname(f), "uom") == 0)
                q[i].uom = text(x->a, f);
            else
                return unsupported(err, "quantityElement field", lname(f));
        }
        i++;
    }
    x->ev->quantities = q;
    x->ev->n_quantities = n;
    return PX_OK;
}

static px_rc x_parties(x_ctx *x, const xmlNode *list, const char *elem, const px_epcis_party **out,
                       size_t *nout, px_err *err)
{
    size_t n = count_el(list, elem);
    px_epcis_party *p = ar_alloc(x->a, (n ? n : 1) * sizeof(*p));
    if (!p)
        return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
    size_t i = 0;
    for (const xmlNode *c = list->children; c; c = c->next) {
        if (!is_el(c) || strcmp(lname(c), elem) != 0)
            continue;
        char *t = attr(x->a, c, "type");
        px_rc rc = parse_sdt(&p[i].type, t ? t : "", err);
        if (rc != PX_OK)
            return rc;
        p[i++].id = text(x->a, c);
    }
    *out = p;
    *nout = n;
    return PX_OK;
}

static px_rc x_location(x_ctx *x, const xmlNode *n, const char **out, px_err *err)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_el(c))
            continue;
        if (strcmp(lname(c), "id") != 0)
            return unsupported(err, "location field", lname(c));
        *out = text(x->a, c);
    }
    return PX_OK;
}

static px_rc x_ilmd(x_ctx *x, const xmlNode *n, px_err *err)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_el(c))
            continue;
        const char *ns = ns_of(c);
        /* The model's lot and expiry are CBV master data in the XML namespace exactly; the
         * JSON-LD spelling with a trailing colon stays a field of its own, hashed literally
         * (DOMAIN.md §6.6, docs/epcis.md). */
        if (ns && strcmp(ns, EPCIS__NS_CBVMDA) == 0 && strcmp(lname(c), "lotNumber") == 0 &&
            !x->ev->lot && count_el(c, NULL) == 0) {
            x->ev->lot = text(x->a, c);
            continue;
        }
        if (ns && strcmp(ns, EPCIS__NS_CBVMDA) == 0 &&
            strcmp(lname(c), "itemExpirationDate") == 0 && !x->ev->expiry &&
            count_el(c, NULL) == 0) {
            x->ev->expiry = text(x->a, c);
            continue;
        }
        px_epcis_xfield *f = xl_push(x->a, &x->ilmd);
        if (!f)
            return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
        px_rc rc = x_xfield(x->a, f, c, 0, err);
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

/* The children of an event, or of its 1.2 <extension> / <baseExtension> wrapper. */
static px_rc x_fields(x_ctx *x, const xmlNode *ev_node, int wrapper, px_err *err)
{
    px_epcis_event *ev = x->ev;
    int obj = ev->type == PX_EPCIS_OBJECT_EVENT;
    px_rc rc = PX_OK;
    for (const xmlNode *c = ev_node->children; c && rc == PX_OK; c = c->next) {
        if (!is_el(c))
            continue;
        const char *n = lname(c);
        if (!epcis_el(c)) {
            px_epcis_xfield *f = xl_push(x->a, &x->ext);
            if (!f)
                return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
            rc = x_xfield(x->a, f, c, 0, err);
        } else if (strcmp(n, "eventTime") == 0) {
            rc = parse_time(&ev->event_time_us, text(x->a, c), err);
        } else if (strcmp(n, "recordTime") == 0) {
            continue; /* set by the capturing side; not hashed (CBV 2.0 §8.9) */
        } else if (strcmp(n, "eventTimeZoneOffset") == 0) {
            rc = parse_tz(&ev->tz_offset_min, text(x->a, c), err);
        } else if (strcmp(n, "eventID") == 0) {
            ev->event_id = text(x->a, c);
        } else if (strcmp(n, "baseExtension") == 0 || strcmp(n, "extension") == 0) {
            if (wrapper)
                return unsupported(err, "element", n);
            rc = x_fields(x, c, 1, err);
        } else if (strcmp(n, obj ? "epcList" : "childEPCs") == 0) {
            rc = x_epcs(x, c);
        } else if (!obj && strcmp(n, "parentID") == 0) {
            ev->parent_id = text(x->a, c);
        } else if (strcmp(n, "action") == 0) {
            rc = parse_action(&ev->action, text(x->a, c), err);
        } else if (strcmp(n, "bizStep") == 0) {
            rc = parse_bizstep(&ev->biz_step, text(x->a, c), err);
        } else if (strcmp(n, "disposition") == 0) {
            rc = parse_disp(&ev->disposition, text(x->a, c), err);
        } else if (strcmp(n, "readPoint") == 0) {
            rc = x_location(x, c, &ev->read_point, err);
        } else if (strcmp(n, "bizLocation") == 0) {
            rc = x_location(x, c, &ev->biz_location, err);
        } else if (strcmp(n, "bizTransactionList") == 0) {
            size_t k = count_el(c, "bizTransaction");
            px_epcis_biz_transaction *bt = ar_alloc(x->a, (k ? k : 1) * sizeof(*bt));
            if (!bt)
                return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
            size_t i = 0;
            for (const xmlNode *b = c->children; b && rc == PX_OK; b = b->next) {
                if (!is_el(b))
                    continue;
                char *t = attr(x->a, b, "type");
                if (t)
                    rc = parse_btt(&bt[i].type, t, err);
                bt[i++].id = text(x->a, b);
            }
            ev->biz_transactions = bt;
            ev->n_biz_transactions = k;
        } else if (strcmp(n, obj ? "quantityList" : "childQuantityList") == 0) {
            rc = x_quantities(x, c, err);
        } else if (strcmp(n, "sourceList") == 0) {
            rc = x_parties(x, c, "source", &ev->sources, &ev->n_sources, err);
        } else if (strcmp(n, "destinationList") == 0) {
            rc = x_parties(x, c, "destination", &ev->destinations, &ev->n_destinations, err);
        } else if (obj && strcmp(n, "ilmd") == 0) {
            rc = x_ilmd(x, c, err);
        } else {
            /* errorDeclaration, certificationInfo, sensorElementList, persistentDisposition … */
            rc = unsupported(err, "element", n);
        }
    }
    if (rc == PX_OK && x->a->oom)
        rc = px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
    return rc;
}

#define PRODUCTS_MAX 1024 /* EPCClass elements kept from one header */

typedef struct reader_state {
    const px_epcis_read_cb *cb;
    px_epcis_format format;
    px_epcis_doc_header h;
    px_epcis_product *products; /* in ha */
    size_t n_products;
    int header_sent;
    size_t count;
    arena a;  /* per event */
    arena ha; /* header strings, for the whole read */
} reader_state;

static px_rc send_header(reader_state *st, px_err *err)
{
    if (st->header_sent)
        return PX_OK;
    st->header_sent = 1;
    if (st->cb->on_header && st->cb->on_header(st->cb->ctx, st->format, &st->h) != 0)
        return px_err_set(err, PX_ECONFLICT, "stopped", "the reader's caller stopped it");
    return PX_OK;
}

static px_rc send_event(reader_state *st, const px_epcis_event *ev, px_err *err)
{
    px_rc rc = send_header(st, err);
    if (rc != PX_OK)
        return rc;
    if (st->cb->on_event && st->cb->on_event(st->cb->ctx, ev) != 0)
        return px_err_set(err, PX_ECONFLICT, "stopped", "the reader's caller stopped it");
    st->count++;
    return PX_OK;
}

static px_rc x_event(reader_state *st, const xmlNode *n, px_err *err)
{
    px_epcis_event ev;
    memset(&ev, 0, sizeof(ev));
    const char *name = lname(n);
    if (strcmp(name, "ObjectEvent") == 0)
        ev.type = PX_EPCIS_OBJECT_EVENT;
    else if (strcmp(name, "AggregationEvent") == 0)
        ev.type = PX_EPCIS_AGGREGATION_EVENT;
    else
        return unsupported(err, "event type", name);
    ev.action = (px_epcis_action)-1;
    ev.tz_offset_min = 99 * 60; /* "absent": the event check rejects it */
    x_ctx x = {.a = &st->a, .ev = &ev};
    px_rc rc = x_fields(&x, n, 0, err);
    ev.ilmd = x.ilmd.v;
    ev.n_ilmd = x.ilmd.n;
    ev.extensions = x.ext.v;
    ev.n_extensions = x.ext.n;
    if (rc == PX_OK)
        rc = check_event(&ev, err);
    if (rc == PX_OK)
        rc = send_event(st, &ev, err);
    ar_reset(&st->a);
    return rc;
}

/* ---- master data: the EPCClass attributes packid writes (CBV §8, DOMAIN.md §6.5) ------ */

/* A new product for an EPCClass element id "urn:epc:idpat:sgtin:CP.IIR.*"; NULL when the id
 * is another kind of class (master data is not hashed: such elements are simply not kept). */
static px_epcis_product *md_product(reader_state *st, const char *id)
{
    gs1_elements e;
    gs1_epc_kind kind;
    int gcp_len = 0;
    px_err ignored;
    if (!id || st->n_products == PRODUCTS_MAX ||
        gs1_epc_parse(&e, &kind, &gcp_len, id, &ignored) != PX_OK || kind != GS1_EPC_IDPAT_SGTIN ||
        e.count < 1)
        return NULL;
    if (!st->products && !(st->products = ar_alloc(&st->ha, PRODUCTS_MAX * sizeof(*st->products))))
        return NULL;
    px_epcis_product *p = &st->products[st->n_products++];
    memset(p, 0, sizeof(*p));
    p->gtin = ar_strdup(&st->ha, e.items[0].value, strlen(e.items[0].value));
    p->gcp_len = gcp_len;
    return p;
}

/* One attribute by its CBV name, written "urn:epcglobal:cbv:mda#name" by packid (and GS1 US);
 * the JSON-LD spellings "cbvmda:name" and "urn:epcglobal:cbv:mda:name" are the same. */
static void md_attribute(reader_state *st, px_epcis_product *p, const char *id, const char *v,
                         const char **type_code)
{
    static const char *const prefixes[] = {"urn:epcglobal:cbv:mda#",
                                           "urn:epcglobal:cbv:mda:", "cbvmda:"};
    const char *name = NULL;
    for (size_t i = 0; id && !name && i < 3; i++)
        if (strncmp(id, prefixes[i], strlen(prefixes[i])) == 0)
            name = id + strlen(prefixes[i]);
    if (!name || !v)
        return;
    const char *copy = ar_strdup(&st->ha, v, strlen(v));
    if (strcmp(name, "regulatedProductName") == 0)
        p->regulated_product_name = copy;
    else if (strcmp(name, "dosageFormType") == 0)
        p->dosage_form_type = copy;
    else if (strcmp(name, "strengthDescription") == 0)
        p->strength_description = copy;
    else if (strcmp(name, "netContentDescription") == 0)
        p->net_content_description = copy;
    else if (strcmp(name, "manufacturerOfTradeItemPartyName") == 0)
        p->manufacturer_name = copy;
    else if (strcmp(name, "additionalTradeItemIdentification") == 0)
        p->nhrn = copy; /* settled by the type code below */
    else if (strcmp(name, "additionalTradeItemIdentificationTypeCode") == 0)
        *type_code = copy;
}

/* The additional identification is an NDC (FDA_NDC_11) or an NHRN by its national name,
 * the inverse of the writers' epcis__nhrn_type. */
static void md_settle(px_epcis_product *p, const char *type_code)
{
    static const char *const ais[] = {"710", "711", "712", "713", "714", "715", "716", "717"};
    const char *number = p->nhrn;
    p->nhrn = NULL;
    if (!number || !type_code)
        return;
    if (strcmp(type_code, "FDA_NDC_11") == 0) {
        p->ndc = number;
        return;
    }
    for (size_t i = 0; i < 8; i++)
        if (strcmp(epcis__nhrn_type(ais[i]), type_code) == 0) {
            p->nhrn_ai = ais[i];
            p->nhrn = number;
        }
}

static void x_masterdata(reader_state *st, const xmlNode *vocab_list)
{
    for (const xmlNode *v = vocab_list->children; v; v = v->next) {
        if (!is_el(v) || strcmp(lname(v), "Vocabulary") != 0)
            continue;
        char *type = attr(&st->ha, v, "type");
        if (!type || strcmp(type, "urn:epcglobal:epcis:vtype:EPCClass") != 0)
            continue;
        for (const xmlNode *l = v->children; l; l = l->next) {
            if (!is_el(l) || strcmp(lname(l), "VocabularyElementList") != 0)
                continue;
            for (const xmlNode *e = l->children; e; e = e->next) {
                if (!is_el(e) || strcmp(lname(e), "VocabularyElement") != 0)
                    continue;
                px_epcis_product *p = md_product(st, attr(&st->ha, e, "id"));
                const char *type_code = NULL;
                for (const xmlNode *a = e->children; p && a; a = a->next)
                    if (is_el(a) && strcmp(lname(a), "attribute") == 0)
                        md_attribute(st, p, attr(&st->ha, a, "id"), text(&st->ha, a), &type_code);
                if (p)
                    md_settle(p, type_code);
            }
        }
    }
    st->h.products = st->products;
    st->h.n_products = st->n_products;
}

/* SBDH sender/receiver/instance identifier (DOMAIN.md §6.2), when they are GLNs; EPCClass
 * master data. */
static void x_header(reader_state *st, const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_el(c))
            continue;
        const char *name = lname(c);
        if (strcmp(name, "Identifier") == 0 && c->parent) {
            char *t = text(&st->ha, c);
            if (digits13(t) && strcmp(lname(c->parent), "Sender") == 0)
                st->h.sender_gln = t;
            else if (digits13(t) && strcmp(lname(c->parent), "Receiver") == 0)
                st->h.receiver_gln = t;
        } else if (strcmp(name, "InstanceIdentifier") == 0) {
            st->h.instance_id = text(&st->ha, c);
        } else if (strcmp(name, "VocabularyList") == 0) {
            x_masterdata(st, c);
        } else {
            x_header(st, c);
        }
    }
}

static int is_event_name(const char *n)
{
    return strcmp(n, "ObjectEvent") == 0 || strcmp(n, "AggregationEvent") == 0 ||
           strcmp(n, "TransactionEvent") == 0 || strcmp(n, "TransformationEvent") == 0 ||
           strcmp(n, "AssociationEvent") == 0 || strcmp(n, "QuantityEvent") == 0;
}

static void x_swallow(void *ctx, xmlErrorPtr e)
{
    px_err *err = ctx;
    if (e && e->level >= XML_ERR_ERROR && err && err->rc == PX_OK)
        px_err_set(err, PX_EINVALID, "epcis_xml", "line %d: %s", e->line,
                   e->message ? e->message : "not well-formed");
}

static px_rc read_xml(reader_state *st, xmlTextReaderPtr r, px_err *err)
{
    px_rc rc = PX_OK;
    int root_seen = 0;
    int ret = xmlTextReaderRead(r);
    while (ret == 1 && rc == PX_OK) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT) {
            ret = xmlTextReaderRead(r);
            continue;
        }
        const char *name = (const char *)xmlTextReaderConstLocalName(r);
        if (!root_seen) {
            root_seen = 1;
            const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);
            if (ns && strstr(ns, ":xsd:2"))
                st->format = PX_EPCIS_FORMAT_XML_2_0;
            else if (ns && strstr(ns, ":xsd:1"))
                st->format = PX_EPCIS_FORMAT_XML_1_2;
            else
                return px_err_set(err, PX_EINVALID, "epcis_invalid",
                                  "the root element \"%s\" is not an EPCIS document", name);
            xmlChar *cd = xmlTextReaderGetAttribute(r, BAD_CAST "creationDate");
            if (cd)
                px_time_parse((const char *)cd, &st->h.creation_us);
            xmlFree(cd);
            ret = xmlTextReaderRead(r);
            continue;
        }
        if (strcmp(name, "EPCISHeader") == 0 || is_event_name(name)) {
            /* One subtree at a time: expanded, converted, then skipped (and freed) by Next. */
            xmlNodePtr n = xmlTextReaderExpand(r);
            if (!n)
                break;
            if (strcmp(name, "EPCISHeader") == 0) {
                x_header(st, n);
            } else {
                rc = x_event(st, n, err);
                if (rc != PX_OK && !err->field[0])
                    px_err_field(err, "events[%zu]", st->count);
            }
            ret = xmlTextReaderNext(r);
            continue;
        }
        ret = xmlTextReaderRead(r);
    }
    if (rc == PX_OK && err->rc != PX_OK)
        rc = err->rc; /* a parse error reported through x_swallow */
    if (rc == PX_OK && ret < 0)
        rc = px_err_set(err, PX_EINVALID, "epcis_xml", "the document is not well-formed XML");
    if (rc == PX_OK && !root_seen)
        rc = px_err_set(err, PX_EINVALID, "epcis_xml", "not an XML document");
    if (rc == PX_OK)
        rc = send_header(st, err);
    return rc;
}

/* ---- JSON-LD -------------------------------------------------------------------------- */

typedef struct j_ctx {
    arena *a;
    const json_t *doc_ctx; /* the document's @context */
    const json_t *ev_ctx;  /* the event's own @context, may be NULL */
} j_ctx;

/* Looks prefix up in one @context value (string, object or array of them). */
static const char *ctx_lookup(const json_t *c, const char *prefix)
{
    if (!c)
        return NULL;
    if (json_is_object(c)) {
        const json_t *v = json_object_get(c, prefix);
        if (json_is_string(v))
            return json_string_value(v);
        if (json_is_object(v) && json_is_string(json_object_get(v, "@id")))
            return json_string_value(json_object_get(v, "@id"));
        return NULL;
    }
    if (json_is_array(c)) {
        const char *found = NULL;
        size_t i;
        const json_t *item;
        json_array_foreach(c, i, item)
        {
            const char *f = ctx_lookup(item, prefix);
            if (f)
                found = f; /* later entries override earlier ones (JSON-LD 1.1 §4.1) */
        }
        return found;
    }
    return NULL;
}

/* "prefix:local" or an absolute IRI to (namespace, local name). The standard EPCIS context
 * (referenced by URL, never fetched) defines cbvmda as urn:epcglobal:cbv:mda:. */
static px_rc j_qname(j_ctx *j, const char *key, const char **ns, const char **local, px_err *err)
{
    const char *colon = strchr(key, ':');
    if (!colon)
        return unsupported(err, "field", key);
    if (strncmp(key, "http://", 7) == 0 || strncmp(key, "https://", 8) == 0 ||
        strncmp(key, "urn:", 4) == 0) {
        const char *sep = strrchr(key, '#');
        if (!sep)
            sep = strrchr(key, '/');
        if (!sep || sep < colon)
            sep = strrchr(key, ':');
        *ns = ar_strdup(j->a, key, (size_t)(sep - key) + 1);
        *local = sep + 1;
        return PX_OK;
    }
    char prefix[64];
    size_t pn = (size_t)(colon - key);
    if (pn >= sizeof(prefix))
        return unsupported(err, "field", key);
    memcpy(prefix, key, pn);
    prefix[pn] = '\0';
    const char *iri = ctx_lookup(j->ev_ctx, prefix);
    if (!iri)
        iri = ctx_lookup(j->doc_ctx, prefix);
    if (!iri && strcmp(prefix, "cbvmda") == 0)
        iri = EPCIS__NS_CBVMDA_LD;
    if (!iri)
        return px_err_set(err, PX_EINVALID, "epcis_invalid",
                          "prefix \"%s\" of \"%s\" is not declared in any @context", prefix, key);
    *ns = iri;
    *local = colon + 1;
    return PX_OK;
}

/* A JSON scalar as text (numbers in their shortest usual form). */
static const char *j_text(arena *a, const json_t *v)
{
    char num[64];
    if (json_is_string(v))
        return ar_strdup(a, json_string_value(v), json_string_length(v));
    if (json_is_integer(v))
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(num, sizeof(num), "%.15g", json_real_value(v));
    else if (json_is_true(v))
        snprintf(num, sizeof(num), "true");
    else if (json_is_false(v))
        snprintf(num, sizeof(num), "false");
    else
        return NULL;
    return ar_strdup(a, num, strlen(num));
}

static const char *j_str(j_ctx *j, const json_t *o, const char *key, px_err *err, px_rc *rc)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return NULL;
    if (!json_is_string(v)) {
        *rc = px_err_set(err, PX_EINVALID, "epcis_invalid", "\"%s\" must be a string", key);
        return NULL;
    }
    return ar_strdup(j->a, json_string_value(v), json_string_length(v));
}

static px_rc j_xfield(j_ctx *j, px_epcis_xfield *f, const char *key, const json_t *v, int depth,
                      px_err *err)
{
    if (depth >= XFIELD_DEPTH_MAX)
        return px_err_set(err, PX_EINVALID, "epcis_invalid", "extension nested too deep");
    px_rc rc = j_qname(j, key, &f->ns, &f->name, err);
    if (rc != PX_OK)
        return rc;
    if (!json_is_object(v)) {
        if (!(f->value = j_text(j->a, v)))
            return unsupported(err, "extension value of", key);
        return PX_OK;
    }
    size_t n = json_object_size(v);
    px_epcis_xfield *ch = ar_alloc(j->a, (n ? n : 1) * sizeof(*ch));
    if (!ch)
        return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
    size_t i = 0;
    const char *k;
    const json_t *cv;
    json_object_foreach((json_t *)v, k, cv)
    {
        if ((rc = j_xfield(j, &ch[i++], k, cv, depth + 1, err)) != PX_OK)
            return rc;
    }
    f->children = ch;
    f->n_children = n;
    return PX_OK;
}

static px_rc j_epcs(j_ctx *j, const json_t *arr, const char *const **out, size_t *n, px_err *err)
{
    if (!json_is_array(arr))
        return px_err_set(err, PX_EINVALID, "epcis_invalid", "an EPC list must be an array");
    size_t k = json_array_size(arr);
    const char **v = ar_alloc(j->a, (k ? k : 1) * sizeof(*v));
    if (!v)
        return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_string(e))
            return px_err_set(err, PX_EINVALID, "epcis_invalid", "an EPC must be a string");
        v[i] = ar_strdup(j->a, json_string_value(e), json_string_length(e));
    }
    *out = v;
    *n = k;
    return PX_OK;
}

static px_rc j_parties(j_ctx *j, const json_t *arr, const char *elem, const px_epcis_party **out,
                       size_t *n, px_err *err)
{
    size_t k = json_is_array(arr) ? json_array_size(arr) : 0;
    px_epcis_party *p = ar_alloc(j->a, (k ? k : 1) * sizeof(*p));
    if (!p)
        return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(arr, i);
        const json_t *t = json_object_get(e, "type"), *id = json_object_get(e, elem);
        if (!json_is_string(t) || !json_is_string(id) || json_object_size(e) != 2)
            return px_err_set(err, PX_EINVALID, "epcis_invalid", "a %s needs type and %s", elem,
                              elem);
        px_rc rc = parse_sdt(&p[i].type, json_string_value(t), err);
        if (rc != PX_OK)
            return rc;
        p[i].id = ar_strdup(j->a, json_string_value(id), json_string_length(id));
    }
    *out = p;
    *n = k;
    return PX_OK;
}

static px_rc j_location(j_ctx *j, const json_t *o, const char **out, px_err *err)
{
    const json_t *id = json_object_get(o, "id");
    if (!json_is_object(o) || !json_is_string(id) || json_object_size(o) != 1)
        return unsupported(err, "location with fields beside", "id");
    *out = ar_strdup(j->a, json_string_value(id), json_string_length(id));
    return PX_OK;
}

static px_rc j_event(reader_state *st, const json_t *o, const json_t *doc_ctx, px_err *err)
{
    px_epcis_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.action = (px_epcis_action)-1;
    ev.tz_offset_min = 99 * 60;
    j_ctx j = {.a = &st->a, .doc_ctx = doc_ctx, .ev_ctx = json_object_get(o, "@context")};
    const char *type = json_string_value(json_object_get(o, "type"));
    if (!type)
        return px_err_set(err, PX_EINVALID, "epcis_invalid", "an event needs a type");
    if (strcmp(type, "ObjectEvent") == 0)
        ev.type = PX_EPCIS_OBJECT_EVENT;
    else if (strcmp(type, "AggregationEvent") == 0)
        ev.type = PX_EPCIS_AGGREGATION_EVENT;
    else
        return unsupported(err, "event type", type);
    int obj = ev.type == PX_EPCIS_OBJECT_EVENT;
    xlist ilmd = {0}, ext = {0};
    px_rc rc = PX_OK;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (rc != PX_OK)
            break;
        const char *s = json_string_value(v);
        if (strcmp(k, "type") == 0 || strcmp(k, "@context") == 0 || strcmp(k, "recordTime") == 0) {
            continue;
        } else if (strcmp(k, "eventTime") == 0) {
            rc = parse_time(&ev.event_time_us, s ? s : "", err);
        } else if (strcmp(k, "eventTimeZoneOffset") == 0) {
            rc = parse_tz(&ev.tz_offset_min, s ? s : "", err);
        } else if (strcmp(k, "eventID") == 0) {
            ev.event_id = j_str(&j, o, k, err, &rc);
        } else if (strcmp(k, obj ? "epcList" : "childEPCs") == 0) {
            rc = j_epcs(&j, v, &ev.epcs, &ev.n_epcs, err);
        } else if (!obj && strcmp(k, "parentID") == 0) {
            ev.parent_id = j_str(&j, o, k, err, &rc);
        } else if (strcmp(k, "action") == 0) {
            rc = parse_action(&ev.action, s ? s : "", err);
        } else if (strcmp(k, "bizStep") == 0) {
            rc = parse_bizstep(&ev.biz_step, s ? s : "", err);
        } else if (strcmp(k, "disposition") == 0) {
            rc = parse_disp(&ev.disposition, s ? s : "", err);
        } else if (strcmp(k, "readPoint") == 0) {
            rc = j_location(&j, v, &ev.read_point, err);
        } else if (strcmp(k, "bizLocation") == 0) {
            rc = j_location(&j, v, &ev.biz_location, err);
        } else if (strcmp(k, "bizTransactionList") == 0) {
            size_t n = json_is_array(v) ? json_array_size(v) : 0;
            px_epcis_biz_transaction *bt = ar_alloc(j.a, (n ? n : 1) * sizeof(*bt));
            if (!bt)
                return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
            for (size_t i = 0; i < n && rc == PX_OK; i++) {
                const json_t *e = json_array_get(v, i);
                const char *t = json_string_value(json_object_get(e, "type"));
                if (t)
                    rc = parse_btt(&bt[i].type, t, err);
                bt[i].id = j_str(&j, e, "bizTransaction", err, &rc);
                if (rc == PX_OK && !bt[i].id)
                    rc = px_err_set(err, PX_EINVALID, "epcis_invalid",
                                    "a bizTransaction needs its value");
            }
            ev.biz_transactions = bt;
            ev.n_biz_transactions = n;
        } else if (strcmp(k, obj ? "quantityList" : "childQuantityList") == 0) {
            size_t n = json_is_array(v) ? json_array_size(v) : 0;
            px_epcis_quantity *q = ar_alloc(j.a, (n ? n : 1) * sizeof(*q));
            if (!q)
                return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
            for (size_t i = 0; i < n && rc == PX_OK; i++) {
                const json_t *e = json_array_get(v, i);
                q[i].epc_class = j_str(&j, e, "epcClass", err, &rc);
                const json_t *qv = json_object_get(e, "quantity");
                q[i].quantity = qv ? j_text(j.a, qv) : NULL;
                q[i].uom = j_str(&j, e, "uom", err, &rc);
            }
            ev.quantities = q;
            ev.n_quantities = n;
        } else if (strcmp(k, "sourceList") == 0) {
            rc = j_parties(&j, v, "source", &ev.sources, &ev.n_sources, err);
        } else if (strcmp(k, "destinationList") == 0) {
            rc = j_parties(&j, v, "destination", &ev.destinations, &ev.n_destinations, err);
        } else if (obj && strcmp(k, "ilmd") == 0 && json_is_object(v)) {
            const char *ik;
            const json_t *iv;
            json_object_foreach((json_t *)v, ik, iv)
            {
                const char *ns = NULL, *local = NULL;
                if ((rc = j_qname(&j, ik, &ns, &local, err)) != PX_OK)
                    break;
                /* The JSON-LD context's cbvmda (with its trailing colon) is the same CBV
                 * vocabulary as XML's urn:epcglobal:cbv:mda: lot and expiry go to the model
                 * (docs/epcis.md "One eventID in every syntax"). */
                int mda = strcmp(ns, EPCIS__NS_CBVMDA_LD) == 0 || strcmp(ns, EPCIS__NS_CBVMDA) == 0;
                if (mda && strcmp(local, "lotNumber") == 0 && json_is_string(iv) && !ev.lot) {
                    ev.lot = j_text(j.a, iv);
                } else if (mda && strcmp(local, "itemExpirationDate") == 0 && json_is_string(iv) &&
                           !ev.expiry) {
                    ev.expiry = j_text(j.a, iv);
                } else {
                    px_epcis_xfield *f = xl_push(j.a, &ilmd);
                    if (!f)
                        return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
                    if ((rc = j_xfield(&j, f, ik, iv, 0, err)) != PX_OK)
                        break;
                }
            }
        } else if (strchr(k, ':')) {
            px_epcis_xfield *f = xl_push(j.a, &ext);
            if (!f)
                return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
            rc = j_xfield(&j, f, k, v, 0, err);
        } else {
            rc = unsupported(err, "field", k);
        }
    }
    ev.ilmd = ilmd.v;
    ev.n_ilmd = ilmd.n;
    ev.extensions = ext.v;
    ev.n_extensions = ext.n;
    if (rc == PX_OK && st->a.oom)
        rc = px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
    if (rc == PX_OK)
        rc = check_event(&ev, err);
    if (rc == PX_OK)
        rc = send_event(st, &ev, err);
    ar_reset(&st->a);
    return rc;
}

/* ---- JSON-LD, streamed -------------------------------------------------------------- *
 * jansson has no streaming parser, so the document is walked by a small scanner that only
 * finds value boundaries (strings with escapes, nesting): each event's bytes are cut out and
 * parsed alone by jansson, then freed. Memory is one event, not the document. Pass 1 parses
 * every top-level member except epcisBody (header and @context, which JSON lets come after
 * the events); pass 2 streams epcisBody.eventList (or queryResults.resultsBody.eventList).
 * The source is rewound between the passes (a file is read twice, never held whole). */

#define JS_EVENT_MAX ((size_t)16 << 20)  /* one event's JSON text */
#define JS_HEADER_MAX ((size_t)16 << 20) /* one top-level member's text (master data) */
#define JS_DEPTH_MAX 64

typedef struct jstream {
    FILE *f;         /* file source, or */
    const char *mem; /* memory source */
    size_t mem_len;
    size_t pos; /* bytes consumed, for error messages */
    char buf[65536];
    size_t blen, bpos;
} jstream;

static int js_peek(jstream *s)
{
    if (!s->f)
        return s->pos < s->mem_len ? (unsigned char)s->mem[s->pos] : -1;
    if (s->bpos == s->blen) {
        s->blen = fread(s->buf, 1, sizeof(s->buf), s->f);
        s->bpos = 0;
        if (s->blen == 0)
            return -1;
    }
    return (unsigned char)s->buf[s->bpos];
}

static int js_get(jstream *s)
{
    int c = js_peek(s);
    if (c >= 0) {
        s->pos++;
        if (s->f)
            s->bpos++;
    }
    return c;
}

static void js_rewind(jstream *s)
{
    s->pos = 0;
    s->blen = s->bpos = 0;
    if (s->f)
        rewind(s->f);
}

static void js_ws(jstream *s)
{
    int c;
    while ((c = js_peek(s)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        js_get(s);
}

static px_rc js_fail(jstream *s, px_err *err, const char *what)
{
    return px_err_set(err, PX_EINVALID, "epcis_json", "byte %zu: %s", s->pos, what);
}

/* Appends c to out (when out is set); a value over the cap is PX_ETOOBIG. */
static px_rc js_put(px_buf *out, int c, px_err *err)
{
    char ch = (char)c;
    if (out && px_buf_add(out, &ch, 1) != PX_OK)
        return px_err_set(err, PX_ETOOBIG, "too_big", "a JSON member over %zu bytes", out->max);
    return PX_OK;
}

/* One string, quotes included, copied to out (may be NULL: skipped). */
static px_rc js_string(jstream *s, px_buf *out, px_err *err)
{
    if (js_get(s) != '"')
        return js_fail(s, err, "a string was expected");
    px_rc rc = js_put(out, '"', err);
    for (int c; rc == PX_OK;) {
        if ((c = js_get(s)) < 0)
            return js_fail(s, err, "unterminated string");
        if ((rc = js_put(out, c, err)) != PX_OK || c == '"')
            break;
        if (c == '\\') {
            if ((c = js_get(s)) < 0)
                return js_fail(s, err, "unterminated string");
            rc = js_put(out, c, err);
        }
    }
    return rc;
}

/* One value copied to out (or skipped); only its extent is checked here, jansson checks the
 * rest when the copy is parsed. */
static px_rc js_value(jstream *s, px_buf *out, int depth, px_err *err)
{
    if (depth > JS_DEPTH_MAX)
        return js_fail(s, err, "nested too deep");
    js_ws(s);
    int c = js_peek(s);
    if (c == '"')
        return js_string(s, out, err);
    if (c == '{' || c == '[') {
        int close = c == '{' ? '}' : ']';
        px_rc rc = js_put(out, js_get(s), err);
        js_ws(s);
        if (js_peek(s) == close)
            return rc == PX_OK ? js_put(out, js_get(s), err) : rc;
        while (rc == PX_OK) {
            if (c == '{') {
                js_ws(s);
                if ((rc = js_string(s, out, err)) != PX_OK)
                    return rc;
                js_ws(s);
                if (js_get(s) != ':')
                    return js_fail(s, err, "':' was expected");
                if ((rc = js_put(out, ':', err)) != PX_OK)
                    return rc;
            }
            if ((rc = js_value(s, out, depth + 1, err)) != PX_OK)
                return rc;
            js_ws(s);
            int d = js_get(s);
            if ((rc = js_put(out, d, err)) != PX_OK)
                return rc;
            if (d == close)
                return PX_OK;
            if (d != ',')
                return js_fail(s, err, "',' or the end of a list was expected");
        }
        return rc;
    }
    /* number, true, false, null */
    int n = 0;
    while ((c = js_peek(s)) >= 0 && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' ||
                                     c == '+' || c == '.' || c == 'E')) {
        px_rc rc = js_put(out, js_get(s), err);
        if (rc != PX_OK)
            return rc;
        n++;
    }
    return n ? PX_OK : js_fail(s, err, "a JSON value was expected");
}

/* Parses the text in b (one value) with jansson. */
static json_t *js_parse(const px_buf *b, jstream *s, px_err *err)
{
    json_error_t je;
    json_t *v =
        json_loadb(b->data ? b->data : "", b->len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!v)
        px_err_set(err, PX_EINVALID, "epcis_json", "near byte %zu: %s", s->pos, je.text);
    return v;
}

/* A member's key (decoded). */
static px_rc js_key(jstream *s, px_buf *kb, char *key, size_t cap, px_err *err)
{
    px_buf_reset(kb);
    js_ws(s);
    px_rc rc = js_string(s, kb, err);
    if (rc != PX_OK)
        return rc;
    json_t *k = js_parse(kb, s, err);
    if (!k)
        return PX_EINVALID;
    snprintf(key, cap, "%s", json_string_value(k) ? json_string_value(k) : "");
    json_decref(k);
    js_ws(s);
    if (js_get(s) != ':')
        return js_fail(s, err, "':' was expected");
    return PX_OK;
}

/* Walks the members of an object; visit() consumes each value. */
typedef px_rc (*js_visit)(void *ctx, jstream *s, const char *key, px_err *err);

static px_rc js_object(jstream *s, js_visit visit, void *ctx, px_err *err)
{
    px_buf kb;
    px_buf_init(&kb, 4096);
    char key[256];
    px_rc rc = PX_OK;
    js_ws(s);
    if (js_get(s) != '{') {
        rc = js_fail(s, err, "an object was expected");
        goto done;
    }
    js_ws(s);
    if (js_peek(s) == '}') {
        js_get(s);
        goto done;
    }
    for (;;) {
        if ((rc = js_key(s, &kb, key, sizeof(key), err)) != PX_OK ||
            (rc = visit(ctx, s, key, err)) != PX_OK)
            break;
        js_ws(s);
        int c = js_get(s);
        if (c == '}')
            break;
        if (c != ',') {
            rc = js_fail(s, err, "',' or '}' was expected");
            break;
        }
    }
done:
    px_buf_dispose(&kb);
    return rc;
}

typedef struct js_walk {
    reader_state *st;
    json_t *doc; /* pass 1: every top-level member except epcisBody */
    px_buf val;
    int found_list;
    size_t index;
} js_walk;

static px_rc visit_top_pass1(void *ctx, jstream *s, const char *key, px_err *err)
{
    js_walk *w = ctx;
    if (strcmp(key, "epcisBody") == 0)
        return js_value(s, NULL, 0, err);
    px_buf_reset(&w->val);
    px_rc rc = js_value(s, &w->val, 0, err);
    if (rc != PX_OK)
        return rc;
    if (json_object_get(w->doc, key))
        return px_err_set(err, PX_EINVALID, "epcis_json", "duplicate object key \"%s\"", key);
    json_t *v = js_parse(&w->val, s, err);
    if (!v)
        return PX_EINVALID;
    json_object_set_new(w->doc, key, v);
    return PX_OK;
}

static px_rc event_list(js_walk *w, jstream *s, px_err *err)
{
    w->found_list = 1;
    js_ws(s);
    if (js_get(s) != '[')
        return js_fail(s, err, "eventList must be an array");
    js_ws(s);
    if (js_peek(s) == ']') {
        js_get(s);
        return PX_OK;
    }
    const json_t *doc_ctx = json_object_get(w->doc, "@context");
    for (;;) {
        px_buf_reset(&w->val);
        px_rc rc = js_value(s, &w->val, 0, err);
        json_t *ev = rc == PX_OK ? js_parse(&w->val, s, err) : NULL;
        if (!ev)
            rc = rc != PX_OK ? rc : PX_EINVALID;
        else if (!json_is_object(ev))
            rc = px_err_set(err, PX_EINVALID, "epcis_invalid", "an event must be an object");
        else
            rc = j_event(w->st, ev, doc_ctx, err);
        json_decref(ev);
        if (rc != PX_OK) {
            if (!err->field[0])
                px_err_field(err, "events[%zu]", w->index);
            return rc;
        }
        w->index++;
        js_ws(s);
        int c = js_get(s);
        if (c == ']')
            return PX_OK;
        if (c != ',')
            return js_fail(s, err, "',' or ']' was expected");
    }
}

static px_rc visit_results(void *ctx, jstream *s, const char *key, px_err *err);

static px_rc visit_body(void *ctx, jstream *s, const char *key, px_err *err)
{
    if (strcmp(key, "eventList") == 0)
        return event_list(ctx, s, err);
    if (strcmp(key, "queryResults") == 0) /* EPCISQueryDocument (DOMAIN-2.md §14.4) */
        return js_object(s, visit_results, ctx, err);
    return js_value(s, NULL, 0, err);
}

static px_rc visit_results(void *ctx, jstream *s, const char *key, px_err *err)
{
    if (strcmp(key, "resultsBody") == 0)
        return js_object(s, visit_body, ctx, err);
    return js_value(s, NULL, 0, err);
}

static px_rc visit_top_pass2(void *ctx, jstream *s, const char *key, px_err *err)
{
    if (strcmp(key, "epcisBody") == 0)
        return js_object(s, visit_body, ctx, err);
    return js_value(s, NULL, 0, err);
}

static void j_masterdata(reader_state *st, const json_t *list)
{
    size_t i, k, m;
    const json_t *v, *e, *a;
    json_array_foreach(list, i, v)
    {
        const char *type = json_string_value(json_object_get(v, "type"));
        if (!type || strcmp(type, "urn:epcglobal:epcis:vtype:EPCClass") != 0)
            continue;
        json_array_foreach(json_object_get(v, "vocabularyElementList"), k, e)
        {
            px_epcis_product *p = md_product(st, json_string_value(json_object_get(e, "id")));
            const char *type_code = NULL;
            json_array_foreach(json_object_get(e, "attributes"), m, a)
            {
                if (p)
                    md_attribute(st, p, json_string_value(json_object_get(a, "id")),
                                 json_string_value(json_object_get(a, "attribute")), &type_code);
            }
            if (p)
                md_settle(p, type_code);
        }
    }
    st->h.products = st->products;
    st->h.n_products = st->n_products;
}

static px_rc read_json(reader_state *st, jstream *s, px_err *err)
{
    js_walk w = {.st = st, .doc = json_object()};
    px_buf_init(&w.val, JS_HEADER_MAX);
    px_rc rc = w.doc ? js_object(s, visit_top_pass1, &w, err)
                     : px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
    if (rc != PX_OK)
        goto done;
    js_ws(s);
    if (js_peek(s) >= 0) {
        rc = js_fail(s, err, "text after the document");
        goto done;
    }
    st->format = PX_EPCIS_FORMAT_JSONLD_2_0;
    const char *type = json_string_value(json_object_get(w.doc, "type"));
    if (!type || (strcmp(type, "EPCISDocument") != 0 && strcmp(type, "EPCISQueryDocument") != 0)) {
        rc = px_err_set(err, PX_EINVALID, "epcis_invalid",
                        "not an EPCIS 2.0 JSON-LD document (type EPCISDocument)");
        goto done;
    }
    const char *cd = json_string_value(json_object_get(w.doc, "creationDate"));
    if (cd)
        px_time_parse(cd, &st->h.creation_us);
    const char *snd = json_string_value(json_object_get(w.doc, "sender"));
    const char *rcv = json_string_value(json_object_get(w.doc, "receiver"));
    if (digits13(snd) && digits13(rcv)) {
        st->h.sender_gln = snd;
        st->h.receiver_gln = rcv;
    }
    st->h.instance_id = json_string_value(json_object_get(w.doc, "instanceIdentifier"));
    j_masterdata(st, json_object_get(
                         json_object_get(json_object_get(w.doc, "epcisHeader"), "epcisMasterData"),
                         "vocabularyList"));
    /* Pass 2: the events, one at a time. */
    js_rewind(s);
    w.val.max = JS_EVENT_MAX;
    if ((rc = js_object(s, visit_top_pass2, &w, err)) != PX_OK)
        goto done;
    if (!w.found_list) {
        rc = px_err_set(err, PX_EINVALID, "epcis_invalid",
                        "not an EPCIS 2.0 JSON-LD document (no epcisBody.eventList)");
        goto done;
    }
    rc = send_header(st, err);
done:
    px_buf_dispose(&w.val);
    json_decref(w.doc);
    return rc;
}

/* ---- entry points ------------------------------------------------------------------- */

static px_rc read_any(const char *data, size_t len, FILE *f, const char *path,
                      const px_epcis_read_cb *cb, px_err *err)
{
    reader_state st;
    memset(&st, 0, sizeof(st));
    st.cb = cb;
    px_err_clear(err);
    px_rc rc;
    if (f) {
        jstream *s = calloc(1, sizeof(*s));
        if (!s)
            return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
        s->f = f;
        rc = read_json(&st, s, err);
        free(s);
    } else if (!path && len && data[0] == '{') {
        jstream *s = calloc(1, sizeof(*s));
        if (!s)
            return px_err_set(err, PX_EINTERNAL, "out_of_memory", "out of memory");
        s->mem = data;
        s->mem_len = len;
        rc = read_json(&st, s, err);
        free(s);
    } else {
        epcis__xml_init();
        epcis__err_hook hook;
        epcis__xml_errors_push(&hook, x_swallow, err);
        /* XML_PARSE_NONET: never fetch anything a document points to. */
        xmlTextReaderPtr r = path ? xmlReaderForFile(path, NULL, XML_PARSE_NONET)
                                  : xmlReaderForMemory(data, (int)len, NULL, NULL, XML_PARSE_NONET);
        if (!r)
            rc = px_err_set(err, PX_EINVALID, "epcis_xml", "cannot read the document");
        else
            rc = read_xml(&st, r, err);
        xmlFreeTextReader(r);
        epcis__xml_errors_restore(&hook);
    }
    ar_dispose(&st.a);
    ar_dispose(&st.ha);
    return rc;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

px_rc px_epcis_read_buffer(const char *data, size_t len, const px_epcis_read_cb *cb, px_err *err)
{
    if (len > (size_t)0x7fffffff)
        return px_err_set(err, PX_ETOOBIG, "too_big", "document over 2 GiB");
    while (len && is_blank(*data)) {
        data++;
        len--;
    }
    return read_any(data, len, NULL, NULL, cb, err);
}

px_rc px_epcis_read_file(const char *path, const px_epcis_read_cb *cb, px_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return px_err_set(err, PX_ENOTFOUND, "cannot_open", "cannot read \"%s\"", path);
    int c;
    while ((c = getc(f)) != EOF && is_blank((char)c))
        ;
    px_rc rc;
    if (c == '{') {
        ungetc(c, f);
        rc = read_any(NULL, 0, f, path, cb, err); /* rewinds to the start for each pass */
    } else {
        rc = read_any(NULL, 0, NULL, path, cb, err);
    }
    fclose(f);
    return rc;
}
