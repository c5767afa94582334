/* Organizations and API keys over HTTP, the same use cases as `packid org create` /
 * `packid key create|revoke`: the operator (admin keys) for every organization, a MAH for its
 * own (and, for PATCH /v1/orgs, its CMO partners'). */
#include <stdlib.h>
#include <string.h>

#include "display_name.h"
#include "gs1.h"
#include "handlers.h"
#include "json_shapes.h"
#include "paging.h"
#include "px_crypto.h"
#include "px_str.h"

/* REQ-SSCC-8: the organization's company prefixes beyond its GLN's (stored comma-joined). */
static json_t *prefixes_json(const char *joined)
{
    json_t *a = json_array();
    for (const char *p = joined; *p;) {
        size_t n = strcspn(p, ",");
        json_array_append_new(a, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    return a;
}

/* The roles the organization's keys may carry (REQ-POLICY-5, px_policy_role_fits_org): what a
 * key form offers, so no program keeps its own copy of the rule. */
static json_t *key_roles_json(const char *kind_name)
{
    json_t *a = json_array();
    px_org_kind kind;
    px_err ignore;
    if (px_org_kind_parse(&kind, kind_name, &ignore) != PX_OK)
        return a;
    for (int r = 0; r < PX_ROLE__COUNT; r++)
        if (px_policy_role_fits_org((px_role)r, kind))
            json_array_append_new(a, json_string(px_role_name((px_role)r)));
    return a;
}

json_t *px_json_org(const px_org *org)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s?, s:o, s:s?, s:s, s:o, s:o}", "org_id", org->id, "kind", org->kind,
        "name", org->name, "gln", org->gln[0] ? org->gln : NULL, "gln_prefix_length",
        org->gln_prefix_length ? json_integer(org->gln_prefix_length) : json_null(), "market",
        org->market[0] ? org->market : NULL, "created_at", org->created_at, "company_prefixes",
        prefixes_json(org->company_prefixes), "key_roles", key_roles_json(org->kind));
}

json_t *px_json_key(const px_key_info *k, px_key_mode mode)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s?}", "key_id", k->id, "org_id", k->org_id,
                     "role", k->role, "label", k->label[0] ? k->label : NULL, "mode",
                     px_key_mode_name(mode), "created_at", k->created_at, "revoked_at",
                     k->revoked_at[0] ? k->revoked_at : NULL);
}

json_t *px_json_key_created(const px_key_info *k, const char *secret, px_key_mode mode)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "key_id", k->id, "api_key", secret, "org_id",
                     k->org_id, "role", k->role, "mode", px_key_mode_name(mode));
}

void h_org_update(px_req *r)
{
    static const char *const allowed[] = {"name", "gln", "gln_prefix_length", "company_prefixes",
                                          NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    px_org_patch rq = {.id = px_req_param(r, 0)};
    rq.name = px_json_str(r, r->json, "name", PX_NAME_MAX, 0);
    rq.gln = px_json_str(r, r->json, "gln", GS1_GLN_LEN, 0);
    /* The GLN's GS1 Company Prefix length (the GS1 General Specifications); a new gln without it:
     * GS1's list. */
    rq.gln_prefix_length =
        (int)px_json_int(r, r->json, "gln_prefix_length", GS1_GCP_LEN_MIN, GS1_GCP_LEN_MAX, 0, 0);
    /* REQ-SSCC-8: a CMO's company prefixes beyond its GLN's, the whole list ([] clears it);
     * their digits and count are the use case's rules. */
    int n = 0;
    const char **prefixes =
        px_json_str_array(r, r->json, "company_prefixes", 12, PX_ORG_GCP_MAX, 0, &n);
    rq.company_prefixes = prefixes; /* [] is a vector of none: clears the list */
    rq.n_company_prefixes = (size_t)n;
    px_db *db = px_req_begin(r);
    px_org org;
    if (db && !px_reply_failed(r, px_svc_org_update(db, r->app, &r->actor, &rq, &org, &r->err)))
        px_reply_json(r, 200, px_json_org(&org));
    free(prefixes);
}

void h_org_create(px_req *r)
{
    static const char *const allowed[] = {"kind", "name", "gln", "gln_prefix_length", "market",
                                          NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    const char *kind = px_json_str(r, r->json, "kind", 15, 1);
    const char *name = px_json_str(r, r->json, "name", PX_NAME_MAX, 1);
    const char *gln = px_json_str(r, r->json, "gln", GS1_GLN_LEN, 0);
    const char *market = px_json_market(r, r->json, 0);
    /* The GLN's GS1 Company Prefix length (the GS1 General Specifications); absent: GS1's prefix
     * list. */
    long long cpl =
        px_json_int(r, r->json, "gln_prefix_length", GS1_GCP_LEN_MIN, GS1_GCP_LEN_MAX, 0, 0);
    if (px_req_answered(r))
        return;
    px_org org = {0};
    px_strlcpy(org.kind, kind, sizeof(org.kind));
    px_strlcpy(org.name, name, sizeof(org.name));
    px_strlcpy(org.gln, gln ? gln : "", sizeof(org.gln));
    px_strlcpy(org.market, market ? market : "", sizeof(org.market));
    org.gln_prefix_length = (int)cpl;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    if (px_reply_failed(r, px_svc_org_create(db, r->app, &r->actor, &org, &r->err)))
        return;
    px_reply_json(r, 201, px_json_org(&org));
}

void h_key_create(px_req *r)
{
    static const char *const allowed[] = {"org_id", "role", "label", "mode", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    /* The operator names the organization; a MAH's key is for its own (org_id optional). */
    const char *org_id =
        px_json_str(r, r->json, "org_id", PX_UUID_LEN, r->actor.role == PX_ROLE_ADMIN);
    const char *role = px_json_str(r, r->json, "role", 15, 1);
    const char *label = px_json_str(r, r->json, "label", PX_LABEL_MAX, 0);
    /* docs/sandbox.md: "test" makes a pk_test_ key acting on the sandbox; a test key's own
     * request makes test keys only. Default: the caller's own mode. */
    const char *mode = px_json_str(r, r->json, "mode", 4, 0);
    px_key_mode m = r->actor.mode;
    if (mode && !px_req_answered(r))
        px_reply_failed(r, px_key_mode_parse(&m, mode, &r->err));
    if (px_req_answered(r))
        return;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    char secret[PX_API_KEY_LEN + 1];
    px_key_info info;
    if (px_reply_failed(
            r, px_svc_key_create(db, &r->actor, org_id, role, label, m, secret, &info, &r->err)))
        return;
    px_reply_json(r, 201, px_json_key_created(&info, secret, m));
    px_cleanse(secret, sizeof(secret));
}

static int add_key(void *ctx, const px_key_info *k)
{
    px_list *l = ctx;
    return px_list_add(l, k->id, px_json_key(k, l->r->actor.mode));
}

void h_key_list(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 0); /* an organization has few keys: the window skips */
    if (db)
        px_list_end(
            &l, px_svc_keys_each(db, &r->actor, px_req_query(r, "org_id"), add_key, &l, &r->err));
}

void h_key_revoke(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    if (px_reply_failed(r, px_svc_key_revoke(db, &r->actor, px_req_param(r, 0), &r->err)))
        return;
    char id[PX_UUID_LEN + 1]; /* found, so a UUID: the key's id as every answer writes it */
    px_uuid_lower(id, px_req_param(r, 0));
    px_reply_json(r, 200, json_pack("{s:s, s:b}", "key_id", id, "revoked", 1));
}
