/* Reads from a hot standby (docs/scaling.md "Reads from standbys"): a real streaming standby
 * of the tests' cluster (pg_basebackup -R: standby.signal and primary_conninfo) on its own
 * socket under the build folder, named by PACKID_READ_DATABASE_URL. No verdict is ever stale:
 * a pack whose decommission was answered is never `genuine` afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <pthread.h>

#include "px_test.h"

#define STANDBY_PORT "5499"
#define LOOP_PACKS 150 /* per client */
#define STANDBY_TRIES 20 /* reads tried before a test says the standby never answered */

static px_test_env env;
static char standby_dir[200];
static char standby_conninfo[400];
static char gtin[15];
static char key[64];

static void primary_socket(char *out, size_t cap)
{
    const char *u = getenv("PACKID_TEST_DATABASE_URL");
    const char *h = u ? strstr(u, "host=") : NULL;
    if (!h)
        fail_msg("PACKID_TEST_DATABASE_URL names no socket folder (host=)");
    h += 5;
    size_t n = strcspn(h, " ");
    if (n >= cap)
        fail_msg("socket folder too long");
    memcpy(out, h, n);
    out[n] = '\0';
}

/* One value from the standby, straight through libpq (not through packid). */
static void standby_text(const char *sql, char *out, size_t cap)
{
    PGconn *c = PQconnectdb(standby_conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("standby: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("standby: %s: %s", sql, PQresultErrorMessage(r));
    snprintf(out, cap, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
}

/* Reads sql on the standby every 10 ms, 500 times at most, until it gives want: replay pauses
 * and catches up in its own time. The last value read is left in out, for the caller to judge. */
static void standby_wait_for(const char *sql, const char *want, char *out, size_t cap)
{
    for (int i = 0; i < 500; i++) {
        standby_text(sql, out, cap);
        if (strcmp(out, want) == 0)
            return;
        px_sleep_ms(10);
    }
}

/* GET <route>/<gtin>/<serial> (as key, or without one when NULL): the status, and the string
 * member field of the answer into out ("" when none). */
static long get_field(const char *route, const char *serial, const char *k, const char *field,
                      char *out, size_t cap)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s/%s", route, gtin, serial);
    px_http_resp r;
    px_http(&env, &r, "GET", path, k, NULL, NULL);
    const char *v = r.status == 200 ? json_string_value(json_object_get(r.json, field)) : NULL;
    snprintf(out, cap, "%s", v ? v : "");
    long status = r.status;
    px_http_resp_free(&r);
    return status;
}

/* What a read on the standby says of the pack: its state through GET /v1/packs (a read routed
 * to a fenced standby), as a verdict: "genuine" while commissioned or released,
 * "decommissioned", "unknown" for 404. */
static const char *pack_verdict(const char *serial, char *out, size_t cap)
{
    char st[32];
    long status = get_field("/v1/packs", serial, key, "state", st, sizeof(st));
    const char *v = status == 404                                        ? "unknown"
                    : !st[0]                                             ? "error"
                    : strcmp(st, "decommissioned") == 0                  ? "decommissioned"
                    : strcmp(st, "commissioned") == 0 || !strcmp(st, "released") ? "genuine"
                                                                         : st;
    snprintf(out, cap, "%s", v);
    return out;
}

/* The public verification's verdict (GET /v1/verify, no key): the pack is read on a fenced
 * standby, the scan it records is written on the primary (docs/scaling.md). */
static const char *verify_verdict(const char *serial, char *out, size_t cap)
{
    get_field("/v1/verify", serial, NULL, "verdict", out, cap);
    if (!out[0])
        snprintf(out, cap, "error");
    return out;
}

static long decommission(const char *serial)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"serials\":[\"%s\"],\"reason\":\"dispensed\"}",
             gtin, serial);
    px_http_resp r;
    px_http(&env, &r, "POST", "/v1/decommissions", key, body, NULL);
    long st = r.status;
    px_http_resp_free(&r);
    return st;
}

static int setup(void **state)
{
    (void)state;
    memset(&env, 0, sizeof(env));
    px_test_db_create(&env);
    const char *data = getenv("PACKID_DATA_DIR");
    /* Under the build folder when its path leaves room for a socket path (107 bytes). */
    if (data && strlen(data) < 80)
        snprintf(standby_dir, sizeof(standby_dir), "%s-standby-%d", data, (int)getpid());
    else
        snprintf(standby_dir, sizeof(standby_dir), "/tmp/packid-standby-%d", (int)getpid());
    char sock[256], cmd[1024];
    primary_socket(sock, sizeof(sock));
    snprintf(cmd, sizeof(cmd), "bash %s/tests/support/standby.sh start '%s' %s '%s'",
             PX_SOURCE_DIR, standby_dir, STANDBY_PORT, sock);
    if (px_test_shell(cmd) != 0)
        fail_msg("the standby did not start (see %s)", standby_dir);
    snprintf(standby_conninfo, sizeof(standby_conninfo),
             "host=%s/run port=%s dbname=%s user=postgres", standby_dir, STANDBY_PORT,
             env.db_name);
    char in_recovery[8];
    standby_text("SELECT pg_is_in_recovery()", in_recovery, sizeof(in_recovery));
    assert_string_equal(in_recovery, "t");

    char setting[460];
    snprintf(setting, sizeof(setting), "PACKID_READ_DATABASE_URL=%s", standby_conninfo);
    px_test_setenv(&env, setting);
    px_test_setenv(&env, "PACKID_READ_MAX_WAIT_MS=200");
    px_test_setenv(&env, "PACKID_VERIFY_ON_STANDBY=1");
    /* One test client verifies hundreds of times: the public routes' per-client limits
     * would answer most of it 429 (docs/resolver.md). */
    px_test_setenv(&env, "PACKID_PUBLIC_RATE=1000000");
    px_test_setenv(&env, "PACKID_PUBLIC_BURST=1000000");
    px_test_server_start(&env);
    char org[40];
    px_test_org_key(&env, "mah", "Standby MAH", "mah", org, key);
    px_test_gtin(gtin, 4242);
    px_test_product(&env, key, gtin, "Standby", "EU");
    static char serials[2 * LOOP_PACKS * 12 + 64];
    px_test_serials(serials, sizeof(serials), "P", 0, 2 * LOOP_PACKS + 4);
    px_test_commission(&env, key, gtin, "B1", "751231", serials);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "bash %s/tests/support/standby.sh stop '%s'", PX_SOURCE_DIR,
             standby_dir);
    px_test_shell(cmd);
    px_test_teardown(&env);
    return 0;
}

/* Runs read (which asserts its own answer, whoever gave it) until one run moved the standby's
 * read counter by at least want, STANDBY_TRIES runs at most: a read falls back to the primary
 * when the standby has not reached the fence within PACKID_READ_MAX_WAIT_MS, as it may on a
 * loaded machine. Fails when the standby never answered; the number of runs otherwise. */
static int until_standby_reads(long want, void (*read)(void *), void *ctx)
{
    for (int t = 1; t <= STANDBY_TRIES; t++) {
        long before = px_test_metric_of(&env, "packid_db_standby_reads_total");
        read(ctx);
        if (px_test_metric_of(&env, "packid_db_standby_reads_total") >= before + want)
            return t;
    }
    fail_msg("the standby answered none of %d tries", STANDBY_TRIES);
    return 0;
}

static void read_pack_and_unknown(void *ctx)
{
    (void)ctx;
    char v[32];
    assert_string_equal(pack_verdict("P300", v, sizeof(v)), "genuine");
    assert_string_equal(pack_verdict("NOPE", v, sizeof(v)), "unknown");
}

static void read_public_verdict(void *ctx)
{
    (void)ctx;
    char v[32];
    assert_string_equal(verify_verdict("P300", v, sizeof(v)), "genuine");
}

/* The export's download, whole: the header and one line per pack. */
typedef struct download {
    const char *url;
    long long count;
} download;

static void read_download(void *vd)
{
    const download *d = vd;
    px_http_resp r;
    px_http(&env, &r, "GET", d->url, NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(px_occurrences(r.body, "\n"), d->count + 1);
    px_http_resp_free(&r);
}

/* The standby answers: the read counter moves and the verdict is the pack's. */
static void test_standby__verify_reads_from_standby(void)
{
    /* The commission is on the standby once replayed; until then the primary answers. */
    char s[32];
    standby_wait_for("SELECT state FROM serial WHERE serial = 'P300'", "commissioned", s,
                     sizeof(s));
    /* Both reads on the standby in one try; every answer the pack's, whoever gave it. */
    until_standby_reads(2, read_pack_and_unknown, NULL);
    /* REQ-SCALE-5: the public verification reads on the standby too, and its scan is written
     * on the primary (the standby accepts no write): one scan per verification. */
    long scans = px_count_of(&env, "SELECT count(*) FROM scan WHERE serial = 'P300'");
    int tries = until_standby_reads(1, read_public_verdict, NULL);
    for (int i = 0; i < 300; i++) {
        if (px_count_of(&env, "SELECT count(*) FROM scan WHERE serial = 'P300'") >= scans + tries)
            break;
        px_sleep_ms(10);
    }
    px_expect_count(&env, scans + tries, "SELECT count(*) FROM scan WHERE serial = 'P300'");
}

/* The completed export of batch (its answer, which the caller frees). */
static json_t *export_done(const char *batch)
{
    char body[128], path[160];
    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"batch\":\"%s\"}", gtin, batch);
    json_t *e = px_test_call(&env, "POST", "/v1/exports", key, body, 202);
    snprintf(path, sizeof(path), "/v1/exports/%s", px_test_str(e, "export_id"));
    json_decref(e);
    for (int i = 0; i < 600; i++) {
        px_sleep_ms(50);
        json_t *g = px_test_call(&env, "GET", path, key, NULL, 200);
        if (strcmp(px_test_str(g, "status"), "completed") == 0)
            return g;
        json_decref(g);
    }
    fail_msg("the export did not complete");
    return NULL;
}

/* REQ-SCALE-1: an export's download reads its pages on the standby, fenced at the position
 * the download began: every row of the export (committed before its link was given) is in
 * the file. With the standby's replay paused, an export made since is not there yet: its
 * download is whole all the same, read by the primary (a fallback). */
static void test_standby__export_download_from_standby(void)
{
    json_t *e = export_done("B1");
    long long count = px_test_int(e, "count");
    const char *url = strstr(px_test_str(e, "url"), "/v1/exports/");
    assert_non_null(url);
    assert_int_equal(count, 2 * LOOP_PACKS + 4);
    /* Every download is whole, whoever read it; within a few tries the standby reads one. */
    download d = {url, count};
    until_standby_reads(1, read_download, &d);
    json_decref(e);

    char s[32];
    standby_text("SELECT pg_wal_replay_pause()::text", s, sizeof(s));
    standby_wait_for("SELECT pg_get_wal_replay_pause_state()", "paused", s, sizeof(s));
    assert_string_equal(s, "paused");
    px_test_commission(&env, key, gtin, "B9", "751231", "[\"Q9-1\",\"Q9-2\",\"Q9-3\"]");
    e = export_done("B9");
    /* The outside oracle: the standby does not hold the batch yet. */
    standby_text("SELECT count(*)::text FROM serial WHERE batch = 'B9'", s, sizeof(s));
    assert_string_equal(s, "0");
    long fallbacks = px_test_metric_of(&env, "packid_db_standby_fallbacks_total");
    download d9 = {strstr(px_test_str(e, "url"), "/v1/exports/"), 3};
    assert_int_equal(px_test_int(e, "count"), 3);
    read_download(&d9);
    assert_true(px_test_metric_of(&env, "packid_db_standby_fallbacks_total") >= fallbacks + 1);
    json_decref(e);
    standby_text("SELECT pg_wal_replay_resume()::text", s, sizeof(s));
}

/* REQ-SCALE-1: with the standby's replay paused, it still says `commissioned` for a pack the
 * primary has decommissioned; the verification is answered by the primary (a fallback), never
 * from the stale standby. Once replay resumes the standby answers again. */
static void test_standby__paused_replay_never_answers_stale(void)
{
    char v[32], s[32];
    standby_text("SELECT pg_wal_replay_pause()::text", s, sizeof(s));
    standby_wait_for("SELECT pg_get_wal_replay_pause_state()", "paused", s, sizeof(s));
    assert_string_equal(s, "paused");
    assert_int_equal(decommission("P301"), 200);
    /* The outside oracle: the standby itself holds the stale state. */
    standby_text("SELECT state FROM serial WHERE serial = 'P301'", s, sizeof(s));
    assert_string_equal(s, "commissioned");
    long fallbacks = px_test_metric_of(&env, "packid_db_standby_fallbacks_total");
    assert_string_equal(pack_verdict("P301", v, sizeof(v)), "decommissioned");
    assert_true(px_test_metric_of(&env, "packid_db_standby_fallbacks_total") >= fallbacks + 1);
    fallbacks = px_test_metric_of(&env, "packid_db_standby_fallbacks_total");
    assert_string_equal(verify_verdict("P301", v, sizeof(v)), "decommissioned");
    assert_true(px_test_metric_of(&env, "packid_db_standby_fallbacks_total") >= fallbacks + 1);

    standby_text("SELECT pg_wal_replay_resume()::text", s, sizeof(s));
    standby_wait_for("SELECT state FROM serial WHERE serial = 'P301'", "decommissioned", s,
                     sizeof(s));
    assert_string_equal(s, "decommissioned");
    /* The standby answers again once it has replayed what the primary committed before the
     * read began; each verification commits its scan, so on a loaded machine a read may still
     * find it behind and fall back. Every answer is the fresh one; within a bounded number of
     * reads one comes from the standby. */
    long reads = px_test_metric_of(&env, "packid_db_standby_reads_total");
    for (int i = 0; i < 50; i++) {
        assert_string_equal(pack_verdict("P301", v, sizeof(v)), "decommissioned");
        assert_string_equal(verify_verdict("P301", v, sizeof(v)), "decommissioned");
        if (px_test_metric_of(&env, "packid_db_standby_reads_total") >= reads + 1)
            break;
        px_sleep_ms(100);
    }
    assert_true(px_test_metric_of(&env, "packid_db_standby_reads_total") >= reads + 1);
}

typedef struct client {
    int id;
    atomic_int stale;
    atomic_int verified;
    atomic_int failed;
} client;

static client clients[2];
/* The serial number each client decommissioned last (answer received), -1 before any. */
static atomic_int last_done[2];

static void judge(client *c, const char *v)
{
    atomic_fetch_add(&c->verified, 1);
    if (strcmp(v, "decommissioned") != 0) {
        if (strcmp(v, "genuine") == 0)
            atomic_fetch_add(&c->stale, 1);
        else
            atomic_fetch_add(&c->failed, 1);
    }
}

/* Both reads of pack n: the pack read and the public verification. */
static void check(client *c, int n)
{
    char serial[16], v[32];
    snprintf(serial, sizeof(serial), "P%d", n);
    judge(c, pack_verdict(serial, v, sizeof(v)));
    judge(c, verify_verdict(serial, v, sizeof(v)));
}

static void *client_loop(void *arg)
{
    client *c = arg;
    for (int i = 0; i < LOOP_PACKS; i++) {
        int n = 2 * i + c->id; /* client 0 the even serials, client 1 the odd ones */
        char serial[16];
        snprintf(serial, sizeof(serial), "P%d", n);
        if (decommission(serial) != 200) {
            atomic_fetch_add(&c->failed, 1);
            continue;
        }
        atomic_store(&last_done[c->id], n);
        /* Its own write at once, and the other client's last answered one. */
        check(c, n);
        int other = atomic_load(&last_done[1 - c->id]);
        if (other >= 0)
            check(c, other);
    }
    return NULL;
}

/* REQ-SCALE-1, REQ-SCALE-5: two clients decommission and verify in a tight loop (a pack read
 * and a public verification of each pack); every verification of a pack whose decommission
 * was answered says so — zero stale verdicts — while the standby answers reads. */
static void test_standby__tight_loop_zero_stale(void)
{
    long reads = px_test_metric_of(&env, "packid_db_standby_reads_total");
    long fallbacks = px_test_metric_of(&env, "packid_db_standby_fallbacks_total");
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        memset(&clients[i], 0, sizeof(clients[i]));
        clients[i].id = i;
        atomic_store(&last_done[i], -1);
    }
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, client_loop, &clients[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    int verified = 0, stale = 0, failed = 0;
    for (int i = 0; i < 2; i++) {
        verified += atomic_load(&clients[i].verified);
        stale += atomic_load(&clients[i].stale);
        failed += atomic_load(&clients[i].failed);
    }
    long on_standby = px_test_metric_of(&env, "packid_db_standby_reads_total") - reads;
    long on_primary = px_test_metric_of(&env, "packid_db_standby_fallbacks_total") - fallbacks;
    print_message("verifications %d, stale %d, failed %d; standby answered %ld, primary %ld\n",
                  verified, stale, failed, on_standby, on_primary);
    assert_int_equal(failed, 0);
    assert_int_equal(stale, 0);
    assert_true(verified >= 4 * LOOP_PACKS);
    /* The reads did go to the standby (not all fell back to the primary). */
    assert_true(on_standby > 0);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
