/* epcis — packid's EPCIS adapter (docs/epcis.md: EPCIS 1.2 and 2.0, CBV, the 2.0 REST binding).
 *
 *  - streaming document writers for EPCIS 1.2 XML, EPCIS 2.0 XML and EPCIS 2.0 JSON-LD, all
 *    fed the same px_epcis_event (libxml2 xmlTextWriter, or packid's own JSON output, behind a
 *    callback sink, so a million events go straight to a file, socket or HTTP response with
 *    bounded memory);
 *  - a reader of the same three syntaxes into the same event model (reader*.c);
 *  - market profiles (none, EU FMD, US DSCSA): what each market needs in a document;
 *  - the EPCIS 2.0 / CBV 2.0 event hash ID, the eventID packid stores with each event;
 *  - validation against the official EPCIS 1.2 XSD.
 *
 * This header exposes plain C types only: libxml2 belongs to this layer (docs/architecture.md
 * "Layers"). Strings are borrowed: the writer and the hash never keep a pointer past the call.
 * CBV values (bizStep, disposition, source/destination and business transaction types) are
 * enums; the service layer fills them from domain/'s transition mapping (px_epcis_vocab_for
 * gives bare CBV words: px_cbv_bizstep_lookup / px_cbv_disp_lookup turn them into these). */
#ifndef PX_EPCIS_H
#define PX_EPCIS_H

#include <stddef.h>
#include <stdint.h>

#include "market.h"
#include "pack_state.h"
#include "px_buf.h"
#include "px_err.h"

/* ---- CBV vocabularies (CBV 1.2 §7.1–7.4 URN form, CBV 2.0 Web URI form) ------------------ */

/* Business steps: urn:epcglobal:cbv:bizstep:NAME == https://ref.gs1.org/cbv/BizStep-NAME. */
#define PX_CBV_BIZSTEPS(X)                                                                      \
    X(ACCEPTING, "accepting") X(ARRIVING, "arriving") X(ASSEMBLING, "assembling")                \
    X(COLLECTING, "collecting") X(COMMISSIONING, "commissioning") X(CONSIGNING, "consigning")    \
    X(CREATING_CLASS_INSTANCE, "creating_class_instance") X(CYCLE_COUNTING, "cycle_counting")    \
    X(DECOMMISSIONING, "decommissioning") X(DEPARTING, "departing") X(DESTROYING, "destroying")  \
    X(DISASSEMBLING, "disassembling") X(DISPENSING, "dispensing") X(ENCODING, "encoding")        \
    X(ENTERING_EXITING, "entering_exiting") X(HOLDING, "holding") X(INSPECTING, "inspecting")    \
    X(INSTALLING, "installing") X(KILLING, "killing") X(LOADING, "loading") X(OTHER, "other")    \
    X(PACKING, "packing") X(PICKING, "picking") X(RECEIVING, "receiving")                        \
    X(REMOVING, "removing") X(REPACKAGING, "repackaging") X(REPAIRING, "repairing")              \
    X(REPLACING, "replacing") X(RESERVING, "reserving") X(RETAIL_SELLING, "retail_selling")      \
    X(SHIPPING, "shipping") X(STAGING_OUTBOUND, "staging_outbound")                              \
    X(STOCK_TAKING, "stock_taking") X(STOCKING, "stocking") X(STORING, "storing")                \
    X(TRANSPORTING, "transporting") X(UNLOADING, "unloading") X(UNPACKING, "unpacking")          \
    X(VOID_SHIPPING, "void_shipping") X(SENSOR_REPORTING, "sensor_reporting")                    \
    X(SAMPLING, "sampling")

/* Dispositions: urn:epcglobal:cbv:disp:NAME == https://ref.gs1.org/cbv/Disp-NAME. */
#define PX_CBV_DISPS(X)                                                                         \
    X(ACTIVE, "active") X(CONTAINER_CLOSED, "container_closed") X(DAMAGED, "damaged")            \
    X(DESTROYED, "destroyed") X(DISPENSED, "dispensed") X(DISPOSED, "disposed")                  \
    X(ENCODED, "encoded") X(EXPIRED, "expired") X(IN_PROGRESS, "in_progress")                    \
    X(IN_TRANSIT, "in_transit") X(INACTIVE, "inactive") X(NO_PEDIGREE_MATCH, "no_pedigree_match") \
    X(NON_SELLABLE_OTHER, "non_sellable_other") X(PARTIALLY_DISPENSED, "partially_dispensed")    \
    X(RECALLED, "recalled") X(RESERVED, "reserved") X(RETAIL_SOLD, "retail_sold")                \
    X(RETURNED, "returned") X(SELLABLE_ACCESSIBLE, "sellable_accessible")                        \
    X(SELLABLE_NOT_ACCESSIBLE, "sellable_not_accessible") X(STOLEN, "stolen")                    \
    X(UNKNOWN, "unknown") X(AVAILABLE, "available")                                              \
    X(COMPLETENESS_VERIFIED, "completeness_verified")                                            \
    X(COMPLETENESS_INFERRED, "completeness_inferred") X(CONFORMANT, "conformant")                \
    X(CONTAINER_OPEN, "container_open") X(MISMATCH_INSTANCE, "mismatch_instance")                \
    X(MISMATCH_CLASS, "mismatch_class") X(MISMATCH_QUANTITY, "mismatch_quantity")                \
    X(NEEDS_REPLACEMENT, "needs_replacement") X(NON_CONFORMANT, "non_conformant")                \
    X(UNAVAILABLE, "unavailable")

/* Business transaction types: urn:epcglobal:cbv:btt:NAME == https://ref.gs1.org/cbv/BTT-NAME. */
#define PX_CBV_BTTS(X)                                                                          \
    X(PO, "po") X(DESADV, "desadv") X(INV, "inv") X(BOL, "bol") X(PRODORDER, "prodorder")        \
    X(RECADV, "recadv") X(RMA, "rma") X(PEDIGREE, "pedigree") X(POC, "poc") X(CERT, "cert")      \
    X(TESTPRD, "testprd") X(TESTRES, "testres") X(UPEVT, "upevt")

/* Source/destination types: urn:epcglobal:cbv:sdt:NAME == https://ref.gs1.org/cbv/SDT-NAME. */
#define PX_CBV_SDTS(X)                                                                          \
    X(OWNING_PARTY, "owning_party") X(POSSESSING_PARTY, "possessing_party") X(LOCATION, "location")

/* Value 0 (…_NONE) means "absent": the element is not written and not hashed. */
#define PX_BIZSTEP_ENUM_(id, name) PX_BIZSTEP_##id,
#define PX_DISP_ENUM_(id, name) PX_DISP_##id,
#define PX_BTT_ENUM_(id, name) PX_BTT_##id,
#define PX_SDT_ENUM_(id, name) PX_SDT_##id,
typedef enum px_cbv_bizstep {
    PX_BIZSTEP_NONE = 0,
    PX_CBV_BIZSTEPS(PX_BIZSTEP_ENUM_) PX_BIZSTEP__COUNT
} px_cbv_bizstep;
typedef enum px_cbv_disp {
    PX_DISP_NONE = 0,
    PX_CBV_DISPS(PX_DISP_ENUM_) PX_DISP__COUNT
} px_cbv_disp;
typedef enum px_cbv_btt { PX_BTT_NONE = 0, PX_CBV_BTTS(PX_BTT_ENUM_) PX_BTT__COUNT } px_cbv_btt;
typedef enum px_cbv_sdt { PX_SDT_NONE = 0, PX_CBV_SDTS(PX_SDT_ENUM_) PX_SDT__COUNT } px_cbv_sdt;

/* The bare CBV word ("commissioning", "in_transit", "po", "owning_party"), NULL for NONE or
 * out of range. */
const char *px_cbv_bizstep_name(px_cbv_bizstep v);
const char *px_cbv_disp_name(px_cbv_disp v);
const char *px_cbv_btt_name(px_cbv_btt v);
const char *px_cbv_sdt_name(px_cbv_sdt v);
/* The four CBV vocabularies a value may be spelled in. */
typedef enum {
    PX_CBV_VOCAB_BIZSTEP,
    PX_CBV_VOCAB_DISP,
    PX_CBV_VOCAB_BTT,
    PX_CBV_VOCAB_SDT
} px_cbv_vocab;
/* A CBV value's bare word: value as the CBV 1.x URN ("urn:epcglobal:cbv:bizstep:shipping"),
 * the CBV 2.0 Web URI ("https://ref.gs1.org/cbv/BizStep-shipping") or the bare word itself
 * (JSON-LD), its prefix taken off; NULL for any other URI (a custom value, not the CBV's).
 * Whether the word is one of the vocabulary's is the lookups' question. */
const char *px_cbv_word(px_cbv_vocab vocab, const char *value);
/* Inverse of the above (bare word); PX_…_NONE when unknown. */
px_cbv_bizstep px_cbv_bizstep_lookup(const char *name);
px_cbv_disp px_cbv_disp_lookup(const char *name);
px_cbv_btt px_cbv_btt_lookup(const char *name);
/* The vocabulary's bare words in enum order, its NONE left out (*n of them): what the EPCIS
 * REST binding lists as the CBV's standard values. */
const char *const *px_cbv_words(px_cbv_vocab vocab, size_t *n);

/* ---- profiles (epcis/profiles/<name>.profile, profile.c) --------------------------------- */

typedef enum px_epcis_profile {
    PX_EPCIS_PROFILE_NONE = 0, /* plain EPCIS 1.2 + CBV: no market rules */
    PX_EPCIS_PROFILE_EU,       /* EU FMD, Delegated Regulation (EU) 2016/161 */
    PX_EPCIS_PROFILE_US_DSCSA, /* US DSCSA, GS1 US Implementation Guideline R1.2 */
    PX_EPCIS_PROFILE__COUNT
} px_epcis_profile;

/* What a market needs in a document; one row per profile, mirrored by the text description
 * epcis/profiles/<name>.profile (a unit test keeps the two equal). */
typedef struct px_epcis_profile_info {
    px_epcis_profile id;
    const char *name;             /* "none", "eu", "us-dscsa" */
    const char *title;
    int transaction_statement;    /* header carries gs1ushc:dscsaTransactionStatement */
    int masterdata_required;      /* >= 1 EPCClass, each with name, form, strength, content,
                                     manufacturer */
    int ndc_required;             /* each EPCClass carries the NDC (FDA_NDC_11) */
    int nhrn_masterdata;          /* a product's NHRN is written as additional identification */
    int commissioning_ilmd;       /* commissioning events carry lotNumber + itemExpirationDate */
    int read_point_required;      /* every event carries readPoint */
    int shipping_parties;         /* shipping events carry source and destination, each with
                                     owning_party and location */
    int shipping_transaction;     /* shipping events carry >= 1 bizTransaction */
} px_epcis_profile_info;

/* The row of a profile (never NULL for a valid id; NULL out of range). */
const px_epcis_profile_info *px_epcis_profile_get(px_epcis_profile id);
/* REQ-MARKET-3: the profile of a market's reports, from its regime (domain/market.h):
 * EU FMD markets -> eu, "US" -> us-dscsa, every other market -> none. */
px_epcis_profile px_epcis_profile_for_market(const char *market);
/* "eu", "us-dscsa" (also "us", "dscsa"), "none" → profile; PX_EINVALID otherwise. */
px_rc px_epcis_profile_parse(px_epcis_profile *out, const char *name, px_err *err);

/* ---- document and events ------------------------------------------------------------- */

/* One EPCClass vocabulary element (master data, CBV §8). */
typedef struct px_epcis_product {
    const char *gtin;                    /* 14 digits */
    int gcp_len;                         /* GS1 Company Prefix length, 6..12 */
    const char *regulated_product_name;  /* cbvmda#regulatedProductName */
    const char *dosage_form_type;        /* cbvmda#dosageFormType */
    const char *strength_description;    /* cbvmda#strengthDescription */
    const char *net_content_description; /* cbvmda#netContentDescription */
    const char *manufacturer_name;       /* cbvmda#manufacturerOfTradeItemPartyName */
    const char *ndc;                     /* US: NDC-11, written with TypeCode FDA_NDC_11 */
    const char *nhrn_ai;                 /* EU: "710".."717" (the NHRN AIs) or NULL */
    const char *nhrn;                    /* EU: the national number */
} px_epcis_product;

typedef struct px_epcis_doc_header {
    px_epcis_profile profile;
    const char *sender_gln;       /* SBDH Sender Identifier, 13 digits (Authority GS1) */
    const char *receiver_gln;     /* SBDH Receiver Identifier, 13 digits */
    const char *instance_id;      /* SBDH InstanceIdentifier (e.g. the report's UUID) */
    int64_t creation_us;          /* creationDate and CreationDateAndTime, us since epoch */
    const px_epcis_product *products; /* EPCClass master data, may be NULL */
    size_t n_products;
    int indent;                   /* 1: pretty-print (golden files); 0: compact (fastest) */
    /* Reading only: NULL, or what of the header could not be read whole (a creationDate
     * without an offset, master data past the reader's bound). A caller that writes the
     * header again (epcis convert) refuses the document with it; one that does not use the
     * header (capture) goes on. */
    const char *unread;
} px_epcis_doc_header;

typedef enum px_epcis_event_type {
    PX_EPCIS_OBJECT_EVENT = 0,    /* EPCIS 1.2 §7.4.2 */
    PX_EPCIS_AGGREGATION_EVENT    /* EPCIS 1.2 §7.4.3 */
} px_epcis_event_type;
#define PX_EPCIS_EVENT_TYPES 2
/* Every event type of EPCIS 2.0 (the REST binding's EPCISEventTypes), packid's own first, by
 * px_epcis_event_type ("ObjectEvent", "AggregationEvent": the element of XML, the "type" of
 * JSON-LD, the stored column); the other three are names a query may use, of which packid
 * records nothing. px_name_index reads them. */
#define PX_EPCIS2_EVENT_TYPES 5
extern const char *const px_epcis_event_type_names[PX_EPCIS2_EVENT_TYPES];

/* px_epcis_action (PX_EPCIS_ADD, PX_EPCIS_OBSERVE, PX_EPCIS_DELETE) comes from domain/'s
 * pack_state.h, which maps each pack transition to its action, bizStep and disposition. */

typedef struct px_epcis_biz_transaction {
    px_cbv_btt type;              /* NONE: untyped (the type attribute is optional) */
    const char *id;               /* e.g. urn:epcglobal:cbv:bt:0614141000005:PO-4711 */
} px_epcis_biz_transaction;

/* A source or destination (EPCIS 1.2 §7.3.5.4): type required, id an SGLN/PGLN URI. */
typedef struct px_epcis_party {
    px_cbv_sdt type;
    const char *id;
} px_epcis_party;

typedef struct px_epcis_quantity {
    const char *epc_class;        /* urn:epc:class:lgtin:… or urn:epc:idpat:sgtin:…* */
    const char *quantity;         /* xsd:decimal text, NULL to omit */
    const char *uom;              /* UN/ECE rec. 20 code, NULL to omit */
} px_epcis_quantity;

/* A user extension or extra ILMD element: {ns}name, with a value or with children. */
/* The levels an extension may nest (the element itself is level 0): the readers refuse a
 * deeper one, so the writers and the event hash, which recurse over children, never meet one
 * deeper than they check. */
#define PX_EPCIS_XFIELD_DEPTH_MAX 8
typedef struct px_epcis_xfield {
    const char *ns;               /* namespace URI, never the EPCIS one */
    const char *name;             /* local name */
    const char *value;            /* text; NULL when the element only has children */
    const struct px_epcis_xfield *children;
    size_t n_children;
} px_epcis_xfield;

/* One event. EPCs come either as ready URIs (epcs) or as serials of one GTIN that the writer
 * formats as SGTIN URIs on the fly (sgtin_*: no per-event formatting by the caller, EPC Tag
 * Data Standard escaping by gs1_epc_sgtin_format); both may be given, URIs first. */
typedef struct px_epcis_event {
    px_epcis_event_type type;
    px_epcis_action action;
    px_cbv_bizstep biz_step;
    px_cbv_disp disposition;
    int64_t event_time_us;        /* us since epoch; written/hashed in UTC, ms rounded half-up */
    int tz_offset_min;            /* eventTimeZoneOffset in minutes (-300 = "-05:00") */
    int64_t record_time_us;       /* recordTime: when the repository recorded the event; written
                                     by query writers only (EPCIS 1.2 §7.4.1: present on
                                     retrieval, ignored on capture), 0 omits; not hashed */
    const char *event_id;         /* baseExtension/eventID (e.g. the hash ID); NULL omits */
    const char *parent_id;        /* AggregationEvent parentID (SSCC/SGTIN URI) */
    const char *const *epcs;      /* epcList (ObjectEvent) or childEPCs (AggregationEvent) */
    size_t n_epcs;
    const char *sgtin_gtin;       /* 14 digits, with sgtin_gcp_len and serials */
    int sgtin_gcp_len;
    const char *const *serials;   /* raw AI (21) values, unescaped */
    size_t n_serials;
    const px_epcis_quantity *quantities; /* quantityList / childQuantityList */
    size_t n_quantities;
    const char *read_point;       /* SGLN URI */
    const char *biz_location;     /* SGLN URI */
    const px_epcis_biz_transaction *biz_transactions;
    size_t n_biz_transactions;
    const px_epcis_party *sources;
    size_t n_sources;
    const px_epcis_party *destinations;
    size_t n_destinations;
    const char *lot;              /* ILMD cbvmda:lotNumber (ADD only) */
    const char *expiry;           /* ILMD cbvmda:itemExpirationDate: "YYYY-MM-DD" or AI (17)
                                     "YYMMDD" (century rule and DD=00 resolved by gs1) */
    const px_epcis_xfield *ilmd;  /* further ILMD elements */
    size_t n_ilmd;
    const px_epcis_xfield *extensions; /* event-level user extensions */
    size_t n_extensions;
    const char *hash_id;          /* set by the readers: the event's hash ID, computed once while
                                     checking it (a capture keys an event without eventID by
                                     it); writers ignore it */
} px_epcis_event;

/* Receives the document bytes in order; returns 0 on success, non-zero to abort (the writer
 * then fails with PX_EUNAVAIL). */
typedef int (*px_epcis_sink)(void *ctx, const char *data, size_t len);

typedef struct px_epcis_writer px_epcis_writer;

/* The syntax and version of a document. The order is the wire-compatible history: a stored
 * value never changes meaning. */
typedef enum px_epcis_format {
    PX_EPCIS_FORMAT_XML_1_2 = 0, /* EPCIS 1.2 XML, urn:epcglobal:epcis:xsd:1 */
    PX_EPCIS_FORMAT_XML_2_0,     /* EPCIS 2.0 XML, urn:epcglobal:epcis:xsd:2 */
    PX_EPCIS_FORMAT_JSONLD_2_0,  /* EPCIS 2.0 JSON-LD */
    PX_EPCIS_FORMAT__COUNT
} px_epcis_format;

/* "1.2-xml", "2.0-xml", "2.0-json" (also "2.0-jsonld"); NULL out of range. */
const char *px_epcis_format_name(px_epcis_format f);
px_rc px_epcis_format_parse(px_epcis_format *out, const char *name, px_err *err);

/* Starts a document of the given format: the XML declaration / JSON-LD @context, the header (SBDH
 * in XML; sender, receiver, instanceIdentifier in JSON-LD), master data and the profile's header
 * extensions. Checks the header against the profile. The 1.2 XSD needs the SBDH's sender and
 * receiver; in 2.0 they are optional unless a market profile asks for them. Events, finish and free
 * are the same calls for every format. */
px_rc px_epcis_writer_open(px_epcis_writer **out, px_epcis_format format, px_epcis_sink sink,
                           void *ctx, const px_epcis_doc_header *h, px_err *err);
/* Same as px_epcis_writer_open with PX_EPCIS_FORMAT_XML_1_2. */
px_rc px_epcis_writer_new(px_epcis_writer **out, px_epcis_sink sink, void *ctx,
                          const px_epcis_doc_header *h, px_err *err);
/* Starts an EPCIS 1.2 query response instead (urn:epcglobal:epcis-query:xsd:1
 * EPCISQueryDocument / EPCISBody / QueryResults with queryName and resultsBody/EventList),
 * the answer to a poll of query_name (e.g. "SimpleEventQuery"). Events are added and the
 * document finished with the same calls; events are checked without a market profile. */
px_rc px_epcis_query_writer_new(px_epcis_writer **out, px_epcis_sink sink, void *ctx,
                                const char *query_name, int64_t creation_us, int indent,
                                px_err *err);
/* The same query response in any format: PX_EPCIS_FORMAT_XML_2_0 writes the 2.0 query
 * document (urn:epcglobal:epcis-query:xsd:2, schemaVersion 2.0, 2.0 events),
 * PX_EPCIS_FORMAT_JSONLD_2_0 the JSON-LD EPCISQueryDocument of the REST binding
 * (epcisBody.queryResults.resultsBody.eventList). */
px_rc px_epcis_query_writer_open(px_epcis_writer **out, px_epcis_format format,
                                 px_epcis_sink sink, void *ctx, const char *query_name,
                                 int64_t creation_us, int indent, px_err *err);
/* Appends one event. Sticky failure (docs/epcis.md "Writer"): after the first error every call is
 * a no-op returning that error, and finish reports it. */
px_rc px_epcis_writer_event(px_epcis_writer *w, const px_epcis_event *ev);
/* Closes the document and flushes the sink; returns the first error of the writer's life. */
px_rc px_epcis_writer_finish(px_epcis_writer *w, px_err *err);
/* Events written so far. */
size_t px_epcis_writer_count(const px_epcis_writer *w);
void px_epcis_writer_free(px_epcis_writer *w);

/* A sink appending to a px_buf (ctx = px_buf *); fails when the buffer's max is hit. */
int px_epcis_sink_buf(void *ctx, const char *data, size_t len);

/* Checks an event against EPCIS 1.2 / CBV rules and the profile; the writer calls it for every
 * event. */
px_rc px_epcis_event_check(const px_epcis_event *ev, px_epcis_profile profile, px_err *err);

/* The least stored time (us) whose written form (whole ms, half-up: CBV 2.0 §8.9 rule 9, as
 * eventTime and recordTime are written and hashed) is at or after us. A query's GE_/LT_ time
 * bound compared with the stored microseconds through it selects what the answer shows: an
 * event written ".124Z" is at or after ".124Z", whatever its stored microseconds. */
int64_t px_epcis_time_bound(int64_t us);

/* ---- reader (reader*.c): EPCIS 1.2 XML, 2.0 XML and 2.0 JSON-LD into px_epcis_event ---- */

/* What the reader hands over: the document's header (borrowed, valid during the callback:
 * creation time, sender/receiver GLNs, instance identifier, and as products the EPCClass
 * elements with the attributes packid writes; other master data is not kept) and each event
 * in document order. A callback returning non-zero stops reading (PX_ECONFLICT, "stopped"). */
typedef struct px_epcis_read_cb {
    int (*on_header)(void *ctx, px_epcis_format format, const px_epcis_doc_header *h);
    int (*on_event)(void *ctx, const px_epcis_event *ev);
    void *ctx;
} px_epcis_read_cb;

/* Reads a whole document (the syntax is recognised from its first non-blank byte and the
 * root's namespace). Events are ObjectEvent and AggregationEvent with the fields of
 * px_epcis_event; anything the model cannot carry (another event type, a bizStep,
 * disposition or type outside CBV, sensor data, errorDeclaration, persistentDisposition,
 * certificationInfo) fails with PX_EINVALID code "epcis_unsupported" rather than being
 * dropped, because a dropped field would change the event's hash. Both syntaxes are streamed
 * one event at a time (libxml2's xmlTextReader; for JSON-LD a scanner that cuts out each event
 * for jansson, in two passes over the buffer or file), so memory is bounded by the largest
 * event. recordTime is ignored (not hashed, set by the capturing side). */
px_rc px_epcis_read_buffer(const char *data, size_t len, const px_epcis_read_cb *cb,
                           px_err *err);
px_rc px_epcis_read_file(const char *path, const px_epcis_read_cb *cb, px_err *err);

/* ---- event hash ID (event_hash.c; CBV 2.0 §8.9) -------------------------------------- */

/* "ni:///sha-256;" + 64 hex + "?ver=CBV2.0" + NUL */
#define PX_EPCIS_EVENT_ID_MAX 96

/* The pre-hash string of ev (appended to out). */
px_rc px_epcis_event_prehash(px_buf *out, const px_epcis_event *ev, px_err *err);
/* ni:///sha-256;<hex>?ver=CBV2.0 of ev; the same event always yields the same ID, so a
 * re-sent event is recognisably the same event. */
px_rc px_epcis_event_hash(char out[PX_EPCIS_EVENT_ID_MAX], const px_epcis_event *ev,
                          px_err *err);

/* ---- validation against the official EPCIS 1.2 XSD (validate.c) ---------------------- */

/* A compiled schema. Thread safety: px_epcis_validator_new may run on any thread (libxml2 is
 * initialised once); a validator is read-only after creation and one may be shared by any
 * number of threads calling px_epcis_validate_* at the same time (each call has its own
 * libxml2 validation context). */
typedef struct px_epcis_validator px_epcis_validator;

/* Compiles xsd_dir/EPCglobal-epcis-1_2.xsd (the directory of the 10 official files, e.g.
 * PACKID_EPCIS_XSD_DIR). No network access. */
px_rc px_epcis_validator_new(px_epcis_validator **out, const char *xsd_dir, px_err *err);
/* The same for a format: PX_EPCIS_FORMAT_XML_2_0 compiles xsd_dir/EPCglobal-epcis-2_0.xsd (the
 * official 2.0 folder); PX_EPCIS_FORMAT_JSONLD_2_0 reads the official JSON schema from the file
 * xsd_dir names (e.g. PACKID_EPCIS2_JSON_SCHEMA) and checks documents with packid's own
 * draft-07 checker (json_schema.c), errors "epcis_schema" as "<JSON pointer>: <reason>". */
px_rc px_epcis_validator_open(px_epcis_validator **out, px_epcis_format format,
                              const char *xsd_dir, px_err *err);
void px_epcis_validator_free(px_epcis_validator *v);
/* Streams the document through the schema (no tree is built: memory stays bounded). On the
 * first violation: PX_EINVALID, code "epcis_schema" (or "epcis_xml" when the bytes are not
 * well-formed XML), message "line N: <libxml2's reason>". */
px_rc px_epcis_validate_buffer(const px_epcis_validator *v, const char *data, size_t len,
                               px_err *err);
px_rc px_epcis_validate_file(const px_epcis_validator *v, const char *path, px_err *err);

#endif
