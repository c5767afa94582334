/* pool_store — serial settings, allocations and the serial pool in PostgreSQL
 * (docs/pool.md). The uniqueness of a serial within a GTIN is guarded by the primary key
 * serial (gtin, serial); these functions never surface a collision as an error to the
 * client: callers insert and ask how many rows went in. */
#ifndef PX_POOL_STORE_H
#define PX_POOL_STORE_H

#include <stddef.h>

#include "px_err.h"
#include "serial_gen.h"
#include "store.h"

/* ---- serial settings ------------------------------------------------------------------ */

/* The organization's default settings; PX_ENOTFOUND "settings_missing" when none. */
px_rc px_store_org_settings_get(px_db *db, px_serial_settings *out, const char *org_id,
                                px_err *err);
/* Stores the organization's settings once; PX_ECONFLICT "settings_immutable" when set. */
px_rc px_store_org_settings_insert(px_db *db, const char *org_id, const px_serial_settings *s,
                                   px_err *err);
/* Fixes a product's settings once; PX_ECONFLICT "settings_immutable" when already set. */
px_rc px_store_product_settings_set(px_db *db, const char *gtin, const px_serial_settings *s,
                                    px_err *err);
/* Reads the product's stored settings into out (px_product carries them as text);
 * PX_ENOTFOUND "settings_missing" when the product has none. */
px_rc px_store_product_settings_parse(px_serial_settings *out, const px_product *p,
                                      px_err *err);
/* issued_count += delta (negative to give back what a failed job did not issue). */
px_rc px_store_product_issued_add(px_db *db, const char *gtin, long long delta, px_err *err);

/* ---- allocations ------------------------------------------------------------------------ */

typedef struct px_allocation {
    char id[PX_ID_LEN + 1];
    char gtin[15];
    char org_id[PX_ID_LEN + 1];        /* allocated to */
    char requested_by[PX_ID_LEN + 1];
    char mah_id[PX_ID_LEN + 1];        /* the product's MAH (read only) */
    char label[PX_LABEL_MAX + 1];
    long long count;
    char job_id[PX_ID_LEN + 1];
    char created_at[32];
} px_allocation;

/* Inserts (gtin, org_id, requested_by, label, count, job_id in; id, created_at out). */
px_rc px_store_allocation_insert(px_db *db, px_allocation *a, px_err *err);
/* PX_ENOTFOUND "not_found". */
px_rc px_store_allocation_get(px_db *db, px_allocation *out, const char *id, px_err *err);

typedef struct px_serial_item {
    char serial[PX_SERIAL_LEN_MAX + 1];
    char state[16];
    long long seq; /* the order's sequence number (created_seq or modified_seq); 0 in serial order */
} px_serial_item;
typedef int (*px_serial_item_fn)(void *ctx, const px_serial_item *it);

/* The orders of an allocation's serial listing (migrations/0075_serial_order.sql). */
typedef enum px_serial_order {
    PX_SERIAL_BY_SERIAL = 0, /* the serials' own sort order (the default) */
    PX_SERIAL_CREATED_ASC,
    PX_SERIAL_CREATED_DESC,
    PX_SERIAL_MODIFIED_ASC,
    PX_SERIAL_MODIFIED_DESC
} px_serial_order;

/* Where a page starts: after_serial in PX_SERIAL_BY_SERIAL order ("" from the start),
 * after_seq in the others (0 from the start). */
typedef struct px_serial_page {
    px_serial_order order;
    const char *after_serial;
    long long after_seq;
    long limit;
} px_serial_page;

/* The allocation's serials in the page's order, keyset after its cursor, at most limit;
 * hide_released leaves out the released ones (a CMO's view). */
px_rc px_store_allocation_serials_each(px_db *db, const char *allocation_id,
                                       const px_serial_page *page, int hide_released,
                                       px_serial_item_fn fn, void *ctx, px_err *err);

/* ---- the allocation runner ---------------------------------------------------------------- */

/* A claimed allocation job: its row is locked (FOR UPDATE) until the caller's transaction
 * ends, so no other transaction, in this process or another, works on it meanwhile. */
typedef struct px_alloc_claim {
    char job_id[PX_ID_LEN + 1];
    char job_org_id[PX_ID_LEN + 1];
    char tenant_id[PX_ID_LEN + 1];
    char allocation_id[PX_ID_LEN + 1];
    char gtin[15];
    char org_id[PX_ID_LEN + 1];        /* allocated to */
    char market[3];
    long long total, done;
    long long issued_count;            /* the product's, including reservations */
    px_serial_settings settings;
    int settings_ok;                   /* 0: the product's settings did not parse */
    char settings_error[PX_ERR_MSG_MAX];
} px_alloc_claim;

/* Inside the caller's transaction: locks the oldest runnable allocation job not locked by
 * anyone else (FOR UPDATE SKIP LOCKED) and marks it running. *found = 0 when none. */
px_rc px_store_alloc_claim(px_db *db, px_alloc_claim *out, int *found, px_err *err);

/* n serials of width PX_SERIAL_LEN_MAX + 1 (NUL-terminated) packed in serials. */
typedef struct px_serial_set {
    const char *serials;
    size_t n;
} px_serial_set;
#define PX_SERIAL_STRIDE (PX_SERIAL_LEN_MAX + 1)

/* Fast path: COPY FROM STDIN straight into serial, inside a savepoint. The set must be free
 * of duplicates. PX_EEXISTS when one of them is already known for the GTIN (the savepoint
 * is rolled back, nothing of the set remains; the transaction stays usable). */
px_rc px_store_serials_copy(px_db *db, const px_alloc_claim *c, const px_serial_set *set,
                            px_err *err);
/* Safe path: inserts the set with ON CONFLICT DO NOTHING, in serial order; *inserted is how
 * many were new. */
px_rc px_store_serials_insert_new(px_db *db, const px_alloc_claim *c, const px_serial_set *set,
                                  long long *inserted, px_err *err);
/* The safe path's turn on the GTIN (a transaction-scoped advisory lock): the safe-path chunks of
 * one GTIN run one after another, across workers and processes. */
px_rc px_store_serials_gtin_lock(px_db *db, const char *gtin, px_err *err);
/* SEQUENTIAL_NUMERIC: reserves counters [*first, *first + n) of the product (disjoint from
 * every other reservation: UPDATE … RETURNING under the row lock). */
px_rc px_store_sequence_reserve(px_db *db, const char *gtin, long long n, long long *first,
                                px_err *err);
#endif
