/* Products (MAH writes; MAH, CMO (partnered), auditor read). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "display_name.h"
#include "gs1.h"
#include "handlers.h"
#include "paging.h"
#include "px_array.h"
#include "px_str.h"
#include "reports.h"

/* The master data's members (store.h) with where each is kept and its buffer's size. */
typedef struct md_field {
    const char *key;
    size_t off, cap;
} md_field;
#define MD_FIELD(name, member)                                                                     \
    {name, offsetof(px_master_data, member), sizeof(((px_master_data *)0)->member)},
static const md_field md_fields[] = {PX_MASTER_DATA_FIELDS(MD_FIELD)};
#undef MD_FIELD
#define MD_KEY(name, member) name,
static const char *const md_keys[] = {PX_MASTER_DATA_FIELDS(MD_KEY) NULL};
#undef MD_KEY
#define N_MD (PX_COUNT(md_fields))

static char *md_member(px_master_data *m, size_t i)
{
    return (char *)m + md_fields[i].off;
}

static json_t *product_json(const px_product *p)
{
    json_t *md = json_object();
    for (size_t i = 0; i < N_MD; i++) {
        const char *v = (const char *)&p->master + md_fields[i].off;
        if (v[0])
            json_object_set_new(md, md_fields[i].key, json_string(v));
    }
    json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:o, s:i, s:s}", "gtin", p->gtin,
                          "company_prefix_length", p->company_prefix_length, "name", p->name,
                          "market", p->market, "master_data", md, "master_version",
                          p->master_version, "created_at", p->created_at);
    if (p->nhrn_ai[0])
        json_object_set_new(o, "nhrn",
                            json_pack("{s:s, s:s}", "ai", p->nhrn_ai, "value", p->nhrn_value));
    if (p->has_settings)
        json_object_set_new(o, "serial_settings",
                            json_pack("{s:s, s:i, s:s?}", "strategy", p->serial_strategy,
                                      "length", p->serial_length, "symbols",
                                      p->serial_symbols[0] ? p->serial_symbols : NULL));
    return o;
}

static int copy_str(px_req *r, json_t *obj, const char *name, char *dst, size_t cap, int req)
{
    const char *v = px_json_str(r, obj, name, cap - 1, req);
    if (px_req_answered(r))
        return -1;
    px_strlcpy(dst, v ? v : "", cap);
    return 0;
}

/* The product as it now is, with what its market's reports will need and it lacks (docs/api.md
 * "warnings"): told at registration and at every change, before the first release needs it. */
static void reply_product(px_req *r, int status, const px_product *p)
{
    json_t *o = product_json(p);
    px_missing_list l = {0};
    if (px_svc_product_warnings(p, &l, &r->err) == PX_OK && l.n) {
        json_t *w = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(w, json_pack("{s:s, s:s, s:s}", "code", l.v[i].code, "field",
                                               l.v[i].field, "message", l.v[i].message));
        json_object_set_new(o, "warnings", w);
    }
    px_missing_list_dispose(&l);
    px_reply_json(r, status, o);
}

/* nhrn, {ai, value} (a national number for a market, docs/api.md): both, or a 422 naming the
 * one left out. 1 when given (null counts as left out). */
static int read_nhrn(px_req *r, const char **ai, const char **value)
{
    static const char *const keys[] = {"ai", "value", NULL};
    json_t *nhrn = px_json_object(r, r->json, "nhrn", keys);
    *ai = *value = NULL;
    if (!nhrn)
        return 0;
    *ai = px_json_member_str(r, nhrn, "nhrn", "ai", 3);
    *value = px_json_member_str(r, nhrn, "nhrn", "value", 20);
    if (!px_req_answered(r) && (!*ai || !*value))
        px_reply_field(r, *ai ? "nhrn.value" : "nhrn.ai", "required",
                       "nhrn needs both ai and value");
    return 1;
}

/* master_data, the whole object as it is to be (members left out are empty), each member
 * refused by its path (master_data.pack_size). 1 when given. */
static int read_master(px_req *r, px_master_data *md)
{
    json_t *mo = px_json_object(r, r->json, "master_data", md_keys);
    if (!mo)
        return 0;
    for (size_t i = 0; i < N_MD; i++) {
        const char *v =
            px_json_member_str(r, mo, "master_data", md_fields[i].key, md_fields[i].cap - 1);
        px_strlcpy(md_member(md, i), v ? v : "", md_fields[i].cap);
    }
    return 1;
}

void h_product_create(px_req *r)
{
    static const char *const allowed[] = {"gtin", "company_prefix_length", "name", "market",
                                          "nhrn", "master_data",           NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    px_product p = {0};
    if (copy_str(r, r->json, "gtin", p.gtin, sizeof(p.gtin), 1) ||
        copy_str(r, r->json, "name", p.name, sizeof(p.name), 1))
        return;
    const char *market = px_json_market(r, r->json, 1);
    if (px_req_answered(r))
        return;
    px_strlcpy(p.market, market, sizeof(p.market));
    p.company_prefix_length = (int)px_json_int(r, r->json, "company_prefix_length", GS1_GCP_LEN_MIN,
                                               GS1_GCP_LEN_MAX, 0, 0);
    if (px_req_answered(r))
        return;
    const char *ai, *value;
    if (read_nhrn(r, &ai, &value)) {
        px_strlcpy(p.nhrn_ai, ai ? ai : "", sizeof(p.nhrn_ai));
        px_strlcpy(p.nhrn_value, value ? value : "", sizeof(p.nhrn_value));
    }
    read_master(r, &p.master);
    if (px_req_answered(r))
        return;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    if (px_reply_failed(r, px_svc_product_create(db, r->app, &r->actor, &p, &r->err)))
        return;
    reply_product(r, 201, &p);
}

void h_product_update(px_req *r)
{
    static const char *const allowed[] = {"name", "master_data", "nhrn", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    px_product_patch rq = {0};
    rq.name = px_json_str(r, r->json, "name", PX_NAME_MAX, 0);
    /* nhrn: an object replaces it, null removes it. */
    json_t *nv = json_object_get(r->json, "nhrn");
    rq.set_nhrn = nv != NULL;
    read_nhrn(r, &rq.nhrn_ai, &rq.nhrn_value);
    /* master_data: the whole object as it is to be (members left out become empty). */
    px_master_data md = {0};
    if (read_master(r, &md))
        rq.master = &md;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_product p;
    if (px_reply_failed(r,
                        px_svc_product_update(db, &r->actor, px_req_param(r, 0), &rq, &p, &r->err)))
        return;
    reply_product(r, 200, &p);
}

void h_product_get(px_req *r)
{
    PX_REPLY_ONE(r, px_product, px_svc_product_get, product_json);
}

static int add_product(void *ctx, const px_product *p)
{
    return px_list_add(ctx, p->gtin, product_json(p));
}

void h_product_list(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 1);
    if (db)
        px_list_end(&l, px_svc_products_each(db, &r->actor, l.after, l.first + 1, add_product, &l,
                                             &r->err));
}
