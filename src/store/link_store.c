/* A product's extra links (link_store.h). */
#include <stdio.h>
#include <string.h>

#include "link_store.h"
#include "px_str.h"
#include "store_internal.h"

/* not_found unless the tenant owns the product; FOR SHARE keeps it from changing hands while
 * its links are replaced. */
static px_rc owned(px_db *db, const char *tenant_id, const char *gtin, int lock, px_err *err)
{
    int found = 0;
    if (px__exec_found(db,
                       lock ? "SELECT 1 FROM product WHERE gtin = $1 AND mah_id = $2::uuid "
                              "FOR SHARE"
                            : "SELECT 1 FROM product WHERE gtin = $1 AND mah_id = $2::uuid",
                       PX__ARGS(gtin, tenant_id), &found, err) != PX_OK)
        return err->rc;
    return found ? PX_OK : px_err_set(err, PX_ENOTFOUND, "not_found", "no product %s", gtin);
}

px_rc px_store_links_put(px_db *db, const char *tenant_id, const char *gtin,
                         const px_product_link *v, int n, px_err *err)
{
    px_rc rc = owned(db, tenant_id, gtin, 1, err);
    if (rc != PX_OK)
        return rc;
    if (px__exec_cmd(db, "DELETE FROM product_link WHERE gtin = $1", PX__ARGS(gtin), err) != PX_OK)
        return err->rc;
    /* At most PX_LINKS_MAX rows: one statement each is simpler than an array literal. */
    for (int i = 0; i < n; i++) {
        const char *ord = PX__INT(i);
        if (px__exec_cmd(db,
                         "INSERT INTO product_link (gtin, ord, link_type, href, title, lang, "
                         "media_type) VALUES ($1, $2::smallint, $3, $4, $5, $6, $7)",
                         PX__ARGS(gtin, ord, v[i].type, v[i].href, v[i].title,
                                  v[i].lang[0] ? v[i].lang : NULL,
                                  v[i].media_type[0] ? v[i].media_type : NULL),
                         err) != PX_OK)
            return err->rc;
    }
    return PX_OK;
}

px_rc px_store_links_get(px_db *db, const char *tenant_id, const char *gtin, px_product_link *out,
                         int *n, int max, px_err *err)
{
    *n = 0;
    px_rc rc = tenant_id ? owned(db, tenant_id, gtin, 0, err) : PX_OK;
    if (rc != PX_OK)
        return rc;
    PGresult *r = px__exec(db,
                           "SELECT link_type, href, title, coalesce(lang, ''), "
                           "coalesce(media_type, '') FROM product_link WHERE gtin = $1 "
                           "ORDER BY ord",
                           PX__ARGS(gtin), err);
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r) && *n < max; i++) {
        px_product_link *l = &out[(*n)++];
        memset(l, 0, sizeof(*l));
        px__texts(r, i, 0, PX__TEXT(l->type), PX__TEXT(l->href), PX__TEXT(l->title),
                  PX__TEXT(l->lang), PX__TEXT(l->media_type), NULL);
    }
    PQclear(r);
    return PX_OK;
}
