/* px_config — packid's configuration, read once from the environment, the same for `serve`
 * and every CLI command (README "Configuration"). */
#ifndef PX_CONFIG_H
#define PX_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "px_err.h"

/* The most readers of the public verifications' shared reads (PACKID_VERIFY_READERS). */
#define PX_VERIFY_READERS_MAX 16

typedef struct px_config {
    char listen_host[64];      /* PACKID_LISTEN host part, default 127.0.0.1 */
    int listen_port;           /* PACKID_LISTEN port part, default 8080 */
    char data_dir[512];        /* PACKID_DATA_DIR, default ./var, made absolute */
    char database_url[1024];   /* PACKID_DATABASE_URL; "" = embedded cluster under data_dir */
    char read_database_url[4096]; /* PACKID_READ_DATABASE_URL: hot standbys (';'-separated
                                   * connection strings) for reads; "" = the primary reads */
    long read_max_wait_ms;     /* PACKID_READ_MAX_WAIT_MS: how long a read waits for a standby
                                * to replay up to its fence before the primary answers */
    int threads;               /* PACKID_THREADS, HTTP worker threads, default 4 */
    int workers;               /* PACKID_WORKERS, background job threads, default 2 */
    /* PACKID_VERIFY_READERS, shared verification reads at once (1..16; default below) */
    int verify_readers;
    long worker_poll_ms;       /* PACKID_WORKER_POLL_MS, idle workers look again, default 100 (1..60000) */
    long runner_lock_timeout_ms; /* PACKID_RUNNER_LOCK_TIMEOUT_MS, 0: the server's */
    long max_body;             /* PACKID_MAX_BODY bytes, default 16 MiB */
    long body_budget;          /* PACKID_BODY_BUDGET bytes: all request bodies being received
                                * or held at once, default 256 MiB (503 overloaded beyond) */
    int body_idle_timeout;     /* PACKID_BODY_IDLE_TIMEOUT seconds a client may stay silent
                                * in the middle of a body, default 10 */
    char gcp_list[512];        /* PACKID_GCP_LIST: GS1 GCP prefix format list (XML) */
    char epcis_xsd_dir[512];   /* PACKID_EPCIS_XSD_DIR: validate reports before sending */
    char epcis2_xsd_dir[512];  /* PACKID_EPCIS2_XSD_DIR: the same for EPCIS 2.0 XML reports */
    char epcis2_json_schema[512]; /* PACKID_EPCIS2_JSON_SCHEMA: the same for JSON-LD reports */
    char public_url[256];      /* PACKID_PUBLIC_URL: base of signed links, default http://listen */
    char dl_domain[256];       /* PACKID_DL_DOMAIN: Digital Link domain, default id.gs1.org */
    int public_url_set;        /* PACKID_PUBLIC_URL was given (else links use the bound port) */
    char link_secret[256];     /* PACKID_LINK_SECRET (>= 32 bytes) or "" (kept in the database) */
    int export_link_ttl;       /* PACKID_EXPORT_LINK_TTL seconds, 1..86400, default 900 */
    long delivery_timeout_ms;  /* PACKID_DELIVERY_TIMEOUT_MS, default 30000 */
    long delivery_backoff_ms;  /* PACKID_DELIVERY_BACKOFF_MS, retry delay base, default 30000 */
    long delivery_backoff_max_ms; /* PACKID_DELIVERY_BACKOFF_MAX_MS, default 3600000 */
    int delivery_max_attempts;    /* PACKID_DELIVERY_MAX_ATTEMPTS, default 8 */
    int log_level;             /* PACKID_LOG_LEVEL: debug | info (default) | warn | error */
    char outbound_allow[2048]; /* PACKID_OUTBOUND_ALLOW: internal hosts deliveries may reach */
    char pg_bindir[512];          /* PACKID_PG_BINDIR: PostgreSQL server binaries, "" = pg_config */
    int demo;                  /* PACKID_DEMO: first start adds demo organizations and a demo
                                * product; default 1 on the embedded database, 0 with
                                * PACKID_DATABASE_URL (a real deployment gets no demo data) */
    /* The verification network (docs/resolver.md "Configuration"). */
    int clone_max_kmh;         /* PACKID_CLONE_MAX_KMH: impossible travel above, default 900 */
    int clone_min_km;          /* PACKID_CLONE_MIN_KM: ... over more than, default 500 */
    int clone_countries;       /* PACKID_CLONE_COUNTRIES: dispersion above, default 3 */
    int clone_clients;         /* PACKID_CLONE_CLIENTS: dispersion above, default 5 */
    int public_rate;           /* PACKID_PUBLIC_RATE: public requests/s per client, default 10 */
    int public_burst;          /* PACKID_PUBLIC_BURST: bucket size per client, default 30 */
    int enum_limit;            /* PACKID_ENUM_LIMIT: unknown serials/hour per client, default 20 */
    int connections_per_client; /* PACKID_CONNECTIONS_PER_CLIENT: open connections one address
                                 * may hold, default 128; 0 = no limit (docs/resolver.md) */
    char trusted_proxy[64];    /* PACKID_TRUSTED_PROXY: the address whose X-Forwarded-For names
                                * the client; "" = the peer address is the client */
    int session_idle;          /* PACKID_SESSION_IDLE seconds a console session may go unused,
                                * 60..86400, default 1800 (docs/console.md) */
    int session_max;           /* PACKID_SESSION_MAX seconds a console session lasts at most,
                                * 60..604800, default 43200 */
    char audit_key_file[600];  /* PACKID_AUDIT_KEY_FILE: Ed25519 key signing the audit trail,
                                * default <data_dir>/audit/signing-key.pem (made on first use) */
    int audit_checkpoint_interval; /* PACKID_AUDIT_CHECKPOINT_INTERVAL seconds between signed
                                    * checkpoints of the audit chain heads, default 300; 0 = off */
    /* The retention of the tables partitioned by month (docs/scaling.md "Partitioning"). */
    int retention_months;      /* PACKID_RETENTION_MONTHS a month is kept after its end,
                                * 60..1200, default 72 (DSCSA: six years) */
    int retention_after_expiry_months; /* PACKID_RETENTION_AFTER_EXPIRY_MONTHS a month is kept
                                        * after the latest expiry of a pack it names, 12..1200,
                                        * default 12 (EU FMD: one year after expiry) */
    int partitions_ahead;      /* PACKID_PARTITIONS_AHEAD months created ahead, 1..24, default 3 */
    int test_clock_allowed;    /* PACKID_ALLOW_TEST_CLOCK: 1 lets PACKID_TEST_NOW pin the clock */
    int64_t test_now_us;       /* PACKID_TEST_NOW (RFC 3339) as us since the epoch, read only
                                * with PACKID_ALLOW_TEST_CLOCK=1 so a stray variable cannot move
                                * production's clock; 0 = the real clock (src/util/px_clock.h) */
    int verify_on_standby;     /* PACKID_VERIFY_ON_STANDBY: GET /v1/verify reads the pack on a
                                * fenced standby when PACKID_READ_DATABASE_URL names one (1),
                                * or on the primary (0, the default; docs/scaling.md) */
} px_config;

/* Fills cfg from the environment; PX_EINVALID with a message naming the bad variable. */
px_rc px_config_load(px_config *cfg, px_err *err);
/* The name of the i-th setting packid reads, in the order it reads them; NULL past the last
 * (the tests unset them all, and hold README "Configuration" to naming each). */
const char *px_config_setting_name(size_t i);
/* 1 with the i-th setting's default and bounds when it is a whole number of a fixed default
 * (those the tests take to their bounds and hold README's defaults to), else 0. */
int px_config_setting_bounds(size_t i, long *dflt, long *min, long *max);
/* PACKID_VERIFY_READERS's default: half the cores this process may run on, 2 to
 * PX_VERIFY_READERS_MAX. */
int px_config_verify_readers_default(void);

#endif
