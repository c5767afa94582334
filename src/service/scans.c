/* Public verification with scan intelligence, clone alerts and passport fields (scans.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "display_name.h"
#include "gs1.h"
#include "px_array.h"
#include "px_clock.h"
#include "px_cursor.h"
#include "px_str.h"
#include "scan_buffer.h"
#include "scans.h"
#include "service_internal.h"
#include "tx.h"
#include "verify_batch.h"
#include "webhook.h"

static px_rc bad(px_err *err, const char *field, const char *code, const char *msg)
{
    px_err_set(err, PX_EINVALID, code, "%s", msg);
    px_err_field(err, "%s", field);
    return PX_EINVALID;
}

/* A coordinate in [-limit, limit] written as a plain decimal number. */
static int coordinate(const char *s, double limit, double *out)
{
    if (!s || !*s || strlen(s) > 24)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || (*p == '-' && p == s)))
            return 0;
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || v < -limit || v > limit)
        return 0;
    *out = v;
    return 1;
}

/* The history the clone rules see at most: the read's, the scans buffered when it was taken,
 * and those buffered since. */
#define HISTORY_ROWS (3 * PX_SCAN_HISTORY_MAX)

typedef struct verify_ctx {
    const px_app *app;
    const char *gtin, *serial, *batch, *expiry;
    const px_scan_where *w;
    char country[3];
    int has_pos;
    double lat, lon;
    const px_verify_prefetch *pre; /* the read taken for this request by the batch, or NULL */
    px_public_view *out;
} verify_ctx;

/* The clone rules as configured (PACKID_CLONE_*), and the longest window they look back. */
static int64_t rules_of(const px_app *app, px_clone_rules *rules)
{
    const px_config *cfg = &app->cfg;
    px_clone_rules_default(rules);
    rules->travel_max_kmh = cfg->clone_max_kmh;
    rules->travel_min_km = cfg->clone_min_km;
    rules->dispersion_countries = cfg->clone_countries;
    rules->dispersion_clients = cfg->clone_clients;
    return rules->dispersion_window_us > rules->travel_window_us ? rules->dispersion_window_us
                                                                 : rules->travel_window_us;
}

int64_t px_svc_scan_window_us(const px_app *app)
{
    px_clone_rules rules;
    return rules_of(app, &rules);
}

/* The flags the rules raise for scan now after the history rows of the pack o holds. */
static unsigned evaluate(const px_clone_rules *rules, const px_public_view *o,
                         const px_scan_row *rows, int n, const px_scan *now)
{
    px_scan hist[HISTORY_ROWS];
    for (int i = 0; i < n && i < HISTORY_ROWS; i++) {
        memset(&hist[i], 0, sizeof(hist[i]));
        hist[i].at_us = rows[i].at_us;
        hist[i].has_pos = rows[i].has_pos;
        hist[i].lat = rows[i].lat;
        hist[i].lon = rows[i].lon;
        px_strlcpy(hist[i].country, rows[i].country, sizeof(hist[i].country));
        px_strlcpy(hist[i].client, rows[i].client, sizeof(hist[i].client));
    }
    px_pack_state st = PX_PACK_ALLOCATED;
    px_decom_reason reason = PX_REASON_NONE;
    if (px_pack_state_parse(&st, o->pub.pack.state, NULL) != PX_OK)
        st = PX_PACK_ALLOCATED;
    if (o->pub.pack.reason[0] && px_decom_reason_parse(&reason, o->pub.pack.reason, NULL) != PX_OK)
        reason = PX_REASON_NONE;
    return px_clone_evaluate(rules, hist, n < HISTORY_ROWS ? n : HISTORY_ROWS, now, 1, st, reason);
}

static px_rc clone_check(px_tx *tx, verify_ctx *c, const px_scan *now, px_err *err)
{
    px_public_view *o = c->out;
    px_clone_rules rules;
    int64_t window = rules_of(c->app, &rules);
    px_scan_row rows[PX_SCAN_HISTORY_MAX];
    int n = 0;
    px_rc rc =
        px_store_scan_history(px_tx_db(tx), rows, &n, c->gtin, c->serial, now->at_us, window, err);
    if (rc != PX_OK)
        return rc;
    o->flags = evaluate(&rules, o, rows, n, now);
    if (!o->flags)
        return PX_OK;
    char names[64], id[PX_UUID_LEN + 1];
    px_clone_flag_names(names, sizeof(names), o->flags);
    rc = px_store_alert_open(px_tx_db(tx), &o->alert_opened, id, o->pub.mah_id, c->gtin, c->serial,
                             NULL, "clone", names, now->at_us, err);
    if (rc != PX_OK || !o->alert_opened)
        return rc; /* REQ-CLONE-4: an open alert already told the MAH: nothing more */
    /* REQ-CLONE-4: one clone.suspected per flag transition, queued with the alert (the
     * outbox delivers it signed, retried, once). */
    px_audit_details d;
    px_audit_details_init(&d);
    px_audit_str(&d, "alert_id", id);
    px_audit_str(&d, "gtin", c->gtin);
    px_audit_str(&d, "serial", c->serial);
    px_audit_str(&d, "rules", names);
    char at[32];
    px_time_format(at, now->at_us);
    px_audit_str(&d, "at", at);
    if (now->country[0])
        px_audit_str(&d, "country", now->country);
    const char *json = px_audit_details_finish(&d, err);
    rc = json ? px_svc_webhook_enqueue(tx, o->pub.mah_id, "clone.suspected", json, err)
              : PX_EINTERNAL;
    px_audit_details_dispose(&d);
    return rc;
}

/* The verdict of the pack c->out holds (pub read), at now_us. */
static px_rc verdict_of(verify_ctx *c, int64_t now_us, px_err *err)
{
    px_public_view *o = c->out;
    px_verify_facts f = {.found = o->pub.pack.found,
                         .batch = o->pub.pack.batch,
                         .expiry = o->pub.pack.expiry,
                         .asked_batch = c->batch,
                         .asked_expiry = c->expiry};
    if (px_verify_facts_state(&f, o->pub.pack.state, o->pub.pack.reason, err) != PX_OK)
        return PX_EINTERNAL;
    o->verdict = px_verify_verdict(&f, now_us);
    return PX_OK;
}

/* The scan this request makes at now_us, as the clone rules read it, its client (client, the
 * salted hash of its address: px_scan_buffer_client_hash) among them: the dispersion rule
 * counts this scan's client with the others' (docs/resolver.md "Scans and clone detection"). */
static px_rc scan_now(const verify_ctx *c, px_db *db, int64_t now_us, px_scan *now,
                      char client[PX_SHA256_HEX_LEN + 1], px_err *err)
{
    *now = (px_scan){.at_us = now_us, .has_pos = c->has_pos, .lat = c->lat, .lon = c->lon};
    px_strlcpy(now->country, c->country, sizeof(now->country));
    px_rc rc = px_scan_buffer_client_hash(c->app->scans, db,
                                          c->w->client_addr ? c->w->client_addr : "", client, err);
    if (rc == PX_OK)
        px_strlcpy(now->client, client, sizeof(now->client)); /* its first 16 digits, as stored */
    return rc;
}

/* The fast path's record of the scan (client: its hash, as scan_now gave it): into the scan
 * buffer, written with others later; a full buffer is written first. */
static px_rc buffer_scan(const verify_ctx *c, px_db *db, int64_t now_us, const char *client,
                         px_err *err)
{
    px_scan_rec rec = {0};
    px_strlcpy(rec.gtin, c->gtin, sizeof(rec.gtin));
    px_strlcpy(rec.serial, c->serial, sizeof(rec.serial));
    rec.at_us = now_us;
    px_strlcpy(rec.country, c->country, sizeof(rec.country));
    rec.has_pos = c->has_pos;
    rec.lat = c->lat;
    rec.lon = c->lon;
    px_strlcpy(rec.verdict, px_verdict_name(c->out->verdict), sizeof(rec.verdict));
    px_strlcpy(rec.source, c->w->source, sizeof(rec.source));
    px_strlcpy(rec.client, client, sizeof(rec.client));
    px_rc rc;
    int full = 0;
    size_t written;
    if (px_scan_buffer_push(c->app->scans, &rec, &full) != 0) {
        /* No room: write what waits, then this one joins the emptied buffer. */
        if ((rc = px_scan_buffer_flush(c->app->scans, db, &written, err)) != PX_OK)
            return rc;
        if (px_scan_buffer_push(c->app->scans, &rec, &full) != 0)
            return px_err_oom(err);
    }
    /* This scan is in the buffer now: a flush that fails keeps it there for the next one
     * (scan_buffer.h), so the verdict still goes out (an error here would have the client
     * retry, and scan twice). */
    px_err ferr;
    if (full && px_scan_buffer_flush(c->app->scans, db, &written, &ferr) != PX_OK)
        px_logf(PX_LOG_ERROR, "scan buffer flush failed, the scans stay buffered: %s",
                ferr.message);
    return PX_OK;
}

/* REQ-CLONE-6: the common case in one round trip (docs/resolver.md "Speed"): a scan of a
 * known pack that raises nothing. One read gives the pack, its product, its open alert and
 * its recent scans; the buffered scans of the same serial join the history; when the rules
 * raise nothing the scan joins the buffer and the answer goes. *done = 0 hands over to the transaction
 * (verify_body): an unknown serial (the enumeration count), or a flag (the alert and its
 * webhook, written with the scan, durably). The read's history is not cut at the serial's last
 * closed alert (scan_store.c LOOKUP_FROM): it errs only towards a flag, and a flag is decided
 * again in the transaction on the exact history, so a serial whose alert was closed takes the
 * transaction while its older far-apart scans stay in the window. */
static px_rc fast_verify(verify_ctx *c, px_db *db, int *done, px_err *err)
{
    px_public_view *o = c->out; /* zeroed by px_svc_public_verify, its only caller */
    *done = 0;
    px_clone_rules rules;
    int64_t now_us = px_now_us();
    int64_t since = now_us - rules_of(c->app, &rules);
    px_scan_row rows[HISTORY_ROWS];
    int n = 0;
    px_scan_lookup own;
    const px_scan_lookup *lk = &own;
    px_rc rc = PX_OK;
    if (c->pre) {
        /* Read by the batch (verify_batch.h): the scan happened at the read's instant. */
        lk = &c->pre->lookup;
        now_us = c->pre->at_us;
        since = c->pre->since_us;
        if ((rc = c->pre->rc) != PX_OK)
            *err = c->pre->err;
    } else {
        /* REQ-SCALE-5: the lookup may read a standby fenced at the primary's WAL position when
         * the request began (no stale verdict: read_db.c); the scan it records is buffered
         * and written on the primary, and any outcome that writes at once (a clone flag, an
         * unknown serial) leaves this path for verify_body's transaction on the primary. */
        own = (px_scan_lookup){.gtin = c->gtin, .serial = c->serial, .wide = !c->w->verdict_only};
        px_scan_lookup *one = &own;
        rc = px_store_scan_lookup_many(c->w->lookup_db ? c->w->lookup_db : db, &one, 1, since,
                                       now_us, err);
    }
    if (rc != PX_OK)
        return rc;
    o->pub = lk->pub;
    n = lk->n;
    memcpy(rows, lk->rows, (size_t)n * sizeof(rows[0]));
    if (c->pre) {
        /* The scans buffered when the batch read (a scan written meanwhile is in the read or
         * here; one in both is harmless: scan_buffer.h). */
        memcpy(rows + n, c->pre->buffered, (size_t)c->pre->nbuffered * sizeof(rows[0]));
        n += c->pre->nbuffered;
    }
    if ((rc = verdict_of(c, now_us, err)) != PX_OK)
        return rc;
    if (!o->pub.product_found) {
        *done = 1; /* nobody's GTIN: nothing to record (as verify_body) */
        return PX_OK;
    }
    if (o->verdict == PX_VERDICT_UNKNOWN)
        return PX_OK;
    px_scan_buffer_history(c->app->scans, c->gtin, c->serial, since, rows, &n, HISTORY_ROWS);
    px_scan now;
    char client[PX_SHA256_HEX_LEN + 1];
    if ((rc = scan_now(c, db, now_us, &now, client, err)) != PX_OK)
        return rc;
    if (evaluate(&rules, o, rows, n, &now))
        return PX_OK;
    if ((rc = buffer_scan(c, db, now_us, client, err)) != PX_OK)
        return rc;
    if (o->pub.open_alert)
        o->verdict = PX_VERDICT_SUSPECT; /* REQ-CLONE-5: a flagged serial is suspect */
    *done = 1;
    return PX_OK;
}

static px_rc verify_body(px_tx *tx, void *vc, px_err *err)
{
    verify_ctx *c = vc;
    px_public_view *o = c->out;
    memset(o, 0, sizeof(*o)); /* a rerun starts afresh (tx.h) */
    px_rc rc = px_store_pack_public(px_tx_db(tx), &o->pub, c->gtin, c->serial, err);
    int64_t now_us = px_now_us();
    if (rc != PX_OK || (rc = verdict_of(c, now_us, err)) != PX_OK)
        return rc;
    if (!o->pub.product_found || !c->serial[0]) {
        px_tx_discard(tx); /* nobody's GTIN, or a product-level request: nothing to record */
        return PX_OK;
    }
    int known = o->verdict != PX_VERDICT_UNKNOWN;
    if (c->w->asked && known) {
        /* Not a scan (a linkset or redirect asked by a machine): the verdict only. */
        if (o->pub.open_alert)
            o->verdict = PX_VERDICT_SUSPECT;
        px_tx_discard(tx);
        return PX_OK;
    }
    /* An unknown serial is a guess in whatever form it is asked: a linkset or a redirect tells
     * a known serial from an unknown one too (the verification service's link is completed by
     * a known pack's batch). So it is recorded as the resolver's scan, which the enumeration
     * limit below counts (REQ-ABUSE-2). */
    const char *source = c->w->source;
    px_scan now;
    char client[PX_SHA256_HEX_LEN + 1];
    if ((rc = scan_now(c, px_tx_db(tx), now_us, &now, client, err)) != PX_OK)
        return rc;
    px_scan_in in = {.gtin = c->gtin,
                     .serial = c->serial,
                     .at_us = now_us,
                     .country = c->country[0] ? c->country : NULL,
                     .has_pos = c->has_pos,
                     .lat = c->lat,
                     .lon = c->lon,
                     .client_addr = c->w->client_addr ? c->w->client_addr : "",
                     .known = known,
                     .verdict = px_verdict_name(o->verdict),
                     .source = source};
    /* The history is read before this scan is stored, so the rules compare it with "now". */
    if (known && (rc = clone_check(tx, c, &now, err)) != PX_OK)
        return rc;
    /* A scan of a known pack that raised nothing commits without waiting for the WAL flush
     * (the public verification's hot path); one that opened an alert or queued a webhook, and
     * every scan of an unknown serial (which may open an enumeration alert below), waits. */
    in.durable = !known || o->flags || o->alert_opened;
    if ((rc = px_store_scan_insert(px_tx_db(tx), &in, client, err)) != PX_OK)
        return rc;
    if (known) {
        if (o->flags || o->pub.open_alert)
            o->verdict = PX_VERDICT_SUSPECT; /* REQ-CLONE-5: a flagged serial is suspect */
        return PX_OK;
    }
    /* REQ-ABUSE-2: enumeration — many unknown serials of one MAH from one client in an hour
     * (docs/resolver.md "Abuse limits"): the client is slowed (the face drains its bucket) and the
     * MAH gets one open alert per client. */
    long unknown = 0;
    if ((rc = px_store_scan_unknown_count(px_tx_db(tx), &unknown, o->pub.mah_id, client, now_us,
                                          err)) != PX_OK)
        return rc;
    if (unknown <= c->app->cfg.enum_limit)
        return PX_OK;
    o->enumeration = 1;
    char id[PX_UUID_LEN + 1];
    int opened = 0;
    return px_store_alert_open(px_tx_db(tx), &opened, id, o->pub.mah_id, c->gtin, c->serial, client,
                               "enumeration", "enumeration", now_us, err);
}

/* The request's inputs into c (g: the normalised GTIN's room), checked: 422 naming the
 * field. */
static px_rc verify_input(verify_ctx *c, char g[GS1_GTIN_LEN + 1], const char *gtin, px_err *err)
{
    const px_scan_where *w = c->w;
    if (px__gtin_field(g, gtin, err) != PX_OK)
        return PX_EINVALID;
    if (c->serial[0] && gs1_cset82_validate(c->serial, GS1_SERIAL_MAX, err) != PX_OK) {
        px_err_field(err, "serial");
        return PX_EINVALID;
    }
    if (c->batch && gs1_cset82_validate(c->batch, GS1_BATCH_MAX, err) != PX_OK) {
        px_err_field(err, "batch");
        return PX_EINVALID;
    }
    gs1_date d;
    if (c->expiry && gs1_expiry_parse(&d, c->expiry, px_now_us(), err) != PX_OK) {
        px_err_field(err, "expiry");
        return PX_EINVALID;
    }
    if (w->country && *w->country) {
        if (strlen(w->country) == 2) {
            c->country[0] = (char)(w->country[0] & ~0x20);
            c->country[1] = (char)(w->country[1] & ~0x20);
        }
        if (!c->country[0] || !gs1_iso3166_alpha2(c->country))
            return bad(err, "country", "invalid_value", "country must be ISO 3166-1 alpha-2");
    }
    if ((w->lat && *w->lat) || (w->lon && *w->lon)) {
        if (!coordinate(w->lat, 90.0, &c->lat))
            return bad(err, "lat", "invalid_value", "lat must be a number in -90..90");
        if (!coordinate(w->lon, 180.0, &c->lon))
            return bad(err, "lon", "invalid_value", "lon must be a number in -180..180");
        c->has_pos = 1;
    }
    return PX_OK;
}

/* Whether a verification of these inputs starts with the fast path's read (fast_verify): a
 * serial, a scan to record (not a question: px_scan_where.asked), a buffer to record it in. */
static int fast_path(const px_app *app, const px_scan_where *w, const char *serial)
{
    return serial && serial[0] && !w->asked && app->scans;
}

px_verify_prefetch *px_svc_public_verify_prefetch(px_verify_batch *vb, const px_app *app,
                                                  const char *gtin, const char *serial,
                                                  const char *batch, const char *expiry,
                                                  const px_scan_where *w)
{
    /* Reads from a standby (REQ-SCALE-5) wait for its fence, each its own. */
    if (!vb || !fast_path(app, w, serial) || app->cfg.verify_on_standby)
        return NULL;
    px_err err;
    char g[GS1_GTIN_LEN + 1];
    verify_ctx c = {.app = app, .serial = serial, .batch = batch, .expiry = expiry, .w = w};
    if (verify_input(&c, g, gtin, &err) != PX_OK)
        return NULL; /* px_svc_public_verify refuses it */
    px_verify_prefetch *pre = calloc(1, sizeof(*pre));
    if (!pre)
        return NULL; /* it reads for itself */
    px_strlcpy(pre->gtin, g, sizeof(pre->gtin));
    px_strlcpy(pre->serial, serial, sizeof(pre->serial));
    pre->lookup.wide = !w->verdict_only;
    return pre;
}

px_rc px_svc_public_verify(const px_app *app, px_db *db, const char *gtin, const char *serial,
                           const char *batch, const char *expiry, const px_scan_where *w,
                           const px_verify_prefetch *pre, px_public_view *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    char g[GS1_GTIN_LEN + 1];
    verify_ctx c = {.app = app,
                    .gtin = g,
                    .serial = serial ? serial : "",
                    .batch = batch,
                    .expiry = expiry,
                    .w = w,
                    .out = out};
    px_rc rc = verify_input(&c, g, gtin, err);
    if (rc != PX_OK)
        return rc;
    if (fast_path(app, w, c.serial) && !px_db_is_sandbox(db)) {
        /* A read the batch took for these inputs (px_svc_public_verify_prefetch). */
        c.pre = pre && atomic_load(&pre->done) == 1 && strcmp(pre->gtin, g) == 0 &&
                        strcmp(pre->serial, c.serial) == 0 &&
                        pre->lookup.wide == !w->verdict_only && !w->lookup_db
                    ? pre
                    : NULL;
        int done = 0;
        if ((rc = fast_verify(&c, db, &done, err)) != PX_OK || done)
            return rc;
        /* The transaction's history must hold every scan: the buffered ones are written
         * first. */
        size_t written;
        if ((rc = px_scan_buffer_flush(app->scans, db, &written, err)) != PX_OK)
            return rc;
    }
    return px_tx_run(db, NULL, verify_body, &c, err);
}

px_rc px_svc_alerts_each(px_db *db, const px_actor *by, const char *state, const char *cursor,
                         long limit, px_alert_fn fn, void *ctx, px_err *err)
{
    static const char *const states[] = {"open", "closed"};
    px_rc rc = state && *state ? px_name_pick(states, PX_COUNT(states), state, "invalid_value",
                                              "state", NULL, err)
                               : PX_OK;
    if (rc != PX_OK)
        return rc;
    if (px_cursor_check_uuid(cursor, err) != PX_OK)
        return PX_EINVALID;
    return px_store_alerts_each(db, by->org_id, state && *state ? state : NULL, cursor, limit, fn,
                                ctx, err);
}

typedef struct close_ctx {
    const char *id, *reason;
    px_alert *out;
} close_ctx;

static px_rc close_body(px_tx *tx, void *vc, px_err *err)
{
    close_ctx *c = vc;
    const px_actor *by = px_tx_actor(tx);
    px_rc rc =
        px_store_alert_close(px_tx_db(tx), c->out, by->org_id, c->id, c->reason, px_now_us(), err);
    if (rc != PX_OK)
        return rc;
    px_audit_str(px_tx_audit(tx, by->org_id, "alert.close", c->id), "reason", c->reason);
    return PX_OK;
}

px_rc px_svc_alert_close(px_db *db, const px_actor *by, const char *id, const char *reason,
                         px_alert *out, px_err *err)
{
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "no alert %s", id);
    /* Why the alert was closed is what its audit entry keeps: text a person can read, not only
     * spaces or invisible characters, as a print job's reason (docs/api.md "Limits"). */
    if (!reason)
        return px_err_set_field(err, PX_EINVALID, "required", "reason", "reason is required");
    if (px_text_check(reason, PX_ALERT_REASON_MAX, "reason", err) != PX_OK)
        return PX_EINVALID;
    close_ctx c = {id, reason, out};
    return px_tx_run(db, by, close_body, &c, err);
}

typedef struct passport_ctx {
    const char *gtin;
    const char *const *fields;
    int n;
} passport_ctx;

static px_rc passport_body(px_tx *tx, void *vc, px_err *err)
{
    passport_ctx *c = vc;
    const px_actor *by = px_tx_actor(tx);
    px_rc rc = px_store_passport_put(px_tx_db(tx), by->org_id, c->gtin, c->fields, c->n, err);
    if (rc != PX_OK)
        return rc;
    px_audit_strs(px_tx_audit(tx, by->org_id, "product.passport", c->gtin), "public_fields",
                  c->fields, (size_t)c->n);
    return PX_OK;
}

/* The names a passport may list: the master data's members (PX_MASTER_DATA_FIELDS), the only
 * keys a product's master data can hold, so a name outside them could never be shown. */
#define PASSPORT_NAME(name, member) name,
static const char *const k_passport_names[] = {PX_MASTER_DATA_FIELDS(PASSPORT_NAME)};
#undef PASSPORT_NAME

px_rc px_svc_passport_put(px_db *db, const px_actor *by, const char *gtin,
                          const char *const *fields, int n, px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    if (px__product_gtin(g, gtin, err) != PX_OK)
        return PX_ENOTFOUND;
    /* The HTTP reader takes at most as many (h_alerts.c), and answers more the same way. */
    if (n > (int)PX_COUNT(k_passport_names)) {
        px_err_set(err, PX_EINVALID, "invalid_value",
                   "public_fields must be an array of at most %zu strings",
                   PX_COUNT(k_passport_names));
        px_err_field(err, "public_fields");
        return PX_EINVALID;
    }
    for (int i = 0; i < n; i++) {
        if (px_name_pick(k_passport_names, PX_COUNT(k_passport_names), fields[i], "invalid_value",
                         "public field", NULL, err) != PX_OK) {
            px_err_field(err, "public_fields[%d]", i);
            return PX_EINVALID;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(fields[i], fields[j]) == 0) {
                px_err_set(err, PX_EINVALID, "duplicate", "'%s' is listed twice", fields[i]);
                px_err_field(err, "public_fields[%d]", i);
                return PX_EINVALID;
            }
    }
    passport_ctx c = {g, fields, n};
    return px__product_found(px_tx_run(db, by, passport_body, &c, err), g, err);
}

px_rc px_svc_passport_get(px_db *db, const px_actor *by, const char *gtin, char fields[][65],
                          int *n, px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    *n = 0;
    if (px__product_gtin(g, gtin, err) != PX_OK)
        return PX_ENOTFOUND;
    return px__product_found(
        px_store_passport_get(db, by->org_id, g, fields, n, PX_PASSPORT_FIELDS_MAX, err), g, err);
}
