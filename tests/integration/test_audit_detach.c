/* A month of the audit log leaves it (migration 0202, docs/audit.md "Cuts", docs/scaling.md
 * "Partitioning"): `packid partitions detach` refuses a month whose entries no signed cut
 * covers, takes it once `packid audit checkpoint --cut-before` has cut every chain after its
 * last entry there, and `packid audit verify` still holds after it, also for entries written
 * later; a cut row packid did not sign does not let it go. And a cut asked for while another
 * process signs checkpoints answers `busy` and writes nothing. Driven as an operator would: the
 * real server, the real CLI, the catalogue read with SQL. The CLI's clock is moved past the month's
 * retention (PACKID_TEST_NOW); the entries keep the database's time, which stamps them and picks
 * their month. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "px_test.h"

typedef struct {
    px_test_env env; /* first: px_test_fixture_teardown */
    char mah_key[64];
    char gtin[15];
    char month[40]; /* this month of audit_log: audit_log_pYYYYMM */
    int lots;
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_audited_start(&f->env, "Detach MAH", 6202, "Detached pack", f->mah_key, f->gtin);
    px_sql_text(&f->env, "SELECT 'audit_log_p' || to_char(now(), 'YYYYMM')", f->month,
                sizeof(f->month));
    /* The CLI judges retention on a day 74 months ahead: this month's age (72) has passed.
     * Set after the server started: only the CLI reads it. */
    char now[96];
    px_sql_text(&f->env,
                "SELECT 'PACKID_TEST_NOW=' || to_char(date_trunc('month', now()) + "
                "interval '74 months', 'YYYY-MM-DD') || 'T00:00:00Z'",
                now, sizeof(now));
    px_test_setenv(&f->env, "PACKID_ALLOW_TEST_CLOCK=1");
    px_test_setenv(&f->env, now);
    *state = f;
    return 0;
}

/* One more commission: audit entries of the MAH's chain, now. */
static void commission(fixture *f)
{
    char lot[16], serials[32];
    snprintf(lot, sizeof(lot), "D-%d", f->lots);
    snprintf(serials, sizeof(serials), "[\"D%d-1\"]", f->lots++);
    px_test_commission(&f->env, f->mah_key, f->gtin, lot, "751231", serials);
}

static json_t *run(fixture *f, int *rc, const char *a, const char *b, const char *c)
{
    const char *args[] = {a, b, c, NULL};
    return px_test_cli(&f->env, rc, args);
}

/* `packid audit checkpoint --cut-before=<the database's now>`: the cuts made. */
static long long cut_now(fixture *f)
{
    char opt[96];
    px_sql_text(&f->env,
                "SELECT '--cut-before=' || date_trunc('milliseconds', clock_timestamp())::text",
                opt, sizeof(opt));
    int rc;
    json_t *o = run(f, &rc, "audit", "checkpoint", opt);
    assert_int_equal(rc, 0);
    long long made = px_test_int(o, "made");
    json_decref(o);
    return made;
}

/* This month's item of `packid partitions list`: its held_by, and whether it may go. */
static int month_detachable(fixture *f, char *held_by, size_t cap)
{
    int rc, detachable = -1;
    json_t *list = run(f, &rc, "partitions", "list", NULL), *it;
    assert_int_equal(rc, 0);
    size_t i;
    json_array_foreach(json_object_get(list, "items"), i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "name")), f->month) != 0)
            continue;
        detachable = json_is_true(json_object_get(it, "detachable"));
        snprintf(held_by, cap, "%s", json_string_value(json_object_get(it, "held_by")));
    }
    json_decref(list);
    if (detachable < 0)
        fail_msg("%s is not listed", f->month);
    return detachable;
}

/* This month is still a partition of audit_log. */
static int attached(fixture *f)
{
    return px_count_of(&f->env, "SELECT count(*) FROM pg_inherits WHERE inhrelid = '%s'::regclass",
                       f->month) == 1;
}

static void detach_refused(fixture *f)
{
    int rc;
    json_t *j = run(f, &rc, "partitions", "detach", f->month);
    assert_int_not_equal(rc, 0);
    assert_string_equal(px_test_str(json_object_get(j, "error"), "code"), "audit_not_cut");
    json_decref(j);
    assert_true(attached(f));
}

/* `packid audit verify` holds. */
static void verify_ok(fixture *f)
{
    int rc;
    json_t *v = run(f, &rc, "audit", "verify", NULL);
    const char *why = json_string_value(json_object_get(v, "reason"));
    if (!json_is_true(json_object_get(v, "ok")))
        fail_msg("audit verify: %s", why ? why : "?");
    assert_int_equal(rc, 0);
    json_decref(v);
}

/* While another session holds the checkpointers' lock, a cut answers `busy` (exit status 1)
 * and writes nothing; a periodic checkpoint skips its turn quietly. Released, both work. */
static void test_audit_detach__cut_while_busy_writes_nothing(void **state)
{
    fixture *f = *state;
    commission(f);
    PGconn *held = PQconnectdb(f->env.conninfo);
    assert_int_equal(PQstatus(held), CONNECTION_OK);
    /* The key of px_store_audit_checkpoint_lock ('packid' + 0060). */
    PGresult *r = PQexec(held, "SELECT pg_advisory_lock(x'7061636b69640060'::bigint)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    long long before = px_count_of(&f->env, "SELECT count(*) FROM audit_checkpoint");
    int rc;
    json_t *o = run(f, &rc, "audit", "checkpoint", "--cut-before=2100-01-01T00:00:00Z");
    assert_int_equal(rc, 1);
    assert_string_equal(px_test_str(json_object_get(o, "error"), "code"), "busy");
    json_decref(o);
    o = run(f, &rc, "audit", "checkpoint", NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(px_test_int(o, "made"), 0);
    json_decref(o);
    px_expect_count(&f->env, before, "SELECT count(*) FROM audit_checkpoint");
    PQfinish(held);
    /* Not vacuous: without the other session, the heads that moved are signed. */
    o = run(f, &rc, "audit", "checkpoint", NULL);
    assert_int_equal(rc, 0);
    assert_true(px_test_int(o, "made") >= 1);
    json_decref(o);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM audit_checkpoint WHERE cut");
}

/* A cut row someone with database access inserted, with packid's key id and any signature,
 * satisfies the count of cut rows but not the key ring: the detach refuses it. */
static void test_audit_detach__forged_cut_is_refused(void **state)
{
    fixture *f = *state;
    commission(f);
    /* A checkpoint packid signed, so the forger has its key id whichever test ran before. */
    int rc;
    json_decref(run(f, &rc, "audit", "checkpoint", NULL));
    assert_int_equal(rc, 0);
    assert_int_equal(px_sql_exec(&f->env,
                                 "INSERT INTO audit_checkpoint (chain, chain_seq, seq, head, at, "
                                 "key_id, signature, cut) SELECT DISTINCT ON (chain) chain, "
                                 "chain_seq, seq, hash, now(), (SELECT key_id FROM "
                                 "audit_checkpoint LIMIT 1), repeat('ab', 64), true FROM "
                                 "audit_log WHERE chain IS NOT NULL ORDER BY chain, seq DESC"),
                     0);
    char held_by[32];
    assert_true(month_detachable(f, held_by, sizeof(held_by)));
    json_t *j = run(f, &rc, "partitions", "detach", f->month);
    assert_int_not_equal(rc, 0);
    json_t *e = json_object_get(j, "error");
    assert_string_equal(px_test_str(e, "code"), "audit_cut_invalid");
    assert_non_null(strstr(json_string_value(json_object_get(e, "message")), "bad signature"));
    json_decref(j);
    assert_true(attached(f));
    /* The forger's rows out again (the table is append-only to everyone else). */
    assert_int_equal(px_sql_exec(&f->env, "BEGIN; ALTER TABLE audit_checkpoint DISABLE TRIGGER "
                                          "USER; DELETE FROM audit_checkpoint WHERE cut; ALTER "
                                          "TABLE audit_checkpoint ENABLE TRIGGER USER; COMMIT"),
                     0);
}

/* REQ-SCALE-3 for audit_log: this month, past its age on the CLI's clock, is held while an
 * entry in it is not covered by a cut, and again when an entry follows the cut; cut after its
 * last entry, it is detached with its rows, and the trail verifies without them, also once
 * entries follow. */
static void test_audit_detach__month_goes_after_its_cut(void **state)
{
    fixture *f = *state;
    commission(f);
    char held_by[32];
    assert_false(month_detachable(f, held_by, sizeof(held_by)));
    assert_string_equal(held_by, "audit_cut");
    detach_refused(f);

    assert_true(cut_now(f) >= 1);
    commission(f); /* after the cut: its entries are not covered */
    assert_false(month_detachable(f, held_by, sizeof(held_by)));
    assert_string_equal(held_by, "audit_cut");
    detach_refused(f);

    assert_true(cut_now(f) >= 1);
    assert_true(month_detachable(f, held_by, sizeof(held_by)));
    long long rows = px_count_of(&f->env, "SELECT count(*) FROM %s", f->month);
    assert_true(rows > 0);
    int rc;
    json_decref(run(f, &rc, "partitions", "detach", f->month));
    assert_int_equal(rc, 0);
    assert_false(attached(f));
    px_expect_count(&f->env, rows, "SELECT count(*) FROM %s", f->month);
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM audit_log WHERE tableoid = "
                    "'%s'::regclass",
                    f->month);
    verify_ok(f);
    /* The chain goes on from its cut (its month gone, the entry lands in the default). */
    commission(f);
    assert_true(px_count_of(&f->env, "SELECT count(*) FROM audit_log_default") > 0);
    verify_ok(f);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
