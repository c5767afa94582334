/* The distributable schema (docs/scaling.md "Distributable schema"), checked over the live
 * schema of a freshly migrated database (pg_index, pg_attribute): every table that holds
 * packs (a `gtin` or `serial` column) has the GTIN first in every unique index, so each can be
 * distributed on it (Citus) and every unique check stays inside one shard. The tables that
 * stay whole on one node are named below with their reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"

static px_test_env env;

/* Not distributed, each with its reason (docs/scaling.md has the figures):
 *   reference tables (small, copied to every node): product, partnership_product;
 *   one row per request, not per pack (≤ 1 row per 10,000-serial commission; stays on the
 *   coordinator): allocation, commission, pack_op, market_release, print_job, export, report;
 *   one row per verification request (vrs_request) or per flagged serial (clone_alert), read
 *   by the MAH's tenant: distributed by tenant_id if ever, not by GTIN;
 *   carrier batches (carrier, carrier_batch_item): ≤ 1,000 rows per batch, read by batch or
 *   carrier id, and one batch may mix GTINs: co-located by batch, not by GTIN. */
#define EXEMPT                                                                                   \
    "'product','partnership_product','allocation','commission','pack_op','market_release',"     \
    "'print_job','export','report','vrs_request','clone_alert','carrier','carrier_batch_item'"

/* The tables the rule applies to, then its offenders ("table.index(first column)"). */
#define HOLDS_PACKS                                                                              \
    "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "    \
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "          \
    "AND EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = c.oid AND x.attnum > 0 "       \
    "AND NOT x.attisdropped AND x.attname IN ('gtin', 'serial')) "                              \
    "AND c.relname NOT IN (" EXEMPT ")"
#define OFFENDERS                                                                                \
    "SELECT coalesce(string_agg(t.relname || '.' || i.relname || '(' || "                       \
    "coalesce(a.attname, 'expression') || ')', ', ' ORDER BY t.relname, i.relname), '') "       \
    "FROM (" HOLDS_PACKS ") t JOIN pg_index ix ON ix.indrelid = t.oid AND ix.indisunique "     \
    "JOIN pg_class i ON i.oid = ix.indexrelid "                                                 \
    "LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ix.indkey[0] "               \
    "WHERE a.attname IS DISTINCT FROM 'gtin'"

static int setup(void **state)
{
    (void)state;
    memset(&env, 0, sizeof(env));
    px_test_db_create(&env);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    px_test_db_drop(&env);
    return 0;
}

/* REQ-SCALE-2: no table holding packs has a unique index that does not start with the GTIN. */
static void test_schema_rule__gtin_first_in_every_unique_index(void)
{
    char offenders[4096], checked[2048];
    px_sql_text(&env, OFFENDERS, offenders, sizeof(offenders));
    if (offenders[0])
        fail_msg("unique indexes that do not start with gtin: %s (put the GTIN first, or add "
                 "the table to EXEMPT with its reason and docs/scaling.md)",
                 offenders);
    /* Not vacuous: the per-pack tables are among those checked. */
    px_sql_text(&env,
                "SELECT string_agg(relname, ',' ORDER BY relname) FROM (" HOLDS_PACKS ") t",
                checked, sizeof(checked));
    print_message("checked: %s\n", checked);
    const char *must[] = {"serial", "print_job_serial", "export_item", "epcis_event", "batch"};
    for (size_t i = 0; i < PX_COUNT(must); i++) {
        char quoted[64];
        snprintf(quoted, sizeof(quoted), ",%s,", must[i]);
        char padded[2100];
        snprintf(padded, sizeof(padded), ",%s,", checked);
        if (!strstr(padded, quoted))
            fail_msg("%s is not checked by the rule", must[i]);
    }
}

/* The check can fail: a table of packs keyed by its own id is named as an offender. */
static void test_schema_rule__names_an_offender(void)
{
    assert_int_equal(px_sql_exec(&env, "CREATE TABLE scratch_pack (id bigint PRIMARY KEY, "
                                       "gtin char(14) NOT NULL, serial text NOT NULL, "
                                       "UNIQUE (gtin, serial))"),
                     0);
    char offenders[4096];
    px_sql_text(&env, OFFENDERS, offenders, sizeof(offenders));
    assert_string_equal(offenders, "scratch_pack.scratch_pack_pkey(id)");
    assert_int_equal(px_sql_exec(&env, "DROP TABLE scratch_pack"), 0);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
