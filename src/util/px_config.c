#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "px_config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "px_array.h"
#include "px_clock.h"
#include "px_log.h"
#include "px_str.h"

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static px_rc env_int(const char *name, long dflt, long min, long max, long *out, px_err *err)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        *out = dflt;
        return PX_OK;
    }
    if (px_parse_long(v, min, max, out) != 0)
        return px_err_set(err, PX_EINVALID, "bad_config", "%s must be a number from %ld to %ld",
                          name, min, max);
    return PX_OK;
}

/* A text setting that must fit its field whole (never cut). */
static px_rc env_text(const char *name, const char *dflt, char *out, size_t cap, px_err *err)
{
    if (px_strlcpy(out, env_or(name, dflt), cap) >= cap)
        return px_err_set(err, PX_EINVALID, "bad_config", "%s is longer than %zu bytes", name,
                          cap - 1);
    return PX_OK;
}

/* PACKID_LISTEN: host:port. */
static px_rc listen_read(px_config *cfg, const char *name, px_err *err)
{
    const char *listen = env_or(name, "127.0.0.1:8080");
    const char *colon = strrchr(listen, ':');
    long port;
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof(cfg->listen_host) ||
        px_parse_long(colon + 1, 0, 65535, &port) != 0)
        return px_err_set(err, PX_EINVALID, "bad_config", "%s must be host:port, got \"%s\"", name,
                          listen);
    memcpy(cfg->listen_host, listen, (size_t)(colon - listen));
    cfg->listen_port = (int)port;
    return PX_OK;
}

/* PACKID_DATA_DIR, made absolute against the working directory. */
static px_rc data_dir_read(px_config *cfg, const char *name, px_err *err)
{
    const char *dir = env_or(name, "./var");
    char cwd[PATH_MAX];
    int n;
    if (dir[0] == '/')
        n = snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", dir);
    else if (!getcwd(cwd, sizeof(cwd)))
        return px_err_set(err, PX_EINTERNAL, NULL, "cannot read the current directory");
    else
        n = snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s/%s", cwd,
                     strncmp(dir, "./", 2) == 0 ? dir + 2 : dir);
    if (n < 0 || (size_t)n >= sizeof(cfg->data_dir))
        return px_err_set(err, PX_EINVALID, "bad_config", "%s is too long", name);
    return PX_OK;
}

/* The public verifications' shared reads (verify_batch.h): each reader keeps one PostgreSQL
 * backend busy under load, one core. Half the cores leaves the rest to the HTTP threads and
 * the answers; at least two, as one reader alone caps the reads at one backend's speed (on two
 * cores a second reader gave 4-13 % more hits a second for 1-2.5 ms more p99: docs/resolver.md
 * "Sixth pass"). The cores are those this process may run on (its affinity, as nproc counts
 * them: a container given two CPUs of a large host has two), else those online. */
int px_config_verify_readers_default(void)
{
    long cores = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        cores = CPU_COUNT(&set);
    if (cores < 1)
        cores = sysconf(_SC_NPROCESSORS_ONLN);
    long half = cores / 2;
    return half < 2 ? 2 : half > PX_VERIFY_READERS_MAX ? PX_VERIFY_READERS_MAX : (int)half;
}

static px_rc verify_readers_read(px_config *cfg, const char *name, px_err *err)
{
    long v;
    px_rc rc = env_int(name, px_config_verify_readers_default(), 1, PX_VERIFY_READERS_MAX, &v, err);
    cfg->verify_readers = (int)v;
    return rc;
}

/* Demo data on the embedded database only: a real deployment gets none. */
static px_rc demo_read(px_config *cfg, const char *name, px_err *err)
{
    long v;
    px_rc rc = env_int(name, cfg->database_url[0] ? 0 : 1, 0, 1, &v, err);
    cfg->demo = (int)v;
    return rc;
}

/* The base of signed links: the address packid listens on unless one is given. */
static px_rc public_url_read(px_config *cfg, const char *name, px_err *err)
{
    const char *pub = getenv(name);
    cfg->public_url_set = pub && *pub;
    if (cfg->public_url_set)
        return env_text(name, "", cfg->public_url, sizeof(cfg->public_url), err);
    snprintf(cfg->public_url, sizeof(cfg->public_url), "http://%s:%d", cfg->listen_host,
             cfg->listen_port);
    return PX_OK;
}

/* The audit trail's signing key (docs/audit.md) lives outside PostgreSQL on purpose: whoever
 * can write the database must not be able to sign. */
static px_rc audit_key_read(px_config *cfg, const char *name, px_err *err)
{
    const char *key = getenv(name);
    int n = key && *key ? snprintf(cfg->audit_key_file, sizeof(cfg->audit_key_file), "%s", key)
                        : snprintf(cfg->audit_key_file, sizeof(cfg->audit_key_file),
                                   "%s/audit/signing-key.pem", cfg->data_dir);
    if (n < 0 || (size_t)n >= sizeof(cfg->audit_key_file))
        return px_err_set(err, PX_EINVALID, "bad_config", "%s is too long", name);
    return PX_OK;
}

static px_rc log_level_read(px_config *cfg, const char *name, px_err *err)
{
    const char *lvl = env_or(name, "info");
    if ((cfg->log_level = px_log_level_parse(lvl)) < 0)
        return px_name_refused(err, "bad_config", NULL, name, lvl, px_log_level_names,
                               PX_LOG_ERROR + 1);
    return PX_OK;
}

/* The test clock counts only beside PACKID_ALLOW_TEST_CLOCK=1 (read before it), so a stray
 * variable cannot move production's clock; then a time that does not parse stops the start
 * rather than leaving the real clock running. */
static px_rc test_now_read(px_config *cfg, const char *name, px_err *err)
{
    const char *now = env_or(name, "");
    if (!cfg->test_clock_allowed || !now[0])
        return PX_OK;
    if (px_time_parse(now, &cfg->test_now_us) != 0 || cfg->test_now_us == 0)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "%s must be an RFC 3339 time, e.g. 2026-03-01T10:00:00Z", name);
    return PX_OK;
}

/* The reverse proxy's address, an IPv4 or IPv6 literal kept in the form a peer's address is
 * compared in (inet_ntop's, as getnameinfo writes it): a host name or a typo would match no
 * peer, and every client would share the proxy's token bucket unnoticed. */
static px_rc trusted_proxy_read(px_config *cfg, const char *name, px_err *err)
{
    const char *v = env_or(name, "");
    unsigned char addr[sizeof(struct in6_addr)];
    int af = strchr(v, ':') ? AF_INET6 : AF_INET;
    if (!v[0])
        return PX_OK;
    if (inet_pton(af, v, addr) != 1 ||
        !inet_ntop(af, addr, cfg->trusted_proxy, sizeof(cfg->trusted_proxy)))
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "%s must be an IPv4 or IPv6 address, got \"%.64s\"", name, v);
    return PX_OK;
}

/* One setting: a number in [min, max] (default dflt), a text that must fit its field whole
 * (default text), or a setting read by its own function. */
typedef struct setting {
    const char *name;
    enum { KIND_NUMBER, KIND_TEXT, KIND_OWN } kind;
    long dflt, min, max;
    const char *text;
    size_t off, size; /* the field of px_config a NUMBER or TEXT fills */
    px_rc (*read)(px_config *cfg, const char *name, px_err *err);
} setting;

#define FIELD(f) offsetof(px_config, f), sizeof(((px_config *)0)->f)
#define NUM(name, f, dflt, min, max)                                                               \
    {                                                                                              \
        name, KIND_NUMBER, dflt, min, max, NULL, FIELD(f), NULL                                    \
    }
#define TXT(name, f, dflt)                                                                         \
    {                                                                                              \
        name, KIND_TEXT, 0, 0, 0, dflt, FIELD(f), NULL                                             \
    }
#define OWN(name, fn)                                                                              \
    {                                                                                              \
        name, KIND_OWN, 0, 0, 0, NULL, 0, 0, fn                                                    \
    }

/* Every setting packid reads, in the order it reads them (a setting read by its own function
 * comes after those its default depends on); README "Configuration" describes each. */
static const setting k_settings[] = {
    OWN("PACKID_LISTEN", listen_read),
    OWN("PACKID_DATA_DIR", data_dir_read),
    TXT("PACKID_DATABASE_URL", database_url, ""),
    TXT("PACKID_READ_DATABASE_URL", read_database_url, ""),
    /* 50 ms: a standby on the same LAN replays a commit within a few ms; one that lags more
     * is passed over rather than making the reader wait (docs/scaling.md). */
    NUM("PACKID_READ_MAX_WAIT_MS", read_max_wait_ms, 50, 0, 10000),
    NUM("PACKID_THREADS", threads, 4, 1, 256),
    NUM("PACKID_WORKERS", workers, 2, 0, 64),
    OWN("PACKID_VERIFY_READERS", verify_readers_read),
    /* Some work stored by this process wakes the workers at once (px_workers_wake); the poll
     * finds the rest (reports and webhooks queued by a release, work stored by another
     * process, the timed runners: checkpoints, scan flush, partitions), so it never stops:
     * 0 is refused. */
    NUM("PACKID_WORKER_POLL_MS", worker_poll_ms, 100, 1, 60000),
    /* A background runner may wait this long (5 minutes by default) for a lock before its
     * statement fails as the job's try: a lock held elsewhere is then said and counted, not
     * waited on for ever with the job `running` (docs/architecture.md "Background work").
     * Partition maintenance waits as long at most, however it is started (partitions.c).
     * Only waits are bounded, never the work itself; 0 leaves the server's own setting. */
    NUM("PACKID_RUNNER_LOCK_TIMEOUT_MS", runner_lock_timeout_ms, 300000, 0, 86400000),
    NUM("PACKID_MAX_BODY", max_body, 16L << 20, 1024, 1L << 30),
    NUM("PACKID_BODY_BUDGET", body_budget, 256L << 20, 64L << 10, 64L << 30),
    NUM("PACKID_BODY_IDLE_TIMEOUT", body_idle_timeout, 10, 1, 3600),
    OWN("PACKID_DEMO", demo_read),
    /* Paths and URLs are used whole or not at all: a cut Digital Link domain would be encoded
     * in every printed symbol, a cut public URL in every signed link. */
    TXT("PACKID_GCP_LIST", gcp_list, ""),
    TXT("PACKID_EPCIS_XSD_DIR", epcis_xsd_dir, ""),
    TXT("PACKID_EPCIS2_XSD_DIR", epcis2_xsd_dir, ""),
    TXT("PACKID_EPCIS2_JSON_SCHEMA", epcis2_json_schema, ""),
    TXT("PACKID_DL_DOMAIN", dl_domain, "https://id.gs1.org"),
    OWN("PACKID_PUBLIC_URL", public_url_read),
    /* The retention of the monthly partitions (docs/scaling.md "Partitioning") has the law's
     * floors, so no setting can shorten it below them: EU FMD keeps a pack's records at least
     * one year after its expiry and at least five years after release (Delegated Regulation
     * (EU) 2016/161), DSCSA six years (FD&C Act §582); the default serves both markets. */
    NUM("PACKID_RETENTION_MONTHS", retention_months, 72, 60, 1200),
    NUM("PACKID_RETENTION_AFTER_EXPIRY_MONTHS", retention_after_expiry_months, 12, 12, 1200),
    NUM("PACKID_PARTITIONS_AHEAD", partitions_ahead, 3, 1, 24),
    /* Off by default: a fenced standby read costs a verification two more round trips and a
     * wait for replay, 0.14-0.19 of the primary's rate where the standby shares the primary's
     * machine (bench/standby_verify.sh, docs/scaling.md "Reads from standbys"). It pays only
     * when standbys are machines of their own and the primary's CPU is the limit. */
    NUM("PACKID_VERIFY_ON_STANDBY", verify_on_standby, 0, 0, 1),
    NUM("PACKID_AUDIT_CHECKPOINT_INTERVAL", audit_checkpoint_interval, 300, 0, 86400),
    OWN("PACKID_AUDIT_KEY_FILE", audit_key_read),
    NUM("PACKID_ALLOW_TEST_CLOCK", test_clock_allowed, 0, 0, 1),
    OWN("PACKID_TEST_NOW", test_now_read),
    TXT("PACKID_LINK_SECRET", link_secret, ""),
    NUM("PACKID_EXPORT_LINK_TTL", export_link_ttl, 900, 1, 86400),
    NUM("PACKID_DELIVERY_TIMEOUT_MS", delivery_timeout_ms, 30000, 100, 600000),
    NUM("PACKID_DELIVERY_BACKOFF_MS", delivery_backoff_ms, 30000, 1, 86400000),
    NUM("PACKID_DELIVERY_BACKOFF_MAX_MS", delivery_backoff_max_ms, 3600000, 1, 7L * 86400000),
    NUM("PACKID_DELIVERY_MAX_ATTEMPTS", delivery_max_attempts, 8, 1, 100),
    OWN("PACKID_LOG_LEVEL", log_level_read),
    TXT("PACKID_OUTBOUND_ALLOW", outbound_allow, ""),
    /* The verification network (docs/resolver.md "Configuration"). */
    NUM("PACKID_CLONE_MAX_KMH", clone_max_kmh, 900, 1, 100000),
    NUM("PACKID_CLONE_MIN_KM", clone_min_km, 500, 0, 20000),
    /* At most 63: the rules count up to 64 distinct values over the 64 newest scans
     * (domain/scan_rules.c, PX_SCAN_HISTORY_MAX); a higher threshold could never fire. */
    NUM("PACKID_CLONE_COUNTRIES", clone_countries, 3, 1, 63),
    NUM("PACKID_CLONE_CLIENTS", clone_clients, 5, 1, 63),
    NUM("PACKID_PUBLIC_RATE", public_rate, 10, 1, 1000000),
    NUM("PACKID_PUBLIC_BURST", public_burst, 30, 1, 1000000),
    NUM("PACKID_ENUM_LIMIT", enum_limit, 20, 1, 1000000),
    OWN("PACKID_TRUSTED_PROXY", trusted_proxy_read),
    /* Of the server's 1,024 connections, an idle one held up to two minutes: one address
     * holding them all would shut every other client out. 128 leaves a load test's 64 room. */
    NUM("PACKID_CONNECTIONS_PER_CLIENT", connections_per_client, 128, 0, 1024),
    NUM("PACKID_SESSION_IDLE", session_idle, 1800, 60, 86400),
    NUM("PACKID_SESSION_MAX", session_max, 43200, 60, 604800),
    TXT("PACKID_PG_BINDIR", pg_bindir, ""),
};

const char *px_config_setting_name(size_t i)
{
    return i < PX_COUNT(k_settings) ? k_settings[i].name : NULL;
}

int px_config_setting_bounds(size_t i, long *dflt, long *min, long *max)
{
    if (i >= PX_COUNT(k_settings) || k_settings[i].kind != KIND_NUMBER)
        return 0;
    *dflt = k_settings[i].dflt;
    *min = k_settings[i].min;
    *max = k_settings[i].max;
    return 1;
}

/* A number into its field, an int or a long (the bounds keep an int's in range). */
static void number_set(px_config *cfg, const setting *s, long v)
{
    char *field = (char *)cfg + s->off;
    if (s->size == sizeof(long)) {
        memcpy(field, &v, sizeof(v));
    } else {
        int i = (int)v;
        memcpy(field, &i, sizeof(i));
    }
}

static px_rc setting_read(px_config *cfg, const setting *s, px_err *err)
{
    long v;
    px_rc rc;
    switch (s->kind) {
    case KIND_NUMBER:
        if ((rc = env_int(s->name, s->dflt, s->min, s->max, &v, err)) == PX_OK)
            number_set(cfg, s, v);
        return rc;
    case KIND_TEXT: return env_text(s->name, s->text, (char *)cfg + s->off, s->size, err);
    case KIND_OWN: break;
    }
    return s->read(cfg, s->name, err);
}

static int setting_named(const char *name)
{
    for (size_t i = 0; i < PX_COUNT(k_settings); i++)
        if (strcmp(name, k_settings[i].name) == 0)
            return 1;
    return 0;
}

/* A variable named like a setting but not one (a letter off, two swapped, another case) is a
 * typo: refused, so the setting meant is never quietly left at its default. Other variables,
 * PACKID_ or not, are not packid's to judge. */
static px_rc no_misspelt_setting(px_err *err)
{
    for (char **e = environ; *e; e++) {
        char name[72];
        size_t n = strcspn(*e, "=");
        if (n >= sizeof(name))
            continue;
        memcpy(name, *e, n);
        name[n] = '\0';
        if (setting_named(name))
            continue;
        /* The nearest setting is the one meant (the first of the table among equals). */
        const char *meant = NULL;
        size_t best = 3;
        for (size_t i = 0; i < PX_COUNT(k_settings); i++) {
            size_t d = px_edit_distance(name, k_settings[i].name, best - 1);
            if (d < best) {
                best = d;
                meant = k_settings[i].name;
            }
        }
        if (meant)
            return px_err_set(err, PX_EINVALID, "bad_config", "%s is not a setting; is it %s?",
                              name, meant);
    }
    return PX_OK;
}

px_rc px_config_load(px_config *cfg, px_err *err)
{
    memset(cfg, 0, sizeof(*cfg));
    px_rc rc = no_misspelt_setting(err);
    if (rc != PX_OK)
        return rc;
    for (size_t i = 0; i < PX_COUNT(k_settings); i++)
        if ((rc = setting_read(cfg, &k_settings[i], err)) != PX_OK)
            return rc;
    /* Settings that must agree with each other. A body buffer grows by doubling, so the
     * largest body needs up to twice its size. */
    if (cfg->body_budget < 2 * cfg->max_body)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "PACKID_BODY_BUDGET must be at least twice PACKID_MAX_BODY");
    if (cfg->link_secret[0] && strlen(cfg->link_secret) < 32)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "PACKID_LINK_SECRET must be at least 32 bytes");
    return PX_OK;
}
