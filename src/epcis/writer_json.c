/* Streaming EPCIS 2.0 JSON-LD writer (the shapes of the EPCIS 2.0 JSON Schema; docs/epcis.md).
 *
 * packid writes the JSON text itself into a fixed 64 KiB chunk that is handed to the sink
 * when full, so a document of any size needs the same memory: no jansson tree, not even per
 * event (the events are flat and their keys fixed, so escaping the string values is all a
 * JSON library would add). Keys are written in the order of the JSON schema's properties;
 * the eventID is the hash of the same px_epcis_event the XML writers get (event_hash.c).
 *
 * Vocabulary (EPCIS 2.0 JSON Schema): CBV values are bare words ("commissioning"), since the
 * schema rejects urn:epcglobal:cbv URNs in JSON. ILMD lot and expiry are "cbvmda:lotNumber"
 * and "cbvmda:itemExpirationDate" of the standard context; other extension namespaces get a
 * prefix declared in the event's own "@context" (allowed by the schema's
 * common-event-properties), so no namespace needs to be known before the first event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_internal.h"
#include "gs1.h"
#include "px_jsonw.h"

#define NS_MAX 8 /* distinct extension namespaces in one event */

/* ---- output -------------------------------------------------------------------------- */

/* REQ-EPCIS2-4: bounded memory — one fixed chunk, handed to the sink whenever it is full. */
static px_rc flush(px_epcis_writer *w)
{
    if (w->out_len && w->sink(w->ctx, w->out, w->out_len) != 0)
        return epcis__sink_refused(w);
    w->out_len = 0;
    return PX_OK;
}

static px_rc raw(px_epcis_writer *w, const char *s, size_t n)
{
    while (n) {
        if (w->out_len == w->out_cap && flush(w) != PX_OK)
            return w->failed;
        size_t k = w->out_cap - w->out_len;
        if (k > n)
            k = n;
        memcpy(w->out + w->out_len, s, k);
        w->out_len += k;
        s += k;
        n -= k;
    }
    return PX_OK;
}

static px_rc lit(px_epcis_writer *w, const char *s)
{
    return raw(w, s, strlen(s));
}

/* A JSON string (RFC 8259 §7): '"', '\\' and control characters escaped; UTF-8 passes as is
 * (the model's strings are UTF-8, as the XML writers assume). */
static px_rc str(px_epcis_writer *w, const char *s)
{
    if (raw(w, "\"", 1) != PX_OK)
        return w->failed;
    const char *run = s;
    for (const char *p = s; *p; p++) {
        if (px_json_plain((unsigned char)*p))
            continue;
        char esc[6];
        size_t n = px_json_escape_byte((unsigned char)*p, esc);
        if (raw(w, run, (size_t)(p - run)) != PX_OK || raw(w, esc, n) != PX_OK)
            return w->failed;
        run = p + 1;
    }
    if (raw(w, run, strlen(run)) != PX_OK)
        return w->failed;
    return raw(w, "\"", 1);
}

/* ,"key":"value" (first = 0) or "key":"value" */
static px_rc kv(px_epcis_writer *w, const char *key_with_quotes_colon, const char *value)
{
    if (lit(w, key_with_quotes_colon) != PX_OK)
        return w->failed;
    return str(w, value);
}

/* An xsd:decimal that is also a JSON number (the schema's "decimal" is a JSON number):
 * -?digits(.digits)? is written as is. */
static int json_number(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        return 0;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return 0; /* no leading zeros in JSON */
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

/* ---- header -------------------------------------------------------------------------- */

static px_rc attribute(px_epcis_writer *w, int *first, const char *id, const char *value)
{
    if (!epcis__nonempty(value))
        return PX_OK;
    if (lit(w, *first ? "{\"id\":" : ",{\"id\":") || str(w, id) || lit(w, ",\"attribute\":") ||
        str(w, value) || lit(w, "}"))
        return w->failed;
    *first = 0;
    return PX_OK;
}

static px_rc masterdata(px_epcis_writer *w, const px_epcis_doc_header *h,
                        const px_epcis_profile_info *p)
{
    /* epcisHeader.epcisMasterData.vocabularyList, the same EPCClass attributes as the XML
     * header (CBV §8). */
    if (lit(w, "\"epcisMasterData\":{\"vocabularyList\":[{\"type\":"
               "\"urn:epcglobal:epcis:vtype:EPCClass\",\"vocabularyElementList\":["))
        return w->failed;
    for (size_t i = 0; i < h->n_products; i++) {
        char idpat[GS1_EPC_URI_MAX];
        px_rc rc = epcis__product_idpat(w, &h->products[i], i, idpat);
        if (rc != PX_OK)
            return rc;
        if (lit(w, i ? ",{\"id\":" : "{\"id\":") || str(w, idpat) || lit(w, ",\"attributes\":["))
            return w->failed;
        epcis__attr a[EPCIS__PRODUCT_ATTRS];
        size_t n = epcis__product_attrs(&h->products[i], p, a);
        int first = 1;
        for (size_t k = 0; k < n; k++)
            if (attribute(w, &first, a[k].id, a[k].value))
                return w->failed;
        if (lit(w, "]}"))
            return w->failed;
    }
    return lit(w, "]}]}");
}

px_rc epcis__json_start(px_epcis_writer *w, const px_epcis_doc_header *h,
                        const px_epcis_profile_info *p)
{
    char created[32];
    epcis__time_ms(created, h->creation_us);
    /* The standard EPCIS 2.0 context by its URL (never fetched); gs1ushc added for the DSCSA
     * statement. Its IRI ends in '/' so that "gs1ushc:x" expands to a usable IRI (a JSON-LD
     * prefix is concatenated as is); packid's convention, the GS1 US guideline for 2.0 was
     * not available [T]. */
    if (lit(w, "{\"@context\":[\"" EPCIS__LD_CONTEXT "\""))
        return w->failed;
    if (p->transaction_statement && lit(w, ",{\"gs1ushc\":\"" EPCIS__NS_GS1USHC "/\"}"))
        return w->failed;
    if (lit(w, "],\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\"") ||
        kv(w, ",\"creationDate\":", created))
        return w->failed;
    /* No SBDH in JSON: its identification moves to instanceIdentifier, sender, receiver
     * (as GS1's 1.2 to 2.0 conversion moves it). packid writes the parties' GLNs. */
    if (epcis__nonempty(h->instance_id) && kv(w, ",\"instanceIdentifier\":", h->instance_id))
        return w->failed;
    if (epcis__nonempty(h->sender_gln) &&
        (kv(w, ",\"sender\":", h->sender_gln) || kv(w, ",\"receiver\":", h->receiver_gln)))
        return w->failed;
    if (h->n_products > 0 || p->transaction_statement) {
        if (lit(w, ",\"epcisHeader\":{"))
            return w->failed;
        if (h->n_products > 0 && masterdata(w, h, p) != PX_OK)
            return w->failed;
        /* epcisHeader allows namespaced keys (schema: propertyNames vocab-uri); the GS1 US
         * DSCSA transaction statement as in the 1.2 header. */
        if (p->transaction_statement &&
            lit(w, h->n_products > 0 ? ",\"gs1ushc:dscsaTransactionStatement\":"
                                       "{\"gs1ushc:affirmTransactionStatement\":\"true\"}"
                                     : "\"gs1ushc:dscsaTransactionStatement\":"
                                       "{\"gs1ushc:affirmTransactionStatement\":\"true\"}"))
            return w->failed;
        if (lit(w, "}"))
            return w->failed;
    }
    return lit(w, ",\"epcisBody\":{\"eventList\":[");
}

/* ---- events -------------------------------------------------------------------------- */
/* REQ-EPCIS2-1: every event is written in the shape of the official 2.0 JSON schema (keys of
 * the schema's properties, bare CBV words, quantities as numbers, namespaced extensions). */

/* Extension namespaces of one event and their prefixes ("ext1".."ext8"). */
typedef struct ns_table {
    const char *ns[NS_MAX];
    size_t n;
} ns_table;

/* The prefix of ns: "cbvmda" for the context's own spelling, else extN (declared per event). */
static int ns_prefix(char out[32], const ns_table *t, const char *ns)
{
    if (strcmp(ns, EPCIS__NS_CBVMDA_LD) == 0) {
        memcpy(out, "cbvmda", 7);
        return 0;
    }
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->ns[i], ns) == 0) {
            snprintf(out, 32, "ext%zu", i + 1);
            return 0;
        }
    return -1;
}

static px_rc collect_ns(px_epcis_writer *w, ns_table *t, const px_epcis_xfield *f, size_t n,
                        int depth)
{
    /* depth is the level of f's elements: an empty list of children below the deepest level
     * allowed is no deeper element. */
    if (n && epcis__xfield_depth(depth, "invalid_event", w->failed ? NULL : &w->err) != PX_OK)
        return epcis__writer_adopt(w, PX_EINVALID);
    for (size_t i = 0; i < n; i++) {
        if (!epcis__nonempty(f[i].ns) || !epcis__nonempty(f[i].name))
            return epcis__writer_fail(w, PX_EINVALID, "invalid_event",
                                      "extension element needs a name and a namespace");
        char pfx[32];
        if (ns_prefix(pfx, t, f[i].ns) != 0) {
            if (t->n == NS_MAX)
                return epcis__writer_fail(w, PX_EINVALID, "invalid_event",
                                          "more than %d extension namespaces in one event", NS_MAX);
            t->ns[t->n++] = f[i].ns;
        }
        px_rc rc = collect_ns(w, t, f[i].children, f[i].n_children, depth + 1);
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

/* "prefix:name": value (a string) or {children}. JSON cannot carry both a text value and
 * child elements (XML mixed content), so that case is refused rather than half written. */
static px_rc xfield(px_epcis_writer *w, const ns_table *t, const px_epcis_xfield *f, int first)
{
    char pfx[32];
    ns_prefix(pfx, t, f->ns); /* collected before */
    if (f->value && f->n_children)
        return epcis__writer_fail(w, PX_EINVALID, "invalid_event",
                                  "extension \"%s\" has both text and children: JSON-LD "
                                  "cannot carry that",
                                  f->name);
    if (lit(w, first ? "\"" : ",\"") || lit(w, pfx) || lit(w, ":") || lit(w, f->name) ||
        lit(w, "\":"))
        return w->failed;
    if (!f->n_children)
        return str(w, f->value ? f->value : "");
    if (lit(w, "{"))
        return w->failed;
    for (size_t i = 0; i < f->n_children; i++)
        if (xfield(w, t, &f->children[i], i == 0) != PX_OK)
            return w->failed;
    return lit(w, "}");
}

static px_rc epc_array(px_epcis_writer *w, const char *key, const px_epcis_event *ev)
{
    if (lit(w, key))
        return w->failed;
    for (size_t i = 0; i < ev->n_epcs; i++)
        if ((i && lit(w, ",")) || str(w, ev->epcs[i]))
            return w->failed;
    for (size_t i = 0; i < ev->n_serials; i++) {
        char uri[GS1_EPC_URI_MAX];
        px_rc rc = epcis__serial_epc(w, ev, i, uri);
        if (rc != PX_OK)
            return rc;
        if (((i || ev->n_epcs) && lit(w, ",")) || str(w, uri))
            return w->failed;
    }
    return lit(w, "]");
}

static px_rc parties(px_epcis_writer *w, const char *key, const char *elem, const px_epcis_party *p,
                     size_t n)
{
    if (lit(w, key))
        return w->failed;
    for (size_t i = 0; i < n; i++)
        if (lit(w, i ? ",{\"type\":" : "{\"type\":") || str(w, px_cbv_sdt_name(p[i].type)) ||
            lit(w, elem) || str(w, p[i].id) || lit(w, "}"))
            return w->failed;
    return lit(w, "]");
}

/* "@context": the event's extension namespaces, named ext1, ext2, ... in order. */
static px_rc context_json(px_epcis_writer *w, const ns_table *t)
{
    if (!t->n)
        return PX_OK;
    if (lit(w, ",\"@context\":{"))
        return w->failed;
    for (size_t i = 0; i < t->n; i++) {
        char pfx[48];
        snprintf(pfx, sizeof(pfx), "%s\"ext%zu\":", i ? "," : "", i + 1);
        if (lit(w, pfx) || str(w, t->ns[i]))
            return w->failed;
    }
    return lit(w, "}");
}

static px_rc biz_transactions_json(px_epcis_writer *w, const px_epcis_event *ev)
{
    if (!ev->n_biz_transactions)
        return PX_OK;
    if (lit(w, ",\"bizTransactionList\":["))
        return w->failed;
    for (size_t i = 0; i < ev->n_biz_transactions; i++) {
        const px_epcis_biz_transaction *bt = &ev->biz_transactions[i];
        if (lit(w, i ? ",{" : "{"))
            return w->failed;
        if (bt->type && (kv(w, "\"type\":", px_cbv_btt_name(bt->type)) || lit(w, ",")))
            return w->failed;
        if (kv(w, "\"bizTransaction\":", bt->id) || lit(w, "}"))
            return w->failed;
    }
    return lit(w, "]");
}

static px_rc quantities_json(px_epcis_writer *w, const px_epcis_event *ev, int obj)
{
    if (!ev->n_quantities)
        return PX_OK;
    if (lit(w, obj ? ",\"quantityList\":[" : ",\"childQuantityList\":["))
        return w->failed;
    for (size_t i = 0; i < ev->n_quantities; i++) {
        const px_epcis_quantity *q = &ev->quantities[i];
        if (lit(w, i ? ",{" : "{") || kv(w, "\"epcClass\":", q->epc_class))
            return w->failed;
        if (epcis__nonempty(q->quantity)) {
            if (!json_number(q->quantity))
                return epcis__writer_fail(w, PX_EINVALID, "invalid_event",
                                          "quantity \"%s\" is not a decimal number", q->quantity);
            if (lit(w, ",\"quantity\":") || lit(w, q->quantity))
                return w->failed;
            if (epcis__nonempty(q->uom) && kv(w, ",\"uom\":", q->uom))
                return w->failed;
        }
        if (lit(w, "}"))
            return w->failed;
    }
    return lit(w, "]");
}

/* An ObjectEvent's "ilmd": lot, expiry and the instance/lot master data extensions. */
static px_rc ilmd_json(px_epcis_writer *w, const ns_table *t, const px_epcis_event *ev)
{
    int has_lot = epcis__nonempty(ev->lot), has_exp = epcis__nonempty(ev->expiry);
    if (!has_lot && !has_exp && !ev->n_ilmd)
        return PX_OK;
    if (lit(w, ",\"ilmd\":{"))
        return w->failed;
    if (has_lot && kv(w, "\"cbvmda:lotNumber\":", ev->lot))
        return w->failed;
    int first = !has_lot;
    if (has_exp) {
        char iso[11];
        px_rc rc = epcis__expiry_iso(iso, ev->expiry, ev->event_time_us, &w->err);
        if (rc != PX_OK) {
            px_err_field(&w->err, "expiry");
            return epcis__writer_adopt(w, rc);
        }
        if (kv(w,
               first ? "\"cbvmda:itemExpirationDate\":" : ",\"cbvmda:itemExpirationDate\":", iso))
            return w->failed;
        first = 0;
    }
    for (size_t i = 0; i < ev->n_ilmd; i++, first = 0)
        if (xfield(w, t, &ev->ilmd[i], first) != PX_OK)
            return w->failed;
    return lit(w, "}");
}

static px_rc write_event(px_epcis_writer *w, const px_epcis_event *ev)
{
    int obj = ev->type == PX_EPCIS_OBJECT_EVENT;
    char when[32], recorded[32], tz[8];
    epcis__time_ms(when, ev->event_time_us);
    int record = epcis__record_time(recorded, w, ev);
    (void)epcis__tz_format(tz, ev->tz_offset_min, NULL);
    ns_table t = {.n = 0};
    if (collect_ns(w, &t, ev->ilmd, ev->n_ilmd, 0) != PX_OK ||
        collect_ns(w, &t, ev->extensions, ev->n_extensions, 0) != PX_OK)
        return w->failed;
    if (lit(w, w->count ? ",{\"type\":" : "{\"type\":") ||
        lit(w, obj ? "\"ObjectEvent\"" : "\"AggregationEvent\"") || context_json(w, &t))
        return w->failed;
    if (kv(w, ",\"eventTime\":", when) || (record && kv(w, ",\"recordTime\":", recorded)) ||
        kv(w, ",\"eventTimeZoneOffset\":", tz))
        return w->failed;
    /* REQ-EPCIS2-3: the eventID of the model (its hash), the same as in the XML syntaxes. */
    if (epcis__nonempty(ev->event_id) && kv(w, ",\"eventID\":", ev->event_id))
        return w->failed;
    if (!obj && epcis__nonempty(ev->parent_id) && kv(w, ",\"parentID\":", ev->parent_id))
        return w->failed;
    /* epcList / childEPCs are optional in 2.0; an empty list is left out (a DELETE of every
     * child simply has none, as the EPCIS 2.0 JSON Schema allows). */
    if (ev->n_epcs + ev->n_serials &&
        epc_array(w, obj ? ",\"epcList\":[" : ",\"childEPCs\":[", ev) != PX_OK)
        return w->failed;
    if (kv(w, ",\"action\":", px_epcis_action_name(ev->action)))
        return w->failed;
    if (ev->biz_step && kv(w, ",\"bizStep\":", px_cbv_bizstep_name(ev->biz_step)))
        return w->failed;
    if (ev->disposition && kv(w, ",\"disposition\":", px_cbv_disp_name(ev->disposition)))
        return w->failed;
    if (epcis__nonempty(ev->read_point) &&
        (lit(w, ",\"readPoint\":{\"id\":") || str(w, ev->read_point) || lit(w, "}")))
        return w->failed;
    if (epcis__nonempty(ev->biz_location) &&
        (lit(w, ",\"bizLocation\":{\"id\":") || str(w, ev->biz_location) || lit(w, "}")))
        return w->failed;
    if (biz_transactions_json(w, ev) || quantities_json(w, ev, obj))
        return w->failed;
    if (ev->n_sources &&
        parties(w, ",\"sourceList\":[", ",\"source\":", ev->sources, ev->n_sources))
        return w->failed;
    if (ev->n_destinations && parties(w, ",\"destinationList\":[",
                                      ",\"destination\":", ev->destinations, ev->n_destinations))
        return w->failed;
    if (obj && ilmd_json(w, &t, ev))
        return w->failed;
    for (size_t i = 0; i < ev->n_extensions; i++)
        if (xfield(w, &t, &ev->extensions[i], 0) != PX_OK)
            return w->failed;
    return lit(w, "}");
}

px_rc epcis__json_event(px_epcis_writer *w, const px_epcis_event *ev)
{
    return write_event(w, ev);
}

px_rc epcis__json_query_start(px_epcis_writer *w, const char *query_name)
{
    char created[32];
    epcis__time_ms(created, w->creation_us);
    /* The query answer of the EPCIS 2.0 REST binding: an EPCISQueryDocument whose
     * queryResults carry queryName and resultsBody.eventList; the events are the same as in
     * an EPCISDocument. */
    if (lit(w, "{\"@context\":[\"" EPCIS__LD_CONTEXT "\"],\"type\":\"EPCISQueryDocument\","
               "\"schemaVersion\":\"2.0\"") ||
        kv(w, ",\"creationDate\":", created) || lit(w, ",\"epcisBody\":{\"queryResults\":{") ||
        kv(w, "\"queryName\":", query_name) || lit(w, ",\"resultsBody\":{\"eventList\":["))
        return w->failed;
    return PX_OK;
}

px_rc epcis__json_finish(px_epcis_writer *w)
{
    if (lit(w, w->query ? "]}}}}\n" : "]}}\n") != PX_OK)
        return w->failed;
    return flush(w);
}
