/* Unit tests for util/px_config's scaling settings (docs/scaling.md): the retention of the
 * monthly partitions has the law's floors (EU FMD: five years after release, one year after
 * expiry), so a setting below them is refused, never quietly used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_config.h"

static const char *const names[] = {"PACKID_RETENTION_MONTHS",
                                    "PACKID_RETENTION_AFTER_EXPIRY_MONTHS",
                                    "PACKID_PARTITIONS_AHEAD", "PACKID_VERIFY_ON_STANDBY"};

static void clear(void)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unsetenv(names[i]);
}

static void test_util__config_scale_defaults(void **state)
{
    (void)state;
    clear();
    px_config cfg;
    px_err err;
    px_err_clear(&err);
    assert_int_equal(px_config_load(&cfg, &err), PX_OK);
    assert_int_equal(cfg.retention_months, 72); /* DSCSA: six years */
    assert_int_equal(cfg.retention_after_expiry_months, 12);
    assert_int_equal(cfg.partitions_ahead, 3);
    assert_int_equal(cfg.verify_on_standby, 0);
}

/* REQ-SCALE-3: no setting shortens the retention below the law's floors. */
static void test_util__config_scale_bounds(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value;
        int ok;
        int line;
    } v[] = {
        {"PACKID_RETENTION_MONTHS", "60", 1, __LINE__},
        {"PACKID_RETENTION_MONTHS", "59", 0, __LINE__}, /* below EU FMD's five years */
        {"PACKID_RETENTION_MONTHS", "1200", 1, __LINE__},
        {"PACKID_RETENTION_MONTHS", "1201", 0, __LINE__},
        {"PACKID_RETENTION_MONTHS", "six", 0, __LINE__},
        {"PACKID_RETENTION_AFTER_EXPIRY_MONTHS", "12", 1, __LINE__},
        {"PACKID_RETENTION_AFTER_EXPIRY_MONTHS", "11", 0, __LINE__}, /* EU FMD: one year */
        {"PACKID_PARTITIONS_AHEAD", "0", 0, __LINE__},
        {"PACKID_PARTITIONS_AHEAD", "24", 1, __LINE__},
        {"PACKID_PARTITIONS_AHEAD", "25", 0, __LINE__},
        {"PACKID_VERIFY_ON_STANDBY", "1", 1, __LINE__},
        {"PACKID_VERIFY_ON_STANDBY", "2", 0, __LINE__},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        clear();
        setenv(v[i].name, v[i].value, 1);
        px_config cfg;
        px_err err;
        px_err_clear(&err);
        px_rc rc = px_config_load(&cfg, &err);
        if ((rc == PX_OK) != v[i].ok)
            fail_msg("%s:%d: %s=%s: %s", __FILE__, v[i].line, v[i].name, v[i].value,
                     rc == PX_OK ? "accepted" : err.message);
        if (!v[i].ok && !strstr(err.message, v[i].name))
            fail_msg("%s:%d: the message does not name %s: %s", __FILE__, v[i].line, v[i].name,
                     err.message);
    }
    clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__config_scale_defaults),
        cmocka_unit_test(test_util__config_scale_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
