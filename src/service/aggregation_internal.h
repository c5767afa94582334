/* What the two halves of packing share (aggregation.c: unpacking and the one-parent entry;
 * aggregation_batch.c: packing and repacking many parents set-based). Internal to service/. */
#ifndef PX_AGGREGATION_INTERNAL_H
#define PX_AGGREGATION_INTERNAL_H

#include <stddef.h>

#include "epcis.h"
#include "gs1.h"
#include "packing.h"
#include "tx.h"

/* "pack", "unpack", "repack" by px_agg_action (audit details). */
extern const char *const px__agg_action_names[];

/* The SGLN a container event names as its read point: the actor's organization under prefix. */
void px__agg_container_sgln(char out[64], const px_actor *by, const char *prefix);
/* An AggregationEvent (ADD or DELETE) of parent_uri over epcs, bizStep and disposition by
 * action (docs/aggregation.md "Events"). */
void px__agg_event_init(px_epcis_event *ev, px_epcis_action act, const char *parent_uri,
                        const char *const *epcs, size_t n);
/* Hashes ev and stores it as one container event, its id a new one (into event_id): rec names
 * the row's tenant, organization, packing (aggregation_id; NULL for none) and parent
 * (parent_sscc, or a case's parent_gtin and parent_serial); the rest is ev's. */
px_rc px__agg_event_store(px_db *db, const px_epcis_event *ev, const px_container_event_rec *rec,
                          char event_id[PX_ID_LEN + 1], px_err *err);
/* A child's refusal by the store's rules as a per-item error with its index. */
void px__agg_misfit_error(px_item_error *e, size_t index, const px_agg_misfit *f);
/* The request's refusal when bad of n children were refused. */
px_rc px__agg_refused(px_err *err, size_t bad, size_t n, int unpack);
/* REQ-AGG-7: 1 when by may see the container: its MAH (and auditors) all of theirs, a CMO the
 * ones it holds until they are released (as a CMO never sees packs after release)
 * (container_read.c). */
int px__container_visible(const px_actor *by, const px_container *box);
/* A packing or unpacking dated origin (a captured AggregationEvent; NULL: now, nothing to
 * compare) is not dated before the last event recorded of its parent (the container sscc, or
 * the case gtin/serial when sscc is NULL), locked and visible: else PX_EINVALID out_of_order
 * on field. */
px_rc px__agg_in_order(px_db *db, const px_event_origin *origin, const char *sscc, const char *gtin,
                       const char *serial, const char *field, px_err *err);
/* A container parent the caller may use, in a state that may take or give children. */
px_rc px__agg_parent_check(const px_actor *by, const px_container *p, const char *sscc,
                           const char *field, px_err *err);
/* A CMO reads, packs and unpacks its container p (visible to it) through its partnership with
 * p's MAH, as it reads a pack (pack_read.c): none, 404; suspended, 403 partnership_suspended;
 * the error on field (NULL: none). When moves (p is packed into, unpacked or moved: its
 * contents are acted on), the partnership must also grant a product, and every product of the
 * CMO's own packs below p, as its pack operations need each pack's product granted: else 404,
 * as a pack of a product no longer granted. A read only leaves those packs out of its view.
 * The partnership stays as judged to COMMIT: a writing transaction holds the CMO's
 * partnerships (tx.c hold_actor), which a suspension or a change of grants waits for. */
px_rc px__container_cmo_partnered(px_db *db, const px_actor *by, const px_container *p,
                                  const char *field, int moves, px_err *err);
/* REQ-AGG-11: a case that carries its own GTIN as a parent, usable by the caller. */
px_rc px__agg_case_check(px_db *db, const px_actor *by, const px_case_parent *c, const char *gtin,
                         const char *serial, const char *field, px_err *err);
/* A parent container's SSCC (GS1 GenSpecs §3.3.1), refused on field with the SSCC check's code
 * and span. */
px_rc px__agg_parent_sscc_syntax(const char *sscc, const char *field, px_err *err);
/* The children's syntax: each bad child an error of group with its index; counts them. */
void px__agg_children_syntax(px_item_error *errs, size_t *groups, size_t *bad, size_t group,
                             const px_agg_child *children, size_t n);
/* Packing or repacking one parent: a set of one through the set-based path. */
px_rc px__agg_pack_single(px_db *db, const px_actor *by, const px_agg_request *req,
                          px_agg_result *out, px_err *err);
/* The syntax of a case parent of an unpacking. */
px_rc px__agg_case_syntax_single(const px_agg_request *req, px_err *err);

/* ---- many parents at once (aggregation_batch.c, aggregation_events.c) ---------------------- */

/* A packing request of many parents as the set-based path holds it. */
/* One request of px_svc_aggregate_batch, flattened: every child with the index of its group. */
typedef struct batch {
    px_agg_action action;
    const px_agg_group *groups;
    size_t n_groups;
    int single;                      /* the one-parent form: fields named as it names them */
    const char **parents;            /* per group: its SSCC, "" for a case */
    const char **pgtins, **pserials; /* per group: the case's SGTIN, "" for a container */
    px_case_parent *cpar;            /* per group: the case, locked */
    px_agg_child *kids;              /* every child, group after group */
    size_t *group, *first;           /* per child its group; per group its first child */
    size_t n;
    px_container *par; /* per group, locked */
    int *foreign;      /* per group: a parent SSCC unseen and not the caller's to number */
    int64_t now;
    const px_event_origin *origin; /* the one-parent form's: a captured event's time, place */
    px_agg_batch_result *out;
    const px_actor *by;
    /* the events, rebuilt on every attempt */
    char (*uri)[GS1_EPC_URI_MAX];
    char **owned; /* the strings the events' columns point to */
    size_t n_owned;
} batch;

/* The tenant (MAH) of group g's parent: a container's, or a case's. */
const char *px__agg_tenant_of(const batch *b, size_t g);
/* Frees the strings the events of an attempt own. */
void px__agg_batch_events_free(batch *b);
/* The children's EPC URIs of the applied rows (the events name them). */
px_rc px__agg_child_uris(batch *b, const px_agg_applied *ap, px_err *err);
/* The aggregations and their events (one AggregationEvent per parent, the DELETEs of a
 * repacking, the SSCCs' commissioning) in one multi-row insert, and the result's counts. */
px_rc px__agg_batch_record(px_tx *tx, batch *b, const px_agg_applied *ap, px_err *err);

#endif
