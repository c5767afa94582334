/* PUT/GET /v1/orgs/{org_id}/allotments, GET /v1/allotments (docs/allotments.md). */
#include <string.h>

#include "allotments.h"
#include "handlers.h"
#include "paging.h"

/* The largest limit accepted: a billion packs a year is a large MAH; a thousand times that
 * per month is no limit anyone means, and stays far from overflow when usage is added. */
#define ALLOTMENT_MAX 1000000000000LL

static json_t *limit_json(long long v)
{
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *allotment_json(const px_allotment *a)
{
    json_t *left = json_object();
    static const char *const names[PX_ALLOT__COUNT] = {"serials", "carriers"};
    for (int k = 0; k < PX_ALLOT__COUNT; k++) {
        long long l = a->limit[k] < 0 ? -1 : a->limit[k] - a->used[k];
        json_object_set_new(left, names[k], a->limit[k] < 0 ? json_null()
                                                            : json_integer(l > 0 ? l : 0));
    }
    return json_pack("{s:s, s:o, s:o, s:s, s:s, s:{s:I, s:I}, s:o}", "org_id", a->org_id,
                     "serials_per_month", limit_json(a->limit[PX_ALLOT_SERIALS]),
                     "carriers_per_month", limit_json(a->limit[PX_ALLOT_CARRIERS]), "period",
                     a->period, "resets_at", a->resets_at, "used", "serials",
                     (json_int_t)a->used[PX_ALLOT_SERIALS], "carriers",
                     (json_int_t)a->used[PX_ALLOT_CARRIERS], "left", left);
}

void h_allotment_put(px_req *r)
{
    static const char *const allowed[] = {"serials_per_month", "carriers_per_month", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    /* PUT replaces the whole allotment: a limit left out (or null) is no limit. */
    long long limit[PX_ALLOT__COUNT];
    limit[PX_ALLOT_SERIALS] =
        px_json_int(r, r->json, "serials_per_month", 0, ALLOTMENT_MAX, -1, 0);
    limit[PX_ALLOT_CARRIERS] =
        px_json_int(r, r->json, "carriers_per_month", 0, ALLOTMENT_MAX, -1, 0);
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_allotment a;
    if (px_reply_failed(
            r, px_svc_allotment_put(db, &r->actor, px_req_param(r, 0), limit, &a, &r->err)))
        return;
    px_reply_json(r, 200, allotment_json(&a));
}

void h_allotment_get(px_req *r)
{
    PX_REPLY_ONE(r, px_allotment, px_svc_allotment_get, allotment_json);
}

static int add_allotment(void *ctx, const px_allotment *a)
{
    return px_list_add(ctx, a->org_id, allotment_json(a));
}

void h_allotment_list(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 1); /* keyset on org_id: the store applies the cursor */
    if (db)
        px_list_end(&l, px_svc_allotments_each(db, &r->actor, l.after, l.first + 1, add_allotment,
                                               &l, &r->err));
}
