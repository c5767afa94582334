/* Lists newest first (docs/api.md "Lists"): the shared reply, and the commission and release
 * lists (whose rows have no single-object read). */
#include <string.h>

#include "handlers.h"
#include "list_reply.h"
#include "paging.h"

typedef struct {
    json_t *items;
    px_page_window win;
    px_list_render render;
    int oom;
} page_ctx;

static int add_item(void *ctx, const px_list_item *it)
{
    page_ctx *c = ctx;
    int take = px_page_window_take(&c->win, it->key);
    json_t *o = take > 0 ? c->render(it) : NULL;
    if (take > 0 && (!o || json_array_append_new(c->items, o) != 0)) {
        c->oom = 1;
        return 1;
    }
    return take < 0;
}

void px_list_reply(px_req *r, px_list_kind kind, px_list_render render)
{
    long first;
    char after[160];
    if (px_page_params(r, &first, after, sizeof(after)) != 0)
        return;
    px_db *db = px_req_db(r);
    if (!db)
        return;
    page_ctx c = {json_array(), {0}, render, 0};
    px_page_window_init(&c.win, first, NULL); /* the store applies the cursor */
    px_err err;
    px_err_clear(&err);
    if (px_svc_list(db, &r->actor, kind, after, first + 1, add_item, &c, &err) != PX_OK ||
        c.oom) {
        json_decref(c.items);
        if (c.oom)
            px_reply_fail(r, PX_EINTERNAL, "internal", "out of memory");
        else
            px_reply_error(r, &err);
        return;
    }
    json_t *page = px_page_wrap(c.items, c.win.more, c.win.last);
    /* A job's progress is a real: 4 significant digits print 0.42, not 0.41999999999999998
     * (the single job read writes it the same way). */
    char *s = page ? json_dumps(page, JSON_COMPACT | JSON_REAL_PRECISION(4)) : NULL;
    json_decref(page);
    if (!s) {
        px_reply_fail(r, PX_EINTERNAL, "internal", "out of memory");
        return;
    }
    px_reply_take(r, 200, "application/json", s, strlen(s));
}

static json_t *commission_json(const px_list_item *it)
{
    const px_list_row *c = it->row;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:s}", "commission_id",
                     c->id, "org_id", c->org_id, "gtin", c->gtin, "batch", c->batch, "expiry",
                     c->expiry, "count", (json_int_t)c->count, "allocated",
                     (json_int_t)c->allocated, "external", (json_int_t)c->external, "rejected",
                     (json_int_t)c->rejected, "partial", c->partial, "created_at",
                     c->created_at);
}

void h_commission_list(px_req *r)
{
    px_list_reply(r, PX_LIST_COMMISSIONS, commission_json);
}

static json_t *release_json(const px_list_item *it)
{
    const px_list_row *c = it->row;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:s}", "release_id", c->id, "org_id",
                     c->org_id, "gtin", c->gtin, "batch", c->batch, "market", c->market,
                     "count", (json_int_t)c->count, "report_id",
                     c->report_id[0] ? json_string(c->report_id) : json_null(), "created_at",
                     c->created_at);
}

void h_release_list(px_req *r)
{
    px_list_reply(r, PX_LIST_RELEASES, release_json);
}
