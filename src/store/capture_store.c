/* EPCIS 2.0 capture jobs (capture_store.h). */
#include "capture_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_buf.h"
#include "px_str.h"
#include "store_internal.h"

#define TS(col) PX__SQL_ISO(col)

void px_capture_row_dispose(px_capture_row *c)
{
    free(c->errors);
    c->errors = NULL;
}

px_rc px_store_capture_record(px_db *db, const px_capture_new *job, int success, long applied,
                              const char *errors_json, int64_t finished_us, px_err *err)
{
    return px__exec_cmd(db,
                        "INSERT INTO epcis_capture (id, org_id, running, success, error_behaviour, "
                        "format, event_count, applied_count, errors, created_at, finished_at) "
                        "VALUES ($1::uuid, $2::uuid, false, $6::boolean, $3, $4, $5::integer, "
                        "$7::integer, $8::jsonb, " PX__SQL_US("$9") ", " PX__SQL_US("$10") ")",
                        PX__ARGS(job->id, job->org_id, job->error_behaviour, job->format,
                                 PX__INT(job->event_count), success ? "true" : "false",
                                 PX__INT(applied), errors_json, PX__INT(job->created_us),
                                 PX__INT(finished_us)),
                        err);
}

px_rc px_store_capture_get(px_db *db, const char *org_id, const char *id, px_capture_row *out,
                           px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "no such capture job");
    /* clang-format off */
    PGresult *r = px__exec(db,
                           "SELECT id, org_id, " TS("created_at") ", coalesce(" TS("finished_at")
                           ", ''), running, success, error_behaviour, format, event_count, "
                           "applied_count, errors::text FROM epcis_capture WHERE id = $1::uuid "
                           "AND ($2::uuid IS NULL OR org_id = $2::uuid)",
                           PX__ARGS(id, org_id), err);
    /* clang-format on */
    px_rc rc = px__one(r, err, "not_found", "no such capture job");
    if (rc == PX_OK) {
        px__texts(r, 0, 0, PX__TEXT(out->id), PX__TEXT(out->org_id), PX__TEXT(out->created_at),
                  PX__TEXT(out->finished_at), NULL);
        out->running = px__val(r, 0, 4)[0] == 't';
        out->success = px__val(r, 0, 5)[0] == 't';
        px_strlcpy(out->error_behaviour, px__val(r, 0, 6), sizeof(out->error_behaviour));
        px_strlcpy(out->format, px__val(r, 0, 7), sizeof(out->format));
        out->event_count = strtol(px__val(r, 0, 8), NULL, 10);
        out->applied_count = strtol(px__val(r, 0, 9), NULL, 10);
        out->errors = strdup(px__val(r, 0, 10));
        if (!out->errors)
            rc = px_err_oom(err);
    }
    PQclear(r);
    return rc;
}

/* The IDs (hashes: 1) joined by GS (0x1D), the separator string_to_array splits on. */
static px_rc join_ids(px_buf *b, const px_captured_id *ids, size_t n, int hashes, px_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            px_buf_add(b, "\x1d", 1);
        px_buf_puts(b, hashes ? ids[i].hash : ids[i].id);
    }
    if (n && !b->data)
        return px_err_oom(err);
    return PX_OK;
}

px_rc px_store_captured_events_hold(px_db *db, const char *org_id, const px_captured_id *ids,
                                    size_t n, px_err *err)
{
    if (n == 0)
        return PX_OK;
    px_buf b;
    px_buf_init(&b, (size_t)1 << 30);
    px_rc rc = join_ids(&b, ids, n, 0, err);
    /* At most 64 locks a document, whatever its size (the lock table holds a few thousand
     * for every session), in one order for every document, so two captures never deadlock;
     * two documents sharing no eventID may share a bucket and then take turns. */
    if (rc == PX_OK)
        rc = px__exec_cmd(db,
                          "SELECT pg_advisory_xact_lock(" PX__LOCK_CAPTURE ", k) FROM (SELECT "
                          "DISTINCT hashtext($1 || ':' || (hashtext(t.id) & 63)::text) AS k "
                          "FROM unnest(string_to_array($2, chr(29))) AS t(id) ORDER BY 1) s",
                          PX__ARGS(org_id, b.data), err);
    px_buf_dispose(&b);
    return rc;
}

px_rc px_store_captured_events_known(px_db *db, const char *org_id, const px_captured_id *ids,
                                     size_t n, unsigned char *known, px_err *err)
{
    memset(known, PX_CAPTURED_NEW, n);
    if (n == 0)
        return PX_OK;
    px_buf b, h;
    px_buf_init(&b, (size_t)1 << 30);
    px_buf_init(&h, (size_t)1 << 30);
    px_rc rc = join_ids(&b, ids, n, 0, err);
    if (rc == PX_OK)
        rc = join_ids(&h, ids, n, 1, err);
    PGresult *r = NULL;
    if (rc == PX_OK)
        r = px__exec(db,
                     "SELECT t.i, e.event_hash IS NULL OR e.event_hash = t.h FROM "
                     "unnest(string_to_array($2, chr(29)), string_to_array($3, chr(29))) WITH "
                     "ORDINALITY AS t(id, h, i) JOIN epcis_captured_event e ON e.org_id = "
                     "$1::uuid AND e.event_id = t.id",
                     PX__ARGS(org_id, b.data, h.data), err);
    px_buf_dispose(&b);
    px_buf_dispose(&h);
    if (rc != PX_OK || !r)
        return rc != PX_OK ? rc : err->rc;
    for (int row = 0; row < PQntuples(r); row++) {
        long i = strtol(px__val(r, row, 0), NULL, 10);
        if (i >= 1 && (size_t)i <= n)
            known[i - 1] = px__val(r, row, 1)[0] == 't' ? PX_CAPTURED_SAME : PX_CAPTURED_OTHER;
    }
    PQclear(r);
    return PX_OK;
}

/* Byte order: the order of the primary key's event_id, COLLATE "C" (migration 0125). */
static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const px_captured_id *)a)->id, ((const px_captured_id *)b)->id);
}

px_rc px_store_captured_events_add(px_db *db, const char *org_id, const px_captured_id *ids,
                                   size_t n, const char *capture_id, const char *commission_id,
                                   const char *aggregation_id, px_err *err)
{
    if (n == 0)
        return PX_OK;
    /* One COPY: a document of 100,000 events records 100,000 rows, and COPY is the cheapest
     * way in (no ON CONFLICT: the caller looked the IDs up before; the same event captured at
     * the same moment by another request fails the later one on the key, PX_EEXISTS). */
    const char *cm = commission_id && commission_id[0] ? commission_id : "\\N";
    const char *ag = aggregation_id && aggregation_id[0] ? aggregation_id : "\\N";
    /* In key order: hash IDs are random, and rows COPYed in random order land each on a
     * random leaf of the primary key, splitting leaves half-empty and dirtying (and logging)
     * a page per row; sorted, they fill the leaves one after the other (docs/epcis.md
     * "Capture speed"). It is also one lock order between two captures of overlapping
     * documents. */
    px_captured_id *sorted = malloc(n * sizeof(*sorted));
    if (!sorted)
        return px_err_oom(err);
    memcpy(sorted, ids, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_id);
    /* Every row ends alike: formatted once, not per row (docs/epcis.md "Capture speed"). */
    char tail[160];
    snprintf(tail, sizeof(tail), "\t%s\t%s\t%s\n", capture_id, cm, ag);
    px_buf b;
    px_buf_init(&b, (size_t)1 << 30);
    for (size_t i = 0; i < n; i++) {
        px_buf_puts(&b, org_id);
        px_buf_puts(&b, "\t");
        px__copy_text(&b, sorted[i].id);
        px_buf_puts(&b, "\t");
        px__copy_text(&b, sorted[i].hash);
        px_buf_puts(&b, tail);
    }
    px_rc rc = px__copy(db,
                        "COPY epcis_captured_event (org_id, event_id, event_hash, capture_id, "
                        "commission_id, aggregation_id) FROM STDIN",
                        &b, "event IDs", err);
    px_buf_dispose(&b);
    free(sorted);
    return rc;
}
