/* batch_store — what a batch's packs are now (GET /v1/batches/{gtin}/{batch}, docs/console.md). */
#ifndef PX_BATCH_STORE_H
#define PX_BATCH_STORE_H

#include "px_err.h"
#include "store.h"

typedef struct px_batch_summary {
    char gtin[15];
    char batch[21];
    char expiry[7];
    char created_at[32];
    char recalled_at[32]; /* when the batch was recalled or withdrawn ("" never: migration 0220) */
    char recall_reason[16]; /* recalled, withdrawn; "" never */
    long long commissioned; /* packs in state commissioned (of cmo_org only, when given) */
    long long released;
    long long decommissioned;
    long long by_cmo;   /* packs cmo_org commissioned, in any state (0 without cmo_org) */
    char *markets_json; /* {"DE": n, …}: released packs per market (malloc'd; caller frees) */
} px_batch_summary;

/* The batch's counts; cmo_org (may be NULL) restricts "commissioned" to the packs that
 * organization commissioned. PX_ENOTFOUND "not_found" when the batch does not exist. */
px_rc px_store_batch_summary(px_db *db, px_batch_summary *out, const char *gtin, const char *batch,
                             const char *cmo_org, px_err *err);

#endif
