/* Organizations and their GLNs (service.h). */
#include <string.h>

#include "gs1.h"
#include "market.h"
#include "px_str.h"
#include "service_internal.h"

px_rc px_svc_gln_prefix_length(int *out, const px_app *app, const char *gln, int given, px_err *err)
{
    *out = 0;
    if (given) {
        /* EPC Tag Data Standard: an SGLN's company prefix has 6 to 12 digits (DOMAIN.md §5.1). */
        if (given < 6 || given > 12)
            return px_err_set(err, PX_EINVALID, "invalid_value",
                              "the GLN's company prefix length must be from 6 to 12");
        *out = given;
        return PX_OK;
    }
    if (!gln || !gln[0] || !app || !app->gcp_xml)
        return PX_OK;
    /* GS1's prefix format list; a GLN's prefix starts at its first digit (gcppos1, DOMAIN.md
     * §1.5). Lengths 4 and 5 exist in the list but no EPC URI can carry them. */
    int len = gs1_gcp_length_lookup(app->gcp_xml, app->gcp_xml_len, gln, 1);
    if (len >= 6 && len <= 12)
        *out = len;
    return PX_OK;
}

static px_rc validate_org(const px_app *app, px_org *org, px_err *err)
{
    px_org_kind kind;
    if (px_org_kind_parse(&kind, org->kind, err) != PX_OK)
        return PX_EINVALID;
    if (!px_str_printable(org->name, 200))
        return px_err_set(err, PX_EINVALID, "invalid_name",
                          "name must be 1 to 200 characters without control characters");
    /* A GLN is a GS1 key: 13 digits with a mod-10 check digit (DOMAIN.md §1.3). */
    if (org->gln[0] && gs1_gln_validate(org->gln, err) != PX_OK) {
        px_err_field(err, "gln");
        return PX_EINVALID;
    }
    if (org->gln_prefix_length && !org->gln[0])
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "gln_prefix_length",
                                "gln_prefix_length needs a gln");
    if (px_svc_gln_prefix_length(&org->gln_prefix_length, app, org->gln, org->gln_prefix_length,
                                 err) != PX_OK) {
        px_err_field(err, "gln_prefix_length");
        return PX_EINVALID;
    }
    if (org->market[0])
        return px_market_check(org->market, err);
    return PX_OK;
}

px_rc px__org_create_in_tx(px_tx *tx, const px_app *app, const px_actor *by, px_org *org,
                           px_err *err)
{
    px_rc rc = validate_org(app, org, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px_store_org_insert(px_tx_db(tx), org, err)) != PX_OK)
        return rc;
    const char *tenant = strcmp(org->kind, "mah") == 0 ? org->id : NULL;
    px_audit_details *d = px_tx_audit_as(tx, by, tenant, "org.create", org->id);
    if (d) {
        px_audit_str(d, "kind", org->kind);
        px_audit_str(d, "name", org->name);
        if (org->gln_prefix_length)
            px_audit_int(d, "gln_prefix_length", org->gln_prefix_length);
        else
            px_audit_str(d, "gln_prefix_length", NULL);
    }
    return PX_OK;
}

typedef struct org_ctx {
    const px_app *app;
    px_org *org;
} org_ctx;

static px_rc org_body(px_tx *tx, void *vc, px_err *err)
{
    org_ctx *c = vc;
    return px__org_create_in_tx(tx, c->app, px_tx_actor(tx), c->org, err);
}

px_rc px_svc_org_create(px_db *db, const px_app *app, const px_actor *by, px_org *org, px_err *err)
{
    org_ctx c = {app, org};
    return px_tx_run(db, by, org_body, &c, err);
}
