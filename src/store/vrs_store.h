/* vrs_store — what the DSCSA responder reads (one point lookup) and the log of its answers
 * (migration 0030, docs/verification.md). */
#ifndef PX_VRS_STORE_H
#define PX_VRS_STORE_H

#include <stdint.h>

#include "store.h"

/* The facts of one request: the GTIN's product and MAH, and the pack (when serial is given). */
typedef struct px_vrs_row {
    int product_found; /* the GTIN is a product of a MAH on this packid */
    char tenant_id[PX_ID_LEN + 1];
    char responder_gln[14]; /* the MAH's GLN, "" when it has none */
    char market[3];         /* the product's market */
    int found;              /* a serial row exists for (gtin, serial) */
    char state[16];
    char reason[24];
    char batch[21];
    char expiry[7];
    char recalled[8];            /* the MAH's scenario names (vrs_settings, defaults B2 / B1) */
    char expired[8];
} px_vrs_row;

/* One indexed lookup (product by GTIN, serial by primary key). serial NULL: the product only. */
px_rc px_store_vrs_lookup(px_db *db, px_vrs_row *out, const char *gtin, const char *serial,
                          px_err *err);

/* The MAH's responder settings: its row, or the defaults ("B2", "B1") when it has none. */
px_rc px_store_vrs_settings_get(px_db *db, const char *tenant_id, char recalled[8],
                                char expired[8], px_err *err);
/* Writes the MAH's row (insert or update). */
px_rc px_store_vrs_settings_put(px_db *db, const char *tenant_id, const char *recalled,
                                const char *expired, px_err *err);

/* One answered request. NULL strings are stored as NULL; verified < 0: no verdict
 * (checkConnectivity). */
typedef struct px_vrs_log {
    const char *at;   /* RFC 3339 UTC, the verificationTimestamp */
    const char *kind; /* "verify" | "check_connectivity" */
    const char *tenant_id, *requester_id, *key_id;
    const char *req_gln, *responder_gln, *gtin, *lot, *serial, *exp, *context, *corr_uuid;
    int verified;
    const char *reason, *info;
    /* R1.3: the requester's attestation ("true"/"false") and contact; NULL when not given. */
    const char *ctrl_possess_att, *email, *telephone;
} px_vrs_log;

/* One INSERT, in its own transaction (autocommit): nothing else is written by a request. */
px_rc px_store_vrs_log_insert(px_db *db, const px_vrs_log *l, px_err *err);

typedef struct px_vrs_log_row {
    char id[PX_ID_LEN + 1];
    char at[32];
    char kind[24];
    char requester_id[PX_ID_LEN + 1];
    char key_id[PX_ID_LEN + 1];
    char req_gln[14], responder_gln[14];
    char gtin[15], lot[21], serial[21], exp[7];
    char context[24];
    char corr_uuid[65];
    int verified; /* 1, 0, or -1 (no verdict) */
    char reason[64], info[64];
    int ctrl_possess_att; /* 1, 0, or -1 (not given) */
    char email[255], telephone[33];
} px_vrs_log_row;

typedef int (*px_vrs_log_fn)(void *ctx, const px_vrs_log_row *row);

/* The log rows of org_id, newest first on (at, id), after the row after_id (a UUID checked by
 * the caller) when set, at most limit: as_requester = 1 the requests its keys made, else the
 * requests about its products (the MAH's). */
px_rc px_store_vrs_log_page(px_db *db, const char *org_id, int as_requester, const char *after_id,
                            long limit, px_vrs_log_fn fn, void *ctx, px_err *err);

#endif
