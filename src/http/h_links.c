/* PUT/GET /v1/products/{gtin}/links — the links a MAH adds to its product's Digital Link
 * (docs/resolver.md "Links of the MAH"): the resolver's linkset and page show them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "handlers.h"
#include "links.h"
#include "px_str.h"

static json_t *link_json(const px_product_link *l)
{
    json_t *o = json_pack("{s:s+, s:s, s:s}", "link_type", "gs1:", l->type, "href", l->href,
                          "title", l->title);
    if (l->lang[0])
        json_object_set_new(o, "lang", json_string(l->lang));
    if (l->media_type[0])
        json_object_set_new(o, "media_type", json_string(l->media_type));
    return o;
}

static void reply_links(px_req *r, px_db *db)
{
    px_product_link *v = calloc(PX_LINKS_MAX, sizeof(*v));
    int n = 0;
    if (!v) {
        px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
        return;
    }
    if (!px_reply_failed(r, px_svc_links_get(db, &r->actor, px_req_param(r, 0), v, &n, &r->err))) {
        json_t *a = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(a, link_json(&v[i]));
        char g[GS1_GTIN_LEN + 1]; /* 14 digits in answers, as every GTIN (docs/api.md) */
        if (gs1_gtin_normalize(g, px_req_param(r, 0), NULL) != PX_OK)
            px_strlcpy(g, px_req_param(r, 0), sizeof(g));
        px_reply_json(r, 200, json_pack("{s:s, s:o}", "gtin", g, "links", a));
    }
    free(v);
}

void h_links_put(px_req *r)
{
    static const char *const allowed[] = {"links", NULL};
    static const char *const members[] = {"link_type", "href", "title", "lang", "media_type",
                                          NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    json_t *list = json_object_get(r->json, "links");
    if (!json_is_array(list)) {
        px_reply_field(r, "links", "invalid_type", "links must be an array");
        return;
    }
    size_t n = json_array_size(list);
    if (n > PX_LINKS_MAX) {
        px_reply_fieldf(r, "links", "too_many", "at most %d links", PX_LINKS_MAX);
        return;
    }
    px_link_in in[PX_LINKS_MAX];
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(list, i);
        char name[16];
        snprintf(name, sizeof(name), "links[%zu]", i);
        if (!json_is_object(o)) {
            px_reply_field(r, name, "invalid_type", "each link is an object");
            return;
        }
        /* Lengths beyond the rules' own are refused by the service with its message. */
        const char *v[5];
        for (int k = 0; k < 5; k++) {
            json_t *m = json_object_get(o, members[k]);
            if (m && !json_is_null(m) && !json_is_string(m)) {
                char field[48];
                snprintf(field, sizeof(field), "%s.%s", name, members[k]);
                px_reply_field(r, field, "invalid_type", "must be a string");
            }
            v[k] = json_string_value(m);
        }
        const char *key;
        json_t *val;
        json_object_foreach(o, key, val) {
            int known = 0;
            for (int k = 0; members[k]; k++)
                known |= strcmp(key, members[k]) == 0;
            if (!known) {
                char field[160];
                snprintf(field, sizeof(field), "%s.%.100s", name, key);
                px_reply_field(r, field, "unknown_field", "unknown field");
            }
        }
        if (px_req_answered(r))
            return;
        in[i] = (px_link_in){v[0], v[1], v[2], v[3], v[4]};
    }
    px_db *db = px_req_begin(r);
    if (!db || px_reply_failed(
                   r, px_svc_links_put(db, &r->actor, px_req_param(r, 0), in, (int)n, &r->err)))
        return;
    reply_links(r, db);
}

void h_links_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (db)
        reply_links(r, db);
}
