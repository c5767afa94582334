#include "cli.h"

px_rc px_cli_open(px_cli *cli, px_app *app, px_db **db, px_err *err)
{
    *db = NULL;
    px_rc rc = px_app_open(app, &cli->cfg, 1, err);
    if (rc != PX_OK)
        return rc;
    *db = px_pool_acquire(app->pool, err);
    if (!*db) {
        px_app_close(app);
        return err->rc;
    }
    return PX_OK;
}

void px_cli_close(px_app *app, px_db *db)
{
    if (db)
        px_pool_release(app->pool, db);
    px_app_close(app);
}
