/* The embedded cluster after a crash: a `packid serve` killed with SIGKILL cannot
 * stop the cluster it started. The next `packid serve` in the same data folder takes it over
 * and stops it at its own clean stop; `packid db stop` stops it too. A cluster started on
 * purpose with `packid db start` is never taken over. REQ-EDGE-5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_test.h"

static int db_running(px_test_env *env)
{
    int rc;
    const char *status[] = {"db", "status", NULL};
    json_t *o = px_test_cli(env, &rc, status);
    int running = json_is_true(json_object_get(o, "running"));
    json_decref(o);
    assert_int_equal(rc, running ? 0 : 1);
    return running;
}

/* Through the shell with output to /dev/null: a cluster started by the command inherits
 * its output, which would keep a capturing pipe open. */
static void db_cmd(px_test_env *env, const char *sub)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "env -u PACKID_DATABASE_URL PACKID_DATA_DIR='%s' '%s' db %s >/dev/null 2>&1",
             env->data_dir, PX_PACKID_BIN, sub);
    assert_int_equal(px_test_shell(cmd), 0);
}

static void remove_data(px_test_env *env)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", env->data_dir);
    assert_int_equal(px_test_shell(cmd), 0);
}

static void test_embedded__killed_serve_cluster_stopped_by_next_serve(void)
{
    px_test_env env;
    px_test_embedded_init(&env);
    px_test_server_start(&env);
    px_test_server_kill(&env);
    assert_true(db_running(&env)); /* the orphan */

    px_test_server_start(&env);
    px_http_resp r;
    px_http(&env, &r, "GET", "/healthz", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    px_http_resp_free(&r);
    assert_int_equal(px_test_server_stop(&env), 0);
    assert_false(db_running(&env)); /* the clean stop stopped the cluster it took over */

    /* and `packid db stop` finds one a killed server left */
    px_test_server_start(&env);
    px_test_server_kill(&env);
    assert_true(db_running(&env));
    db_cmd(&env, "stop");
    assert_false(db_running(&env));
    remove_data(&env);
}

static void test_embedded__db_start_cluster_not_taken_over(void)
{
    px_test_env env;
    px_test_embedded_init(&env);
    db_cmd(&env, "start");
    px_test_server_start(&env);
    assert_int_equal(px_test_server_stop(&env), 0);
    assert_true(db_running(&env)); /* started on purpose: still running */
    /* a server killed while using it does not make it an orphan either */
    px_test_server_start(&env);
    px_test_server_kill(&env);
    px_test_server_start(&env);
    assert_int_equal(px_test_server_stop(&env), 0);
    assert_true(db_running(&env));
    db_cmd(&env, "stop");
    assert_false(db_running(&env));
    remove_data(&env);
}
