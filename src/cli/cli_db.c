#include "cli.h"

px_rc px_cli_open(px_cli *cli, px_cli_session *s)
{
    s->db = NULL;
    px_err_clear(&s->err);
    px_actor_cli(&s->me);
    px_rc rc = px_app_open(&s->app, &cli->cfg, 1, &s->err);
    if (rc != PX_OK)
        return rc;
    s->db = px_pool_acquire(s->app.pool, &s->err);
    if (!s->db) {
        px_app_close(&s->app);
        return s->err.rc;
    }
    return PX_OK;
}

void px_cli_close(px_cli_session *s)
{
    if (s->db)
        px_pool_release(s->app.pool, s->db);
    s->db = NULL;
    px_app_close(&s->app);
}
