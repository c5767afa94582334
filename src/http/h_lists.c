/* Lists newest first (docs/api.md "Paging"): the shared reply, and the commission and release
 * lists (whose rows have no single-object read). */
#include "handlers.h"
#include "list_reply.h"
#include "paging.h"

typedef struct {
    px_list list;
    px_list_render render;
} page_ctx;

static int add_item(void *ctx, const px_list_item *it)
{
    page_ctx *c = ctx;
    return px_list_add(&c->list, it->id, c->render(it));
}

void px_list_reply(px_req *r, px_list_kind kind, px_list_render render)
{
    page_ctx c;
    px_db *db = px_list_begin(&c.list, r, 1); /* keyset: the store applies the cursor */
    if (!db)
        return;
    c.render = render;
    /* The route takes only its own filters (routes.def): the others are NULL here. */
    px_list_filter f = {px_req_query(r, "status"), px_req_query(r, "gtin"),
                        px_req_query(r, "batch")};
    px_list_end(&c.list, px_svc_list(db, &r->actor, kind, &f, c.list.after, c.list.first + 1,
                                     add_item, &c, &r->err));
}

static json_t *commission_json(const px_list_item *it)
{
    const px_list_row *c = it->row;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:b, s:s}",
                     "commission_id", c->id, "org_id", c->org_id, "gtin", c->gtin, "batch",
                     c->batch, "expiry", c->expiry, "expiry_date", px_json_expiry_date(c->expiry),
                     "count", (json_int_t)c->count, "allocated", (json_int_t)c->allocated,
                     "external", (json_int_t)c->external, "rejected", (json_int_t)c->rejected,
                     "partial", c->partial, "created_at", c->created_at);
}

void h_commission_list(px_req *r)
{
    px_list_reply(r, PX_LIST_COMMISSIONS, commission_json);
}

static json_t *release_json(const px_list_item *it)
{
    const px_list_row *c = it->row;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:s}", "release_id", c->id, "org_id",
                     c->org_id, "gtin", c->gtin, "batch", c->batch, "market", c->market, "count",
                     (json_int_t)c->count, "report_id", px_json_str_or_null(c->report_id),
                     "created_at", c->created_at);
}

void h_release_list(px_req *r)
{
    px_list_reply(r, PX_LIST_RELEASES, release_json);
}
