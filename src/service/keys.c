#include <stdio.h>
#include <string.h>

#include "gs1.h"
#include "px_crypto.h"
#include "px_log.h"
#include "px_str.h"
#include "service.h"
#include "service_internal.h"

/* A key is "pk_" + 32 random bytes in base64url: 256 bits, nothing to guess. Only its SHA-256
 * is stored, so a database dump reveals no usable key (DESIGN.md "Security"). */
static px_rc new_secret(char out[PX_API_KEY_LEN + 1], uint8_t hash[PX_SHA256_LEN])
{
    uint8_t raw[32];
    if (px_random_bytes(raw, sizeof(raw)) != PX_OK)
        return PX_EINTERNAL;
    memcpy(out, "pk_", 3);
    px_base64url_encode(out + 3, raw, sizeof(raw));
    px_cleanse(raw, sizeof(raw));
    px_sha256(hash, out, strlen(out));
    return PX_OK;
}

px_rc px_svc_authenticate(px_db *db, px_actor *out, const char *api_key, px_err *err)
{
    size_t n = strlen(api_key);
    /* Shape check before touching the database: length and base64url alphabet. */
    int shape_ok = n == PX_API_KEY_LEN && strncmp(api_key, "pk_", 3) == 0;
    for (size_t i = 3; shape_ok && i < n; i++) {
        char c = api_key[i];
        shape_ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                   (c >= '0' && c <= '9') || c == '-' || c == '_';
    }
    if (!shape_ok)
        return px_err_set(err, PX_EAUTH, "invalid_token", "the API key is not valid");
    uint8_t hash[PX_SHA256_LEN];
    px_sha256(hash, api_key, n);
    px_key_info key;
    px_org org;
    px_rc rc = px_store_key_lookup(db, &key, &org, hash, err);
    if (rc == PX_ENOTFOUND || (rc == PX_OK && key.revoked_at[0]))
        return px_err_set(err, PX_EAUTH, "invalid_token", "the API key is not valid");
    if (rc != PX_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    if (px_role_parse(&out->role, key.role, err) != PX_OK ||
        px_org_kind_parse(&out->org_kind, org.kind, err) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    px_strlcpy(out->key_id, key.id, sizeof(out->key_id));
    px_strlcpy(out->org_id, org.id, sizeof(out->org_id));
    px_strlcpy(out->org_name, org.name, sizeof(out->org_name));
    px_strlcpy(out->org_gln, org.gln, sizeof(out->org_gln));
    out->org_gln_prefix_length = org.gln_prefix_length;
    px_strlcpy(out->market, org.market, sizeof(out->market));
    return PX_OK;
}

px_rc px_svc_gln_prefix_length(int *out, const px_app *app, const char *gln, int given,
                               px_err *err)
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
    if (org->gln_prefix_length && !org->gln[0]) {
        px_err_set(err, PX_EINVALID, "invalid_value", "gln_prefix_length needs a gln");
        px_err_field(err, "gln_prefix_length");
        return PX_EINVALID;
    }
    if (px_svc_gln_prefix_length(&org->gln_prefix_length, app, org->gln,
                                 org->gln_prefix_length, err) != PX_OK) {
        px_err_field(err, "gln_prefix_length");
        return PX_EINVALID;
    }
    size_t ml = strlen(org->market);
    if (ml && (ml != 2 || org->market[0] < 'A' || org->market[0] > 'Z' ||
               org->market[1] < 'A' || org->market[1] > 'Z'))
        return px_err_set(err, PX_EINVALID, "invalid_market",
                          "market must be a two-letter code such as EU or US");
    return PX_OK;
}

px_rc px__org_create_in_tx(px_db *db, const px_app *app, const px_actor *by, px_org *org,
                           px_err *err)
{
    px_rc rc = validate_org(app, org, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px_store_org_insert(db, org, err)) != PX_OK)
        return rc;
    char details[400], name[256];
    px_json_escape(name, sizeof(name), org->name);
    char cpl[8] = "null";
    if (org->gln_prefix_length)
        snprintf(cpl, sizeof(cpl), "%d", org->gln_prefix_length);
    snprintf(details, sizeof(details),
             "{\"kind\":\"%s\",\"name\":\"%s\",\"gln_prefix_length\":%s}", org->kind, name,
             cpl);
    const char *tenant = strcmp(org->kind, "mah") == 0 ? org->id : NULL;
    return px_svc_audit(db, by, tenant, "org.create", org->id, details, err);
}

px_rc px_svc_org_create(px_db *db, const px_app *app, const px_actor *by, px_org *org,
                        px_err *err)
{
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px__org_create_in_tx(db, app, by, org, err)) != PX_OK) {
        px_db_rollback(db);
        return rc;
    }
    return px_db_commit(db, err);
}

px_rc px__key_create_in_tx(px_db *db, const px_actor *by, const char *org_id,
                           const char *role, const char *label,
                           char api_key[PX_API_KEY_LEN + 1], px_key_info *out, px_err *err)
{
    px_role r;
    px_org org;
    uint8_t hash[PX_SHA256_LEN];
    api_key[0] = '\0';
    px_rc rc = px_role_parse(&r, role, err);
    if (rc != PX_OK)
        return rc;
    if (label && *label && !px_str_printable(label, 200))
        return px_err_set(err, PX_EINVALID, "invalid_label",
                          "label must be at most 200 characters without control characters");
    if ((rc = px_store_org_get(db, &org, org_id, err)) != PX_OK)
        return rc;
    px_org_kind kind;
    if ((rc = px_org_kind_parse(&kind, org.kind, err)) != PX_OK)
        return rc;
    if (!px_policy_role_fits_org(r, kind)) {
        px_err_set(err, PX_EINVALID, "role_mismatch",
                   "a key of role '%s' cannot belong to a %s organization", role, org.kind);
        px_err_field(err, "role");
        return PX_EINVALID;
    }
    memset(out, 0, sizeof(*out));
    px_strlcpy(out->org_id, org.id, sizeof(out->org_id));
    px_strlcpy(out->role, role, sizeof(out->role));
    px_strlcpy(out->label, label ? label : "", sizeof(out->label));
    if ((rc = new_secret(api_key, hash)) != PX_OK)
        return px_err_set(err, rc, "internal", "internal error");
    if ((rc = px_store_key_insert(db, out, hash, err)) != PX_OK)
        return rc;
    char details[160];
    snprintf(details, sizeof(details), "{\"role\":\"%s\",\"org_id\":\"%s\"}", role, org.id);
    /* A CMO key made by its MAH concerns that MAH; a MAH's own keys concern the MAH. */
    const char *tenant = strcmp(org.kind, "mah") == 0 ? org.id
                         : by->org_kind == PX_ORG_MAH ? by->org_id
                                                      : NULL;
    return px_svc_audit(db, by, tenant, "key.create", out->id, details, err);
}

px_rc px_svc_key_create(px_db *db, const px_actor *by, const char *org_id, const char *role,
                        const char *label, char api_key[PX_API_KEY_LEN + 1], px_key_info *out,
                        px_err *err)
{
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        return rc;
    rc = px__key_create_in_tx(db, by, org_id, role, label, api_key, out, err);
    if (rc == PX_OK)
        rc = px_db_commit(db, err);
    else
        px_db_rollback(db);
    if (rc != PX_OK) {
        px_cleanse(api_key, PX_API_KEY_LEN + 1);
        api_key[0] = '\0';
    }
    return rc;
}

px_rc px_svc_key_revoke(px_db *db, const px_actor *by, const char *key_id, px_err *err)
{
    px_key_info key;
    px_org org;
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px_store_key_get(db, &key, key_id, err)) != PX_OK ||
        (rc = px_store_org_get(db, &org, key.org_id, err)) != PX_OK ||
        (rc = px_store_key_revoke(db, key.id, err)) != PX_OK)
        goto fail;
    const char *tenant = strcmp(org.kind, "mah") == 0 ? org.id : NULL;
    if ((rc = px_svc_audit(db, by, tenant, "key.revoke", key.id, NULL, err)) != PX_OK)
        goto fail;
    return px_db_commit(db, err);
fail:
    px_db_rollback(db);
    return rc;
}

static px_rc bootstrap_org(px_db *db, const px_actor *by, px_org *org, const char *kind,
                           const char *name, const char *gln, int gln_prefix_length,
                           const char *role, char key[PX_API_KEY_LEN + 1], px_err *err)
{
    memset(org, 0, sizeof(*org));
    px_strlcpy(org->kind, kind, sizeof(org->kind));
    px_strlcpy(org->name, name, sizeof(org->name));
    px_strlcpy(org->gln, gln, sizeof(org->gln));
    org->gln_prefix_length = gln_prefix_length;
    px_rc rc = px__org_create_in_tx(db, NULL, by, org, err);
    if (rc != PX_OK)
        return rc;
    px_key_info info;
    return px__key_create_in_tx(db, by, org->id, role, "demo", key, &info, err);
}

/* Everything of the first start in one transaction: a process killed half-way leaves nothing,
 * so the next start creates (and prints) all of it; an advisory lock makes a second process
 * starting at the same moment wait and then find the operator. */
static px_rc bootstrap_in_tx(px_db *db, int demo, px_bootstrap *out, px_err *err)
{
    long operators;
    px_rc rc;
    if ((rc = px_db_exec(db, "SELECT pg_advisory_xact_lock(x'7061636b69640003'::bigint)",
                         err)) != PX_OK ||
        (rc = px_store_org_count(db, "operator", &operators, err)) != PX_OK || operators > 0)
        return rc;
    px_actor cli;
    px_actor_cli(&cli);
    px_org op;
    /* Demo GLNs are in GS1's 950 "demo" range (GS1 General Specifications: prefixes 950 and
     * 951 are for GS1 Global Office use; 0950600 is the prefix of GS1's own examples). Their
     * company prefix is 9506000 — 7 digits, the demo product's — given explicitly, since a
     * GLN's prefix length is not derivable from it (DOMAIN.md §1.5). */
    if ((rc = bootstrap_org(db, &cli, &op, "operator", "packid operator", "", 0, "admin",
                            out->admin_key, err)) != PX_OK)
        return rc;
    out->created = 1;
    if (!demo)
        return PX_OK;
    if ((rc = bootstrap_org(db, &cli, &out->mah, "mah", "Demo MAH", "9506000000008", 7, "mah",
                            out->mah_key, err)) != PX_OK ||
        (rc = bootstrap_org(db, &cli, &out->cmo, "cmo", "Demo CMO", "9506000000015", 7, "cmo",
                            out->cmo_key, err)) != PX_OK)
        return rc;
    /* A demo product granted to the demo CMO, so the printed keys can be used at once. */
    px_actor mah = {.role = PX_ROLE_MAH, .org_kind = PX_ORG_MAH};
    px_strlcpy(mah.org_id, out->mah.id, sizeof(mah.org_id));
    px_product prod;
    memset(&prod, 0, sizeof(prod));
    px_strlcpy(prod.gtin, "09506000134352", sizeof(prod.gtin));
    prod.company_prefix_length = 7;
    px_strlcpy(prod.name, "Demo Amoxicillin 500 mg capsules x 21", sizeof(prod.name));
    px_strlcpy(prod.market, "EU", sizeof(prod.market));
    px_strlcpy(prod.master.dosage_form, "CAPSULE", sizeof(prod.master.dosage_form));
    px_strlcpy(prod.master.strength, "500 mg", sizeof(prod.master.strength));
    px_strlcpy(prod.master.pack_size, "21 CAPSULE in 1 BLISTER PACK",
               sizeof(prod.master.pack_size));
    px_strlcpy(prod.master.manufacturer, "Demo CMO", sizeof(prod.master.manufacturer));
    if ((rc = px__product_create_in_tx(db, NULL, &mah, &prod, err)) != PX_OK)
        return rc;
    const char *gtins[] = {prod.gtin};
    px_partnership ps;
    memset(&ps, 0, sizeof(ps));
    px_strlcpy(ps.mah_id, out->mah.id, sizeof(ps.mah_id));
    px_strlcpy(ps.cmo_id, out->cmo.id, sizeof(ps.cmo_id));
    if ((rc = px_store_partnership_insert(db, &ps, err)) != PX_OK ||
        (rc = px_store_partnership_set_gtins(db, ps.id, gtins, 1, err)) != PX_OK ||
        (rc = px_svc_audit(db, &mah, mah.org_id, "partner.create", ps.id, NULL, err)) != PX_OK)
        return rc;
    px_strlcpy(out->demo_gtin, prod.gtin, sizeof(out->demo_gtin));
    out->demo = 1;
    return PX_OK;
}

px_rc px_svc_bootstrap(px_db *db, int demo, px_bootstrap *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = bootstrap_in_tx(db, demo, out, err)) == PX_OK)
        rc = px_db_commit(db, err);
    else
        px_db_rollback(db);
    if (rc != PX_OK) {
        px_cleanse(out, sizeof(*out));
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
