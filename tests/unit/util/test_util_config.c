/* Unit tests for util/px_config: numbers from the environment are base 10, in range and
 * nothing after them; the scaling settings (docs/scaling.md) keep the law's floors for the
 * retention of the monthly partitions (EU FMD: five years after release, one year after
 * expiry), so a setting below them is refused, never quietly used. */
#define _GNU_SOURCE /* sched_setaffinity, CPU_COUNT */
#include <ctype.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_config.h"

/* Every setting packid reads, unset before each vector: none leaks from the environment. */
static void clear(void)
{
    for (size_t i = 0; px_config_setting_name(i); i++)
        unsetenv(px_config_setting_name(i));
}

/* One setting and whether the configuration takes it. */
typedef struct {
    const char *name, *value;
    int ok;
    int line;
} setting;

/* Loads the configuration with each setting of v alone: taken when ok, else refused with a
 * message naming the setting (and, when code is not NULL, with that error code). */
static void check_settings(const setting *v, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++) {
        clear();
        setenv(v[i].name, v[i].value, 1);
        px_config cfg;
        px_err err = PX_ERR_INIT;
        px_rc rc = px_config_load(&cfg, &err);
        if ((rc == PX_OK) != v[i].ok || (!v[i].ok && code && strcmp(err.code, code) != 0))
            fail_msg("%s:%d: %s=%s -> %d %s", __FILE__, v[i].line, v[i].name, v[i].value, (int)rc,
                     err.message);
        if (!v[i].ok && !strstr(err.message, v[i].name))
            fail_msg("%s:%d: the message does not name %s: %s", __FILE__, v[i].line, v[i].name,
                     err.message);
    }
    clear();
}

/* README "Configuration" names every setting packid reads, each in full (a reader who
 * greps for one finds it), and the table has no name twice. */
static void test_util__config_every_setting_documented(void)
{
    FILE *f = fopen(PX_SOURCE_DIR "/README.md", "rb");
    assert_non_null(f);
    static char readme[1 << 18];
    size_t n = fread(readme, 1, sizeof(readme) - 1, f);
    fclose(f);
    assert_true(n < sizeof(readme) - 1);
    readme[n] = '\0';
    size_t count = 0;
    for (size_t i = 0; px_config_setting_name(i); i++, count++) {
        const char *name = px_config_setting_name(i);
        const char *at = readme;
        size_t len = strlen(name);
        while ((at = strstr(at, name)) != NULL &&
               (isalnum((unsigned char)at[len]) || at[len] == '_'))
            at += len;
        if (!at)
            fail_msg("README.md does not name %s", name);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(px_config_setting_name(j), name);
    }
    assert_true(count >= 40);
}

/* Loads the configuration with name=value (and the two body settings at values that agree
 * with any value of the other); PX_OK or the refusal in err. */
static px_rc load_with(const char *name, long value, px_err *err)
{
    clear();
    if (strcmp(name, "PACKID_MAX_BODY") != 0)
        setenv("PACKID_MAX_BODY", "1024", 1);
    if (strcmp(name, "PACKID_BODY_BUDGET") != 0)
        setenv("PACKID_BODY_BUDGET", "68719476736", 1);
    char v[24];
    snprintf(v, sizeof(v), "%ld", value);
    setenv(name, v, 1);
    px_config cfg;
    px_rc rc = px_config_load(&cfg, err);
    clear();
    return rc;
}

/* Every whole-number setting takes its bounds and refuses one past either, naming itself and
 * its range. */
static void test_util__config_number_bounds(void)
{
    size_t numbers = 0;
    long dflt, min, max;
    for (size_t i = 0; px_config_setting_name(i); i++) {
        if (!px_config_setting_bounds(i, &dflt, &min, &max))
            continue;
        numbers++;
        const char *name = px_config_setting_name(i);
        assert_in_range(dflt, min, max);
        px_err err = PX_ERR_INIT;
        if (load_with(name, min, &err) != PX_OK || load_with(name, max, &err) != PX_OK)
            fail_msg("%s at a bound: %s", name, err.message);
        char range[64];
        snprintf(range, sizeof(range), "from %ld to %ld", min, max);
        const long past[] = {min - 1, max + 1};
        for (size_t j = 0; j < PX_COUNT(past); j++) {
            err = (px_err)PX_ERR_INIT;
            if (load_with(name, past[j], &err) != PX_EINVALID ||
                strcmp(err.code, "bad_config") != 0 || !strstr(err.message, name) ||
                !strstr(err.message, range))
                fail_msg("%s=%ld: %s", name, past[j], err.message);
        }
    }
    assert_true(numbers >= 25);
}

/* The README's default of every whole-number setting is the one packid uses, and a range it
 * gives is the one packid takes: a row names one setting or several ("`A` / `B`"), its
 * defaults in the same order ("`1` / `2`"). */
static void test_util__config_readme_defaults(void)
{
    FILE *f = fopen(PX_SOURCE_DIR "/README.md", "rb");
    assert_non_null(f);
    char line[4096];
    size_t checked = 0, ranges = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "| `PACKID_", 10) != 0)
            continue;
        char *cells = line + 2, *sep = strstr(cells, " | ");
        assert_non_null(sep);
        *sep = '\0';
        char *defaults = sep + 3, *end = strstr(defaults, " | ");
        assert_non_null(end);
        *end = '\0';
        /* A row of one setting may give its range, "(min–max" (an en dash), in its meaning. */
        const char *range = strchr(cells, '/') ? NULL : strstr(end + 3, "\u2013");
        while (range && range > end + 3 && range[-1] >= '0' && range[-1] <= '9')
            range--;
        long rmin = 0, rmax = 0;
        int ranged = range && range[-1] == '(' && sscanf(range, "%ld\u2013%ld", &rmin, &rmax) == 2;
        char *np = NULL, *dp = NULL;
        for (char *n = strtok_r(cells, "/", &np), *d = strtok_r(defaults, "/", &dp); n;
             n = strtok_r(NULL, "/", &np), d = d ? strtok_r(NULL, "/", &dp) : NULL) {
            char name[64], value[64];
            if (sscanf(n, " `%63[A-Z0-9_]`", name) != 1)
                fail_msg("README: a row names no setting: %s", n);
            for (size_t i = 0; px_config_setting_name(i); i++) {
                long dflt, min, max;
                if (strcmp(px_config_setting_name(i), name) != 0 ||
                    !px_config_setting_bounds(i, &dflt, &min, &max))
                    continue;
                char want[24];
                snprintf(want, sizeof(want), "%ld", dflt);
                if (!d || sscanf(d, " `%63[0-9]`", value) != 1 || strcmp(value, want) != 0)
                    fail_msg("README gives %s the default %s; packid uses %s", name, d ? d : "none",
                             want);
                if (ranged && (rmin != min || rmax != max))
                    fail_msg("README gives %s the range %ld-%ld; packid takes %ld-%ld", name, rmin,
                             rmax, min, max);
                ranges += ranged;
                checked++;
            }
        }
    }
    fclose(f);
    long dflt, min, max;
    size_t numbers = 0;
    for (size_t i = 0; px_config_setting_name(i); i++)
        numbers += (size_t)px_config_setting_bounds(i, &dflt, &min, &max);
    assert_int_equal(checked, numbers);
    assert_true(ranges >= 15);
}

/* A variable named a letter or two off a setting (or in another case) stops the start and
 * names the setting meant; the setting spelled right, or a variable far from every setting
 * (another tool's), passes. */
static void test_util__config_misspelt_setting(void)
{
    static const struct {
        const char *name, *meant; /* meant NULL: taken */
    } v[] = {
        {"PACKID_RETENTON_MONTHS", "PACKID_RETENTION_MONTHS"},
        {"PACKID_TRHEADS", "PACKID_THREADS"},
        {"packid_demo", "PACKID_DEMO"},
        {"PAKCID_LOG_LEVEL", "PACKID_LOG_LEVEL"},
        {"PACKID_EPCIS3_XSD_DIR", "PACKID_EPCIS_XSD_DIR"},
        /* two from PACKID_CLONE_MAX_KMH, one from PACKID_CLONE_MIN_KM: the nearest is meant */
        {"PACKID_CLONE_MIN_KMH", "PACKID_CLONE_MIN_KM"},
        {"PACKID_EPCIS2_XSD_DIR", NULL}, /* one letter from PACKID_EPCIS_XSD_DIR, and a setting */
        {"PACKID_BIN", NULL},
        {"PACKID_TEST_DATABASE_URL", NULL},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        clear();
        setenv(v[i].name, "/tmp", 1);
        px_config cfg;
        px_err err = PX_ERR_INIT;
        px_rc rc = px_config_load(&cfg, &err);
        unsetenv(v[i].name);
        if (!v[i].meant) {
            if (rc != PX_OK)
                fail_msg("%s: %s", v[i].name, err.message);
            continue;
        }
        char meant[96];
        snprintf(meant, sizeof(meant), "is it %s?", v[i].meant);
        if (rc != PX_EINVALID || strcmp(err.code, "bad_config") != 0 ||
            !strstr(err.message, v[i].name) || !strstr(err.message, meant))
            fail_msg("%s -> %d %s", v[i].name, (int)rc, err.message);
    }
    clear();
}

/* PACKID_TRUSTED_PROXY is an address literal, kept as getnameinfo writes a peer's (so the two
 * compare): a name or an address with a port would match no peer and is refused. */
static void test_util__config_trusted_proxy(void)
{
    static const setting v[] = {
        {"PACKID_TRUSTED_PROXY", "127.0.0.1", 1, __LINE__},
        {"PACKID_TRUSTED_PROXY", "2001:db8::1", 1, __LINE__},
        {"PACKID_TRUSTED_PROXY", "localhost", 0, __LINE__},
        {"PACKID_TRUSTED_PROXY", "10.0.0.1:8080", 0, __LINE__},
        {"PACKID_TRUSTED_PROXY", "10.0.0.256", 0, __LINE__},
        {"PACKID_TRUSTED_PROXY", " 10.0.0.1", 0, __LINE__},
    };
    check_settings(v, PX_COUNT(v), "bad_config");
    static const struct {
        const char *given, *kept;
    } forms[] = {{"0:0:0:0:0:0:0:1", "::1"}, {"2001:DB8:0::1", "2001:db8::1"}, {"", ""}};
    for (size_t i = 0; i < PX_COUNT(forms); i++) {
        clear();
        setenv("PACKID_TRUSTED_PROXY", forms[i].given, 1);
        px_config cfg;
        assert_int_equal(px_config_load(&cfg, NULL), PX_OK);
        assert_string_equal(cfg.trusted_proxy, forms[i].kept);
    }
    clear();
}

static void test_util__config_scale_defaults(void)
{
    clear();
    px_config cfg;
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_config_load(&cfg, &err), PX_OK);
    assert_int_equal(cfg.retention_months, 72); /* DSCSA: six years */
    assert_int_equal(cfg.retention_after_expiry_months, 12);
    assert_int_equal(cfg.partitions_ahead, 3);
    assert_int_equal(cfg.verify_on_standby, 0);
}

/* REQ-SCALE-3: no setting shortens the retention below the law's floors. */
static void test_util__config_scale_bounds(void)
{
    static const setting v[] = {
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
    check_settings(v, PX_COUNT(v), NULL);
}

/* The readers' default follows the cores this process may run on (a container's CPUs, not
 * the host's): half of them, at least two. */
static void test_util__config_readers_follow_affinity(void)
{
    cpu_set_t all, one;
    assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
    int n = CPU_COUNT(&all), first = 0;
    while (!CPU_ISSET(first, &all))
        first++;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
    int on_one = px_config_verify_readers_default();
    assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
    assert_int_equal(on_one, 2);
    int half = n / 2 < 2 ? 2 : n / 2 > PX_VERIFY_READERS_MAX ? PX_VERIFY_READERS_MAX : n / 2;
    assert_int_equal(px_config_verify_readers_default(), half);
}

/* Numbers from the environment: base 10, in range, nothing after them. */
static void test_util__config_numbers(void)
{
    static const setting v[] = {
        {"PACKID_THREADS", "8", 1, __LINE__},
        {"PACKID_THREADS", "0", 0, __LINE__},
        {"PACKID_THREADS", "257", 0, __LINE__},
        {"PACKID_THREADS", "4x", 0, __LINE__},
        {"PACKID_WORKERS", "0", 1, __LINE__},
        {"PACKID_WORKERS", "-1", 0, __LINE__},
        {"PACKID_VERIFY_READERS", "16", 1, __LINE__},
        {"PACKID_VERIFY_READERS", "0", 0, __LINE__},
        {"PACKID_VERIFY_READERS", "17", 0, __LINE__},
        {"PACKID_MAX_BODY", "1023", 0, __LINE__},
        {"PACKID_MAX_BODY", "1024", 1, __LINE__},
        {"PACKID_LISTEN", "127.0.0.1:65535", 1, __LINE__},
        {"PACKID_LISTEN", "127.0.0.1:65536", 0, __LINE__},
        {"PACKID_LISTEN", "127.0.0.1:http", 0, __LINE__},
        {"PACKID_LISTEN", "8080", 0, __LINE__},
        {"PACKID_DEMO", "2", 0, __LINE__},
        {"PACKID_LOG_LEVEL", "warn", 1, __LINE__},
        {"PACKID_LOG_LEVEL", "WARN", 0, __LINE__},
        {"PACKID_LOG_LEVEL", "trace", 0, __LINE__},
    };
    check_settings(v, PX_COUNT(v), "bad_config");
    px_config cfg;
    assert_int_equal(px_config_load(&cfg, NULL), PX_OK);
    assert_int_equal(cfg.threads, 4);
    assert_int_equal(cfg.verify_readers, px_config_verify_readers_default());
    assert_in_range(cfg.verify_readers, 2, PX_VERIFY_READERS_MAX);
    assert_int_equal(cfg.listen_port, 8080);
}

/* The test clock is read here like every setting: honoured only beside
 * PACKID_ALLOW_TEST_CLOCK=1, and a time that does not parse is refused, never ignored. */
static void test_util__config_test_clock(void)
{
    static const struct {
        const char *allow, *now;
        px_rc rc;
        int64_t us;
        const char *refused; /* the variable a refusal names */
    } v[] = {
        {NULL, "2026-03-01T10:00:00Z", PX_OK, 0, NULL}, /* not allowed: the real clock */
        {"0", "2026-03-01T10:00:00Z", PX_OK, 0, NULL},
        {"1", NULL, PX_OK, 0, NULL},
        {"1", "2026-03-01T10:00:00Z", PX_OK, 1772359200000000, NULL},
        {"1", "2026-03-01T11:30:00+01:30", PX_OK, 1772359200000000, NULL},
        {"1", "2026-03-01 10:00", PX_EINVALID, 0, "PACKID_TEST_NOW"},
        {"2", "2026-03-01T10:00:00Z", PX_EINVALID, 0, "PACKID_ALLOW_TEST_CLOCK"},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        clear();
        if (v[i].allow)
            setenv("PACKID_ALLOW_TEST_CLOCK", v[i].allow, 1);
        if (v[i].now)
            setenv("PACKID_TEST_NOW", v[i].now, 1);
        px_config cfg;
        px_err err = PX_ERR_INIT;
        assert_int_equal(px_config_load(&cfg, &err), v[i].rc);
        if (v[i].rc == PX_OK) {
            assert_true(cfg.test_now_us == v[i].us);
        } else {
            assert_string_equal(err.code, "bad_config");
            assert_non_null(strstr(err.message, v[i].refused));
        }
    }
    clear();
}

/* Paths and URLs are taken whole or refused, never cut (a cut Digital Link domain would be
 * printed in every symbol): up to the field's size they pass, one byte more is bad_config. */
static void test_util__config_text_whole(void)
{
    static char dl255[300], dl256[300], path511[600], path512[600];
    memset(dl255, 'a', 255);
    memcpy(dl255, "https://", 8);
    memcpy(dl256, dl255, 255);
    dl256[255] = 'a';
    memset(path511, 'p', 511);
    path511[0] = '/';
    memcpy(path512, path511, 511);
    path512[511] = 'p';
    static char url1023[1100], url1024[1100];
    memset(url1023, 'h', 1023);
    memcpy(url1024, url1023, 1023);
    url1024[1023] = 'h';
    const setting v[] = {
        {"PACKID_DL_DOMAIN", dl255, 1, __LINE__},
        {"PACKID_DL_DOMAIN", dl256, 0, __LINE__},
        {"PACKID_PUBLIC_URL", dl255, 1, __LINE__},
        {"PACKID_PUBLIC_URL", dl256, 0, __LINE__},
        {"PACKID_GCP_LIST", path511, 1, __LINE__},
        {"PACKID_GCP_LIST", path512, 0, __LINE__},
        {"PACKID_EPCIS_XSD_DIR", path511, 1, __LINE__},
        {"PACKID_EPCIS_XSD_DIR", path512, 0, __LINE__},
        {"PACKID_DATA_DIR", path511, 1, __LINE__},
        {"PACKID_DATA_DIR", path512, 0, __LINE__},
        {"PACKID_DATABASE_URL", url1023, 1, __LINE__},
        {"PACKID_DATABASE_URL", url1024, 0, __LINE__},
    };
    check_settings(v, PX_COUNT(v), "bad_config");
}

/* Settings that must agree: the body budget holds two of the largest body (a buffer grows by
 * doubling), a link secret given has 32 bytes at least. Each refusal names its setting. */
static void test_util__config_settings_agree(void)
{
    static const struct {
        const char *a, *b, *named; /* named NULL: taken */
    } v[] = {
        {"PACKID_MAX_BODY=1048576", "PACKID_BODY_BUDGET=2097152", NULL},
        {"PACKID_MAX_BODY=1048576", "PACKID_BODY_BUDGET=2097151", "PACKID_BODY_BUDGET"},
        {"PACKID_LINK_SECRET=0123456789abcdef0123456789abcdef", "PACKID_WORKERS=2", NULL},
        {"PACKID_LINK_SECRET=0123456789abcdef0123456789abcde", "PACKID_WORKERS=2",
         "PACKID_LINK_SECRET"},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        clear();
        putenv((char *)v[i].a);
        putenv((char *)v[i].b);
        px_config cfg;
        px_err err = PX_ERR_INIT;
        px_rc rc = px_config_load(&cfg, &err);
        if ((rc == PX_OK) != !v[i].named || (v[i].named && (strcmp(err.code, "bad_config") != 0 ||
                                                            !strstr(err.message, v[i].named))))
            fail_msg("%s %s -> %d %s", v[i].a, v[i].b, (int)rc, err.message);
    }
    clear();
}
