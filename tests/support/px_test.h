/* Integration-test harness (see tests/README.md). */
#ifndef PX_TEST_H
#define PX_TEST_H

#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "px_clock.h" /* px_sleep_ms */

typedef struct px_test_env {
    char db_name[64];
    char conninfo[1024]; /* the fresh database */
    char data_dir[256];  /* PACKID_DATA_DIR for the server and CLI (temporary) */
    pid_t server_pid;
    int port;
    char base_url[64];
    char extra_env[8][256]; /* NAME=value pairs passed to the server and the CLI */
    int n_extra;
    int embedded; /* 1: no PACKID_DATABASE_URL, the server runs its own cluster */
} px_test_env;

/* Prepares env for the embedded default database: a fresh temporary data folder and no
 * PACKID_DATABASE_URL. */
void px_test_embedded_init(px_test_env *env);
/* Creates a fresh database from packid_template (PACKID_TEST_DATABASE_URL names the admin
 * connection); fails the test on error. */
void px_test_db_create(px_test_env *env);
void px_test_db_drop(px_test_env *env);
/* Sets NAME=value in the environment of the server and CLI runs started afterwards: it replaces
 * an earlier px_test_setenv of that NAME, and the inherited variable of that NAME. */
void px_test_setenv(px_test_env *env, const char *name_value);
/* px_test_setenv of each "NAME=value" of a NULL-ended list (a NULL list sets nothing): a
 * fixture's server settings, kept together as one table. */
void px_test_setenv_list(px_test_env *env, const char *const *name_values);
/* The "NAME=value" px_test_setenv set for NAME, or NULL. */
const char *px_test_extra(const px_test_env *env, const char *name);
/* Starts `packid serve` on 127.0.0.1 with a kernel-chosen port, waits until it listens. */
void px_test_server_start(px_test_env *env);
/* Gives organization org_id a GLN with its company prefix length (7), so its events carry a
 * read point and its reports a sender (docs/delivery.md "Preconditions"). */
void px_test_org_gln(px_test_env *env, const char *org_id, const char *gln);
/* Gives product gtin the master data every market profile asks for (an NDC included). */
void px_test_product_master(px_test_env *env, const char *gtin);
/* A regulator endpoint of the MAH (key) for market that nobody answers (loopback port 9): its
 * reports are queued and retried, which tests that only need a release to be reportable
 * ignore. The server must run with PACKID_OUTBOUND_ALLOW=127.0.0.1:9. */
void px_test_idle_endpoint(px_test_env *env, const char *key, const char *market);

/* 1 when the server's log (every line it wrote since it started, in the data folder's
 * server.log) has a line containing both a and b (b may be NULL); waits up to 5 s for it. */
int px_test_log_has(px_test_env *env, const char *a, const char *b);
/* Fails the test unless doc validates against the official EPCIS 1.2 XSD (an outside oracle:
 * ../shared/tools/epcis-validate). */
void px_test_xsd_valid(const char *doc, size_t len);
/* Writes body to a temporary file and runs `cmd FILE` (an outside checker), its output sent
 * to stderr, or nowhere when quiet; returns the exit status as system() gives it. */
int px_test_run_on(const char *cmd, const char *body, size_t len, int quiet);
/* The output of `cmd` (a shell command, an outside oracle) reading body on its standard input,
 * into out (NUL-terminated). */
void px_test_pipe(const char *cmd, const void *body, size_t len, char *out, size_t cap);
/* Commands for px_test_run_on (expanded where the test's PX_SOURCE_DIR and PX_SHARED_DIR are
 * defined): the JSON schema validator against each official EPCIS 2.0 JSON schema. */
#define PX_TEST_JSON_VALIDATE                                                                      \
    "/usr/bin/python3 '" PX_SOURCE_DIR "/tests/unit/epcis/json-schema-validate.py' "
#define PX_TEST_SCHEMA_GS1                                                                         \
    PX_SHARED_DIR "/reference/epcis-2.0/json/gs1-epcis/EPCIS-JSON-Schema.json"
#define PX_TEST_VALIDATE_GS1 PX_TEST_JSON_VALIDATE "'" PX_TEST_SCHEMA_GS1 "'"
#define PX_TEST_VALIDATE_201                                                                       \
    PX_TEST_JSON_VALIDATE "'" PX_SHARED_DIR "/reference/epcis-2.0/json/ref-gs1-org-via-openepcis/" \
                          "epcis-json-schema.json'"
/* SIGTERM and wait at most PX_TEST_STOP_WAIT_MS (the server's default delivery timeout, 30 s,
 * twice over: a stop waits for a POST on its way); returns the exit status, or 125 when the
 * server had to be killed (said on stderr). */
#define PX_TEST_STOP_WAIT_MS 60000
int px_test_server_stop(px_test_env *env);
/* SIGKILL (a crash) and wait. */
void px_test_server_kill(px_test_env *env);
void px_test_teardown(px_test_env *env);

/* Runs `packid <args…> --json` against env's database; returns the parsed JSON output (the
 * caller json_decref()s) and the exit code in *exit_code. */
json_t *px_test_cli(px_test_env *env, int *exit_code, const char *const *args);
/* An organization and one API key of it: a party of a test (a MAH, a CMO, the operator). */
typedef struct px_test_party {
    char org[40]; /* its id */
    char key[64]; /* the key, in full */
} px_test_party;

/* Convenience: creates an organization and a key; returns the key (static storage per call
 * site is the caller's: out must hold 64 bytes) and the org id (40 bytes). A MAH or CMO gets
 * a GLN of its own (company prefix length 12), so its events carry a read point. */
void px_test_org_key(px_test_env *env, const char *kind, const char *name, const char *role,
                     char *org_id, char *api_key);
/* px_test_org_key without a GLN: an organization whose events carry no read point. */
void px_test_org_key_bare(px_test_env *env, const char *kind, const char *name, const char *role,
                          char *org_id, char *api_key);

typedef struct px_http_resp {
    long status;
    char *body; /* NUL-terminated, malloc'd */
    size_t len;
    json_t *json; /* parsed when the body is JSON, else NULL */
    char content_type[128];
    char headers[32768]; /* the answer's header lines as received (truncated) */
} px_http_resp;

/* Performs method path with an optional key (sent as Authorization: Bearer) and body.
 * headers: NULL-terminated extra "Name: value" lines or NULL. */
void px_http(px_test_env *env, px_http_resp *out, const char *method, const char *path,
             const char *key, const char *body, const char *const *headers);
/* px_http from source address from (NULL: the default, 127.0.0.1; another loopback address is
 * another client to the server's per-client limits). Redirects are never followed. */
void px_http_from(px_test_env *env, px_http_resp *out, const char *method, const char *path,
                  const char *key, const char *body, const char *const *headers, const char *from);
void px_http_resp_free(px_http_resp *r);
/* Fails the test unless r is a file to keep (docs/api.md): Content-Disposition attachment with
 * a file name ending in suffix, Cache-Control private, no-store. */
void px_test_is_download(const px_http_resp *r, const char *suffix);
/* The value of response header name (case-insensitive) into out; 0 found, -1 absent ("" in
 * out). */
int px_http_header(const px_http_resp *r, const char *name, char *out, size_t cap);
/* Performs the request and fails the test unless the status is want and, when code is not
 * NULL, the error code is code. Returns the JSON body (caller json_decref()s; NULL when the
 * body is not JSON). */
json_t *px_http_expect(px_test_env *env, const char *method, const char *path, const char *key,
                       const char *body, const char *const *headers, long want, const char *code);
/* The n-th test GTIN-14 under company prefix 4012345 (item reference n, 0..99999) with its
 * mod-10 check digit computed as DOMAIN.md §1.1 states it (independently of src/gs1). */
void px_test_gtin(char out[15], int n);
/* The n-th test GTIN-14 under a company prefix of its own, 7n (n 0..999999 in six digits, item
 * reference 00000): products of different MAHs never share a prefix (docs/aggregation.md "One
 * organization per prefix"), nor one of 4012345's. */
void px_test_gtin_own(char out[15], int n);
/* The GLN of twelve digits and their GS1 mod-10 check digit, computed as DOMAIN.md §1.1 states
 * it (weights 3 and 1 from the right), independently of src/gs1. */
void px_test_gln(char out[14], const char *twelve);

/* The error code of an API error body, or "". */
const char *px_http_error_code(const px_http_resp *r);
/* The code of an API error body's first detail, or "". */
const char *px_http_detail_code(const px_http_resp *r);

/* Runs a shell command (test housekeeping); returns its exit status. */
int px_test_shell(const char *cmd);

/* SQL helpers on env's database. */
long long px_sql_count(px_test_env *env, const char *sql);
/* Runs a statement; returns 0 on success. */
int px_sql_exec(px_test_env *env, const char *sql);
/* First column of the first row as text into out (cap bytes); "" when no row. */
void px_sql_text(px_test_env *env, const char *sql, char *out, size_t cap);

/* ---- shared by the integration tests -------------------------------------------------- */

/* A cmocka group teardown for a calloc'd fixture whose first member is its px_test_env (C11
 * 6.7.2.1: a pointer to a struct is a pointer to its first member): px_test_teardown (a
 * server that exits non-zero fails the test), then free. */
int px_test_fixture_teardown(void **state);
/* px_test_fixture_teardown after removing dir (the fixture's temporary folder, px_test_rmdir;
 * NULL: none). */
int px_test_fixture_teardown_dir(void **state, const char *dir);
/* A cmocka group setup for tests that need nothing but a server on a fresh database: the
 * state is a px_test_env (px_test_fixture_teardown ends it). */
int px_test_fixture_setup(void **state);
/* A fixture whose first member is a px_test_env: calloc'd, with a fresh database. The caller
 * adds its px_test_setenv()s and calls px_test_server_start(). */
void *px_test_fixture_new(size_t size);

/* px_http_expect without extra headers or an error code. */
json_t *px_test_call(px_test_env *env, const char *method, const char *path, const char *key,
                     const char *body, long want);
/* px_http_expect for a request whose answer the test does not read further. */
void px_test_expect(px_test_env *env, const char *method, const char *path, const char *key,
                    const char *body, long want, const char *code);
/* The 422 validation_error of a request whose first detail names field (and, when
 * detail_code is not NULL, has that code). */
void px_test_expect_field(px_test_env *env, const char *method, const char *path, const char *key,
                          const char *body, const char *field, const char *detail_code);
/* The details array of an error answer (docs/api.md "Errors"), or NULL when it has none. */
json_t *px_test_details(json_t *answer);
/* Fails the test, naming the calling line and the answer, unless the error answer has a
 * detail i whose index is index (-1: not compared), whose code is code and whose field is
 * field (NULL: not compared). */
void px_expect_detail_at(const char *file, int line, json_t *answer, size_t i, long index,
                         const char *code, const char *field);
#define px_expect_detail(answer, i, index, code, field)                                            \
    px_expect_detail_at(__FILE__, __LINE__, (answer), (i), (index), (code), (field))
/* The string member k of o; fails the test when there is none. */
const char *px_test_str(json_t *o, const char *k);
/* The integer member k of o; fails the test when there is none (an absent member never reads
 * as 0). */
long long px_test_int(json_t *o, const char *k);

/* `packid key create --org org_id --role role`: the key into api_key (64 bytes). */
void px_test_key(px_test_env *env, const char *org_id, const char *role, char *api_key);
/* `packid org create <org_args…>` then a key of role for it: the org id into org_id (40
 * bytes), the key into api_key (64 bytes). org_args: NULL-terminated, without "org create". */
void px_test_org_args_key(px_test_env *env, const char *const *org_args, const char *role,
                          char *org_id, char *api_key);
/* px_test_org_args_key for an MAH called name with GLN gln (company prefix length 7). */
void px_test_mah_gln(px_test_env *env, const char *name, const char *gln, char *org_id,
                     char *api_key);
/* px_test_org_args_key for a regulator called name of market. */
void px_test_regulator(px_test_env *env, const char *name, const char *market, char *org_id,
                       char *api_key);
/* POST /v1/products (201) by key: gtin under company prefix length 7 for market. */
void px_test_product(px_test_env *env, const char *key, const char *gtin, const char *name,
                     const char *market);
/* POST /v1/partners (201) by the MAH's key: a CMO called name, with a GLN of its own (as
 * px_test_org_key gives), for the GTINs of gtins_json (a
 * JSON array). Copies the CMO's org id (40 bytes) and key (64 bytes) where not NULL; returns
 * the answer (the caller json_decref()s). */
json_t *px_test_partner(px_test_env *env, const char *mah_key, const char *name,
                        const char *gtins_json, char *org_out, char *key_out);
/* The body of POST /v1/aggregations packing children_json (a JSON array of children) into
 * the container sscc (malloc'd: the caller frees it). */
char *px_test_pack_body(const char *sscc, const char *children_json);
/* POSTs that packing by key and wants 201. */
void px_test_pack(px_test_env *env, const char *key, const char *sscc, const char *children_json);
/* The history of pack gtin/serial as key reads it (GET /v1/packs/{gtin}/{serial}, 200): the op
 * of each of its events, oldest first, joined by ',' ("commission,pack,release"), into out. */
void px_test_pack_ops(px_test_env *env, const char *key, const char *gtin, const char *serial,
                      char *out, size_t cap);
/* The body of POST /v1/commissions: serials_json (a JSON array) of gtin into batch, with
 * "partial":true when partial (malloc'd; the caller frees). */
char *px_test_commission_body(const char *gtin, const char *batch, const char *expiry,
                              const char *serials_json, int partial);
/* POST /v1/commissions (200) by key of that body (not partial). Tests that run on the real
 * clock commission with expiry 751231: GenSpecs §7.12 reads YY 75 as 2075 in every year from
 * 2025 (the year of the captured test events) to 2075, so those packs stay unexpired for
 * decades whatever year the suite runs in (2030, as before, would expire in 2031). */
void px_test_commission(px_test_env *env, const char *key, const char *gtin, const char *batch,
                        const char *expiry, const char *serials_json);
/* The JSON array ["<prefix><from>", …] of n serials into out. */
void px_test_serials(char *out, size_t cap, const char *prefix, int from, int n);

/* "Nothing changed": the row counts of the tables a request may change. counted lists
 * (NULL-terminated) what to count: "table [WHERE …]" is counted with count(*), an item that
 * starts with "SELECT " is taken as it stands (one number). px_test_rows_begin keeps the
 * counts, px_test_rows_same fails the test (naming what and the calling line) when they are not the
 * same again. */
typedef struct px_test_rows {
    px_test_env *env;
    char sql[2048];
    char before[512];
} px_test_rows;
void px_test_rows_begin(px_test_rows *s, px_test_env *env, const char *const *counted);
void px_test_rows_same_at(px_test_rows *s, const char *what, const char *file, int line);
#define px_test_rows_same(s, what) px_test_rows_same_at((s), (what), __FILE__, __LINE__)
/* Expects status and error code of the request (headers as px_http), and that the rows
 * counted are the same after it. */
void px_test_refused(px_test_env *env, const char *const *counted, const char *method,
                     const char *path, const char *key, const char *body,
                     const char *const *headers, long status, const char *code);
/* px_test_refused that returns the error answer, for its details (the caller
 * json_decref()s). */
json_t *px_test_refused_answer(px_test_env *env, const char *const *counted, const char *method,
                               const char *path, const char *key, const char *body,
                               const char *const *headers, long status, const char *code);

/* After page (an answer of a cursor-paged list, docs/api.md): when it has_next_page, the
 * path of the next one (base, then &after=<next_cursor>) into path and 1; else 0. */
int px_test_next_page(json_t *page, const char *base, char *path, size_t cap);

/* A kB figure of process pid's /proc/<pid>/status ("VmRSS", "VmHWM"), -1 when it has none. */
long px_test_proc_kb(pid_t pid, const char *name);
/* px_sql_count of a printf-formatted query. */
long long px_count_of(px_test_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* px_sql_text of a printf-formatted query. */
void px_sql_textf(px_test_env *env, char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Fails the test unless the printf-formatted query counts want: the failure names the calling
 * line, both numbers and the query. */
#define px_expect_count(env, want, ...)                                                            \
    px_expect_count_at(__FILE__, __LINE__, (env), (want), __VA_ARGS__)
void px_expect_count_at(const char *file, int line, px_test_env *env, long long want,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The value of series (a metric's name with its labels, as its line begins) in GET /metrics
 * (200); -1 when no line begins with it. */
long long px_test_metric(px_test_env *env, const char *series);
/* px_test_metric of a series the server must have: fails the test when it has none. */
long long px_test_metric_of(px_test_env *env, const char *series);
/* px_test_metric polled every 50 ms (tries times at most) until it is above 0, for a count a
 * runner raises after the request; returns the last value. */
long long px_test_metric_soon(px_test_env *env, int tries, const char *series);
/* px_count_of polled every 50 ms (tries times at most) until it is not 0, for rows a runner
 * writes after the request; returns the last count. */
long long px_count_soon(px_test_env *env, int tries, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The chains the audit entries of action on subject stand in, each with its details' member
 * key: "operator=v,<tenant id>=v,…", the operator's first, then by tenant id. */
void px_audit_chains(px_test_env *env, const char *action, const char *subject, const char *key,
                     char *out, size_t cap);
/* The audit_log entries of action on subject. */
long long px_audit_count(px_test_env *env, const char *action, const char *subject);

/* A request answered on a thread of its own, for tests that hold a row lock in another session
 * while it runs: px_test_async_start, then px_test_async_join for its status; code and detail
 * are then its error's code and its first detail's code ("" where the answer has none). */
typedef struct px_test_async {
    px_test_env *env;
    const char *method, *path, *key, *body;
    long status;
    pthread_t th;
    char code[64], detail[64];
} px_test_async;
void px_test_async_start(px_test_async *a);
long px_test_async_join(px_test_async *a);
/* Another session that opens a transaction and runs sql in it (a SELECT … FOR UPDATE: the rows
 * it holds); px_test_hold_end runs then (NULL: nothing), commits and closes the session. */
PGconn *px_test_hold(px_test_env *env, const char *sql);
void px_test_hold_end(PGconn *held, const char *then);
/* Waits (5 s at most) until at least n sessions wait on a row lock or an advisory lock
 * (pg_locks): 1 once they do, 0 if they never did. */
int px_test_wait_row_lock_waiters(px_test_env *env, int n);
/* Whether a session waits (5 s at most) for a lock on a table whose name is LIKE pattern. */
int px_test_wait_table_lock_waiter(px_test_env *env, const char *pattern);
/* A dead webhook delivery of event report.dead for tenant, as the runner leaves one; its id. */
void px_test_dead_webhook_delivery(px_test_env *env, const char *tenant, char id[40]);
/* Makes the database refuse every row inserted into table for which condition (SQL over NEW,
 * at most 1 KiB) holds, with SQLSTATE sqlstate and the message "injected refusal": a trigger
 * of its own per table, as a failing disk or a bug would refuse them. px_test_refuse_end drops
 * it. */
void px_test_refuse_rows(px_test_env *env, const char *table, const char *condition,
                         const char *sqlstate);
void px_test_refuse_end(px_test_env *env, const char *table);
/* Runs a printf-formatted statement (at most 4 KiB); fails the test when it fails. */
void px_sqlf(px_test_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Written directly (a fast setup, no API call): an active partnership of the MAH and the
 * CMO on gtin; and batch (with expiry) of gtin holding n commissioned packs
 * <prefix><g zero-padded to digits>, g = 1..n, allocated to and commissioned by org. */
void px_test_partnership_sql(px_test_env *env, const char *mah_org, const char *cmo_org,
                             const char *gtin);
/* Written directly as well: product gtin called name of the MAH for market, company prefix
 * length 7 (as px_test_product registers one through the API). */
void px_test_product_sql(px_test_env *env, const char *gtin, const char *mah_org, const char *name,
                         const char *market);
void px_test_commissioned_sql(px_test_env *env, const char *gtin, const char *batch,
                              const char *expiry, const char *prefix, int digits, long n,
                              const char *org);
/* Written directly as well: tenant's webhook at an address nothing answers, subscribed to
 * job.failed only (what a failed job queues is read from webhook_delivery). */
void px_test_job_failed_webhook_sql(px_test_env *env, const char *tenant);
/* Written directly as well: the packs of gtin that where (an SQL condition on serial's row)
 * selects released to the EU, as the release use case leaves a pack's row (no release row,
 * no event). */
void px_test_released_sql(px_test_env *env, const char *gtin, const char *where);
/* A fresh folder $TMPDIR/packid-<name>-XXXXXX (/tmp without TMPDIR) into dir; fails the test
 * when it cannot be made. px_test_rmdir removes it and what it holds (a path not starting
 * with '/' is left alone). */
void px_test_tmpdir(char *dir, size_t cap, const char *name);
void px_test_rmdir(const char *dir);
/* The eventIDs of an EPCIS XML document (the text of each <eventID>), each followed by a
 * newline, into out; fails the test on an <eventID> not closed. */
void px_test_xml_event_ids(const char *doc, char *out, size_t cap);
/* How often needle occurs in s. */
int px_occurrences(const char *s, const char *needle);
/* Percent-encodes s into out (cap bytes): RFC 3986 unreserved characters stay. */
void px_test_pct_encode(char *out, size_t cap, const char *s);
/* The text between the first open and the close after it, into out ("" when absent). */
void px_between(const char *s, const char *open, const char *close, char *out, size_t cap);
/* Polls GET path (200, as key) every interval_ms until its string member is one of ends (words
 * separated by '|', e.g. "completed|failed"); fails the test after tries polls. Returns the
 * body (the caller json_decref()s). */
json_t *px_test_wait_for(px_test_env *env, const char *key, const char *path, const char *member,
                         const char *ends, int tries, long interval_ms);
/* Polls GET /v1/reports/{id} (as key) every interval_ms until its state is want; fails after
 * 600 polls. Returns the report (the caller json_decref()s). */
json_t *px_test_wait_report(px_test_env *env, const char *key, const char *id, const char *want,
                            long interval_ms);
/* The whole of a (small) file into out, NUL-terminated; fails the test when it cannot be
 * opened. popen_cmd: read a command's output instead. */
void px_test_read(const char *path, int popen_cmd, char *out, size_t cap);

/* Printed symbols read back (px_test_symbols.c). px_test_write_file: data into path, 0 on
 * success. px_test_run: runs argv (stdout into out_path when not NULL) and returns its exit
 * status (-1 when it did not exit). px_test_decode: decodes file with ZXingReader (an SVG is
 * rasterised by rsvg-convert first, to file-r.png): the symbology identifier into id, the
 * bytes into got (NUL-terminated; their count into *got_len when not NULL) and the error
 * correction level ZXing reports into ec when not NULL; fails the test when a tool fails. */
int px_test_write_file(const char *path, const void *data, size_t len);
int px_test_run(const char *const argv[], const char *out_path);
void px_test_decode(const char *file, int svg, char id[8], char *got, size_t cap, size_t *got_len,
                    char ec[4]);

/* One of two requests raced by px_test_race2: what to send (headers as px_http's, NULL: none),
 * and (after) the answer's status, error code, its first detail's code ("" when none) and its
 * Location header ("" none). */
typedef struct px_test_race_req {
    const char *method, *path, *key, *body;
    long status;
    char code[64], detail[64];
    const char *const *headers;
    char location[128];
} px_test_race_req;
/* Sends a and b at the same moment (two threads released by one barrier) and waits for both
 * answers. */
void px_test_race2(px_test_env *env, px_test_race_req *a, px_test_race_req *b);
/* Sends a and b while another session holds the rows of hold_sql (a SELECT … FOR UPDATE),
 * lets them go once both requests wait on them (patiently: on a loaded machine a request may
 * take seconds to get there; the test fails if they never both wait), and waits for both
 * answers: the two surely overlap where px_test_race2's may run one after the other. */
void px_test_race_held(px_test_env *env, const char *hold_sql, px_test_race_req *a,
                       px_test_race_req *b);
/* Fails the test (naming round and both answers) unless exactly one of a and b has status
 * win; returns the other, the loser. */
px_test_race_req *px_test_race_loser(px_test_race_req *a, px_test_race_req *b, long win, int round);

/* ---- the parties several programs start from (px_test_parties.c) ---------------------- */

/* Two tenants of one market and its regulator, for tests of who sees what. The fixture of a
 * program that needs no more (its px_test_env first, as px_test_fixture_new wants). */
typedef struct px_test_tenants {
    px_test_env env;
    px_test_party mah;               /* the MAH under test, with a GLN */
    px_test_party mah2;              /* another MAH */
    char reg_key[64];                /* the regulator of the market */
    char gtin[15], gtin2[15];        /* the MAH's product, the other MAH's */
} px_test_tenants;
/* On a running server: the MAH called name with GLN gln (company prefix length 7) and product
 * px_test_gtin(n) for market; "Other MAH" with product px_test_gtin_own(n + 1) for market; a
 * regulator of market. */
void px_test_tenants_make(px_test_tenants *t, const char *name, const char *gln, const char *market,
                          int n);

/* An operator (admin key) and one MAH: the parties of tests of the API's own limits. The
 * fixture of a program that needs no more. */
typedef struct px_test_operated {
    px_test_env env;
    px_test_party admin, mah;
} px_test_operated;
/* On a running server: the operator and the MAH, named "<name> operator" and "<name> MAH". */
void px_test_operated_make(px_test_operated *o, const char *name);

/* The audit log's tests (docs/audit.md "Cuts"): the server started with no checkpoint signed
 * by itself (PACKID_AUDIT_CHECKPOINT_INTERVAL=0: the test asks for each), and a MAH called
 * name (its key into key, 64 bytes) with an EU product, px_test_gtin(n) (into gtin, 15
 * bytes), called product. */
void px_test_audited_start(px_test_env *env, const char *name, int n, const char *product,
                           char *key, char *gtin);

/* The packing parties of DOMAIN-2.md §10.8's worked example: the MAH of company prefix 0355154
 * (its GLN 0355154000001), another MAH whose product is PX_TEST_OTHER_GTIN (EU), and the MAH's
 * CMO. The fixture of a program that needs no more. */
#define PX_TEST_OTHER_GTIN "09506001000014"
typedef struct px_test_packers {
    px_test_env env;
    px_test_party mah, mah2, cmo;
} px_test_packers;
/* On a running server: the MAH called name with its US product gtin, the other MAH with
 * its product, and the CMO called cmo_name partnered on gtin. */
void px_test_packers_make(px_test_packers *p, const char *name, const char *gtin,
                          const char *cmo_name);

#endif
