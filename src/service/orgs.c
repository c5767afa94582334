/* Organizations and their GLNs (service.h). */
#include <stdio.h>
#include <string.h>

#include "display_name.h"
#include "gs1.h"
#include "market.h"
#include "px_str.h"
#include "reports_internal.h"
#include "service_internal.h"

px_rc px_svc_gln_prefix_length(int *out, const px_app *app, const char *gln, int given, px_err *err)
{
    *out = 0;
    if (given) {
        /* EPC Tag Data Standard: an SGLN's company prefix has 6 to 12 digits. */
        if (!gs1_gcp_len_valid(given))
            return px_err_set(err, PX_EINVALID, "invalid_value",
                              "the GLN's company prefix length must be from %d to %d",
                              GS1_GCP_LEN_MIN, GS1_GCP_LEN_MAX);
        *out = given;
        return PX_OK;
    }
    if (!gln || !gln[0] || !app || !app->gcp_xml)
        return PX_OK;
    /* GS1's prefix format list; a GLN's prefix starts at its first digit (gcppos1 in the GS1
     * Barcode Syntax Dictionary). Lengths 4 and 5 exist in the list but no EPC URI can carry
     * them. */
    int len = gs1_gcp_length_lookup(app->gcp_xml, app->gcp_xml_len, gln, 1);
    if (gs1_gcp_len_valid(len))
        *out = len;
    return PX_OK;
}

px_rc px__org_name_gln_check(const char *name, const char *name_code, const char *gln,
                             int prefix_given, px_err *err)
{
    if (name && px_display_name_check(name, name_code, err) != PX_OK)
        return PX_EINVALID;
    /* A GLN is a GS1 key: 13 digits with a mod-10 check digit (GS1 General Specifications
     * §7.9); thirteen zeros pass the check digit yet identify nobody, refused there as
     * invalid_key (REQ-GS1-ZERO). */
    if (gln[0] && gs1_gln_validate(gln, err) != PX_OK) {
        px_err_field(err, "gln");
        return PX_EINVALID;
    }
    if (prefix_given && !gln[0])
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "gln_prefix_length",
                                "gln_prefix_length needs a gln");
    return PX_OK;
}

static px_rc validate_org(const px_app *app, px_org *org, px_err *err)
{
    px_org_kind kind;
    if (px_org_kind_parse(&kind, org->kind, err) != PX_OK)
        return PX_EINVALID;
    if (px__org_name_gln_check(org->name, "invalid_name", org->gln, org->gln_prefix_length, err) !=
        PX_OK)
        return PX_EINVALID;
    /* REQ-VRS-1: a verifier's keys speak for its GLN (the reqGLN of the GS1 Lightweight
     * Messaging Standard's verify request), so a verifier organization without one could never
     * be answered. */
    if (kind == PX_ORG_VERIFIER && !org->gln[0])
        return px_err_set_field(err, PX_EINVALID, "missing_gln", "gln",
                                "a verifier organization needs a gln");
    if (px_svc_gln_prefix_length(&org->gln_prefix_length, app, org->gln, org->gln_prefix_length,
                                 err) != PX_OK) {
        px_err_field(err, "gln_prefix_length");
        return PX_EINVALID;
    }
    /* REQ-POLICY-4: a regulator reads the events and reports of its market (report_read.c,
     * epcis_query.c), so one without a market would see nothing, for good (PATCH takes no
     * market); another kind serves no market, and one given to it would be kept and mean
     * nothing. */
    if (kind == PX_ORG_REGULATOR && !org->market[0])
        return px_err_set_field(err, PX_EINVALID, "missing_market", "market",
                                "a regulator organization needs the market it serves");
    if (kind != PX_ORG_REGULATOR && org->market[0])
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "market",
                                "only a regulator organization serves a market");
    /* One packid reports to: a regulator of another market would never read anything. */
    if (org->market[0])
        return px_market_reporting_check(org->market, err);
    return PX_OK;
}

px_rc px__org_insert_in_tx(px_tx *tx, const px_actor *by, px_org *org, px_err *err)
{
    px_rc rc;
    if ((rc = px__gln_free(px_tx_db(tx), org, err)) != PX_OK ||
        (rc = px__gln_prefix_free(px_tx_db(tx), by, org, err)) != PX_OK ||
        (rc = px_store_org_insert(px_tx_db(tx), org, err)) != PX_OK)
        return rc;
    px_audit_details *d =
        px_tx_audit_as(tx, by, px_tenant_of_act_on(by, org->kind, org->id), "org.create", org->id);
    px_audit_str(d, "kind", org->kind);
    px_audit_str(d, "name", org->name);
    /* The values it starts with: its GLN is its events' read point, a regulator's market what
     * it may read. */
    px_audit_str(d, "gln", org->gln[0] ? org->gln : NULL);
    px_audit_str(d, "market", org->market[0] ? org->market : NULL);
    if (org->gln_prefix_length)
        px_audit_int(d, "gln_prefix_length", org->gln_prefix_length);
    else
        px_audit_str(d, "gln_prefix_length", NULL);
    return PX_OK;
}

px_rc px__org_create_in_tx(px_tx *tx, const px_app *app, const px_actor *by, px_org *org,
                           px_err *err)
{
    px_rc rc = validate_org(app, org, err);
    return rc == PX_OK ? px__org_insert_in_tx(tx, by, org, err) : rc;
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

typedef struct org_patch_ctx {
    const px_app *app;
    const px_org_patch *rq;
    px_org *out;
} org_patch_ctx;

/* Operator: any organization. MAH (REQ-POLICY-6): its own and its CMO partners'; anything
 * else is not found (404, never 403: docs/architecture.md "Requests"). A CMO that also works
 * for other MAHs is theirs too: its GLN is the read point of what it packs for them, so only
 * the operator changes it (403 shared_organization: the MAH knows this CMO). */
static px_rc org_reachable(px_db *db, const px_actor *by, const px_org *org, px_err *err)
{
    if (by->role == PX_ROLE_ADMIN || strcmp(org->id, by->org_id) == 0)
        return PX_OK;
    int partner = PX_PARTNER_NONE;
    px_rc rc;
    if (by->org_kind == PX_ORG_MAH && strcmp(org->kind, "cmo") == 0 &&
        (rc = px_store_org_partners(db, &partner, by->org_id, org->id, err)) != PX_OK)
        return rc;
    if (partner == PX_PARTNER_SOLE)
        return PX_OK;
    if (partner == PX_PARTNER_SHARED)
        return px_err_set(err, PX_EFORBIDDEN, "shared_organization",
                          "the CMO works for other MAHs too: the operator changes its data");
    return px_err_set(err, PX_ENOTFOUND, "not_found", "organization not found");
}

static void audit_prefix(px_audit_details *d, const char *key, int len)
{
    if (len)
        px_audit_int(d, key, len);
    else
        px_audit_str(d, key, NULL);
}

static px_rc org_patch_body(px_tx *tx, void *vc, px_err *err)
{
    org_patch_ctx *c = vc;
    const px_org_patch *rq = c->rq;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    px_org old;
    px_rc rc;
    if (!px_uuid_valid(c->rq->id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "organization not found");
    /* Held first: a MAH's partnership made with this CMO meanwhile either committed before (and
     * org_reachable sees the CMO shared) or waits for this change. */
    if ((rc = px_store_org_hold(
             db, rq->id, rq->gln || rq->gln_prefix_length ? PX_ORG_HOLD_GLN : PX_ORG_HOLD_CHANGE,
             err)) != PX_OK ||
        (rc = px_store_org_get(db, &old, rq->id, err)) != PX_OK ||
        (rc = org_reachable(db, by, &old, err)) != PX_OK)
        return rc;
    px_org *o = c->out;
    *o = old;
    /* The stored name is not judged again: one stored before a rule keeps passing. */
    if (px__org_name_gln_check(rq->name, "invalid_name", rq->gln ? rq->gln : old.gln,
                               rq->gln_prefix_length, err) != PX_OK)
        return PX_EINVALID;
    if (rq->name)
        px_strlcpy(o->name, rq->name, sizeof(o->name));
    if (rq->gln)
        px_strlcpy(o->gln, rq->gln, sizeof(o->gln));
    /* A new GLN without its prefix length: GS1's prefix list, as at creation. The same GLN
     * sent again keeps the prefix length it has (it may have been given by hand). */
    if (rq->gln_prefix_length || (rq->gln && strcmp(rq->gln, old.gln) != 0)) {
        if (px_svc_gln_prefix_length(&o->gln_prefix_length, c->app, o->gln,
                                     rq->gln_prefix_length, err) != PX_OK) {
            px_err_field(err, "gln_prefix_length");
            return PX_EINVALID;
        }
    }
    /* A GLN's company prefix is one licensee's too: not one another organization listed. Its
     * read point stays while released packs' reports need it. */
    if (strcmp(o->gln, old.gln) != 0 && (rc = px__gln_free(db, o, err)) != PX_OK)
        return rc;
    if ((strcmp(o->gln, old.gln) != 0 || o->gln_prefix_length != old.gln_prefix_length) &&
        ((rc = px__gln_prefix_free(db, by, o, err)) != PX_OK ||
         (rc = px__read_point_kept(db, &old, o, err)) != PX_OK))
        return rc;
    /* The new prefixes' own rules before the organization's row is written (a refusal changes
     * nothing, not even inside this transaction). */
    if (rq->company_prefixes && (rc = px__org_prefixes_check(o, rq->company_prefixes,
                                                             rq->n_company_prefixes, err)) != PX_OK)
        return rc;
    if ((rc = px_store_org_update(db, o, err)) != PX_OK)
        return rc;
    const char *tenant = px_tenant_of_act_on(by, o->kind, o->id);
    px_audit_details *d = px_tx_audit(tx, tenant, "org.update", o->id);
    if (rq->company_prefixes) {
        rc = px__org_prefixes_set(db, o, rq->company_prefixes, rq->n_company_prefixes, d, err);
        if (rc == PX_OK)
            rc = px_store_org_get(db, o, o->id, err); /* the list as stored, in order */
        if (rc != PX_OK)
            return rc;
    }
    px_audit_str(d, "old_name", old.name);
    px_audit_str(d, "name", o->name);
    px_audit_str(d, "old_gln", old.gln[0] ? old.gln : NULL);
    px_audit_str(d, "gln", o->gln[0] ? o->gln : NULL);
    audit_prefix(d, "old_gln_prefix_length", old.gln_prefix_length);
    audit_prefix(d, "gln_prefix_length", o->gln_prefix_length);
    /* The operator's change of a CMO is each partner MAH's concern too (its GLN is the read
     * point of what the CMO makes for them): the same entry in each of their chains, so their
     * auditors see it (a MAH changes only a CMO that is its alone: org_reachable). */
    if (!tenant && strcmp(o->kind, px_org_kind_name(PX_ORG_CMO)) == 0) {
        px_tx_also also = {tx, d};
        return px_store_org_partner_mahs(db, o->id, px_tx_also_in, &also, err);
    }
    return PX_OK;
}

px_rc px_svc_org_update(px_db *db, const px_app *app, const px_actor *by, const px_org_patch *rq,
                        px_org *out, px_err *err)
{
    org_patch_ctx c = {app, rq, out};
    return px_tx_run(db, by, org_patch_body, &c, err);
}
