/* First start (service.h): the operator and its admin key, and the demo organizations and
 * product on the embedded database. */
#include <string.h>

#include "px_crypto.h"
#include "px_str.h"
#include "service_internal.h"

static px_rc bootstrap_org(px_tx *tx, const px_actor *by, px_org *org, const char *kind,
                           const char *name, const char *gln, int gln_prefix_length,
                           const char *role, char key[PX_API_KEY_LEN + 1], px_err *err)
{
    memset(org, 0, sizeof(*org));
    px_strlcpy(org->kind, kind, sizeof(org->kind));
    px_strlcpy(org->name, name, sizeof(org->name));
    px_strlcpy(org->gln, gln, sizeof(org->gln));
    org->gln_prefix_length = gln_prefix_length;
    px_rc rc = px__org_create_in_tx(tx, NULL, by, org, err);
    if (rc != PX_OK)
        return rc;
    px_key_info info;
    return px__key_create_in_tx(tx, by, org->id, role, "demo", PX_KEY_LIVE, key, &info, err);
}

/* Everything of the first start in one transaction: a process killed half-way leaves nothing,
 * so the next start creates (and prints) all of it; an advisory lock makes a second process
 * starting at the same moment wait and then find the operator. */
typedef struct boot_ctx {
    int demo;
    px_bootstrap *out;
} boot_ctx;

static px_rc bootstrap_body(px_tx *tx, void *vc, px_err *err)
{
    boot_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    px_bootstrap *out = c->out;
    int demo = c->demo;
    memset(out, 0, sizeof(*out));
    long operators;
    px_rc rc;
    if ((rc = px_store_first_start_lock(db, err)) != PX_OK ||
        (rc = px_store_org_count(db, "operator", &operators, err)) != PX_OK || operators > 0)
        return rc;
    const px_actor *cli = px_tx_actor(tx);
    px_org op;
    /* Demo GLNs are in GS1's 950 "demo" range (GS1 General Specifications: prefixes 950 and
     * 951 are for GS1 Global Office use; 0950600 is the prefix of GS1's own examples). Their
     * company prefix is 9506000 — 7 digits, the demo product's — given explicitly, since a
     * GLN's prefix length is not derivable from it. */
    if ((rc = bootstrap_org(tx, cli, &op, "operator", "packid operator", "", 0, "admin",
                            out->admin_key, err)) != PX_OK)
        return rc;
    out->created = 1;
    if (!demo)
        return PX_OK;
    if ((rc = bootstrap_org(tx, cli, &out->mah, "mah", "Demo MAH", "9506000000008", 7, "mah",
                            out->mah_key, err)) != PX_OK ||
        (rc = bootstrap_org(tx, cli, &out->cmo, "cmo", "Demo CMO", "9506000000015", 7, "cmo",
                            out->cmo_key, err)) != PX_OK)
        return rc;
    /* A demo product granted to the demo CMO, so the printed keys can be used at once. */
    px_actor mah = {.role = PX_ROLE_MAH, .org_kind = PX_ORG_MAH};
    px_strlcpy(mah.org_id, out->mah.id, sizeof(mah.org_id));
    px_product prod = {0};
    px_strlcpy(prod.gtin, "09506000134352", sizeof(prod.gtin));
    prod.company_prefix_length = 7;
    px_strlcpy(prod.name, "Demo Amoxicillin 500 mg capsules x 21", sizeof(prod.name));
    px_strlcpy(prod.market, "EU", sizeof(prod.market));
    px_strlcpy(prod.master.dosage_form, "CAPSULE", sizeof(prod.master.dosage_form));
    px_strlcpy(prod.master.strength, "500 mg", sizeof(prod.master.strength));
    px_strlcpy(prod.master.pack_size, "21 CAPSULE in 1 BLISTER PACK",
               sizeof(prod.master.pack_size));
    px_strlcpy(prod.master.manufacturer, "Demo CMO", sizeof(prod.master.manufacturer));
    if ((rc = px__product_create_in_tx(tx, NULL, &mah, &prod, err)) != PX_OK)
        return rc;
    const char *gtins[] = {prod.gtin};
    px_partnership ps = {0};
    px_strlcpy(ps.mah_id, out->mah.id, sizeof(ps.mah_id));
    px_strlcpy(ps.cmo_id, out->cmo.id, sizeof(ps.cmo_id));
    if ((rc = px_store_partnership_insert(db, &ps, err)) != PX_OK ||
        (rc = px_store_partnership_set_gtins(db, ps.id, gtins, 1, err)) != PX_OK)
        return rc;
    px_tx_audit_as(tx, &mah, mah.org_id, "partner.create", ps.id);
    px_strlcpy(out->demo_gtin, prod.gtin, sizeof(out->demo_gtin));
    out->demo = 1;
    return PX_OK;
}

px_rc px_svc_bootstrap(px_db *db, int demo, px_bootstrap *out, px_err *err)
{
    px_actor cli;
    px_actor_cli(&cli);
    boot_ctx c = {demo, out};
    px_rc rc = px_tx_run(db, &cli, bootstrap_body, &c, err);
    if (rc != PX_OK) {
        px_cleanse(out, sizeof(*out));
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
