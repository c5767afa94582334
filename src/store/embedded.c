/* The embedded default database: a private PostgreSQL cluster under the data directory,
 * created with initdb on first use and listening on a Unix socket only (no TCP).
 *
 *   <data>/pg/        the cluster (owned by the PostgreSQL user)
 *   <data>/run/       its socket directory (mode 0700: only that user and root connect)
 *   <data>/pg.log     the server log (initdb.log: the first creation's output)
 *
 * PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as
 * the unprivileged `postgres` user (created by Debian's package; `useradd --system` otherwise)
 * through runuser, the folders are chowned to it, and the data folder's parents are made
 * traversable. Clients may stay root and connect through the socket. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "px_log.h"
#include "px_proc.h"
#include "px_str.h"
#include "store_internal.h"

extern char **environ;

#define PG_USER "postgres"

typedef struct {
    char data[PATH_MAX];
    char cluster[PATH_MAX];
    char run[PATH_MAX];
    char log[PATH_MAX];
    char bindir[PATH_MAX];
    int as_root;
    uid_t uid;
    gid_t gid;
} layout;

/* dir + "/" + name into out[PATH_MAX]; an over-long path becomes "" (and then fails to
 * open or execute, which the callers report). */
static void path2(char out[PATH_MAX], const char *dir, const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX)
        out[0] = '\0';
}

static px_rc fail(px_err *err, const char *what)
{
    return px_err_set(err, PX_EUNAVAIL, "embedded_database", "embedded database: %s", what);
}

/* Runs argv (as the PostgreSQL user when root), output appended to log_path; returns the
 * exit status or -1. */
static int run(const layout *L, char *const argv[], const char *log_path)
{
    char *full[32];
    int n = 0;
    if (L->as_root) {
        full[n++] = "runuser";
        full[n++] = "-u";
        full[n++] = PG_USER;
        full[n++] = "--";
    }
    for (int i = 0; argv[i] && n < 31; i++)
        full[n++] = argv[i];
    full[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    const char *out = log_path ? log_path : "/dev/null";
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, full[0], &fa, NULL, full, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    return px_wait_exit(pid);
}

/* The PostgreSQL server binaries: PACKID_PG_BINDIR when configured, else pg_config's, else
 * Debian's per-version folders. */
static int find_bindir(char *out, size_t cap, const char *configured)
{
    char path[PATH_MAX];
    if (configured && *configured) {
        px_strlcpy(out, configured, cap);
        return 0;
    }
    FILE *p = popen("pg_config --bindir 2>/dev/null", "r");
    if (p) {
        char line[PATH_MAX] = "";
        if (fgets(line, sizeof(line), p))
            line[strcspn(line, "\n")] = '\0';
        pclose(p);
        path2(path, line, "initdb");
        if (line[0] && access(path, X_OK) == 0) {
            px_strlcpy(out, line, cap);
            return 0;
        }
    }
    /* Debian keeps the server binaries off PATH, one folder per major version. */
    for (int v = 20; v >= 12; v--) {
        snprintf(path, sizeof(path), "/usr/lib/postgresql/%d/bin/initdb", v);
        if (access(path, X_OK) == 0) {
            snprintf(out, cap, "/usr/lib/postgresql/%d/bin", v);
            return 0;
        }
    }
    return -1;
}

static int mkdir_p(const char *path, mode_t mode)
{
    char tmp[PATH_MAX];
    px_strlcpy(tmp, path, sizeof(tmp));
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* As root: every parent of the data folder must let the PostgreSQL user through (x bit). */
static void make_parents_traversable(const char *path)
{
    char tmp[PATH_MAX];
    px_strlcpy(tmp, path, sizeof(tmp));
    for (char *slash = strrchr(tmp, '/'); slash && slash != tmp; slash = strrchr(tmp, '/')) {
        *slash = '\0';
        struct stat st;
        if (stat(tmp, &st) == 0 && !(st.st_mode & S_IXOTH)) {
            chmod(tmp, st.st_mode | S_IXOTH);
            px_logf(PX_LOG_INFO, "made %s traversable for the database user", tmp);
        }
    }
}

static px_rc layout_init(layout *L, const char *data_dir, const char *pg_bindir, px_err *err)
{
    memset(L, 0, sizeof(*L));
    px_strlcpy(L->data, data_dir, sizeof(L->data));
    path2(L->cluster, data_dir, "pg");
    path2(L->log, data_dir, "pg.log");
    /* A Unix socket path is limited to 107 bytes: a deep data folder gets its socket folder
     * under /tmp, named after the data folder so two clusters never share one. */
    if (strlen(data_dir) + sizeof("/run/.s.PGSQL.5432") < 100) {
        path2(L->run, data_dir, "run");
    } else {
        unsigned long h = 5381;
        for (const char *p = data_dir; *p; p++)
            h = h * 33 + (unsigned char)*p;
        snprintf(L->run, sizeof(L->run), "/tmp/packid-%lx", h);
    }
    if (find_bindir(L->bindir, sizeof(L->bindir), pg_bindir) != 0)
        return fail(err, "PostgreSQL server binaries not found (run scripts/setup.sh)");
    L->as_root = geteuid() == 0;
    L->uid = geteuid();
    L->gid = getegid();
    if (L->as_root) {
        struct passwd *pw = getpwnam(PG_USER);
        if (!pw) {
            char *argv[] = {"useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", PG_USER, NULL};
            layout tmp = *L;
            tmp.as_root = 0;
            run(&tmp, argv, NULL);
            pw = getpwnam(PG_USER);
        }
        if (!pw)
            return fail(err, "no unprivileged 'postgres' user to run the server as root");
        L->uid = pw->pw_uid;
        L->gid = pw->pw_gid;
    }
    return PX_OK;
}

static int cluster_exists(const layout *L)
{
    char path[PATH_MAX];
    path2(path, L->cluster, "PG_VERSION");
    return access(path, F_OK) == 0;
}

static int is_running(const layout *L)
{
    if (!cluster_exists(L))
        return 0;
    char pg_ctl[PATH_MAX];
    path2(pg_ctl, L->bindir, "pg_ctl");
    char *argv[] = {pg_ctl, "status", "-D", (char *)L->cluster, NULL};
    return run(L, argv, NULL) == 0;
}

int px_embedded_running(const char *data_dir)
{
    layout L;
    if (layout_init(&L, data_dir, NULL, NULL) != PX_OK)
        return 0;
    return is_running(&L);
}

/* The machine's memory in MiB (0 when unknown). */
static long ram_mib(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return 0;
    return (long)((double)pages * (double)size / 1048576.0);
}

static long clamp(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The settings sized to the machine and to packid's workload (docs/scaling.md "The embedded
 * cluster's settings" gives each reason and the figures). Written once, when the cluster is
 * created; an operator may change postgresql.conf afterwards. */
static void write_sizing(FILE *f)
{
    long ram = ram_mib();
    /* A quarter of the memory (PostgreSQL's own starting point for a dedicated server),
     * between 128 MiB and 8 GiB: the upper levels of serial's primary key, which every
     * verification and every commission walks, stay in the server's cache; the OS cache holds
     * the rest (effective_cache_size tells the planner so). */
    long sb = ram ? clamp(ram / 4, 128, 8192) : 128;
    long ecs = ram ? clamp(ram / 2, 256, 65536) : 512;
    /* Index builds and vacuum of a table of hundreds of millions of rows: one sixteenth of
     * the memory, at most 1 GiB (one vacuum at a time per worker). */
    long mwm = ram ? clamp(ram / 16, 64, 1024) : 64;
    fprintf(f,
            "# sized to this machine (%ld MiB of memory) and packid's workload\n"
            "shared_buffers = %ldMB\n"
            "effective_cache_size = %ldMB\n"
            "maintenance_work_mem = %ldMB\n"
            /* A 1,000,000-serial allocation writes about 1 GB of WAL: with the default
             * 1 GB, every large job forces a checkpoint and then a full-page image of every
             * index page it touches. */
            "max_wal_size = 8GB\n"
            "min_wal_size = 1GB\n"
            "checkpoint_timeout = 15min\n"
            "checkpoint_completion_target = 0.9\n"
            /* Full-page images of random index pages are most of the WAL of a commission. */
            "wal_compression = on\n"
            /* serial only grows: insert-triggered vacuums (set per table in migration
             * 0066) must keep up with the inserts: ten times the default budget per round. */
            "autovacuum_vacuum_cost_limit = 2000\n"
            /* SSD: a random page costs about what a sequential one does. */
            "random_page_cost = 1.1\n",
            ram, sb, ecs, mwm);
}

static px_rc create_cluster(const layout *L, px_err *err)
{
    char initdb[PATH_MAX];
    path2(initdb, L->bindir, "initdb");
    /* trust on the Unix socket only: the socket folder is 0700, so only the PostgreSQL user
     * (and root) can reach it; there is no TCP listener at all. */
    char *argv[] = {initdb, "-D", (char *)L->cluster, "-U", PG_USER, "-E", "UTF8",
                    "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=reject", NULL};
    char initlog[PATH_MAX];
    path2(initlog, L->data, "initdb.log");
    if (run(L, argv, initlog) != 0)
        return fail(err, "initdb failed (see initdb.log in the data directory)");
    char conf[PATH_MAX];
    path2(conf, L->cluster, "postgresql.conf");
    FILE *f = fopen(conf, "a");
    if (!f)
        return fail(err, "cannot write postgresql.conf");
    fprintf(f, "\n# packid embedded cluster: Unix socket only\n"
               "listen_addresses = ''\n"
               "unix_socket_permissions = 0700\n"
               "max_connections = 100\n"
               "logging_collector = off\n");
    write_sizing(f);
    fclose(f);
    return PX_OK;
}

static px_rc ensure_database(const char *conninfo_postgres, px_err *err)
{
    px_db *db;
    px_rc rc = px_db_connect(&db, conninfo_postgres, err);
    if (rc != PX_OK)
        return rc;
    PGresult *r = px__exec(db, "SELECT 1 FROM pg_database WHERE datname = 'packid'", 0, NULL,
                           err);
    if (!r) {
        px_db_close(db);
        return err ? err->rc : PX_EINTERNAL;
    }
    int exists = PQntuples(r) > 0;
    PQclear(r);
    if (!exists)
        rc = px_db_exec(db, "CREATE DATABASE packid", err);
    px_db_close(db);
    return rc;
}

px_rc px_embedded_start(const px_config *cfg, char *conninfo, size_t cap, int *started,
                        px_err *err)
{
    const char *data_dir = cfg->data_dir;
    layout L;
    px_rc rc = layout_init(&L, data_dir, cfg->pg_bindir, err);
    if (rc != PX_OK)
        return rc;
    *started = 0;
    if (mkdir_p(L.data, 0755) != 0 || mkdir_p(L.run, 0700) != 0)
        return fail(err, "cannot create the data directory");
    if (L.as_root) {
        make_parents_traversable(L.data);
        if (chown(L.data, L.uid, L.gid) != 0 || chown(L.run, L.uid, L.gid) != 0)
            return fail(err, "cannot hand the data directory to the database user");
    }
    /* One process at a time creates or starts the cluster (serve and a CLI command may race). */
    char lockpath[PATH_MAX];
    path2(lockpath, L.data, ".embedded.lock");
    int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
        if (lock >= 0)
            close(lock);
        return fail(err, "cannot lock the data directory");
    }
    if (!cluster_exists(&L))
        rc = create_cluster(&L, err);
    if (rc == PX_OK && !is_running(&L)) {
        char pg_ctl[PATH_MAX], opts[PATH_MAX + 16];
        path2(pg_ctl, L.bindir, "pg_ctl");
        snprintf(opts, sizeof(opts), "-k %s", L.run);
        char *argv[] = {pg_ctl, "start", "-w", "-t", "60", "-D", L.cluster, "-l", L.log,
                        "-o", opts, NULL};
        if (run(&L, argv, NULL) != 0)
            rc = fail(err, "the server did not start (see pg.log in the data directory)");
        else
            *started = 1;
    }
    flock(lock, LOCK_UN);
    close(lock);
    if (rc != PX_OK)
        return rc;

    char admin[PATH_MAX + 64];
    snprintf(admin, sizeof(admin), "host=%s dbname=postgres user=%s", L.run, PG_USER);
    if ((rc = ensure_database(admin, err)) != PX_OK)
        return rc;
    if ((size_t)snprintf(conninfo, cap, "host=%s dbname=packid user=%s", L.run, PG_USER) >= cap)
        return fail(err, "connection string too long");
    return PX_OK;
}

/* ---- the owner record ---------------------------------------------------------------- */

/* A process is named by its pid and its start time (field 22 of /proc/<pid>/stat, clock
 * ticks since boot): a pid reused by an unrelated process after a kill does not match. */
static unsigned long long start_time(pid_t pid)
{
    long long v[23];
    return px_proc_stat((long)pid, v, 23) ? (unsigned long long)v[22] : 0;
}

static void owner_path(char out[PATH_MAX], const char *data_dir)
{
    path2(out, data_dir, "embedded.owner");
}

px_rc px_embedded_own(const char *data_dir, px_err *err)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    owner_path(path, data_dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return fail(err, "cannot write embedded.owner");
    pid_t self = getpid();
    fprintf(f, "%d %llu\n", (int)self, start_time(self));
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return fail(err, "cannot write embedded.owner");
    return PX_OK;
}

int px_embedded_orphaned(const char *data_dir)
{
    char path[PATH_MAX];
    owner_path(path, data_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int pid = 0;
    unsigned long long t = 0;
    int ok = fscanf(f, "%d %llu", &pid, &t) == 2 && pid > 0;
    fclose(f);
    if (!ok)
        return 0;
    if (start_time((pid_t)pid) == t && t != 0)
        return 0; /* the owner lives */
    return px_embedded_running(data_dir);
}

px_rc px_embedded_stop(const px_config *cfg, px_err *err)
{
    const char *data_dir = cfg->data_dir;
    layout L;
    px_rc rc = layout_init(&L, data_dir, cfg->pg_bindir, err);
    if (rc != PX_OK)
        return rc;
    char owner[PATH_MAX];
    owner_path(owner, data_dir);
    unlink(owner); /* stopped by whoever: nobody owns it any more */
    if (!is_running(&L))
        return PX_OK;
    char pg_ctl[PATH_MAX];
    path2(pg_ctl, L.bindir, "pg_ctl");
    /* fast: roll back open transactions and shut down cleanly (a checkpoint is written). */
    char *argv[] = {pg_ctl, "stop", "-w", "-t", "60", "-m", "fast", "-D", L.cluster, NULL};
    if (run(&L, argv, NULL) != 0)
        return fail(err, "the server did not stop");
    return PX_OK;
}

px_rc px_store_resolve(const px_config *cfg, char *conninfo, size_t cap, int *started,
                       px_err *err)
{
    *started = 0;
    if (cfg->database_url[0]) {
        if (px_strlcpy(conninfo, cfg->database_url, cap) >= cap)
            return px_err_set(err, PX_EINVALID, "bad_config", "PACKID_DATABASE_URL too long");
        return PX_OK;
    }
    return px_embedded_start(cfg, conninfo, cap, started, err);
}
