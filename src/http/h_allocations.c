/* POST /v1/products/{gtin}/allocations, GET /v1/allocations/{id}[/serials] (docs/api.md
 * "Allocating serials"). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocation.h"
#include "handlers.h"
#include "list_reply.h"
#include "paging.h"
#include "px_array.h"
#include "px_str.h"
#include "workers.h"

void h_allocation_create(px_req *r)
{
    static const char *const allowed[] = {"count", "label", "for_org", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    px_alloc_request req = {0};
    req.gtin = px_req_param(r, 0);
    /* REQ-POOL-4: up to 1,000,000 serials per job. */
    req.count = px_json_int(r, r->json, "count", 1, PX_ALLOC_MAX, 0, 1);
    req.label = px_json_str(r, r->json, "label", PX_LABEL_MAX, 0);
    req.for_org = px_json_str(r, r->json, "for_org", PX_UUID_LEN, 0);
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_alloc_result res;
    if (px_reply_failed(r, px_svc_allocate(db, &r->actor, &req, &res, &r->err)))
        return;
    px_workers_wake(r->app); /* committed: a worker starts the job now, not at its next poll */
    px_reply_json(r, 202,
                  json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "job_id", res.job.id,
                            "allocation_id", res.allocation.id, "total",
                            (json_int_t)res.job.total, "status", "queued", "gtin",
                            res.allocation.gtin, "allocated_to", res.allocation.org_id));
}

static json_t *allocation_json(const px_allocation *a)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "allocation_id", a->id, "gtin",
                          a->gtin, "org_id", a->org_id, "requested_by", a->requested_by, "count",
                          (json_int_t)a->count, "job_id", a->job_id, "created_at",
                          a->created_at);
    if (o && a->label[0])
        json_object_set_new(o, "label", json_string(a->label));
    return o;
}

static json_t *allocation_item(const px_list_item *it)
{
    return allocation_json(it->allocation);
}

void h_allocation_list(px_req *r)
{
    px_list_reply(r, PX_LIST_ALLOCATIONS, allocation_item);
}

void h_allocation_get(px_req *r)
{
    PX_REPLY_ONE(r, px_allocation, px_svc_allocation_get, allocation_json);
}

/* REQ-POOL-8: ?order= names (the pool seed's vocabulary) and the tag each one's cursors
 * carry. */
static const struct {
    const char *name;
    px_serial_order order;
    char tag;
} serial_orders[] = {
    {"CREATED_ASC", PX_SERIAL_CREATED_ASC, 'c'},
    {"CREATED_DESC", PX_SERIAL_CREATED_DESC, 'C'},
    {"MODIFIED_ASC", PX_SERIAL_MODIFIED_ASC, 'm'},
    {"MODIFIED_DESC", PX_SERIAL_MODIFIED_DESC, 'M'},
};

typedef struct serial_list {
    px_list list;
    char tag; /* 0 in serial order */
} serial_list;

static int add_serial(void *ctx, const px_serial_item *it)
{
    serial_list *sl = ctx;
    /* The cursor's raw text: the serial itself in serial order; otherwise '~', the order's
     * tag and the sequence number. '~' is outside GS1 character set 82 (GS1 General
     * Specifications §7.11, figure 7.11-1), so no serial can be mistaken for a numbered cursor,
     * and a cursor of one order is refused by another. */
    char key[32];
    if (sl->tag)
        px_seq_cursor(key, sl->tag, it->seq);
    else
        px_strlcpy(key, it->serial, sizeof(key));
    return px_list_add(&sl->list, key,
                       json_pack("{s:s, s:s}", "serial", it->serial, "state", it->state));
}

/* A serial-order cursor holds the last serial of a page: 1..20 printable ASCII characters
 * (set 82 is a subset) and no '~'; anything else was not issued by this API. */
static int serial_cursor_ok(const char *s)
{
    size_t n = strlen(s);
    if (n > PX_SERIAL_LEN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '~')
            return 0;
    return 1;
}

void h_allocation_serials(px_req *r)
{
    serial_list sl;
    px_serial_page page = {PX_SERIAL_BY_SERIAL, "", 0, 0};
    const char *order = px_req_query(r, "order");
    sl.tag = 0;
    if (order) {
        size_t i = 0, n = PX_COUNT(serial_orders);
        while (i < n && strcmp(order, serial_orders[i].name) != 0)
            i++;
        if (i == n) {
            px_err err = PX_ERR_INIT;
            px_err_set_field(&err, PX_EINVALID, "invalid_value", "order",
                             "order must be CREATED_ASC, CREATED_DESC, MODIFIED_ASC or "
                             "MODIFIED_DESC");
            px_reply_error(r, &err);
            return;
        }
        page.order = serial_orders[i].order;
        sl.tag = serial_orders[i].tag;
    }
    px_db *db = px_list_begin(&sl.list, r, 1);
    if (!db)
        return;
    int ok =
        sl.tag ? (!sl.list.after[0] || px_seq_cursor_parse(sl.list.after, sl.tag, &page.after_seq))
               : serial_cursor_ok(sl.list.after);
    if (!ok) {
        json_decref(sl.list.items);
        px_reply_bad_cursor(r);
        return;
    }
    page.after_serial = sl.list.after;
    page.limit = sl.list.first + 1;
    px_list_end(&sl.list, px_svc_allocation_serials_each(db, &r->actor, px_req_param(r, 0), &page,
                                                         add_serial, &sl, &r->err));
}
