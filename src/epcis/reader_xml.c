/* EPCIS 1.2 and 2.0 XML into the event model (the reader beside writer.c: the XSDs' element order
 * and GS1's convert-1.2-to-2.0.xsl read backwards). libxml2's streaming xmlTextReader finds each
 * event; its subtree is expanded, converted, handed over and freed before the next, so memory is
 * bounded by the largest event. The 1.2 <extension>/<baseExtension> wrappers and the 2.0 direct
 * children are both accepted. */
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_clock.h"
#include "px_str.h"
#include "reader_internal.h"

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

/* The trimmed text of a leaf element, copied into the epcis__arena. */
static char *text(epcis__arena *a, const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s = epcis__ar_trim(a, t ? (const char *)t : "");
    xmlFree(t);
    return s;
}

static char *attr(epcis__arena *a, const xmlNode *n, const char *name)
{
    xmlChar *t = xmlGetProp(n, BAD_CAST name);
    if (!t)
        return NULL;
    char *s = epcis__ar_trim(a, (const char *)t);
    xmlFree(t);
    return s;
}

static px_rc x_xfield(epcis__arena *a, px_epcis_xfield *f, const xmlNode *n, int depth, px_err *err)
{
    if (epcis__xfield_depth(depth, "epcis_invalid", err) != PX_OK)
        return PX_EINVALID;
    const char *ns = ns_of(n);
    if (!ns)
        return epcis__unsupported(err, "element", lname(n));
    if (n->properties)
        /* px_epcis_xfield has no attributes: refuse rather than drop them. */
        return epcis__unsupported(err, "attribute on extension element", lname(n));
    if (!epcis__ncname(lname(n))) /* one name rule with the writers (epcis_internal.h) */
        return epcis__unsupported(err, "element", lname(n));
    f->ns = epcis__ar_strdup(a, ns, strlen(ns));
    f->name = epcis__ar_strdup(a, lname(n), strlen(lname(n)));
    size_t nc = count_el(n, NULL);
    if (nc == 0) {
        f->value = text(a, n);
        return a->oom ? px_err_oom(err) : PX_OK;
    }
    px_epcis_xfield *ch = epcis__ar_alloc(a, nc * sizeof(*ch));
    if (!ch)
        return px_err_oom(err);
    size_t i = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            /* Mixed content (text beside child elements) has no JSON-LD form. */
            for (const xmlChar *t = c->content; t && *t; t++)
                if (*t != ' ' && *t != '\t' && *t != '\n' && *t != '\r')
                    return epcis__unsupported(err, "mixed content in", lname(n));
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

typedef struct x_ctx {
    epcis__arena *a;
    px_epcis_event *ev;
    epcis__xlist ilmd, ext;
} x_ctx;

static px_rc x_epcs(x_ctx *x, const xmlNode *list)
{
    size_t n = count_el(list, "epc");
    const char **v = epcis__ar_alloc(x->a, (n ? n : 1) * sizeof(*v));
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
    px_epcis_quantity *q = epcis__ar_alloc(x->a, (n ? n : 1) * sizeof(*q));
    if (!q)
        return px_err_oom(err);
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
                return epcis__unsupported(err, "quantityElement field", lname(f));
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
    px_epcis_party *p = epcis__ar_alloc(x->a, (n ? n : 1) * sizeof(*p));
    if (!p)
        return px_err_oom(err);
    size_t i = 0;
    for (const xmlNode *c = list->children; c; c = c->next) {
        if (!is_el(c) || strcmp(lname(c), elem) != 0)
            continue;
        char *t = attr(x->a, c, "type");
        px_rc rc = epcis__parse_sdt(&p[i].type, t ? t : "", err);
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
            return epcis__unsupported(err, "location field", lname(c));
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
         * (docs/epcis.md "One eventID in every syntax"). */
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
        px_epcis_xfield *f = epcis__xl_push(x->a, &x->ilmd);
        if (!f)
            return px_err_oom(err);
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
            px_epcis_xfield *f = epcis__xl_push(x->a, &x->ext);
            if (!f)
                return px_err_oom(err);
            rc = x_xfield(x->a, f, c, 0, err);
        } else if (strcmp(n, "eventTime") == 0) {
            rc = epcis__parse_time(&ev->event_time_us, text(x->a, c), err);
        } else if (strcmp(n, "recordTime") == 0) {
            continue; /* set by the capturing side; not hashed (CBV 2.0 §8.9) */
        } else if (strcmp(n, "eventTimeZoneOffset") == 0) {
            rc = epcis__parse_tz(&ev->tz_offset_min, text(x->a, c), err);
        } else if (strcmp(n, "eventID") == 0) {
            ev->event_id = text(x->a, c);
        } else if (strcmp(n, "baseExtension") == 0 || strcmp(n, "extension") == 0) {
            if (wrapper)
                return epcis__unsupported(err, "element", n);
            rc = x_fields(x, c, 1, err);
        } else if (strcmp(n, obj ? "epcList" : "childEPCs") == 0) {
            rc = x_epcs(x, c);
        } else if (!obj && strcmp(n, "parentID") == 0) {
            ev->parent_id = text(x->a, c);
        } else if (strcmp(n, "action") == 0) {
            rc = epcis__parse_action(&ev->action, text(x->a, c), err);
        } else if (strcmp(n, "bizStep") == 0) {
            rc = epcis__parse_bizstep(&ev->biz_step, text(x->a, c), err);
        } else if (strcmp(n, "disposition") == 0) {
            rc = epcis__parse_disp(&ev->disposition, text(x->a, c), err);
        } else if (strcmp(n, "readPoint") == 0) {
            rc = x_location(x, c, &ev->read_point, err);
        } else if (strcmp(n, "bizLocation") == 0) {
            rc = x_location(x, c, &ev->biz_location, err);
        } else if (strcmp(n, "bizTransactionList") == 0) {
            size_t k = count_el(c, "bizTransaction");
            px_epcis_biz_transaction *bt = epcis__ar_alloc(x->a, (k ? k : 1) * sizeof(*bt));
            if (!bt)
                return px_err_oom(err);
            size_t i = 0;
            for (const xmlNode *b = c->children; b && rc == PX_OK; b = b->next) {
                if (!is_el(b))
                    continue;
                char *t = attr(x->a, b, "type");
                if (t)
                    rc = epcis__parse_btt(&bt[i].type, t, err);
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
            rc = epcis__unsupported(err, "element", n);
        }
    }
    if (rc == PX_OK && x->a->oom)
        rc = px_err_oom(err);
    return rc;
}

static px_rc x_event(epcis__reader *st, const xmlNode *n, px_err *err)
{
    px_epcis_event ev = {0};
    const char *name = lname(n);
    int t = px_name_index(px_epcis_event_type_names, PX_EPCIS_EVENT_TYPES, name);
    if (t < 0)
        return epcis__unsupported(err, "event type", name);
    ev.type = (px_epcis_event_type)t;
    ev.action = (px_epcis_action)-1;
    ev.tz_offset_min = EPCIS__TZ_ABSENT; /* "absent": the event check rejects it */
    x_ctx x = {.a = &st->a, .ev = &ev};
    px_rc rc = x_fields(&x, n, 0, err);
    ev.ilmd = x.ilmd.v;
    ev.n_ilmd = x.ilmd.n;
    ev.extensions = x.ext.v;
    ev.n_extensions = x.ext.n;
    char hash_id[PX_EPCIS_EVENT_ID_MAX];
    if (rc == PX_OK && (rc = epcis__check_event(&ev, hash_id, err)) == PX_OK)
        ev.hash_id = hash_id;
    if (rc == PX_OK)
        rc = epcis__send_event(st, &ev, err);
    epcis__ar_reset(&st->a);
    return rc;
}

static void x_masterdata(epcis__reader *st, const xmlNode *vocab_list)
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
                px_epcis_product *p = epcis__md_product(st, attr(&st->ha, e, "id"));
                const char *type_code = NULL;
                for (const xmlNode *a = e->children; p && a; a = a->next)
                    if (is_el(a) && strcmp(lname(a), "attribute") == 0)
                        epcis__md_attribute(st, p, attr(&st->ha, a, "id"), text(&st->ha, a),
                                            &type_code);
                if (p)
                    epcis__md_settle(p, type_code);
            }
        }
    }
    st->h.products = st->products;
    st->h.n_products = st->n_products;
}

/* SBDH sender/receiver/instance identifier, when they are GLNs; EPCClass master data. */
static void x_header(epcis__reader *st, const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_el(c))
            continue;
        const char *name = lname(c);
        if (strcmp(name, "Identifier") == 0 && c->parent) {
            char *t = text(&st->ha, c);
            if (epcis__digits13(t) && strcmp(lname(c->parent), "Sender") == 0)
                st->h.sender_gln = t;
            else if (epcis__digits13(t) && strcmp(lname(c->parent), "Receiver") == 0)
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

/* An element that is an event: EPCIS 2.0's types, and EPCIS 1.2's QuantityEvent (deprecated,
 * still an event an XML document may hold). */
static int is_event_name(const char *n)
{
    return px_name_index(px_epcis_event_type_names, PX_EPCIS2_EVENT_TYPES, n) >= 0 ||
           strcmp(n, "QuantityEvent") == 0;
}

static void x_swallow(void *ctx, xmlErrorPtr e)
{
    px_err *err = ctx;
    if (e && e->level >= XML_ERR_ERROR && err && err->rc == PX_OK)
        px_err_set(err, PX_EINVALID, "epcis_xml", "line %d: %s", e->line,
                   e->message ? e->message : "not well-formed");
}

/* The DOCTYPE at the reader declares nothing and names no external subset. */
static int empty_doctype(xmlTextReaderPtr r)
{
    xmlNodePtr n = xmlTextReaderCurrentNode(r);
    if (!n || n->type != XML_DTD_NODE)
        return 0;
    xmlDtdPtr dtd = (xmlDtdPtr)n;
    xmlDtdPtr internal = n->doc ? n->doc->intSubset : NULL;
    return !dtd->children && !dtd->ExternalID && !dtd->SystemID && !dtd->entities &&
           (!internal || (!internal->children && !internal->entities));
}

static px_rc read_xml(epcis__reader *st, xmlTextReaderPtr r, px_err *err)
{
    px_rc rc = PX_OK;
    int root_seen = 0;
    int ret = xmlTextReaderRead(r);
    while (ret == 1 && rc == PX_OK) {
        /* A document type declaration that declares anything (entities above all) or names
         * an external subset is refused: its entities can make a small body expand into
         * gigabytes (references are expanded by text()) or make text vanish (an external
         * entity is never loaded). An empty one (GS1's examples carry `<!DOCTYPE project>`)
         * declares nothing and passes. */
        if (xmlTextReaderNodeType(r) == XML_READER_TYPE_DOCUMENT_TYPE && !empty_doctype(r))
            return px_err_set(err, PX_EINVALID, "epcis_xml",
                              "a document type declaration (DOCTYPE) with declarations or an "
                              "external subset is not accepted");
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
            if (cd && px_time_parse((const char *)cd, &st->h.creation_us) != 0)
                st->h.unread = EPCIS__CREATION_UNREAD;
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
        rc = epcis__send_header(st, err);
    return rc;
}

px_rc epcis__read_xml(epcis__reader *st, const char *data, size_t len, const char *path,
                      px_err *err)
{
    epcis__xml_init();
    epcis__err_hook hook;
    epcis__xml_errors_push(&hook, x_swallow, err);
    /* XML_PARSE_NONET: never fetch anything a document points to. */
    xmlTextReaderPtr r = path ? xmlReaderForFile(path, NULL, XML_PARSE_NONET)
                              : xmlReaderForMemory(data, (int)len, NULL, NULL, XML_PARSE_NONET);
    px_rc rc = r ? read_xml(st, r, err)
                 : px_err_set(err, PX_EINVALID, "epcis_xml", "cannot read the document");
    xmlFreeTextReader(r);
    epcis__xml_errors_restore(&hook);
    return rc;
}
