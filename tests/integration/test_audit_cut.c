/* Cuts of the audit chains (docs/audit.md "Cuts"), over a real server and PostgreSQL: a cut
 * signs each chain's last entry before a time, and the entries up to it may then leave the log
 * (a detached month, here deleted as a detach removes them) while `packid audit verify` still
 * holds; an entry after the cut edited is still caught, and so is a deleted cut. The attacker
 * works with the append-only triggers disabled, as in test_audit.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "px_test.h"

typedef struct {
    px_test_env env; /* first: px_test_fixture_teardown */
    char mah_key[64];
    char gtin[15];
    char cut[64]; /* the cut's time */
} fixture;

/* Entries before the cut (setup) and after it (the first test). */
static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_audited_start(&f->env, "Cut MAH", 6101, "Cut pack", f->mah_key, f->gtin);
    px_test_commission(&f->env, f->mah_key, f->gtin, "C-0", "751231", "[\"C0-1\"]");
    *state = f;
    return 0;
}

static json_t *audit_cli(fixture *f, int *rc, const char *sub, const char *opt)
{
    const char *args[] = {"audit", sub, opt, NULL};
    return px_test_cli(&f->env, rc, args);
}

/* `packid audit verify`: "" when it holds, else its reason; *at the entry it broke at. */
static void verify(fixture *f, char *reason, size_t cap, long long *at)
{
    int rc;
    json_t *v = audit_cli(f, &rc, "verify", NULL);
    int ok = json_is_true(json_object_get(v, "ok"));
    const char *why = json_string_value(json_object_get(v, "reason"));
    snprintf(reason, cap, "%s", ok ? "" : why ? why : "?");
    *at = ok ? 0 : px_test_int(v, "broken_at"); /* only a broken chain names where */
    assert_int_equal(rc, ok ? 0 : 1);
    json_decref(v);
}

static void attack(fixture *f, const char *sql)
{
    char all[4096];
    snprintf(all, sizeof(all),
             "BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_checkpoint "
             "DISABLE TRIGGER USER; %s; ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE "
             "audit_checkpoint ENABLE TRIGGER USER; COMMIT",
             sql);
    if (px_sql_exec(&f->env, all) != 0)
        fail_msg("attack failed: %s", sql);
}

static void test_audit_cut__entries_before_the_cut_may_leave(void **state)
{
    fixture *f = *state;
    int rc;
    /* A checkpoint of the heads before the cut: once its entry has left, the cut vouches. */
    json_decref(audit_cli(f, &rc, "checkpoint", NULL));
    assert_int_equal(rc, 0);
    px_sql_text(&f->env, "SELECT date_trunc('milliseconds', clock_timestamp())::text", f->cut,
                sizeof(f->cut));
    px_test_commission(&f->env, f->mah_key, f->gtin, "C-1", "751231", "[\"C1-1\"]");
    px_test_commission(&f->env, f->mah_key, f->gtin, "C-2", "751231", "[\"C2-1\"]");

    char opt[96];
    snprintf(opt, sizeof(opt), "--cut-before=%s", f->cut);
    json_t *o = audit_cli(f, &rc, "checkpoint", opt);
    assert_int_equal(rc, 0);
    long long made = px_test_int(o, "made");
    json_decref(o);
    /* One cut per chain with an entry before the cut, and none twice. */
    char q[256];
    snprintf(q, sizeof(q),
             "SELECT count(DISTINCT chain) FROM audit_log WHERE chain IS NOT NULL AND at < '%s'",
             f->cut);
    assert_true(made >= 1);
    assert_int_equal(made, px_count_of(&f->env, "%s", q));
    px_expect_count(&f->env, made, "SELECT count(*) FROM audit_checkpoint WHERE cut");
    o = audit_cli(f, &rc, "checkpoint", opt);
    assert_int_equal(px_test_int(o, "made"), 0);
    json_decref(o);

    /* The months before the cut leave (a detach takes their rows out of audit_log). */
    char sql[256];
    snprintf(sql, sizeof(sql), "DELETE FROM audit_log WHERE at < '%s'", f->cut);
    attack(f, sql);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM audit_log WHERE at < '%s'", f->cut);
    assert_true(px_count_of(&f->env, "SELECT count(*) FROM audit_log") > 0);
    char reason[200];
    long long at;
    verify(f, reason, sizeof(reason), &at);
    if (reason[0])
        fail_msg("the trail after the cut does not verify: %s", reason);
    /* The API lists the cut, marked, for auditors to keep. */
    px_http_resp r;
    px_http(&f->env, &r, "GET", "/v1/audit/checkpoints", f->mah_key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"cut\":true"));
    px_http_resp_free(&r);
}

static void test_audit_cut__edit_after_the_cut_is_caught(void **state)
{
    fixture *f = *state;
    long long seq = px_count_of(&f->env, "SELECT min(seq) FROM audit_log WHERE chain IS NOT NULL");
    char sql[256];
    snprintf(sql, sizeof(sql), "UPDATE audit_log SET subject = subject || 'x' WHERE seq = %lld",
             seq);
    attack(f, sql);
    char reason[200];
    long long at;
    verify(f, reason, sizeof(reason), &at);
    assert_non_null(strstr(reason, "was altered"));
    assert_int_equal(at, seq);
    snprintf(sql, sizeof(sql), "UPDATE audit_log SET subject = left(subject, -1) WHERE seq = %lld",
             seq);
    attack(f, sql);
    verify(f, reason, sizeof(reason), &at);
    assert_string_equal(reason, "");
}

/* Without its cut, a chain starts at zero again: its first entry left links to an entry that
 * is not there. */
static void test_audit_cut__deleted_cut_is_caught(void **state)
{
    fixture *f = *state;
    long long missing = px_count_of(&f->env, "SELECT prev_seq FROM audit_log WHERE chain IN "
                                             "(SELECT chain FROM audit_checkpoint WHERE cut) "
                                             "ORDER BY seq LIMIT 1");
    assert_true(missing > 0);
    attack(f, "DELETE FROM audit_checkpoint WHERE cut");
    char reason[200];
    long long at;
    verify(f, reason, sizeof(reason), &at);
    assert_non_null(strstr(reason, "is missing"));
    assert_int_equal(at, missing);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
