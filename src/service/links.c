/* A product's extra links (links.h). */
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "links.h"
#include "service_internal.h"
#include "tx.h"

typedef struct put_ctx {
    const char *gtin;
    const px_product_link *v;
    int n;
} put_ctx;

static px_rc put_body(px_tx *tx, void *vc, px_err *err)
{
    put_ctx *c = vc;
    const px_actor *by = px_tx_actor(tx);
    px_rc rc = px_store_links_put(px_tx_db(tx), by->org_id, c->gtin, c->v, c->n, err);
    if (rc != PX_OK)
        return rc;
    /* The links as set (16 at most, each bounded: product_link.h), so that an auditor reads what
     * the public was sent to, not how many. */
    px_audit_details *d = px_tx_audit(tx, by->org_id, "product.links", c->gtin);
    px_audit_list(d, "links");
    for (int i = 0; i < c->n; i++) {
        px_audit_item(d);
        px_audit_str(d, "link_type", c->v[i].type);
        px_audit_str(d, "href", c->v[i].href);
        px_audit_str(d, "title", c->v[i].title);
        px_audit_str(d, "lang", c->v[i].lang[0] ? c->v[i].lang : NULL);
        px_audit_str(d, "media_type", c->v[i].media_type[0] ? c->v[i].media_type : NULL);
    }
    px_audit_list_end(d);
    return PX_OK;
}

px_rc px_svc_links_put(px_db *db, const px_actor *by, const char *gtin, const px_link_in *in,
                       int n, px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    if (px__product_gtin(g, gtin, err) != PX_OK)
        return PX_ENOTFOUND;
    if (n > PX_LINKS_MAX)
        return px_err_set_field(err, PX_EINVALID, "too_many", "links", "at most %d links",
                                PX_LINKS_MAX);
    px_product_link *v = calloc((size_t)(n > 0 ? n : 1), sizeof(*v));
    if (!v)
        return px_err_oom(err);
    px_rc rc = PX_OK;
    for (int i = 0; i < n && rc == PX_OK; i++) {
        rc = px_link_check(&v[i], in[i].link_type, in[i].href, in[i].title, in[i].lang,
                           in[i].media_type, err);
        if (rc != PX_OK) {
            char member[32];
            memcpy(member, err->field, sizeof(member) - 1);
            member[sizeof(member) - 1] = '\0';
            px_err_field(err, "links[%d].%s", i, member);
            break;
        }
        /* Two links a client could not tell apart (a GS1-Conformant Resolver would need 300
         * Multiple Choices). */
        for (int j = 0; j < i; j++)
            if (strcmp(v[i].type, v[j].type) == 0 && strcmp(v[i].href, v[j].href) == 0 &&
                strcmp(v[i].lang, v[j].lang) == 0) {
                rc = px_err_set(err, PX_EINVALID, "duplicate",
                                "the same link is listed twice (links[%d])", j);
                px_err_field(err, "links[%d]", i);
                break;
            }
    }
    if (rc == PX_OK) {
        put_ctx c = {g, v, n};
        rc = px__product_found(px_tx_run(db, by, put_body, &c, err), g, err);
    }
    free(v);
    return rc;
}

px_rc px_svc_links_get(px_db *db, const px_actor *by, const char *gtin, px_product_link *out,
                       int *n, px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    *n = 0;
    if (px__product_gtin(g, gtin, err) != PX_OK)
        return PX_ENOTFOUND;
    return px__product_found(px_store_links_get(db, by->org_id, g, out, n, PX_LINKS_MAX, err), g,
                             err);
}

px_rc px_svc_links_public(px_db *db, const char *gtin, px_product_link *out, int *n,
                          px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    *n = 0;
    if (px__gtin_field(g, gtin, err) != PX_OK)
        return PX_EINVALID;
    return px_store_links_get(db, NULL, g, out, n, PX_LINKS_MAX, err);
}
