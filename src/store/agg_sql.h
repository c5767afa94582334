/* SQL text shared by the packing statements of store/ (sscc_store.c, agg_store.c). */
#ifndef PX_AGG_SQL_H
#define PX_AGG_SQL_H

/* A container that has been released: released now, or decommissioned after its release (its
 * prior_state). A CMO never sees it again, as it never sees a pack after its release
 * (released_at, service/pack_read.c; docs/lifecycle.md). x is the sscc row's alias. */
#define PX_SSCC_RELEASED(x)                                                                        \
    "(" x ".state = 'released' OR coalesce(" x ".prior_state, '') = 'released')"

/* A container's columns as px__container_row maps them (sscc_store.c), of the sscc row x:
 * PX_CONTAINER_NCOLS of them. */
#define PX_CONTAINER_COLS(x)                                                                       \
    x ".sscc, " x ".company_prefix, " x ".tenant_id, " x ".org_id, " x ".state, coalesce(" x       \
      ".parent_sscc, ''), " x ".origin, (" PX_SSCC_RELEASED(x) ")::int"
#define PX_CONTAINER_NCOLS 8

/* REQ-AGG-5: the packs and containers of its tenant a CMO (parameter cmo) may use: the packs
 * it commissioned, unreleased, of products it is actively partnered on (serial row s); the
 * containers it holds, unreleased (sscc row x). */
#define PX_AGG_CMO_PACK(s, cmo)                                                                    \
    "(" s ".commissioned_by = " cmo "::uuid AND " s                                                \
    ".released_at IS NULL AND " PX__CMO_PARTNERED(cmo "::uuid", s ".gtin") ")"
#define PX_AGG_CMO_BOX(x, cmo) "(" x ".org_id = " cmo "::uuid AND NOT " PX_SSCC_RELEASED(x) ")"

/* REQ-AGG-5: whether the caller may use a child: the tenant's packs and containers, a CMO's as
 * above. child is the alias of the request's row (its sscc NULL for a pack), s, p and x those
 * of its serial, product and sscc rows; tenant and cmo the parameters. The SQL is laid out as
 * it reads (clang-format would break it at the macro). */
/* clang-format off */
#define PX_AGG_SEEN(child, tenant, cmo)                                                            \
    "CASE WHEN " child ".sscc IS NULL THEN s.gtin IS NOT NULL AND p.mah_id = " tenant              \
    "::uuid AND (" cmo "::uuid IS NULL OR " PX_AGG_CMO_PACK("s", cmo) ") "                        \
    "ELSE x.sscc IS NOT NULL AND x.tenant_id = " tenant "::uuid AND (" cmo "::uuid IS NULL OR "   \
    PX_AGG_CMO_BOX("x", cmo) ") END"
/* clang-format on */

/* How many levels a walk of the containers, up or down, goes at most. A hierarchy is acyclic
 * (REQ-AGG-3) and a few levels deep (pack, case, pallet): the bound only guards against a
 * damaged table. */
#define PX_AGG_DEPTH_GUARD "64"

/* The recursive step of a walk up the containers, in a CTE a(s, d): the parent of each
 * container reached, one deeper. */
#define PX_AGG_UP_STEP                                                                             \
    "SELECT x.parent_sscc, a.d + 1 FROM sscc x JOIN a ON x.sscc = a.s WHERE x.parent_sscc IS "     \
    "NOT NULL AND a.d < " PX_AGG_DEPTH_GUARD

#endif
