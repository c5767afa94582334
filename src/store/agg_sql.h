/* SQL text shared by the packing statements of store/ (sscc_store.c, agg_store.c). */
#ifndef PX_AGG_SQL_H
#define PX_AGG_SQL_H

/* REQ-AGG-5: whether the caller may use a child: the tenant's packs and containers; a CMO
 * only the packs it commissioned and the containers it holds, unreleased, on products it is
 * actively partnered on. child is the alias of the request's row (its sscc NULL for a pack),
 * s, p and x those of its serial, product and sscc rows; tenant and cmo the parameters. */
#define PX_AGG_SEEN(child, tenant, cmo)                                                       \
    "CASE WHEN " child ".sscc IS NULL THEN s.gtin IS NOT NULL AND p.mah_id = " tenant         \
    "::uuid AND (" cmo "::uuid IS NULL OR (s.commissioned_by = " cmo "::uuid AND "            \
    "s.released_at IS NULL AND EXISTS (SELECT 1 FROM partnership ps JOIN partnership_product " \
    "pp ON pp.partnership_id = ps.id WHERE ps.cmo_id = " cmo "::uuid AND ps.mah_id = "         \
    "p.mah_id AND ps.status = 'active' AND pp.gtin = s.gtin))) ELSE x.sscc IS NOT NULL AND "  \
    "x.tenant_id = " tenant "::uuid AND (" cmo "::uuid IS NULL OR (x.org_id = " cmo          \
    "::uuid AND x.state <> 'released')) END"

#endif
