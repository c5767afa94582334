/* Partnerships (MAH). */
#include <stdlib.h>
#include <string.h>

#include "display_name.h"
#include "gs1.h"
#include "handlers.h"
#include "paging.h"
#include "px_crypto.h"

/* A partnership as docs/api.md shows it; NULL when out of memory (the granted GTINs come with the
 * row: partners_each). */
static json_t *partnership_json(const px_partnership *p)
{
    json_t *g = p->gtins_json ? json_loads(p->gtins_json, 0, NULL) : NULL;
    if (!g)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "partnership_id", p->id, "org_id", p->cmo_id,
                     "status", p->status, "gtins", g, "created_at", p->created_at, "updated_at",
                     p->updated_at);
}

static int take_one(void *ctx, const px_partnership *p)
{
    json_t **out = ctx;
    *out = partnership_json(p);
    return 1;
}

/* The answer's "warnings" when market ("" none) is a granted product's market whose reports
 * need a read point the CMO's events would lack (px_partner_result.read_point_market). */
static void read_point_warning(json_t *o, const char *market, const char *cmo_id)
{
    if (!market[0])
        return;
    char msg[200];
    snprintf(msg, sizeof(msg),
             "the CMO has no GLN with a known company prefix length: its events of a granted "
             "product carry no read point, which the %s reports need (PATCH /v1/orgs/%s)",
             market, cmo_id);
    json_object_set_new(o, "warnings",
                        json_pack("[{s:s, s:s, s:s}]", "code", "missing_read_point", "field", "gln",
                                  "message", msg));
}

/* Answers the partnership id as it is now (after a change: as committed), with the warning of
 * read_point_market. */
static void reply_partnership(px_req *r, px_db *db, const char *id, const char *read_point_market,
                              int status)
{
    json_t *o = NULL;
    if (px_reply_failed(r, px_svc_partners_each(db, &r->actor, id, take_one, &o, &r->err)))
        return;
    if (!o) {
        px_reply_oom(r);
        return;
    }
    read_point_warning(o, read_point_market, json_string_value(json_object_get(o, "org_id")));
    px_reply_json(r, status, o);
}

void h_partner_create(px_req *r)
{
    static const char *const allowed[] = {"name", "gln", "gln_prefix_length", "gtins", "org_id",
                                          NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    int n = 0;
    const char *org_id = px_json_str(r, r->json, "org_id", PX_UUID_LEN, 0);
    const char *name = px_json_str(r, r->json, "name", PX_NAME_MAX, !org_id);
    const char *gln = px_json_str(r, r->json, "gln", GS1_GLN_LEN, 0);
    /* The site GLN's GS1 Company Prefix length (the GS1 General Specifications); absent: GS1's
     * prefix list. */
    long long cpl =
        px_json_int(r, r->json, "gln_prefix_length", GS1_GCP_LEN_MIN, GS1_GCP_LEN_MAX, 0, 0);
    const char **gtins =
        px_json_str_array(r, r->json, "gtins", GS1_GTIN_LEN, PX_PARTNER_GTINS_MAX, 0, &n);
    px_db *db = px_req_begin(r);
    if (!db) {
        free(gtins);
        return;
    }
    px_partner_result res;
    px_rc rc = px_svc_partner_create(db, r->app, &r->actor, name, gln, (int)cpl, org_id, gtins, n,
                                     &res, &r->err);
    free(gtins);
    if (px_reply_failed(r, rc))
        return;
    /* api_key is null when an existing CMO was linked: it keeps its own keys. */
    json_t *o = json_pack("{s:s, s:s, s:s?, s:s?}", "org_id", res.cmo_org_id, "partnership_id",
                          res.partnership.id, "api_key", res.api_key[0] ? res.api_key : NULL,
                          "key_id", res.key_id[0] ? res.key_id : NULL);
    read_point_warning(o, res.read_point_market, res.cmo_org_id);
    px_cleanse(res.api_key, sizeof(res.api_key));
    px_reply_json(r, 201, o);
}

void h_partner_update(px_req *r)
{
    static const char *const allowed[] = {"gtins", "status", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    int n = 0;
    const char *status = px_json_str(r, r->json, "status", 16, 0);
    const char **gtins =
        px_json_str_array(r, r->json, "gtins", GS1_GTIN_LEN, PX_PARTNER_GTINS_MAX, 0, &n);
    if (px_req_answered(r))
        return;
    /* Null counts as absent (docs/api.md "Requests"): only a list replaces the products. */
    int has_gtins = px_json_present(r->json, "gtins");
    const char *empty[1] = {NULL};
    px_db *db = px_req_begin(r);
    if (!db) {
        free(gtins);
        return;
    }
    px_partnership p;
    char market[3];
    px_rc rc = px_svc_partner_update(db, &r->actor, px_req_param(r, 0),
                                     has_gtins ? (gtins ? gtins : empty) : NULL, n, status, &p,
                                     market, &r->err);
    free(gtins);
    if (px_reply_failed(r, rc))
        return;
    reply_partnership(r, db, p.id, market, 200);
}

void h_partner_get(px_req *r)
{
    px_db *db = px_req_db(r);
    if (!db)
        return;
    reply_partnership(r, db, px_req_param(r, 0), "", 200);
}

static int add_partner(void *ctx, const px_partnership *p)
{
    return px_list_add(ctx, p->id, partnership_json(p));
}

void h_partner_list(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 0); /* a MAH has few partners: the window skips */
    if (db)
        px_list_end(&l, px_svc_partners_each(db, &r->actor, NULL, add_partner, &l, &r->err));
}
