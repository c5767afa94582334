/* EPCIS reader: 1.2 XML, 2.0 XML and 2.0 JSON-LD into the one event model (px_epcis_event)
 * that the writers take, so a document read and written again, in any syntax, yields the
 * same events and the same hash IDs (the reader beside its writer: libgit2's parse/write
 * pairs). The mapping is GS1's EPCIS 1.2 to 2.0 conversion (convert-1.2-to-2.0.xsl) read
 * backwards.
 *
 * Nothing is dropped silently: a field the model cannot carry would change the event's hash
 * (or its meaning) without anyone noticing, so it fails with "epcis_unsupported" and the
 * caller decides. recordTime is the one exception: the capturing side sets it, and it is not
 * part of the hash (CBV 2.0 §8.9).
 *
 * This file holds what both syntaxes share (per-event storage, value parsing, checks,
 * callbacks, master data) and the entry points; reader_xml.c and reader_json.c read the
 * syntaxes, each streaming one event at a time. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "px_array.h"
#include "px_clock.h"
#include "px_str.h"
#include "reader_internal.h"

/* ---- per-event storage: every allocation of one event, freed together ---------------- */

void *epcis__ar_alloc(epcis__arena *a, size_t size)
{
    void **np = px_array_room(a->p, a->n, &a->cap, sizeof(*np), 64);
    if (!np) {
        a->oom = 1;
        return NULL;
    }
    a->p = np;
    void *m = calloc(1, size ? size : 1);
    if (!m) {
        a->oom = 1;
        return NULL;
    }
    a->p[a->n++] = m;
    return m;
}

char *epcis__ar_strdup(epcis__arena *a, const char *s, size_t n)
{
    char *d = epcis__ar_alloc(a, n + 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A copy without surrounding whitespace (XML text content of leaf elements). */
char *epcis__ar_trim(epcis__arena *a, const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return epcis__ar_strdup(a, s, n);
}

void epcis__ar_reset(epcis__arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->p[i]);
    a->n = 0;
}

void epcis__ar_dispose(epcis__arena *a)
{
    epcis__ar_reset(a);
    free(a->p);
    a->p = NULL;
    a->cap = 0;
}

/* ---- shared value parsing ------------------------------------------------------------ */

px_rc epcis__unsupported(px_err *err, const char *what, const char *name)
{
    return px_err_set(err, PX_EINVALID, "epcis_unsupported", "%s \"%s\" is not in packid's model",
                      what, name);
}

px_rc epcis__parse_bizstep(px_cbv_bizstep *out, const char *v, px_err *err)
{
    const char *w = px_cbv_word(PX_CBV_VOCAB_BIZSTEP, v);
    if (!w || (*out = px_cbv_bizstep_lookup(w)) == PX_BIZSTEP_NONE)
        return epcis__unsupported(err, "bizStep", v);
    return PX_OK;
}

px_rc epcis__parse_disp(px_cbv_disp *out, const char *v, px_err *err)
{
    const char *w = px_cbv_word(PX_CBV_VOCAB_DISP, v);
    if (!w || (*out = px_cbv_disp_lookup(w)) == PX_DISP_NONE)
        return epcis__unsupported(err, "disposition", v);
    return PX_OK;
}

px_rc epcis__parse_btt(px_cbv_btt *out, const char *v, px_err *err)
{
    const char *w = px_cbv_word(PX_CBV_VOCAB_BTT, v);
    if (!w || (*out = px_cbv_btt_lookup(w)) == PX_BTT_NONE)
        return epcis__unsupported(err, "bizTransaction type", v);
    return PX_OK;
}

px_rc epcis__parse_sdt(px_cbv_sdt *out, const char *v, px_err *err)
{
    const char *w = px_cbv_word(PX_CBV_VOCAB_SDT, v);
    for (int i = 1; w && i < PX_SDT__COUNT; i++)
        if (strcmp(px_cbv_sdt_name((px_cbv_sdt)i), w) == 0) {
            *out = (px_cbv_sdt)i;
            return PX_OK;
        }
    return epcis__unsupported(err, "source/destination type", v);
}

px_rc epcis__parse_action(px_epcis_action *out, const char *v, px_err *err)
{
    int i = px_name_index(px_epcis_action_names, PX_EPCIS_ACTIONS, v);
    if (i < 0)
        return px_name_refused(err, "epcis_invalid", NULL, "action", v, px_epcis_action_names,
                               PX_EPCIS_ACTIONS);
    *out = (px_epcis_action)i;
    return PX_OK;
}

px_rc epcis__parse_time(int64_t *us, const char *v, px_err *err)
{
    if (px_time_parse(v, us) != 0)
        return px_err_set(err, PX_EINVALID, "epcis_invalid",
                          "eventTime \"%.64s\" is not a date-time with an offset", v);
    return PX_OK;
}

/* "+hh:mm" / "-hh:mm" within ±14:00 (the pattern of the EPCIS 2.0 XSD and JSON Schema). */
px_rc epcis__parse_tz(int *minutes, const char *v, px_err *err)
{
    if (strlen(v) == 6 && px_tz_offset_parse(v, minutes) == 0)
        return PX_OK;
    return px_err_set(err, PX_EINVALID, "epcis_invalid",
                      "eventTimeZoneOffset \"%s\" is not [+-]hh:mm within 14:00", v);
}

int epcis__digits13(const char *s)
{
    return s && strlen(s) == 13 && px_digits(s, 13);
}

/* The model's rules, and the hash: an event whose identifiers packid cannot bring to the canonical
 * Digital Link form (an EPC scheme gs1_epc_to_dl does not know) has no packid hash ID, so it is
 * outside the model like an unknown event type. */
/* REQ-EPCIS2-5: what is handed over is a valid, hashable model event, so writing it again in
 * any syntax gives the same hash ID. REQ-EPCIS2-6: what the model lacks is refused. */
px_rc epcis__check_event(const px_epcis_event *ev, char id[PX_EPCIS_EVENT_ID_MAX],
                         px_err *err)
{
    px_rc rc = px_epcis_event_check(ev, PX_EPCIS_PROFILE_NONE, err);
    if (rc != PX_OK)
        return rc;
    px_err herr = PX_ERR_INIT;
    if (px_epcis_event_hash(id, ev, &herr) != PX_OK)
        return px_err_set(err, PX_EINVALID, "epcis_unsupported", "no hash ID: %s", herr.message);
    return PX_OK;
}

px_epcis_xfield *epcis__xl_push(epcis__arena *a, epcis__xlist *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        px_epcis_xfield *nv = epcis__ar_alloc(a, cap * sizeof(*nv));
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

px_rc epcis__send_header(epcis__reader *st, px_err *err)
{
    if (st->header_sent)
        return PX_OK;
    if (st->ha.oom)
        return px_err_oom(err);
    if (st->products_lost && !st->h.unread)
        st->h.unread = "the header's master data names more than " EPCIS__TEXT(
            PRODUCTS_MAX) " products: not read whole";
    st->header_sent = 1;
    if (st->cb->on_header && st->cb->on_header(st->cb->ctx, st->format, &st->h) != 0)
        return px_err_set(err, PX_ECONFLICT, "stopped", "the reader's caller stopped it");
    return PX_OK;
}

px_rc epcis__send_event(epcis__reader *st, const px_epcis_event *ev, px_err *err)
{
    px_rc rc = epcis__send_header(st, err);
    if (rc != PX_OK)
        return rc;
    if (st->cb->on_event && st->cb->on_event(st->cb->ctx, ev) != 0)
        return px_err_set(err, PX_ECONFLICT, "stopped", "the reader's caller stopped it");
    st->count++;
    return PX_OK;
}

/* ---- master data: the EPCClass attributes packid writes (CBV §8) --------------------- */

/* A new product for an EPCClass element id "urn:epc:idpat:sgtin:CP.IIR.*"; NULL when the id
 * is another kind of class (master data is not hashed: such elements are simply not kept). */
px_epcis_product *epcis__md_product(epcis__reader *st, const char *id)
{
    gs1_elements e;
    gs1_epc_kind kind;
    int gcp_len = 0;
    px_err ignored;
    if (!id || gs1_epc_parse(&e, &kind, &gcp_len, id, &ignored) != PX_OK ||
        kind != GS1_EPC_IDPAT_SGTIN || e.count < 1)
        return NULL;
    /* A product's master data is kept or the read fails (epcis__send_header): never dropped. */
    if (st->n_products == PRODUCTS_MAX) {
        st->products_lost = 1;
        return NULL;
    }
    if (!st->products &&
        !(st->products = epcis__ar_alloc(&st->ha, PRODUCTS_MAX * sizeof(*st->products))))
        return NULL; /* st->ha.oom: the read fails (epcis__send_header) */
    px_epcis_product *p = &st->products[st->n_products++];
    memset(p, 0, sizeof(*p));
    p->gtin = epcis__ar_strdup(&st->ha, e.items[0].value, strlen(e.items[0].value));
    p->gcp_len = gcp_len;
    return p;
}

/* One attribute by its CBV name, written "urn:epcglobal:cbv:mda#name" by packid (and GS1 US);
 * the JSON-LD spellings "cbvmda:name" and "urn:epcglobal:cbv:mda:name" are the same. */
void epcis__md_attribute(epcis__reader *st, px_epcis_product *p, const char *id, const char *v,
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
    const char *copy = epcis__ar_strdup(&st->ha, v, strlen(v));
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
void epcis__md_settle(px_epcis_product *p, const char *type_code)
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
    for (size_t i = 0; i < PX_COUNT(ais); i++)
        if (strcmp(epcis__nhrn_type(ais[i]), type_code) == 0) {
            p->nhrn_ai = ais[i];
            p->nhrn = number;
        }
}

/* ---- entry points ------------------------------------------------------------------- */

static px_rc read_any(const char *data, size_t len, FILE *f, const char *path,
                      const px_epcis_read_cb *cb, px_err *err)
{
    epcis__reader st = {0};
    st.cb = cb;
    px_err_clear(err);
    px_rc rc;
    if (f || (!path && len && data[0] == '{'))
        rc = epcis__read_json(&st, data, len, f, err);
    else
        rc = epcis__read_xml(&st, data, len, path, err);
    epcis__ar_dispose(&st.a);
    epcis__ar_dispose(&st.ha);
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
    /* A byte order mark is passed over to tell JSON from XML, and left to the XML reader. */
    size_t bom = px_utf8_bom(data, len), lead = bom;
    while (lead < len && is_blank(data[lead]))
        lead++;
    if (bom && (lead == len || data[lead] != '{'))
        lead = 0;
    return read_any(data + lead, len - lead, NULL, NULL, cb, err);
}

px_rc px_epcis_read_file(const char *path, const px_epcis_read_cb *cb, px_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return px_err_set(err, PX_ENOTFOUND, "file_not_found", "cannot open \"%s\": %s", path,
                          strerror(errno));
    char bom[3];
    size_t got = fread(bom, 1, sizeof(bom), f);
    if (!px_utf8_bom(bom, got))
        rewind(f); /* a byte order mark is passed over, as in px_epcis_read_buffer */
    int c;
    while ((c = getc(f)) != EOF && is_blank((char)c))
        ;
    px_rc rc;
    if (c == '{') {
        rc = read_any(NULL, 0, f, path, cb, err); /* rewinds to the start for each pass */
    } else {
        rc = read_any(NULL, 0, NULL, path, cb, err);
    }
    fclose(f);
    return rc;
}
