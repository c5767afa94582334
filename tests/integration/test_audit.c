/* The audit trail with no global lock and no blind spot (docs/audit.md), over a real server
 * and PostgreSQL: two tenants commissioning at once never wait on each other's lock; signed
 * checkpoints are listed and check out with OpenSSL's own command line; the signing key lives
 * in a private file, rotates, and old checkpoints still verify; and an attacker with database
 * access (triggers disabled) who cuts the tail, appends a forged entry with a valid hash, or
 * rewrites and re-chains history is caught. */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "px_test.h"

#define EXPIRY "751231"

typedef struct {
    px_test_env env;
    px_test_party a;
    char a_auditor[64], a_cmo[64];
    px_test_party b;
    char b_auditor[64], b_cmo[64];
    char gtin_a[15], gtin_b[15];
    char key_file[320];
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    /* Checkpoints only when a test asks (`packid audit checkpoint`): each test knows which
     * heads are signed. */
    px_test_setenv(&f->env, "PACKID_AUDIT_CHECKPOINT_INTERVAL=0");
    px_test_server_start(&f->env);
    snprintf(f->key_file, sizeof(f->key_file), "%s/audit/signing-key.pem", f->env.data_dir);
    px_test_org_key(&f->env, "mah", "Tenant A", "mah", f->a.org, f->a.key);
    px_test_org_key(&f->env, "mah", "Tenant B", "mah", f->b.org, f->b.key);
    px_test_key(&f->env, f->a.org, "auditor", f->a_auditor);
    px_test_key(&f->env, f->b.org, "auditor", f->b_auditor);
    px_test_gtin(f->gtin_a, 6001);
    px_test_gtin_own(f->gtin_b, 6002); /* tenant B numbers under a prefix of its own */
    px_test_product(&f->env, f->a.key, f->gtin_a, "A pack", "EU");
    px_test_product(&f->env, f->b.key, f->gtin_b, "B pack", "EU");
    char gtins[40];
    snprintf(gtins, sizeof(gtins), "[\"%s\"]", f->gtin_a);
    json_decref(px_test_partner(&f->env, f->a.key, "CMO of A", gtins, NULL, f->a_cmo));
    snprintf(gtins, sizeof(gtins), "[\"%s\"]", f->gtin_b);
    json_decref(px_test_partner(&f->env, f->b.key, "CMO of B", gtins, NULL, f->b_cmo));
    px_test_commission(&f->env, f->a_cmo, f->gtin_a, "A-0", EXPIRY, "[\"A0-1\",\"A0-2\"]");
    px_test_commission(&f->env, f->b_cmo, f->gtin_b, "B-0", EXPIRY, "[\"B0-1\",\"B0-2\"]");
    *state = f;
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static json_t *cli(fixture *f, int *rc, const char *const *args)
{
    return px_test_cli(&f->env, rc, args);
}

/* `packid audit verify [--checkpoint file]`: the verdict (caller json_decref()s). */
static json_t *verify_cli(fixture *f, const char *held, int *rc)
{
    const char *plain[] = {"audit", "verify", NULL};
    const char *with[] = {"audit", "verify", "--checkpoint", held, NULL};
    return cli(f, rc, held ? with : plain);
}

static void expect_intact(fixture *f)
{
    int rc;
    json_t *v = verify_cli(f, NULL, &rc);
    if (!json_is_true(json_object_get(v, "ok")))
        fail_msg("audit trail not intact: %s", json_string_value(json_object_get(v, "reason")));
    assert_int_equal(rc, 0);
    json_decref(v);
}

/* Fails unless verification breaks at entry seq with a reason containing why. */
static void expect_broken(fixture *f, const char *held, long long seq, const char *why)
{
    int rc;
    json_t *v = verify_cli(f, held, &rc);
    const char *reason = json_string_value(json_object_get(v, "reason"));
    if (!json_is_false(json_object_get(v, "ok")) || !reason || !strstr(reason, why))
        fail_msg("expected a break (%s), got ok=%d reason=%s", why,
                 json_is_true(json_object_get(v, "ok")), reason ? reason : "-");
    assert_int_equal(rc, 1);
    assert_int_equal(px_test_int(v, "broken_at"), seq);
    json_decref(v);
}

static int checkpoint_cli(fixture *f, int *refused)
{
    int rc;
    const char *a[] = {"audit", "checkpoint", NULL};
    json_t *o = cli(f, &rc, a);
    int made = (int)px_test_int(o, "made");
    *refused = (int)px_test_int(o, "refused");
    json_decref(o);
    return made;
}

/* Runs sql as an attacker with database access: the append-only triggers disabled around it
 * (ALTER TABLE … DISABLE TRIGGER USER), as the foundation's tamper test does. */
static void attack(fixture *f, const char *sql)
{
    char all[8192];
    snprintf(all, sizeof(all),
             "BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; "
             "ALTER TABLE audit_checkpoint DISABLE TRIGGER USER; %s; "
             "ALTER TABLE audit_log ENABLE TRIGGER USER; "
             "ALTER TABLE audit_checkpoint ENABLE TRIGGER USER; COMMIT",
             sql);
    if (px_sql_exec(&f->env, all) != 0)
        fail_msg("attack failed: %s", sql);
}

/* The attacker's copy of the documented canonical form of a chained entry (docs/audit.md),
 * written again in SQL: an outside recomputation of the hash packid's C code stores. */
#define CANONICAL_SQL(t)                                                                           \
    "'2|' || " t ".seq || '|' || (extract(epoch FROM " t ".at) * 1000000)::bigint || '|' || "      \
    "coalesce(" t ".org_id::text, '') || '|' || coalesce(" t ".key_id::text, '') || '|' || "       \
    "coalesce(" t ".tenant_id::text, '') || '|' || " t ".action || '|' || " t ".subject || "       \
    "'|' || " t ".details::text || '|' || " t ".prev_hash || '|' || " t ".chain || '|' || " t      \
    ".chain_seq || '|' || " t ".prev_seq"
#define HASH_SQL(t) "encode(sha256(convert_to(" CANONICAL_SQL(t) ", 'UTF8')), 'hex')"

/* Keeps a copy of the tables an attack changes, and puts it back (each tamper test leaves
 * the trail as it found it). */
static void snapshot(fixture *f)
{
    assert_int_equal(px_sql_exec(&f->env,
                                 "DROP TABLE IF EXISTS saved_log, saved_head, saved_cp; "
                                 "CREATE TABLE saved_log AS SELECT * FROM audit_log; "
                                 "CREATE TABLE saved_head AS SELECT * FROM audit_head; "
                                 "CREATE TABLE saved_cp AS SELECT * FROM audit_checkpoint"),
                     0);
}

static void restore(fixture *f)
{
    attack(f, "DELETE FROM audit_log; INSERT INTO audit_log SELECT * FROM saved_log; "
              "DELETE FROM audit_head; INSERT INTO audit_head SELECT * FROM saved_head; "
              "DELETE FROM audit_checkpoint; INSERT INTO audit_checkpoint SELECT * FROM saved_cp");
    expect_intact(f);
}

static long long tenant_last_seq(fixture *f, const char *org)
{
    return px_count_of(&f->env, "SELECT max(seq) FROM audit_log WHERE chain = '%s'", org);
}

/* The seq of the entry back entries before the head of org's chain: what an attacker's cut
 * keeps. */
static long long seq_before_head(fixture *f, const char *org, int back)
{
    return px_count_of(&f->env,
                       "SELECT seq FROM audit_log WHERE chain = '%s' ORDER BY seq DESC OFFSET %d "
                       "LIMIT 1",
                       org, back);
}

/* ---- no global lock --------------------------------------------------------------------- */

typedef struct {
    fixture *f;
    const char *key, *gtin, *batch, *serials;
    _Atomic long status; /* read by the test's thread while this one runs */
} commission_job;

static void *commission_thread(void *arg)
{
    commission_job *j = arg;
    char *body = px_test_commission_body(j->gtin, j->batch, EXPIRY, j->serials, 0);
    px_http_resp r;
    px_http(&j->f->env, &r, "POST", "/v1/commissions", j->key, body, NULL);
    j->status = r.status;
    px_http_resp_free(&r);
    free(body);
    return NULL;
}

/* Backends of the test's database waiting for a lock (pg_blocking_pids). */
static long long blocked(fixture *f)
{
    return px_sql_count(&f->env, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND cardinality(pg_blocking_pids(pid)) > 0");
}

/* One side of the two-tenant test: holder's commission is paused mid-transaction while
 * other's commission runs and must complete without waiting on anything. */
static void hold_and_commission(fixture *f, const char *holder_org, const char *holder_cmo,
                                const char *holder_gtin, const char *other_cmo,
                                const char *other_gtin, const char *tag)
{
    /* The holder's chain head row, held by a transaction of the test ... */
    PGconn *held = PQconnectdb(f->env.conninfo);
    assert_int_equal(PQstatus(held), CONNECTION_OK);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "BEGIN; SELECT chain_seq FROM audit_head WHERE chain = '%s' FOR UPDATE", holder_org);
    PGresult *res = PQexec(held, sql);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(res), 1);
    PQclear(res);
    /* ... stops the holder's real commission at its audit append, the last statement before
     * its COMMIT: its transaction stays open holding every lock it took (seen waiting in
     * pg_locks). */
    char batch[32], serials[64];
    snprintf(batch, sizeof(batch), "%s-H", tag);
    snprintf(serials, sizeof(serials), "[\"%sH-1\",\"%sH-2\"]", tag, tag);
    commission_job own = {f, holder_cmo, holder_gtin, batch, serials, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, commission_thread, &own), 0);
    int paused = 0;
    for (int i = 0; i < 5000 && !paused; i++) {
        paused = blocked(f) == 1;
        if (!paused)
            usleep(2000);
    }
    if (!paused) {
        PQclear(PQexec(held, "ROLLBACK"));
        pthread_join(th, NULL);
        PQfinish(held);
        fail_msg("the holder's commission was never seen paused at its audit append");
    }

    /* The other tenant commissions meanwhile. Had it to wait on any lock of the paused
     * commission (a global audit lock, a shared row), a second backend would show as
     * blocked: the loop fails then, releasing the holder so nothing hangs. No clock is read:
     * the request either completes or is seen waiting. */
    char obatch[32], oserials[64];
    snprintf(obatch, sizeof(obatch), "%s-1", tag);
    snprintf(oserials, sizeof(oserials), "[\"%s1-1\",\"%s1-2\",\"%s1-3\"]", tag, tag, tag);
    commission_job other = {f, other_cmo, other_gtin, obatch, oserials, 0};
    pthread_t to;
    assert_int_equal(pthread_create(&to, NULL, commission_thread, &other), 0);
    int waited = 0;
    for (;;) {
        if (blocked(f) > 1) {
            waited = 1;
            break;
        }
        if (pthread_tryjoin_np(to, NULL) == 0)
            break;
        usleep(2000);
    }
    /* The holder's commission is still paused: it completed nothing while the other ran. */
    int still_paused = own.status == 0 && blocked(f) == 1;
    PQclear(PQexec(held, "COMMIT"));
    if (waited)
        pthread_join(to, NULL);
    pthread_join(th, NULL);
    PQfinish(held);
    assert_false(waited);
    assert_true(still_paused);
    assert_int_equal(other.status, 200);
    assert_int_equal(own.status, 200);
}

static void test_audit__two_tenants_never_wait(void **state)
{
    /* REQ-AUDIT-1: tenant A's commission holds its transaction open (paused at its audit
     * append by a lock on A's chain head) while tenant B commissions and completes; then the
     * other way round. */
    fixture *f = *state;
    assert_int_equal(blocked(f), 0);
    hold_and_commission(f, f->a.org, f->a_cmo, f->gtin_a, f->b_cmo, f->gtin_b, "LB");
    hold_and_commission(f, f->b.org, f->b_cmo, f->gtin_b, f->a_cmo, f->gtin_a, "LA");
    /* Both chains verify after the interleaving. */
    expect_intact(f);
}

/* ---- checkpoints, key file, rotation --------------------------------------------------- */

/* Checks item's signature with the openssl command line and the public half of key_file: an
 * outside oracle for packid's Ed25519 signing (docs/audit.md gives the message). */
static int openssl_verifies(fixture *f, const char *key_file, json_t *item)
{
    char dir[300], cmd[2048];
    snprintf(dir, sizeof(dir), "%s/oracle", f->env.data_dir);
    mkdir(dir, 0700);
    char path[400];
    snprintf(path, sizeof(path), "%s/msg", dir);
    FILE *m = fopen(path, "w");
    assert_non_null(m);
    fprintf(m, "packid-audit-checkpoint-v1|%s|%lld|%lld|%s|%s", px_test_str(item, "chain"),
            (long long)px_test_int(item, "entries"), (long long)px_test_int(item, "seq"),
            px_test_str(item, "head"), px_test_str(item, "at"));
    fclose(m);
    /* The signature's bytes from its hex digits. */
    snprintf(path, sizeof(path), "%s/sig", dir);
    FILE *sf = fopen(path, "wb");
    assert_non_null(sf);
    const char *hex = px_test_str(item, "signature");
    for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
        unsigned byte;
        char two[3] = {hex[i], hex[i + 1], '\0'};
        assert_int_equal(sscanf(two, "%2x", &byte), 1);
        fputc((int)byte, sf);
    }
    fclose(sf);
    snprintf(cmd, sizeof(cmd),
             "cd %s && openssl pkey -in %s -pubout -out pub.pem 2>/dev/null && "
             "openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in msg -sigfile sig "
             ">/dev/null 2>&1",
             dir, key_file);
    int ok = px_test_shell(cmd) == 0;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    px_test_shell(cmd);
    return ok;
}

/* The key_id of key_file as the openssl command line derives it: the first 16 hex digits of
 * SHA-256 over the raw 32-byte public key (the last 32 bytes of its DER form). */
static void openssl_key_id(fixture *f, const char *key_file, char out[17])
{
    char cmd[1024], path[400];
    snprintf(path, sizeof(path), "%s/key_id", f->env.data_dir);
    snprintf(cmd, sizeof(cmd),
             "openssl pkey -in %s -pubout -outform DER 2>/dev/null | tail -c 32 | sha256sum "
             "| cut -c1-16 > %s",
             key_file, path);
    assert_int_equal(px_test_shell(cmd), 0);
    FILE *k = fopen(path, "r");
    assert_non_null(k);
    assert_non_null(fgets(out, 17, k));
    fclose(k);
    unlink(path);
}

/* The seqs a key's GET /v1/audit walk gives, page by page (first=3), comma-joined. */
static void audit_seqs(fixture *f, const char *key, const char *order, char *out, size_t cap)
{
    out[0] = '\0';
    char base[128], path[256];
    snprintf(base, sizeof(base), "/v1/audit?first=3%s%s", order ? "&order=" : "",
             order ? order : "");
    snprintf(path, sizeof(path), "%s", base);
    for (int more = 1; more;) {
        json_t *j = px_test_call(&f->env, "GET", path, key, NULL, 200);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(j, "items"), i, it)
        {
            size_t o = strlen(out);
            snprintf(out + o, cap - o, "%s%lld", o ? "," : "", (long long)px_test_int(it, "seq"));
        }
        more = px_test_next_page(j, base, path, sizeof(path));
        json_decref(j);
    }
}

/* GET /v1/audit oldest first (the default, CREATED_ASC) and newest first (CREATED_DESC), every
 * page, against the tenant's rows in audit_log; a cursor of one order is refused by the
 * other; an unknown order is 422 naming the field. */
static void test_audit__list_both_orders(void **state)
{
    fixture *f = *state;
    char asc[8192], desc[8192], want[8192];
    px_sql_textf(
        &f->env, want, sizeof(want),
        "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM audit_log WHERE tenant_id = '%s'",
        f->a.org);
    assert_non_null(strchr(want, ','));
    audit_seqs(f, f->a_auditor, NULL, asc, sizeof(asc));
    assert_string_equal(asc, want);
    audit_seqs(f, f->a_auditor, "CREATED_ASC", asc, sizeof(asc));
    assert_string_equal(asc, want);
    px_sql_textf(&f->env, want, sizeof(want),
                 "SELECT string_agg(seq::text, ',' ORDER BY seq DESC) FROM audit_log WHERE "
                 "tenant_id = '%s'",
                 f->a.org);
    audit_seqs(f, f->a_auditor, "CREATED_DESC", desc, sizeof(desc));
    assert_string_equal(desc, want);
    /* Cursors do not cross orders. */
    json_t *j = px_test_call(&f->env, "GET", "/v1/audit?first=1&order=CREATED_DESC", f->a_auditor,
                             NULL, 200);
    char path[256];
    snprintf(path, sizeof(path), "/v1/audit?after=%s",
             json_string_value(json_object_get(j, "next_cursor")));
    json_decref(j);
    px_test_expect(&f->env, "GET", path, f->a_auditor, NULL, 400, NULL);
    j = px_test_call(&f->env, "GET", "/v1/audit?first=1", f->a_auditor, NULL, 200);
    snprintf(path, sizeof(path), "/v1/audit?order=CREATED_DESC&after=%s",
             json_string_value(json_object_get(j, "next_cursor")));
    json_decref(j);
    px_test_expect(&f->env, "GET", path, f->a_auditor, NULL, 400, NULL);
    j = px_test_call(&f->env, "GET", "/v1/audit?order=newest", f->a_auditor, NULL, 422);
    px_expect_detail(j, 0, -1, NULL, "order");
    json_decref(j);
}

static void test_audit__checkpoints_signed_and_listed(void **state)
{
    fixture *f = *state;
    int refused;
    /* REQ-AUDIT-5: on demand, one checkpoint per chain whose head moved; none refused. */
    assert_true(checkpoint_cli(f, &refused) >= 3); /* the operator's chain, A's and B's */
    assert_int_equal(refused, 0);
    assert_int_equal(checkpoint_cli(f, &refused), 0); /* nothing moved since */
    /* The same pass through the API, for a pass the worker failed (an admin key only): a chain
     * that moved since (here the operator's, by this key's own creation) is signed. */
    char op_org[40], admin[64];
    px_test_org_key(&f->env, "operator", "Checkpoint operator", "admin", op_org, admin);
    long long cps = px_count_of(&f->env, "SELECT count(*) FROM audit_checkpoint");
    json_t *pass = px_test_call(&f->env, "POST", "/v1/audit/checkpoints", admin, NULL, 200);
    assert_true(px_test_int(pass, "made") >= 1);
    assert_int_equal(px_test_int(pass, "refused"), 0);
    json_decref(pass);
    px_expect_count(&f->env, cps + 1, "SELECT count(*) FROM audit_checkpoint");
    px_test_expect(&f->env, "POST", "/v1/audit/checkpoints", f->a.key, NULL, 403, "forbidden_role");

    char key_id[17];
    openssl_key_id(f, f->key_file, key_id);
    /* A's auditor lists A's chain only; the last checkpoint names A's head entry. */
    json_t *page = px_test_call(&f->env, "GET", "/v1/audit/checkpoints", f->a_auditor, NULL, 200);
    json_t *items = json_object_get(page, "items");
    assert_true(json_array_size(items) >= 1);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        assert_string_equal(px_test_str(it, "chain"), f->a.org);
        assert_string_equal(px_test_str(it, "key_id"), key_id);
        assert_true(openssl_verifies(f, f->key_file, it));
    }
    json_t *last = json_array_get(items, json_array_size(items) - 1);
    long long seq = px_test_int(last, "seq");
    assert_int_equal(seq, tenant_last_seq(f, f->a.org));
    char q[256], hash[80];
    px_sql_textf(&f->env, hash, sizeof(hash), "SELECT hash FROM audit_log WHERE seq = %lld", seq);
    assert_string_equal(px_test_str(last, "head"), hash);
    snprintf(q, sizeof(q), "SELECT count(*) FROM audit_log WHERE chain = '%s'", f->a.org);
    assert_int_equal(px_test_int(last, "entries"), px_sql_count(&f->env, q));
    /* The auditor follows A's chain through GET /v1/audit alone: positions without gaps,
     * each link naming the entry before, and the checkpointed head where it was signed. */
    json_t *log = px_test_call(&f->env, "GET", "/v1/audit?first=1000", f->a_auditor, NULL, 200);
    json_t *entries = json_object_get(log, "items");
    long long prev_seq = 0, pos = 0;
    const char *prev_hash = NULL;
    int head_found = 0;
    json_array_foreach(entries, i, it)
    {
        assert_int_equal(px_test_int(it, "chain_seq"), ++pos);
        assert_int_equal(px_test_int(it, "prev_seq"), prev_seq);
        if (prev_hash)
            assert_string_equal(px_test_str(it, "prev_hash"), prev_hash);
        prev_seq = px_test_int(it, "seq");
        prev_hash = px_test_str(it, "hash");
        if (prev_seq == seq) {
            assert_string_equal(prev_hash, px_test_str(last, "head"));
            head_found = 1;
        }
    }
    assert_true(head_found);
    json_decref(log);
    /* A signature that is changed by one digit does not verify with openssl either. */
    char bad[140];
    snprintf(bad, sizeof(bad), "%s", px_test_str(last, "signature"));
    bad[0] = bad[0] == '0' ? '1' : '0';
    json_object_set_new(last, "signature", json_string(bad));
    assert_false(openssl_verifies(f, f->key_file, last));
    json_decref(page);

    page =
        px_test_call(&f->env, "GET", "/v1/audit/checkpoints?first=1000", f->b_auditor, NULL, 200);
    /* B's checkpoints (the signer may add one meanwhile: at most as many as there are after),
     * and none of another chain's. */
    size_t listed = json_array_size(json_object_get(page, "items"));
    assert_true(listed >= 1);
    assert_true(
        (long long)listed <=
        px_count_of(&f->env, "SELECT count(*) FROM audit_checkpoint WHERE chain = '%s'", f->b.org));
    json_array_foreach(json_object_get(page, "items"), i, it)
        assert_string_equal(px_test_str(it, "chain"), f->b.org);
    json_decref(page);
    px_test_expect(&f->env, "GET", "/v1/audit/checkpoints", f->a_cmo, NULL, 403, "forbidden_role");
    /* Paged one at a time: every checkpoint of A's chain once, oldest first. */
    long long pages = 0, last_seq = 0;
    char path[256] = "/v1/audit/checkpoints?first=1";
    for (;;) {
        page = px_test_call(&f->env, "GET", path, f->a_auditor, NULL, 200);
        json_t *one = json_array_get(json_object_get(page, "items"), 0);
        if (one) {
            long long s = px_test_int(one, "seq");
            assert_true(s > last_seq);
            last_seq = s;
            pages++;
        }
        int more = json_is_true(json_object_get(page, "has_next_page"));
        if (more)
            snprintf(path, sizeof(path), "/v1/audit/checkpoints?first=1&after=%s",
                     px_test_str(page, "next_cursor"));
        json_decref(page);
        if (!more)
            break;
    }
    snprintf(q, sizeof(q), "SELECT count(*) FROM audit_checkpoint WHERE chain = '%s'", f->a.org);
    assert_int_equal(pages, px_sql_count(&f->env, q));
    /* The verdict counts the checkpoints it checked: all of them for the operator, whose
     * head is the whole log's latest entry; a tenant's own chain's alone (the whole count told
     * how often the others' chains were sealed). */
    int rc;
    json_t *v = verify_cli(f, NULL, &rc);
    assert_true(json_is_true(json_object_get(v, "ok")));
    assert_true(px_test_int(v, "checkpoints") >= 3);
    assert_int_equal(px_test_int(v, "checkpoints"),
                     px_count_of(&f->env, "SELECT count(*) FROM audit_checkpoint"));
    json_decref(v);
    v = px_test_call(&f->env, "GET", "/v1/audit/verify", f->a.key, NULL, 200);
    assert_int_equal(px_test_int(v, "checkpoints"), pages);
    assert_true(pages < px_count_of(&f->env, "SELECT count(*) FROM audit_checkpoint"));
    json_decref(v);
    char latest[80];
    px_sql_text(&f->env, "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1", latest,
                sizeof(latest));
    v = verify_cli(f, NULL, &rc);
    assert_string_equal(px_test_str(v, "head"), latest);
    json_decref(v);
}

static void test_audit__key_file_private(void **state)
{
    fixture *f = *state;
    /* Made on first start, readable by its owner only, in a folder only its owner enters. */
    struct stat st;
    assert_int_equal(stat(f->key_file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char dir[320];
    snprintf(dir, sizeof(dir), "%s/audit", f->env.data_dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    /* Never in the database: no table holds the private key's PEM text or its base64 body. */
    char cmd[600], body[128];
    snprintf(cmd, sizeof(cmd), "sed -n 2p %s > %s/pem-body", f->key_file, f->env.data_dir);
    assert_int_equal(px_test_shell(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/pem-body", f->env.data_dir);
    FILE *b = fopen(cmd, "r");
    assert_non_null(b);
    assert_non_null(fgets(body, sizeof(body), b));
    fclose(b);
    unlink(cmd);
    body[strcspn(body, "\n")] = '\0';
    assert_true(strlen(body) > 40);
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM audit_log l WHERE position('%s' IN l::text) > 0 OR "
                    "position('PRIVATE KEY' IN l::text) > 0",
                    body);
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM audit_checkpoint c WHERE position('%s' IN c::text) > 0",
                    body);
    /* ... nor in the server's log. */
    assert_false(px_test_log_has(&f->env, body, NULL) || px_test_log_has(&f->env, "PRIVATE", NULL));
    /* A key file others may read is refused: packid will not sign with a shared secret. */
    assert_int_equal(chmod(f->key_file, 0640), 0);
    int rc;
    const char *a[] = {"audit", "verify", NULL};
    json_t *o = cli(f, &rc, a);
    assert_int_equal(rc, 1);
    const char *msg = json_string_value(json_object_get(json_object_get(o, "error"), "message"));
    assert_non_null(msg);
    assert_non_null(strstr(msg, "may be read by others"));
    json_decref(o);
    assert_int_equal(chmod(f->key_file, 0600), 0);
    expect_intact(f);
}

/* ---- the three tampers ------------------------------------------------------------------ */

static void test_audit__attacker_hash_is_the_documented_one(void **state)
{
    /* The attacker's SQL recomputation matches every stored hash: the forged rows below carry
     * hashes as valid as packid's own. */
    fixture *f = *state;
    px_expect_count(&f->env, 0, "%s",
                    "SELECT count(*) FROM audit_log a WHERE chain IS NOT "
                    "NULL AND hash <> " HASH_SQL("a"));
    assert_true(px_sql_count(&f->env, "SELECT count(*) FROM audit_log WHERE chain IS NOT NULL") >
                10);
}

static void test_audit__deleted_tail_detected(void **state)
{
    fixture *f = *state;
    int refused;
    checkpoint_cli(f, &refused);
    snapshot(f);
    long long head = tenant_last_seq(f, f->a.org);
    long long keep = seq_before_head(f, f->a.org, 2);
    assert_true(keep > 0);
    char q[1024];
    /* REQ-AUDIT-3: the naive cut (the head row left as it was) is seen by the head row. */
    snprintf(q, sizeof(q), "DELETE FROM audit_log WHERE chain = '%s' AND seq > %lld", f->a.org,
             keep);
    attack(f, q);
    expect_broken(f, NULL, head, "is missing");
    /* REQ-AUDIT-4: the careful cut also rewrites the head row to the new last entry: the
     * signed checkpoint of the old head catches it. */
    snprintf(q, sizeof(q),
             "UPDATE audit_head h SET last_seq = l.seq, chain_seq = l.chain_seq, last_hash = "
             "l.hash FROM audit_log l WHERE l.seq = %lld AND h.chain = l.chain",
             keep);
    attack(f, q);
    expect_broken(f, NULL, head, "signed in a checkpoint, is missing");
    /* A MAH learns that its chain was cut, and where: the entry is its own. */
    json_t *v = px_test_call(&f->env, "GET", "/v1/audit/verify", f->a.key, NULL, 200);
    assert_true(json_is_false(json_object_get(v, "ok")));
    assert_int_equal(px_test_int(v, "broken_at"), head);
    json_decref(v);
    restore(f);
}

static void test_audit__held_checkpoint_detects_cut_with_checkpoints_deleted(void **state)
{
    /* The attacker also deletes the checkpoints that name the cut entries (he cannot forge
     * new ones): a verifier holding an earlier checkpoint, kept from the API, still sees it. */
    fixture *f = *state;
    int refused;
    px_test_commission(&f->env, f->a_cmo, f->gtin_a, "A-3", EXPIRY, "[\"A3-1\"]");
    checkpoint_cli(f, &refused);
    json_t *page =
        px_test_call(&f->env, "GET", "/v1/audit/checkpoints?first=1000", f->a_auditor, NULL, 200);
    char held[400];
    snprintf(held, sizeof(held), "%s/held-checkpoints.json", f->env.data_dir);
    /* A held file whose head carries more than a head can is refused, never read as cut. */
    json_t *first = json_array_get(json_object_get(page, "items"), 0);
    char longer[256];
    snprintf(longer, sizeof(longer), "%s00", px_test_str(first, "head"));
    json_t *orig = json_incref(json_object_get(first, "head"));
    json_object_set_new(first, "head", json_string(longer));
    assert_int_equal(json_dump_file(page, held, 0), 0);
    int rc;
    json_t *v = verify_cli(f, held, &rc);
    assert_int_not_equal(rc, 0);
    char *said = json_dumps(v, 0);
    json_decref(v);
    if (!said || !strstr(said, "longer than any checkpoint"))
        fail_msg("a too long held head: %s", said ? said : "(nothing)");
    free(said);
    json_object_set_new(first, "head", orig);
    assert_int_equal(json_dump_file(page, held, 0), 0);
    json_decref(page);
    snapshot(f);
    long long head = tenant_last_seq(f, f->a.org);
    long long keep = seq_before_head(f, f->a.org, 1);
    char q[1024];
    snprintf(q, sizeof(q),
             "DELETE FROM audit_log WHERE chain = '%s' AND seq > %lld; "
             "DELETE FROM audit_checkpoint WHERE chain = '%s' AND seq > %lld; "
             "UPDATE audit_head h SET last_seq = l.seq, chain_seq = l.chain_seq, last_hash = "
             "l.hash FROM audit_log l WHERE l.seq = %lld AND h.chain = l.chain",
             f->a.org, keep, f->a.org, keep, keep);
    attack(f, q);
    /* The database alone now tells a consistent, shorter story ... */
    expect_intact(f);
    /* ... which the held checkpoint refutes. */
    expect_broken(f, held, head, "signed in a checkpoint, is missing");
    unlink(held);
    restore(f);
}

static void test_audit__forged_append_detected(void **state)
{
    fixture *f = *state;
    snapshot(f);
    /* REQ-AUDIT-2: a forged entry appended to A's chain, linked and hashed exactly as packid
     * would (next seq, next position, the head's hash as prev_hash, the documented canonical
     * form), with the head row moved to it; its seal is copied from a genuine entry. */
    char q[4096];
    snprintf(
        q, sizeof(q),
        "WITH h AS (SELECT * FROM audit_head WHERE chain = '%s'), "
        "n AS (SELECT nextval('audit_log_seq') AS seq, date_trunc('milliseconds', now()) AS at) "
        "INSERT INTO audit_log (seq, at, org_id, key_id, tenant_id, action, subject, details, "
        "prev_hash, hash, chain, chain_seq, prev_seq, mac, mac_key) "
        "SELECT n.seq, n.at, h.chain, NULL, h.chain, 'pack.decommission', 'forged', "
        "'{\"reason\":\"destroyed\"}', h.last_hash, '', h.chain, h.chain_seq + 1, "
        "h.last_seq, (SELECT mac FROM audit_log WHERE seq = h.last_seq), "
        "(SELECT mac_key FROM audit_log WHERE seq = h.last_seq) FROM h, n; "
        "UPDATE audit_log a SET hash = " HASH_SQL(
            "a") " WHERE subject = 'forged'; "
                 "UPDATE audit_head h SET last_seq = a.seq, chain_seq = a.chain_seq, last_hash = "
                 "a.hash FROM audit_log a WHERE a.subject = 'forged' AND h.chain = a.chain",
        f->a.org);
    attack(f, q);
    long long forged = px_sql_count(&f->env, "SELECT seq FROM audit_log WHERE subject = 'forged'");
    assert_true(forged > 0);
    /* Its hash and link are valid: verification fails on the seal alone. */
    expect_broken(f, NULL, forged, "forged seal");
    /* REQ-AUDIT-5: the checkpointer verifies before it signs: it refuses to vouch for A's
     * chain and signs nothing for it. */
    char cq[256];
    snprintf(cq, sizeof(cq), "SELECT count(*) FROM audit_checkpoint WHERE chain = '%s'", f->a.org);
    long long before = px_sql_count(&f->env, cq);
    int refused;
    checkpoint_cli(f, &refused);
    assert_int_equal(refused, 1);
    px_expect_count(&f->env, before, "%s", cq);
    /* Without any seal, the same. */
    attack(f, "UPDATE audit_log SET mac = NULL, mac_key = NULL WHERE subject = 'forged'");
    expect_broken(f, NULL, forged, "carries no seal");
    restore(f);
    /* An entry of the old single chain's form (no chain, no seal; hashed by migration 0001's
     * own audit_canonical) appended now is no better: the old chain ended when the sealed
     * chains began. */
    snapshot(f);
    attack(f, "INSERT INTO audit_log (seq, at, tenant_id, action, subject, details, prev_hash, "
              "hash) SELECT s, t, NULL, 'org.create', 'forged-old', '{}', repeat('0', 64), "
              "encode(sha256(convert_to(audit_canonical(s, t, NULL, NULL, NULL, 'org.create', "
              "'forged-old', '{}', repeat('0', 64)), 'UTF8')), 'hex') FROM (SELECT "
              "nextval('audit_log_seq') AS s, date_trunc('milliseconds', now()) AS t) n");
    forged = px_sql_count(&f->env, "SELECT seq FROM audit_log WHERE subject = 'forged-old'");
    expect_broken(f, NULL, forged, "follows the sealed entries");
    restore(f);
}

static void test_audit__rechained_history_detected(void **state)
{
    fixture *f = *state;
    int refused;
    checkpoint_cli(f, &refused);
    snapshot(f);
    /* REQ-AUDIT-2, REQ-AUDIT-4: A's second entry is rewritten, and it and every later entry
     * of A's chain are re-hashed and re-linked in order, the head row moved along: every
     * hash and link is valid again. */
    long long victim = px_count_of(
        &f->env, "SELECT seq FROM audit_log WHERE chain = '%s' ORDER BY seq OFFSET 1 LIMIT 1",
        f->a.org);
    char q[4096];
    snprintf(q, sizeof(q),
             "UPDATE audit_log SET details = '{\"role\":\"admin\"}' WHERE seq = %lld; "
             "DO $$ DECLARE r record; prev text := NULL; BEGIN "
             "FOR r IN SELECT seq FROM audit_log WHERE chain = '%s' ORDER BY seq LOOP "
             "  IF prev IS NOT NULL THEN UPDATE audit_log SET prev_hash = prev WHERE seq = r.seq; "
             "  END IF; "
             "  UPDATE audit_log a SET hash = " HASH_SQL(
                 "a") " WHERE seq = r.seq "
                      "  RETURNING hash INTO prev; "
                      "END LOOP; "
                      "UPDATE audit_head h SET last_hash = prev WHERE chain = '%s'; END $$",
             victim, f->a.org, f->a.org);
    attack(f, q);
    px_expect_count(&f->env, 0, "%s",
                    "SELECT count(*) FROM audit_log a WHERE chain IS NOT "
                    "NULL AND hash <> " HASH_SQL("a"));
    expect_broken(f, NULL, victim, "forged seal");
    /* The signed checkpoint of A's head is a second, independent witness: the head entry is no
     * longer what was signed. An auditor needs no seal key for this, only the public key, the
     * checkpoint and the entry's hash from GET /v1/audit. */
    long long head = tenant_last_seq(f, f->a.org);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_checkpoint c JOIN audit_log l ON l.seq = c.seq "
                    "WHERE c.chain = '%s' AND c.seq = %lld AND c.head <> l.hash",
                    f->a.org, head);
    restore(f);
}

/* After the tampering tests (the tests run in the order written): they expect the break
 * where the first key's checkpoints place it. */
static void test_audit__key_rotation(void **state)
{
    fixture *f = *state;
    int refused;
    char old_id[17], new_id[17];
    openssl_key_id(f, f->key_file, old_id);
    int rc;
    const char *a[] = {"audit", "rotate-key", NULL};
    json_t *o = cli(f, &rc, a);
    assert_int_equal(rc, 0);
    assert_string_equal(px_test_str(o, "retired"), old_id);
    openssl_key_id(f, f->key_file, new_id);
    assert_string_equal(px_test_str(o, "key_id"), new_id);
    assert_string_not_equal(old_id, new_id);
    json_decref(o);
    char retired[400];
    snprintf(retired, sizeof(retired), "%s/audit/retired-%s.pem", f->env.data_dir, old_id);
    struct stat st;
    assert_int_equal(stat(retired, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* The server signs with the new key after a restart; entries sealed and checkpoints
     * signed with the old one still verify by their key_id. */
    assert_int_equal(px_test_server_stop(&f->env), 0);
    px_test_server_start(&f->env);
    px_test_commission(&f->env, f->a_cmo, f->gtin_a, "A-2", EXPIRY, "[\"A2-1\"]");
    assert_true(checkpoint_cli(f, &refused) >= 1);
    assert_int_equal(refused, 0);
    px_expect_count(&f->env, 2,
                    "SELECT count(DISTINCT key_id) FROM audit_checkpoint WHERE key_id IN "
                    "('%s', '%s')",
                    old_id, new_id);
    px_expect_count(&f->env, 2,
                    "SELECT count(DISTINCT mac_key) FROM audit_log WHERE mac_key IN ('%s', '%s')",
                    old_id, new_id);
    json_t *page = px_test_call(&f->env, "GET", "/v1/audit/checkpoints", f->a_auditor, NULL, 200);
    json_t *items = json_object_get(page, "items");
    json_t *first = json_array_get(items, 0);
    json_t *last = json_array_get(items, json_array_size(items) - 1);
    assert_string_equal(px_test_str(first, "key_id"), old_id);
    assert_string_equal(px_test_str(last, "key_id"), new_id);
    assert_true(openssl_verifies(f, retired, first));
    assert_true(openssl_verifies(f, f->key_file, last));
    json_decref(page);
    expect_intact(f);
    /* Without the retired key, what it signed cannot be checked: verification says so. */
    char moved[420], cmd[900];
    snprintf(moved, sizeof(moved), "%s.away", f->env.data_dir);
    snprintf(cmd, sizeof(cmd), "mv %s %s", retired, moved);
    assert_int_equal(px_test_shell(cmd), 0);
    json_t *v = verify_cli(f, NULL, &rc);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(json_string_value(json_object_get(v, "reason")), "unknown key"));
    json_decref(v);
    snprintf(cmd, sizeof(cmd), "mv %s %s", moved, retired);
    assert_int_equal(px_test_shell(cmd), 0);
    expect_intact(f);
}

/* The server again, its periodic signer every interval seconds (0: none). */
static void restart_signing_every(fixture *f, const char *interval)
{
    assert_int_equal(px_test_server_stop(&f->env), 0);
    char set[64];
    snprintf(set, sizeof(set), "PACKID_AUDIT_CHECKPOINT_INTERVAL=%s", interval);
    px_test_setenv(&f->env, set);
    px_test_server_start(&f->env);
}

static void test_audit__worker_checkpoints_periodically(void **state)
{
    /* REQ-AUDIT-5: with an interval, the background worker signs the moved heads by itself. */
    fixture *f = *state;
    assert_string_equal(px_test_extra(&f->env, "PACKID_AUDIT_CHECKPOINT_INTERVAL"),
                        "PACKID_AUDIT_CHECKPOINT_INTERVAL=0");
    restart_signing_every(f, "1");
    px_test_commission(&f->env, f->b_cmo, f->gtin_b, "B-W", EXPIRY, "[\"BW-1\"]");
    long long head = tenant_last_seq(f, f->b.org);
    char q[256];
    snprintf(q, sizeof(q), "SELECT count(*) FROM audit_checkpoint WHERE seq = %lld", head);
    /* Polled, not timed: the worker's first pass after the commission signs it; the bound
     * only keeps a broken worker from hanging the test. */
    int signed_it = 0;
    for (int i = 0; i < 1500 && !signed_it; i++) {
        signed_it = px_sql_count(&f->env, q) == 1;
        if (!signed_it)
            usleep(10000);
    }
    assert_true(signed_it);
    expect_intact(f);
}

/* The periodic signer meets a chain whose new rows do not hash to its head: it signs nothing
 * for it, and says so where an operator looks, the error log and
 * packid_runner_errors_total{runner="audit-checkpoint"}, pass after pass. Last: it breaks B. */
static void test_audit__worker_counts_a_broken_chain(void **state)
{
    fixture *f = *state;
    /* The head moved and edited while no signer runs (interval 0), then the signer starts. */
    restart_signing_every(f, "0");
    px_test_commission(&f->env, f->b_cmo, f->gtin_b, "B-X", EXPIRY, "[\"BX-1\"]");
    long long head = tenant_last_seq(f, f->b.org);
    char sql[128];
    snprintf(sql, sizeof(sql), "UPDATE audit_log SET subject = 'edited' WHERE seq = %lld", head);
    attack(f, sql);
    restart_signing_every(f, "1");
#define SERIES "packid_runner_errors_total{runner=\"audit-checkpoint\"}"
    long long errors = 0;
    for (int i = 0; i < 500 && errors < 1; i++) {
        errors = px_test_metric_of(&f->env, SERIES);
        if (errors < 1)
            usleep(10000);
    }
#undef SERIES
    assert_true(errors >= 1);
    assert_true(px_test_log_has(&f->env, "not checkpointed", f->b.org));
    px_expect_count(&f->env, 0, "SELECT count(*) FROM audit_checkpoint WHERE seq = %lld", head);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
