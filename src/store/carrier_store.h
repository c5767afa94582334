/* carrier_store — SQL of carrier batches, their items, the carriers they produce and saved
 * designs (docs/carrier.md "Batches"). */
#ifndef PX_CARRIER_STORE_H
#define PX_CARRIER_STORE_H

#include <stddef.h>

#include "print_store.h"
#include "store.h"

/* A carrier's design as stored: what px_carrier_opts is built from on every render. */
typedef struct px_carrier_design {
    char ec[2]; /* "L" | "M" | "Q" | "H" (QR; stored for DataMatrix too, unused) */
    char fg[8]; /* "#rrggbb", lower case */
    char bg[8];
    int quiet_zone; /* modules, or -1: the symbology's minimum */
    int module_px;  /* 1..64 */
} px_carrier_design;

/* The most bytes a carrier template's name has (printable, required). */
#define PX_CARRIER_TEMPLATE_NAME_MAX 100

typedef struct px_carrier_template {
    char id[PX_ID_LEN + 1];
    char org_id[PX_ID_LEN + 1];
    char name[PX_CARRIER_TEMPLATE_NAME_MAX + 1];
    px_carrier_design design;
    char created_at[32];
} px_carrier_template;

px_rc px_store_carrier_template_insert(px_db *db, const px_carrier_template *t, px_err *err);
/* The template of org_id; another organization's or an unknown one is PX_ENOTFOUND. */
px_rc px_store_carrier_template_get(px_db *db, px_carrier_template *out, const char *id,
                                    const char *org_id, px_err *err);

typedef struct px_carrier_batch {
    char id[PX_ID_LEN + 1];
    char job_id[PX_ID_LEN + 1];
    char org_id[PX_ID_LEN + 1];
    char org_kind[16];
    int role;
    char key_id[PX_ID_LEN + 1];
    char symbology[12]; /* "datamatrix" | "qr" */
    char template_id[PX_ID_LEN + 1];
    px_carrier_design design;
    char status[12]; /* processing | completed | failed */
    int total_count, completed_count, error_count;
    char created_at[32];
    char finished_at[32];
} px_carrier_batch;

/* One item as asked: a pack (gtin + serial) or a Digital Link target. */
typedef struct px_carrier_item_in {
    const char *gtin, *serial; /* NULL for a target */
    const char *target;        /* NULL for a pack */
    const char *error;         /* non-NULL: the item is refused as it is stored (error_code,
                                * this message); gtin/serial/target unused */
    const char *error_code;    /* NULL: "invalid_item" */
} px_carrier_item_in;

/* fn(ctx, mah_id) for each MAH whose product an item of batch_id names and with which cmo_id
 * has a partnership (active or suspended), in id order: the MAHs a CMO's batch concerns. */
px_rc px_store_carrier_batch_mahs(px_db *db, const char *batch_id, const char *cmo_id,
                                  int (*fn)(void *ctx, const char *mah_id), void *ctx, px_err *err);
/* Inserts the job (kind carrier_batch), the batch and its n items in one statement; b is read
 * back from it. */
px_rc px_store_carrier_batch_insert(px_db *db, px_carrier_batch *b, const px_carrier_item_in *items,
                                    size_t n, px_err *err);
px_rc px_store_carrier_batch_get(px_db *db, px_carrier_batch *out, const char *id, px_err *err);
/* A failed batch processing again: the items its failure marked (batch_failed) pending once
 * more, *n of them; an item refused for its own reason keeps its error. */
px_rc px_store_carrier_batch_requeue(px_db *db, const char *batch_id, long long *n, px_err *err);

typedef struct px_carrier_item {
    int idx;
    char gtin[32];
    char serial[80];
    char target[1100];
    char carrier_id[PX_ID_LEN + 1]; /* "" when none */
    char error_code[32];            /* "" when none */
    char error_message[200];
} px_carrier_item;
typedef int (*px_carrier_item_fn)(void *ctx, const px_carrier_item *it);
/* Items of the batch in index order; pending_only: those with neither carrier nor error,
 * at most limit (0: all). */
px_rc px_store_carrier_items_each(px_db *db, const char *batch_id, int pending_only, long limit,
                                  px_carrier_item_fn fn, void *ctx, px_err *err);

/* In the caller's transaction: locks one runnable carrier_batch job (FOR UPDATE SKIP LOCKED)
 * and reads its batch, in one statement. */
px_rc px_store_carrier_batch_claim(px_db *db, px_carrier_batch *out, int *found, px_err *err);
/* In the caller's transaction: fails batch b's job (only one still queued or running: another
 * process may have finished it) with why, and with it the batch: status failed, each item
 * neither rendered nor refused becomes an item error batch_failed with why. *undone: those
 * items (0 when the job had already ended, *changed 0). */
px_rc px_store_carrier_batch_fail(px_db *db, const px_carrier_batch *b, const char *why,
                                  int *changed, long long *undone, px_err *err);

typedef struct px_carrier_row {
    char id[PX_ID_LEN + 1];
    char batch_id[PX_ID_LEN + 1];
    int idx;
    char org_id[PX_ID_LEN + 1];
    char symbology[12];
    char data[3117];
    char gtin[15];
    char serial[21];
    px_carrier_design design;
} px_carrier_row;

/* The id of the carrier of batch_id's item idx: names the batch and the index (migration
 * 0181), so the carrier is found on its one index; 4 random bytes complete it. */
px_rc px_store_carrier_id(char out[PX_UUID_LEN + 1], const char *batch_id, int idx);
px_rc px_store_carrier_get(px_db *db, px_carrier_row *out, const char *id, px_err *err);
/* fn(ctx, gtin) for each distinct GTIN batch_id's pack items name, as a GTIN-14 (an item
 * stored before its GTIN was normalised is padded), in order; fn returns non-zero to stop. */
px_rc px_store_carrier_batch_gtins(px_db *db, const char *batch_id,
                                   int (*fn)(void *ctx, const char *gtin), void *ctx, px_err *err);
/* *n: how many of batch_id's carriers (the one of item idx; idx < 0: all) are of a pack
 * released since. */
px_rc px_store_carriers_released(px_db *db, const char *batch_id, int idx, long long *n,
                                 px_err *err);
typedef int (*px_carrier_row_fn)(void *ctx, const px_carrier_row *c);
/* The carriers of a batch in index order. */
px_rc px_store_carriers_each(px_db *db, const char *batch_id, px_carrier_row_fn fn, void *ctx,
                             px_err *err);

/* A pending item with its pack and product when both exist (one statement per chunk). */
typedef struct px_carrier_chunk_row {
    px_carrier_item item;
    int pack_found, product_found;
    px_print_pack pack;
    px_product product;
} px_carrier_chunk_row;
typedef int (*px_carrier_chunk_fn)(void *ctx, const px_carrier_chunk_row *row);
/* The batch's pending items in index order, at most limit, each joined to its serial row and
 * product (a GTIN that is not 14 digits joins nothing). */
px_rc px_store_carrier_chunk(px_db *db, const char *batch_id, long limit, px_carrier_chunk_fn fn,
                             void *ctx, px_err *err);
/* One item's outcome in a chunk: its carrier (row, with its id), or its error (row NULL). */
typedef struct px_carrier_outcome {
    int idx;
    const px_carrier_row *row;
    const char *code, *message; /* row NULL: the item's error */
} px_carrier_outcome;
/* COPYs the carriers among outcomes out (org, symbology and design those of b); *copied says
 * how many. A carrier of an index already written breaks UNIQUE (batch_id, idx) and fails. */
px_rc px_store_carriers_copy(px_db *db, const px_carrier_batch *b, const px_carrier_outcome *out,
                             size_t n, long long *copied, px_err *err);
/* Ends a chunk of b's pending items whose carriers px_store_carriers_copy wrote (copied of
 * them) and whose other outcomes in out are errors, in one statement: the refused items'
 * errors, the counters moved by as many and, with nothing left pending, the batch's and its
 * job's end (completed, or failed when no item rendered). n may be 0 (a batch whose items
 * were all refused as it was stored). b is read back. */
px_rc px_store_carrier_chunk_end(px_db *db, px_carrier_batch *b, const px_carrier_outcome *out,
                                 size_t n, long long copied, px_err *err);

#endif
