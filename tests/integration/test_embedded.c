/* The embedded default database: with no PACKID_DATABASE_URL, `packid serve`
 * creates a private cluster with initdb under its data folder, serves on a Unix socket only,
 * stops it cleanly, and finds the same data on the next start. Also: a migration changed after
 * it was applied is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_test.h"

static void test_embedded__create_stop_restart(void)
{
    px_test_env env;
    px_test_embedded_init(&env);
    px_test_server_start(&env);

    char path[512], buf[65536];
    snprintf(path, sizeof(path), "%s/pg/PG_VERSION", env.data_dir);
    assert_int_equal(access(path, F_OK), 0);
    /* Unix socket only: no TCP listener is configured. */
    snprintf(path, sizeof(path), "%s/pg/postgresql.conf", env.data_dir);
    px_test_read(path, 0, buf, sizeof(buf));
    assert_non_null(strstr(buf, "listen_addresses = ''"));
    /* Sized to the machine (docs/scaling.md "The embedded cluster's settings"): a quarter of
     * the memory /proc/meminfo reports, between 128 MiB and 8 GiB, and WAL room for a
     * 1,000,000-serial job. */
    char mem[256], want[64];
    px_test_read("awk '/^MemTotal:/ {print $2}' /proc/meminfo", 1, mem, sizeof(mem));
    long quarter = atol(mem) / 1024 / 4;
    snprintf(want, sizeof(want), "shared_buffers = %ldMB\n",
             quarter < 128    ? 128
             : quarter > 8192 ? 8192
                              : quarter);
    if (!strstr(buf, want))
        fail_msg("postgresql.conf has no \"%s\"", want);
    assert_non_null(strstr(buf, "max_wal_size = 8GB\n"));
    assert_non_null(strstr(buf, "wal_compression = on\n"));

    /* First start on the embedded database adds the demo organizations (README quick start). */
    int rc0;
    const char *orgs[] = {"org", "list", NULL};
    json_t *ol = px_test_cli(&env, &rc0, orgs);
    assert_int_equal(rc0, 0);
    char *od = json_dumps(ol, 0);
    assert_non_null(strstr(od, "\"Demo MAH\""));
    assert_non_null(strstr(od, "\"operator\""));
    free(od);
    json_decref(ol);

    /* The CLI uses the running cluster (and leaves it running). */
    char org[40], key[64];
    px_test_org_key(&env, "mah", "Embedded MAH", "mah", org, key);
    px_http_resp r;
    px_http(&env, &r, "GET", "/v1/whoami", key, NULL, NULL);
    assert_int_equal(r.status, 200);
    px_http_resp_free(&r);
    px_http(&env, &r, "GET", "/healthz", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    px_http_resp_free(&r);

    /* serve stops the cluster it started. */
    assert_int_equal(px_test_server_stop(&env), 0);
    int rc;
    const char *status[] = {"db", "status", NULL};
    json_t *o = px_test_cli(&env, &rc, status);
    assert_int_equal(rc, 1);
    assert_true(json_is_false(json_object_get(o, "running")));
    json_decref(o);

    /* Started again: the same key still works. */
    px_test_server_start(&env);
    px_http(&env, &r, "GET", "/v1/whoami", key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(px_test_str(r.json, "org_id"), org);
    px_http_resp_free(&r);
    px_http(&env, &r, "GET", "/v1/keys", key, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *api_keys = json_incref(json_object_get(r.json, "items"));
    px_http_resp_free(&r);
    assert_int_equal(px_test_server_stop(&env), 0);

    /* `packid key list` never prints a secret, and shows a key as GET /v1/keys does. */
    const char *list[] = {"key", "list", "--org", org, NULL};
    o = px_test_cli(&env, &rc, list);
    assert_int_equal(rc, 0);
    char *dump = json_dumps(o, 0);
    assert_null(strstr(dump, key));
    assert_null(strstr(dump, "api_key"));
    free(dump);
    assert_int_equal(json_array_size(api_keys), 1);
    if (!json_equal(json_object_get(o, "items"), api_keys)) {
        char *a = json_dumps(json_object_get(o, "items"), JSON_SORT_KEYS);
        char *b = json_dumps(api_keys, JSON_SORT_KEYS);
        fail_msg("key list %s, GET /v1/keys %s", a, b);
    }
    json_decref(api_keys);
    json_decref(o);

    snprintf(buf, sizeof(buf), "rm -rf '%s'", env.data_dir);
    assert_int_equal(px_test_shell(buf), 0);
}

static void test_embedded__changed_migration_refused(void)
{
    px_test_env env = {0};
    px_test_db_create(&env);
    int rc;
    const char *migrate[] = {"migrate", NULL};
    json_t *o = px_test_cli(&env, &rc, migrate);
    assert_int_equal(rc, 0);
    assert_int_equal(px_test_int(o, "applied"), 0);
    json_decref(o);
    /* As if 0001's text had been edited after it was applied. */
    assert_int_equal(px_sql_exec(&env, "UPDATE schema_migration SET checksum = 'edited' "
                                       "WHERE name = '0001_foundation.sql'"),
                     0);
    o = px_test_cli(&env, &rc, migrate);
    assert_int_equal(rc, 1);
    json_t *e = json_object_get(o, "error");
    assert_string_equal(px_test_str(e, "code"), "migration_changed");
    assert_non_null(
        strstr(json_string_value(json_object_get(e, "message")), "0001_foundation.sql"));
    json_decref(o);
    px_test_db_drop(&env);
}
