/* Shared by the pack lifecycle files of service/ (commission.c, release.c, pack_ops.c,
 * recall.c, pack_read.c, shipping.c, events.c, item_errors.c) and the label print (print.c)
 * only. */
#ifndef PX_PACK_INTERNAL_H
#define PX_PACK_INTERNAL_H

#include "events.h"
#include "lifecycle.h"
#include "pack_state.h"
#include "tx.h"

/* ---- item errors (item_errors.c) ------------------------------------------------------ */

/* A growing list of per-item errors (docs/api.md error details with index). */
typedef struct px__errlist {
    px_item_error *v;
    size_t n, cap;
} px__errlist;

/* Appends e as the error of item index; PX_EINTERNAL (err set) when out of memory. */
px_rc px__errlist_add(px__errlist *l, size_t index, const px_err *e, px_err *err);
/* Index order, as the API lists them. */
void px__errlist_sort(px__errlist *l);
/* Hands the list to the result that outlives it (the list is left empty). */
void px__errlist_take(px__errlist *l, px_item_error **errors, size_t *n_errors);
/* What a refused lifecycle result owns: its item errors and its markets' missing report
 * data (release and pack operation results alike). */
void px__refusals_dispose(px_item_error **errors, size_t *n_errors, px_missing_list *missing);

/* Syntax of a serial list: each 1..20 characters of set 82 (REQ-COMMISSION-2) and no repeats
 * inside the request (REQ-COMMISSION-5). bad[i] is set for every bad item. */
px_rc px__serials_check(px__errlist *errs, unsigned char *bad, const char *const *serials, size_t n,
                        px_err *err);
/* A listed set of serials of a pack operation: 1..PX_COMMISSION_MAX_SERIALS, each valid;
 * otherwise 422 with every bad item in *errors. */
/* px_sscc_list_check, and each container once (duplicate_sscc on the first repeat). */
px_rc px__sscc_list_check(const char *const *ssccs, size_t n, int with_serials, px_err *err);
px_rc px__serial_list_check(const char *const *serials, size_t n, px_item_error **errors,
                            size_t *n_errors, px_err *err);

/* ---- shipping data of a release (shipping.c) ----------------------------------------- */

/* Checks a release's shipping data and builds what its event carries (docs/lifecycle.md
 * "Release: shipping data"). */
px_rc px__shipping_prepare(px__shipping *sh, const px_app *app, const px_actor *by,
                           const px_product *prod, const px_release_req *req, px_err *err);

/* ---- access to packs (pack_read.c) ------------------------------------------------------ */

/* A CMO's view of a serial, one rule for its pack reads, carriers, pack operations and print
 * jobs (store/store_internal.h's PX__CMO_SEES says the same in SQL, for the containers it holds
 * and the exports it makes, and asks there too for the active partnership that grants the
 * product, which these paths check through px_svc_product_access): the
 * serials allocated to it or commissioned by it, never after release (a CMO never sees packs once
 * on the market). An allocated serial is the CMO's to print before commissioning, so its symbol is
 * too. */
int px__cmo_sees(const px_actor *by, const char *allocated_to, const char *commissioned_by,
                 int released);
/* The same for a pack row. */
int px__cmo_sees_pack(const px_actor *by, const px_pack_row *row);
/* The CMO a read is narrowed to (the store's cmo_org parameters, PX__CMO_SEES): the caller's
 * organization if it is a CMO, NULL (every row of the tenant) for anyone else. */
const char *px__cmo_scope(const px_actor *by);
/* The organization scope of pack reads (MAH and its auditors): the packs of the MAH's own
 * products. The pack read and the carrier batch's fast path both ask it here. */
int px__org_sees_product(const px_actor *by, const px_product *prod);

/* The product of a pack operation given as a GTIN from outside, normalised into g, with the
 * access rules of the caller's tenant (404 for another tenant's). */
px_rc px__pack_product(px_db *db, const px_actor *by, const char *gtin, char g[15],
                       px_product *prod, px_err *err);

/* Decommissioning or recalling containers (pack_ops.c): the packs they hold (all of req's
 * GTIN and, unless batch is NULL, of batch; or the whole request is refused listing the
 * others) become the request's serials, each moved by the operation's own transition rules,
 * all or none; a held pack that cannot move is listed under the index of its container. */
px_rc px__pack_op_containers(px_db *db, const px_app *app, const px_actor *by,
                             const px_pack_op_req *req, const char *batch, px_pack_action action,
                             px_decom_reason reason, px_pack_op_result *res, px_err *err);

/* REQ-AGG-10: the listed packs of prod (decommissioned or recalled on their own, in the
 * caller's transaction) leave the containers they were in: the links are cleared in one
 * statement and one AggregationEvent DELETE per container names the packs that left it,
 * parentID the container (docs/aggregation.md "Packs leaving their container"). *left counts
 * them (container_leave.c). With dead_only, only packs whose container (or case) is
 * decommissioned leave it (REQ-AGG-15: a pack reactivated without its container). */
px_rc px__packs_leave_containers(px_db *db, const px_actor *by, const px_product *prod,
                                 const char *const *serials, size_t n, int dead_only,
                                 int64_t now_us, long *left, px_err *err);
/* REQ-AGG-12: the same for listed containers that move (decommissioned, recalled, shipped)
 * without the container they sit in: each top-level one among them leaves its parent, one
 * DELETE per parent naming them (their contents stay in them). */
px_rc px__containers_leave_parents(px_db *db, const px_actor *by, const px_product *prod,
                                   const char *const *ssccs, size_t n, int64_t now_us,
                                   long *left, px_err *err);

/* A release acts on a batch that was commissioned (another answers not_found), not recalled
 * (px__batch_recalled) and not past its expiry at now_us (422 expiry_in_past on field batch);
 * the batch's row is held until the transaction ends. */
px_rc px__batch_open(px_db *db, const char *gtin, const char *batch, int64_t now_us, px_err *err);
/* Labels printed for a batch would go on packs it can no longer take: a batch recalled (none
 * yet is not) is refused as px__batch_recalled says. A print or export that claims the batch
 * reads its recall with the claim instead (px_store_batch_claim). */
px_rc px__batch_not_recalled(px_db *db, const char *gtin, const char *batch, px_err *err);
/* A batch past its expiry (stored expiry, YYMMDD; usable through its expiry day,
 * px_expiry_passed) at now_us: 422 expiry_in_past on field batch, its message ending with
 * consequence; the one answer of a release and a print job for it. */
px_rc px__batch_expiry_past(const char *batch, const char *expiry, int64_t now_us,
                            const char *consequence, px_err *err);
/* The refusal of a commission into, or a release of, a batch recalled or withdrawn with
 * recall (its reason): 409 batch_recalled on field batch. */
px_rc px__batch_recalled(px_err *err, const char *gtin, const char *batch, const char *recall);

/* REQ-AGG-14/15 for a move of a whole batch of a case GTIN: no case moves without its packs.
 * A release (moved PX_CASES_RELEASABLE or PX_CASES_RELEASED) is refused while a case of the
 * batch holds packs still commissioned, a recall (PX_CASES_RECALLED) while one holds packs not
 * decommissioned: 409 invalid_state naming how many and the first (px_store_batch_cases_holding
 * says when to ask and what arg is). */
px_rc px__batch_cases_empty(px_db *db, const char *gtin, const char *batch, px_cases_moved moved,
                            const char *arg, px_err *err);

/* ---- batches (commission.c) ----------------------------------------------------------- */

/* A batch has one expiry (docs/api.md "batch_expiry_mismatch"): claims expiry for the batch of
 * gtin when the batch is new (a concurrent claim with another expiry waits and then sees it),
 * else compares it with the batch's; PX_ECONFLICT "batch_expiry_mismatch" naming field (NULL:
 * none) when they differ. recall (NULL: not wanted) gets the batch's recall reason, "" none;
 * the batch's row is held until the transaction ends (px_store_batch_claim). */
px_rc px__batch_expiry_claim(px_db *db, const char *gtin, const char *batch, const char *expiry,
                             const char *field, char recall[PX_BATCH_RECALL_MAX], px_err *err);

#endif
