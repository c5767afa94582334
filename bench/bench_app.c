/* See bench_app.h. */
#include "bench_app.h"

#include <string.h>

#include "bench.h"
#include "px_str.h"

void bench_app_open(bench_app *b)
{
    px_err err = PX_ERR_INIT;
    px_config cfg;
    if (px_config_load(&cfg, &err) != PX_OK)
        bench_die_err("config", &err);
    if (px_app_open(&b->app, &cfg, 2, &err) != PX_OK)
        bench_die_err("database", &err);
    b->db = px_pool_acquire(b->app.pool, &err);
    b->raw = PQconnectdb(b->app.conninfo);
    if (!b->db || PQstatus(b->raw) != CONNECTION_OK)
        bench_die_err("connect", &err);
}

void bench_app_close(bench_app *b)
{
    PQfinish(b->raw);
    px_pool_release(b->app.pool, b->db);
    px_app_close(&b->app);
}

px_actor bench_app_mah(bench_app *b)
{
    px_err err;
    px_org mah = {0};
    px_strlcpy(mah.kind, "mah", sizeof(mah.kind));
    px_strlcpy(mah.name, "bench MAH", sizeof(mah.name));
    if (px_store_org_insert(b->db, &mah, &err) != PX_OK)
        bench_die_err("org", &err);
    px_actor by = {0};
    by.role = PX_ROLE_MAH;
    by.org_kind = PX_ORG_MAH;
    px_strlcpy(by.org_id, mah.id, sizeof(by.org_id));
    return by;
}
