/* The monthly partitions over HTTP, for the operator (admin keys): the same use cases as
 * `packid partitions list | ensure | detach` (docs/scaling.md "Partitioning"), so that a failed
 * maintenance pass (packid_runner_errors_total{runner="partitions"}, rows in a default
 * partition) is repaired through the API, not only at the machine. */
#include <stdlib.h>

#include "handlers.h"
#include "paging.h"
#include "partitions.h"

static json_t *partition_json(const px_partition_row *p)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:b}", "table", p->table, "schema",
                     p->sandbox ? "sandbox" : "live", "name", p->name, "from", p->from, "to", p->to,
                     "rows_estimate", (json_int_t)p->rows, "keep_until", p->keep_until, "held_by",
                     px_partition_held_code(p->held_by), "detachable", p->detachable);
}

/* GET /v1/partitions: every month of every partitioned table, by table and month, the live
 * schema's then the sandbox's (named sandbox.<month>); a short list the window pages by name
 * (px_page_window). */
void h_partition_list(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 0);
    if (!db)
        return;
    px_partition_row *rows = NULL;
    int n = 0;
    long long deflt[PX_PARTITIONED_N];
    px_rc rc = px_svc_partitions_list(r->app, db, &rows, &n, deflt, &r->err);
    for (int i = 0; rc == PX_OK && i < n; i++)
        if (px_list_add(&l, rows[i].name, partition_json(&rows[i])))
            break;
    free(rows);
    px_list_end(&l, rc);
}

/* POST /v1/partitions/ensure {"from"?, "ahead"?}: the month `from` (YYYY-MM; default this
 * one) and `ahead` more (default PACKID_PARTITIONS_AHEAD) in every partitioned table, live and
 * sandbox, taking their rows out of the default partitions; then what is still in each. */
void h_partitions_ensure(px_req *r)
{
    static const char *const allowed[] = {"from", "ahead", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    const char *from = px_json_str(r, r->json, "from", 16, 0);
    int ahead = (int)px_json_int(r, r->json, "ahead", 1, 24, r->app->cfg.partitions_ahead, 0);
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    int created = 0, n = 0;
    long long deflt[PX_PARTITIONED_N];
    px_partition_row *rows = NULL;
    if (px_reply_failed(r, px_svc_partitions_ensure(r->app, db, from, ahead, &created, &r->err)) ||
        px_reply_failed(r, px_svc_partitions_list(r->app, db, &rows, &n, deflt, &r->err)))
        return;
    free(rows);
    json_t *by_table = json_object();
    for (int t = 0; t < PX_PARTITIONED_N; t++)
        json_object_set_new(by_table, px_partitioned_tables[t], json_integer(deflt[t]));
    px_reply_json(r, 200,
                  json_pack("{s:i, s:i, s:o}", "created", created, "ahead", ahead,
                            "default_rows_by_table", by_table));
}

/* POST /v1/partitions/{name}/detach: that month (sandbox.<month> one of the sandbox's) leaves
 * its table once its retention has passed (audited as partition.detach); the table stays, to be
 * archived and dropped. */
void h_partition_detach(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    const char *name = px_req_param(r, 0);
    if (px_reply_failed(r, px_svc_partition_detach(r->app, db, &r->actor, name, &r->err)))
        return;
    px_reply_json(r, 200, json_pack("{s:s}", "detached", name));
}
