/* Integration-test harness (see tests/README.md). */
#ifndef PX_TEST_H
#define PX_TEST_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct px_test_env {
    char db_name[64];
    char conninfo[1024];      /* the fresh database */
    char data_dir[256];       /* PACKID_DATA_DIR for the server and CLI (temporary) */
    pid_t server_pid;
    int port;
    char base_url[64];
    char extra_env[8][256];   /* NAME=value pairs passed to the server and the CLI */
    int n_extra;
    int embedded;             /* 1: no PACKID_DATABASE_URL, the server runs its own cluster */
} px_test_env;

/* Prepares env for the embedded default database: a fresh temporary data folder and no
 * PACKID_DATABASE_URL. */
void px_test_embedded_init(px_test_env *env);
/* Creates a fresh database from packid_template (PACKID_TEST_DATABASE_URL names the admin
 * connection); fails the test on error. */
void px_test_db_create(px_test_env *env);
void px_test_db_drop(px_test_env *env);
/* Adds NAME=value to the environment of the server and CLI runs started afterwards. */
void px_test_setenv(px_test_env *env, const char *name_value);
/* Starts `packid serve` on 127.0.0.1 with a kernel-chosen port, waits until it listens. */
void px_test_server_start(px_test_env *env);
/* Gives organization org_id a GLN with its company prefix length (7), so its events carry a
 * read point and its reports a sender (docs/delivery.md "Preconditions"). */
void px_test_org_gln(px_test_env *env, const char *org_id, const char *gln);
/* Gives product gtin the master data every market profile asks for (an NDC included). */
void px_test_product_master(px_test_env *env, const char *gtin);
/* A regulator endpoint of the MAH (key) for market that nobody answers (loopback port 9): its
 * reports are queued and retried, which tests that only need a release to be reportable
 * ignore. The server must run with PACKID_OUTBOUND_ALLOW=127.0.0.1:9. */
void px_test_idle_endpoint(px_test_env *env, const char *key, const char *market);

/* 1 when the server's log (every line it wrote since it started, in the data folder's
 * server.log) has a line containing both a and b (b may be NULL). */
int px_test_log_has(px_test_env *env, const char *a, const char *b);
/* Fails the test unless doc validates against the official EPCIS 1.2 XSD (an outside oracle:
 * ../shared/tools/epcis-validate). */
void px_test_xsd_valid(const char *doc, size_t len);
/* SIGTERM and wait; returns the exit status. */
int px_test_server_stop(px_test_env *env);
/* SIGKILL (a crash) and wait. */
void px_test_server_kill(px_test_env *env);
/* Fresh database + server. */
void px_test_setup(px_test_env *env);
void px_test_teardown(px_test_env *env);

/* Runs `packid <args…> --json` against env's database; returns the parsed JSON output (the
 * caller json_decref()s) and the exit code in *exit_code. */
json_t *px_test_cli(px_test_env *env, int *exit_code, const char *const *args);
/* Convenience: creates an organization and a key; returns the key (static storage per call
 * site is the caller's: out must hold 64 bytes) and the org id (40 bytes). */
void px_test_org_key(px_test_env *env, const char *kind, const char *name, const char *role,
                     char *org_id, char *api_key);

typedef struct px_http_resp {
    long status;
    char *body;               /* NUL-terminated, malloc'd */
    size_t len;
    json_t *json;             /* parsed when the body is JSON, else NULL */
    char content_type[128];
} px_http_resp;

/* Performs method path with an optional key (sent as Authorization: Bearer) and body.
 * headers: NULL-terminated extra "Name: value" lines or NULL. */
void px_http(px_test_env *env, px_http_resp *out, const char *method, const char *path,
             const char *key, const char *body, const char *const *headers);
void px_http_resp_free(px_http_resp *r);
/* Performs the request and fails the test unless the status is want and, when code is not
 * NULL, the error code is code. Returns the JSON body (caller json_decref()s; NULL when the
 * body is not JSON). */
json_t *px_http_expect(px_test_env *env, const char *method, const char *path, const char *key,
                       const char *body, const char *const *headers, long want,
                       const char *code);
/* The n-th test GTIN-14 under company prefix 4012345 (item reference n, 0..99999) with its
 * mod-10 check digit computed as DOMAIN.md §1.1 states it (independently of src/gs1). */
void px_test_gtin(char out[15], int n);

/* The error code of an API error body, or "". */
const char *px_http_error_code(const px_http_resp *r);

/* Runs a shell command (test housekeeping); returns its exit status. */
int px_test_shell(const char *cmd);

/* SQL helpers on env's database. */
long long px_sql_count(px_test_env *env, const char *sql);
/* Runs a statement; returns 0 on success. */
int px_sql_exec(px_test_env *env, const char *sql);
/* First column of the first row as text into out (cap bytes); "" when no row. */
void px_sql_text(px_test_env *env, const char *sql, char *out, size_t cap);

#endif
