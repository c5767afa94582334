/* Products (docs/api.md "Products and serial settings"). */
#include <stdio.h>
#include <string.h>

#include "display_name.h"
#include "gs1.h"
#include "market.h"
#include "ndc.h"
#include "pack_internal.h"
#include "px_cursor.h"
#include "px_str.h"
#include "reports_internal.h"
#include "service_internal.h"

static px_rc text_field(const char *v, size_t max, const char *field, px_err *err)
{
    if (v[0] && !px_str_printable(v, max)) {
        px_err_set(err, PX_EINVALID, "invalid_value",
                   "%s must be at most %zu characters without control characters", field, max);
        px_err_field(err, "%s", field);
        return PX_EINVALID;
    }
    return PX_OK;
}

/* old: the product as stored (a PATCH), NULL at creation. */
static px_rc validate_product(const px_app *app, px_product *p, const px_product *old, px_err *err)
{
    char gtin[GS1_GTIN_LEN + 1];
    px_rc rc = px__gtin_field(gtin, p->gtin, err);
    if (rc != PX_OK)
        return rc;
    memcpy(p->gtin, gtin, sizeof(gtin));
    if (p->company_prefix_length == 0) {
        /* GS1 Company Prefix length is not derivable from the GTIN itself: it comes from the
         * brand owner or, failing that, GS1's prefix format list. */
        int len = app && app->gcp_xml
                      ? gs1_gcp_length_lookup(app->gcp_xml, app->gcp_xml_len, gtin, 2)
                      : -1;
        if (len < 0) {
            px_err_set(err, PX_EINVALID, "unknown_company_prefix",
                       app && app->gcp_xml
                           ? "GTIN %s has no company prefix in GS1's prefix list: give "
                             "company_prefix_length"
                           : "company_prefix_length is required (no GS1 prefix list is "
                             "configured: PACKID_GCP_LIST)",
                       gtin);
            px_err_field(err, "company_prefix_length");
            return PX_EINVALID;
        }
        p->company_prefix_length = len;
    }
    /* EPC Tag Data Standard: company prefixes of 6 to 12 digits. */
    if (!gs1_gcp_len_valid(p->company_prefix_length)) {
        px_err_set(err, PX_EINVALID, "invalid_value", "company_prefix_length must be from %d to %d",
                   GS1_GCP_LEN_MIN, GS1_GCP_LEN_MAX);
        px_err_field(err, "company_prefix_length");
        return PX_EINVALID;
    }
    /* A name stored before a rule keeps passing (a change of master data leaves it). */
    if ((!old || strcmp(p->name, old->name) != 0) &&
        (rc = px_display_name_check(p->name, "invalid_value", err)) != PX_OK)
        return rc;
    /* A new product's market is one its packs can be released to; one registered before this
     * rule keeps its market through a change of master data. */
    if ((rc = old ? px_market_check(p->market, err) : px_market_reporting_check(p->market, err)) !=
        PX_OK)
        return rc;
    if (p->nhrn_ai[0] || p->nhrn_value[0]) {
        /* NHRN: AIs 710–717, X..20 (GS1 Barcode Syntax Dictionary; Delegated Regulation (EU)
         * 2016/161 Art. 4(b)(iii)). */
        if (gs1_nhrn_ai_index(p->nhrn_ai) < 0)
            return px_err_set_field(err, PX_EINVALID, "invalid_nhrn_ai", "nhrn.ai",
                                    "nhrn.ai must be 710 to 717");
        if (gs1_cset82_validate(p->nhrn_value, GS1_SERIAL_MAX, err) != PX_OK) {
            px_err_field(err, "nhrn.value");
            return PX_EINVALID;
        }
    }
    px_master_data *md = &p->master;
    /* The free-text members, each bounded by its own buffer; the NDC has its own rule below. */
    rc = PX_OK;
#define TEXT_FIELD(name, member)                                                                   \
    if (rc == PX_OK && strcmp(name, "ndc") != 0)                                                   \
        rc = text_field(md->member, sizeof(md->member) - 1, "master_data." name, err);
    PX_MASTER_DATA_FIELDS(TEXT_FIELD)
#undef TEXT_FIELD
    if (rc != PX_OK)
        return rc;
    /* Refused here what the DSCSA report could not carry (its 11-digit form, ndc.h). An NDC
     * as stored is not judged again: a product saved before this rule can still be renamed (its
     * US release names the NDC as a missing precondition until it is corrected). */
    char ndc11[12];
    if (md->ndc[0] && !(old && strcmp(old->master.ndc, md->ndc) == 0) &&
        !px_ndc11(ndc11, md->ndc)) {
        px_err_set(err, PX_EINVALID, "invalid_ndc",
                   "master_data.ndc must be 11 digits, or an NDC with its hyphens in the 4-4-2, "
                   "5-3-2, 5-4-1 or 5-4-2 layout");
        px_err_field(err, "master_data.ndc");
        return PX_EINVALID;
    }
    return PX_OK;
}

px_rc px__product_create_in_tx(px_tx *tx, const px_app *app, const px_actor *by, px_product *p,
                               px_err *err)
{
    px_rc rc = validate_product(app, p, NULL, err);
    if (rc != PX_OK)
        return rc;
    px_strlcpy(p->mah_id, by->org_id, sizeof(p->mah_id));
    /* A GTIN registered already is product_exists, whoever sent it. Then a company prefix is
     * one licensee's: a GTIN under another organization's prefix, or under one that overlaps it
     * at another length (docs/aggregation.md "One organization per prefix"), is not this MAH's
     * to number (the row goes with the transaction). */
    if ((rc = px_store_product_insert(px_tx_db(tx), p, err)) != PX_OK ||
        (rc = px__gtin_prefix_free(px_tx_db(tx), by->org_id, p->gtin, p->company_prefix_length,
                                   err)) != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit_as(tx, by, by->org_id, "product.create", p->gtin);
    px_audit_str(d, "name", p->name);
    px_audit_str(d, "market", p->market);
    return PX_OK;
}

typedef struct product_ctx {
    const px_app *app;
    px_product *p;
} product_ctx;

static px_rc product_body(px_tx *tx, void *vc, px_err *err)
{
    product_ctx *c = vc;
    return px__product_create_in_tx(tx, c->app, px_tx_actor(tx), c->p, err);
}

px_rc px_svc_product_create(px_db *db, const px_app *app, const px_actor *by, px_product *p,
                            px_err *err)
{
    product_ctx c = {app, p};
    return px_tx_run(db, by, product_body, &c, err);
}

px_rc px_svc_product_access(px_db *db, const px_actor *by, const char *gtin14, int for_update,
                            px_product *out, px_err *err)
{
    px_rc rc = px_store_product_get(db, out, gtin14, for_update, err);
    if (rc != PX_OK)
        return rc;
    switch (by->org_kind) {
    case PX_ORG_MAH:
        if (strcmp(out->mah_id, by->org_id) == 0)
            return PX_OK;
        break;
    case PX_ORG_CMO: {
        px_partnership ps;
        rc = px_store_partner_access(db, &ps, by->org_id, gtin14, err);
        if (rc != PX_OK)
            return rc;
        return px__partnership_active(&ps, gtin14, err);
    }
    default:
        break;
    }
    /* Another tenant's object answers 404, never 403 (docs/architecture.md "Requests"). */
    return px_err_set(err, PX_ENOTFOUND, "product_not_found", "product %s not found", gtin14);
}

px_rc px__cmo_reads_through_partnership(px_db *db, const px_actor *by, const char *gtin,
                                        const char *what, px_err *err)
{
    if (by->org_kind != PX_ORG_CMO)
        return PX_OK;
    px_product p;
    px_rc rc = px_svc_product_access(db, by, gtin, 0, &p, err);
    return rc == PX_ENOTFOUND ? px_err_set(err, PX_ENOTFOUND, "not_found", "%s not found", what)
                              : rc;
}

px_rc px__cmo_org_reads_through_partnership(px_db *db, const char *cmo_org_id, const char *gtin,
                                            const char *what, px_err *err)
{
    px_actor cmo = {0};
    cmo.org_kind = PX_ORG_CMO;
    px_strlcpy(cmo.org_id, cmo_org_id, sizeof(cmo.org_id));
    return px__cmo_reads_through_partnership(db, &cmo, gtin, what, err);
}

px_rc px_svc_product_get(px_db *db, const px_actor *by, const char *gtin, px_product *out,
                         px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    px_rc rc = px__product_gtin(g, gtin, err);
    return rc == PX_OK ? px_svc_product_access(db, by, g, 0, out, err) : rc;
}

px_rc px_svc_products_each(px_db *db, const px_actor *by, const char *after, long limit,
                           px_product_fn fn, void *ctx, px_err *err)
{
    const char *mah = by->org_kind == PX_ORG_MAH ? by->org_id : NULL;
    const char *cmo = px__cmo_scope(by);
    if (!mah && !cmo)
        return PX_OK; /* nobody else owns products */
    /* The cursor is a GTIN this list gave (its key: 14 digits). */
    if (after && *after && (strlen(after) != GS1_GTIN_LEN || !px_digits(after, GS1_GTIN_LEN)))
        return px_cursor_refuse(err);
    return px_store_product_each(db, mah, cmo, after, limit, fn, ctx, err);
}

typedef struct product_patch_ctx {
    const char *gtin;
    const px_product_patch *rq;
    px_product *out;
} product_patch_ctx;

static void audit_product(px_audit_details *d, const char *prefix, const px_product *p)
{
    char k[48];
    const px_master_data *m = &p->master;
#define AUD(name, v)                                                                        \
    snprintf(k, sizeof(k), "%s%s", prefix, name);                                           \
    px_audit_str(d, k, (v)[0] ? (v) : NULL);
    AUD("name", p->name)
    AUD("nhrn_ai", p->nhrn_ai)
    AUD("nhrn_value", p->nhrn_value)
#undef AUD
#define AUD_MD(name, member)                                                                       \
    snprintf(k, sizeof(k), "%s%s", prefix, name);                                                  \
    px_audit_str(d, k, m->member[0] ? m->member : NULL);
    PX_MASTER_DATA_FIELDS(AUD_MD)
#undef AUD_MD
    snprintf(k, sizeof(k), "%smaster_version", prefix);
    px_audit_int(d, k, p->master_version);
}

/* Member by member as text: the bytes after a member's end are whatever the copy left. */
static int master_same(const px_product *a, const px_product *b)
{
#define SAME_MD(api, m) &&strcmp(a->master.m, b->master.m) == 0
    return strcmp(a->name, b->name) == 0 && strcmp(a->nhrn_ai, b->nhrn_ai) == 0 &&
           strcmp(a->nhrn_value, b->nhrn_value) == 0 PX_MASTER_DATA_FIELDS(SAME_MD);
#undef SAME_MD
}

static px_rc product_patch_body(px_tx *tx, void *vc, px_err *err)
{
    product_patch_ctx *c = vc;
    const px_product_patch *rq = c->rq;
    const px_actor *by = px_tx_actor(tx);
    px_product old;
    px_rc rc = PX_OK;
    /* Only the owner writes its master data (a partnered CMO reads it): refused before any
     * lock, so a refused caller never holds up the owner's releases. */
    if (by->org_kind != PX_ORG_MAH)
        return px_err_set(err, PX_ENOTFOUND, "product_not_found", "product %s not found", c->gtin);
    /* A change of master data waits for the releases in flight, so px__master_data_kept below
     * sees the markets they add (release.c holds the lock shared). */
    if (rq->master && (rc = px_store_product_master_lock(px_tx_db(tx), c->gtin, 1, err)) != PX_OK)
        return rc;
    if ((rc = px_svc_product_access(px_tx_db(tx), by, c->gtin, 1, &old, err)) != PX_OK)
        return rc;
    px_product *p = c->out;
    *p = old;
    if (rq->name)
        px_strlcpy(p->name, rq->name, sizeof(p->name));
    if (rq->master) {
        p->master = *rq->master;
        /* Fixed-size text: bytes after the terminator must not make equal data differ. */
        px_master_data clean = {0};
#define CLEAN(name, member) px_strlcpy(clean.member, p->master.member, sizeof(clean.member));
        PX_MASTER_DATA_FIELDS(CLEAN)
#undef CLEAN
        p->master = clean;
    }
    if (rq->set_nhrn) {
        memset(p->nhrn_ai, 0, sizeof(p->nhrn_ai));
        memset(p->nhrn_value, 0, sizeof(p->nhrn_value));
        px_strlcpy(p->nhrn_ai, rq->nhrn_ai ? rq->nhrn_ai : "", sizeof(p->nhrn_ai));
        px_strlcpy(p->nhrn_value, rq->nhrn_value ? rq->nhrn_value : "", sizeof(p->nhrn_value));
    }
    /* The field rules of creation, on the product as it would become. */
    if ((rc = validate_product(NULL, p, &old, err)) != PX_OK)
        return rc;
    if (master_same(&old, p)) {
        px_tx_discard(tx); /* nothing changed: no new version, nothing to audit */
        return PX_OK;
    }
    if (rq->master && (rc = px__master_data_kept(px_tx_db(tx), &old, p, err)) != PX_OK)
        return rc;
    if ((rc = px_store_product_update(px_tx_db(tx), p, err)) != PX_OK)
        return rc;
    /* Every change of master data is audited with what it was and what it is. */
    px_audit_details *d = px_tx_audit(tx, by->org_id, "product.update", p->gtin);
    audit_product(d, "old_", &old);
    audit_product(d, "", p);
    return PX_OK;
}

px_rc px_svc_product_update(px_db *db, const px_actor *by, const char *gtin,
                            const px_product_patch *rq, px_product *out, px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    if (px__product_gtin(g, gtin, err) != PX_OK)
        return PX_ENOTFOUND;
    product_patch_ctx c = {g, rq, out};
    return px_tx_run(db, by, product_patch_body, &c, err);
}

px_rc px__product_gtin(char g[GS1_GTIN_LEN + 1], const char *gtin, px_err *err)
{
    if (gs1_gtin_normalize(g, gtin, err) != PX_OK)
        return px_err_set(err, PX_ENOTFOUND, "product_not_found", "product not found");
    return PX_OK;
}

px_rc px__product_found(px_rc rc, const char *gtin, px_err *err)
{
    return rc == PX_ENOTFOUND
               ? px_err_set(err, PX_ENOTFOUND, "product_not_found", "product %s not found", gtin)
               : rc;
}

px_rc px__gtin_field(char g[GS1_GTIN_LEN + 1], const char *gtin, px_err *err)
{
    if (gs1_gtin_normalize(g, gtin ? gtin : "", err) == PX_OK)
        return PX_OK;
    px_err_field(err, "gtin");
    return PX_EINVALID;
}

px_rc px__partnership_active(const px_partnership *ps, const char *gtin, px_err *err)
{
    if (strcmp(ps->status, "active") == 0)
        return PX_OK;
    return px_err_set(err, PX_EFORBIDDEN, "partnership_suspended",
                      "the partnership for product %s is suspended", gtin);
}
