/* lifecycle_store — SQL of the pack lifecycle (docs/lifecycle.md): commissioning,
 * release, decommission / reactivation / recall, EPCIS event rows, idempotent replays.
 *
 * Bulk paths are set-based (docs/lifecycle.md "Set-based SQL"): a serial list travels as one
 * text[] parameter and is joined with unnest(), so a 100,000-serial commission is a handful of
 * statements, never a round trip per serial. Times are µs since the Unix epoch (UTC). */
#ifndef PX_LIFECYCLE_STORE_H
#define PX_LIFECYCLE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "px_buf.h"
#include "px_err.h"
#include "store.h"

/* The most bytes of a pack operation's reason: a decommission's (one of its names) or a
 * reactivation's free text, kept whole on the operation, its event and its audit entry. */
#define PX_PACK_OP_REASON_MAX 200

/* ---- idempotency ----------------------------------------------------------------------- */

typedef struct px_idem_row {
    int claimed;        /* 1: this transaction owns the key (first use) */
    int status;         /* replay: the stored HTTP status */
    char *response;     /* replay: the stored body (malloc'd; caller frees) */
} px_idem_row;

/* Claims (org_id, key) for route with the request's hash inside the caller's transaction
 * (a concurrent request with the same key waits for this one to finish). When the key was
 * already used: same route and hash -> claimed 0 with the stored response; otherwise
 * PX_ECONFLICT "idempotency_conflict". */
px_rc px_store_idem_claim(px_db *db, px_idem_row *out, const char *org_id, const char *key,
                          const char *route, const char *request_hash, px_err *err);
/* Reads (org_id, key) without claiming it (committed rows only): *found 0 when unused; the
 * stored response when route and hash match; PX_ECONFLICT "idempotency_conflict" when they
 * differ. Run before a request's field rules, so a replay never depends on them. */
px_rc px_store_idem_lookup(px_db *db, px_idem_row *out, int *found, const char *org_id,
                           const char *key, const char *route, const char *request_hash,
                           px_err *err);
/* Stores the response of a claimed key. */
px_rc px_store_idem_finish(px_db *db, const char *org_id, const char *key, int status,
                           const char *response, px_err *err);

/* ---- commissioning --------------------------------------------------------------------- */

/* A batch's recall reason ("recalled", "withdrawn"; "" while it has none: migration 0220). */
#define PX_BATCH_RECALL_MAX 16

/* Inserts the batch with its expiry if new and returns the batch's expiry in out (the stored
 * one: it differs from expiry when the batch already has another — batch_expiry_mismatch) and
 * its recall reason in recall (NULL: not wanted). The batch's row is held (FOR SHARE) until the
 * transaction ends: a recall of the batch (px_store_batch_recall_mark) waits for it and then
 * reaches what it commissioned, or committed first and is read here. */
px_rc px_store_batch_claim(px_db *db, char out[7], char recall[PX_BATCH_RECALL_MAX],
                           const char *gtin, const char *batch, const char *expiry, px_err *err);
/* The expiry of (gtin, batch) into expiry[7]; *found = 0 when the batch is unknown, or when
 * made_by (else NULL) commissioned no pack of it: a CMO's view of a batch, as its batch read's
 * (by_cmo, docs/api.md "Batches"). */
px_rc px_store_batch_expiry(px_db *db, char expiry[7], int *found, const char *gtin,
                            const char *batch, const char *made_by, px_err *err);

typedef struct px_commission_rows {
    const char *gtin;
    const char *batch;
    const char *expiry;               /* YYMMDD as given */
    const char *org_id;               /* the commissioning organization */
    const char *commission_id;
    int64_t now_us;
    const char *const *serials;       /* the candidate serials (already syntax-checked) */
    size_t n;
} px_commission_rows;

typedef struct px_commission_outcome {
    long allocated;                   /* pool serials allocated to org_id, now commissioned */
    long external;                    /* serials new to the pool, inserted commissioned */
    size_t *rejected;                 /* indexes into serials[] that were neither (malloc'd) */
    size_t n_rejected;
} px_commission_outcome;

/* One statement: commissions the serials allocated to org_id, inserts the unseen ones as
 * external (ON CONFLICT DO NOTHING: a concurrent insert of the same serial wins once), and
 * returns the indexes of the rest (allocated to someone else, or not allocated any more).
 * Row locks and the primary key make each serial commissioned exactly once under READ
 * COMMITTED. Adds the external count to product.issued_count. */
px_rc px_store_commission_serials(px_db *db, px_commission_outcome *out,
                                  const px_commission_rows *in, px_err *err);
void px_commission_outcome_dispose(px_commission_outcome *o);

typedef struct px_commission_rec {
    const char *id, *org_id, *tenant_id, *gtin, *batch, *expiry;
    long count, allocated, external, rejected;
    int partial;
    int64_t now_us;
} px_commission_rec;
px_rc px_store_commission_insert(px_db *db, const px_commission_rec *c, px_err *err);

/* ---- release, decommission, recall ------------------------------------------------------- */

typedef struct px_release_rec {
    const char *id, *org_id, *tenant_id, *gtin, *batch, *market;
    int64_t now_us;
    /* Shipping data (migrations/0007): GLNs, NULL when none; the transaction's CBV btt word
     * and its id as given, NULL when none. */
    const char *ship_from_gln, *ship_to_party_gln, *ship_to_location_gln;
    const char *transaction_type, *transaction_id;
} px_release_rec;

/* Moves the commissioned packs of (gtin, batch) — only the listed serials when n > 0 — to
 * released. *serials_out gets the released serials (malloc'd vector of strings in one block;
 * free(*serials_out)); *count their number. */
px_rc px_store_release_packs(px_db *db, const px_release_rec *r, const char *const *serials,
                             size_t n, char ***serials_out, size_t *count, px_err *err);
/* The listed serials of (gtin, batch) that are not commissioned (not found, other batch or
 * other state), or that are cases holding packs still commissioned (REQ-AGG-14: a case is not
 * shipped without its packs): their indexes, malloc'd, and beside each in holds (malloc'd)
 * how many such packs it holds (0: not a commissioned pack of the batch). Locks the listed
 * rows (FOR UPDATE, in key order) first, so they stay as judged until the caller's
 * transaction ends. */
px_rc px_store_release_misfits(px_db *db, const char *gtin, const char *batch,
                               const char *const *serials, size_t n, size_t **idx, long **holds,
                               size_t *n_idx, px_err *err);
px_rc px_store_release_insert(px_db *db, const px_release_rec *r, long count, px_err *err);
/* *exists = 1 when (gtin, batch) exists, with its recall reason in recall ("" none); its row is
 * held (FOR SHARE) until the transaction ends, as px_store_batch_claim holds it. */
px_rc px_store_batch_recall_read(px_db *db, int *exists, char recall[PX_BATCH_RECALL_MAX],
                                 const char *gtin, const char *batch, px_err *err);
/* Records the recall of (gtin, batch) with reason at now_us, unless the batch has one already
 * (its first recall stays), and locks the batch's row: a commission into it or a release of it
 * waits for this transaction and then sees the recall. *found: PX_BATCH_NONE (no such batch),
 * PX_BATCH_RECALLED_NOW or PX_BATCH_RECALLED_BEFORE. */
typedef enum px_batch_recall_found {
    PX_BATCH_NONE,
    PX_BATCH_RECALLED_NOW,
    PX_BATCH_RECALLED_BEFORE
} px_batch_recall_found;
px_rc px_store_batch_recall_mark(px_db *db, px_batch_recall_found *found, const char *gtin,
                                 const char *batch, const char *reason, int64_t now_us,
                                 px_err *err);

/* What a release of (gtin, batch) would move: commissioned packs of the batch, or of the
 * listed serials (n > 0) those that are commissioned packs of the batch. */
px_rc px_store_release_count(px_db *db, long long *count, const char *gtin, const char *batch,
                             const char *const *serials, size_t n, px_err *err);
/* The organizations whose commissioning events of (gtin, batch) carry no read point and name a
 * commissioned pack of the batch (of serials[0..n) when serials is not NULL): the packs a
 * release would move, whose report carries those events (a profile that requires a read point
 * cannot take them). fn gets each org's id and name. */
typedef int (*px_org_gap_fn)(void *ctx, const char *org_id, const char *org_name);
px_rc px_store_read_point_gaps(px_db *db, const char *gtin, const char *batch,
                               const char *const *serials, size_t n, px_org_gap_fn fn, void *ctx,
                               px_err *err);

/* A pack as stored. */
typedef struct px_pack_row {
    char gtin[15];
    char serial[21];
    char state[16];
    char origin[10];
    char batch[21];
    char expiry[7];
    char allocation_id[PX_ID_LEN + 1];
    char allocated_to[PX_ID_LEN + 1];
    char commissioned_by[PX_ID_LEN + 1];
    char commissioned_at[32];
    char commission_id[PX_ID_LEN + 1];
    char released_by[PX_ID_LEN + 1];
    char released_at[32];
    char release_id[PX_ID_LEN + 1];
    char market[3];
    char reason[16];
    char prior_state[16];
    char decommissioned_by[PX_ID_LEN + 1];
    int64_t decommissioned_at_us;   /* 0 when not decommissioned */
    char decommissioned_at[32];
    long holds_active; /* px_store_packs_lock only: packs in it (a case) not decommissioned */
} px_pack_row;

/* The pack (gtin, serial); PX_ENOTFOUND "not_found". */
px_rc px_store_pack_get(px_db *db, px_pack_row *out, const char *gtin, const char *serial,
                        px_err *err);
typedef int (*px_pack_row_fn)(void *ctx, size_t index, const px_pack_row *row);
/* Locks (FOR UPDATE) the listed packs of gtin and calls fn for each one found, with its
 * index in serials[] and, in holds_active, how many packs it holds (a case that carries its
 * own GTIN) that are not decommissioned; serials not found are not reported. One statement. */
px_rc px_store_packs_lock(px_db *db, const char *gtin, const char *const *serials, size_t n,
                          px_pack_row_fn fn, void *ctx, px_err *err);

/* Sets the listed packs to decommissioned with reason, prior_state[i] (the state a
 * reactivation returns to), by and at. One statement. */
px_rc px_store_packs_decommission(px_db *db, const char *gtin, const char *const *serials,
                                  const char *const *prior_states, size_t n, const char *reason,
                                  const char *org_id, int64_t now_us, px_err *err);
/* Returns the listed packs to state[i] (commissioned or released), clearing the decommission
 * columns. One statement. */
px_rc px_store_packs_reactivate(px_db *db, const char *gtin, const char *const *serials,
                                const char *const *states, size_t n, px_err *err);
/* Batch recall: every pack of (gtin, batch) in a state in from_states, or decommissioned with
 * a reason in from_reasons, becomes decommissioned(reason). The recalled serials come back
 * like px_store_release_packs's, and beside each (*markets_out, malloc'd, the caller frees it)
 * the market it was released to, "" for a pack never released: the markets told are exactly
 * those of the packs changed, each with its own packs. */
px_rc px_store_recall_batch(px_db *db, const char *gtin, const char *batch, const char *reason,
                            const char *const *from_states, size_t n_states,
                            const char *const *from_reasons, size_t n_reasons, const char *org_id,
                            int64_t now_us, char ***serials_out, char (**markets_out)[3],
                            size_t *count, px_err *err);

/* REQ-AGG-14/15 for a whole batch of a case GTIN: the cases of (gtin, batch) that hold packs
 * a move of the batch would leave behind. PX_CASES_RELEASABLE: commissioned cases holding
 * commissioned packs (a dry run's question); PX_CASES_RELEASED: the cases release arg (its id)
 * just released that hold commissioned packs; PX_CASES_RECALLED: the cases the recall at arg
 * (its time in microseconds) just decommissioned that hold packs not decommissioned. Asked
 * after the move's UPDATE, which locked the cases, so no pack enters one unseen (packing locks
 * its case first, px_store_agg_cases_lock). The index serial_case_children finds the children
 * of the GTIN's cases alone: a batch of plain packs costs one empty index probe. */
typedef enum { PX_CASES_RELEASABLE, PX_CASES_RELEASED, PX_CASES_RECALLED } px_cases_moved;
typedef struct px_cases_holding {
    long cases, packs; /* how many cases, holding how many such packs in all */
    char first[21];    /* the first such case's serial, in serial order */
} px_cases_holding;
px_rc px_store_batch_cases_holding(px_db *db, px_cases_holding *out, const char *gtin,
                                   const char *batch, px_cases_moved moved, const char *arg,
                                   px_err *err);

typedef struct px_pack_op_rec {
    const char *id, *kind, *org_id, *tenant_id, *gtin, *batch, *reason;
    long count;
    int64_t now_us;
} px_pack_op_rec;
px_rc px_store_pack_op_insert(px_db *db, const px_pack_op_rec *op, px_err *err);

/* ---- EPCIS event rows --------------------------------------------------------------------- */

typedef struct px_event_rec {
    const char *id;
    const char *tenant_id, *org_id;
    const char *op;             /* commission | release | decommission | reactivate | recall */
    const char *action;         /* ADD | OBSERVE | DELETE */
    const char *biz_step, *disposition;      /* bare CBV words */
    int64_t event_time_us;
    int tz_offset_min;
    const char *gtin;
    int gcp_len;
    const char *serial_set;     /* commission | release | list */
    const char *commission_id, *release_id, *op_id;
    const char *const *serials; /* serial_set "list" */
    size_t n_serials;
    long epc_count;
    const char *lot, *expiry, *reason, *market;
    const char *location_gln, *read_point, *biz_location;
    /* Shipping (release): SGLN URIs of the source and destination owning party and location,
     * the bizTransaction's bare CBV type and its urn:epcglobal:cbv:bt: id; NULL when none. */
    const char *source_party, *source_location, *dest_party, *dest_location;
    const char *biz_tx_type, *biz_tx;
    const char *event_hash;
    /* EPC URIs the event names in place of the packs of its serial_set (migration 0090: a
     * shipment's top-level SSCCs); NULL when none. */
    const char *const *epcs;
    size_t n_epcs;
} px_event_rec;
px_rc px_store_event_insert(px_db *db, const px_event_rec *e, px_err *err);

typedef struct px_event_row {
    char event_id[PX_ID_LEN + 1];
    char op[16];
    char type[20];
    char action[10];
    char biz_step[40];
    char disposition[40];
    char event_time[32];
    char by[PX_ID_LEN + 1];
    char event_hash[100];
    char reason[PX_PACK_OP_REASON_MAX + 1]; /* a decommission reason, or a reactivation's
                                             * free text whole */
    char market[3];
} px_event_row;
typedef int (*px_event_row_fn)(void *ctx, const px_event_row *e);
/* The events that concern one pack, oldest first: its commissioning, release and status
 * changes (a case that carries its own GTIN: also the release and the operations by
 * containers that moved it with its pallet), and (epc, its SGTIN URI; NULL: none) the packing
 * and unpacking events that name it
 * among their children, or empty its parent while it is in it (op "pack" or "unpack";
 * container_event_epcs and container_event_parent_id find them). */
px_rc px_store_pack_events_each(px_db *db, const px_pack_row *pack, const char *epc,
                                px_event_row_fn fn, void *ctx, px_err *err);

/* ---- helpers ------------------------------------------------------------------------------ */

/* Appends a PostgreSQL array literal {"a","b"} of v[0..n) to out (quotes and backslashes
 * escaped). */
px_rc px_store_text_array(px_buf *out, const char *const *v, size_t n);

#endif
