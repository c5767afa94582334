/* The EPCIS 2.0 REST query (GET /epcis/events, DOMAIN-2.md §14.4): the standard URL
 * parameters packid's data can answer, paged with perPage / nextPageToken, written as a 2.0
 * JSON-LD or 2.0 XML EPCISQueryDocument (docs/epcis.md "EPCIS 2.0 REST query"). */
#ifndef PX_EPCIS_REST_H
#define PX_EPCIS_REST_H

#include <stddef.h>

#include "epcis.h"
#include "service.h"

/* At most this many query parameters in one request (more: 400). */
#define PX_EPCIS_REST_PARAMS_MAX 24
/* perPage: default (DOMAIN-2.md §14.4: 30) and packid's maximum. */
#define PX_EPCIS_REST_PER_PAGE 30
#define PX_EPCIS_REST_PER_PAGE_MAX 1000

typedef struct px_epcis_rest_param {
    const char *name, *value;   /* decoded, borrowed */
} px_epcis_rest_param;

typedef struct px_epcis_rest_page {
    size_t count;               /* events written */
    long per_page;
    int more;                   /* a next page exists */
    char next_token[32];        /* its nextPageToken when more */
} px_epcis_rest_page;

/* Checks every parameter (an unknown or unsupported one is PX_EINVALID with the parameter
 * as field, code "query_parameter"), then writes one page of the events the actor may see
 * (MAH and auditor: their organization's, regulator: its market's — the rules of
 * px_svc_epcis_query) in format to sink, from one snapshot. */
px_rc px_svc_epcis_rest_query(px_db *db, const px_actor *by, px_epcis_format format,
                              const px_epcis_rest_param *params, size_t n_params,
                              px_epcis_sink sink, void *ctx, px_epcis_rest_page *page,
                              px_err *err);

#endif
