/* Regulator endpoints, the report outbox, delivery attempts, and streaming EPCIS event reads
 * (migrations/0005_reports.sql, docs/delivery.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_buf.h"
#include "px_crypto.h"
#include "px_str.h"
#include "report_store.h"
#include "store_internal.h"

#define TS(col) PX__SQL_ISO(col)

/* ---- endpoints ------------------------------------------------------------------------ */

#define ENDPOINT_COLS                                                                        \
    "id, tenant_id, market, url, coalesce(receiver_gln, ''), auth_header IS NOT NULL, "      \
    "hmac_secret IS NOT NULL, active, " TS("created_at") ", format"

static void endpoint_row(px_endpoint *e, const PGresult *r, int i)
{
    memset(e, 0, sizeof(*e));
    px__texts(r, i, 0, PX__TEXT(e->id), PX__TEXT(e->tenant_id), PX__TEXT(e->market),
              PX__TEXT(e->url), PX__TEXT(e->receiver_gln), NULL);
    e->has_auth_header = px__val(r, i, 5)[0] == 't';
    e->has_hmac_secret = px__val(r, i, 6)[0] == 't';
    e->active = px__val(r, i, 7)[0] == 't';
    px_strlcpy(e->created_at, px__val(r, i, 8), sizeof(e->created_at));
    px_strlcpy(e->format, px__val(r, i, 9), sizeof(e->format));
}

px_rc px_store_endpoint_insert(px_db *db, px_endpoint *e, const char *auth_header,
                               const char *hmac_secret, px_err *err)
{
    PGresult *r =
        px__exec(db,
                 "INSERT INTO regulator_endpoint (tenant_id, market, url, auth_header, "
                 "hmac_secret, receiver_gln, format) VALUES ($1, $2, $3, $4, $5, $6, "
                 "coalesce($7, 'epcis-1.2-xml')) "
                 "RETURNING " ENDPOINT_COLS,
                 PX__ARGS(e->tenant_id, e->market, e->url, px__nz(auth_header), px__nz(hmac_secret),
                          px__nz(e->receiver_gln), px__nz(e->format)),
                 err);
    return PX__INSERTED(r, err, endpoint_row, e);
}

px_rc px_store_endpoint_each(px_db *db, const char *tenant_id, const char *market,
                             int active_only, px_endpoint_fn fn, void *ctx, px_err *err)
{
    const char *p[] = {tenant_id, market, active_only ? "t" : "f"};
    /* The active endpoints a writing transaction queues reports for are held until COMMIT (the
     * tenant's endpoints lock, shared): a change of one (px_store_endpoint_get) waits for it,
     * and the read below, a statement of its own, sees a change that committed while this
     * waited, so no report is queued for an endpoint switched off before. */
    if (active_only && px_db_in_tx(db) && db->tx_writes) {
        px_rc rc = px__exec_cmd(
            db, "SELECT pg_advisory_xact_lock_shared(" PX__LOCK_ENDPOINTS ", hashtext($1::text))",
            1, p, err);
        if (rc != PX_OK)
            return rc;
    }
    PGresult *r = px__exec(db,
                           "SELECT " ENDPOINT_COLS " FROM regulator_endpoint WHERE tenant_id = "
                           "$1::uuid AND ($2::text IS NULL OR market = $2) AND (NOT $3::boolean "
                           "OR active) ORDER BY created_at, id",
                           3, p, err);
    PX__RETURN_EACH_ROW(r, err, px_endpoint, endpoint_row, fn, ctx);
}

/* A released pack (serial row s) whose market's reports may still be needed: not decommissioned
 * for one of the final reasons (the text[] parameter reasons). */
#define STILL_OPEN(reasons)                                                                        \
    "s.released_at IS NOT NULL AND (s.state <> 'decommissioned' OR s.reason <> ALL(" reasons       \
    "::text[]))"

px_rc px_store_market_left_open(px_db *db, const char *tenant_id, const char *market,
                                const char *endpoint_id, const char *const *final_reasons, size_t n,
                                int *found, char gtin[15], char batch[21], px_err *err)
{
    *found = 0;
    px_buf b;
    const char *reasons = px__text_array(&b, final_reasons, n, "reasons", err);
    if (!reasons)
        return err->rc;
    PGresult *r = px__exec(
        db,
        "SELECT mr.gtin, mr.batch FROM market_release mr WHERE mr.tenant_id = $1::uuid AND "
        "mr.market = $2 AND NOT EXISTS (SELECT 1 FROM regulator_endpoint e WHERE e.tenant_id = "
        "$1::uuid AND e.market = $2 AND e.active AND e.id <> $3::uuid) AND EXISTS (SELECT 1 FROM "
        "serial s WHERE s.gtin = mr.gtin AND s.batch = mr.batch AND s.market = $2 AND " STILL_OPEN(
            "$4") ") LIMIT 1",
        PX__ARGS(tenant_id, market, endpoint_id, reasons), err);
    px_buf_dispose(&b);
    if (!r)
        return err->rc;
    if (PQntuples(r) == 1) {
        *found = 1;
        px_strlcpy(gtin, px__val(r, 0, 0), 15);
        px_strlcpy(batch, px__val(r, 0, 1), 21);
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_open_release_markets(px_db *db, const char *tenant_id,
                                    const char *const *final_reasons, size_t n,
                                    int (*fn)(void *ctx, const char *gtin, int prefix_len,
                                              const char *market),
                                    void *ctx, px_err *err)
{
    px_buf b;
    const char *reasons = px__text_array(&b, final_reasons, n, "reasons", err);
    if (!reasons)
        return err->rc;
    /* As px_store_market_left_open: the releases lead to the batches whose packs are read. */
    PGresult *r = px__exec(
        db,
        "SELECT DISTINCT mr.gtin, p.company_prefix_length, mr.market FROM market_release mr "
        "JOIN product p ON p.gtin = mr.gtin WHERE mr.tenant_id = $1::uuid AND EXISTS (SELECT 1 "
        "FROM serial s WHERE s.gtin = mr.gtin AND s.batch = mr.batch AND s.market = mr.market "
        "AND " STILL_OPEN("$2") ") ORDER BY mr.gtin, mr.market",
        PX__ARGS(tenant_id, reasons), err);
    px_buf_dispose(&b);
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(ctx, px__val(r, i, 0), (int)strtol(px__val(r, i, 1), NULL, 10), px__val(r, i, 2)))
            break;
    PQclear(r);
    return PX_OK;
}

/* The one endpoint row of r (cleared) into out; none is PX_ENOTFOUND "not_found" (another
 * tenant's endpoint answers like a missing one). */
static px_rc endpoint_one(px_endpoint *out, PGresult *r, px_err *err)
{
    return PX__ONE_ROW(r, err, endpoint_row, out, "not_found", "regulator endpoint not found");
}

px_rc px_store_endpoint_get(px_db *db, px_endpoint *out, const char *id, const char *tenant_id,
                            px_err *err)
{
    /* A change of an endpoint waits for the tenant's writes that are queueing reports (and
     * those that start later wait for it): the tenant's endpoints lock, exclusive. */
    px_rc rc =
        px__exec_cmd(db, "SELECT pg_advisory_xact_lock(" PX__LOCK_ENDPOINTS ", hashtext($1::text))",
                     PX__ARGS(tenant_id), err);
    if (rc != PX_OK)
        return rc;
    /* ids come from outside: a malformed uuid is simply not found (no SQL error). */
    PGresult *r =
        px__exec(db,
                 "SELECT " ENDPOINT_COLS " FROM regulator_endpoint WHERE id::text = lower($1) "
                 "AND tenant_id = $2::uuid FOR UPDATE",
                 PX__ARGS(id, tenant_id), err);
    return endpoint_one(out, r, err);
}

px_rc px_store_endpoint_update(px_db *db, px_endpoint *e, int set_auth, const char *auth_header,
                               const char *hmac_secret, px_err *err)
{
    PGresult *r = px__exec(db,
                           "UPDATE regulator_endpoint SET url = $2, auth_header = CASE WHEN "
                           "$3::boolean THEN $4 ELSE auth_header END, hmac_secret = "
                           "coalesce($5, hmac_secret), active = $6::boolean, "
                           "format = coalesce($7, format) WHERE id = $1::uuid "
                           "RETURNING " ENDPOINT_COLS,
                           PX__ARGS(e->id, e->url, set_auth ? "t" : "f", px__nz(auth_header),
                                    px__nz(hmac_secret), e->active ? "t" : "f", px__nz(e->format)),
                           err);
    return endpoint_one(e, r, err);
}

/* ---- reports ---------------------------------------------------------------------------- */

/* The report's columns, REPORT_NCOLS of them (report_row reads them in this order). */
/* clang-format off */
#define REPORT_COLS \
    "r.id, r.tenant_id, r.endpoint_id, r.market, coalesce(r.release_id::text, ''), r.gtin, " \
    "coalesce(r.batch, ''), r.document_id, r.state, r.attempts, r.max_attempts, " \
    "coalesce(r.last_error, ''), " TS("r.next_attempt_at") ", " TS("r.created_at") ", " \
    "coalesce(" TS("r.delivered_at") ", ''), r.document IS NOT NULL, " \
    "coalesce(octet_length(r.document), 0), coalesce(r.document_sha256, ''), " \
    "coalesce(r.event_count, 0), coalesce(r.op_id::text, ''), coalesce(r.retry_of::text, ''), " \
    "coalesce(r.master_version, 0), " \
    "coalesce((SELECT x.id::text FROM report x WHERE x.retry_of = r.id), '') AS retried_by"
/* clang-format on */
#define REPORT_NCOLS 23

static void report_row(px_report *o, const PGresult *r, int i)
{
    memset(o, 0, sizeof(*o));
    px__texts(r, i, 0, PX__TEXT(o->id), PX__TEXT(o->tenant_id), PX__TEXT(o->endpoint_id),
              PX__TEXT(o->market), PX__TEXT(o->release_id), PX__TEXT(o->gtin), PX__TEXT(o->batch),
              PX__TEXT(o->document_id), PX__TEXT(o->state), NULL);
    o->attempts = (int)strtol(px__val(r, i, 9), NULL, 10);
    o->max_attempts = (int)strtol(px__val(r, i, 10), NULL, 10);
    px__texts(r, i, 11, PX__TEXT(o->last_error), PX__TEXT(o->next_attempt_at),
              PX__TEXT(o->created_at), PX__TEXT(o->delivered_at), NULL);
    o->has_document = px__val(r, i, 15)[0] == 't';
    o->document_len = strtoll(px__val(r, i, 16), NULL, 10);
    px_strlcpy(o->document_sha256, px__val(r, i, 17), sizeof(o->document_sha256));
    o->event_count = (int)strtol(px__val(r, i, 18), NULL, 10);
    px_strlcpy(o->op_id, px__val(r, i, 19), sizeof(o->op_id));
    px_strlcpy(o->retry_of, px__val(r, i, 20), sizeof(o->retry_of));
    o->master_version = (int)strtol(px__val(r, i, 21), NULL, 10);
    px_strlcpy(o->retried_by, px__val(r, i, 22), sizeof(o->retried_by));
}

px_rc px_store_report_insert(px_db *db, px_report *rep, px_err *err)
{
    PGresult *r =
        px__exec(db,
                 "INSERT INTO report AS r (id, tenant_id, endpoint_id, market, "
                 "release_id, gtin, batch, document_id, max_attempts, op_id, "
                 "retry_of, master_version) VALUES "
                 "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::integer) "
                 "RETURNING " REPORT_COLS,
                 PX__ARGS(rep->id, rep->tenant_id, rep->endpoint_id, rep->market,
                          px__nz(rep->release_id), rep->gtin, px__nz(rep->batch), rep->document_id,
                          PX__INT(rep->max_attempts), px__nz(rep->op_id), px__nz(rep->retry_of),
                          rep->master_version ? PX__INT(rep->master_version) : NULL),
                 err);
    return PX__INSERTED(r, err, report_row, rep);
}

/* Scope: tenant ($2) or market ($3); the caller passes exactly the one its role allows. */
#define SCOPE_WHERE                                                                          \
    " WHERE r.id = $1::uuid AND ($2::text IS NULL OR r.tenant_id = $2::uuid) "               \
    "AND ($3::text IS NULL OR r.market = $3)"

px_rc px_store_report_get(px_db *db, px_report *out, const char *id, const char *tenant_id,
                          const char *market, px_err *err)
{
    PGresult *r = px__exec(db, "SELECT " REPORT_COLS " FROM report r" SCOPE_WHERE,
                           PX__ARGS(id, px__nz(tenant_id), px__nz(market)), err);
    return PX__ONE_ROW(r, err, report_row, out, "not_found", "no report %s", id);
}

px_rc px_store_report_retried_by(px_db *db, char out[PX_ID_LEN + 1], const char *id,
                                 px_err *err)
{
    return px__exec_text(db, "SELECT id FROM report WHERE retry_of = $1::uuid", PX__ARGS(id), out,
                         PX_ID_LEN + 1, NULL, err);
}

px_rc px_store_report_document(px_db *db, char **doc, size_t *len, const char *id,
                               const char *tenant_id, const char *market, px_err *err)
{
    *doc = NULL;
    *len = 0;
    PGresult *r = px__exec(db, "SELECT r.document FROM report r" SCOPE_WHERE,
                           PX__ARGS(id, px__nz(tenant_id), px__nz(market)), err);
    px_rc rc = px__one(r, err, "not_found", "no report %s", id);
    if (rc == PX_OK && !px__isnull(r, 0, 0)) {
        size_t n = (size_t)PQgetlength(r, 0, 0);
        *doc = malloc(n + 1);
        if (!*doc) {
            rc = px_err_oom(err);
        } else {
            memcpy(*doc, px__val(r, 0, 0), n);
            (*doc)[n] = '\0';
            *len = n;
        }
    }
    PQclear(r);
    return rc;
}

static void attempt_row(px_report_attempt *a, const PGresult *r, int i)
{
    memset(a, 0, sizeof(*a));
    a->n = (int)strtol(px__val(r, i, 0), NULL, 10);
    px__texts(r, i, 1, PX__TEXT(a->started_at), PX__TEXT(a->finished_at), NULL);
    a->http_status = (int)strtol(px__val(r, i, 3), NULL, 10);
    px__texts(r, i, 4, PX__TEXT(a->outcome), PX__TEXT(a->error), NULL);
}

px_rc px_store_report_attempts_each(px_db *db, const char *report_id, px_report_attempt_fn fn,
                                    void *ctx, px_err *err)
{
    /* clang-format off */
    PGresult *r = px__exec(db,
                           "SELECT n, " TS("started_at") ", coalesce(" TS("finished_at")
                           ", ''), coalesce(http_status, 0), coalesce(outcome, ''), "
                           "coalesce(error, '') FROM report_attempt WHERE report_id = $1::uuid "
                           "ORDER BY n",
                           PX__ARGS(report_id), err);
    /* clang-format on */
    PX__RETURN_EACH_ROW(r, err, px_report_attempt, attempt_row, fn, ctx);
}

void px_report_job_dispose(px_report_job *j)
{
    if (!j)
        return;
    px_secret_free(j->auth_header);
    px_secret_free(j->hmac_secret);
    free(j->document);
    memset(j, 0, sizeof(*j));
}

px_rc px_store_report_claim(px_db *db, px_report_job *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    /* SKIP LOCKED: several packid processes share the outbox without sending a report twice
     * at the same time (docs/architecture.md "Background work"). A 'sending' row is due again
     * only when its lease (next_attempt_at) ran out: its sender crashed between send and
     * mark-sent. */
    PGresult *r = px__exec_cached(
        db, PX__Q_REPORT_CLAIM,
        "SELECT " REPORT_COLS ", e.url, coalesce(e.receiver_gln, ''), e.auth_header, "
        "e.hmac_secret, r.document FROM report r JOIN regulator_endpoint e "
        "ON e.id = r.endpoint_id WHERE r.state IN ('queued', 'sending') "
        "AND r.next_attempt_at <= now() ORDER BY r.next_attempt_at LIMIT 1 "
        "FOR UPDATE OF r SKIP LOCKED",
        0, NULL, err);
    if (!r)
        return err->rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PX_ENOTFOUND;
    }
    report_row(&out->r, r, 0);
    px_strlcpy(out->url, px__val(r, 0, REPORT_NCOLS), sizeof(out->url));
    px_strlcpy(out->receiver_gln, px__val(r, 0, REPORT_NCOLS + 1), sizeof(out->receiver_gln));
    /* A secret that failed to copy must not read as none: the report would go unsigned. */
    px_rc rc = px__dup_col(&out->auth_header, r, 0, REPORT_NCOLS + 2, err);
    if (rc == PX_OK)
        rc = px__dup_col(&out->hmac_secret, r, 0, REPORT_NCOLS + 3, err);
    if (rc == PX_OK && !px__isnull(r, 0, REPORT_NCOLS + 4)) {
        size_t n = (size_t)PQgetlength(r, 0, REPORT_NCOLS + 4);
        out->document = malloc(n + 1);
        if (out->document) {
            memcpy(out->document, px__val(r, 0, REPORT_NCOLS + 4), n);
            out->document[n] = '\0';
            out->document_len = n;
        } else {
            rc = px_err_oom(err);
        }
    }
    PQclear(r);
    if (rc != PX_OK)
        px_report_job_dispose(out);
    return rc;
}

px_rc px_store_report_set_document(px_db *db, const char *id, const char *doc, size_t len,
                                   const char *sha256_hex, int event_count, px_err *err)
{
    (void)len; /* text parameter: NUL-terminated, XML never contains NUL */
    return px__exec_cmd(db,
                        "UPDATE report SET document = $2, document_sha256 = $3, event_count = $4 "
                        "WHERE id = $1::uuid AND document IS NULL",
                        PX__ARGS(id, doc, sha256_hex, PX__INT(event_count)), err);
}

px_rc px_store_report_begin_attempt(px_db *db, const char *id, long lease_ms, int *n,
                                    px_err *err)
{
    long long attempts = 0;
    if (px__exec_number(db,
                        "UPDATE report SET state = 'sending', attempts = attempts + 1, "
                        "next_attempt_at = " PX__SQL_MS_FROM_NOW("$2") " WHERE id = $1::uuid "
                                                                       "RETURNING attempts",
                        PX__ARGS(id, PX__INT(lease_ms)), &attempts, err) != PX_OK)
        return err->rc;
    *n = (int)attempts;
    return px__exec_cmd(db,
                        "INSERT INTO report_attempt (report_id, n, started_at) VALUES "
                        "($1::uuid, $2::int, clock_timestamp())",
                        PX__ARGS(id, PX__INT(*n)), err);
}

px_rc px_store_report_pause(px_db *db, const char *endpoint_id, long retry_ms, px_err *err)
{
    return px__exec_cmd(db, PX__SQL_PAUSE_RECEIVER("report", "endpoint_id"),
                        PX__ARGS(endpoint_id, PX__INT(retry_ms)), err);
}

px_rc px_store_report_end_attempt(px_db *db, const char *id, int n, int http_status,
                                  const char *outcome, const char *error, long retry_ms,
                                  int *current, px_err *err)
{
    /* The attempt's own row always gets its outcome (what happened to that POST); the report
     * only while attempt n is its latest and still sending: a sender that stalled past its
     * lease (docs/delivery.md) may answer after another sender claimed the report again, and
     * its late outcome must not undo the newer one (a delivered report queued again, or a
     * false report.dead). A late "delivered" still counts while the report is not finished:
     * the receiver has the document, whatever the newer attempts meet. */
    return px__end_attempt(
        db,
        PX__SQL_END_ATTEMPT("report_attempt", "report_id", "report",
                            "last_error = CASE $4 WHEN 'delivered' THEN NULL ELSE $5 END, "),
        id, n, http_status, outcome, px__nz(error), retry_ms, current, err);
}

px_rc px_store_report_fail(px_db *db, const char *id, const char *error, px_err *err)
{
    return px__exec_cmd(db,
                        "UPDATE report SET state = 'failed', last_error = $2 WHERE id = $1::uuid",
                        PX__ARGS(id, error), err);
}

/* ---- releases ------------------------------------------------------------------------- */

px_rc px_store_release_info(px_db *db, px_release_info *out, const char *release_id,
                            px_err *err)
{
    memset(out, 0, sizeof(*out));
    PGresult *r = px__exec(db,
                           "SELECT id, tenant_id, gtin, batch, market FROM market_release "
                           "WHERE id = $1::uuid",
                           PX__ARGS(release_id), err);
    px_rc rc = px__one(r, err, "not_found", "no release %s", release_id);
    if (rc == PX_OK) {
        px__texts(r, 0, 0, PX__TEXT(out->id), PX__TEXT(out->tenant_id), PX__TEXT(out->gtin),
                  PX__TEXT(out->batch), PX__TEXT(out->market), NULL);
    }
    PQclear(r);
    return rc;
}

px_rc px_store_release_set_report(px_db *db, const char *release_id, const char *report_id,
                                  px_err *err)
{
    return px__exec_cmd(db, "UPDATE market_release SET report_id = $2::uuid WHERE id = $1::uuid",
                        PX__ARGS(release_id, report_id), err);
}

/* ---- EPCIS events --------------------------------------------------------------------- */

/* Rows per chunk, and EPCs per chunk: a chunk ends after the event that passes the EPC
 * budget, so one chunk holds at most ~EPC_BUDGET serials plus one event's. */
#define EVENT_CHUNK 1000
#define EPC_BUDGET 200000

typedef struct {
    px_buf sql;
    const char *params[96]; /* every filter field at once, on both tables, needs 45 */
    int n;
    int full;         /* a parameter found no slot: qb_run refuses the statement */
    char num[16][24]; /* the times' parameter text (qb_time) */
    int n_num;
} qb;

/* Takes value as the next parameter: its number N ($N). */
static int qb_add(qb *q, const char *value)
{
    if (q->n == (int)(sizeof(q->params) / sizeof(q->params[0]))) {
        q->full = 1;
        return q->n;
    }
    q->params[q->n++] = value;
    return q->n;
}

/* Appends before, "$N", after, with value as parameter N. */
static void qb_param(qb *q, const char *before, const char *after, const char *value)
{
    px_buf_printf(&q->sql, "%s$%d%s", before, qb_add(q, value), after);
}

/* column is one of the pipe-delimited values v, when v is given: the EPCIS 2.0 REST query's
 * lists (the EPCIS 2.0 REST bindings). */
static void qb_pipe_list(qb *q, const char *column, const char *v)
{
    if (!v)
        return;
    char before[64];
    snprintf(before, sizeof(before), " AND %s = ANY(string_to_array(", column);
    qb_param(q, before, ", '|'))", v);
}

/* column op the time us (µs since the epoch, exact: no float). */
static void qb_time(qb *q, const char *column, const char *op, int64_t us)
{
    char before[64], *text = q->num[q->n_num];
    if (q->n_num + 1 < (int)(sizeof(q->num) / sizeof(q->num[0])))
        q->n_num++;
    else
        q->full = 1;
    snprintf(text, sizeof(q->num[0]), "%lld", (long long)us);
    snprintf(before, sizeof(before), " AND %s %s 'epoch'::timestamptz + ", column, op);
    qb_param(q, before, "::bigint * interval '1 microsecond'", text);
}

static void filter_common(qb *q, const px_epcis_filter *f);

/* The events a filter selects (alias e). */
static void filter_where(qb *q, const px_epcis_filter *f)
{
    if (f->market) {
        /* A regulator sees the events carrying its market (its releases, the status changes
         * and batch recalls of packs released to it) and the whole-batch events of the
         * batches released to it, which carry no market but the batch as their lot (their
         * commissioning; a batch recall stored as one event of the whole batch, as rows
         * recall.c wrote before it split a recall by market are); never an event that
         * carries another market, nor the event of packs never released that a status
         * change or a batch recall records beside its markets' (without a market or a lot:
         * pack_ops.c, recall.c). */
        int m = qb_add(q, f->market);
        px_buf_printf(&q->sql,
                      " AND (e.market = $%d OR (e.market IS NULL AND e.op IN ('commission', "
                      "'recall') AND EXISTS (SELECT 1 FROM market_release mr WHERE mr.gtin = "
                      "e.gtin AND mr.batch = e.lot AND mr.market = $%d)))",
                      m, m);
    }
    int gtin_param = 0; /* its $N, for the release's packs below */
    if (f->gtin) {
        qb_param(q, " AND e.gtin = ", "", f->gtin);
        gtin_param = q->n;
    }
    if (f->op_id)
        qb_param(q, " AND e.op_id = ", "::uuid", f->op_id);
    if (f->release_id) {
        /* The report of a release: the release's event and the commissioning events of the
         * batch that name a pack it released (EU FMD Art 33: the UI data of what is released;
         * DSCSA: the products the shipment carries). Not every commissioning of the batch: a
         * batch released in parts would send its whole commissioning again with each part.
         * With the GTIN given, one read of the batch's packs for all the events (a hashed
         * subplan). */
        char gtin_ref[16] = "e.gtin";
        if (gtin_param)
            snprintf(gtin_ref, sizeof(gtin_ref), "$%d", gtin_param);
        int lot = qb_add(q, f->lot ? f->lot : ""), rel = qb_add(q, f->release_id);
        px_buf_printf(&q->sql,
                      " AND ((e.op = 'commission' AND e.lot = $%d AND e.commission_id IN "
                      "(SELECT s.commission_id FROM serial s WHERE s.gtin = %s AND "
                      "s.batch = $%d AND s.release_id = $%d::uuid)) "
                      "OR (e.op = 'release' AND e.release_id = $%d::uuid))",
                      lot, gtin_ref, lot, rel, rel);
    } else if (f->lot) {
        qb_param(q, " AND e.lot = ", "", f->lot);
    }
    if (f->epc_serial) {
        int ser = qb_add(q, f->epc_serial);
        px_buf_printf(&q->sql,
                      " AND CASE e.serial_set WHEN 'list' THEN e.serials @> ARRAY[$%d::text] "
                      "ELSE EXISTS (SELECT 1 FROM serial s WHERE s.gtin = e.gtin AND "
                      "s.serial = $%d AND CASE e.serial_set WHEN 'commission' THEN "
                      "s.commission_id = e.commission_id ELSE s.release_id = e.release_id "
                      "END) END",
                      ser, ser);
    }
    if (f->epc_sscc)
        qb_param(q, " AND e.epcs && ", "::text[]", f->epc_uris);
    if (f->parent_uris || f->parent_prefixes)
        px_buf_puts(&q->sql, " AND false"); /* no event of this table has a parentID */
    filter_common(q, f);
}

/* The conditions on the columns both tables have (alias e): the tenant's first, so that
 * neither table's read can leave it out. */
static void filter_common(qb *q, const px_epcis_filter *f)
{
    if (f->tenant_id)
        qb_param(q, " AND e.tenant_id = ", "::uuid", f->tenant_id);
    if (f->biz_step)
        qb_param(q, " AND e.biz_step = ", "", f->biz_step);
    if (f->biz_location)
        qb_param(q, " AND e.biz_location = ", "", f->biz_location);
    if (f->has_ge)
        qb_time(q, "e.event_time", ">=", f->ge_time_us);
    if (f->has_lt)
        qb_time(q, "e.event_time", "<", f->lt_time_us);
    qb_pipe_list(q, "e.type", f->event_types);
    qb_pipe_list(q, "e.action", f->actions);
    qb_pipe_list(q, "e.biz_step", f->biz_steps);
    qb_pipe_list(q, "e.disposition", f->dispositions);
    qb_pipe_list(q, "e.read_point", f->read_points);
    qb_pipe_list(q, "e.biz_location", f->biz_locations);
    if (f->event_hash)
        qb_param(q, " AND e.event_hash = ", "", f->event_hash);
}

/* recordTime bounds (created_at): the reads of whole events only (a value collection lists
 * what was recorded whenever). */
static void filter_record_time(qb *q, const px_epcis_filter *f)
{
    if (f->has_ge_record)
        qb_time(q, "e.created_at", ">=", f->ge_record_us);
    if (f->has_lt_record)
        qb_time(q, "e.created_at", "<", f->lt_record_us);
}

/* Whether f selects container events (the AggregationEvents of container_event, migration
 * 0215) at all: an EPCIS query's, by its tenant, not a regulator's (a market's events are its
 * releases and their packs') and not a read by batch, operation or release (a container event
 * names none). A GTIN without the URIs it stands for cannot be matched there. */
static int takes_containers(const px_epcis_filter *f)
{
    return f->with_containers && !f->market && !f->release_id && !f->op_id && !f->lot &&
           (!f->gtin || f->epc_uris || f->epc_prefixes);
}

/* The container events f selects (alias e on container_event; takes_containers(f)). An EPC
 * matches a child (MATCH_epc: epcList and childEPCs, EPCIS 2.0 §8.2.7.1), or the parent too
 * (MATCH_anyEPC). */
static void filter_containers(qb *q, const px_epcis_filter *f)
{
    if (f->epc_uris) {
        int u = qb_add(q, f->epc_uris);
        px_buf_printf(&q->sql, " AND (e.epcs && $%d::text[]", u);
        if (f->epc_any)
            px_buf_printf(&q->sql, " OR e.parent_id = ANY($%d::text[])", u);
        px_buf_puts(&q->sql, ")");
    } else if (f->epc_prefixes) {
        int u = qb_add(q, f->epc_prefixes);
        px_buf_printf(&q->sql,
                      " AND (EXISTS (SELECT 1 FROM unnest(e.epcs) c(v) WHERE c.v LIKE "
                      "ANY($%d::text[]))",
                      u);
        if (f->epc_any)
            px_buf_printf(&q->sql, " OR e.parent_id LIKE ANY($%d::text[])", u);
        px_buf_puts(&q->sql, ")");
    }
    if (f->parent_uris)
        qb_param(q, " AND e.parent_id = ANY(", "::text[])", f->parent_uris);
    else if (f->parent_prefixes)
        qb_param(q, " AND e.parent_id LIKE ANY(", "::text[])", f->parent_prefixes);
    filter_common(q, f);
}

/* Runs q's statement and frees its text: the result, or NULL with err set. */
static PGresult *qb_run(px_db *db, qb *q, px_err *err)
{
    if (q->full) {
        px_buf_dispose(&q->sql);
        px_err_set(err, PX_EINTERNAL, "internal", "an event query needs more parameters");
        return NULL;
    }
    PGresult *r = q->sql.data ? px__exec(db, q->sql.data, q->n, q->params, err) : NULL;
    if (!q->sql.data)
        px_err_oom(err);
    px_buf_dispose(&q->sql);
    return r;
}

/* Splits s (len bytes) at GS (0x1D) in place into a vector (grown as needed). memchr over
 * what is left, not strchr: a checked strchr measures the whole rest of the string on every
 * call (ASan's strict_string_checks, which the tests run with), quadratic in an event of
 * 100,000 serials. */
static px_rc split_serials(char *s, size_t len, const char ***vec, size_t *cap, size_t *n)
{
    *n = 0;
    if (!len)
        return PX_OK;
    char *end = s + len;
    for (char *p = s;;) {
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            const char **nv = realloc(*vec, nc * sizeof(*nv));
            if (!nv)
                return PX_EINTERNAL;
            *vec = nv;
            *cap = nc;
        }
        (*vec)[(*n)++] = p;
        char *g = memchr(p, 0x1D, (size_t)(end - p));
        if (!g)
            break;
        *g = '\0';
        p = g + 1;
    }
    return PX_OK;
}

/* A statement over the events after seq `after` that f selects, of both tables (alias e),
 * with n as $2: head, then "(SELECT cols FROM epcis_event e WHERE e.seq > $1 …conditions…
 * ORDER BY e.seq LIMIT lim)", and, when f takes container events, " UNION ALL (SELECT ccols
 * FROM container_event e …)", then tail. The two tables draw seq from one sequence (migration
 * 0215): one keyset orders them. */
static PGresult *events_after(px_db *db, const px_epcis_filter *f, long long after, long long n,
                              const char *head, const char *cols, const char *ccols,
                              const char *lim, const char *tail, px_err *err)
{
    qb q = {0};
    px_buf_init(&q.sql, 16384);
    qb_add(&q, PX__INT(after)); /* $1 */
    qb_add(&q, PX__INT(n));     /* $2 */
    px_buf_printf(&q.sql, "%s(SELECT %s FROM epcis_event e WHERE e.seq > $1::bigint", head, cols);
    filter_where(&q, f);
    filter_record_time(&q, f);
    px_buf_printf(&q.sql, " ORDER BY e.seq LIMIT %s)", lim);
    if (takes_containers(f)) {
        px_buf_printf(&q.sql,
                      " UNION ALL (SELECT %s FROM container_event e WHERE e.seq > "
                      "$1::bigint",
                      ccols);
        filter_containers(&q, f);
        filter_record_time(&q, f);
        px_buf_printf(&q.sql, " ORDER BY e.seq LIMIT %s)", lim);
    }
    px_buf_puts(&q.sql, tail);
    return qb_run(db, &q, err);
}

/* One chunk of events after seq `after`: at most EVENT_CHUNK (or the filter's chunk_max)
 * events and about EPC_BUDGET EPCs ($2), each with its serials or EPCs joined by GS (column
 * 17). */
/* The serials of an event that names its packs by operation (migration 0004: a commission's
 * or a release's packs), one condition a subquery, so each reads its operation's index
 * (serial_commission, serial_release: migration 0203) instead of the whole batch. */
#define OP_PACKS(cond)                                                                             \
    "(SELECT string_agg(s.serial, chr(29) ORDER BY s.serial) FROM serial s WHERE " cond           \
    " AND s.gtin = e.gtin AND (e.lot IS NULL OR s.batch = e.lot))"

static PGresult *events_chunk(px_db *db, const px_epcis_filter *f, long long after, px_err *err)
{
    char lim[24], tail[3072];
    snprintf(lim, sizeof(lim), "%ld",
             f->chunk_max > 0 && f->chunk_max < EVENT_CHUNK ? f->chunk_max : (long)EVENT_CHUNK);
    /* clang-format off */
    int k = snprintf(
        tail, sizeof(tail),
        ") e ORDER BY e.seq LIMIT %s) x WHERE x.cum - x.epc_count < $2::bigint) "
        "SELECT e.seq, e.id, e.op, e.type, e.action, e.biz_step, "
        "coalesce(e.disposition, ''), "
        PX__SQL_EPOCH_US("e.event_time") ", e.tz_offset_min, e.gtin, "
        "e.gcp_len, coalesce(e.lot, ''), coalesce(e.expiry, ''), "
        "coalesce(e.read_point, ''), coalesce(e.biz_location, ''), "
        "coalesce(e.location_gln, ''), e.event_hash, "
        "coalesce(CASE WHEN e.epcs IS NOT NULL THEN array_to_string(e.epcs, chr(29)) "
        "WHEN e.serial_set = 'list' THEN array_to_string(e.serials, chr(29)) "
        "WHEN e.serial_set = 'commission' THEN " OP_PACKS("s.commission_id = e.commission_id")
        " ELSE " OP_PACKS("s.release_id = e.release_id") " END, ''), "
        "coalesce(e.source_party, ''), coalesce(e.source_location, ''), "
        "coalesce(e.dest_party, ''), coalesce(e.dest_location, ''), "
        "coalesce(e.biz_tx_type, ''), coalesce(e.biz_tx, ''), e.epcs IS NOT NULL, '', "
        PX__SQL_EPOCH_US("e.created_at") " FROM epcis_event e JOIN chunk USING (seq)",
        lim);
    /* A container event: an AggregationEvent (or a case's ObjectEvent) of packing, its EPCs
     * the children, its parentID the container (migration 0020). */
    if (takes_containers(f))
        snprintf(tail + k, sizeof(tail) - (size_t)k,
                 " UNION ALL SELECT e.seq, e.id, 'aggregation', e.type, e.action, e.biz_step, "
                 "coalesce(e.disposition, ''), "
                 PX__SQL_EPOCH_US("e.event_time") ", e.tz_offset_min, '', 0, '', '', "
                 "coalesce(e.read_point, ''), coalesce(e.biz_location, ''), '', e.event_hash, "
                 "array_to_string(e.epcs, chr(29)), '', '', '', '', '', '', true, "
                 "coalesce(e.parent_id, ''), " PX__SQL_EPOCH_US("e.created_at")
                 " FROM container_event e JOIN chunk USING (seq) "
                 "ORDER BY 1");
    else
        snprintf(tail + k, sizeof(tail) - (size_t)k, " ORDER BY 1");
    /* clang-format on */
    return events_after(db, f, after, EPC_BUDGET,
                        "WITH chunk AS (SELECT x.seq FROM (SELECT e.seq, e.epc_count, "
                        "sum(e.epc_count) OVER (ORDER BY e.seq) AS cum FROM (",
                        "e.seq, e.epc_count", "e.seq, cardinality(e.epcs) AS epc_count", lim, tail,
                        err);
}

/* The scalar columns of row i of events_chunk (borrowed from the result). */
static void event_row(px_epcis_row *ev, const PGresult *r, int i)
{
    memset(ev, 0, sizeof(*ev));
    ev->seq = strtoll(px__val(r, i, 0), NULL, 10);
    ev->id = px__val(r, i, 1);
    ev->op = px__val(r, i, 2);
    ev->type = px__val(r, i, 3);
    ev->action = px__val(r, i, 4);
    ev->biz_step = px__val(r, i, 5);
    ev->disposition = px__val(r, i, 6);
    ev->event_time_us = strtoll(px__val(r, i, 7), NULL, 10);
    ev->tz_offset_min = (int)strtol(px__val(r, i, 8), NULL, 10);
    ev->gtin = px__val(r, i, 9);
    ev->gcp_len = (int)strtol(px__val(r, i, 10), NULL, 10);
    ev->lot = px__val(r, i, 11);
    ev->expiry = px__val(r, i, 12);
    ev->read_point = px__val(r, i, 13);
    ev->biz_location = px__val(r, i, 14);
    ev->location_gln = px__val(r, i, 15);
    ev->event_hash = px__val(r, i, 16);
    ev->source_party = px__val(r, i, 18);
    ev->source_location = px__val(r, i, 19);
    ev->dest_party = px__val(r, i, 20);
    ev->dest_location = px__val(r, i, 21);
    ev->biz_tx_type = px__val(r, i, 22);
    ev->biz_tx = px__val(r, i, 23);
    ev->parent_id = px__val(r, i, 25);
    ev->record_time_us = strtoll(px__val(r, i, 26), NULL, 10);
}

/* The serials (or EPCs) of one event, split out of a private copy of column 17 (the result's
 * own storage must not be modified); the buffers are reused from row to row. */
typedef struct serial_scratch {
    const char **vec;
    size_t cap;
    char *buf;
    size_t buf_cap;
} serial_scratch;

static px_rc event_serials(px_epcis_row *ev, serial_scratch *sc, const PGresult *r, int i)
{
    size_t sl = (size_t)PQgetlength(r, i, 17), n = 0;
    if (sl + 1 > sc->buf_cap) {
        char *nb = realloc(sc->buf, sl + 1);
        if (!nb)
            return PX_EINTERNAL;
        sc->buf = nb;
        sc->buf_cap = sl + 1;
    }
    memcpy(sc->buf, px__val(r, i, 17), sl + 1);
    if (split_serials(sc->buf, sl, &sc->vec, &sc->cap, &n) != PX_OK)
        return PX_EINTERNAL;
    /* Migration 0090: the list holds EPC URIs in place of the packs. */
    if (px__val(r, i, 24)[0] == 't') {
        ev->epcs = sc->vec;
        ev->n_epcs = n;
    } else {
        ev->serials = sc->vec;
        ev->n_serials = n;
    }
    return PX_OK;
}

px_rc px_store_epcis_events_each(px_db *db, const px_epcis_filter *f, px_epcis_row_fn fn, void *ctx,
                                 px_err *err)
{
    long long after = f->after_seq > 0 ? f->after_seq : 0;
    serial_scratch sc = {0};
    px_rc rc = PX_OK;
    for (;;) {
        PGresult *r = events_chunk(db, f, after, err);
        if (!r) {
            rc = err->rc;
            break;
        }
        int rows = PQntuples(r);
        int stop = 0;
        for (int i = 0; i < rows && !stop; i++) {
            px_epcis_row ev;
            event_row(&ev, r, i);
            if (event_serials(&ev, &sc, r, i) != PX_OK) {
                rc = px_err_oom(err);
                stop = 1;
                break;
            }
            after = ev.seq;
            if (fn(ctx, &ev))
                stop = 1;
        }
        PQclear(r);
        if (stop || rows == 0 || f->chunk_max > 0)
            break;
    }
    free(sc.vec);
    free(sc.buf);
    return rc;
}

px_rc px_store_epcis_page_span(px_db *db, const px_epcis_filter *f, long per_page, long *count,
                               long long *last_seq, int *more, px_err *err)
{
    *count = 0;
    *last_seq = 0;
    *more = 0;
    /* One row past the page says whether another page follows; the window numbers the rows
     * as the index scan yields them, so the scan stops after per_page + 1. */
    PGresult *r = events_after(
        db, f, f->after_seq > 0 ? f->after_seq : 0, per_page,
        "SELECT count(*), coalesce(max(x.seq) FILTER (WHERE x.rn <= $2::bigint), 0) FROM "
        "(SELECT e.seq, row_number() OVER (ORDER BY e.seq) AS rn FROM (",
        "e.seq", "e.seq", "$2::bigint + 1", ") e ORDER BY e.seq LIMIT $2::bigint + 1) x", err);
    if (!r)
        return err->rc;
    long n = strtol(px__val(r, 0, 0), NULL, 10);
    *more = n > per_page;
    *count = n > per_page ? per_page : n;
    *last_seq = strtoll(px__val(r, 0, 1), NULL, 10);
    PQclear(r);
    return PX_OK;
}

/* Runs parts[0], a filter, parts[1], a filter, … parts[n_parts - 1], with $1..$3 = a, b, c
 * (the filters' parameters follow): filter i is filter_where(f) when tables[i] is 'e'
 * (epcis_event), filter_containers(f) when 'c' (container_event; nothing when f takes no
 * container events), so every subquery of alias e carries the visibility. Rows (columns ph,
 * k1, gcp, k2) go to fn until it asks to stop (*stop); *n counts them. */
static px_rc values_query(px_db *db, const px_epcis_filter *f, const char *const *parts,
                          size_t n_parts, const char *tables, const char *a, const char *b,
                          const char *c, px_epcis_value_fn fn, void *ctx, long *n, int *stop,
                          px_err *err)
{
    qb q = {0};
    px_buf_init(&q.sql, 16384);
    qb_add(&q, a);
    qb_add(&q, b);
    qb_add(&q, c);
    for (size_t i = 0; i < n_parts; i++) {
        px_buf_puts(&q.sql, parts[i]);
        if (i + 1 == n_parts)
            break;
        if (tables[i] == 'e')
            filter_where(&q, f);
        else if (takes_containers(f))
            filter_containers(&q, f);
        else
            px_buf_puts(&q.sql, " AND false");
    }
    PGresult *r = qb_run(db, &q, err);
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r) && !*stop; i++) {
        (*n)++;
        if (fn(ctx, (int)strtol(px__val(r, i, 0), NULL, 10), px__val(r, i, 1),
               (int)strtol(px__val(r, i, 2), NULL, 10), px__val(r, i, 3)))
            *stop = 1;
    }
    PQclear(r);
    return PX_OK;
}

/* REQ-EPCISREST-13: the values of the events a caller may see, distinct, keyset-paged on
 * (ph, k1, k2). The visibility is filter_where's, the same as every read of events, so a
 * collection lists no value of an event the caller could not query.
 *
 * Packs are walked in the serial table's key order (gtin, serial), one visible GTIN at a
 * time, each pack kept when a visible event names it (its commission's or release's event,
 * by their indexes, or an event listing it, by the GIN index): a page costs its own packs'
 * probes, not every visible pack (measured in docs/epcis.md "Browse resources": a DISTINCT
 * over the join took seconds a page at 200,000 packs). Read points and business locations
 * are few per tenant: a DISTINCT over the visible events. */
px_rc px_store_epcis_values(px_db *db, const px_epcis_filter *f, px_epcis_value_kind kind,
                            int after_ph, const char *after_k1, const char *after_k2, long limit,
                            px_epcis_value_fn fn, void *ctx, px_err *err)
{
    char lim[24];
    long n = 0;
    int stop = 0;
    px_rc rc = PX_OK;
    if (kind != PX_EPCIS_VALUES_EPC) {
        const char *col = kind == PX_EPCIS_VALUES_READ_POINT ? "read_point" : "biz_location";
        char head[256], mid[256];
        snprintf(lim, sizeof(lim), "%ld", limit);
        snprintf(head, sizeof(head),
                 "SELECT DISTINCT 0, '', 0, e.%s FROM epcis_event e WHERE $1::int = 0 AND "
                 "e.%s > $2::text",
                 col, col);
        snprintf(mid, sizeof(mid),
                 " UNION SELECT 0, '', 0, e.%s FROM container_event e WHERE $1::int = 0 AND "
                 "e.%s > $2::text",
                 col, col);
        const char *parts[] = {head, mid, " ORDER BY 4 LIMIT $3::bigint"};
        return values_query(db, f, parts, 3, "ec", after_ph == 0 ? "0" : "1", after_k2, lim, fn,
                            ctx, &n, &stop, err);
    }
    if (after_ph == 0) {
        /* The visible GTINs from the key's on: few (a tenant's products), from the
         * (gtin, lot, seq) index. */
        qb q = {0};
        px_buf_init(&q.sql, 4096);
        qb_add(&q, after_k1);
        px_buf_puts(&q.sql, "SELECT DISTINCT e.gtin::text FROM epcis_event e WHERE "
                            "e.gtin >= $1::text");
        filter_where(&q, f);
        px_buf_puts(&q.sql, " ORDER BY 1");
        PGresult *g = qb_run(db, &q, err);
        if (!g)
            return err->rc;
        static const char *const parts[] = {
            "SELECT 0, s.gtin::text, v.gcp_len, s.serial FROM serial s CROSS JOIN LATERAL ("
            "SELECT e.gcp_len FROM epcis_event e WHERE e.gtin = s.gtin AND e.epcs IS NULL AND "
            "e.serial_set = 'commission' AND e.commission_id = s.commission_id",
            " UNION ALL SELECT e.gcp_len FROM epcis_event e WHERE e.gtin = s.gtin AND "
            "e.epcs IS NULL AND e.serial_set = 'release' AND e.release_id = s.release_id",
            " UNION ALL SELECT e.gcp_len FROM epcis_event e WHERE e.gtin = s.gtin AND "
            "e.epcs IS NULL AND e.serial_set = 'list' AND e.serials @> ARRAY[s.serial::text]",
            " LIMIT 1) v WHERE s.gtin = $1::bpchar AND s.serial > $2::text "
            "ORDER BY s.serial LIMIT $3::bigint"};
        for (int i = 0; i < PQntuples(g) && !stop && n < limit && rc == PX_OK; i++) {
            const char *gtin = px__val(g, i, 0);
            snprintf(lim, sizeof(lim), "%ld", limit - n);
            rc = values_query(db, f, parts, 4, "eee", gtin,
                              strcmp(gtin, after_k1) == 0 ? after_k2 : "", lim, fn, ctx, &n, &stop,
                              err);
        }
        PQclear(g);
        if (rc != PX_OK || stop || n >= limit)
            return rc;
    }
    /* Then the other EPCs events name in place of packs (migration 0090), and the containers
     * of container events (migration 0215): each parent, and each SSCC its commissioning
     * ObjectEvent names (every container is commissioned at its first use, so the children of
     * the AggregationEvents need not be read: they are packs or those containers). An SGTIN
     * there is a pack whose commissioning the same caller sees, listed once, as a pack. */
    static const char *const uris[] = {
        "SELECT DISTINCT 1, '', 0, u.v FROM epcis_event e, unnest(e.epcs) u(v) WHERE "
        "u.v NOT LIKE 'urn:epc:id:sgtin:%' AND u.v > $1::text AND $2::text = $2::text",
        " UNION SELECT 1, '', 0, u.v FROM container_event e, unnest(CASE e.type WHEN "
        "'ObjectEvent' THEN e.epcs ELSE ARRAY[e.parent_id] END) u(v) WHERE u.v NOT LIKE "
        "'urn:epc:id:sgtin:%' AND u.v > $1::text",
        " ORDER BY 4 LIMIT $3::bigint"};
    snprintf(lim, sizeof(lim), "%ld", limit - n);
    return values_query(db, f, uris, 3, "ec", after_ph == 1 ? after_k2 : "", "", lim, fn, ctx, &n,
                        &stop, err);
}

px_rc px_store_report_each(px_db *db, const char *tenant_id, const char *scope_market,
                           const char *state, const char *retried, const char *market,
                           const char *after_id, long limit, px_report_fn fn, void *ctx,
                           px_err *err)
{
    /* Visible: the tenant's (or, for a regulator, its market's); the filter: state and market. */
    PGresult *r = px__page(
        db,
        PX__PAGE("SELECT " REPORT_COLS ", r.created_at AS at FROM report r WHERE ($1::text IS "
                 "NULL OR r.tenant_id = $1::uuid) AND ($2::text IS NULL OR r.market = $2)",
                 "($3::text IS NULL OR v.state = $3) AND ($4::text IS NULL OR v.market = $4) AND "
                 "($5::boolean IS NULL OR (v.retried_by <> '') = $5::boolean)",
                 "$6", "$7"),
        PX__ARGS(tenant_id, scope_market, state, market, retried), after_id, limit, err);
    PX__RETURN_EACH_ROW(r, err, px_report, report_row, fn, ctx);
}

px_rc px_store_report_counts(px_db *db, px_report_count_fn fn, void *ctx, px_err *err)
{
    return px__each_count(
        px__exec(db,
                 PX__BY_STATE_UNREPAIRED("'queued', 'sending', 'delivered', 'failed', 'dead'",
                                         "report", ""),
                 0, NULL, err),
        fn, ctx, err);
}
