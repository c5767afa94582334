/* Reading the packing hierarchy: a container's tree and counts, a pack's parents
 * (packing.h, docs/aggregation.md). */
#include <string.h>

#include "aggregation_internal.h"
#include "carrier.h"
#include "gs1.h"
#include "pack_internal.h"
#include "packing.h"
#include "px_str.h"
#include "tx.h"

typedef struct read_ctx {
    const char *sscc;
    int all;
    px_container *out;
    px_tree_row_fn tree_fn;
    px_tree_count_fn count_fn;
    void *ctx;
    const px_actor *by;
} read_ctx;

int px__container_visible(const px_actor *by, const px_container *box)
{
    return by->org_kind == PX_ORG_MAH   ? strcmp(box->tenant_id, by->org_id) == 0
           : by->org_kind == PX_ORG_CMO ? strcmp(box->org_id, by->org_id) == 0 && !box->released
                                        : 0;
}

/* The container sscc as by may read it: another's (or a released one, to a CMO) is not
 * found; a CMO reads through its partnership with the container's MAH, as it reads a pack
 * (pack_read.c): suspended, 403 partnership_suspended. */
static px_rc container_readable(px_db *db, const px_actor *by, const char *sscc, px_container *box,
                                px_err *err)
{
    px_rc rc = px_store_container_get(db, box, sscc, 0, err);
    if (rc != PX_OK)
        return rc;
    if (!px__container_visible(by, box))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "container %s not found", sscc);
    return px__container_cmo_partnered(db, by, box, NULL, 0, err);
}

px_rc px__container_cmo_partnered(px_db *db, const px_actor *by, const px_container *p,
                                  const char *field, int moves, px_err *err)
{
    if (by->org_kind != PX_ORG_CMO)
        return PX_OK;
    px_partnership ps;
    px_rc rc = px_store_partnership_between(db, &ps, p->tenant_id, by->org_id, err);
    if (rc == PX_ENOTFOUND)
        return px_err_set_field(err, PX_ENOTFOUND, "not_found", field, "container %s not found",
                                p->sscc);
    if (rc == PX_OK && strcmp(ps.status, "active") != 0)
        return px_err_set_field(err, PX_EFORBIDDEN, "partnership_suspended", field,
                                "the partnership that container %s belongs to is suspended",
                                p->sscc);
    if (rc != PX_OK || !moves)
        return rc;
    /* A partnership that grants nothing, or no longer grants a product the CMO's packs in the
     * container carry, leaves the container as out of its reach as those packs (pack_read.c:
     * not granted, 404): packing it would move packs it may no longer touch. */
    int ungranted = 0;
    if ((rc = px_store_container_cmo_ungranted(db, p->sscc, ps.id, by->org_id, &ungranted, err)) !=
        PX_OK)
        return rc;
    if (ungranted)
        return px_err_set_field(err, PX_ENOTFOUND, "not_found", field, "container %s not found",
                                p->sscc);
    return PX_OK;
}

static px_rc read_body(px_tx *tx, void *vc, px_err *err)
{
    read_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    px_rc rc = container_readable(db, c->by, c->sscc, c->out, err);
    if (rc != PX_OK)
        return rc;
    /* Nor is a CMO told which container holds its own, unless it may see that one too (its
     * MAH's pallet is another's object: docs/architecture.md "Requests"). */
    if (c->by->org_kind == PX_ORG_CMO && c->out->parent[0]) {
        px_container up;
        if ((rc = px_store_container_get(db, &up, c->out->parent, 0, err)) != PX_OK)
            return rc; /* a parent names a row: its foreign key */
        if (!px__container_visible(c->by, &up))
            c->out->parent[0] = '\0';
    }
    /* A CMO sees the packs px__cmo_sees lets it see, in a container it holds too: a pack
     * released by its serials or batch stays in the box, and a MAH may pack its own packs into
     * it; both are left out of the CMO's view. */
    const char *cmo = px__cmo_scope(c->by);
    if ((rc = px_store_container_tree_each(db, c->sscc, c->all, cmo, c->tree_fn, c->ctx, err)) !=
        PX_OK)
        return rc;
    return px_store_container_counts_each(db, c->sscc, cmo, c->count_fn, c->ctx, err);
}

px_rc px_svc_container_read(px_db *db, const px_actor *by, const char *sscc, int all,
                            px_container *out, px_tree_row_fn tree_fn,
                            px_tree_count_fn count_fn, void *ctx, px_err *err)
{
    px_err e;
    if (!sscc || gs1_sscc_validate(sscc, &e) != PX_OK)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "container not found");
    read_ctx c = {sscc, all, out, tree_fn, count_fn, ctx, by};
    return px_tx_read(db, read_body, &c, err);
}

px_rc px_svc_container_label(px_db *db, const px_actor *by, const char *sscc,
                             const px_carrier_label_opts *o, px_buf *out, px_err *err)
{
    px_err e;
    px_container box;
    if (!sscc || gs1_sscc_validate(sscc, &e) != PX_OK)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "container not found");
    px_rc rc = container_readable(db, by, sscc, &box, err);
    if (rc != PX_OK)
        return rc;
    return px_carrier_label_sscc(out, sscc, o, err);
}

px_rc px_svc_pack_parents(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                          char (*out)[19], size_t *n, px_err *err)
{
    return px_store_pack_parents(db, out, PX_PARENTS_MAX, n, gtin, serial, px__cmo_scope(by), err);
}

px_rc px_svc_pack_case(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                       char case_gtin[15], char case_serial[21], px_err *err)
{
    return px_store_pack_case(db, case_gtin, case_serial, gtin, serial, px__cmo_scope(by), err);
}

px_rc px_svc_case_children(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                           long limit, px_case_child_fn fn, void *ctx, px_err *err)
{
    return px_store_case_children_each(db, gtin, serial, px__cmo_scope(by), limit, fn, ctx, err);
}
