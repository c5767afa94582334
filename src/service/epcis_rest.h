/* The EPCIS 2.0 REST query (GET /epcis/events; EPCIS 2.0 REST Bindings, query by URL): the
 * standard URL parameters packid's data can answer, paged with perPage / nextPageToken, written
 * as a 2.0 JSON-LD or 2.0 XML EPCISQueryDocument (docs/epcis.md "EPCIS 2.0 REST query"). */
#ifndef PX_EPCIS_REST_H
#define PX_EPCIS_REST_H

#include <stddef.h>

#include "epcis.h"
#include "service.h"
#include "report_store.h"

/* At most this many query parameters in one request (more: 400). */
#define PX_EPCIS_REST_PARAMS_MAX 24
/* perPage: default (EPCIS 2.0 REST Bindings: 30) and packid's maximum (pages stream, so a page's
 * size costs no memory: a million events is one answer). */
#define PX_EPCIS_REST_PER_PAGE 30
#define PX_EPCIS_REST_PER_PAGE_MAX 1000000

typedef struct px_epcis_rest_param {
    const char *name, *value;   /* decoded, borrowed */
} px_epcis_rest_param;

typedef struct px_epcis_rest_page {
    size_t count;               /* events written */
    long per_page;
    int more;                   /* a next page exists */
    char next_token[40];        /* its nextPageToken when more ("p2." and 32 hex digits) */
} px_epcis_rest_page;

/* 1 when value is one valid value of query parameter param (a resource of the binding's
 * per-value collections: "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "EQ_bizLocation",
 * "MATCH_anyEPC", "eventType"). */
int px_epcis_rest_value_valid(const char *param, const char *value);

/* One page of the query's answer, written piece by piece (bounded memory, whatever perPage):
 * the page's span is read first, so its size and its next page are known before a byte of
 * it is written; the pieces come from the same read-only snapshot. */
typedef struct px_epcis_rest_stream px_epcis_rest_stream;

/* Checks every parameter (an unknown or unsupported one is PX_EINVALID with the parameter
 * as field, code "query_parameter"), opens a read-only snapshot on db (held until the stream
 * ends or is freed: db must stay with the stream) and reads the span of the page of events
 * the actor may see (MAH and auditor: their organization's, regulator: its market's — the
 * rules of px_svc_epcis_query) into page. */
px_rc px_svc_epcis_rest_open(px_db *db, const px_actor *by, px_epcis_format format,
                             const px_epcis_rest_param *params, size_t n_params,
                             px_epcis_rest_stream **out, px_epcis_rest_page *page, px_err *err);
/* Appends the next piece of the document in format to out (the head, at most 256 events,
 * then the tail); *eof = 1 when the document is complete and nothing is left. */
px_rc px_epcis_rest_stream_next(px_epcis_rest_stream *s, px_buf *out, int *eof, px_err *err);
/* REQ-EPCISREST-15: the EPCs of the answer's events (epcList, childEPCs, parentID, epcClass,
 * readPoint, bizLocation, sources and destinations) written as GS1 Digital Link URIs
 * (GS1-EPC-Format: Always_GS1_Digital_Link); call before the first piece. */
void px_epcis_rest_stream_epc_dl(px_epcis_rest_stream *s);
/* Ends the snapshot (when still open) and frees s; the db is the caller's again. */
void px_epcis_rest_stream_free(px_epcis_rest_stream *s);

/* REQ-EPCISREST-13: the collections of values known to the repository (/epcis/epcs,
 * /epcis/readPoints, /epcis/bizLocations): the distinct values of the events the actor may
 * see (the visibility of px_svc_epcis_rest_open), in a stable order, one page of perPage
 * (1..1000, default 30) after nextPageToken. fn gets each value (an EPC as its pure-identity
 * URI); next_token (PX_EPCIS_VALUES_TOKEN_MAX) is set, non-empty, when more follow. A bad
 * parameter is PX_EINVALID, code "query_parameter". */
#define PX_EPCIS_VALUES_PER_PAGE_MAX 1000
#define PX_EPCIS_VALUES_TOKEN_MAX 1400
/* A collection's paging parameters (these and the CBV vocabularies): perPage, 1 to
 * PX_EPCIS_VALUES_PER_PAGE_MAX (*per_page; PX_EPCIS_REST_PER_PAGE when not given), and
 * nextPageToken (*token; NULL when not given), nothing else and neither twice; else PX_EINVALID
 * "query_parameter" naming it. */
px_rc px_epcis_rest_collection_paging(const px_epcis_rest_param *params, size_t n_params,
                                      long *per_page, const char **token, px_err *err);
typedef int (*px_epcis_rest_value_fn)(void *ctx, const char *value);
px_rc px_svc_epcis_rest_values(px_db *db, const px_actor *by, px_epcis_value_kind kind,
                               const px_epcis_rest_param *params, size_t n_params,
                               px_epcis_rest_value_fn fn, void *ctx, long *per_page,
                               char next_token[PX_EPCIS_VALUES_TOKEN_MAX], px_err *err);

#endif
