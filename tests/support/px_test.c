#include "px_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "px_crypto.h"
#include "px_proc.h"

extern char **environ;

static const char *admin_url(void)
{
    const char *u = getenv("PACKID_TEST_DATABASE_URL");
    if (!u || !*u)
        fail_msg("PACKID_TEST_DATABASE_URL is not set: run the tests with scripts/test.sh");
    return u;
}

static void admin_exec(const char *sql)
{
    PGconn *c = PQconnectdb(admin_url());
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect to the test server: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

void px_test_db_create(px_test_env *env)
{
    uint8_t b[6];
    char hex[13], sql[200];
    px_random_bytes(b, sizeof(b));
    px_hex_encode(hex, b, sizeof(b));
    snprintf(env->db_name, sizeof(env->db_name), "t_%s", hex);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE packid_template", env->db_name);
    admin_exec(sql);
    snprintf(env->conninfo, sizeof(env->conninfo), "%s dbname=%s", admin_url(), env->db_name);
    snprintf(env->data_dir, sizeof(env->data_dir), "/tmp/packid-test-%s", hex);
}

void px_test_embedded_init(px_test_env *env)
{
    memset(env, 0, sizeof(*env));
    uint8_t b[6];
    char hex[13];
    px_random_bytes(b, sizeof(b));
    px_hex_encode(hex, b, sizeof(b));
    snprintf(env->data_dir, sizeof(env->data_dir), "/tmp/packid-embedded-%s", hex);
    env->embedded = 1;
}

void px_test_db_drop(px_test_env *env)
{
    if (!env->db_name[0])
        return;
    char sql[200];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", env->db_name);
    admin_exec(sql);
    env->db_name[0] = '\0';
}

/* The slot of the extra that sets the variable of entry e ("NAME=value" or "NAME"), or -1: one
 * entry per name (a second one would leave which one counts to the reader). */
static int extra_slot(const px_test_env *env, const char *e)
{
    size_t k = strcspn(e, "=");
    for (int i = 0; i < env->n_extra; i++)
        if (strncmp(env->extra_env[i], e, k) == 0 && env->extra_env[i][k] == '=')
            return i;
    return -1;
}

void px_test_setenv(px_test_env *env, const char *name_value)
{
    assert_non_null(strchr(name_value, '='));
    int i = extra_slot(env, name_value);
    if (i < 0) {
        assert_true(env->n_extra < 8);
        i = env->n_extra++;
    }
    assert_true(strlen(name_value) < sizeof(env->extra_env[0]));
    snprintf(env->extra_env[i], sizeof(env->extra_env[0]), "%s", name_value);
}

void px_test_setenv_list(px_test_env *env, const char *const *name_values)
{
    for (size_t i = 0; name_values && name_values[i]; i++)
        px_test_setenv(env, name_values[i]);
}

const char *px_test_extra(const px_test_env *env, const char *name)
{
    int i = extra_slot(env, name);
    return i < 0 ? NULL : env->extra_env[i];
}

/* The child's environment: ours, plus the database, data dir, listen address and extras. */
static char **child_env(px_test_env *env, char *store, size_t cap, int listen)
{
    static __thread char *vec[512];
    int n = 0;
    for (char **e = environ; *e && n < 480; e++)
        if ((strncmp(*e, "PACKID_", 7) != 0 || strncmp(*e, "PACKID_TEST_", 12) == 0 ||
             strncmp(*e, "PACKID_ALLOW", 12) == 0) &&
            extra_slot(env, *e) < 0)
            vec[n++] = *e;
    size_t off = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int w = snprintf(store + off, cap - off, __VA_ARGS__);                                     \
        vec[n++] = store + off;                                                                    \
        off += (size_t)w + 1;                                                                      \
    } while (0)
    if (!env->embedded)
        ADD("PACKID_DATABASE_URL=%s", env->conninfo);
    ADD("PACKID_DATA_DIR=%s", env->data_dir);
    if (listen)
        ADD("PACKID_LISTEN=127.0.0.1:0");
    for (int i = 0; i < env->n_extra; i++)
        ADD("%s", env->extra_env[i]);
#undef ADD
    vec[n] = NULL;
    return vec;
}

void px_test_server_start(px_test_env *env)
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    char store[4096];
    char **envp = child_env(env, store, sizeof(store), 1);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 2);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        close(pipefd[0]);
        char *argv[] = {PX_PACKID_BIN, "serve", NULL};
        execve(PX_PACKID_BIN, argv, envp);
        _exit(127);
    }
    close(pipefd[1]);
    env->server_pid = pid;
    /* Read the server's log until its "listening" line gives the port; then keep draining
     * the pipe in the background (a child that forwards lines to our stderr). */
    FILE *f = fdopen(pipefd[0], "r");
    char line[4096];
    env->port = 0;
    while (fgets(line, sizeof(line), f)) {
        const char *p = strstr(line, "\"msg\":\"listening\"");
        if (p && (p = strstr(line, "\"port\":"))) {
            env->port = atoi(p + 7);
            break;
        }
        if (getenv("PX_TEST_VERBOSE"))
            fputs(line, stderr);
    }
    if (!env->port)
        fail_msg("packid serve did not start (exit status in waitpid)");
    /* Every line is also kept in the data folder's server.log (tests read the log), opened
     * here so that it is there before the forwarding child runs: teardown removes it. With
     * PACKID_DATABASE_URL the server makes no data folder of its own. */
    char path[320];
    snprintf(path, sizeof(path), "%s/server.log", env->data_dir);
    if (mkdir(env->data_dir, 0700) != 0 && errno != EEXIST)
        fprintf(stderr, "cannot create %s: %s\n", env->data_dir, strerror(errno));
    FILE *log = fopen(path, "a");
    if (fork() == 0) {
        while (fgets(line, sizeof(line), f)) {
            if (log) {
                fputs(line, log);
                fflush(log);
            }
            if (getenv("PX_TEST_VERBOSE") || strstr(line, "ERROR") || strstr(line, "runtime error"))
                fputs(line, stderr);
        }
        if (log)
            fclose(log);
        _exit(0);
    }
    if (log)
        fclose(log);
    fclose(f);
    snprintf(env->base_url, sizeof(env->base_url), "http://127.0.0.1:%d", env->port);
}

int px_test_server_stop(px_test_env *env)
{
    if (!env->server_pid)
        return 0;
    kill(env->server_pid, SIGTERM);
    int status = 0;
    /* Bounded: a test that failed while something outside the server held it (a receiver
     * holding a request, a lock a test connection keeps) fails here, said so, rather than
     * hanging its program until ctest's timeout. The server's own stop waits at most its
     * delivery timeout (PACKID_DELIVERY_TIMEOUT_MS, docs/delivery.md) and 10 s for a streamed
     * answer. */
    pid_t done = 0;
    for (int waited_ms = 0; (done = waitpid(env->server_pid, &status, WNOHANG)) == 0 &&
                            waited_ms < PX_TEST_STOP_WAIT_MS;
         waited_ms += 50)
        px_sleep_ms(50);
    if (done == 0) {
        fprintf(stderr, "packid server %d did not stop within %d ms of SIGTERM: killed\n",
                (int)env->server_pid, PX_TEST_STOP_WAIT_MS);
        kill(env->server_pid, SIGKILL);
        waitpid(env->server_pid, &status, 0);
        env->server_pid = 0;
        return 125;
    }
    env->server_pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void px_test_server_kill(px_test_env *env)
{
    if (!env->server_pid)
        return;
    kill(env->server_pid, SIGKILL);
    waitpid(env->server_pid, NULL, 0);
    env->server_pid = 0;
}

void px_test_teardown(px_test_env *env)
{
    int st = px_test_server_stop(env);
    px_test_db_drop(env);
    char log[320];
    snprintf(log, sizeof(log), "%s/server.log", env->data_dir);
    unlink(log);
    /* The audit signing key the server made on its first start (docs/audit.md), and any key
     * a test retired beside it. */
    char keys[320];
    snprintf(keys, sizeof(keys), "%s/audit", env->data_dir);
    DIR *d = opendir(keys);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char f[600];
        snprintf(f, sizeof(f), "%s/%s", keys, de->d_name);
        if (de->d_name[0] != '.')
            unlink(f);
    }
    if (d)
        closedir(d);
    rmdir(keys);
    rmdir(env->data_dir); /* the folder server_start made for the log; kept when not empty */
    /* A sanitizer report makes the server exit non-zero: that fails the test. */
    assert_int_equal(st, 0);
}

json_t *px_test_cli(px_test_env *env, int *exit_code, const char *const *args)
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    char store[4096];
    char **envp = child_env(env, store, sizeof(store), 0);
    char *argv[32];
    int n = 0;
    argv[n++] = PX_PACKID_BIN;
    for (int i = 0; args[i] && n < 30; i++)
        argv[n++] = (char *)args[i];
    argv[n++] = "--json";
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        execve(PX_PACKID_BIN, argv, envp);
        _exit(127);
    }
    close(pipefd[1]);
    char buf[65536];
    size_t len = 0;
    ssize_t k;
    while ((k = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)k;
    close(pipefd[0]);
    buf[len] = '\0';
    int status;
    waitpid(pid, &status, 0);
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return json_loads(buf, 0, NULL);
}

/* A GLN of its own for each MAH or CMO a test program makes, under a 12-digit company prefix
 * no product of the tests uses (098…): the organization's events carry a read point, which a
 * commission for a reporting market needs (docs/api.md "Commissioning"). */
static void next_gln(char out[14])
{
    static unsigned n;
    char twelve[13];
    snprintf(twelve, sizeof(twelve), "098%09u", ++n);
    px_test_gln(out, twelve);
}

void px_test_org_key(px_test_env *env, const char *kind, const char *name, const char *role,
                     char *org_id, char *api_key)
{
    char gln[14];
    next_gln(gln);
    int located = strcmp(kind, "mah") == 0 || strcmp(kind, "cmo") == 0;
    const char *a[] = {
        "--kind", kind, "--name", name, located ? "--gln" : NULL, gln, "--gln-prefix-length",
        "12",     NULL};
    px_test_org_args_key(env, a, role, org_id, api_key);
}

void px_test_org_key_bare(px_test_env *env, const char *kind, const char *name, const char *role,
                          char *org_id, char *api_key)
{
    const char *a[] = {"--kind", kind, "--name", name, NULL};
    px_test_org_args_key(env, a, role, org_id, api_key);
}

/* Runs `packid <args…>`, fails the test unless it exits 0 with JSON, copies member of its
 * answer into out (cap bytes). */
static void cli_member(px_test_env *env, const char *const *args, const char *member, char *out,
                       size_t cap)
{
    int rc;
    json_t *o = px_test_cli(env, &rc, args);
    assert_int_equal(rc, 0);
    assert_non_null(o);
    snprintf(out, cap, "%s", px_test_str(o, member));
    json_decref(o);
}

void px_test_key(px_test_env *env, const char *org_id, const char *role, char *api_key)
{
    const char *a[] = {"key", "create", "--org", org_id, "--role", role, NULL};
    cli_member(env, a, "api_key", api_key, 64);
}

void px_test_org_args_key(px_test_env *env, const char *const *org_args, const char *role,
                          char *org_id, char *api_key)
{
    const char *a[24] = {"org", "create"};
    int n = 2;
    for (int i = 0; org_args[i]; i++) {
        assert_true(n < 23);
        a[n++] = org_args[i];
    }
    a[n] = NULL;
    cli_member(env, a, "org_id", org_id, 40);
    px_test_key(env, org_id, role, api_key);
}

void px_test_mah_gln(px_test_env *env, const char *name, const char *gln, char *org_id,
                     char *api_key)
{
    const char *a[] = {"--kind", "mah", "--name", name, "--gln", gln, "--gln-prefix-length",
                       "7",      NULL};
    px_test_org_args_key(env, a, "mah", org_id, api_key);
}

void px_test_regulator(px_test_env *env, const char *name, const char *market, char *org_id,
                       char *api_key)
{
    const char *a[] = {"--kind", "regulator", "--name", name, "--market", market, NULL};
    px_test_org_args_key(env, a, "regulator", org_id, api_key);
}

typedef struct {
    char *data;
    size_t len;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    size_t add = size * n;
    char *d = realloc(s->data, s->len + add + 1);
    if (!d)
        return 0;
    memcpy(d + s->len, p, add);
    s->data = d;
    s->len += add;
    s->data[s->len] = '\0';
    return add;
}

/* Keeps the header lines of the last response (curl calls this per line, the status line
 * of each response first). */
static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
    px_http_resp *out = ctx;
    size_t len = size * n, have = strlen(out->headers);
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
        have = 0;
    size_t room = sizeof(out->headers) - 1 - have;
    size_t take = len < room ? len : room;
    memcpy(out->headers + have, data, take);
    out->headers[have + take] = '\0';
    return len;
}

void px_http(px_test_env *env, px_http_resp *out, const char *method, const char *path,
             const char *key, const char *body, const char *const *headers)
{
    px_http_from(env, out, method, path, key, body, headers, NULL);
}

void px_http_from(px_test_env *env, px_http_resp *out, const char *method, const char *path,
                  const char *key, const char *body, const char *const *headers, const char *from)
{
    memset(out, 0, sizeof(*out));
    CURL *c = curl_easy_init();
    char url[4096];
    snprintf(url, sizeof(url), "%s%s", env->base_url, path);
    struct curl_slist *h = NULL;
    char auth[256];
    if (key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        h = curl_slist_append(h, auth);
    }
    /* JSON unless the caller names its own Content-Type (EPCIS XML documents). */
    int own_type = 0;
    for (int i = 0; headers && headers[i]; i++)
        if (strncasecmp(headers[i], "Content-Type:", 13) == 0)
            own_type = 1;
    if (body && !own_type)
        h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    for (int i = 0; headers && headers[i]; i++)
        h = curl_slist_append(h, headers[i]);
    sink s = {calloc(1, 1), 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L); /* the headers only: no content follows */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
    if (from)
        curl_easy_setopt(c, CURLOPT_INTERFACE, from);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(out->content_type, sizeof(out->content_type), "%s", ct ? ct : "");
    out->body = s.data;
    out->len = s.len;
    if (strstr(out->content_type, "json"))
        out->json = json_loadb(s.data, s.len, 0, NULL);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

void px_http_resp_free(px_http_resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

int px_http_header(const px_http_resp *r, const char *name, char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(line + len - v);
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            snprintf(out, cap, "%.*s", (int)vl, v);
            return 0;
        }
        line = end ? end + 1 : line + len;
    }
    return -1;
}

const char *px_http_error_code(const px_http_resp *r)
{
    const char *c = json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
    return c ? c : "";
}

const char *px_http_detail_code(const px_http_resp *r)
{
    const char *c =
        json_string_value(json_object_get(json_array_get(px_test_details(r->json), 0), "code"));
    return c ? c : "";
}

static PGresult *query(px_test_env *env, PGconn **c, const char *sql)
{
    *c = PQconnectdb(env->conninfo);
    if (PQstatus(*c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(*c));
    return PQexec(*c, sql);
}

long long px_sql_count(px_test_env *env, const char *sql)
{
    PGconn *c;
    PGresult *r = query(env, &c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    long long v = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    PQfinish(c);
    return v;
}

int px_sql_exec(px_test_env *env, const char *sql)
{
    PGconn *c;
    PGresult *r = query(env, &c, sql);
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    PQfinish(c);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
}

void px_sql_text(px_test_env *env, const char *sql, char *out, size_t cap)
{
    PGconn *c;
    PGresult *r = query(env, &c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    snprintf(out, cap, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
}

int px_test_shell(const char *cmd)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return px_wait_exit(pid);
}

json_t *px_http_expect(px_test_env *env, const char *method, const char *path, const char *key,
                       const char *body, const char *const *headers, long want, const char *code)
{
    px_http_resp r;
    px_http(env, &r, method, path, key, body, headers);
    if (r.status != want || (code && strcmp(px_http_error_code(&r), code) != 0))
        fail_msg("%s %s %s: got %ld %s, want %ld %s", method, path, body ? body : "", r.status,
                 r.body, want, code ? code : "");
    json_t *j = r.json ? json_incref(r.json) : NULL;
    px_http_resp_free(&r);
    return j;
}

void px_test_gln(char out[14], const char *twelve)
{
    int sum = 0;
    for (int i = 0; i < 12; i++)
        sum += (twelve[11 - i] - '0') * (i % 2 == 0 ? 3 : 1);
    snprintf(out, 14, "%s%d", twelve, (10 - sum % 10) % 10);
}

/* base's 13 digits and their mod-10 check digit into out. */
static void gtin_of(char out[15], const char *base)
{
    /* Weights 3,1,3,… from the right of the 13 data digits (GS1 mod-10). */
    int sum = 0;
    for (int i = 12, w = 3; i >= 0; i--, w = 4 - w)
        sum += (base[i] - '0') * w;
    memcpy(out, base, 13);
    out[13] = (char)('0' + (10 - sum % 10) % 10);
    out[14] = '\0';
}

void px_test_gtin(char out[15], int n)
{
    char base[16];
    snprintf(base, sizeof(base), "04012345%05d", n % 100000);
    gtin_of(out, base);
}

void px_test_gtin_own(char out[15], int n)
{
    char base[16];
    snprintf(base, sizeof(base), "07%06d00000", n % 1000000);
    gtin_of(out, base);
}

int px_test_log_has(px_test_env *env, const char *a, const char *b)
{
    char path[320], line[8192];
    snprintf(path, sizeof(path), "%s/server.log", env->data_dir);
    int found = 0;
    /* The log is copied into the file by another process: a line just written may take a
     * moment to arrive, so the file is read again for up to 5 s. */
    for (int round = 0; !found && round < 100; round++) {
        if (round)
            px_sleep_ms(50);
        FILE *f = fopen(path, "r");
        while (f && !found && fgets(line, sizeof(line), f))
            found = strstr(line, a) && (!b || strstr(line, b));
        if (f)
            fclose(f);
    }
    return found;
}

/* body into a fresh temporary file; its name into path. */
static void body_file(char path[24], const void *body, size_t len)
{
    snprintf(path, 24, "/tmp/packid-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, body, len), (ssize_t)len);
    close(fd);
}

int px_test_run_on(const char *cmd, const char *body, size_t len, int quiet)
{
    char path[24];
    body_file(path, body, len);
    char line[1024];
    snprintf(line, sizeof(line), "%s '%s' %s", cmd, path, quiet ? ">/dev/null 2>&1" : ">&2");
    int rc = system(line);
    unlink(path);
    return rc;
}

void px_test_pipe(const char *cmd, const void *body, size_t len, char *out, size_t cap)
{
    char path[24];
    body_file(path, body, len);
    char line[1024];
    /* The redirection first: it feeds the first command of a pipeline. */
    snprintf(line, sizeof(line), "<'%s' %s", path, cmd);
    px_test_read(line, 1, out, cap);
    unlink(path);
}

void px_test_xsd_valid(const char *doc, size_t len)
{
    if (px_test_run_on(PX_SHARED_DIR "/tools/epcis-validate", doc, len, 1) != 0)
        fail_msg("the document does not validate against the EPCIS 1.2 XSD:\n%.2000s", doc);
}

void px_test_org_gln(px_test_env *env, const char *org_id, const char *gln)
{
    px_sqlf(env, "UPDATE organization SET gln = '%s', gln_prefix_length = 7 WHERE id = '%s'", gln,
            org_id);
}

void px_test_product_master(px_test_env *env, const char *gtin)
{
    px_sqlf(env,
            "UPDATE product SET master_data = '{\"dosage_form\":\"CAPSULE\",\"strength\":"
            "\"500 mg\",\"pack_size\":\"21 CAPSULE in 1 BLISTER PACK\",\"manufacturer\":"
            "\"Test MAH\",\"ndc\":\"12345-6789-01\"}' WHERE gtin = '%s'",
            gtin);
}

void px_test_idle_endpoint(px_test_env *env, const char *key, const char *market)
{
    char body[160];
    snprintf(body, sizeof(body), "{\"market\":\"%s\",\"url\":\"http://127.0.0.1:9/epcis\"}",
             market);
    json_decref(px_http_expect(env, "POST", "/v1/regulator-endpoints", key, body, NULL, 201, NULL));
}

int px_test_fixture_teardown(void **state)
{
    px_test_env *env = *state;
    if (!env)
        return 0;
    px_test_teardown(env);
    free(env);
    return 0;
}

int px_test_fixture_teardown_dir(void **state, const char *dir)
{
    if (dir)
        px_test_rmdir(dir);
    return px_test_fixture_teardown(state);
}

void *px_test_fixture_new(size_t size)
{
    px_test_env *env = calloc(1, size);
    assert_non_null(env);
    px_test_db_create(env);
    return env;
}

int px_test_fixture_setup(void **state)
{
    px_test_env *env = px_test_fixture_new(sizeof(*env));
    *state = env; /* teardown runs even when the start fails */
    px_test_server_start(env);
    return 0;
}

json_t *px_test_call(px_test_env *env, const char *method, const char *path, const char *key,
                     const char *body, long want)
{
    return px_http_expect(env, method, path, key, body, NULL, want, NULL);
}

void px_test_expect(px_test_env *env, const char *method, const char *path, const char *key,
                    const char *body, long want, const char *code)
{
    json_decref(px_http_expect(env, method, path, key, body, NULL, want, code));
}

void px_test_expect_field(px_test_env *env, const char *method, const char *path, const char *key,
                          const char *body, const char *field, const char *detail_code)
{
    json_t *j = px_http_expect(env, method, path, key, body, NULL, 422, "validation_error");
    px_expect_detail(j, 0, -1, detail_code, field);
    json_decref(j);
}

void px_test_is_download(const px_http_resp *r, const char *suffix)
{
    char cd[320], cc[64];
    if (px_http_header(r, "Content-Disposition", cd, sizeof(cd)) != 0 ||
        px_http_header(r, "Cache-Control", cc, sizeof(cc)) != 0)
        fail_msg("a download without its headers: %.500s", r->headers);
    size_t n = strlen(cd), k = strlen(suffix);
    if (strncmp(cd, "attachment; filename=\"", 22) != 0 || n < 24 + k ||
        strncmp(cd + n - k - 1, suffix, k) != 0 || cd[n - 1] != '"')
        fail_msg("Content-Disposition: %s (want attachment, a file name ending in %s)", cd, suffix);
    assert_string_equal(cc, "private, no-store");
}

json_t *px_test_details(json_t *answer)
{
    return json_object_get(json_object_get(answer, "error"), "details");
}

void px_expect_detail_at(const char *file, int line, json_t *answer, size_t i, long index,
                         const char *code, const char *field)
{
    json_t *d = json_array_get(px_test_details(answer), i);
    const char *got_code = json_string_value(json_object_get(d, "code"));
    const char *got_field = json_string_value(json_object_get(d, "field"));
    json_t *got_index = json_object_get(d, "index");
    if (!d ||
        (index >= 0 && (!json_is_integer(got_index) || json_integer_value(got_index) != index)) ||
        (code && (!got_code || strcmp(got_code, code) != 0)) ||
        (field && (!got_field || strcmp(got_field, field) != 0))) {
        char *dump = json_dumps(answer, 0);
        fail_msg("%s:%d: want detail %zu with index %ld, code %s, field %s in %s", file, line, i,
                 index, code ? code : "(any)", field ? field : "(any)", dump ? dump : "(null)");
    }
}

long long px_test_int(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) {
        char *dump = json_dumps(o, 0);
        fail_msg("no integer \"%s\" in %s", k, dump ? dump : "(null)");
    }
    return json_integer_value(v);
}

const char *px_test_str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    if (!s) {
        char *dump = json_dumps(o, 0);
        fail_msg("no string \"%s\" in %s", k, dump ? dump : "(null)");
    }
    return s;
}

void px_test_product(px_test_env *env, const char *key, const char *gtin, const char *name,
                     const char *market)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"company_prefix_length\":7,\"name\":\"%s\",\"market\":\"%s\"}",
             gtin, name, market);
    px_test_expect(env, "POST", "/v1/products", key, body, 201, NULL);
}

json_t *px_test_partner(px_test_env *env, const char *mah_key, const char *name,
                        const char *gtins_json, char *org_out, char *key_out)
{
    char body[512], gln[14];
    next_gln(gln);
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"gln\":\"%s\",\"gln_prefix_length\":12,\"gtins\":%s}", name, gln,
             gtins_json);
    json_t *j = px_test_call(env, "POST", "/v1/partners", mah_key, body, 201);
    if (org_out)
        snprintf(org_out, 40, "%s", px_test_str(j, "org_id"));
    if (key_out)
        snprintf(key_out, 64, "%s", px_test_str(j, "api_key"));
    return j;
}

char *px_test_pack_body(const char *sscc, const char *children_json)
{
    size_t cap = strlen(children_json) + 128;
    char *b = malloc(cap);
    assert_non_null(b);
    snprintf(b, cap, "{\"action\":\"pack\",\"parent\":{\"sscc\":\"%s\"},\"children\":%s}", sscc,
             children_json);
    return b;
}

void px_test_pack(px_test_env *env, const char *key, const char *sscc, const char *children_json)
{
    char *b = px_test_pack_body(sscc, children_json);
    json_decref(px_test_call(env, "POST", "/v1/aggregations", key, b, 201));
    free(b);
}

void px_test_pack_ops(px_test_env *env, const char *key, const char *gtin, const char *serial,
                      char *out, size_t cap)
{
    char path[160];
    snprintf(path, sizeof(path), "/v1/packs/%s/%s", gtin, serial);
    json_t *j = px_test_call(env, "GET", path, key, NULL, 200);
    json_t *evs = json_object_get(j, "events");
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(evs) && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "",
                              px_test_str(json_array_get(evs, i), "op"));
    json_decref(j);
}

char *px_test_commission_body(const char *gtin, const char *batch, const char *expiry,
                              const char *serials_json, int partial)
{
    size_t cap = strlen(serials_json) + 256;
    char *b = malloc(cap);
    assert_non_null(b);
    snprintf(b, cap,
             "{\"product_code\":\"%s\",\"product_code_schema\":\"GTIN\",\"batch\":\"%s\","
             "\"expiry_date\":\"%s\",\"serials\":%s%s}",
             gtin, batch, expiry, serials_json, partial ? ",\"partial\":true" : "");
    return b;
}

void px_test_commission(px_test_env *env, const char *key, const char *gtin, const char *batch,
                        const char *expiry, const char *serials_json)
{
    char *body = px_test_commission_body(gtin, batch, expiry, serials_json, 0);
    px_test_expect(env, "POST", "/v1/commissions", key, body, 200, NULL);
    free(body);
}

void px_test_serials(char *out, size_t cap, const char *prefix, int from, int n)
{
    size_t o = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s\"%s%d\"", i ? "," : "", prefix, from + i);
    if (o + 2 > cap)
        fail_msg("px_test_serials: %d serials do not fit %zu bytes", n, cap);
    snprintf(out + o, cap - o, "]");
}

void px_test_rows_begin(px_test_rows *s, px_test_env *env, const char *const *counted)
{
    s->env = env;
    size_t o = (size_t)snprintf(s->sql, sizeof(s->sql), "SELECT concat_ws(','");
    for (int i = 0; counted[i]; i++) {
        int whole = strncmp(counted[i], "SELECT ", 7) == 0;
        o += (size_t)snprintf(s->sql + o, sizeof(s->sql) - o, ", (%s%s)",
                              whole ? "" : "SELECT count(*) FROM ", counted[i]);
        assert_true(o + 2 < sizeof(s->sql));
    }
    snprintf(s->sql + o, sizeof(s->sql) - o, ")");
    px_sql_text(env, s->sql, s->before, sizeof(s->before));
}

void px_test_rows_same_at(px_test_rows *s, const char *what, const char *file, int line)
{
    char after[sizeof(s->before)];
    px_sql_text(s->env, s->sql, after, sizeof(after));
    if (strcmp(s->before, after) != 0)
        fail_msg("%s:%d: %s changed rows: %s -> %s", file, line, what, s->before, after);
}

json_t *px_test_refused_answer(px_test_env *env, const char *const *counted, const char *method,
                               const char *path, const char *key, const char *body,
                               const char *const *headers, long status, const char *code)
{
    px_test_rows rows;
    px_test_rows_begin(&rows, env, counted);
    json_t *j = px_http_expect(env, method, path, key, body, headers, status, code);
    char what[256];
    snprintf(what, sizeof(what), "%s %s", method, path);
    px_test_rows_same(&rows, what);
    return j;
}

void px_test_refused(px_test_env *env, const char *const *counted, const char *method,
                     const char *path, const char *key, const char *body,
                     const char *const *headers, long status, const char *code)
{
    json_decref(
        px_test_refused_answer(env, counted, method, path, key, body, headers, status, code));
}

int px_test_next_page(json_t *page, const char *base, char *path, size_t cap)
{
    if (!json_is_true(json_object_get(page, "has_next_page")))
        return 0;
    snprintf(path, cap, "%s&after=%s", base, px_test_str(page, "next_cursor"));
    return 1;
}

/* fmt's query into sql (cap bytes); a query that does not fit fails the test rather than run
 * cut. */
static void sql_vformat(char *sql, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(sql, cap, fmt, ap);
    if (n < 0 || (size_t)n >= cap)
        fail_msg("the query is longer than %zu bytes: %.120s", cap, sql);
}

long long px_count_of(px_test_env *env, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    sql_vformat(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    return px_sql_count(env, sql);
}

void px_sql_textf(px_test_env *env, char *out, size_t cap, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    sql_vformat(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    px_sql_text(env, sql, out, cap);
}

void px_expect_count_at(const char *file, int line, px_test_env *env, long long want,
                        const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(sql))
        fail_msg("%s:%d: the query is longer than %zu bytes", file, line, sizeof(sql));
    long long got = px_sql_count(env, sql);
    if (got != want)
        fail_msg("%s:%d: %lld, want %lld: %s", file, line, got, want, sql);
}

long px_test_proc_kb(pid_t pid, const char *name)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    long kb = -1;
    size_t nl = strlen(name);
    while (fgets(line, sizeof(line), fp))
        if (strncmp(line, name, nl) == 0 && line[nl] == ':')
            kb = strtol(line + nl + 1, NULL, 10);
    fclose(fp);
    return kb;
}

long long px_test_metric(px_test_env *env, const char *series)
{
    px_http_resp r;
    px_http(env, &r, "GET", "/metrics", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    char needle[256];
    snprintf(needle, sizeof(needle), "\n%s ", series);
    const char *p = strstr(r.body, needle);
    long long v = p ? strtoll(p + strlen(needle), NULL, 10) : -1;
    px_http_resp_free(&r);
    return v;
}

long long px_test_metric_of(px_test_env *env, const char *series)
{
    long long v = px_test_metric(env, series);
    if (v < 0)
        fail_msg("no metric %s", series);
    return v;
}

long long px_test_metric_soon(px_test_env *env, int tries, const char *series)
{
    long long v = px_test_metric(env, series);
    for (int i = 1; i < tries && v <= 0; i++) {
        px_sleep_ms(50);
        v = px_test_metric(env, series);
    }
    return v;
}

long long px_count_soon(px_test_env *env, int tries, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    sql_vformat(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    long long n = 0;
    for (int i = 0; i < tries && !n; i++) {
        n = px_sql_count(env, sql);
        if (!n)
            px_sleep_ms(50);
    }
    return n;
}

void px_audit_chains(px_test_env *env, const char *action, const char *subject, const char *key,
                     char *out, size_t cap)
{
    px_sql_textf(env, out, cap,
                 "SELECT coalesce(string_agg(coalesce(tenant_id::text, 'operator') || '=' || "
                 "coalesce(details->>'%s', 'null'), ',' ORDER BY tenant_id NULLS FIRST), '') FROM "
                 "audit_log WHERE action = '%s' AND subject = '%s'",
                 key, action, subject);
}

long long px_audit_count(px_test_env *env, const char *action, const char *subject)
{
    return px_count_of(env, "SELECT count(*) FROM audit_log WHERE action = '%s' AND subject = '%s'",
                       action, subject);
}

void px_sqlf(px_test_env *env, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    sql_vformat(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    PGconn *c;
    PGresult *r = query(env, &c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char why[512];
        snprintf(why, sizeof(why), "%s", PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(c);
        fail_msg("SQL failed: %s: %s", sql, why);
    }
    PQclear(r);
    PQfinish(c);
}

void px_test_partnership_sql(px_test_env *env, const char *mah_org, const char *cmo_org,
                             const char *gtin)
{
    px_sqlf(env,
            "WITH p AS (INSERT INTO partnership (mah_id, cmo_id) VALUES ('%s', '%s') RETURNING id) "
            "INSERT INTO partnership_product (partnership_id, gtin) SELECT id, '%s' FROM p",
            mah_org, cmo_org, gtin);
}

void px_test_product_sql(px_test_env *env, const char *gtin, const char *mah_org, const char *name,
                         const char *market)
{
    px_sqlf(env,
            "INSERT INTO product (gtin, mah_id, company_prefix_length, name, market) VALUES "
            "('%s', '%s', 7, '%s', '%s')",
            gtin, mah_org, name, market);
}

void px_test_commissioned_sql(px_test_env *env, const char *gtin, const char *batch,
                              const char *expiry, const char *prefix, int digits, long n,
                              const char *org)
{
    px_sqlf(env, "INSERT INTO batch (gtin, batch, expiry) VALUES ('%s', '%s', '%s')", gtin, batch,
            expiry);
    px_sqlf(env,
            "INSERT INTO serial (gtin, serial, state, allocated_to, batch, expiry, "
            "commissioned_by, commissioned_at) SELECT '%s', '%s' || lpad(g::text, %d, '0'), "
            "'commissioned', '%s', '%s', '%s', '%s', now() FROM generate_series(1, %ld) g",
            gtin, prefix, digits, org, batch, expiry, org, n);
}

void px_test_job_failed_webhook_sql(px_test_env *env, const char *tenant)
{
    px_sqlf(env,
            "INSERT INTO webhook (tenant_id, url, secret, events) VALUES ('%s', "
            "'http://127.0.0.1:9/hook', 'webhook-secret-0123456789', '{job.failed}')",
            tenant);
}

void px_test_released_sql(px_test_env *env, const char *gtin, const char *where)
{
    px_sqlf(env,
            "UPDATE serial SET state = 'released', released_at = now(), market = 'EU' WHERE "
            "gtin = '%s' AND %s",
            gtin, where);
}

void px_test_tmpdir(char *dir, size_t cap, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, cap, "%s/packid-%s-XXXXXX", tmp ? tmp : "/tmp", name);
    assert_non_null(mkdtemp(dir));
}

void px_test_rmdir(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (dir[0] == '/' && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int px_occurrences(const char *s, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += len)
        n++;
    return n;
}

void px_between(const char *s, const char *open, const char *close, char *out, size_t cap)
{
    out[0] = '\0';
    const char *a = strstr(s, open);
    if (!a)
        return;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b)
        return;
    snprintf(out, cap, "%.*s", (int)(b - a), a);
}

/* 1 when s is one of the '|'-separated words of list. */
static int one_of(const char *s, const char *list)
{
    size_t n = strlen(s);
    for (const char *p = list;; p++) {
        if (strncmp(p, s, n) == 0 && (p[n] == '|' || p[n] == '\0'))
            return 1;
        if (!(p = strchr(p, '|')))
            return 0;
    }
}

json_t *px_test_wait_for(px_test_env *env, const char *key, const char *path, const char *member,
                         const char *ends, int tries, long interval_ms)
{
    char last[64] = "";
    for (int i = 0; i < tries; i++) {
        json_t *j = px_test_call(env, "GET", path, key, NULL, 200);
        const char *v = px_test_str(j, member);
        if (one_of(v, ends))
            return j;
        snprintf(last, sizeof(last), "%s", v);
        json_decref(j);
        px_sleep_ms(interval_ms);
    }
    fail_msg("%s never reached %s %s (last: %s)", path, member, ends, last);
    return NULL;
}

json_t *px_test_wait_report(px_test_env *env, const char *key, const char *id, const char *want,
                            long interval_ms)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/reports/%s", id);
    return px_test_wait_for(env, key, path, "state", want, 600, interval_ms);
}

void px_test_xml_event_ids(const char *doc, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = doc; o < cap && (p = strstr(p, "<eventID>")) != NULL;) {
        p += strlen("<eventID>");
        const char *e = strstr(p, "</eventID>");
        assert_non_null(e);
        o += (size_t)snprintf(out + o, cap - o, "%.*s\n", (int)(e - p), p);
    }
}

void px_test_read(const char *path, int popen_cmd, char *out, size_t cap)
{
    FILE *f = popen_cmd ? popen(path, "r") : fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    if (popen_cmd)
        pclose(f);
    else
        fclose(f);
}

static void *async_run(void *vc)
{
    px_test_async *a = vc;
    px_http_resp r;
    px_http(a->env, &r, a->method, a->path, a->key, a->body, NULL);
    a->status = r.status;
    snprintf(a->code, sizeof(a->code), "%s", px_http_error_code(&r));
    snprintf(a->detail, sizeof(a->detail), "%s", px_http_detail_code(&r));
    px_http_resp_free(&r);
    return NULL;
}

void px_test_async_start(px_test_async *a)
{
    a->status = 0;
    a->code[0] = a->detail[0] = '\0';
    assert_int_equal(pthread_create(&a->th, NULL, async_run, a), 0);
}

long px_test_async_join(px_test_async *a)
{
    pthread_join(a->th, NULL);
    return a->status;
}

PGconn *px_test_hold(px_test_env *env, const char *sql)
{
    PGconn *held = PQconnectdb(env->conninfo);
    assert_int_equal(PQstatus(held), CONNECTION_OK);
    PGresult *r = PQexec(held, "BEGIN");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    r = PQexec(held, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(held));
    PQclear(r);
    return held;
}

void px_test_hold_end(PGconn *held, const char *then)
{
    PGresult *r;
    if (then) {
        r = PQexec(held, then);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("%s: %s", then, PQerrorMessage(held));
        PQclear(r);
    }
    r = PQexec(held, "COMMIT");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(held);
}

int px_test_wait_row_lock_waiters(px_test_env *env, int n)
{
    /* The first waiter on a row waits on the holder's transaction, the next ones on the
     * row's tuple lock; a revocation or suspension waits on an advisory lock (the actor
     * holds, store/key.c). Only this test's database counts: the other test programs
     * share the cluster (a transaction id lock names no database; its session does). */
    for (int i = 0; i < 200; i++) {
        if (px_count_of(env, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid "
                             "= l.pid WHERE NOT l.granted AND l.locktype IN ('transactionid', "
                             "'tuple', 'advisory') AND a.datname = current_database()") >= n)
            return 1;
        px_sleep_ms(25);
    }
    return 0;
}

int px_test_wait_table_lock_waiter(px_test_env *env, const char *pattern)
{
    for (int i = 0; i < 200; i++) {
        if (px_count_of(env,
                        "SELECT count(*) FROM pg_locks l JOIN pg_class k ON k.oid = l.relation "
                        "WHERE NOT l.granted AND k.relname LIKE '%s'",
                        pattern) > 0)
            return 1;
        px_sleep_ms(25);
    }
    return 0;
}

void px_test_dead_webhook_delivery(px_test_env *env, const char *tenant, char id[40])
{
    px_sql_textf(env, id, 40,
                 "INSERT INTO webhook_delivery (tenant_id, event, body, state, attempts) VALUES "
                 "('%s', 'report.dead', '{}', 'dead', 3) RETURNING id",
                 tenant);
}

void px_test_refuse_rows(px_test_env *env, const char *table, const char *condition,
                         const char *sqlstate)
{
    px_sqlf(env,
            "CREATE FUNCTION px_refuse_%s() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF %s "
            "THEN RAISE EXCEPTION 'injected refusal' USING ERRCODE = '%s'; END IF; RETURN NEW; "
            "END $$",
            table, condition, sqlstate);
    px_sqlf(env,
            "CREATE TRIGGER px_refuse_%s BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION "
            "px_refuse_%s()",
            table, table, table);
}

void px_test_refuse_end(px_test_env *env, const char *table)
{
    /* The DROP locks the table and each of its months: a server writing rows at that moment
     * (a scan flush) can make PostgreSQL end one of the two as a deadlock. The test's own
     * clean-up is the one tried again; a last failure is reported by px_sqlf. */
    char sql[160];
    snprintf(sql, sizeof(sql), "DROP TRIGGER px_refuse_%s ON %s", table, table);
    for (int i = 0; i < 4 && px_sql_exec(env, sql) != 0; i++)
        px_sleep_ms(50);
    px_sqlf(env, "DROP TRIGGER IF EXISTS px_refuse_%s ON %s", table, table);
    px_sqlf(env, "DROP FUNCTION px_refuse_%s()", table);
}

void px_test_pct_encode(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s && o + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
    }
    out[o] = '\0';
}
