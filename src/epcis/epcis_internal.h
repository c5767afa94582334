/* epcis layer-internal helpers shared by writer.c, event_hash.c and profile.c (named
 * <module>__fn, as layer-internal functions are). Not part of the public interface. */
#ifndef PX_EPCIS_INTERNAL_H
#define PX_EPCIS_INTERNAL_H

#include <libxml/xmlerror.h> /* layer-internal: libxml2 is this layer's own dependency */
#include <libxml/xmlwriter.h>
#include <stdint.h>

#include "epcis.h"

/* CBV 1.2 URN prefixes (EPCIS 1.2 XML) and CBV 2.0 Web URI prefixes (event hash, CBV 2.0
 * §8.9 rule 14: "urn:epcglobal:cbv:…" → "https://ref.gs1.org/cbv/…"). */
#define EPCIS__URN_BIZSTEP "urn:epcglobal:cbv:bizstep:"
#define EPCIS__URN_DISP "urn:epcglobal:cbv:disp:"
#define EPCIS__URN_BTT "urn:epcglobal:cbv:btt:"
#define EPCIS__URN_SDT "urn:epcglobal:cbv:sdt:"
#define EPCIS__WEB_BIZSTEP "https://ref.gs1.org/cbv/BizStep-"
#define EPCIS__WEB_DISP "https://ref.gs1.org/cbv/Disp-"
#define EPCIS__WEB_BTT "https://ref.gs1.org/cbv/BTT-"
#define EPCIS__WEB_SDT "https://ref.gs1.org/cbv/SDT-"

/* The two URI forms of a CBV word: the CBV 1.2 URN the XML writer writes in 1.2 and 2.0
 * (writer.c), the CBV 2.0 Web URI the event hash writes (event_hash.c, rule 14). */
typedef enum { EPCIS__CBV_URN, EPCIS__CBV_WEB } epcis__cbv_form;
/* Value v of vocab (its enum's value) in form (cbv.c): one table of every spelling for both
 * writers. NULL for the NONE value (0) and for a value out of range. */
const char *epcis__cbv_uri(px_cbv_vocab vocab, int v, epcis__cbv_form form);

/* CBV master data namespace used for ILMD in EPCIS 1.2 XML. It is also the namespace the event hash
 * uses for the model's lot and expiry in every syntax (docs/epcis.md "One eventID in every
 * syntax"). */
#define EPCIS__NS_CBVMDA "urn:epcglobal:cbv:mda"
/* The same vocabulary as the EPCIS 2.0 JSON-LD context spells it (prefix "cbvmda"). */
#define EPCIS__NS_CBVMDA_LD "urn:epcglobal:cbv:mda:"
#define EPCIS__NS_EPCIS_1 "urn:epcglobal:epcis:xsd:1"
#define EPCIS__NS_EPCIS_2 "urn:epcglobal:epcis:xsd:2"
#define EPCIS__NS_GS1USHC "http://epcis.gs1us.org/hc/ns"
#define EPCIS__LD_CONTEXT "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

/* One writer for every format (px_epcis_format): the XML formats drive xmlTextWriter
 * (writer.c), the JSON-LD format writes into out and flushes it to the sink in chunks
 * (writer_json.c). Sticky first error for all (docs/epcis.md "Writer"). */
struct px_epcis_writer {
    px_epcis_format format;
    xmlTextWriterPtr xw;       /* XML formats */
    char *out;                 /* JSON-LD: pending bytes, flushed at EPCIS__JSON_CHUNK */
    size_t out_len, out_cap;
    px_epcis_sink sink;
    void *ctx;
    px_epcis_profile profile;
    int64_t creation_us;
    size_t count;
    int sink_failed;
    int indent;
    px_rc failed;              /* sticky: PX_OK until the first error */
    int finished;
    int query;                 /* an EPCISQueryDocument (JSON-LD: closes queryResults too) */
    px_err err;                /* the first error */
};

/* The recordTime of ev in a query answer, written as eventTime is (ms, CBV 2.0 §8.9 rule 9)
 * into out: 1 when w is a query writer and ev carries one, else 0 (a document for capture or
 * a regulator leaves it out: EPCIS 1.2 §7.4.1). */
int epcis__record_time(char out[32], const px_epcis_writer *w, const px_epcis_event *ev);

#define EPCIS__JSON_CHUNK ((size_t)64 * 1024)

/* Records the first error of w (sticky) and returns it. */
px_rc epcis__writer_fail(px_epcis_writer *w, px_rc rc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The sink refused the data (a full disk, a client gone): the writer's sticky failure,
 * PX_EUNAVAIL "epcis_sink", whatever the syntax (writer.c). */
px_rc epcis__sink_refused(px_epcis_writer *w);
/* Adopts an error already written into w->err by a callee. */
px_rc epcis__writer_adopt(px_epcis_writer *w, px_rc rc);
/* An event of a type and an action the model has (ObjectEvent or AggregationEvent; ADD,
 * OBSERVE or DELETE): the first of the event checks (profile.c), and all the event hash needs
 * before it reads the event. PX_EINVALID "invalid_event" otherwise. */
px_rc epcis__event_kind_check(const px_epcis_event *ev, px_err *err);
/* The header checks shared by every format (GLNs, instance id, profile's master data). */
px_rc epcis__check_header(const px_epcis_doc_header *h, const px_epcis_profile_info *p,
                          int sbdh_required, px_err *err);
/* JSON-LD writer (writer_json.c). */
px_rc epcis__json_start(px_epcis_writer *w, const px_epcis_doc_header *h,
                        const px_epcis_profile_info *p);
px_rc epcis__json_event(px_epcis_writer *w, const px_epcis_event *ev);
/* Starts a JSON-LD EPCISQueryDocument (epcisBody.queryResults.resultsBody.eventList). */
px_rc epcis__json_query_start(px_epcis_writer *w, const char *query_name);
px_rc epcis__json_finish(px_epcis_writer *w);
/* The NHRN's additionalTradeItemIdentificationTypeCode by AI (710..717), NULL otherwise. */
const char *epcis__nhrn_type(const char *ai);

/* One EPCClass master-data attribute: its id (a CBV mda URI) and value. */
typedef struct epcis__attr {
    const char *id, *value;
} epcis__attr;
#define EPCIS__PRODUCT_ATTRS 7
/* The EPCClass attributes of a product under profile p (CBV §8), in document order, for the
 * XML and the JSON-LD header alike; a writer leaves out those with an empty value. The
 * count. */
size_t epcis__product_attrs(const px_epcis_product *pr, const px_epcis_profile_info *p,
                            epcis__attr out[EPCIS__PRODUCT_ATTRS]);
/* The SGTIN URI of the event's serial i; an error names serials[i]. */
px_rc epcis__serial_epc(px_epcis_writer *w, const px_epcis_event *ev, size_t i,
                        char uri[GS1_EPC_URI_MAX]);
/* The EPC class (idpat URI) of header product i; an error names products[i].gtin. */
px_rc epcis__product_idpat(px_epcis_writer *w, const px_epcis_product *pr, size_t i,
                           char idpat[GS1_EPC_URI_MAX]);

/* An extension element at depth (0: a member of the event) within PX_EPCIS_XFIELD_DEPTH_MAX:
 * PX_OK, else PX_EINVALID with code (the readers' epcis_invalid, the writers' and the hash's
 * invalid_event) and the one message every syntax gives. */
static inline px_rc epcis__xfield_depth(int depth, const char *code, px_err *err)
{
    if (depth < PX_EPCIS_XFIELD_DEPTH_MAX)
        return PX_OK;
    return px_err_set(err, PX_EINVALID, code, "extension nested deeper than %d levels",
                      PX_EPCIS_XFIELD_DEPTH_MAX);
}

/* An element's local name XML can carry (an NCName, Namespaces in XML 1.0 §3; the ASCII
 * letters, digits, '_', '-' and '.' packid writes): the XML writer refuses any other, so the
 * JSON-LD reader refuses it too rather than read what no other syntax can write. */
static inline int epcis__ncname(const char *s)
{
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* A member the writers write: given, and not empty (the model's absent text is NULL or ""). */
static inline int epcis__nonempty(const char *s)
{
    return s && s[0];
}

/* Rounds us to milliseconds, half-up (CBV 2.0 §8.9 rule 9), and formats it in UTC:
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 characters + NUL). The writer and the hash both use this, so
 * a receiver recomputing the hash from the document gets the stored eventID. */
void epcis__time_ms(char out[32], int64_t us);
/* The readers' tz_offset_min of an event that gave no eventTimeZoneOffset (outside any offset). */
#define EPCIS__TZ_ABSENT (99 * 60)
/* eventTimeZoneOffset "+hh:mm" / "-hh:mm" (EPCIS 1.2 §7.4.1); PX_EINVALID "invalid_event" (err
 * may be NULL) when absent (EPCIS__TZ_ABSENT) or outside -14:00..+14:00. The writers call it after
 * the event's checks (px_epcis_event_check), which refuse such an offset. */
px_rc epcis__tz_format(char out[8], int minutes, px_err *err);
/* Initialises libxml2 once per process (pthread_once around xmlInitParser). */
void epcis__xml_init(void);
/* Routes libxml2's thread-local structured errors to handler/ctx (NULL handler: swallow them)
 * and returns the previous hook in *saved, so library calls never print to stderr; restore
 * with epcis__xml_errors_restore. */
typedef struct epcis__err_hook {
    xmlStructuredErrorFunc fn;
    void *ctx;
} epcis__err_hook;
void epcis__xml_errors_push(epcis__err_hook *saved, xmlStructuredErrorFunc handler, void *ctx);
void epcis__xml_errors_restore(const epcis__err_hook *saved);
/* ILMD itemExpirationDate as xsd:date: "YYYY-MM-DD" is checked and copied; an AI (17) YYMMDD
 * is converted with gs1_date_parse (GenSpecs §7.12 century relative to ref_us's year — the
 * event time, so writer and hash agree — DD=00 = last day of the month). */
px_rc epcis__expiry_iso(char out[11], const char *expiry, int64_t ref_us, px_err *err);

#endif
