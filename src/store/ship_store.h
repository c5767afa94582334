/* SQL of what shipping, decommissioning and recalling do to the packing hierarchy
 * (docs/aggregation.md "Packs leaving their container", "The shipping event of containers").
 * One statement per call over array parameters, never one per pack. */
#ifndef PX_SHIP_STORE_H
#define PX_SHIP_STORE_H

#include <stddef.h>

#include "store.h"

/* A child taken out of its parent: the container it was in (parent_gtin "") or the case that
 * carries its own GTIN (parent_gtin, parent its serial), and the parent's GS1 company prefix;
 * the child, a pack's serial (child_prefix "") or a container's SSCC with its own prefix
 * (borrowed for the callback's duration). */
typedef struct px_left_child {
    const char *parent;
    const char *prefix;
    const char *child;
    const char *child_prefix;
    const char *parent_gtin;
} px_left_child;
typedef int (*px_left_child_fn)(void *ctx, const px_left_child *c);

/* Clears the container or case of every listed pack of gtin that is in one (with dead_only:
 * in a decommissioned one), in one statement; fn gets each such pack, ordered by its former
 * parent (containers first), then serial. */
px_rc px_store_packs_leave_containers(px_db *db, const char *gtin, const char *const *serials,
                                      size_t n, int dead_only, px_left_child_fn fn, void *ctx,
                                      px_err *err);
/* The same for the top-level units among the listed containers (as px_store_containers_top_each
 * finds them) that sit in a container not listed: each leaves it. */
px_rc px_store_containers_leave_parents(px_db *db, const char *const *ssccs, size_t n,
                                        px_left_child_fn fn, void *ctx, px_err *err);

/* The top-level units of a shipment: each listed SSCC that is not below another listed one,
 * once, in the order first listed, with its company prefix. */
typedef int (*px_top_container_fn)(void *ctx, const char *sscc, const char *prefix);
px_rc px_store_containers_top_each(px_db *db, const char *const *ssccs, size_t n,
                                   px_top_container_fn fn, void *ctx, px_err *err);

#endif
