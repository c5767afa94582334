/* SQL of the packing hierarchy: SSCC pools, containers, the parent links of packs and
 * containers, aggregations and container events (migration 0020, docs/aggregation.md). Every
 * list of children is one set of array parameters joined with unnest(): one round trip per
 * statement, never one per child. */
#ifndef PX_SSCC_STORE_H
#define PX_SSCC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct px_sscc_allocation {
    char id[PX_ID_LEN + 1];
    char org_id[PX_ID_LEN + 1];    /* allocated to (the caller) */
    char tenant_id[PX_ID_LEN + 1]; /* the MAH whose company prefix it is */
    char company_prefix[13];
    int extension_digit;
    char strategy[16];             /* sequential | random */
    long count;
    char job_id[PX_ID_LEN + 1];
    char created_at[32];
} px_sscc_allocation;

/* What org_id may allocate SSCCs under, among the (MAH, company prefix) pairs it may use: its
 * own products' prefixes, those of the products it is actively partnered on, and (REQ-SSCC-7)
 * for a CMO its own GLN's prefix with each MAH it is actively partnered with -- that one only
 * when named in `prefix`. prefix "" and mah "" match any. n_gcp / n_mah count the distinct
 * prefixes and MAHs that match; when both are 1, mah and gcp are the answer. */
typedef struct px_sscc_prefix_pick {
    char mah[PX_ID_LEN + 1];
    char gcp[13];
    long n_gcp, n_mah;
} px_sscc_prefix_pick;
px_rc px_store_sscc_alloc_prefix(px_db *db, px_sscc_prefix_pick *out, const char *org_id,
                                 const char *prefix, const char *mah, px_err *err);
/* The MAH of product gtin14 if org_id may use it (its own, or actively partnered on it);
 * PX_ENOTFOUND "product_not_found" (field gtin) otherwise. */
px_rc px_store_sscc_product_mah(px_db *db, char mah[PX_ID_LEN + 1], const char *gtin14,
                                const char *org_id, px_err *err);
/* The MAH and prefix an SSCC's digits belong to among the prefixes org_id may use (the
 * longest matching prefix); PX_ENOTFOUND when none. */
px_rc px_store_sscc_owner_of(px_db *db, char tenant_id[PX_ID_LEN + 1], char prefix[13],
                             const char *sscc, const char *org_id, px_err *err);

/* Takes n serial references from the (prefix, extension digit) sequence: *first is the first
 * of them; the block [first, first + n) is never handed out again. */
px_rc px_store_sscc_sequence_take(px_db *db, uint64_t *first, const char *prefix, int ext,
                                  long n, px_err *err);
/* Inserts the allocation (id, created_at out). */
px_rc px_store_sscc_allocation_insert(px_db *db, px_sscc_allocation *a, px_err *err);
px_rc px_store_sscc_allocation_get(px_db *db, px_sscc_allocation *out, const char *id,
                                   px_err *err);
/* Inserts the SSCCs that are new (an existing one is left as it is): *inserted counts them.
 * allocation_id NULL for external SSCCs. */
px_rc px_store_sscc_insert(px_db *db, long *inserted, const char *const *ssccs, size_t n,
                           const char *prefix, const char *tenant_id, const char *org_id,
                           const char *allocation_id, const char *origin, px_err *err);

typedef struct px_sscc_item {
    const char *sscc;
    const char *state;
} px_sscc_item;
typedef int (*px_sscc_item_fn)(void *ctx, const px_sscc_item *it);
/* The allocation's SSCCs after `after` ("" from the start), in SSCC order, at most limit;
 * hide_released leaves out the released ones (what a CMO may not see). */
px_rc px_store_sscc_each(px_db *db, const char *allocation_id, const char *after, long limit,
                         int hide_released, px_sscc_item_fn fn, void *ctx, px_err *err);

/* ---- containers ------------------------------------------------------------------------ */

typedef struct px_container {
    char sscc[19];
    char company_prefix[13];
    char tenant_id[PX_ID_LEN + 1];
    char org_id[PX_ID_LEN + 1];
    char state[16];
    char parent[19];               /* "" when at the top */
    char origin[12];
    int released; /* released, now or before its decommissioning (PX_SSCC_RELEASED) */
} px_container;

/* The container, locked FOR UPDATE when for_update. PX_ENOTFOUND "not_found". */
px_rc px_store_container_get(px_db *db, px_container *out, const char *sscc, int for_update,
                             px_err *err);
/* 1 into *ungranted when partnership (the CMO cmo_id's, with the container's MAH) grants no
 * product, or a pack of the CMO's (allocated to or commissioned by it, unreleased) anywhere
 * below the container sscc, in a case there too, is of a product it does not grant: what
 * service/container_read.c's px__container_cmo_partnered refuses a CMO's packing. */
px_rc px_store_container_cmo_ungranted(px_db *db, const char *sscc, const char *partnership_id,
                                       const char *cmo_id, int *ungranted, px_err *err);
/* allocated -> commissioned (its first packing). */
px_rc px_store_container_commission(px_db *db, const char *sscc, px_err *err);
/* The parent SSCCs of a pack, innermost first, into out: all of them, or PX_EINTERNAL when
 * there are more than max (never a list cut short). For a CMO (cmo_org; NULL: everyone else)
 * those below the first container or case it may not see. */
px_rc px_store_pack_parents(px_db *db, char (*out)[19], size_t max, size_t *n, const char *gtin,
                            const char *serial, const char *cmo_org, px_err *err);

/* One node below a container: a container (sscc) or a pack (gtin, serial, batch), its
 * parent and its depth (1: a direct child). */
typedef struct px_tree_row {
    const char *sscc;   /* "" for a pack */
    const char *gtin, *serial, *batch;
    const char *parent;
    const char *state;
    int depth;
} px_tree_row;
typedef int (*px_tree_row_fn)(void *ctx, const px_tree_row *row);
/* The nodes below sscc, by depth (containers first at each depth): every level when all,
 * else the direct children only; for cmo_org (a CMO caller, else NULL) only the packs it sees
 * (its own serials, never released: px__cmo_sees). */
px_rc px_store_container_tree_each(px_db *db, const char *sscc, int all, const char *cmo_org,
                                   px_tree_row_fn fn, void *ctx, px_err *err);

/* Packs below a container per depth, GTIN and batch (the counts of GET /v1/containers). */
typedef struct px_tree_count {
    int depth;
    const char *gtin, *batch; /* "" for a count of containers */
    long long n;
} px_tree_count;
typedef int (*px_tree_count_fn)(void *ctx, const px_tree_count *c);
px_rc px_store_container_counts_each(px_db *db, const char *sscc, const char *cmo_org,
                                     px_tree_count_fn fn, void *ctx, px_err *err);

/* ---- shipping containers ----------------------------------------------------------------- */

/* A pack below one of the listed containers: root is the index of the listed container.
 * is_case: the pack is a case that carries its own GTIN (it holds packs, listed too). */
typedef struct px_held_pack {
    long root;
    const char *gtin, *serial, *batch, *state;
    int is_case;
} px_held_pack;
typedef int (*px_held_pack_fn)(void *ctx, const px_held_pack *p);
/* The indexes of the listed SSCCs that are not containers of tenant_id (malloc'd). */
px_rc px_store_containers_missing(px_db *db, const char *tenant_id, const char *const *ssccs,
                                  size_t n, long **idx, size_t *n_idx, px_err *err);
/* Locks the listed containers, every container below them and the packs directly in those,
 * for the caller's transaction (in key order; a pack moved out meanwhile is not locked). */
px_rc px_store_containers_lock(px_db *db, const char *const *ssccs, size_t n, px_err *err);
/* Every pack below the listed containers, once each, in (gtin, serial) order: the packs in
 * them, and the packs in the cases that carry their own GTIN in them; at most limit rows
 * (packs and cases), so a request is never read whole to be refused. */
px_rc px_store_container_packs_each(px_db *db, const char *const *ssccs, size_t n, long limit,
                                    px_held_pack_fn fn, void *ctx, px_err *err);
/* Sets the state of the listed containers and of every container below them. */
px_rc px_store_containers_set_state(px_db *db, const char *const *ssccs, size_t n,
                                    const char *state, px_err *err);
/* Reactivated by ssccs (REQ-AGG-15): the listed containers and every container below them that
 * is decommissioned go back to the state they had before (commissioned or released). */
px_rc px_store_containers_reactivate(px_db *db, const char *const *ssccs, size_t n, px_err *err);
/* How the cases below shipped or decommissioned containers move with them: "released" (by,
 * release_id, market) or "decommissioned" (by, reason). */
typedef struct px_case_move {
    const char *state, *by, *release_id, *market, *reason;
    int64_t now_us;
    /* Which cases move, by the transition table (px_pack_move_sources): those in one of
     * from_states, and the decommissioned ones whose reason is one of from_reasons. */
    const char *const *from_states;
    size_t n_states;
    const char *const *from_reasons;
    size_t n_reasons;
} px_case_move;
/* Moves every case that carries its own GTIN (a pack that holds packs) in the listed
 * containers or in a container below them to m->state, as the table moves a pack from where
 * it stands: a case decommissioned for a reversible reason is recalled with its pallet, one
 * still in hand destroyed with it (it keeps the state it had before its first
 * decommissioning); a case the move does not apply to stays as it is. */
/* The batches of the cases (packs that hold packs) in one of states[n_states] in the listed
 * containers or below them, the cases a move of the containers moves (px_pack_move_sources):
 * fn once per GTIN and batch, with the first of its cases' serials, in key order; fn returns
 * non-zero to stop. */
typedef struct px_case_batch {
    const char *gtin, *batch, *serial;
} px_case_batch;
typedef int (*px_case_batch_fn)(void *ctx, const px_case_batch *b);
px_rc px_store_cases_below_batches(px_db *db, const char *const *ssccs, size_t n,
                                   const char *const *states, size_t n_states, px_case_batch_fn fn,
                                   void *ctx, px_err *err);
px_rc px_store_cases_below_move(px_db *db, const char *const *ssccs, size_t n,
                                const px_case_move *m, px_err *err);
/* The same, recording op_id (NULL: none) as the operation that moved each case (case_op,
 * migration 0223), so the case's history lists that operation's events. */
px_rc px_store_cases_below_move_op(px_db *db, const char *const *ssccs, size_t n,
                                   const px_case_move *m, const char *op_id, px_err *err);
/* REQ-AGG-15: every case that carries its own GTIN in the listed containers or below them,
 * decommissioned for one of reasons[n_reasons] (the reversible ones: px_pack_move_sources),
 * goes back to the state it had (prior_state), its decommissioning columns cleared, as a
 * reactivated pack's are (store/lifecycle.c); a recalled or destroyed case stays. op_id, the
 * reactivation, is recorded for each case that came back (case_op). */
px_rc px_store_cases_below_reactivate(px_db *db, const char *const *ssccs, size_t n,
                                      const char *const *reasons, size_t n_reasons,
                                      const char *op_id, px_err *err);

/* A stored container event, as the report writer needs it. */
typedef struct px_container_event_row {
    const char *type, *action, *biz_step, *disposition; /* disposition "" when none */
    int64_t event_time_us;
    int tz_offset_min;
    const char *parent_id;       /* "" for an ObjectEvent */
    const char *epcs;            /* the EPC URIs separated by one space (URIs hold none) */
    const char *read_point, *biz_location, *event_hash;
} px_container_event_row;
typedef int (*px_container_event_fn)(void *ctx, const px_container_event_row *row);
/* The events of every container above the packs of a release (gtin, batch, release_id), in
 * write order: what a receiver needs to infer a shipped pallet's contents. */
px_rc px_store_release_container_events_each(px_db *db, const char *gtin, const char *batch,
                                             const char *release_id, px_container_event_fn fn,
                                             void *ctx, px_err *err);

/* ---- aggregation ----------------------------------------------------------------------- */

/* One child of a request: a pack (gtin, serial) or a container (sscc); the other NULL. */
typedef struct px_agg_child {
    const char *gtin;
    const char *serial;
    const char *sscc;
} px_agg_child;

/* Registers the listed SSCCs that are new as external containers of the prefixes org_id may
 * use (REQ-SSCC-5), or of a CMO's own company prefix for the MAH of the request's children
 * kids (REQ-SSCC-6); those of no such prefix stay unknown. usable[i] (n entries) is 1 when
 * ssccs[i] has such a prefix, whether it was new or already there; *added counts the new
 * ones. */
px_rc px_store_sscc_register_external(px_db *db, const char *const *ssccs, size_t n,
                                      const px_agg_child *kids, size_t n_kids, const char *org_id,
                                      int *usable, long *added, px_err *err);

/* Why a child cannot be packed or unpacked, by its index in the request. */
typedef struct px_agg_misfit {
    long index;
    char code[24];   /* not_found | invalid_state | already_packed | cycle | duplicate |
                        not_in_parent | invalid_child | nested_case */
    char state[16];  /* the child's state, or "" */
    char parent[19]; /* its current parent, or "" */
} px_agg_misfit;

typedef struct px_agg_misfits {
    px_agg_misfit *items;
    size_t n;
} px_agg_misfits;
void px_agg_misfits_dispose(px_agg_misfits *m);

/* Who may use a child: the tenant's packs and containers; cmo_org (a CMO caller, else NULL):
 * only packs it commissioned and containers it holds, all unreleased, on products it is
 * actively partnered on. */
typedef struct px_agg_scope {
    const char *tenant_id;
    const char *cmo_org;
    const char *parent;   /* the parent the children come out of: its SSCC, or a case's
                             "GTIN SERIAL" */
} px_agg_scope;

/* Loads the children into the transaction's temporary table agg_child and locks the packs and
 * containers they name, in key order (two requests naming the same children queue behind each
 * other instead of deadlocking). */
px_rc px_store_agg_load(px_db *db, const px_agg_child *c, size_t n, px_err *err);
/* Every loaded child that cannot be unpacked from sc->parent (listed twice, not visible, not
 * directly in it), in request order. */
px_rc px_store_agg_misfits(px_db *db, const px_agg_scope *sc, px_agg_misfits *out, px_err *err);

/* A child as the EPCIS writer needs it. */
typedef struct px_agg_row {
    const char *gtin, *serial; /* a pack, with its product's company prefix length */
    int gcp_len;
    const char *sscc;          /* or a container, with its prefix length */
    const char *parent;        /* its current parent, "" when none */
} px_agg_row;
typedef int (*px_agg_row_fn)(void *ctx, const px_agg_row *row);
/* The loaded children in request order. */
px_rc px_store_agg_children_each(px_db *db, px_agg_row_fn fn, void *ctx, px_err *err);

/* Loads the direct children of the container sscc, or (sscc NULL) of the case gtin/serial,
 * that the caller of sc may use (PX_AGG_SEEN), as px_store_agg_load loads a request's, locked;
 * *n counts them, *held every child the parent holds. */
px_rc px_store_agg_load_contents(px_db *db, const char *sscc, const char *gtin, const char *serial,
                                 const px_agg_scope *sc, size_t *n, size_t *held, px_err *err);
/* Sets (parent) or clears (NULL) the parent of every loaded child; *moved counts them. */
px_rc px_store_agg_set_parent(px_db *db, const char *parent, long *moved, px_err *err);
/* Clears the parent of every direct child of parent; *moved counts them. */
px_rc px_store_agg_empty(px_db *db, const char *parent, long *moved, px_err *err);
/* Takes packs out of the case gtin/serial: the loaded children when listed (each checked to
 * be in it), else every pack in it; *moved counts them. */
px_rc px_store_agg_case_clear(px_db *db, const char *gtin, const char *serial, int listed,
                              long *moved, px_err *err);

typedef struct px_aggregation_rec {
    const char *id, *org_id, *tenant_id, *action, *parent_sscc;
    long children;
    int64_t created_us;
    const char *parent_gtin, *parent_serial; /* a case's parent (parent_sscc ""), or NULL */
} px_aggregation_rec;
px_rc px_store_aggregation_insert(px_db *db, const px_aggregation_rec *a, px_err *err);

typedef struct px_container_event_rec {
    const char *id, *tenant_id, *org_id, *aggregation_id;
    const char *type, *action, *biz_step, *disposition;
    int64_t event_time_us;
    int tz_offset_min;
    const char *parent_id, *parent_sscc;
    const char *const *epcs;
    size_t n_epcs;
    const char *read_point, *biz_location, *event_hash;
    const char *parent_gtin, *parent_serial; /* a case's parent (parent_sscc NULL), or NULL */
} px_container_event_rec;
px_rc px_store_container_event_insert(px_db *db, const px_container_event_rec *e, px_err *err);

/* ---- set-based packing (agg_store.c) ----------------------------------------------------- */

/* In the caller's transaction: the one turn of the requests that put a container into a
 * container (released at its end). REQ-AGG-3: such a request could close a cycle through links
 * other requests are writing at the same moment, which the locks of its own rows do not order
 * (three requests each nesting one of X1, X2, X3 in the next all passed their checks, each
 * before the others' links were committed); in turn, each check sees every link before it. */
px_rc px_store_agg_nesting_turn(px_db *db, px_err *err);
/* The time (µs since the epoch) of the latest event recorded with parent as its parent: the
 * container sscc, or the case (gtin, serial) when sscc is NULL; 0 when it has none. The
 * caller has locked the parent and found it visible (px_svc_aggregate). */
px_rc px_store_parent_last_event_us(px_db *db, const char *sscc, const char *gtin,
                                    const char *serial, long long *us, px_err *err);
/* The listed parents, locked with every container above them (key order): out[i] is the
 * container ssccs[i], or has sscc "" when unknown; *found counts the known ones. */
px_rc px_store_agg_parents_lock(px_db *db, const char *const *ssccs, size_t n, px_container *out,
                                size_t *found, px_err *err);


/* Children of several parents, checked and moved in one statement. */
typedef struct px_agg_set {
    const char *const *parents;   /* the parents' SSCCs, in request order ("" for a case) */
    const char *const *parent_gtins, *const *parent_serials; /* a case's, else "" */
    size_t n_parents;
    const px_agg_child *children; /* every child of every parent */
    const size_t *group;          /* group[i]: the index of children[i]'s parent */
    size_t n;
    const char *tenant_id;
    const char *cmo_org;          /* a CMO caller, else NULL */
    int moving;                   /* repack: a child may leave another container */
} px_agg_set;

typedef struct px_agg_applied {
    px_agg_misfits misfits;       /* the children that broke a rule: then nothing changed */
    long moved;                   /* children whose parent was set */
    int *gcp_len;                 /* per child: the company prefix length of its EPC */
    char (*was_in)[40];           /* per child: the container it left, or "GTIN SERIAL" of the
                                     case it left ("" when none) */
    int *was_gcp_len;             /* that parent's company prefix length */
} px_agg_applied;
void px_agg_applied_dispose(px_agg_applied *a);

/* Checks every child against the packing rules (REQ-AGG-2, 3, 5; repack when s->moving)
 * and, when none breaks one, sets every child's parent and commissions the parents
 * still allocated. The packs going into a case are locked first (REQ-AGG-11: one being filled
 * as a case is seen holding what it got). A child changed by another transaction since the
 * rules read it is not moved: out->moved then falls short of s->n (the caller starts over). */
px_rc px_store_agg_apply(px_db *db, const px_agg_set *s, px_agg_applied *out, px_err *err);

/* Container events as parallel columns ("" for none). */
typedef struct px_agg_event_cols {
    const char **id, **aggregation_id, **type, **action, **biz_step, **disposition;
    const char **parent_id, **parent_sscc, **parent_gtin, **parent_serial;
    const char **epcs;            /* the EPC URIs separated by one space */
    const char **read_point, **biz_location; /* "" for none */
    const char **event_hash;
    size_t n;
} px_agg_event_cols;

typedef struct px_agg_record_set {
    const char *org_id, *tenant_id, *action;
    int64_t created_us; /* the aggregations' time */
    int64_t event_us;   /* the events' time, and their offset */
    int tz_offset_min;
    const char *const *agg_ids;   /* one aggregation per parent */
    const char *const *parents;   /* its SSCC, or "" for a case ... */
    const char *const *parent_gtins, *const *parent_serials; /* ... and the case's, or "" */
    const long *children;
    size_t n_aggs;
    px_agg_event_cols events;
} px_agg_record_set;
/* Writes the aggregations and their events in one statement. */
px_rc px_store_agg_record(px_db *db, const px_agg_record_set *s, px_err *err);

/* A case that carries its own GTIN, listed as a parent: its pack row, locked. */
typedef struct px_case_parent {
    int found;
    char state[16];
    char tenant_id[PX_ID_LEN + 1];   /* its product's MAH */
    char commissioned_by[PX_ID_LEN + 1];
    char allocated_to[PX_ID_LEN + 1]; /* "" when none */
    int released;
    int partnered;                   /* its commissioner (else the CMO it was allocated to) is
                                      * actively partnered on it */
    int in_case;                     /* it is itself inside a case */
    int gcp_len;                     /* its product's company prefix length */
} px_case_parent;
/* The listed cases (gtins[i], serials[i]; "" for none), locked in key order: out[i]. */
px_rc px_store_agg_cases_lock(px_db *db, const char *const *gtins, const char *const *serials,
                              size_t n, px_case_parent *out, px_err *err);

/* The case a pack is in (gtin/serial out, "" when none; for a CMO, cmo_org, a case it may not
 * see is none: PX__CMO_SEES). */
px_rc px_store_pack_case(px_db *db, char gtin[15], char serial[21], const char *pack_gtin,
                         const char *pack_serial, const char *cmo_org, px_err *err);
typedef struct px_case_child {
    const char *gtin, *serial, *state, *batch;
} px_case_child;
typedef int (*px_case_child_fn)(void *ctx, const px_case_child *c);
/* The packs in a case, in (gtin, serial) order, at most limit; for a CMO (cmo_org; NULL:
 * everyone else) those it may see (PX__CMO_SEES: not released, not another's). */
px_rc px_store_case_children_each(px_db *db, const char *gtin, const char *serial,
                                  const char *cmo_org, long limit, px_case_child_fn fn, void *ctx,
                                  px_err *err);

#endif
