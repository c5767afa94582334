/* epcis_event partitioned by month of recording (migration 0111, docs/scaling.md
 * "Partitioning"): events land in their month, a month created late takes its rows out of the
 * default partition, the runner and `packid partitions ensure` create the months ahead, and a
 * month leaves the table (`packid partitions detach`) only when its age and every pack its
 * events name are past the retention the law asks. The same for every table of
 * px_partitioned_tables, each by its own rule (the audit log's: a signed cut, migration 0202),
 * and the audit log's months stay append-only. Driven as an operator would: the real server,
 * the real CLI, the catalogue read with SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "partition_store.h"
#include "px_array.h"
#include "px_test.h"

#define GTIN "04012345000016"

typedef struct {
    px_test_env env; /* first: px_test_fixture_teardown */
    char mah_key[64];
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    char org[40];
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Partition MAH", "mah", org, f->mah_key);
    px_test_product(&f->env, f->mah_key, GTIN, "Partitioned", "EU");
    *state = f;
    return 0;
}

/* The month partition a row of epcis_event lives in ("" when none). */
static void home_of(fixture *f, const char *where, char *out, size_t cap)
{
    px_sql_textf(&f->env, out, cap,
                 "SELECT coalesce(string_agg(DISTINCT tableoid::regclass::text, ','), '') FROM "
                 "epcis_event WHERE %s",
                 where);
}

/* `packid partitions <sub> [arg]`: the JSON answer, the exit code in *rc. */
static json_t *cli(fixture *f, int *rc, const char *sub, const char *arg)
{
    const char *args[] = {"partitions", sub, arg, NULL};
    return px_test_cli(&f->env, rc, args);
}

/* The partition named in `packid partitions list`, or NULL. */
static json_t *listed(json_t *list, const char *name)
{
    json_t *it;
    size_t i;
    json_array_foreach(json_object_get(list, "items"), i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "name")), name) == 0)
            return it;
    }
    return NULL;
}

/* `packid partitions detach NAME` is refused with error code `code`. */
static void detach_refused_as(fixture *f, const char *name, const char *code)
{
    int rc;
    json_t *j = cli(f, &rc, "detach", name);
    assert_int_not_equal(rc, 0);
    assert_string_equal(px_test_str(json_object_get(j, "error"), "code"), code);
    json_decref(j);
}

/* `packid partitions detach NAME` is refused: NAME's retention has not passed. */
static void detach_refused(fixture *f, const char *name)
{
    detach_refused_as(f, name, "retention_not_passed");
}

/* Month name is still a partition of its table (attached 1) or out of it (0), as pg_inherits
 * says: what a detach changes. A failure names the caller's line. */
static void expect_attached(fixture *f, const char *name, int attached, int line)
{
    px_expect_count_at(__FILE__, line, &f->env, attached,
                       "SELECT count(*) FROM pg_inherits WHERE inhrelid = '%s'::regclass", name);
}

/* `packid partitions list` shows NAME held (not detachable): by held_by and until keep_until
 * (each when not NULL); then its detach is refused with code. */
static void expect_held(fixture *f, const char *name, const char *held_by, const char *keep_until,
                        const char *code)
{
    int rc;
    json_t *list = cli(f, &rc, "list", NULL);
    json_t *it = listed(list, name);
    if (!it)
        fail_msg("%s is not listed", name);
    assert_true(json_is_false(json_object_get(it, "detachable")));
    if (held_by)
        assert_string_equal(px_test_str(it, "held_by"), held_by);
    if (keep_until)
        assert_string_equal(px_test_str(it, "keep_until"), keep_until);
    json_decref(list);
    detach_refused_as(f, name, code);
}

static void test_partitions__events_land_in_their_month(void **state)
{
    fixture *f = *state;
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM pg_class WHERE relname = "
                    "'epcis_event' AND relkind = 'p' AND relnamespace = "
                    "'public'::regnamespace");
    px_test_commission(&f->env, f->mah_key, GTIN, "P-NOW", "491231", "[\"N-1\",\"N-2\"]");
    char home[128], want[64];
    home_of(f, "lot = 'P-NOW'", home, sizeof(home));
    px_sql_text(&f->env, "SELECT 'epcis_event_p' || to_char(now(), 'YYYYMM')", want, sizeof(want));
    assert_string_equal(home, want);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM epcis_event_default");
    /* The runner made this month and PACKID_PARTITIONS_AHEAD (3) more at start, and says so. */
    px_http_resp m;
    px_http(&f->env, &m, "GET", "/metrics", NULL, NULL, NULL);
    assert_int_equal(m.status, 200);
    long long months = px_count_of(&f->env, "SELECT count(*) FROM pg_inherits WHERE inhparent = "
                                            "'epcis_event'::regclass AND inhrelid::regclass::text "
                                            "<> 'epcis_event_default'");
    assert_true(months >= 4);
    char line[96];
    snprintf(line, sizeof(line), "packid_partitions{table=\"epcis_event\"} %lld\n", months);
    if (!strstr(m.body, line))
        fail_msg("/metrics lacks \"%s\"", line);
    assert_non_null(strstr(m.body, "packid_partitions_default_rows{table=\"epcis_event\"} 0\n"));
    px_http_resp_free(&m);
}

static void test_partitions__ensure_creates_ahead_once(void **state)
{
    fixture *f = *state;
    int rc;
    /* Four months beyond the three the runner made, of each of the seven partitioned tables
     * (epcis_event, scan, vrs_request, report_attempt, webhook_attempt, webhook_delivery,
     * audit_log; migrations 0111, 0150, 0200 and 0202), in the live schema and the sandbox's. */
    assert_int_equal(PX_PARTITIONED_N, 7);
    json_t *j = cli(f, &rc, "ensure", "--ahead=7");
    assert_int_equal(rc, 0);
    assert_int_equal(px_test_int(j, "created"), 4 * 7 * 2);
    json_decref(j);
    j = cli(f, &rc, "ensure", "--ahead=7");
    assert_int_equal(rc, 0);
    assert_int_equal(px_test_int(j, "created"), 0);
    json_decref(j);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM pg_class WHERE relname = 'epcis_event_p' "
                    "|| to_char(now() + interval '7 months', 'YYYYMM') AND "
                    "relnamespace IN ('public'::regnamespace, "
                    "'sandbox'::regnamespace)");
}

/* The operator repairs a failed maintenance pass through the API as with the CLI (an admin key;
 * any other role 403): the months listed and paged, made ahead (the default partitions' rows
 * said after), a month detached only once its retention has passed. */
static void test_partitions__repaired_through_the_api(void **state)
{
    fixture *f = *state;
    char org[40], admin[64];
    px_test_org_key(&f->env, "operator", "Partition operator", "admin", org, admin);
    px_test_expect(&f->env, "GET", "/v1/partitions", f->mah_key, NULL, 403, "forbidden_role");
    px_test_expect(&f->env, "POST", "/v1/partitions/ensure", f->mah_key, "{}", 403,
                   "forbidden_role");
    px_test_expect(&f->env, "POST", "/v1/partitions/ensure", admin, "{\"ahead\":25}", 422,
                   "validation_error");
    json_t *j = px_test_call(&f->env, "POST", "/v1/partitions/ensure", admin, "{\"ahead\":9}", 200);
    json_decref(j);
    j = px_test_call(&f->env, "POST", "/v1/partitions/ensure", admin, "{\"ahead\":9}", 200);
    assert_int_equal(px_test_int(j, "created"), 0);
    assert_int_equal(px_test_int(j, "ahead"), 9);
    assert_int_equal(json_object_size(json_object_get(j, "default_rows_by_table")),
                     PX_PARTITIONED_N);
    json_decref(j);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM pg_class WHERE relname = 'scan_p' || to_char(now() + "
                    "interval '9 months', 'YYYYMM') AND relnamespace IN ('public'::regnamespace, "
                    "'sandbox'::regnamespace)");
    /* A row of a month nobody made waits in the default partition; the month made from the
     * API takes it. A month that is none is refused. */
    px_test_commission(&f->env, f->mah_key, GTIN, "P-API", "491231", "[\"A-1\"]");
    assert_int_equal(px_sql_exec(&f->env, "UPDATE epcis_event SET created_at = "
                                          "'2017-04-15T00:00:00Z' WHERE lot = 'P-API'"),
                     0);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM epcis_event_default WHERE lot = 'P-API'");
    px_test_expect(&f->env, "POST", "/v1/partitions/ensure", admin, "{\"from\":\"2017-13\"}", 422,
                   "validation_error");
    j = px_test_call(&f->env, "POST", "/v1/partitions/ensure", admin,
                     "{\"from\":\"2017-04\",\"ahead\":1}", 200);
    assert_int_equal(px_test_int(json_object_get(j, "default_rows_by_table"), "epcis_event"), 0);
    json_decref(j);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM epcis_event_p201704 WHERE lot = 'P-API'");
    /* Paged as every list: two pages of two never repeat a month. */
    json_t *p1 = px_test_call(&f->env, "GET", "/v1/partitions?first=2", admin, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(p1, "items")), 2);
    char next[200];
    assert_int_equal(px_test_next_page(p1, "/v1/partitions?first=2", next, sizeof(next)), 1);
    json_t *p2 = px_test_call(&f->env, "GET", next, admin, NULL, 200);
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
            assert_string_not_equal(
                px_test_str(json_array_get(json_object_get(p1, "items"), a), "name"),
                px_test_str(json_array_get(json_object_get(p2, "items"), b), "name"));
    json_decref(p1);
    json_decref(p2);
    /* This month is held by its age; a name that is no month is not found. */
    char path[96], month[40];
    px_sql_text(&f->env, "SELECT 'scan_p' || to_char(now(), 'YYYYMM')", month, sizeof(month));
    snprintf(path, sizeof(path), "/v1/partitions/%s/detach", month);
    px_test_expect(&f->env, "POST", path, admin, NULL, 409, "retention_not_passed");
    px_test_expect(&f->env, "POST", "/v1/partitions/serial/detach", admin, NULL, 404, "not_found");
    px_test_expect(&f->env, "POST", path, f->mah_key, NULL, 403, "forbidden_role");
    /* A month whose age has passed leaves its table, on record. */
    assert_int_equal(px_sql_exec(&f->env, "SELECT partition_add_month('scan', '2018-05-01')"), 0);
    j = px_test_call(&f->env, "POST", "/v1/partitions/scan_p201805/detach", admin, NULL, 200);
    assert_string_equal(px_test_str(j, "detached"), "scan_p201805");
    json_decref(j);
    expect_attached(f, "scan_p201805", 0, __LINE__);
    assert_int_equal(px_audit_count(&f->env, "partition.detach", "scan_p201805"), 1);
    /* A range over a detached month (its table kept to be archived) is refused, naming it,
     * none of its months made (the ensure failed with a 500 before). */
    j = px_test_call(&f->env, "POST", "/v1/partitions/ensure", admin,
                     "{\"from\":\"2018-04\",\"ahead\":1}", 409);
    assert_string_equal(px_test_str(json_object_get(j, "error"), "code"), "partition_detached");
    px_expect_detail(j, 0, -1, "partition_detached", "from");
    assert_non_null(strstr(px_test_str(json_object_get(j, "error"), "message"), "scan_p201805"));
    json_decref(j);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM pg_class WHERE relname LIKE '%%_p201804'");
}

/* A row that found no month waits in the default partition; creating its month moves it. */
static void test_partitions__default_rows_move_to_their_month(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->mah_key, GTIN, "P-LATE", "491231", "[\"L-1\"]");
    assert_int_equal(px_sql_exec(&f->env, "UPDATE epcis_event SET created_at = "
                                          "'2041-05-10T00:00:00Z' WHERE lot = 'P-LATE'"),
                     0);
    char home[128];
    home_of(f, "lot = 'P-LATE'", home, sizeof(home));
    assert_string_equal(home, "epcis_event_default");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FILTER (WHERE "
                    "epcis_event_add_partition('2041-05-01')) FROM "
                    "generate_series(1, 1)");
    home_of(f, "lot = 'P-LATE'", home, sizeof(home));
    assert_string_equal(home, "epcis_event_p204105");
    px_expect_count(&f->env, 0, "SELECT count(*) FROM epcis_event_default");
    /* Not vacuous: the month's primary key and indexes came with it. */
    assert_true(px_count_of(&f->env, "SELECT count(*) FROM pg_indexes WHERE tablename = "
                                     "'epcis_event_p204105'") >= 5);
}

/* The audit log stays append-only through its months (migration 0202): an entry that found no
 * month moves into its month when that is made, past the delete trigger; the month made then
 * refuses UPDATE, DELETE and TRUNCATE like the parent, and so does the default partition. */
static void test_partitions__audit_months_stay_append_only(void **state)
{
    fixture *f = *state;
    assert_int_equal(px_sql_exec(&f->env, "INSERT INTO audit_log (seq, at, action, subject, "
                                          "prev_hash, hash) VALUES (nextval('audit_log_seq'), "
                                          "'2041-06-10T00:00:00Z', 'late', 'L', repeat('0', 64), "
                                          "repeat('1', 64))"),
                     0);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM audit_log_default");
    px_sqlf(&f->env, "SELECT partition_add_month('audit_log', '2041-06-01')");
    px_expect_count(&f->env, 0, "SELECT count(*) FROM audit_log_default");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM audit_log_p204106");
    const char *refused[] = {
        "UPDATE audit_log SET subject = 'x' WHERE action = 'late'",
        "DELETE FROM audit_log_p204106",
        "TRUNCATE audit_log",
        "TRUNCATE audit_log_p204106",
        "TRUNCATE audit_log_default",
    };
    for (size_t i = 0; i < PX_COUNT(refused); i++)
        if (px_sql_exec(&f->env, refused[i]) == 0)
            fail_msg("the audit log allowed: %s", refused[i]);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log_p204106 WHERE "
                    "subject = 'L'");
    /* The moving trigger was switched on again. */
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                    "'audit_log_default'::regclass AND tgenabled = 'D'");
}

/* REQ-SCALE-3: a month of events leaves the table only when both retentions have passed: its
 * age (PACKID_RETENTION_MONTHS after its end, DSCSA six years) and the latest expiry of every
 * pack its events name (PACKID_RETENTION_AFTER_EXPIRY_MONTHS, EU FMD one year). */
static void test_partitions__detach_only_after_retention(void **state)
{
    fixture *f = *state;
    /* January 2019: its age has passed (2019-02 + 72 months = 2025-02). Its events: a
     * commission (the packs found through the commission) and a decommission (a list). */
    px_test_commission(&f->env, f->mah_key, GTIN, "P-OLD", "491231", "[\"O-1\",\"O-2\"]");
    json_decref(px_test_call(&f->env, "POST", "/v1/decommissions", f->mah_key,
                             "{\"gtin\":\"" GTIN "\",\"serials\":[\"O-2\"],\"reason\":"
                             "\"destroyed\"}",
                             200));
    assert_int_equal(px_sql_exec(&f->env, "SELECT epcis_event_add_partition('2019-01-01')"), 0);
    assert_int_equal(px_sql_exec(&f->env, "UPDATE epcis_event SET created_at = "
                                          "'2019-01-15T00:00:00Z' WHERE lot = 'P-OLD' OR serials "
                                          "@> ARRAY['O-2']"),
                     0);
    char home[128];
    home_of(f, "lot = 'P-OLD' OR serials @> ARRAY['O-2']", home, sizeof(home));
    assert_string_equal(home, "epcis_event_p201901");

    /* Its packs expire at the end of 2049: held. */
    int rc;
    json_t *list = cli(f, &rc, "list", NULL);
    assert_int_equal(rc, 0);
    json_t *it = listed(list, "epcis_event_p201901");
    assert_non_null(it);
    assert_true(json_is_false(json_object_get(it, "detachable")));
    assert_string_equal(px_test_str(it, "held_by"), "pack_expiry");
    assert_string_equal(px_test_str(it, "keep_until"), "2051-01-01");
    /* This month is held by its age alone. */
    char now_month[32];
    px_sql_text(&f->env, "SELECT 'epcis_event_p' || to_char(now(), 'YYYYMM')", now_month,
                sizeof(now_month));
    it = listed(list, now_month);
    assert_non_null(it);
    assert_true(json_is_false(json_object_get(it, "detachable")));
    assert_string_equal(px_test_str(it, "held_by"), "age");
    json_decref(list);
    detach_refused(f, "epcis_event_p201901");
    json_decref(cli(f, &rc, "detach", NULL));
    assert_int_equal(rc, 0);
    expect_attached(f, "epcis_event_p201901", 1, __LINE__);

    /* The commissioned pack expired long ago, the decommissioned one (named by the list
     * event only) not yet: still held, by that pack alone. */
    assert_int_equal(px_sql_exec(&f->env, "UPDATE serial SET expiry = '200100' WHERE serial = "
                                          "'O-1'; UPDATE epcis_event SET expiry = '200100' "
                                          "WHERE lot = 'P-OLD'"),
                     0);
    list = cli(f, &rc, "list", NULL);
    assert_string_equal(
        json_string_value(json_object_get(listed(list, "epcis_event_p201901"), "keep_until")),
        "2051-01-01");
    json_decref(list);
    /* Both expired, the month goes by its age: January 2020 (end of month: 2020-02-01 + 12
     * months has passed); 991231, 1999 by GS1's century rule read today (GenSpecs §7.12) as the
     * pack's answers read it, not a pack that holds the month to 2101. */
    static const char *const expired[] = {"200100", "991231"};
    for (size_t e = 0; e < PX_COUNT(expired); e++) {
        px_sqlf(&f->env, "UPDATE serial SET expiry = '%s' WHERE serial = 'O-2'", expired[e]);
        list = cli(f, &rc, "list", NULL);
        it = listed(list, "epcis_event_p201901");
        assert_true(json_is_true(json_object_get(it, "detachable")));
        assert_string_equal(px_test_str(it, "keep_until"), "2025-02-01");
        json_decref(list);
    }
    json_t *j = cli(f, &rc, "detach", NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(json_array_size(json_object_get(j, "detached")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "detached"), 0)),
                        "epcis_event_p201901");
    json_decref(j);
    /* Out of epcis_event, kept as a table for the operator to archive; the rest stays. */
    expect_attached(f, "epcis_event_p201901", 0, __LINE__);
    px_expect_count(&f->env, 2, "SELECT count(*) FROM epcis_event_p201901");
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM epcis_event WHERE lot = "
                    "'P-OLD' OR serials @> ARRAY['O-2']");
    assert_true(px_count_of(&f->env, "SELECT count(*) FROM epcis_event WHERE lot = 'P-NOW'") > 0);
}

/* The expiry rule of each partitioned table, as this test knows it: how to put a row of June
 * 2018 into it that names pack R-1 of lot P-RULE (expiry 491231), and what holds the month once
 * its age has passed: that pack ("pack_expiry", tables whose rows name packs), nothing ("age",
 * the attempts), or its entries no signed cut covers ("audit_cut", the audit log, released by
 * a cut packid signs: `packid audit checkpoint --cut-before`). The attempts' parents are not
 * made: the row goes in with the foreign keys' triggers off. The audit entry joins the
 * operator's chain (the nil uuid) before its first entry (a seq below the sequence's start):
 * the chain's cut covers it, and the checkpointer's walk, which starts after seq 0, never reads
 * it (it carries no seal). */
typedef struct {
    const char *table;
    const char *row_sql;
    const char *held_by;
} expiry_rule;

static const expiry_rule rules[] = {
    {"epcis_event",
     "UPDATE epcis_event SET created_at = '2018-06-15T00:00:00Z' WHERE lot = 'P-RULE'",
     "pack_expiry"},
    {"scan",
     "INSERT INTO scan (gtin, serial, at, client, known, verdict, source) VALUES ('" GTIN
     "', 'R-1', '2018-06-15T00:00:00Z', repeat('c', 64), true, 'genuine', 'verify')",
     "pack_expiry"},
    {"vrs_request",
     "SET session_replication_role = replica; INSERT INTO vrs_request (at, kind, tenant_id, "
     "requester_id, key_id, req_gln, responder_gln, gtin, lot, serial, context) VALUES "
     "('2018-06-15T00:00:00Z', 'verify', gen_random_uuid(), gen_random_uuid(), "
     "gen_random_uuid(), '4012345000009', '4012345000009', '" GTIN "', 'P-RULE', 'R-1', "
     "'dscsaSaleableReturn')",
     "pack_expiry"},
    {"report_attempt",
     "SET session_replication_role = replica; INSERT INTO report_attempt (report_id, n, "
     "started_at) VALUES (gen_random_uuid(), 1, '2018-06-15T00:00:00Z')",
     "age"},
    {"webhook_attempt",
     "SET session_replication_role = replica; INSERT INTO webhook_attempt (delivery_id, "
     "delivery_created_at, n, started_at) VALUES (gen_random_uuid(), '2018-06-15T00:00:00Z', 1, "
     "'2018-06-15T00:00:00Z')",
     "age"},
    {"webhook_delivery",
     "SET session_replication_role = replica; INSERT INTO webhook_delivery (tenant_id, event, "
     "body, state, created_at) VALUES (gen_random_uuid(), 'pack.commissioned', '{}', "
     "'delivered', '2018-06-15T00:00:00Z')",
     "age"},
    {"audit_log",
     "INSERT INTO audit_log (seq, at, action, subject, prev_hash, hash, chain, chain_seq, "
     "prev_seq) VALUES (-618, '2018-06-15T00:00:00Z', 'pack.commission', 'R-1', "
     "repeat('0', 64), repeat('1', 64), '00000000-0000-0000-0000-000000000000', 0, 0)",
     "audit_cut"},
};

static const expiry_rule *rule_of(const char *table)
{
    for (size_t i = 0; i < PX_COUNT(rules); i++)
        if (strcmp(rules[i].table, table) == 0)
            return &rules[i];
    return NULL;
}

/* REQ-SCALE-3 for every table in px_partitioned_tables: a month past its age's retention whose
 * rows name an unexpired pack is held (where rows name packs) or goes (where only age counts);
 * once the pack's retention has passed too, it goes, and `detach` takes it out of its table
 * with its rows; this month stays for its age. A table without a rule here fails the test. */
static void test_partitions__every_table_keeps_its_retention(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->mah_key, GTIN, "P-RULE", "491231", "[\"R-1\"]");
    for (int t = 0; t < PX_PARTITIONED_N; t++) {
        const char *table = px_partitioned_tables[t];
        const expiry_rule *rule = rule_of(table);
        if (!rule)
            fail_msg("%s is partitioned but this test knows no expiry rule for it", table);
        px_sqlf(&f->env, "SELECT partition_add_month('%s', '2018-06-01')", table);
        assert_int_equal(px_sql_exec(&f->env, rule->row_sql), 0);
        assert_true(px_count_of(&f->env, "SELECT count(*) FROM %s_p201806", table) >= 1);
    }
    int rc;
    char old[48], now_month[48];
    json_t *list = cli(f, &rc, "list", NULL);
    assert_int_equal(rc, 0);
    for (int t = 0; t < PX_PARTITIONED_N; t++) {
        const char *table = px_partitioned_tables[t];
        snprintf(old, sizeof(old), "%s_p201806", table);
        json_t *it = listed(list, old);
        if (!it)
            fail_msg("%s is not listed", old);
        /* 2018-07-01 + 72 months, or the pack's 2049-12 end + 1 + 12 months. */
        const char *held_by = rule_of(table)->held_by;
        int by_packs = strcmp(held_by, "pack_expiry") == 0;
        assert_int_equal(json_is_true(json_object_get(it, "detachable")),
                         strcmp(held_by, "age") == 0);
        assert_string_equal(px_test_str(it, "held_by"), held_by);
        assert_string_equal(px_test_str(it, "keep_until"), by_packs ? "2051-01-01" : "2024-07-01");
        assert_string_equal(px_test_str(it, "table"), table);
        px_sql_textf(&f->env, now_month, sizeof(now_month),
                     "SELECT '%s_p' || to_char(now(), 'YYYYMM')", table);
        it = listed(list, now_month);
        if (!it)
            fail_msg("%s is not listed", now_month);
        assert_true(json_is_false(json_object_get(it, "detachable")));
        assert_string_equal(px_test_str(it, "held_by"), "age");
        detach_refused(f, now_month);
    }
    json_decref(list);

    /* The pack expired in June 2018: 2018-07-01 + 12 months has passed; every month goes,
     * the audit log's once a cut covers its entry. */
    assert_int_equal(px_sql_exec(&f->env, "UPDATE serial SET expiry = '180600' WHERE serial = "
                                          "'R-1'; UPDATE epcis_event SET expiry = '180600' WHERE "
                                          "lot = 'P-RULE'"),
                     0);
    for (int t = 0; t < PX_PARTITIONED_N; t++) {
        const char *table = px_partitioned_tables[t];
        snprintf(old, sizeof(old), "%s_p201806", table);
        if (strcmp(rule_of(table)->held_by, "audit_cut") == 0) {
            detach_refused_as(f, old, "audit_not_cut");
            const char *cut[] = {"audit", "checkpoint", "--cut-before=2100-01-01T00:00:00Z", NULL};
            json_decref(px_test_cli(&f->env, &rc, cut));
            assert_int_equal(rc, 0);
        }
        json_decref(cli(f, &rc, "detach", old));
        assert_int_equal(rc, 0);
        expect_attached(f, old, 0, __LINE__);
        assert_true(px_count_of(&f->env, "SELECT count(*) FROM %s", old) >= 1);
        px_expect_count(&f->env, 0, "SELECT count(*) FROM %s WHERE tableoid = '%s'::regclass",
                        table, old);
    }
}

/* A release event without a lot (its packs cannot be found through the batch index) holds its
 * month for good, past its age: keep_until 9999-12-31 (docs/scaling.md "Retention"). The
 * event is a commissioning one made a lot-less release's (the CHECKs want a release id; the
 * foreign keys' triggers are off for it). */
static void test_partitions__lotless_release_holds_its_month(void **state)
{
    fixture *f = *state;
    px_test_commission(&f->env, f->mah_key, GTIN, "P-LOTLESS", "751231", "[\"LL-1\"]");
    px_sqlf(&f->env,
            "UPDATE serial SET expiry = '200100' WHERE serial = 'LL-1'"); /* long expired */
    px_sqlf(&f->env, "SELECT partition_add_month('epcis_event', '2018-08-01')");
    px_sqlf(&f->env,
            "SET session_replication_role = replica; "
            "UPDATE epcis_event SET created_at = '2018-08-15T00:00:00Z', serial_set = 'release', "
            "commission_id = NULL, release_id = gen_random_uuid(), lot = NULL WHERE lot = "
            "'P-LOTLESS'");
    expect_held(f, "epcis_event_p201808", "pack_expiry", "9999-12-31", "retention_not_passed");
}

/* An entry of the old single chain (before migration 0060, no chain) is never cut: its month is
 * held for good, past its age. */
static void test_partitions__old_audit_chain_holds_its_month(void **state)
{
    fixture *f = *state;
    px_sqlf(&f->env, "SELECT partition_add_month('audit_log', '2018-02-01')");
    assert_int_equal(px_sql_exec(&f->env, "INSERT INTO audit_log (seq, at, action, subject, "
                                          "prev_hash, hash) VALUES (nextval('audit_log_seq'), "
                                          "'2018-02-10T00:00:00Z', 'old', 'O', repeat('0', 64), "
                                          "repeat('1', 64))"),
                     0);
    expect_held(f, "audit_log_p201802", "audit_cut", NULL, "audit_not_cut");
}

/* A month of webhook deliveries is held while an attempt in a later month names one of them
 * (PostgreSQL would refuse the detach: the attempts' foreign key is (delivery_id,
 * delivery_created_at), migration 0200), and goes once the attempts have gone. */
static void test_partitions__deliveries_held_by_their_attempts(void **state)
{
    fixture *f = *state;
    px_sqlf(&f->env, "SELECT partition_add_month('webhook_delivery', '2018-03-01')");
    assert_int_equal(
        px_sql_exec(&f->env,
                    "SET session_replication_role = replica; INSERT INTO webhook_delivery (id, "
                    "tenant_id, event, body, state, created_at) VALUES "
                    "('00000000-0000-4000-8000-000000000318', gen_random_uuid(), "
                    "'pack.commissioned', '{}', 'delivered', '2018-03-31T23:00:00Z')"),
        0);
    /* Not vacuous: the foreign key is checked on the new key. */
    assert_int_not_equal(px_sql_exec(&f->env, "INSERT INTO webhook_attempt (delivery_id, "
                                              "delivery_created_at, n, started_at) VALUES "
                                              "('00000000-0000-4000-8000-000000000318', "
                                              "'2018-03-01T00:00:00Z', 1, now())"),
                         0);
    assert_int_equal(px_sql_exec(&f->env, "INSERT INTO webhook_attempt (delivery_id, "
                                          "delivery_created_at, n, started_at) VALUES "
                                          "('00000000-0000-4000-8000-000000000318', "
                                          "'2018-03-31T23:00:00Z', 1, now())"),
                     0);
    int rc;
    char want[16];
    px_sql_text(&f->env,
                "SELECT to_char(date_trunc('month', now()) + interval '73 months', 'YYYY-MM-DD')",
                want, sizeof(want));
    expect_held(f, "webhook_delivery_p201803", NULL, want, "retention_not_passed");
    /* The attempt's month gone (here: the row), the deliveries' month goes by its own age. */
    assert_int_equal(px_sql_exec(&f->env, "DELETE FROM webhook_attempt WHERE delivery_id = "
                                          "'00000000-0000-4000-8000-000000000318'"),
                     0);
    json_decref(cli(f, &rc, "detach", "webhook_delivery_p201803"));
    assert_int_equal(rc, 0);
    /* Out of the table, its row kept in the detached one. */
    expect_attached(f, "webhook_delivery_p201803", 0, __LINE__);
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM webhook_delivery WHERE id = "
                    "'00000000-0000-4000-8000-000000000318'");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM webhook_delivery_p201803");
    /* Who took the month out, and when, is on record. */
    assert_int_equal(px_audit_count(&f->env, "partition.detach", "webhook_delivery_p201803"), 1);
}

/* The sandbox's tables (docs/sandbox.md: schema sandbox, the same partitioned tables) get a
 * month of `table` from `day` on, with one row of it when row_sql is not NULL (run there). */
static void sandbox_month(fixture *f, const char *table, const char *day, const char *row_sql)
{
    px_sqlf(&f->env, "SET search_path = sandbox; SELECT partition_add_month('%s', '%s')", table,
            day);
    if (row_sql)
        px_sqlf(&f->env, "SET search_path = sandbox; %s", row_sql);
}

/* Month `name` of the sandbox's (unqualified) is a partition of its table there (1) or out of
 * it (0). */
static void expect_sandbox_attached(fixture *f, const char *name, int attached, int line)
{
    px_expect_count_at(__FILE__, line, &f->env, attached,
                       "SELECT count(*) FROM pg_inherits WHERE inhrelid = 'sandbox.%s'::regclass",
                       name);
}

/* An admin key of a new operator organization. */
static void admin_key(fixture *f, const char *name, char admin[64])
{
    char org[40];
    px_test_org_key(&f->env, "operator", name, "admin", org, admin);
}

/* The sandbox's months are listed after the live ones, named sandbox.<month>, each item with
 * its schema; the API pages across both schemas as one list. */
static void test_partitions__sandbox_months_listed(void **state)
{
    fixture *f = *state;
    char admin[64];
    admin_key(f, "Sandbox list operator", admin);
    sandbox_month(f, "scan", "2018-10-01", NULL);
    int rc;
    json_t *list = cli(f, &rc, "list", NULL);
    assert_int_equal(rc, 0);
    json_t *it = listed(list, "sandbox.scan_p201810");
    if (!it)
        fail_msg("sandbox.scan_p201810 is not listed");
    assert_string_equal(px_test_str(it, "schema"), "sandbox");
    assert_string_equal(px_test_str(it, "table"), "scan");
    assert_true(json_is_true(json_object_get(it, "detachable")));
    assert_null(listed(list, "scan_p201810")); /* the live schema has no such month */
    char now_month[48];
    px_sql_text(&f->env, "SELECT 'scan_p' || to_char(now(), 'YYYYMM')", now_month,
                sizeof(now_month));
    assert_string_equal(px_test_str(listed(list, now_month), "schema"), "live");
    /* Every live month before every sandbox one. */
    size_t i, first_sandbox = 0, n = json_array_size(json_object_get(list, "items"));
    json_array_foreach(json_object_get(list, "items"), i, it)
    {
        int sandbox = strcmp(px_test_str(it, "schema"), "sandbox") == 0;
        assert_int_equal(sandbox, strncmp(px_test_str(it, "name"), "sandbox.", 8) == 0);
        if (sandbox && !first_sandbox)
            first_sandbox = i + 1;
        if (!sandbox && first_sandbox)
            fail_msg("live month %s listed after a sandbox month", px_test_str(it, "name"));
    }
    assert_true(first_sandbox > 1);
    /* The API's pages, walked to the end, hold the same months in the same order. */
    char path[200] = "/v1/partitions?first=7";
    size_t seen = 0;
    for (int more = 1; more;) {
        json_t *page = px_test_call(&f->env, "GET", path, admin, NULL, 200);
        json_array_foreach(json_object_get(page, "items"), i, it)
        {
            json_t *want = json_array_get(json_object_get(list, "items"), seen++);
            assert_non_null(want);
            assert_string_equal(px_test_str(it, "name"), px_test_str(want, "name"));
            assert_string_equal(px_test_str(it, "schema"), px_test_str(want, "schema"));
        }
        more = px_test_next_page(page, "/v1/partitions?first=7", path, sizeof(path));
        json_decref(page);
    }
    assert_int_equal(seen, n);
    json_decref(list);
}

/* REQ-SCALE-3 in the sandbox: a month of the sandbox's past its retention leaves its table
 * there by its qualified name, its rows kept in the detached table, the live month of the same
 * name untouched; on record in the live audit log (the operator's act on the installation). */
static void test_partitions__sandbox_month_detached_by_name(void **state)
{
    fixture *f = *state;
    char admin[64];
    admin_key(f, "Sandbox detach operator", admin);
    px_sqlf(&f->env, "SELECT partition_add_month('report_attempt', '2018-09-01')");
    sandbox_month(f, "report_attempt", "2018-09-01",
                  "SET session_replication_role = replica; INSERT INTO report_attempt (report_id, "
                  "n, started_at) VALUES (gen_random_uuid(), 1, '2018-09-15T00:00:00Z')");
    json_t *j = px_test_call(
        &f->env, "POST", "/v1/partitions/sandbox.report_attempt_p201809/detach", admin, NULL, 200);
    assert_string_equal(px_test_str(j, "detached"), "sandbox.report_attempt_p201809");
    json_decref(j);
    expect_sandbox_attached(f, "report_attempt_p201809", 0, __LINE__);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM sandbox.report_attempt_p201809");
    expect_attached(f, "report_attempt_p201809", 1, __LINE__);
    assert_int_equal(px_audit_count(&f->env, "partition.detach", "sandbox.report_attempt_p201809"),
                     1);
    /* Without a name, every month due in both schemas: the sandbox's too. */
    sandbox_month(f, "webhook_attempt", "2018-09-01", NULL);
    int rc;
    j = cli(f, &rc, "detach", NULL);
    assert_int_equal(rc, 0);
    int found = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "detached"), i, it)
    {
        found |= strcmp(json_string_value(it), "sandbox.webhook_attempt_p201809") == 0;
    }
    json_decref(j);
    assert_true(found);
    expect_sandbox_attached(f, "webhook_attempt_p201809", 0, __LINE__);
}

/* A month of the sandbox's within its retention stays: judged on the sandbox's own rows, so a
 * sandbox pack that has not expired holds its month as a live one would. */
static void test_partitions__sandbox_month_kept_within_retention(void **state)
{
    fixture *f = *state;
    char admin[64], path[96], month[48];
    admin_key(f, "Sandbox retention operator", admin);
    px_sql_text(&f->env, "SELECT 'sandbox.scan_p' || to_char(now(), 'YYYYMM')", month,
                sizeof(month));
    snprintf(path, sizeof(path), "/v1/partitions/%s/detach", month);
    px_test_expect(&f->env, "POST", path, admin, NULL, 409, "retention_not_passed");
    expect_sandbox_attached(f, month + strlen("sandbox."), 1, __LINE__);
    /* Past its age, held by a sandbox pack (a test key's) that expires in 2049, scanned then;
     * the live schema has no such pack. */
    json_t *k = px_test_call(&f->env, "POST", "/v1/keys", f->mah_key,
                             "{\"role\":\"mah\",\"mode\":\"test\"}", 201);
    char test_key[64];
    snprintf(test_key, sizeof(test_key), "%s", px_test_str(k, "api_key"));
    json_decref(k);
    px_test_product(&f->env, test_key, GTIN, "Sandbox partitioned", "EU");
    px_test_commission(&f->env, test_key, GTIN, "SB-LOT", "491231", "[\"SB-1\"]");
    px_expect_count(&f->env, 0, "SELECT count(*) FROM serial WHERE serial = 'SB-1'");
    sandbox_month(f, "scan", "2018-11-01",
                  "INSERT INTO scan (gtin, serial, at, client, known, verdict, source) VALUES "
                  "('" GTIN "', 'SB-1', '2018-11-15T00:00:00Z', repeat('c', 64), true, "
                  "'genuine', 'verify')");
    expect_held(f, "sandbox.scan_p201811", "pack_expiry", "2051-01-01", "retention_not_passed");
    expect_sandbox_attached(f, "scan_p201811", 1, __LINE__);
    /* A sandbox month of audit_log with entries stays (its chains are never cut), and is not
     * told to run `audit checkpoint`, which cuts the live chains only. */
    sandbox_month(f, "audit_log", "2018-02-01",
                  "INSERT INTO audit_log (seq, at, action, subject, prev_hash, hash) VALUES "
                  "(nextval('audit_log_seq'), '2018-02-10T00:00:00Z', 'old', 'O', repeat('0', 64), "
                  "repeat('1', 64))");
    json_t *j = px_test_call(&f->env, "POST", "/v1/partitions/sandbox.audit_log_p201802/detach",
                             admin, NULL, 409);
    const char *why = px_test_str(json_object_get(j, "error"), "message");
    if (!strstr(why, "sandbox") || strstr(why, "checkpoint"))
        fail_msg("a sandbox audit month's refusal: %s", why);
    json_decref(j);
    expect_sandbox_attached(f, "audit_log_p201802", 1, __LINE__);
}

/* A name that is no month of a partitioned table of the schema it names is not found, whatever
 * the other schema holds; only a real month of the sandbox's is taken by its qualified name. */
static void test_partitions__sandbox_bad_names_not_found(void **state)
{
    fixture *f = *state;
    char admin[64];
    admin_key(f, "Sandbox names operator", admin);
    px_sqlf(&f->env, "SELECT partition_add_month('report_attempt', '2018-12-01')");
    sandbox_month(f, "webhook_attempt", "2018-12-01", NULL);
    static const char *const bad[] = {
        "sandbox.report_attempt_p201812", /* a live month only */
        "webhook_attempt_p201812",        /* a sandbox month only */
        "sandbox.serial",
        "sandbox.",
        "sandbox.sandbox.webhook_attempt_p201812",
        "public.report_attempt_p201812",
        "SANDBOX.webhook_attempt_p201812",
        "sandbox.webhook_attempt_p20181",
        "sandbox.webhook_attempt_default",
    };
    char path[128];
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        snprintf(path, sizeof(path), "/v1/partitions/%s/detach", bad[i]);
        px_test_expect(&f->env, "POST", path, admin, NULL, 404, "not_found");
    }
    detach_refused_as(f, "sandbox.report_attempt_p201812", "not_found");
    expect_attached(f, "report_attempt_p201812", 1, __LINE__);
    expect_sandbox_attached(f, "webhook_attempt_p201812", 1, __LINE__);
    /* Not vacuous: the sandbox's month is taken by its qualified name. */
    json_decref(px_test_call(&f->env, "POST",
                             "/v1/partitions/sandbox.webhook_attempt_p201812/detach", admin, NULL,
                             200));
    expect_sandbox_attached(f, "webhook_attempt_p201812", 0, __LINE__);
}

/* REQ-SANDBOX-2: an admin's test key is the sandbox's alone, as every test key: its ensure makes
 * the sandbox's months only and answers with the sandbox's default partitions, it lists the
 * sandbox's months only, a live month's name is none of its months (404), and its detach of a
 * sandbox month is on record in the sandbox's log. */
static void test_partitions__admin_test_key_stays_in_the_sandbox(void **state)
{
    fixture *f = *state;
    char org[40], admin[64], test_admin[64];
    px_test_org_key(&f->env, "operator", "Sandbox test-key operator", "admin", org, admin);
    const char *args[] = {"key", "create", "--org", org, "--role", "admin", "--mode", "test", NULL};
    int rc;
    json_t *k = px_test_cli(&f->env, &rc, args);
    assert_int_equal(rc, 0);
    snprintf(test_admin, sizeof(test_admin), "%s", px_test_str(k, "api_key"));
    json_decref(k);
    /* A live scan of a month nobody made waits in the live default partition. */
    px_sqlf(&f->env, "SET session_replication_role = replica; INSERT INTO scan (gtin, serial, at, "
                     "client, known, verdict, source) VALUES ('" GTIN "', 'TK-1', "
                     "'2015-02-15T00:00:00Z', repeat('c', 64), true, 'genuine', 'verify')");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM scan_default");
    json_t *j = px_test_call(&f->env, "POST", "/v1/partitions/ensure", test_admin,
                             "{\"from\":\"2016-01\",\"ahead\":1}", 200);
    assert_int_equal(px_test_int(j, "created"), 2 * PX_PARTITIONED_N);
    assert_int_equal(px_test_int(json_object_get(j, "default_rows_by_table"), "scan"), 0);
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM pg_class WHERE relname = 'scan_p201601' AND relnamespace "
                    "IN ('public'::regnamespace, 'sandbox'::regnamespace)");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM pg_class WHERE relname = 'scan_p201601' AND relnamespace "
                    "= 'sandbox'::regnamespace");
    /* Every month it lists is the sandbox's. */
    j = px_test_call(&f->env, "GET", "/v1/partitions?first=500", test_admin, NULL, 200);
    size_t i;
    json_t *it;
    int found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
    {
        assert_string_equal(px_test_str(it, "schema"), "sandbox");
        found |= strcmp(px_test_str(it, "name"), "sandbox.scan_p201601") == 0;
    }
    assert_true(found);
    json_decref(j);
    /* A live month is none of its months; the sandbox's of the same name is. */
    px_sqlf(&f->env, "SELECT partition_add_month('report_attempt', '2016-03-01')");
    sandbox_month(f, "report_attempt", "2016-03-01", NULL);
    px_test_expect(&f->env, "POST", "/v1/partitions/report_attempt_p201603/detach", test_admin,
                   NULL, 404, "not_found");
    expect_attached(f, "report_attempt_p201603", 1, __LINE__);
    json_decref(px_test_call(&f->env, "POST",
                             "/v1/partitions/sandbox.report_attempt_p201603/detach", test_admin,
                             NULL, 200));
    expect_sandbox_attached(f, "report_attempt_p201603", 0, __LINE__);
    expect_attached(f, "report_attempt_p201603", 1, __LINE__);
    assert_int_equal(px_audit_count(&f->env, "partition.detach", "sandbox.report_attempt_p201603"),
                     0);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM sandbox.audit_log WHERE action = 'partition.detach' AND "
                    "subject = 'sandbox.report_attempt_p201603'");
    px_sqlf(&f->env, "DELETE FROM scan WHERE serial = 'TK-1'");
}

/* A partition maintenance pass that fails (a plain table already holds the name of a month it
 * must make) is no silent pass: the worker loop logs it at error level and counts it in
 * packid_runner_errors_total{runner="partitions"}. Last: it restarts the server. */
static void test_partitions__failed_pass_is_counted(void **state)
{
    fixture *f = *state;
    px_test_server_kill(&f->env);
    px_test_setenv(&f->env, "PACKID_PARTITIONS_AHEAD=24");
    char name[32]; /* a month beyond those made so far, within the 24 ahead */
    px_sql_text(&f->env, "SELECT 'scan_p' || to_char(now() + interval '20 months', 'YYYYMM')", name,
                sizeof(name));
    px_sqlf(&f->env, "DROP TABLE IF EXISTS %s", name);
    px_sqlf(&f->env, "CREATE TABLE %s (x int)", name);
    px_test_server_start(&f->env);
    assert_true(
        px_test_metric_soon(&f->env, 100, "packid_runner_errors_total{runner=\"partitions\"}") > 0);
    assert_true(px_test_log_has(&f->env, "runner partitions failed", "\"level\":\"error\""));
    px_sqlf(&f->env, "DROP TABLE %s", name);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
