/* Operations: health, metrics, whoami. */
#include <stdlib.h>

#include "handlers.h"

void h_healthz(px_req *r)
{
    px_err err;
    px_err_clear(&err);
    px_db *db = px_pool_acquire(r->app->pool, &err);
    int ok = db && px_db_ping(db, &err) == PX_OK;
    if (db)
        px_pool_release(r->app->pool, db);
    px_reply_json(r, ok ? 200 : 503,
                  json_pack("{s:s, s:s}", "status", ok ? "ok" : "degraded", "database",
                            ok ? "ok" : "unavailable"));
}

void h_metrics(px_req *r)
{
    px_buf b;
    px_buf_init(&b, 4 << 20);
    px_metrics_render(&b, r->app->pool);
    size_t len = b.len;
    px_reply_take(r, 200, "text/plain; version=0.0.4", px_buf_take(&b), len);
}

void h_whoami(px_req *r)
{
    px_reply_json(r, 200,
                  json_pack("{s:s, s:s, s:s, s:s, s:s}", "key_id", r->actor.key_id, "role",
                            px_role_name(r->actor.role), "org_id", r->actor.org_id, "org_kind",
                            px_org_kind_name(r->actor.org_kind), "org_name",
                            r->actor.org_name));
}
