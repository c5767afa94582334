/* EPCIS 2.0 capture (epcis_capture.h). What capture means for packid (docs/epcis.md "EPCIS
 * 2.0 capture"): a commissioning ObjectEvent (ADD, bizStep commissioning, SGTINs of one GTIN,
 * ILMD lot and expiry) is a commission by the caller — px_svc_commission, so the same
 * validation, pool uniqueness, visibility, gating, state, audit and outbox as
 * POST /v1/commissions. Every other event is refused with the reason, never half applied. An
 * event already applied (same eventID, or the same hash ID when it came without one) is
 * skipped: sending a document again changes nothing. */
#include "epcis_capture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis.h"
#include "gs1.h"
#include "lifecycle.h"
#include "px_buf.h"
#include "px_crypto.h"
#include "px_jsonw.h"
#include "px_str.h"

typedef struct item {
    size_t index;
    char event_id[PX_EPCIS_EVENT_ID_MAX];
    char gtin[GS1_GTIN_LEN + 1];
    char lot[24];
    char expiry[7];                /* YYMMDD */
    char **serials;
    size_t n_serials;
    int duplicate;                 /* applied by an earlier capture */
    int applied;
    int status;                    /* refused: the problem's status */
    const char *type;              /* refused: the problem's type */
    char detail[256];              /* refused: why ("" when the event is good) */
} item;

typedef struct capture_ctx {
    item *items;
    size_t n, cap;
    px_epcis_format format;
    int over_limit;
    px_rc rc;                      /* out of memory while collecting */
} capture_ctx;

static void items_free(capture_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t k = 0; k < c->items[i].n_serials; k++)
            free(c->items[i].serials[k]);
        free(c->items[i].serials);
    }
    free(c->items);
}

static void refuse(item *it, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void refuse(item *it, int status, const char *type, const char *fmt, ...)
{
    it->status = status;
    it->type = type;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
    va_end(ap);
}

/* "YYYY-MM-DD" (JSON-LD and XML) or the AI (17) "YYMMDD" → YYMMDD; -1 otherwise. */
static int expiry_yymmdd(char out[7], const char *s)
{
    size_t n = strlen(s);
    if (n == 6 && strspn(s, "0123456789") == 6) {
        memcpy(out, s, 7);
        return 0;
    }
    if (n == 10 && s[4] == '-' && s[7] == '-' && strspn(s, "0123456789") == 4 &&
        strspn(s + 5, "0123456789") == 2 && strspn(s + 8, "0123456789") == 2) {
        char v[7] = {s[2], s[3], s[5], s[6], s[8], s[9], '\0'};
        memcpy(out, v, 7);
        return 0;
    }
    return -1;
}

static int add_serial(item *it, const char *serial)
{
    char **v = realloc(it->serials, (it->n_serials + 1) * sizeof(*v));
    if (!v)
        return -1;
    it->serials = v;
    if (!(v[it->n_serials] = strdup(serial)))
        return -1;
    it->n_serials++;
    return 0;
}

/* The event as one commission (it->detail empty), or the reason it is not one. */
static int take_event(item *it, const px_epcis_event *ev)
{
    if (ev->type != PX_EPCIS_OBJECT_EVENT || ev->action != PX_EPCIS_ADD ||
        ev->biz_step != PX_BIZSTEP_COMMISSIONING) {
        refuse(it, 400, "epcisException:ValidationException", "%s",
               "packid captures commissioning ObjectEvents only (action ADD, bizStep "
               "commissioning); other events have no effect on packid's state");
        return 0;
    }
    if (ev->n_quantities > 0) {
        refuse(it, 400, "epcisException:ValidationException",
               "class-level quantities cannot be commissioned: list the SGTINs%s", "");
        return 0;
    }
    for (size_t i = 0; i < ev->n_epcs; i++) {
        char gtin[GS1_GTIN_LEN + 1], serial[GS1_SERIAL_MAX + 1];
        int gcp = 0;
        px_err e2;
        px_err_clear(&e2);
        if (gs1_epc_sgtin_parse(gtin, serial, &gcp, ev->epcs[i], &e2) != PX_OK) {
            refuse(it, 400, "epcisException:ValidationException",
                   "%s is not an SGTIN URI", ev->epcs[i]);
            return 0;
        }
        if (it->gtin[0] && strcmp(it->gtin, gtin) != 0) {
            refuse(it, 400, "epcisException:ValidationException",
                   "one commissioning event holds packs of one GTIN (also %s)", gtin);
            return 0;
        }
        px_strlcpy(it->gtin, gtin, sizeof(it->gtin));
        if (add_serial(it, serial) != 0)
            return -1;
    }
    if (ev->sgtin_gtin && ev->n_serials > 0) {
        if (it->gtin[0] && strcmp(it->gtin, ev->sgtin_gtin) != 0) {
            refuse(it, 400, "epcisException:ValidationException",
                   "one commissioning event holds packs of one GTIN (also %s)", ev->sgtin_gtin);
            return 0;
        }
        px_strlcpy(it->gtin, ev->sgtin_gtin, sizeof(it->gtin));
        for (size_t i = 0; i < ev->n_serials; i++)
            if (add_serial(it, ev->serials[i]) != 0)
                return -1;
    }
    if (it->n_serials == 0) {
        refuse(it, 400, "epcisException:ValidationException", "no SGTIN to commission%s", "");
        return 0;
    }
    /* A commission names its batch and expiry (docs/api.md "Commissioning"). */
    if (!ev->lot || !ev->lot[0] || strlen(ev->lot) >= sizeof(it->lot)) {
        refuse(it, 400, "epcisException:ValidationException",
               "the ILMD needs cbvmda:lotNumber (1 to 20 characters)%s", "");
        return 0;
    }
    px_strlcpy(it->lot, ev->lot, sizeof(it->lot));
    if (!ev->expiry || expiry_yymmdd(it->expiry, ev->expiry) != 0) {
        refuse(it, 400, "epcisException:ValidationException",
               "the ILMD needs cbvmda:itemExpirationDate (YYYY-MM-DD)%s", "");
        return 0;
    }
    return 0;
}

static int on_header(void *vctx, px_epcis_format format, const px_epcis_doc_header *h)
{
    (void)h;
    ((capture_ctx *)vctx)->format = format;
    return 0;
}

static int on_event(void *vctx, const px_epcis_event *ev)
{
    capture_ctx *c = vctx;
    if (c->n == PX_CAPTURE_MAX_EVENTS) {
        c->over_limit = 1;
        return 1;
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        item *v = realloc(c->items, nc * sizeof(*v));
        if (!v) {
            c->rc = PX_EINTERNAL;
            return 1;
        }
        c->items = v;
        c->cap = nc;
    }
    item *it = &c->items[c->n++];
    memset(it, 0, sizeof(*it));
    it->index = c->n - 1;
    /* A captured event keeps the eventID it arrived with; one without gets its hash ID
     * (DOMAIN-2.md §14.3), the reader having checked that it hashes. */
    if (ev->event_id && ev->event_id[0]) {
        px_strlcpy(it->event_id, ev->event_id, sizeof(it->event_id));
        if (strlen(ev->event_id) >= sizeof(it->event_id) ||
            !px_str_printable(ev->event_id, sizeof(it->event_id) - 1))
            refuse(it, 400, "epcisException:ValidationException",
                   "an eventID of at most %zu printable characters is expected",
                   sizeof(it->event_id) - 1);
    } else {
        px_err e2;
        px_err_clear(&e2);
        if (px_epcis_event_hash(it->event_id, ev, &e2) != PX_OK)
            refuse(it, 400, "epcisException:ValidationException", "%s", e2.message);
    }
    if (!it->detail[0] && take_event(it, ev) != 0) {
        c->rc = PX_EINTERNAL;
        return 1;
    }
    return 0;
}

/* Applies the commission of serials (of items' GTIN, lot, expiry); refuses the items it
 * stands for with the commission's reason. */
static px_rc commission(px_db *db, const px_actor *by, const item *it, const char *const *serials,
                        size_t n, char commission_id[PX_ID_LEN + 1], int *status,
                        const char **type, char *detail, size_t detail_cap)
{
    px_commission_req req = {
        .product_code = it->gtin,
        .product_code_schema = "GTIN",
        .batch = it->lot,
        .expiry_date = it->expiry,
        .serials = serials,
        .n_serials = n,
        .partial = 0,
    };
    px_commission_result res;
    memset(&res, 0, sizeof(res));
    px_err err;
    px_err_clear(&err);
    px_rc rc = px_svc_commission(db, by, &req, NULL, &res, &err);
    if (rc == PX_OK) {
        px_strlcpy(commission_id, res.commission_id, PX_ID_LEN + 1);
    } else {
        *status = rc == PX_EEXISTS ? 409 : rc == PX_ENOTFOUND ? 404 : rc == PX_EFORBIDDEN ? 403
                                                                                          : 400;
        *type = rc == PX_EEXISTS     ? "epcisException:ResourceAlreadyExistsException"
                : rc == PX_ENOTFOUND ? "epcisException:NoSuchResourceException"
                : rc == PX_EFORBIDDEN ? "epcisException:SecurityException"
                                      : "epcisException:ValidationException";
        /* A long reason is cut to the detail's size (the return value says by how much). */
        int n_out = res.n_errors > 0 ? snprintf(detail, detail_cap, "%s: %s (serial %s)",
                                                err.code, res.errors[0].message,
                                                serials[res.errors[0].index])
                                     : snprintf(detail, detail_cap, "%s: %s", err.code,
                                                err.message);
        if (n_out < 0)
            px_strlcpy(detail, "the commission was refused", detail_cap);
    }
    px_commission_result_dispose(&res);
    return rc;
}

/* The job's errors: one RFC 7807 object per refused event (instance = its eventID). */
static px_rc errors_json(px_buf *b, const capture_ctx *c)
{
    px_buf_puts(b, "[");
    int first = 1;
    for (size_t i = 0; i < c->n; i++) {
        const item *it = &c->items[i];
        if (!it->detail[0])
            continue;
        char d[320];
        snprintf(d, sizeof(d), "events[%zu]: %s", it->index, it->detail);
        px_buf_puts(b, first ? "{\"type\":" : ",{\"type\":");
        first = 0;
        px_jsonw_string(b, it->type);
        px_buf_puts(b, ",\"title\":\"Event not captured\",");
        px_buf_printf(b, "\"status\":%d,\"detail\":", it->status);
        px_jsonw_string(b, d);
        if (it->event_id[0]) {
            px_buf_puts(b, ",\"instance\":");
            px_jsonw_string(b, it->event_id);
        }
        px_buf_puts(b, "}");
    }
    px_buf_puts(b, "]");
    return b->data ? PX_OK : PX_EINTERNAL;
}

/* REQ-EPCISREST-6: rollback: every event good, and what is new one commission (one transaction): packid's
 * use case commits one batch at a time, so a document spanning several batches cannot be
 * all-or-nothing and is refused whole (send one document per batch, or proceed). */
static long apply_rollback(px_db *db, const px_actor *by, capture_ctx *c, const char *capture_id,
                           px_err *err)
{
    const item *base = NULL;
    size_t total = 0;
    for (size_t i = 0; i < c->n; i++) {
        item *it = &c->items[i];
        if (it->detail[0])
            return 0; /* nothing applied: the job lists the bad ones */
        if (it->duplicate)
            continue;
        if (base && (strcmp(base->gtin, it->gtin) != 0 || strcmp(base->lot, it->lot) != 0 ||
                     strcmp(base->expiry, it->expiry) != 0)) {
            refuse(it, 400, "epcisException:ValidationException",
                   "under rollback packid applies one batch per document (one GTIN, lot and "
                   "expiry) atomically; send one document per batch or use proceed%s",
                   "");
            return 0;
        }
        base = base ? base : it;
        total += it->n_serials;
    }
    if (!base)
        return 0;
    const char **all = malloc(total * sizeof(*all));
    if (!all) {
        px_err_oom(err);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        for (size_t s = 0; !c->items[i].duplicate && s < c->items[i].n_serials; s++)
            all[k++] = c->items[i].serials[s];
    char cid[PX_ID_LEN + 1] = "";
    int status = 0;
    const char *type = NULL;
    char detail[256];
    px_rc rc = commission(db, by, base, all, total, cid, &status, &type, detail, sizeof(detail));
    free(all);
    long applied = 0;
    const char **ids = rc == PX_OK ? malloc(c->n * sizeof(*ids)) : NULL;
    if (rc == PX_OK && !ids) {
        px_err_oom(err);
        return -1;
    }
    for (size_t i = 0; i < c->n; i++) {
        item *it = &c->items[i];
        if (it->duplicate)
            continue;
        if (rc != PX_OK) {
            refuse(it, status, type, "%s", detail);
            continue;
        }
        it->applied = 1;
        ids[applied++] = it->event_id;
    }
    /* One statement for every event of the commission (a row per event would cost a commit
     * each). */
    if (ids && px_store_captured_events_add(db, by->org_id, ids, (size_t)applied, capture_id, cid,
                                            err) != PX_OK)
        applied = -1;
    free(ids);
    return applied;
}

/* REQ-EPCISREST-6: proceed: each good event is its own commission; a refused one is listed. */
static long apply_proceed(px_db *db, const px_actor *by, capture_ctx *c, const char *capture_id,
                          px_err *err)
{
    long applied = 0;
    for (size_t i = 0; i < c->n; i++) {
        item *it = &c->items[i];
        if (it->detail[0] || it->duplicate)
            continue;
        char cid[PX_ID_LEN + 1] = "";
        if (commission(db, by, it, (const char *const *)it->serials, it->n_serials, cid,
                       &it->status, &it->type, it->detail, sizeof(it->detail)) != PX_OK)
            continue;
        it->applied = 1;
        applied++;
        const char *one[] = {it->event_id};
        if (px_store_captured_events_add(db, by->org_id, one, 1, capture_id, cid, err) != PX_OK)
            return -1;
    }
    return applied;
}

px_rc px_svc_epcis_capture(px_db *db, const px_actor *by, const char *body, size_t len,
                           int proceed, char capture_id[PX_ID_LEN + 1], px_err *err)
{
    capture_ctx c;
    memset(&c, 0, sizeof(c));
    px_buf errs;
    px_buf_init(&errs, (size_t)64 * 1024 * 1024);
    capture_id[0] = '\0';
    px_rc rc = px_policy_check(by->role, PX_ACT_COMMISSION, err);
    if (rc != PX_OK)
        goto done;
    /* Read the whole document first: one that cannot be read is refused whole (400
     * ValidationException), one over the limit too (413), before anything is applied. */
    px_epcis_read_cb cb = {.on_header = on_header, .on_event = on_event, .ctx = &c};
    px_err rerr;
    px_err_clear(&rerr);
    rc = px_epcis_read_buffer(body, len, &cb, &rerr);
    if (c.rc != PX_OK) {
        rc = px_err_oom(err);
        goto done;
    }
    if (c.over_limit) {
        rc = px_err_set(err, PX_ETOOBIG, "capture_limit",
                        "a capture holds at most %d events", PX_CAPTURE_MAX_EVENTS);
        goto done;
    }
    if (rc != PX_OK) {
        rc = px_err_set(err, PX_EINVALID, "epcis_validation", "%s%s%s", rerr.field,
                        rerr.field[0] ? ": " : "", rerr.message);
        goto done;
    }
    /* Events applied before (one query for the document). */
    if (c.n > 0) {
        const char **ids = malloc(c.n * sizeof(*ids));
        unsigned char *known = malloc(c.n);
        size_t k = 0;
        if (ids && known)
            for (size_t i = 0; i < c.n; i++)
                if (!c.items[i].detail[0])
                    ids[k++] = c.items[i].event_id;
        rc = ids && known ? px_store_captured_events_known(db, by->org_id, ids, k, known, err)
                          : px_err_oom(err);
        for (size_t i = 0, j = 0; rc == PX_OK && i < c.n; i++)
            if (!c.items[i].detail[0])
                c.items[i].duplicate = known[j++];
        free(ids);
        free(known);
        if (rc != PX_OK)
            goto done;
    }
    if (px_uuid_v4(capture_id) != PX_OK) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
        goto done;
    }
    if ((rc = px_store_capture_create(db, capture_id, by->org_id,
                                      proceed ? "proceed" : "rollback",
                                      px_epcis_format_name(c.format), (long)c.n, err)) != PX_OK)
        goto done;
    long applied = proceed ? apply_proceed(db, by, &c, capture_id, err)
                           : apply_rollback(db, by, &c, capture_id, err);
    if (applied < 0) {
        rc = err->rc;
        goto done;
    }
    int ok = 1;
    for (size_t i = 0; i < c.n; i++)
        if (c.items[i].detail[0])
            ok = 0;
    if (errors_json(&errs, &c) != PX_OK) {
        rc = px_err_oom(err);
        goto done;
    }
    rc = px_store_capture_finish(db, capture_id, ok, applied, errs.data, err);
done:
    px_buf_dispose(&errs);
    items_free(&c);
    return rc;
}

px_rc px_svc_epcis_capture_get(px_db *db, const px_actor *by, const char *id,
                               px_capture_row *out, px_err *err)
{
    memset(out, 0, sizeof(out[0]));
    px_rc rc = px_policy_check(by->role, PX_ACT_COMMISSION, err);
    if (rc != PX_OK)
        return rc;
    return px_store_capture_get(db, by->role == PX_ROLE_ADMIN ? NULL : by->org_id, id, out,
                                err);
}
