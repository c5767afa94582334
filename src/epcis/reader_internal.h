/* The EPCIS reader's layer-internal pieces, shared by reader.c (values, per-event storage,
 * callbacks, master data, entry points), reader_xml.c and reader_json.c — one reader per
 * syntax, beside its writer (writer.c, writer_json.c). Not part of the public interface. */
#ifndef PX_EPCIS_READER_INTERNAL_H
#define PX_EPCIS_READER_INTERNAL_H

#include <stdio.h>

#include "epcis_internal.h"

#define PRODUCTS_MAX 1024 /* EPCClass elements kept from one header */
#define EPCIS__TEXT_(x) #x
#define EPCIS__TEXT(x) EPCIS__TEXT_(x) /* a number macro's digits as a string literal */

typedef struct epcis__arena {
    void **p;
    size_t n, cap;
    int oom;
} epcis__arena;

/* Growable list of xfields for one event (ILMD or extensions). */
typedef struct epcis__xlist {
    px_epcis_xfield *v;
    size_t n, cap;
} epcis__xlist;

typedef struct epcis__reader {
    const px_epcis_read_cb *cb;
    px_epcis_format format;
    px_epcis_doc_header h;
    px_epcis_product *products; /* in ha */
    size_t n_products;
    int products_lost; /* a product class past PRODUCTS_MAX, or out of memory for them */
    int header_sent;
    size_t count;
    epcis__arena a;  /* per event */
    epcis__arena ha; /* header strings, for the whole read */
} epcis__reader;

/* Per-event storage (every allocation of one event, freed together), the value parsers
 * (CBV URN / Web URI / bare word, action, times), the checks and callbacks, and the EPCClass
 * master data helpers, in reader.c. */
void *epcis__ar_alloc(epcis__arena *a, size_t size);
char *epcis__ar_strdup(epcis__arena *a, const char *s, size_t n);
char *epcis__ar_trim(epcis__arena *a, const char *s);
void epcis__ar_reset(epcis__arena *a);
void epcis__ar_dispose(epcis__arena *a);
px_rc epcis__unsupported(px_err *err, const char *what, const char *name);
px_rc epcis__parse_bizstep(px_cbv_bizstep *out, const char *v, px_err *err);
px_rc epcis__parse_disp(px_cbv_disp *out, const char *v, px_err *err);
px_rc epcis__parse_btt(px_cbv_btt *out, const char *v, px_err *err);
px_rc epcis__parse_sdt(px_cbv_sdt *out, const char *v, px_err *err);
px_rc epcis__parse_action(px_epcis_action *out, const char *v, px_err *err);
px_rc epcis__parse_time(int64_t *us, const char *v, px_err *err);
/* The header's creationDate packid cannot place (px_epcis_doc_header.unread). */
#define EPCIS__CREATION_UNREAD "the document's creationDate is not a date-time with an offset"
px_rc epcis__parse_tz(int *minutes, const char *v, px_err *err);
int epcis__digits13(const char *s);
px_rc epcis__check_event(const px_epcis_event *ev, char hash_id[PX_EPCIS_EVENT_ID_MAX],
                         px_err *err);
px_epcis_xfield *epcis__xl_push(epcis__arena *a, epcis__xlist *l);

/* JSON-LD (reader_json.c): the IRI a prefix stands for in the document's @context (the
 * standard context's cbvmda without fetching it), or NULL. */
struct json_t;
const char *epcis__ld_prefix_iri(const struct json_t *doc_ctx, const char *prefix);
/* The fast path (reader_json_flat.c): 1 when the event's JSON text is of the shape it reads
 * and ev (initialised by the caller) now holds it, its strings in a; 0 when the general reader
 * must read it (a may then hold garbage to reset). */
int epcis__json_flat_event(epcis__arena *a, const char *text, size_t len,
                           const struct json_t *doc_ctx, px_epcis_event *ev);
px_rc epcis__send_header(epcis__reader *st, px_err *err);
px_rc epcis__send_event(epcis__reader *st, const px_epcis_event *ev, px_err *err);
px_epcis_product *epcis__md_product(epcis__reader *st, const char *id);
void epcis__md_attribute(epcis__reader *st, px_epcis_product *p, const char *id, const char *v,
                         const char **type_code);
void epcis__md_settle(px_epcis_product *p, const char *type_code);

/* One document of each syntax into st's callbacks: XML from data/len or the file at path
 * (libxml2 xmlTextReader, reader_xml.c); JSON-LD from data/len or the open file f (streamed,
 * reader_json.c). */
px_rc epcis__read_xml(epcis__reader *st, const char *data, size_t len, const char *path,
                      px_err *err);
px_rc epcis__read_json(epcis__reader *st, const char *data, size_t len, FILE *f, px_err *err);

#endif
