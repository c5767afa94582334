/* The MAH's side of the verification network (docs/resolver.md): the clone and enumeration
 * alerts (GET /v1/alerts, POST /v1/alerts/{alert_id}/close) and the passport fields the public
 * verification page shows (PUT/GET /v1/products/{gtin}/passport). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "handlers.h"
#include "paging.h"
#include "px_str.h"
#include "scans.h"

static json_t *alert_json(const px_alert *a)
{
    json_t *rules = json_array();
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", a->rules);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(rules, json_string(t));
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:o}", "alert_id", a->id, "kind",
                     a->kind, "gtin", a->gtin, "serial", px_json_str_or_null(a->serial), "rules",
                     rules, "state", a->state, "opened_at", a->opened_at, "closed_at",
                     px_json_str_or_null(a->closed_at), "close_reason",
                     px_json_str_or_null(a->close_reason));
}

static int add_alert(void *ctx, const px_alert *a)
{
    return px_list_add(ctx, a->id, alert_json(a));
}

void h_alert_list(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 1);
    if (db)
        px_list_end(&l, px_svc_alerts_each(db, &r->actor, px_req_query(r, "state"), l.after,
                                           l.first + 1, add_alert, &l, &r->err));
}

void h_alert_close(px_req *r)
{
    static const char *const allowed[] = {"reason", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    const char *reason = px_json_str(r, r->json, "reason", PX_ALERT_REASON_MAX, 1);
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_alert a;
    if (px_reply_failed(r,
                        px_svc_alert_close(db, &r->actor, px_req_param(r, 0), reason, &a, &r->err)))
        return;
    px_reply_json(r, 200, alert_json(&a));
}

static void reply_passport(px_req *r, const char *gtin, char fields[][65], int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_string(fields[i]));
    /* Answers give GTINs in 14 digits (docs/api.md), whatever length the path used; the
     * service has accepted this one already. */
    char g[GS1_GTIN_LEN + 1];
    if (gs1_gtin_normalize(g, gtin, NULL) != PX_OK)
        px_strlcpy(g, gtin, sizeof(g));
    px_reply_json(r, 200, json_pack("{s:s, s:o}", "gtin", g, "public_fields", a));
}

void h_passport_put(px_req *r)
{
    static const char *const allowed[] = {"public_fields", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    int n = 0;
    const char **fields =
        px_json_str_array(r, r->json, "public_fields", 64, PX_PASSPORT_FIELDS_MAX, 1, &n);
    if (px_req_answered(r)) {
        free(fields);
        return;
    }
    px_db *db = px_req_begin(r);
    char got[PX_PASSPORT_FIELDS_MAX][65];
    int m = 0;
    if (db &&
        !px_reply_failed(r, px_svc_passport_put(db, &r->actor, px_req_param(r, 0),
                                                (const char *const *)fields, n, &r->err)) &&
        !px_reply_failed(r,
                         px_svc_passport_get(db, &r->actor, px_req_param(r, 0), got, &m, &r->err)))
        reply_passport(r, px_req_param(r, 0), got, m);
    free(fields);
}

void h_passport_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    char got[PX_PASSPORT_FIELDS_MAX][65];
    int m = 0;
    if (px_reply_failed(r,
                        px_svc_passport_get(db, &r->actor, px_req_param(r, 0), got, &m, &r->err)))
        return;
    reply_passport(r, px_req_param(r, 0), got, m);
}
