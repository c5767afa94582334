/* packing — the packing hierarchy's use cases: SSCC pools, packing and unpacking containers,
 * reading a container's tree (docs/aggregation.md). */
#ifndef PX_PACKING_H
#define PX_PACKING_H

#include "carrier.h"
#include "epcis.h"
#include "gs1.h"
#include "job_store.h"
#include "lifecycle.h"
#include "report_store.h"
#include "service.h"
#include "sscc_store.h"

/* REQ-SSCC-3: at most 100,000 SSCCs per allocation, generated inside the request. */
#define PX_SSCC_ALLOC_MAX 100000
/* REQ-AGG-1: at most 100,000 children per aggregation request. */
#define PX_AGG_CHILDREN_MAX 100000
/* The REQ-AGG-1 bound on n children in one request: PX_ETOOBIG "too_many_children" (field
 * "children") above it. The face checks it before it reads the children, the use case again
 * for its other callers. */
px_rc px_svc_agg_children_check(size_t n, px_err *err);

typedef struct px_sscc_alloc_request {
    long count;
    int extension_digit;          /* 0..9 */
    const char *company_prefix;   /* NULL: the only prefix of the caller's products */
    const char *strategy;         /* "sequential" (default) | "random" */
    /* The MAH the SSCCs are for, by id or by a product of it (at most one): needed only when
     * the prefix serves several, as a CMO's own prefix does (REQ-SSCC-7). NULL: not given. */
    const char *mah_id;
    const char *gtin;
} px_sscc_alloc_request;

typedef struct px_sscc_alloc_result {
    px_sscc_allocation allocation;
    px_job job;
} px_sscc_alloc_result;

/* POST /v1/sscc-allocations. */
px_rc px_svc_sscc_allocate(px_db *db, const px_actor *by, const px_sscc_alloc_request *req,
                           px_sscc_alloc_result *out, px_err *err);
/* The allocation if the caller may read it (its MAH; the CMO it was allocated to). */
px_rc px_svc_sscc_allocation_get(px_db *db, const px_actor *by, const char *id,
                                 px_sscc_allocation *out, px_err *err);
/* GET /v1/sscc-allocations/{id}/ssccs. */
px_rc px_svc_sscc_list(px_db *db, const px_actor *by, const char *id, const char *after,
                       long limit, px_sscc_item_fn fn, void *ctx, px_err *err);

typedef enum px_agg_action { PX_AGG_PACK = 0, PX_AGG_UNPACK, PX_AGG_REPACK } px_agg_action;
/* The action named s ("pack", "unpack" or "repack"); PX_EINVALID "invalid_value" on "action"
 * otherwise. */
px_rc px_agg_action_parse(px_agg_action *out, const char *s, px_err *err);

typedef struct px_agg_request {
    px_agg_action action;
    const char *parent_sscc;
    /* or a case that carries its own GTIN (pack, repack): its SGTIN */
    const char *parent_gtin, *parent_serial;
    const px_agg_child *children;
    size_t n;                     /* unpack with n = 0 empties the parent */
    const px_event_origin *origin; /* NULL: the events happen now, at the caller's place */
} px_agg_request;

typedef struct px_agg_result {
    char aggregation_id[PX_ID_LEN + 1];
    char event_id[PX_ID_LEN + 1];  /* the request's last AggregationEvent */
    long children;                 /* children moved */
    px_item_error *errors;         /* per child, index order (px_item_errors_free) */
    size_t n_errors;
} px_agg_result;

/* POST /v1/aggregations. */
px_rc px_svc_aggregate(px_db *db, const px_actor *by, const px_agg_request *req,
                       px_agg_result *out, px_err *err);

/* REQ-AGG-10: at most this many parents in one request (their children stay within
 * PX_AGG_CHILDREN_MAX in all). */
#define PX_AGG_PARENTS_MAX 10000

/* One parent of a request that packs (or repacks) several, and its children. */
typedef struct px_agg_group {
    const char *parent_sscc;
    const char *parent_gtin, *parent_serial; /* or a case that carries its own GTIN */
    const px_agg_child *children;
    size_t n;
} px_agg_group;

typedef struct px_agg_done {
    char aggregation_id[PX_ID_LEN + 1];
    char event_id[PX_ID_LEN + 1]; /* its AggregationEvent ADD */
    long children;
} px_agg_done;

typedef struct px_agg_batch_result {
    px_agg_done *done;            /* per group, in request order */
    size_t n_done;
    long children;                /* children moved in all */
    px_item_error *errors;        /* index: the child's index within its group */
    size_t *error_group;          /* the group of errors[i] */
    size_t n_errors;
} px_agg_batch_result;
void px_agg_batch_result_dispose(px_agg_batch_result *r);

/* POST /v1/aggregations {"action": "pack"|"repack", "aggregations": [...]}: every group in one
 * transaction, every rule over every child in one statement; one aggregation and one
 * AggregationEvent per parent. Any broken rule refuses the whole request (errors name both
 * indexes) and nothing changes. */
px_rc px_svc_aggregate_batch(px_db *db, const px_actor *by, px_agg_action action,
                             const px_agg_group *groups, size_t n_groups,
                             px_agg_batch_result *out, px_err *err);

/* GET /v1/containers/{sscc}: the container if the caller may see it (its MAH; a CMO: the
 * containers it holds, until released), then its nodes (tree_fn: direct children, or every
 * level when all) and its counts (count_fn), from one snapshot. */
px_rc px_svc_container_read(px_db *db, const px_actor *by, const char *sscc, int all,
                            px_container *out, px_tree_row_fn tree_fn,
                            px_tree_count_fn count_fn, void *ctx, px_err *err);

/* GET /v1/containers/{sscc}/label.png|svg: the logistic label of a container the caller may
 * see (as px_svc_container_read), rendered by px_carrier_label_sscc into out. */
px_rc px_svc_container_label(px_db *db, const px_actor *by, const char *sscc,
                             const px_carrier_label_opts *o, px_buf *out, px_err *err);

/* The case (carrying its own GTIN) a pack is in, gtin "" when none, and the packs a case holds
 * (at most limit; the caller by has read the pack already). A CMO is told only of what it may
 * see: not a case another holds, not a pack released or another's. */
px_rc px_svc_pack_case(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                       char case_gtin[15], char case_serial[21], px_err *err);
px_rc px_svc_case_children(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                           long limit, px_case_child_fn fn, void *ctx, px_err *err);

/* The containers a pack is in, innermost first (the caller by has read the pack already): all
 * of them; for a CMO those below the first container or case it may not see. One below the walk's
 * own bound (PX_AGG_DEPTH_GUARD, 64, store/agg_sql.h), so that a walk the bound stopped (a deeper
 * chain, or a damaged table's cycle) is an error, never a list cut short. */
#define PX_PARENTS_MAX 63
px_rc px_svc_pack_parents(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                          char (*out)[19], size_t *n, px_err *err);

/* Shipping containers (REQ-AGG-8): every pack below the listed containers of tenant_id, which
 * must all be packs of gtin and (unless NULL) batch, in state want_state (unless NULL); *serials (malloc'd vector of
 * malloc'd strings, px_serials_free) lists them, and *roots (malloc'd, unless roots is NULL)
 * the index into ssccs of the container holding each. A container that is not the tenant's, a pack
 * of another product or batch, or in another state refuses the whole request: *errors lists
 * the offending SSCCs (index into ssccs) and packs (at most PX_HELD_ERRORS_MAX). */
#define PX_HELD_ERRORS_MAX 1000
px_rc px_svc_container_packs(px_db *db, const char *tenant_id, const char *gtin,
                             const char *batch, const char *want_state,
                             const char *const *ssccs, size_t n, char ***serials,
                             size_t *n_serials, long **roots, px_item_error **errors,
                             size_t *n_errors, px_err *err);
void px_serials_free(char **v, size_t n);
/* Details of held packs in the order the API lists them: by the index of the container
 * listed, and within one the order found (gtin, serial). */
void px__held_errors_sort(px_item_error *v, size_t n);

/* REQ-AGG-11: the top-level units of a shipment by containers, as the shipping event names
 * them: each listed SSCC not inside another listed one, once, as its EPC URI, in the order
 * listed (top-level IDs only, as in the GS1 US DSCSA guideline R1.3 §2.2.1.1 example). */
typedef struct px__top_units {
    char (*uri)[GS1_EPC_URI_MAX];
    const char **ptr; /* uri[i], the event's EPC list */
    size_t n, cap;
    px_err *err;
    px_rc rc;
} px__top_units;
px_rc px__top_units_collect(px_db *db, const char *const *ssccs, size_t n, px__top_units *out,
                            px_err *err);
void px__top_units_dispose(px__top_units *u);
/* Whether a market's profile carries the packing events with a shipment, so that its shipping
 * event names the top-level units rather than the packs (us-dscsa; the EU Hub takes no
 * aggregation, so the EU profile reports packs). */
int px__profile_ships_units(px_epcis_profile profile);

/* REQ-AGG-9: a DSCSA report of a release carries the commissioning and aggregation events of
 * every container above the released packs, so a receiver can infer a pallet's contents (as in
 * the GS1 US DSCSA guideline R1.3 §2.2.1.1 example); the EU profile never does (the EU Hub
 * takes no aggregation). */
px_rc px__container_events_write(px_db *db, const px_epcis_filter *f, px_epcis_writer *w,
                                 px_err *err);

#endif
