#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "px_config.h"

#include <limits.h>
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

/* The verification network's settings: clone rules and the public routes' limits
 * (docs/resolver.md "Configuration"). */
static px_rc network_load(px_config *cfg, px_err *err)
{
    static const struct {
        const char *name;
        long dflt, min, max;
        size_t off;
    } ints[] = {
        {"PACKID_CLONE_MAX_KMH", 900, 1, 100000, offsetof(px_config, clone_max_kmh)},
        {"PACKID_CLONE_MIN_KM", 500, 0, 20000, offsetof(px_config, clone_min_km)},
        {"PACKID_CLONE_COUNTRIES", 3, 1, 250, offsetof(px_config, clone_countries)},
        {"PACKID_CLONE_CLIENTS", 5, 1, 10000, offsetof(px_config, clone_clients)},
        {"PACKID_PUBLIC_RATE", 10, 1, 1000000, offsetof(px_config, public_rate)},
        {"PACKID_PUBLIC_BURST", 30, 1, 1000000, offsetof(px_config, public_burst)},
        {"PACKID_ENUM_LIMIT", 20, 1, 1000000, offsetof(px_config, enum_limit)},
    };
    for (size_t i = 0; i < PX_COUNT(ints); i++) {
        long v;
        px_rc rc = env_int(ints[i].name, ints[i].dflt, ints[i].min, ints[i].max, &v, err);
        if (rc != PX_OK)
            return rc;
        *(int *)(void *)((char *)cfg + ints[i].off) = (int)v;
    }
    return env_text("PACKID_TRUSTED_PROXY", "", cfg->trusted_proxy, sizeof(cfg->trusted_proxy),
                    err);
}

/* The settings of the links, deliveries and the embedded cluster (README "Configuration"). */
static px_rc settings_load(px_config *cfg, px_err *err)
{
    long v;
    px_rc rc;
    if ((rc = env_text("PACKID_LINK_SECRET", "", cfg->link_secret, sizeof(cfg->link_secret),
                       err)) != PX_OK)
        return rc;
    if (cfg->link_secret[0] && strlen(cfg->link_secret) < 32)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "PACKID_LINK_SECRET must be at least 32 bytes");
    if ((rc = env_int("PACKID_EXPORT_LINK_TTL", 900, 1, 86400, &v, err)) != PX_OK)
        return rc;
    cfg->export_link_ttl = (int)v;
    if ((rc = env_int("PACKID_DELIVERY_TIMEOUT_MS", 30000, 100, 600000, &v, err)) != PX_OK)
        return rc;
    cfg->delivery_timeout_ms = v;
    if ((rc = env_int("PACKID_DELIVERY_BACKOFF_MS", 30000, 1, 86400000, &v, err)) != PX_OK)
        return rc;
    cfg->delivery_backoff_ms = v;
    if ((rc = env_int("PACKID_DELIVERY_BACKOFF_MAX_MS", 3600000, 1, 7L * 86400000, &v, err)) !=
        PX_OK)
        return rc;
    cfg->delivery_backoff_max_ms = v;
    if ((rc = env_int("PACKID_DELIVERY_MAX_ATTEMPTS", 8, 1, 100, &v, err)) != PX_OK)
        return rc;
    cfg->delivery_max_attempts = (int)v;
    const char *lvl = env_or("PACKID_LOG_LEVEL", "info");
    if ((cfg->log_level = px_log_level_parse(lvl)) < 0)
        return px_name_refused(err, "bad_config", NULL, "PACKID_LOG_LEVEL", lvl, px_log_level_names,
                               PX_LOG_ERROR + 1);
    if ((rc = env_text("PACKID_OUTBOUND_ALLOW", "", cfg->outbound_allow,
                       sizeof(cfg->outbound_allow), err)) != PX_OK)
        return rc;
    if ((rc = network_load(cfg, err)) != PX_OK)
        return rc;
    if ((rc = env_int("PACKID_SESSION_IDLE", 1800, 60, 86400, &v, err)) != PX_OK)
        return rc;
    cfg->session_idle = (int)v;
    if ((rc = env_int("PACKID_SESSION_MAX", 43200, 60, 604800, &v, err)) != PX_OK)
        return rc;
    cfg->session_max = (int)v;
    return env_text("PACKID_PG_BINDIR", "", cfg->pg_bindir, sizeof(cfg->pg_bindir), err);
}

/* The audit trail's signing key and checkpoint period (docs/audit.md). The key lives outside
 * PostgreSQL on purpose: whoever can write the database must not be able to sign. */
static px_rc audit_settings_load(px_config *cfg, px_err *err)
{
    long v;
    px_rc rc = env_int("PACKID_AUDIT_CHECKPOINT_INTERVAL", 300, 0, 86400, &v, err);
    if (rc != PX_OK)
        return rc;
    cfg->audit_checkpoint_interval = (int)v;
    const char *key = getenv("PACKID_AUDIT_KEY_FILE");
    int n = key && *key ? snprintf(cfg->audit_key_file, sizeof(cfg->audit_key_file), "%s", key)
                        : snprintf(cfg->audit_key_file, sizeof(cfg->audit_key_file),
                                   "%s/audit/signing-key.pem", cfg->data_dir);
    if (n < 0 || (size_t)n >= sizeof(cfg->audit_key_file))
        return px_err_set(err, PX_EINVALID, "bad_config", "PACKID_AUDIT_KEY_FILE is too long");
    return PX_OK;
}

/* The settings of docs/scaling.md. The retention of the monthly partitions ("Partitioning")
 * has the law's floors, so no setting can shorten it below them: EU FMD keeps a pack's records
 * at least one year after its expiry and at least five years after release (Delegated Regulation
 * (EU) 2016/161), DSCSA six years (FD&C Act §582); the default serves both markets. */
static px_rc scale_settings_load(px_config *cfg, px_err *err)
{
    long v;
    px_rc rc = env_int("PACKID_RETENTION_MONTHS", 72, 60, 1200, &v, err);
    if (rc != PX_OK)
        return rc;
    cfg->retention_months = (int)v;
    if ((rc = env_int("PACKID_RETENTION_AFTER_EXPIRY_MONTHS", 12, 12, 1200, &v, err)) != PX_OK)
        return rc;
    cfg->retention_after_expiry_months = (int)v;
    if ((rc = env_int("PACKID_PARTITIONS_AHEAD", 3, 1, 24, &v, err)) != PX_OK)
        return rc;
    cfg->partitions_ahead = (int)v;
    /* Off by default: a fenced standby read costs a verification two more round trips and a
     * wait for replay, 0.14-0.19 of the primary's rate where the standby shares the primary's
     * machine (bench/standby_verify.sh, docs/scaling.md "Reads from standbys"). It pays only
     * when standbys are machines of their own and the primary's CPU is the limit. */
    if ((rc = env_int("PACKID_VERIFY_ON_STANDBY", 0, 0, 1, &v, err)) != PX_OK)
        return rc;
    cfg->verify_on_standby = (int)v;
    return PX_OK;
}

/* PACKID_LISTEN (host:port) and PACKID_DATA_DIR (made absolute against the working
 * directory). */
static px_rc place_load(px_config *cfg, px_err *err)
{
    const char *listen = env_or("PACKID_LISTEN", "127.0.0.1:8080");
    const char *colon = strrchr(listen, ':');
    long port;
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof(cfg->listen_host) ||
        px_parse_long(colon + 1, 0, 65535, &port) != 0)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "PACKID_LISTEN must be host:port, got \"%s\"", listen);
    memcpy(cfg->listen_host, listen, (size_t)(colon - listen));
    cfg->listen_port = (int)port;

    const char *dir = env_or("PACKID_DATA_DIR", "./var");
    if (dir[0] == '/') {
        if (px_strlcpy(cfg->data_dir, dir, sizeof(cfg->data_dir)) >= sizeof(cfg->data_dir))
            return px_err_set(err, PX_EINVALID, "bad_config", "PACKID_DATA_DIR is too long");
        return PX_OK;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        return px_err_set(err, PX_EINTERNAL, NULL, "cannot read the current directory");
    const char *rel = strncmp(dir, "./", 2) == 0 ? dir + 2 : dir;
    int n = snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s/%s", cwd, rel);
    if (n < 0 || (size_t)n >= sizeof(cfg->data_dir))
        return px_err_set(err, PX_EINVALID, "bad_config", "PACKID_DATA_DIR is too long");
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

/* The HTTP server's and the workers' numbers. */
static px_rc server_settings_load(px_config *cfg, px_err *err)
{
    long v;
    px_rc rc;
    /* 50 ms: a standby on the same LAN replays a commit within a few ms; one that lags more
     * is passed over rather than making the reader wait (docs/scaling.md). */
    if ((rc = env_int("PACKID_READ_MAX_WAIT_MS", 50, 0, 10000, &v, err)) != PX_OK)
        return rc;
    cfg->read_max_wait_ms = v;
    if ((rc = env_int("PACKID_THREADS", 4, 1, 256, &v, err)) != PX_OK)
        return rc;
    cfg->threads = (int)v;
    if ((rc = env_int("PACKID_WORKERS", 2, 0, 64, &v, err)) != PX_OK)
        return rc;
    cfg->workers = (int)v;
    if ((rc = env_int("PACKID_VERIFY_READERS", px_config_verify_readers_default(), 1,
                      PX_VERIFY_READERS_MAX, &v, err)) != PX_OK)
        return rc;
    cfg->verify_readers = (int)v;
    /* Some work stored by this process wakes the workers at once (px_workers_wake); the poll
     * finds the rest — reports and webhooks queued by a release, work stored by another
     * process, the timed runners (checkpoints, scan flush, partitions) — so it never stops:
     * 0 is refused. */
    if ((rc = env_int("PACKID_WORKER_POLL_MS", 100, 1, 60000, &v, err)) != PX_OK)
        return rc;
    cfg->worker_poll_ms = v;
    if ((rc = env_int("PACKID_MAX_BODY", 16L << 20, 1024, 1L << 30, &v, err)) != PX_OK)
        return rc;
    cfg->max_body = v;
    if ((rc = env_int("PACKID_BODY_BUDGET", 256L << 20, 64L << 10, 64L << 30, &v, err)) != PX_OK)
        return rc;
    cfg->body_budget = v;
    /* A body buffer grows by doubling, so the largest body needs up to twice its size. */
    if (cfg->body_budget < 2 * cfg->max_body)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "PACKID_BODY_BUDGET must be at least twice PACKID_MAX_BODY");
    if ((rc = env_int("PACKID_BODY_IDLE_TIMEOUT", 10, 1, 3600, &v, err)) != PX_OK)
        return rc;
    cfg->body_idle_timeout = (int)v;
    return PX_OK;
}

/* Demo mode, the GCP list, the EPCIS schemas and the public addresses. */
static px_rc public_settings_load(px_config *cfg, px_err *err)
{
    long v;
    px_rc rc = env_int("PACKID_DEMO", cfg->database_url[0] ? 0 : 1, 0, 1, &v, err);
    if (rc != PX_OK)
        return rc;
    cfg->demo = (int)v;
    /* Paths and URLs are used whole or not at all: a cut Digital Link domain would be
     * encoded in every printed symbol, a cut public URL in every signed link. */
    if ((rc = env_text("PACKID_GCP_LIST", "", cfg->gcp_list, sizeof(cfg->gcp_list), err)) !=
            PX_OK ||
        (rc = env_text("PACKID_EPCIS_XSD_DIR", "", cfg->epcis_xsd_dir,
                       sizeof(cfg->epcis_xsd_dir), err)) != PX_OK ||
        (rc = env_text("PACKID_EPCIS2_XSD_DIR", "", cfg->epcis2_xsd_dir,
                       sizeof(cfg->epcis2_xsd_dir), err)) != PX_OK ||
        (rc = env_text("PACKID_EPCIS2_JSON_SCHEMA", "", cfg->epcis2_json_schema,
                       sizeof(cfg->epcis2_json_schema), err)) != PX_OK ||
        (rc = env_text("PACKID_DL_DOMAIN", "https://id.gs1.org", cfg->dl_domain,
                       sizeof(cfg->dl_domain), err)) != PX_OK)
        return rc;
    const char *pub = getenv("PACKID_PUBLIC_URL");
    cfg->public_url_set = pub && *pub;
    if (cfg->public_url_set) {
        if ((rc = env_text("PACKID_PUBLIC_URL", "", cfg->public_url, sizeof(cfg->public_url),
                           err)) != PX_OK)
            return rc;
    } else
        snprintf(cfg->public_url, sizeof(cfg->public_url), "http://%s:%d", cfg->listen_host,
                 cfg->listen_port);
    return PX_OK;
}

/* The test clock: PACKID_TEST_NOW counts only beside PACKID_ALLOW_TEST_CLOCK=1, and then a
 * time that does not parse stops the start rather than leaving the real clock running. */
static px_rc clock_settings_load(px_config *cfg, px_err *err)
{
    long allow;
    px_rc rc = env_int("PACKID_ALLOW_TEST_CLOCK", 0, 0, 1, &allow, err);
    if (rc != PX_OK)
        return rc;
    const char *now = env_or("PACKID_TEST_NOW", "");
    if (!allow || !now[0])
        return PX_OK;
    if (px_time_parse(now, &cfg->test_now_us) != 0 || cfg->test_now_us == 0)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "PACKID_TEST_NOW must be an RFC 3339 time, e.g. 2026-03-01T10:00:00Z");
    return PX_OK;
}

px_rc px_config_load(px_config *cfg, px_err *err)
{
    memset(cfg, 0, sizeof(*cfg));
    px_rc rc = place_load(cfg, err);
    if (rc != PX_OK)
        return rc;
    if (px_strlcpy(cfg->database_url, env_or("PACKID_DATABASE_URL", ""),
                   sizeof(cfg->database_url)) >= sizeof(cfg->database_url))
        return px_err_set(err, PX_EINVALID, "bad_config", "PACKID_DATABASE_URL is too long");
    if (px_strlcpy(cfg->read_database_url, env_or("PACKID_READ_DATABASE_URL", ""),
                   sizeof(cfg->read_database_url)) >= sizeof(cfg->read_database_url))
        return px_err_set(err, PX_EINVALID, "bad_config", "PACKID_READ_DATABASE_URL is too long");
    if ((rc = server_settings_load(cfg, err)) != PX_OK ||
        (rc = public_settings_load(cfg, err)) != PX_OK ||
        (rc = scale_settings_load(cfg, err)) != PX_OK ||
        (rc = audit_settings_load(cfg, err)) != PX_OK ||
        (rc = clock_settings_load(cfg, err)) != PX_OK)
        return rc;
    return settings_load(cfg, err);
}
