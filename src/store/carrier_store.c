/* SQL of carrier batches (docs/carrier.md "Batches"). The items of a batch travel, and are
 * stored on its row (migration 0180), as one jsonb array read with jsonb_array_elements: one
 * round trip and one value for up to 1,000 items. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier_store.h"
#include "px_buf.h"
#include "px_crypto.h"
#include "px_jsonw.h"
#include "px_str.h"
#include "store_internal.h"

#define ISO(col) PX__SQL_ISO(col)

static void design_params(const px_carrier_design *d, char quiet[12], char mpx[12])
{
    if (d->quiet_zone >= 0)
        snprintf(quiet, 12, "%d", d->quiet_zone);
    else
        quiet[0] = '\0';
    snprintf(mpx, 12, "%d", d->module_px);
}

/* Columns ec, fg, bg, quiet (NULL -> -1), module_px starting at column c. */
static void design_row(px_carrier_design *d, const PGresult *r, int i, int c)
{
    px_strlcpy(d->ec, px__val(r, i, c), sizeof(d->ec));
    px_strlcpy(d->fg, px__val(r, i, c + 1), sizeof(d->fg));
    px_strlcpy(d->bg, px__val(r, i, c + 2), sizeof(d->bg));
    d->quiet_zone = px__isnull(r, i, c + 3) ? -1 : (int)strtol(px__val(r, i, c + 3), NULL, 10);
    d->module_px = (int)strtol(px__val(r, i, c + 4), NULL, 10);
}

/* ---- templates ------------------------------------------------------------------------------ */

px_rc px_store_carrier_template_insert(px_db *db, const px_carrier_template *t, px_err *err)
{
    char quiet[12], mpx[12];
    design_params(&t->design, quiet, mpx);
    return px__exec_cmd(db,
                        "INSERT INTO carrier_template (id, org_id, name, ec, fg, bg, quiet_zone, "
                        "module_px) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        PX__ARGS(t->id, t->org_id, t->name, t->design.ec, t->design.fg,
                                 t->design.bg, px__nz(quiet), mpx),
                        err);
}

px_rc px_store_carrier_template_get(px_db *db, px_carrier_template *out, const char *id,
                                    const char *org_id, px_err *err)
{
    /* clang-format off */
    PGresult *r = px__exec(db,
                           "SELECT id, org_id, name, ec, fg, bg, quiet_zone, module_px, "
                           ISO("created_at") " FROM carrier_template WHERE id = $1 AND org_id = $2",
                           PX__ARGS(id, org_id), err);
    /* clang-format on */
    px_rc rc = px__one(r, err, "not_found", "carrier template not found");
    if (rc == PX_OK) {
        memset(out, 0, sizeof(*out));
        px__texts(r, 0, 0, PX__TEXT(out->id), PX__TEXT(out->org_id), PX__TEXT(out->name), NULL);
        design_row(&out->design, r, 0, 3);
        px_strlcpy(out->created_at, px__val(r, 0, 8), sizeof(out->created_at));
    }
    PQclear(r);
    return rc;
}

/* ---- batches -------------------------------------------------------------------------------- */

#define BATCH_COLS                                                                                 \
    "b.id, b.job_id, b.org_id, b.org_kind, b.role, coalesce(b.key_id::text, ''), b.symbology, "    \
    "coalesce(b.template_id::text, ''), b.ec, b.fg, b.bg, b.quiet_zone, b.module_px, b.status, "   \
    "b.total_count, b.completed_count, b.error_count, " ISO(                                       \
        "b.created_at") ", "                                                                       \
                        "coalesce(" ISO("b.finished_at") ", '')"

static void batch_row(px_carrier_batch *b, const PGresult *r, int i)
{
    memset(b, 0, sizeof(*b));
    px__texts(r, i, 0, PX__TEXT(b->id), PX__TEXT(b->job_id), PX__TEXT(b->org_id),
              PX__TEXT(b->org_kind), NULL);
    b->role = (int)strtol(px__val(r, i, 4), NULL, 10);
    px__texts(r, i, 5, PX__TEXT(b->key_id), PX__TEXT(b->symbology), PX__TEXT(b->template_id), NULL);
    design_row(&b->design, r, i, 8);
    px_strlcpy(b->status, px__val(r, i, 13), sizeof(b->status));
    b->total_count = (int)strtol(px__val(r, i, 14), NULL, 10);
    b->completed_count = (int)strtol(px__val(r, i, 15), NULL, 10);
    b->error_count = (int)strtol(px__val(r, i, 16), NULL, 10);
    px_strlcpy(b->created_at, px__val(r, i, 17), sizeof(b->created_at));
    px_strlcpy(b->finished_at, px__val(r, i, 18), sizeof(b->finished_at));
}

/* The items as the batch row's one array (migration 0180), index = position; an item
 * refused as it arrives is {} there and its error is in the errors object. *n_refused counts
 * those; the buffers say whether they overflowed (sticky px_buf). */
static void items_json(px_buf *js, px_buf *errs, const px_carrier_item_in *items, size_t n,
                       size_t *n_refused)
{
    px_buf_puts(js, "[");
    px_buf_puts(errs, "{");
    *n_refused = 0;
    for (size_t i = 0; i < n; i++) {
        px_buf_puts(js, i ? ",{" : "{");
        if (items[i].error) {
            px_buf_printf(errs, "%s\"%zu\":{\"c\":", *n_refused ? "," : "", i);
            px_jsonw_string(errs, items[i].error_code ? items[i].error_code : "invalid_item");
            px_buf_puts(errs, ",\"m\":");
            px_jsonw_string(errs, items[i].error);
            px_buf_puts(errs, "}");
            (*n_refused)++;
        } else if (items[i].target) {
            px_buf_puts(js, "\"t\":");
            px_jsonw_string(js, items[i].target);
        } else {
            px_buf_puts(js, "\"g\":");
            px_jsonw_string(js, items[i].gtin ? items[i].gtin : "");
            px_buf_puts(js, ",\"s\":");
            px_jsonw_string(js, items[i].serial ? items[i].serial : "");
        }
        px_buf_puts(js, "}");
    }
    px_buf_puts(js, "]");
    px_buf_puts(errs, "}");
}

px_rc px_store_carrier_batch_mahs(px_db *db, const char *batch_id, const char *cmo_id,
                                  int (*fn)(void *ctx, const char *mah_id), void *ctx, px_err *err)
{
    return px__each_text(
        px__exec(db,
                 "SELECT DISTINCT p.mah_id::text FROM carrier_batch_item i JOIN "
                 "product p ON p.gtin = i.gtin::bpchar JOIN partnership ps ON ps.mah_id "
                 "= p.mah_id AND ps.cmo_id = $2::uuid WHERE i.batch_id = "
                 "$1::uuid ORDER BY 1",
                 PX__ARGS(batch_id, cmo_id), err),
        fn, ctx, err);
}

px_rc px_store_carrier_batch_insert(px_db *db, px_carrier_batch *b, const px_carrier_item_in *items,
                                    size_t n, px_err *err)
{
    px_buf js, errs;
    px_buf_init(&js, 4u << 20);
    px_buf_init(&errs, 1u << 20);
    size_t n_refused;
    items_json(&js, &errs, items, n, &n_refused);
    px_rc rc = PX_OK;
    PGresult *r = NULL;
    if (px_buf_failed(&js) != PX_OK || px_buf_failed(&errs) != PX_OK) {
        rc = px_err_set(err, PX_ETOOBIG, "payload_too_large", "too many items");
        goto done;
    }
    /* Items refused as they arrive are counted now; the job's writes add to the counters. */
    const char *total = PX__INT(n), *role = PX__INT(b->role);
    char quiet[12], mpx[12];
    design_params(&b->design, quiet, mpx);
    /* The job and the batch with its items in one statement, the batch read back from it.
     * An error message is cut to 199 characters, as every item error is. */
    r = px__exec_cached(
        db, PX__Q_CARRIER_INSERT,
        "WITH j AS (INSERT INTO job (id, kind, org_id, total, payload) VALUES ($2::uuid, "
        "'carrier_batch', $3::uuid, $14::int, jsonb_build_object('carrier_batch_id', $1::text)) "
        "RETURNING id), "
        "b AS (INSERT INTO carrier_batch (id, job_id, org_id, org_kind, role, key_id, "
        "symbology, template_id, ec, fg, bg, quiet_zone, module_px, total_count, error_count, "
        "items, item_errors) "
        "SELECT $1::uuid, j.id, $3::uuid, $4, $5::smallint, $6::uuid, $7, $8::uuid, $9, $10, "
        "$11, $12::smallint, $13::smallint, $14::int, $16::int, $15::jsonb, "
        "coalesce((SELECT jsonb_object_agg(k, jsonb_build_object('c', v->>'c', "
        "'m', left(v->>'m', 199))) FROM jsonb_each($17::jsonb) e(k, v)), '{}') "
        "FROM j RETURNING *) "
        "SELECT " BATCH_COLS " FROM b",
        PX__ARGS(b->id, b->job_id, b->org_id, b->org_kind, role, px__nz(b->key_id), b->symbology,
                 px__nz(b->template_id), b->design.ec, b->design.fg, b->design.bg, px__nz(quiet),
                 mpx, total, js.data, PX__INT(n_refused), errs.data),
        err);
    if (!r) {
        rc = err->rc;
        goto done;
    }
    if (PQntuples(r) == 1)
        batch_row(b, r, 0);
    else
        rc = px_err_set(err, PX_EINTERNAL, "internal", "carrier batch %s not stored", b->id);
done:
    PQclear(r);
    px_buf_dispose(&js);
    px_buf_dispose(&errs);
    return rc;
}

px_rc px_store_carrier_batch_get(px_db *db, px_carrier_batch *out, const char *id, px_err *err)
{
    PGresult *r = px__exec(db, "SELECT " BATCH_COLS " FROM carrier_batch b WHERE b.id = $1",
                           PX__ARGS(id), err);
    return PX__ONE_ROW(r, err, batch_row, out, "not_found", "carrier batch not found");
}

/* An item of a batch's array as both reads of the items begin their rows: its index, GTIN,
 * serial and target (columns 0 to 3); the rest of it cleared. */
static void item_row(px_carrier_item *it, const PGresult *r, int i)
{
    memset(it, 0, sizeof(*it));
    it->idx = (int)strtol(px__val(r, i, 0), NULL, 10);
    px__texts(r, i, 1, PX__TEXT(it->gtin), PX__TEXT(it->serial), PX__TEXT(it->target), NULL);
}

/* item_row with the item's carrier and error after it (px_store_carrier_items_each). */
static void item_outcome_row(px_carrier_item *it, const PGresult *r, int i)
{
    item_row(it, r, i);
    px__texts(r, i, 4, PX__TEXT(it->carrier_id), PX__TEXT(it->error_code),
              PX__TEXT(it->error_message), NULL);
}

px_rc px_store_carrier_items_each(px_db *db, const char *batch_id, int pending_only, long limit,
                                  px_carrier_item_fn fn, void *ctx, px_err *err)
{
    /* The items of the batch row's array (migration 0180), each with its error from the
     * errors object and its carrier by a lookup on both keys of UNIQUE (batch_id, idx): as a
     * join, the planner, which estimates a new batch at one row, scanned all the batch's
     * carriers for every item (400 ms for 1,000 items). */
    PGresult *r = px__exec(
        db,
        "SELECT idx, gtin, serial, target, coalesce(carrier, ''), error_code, error_message FROM "
        "(SELECT (x.n - 1)::int AS idx, coalesce(x.e->>'g', '') AS gtin, "
        "coalesce(x.e->>'s', '') AS serial, coalesce(x.e->>'t', '') AS target, "
        "(SELECT c.id::text FROM carrier c WHERE c.batch_id = b.id AND c.idx = x.n - 1) "
        "AS carrier, coalesce(b.item_errors->((x.n - 1)::text)->>'c', '') AS error_code, "
        "coalesce(b.item_errors->((x.n - 1)::text)->>'m', '') AS error_message "
        "FROM carrier_batch b, jsonb_array_elements(b.items) WITH ORDINALITY x(e, n) "
        "WHERE b.id = $1) t "
        "WHERE $2 = '0' OR (carrier IS NULL AND error_code = '') ORDER BY idx LIMIT $3::bigint",
        PX__ARGS(batch_id, pending_only ? "1" : "0", PX__INT(limit > 0 ? limit : 1000000L)), err);
    PX__RETURN_EACH_HEAP_ROW(r, err, px_carrier_item, item_outcome_row, fn, ctx);
}

#define CARRIER_JOB_CLAIMABLE PX__JOB_CLAIMABLE("carrier_batch")

px_rc px_store_carrier_batch_claim(px_db *db, px_carrier_batch *out, int *found, px_err *err)
{
    *found = 0;
    /* The claim and the batch's row in one round trip: a batch pays one per chunk. */
    PGresult *r =
        px__exec_cached(db, PX__Q_CARRIER_CLAIM,
                        "SELECT " BATCH_COLS " FROM job j JOIN carrier_batch b ON b.job_id = j.id "
                        "WHERE " CARRIER_JOB_CLAIMABLE PX__JOB_CLAIM_NEXT,
                        0, NULL, err);
    if (!r)
        return err->rc;
    if (PQntuples(r) > 0) {
        batch_row(out, r, 0);
        *found = 1;
    }
    PQclear(r);
    return PX_OK;
}

#define JOB_1_FAIL PX__JOB_FAIL("$1::uuid", "$2")

px_rc px_store_carrier_batch_fail(px_db *db, const px_carrier_batch *b, const char *why,
                                  int *changed, long long *undone, px_err *err)
{
    *changed = 0;
    *undone = 0;
    /* The job first, under its row lock: a chunk another worker is writing commits before.
     * Then the batch in a statement of its own, whose snapshot (READ COMMITTED) sees that
     * chunk's carriers as rendered. */
    px_rc rc =
        px__exec_found(db, JOB_1_FAIL " RETURNING id", PX__ARGS(b->job_id, why), changed, err);
    if (rc != PX_OK || !*changed)
        return rc;
    return px__exec_number(
        db,
        "WITH p AS (SELECT i FROM carrier_batch b, generate_series(0, b.total_count - 1) i "
        "WHERE b.id = $1::uuid AND NOT b.item_errors ? i::text AND NOT EXISTS (SELECT 1 "
        "FROM carrier c WHERE c.batch_id = b.id AND c.idx = i)) "
        "UPDATE carrier_batch b SET status = 'failed', finished_at = clock_timestamp(), "
        "error_count = "
        "b.error_count + (SELECT count(*) FROM p), item_errors = b.item_errors || "
        "(SELECT coalesce(jsonb_object_agg(p.i::text, jsonb_build_object('c', "
        "'batch_failed', 'm', left($2, 199))), '{}') FROM p) WHERE b.id = $1::uuid "
        "RETURNING (SELECT count(*) FROM p)",
        PX__ARGS(b->id, why), undone, err);
}

px_rc px_store_carrier_batch_requeue(px_db *db, const char *batch_id, long long *n, px_err *err)
{
    /* The items the batch's failure marked (code batch_failed) lose the mark and are pending
     * again; an item refused for its own reason keeps its error. */
    return px__exec_number(
        db,
        "WITH f AS (SELECT e.key FROM carrier_batch b, jsonb_each(b.item_errors) e WHERE b.id = "
        "$1::uuid AND e.value->>'c' = 'batch_failed') "
        "UPDATE carrier_batch b SET status = 'processing', finished_at = NULL, error_count = "
        "b.error_count - (SELECT count(*) FROM f), item_errors = b.item_errors - (SELECT "
        "coalesce(array_agg(f.key), '{}') FROM f) WHERE b.id = $1::uuid AND b.status = 'failed' "
        "RETURNING (SELECT count(*) FROM f)",
        PX__ARGS(batch_id), n, err);
}

#define CARRIER_COLS                                                                               \
    "id, batch_id, idx, org_id, symbology, data, coalesce(gtin, ''), coalesce(serial, ''), ec, "   \
    "fg, bg, quiet_zone, module_px"

static void carrier_row(px_carrier_row *c, const PGresult *r, int i)
{
    memset(c, 0, sizeof(*c));
    px_strlcpy(c->id, px__val(r, i, 0), sizeof(c->id));
    px_strlcpy(c->batch_id, px__val(r, i, 1), sizeof(c->batch_id));
    c->idx = (int)strtol(px__val(r, i, 2), NULL, 10);
    px__texts(r, i, 3, PX__TEXT(c->org_id), PX__TEXT(c->symbology), PX__TEXT(c->data),
              PX__TEXT(c->gtin), PX__TEXT(c->serial), NULL);
    design_row(&c->design, r, i, 8);
}

/* A carrier's id (migration 0181): the first 10 bytes of its batch's id (36-character form:
 * its first 24 characters, "xxxxxxxx-xxxx-xxxx-xxxx-"), its index in 2 bytes, 4 random bytes. */
#define ID_PREFIX 24

px_rc px_store_carrier_id(char out[PX_UUID_LEN + 1], const char *batch_id, int idx)
{
    uint8_t rnd[4];
    if (strlen(batch_id) != PX_UUID_LEN || idx < 0 || idx > 0xffff ||
        px_random_bytes(rnd, sizeof(rnd)) != PX_OK)
        return PX_EINTERNAL;
    snprintf(out, PX_UUID_LEN + 1, "%.*s%04x%02x%02x%02x%02x", ID_PREFIX, batch_id, (unsigned)idx,
             rnd[0], rnd[1], rnd[2], rnd[3]);
    return PX_OK;
}

px_rc px_store_carrier_get(px_db *db, px_carrier_row *out, const char *id, px_err *err)
{
    /* The batch ids whose first 10 bytes are the id's (at most one: carrier_batch_id_prefix)
     * and the index, on carrier's primary key (batch_id, idx); a carrier written before
     * migration 0181 by its random id, on carrier_legacy_id. */
    char lo[PX_UUID_LEN + 1], hi[PX_UUID_LEN + 1], idx[12] = "-1";
    if (strlen(id) == PX_UUID_LEN) {
        snprintf(lo, sizeof(lo), "%.*s000000000000", ID_PREFIX, id);
        snprintf(hi, sizeof(hi), "%.*sffffffffffff", ID_PREFIX, id);
        char hex[5] = {0};
        memcpy(hex, id + ID_PREFIX, 4);
        snprintf(idx, sizeof(idx), "%ld", strtol(hex, NULL, 16));
    } else {
        px_strlcpy(lo, id, sizeof(lo));
        px_strlcpy(hi, id, sizeof(hi));
    }
    PGresult *r = px__exec(db,
                           "(SELECT " CARRIER_COLS " FROM carrier WHERE batch_id BETWEEN $2::uuid "
                           "AND $3::uuid AND idx = $4::int AND id = $1::uuid) UNION ALL "
                           "(SELECT " CARRIER_COLS " FROM carrier WHERE id = $1::uuid "
                           "AND legacy_id) LIMIT 1",
                           PX__ARGS(id, lo, hi, idx), err);
    return PX__ONE_ROW(r, err, carrier_row, out, "not_found", "carrier not found");
}

px_rc px_store_carrier_batch_gtins(px_db *db, const char *batch_id,
                                   int (*fn)(void *ctx, const char *gtin), void *ctx, px_err *err)
{
    return px__each_text(px__exec(db,
                                  "SELECT DISTINCT * FROM (" PX__CARRIER_BATCH_GTINS(
                                      "b.id = $1::uuid") ") g ORDER BY 1",
                                  PX__ARGS(batch_id), err),
                         fn, ctx, err);
}

px_rc px_store_carriers_released(px_db *db, const char *batch_id, int idx, long long *n,
                                 px_err *err)
{
    /* The carriers on the batch's key (batch_id, idx), each pack on serial's. */
    return px__exec_number(db,
                           "SELECT count(*) FROM carrier c JOIN serial s ON s.gtin = c.gtin AND "
                           "s.serial = c.serial WHERE c.batch_id = $1::uuid AND ($2::int < 0 OR "
                           "c.idx = $2::int) AND s.released_at IS NOT NULL",
                           PX__ARGS(batch_id, PX__INT(idx)), n, err);
}

px_rc px_store_carriers_each(px_db *db, const char *batch_id, px_carrier_row_fn fn, void *ctx,
                             px_err *err)
{
    PGresult *r =
        px__exec(db, "SELECT " CARRIER_COLS " FROM carrier WHERE batch_id = $1 ORDER BY idx",
                 PX__ARGS(batch_id), err);
    PX__RETURN_EACH_HEAP_ROW(r, err, px_carrier_row, carrier_row, fn, ctx);
}

/* A pending item with its pack and product as the chunk's query reads them (their gtin the
 * item's). */
static void chunk_row(px_carrier_chunk_row *row, const PGresult *r, int i)
{
    memset(row, 0, sizeof(*row));
    item_row(&row->item, r, i);
    row->pack_found = px__val(r, i, 4)[0] == '1';
    px_strlcpy(row->pack.gtin, px__val(r, i, 1), sizeof(row->pack.gtin));
    px_strlcpy(row->pack.serial, px__val(r, i, 2), sizeof(row->pack.serial));
    px__texts(r, i, 5, PX__TEXT(row->pack.state), PX__TEXT(row->pack.batch),
              PX__TEXT(row->pack.expiry), PX__TEXT(row->pack.allocated_to),
              PX__TEXT(row->pack.commissioned_by), NULL);
    row->pack.released = px__val(r, i, 10)[0] == '1';
    row->product_found = px__val(r, i, 11)[0] == '1';
    px_strlcpy(row->product.gtin, px__val(r, i, 1), sizeof(row->product.gtin));
    px_strlcpy(row->product.mah_id, px__val(r, i, 12), sizeof(row->product.mah_id));
    row->product.company_prefix_length = (int)strtol(px__val(r, i, 13), NULL, 10);
    px_strlcpy(row->product.nhrn_ai, px__val(r, i, 14), sizeof(row->product.nhrn_ai));
    px_strlcpy(row->product.nhrn_value, px__val(r, i, 15), sizeof(row->product.nhrn_value));
}

px_rc px_store_carrier_chunk(px_db *db, const char *batch_id, long limit, px_carrier_chunk_fn fn,
                             void *ctx, px_err *err)
{
    /* Pending: an item of the batch row's array (migration 0180) with no error and no
     * carrier. The carriers are a hashed NOT IN list: as an
     * anti-join, the planner (a new batch estimated at one row) scanned all the batch's
     * carriers for every item (400 ms for the second half of a 1,000-item batch). */
    PGresult *r = px__exec_cached(
        db, PX__Q_CARRIER_CHUNK,
        "SELECT i.idx, coalesce(i.gtin, ''), coalesce(i.serial, ''), coalesce(i.target, ''), "
        "(s.serial IS NOT NULL)::int, coalesce(s.state, ''), coalesce(s.batch, ''), "
        "coalesce(s.expiry, ''), coalesce(s.allocated_to::text, ''), "
        "coalesce(s.commissioned_by::text, ''), (s.released_at IS NOT NULL)::int, "
        "(p.gtin IS NOT NULL)::int, coalesce(p.mah_id::text, ''), "
        "coalesce(p.company_prefix_length, 0), coalesce(p.nhrn_ai, ''), "
        "coalesce(p.nhrn_value, '') "
        "FROM (SELECT (x.n - 1)::int AS idx, x.e->>'g' AS gtin, x.e->>'s' AS serial, "
        "x.e->>'t' AS target "
        "FROM carrier_batch b, jsonb_array_elements(b.items) WITH ORDINALITY x(e, n) "
        "WHERE b.id = $1 AND NOT b.item_errors ? (x.n - 1)::text "
        "AND (x.n - 1)::int NOT IN (SELECT idx FROM carrier WHERE batch_id = $1) "
        "ORDER BY x.n LIMIT $2::bigint) i "
        "LEFT JOIN product p ON length(i.gtin) = 14 AND p.gtin = i.gtin::char(14) "
        "LEFT JOIN serial s ON length(i.gtin) = 14 AND s.gtin = i.gtin::char(14) "
        "AND s.serial = i.serial "
        "ORDER BY i.idx",
        PX__ARGS(batch_id, PX__INT(limit)), err);
    PX__RETURN_EACH_HEAP_ROW(r, err, px_carrier_chunk_row, chunk_row, fn, ctx);
}

/* The COPY text of the carriers among out (the design's columns are the batch's); b says
 * whether it overflowed (sticky px_buf). */
static void carriers_copy(px_buf *b, const px_carrier_batch *bt, const px_carrier_outcome *out,
                          size_t n, long long *copied)
{
    char quiet[12], mpx[12];
    design_params(&bt->design, quiet, mpx);
    *copied = 0;
    for (size_t i = 0; i < n; i++) {
        const px_carrier_row *c = out[i].row;
        if (!c)
            continue;
        /* Ids, the organization, symbology, design and GTIN are checked values (no character
         * to escape); the data and the serial are escaped. */
        px_buf_printf(b, "%s\t%s\t%d\t%s\t%s\t", c->id, bt->id, out[i].idx, bt->org_id,
                      bt->symbology);
        px__copy_text(b, c->data);
        px_buf_printf(b, "\t%s\t", c->gtin[0] ? c->gtin : "\\N");
        if (c->serial[0])
            px__copy_text(b, c->serial);
        else
            px_buf_puts(b, "\\N");
        px_buf_printf(b, "\t%s\t%s\t%s\t%s\t%s\n", bt->design.ec, bt->design.fg, bt->design.bg,
                      quiet[0] ? quiet : "\\N", mpx);
        (*copied)++;
    }
}

/* The refused items among out, as the batch row's errors object adds them. */
static px_rc errors_json(px_buf *b, const px_carrier_outcome *out, size_t n)
{
    px_buf_puts(b, "{");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (out[i].row)
            continue;
        px_buf_printf(b, "%s\"%d\":{\"c\":", first ? "" : ",", out[i].idx);
        px_jsonw_string(b, out[i].code);
        px_buf_puts(b, ",\"m\":");
        px_jsonw_string(b, out[i].message);
        px_buf_puts(b, "}");
        first = 0;
    }
    return px_buf_puts(b, "}");
}

px_rc px_store_carriers_copy(px_db *db, const px_carrier_batch *b, const px_carrier_outcome *out,
                             size_t n, long long *copied, px_err *err)
{
    px_buf rows;
    px_buf_init(&rows, 16u << 20);
    carriers_copy(&rows, b, out, n, copied);
    /* COPY: half the server's time of an INSERT from a JSON parameter here, and the carriers
     * are most of a chunk's writes. */
    px_rc rc = *copied || px_buf_failed(&rows) != PX_OK
                   ? px__copy(db,
                              "COPY carrier (id, batch_id, idx, org_id, symbology, data, gtin, "
                              "serial, ec, fg, bg, quiet_zone, module_px) FROM STDIN",
                              &rows, "carriers in a chunk", err)
                   : PX_OK;
    px_buf_dispose(&rows);
    return rc;
}

px_rc px_store_carrier_chunk_end(px_db *db, px_carrier_batch *b, const px_carrier_outcome *out,
                                 size_t n, long long copied, px_err *err)
{
    px_buf errs;
    px_buf_init(&errs, 16u << 20);
    if (errors_json(&errs, out, n) != PX_OK) {
        px_buf_dispose(&errs);
        return px_err_set(err, PX_ETOOBIG, "payload_too_large", "chunk too large");
    }
    const char *ok = PX__INT(copied);
    /* The refused items' errors and the counters moved by exactly the rows the chunk wrote, in
     * its transaction (the errors merged into the batch row's errors object, migration 0180):
     * a chunk that is rolled back takes its counts with it. An error already recorded for an
     * index is not counted again. */
    PGresult *r = px__exec_cached(
        db, PX__Q_CARRIER_RECORD,
        "WITH e AS (SELECT e.key, e.value FROM carrier_batch b, jsonb_each($1::jsonb) e "
        "WHERE b.id = $2 AND NOT b.item_errors ? e.key), "
        "u AS (SELECT coalesce(jsonb_object_agg(e.key, jsonb_build_object('c', e.value->>'c', "
        "'m', left(e.value->>'m', 199))), '{}') AS errs, count(*) AS bad FROM e), "
        "n AS (SELECT b.completed_count + $3::int AS ok, b.error_count + u.bad AS bad, "
        "b.total_count, u.errs FROM carrier_batch b, u WHERE b.id = $2), "
        "s AS (SELECT ok, bad, total_count - ok - bad AS pending, errs FROM n), "
        "j AS (UPDATE job SET status = CASE WHEN s.pending > 0 THEN 'running' "
        "WHEN s.ok > 0 THEN 'completed' ELSE 'failed' END, done = s.ok + s.bad, "
        "heartbeat_at = now(), "
        "finished_at = CASE WHEN s.pending = 0 THEN clock_timestamp() END FROM s WHERE job.id = "
        "$4) "
        "UPDATE carrier_batch b SET completed_count = s.ok, error_count = s.bad, "
        "item_errors = CASE WHEN s.errs = '{}' THEN b.item_errors ELSE b.item_errors || s.errs "
        "END, "
        "status = CASE WHEN s.pending > 0 THEN 'processing' WHEN s.ok > 0 THEN 'completed' "
        "ELSE 'failed' END, finished_at = CASE WHEN s.pending = 0 THEN clock_timestamp() END "
        "FROM s WHERE b.id = $2 RETURNING " BATCH_COLS,
        PX__ARGS(errs.data, b->id, ok, b->job_id), err);
    px_buf_dispose(&errs);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    if (PQntuples(r) == 1)
        batch_row(b, r, 0);
    else
        rc = px_err_set(err, PX_EINTERNAL, "internal", "carrier batch %s is gone", b->id);
    PQclear(r);
    return rc;
}
