/* list_store — the keyset pages of the lists GET /v1/allocations, /v1/jobs, /v1/exports,
 * /v1/commissions, /v1/releases, /v1/sscc-allocations: newest first on (created_at, id), filtered
 * in SQL by the same visibility rules as the single-object reads (docs/api.md "Paging"). */
#ifndef PX_LIST_STORE_H
#define PX_LIST_STORE_H

#include "px_err.h"
#include "store.h"

typedef enum px_list_kind {
    PX_LIST_ALLOCATIONS = 0,
    PX_LIST_JOBS,
    PX_LIST_EXPORTS,
    PX_LIST_COMMISSIONS,
    PX_LIST_RELEASES,
    PX_LIST_SSCC_ALLOCATIONS
} px_list_kind;

/* Who is listing: the organization and whether it is a MAH (mah and auditor keys: the
 * tenant's rows) or a CMO (its own rows only). */
typedef struct px_list_scope {
    const char *org_id;
    int is_mah;
    int is_cmo;
    const char *status; /* jobs only: the rows of this status (NULL: every status) */
    const char *gtin;   /* commissions and releases: of this product (14 digits; NULL: any) */
    const char *batch;  /* ... and of this batch (NULL: any) */
} px_list_scope;

/* One row of a page: its key, and for commissions and releases (which have no single-object
 * read) the row itself. */
typedef struct px_list_row {
    char id[PX_ID_LEN + 1];    /* also the cursor */
    char created_at[32];
    char org_id[PX_ID_LEN + 1];
    char tenant_id[PX_ID_LEN + 1];
    char gtin[15];
    char batch[21];
    char expiry[7];            /* commissions */
    char market[3];            /* releases */
    long long count;
    long long allocated, external, rejected; /* commissions */
    int partial;
    char report_id[PX_ID_LEN + 1];           /* releases: "" when none */
} px_list_row;

typedef int (*px_list_fn)(void *ctx, const px_list_row *row);

/* The rows of kind the scope may see, newest first on (created_at, id), after the row
 * after_id when set (a UUID: the caller checks), at most limit. */
px_rc px_store_list_page(px_db *db, px_list_kind kind, const px_list_scope *scope,
                         const char *after_id, long limit, px_list_fn fn, void *ctx,
                         px_err *err);

#endif
