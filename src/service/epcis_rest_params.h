/* The EPCIS 2.0 REST query's parameters read into a store filter (epcis_rest_params.c): shared
 * by the query (epcis_rest.c) and nothing else. */
#ifndef PX_SERVICE_EPCIS_REST_PARAMS_H
#define PX_SERVICE_EPCIS_REST_PARAMS_H

#include "epcis_match.h"
#include "epcis_rest.h"
#include "gs1.h"

/* A pipe list normalised to bare values, ≤ 16 values (EPCIS 2.0 REST Bindings: multi-valued
 * parameters are pipe-delimited). */
#define LIST_MAX 512
#define LIST_ITEMS 16
/* A list of read points or business locations: a Digital Link item stands for itself and up
 * to seven SGLN URNs (epcis_rest_params.c location_dl): 16 items of 255 bytes and their URNs. */
#define LOC_LIST_MAX 16384
/* A query page's token: this prefix and the seq of the page's last event. */
#define TOKEN_PREFIX "p1."

typedef struct rest_query {
    px_epcis_filter f;
    char types[LIST_MAX], actions[LIST_MAX], steps[LIST_MAX], disps[LIST_MAX];
    char read_points[LOC_LIST_MAX], locations[LOC_LIST_MAX];
    px_epcis_epc epc, parent;
    const char *match_epc, *match_parent;
    int match_epc_only; /* MATCH_epc given (children only), not MATCH_anyEPC alone */
    long per_page;
    int matches_nothing;
} rest_query;

/* A refused parameter: 400 query_parameter naming it. */
px_rc px__epcis_rest_bad_param(px_err *err, const char *name, const char *what);
/* A nextPageToken this server did not give out (an event page's or a collection's). */
px_rc px__epcis_rest_bad_token(px_err *err);

/* Reads the request's parameters into q (q->per_page and q->f's scope set by the caller):
 * each parameter once, 1 to 512 characters, one of those packid answers. */
px_rc px__epcis_rest_params(rest_query *q, const px_epcis_rest_param *params, size_t n_params,
                            px_err *err);

#endif
