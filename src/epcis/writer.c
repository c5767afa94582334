/* Streaming EPCIS XML writer, 1.2 and 2.0 (docs/epcis.md "Writer"; element order of the official
 * 1.2 and 2.0 XSDs; what 2.0 moves as GS1's convert-1.2-to-2.0.xsl moves it). libxml2's
 * xmlTextWriter writes into an xmlOutputBuffer whose only backend is the caller's sink, so memory
 * stays bounded whatever the number of events. The two versions differ only in where a few elements
 * sit, so one file writes both (the reader of both is reader_xml.c); JSON-LD is writer_json.c. */
#include <libxml/xmlwriter.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_internal.h"
#include "gs1.h"
#include "px_str.h"

#define NS_EPCIS EPCIS__NS_EPCIS_1
#define NS_EPCIS_QUERY "urn:epcglobal:epcis-query:xsd:1"
#define NS_EPCIS_QUERY_2 "urn:epcglobal:epcis-query:xsd:2"
#define NS_SBDH "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
#define NS_GS1USHC EPCIS__NS_GS1USHC
#define MDA "urn:epcglobal:cbv:mda#"

/* Full CBV 1.2 URNs (CBV 1.2 §7), the vocabularies' words as the XML syntaxes (1.2 and 2.0)
 * spell them. */
static const char *urn(px_cbv_vocab vocab, int v)
{
    return epcis__cbv_uri(vocab, v, EPCIS__CBV_URN);
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    /* libxml2 must be initialised once before threads use it (LIBXML-NOTES, xmlInitParser). */
    xmlInitParser();
}

void epcis__xml_init(void)
{
    pthread_once(&xml_once, xml_init);
}

static void swallow(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e; /* the writer reports failures through its own sticky error */
}

void epcis__xml_errors_push(epcis__err_hook *saved, xmlStructuredErrorFunc handler, void *ctx)
{
    saved->fn = xmlStructuredError;
    saved->ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(ctx, handler ? handler : swallow);
}

void epcis__xml_errors_restore(const epcis__err_hook *saved)
{
    xmlSetStructuredErrorFunc(saved->ctx, saved->fn);
}

int px_epcis_sink_buf(void *ctx, const char *data, size_t len)
{
    return px_buf_add((px_buf *)ctx, data, len) == PX_OK ? 0 : -1;
}

static int out_write(void *ctx, const char *buf, int len)
{
    px_epcis_writer *w = ctx;
    if (len > 0 && w->sink(w->ctx, buf, (size_t)len) != 0) {
        w->sink_failed = 1;
        return -1;
    }
    return len;
}

static int out_close(void *ctx)
{
    (void)ctx;
    return 0;
}

px_rc epcis__writer_fail(px_epcis_writer *w, px_rc rc, const char *code, const char *fmt, ...)
{
    if (w->failed != PX_OK)
        return w->failed;
    char msg[PX_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    px_err_set(&w->err, rc, code, "%s", msg);
    w->failed = rc;
    return rc;
}

px_rc epcis__writer_adopt(px_epcis_writer *w, px_rc rc)
{
    if (w->failed == PX_OK)
        w->failed = rc;
    return w->failed;
}

px_rc epcis__sink_refused(px_epcis_writer *w)
{
    w->sink_failed = 1;
    return epcis__writer_fail(w, PX_EUNAVAIL, "epcis_sink",
                              "the EPCIS output sink refused the data");
}

static px_rc xml_failed(px_epcis_writer *w)
{
    if (w->sink_failed)
        return epcis__sink_refused(w);
    return epcis__writer_fail(w, PX_EINTERNAL, "epcis_xml", "libxml2 xmlTextWriter failed");
}

/* Text that needs no XML escaping (no '<', '>', '&', '"', '\'' nor control characters) is
 * written raw: EPC URIs are already %-escaped for these (EPC Tag Data Standard), and timestamps,
 * offsets and CBV URNs never contain them. Anything else goes through libxml2's escaping. */
static int xml_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '<' || *p == '>' || *p == '&' || *p == '"' || *p == '\'' || *p < 0x20)
            return 0;
    return 1;
}

static int put_elem(xmlTextWriterPtr xw, const char *name, const char *text)
{
    if (!xml_safe(text))
        return xmlTextWriterWriteElement(xw, BAD_CAST name, BAD_CAST text);
    if (xmlTextWriterStartElement(xw, BAD_CAST name) < 0 ||
        xmlTextWriterWriteRaw(xw, BAD_CAST text) < 0)
        return -1;
    return xmlTextWriterEndElement(xw);
}

static int put_attr_elem(xmlTextWriterPtr xw, const char *name, const char *attr,
                         const char *attr_value, const char *text)
{
    if (xmlTextWriterStartElement(xw, BAD_CAST name) < 0)
        return -1;
    if (attr_value && xmlTextWriterWriteAttribute(xw, BAD_CAST attr, BAD_CAST attr_value) < 0)
        return -1;
    if (xmlTextWriterWriteString(xw, BAD_CAST text) < 0)
        return -1;
    return xmlTextWriterEndElement(xw);
}

static int start(xmlTextWriterPtr xw, const char *name)
{
    return xmlTextWriterStartElement(xw, BAD_CAST name);
}

static int end(xmlTextWriterPtr xw)
{
    return xmlTextWriterEndElement(xw);
}

/* Closes the open element: PX_OK, or the writer's failure. */
static px_rc end_ok(px_epcis_writer *w)
{
    return end(w->xw) < 0 ? xml_failed(w) : PX_OK;
}

/* ---- header ----------------------------------------------------------------------- */

px_rc epcis__check_header(const px_epcis_doc_header *h, const px_epcis_profile_info *p,
                          int sbdh_required, px_err *err)
{
    px_rc rc;
    int parties = epcis__nonempty(h->sender_gln) || epcis__nonempty(h->receiver_gln);
    /* packid's 1.2 documents always carry the SBDH, whose schema requires Sender and Receiver;
     * a market profile needs them in every syntax. In 2.0 they are optional, but given one
     * needs the other. */
    if (sbdh_required || p->id != PX_EPCIS_PROFILE_NONE || parties) {
        if (!epcis__nonempty(h->sender_gln) || !epcis__nonempty(h->receiver_gln))
            return px_err_set(err, PX_EINVALID, "invalid_header",
                              "an EPCIS document needs sender and receiver GLNs");
        if ((rc = gs1_gln_validate(h->sender_gln, err)) != PX_OK) {
            px_err_field(err, "sender_gln");
            return rc;
        }
        if ((rc = gs1_gln_validate(h->receiver_gln, err)) != PX_OK) {
            px_err_field(err, "receiver_gln");
            return rc;
        }
        if (!epcis__nonempty(h->instance_id) || !xml_safe(h->instance_id))
            return px_err_set(err, PX_EINVALID, "invalid_header",
                              "an EPCIS document needs an SBDH instance identifier");
    }
    if (p->masterdata_required && h->n_products == 0)
        return px_err_set(err, PX_EINVALID, "profile_violation",
                          "%s profile: the header needs EPCClass master data", p->name);
    for (size_t i = 0; i < h->n_products; i++) {
        const px_epcis_product *pr = &h->products[i];
        if (p->masterdata_required &&
            !(epcis__nonempty(pr->regulated_product_name) &&
              epcis__nonempty(pr->dosage_form_type) && epcis__nonempty(pr->strength_description) &&
              epcis__nonempty(pr->net_content_description) &&
              epcis__nonempty(pr->manufacturer_name))) {
            px_err_set(err, PX_EINVALID, "profile_violation",
                       "%s profile: product %s needs name, dosage form, strength, net content "
                       "and manufacturer",
                       p->name, pr->gtin ? pr->gtin : "");
            px_err_field(err, "products[%zu]", i);
            return PX_EINVALID;
        }
        if (p->ndc_required) {
            /* DSCSA: FDA NDC in 11-digit HIPAA form (TypeCode FDA_NDC_11, GS1 US R1.2). */
            if (!pr->ndc || strlen(pr->ndc) != 11 || !px_digits(pr->ndc, 11)) {
                px_err_set(err, PX_EINVALID, "profile_violation",
                           "%s profile: product %s needs an 11-digit NDC", p->name,
                           pr->gtin ? pr->gtin : "");
                px_err_field(err, "products[%zu].ndc", i);
                return PX_EINVALID;
            }
        }
    }
    return PX_OK;
}

static px_rc write_attribute(px_epcis_writer *w, const char *id, const char *value)
{
    if (!epcis__nonempty(value))
        return PX_OK;
    if (put_attr_elem(w->xw, "attribute", "id", id, value) < 0)
        return xml_failed(w);
    return PX_OK;
}

/* The NHRN's name by AI (the Syntax Dictionary's titles of AIs 710-717), used as
 * additionalTradeItemIdentificationTypeCode.
 * GS1 publishes no code list entry verified here for these: packid's convention [T]. */
const char *epcis__nhrn_type(const char *ai)
{
    static const char *const names[] = {"PZN", "CIP", "CN", "DRN", "AIM", "NDC", "AIC", "SRN"};
    int i = gs1_nhrn_ai_index(ai);
    return i < 0 ? NULL : names[i];
}

size_t epcis__product_attrs(const px_epcis_product *pr, const px_epcis_profile_info *p,
                            epcis__attr out[EPCIS__PRODUCT_ATTRS])
{
    size_t n = 0;
    const char *id_type = NULL, *id = NULL;
    if (epcis__nonempty(pr->ndc)) {
        /* GS1 US R1.2: NDC as additional identification, type FDA_NDC_11 (Appendix A). */
        id = pr->ndc;
        id_type = "FDA_NDC_11";
    } else if (p->nhrn_masterdata && epcis__nonempty(pr->nhrn) && epcis__nhrn_type(pr->nhrn_ai)) {
        /* EU FMD Art 4(b)(iii): national reimbursement number where a market needs it. */
        id = pr->nhrn;
        id_type = epcis__nhrn_type(pr->nhrn_ai);
    }
    if (id) {
        out[n++] = (epcis__attr){MDA "additionalTradeItemIdentification", id};
        out[n++] = (epcis__attr){MDA "additionalTradeItemIdentificationTypeCode", id_type};
    }
    out[n++] = (epcis__attr){MDA "regulatedProductName", pr->regulated_product_name};
    out[n++] = (epcis__attr){MDA "manufacturerOfTradeItemPartyName", pr->manufacturer_name};
    out[n++] = (epcis__attr){MDA "dosageFormType", pr->dosage_form_type};
    out[n++] = (epcis__attr){MDA "strengthDescription", pr->strength_description};
    out[n++] = (epcis__attr){MDA "netContentDescription", pr->net_content_description};
    return n;
}

px_rc epcis__product_idpat(px_epcis_writer *w, const px_epcis_product *pr, size_t i,
                           char idpat[GS1_EPC_URI_MAX])
{
    px_rc rc = gs1_epc_idpat_sgtin_format(idpat, GS1_EPC_URI_MAX, pr->gtin ? pr->gtin : "",
                                          pr->gcp_len, &w->err);
    if (rc == PX_OK)
        return PX_OK;
    px_err_field(&w->err, "products[%zu].gtin", i);
    return epcis__writer_adopt(w, rc);
}

px_rc epcis__serial_epc(px_epcis_writer *w, const px_epcis_event *ev, size_t i,
                        char uri[GS1_EPC_URI_MAX])
{
    /* SGTIN pure identity URI, serial escaped per the EPC Tag Data Standard (gs1 layer). */
    px_rc rc = gs1_epc_sgtin_format(uri, GS1_EPC_URI_MAX, ev->sgtin_gtin, ev->sgtin_gcp_len,
                                    ev->serials[i], &w->err);
    if (rc == PX_OK)
        return PX_OK;
    px_err_field(&w->err, "serials[%zu]", i);
    return epcis__writer_adopt(w, rc);
}

static px_rc write_masterdata(px_epcis_writer *w, const px_epcis_doc_header *h,
                              const px_epcis_profile_info *p)
{
    xmlTextWriterPtr xw = w->xw;
    /* EPCIS 1.2 §9.3 (header extension EPCISMasterData), CBV §8 EPCClass attributes. */
    if (start(xw, "extension") < 0 || start(xw, "EPCISMasterData") < 0 ||
        start(xw, "VocabularyList") < 0 || start(xw, "Vocabulary") < 0 ||
        xmlTextWriterWriteAttribute(xw, BAD_CAST "type",
                                    BAD_CAST "urn:epcglobal:epcis:vtype:EPCClass") < 0 ||
        start(xw, "VocabularyElementList") < 0)
        return xml_failed(w);
    for (size_t i = 0; i < h->n_products; i++) {
        char idpat[GS1_EPC_URI_MAX];
        px_rc rc = epcis__product_idpat(w, &h->products[i], i, idpat);
        if (rc != PX_OK)
            return rc;
        if (start(xw, "VocabularyElement") < 0 ||
            xmlTextWriterWriteAttribute(xw, BAD_CAST "id", BAD_CAST idpat) < 0)
            return xml_failed(w);
        epcis__attr a[EPCIS__PRODUCT_ATTRS];
        size_t n = epcis__product_attrs(&h->products[i], p, a);
        for (size_t k = 0; k < n; k++)
            if ((rc = write_attribute(w, a[k].id, a[k].value)) != PX_OK)
                return rc;
        if (end(xw) < 0)
            return xml_failed(w);
    }
    /* VocabularyElementList, Vocabulary, VocabularyList, EPCISMasterData, extension */
    for (int i = 0; i < 5; i++)
        if (end(xw) < 0)
            return xml_failed(w);
    return PX_OK;
}

/* The XML declaration and the root element with its own namespace (xmlns_attr = ns). */
static int root_start(xmlTextWriterPtr xw, const char *root, const char *xmlns_attr, const char *ns)
{
    if (xmlTextWriterStartDocument(xw, NULL, "UTF-8", NULL) < 0 || start(xw, root) < 0)
        return -1;
    return xmlTextWriterWriteAttribute(xw, BAD_CAST xmlns_attr, BAD_CAST ns);
}

/* EPCglobal Document: schemaVersion (by the syntax) and creationDate are required
 * (EPCglobal.xsd, urn:epcglobal:xsd:1), in documents and query documents alike. */
static int document_attrs(px_epcis_writer *w, int64_t creation_us)
{
    char created[32];
    epcis__time_ms(created, creation_us);
    const char *version = w->format == PX_EPCIS_FORMAT_XML_2_0 ? "2.0" : "1.2";
    if (xmlTextWriterWriteAttribute(w->xw, BAD_CAST "schemaVersion", BAD_CAST version) < 0)
        return -1;
    return xmlTextWriterWriteAttribute(w->xw, BAD_CAST "creationDate", BAD_CAST created);
}

static px_rc write_party_id(px_epcis_writer *w, const char *elem, const char *gln)
{
    xmlTextWriterPtr xw = w->xw;
    if (start(xw, elem) < 0 || put_attr_elem(xw, "sbdh:Identifier", "Authority", "GS1", gln) < 0 ||
        end(xw) < 0)
        return xml_failed(w);
    return PX_OK;
}

static px_rc write_header(px_epcis_writer *w, const px_epcis_doc_header *h,
                          const px_epcis_profile_info *p)
{
    xmlTextWriterPtr xw = w->xw;
    int v2 = w->format == PX_EPCIS_FORMAT_XML_2_0;
    char created[32]; /* the SBDH's CreationDateAndTime */
    epcis__time_ms(created, h->creation_us);
    const char *ns = v2 ? EPCIS__NS_EPCIS_2 : NS_EPCIS;
    if (root_start(xw, "epcis:EPCISDocument", "xmlns:epcis", ns) < 0 ||
        xmlTextWriterWriteAttribute(xw, BAD_CAST "xmlns:sbdh", BAD_CAST NS_SBDH) < 0 ||
        xmlTextWriterWriteAttribute(xw, BAD_CAST "xmlns:cbvmda", BAD_CAST EPCIS__NS_CBVMDA) < 0)
        return xml_failed(w);
    /* The EPCIS 2.0 XSD's EPCISHeader has no ##other wildcard (only SBDH and extension), so
     * the GS1 US transaction statement has no place in a 2.0 XML header (docs/epcis.md). */
    int statement = p->transaction_statement && !v2;
    if (statement &&
        xmlTextWriterWriteAttribute(xw, BAD_CAST "xmlns:gs1ushc", BAD_CAST NS_GS1USHC) < 0)
        return xml_failed(w);
    if (document_attrs(w, h->creation_us) < 0)
        return xml_failed(w);
    px_rc rc;
    int sbdh =
        epcis__nonempty(h->sender_gln); /* checked: always in 1.2 and under a market profile */
    if (sbdh || h->n_products > 0 || statement) {
        if (start(xw, "EPCISHeader") < 0)
            return xml_failed(w);
    }
    if (sbdh) {
        /* EPCISHeader / SBDH in the XSD's order; the values are GS1's conventional ones. */
        if (start(xw, "sbdh:StandardBusinessDocumentHeader") < 0 ||
            put_elem(xw, "sbdh:HeaderVersion", "1.0") < 0)
            return xml_failed(w);
        if ((rc = write_party_id(w, "sbdh:Sender", h->sender_gln)) != PX_OK ||
            (rc = write_party_id(w, "sbdh:Receiver", h->receiver_gln)) != PX_OK)
            return rc;
        if (start(xw, "sbdh:DocumentIdentification") < 0 ||
            put_elem(xw, "sbdh:Standard", "EPCglobal") < 0 ||
            put_elem(xw, "sbdh:TypeVersion", "1.0") < 0 ||
            put_elem(xw, "sbdh:InstanceIdentifier", h->instance_id) < 0 ||
            put_elem(xw, "sbdh:Type", "Events") < 0 ||
            put_elem(xw, "sbdh:CreationDateAndTime", created) < 0 || end(xw) < 0 || end(xw) < 0)
            return xml_failed(w);
    }
    if (h->n_products > 0 && (rc = write_masterdata(w, h, p)) != PX_OK)
        return rc;
    if (statement) {
        /* GS1 US DSCSA guideline: the seller affirms the transaction statement of FD&C Act
         * §581(27); allowed by the 1.2 XSD's ##other wildcard in the header. */
        if (start(xw, "gs1ushc:dscsaTransactionStatement") < 0 ||
            put_elem(xw, "gs1ushc:affirmTransactionStatement", "true") < 0 || end(xw) < 0)
            return xml_failed(w);
    }
    if ((sbdh || h->n_products > 0 || statement) && end(xw) < 0)
        return xml_failed(w);
    if (start(xw, "EPCISBody") < 0 || start(xw, "EventList") < 0)
        return xml_failed(w);
    return PX_OK;
}

/* Allocates a writer on sink (libxml2 output buffer, optional indentation). */
static px_rc writer_alloc(px_epcis_writer **out, px_epcis_format format, px_epcis_sink sink,
                          void *ctx, px_epcis_profile profile, int64_t creation_us, int indent,
                          px_err *err)
{
    *out = NULL;
    if (!sink)
        return px_err_set(err, PX_EINVALID, "invalid_argument", "the EPCIS writer needs a sink");
    epcis__xml_init();
    px_epcis_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return px_err_oom(err);
    px_err_clear(&w->err);
    w->format = format;
    w->sink = sink;
    w->ctx = ctx;
    w->profile = profile;
    w->creation_us = creation_us;
    w->indent = indent;
    if (format == PX_EPCIS_FORMAT_JSONLD_2_0) {
        /* JSON-LD is written by packid itself into a fixed chunk flushed to the sink. */
        if (!(w->out = malloc(EPCIS__JSON_CHUNK))) {
            free(w);
            return px_err_oom(err);
        }
        w->out_cap = EPCIS__JSON_CHUNK;
        *out = w;
        return PX_OK;
    }
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(out_write, out_close, w, NULL);
    if (!ob) {
        free(w);
        return px_err_oom(err);
    }
    w->xw = xmlNewTextWriter(ob); /* owns ob from here */
    if (!w->xw) {
        xmlOutputBufferClose(ob);
        free(w);
        return px_err_oom(err);
    }
    if (indent) {
        xmlTextWriterSetIndent(w->xw, 1);
        xmlTextWriterSetIndentString(w->xw, BAD_CAST "  ");
    }
    *out = w;
    return PX_OK;
}

static const char *const k_format_names[PX_EPCIS_FORMAT__COUNT] = {"1.2-xml", "2.0-xml",
                                                                    "2.0-json"};

const char *px_epcis_format_name(px_epcis_format f)
{
    return (unsigned)f < PX_EPCIS_FORMAT__COUNT ? k_format_names[f] : NULL;
}

px_rc px_epcis_format_parse(px_epcis_format *out, const char *name, px_err *err)
{
    int i = px_name_index(k_format_names, PX_EPCIS_FORMAT__COUNT, name);
    if (i >= 0) {
        *out = (px_epcis_format)i;
        return PX_OK;
    }
    if (name && strcmp(name, "2.0-jsonld") == 0) {
        *out = PX_EPCIS_FORMAT_JSONLD_2_0;
        return PX_OK;
    }
    return px_name_refused(err, "invalid_format", NULL, "EPCIS format", name, k_format_names,
                           PX_EPCIS_FORMAT__COUNT);
}

px_rc px_epcis_writer_new(px_epcis_writer **out, px_epcis_sink sink, void *ctx,
                          const px_epcis_doc_header *h, px_err *err)
{
    return px_epcis_writer_open(out, PX_EPCIS_FORMAT_XML_1_2, sink, ctx, h, err);
}

/* The format's check of both openings. */
static px_rc format_known(px_epcis_format format, px_err *err)
{
    if ((unsigned)format >= PX_EPCIS_FORMAT__COUNT)
        return px_err_set(err, PX_EINVALID, "invalid_format", "unknown EPCIS format %d",
                          (int)format);
    return PX_OK;
}

/* Writes the new writer w's opening with opening (libxml2's errors kept to the writer's own):
 * *out = w, or w freed and its error in err. */
static px_rc writer_start(px_epcis_writer *w, px_rc (*opening)(px_epcis_writer *w, const void *arg),
                          const void *arg, px_epcis_writer **out, px_err *err)
{
    epcis__err_hook hook;
    epcis__xml_errors_push(&hook, NULL, NULL);
    px_rc rc = opening(w, arg);
    epcis__xml_errors_restore(&hook);
    if (rc != PX_OK) {
        if (err)
            *err = w->err;
        px_epcis_writer_free(w);
        return rc;
    }
    *out = w;
    return PX_OK;
}

typedef struct doc_opening {
    const px_epcis_doc_header *h;
    const px_epcis_profile_info *p;
} doc_opening;

static px_rc doc_start(px_epcis_writer *w, const void *arg)
{
    const doc_opening *o = arg;
    return w->format == PX_EPCIS_FORMAT_JSONLD_2_0 ? epcis__json_start(w, o->h, o->p)
                                                   : write_header(w, o->h, o->p);
}

px_rc px_epcis_writer_open(px_epcis_writer **out, px_epcis_format format, px_epcis_sink sink,
                           void *ctx, const px_epcis_doc_header *h, px_err *err)
{
    *out = NULL;
    px_rc rc = format_known(format, err);
    if (rc != PX_OK)
        return rc;
    const px_epcis_profile_info *p = px_epcis_profile_get(h->profile);
    if (!p)
        return px_err_set(err, PX_EINVALID, "invalid_profile", "unknown EPCIS profile %d",
                          (int)h->profile);
    if (!sink)
        return px_err_set(err, PX_EINVALID, "invalid_argument", "the EPCIS writer needs a sink");
    rc = epcis__check_header(h, p, format == PX_EPCIS_FORMAT_XML_1_2, err);
    if (rc != PX_OK)
        return rc;
    px_epcis_writer *w = NULL;
    if ((rc = writer_alloc(&w, format, sink, ctx, h->profile, h->creation_us, h->indent,
                           err)) != PX_OK)
        return rc;
    doc_opening o = {h, p};
    return writer_start(w, doc_start, &o, out, err);
}

/* EPCIS 1.2 §8.2.5 / query XSD: epcisq:EPCISQueryDocument (an epcglobal:Document) whose
 * EPCISBody holds QueryResults(queryName, resultsBody/EventList); the EventList is the same
 * EventListType as in an EPCISDocument, so events are written by the same code. */
static px_rc write_query_header(px_epcis_writer *w, const char *query_name)
{
    xmlTextWriterPtr xw = w->xw;
    /* EPCIS 2.0's query XSD (EPCglobal-epcis-query-2_0.xsd) keeps the 1.2 shape under its own
     * namespace; the events inside are the 2.0 EventList the document writer emits. */
    int v2 = w->format == PX_EPCIS_FORMAT_XML_2_0;
    if (root_start(xw, "epcisq:EPCISQueryDocument", "xmlns:epcisq",
                   v2 ? NS_EPCIS_QUERY_2 : NS_EPCIS_QUERY) < 0 ||
        xmlTextWriterWriteAttribute(xw, BAD_CAST "xmlns:cbvmda", BAD_CAST EPCIS__NS_CBVMDA) < 0 ||
        document_attrs(w, w->creation_us) < 0 || start(xw, "EPCISBody") < 0 ||
        start(xw, "epcisq:QueryResults") < 0 ||
        xmlTextWriterWriteElement(xw, BAD_CAST "queryName", BAD_CAST query_name) < 0 ||
        start(xw, "resultsBody") < 0 || start(xw, "EventList") < 0)
        return xml_failed(w);
    return PX_OK;
}

static px_rc query_start(px_epcis_writer *w, const void *query_name)
{
    return w->format == PX_EPCIS_FORMAT_JSONLD_2_0 ? epcis__json_query_start(w, query_name)
                                                   : write_query_header(w, query_name);
}

px_rc px_epcis_query_writer_new(px_epcis_writer **out, px_epcis_sink sink, void *ctx,
                                const char *query_name, int64_t creation_us, int indent,
                                px_err *err)
{
    return px_epcis_query_writer_open(out, PX_EPCIS_FORMAT_XML_1_2, sink, ctx, query_name,
                                      creation_us, indent, err);
}

px_rc px_epcis_query_writer_open(px_epcis_writer **out, px_epcis_format format,
                                 px_epcis_sink sink, void *ctx, const char *query_name,
                                 int64_t creation_us, int indent, px_err *err)
{
    *out = NULL;
    px_rc rc = format_known(format, err);
    if (rc != PX_OK)
        return rc;
    if (!epcis__nonempty(query_name))
        return px_err_set(err, PX_EINVALID, "invalid_argument", "a query result needs a name");
    px_epcis_writer *w = NULL;
    rc = writer_alloc(&w, format, sink, ctx, PX_EPCIS_PROFILE_NONE, creation_us, indent, err);
    if (rc != PX_OK)
        return rc;
    w->query = 1;
    return writer_start(w, query_start, query_name, out, err);
}

int epcis__record_time(char out[32], const px_epcis_writer *w, const px_epcis_event *ev)
{
    if (!w->query || ev->record_time_us == 0)
        return 0;
    epcis__time_ms(out, ev->record_time_us);
    return 1;
}

/* ---- events ------------------------------------------------------------------------ */

/* A user extension / ILMD element in its own namespace (EPCIS 1.2 ##other wildcards). The
 * cbvmda namespace reuses the root's prefix; any other namespace is declared on the element
 * where it starts (prefix "extN", N = depth). */
static px_rc write_xfield(px_epcis_writer *w, const px_epcis_xfield *f, const char *parent_ns,
                          const char *parent_prefix, int depth)
{
    xmlTextWriterPtr xw = w->xw;
    if (epcis__xfield_depth(depth, "invalid_event", w->failed ? NULL : &w->err) != PX_OK)
        return epcis__writer_adopt(w, PX_EINVALID);
    if (!epcis__ncname(f->name) || !epcis__nonempty(f->ns) || strcmp(f->ns, NS_EPCIS) == 0 ||
        !xml_safe(f->ns))
        return epcis__writer_fail(w, PX_EINVALID, "invalid_event",
                    "extension element \"%s\" needs an XML name and a foreign namespace",
                    f->name ? f->name : "");
    char prefix[16];
    int declare = 0;
    if (strcmp(f->ns, EPCIS__NS_CBVMDA) == 0) {
        snprintf(prefix, sizeof(prefix), "cbvmda");
    } else if (parent_ns && strcmp(f->ns, parent_ns) == 0) {
        snprintf(prefix, sizeof(prefix), "%s", parent_prefix);
    } else {
        snprintf(prefix, sizeof(prefix), "ext%d", depth);
        declare = 1;
    }
    char qname[160];
    if ((size_t)snprintf(qname, sizeof(qname), "%s:%s", prefix, f->name) >= sizeof(qname))
        return epcis__writer_fail(w, PX_EINVALID, "invalid_event", "extension name too long");
    if (start(xw, qname) < 0)
        return xml_failed(w);
    if (declare) {
        char xmlns[32];
        snprintf(xmlns, sizeof(xmlns), "xmlns:%s", prefix);
        if (xmlTextWriterWriteAttribute(xw, BAD_CAST xmlns, BAD_CAST f->ns) < 0)
            return xml_failed(w);
    }
    if (f->value && xmlTextWriterWriteString(xw, BAD_CAST f->value) < 0)
        return xml_failed(w);
    for (size_t i = 0; i < f->n_children; i++) {
        px_rc rc = write_xfield(w, &f->children[i], f->ns, prefix, depth + 1);
        if (rc != PX_OK)
            return rc;
    }
    return end_ok(w);
}

static px_rc write_epcs(px_epcis_writer *w, const px_epcis_event *ev, const char *list)
{
    xmlTextWriterPtr xw = w->xw;
    if (start(xw, list) < 0)
        return xml_failed(w);
    for (size_t i = 0; i < ev->n_epcs; i++)
        if (put_elem(xw, "epc", ev->epcs[i]) < 0)
            return xml_failed(w);
    for (size_t i = 0; i < ev->n_serials; i++) {
        char uri[GS1_EPC_URI_MAX];
        px_rc rc = epcis__serial_epc(w, ev, i, uri);
        if (rc != PX_OK)
            return rc;
        if (put_elem(xw, "epc", uri) < 0)
            return xml_failed(w);
    }
    return end_ok(w);
}

static px_rc write_quantities(px_epcis_writer *w, const px_epcis_event *ev, const char *list)
{
    xmlTextWriterPtr xw = w->xw;
    if (start(xw, list) < 0)
        return xml_failed(w);
    for (size_t i = 0; i < ev->n_quantities; i++) {
        const px_epcis_quantity *q = &ev->quantities[i];
        /* EPCIS 1.2 QuantityElementType: epcClass, (quantity, uom?)? */
        if (start(xw, "quantityElement") < 0 || put_elem(xw, "epcClass", q->epc_class) < 0)
            return xml_failed(w);
        if (epcis__nonempty(q->quantity)) {
            if (put_elem(xw, "quantity", q->quantity) < 0 ||
                (epcis__nonempty(q->uom) && put_elem(xw, "uom", q->uom) < 0))
                return xml_failed(w);
        }
        if (end(xw) < 0)
            return xml_failed(w);
    }
    return end_ok(w);
}

static px_rc write_parties(px_epcis_writer *w, const char *list, const char *elem,
                           const px_epcis_party *p, size_t n)
{
    xmlTextWriterPtr xw = w->xw;
    if (start(xw, list) < 0)
        return xml_failed(w);
    for (size_t i = 0; i < n; i++)
        if (put_attr_elem(xw, elem, "type", urn(PX_CBV_VOCAB_SDT, (int)p[i].type), p[i].id) < 0)
            return xml_failed(w);
    return end_ok(w);
}

static px_rc write_location(px_epcis_writer *w, const char *elem, const char *id)
{
    if (!epcis__nonempty(id))
        return PX_OK;
    if (start(w->xw, elem) < 0 || put_elem(w->xw, "id", id) < 0 || end(w->xw) < 0)
        return xml_failed(w);
    return PX_OK;
}


static px_rc write_ilmd(px_epcis_writer *w, const px_epcis_event *ev)
{
    xmlTextWriterPtr xw = w->xw;
    px_rc rc;
    /* ILMD children must be in a foreign namespace (cbvmda, CBV §8.2). */
    if (start(xw, "ilmd") < 0 ||
        (epcis__nonempty(ev->lot) && put_elem(xw, "cbvmda:lotNumber", ev->lot) < 0))
        return xml_failed(w);
    if (epcis__nonempty(ev->expiry)) {
        char iso[11];
        if ((rc = epcis__expiry_iso(iso, ev->expiry, ev->event_time_us, &w->err)) != PX_OK) {
            px_err_field(&w->err, "expiry");
            return epcis__writer_adopt(w, rc);
        }
        if (put_elem(xw, "cbvmda:itemExpirationDate", iso) < 0)
            return xml_failed(w);
    }
    for (size_t i = 0; i < ev->n_ilmd; i++)
        if ((rc = write_xfield(w, &ev->ilmd[i], NULL, "", 0)) != PX_OK)
            return rc;
    return end_ok(w);
}

static px_rc write_event(px_epcis_writer *w, const px_epcis_event *ev)
{
    xmlTextWriterPtr xw = w->xw;
    int obj = ev->type == PX_EPCIS_OBJECT_EVENT;
    /* REQ-EPCIS2-2: the 2.0 XSD's element order. */
    int v2 = w->format == PX_EPCIS_FORMAT_XML_2_0;
    char when[32], recorded[32], tz[8];
    px_rc rc;
    epcis__time_ms(when, ev->event_time_us);
    int record = epcis__record_time(recorded, w, ev);
    (void)epcis__tz_format(tz, ev->tz_offset_min, NULL);
    /* EPCIS 1.2 §7.4.1 common fields, in the XSD's order (recordTime between eventTime and
     * eventTimeZoneOffset in both XSDs). */
    if (start(xw, px_epcis_event_type_names[ev->type]) < 0 || put_elem(xw, "eventTime", when) < 0 ||
        (record && put_elem(xw, "recordTime", recorded) < 0) ||
        put_elem(xw, "eventTimeZoneOffset", tz) < 0)
        return xml_failed(w);
    if (epcis__nonempty(ev->event_id)) {
        /* EPCIS 1.2 baseExtension/eventID, 2.0 eventID directly after eventTimeZoneOffset:
         * packid writes the CBV 2.0 event hash ID. */
        if (v2 ? put_elem(xw, "eventID", ev->event_id) < 0
               : (start(xw, "baseExtension") < 0 || put_elem(xw, "eventID", ev->event_id) < 0 ||
                  end(xw) < 0))
            return xml_failed(w);
    }
    if (!obj && epcis__nonempty(ev->parent_id) && put_elem(xw, "parentID", ev->parent_id) < 0)
        return xml_failed(w);
    /* epcList / childEPCs are required by the 1.2 XSD even when empty; optional in 2.0. */
    if ((!v2 || ev->n_epcs + ev->n_serials > 0) &&
        (rc = write_epcs(w, ev, obj ? "epcList" : "childEPCs")) != PX_OK)
        return rc;
    if (put_elem(xw, "action", px_epcis_action_name(ev->action)) < 0)
        return xml_failed(w);
    if (ev->biz_step && put_elem(xw, "bizStep", urn(PX_CBV_VOCAB_BIZSTEP, (int)ev->biz_step)) < 0)
        return xml_failed(w);
    if (ev->disposition &&
        put_elem(xw, "disposition", urn(PX_CBV_VOCAB_DISP, (int)ev->disposition)) < 0)
        return xml_failed(w);
    if ((rc = write_location(w, "readPoint", ev->read_point)) != PX_OK ||
        (rc = write_location(w, "bizLocation", ev->biz_location)) != PX_OK)
        return rc;
    if (ev->n_biz_transactions) {
        if (start(xw, "bizTransactionList") < 0)
            return xml_failed(w);
        for (size_t i = 0; i < ev->n_biz_transactions; i++) {
            const px_epcis_biz_transaction *bt = &ev->biz_transactions[i];
            if (put_attr_elem(xw, "bizTransaction", "type", urn(PX_CBV_VOCAB_BTT, (int)bt->type),
                              bt->id) < 0)
                return xml_failed(w);
        }
        if (end(xw) < 0)
            return xml_failed(w);
    }
    int ilmd = obj && (epcis__nonempty(ev->lot) || epcis__nonempty(ev->expiry) || ev->n_ilmd);
    int wrapped = !v2 && (ev->n_quantities || ev->n_sources || ev->n_destinations || ilmd);
    /* EPCIS 1.2 moved these into <extension> (ObjectEventExtensionType: quantityList,
     * sourceList, destinationList, ilmd; AggregationEventExtensionType: childQuantityList,
     * sourceList, destinationList); 2.0 has them as direct children in the same order. */
    if (wrapped && start(xw, "extension") < 0)
        return xml_failed(w);
    if (ev->n_quantities &&
        (rc = write_quantities(w, ev, obj ? "quantityList" : "childQuantityList")) != PX_OK)
        return rc;
    if (ev->n_sources &&
        (rc = write_parties(w, "sourceList", "source", ev->sources, ev->n_sources)) != PX_OK)
        return rc;
    if (ev->n_destinations &&
        (rc = write_parties(w, "destinationList", "destination", ev->destinations,
                            ev->n_destinations)) != PX_OK)
        return rc;
    if (ilmd && (rc = write_ilmd(w, ev)) != PX_OK)
        return rc;
    if (wrapped && end(xw) < 0)
        return xml_failed(w);
    for (size_t i = 0; i < ev->n_extensions; i++)
        if ((rc = write_xfield(w, &ev->extensions[i], NULL, "", 0)) != PX_OK)
            return rc;
    return end_ok(w);
}

px_rc px_epcis_writer_event(px_epcis_writer *w, const px_epcis_event *ev)
{
    if (!w)
        return PX_EINVALID;
    if (w->failed != PX_OK)
        return w->failed;
    if (w->finished)
        return epcis__writer_fail(w, PX_ESTATE, "epcis_state", "event added after finish");
    px_rc rc = px_epcis_event_check(ev, w->profile, &w->err);
    if (rc == PX_OK && w->format == PX_EPCIS_FORMAT_JSONLD_2_0) {
        rc = epcis__json_event(w, ev);
    } else if (rc == PX_OK) {
        epcis__err_hook hook;
        epcis__xml_errors_push(&hook, NULL, NULL);
        rc = write_event(w, ev);
        epcis__xml_errors_restore(&hook);
    } else {
        epcis__writer_adopt(w, rc);
    }
    if (rc != PX_OK) {
        if (!w->err.field[0])
            px_err_field(&w->err, "events[%zu]", w->count);
        return w->failed;
    }
    w->count++;
    return PX_OK;
}

size_t px_epcis_writer_count(const px_epcis_writer *w)
{
    return w ? w->count : 0;
}

px_rc px_epcis_writer_finish(px_epcis_writer *w, px_err *err)
{
    if (!w)
        return px_err_set(err, PX_EINVALID, "invalid_argument", "no EPCIS writer");
    if (w->failed == PX_OK && !w->finished && w->format == PX_EPCIS_FORMAT_JSONLD_2_0) {
        w->finished = 1;
        epcis__json_finish(w);
    } else if (w->failed == PX_OK && !w->finished) {
        w->finished = 1;
        epcis__err_hook hook;
        epcis__xml_errors_push(&hook, NULL, NULL);
        /* EventList, EPCISBody, EPCISDocument, then flush everything into the sink. */
        if (xmlTextWriterEndDocument(w->xw) < 0 || xmlTextWriterFlush(w->xw) < 0)
            xml_failed(w);
        epcis__xml_errors_restore(&hook);
    }
    if (w->failed != PX_OK) {
        if (err)
            *err = w->err;
        return w->failed;
    }
    return PX_OK;
}

void px_epcis_writer_free(px_epcis_writer *w)
{
    if (!w)
        return;
    if (w->xw) {
        epcis__err_hook hook;
        epcis__xml_errors_push(&hook, NULL, NULL);
        xmlFreeTextWriter(w->xw); /* also closes the output buffer (may flush) */
        epcis__xml_errors_restore(&hook);
    }
    free(w->out);
    free(w);
}
