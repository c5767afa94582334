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
/* A page token: "p2." and the hex of the page's last position (seq) encrypted under the
 * installation's token key (epcis_token.c). The earlier "p1." and the position in decimal is
 * refused: read, any tenant could walk the installation-wide positions with it. */
#define TOKEN_PREFIX "p2."
#define TOKEN_LEN (3 + 32)

typedef struct rest_query {
    px_epcis_filter f;
    char types[LIST_MAX], actions[LIST_MAX], steps[LIST_MAX], disps[LIST_MAX];
    char read_points[LOC_LIST_MAX], locations[LOC_LIST_MAX];
    px_epcis_epc epc, parent;
    const char *match_epc, *match_parent;
    const char *token;  /* nextPageToken as given: read with the token key (epcis_token.c) */
    int match_epc_only; /* MATCH_epc given (children only), not MATCH_anyEPC alone */
    long per_page;
    int matches_nothing;
} rest_query;

/* The installation's key of page tokens (the store's secret "epcis_token", made by migration
 * 0218). */
px_rc px__epcis_token_key(px_db *db, uint8_t key[16], px_err *err);
/* The token of position seq into out (TOKEN_LEN + 1 bytes): opaque, so it tells nothing of
 * how many events the installation holds (positions are installation-wide). */
px_rc px__epcis_token_make(char *out, const uint8_t key[16], long long seq);
/* The position a token names: a "p2." token this installation made; 0 and *seq set, or -1
 * for anything else. */
int px__epcis_token_read(const uint8_t key[16], const char *token, long long *seq);

/* A refused parameter: 400 query_parameter naming it. */
px_rc px__epcis_rest_bad_param(px_err *err, const char *name, const char *what);
/* A nextPageToken this server did not give out (an event page's or a collection's). */
px_rc px__epcis_rest_bad_token(px_err *err);

/* Reads the request's parameters into q (q->per_page and q->f's scope set by the caller):
 * each parameter once, 1 to 512 characters, one of those packid answers. */
px_rc px__epcis_rest_params(rest_query *q, const px_epcis_rest_param *params, size_t n_params,
                            px_err *err);

#endif
