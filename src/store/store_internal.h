/* Shared by the files of store/ only (the `px__` prefix marks layer-internal functions). */
#ifndef PX_STORE_INTERNAL_H
#define PX_STORE_INTERNAL_H

#include <libpq-fe.h>

#include "px_buf.h"
#include "px_err.h"
#include "store.h"

struct px_db {
    PGconn *conn;
    int in_tx;
    int tx_writes;               /* the transaction is px_db_begin's (not a read-only one) */
    int sandbox;                 /* search_path is the sandbox schema (px_db_set_sandbox) */
    long lock_timeout_ms;        /* each transaction's bound on a lock wait, 0 none (db.c) */
    unsigned long long prepared; /* px__exec_cached statements prepared on this session */
    const px_sign_key *seal;     /* seals audit entries (audit.c); owned by the pool's owner */
    /* The tables the prepared scan lookups read the history from, per schema (live, sandbox):
     * scan_store.c scan_months. */
    struct px__scan_months {
        long long lo_us, hi_us; /* a window inside [lo, hi) reads the same tables */
        int n;                  /* partitions read directly; 0: the parent table `scan` */
        char name[3][64];
    } scan_months[2];
};

/* A statement's text parameters as px__exec's nparams and params: PX__ARGS(a, b) is
 * "2, (const char *const[]){a, b}". The count is the compiler's, so it cannot drift from the
 * list: a count written by hand above the list's length makes libpq read past the array, one
 * below it is refused by PostgreSQL only when the statement runs. A list two statements share
 * (whole, or the first values of it) stays a named array; a statement with no parameter passes
 * 0, NULL (ISO C has no empty initializer list). */
#define PX__ARGS(...)                                                                              \
    (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)),                      \
        (const char *const[])                                                                      \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
/* Executes sql with text parameters; returns the result (caller PQclear()s) or NULL with err
 * set from the SQLSTATE (sqlstate.c). */
PGresult *px__exec(px_db *db, const char *sql, int nparams, const char *const *params, px_err *err);
/* The statements of the hot read paths, prepared once per connection (px__exec_cached). */
typedef enum px__cached {
    PX__Q_SCAN_LOOKUP = 0, /* scan_store.c: the public verifications' one read */
    /* carrier_store.c: a carrier batch job's statements per chunk (claim, read, and the
     * errors and counters; its carriers go by COPY), which plan in about as long as they run
     * on a chunk, and the batch's insert (its job and its items in one statement), which
     * parsed in up to a third of its own time. */
    PX__Q_CARRIER_INSERT,
    PX__Q_CARRIER_CLAIM,
    PX__Q_CARRIER_CHUNK,
    PX__Q_CARRIER_RECORD,
    PX__Q_AGG_PARENTS, /* agg_store.c: a packing's parents, locked */
    PX__Q_AGG_APPLY,   /* agg_store.c: its rules and changes */
    PX__Q_AGG_RECORD,  /* agg_store.c: its aggregations and events */
    /* The background runners' claims, asked by every worker on every poll (live and sandbox)
     * and nearly always finding nothing: planned once, an idle server costs a quarter to a
     * third of the CPU it did with them planned on every poll (bench/idle.sh). */
    PX__Q_ALLOC_CLAIM,   /* pool_store.c */
    PX__Q_EXPORT_CLAIM,  /* print_store.c */
    PX__Q_REPORT_CLAIM,  /* report_store.c */
    PX__Q_WEBHOOK_CLAIM, /* webhook_store.c */
    /* key.c: every keyed request's key; vrs_store.c: every DSCSA verification's read and
     * log row. Planned on every request, their planning cost PostgreSQL more than running
     * them (the responder's CPU per request was 40 % parse and plan). */
    PX__Q_KEY_LOOKUP,
    PX__Q_ACTOR_HOLD, /* key.c: every writing transaction of a keyed request (tx.c) */
    PX__Q_VRS_LOOKUP,
    PX__Q_VRS_LOG,
    PX__Q__COUNT /* at most 32 */
} px__cached;

/* The advisory lock spaces (the first key of pg_advisory_xact_lock*; the second is the
 * hashtext of the id): a key's writes (key.c), a CMO's writes (key.c), a tenant's regulator
 * endpoints (report_store.c), a product's master data against its releases (product.c), the
 * allocation runner's safe path on a GTIN (pool_store.c), an organization's GLN (org_prefix.c),
 * a bucket of a capture's eventIDs (capture_store.c). Advisory
 * locks queue in order, so whoever waits to change one is not overtaken by holders that come after
 * it, as row share locks would let them. */
#define PX__LOCK_KEY "7101"
#define PX__LOCK_CMO "7102"
#define PX__LOCK_ENDPOINTS "7103"
#define PX__LOCK_PRODUCT_MASTER "7104"
#define PX__LOCK_ALLOC_GTIN "7105"
#define PX__LOCK_GLN "7106"
#define PX__LOCK_CAPTURE "7107"

/* The single-key advisory locks, "packid" in ASCII and a number, each one process-wide
 * section: the migrations (migrate.c), a first start's demo data (org.c), the audit
 * checkpointer (audit.c; the number of migration 0060, which began the signed checkpoints),
 * the nesting of containers (agg_store.c).
 * 0002 is migration 0001's own (its SQL takes it): no other use may take it. */
#define PX__LOCK_MIGRATIONS "x'7061636b69640001'::bigint"
#define PX__LOCK_FIRST_START "x'7061636b69640003'::bigint"
#define PX__LOCK_AUDIT_CHECKPOINT "x'7061636b69640060'::bigint"
/* Container into container (agg_store.c px_store_agg_nesting_turn): the number of migration
 * 0020, which began packing. */
#define PX__LOCK_NESTING "x'7061636b69640020'::bigint"

/* px__exec of a statement prepared on first use on this connection (and schema): a read that
 * is planned once instead of on every request — the public verification's query costs seven
 * times more to plan than to run. The sandbox gets its own prepared copy. */
PGresult *px__exec_cached(px_db *db, px__cached id, const char *sql, int nparams,
                          const char *const *params, px_err *err);
/* Whether statement id is prepared on this connection (and schema): its SQL need not be built. */
int px__is_cached(const px_db *db, px__cached id);
/* Drops the prepared statement id of this connection (and schema), if any: the next
 * px__exec_cached prepares its new SQL. */
px_rc px__uncache(px_db *db, px__cached id, px_err *err);

/* Maps a failed result to a px_rc: 23505 -> EXISTS, 40001/40P01 -> CONFLICT, 08xxx ->
 * UNAVAIL, 22xxx/23xxx -> INVALID, else INTERNAL. Internals go to the log, never to err. */
px_rc px__sqlstate_map(const PGresult *res, PGconn *conn, px_err *err);
/* A new session's settings (db.c), after a connect and after a reset: UTC everywhere (API
 * times are RFC 3339 UTC, docs/api.md). A session it cannot set up is not handed out. */
px_rc px__session_init(PGconn *conn, px_err *err);
/* COPY … FROM STDIN (sql) of the COPY text data built in b, in one round; a failure (a unique
 * key: PX_EEXISTS) is mapped like any statement's. A b whose building failed copies nothing:
 * over its maximum it is payload_too_large, "too many <what>"; else out of memory. */
px_rc px__copy(px_db *db, const char *sql, const px_buf *b, const char *what, px_err *err);
/* Appends s as one field of COPY text data: backslash, tab, newline and carriage return
 * escaped (PostgreSQL's COPY, "Text Format"). */
px_rc px__copy_text(px_buf *b, const char *s);
/* The value of row r, column c ("" for NULL). */
const char *px__val(const PGresult *res, int r, int c);

/* The CMO cmo is actively partnered on the product of GTIN gtin (both SQL expressions): the
 * product access of px_svc_product_access (service/catalog.c) as SQL, for the reads that apply
 * it to many rows at once. A partnership grants only its MAH's own products (partners.c checks
 * each GTIN when it is granted), so the MAH need not be named. */
#define PX__CMO_PARTNERED(cmo, gtin)                                                               \
    "EXISTS (SELECT 1 FROM partnership ps JOIN partnership_product pp ON pp.partnership_id = "     \
    "ps.id WHERE ps.cmo_id = " cmo " AND ps.status = 'active' AND pp.gtin = " gtin ")"

/* The partnership ps (an SQL expression of its id) grants a product at least: one that grants
 * none lets its CMO use nothing of the MAH's, no container either. */
#define PX__PARTNERSHIP_GRANTS_ANY(ps)                                                             \
    "EXISTS (SELECT 1 FROM partnership_product pp WHERE pp.partnership_id = " ps ")"

/* Serial row s is the CMO n's own (n an SQL uuid): allocated to it or commissioned by it, and
 * not released (a CMO never sees a pack after its release). */
#define PX__CMO_OWNS(s, n)                                                                         \
    "(" s ".allocated_to = " n " OR " s ".commissioned_by = " n ") AND " s ".released_at IS NULL"

/* A CMO's view of serial row s as SQL: n (a parameter) NULL for any other caller, else its own
 * serials (PX__CMO_OWNS), and only while its partnership is active and grants the product (a
 * pack read then answers 403 or 404: service/pack_read.c); service/pack_internal.h's
 * px__cmo_sees says the first part for one row. */
#define PX__CMO_SEES(s, n)                                                                         \
    "(" n "::uuid IS NULL OR (" PX__CMO_OWNS(s, n "::uuid") " AND " PX__CMO_PARTNERED(             \
        n "::uuid", s ".gtin") "))"

/* The GTIN-14 of each pack item of the carrier batches WHERE (alias b) picks (a batch's items
 * are JSON, {"g": GTIN, …}; a malformed GTIN was refused with its item). */
#define PX__CARRIER_BATCH_GTINS(where)                                                             \
    "SELECT lpad(x.e->>'g', 14, '0') FROM carrier_batch b, jsonb_array_elements(b.items) x(e) "    \
    "WHERE " where " AND x.e->>'g' ~ '^([0-9]{8}|[0-9]{12,14})$'"

/* The jobs org may see (an SQL expression, NULL for none): those it created, those of its
 * tenant, and those that allocate serials to it (px_store_job_get, the jobs' list). */
#define PX__JOB_VISIBLE(org)                                                                       \
    "(j.org_id = " org " OR j.tenant_id = " org " OR EXISTS (SELECT 1 FROM allocation a WHERE "    \
    "a.job_id = j.id AND a.org_id = " org "))"

/* A job of kind the workers may claim now (alias j): queued, or running (its worker's
 * transaction ended without finishing it: the next try takes it up), its pause (not_before,
 * between failed tries) over. The claims of allocation, export and carrier batch jobs. */
#define PX__JOB_CLAIMABLE(kind)                                                                    \
    "j.kind = '" kind "' AND j.status IN ('queued', 'running') AND (j.not_before IS NULL OR "      \
    "j.not_before <= now())"
/* Which claimable job a worker takes: the oldest (REQ-POOL-7), skipping one another
 * transaction (this process's other worker, another packid process) holds: never waited for.
 * The lock lasts until the claiming transaction ends or its connection dies. */
#define PX__JOB_CLAIM_NEXT " ORDER BY j.created_at, j.id LIMIT 1 FOR UPDATE OF j SKIP LOCKED"
/* Fails job ID (an SQL expression of its uuid) with message ERROR, unless it has ended already:
 * a runner that lost its job to a newer outcome changes nothing (RETURNING tells the caller). */
#define PX__JOB_FAIL(ID, ERROR)                                                                    \
    "UPDATE job SET status = 'failed', error = " ERROR                                             \
    ", finished_at = clock_timestamp(), heartbeat_at = "                                           \
    "now() WHERE id = " ID " AND status IN ('queued', 'running')"

/* Keyset paging, newest first, as every list of the API pages (docs/api.md "Paging"): the rows
 * of visible (a query of the rows the caller may see, each with its `id` and its raw time as
 * `at`) that pass filter, after the cursor row (CURSOR: the "$N" of the last row's id, NULL on
 * the first page), at most LIMIT ("$N") of them. The cursor row is looked up among the visible
 * rows, not the filtered ones: the last row of a page that no longer passes the filter (a job
 * that changed status since) is still where the next page starts, and another tenant's id gives
 * an empty page, never "this caller's rows older than that row" (which would tell that the id
 * exists and when it was made). Its row's own key is read back, so the comparison is exact.
 * PostgreSQL inlines visible at both uses (NOT MATERIALIZED). */
#define PX__PAGE(visible, filter, CURSOR, LIMIT)                                                   \
    "WITH v AS NOT MATERIALIZED (" visible ") SELECT * FROM v WHERE (" filter ") AND (" CURSOR     \
    "::uuid IS NULL OR (v.at, v.id) < (SELECT k.at, k.id FROM v k WHERE k.id = " CURSOR            \
    "::uuid)) ORDER BY v.at DESC, v.id DESC LIMIT " LIMIT "::bigint"
/* Runs a PX__PAGE statement: n params (PX__ARGS, at most 8) are its first parameters, the
 * cursor (after_id, "" or NULL: the first page) and the limit follow as $n+1 and $n+2. */
PGresult *px__page(px_db *db, const char *sql, int n, const char *const *params,
                   const char *after_id, long limit, px_err *err);

/* The loop of the two below: each row i of r mapped into *v with ROW (ROW(v, r, i)) and handed
 * to fn(ctx, v) until fn returns non-zero (the caller's stop). */
#define PX__ROWS_INTO(r, v, ROW, fn, ctx)                                                          \
    do {                                                                                           \
        for (int px__i = 0; px__i < PQntuples(r); px__i++) {                                       \
            ROW((v), (r), px__i);                                                                  \
            if ((fn)((ctx), (v)))                                                                  \
                break;                                                                             \
        }                                                                                          \
    } while (0)
/* The tail of every "each" read, its last statement: returns err->rc when r is NULL (px__exec
 * failed); else maps each row of r into a TYPE with ROW and hands it to fn (PX__ROWS_INTO),
 * clears r and returns PX_OK. RETURN in its name says the return it makes for the caller. */
#define PX__RETURN_EACH_ROW(r, err, TYPE, ROW, fn, ctx)                                            \
    do {                                                                                           \
        if (!(r))                                                                                  \
            return (err)->rc;                                                                      \
        TYPE px__v;                                                                                \
        PX__ROWS_INTO(r, &px__v, ROW, fn, ctx);                                                    \
        PQclear(r);                                                                                \
        return PX_OK;                                                                              \
    } while (0)
/* PX__RETURN_EACH_ROW for a TYPE too large for the stack (a carrier holds 3 KB of data): its
 * one value is malloc'd, freed at the end; out of memory clears r and returns PX_EINTERNAL. */
#define PX__RETURN_EACH_HEAP_ROW(r, err, TYPE, ROW, fn, ctx)                                       \
    do {                                                                                           \
        if (!(r))                                                                                  \
            return (err)->rc;                                                                      \
        TYPE *px__p = malloc(sizeof(*px__p));                                                      \
        if (!px__p) {                                                                              \
            PQclear(r);                                                                            \
            return px_err_oom(err);                                                                \
        }                                                                                          \
        PX__ROWS_INTO(r, px__p, ROW, fn, ctx);                                                     \
        free(px__p);                                                                               \
        PQclear(r);                                                                                \
        return PX_OK;                                                                              \
    } while (0)
int px__isnull(const PGresult *res, int r, int c);
/* Copies the text columns of row r from column c on, one after the other, into bounded fields:
 * the arguments are (char *field, size_t size) pairs, each written PX__TEXT(field) of a char
 * array, ended by NULL; each value is cut at its field's size as px_strlcpy cuts it (rows.c).
 * A row mapper's run of text columns in one call. */
void px__texts(const PGresult *res, int r, int c, ...);
/* A char array only (a pointer's sizeof is not its size): anything else does not compile. */
#define PX__TEXT(field) _Generic(&(field), char(*)[sizeof(field)] : (field)), sizeof(field)
/* A malloc'd copy of row r, column c; NULL for SQL NULL (and when out of memory: a caller
 * that needs the value tells the two apart with px__isnull) (rows.c). */
char *px__dup(const PGresult *res, int r, int c);
/* px__dup into *out that tells the two NULLs apart: PX_OK with *out NULL for SQL NULL, a failed
 * copy PX_EINTERNAL out of memory (a secret that failed to copy is never sent as none). */
px_rc px__dup_col(char **out, const PGresult *res, int r, int c, px_err *err);

/* The end of a send attempt of the outbox (reports and webhook deliveries): runs sql with $1
 * the row's id, $2 the attempt's number n, $3 its HTTP status (NULL when http_status is 0),
 * $4 the outcome, $5 the error, $6 the delay to the next try in ms. sql ends its attempt's row
 * (PX__SQL_END_ATTEMPT_ROW) and returns one row when the attempt still moved its outbox row
 * (PX__SQL_ATTEMPT_MOVES_ROW): *current = 1 then (rows.c). */
px_rc px__end_attempt(px_db *db, const char *sql, const char *id, int n, int http_status,
                      const char *outcome, const char *error, long retry_ms, int *current,
                      px_err *err);
/* Calls fn(ctx, column 0, column 1) for each row of r (a px__exec result, NULL on error)
 * until fn returns non-zero; clears r (rows.c). */
px_rc px__each_pair(PGresult *r, int (*fn)(void *ctx, const char *a, const char *b), void *ctx,
                    px_err *err);
/* The same with column 0 alone: fn(ctx, column 0) (rows.c). */
px_rc px__each_text(PGresult *r, int (*fn)(void *ctx, const char *a), void *ctx, px_err *err);
/* The same with a count in column 1: fn(ctx, column 0, column 1 as a number) (rows.c): the
 * rows of a "SELECT state, count(*) … GROUP BY state" for /metrics. */
px_rc px__each_count(PGresult *r, int (*fn)(void *ctx, const char *a, long long n), void *ctx,
                     px_err *err);
/* For /metrics: the rows of an outbox TABLE (report, webhook_delivery) by state, one row per
 * state of STATES (SQL string literals, in that order; 0 when none), leaving out a row a retry
 * was made of (repaired: its retry counts in its own state). COND narrows the rows (an index
 * of some states only may then answer). For px__each_count. */
#define PX__BY_STATE_UNREPAIRED(STATES, TABLE, COND)                                               \
    "SELECT s.state, count(t.id) FROM unnest(ARRAY[" STATES "]) WITH ORDINALITY s(state, o) "      \
    "LEFT JOIN " TABLE " t ON t.state = s.state" COND " AND NOT EXISTS (SELECT 1 FROM " TABLE      \
    " k WHERE k.retry_of = t.id) GROUP BY s.state, s.o ORDER BY s.o"
/* The verdict on a statement whose result is not read: r NULL (it failed) -> err->rc as the
 * statement set it; else PX_OK, r cleared (rows.c). For the statements px__exec does not run
 * (px__exec_cached, a helper's own), as px__exec_cmd is for px__exec's. */
px_rc px__cmd(PGresult *r, px_err *err);
/* px__exec of a statement whose result is not read (rows.c). */
px_rc px__exec_cmd(px_db *db, const char *sql, int nparams, const char *const *params, px_err *err);
/* The verdict on a statement whose answer is how many rows it wrote (an INSERT … SELECT, an
 * UPDATE; PQcmdTuples): r NULL (it failed) -> err->rc, *n untouched; else PX_OK, *n that count,
 * r cleared (rows.c). */
px_rc px__changed(PGresult *r, long long *n, px_err *err);
/* px__exec of a statement whose answer is one number, column 0 of its first row (a count, a
 * RETURNING of one number): *out that number, 0 when the statement returns no row; *out
 * untouched when the statement fails (err set) (rows.c). */
px_rc px__exec_number(px_db *db, const char *sql, int nparams, const char *const *params,
                      long long *out, px_err *err);
/* As px__exec_number for one boolean (an EXISTS): *out 1 for true, 0 for false, NULL or no
 * row (rows.c). */
px_rc px__exec_true(px_db *db, const char *sql, int nparams, const char *const *params, int *out,
                    px_err *err);
/* As px__exec_number for one text value (an id or a time RETURNING'd, a column of a row found
 * by its key): into out (cap bytes, cut as px_strlcpy cuts it), "" when the statement returns
 * no row; *found (unless NULL) 1 when it returns one, else 0 (rows.c). */
px_rc px__exec_text(px_db *db, const char *sql, int nparams, const char *const *params, char *out,
                    size_t cap, int *found, px_err *err);
/* px__exec of a statement asked only whether it returns a row (a SELECT 1 of a key, an UPDATE
 * or INSERT … RETURNING that changed a row): *found 1 when it returns one or more, else 0;
 * untouched when the statement fails (err set) (rows.c). */
px_rc px__exec_found(px_db *db, const char *sql, int nparams, const char *const *params, int *found,
                     px_err *err);
/* The "get one" read's verdict on its result (rows.c): r NULL (px__exec failed) -> err->rc
 * as px__exec set it; no row -> PX_ENOTFOUND with code and the printf message; else PX_OK,
 * the caller maps row 0. The caller PQclear()s r either way (NULL is fine). */
px_rc px__one(const PGresult *r, px_err *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Row i of a result whose first columns are PX_CONTAINER_COLS (agg_sql.h) into c (sscc_store.c):
 * the one mapping of a container, its visibility's "released" included. */
struct px_container;
void px__container_row(struct px_container *c, const PGresult *r, int i);
/* PQclear(r), then rc: lets a read end on one expression that clears its result. */
static inline px_rc px__cleared(PGresult *r, px_rc rc)
{
    PQclear(r);
    return rc;
}
/* The whole tail of a "get one" read, as an expression: px__one's verdict on r (code and the
 * printf message name what is not found), row 0 mapped into out with ROW(out, r, 0) when there
 * is one, r cleared. A macro, not a function taking a row callback, so that each ROW keeps its
 * own typed out (as PX__RETURN_EACH_ROW does). */
#define PX__ONE_ROW(r, err, ROW, out, ...)                                                         \
    px__cleared((r), px__one((r), (err), __VA_ARGS__) != PX_OK ? (err)->rc                         \
                                                             : (ROW((out), (r), 0), PX_OK))
/* The tail of an INSERT … RETURNING (one row whenever the statement succeeds), as an
 * expression: r NULL (px__exec failed) -> err->rc; else the row mapped into out with
 * ROW(out, r, 0), r cleared, PX_OK. */
#define PX__INSERTED(r, err, ROW, out)                                                             \
    ((r) ? (ROW((out), (r), 0), px__cleared((r), PX_OK)) : (err)->rc)
/* A 32-byte hash as a bytea parameter's text: "\\x" and 64 hex digits (rows.c). */
void px__bytea_hex(char out[2 + 64 + 1], const uint8_t hash[32]);
/* A whole number as a statement's text parameter, in a buffer that lives to the end of the
 * enclosing block (a compound literal): px__exec(db, sql, PX__ARGS(id, PX__INT(limit)), err).
 * PX__INT_LEN holds any long long, its sign and the NUL (rows.c). */
enum { PX__INT_LEN = 21 };
#define PX__INT(v) px__int_text((char[PX__INT_LEN]){""}, (long long)(v))
const char *px__int_text(char out[PX__INT_LEN], long long v);
/* An optional text parameter: NULL (SQL NULL) for NULL or "" (rows.c). */
const char *px__nz(const char *s);
/* A text[] parameter of v[0..n) (px_store_text_array) in b, which it initialises with a 64 MiB
 * bound (100,000 items of a request, quoted and escaped, stay well under it); the caller
 * disposes of b. NULL with PX_ETOOBIG "payload_too_large" ("too many <what>") past the bound,
 * b then already disposed (disposing it again is harmless) (lifecycle.c). */
const char *px__text_array(px_buf *b, const char *const *v, size_t n, const char *what,
                           px_err *err);
/* px__exec of sql with $1 first and $2 v[0..n) as a text array (px__text_array, what naming
 * the items when there are too many): the result (caller PQclear()s) or NULL, err set; the
 * array's buffer is disposed either way. The one statement of a key and its list (a GTIN and
 * its serials, an organization and its prefixes) (lifecycle.c). */
PGresult *px__exec_with_array(px_db *db, const char *sql, const char *first, const char *const *v,
                              size_t n, const char *what, px_err *err);
/* Two px__text_array parameters at once; on failure neither buffer needs disposing
 * (lifecycle.c). */
px_rc px__text_arrays2(px_buf *b1, const char **s1, const char *const *v1, size_t n1, px_buf *b2,
                       const char **s2, const char *const *v2, size_t n2, const char *what,
                       px_err *err);

/* The SQL of a time, in one place for every statement (each connection runs in UTC, db.c):
 * PX__SQL_US(n) is parameter $n, µs since the epoch, as a timestamptz (exact, no float);
 * PX__SQL_ISO(col) a timestamptz column as the API's RFC 3339 UTC text with milliseconds
 * ("2025-01-31T12:00:00.000Z"); PX__SQL_ISO0(col) the same, "" for NULL. */
#define PX__SQL_US(n) "('epoch'::timestamptz + (" n ")::bigint * interval '1 microsecond')"
/* The other way: a timestamptz column as µs since the epoch (a bigint; exact to the µs a
 * timestamptz keeps). */
#define PX__SQL_EPOCH_US(col) "(extract(epoch FROM " col ") * 1000000)::bigint"
#define PX__SQL_ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define PX__SQL_ISO0(col) "coalesce(" PX__SQL_ISO(col) ", '')"
/* An EPCIS event's time as its documents write it and its hash ID takes it: whole milliseconds,
 * half-up (CBV 2.0 §8.9 rule 9, epcis__time_ms), where PX__SQL_ISO cuts them. */
#define PX__SQL_ISO_EVENT(col) PX__SQL_ISO("(" col " + interval '500 microseconds')")

/* A pack's state and reason as both verifications read them (serial alias s, its batch row
 * b joined as PX__SQL_PACK_BATCH_JOIN): a pack of a recalled or withdrawn batch (migration 0220)
 * that is commissioned or released reads as decommissioned with the batch's reason. The recall
 * is a batch-level status (DOMAIN.md "Decommissioning & statuses": batch/product level
 * Recalled, Withdrawn), so no scan of such a pack is answered genuine, whatever its own row
 * says. */
#define PX__SQL_PACK_RECALLED                                                                      \
    "(b.recall_reason IS NOT NULL AND s.state IN ('commissioned', 'released'))"
#define PX__SQL_PACK_STATE                                                                         \
    "CASE WHEN " PX__SQL_PACK_RECALLED                                                             \
    " THEN 'decommissioned' ELSE s.state END, CASE WHEN " PX__SQL_PACK_RECALLED                    \
    " THEN b.recall_reason ELSE coalesce(s.reason, '') END"
#define PX__SQL_PACK_BATCH_JOIN " LEFT JOIN batch b ON b.gtin = s.gtin AND b.batch = s.batch"
/* A month `p` of audit_log as the chains with entries in it, each with its last seq there
 * (e.chain, e.s; one row with chain NULL when it holds entries of the old single chain), and the
 * condition that checkpoint row `c` is a cut covering them all: a cut at or after a chain's last
 * entry covers its earlier ones (docs/audit.md "Cuts"). The rule a month of audit_log leaves by
 * (partition_store.c) and the cuts its detach checks (audit.c). The chains are found by a skip
 * scan of the month's (chain, seq) index, two probes per chain, not by grouping every entry: the
 * detach judges under a lock that holds every audited write back (32-53 ms against 1.9-2.0 s for
 * 4,000,000 entries of 500 chains, load 11). */
#define PX__AUDIT_MONTH_CHAINS(p)                                                                  \
    "(WITH RECURSIVE c(chain) AS ((SELECT chain FROM " p " WHERE chain IS NOT NULL ORDER BY "      \
    "chain LIMIT 1) UNION ALL SELECT (SELECT n.chain FROM " p " n WHERE n.chain > c.chain ORDER "  \
    "BY n.chain LIMIT 1) FROM c WHERE c.chain IS NOT NULL) SELECT c.chain, (SELECT max(m.seq) "    \
    "FROM " p " m WHERE m.chain = c.chain) AS s FROM c WHERE c.chain IS NOT NULL UNION ALL "       \
    "SELECT NULL, NULL WHERE EXISTS (SELECT 1 FROM " p " n WHERE n.chain IS NULL)) e"
#define PX__AUDIT_CUT_COVERS(c) c ".cut AND " c ".chain = e.chain AND " c ".seq >= e.s"
/* Appends sql to b with each {p} replaced by name, a month's name px_partition_table_of admits
 * (partition_store.c), qualified sandbox.<month> for one of the sandbox's: only such a name, or
 * one the catalog lists, is pasted into SQL. */
void px__sql_month(px_buf *b, const char *sql, const char *name);
/* The outbox's one rule after a send attempt with outcome o (reports and webhook deliveries,
 * docs/architecture.md "Background work"): delivered and dead are final, any other outcome
 * queues the row again; a row is due (or its lease ends) ms milliseconds from now. */
#define PX__SQL_STATE_AFTER(o)                                                                     \
    "CASE " o " WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'queued' END"
#define PX__SQL_DELIVERED_AT(o) "CASE " o " WHEN 'delivered' THEN clock_timestamp() END"
/* Whether attempt n's outcome o still moves its row (the row's own columns state and
 * attempts): while n is its latest attempt and still sending; a late "delivered" also while
 * the row is not finished (the receiver has it: never sent again nor declared dead). Another
 * late outcome stays with its attempt only (docs/delivery.md "A sender that stalls past its
 * lease"). */
#define PX__SQL_ATTEMPT_MOVES_ROW(n, o)                                                            \
    "((state = 'sending' AND attempts = " n "::int) OR (" o " = 'delivered' AND state IN "         \
    "('queued', 'sending')))"
/* The CTE that ends attempt $2 of row $1 in attempt table t (key: its column naming the row),
 * with px__end_attempt's parameters: the attempt's row always gets its outcome. */
#define PX__SQL_END_ATTEMPT_ROW(t, key)                                                            \
    "WITH a AS (UPDATE " t " SET finished_at = clock_timestamp(), http_status = $3::int, "         \
    "outcome = $4, error = $5 WHERE " key " = $1::uuid AND n = $2::int) "
#define PX__SQL_MS_FROM_NOW(ms) "clock_timestamp() + " ms "::bigint * interval '1 millisecond'"
/* An outbox TABLE's queued rows of one receiver (KEY = $1) put off to $2 ms from now at the
 * earliest, none brought forward: the receiver did not answer (px__delivery_receiver_down). */
/* clang-format off */
#define PX__SQL_PAUSE_RECEIVER(TABLE, KEY)                                                         \
    "WITH t AS (SELECT " PX__SQL_MS_FROM_NOW("$2") " AS at) UPDATE " TABLE " d SET "               \
    "next_attempt_at = t.at FROM t WHERE d." KEY " = $1::uuid AND d.state = 'queued' AND "         \
    "d.next_attempt_at < t.at"
/* clang-format on */
/* px__end_attempt's whole statement for outbox TABLE and its attempt table ATTEMPTS (KEY: its
 * column naming the outbox row): the attempt's row ends (PX__SQL_END_ATTEMPT_ROW); the outbox row,
 * while the attempt still moves it (PX__SQL_ATTEMPT_MOVES_ROW), takes the outbox's rule (its
 * state, delivered_at, next try after $6 ms) and SETS, the table's own columns of an outcome
 * ("col = expr, " each). Reports and webhook deliveries end an attempt alike but for SETS. */
/* clang-format off */
#define PX__SQL_END_ATTEMPT(ATTEMPTS, KEY, TABLE, SETS)                                            \
    PX__SQL_END_ATTEMPT_ROW(ATTEMPTS, KEY)                                                         \
    "UPDATE " TABLE " SET state = " PX__SQL_STATE_AFTER("$4") ", " SETS                            \
    "delivered_at = " PX__SQL_DELIVERED_AT("$4") ", "                                              \
    "next_attempt_at = " PX__SQL_MS_FROM_NOW("$6") " "                                             \
    "WHERE id = $1::uuid AND " PX__SQL_ATTEMPT_MOVES_ROW("$2", "$4") " RETURNING 1"
/* clang-format on */
/* "YYYY-MM-DD HH:MM:SS.ffffff+00" of µs since the epoch: a timestamptz in COPY text. */
void px__copy_ts(char out[40], int64_t us);
/* pg_lsn's text form "X/Y" as a 64-bit position (replica.c); -1 when malformed. */
int px__lsn_parse(const char *s, uint64_t *out);

/* Embedded migrations generated by the build from migrations/NNNN_name.sql. */
typedef struct {
    const char *name;
    const char *sql;
} px__migration;
extern const px__migration px__migrations[];
extern const int px__migration_count;

#endif
