/* EPCIS 2.0 capture (epcis_capture.h). What capture means for packid (docs/epcis.md "EPCIS
 * 2.0 capture"): a commissioning ObjectEvent (ADD, bizStep commissioning, SGTINs of one GTIN,
 * ILMD lot and expiry) is a commission by the caller — px_svc_commission, so the same
 * validation, pool uniqueness, visibility, gating, state, audit and outbox as
 * POST /v1/commissions; an AggregationEvent ADD or DELETE with an SSCC parent is a packing or
 * unpacking — px_svc_aggregate, the rules of POST /v1/aggregations. Every other event is
 * refused with the reason, never half applied. An event already applied (same eventID and
 * content, or the same hash ID when it came without an eventID) is skipped: sending a
 * document again changes nothing; another event under an eventID applied is refused.
 *
 * The whole document is applied in one transaction, each use case in a savepoint of it
 * (service/tx.h): under rollback the first refusal rolls everything back, under proceed only
 * the refused event's savepoint is rolled back. */
#include "epcis_capture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_items.h"
#include "epcis.h"
#include "gs1.h"
#include "lifecycle.h"
#include "pack_identity.h"
#include "packing.h"
#include "px_buf.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_jsonw.h"
#include "px_log.h"
#include "px_str.h"
#include "tx.h"

/* The capture's problem for a use case's refusal. */
static px_epcis_ex problem_of(px_rc rc)
{
    return rc == PX_EEXISTS      ? PX_EPCIS_EX_RESOURCE_EXISTS
           : rc == PX_ENOTFOUND  ? PX_EPCIS_EX_NO_SUCH_RESOURCE
           : rc == PX_EFORBIDDEN ? PX_EPCIS_EX_SECURITY
                                 : PX_EPCIS_EX_VALIDATION;
}

/* A failure of the capture itself rather than a refusal of its events: out of memory, or a
 * serialization failure or deadlock the outermost transaction reruns. */
static int capture_fails(px_rc rc, const px_err *e)
{
    return rc == PX_EINTERNAL || px_tx_retryable(rc, e);
}

/* The captured event's time and place, which packid's own event of what it applies keeps
 * (not the capture's time and place). */
static px_event_origin origin_of(const item *it)
{
    return (px_event_origin){.event_time_us = it->event_time_us,
                             .tz_offset_min = it->tz_offset_min,
                             .read_point = it->read_point,
                             .biz_location = it->biz_location};
}

/* Applies the commission of serials (of items' GTIN, lot, expiry, at its time and place);
 * refuses the items it stands for with the commission's reason. */
static px_rc commission(px_db *db, const px_actor *by, const item *it, const char *const *serials,
                        size_t n, char commission_id[PX_ID_LEN + 1], px_epcis_ex *ex, char *detail,
                        size_t detail_cap, px_err *err)
{
    px_event_origin origin = origin_of(it);
    px_commission_req req = {
        .product_code = it->gtin,
        .product_code_schema = "GTIN",
        .batch = it->lot,
        .expiry_date = it->expiry,
        .serials = serials,
        .n_serials = n,
        .partial = 0,
        .origin = &origin,
    };
    px_commission_result res = {0};
    px_rc rc = px_svc_commission(db, by, &req, NULL, &res, err);
    if (rc == PX_OK) {
        px_strlcpy(commission_id, res.commission_id, PX_ID_LEN + 1);
    } else if (!capture_fails(rc, err)) {
        *ex = problem_of(rc);
        /* A long reason is cut to the detail's size, and the cut shows. */
        int n_out = res.n_errors > 0
                        ? snprintf(detail, detail_cap, "%s: %s (serial %s)", err->code,
                                   res.errors[0].message, serials[res.errors[0].index])
                        : snprintf(detail, detail_cap, "%s: %s", err->code, err->message);
        if (n_out < 0)
            px_strlcpy(detail, "the commission was refused", detail_cap);
        else
            px_cut_mark(detail, detail_cap, (size_t)n_out);
    }
    px_commission_result_dispose(&res);
    return rc;
}

typedef struct apply_ctx {
    capture_ctx *c;
    const px_capture_new *job;
    int proceed;
    long applied;
    int finished; /* the job's outcome was written in the transaction that applied */
} apply_ctx;

static px_rc errors_json(px_buf *b, const capture_ctx *c, px_err *err);
static int none_refused(const capture_ctx *c);

static int same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* b commissions into a's batch at a's place: one commission, one event, can stand for both
 * (dated by the later of the two: apply_commissions). */
static int same_batch(const item *a, const item *b)
{
    return b->kind == ITEM_COMMISSION && strcmp(a->gtin, b->gtin) == 0 &&
           strcmp(a->lot, b->lot) == 0 && strcmp(a->expiry, b->expiry) == 0 &&
           same_text(a->read_point, b->read_point) && same_text(a->biz_location, b->biz_location);
}

/* Items [from, to) (commissions of one batch; duplicates skipped) as one commission, their
 * eventIDs recorded with it in one statement (a row per event would cost a statement each).
 * *refused: the commission was refused (each item says why). */
static px_rc apply_commissions(px_db *db, const px_actor *by, apply_ctx *a, size_t from, size_t to,
                               int *refused, px_err *err)
{
    capture_ctx *c = a->c;
    size_t total = 0, n_ids = 0;
    for (size_t i = from; i < to; i++)
        total += c->items[i].duplicate ? 0 : c->items[i].n_serials;
    const char **all = malloc((total ? total : 1) * sizeof(*all));
    px_captured_id *ids = malloc((to - from) * sizeof(*ids));
    px_rc rc = PX_OK;
    if (!all || !ids) {
        rc = px_err_oom(err);
        goto done;
    }
    size_t k = 0;
    for (size_t i = from; i < to; i++)
        for (size_t s = 0; !c->items[i].duplicate && s < c->items[i].n_serials; s++)
            all[k++] = c->items[i].serials[s];
    char cid[PX_ID_LEN + 1] = "";
    px_epcis_ex ex = PX_EPCIS_EX_VALIDATION;
    char detail[256] = "";
    /* One event stands for the run: dated when its last pack was commissioned (the latest
     * eventTime of the events it applies; every pack of it was commissioned by then), a line
     * that sends an event per pack being one commission still (docs/epcis.md "Time and
     * place"). */
    size_t last = from;
    for (size_t i = from, found = 0; i < to; i++)
        if (!c->items[i].duplicate &&
            (!found++ || c->items[i].event_time_us >= c->items[last].event_time_us))
            last = i;
    rc = commission(db, by, &c->items[last], all, total, cid, &ex, detail, sizeof(detail), err);
    if (rc != PX_OK && capture_fails(rc, err))
        goto done;
    for (size_t i = from; i < to; i++) {
        item *it = &c->items[i];
        if (it->duplicate)
            continue;
        if (rc != PX_OK) {
            px__capture_refuse(it, ex, "%s", detail);
            it->refused_applying = 1;
            continue;
        }
        it->applied = 1;
        ids[n_ids++] = (px_captured_id){it->event_id, it->hash};
    }
    *refused = rc != PX_OK;
    a->applied += (long)n_ids;
    rc = px_store_captured_events_add(db, by->org_id, ids, n_ids, a->job->id, cid, NULL, err);
done:
    free(all);
    free(ids);
    return rc;
}

/* "childEPCs[i]: code: message; …" for each bad child of a refused aggregation, as POST
 * /v1/aggregations lists them in details: the first PX_CAPTURE_CHILDREN_NAMED, then "... and N
 * more". NULL: out of memory. */
static char *children_named(const px_agg_result *res)
{
    px_buf b; /* each child's part is under 200 bytes: code and message are bounded */
    px_buf_init(&b, PX_CAPTURE_CHILDREN_NAMED * 200);
    size_t named =
        res->n_errors < PX_CAPTURE_CHILDREN_NAMED ? res->n_errors : PX_CAPTURE_CHILDREN_NAMED;
    for (size_t i = 0; i < named; i++)
        px_buf_printf(&b, "%schildEPCs[%zu]: %s: %s", i ? "; " : "", res->errors[i].index,
                      res->errors[i].code, res->errors[i].message);
    if (res->n_errors > named)
        px_buf_printf(&b, "; ... and %zu more", res->n_errors - named);
    char *s = px_buf_failed(&b) == PX_OK ? px_buf_take(&b) : NULL;
    px_buf_dispose(&b);
    return s;
}

/* One AggregationEvent as px_svc_aggregate (REQ-EPCISREST-10): the same rules and per-child
 * errors as POST /v1/aggregations; the eventID recorded with the aggregation it became. */
static px_rc apply_aggregation(px_db *db, const px_actor *by, apply_ctx *a, item *it, int *refused,
                               px_err *err)
{
    px_agg_child *kids = malloc((it->n_children ? it->n_children : 1) * sizeof(*kids));
    if (!kids)
        return px_err_oom(err);
    for (size_t i = 0; i < it->n_children; i++) {
        const child *ch = &it->children[i];
        kids[i] = ch->sscc[0] ? (px_agg_child){NULL, NULL, ch->sscc}
                              : (px_agg_child){ch->gtin, ch->serial, NULL};
    }
    px_event_origin origin = origin_of(it);
    px_agg_request req = {.action = it->kind == ITEM_PACK ? PX_AGG_PACK : PX_AGG_UNPACK,
                          .parent_sscc = it->parent[0] ? it->parent : NULL,
                          .parent_gtin = it->parent_gtin[0] ? it->parent_gtin : NULL,
                          .parent_serial = it->parent_gtin[0] ? it->parent_serial : NULL,
                          .children = kids,
                          .n = it->n_children,
                          .origin = &origin};
    px_agg_result res;
    px_rc rc = px_svc_aggregate(db, by, &req, &res, err);
    free(kids);
    if (rc == PX_OK) {
        it->applied = 1;
        a->applied++;
        px_captured_id one = {it->event_id, it->hash};
        rc = px_store_captured_events_add(db, by->org_id, &one, 1, a->job->id, NULL,
                                          res.aggregation_id, err);
    } else if (!capture_fails(rc, err)) {
        px_epcis_ex ex = problem_of(rc);
        px__capture_refuse(it, ex, "%s: %s", err->code, err->message);
        if (res.n_errors > 0 && !(it->children_detail = children_named(&res))) {
            px_item_errors_free(res.errors);
            return px_err_oom(err);
        }
        it->refused_applying = 1;
        *refused = 1;
        rc = PX_OK;
    }
    px_item_errors_free(res.errors);
    return rc;
}

/* Events applied before are marked duplicate, and one whose eventID was applied with other
 * content is refused (one query for the document). hold: inside the applying transaction, the
 * document's eventIDs held first (px_store_captured_events_hold), so the same document sent
 * twice at once is applied once and the other finds it applied. */
static px_rc mark_known(px_db *db, const px_actor *by, capture_ctx *c, int hold, px_err *err)
{
    if (c->n == 0)
        return PX_OK;
    px_captured_id *ids = malloc(c->n * sizeof(*ids));
    unsigned char *known = malloc(c->n);
    size_t k = 0;
    if (ids && known)
        for (size_t i = 0; i < c->n; i++)
            if (!c->items[i].detail[0])
                ids[k++] = (px_captured_id){c->items[i].event_id, c->items[i].hash};
    px_rc rc = !ids || !known ? px_err_oom(err)
               : hold         ? px_store_captured_events_hold(db, by->org_id, ids, k, err)
                              : PX_OK;
    if (rc == PX_OK)
        rc = px_store_captured_events_known(db, by->org_id, ids, k, known, err);
    for (size_t i = 0, j = 0; rc == PX_OK && i < c->n; i++) {
        item *it = &c->items[i];
        if (it->detail[0])
            continue;
        unsigned char kn = known[j++];
        it->duplicate = kn == PX_CAPTURED_SAME;
        /* EPCIS 2.0 §7.4.1: an eventID is unique to its event. Another event under an ID
         * already applied is no resend, and skipping it would drop its packs unseen. */
        if (kn == PX_CAPTURED_OTHER)
            px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                               "eventID %s was captured before with other content: an eventID "
                               "names one event",
                               it->event_id);
    }
    free(ids);
    free(known);
    return rc;
}

/* A rerun of the transaction starts from the read's verdicts: what the last run refused while
 * applying, and what it applied, are forgotten. */
static void items_reset(capture_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        item *it = &c->items[i];
        it->applied = 0;
        if (it->refused_applying) {
            it->detail[0] = '\0';
            free(it->children_detail);
            it->children_detail = NULL;
            it->refused_applying = 0;
        }
    }
}

/* 1 when an event of the document packs a container into another. */
static int nests_containers(const capture_ctx *c)
{
    for (size_t i = 0; i < c->n; i++)
        for (size_t k = 0; c->items[i].kind == ITEM_PACK && k < c->items[i].n_children; k++)
            if (c->items[i].children[k].sscc[0] != '\0')
                return 1;
    return 0;
}

/* Where the run of commissioning events from item i ends. Under rollback a run of one batch's
 * events is one commission (one pool check, one COPY, one event): the whole run commits or
 * nothing does anyway. A run stops before it would pass a commission's limit (docs/api.md), so
 * a batch of more packs is several commissions, as under proceed. */
static size_t commission_run_end(const apply_ctx *a, size_t i)
{
    const capture_ctx *c = a->c;
    const item *it = &c->items[i];
    size_t end = i + 1;
    size_t serials = it->n_serials;
    while (!a->proceed && end < c->n &&
           (c->items[end].duplicate ||
            (same_batch(it, &c->items[end]) &&
             serials + c->items[end].n_serials <= PX_COMMISSION_MAX_SERIALS))) {
        serials += c->items[end].duplicate ? 0 : c->items[end].n_serials;
        end++;
    }
    return end;
}

/* REQ-EPCISREST-6: the document in one transaction, each event (under rollback: each run of
 * commissioning events of one batch, one commission) a use case in its own savepoint, in
 * document order, so a later event may pack the packs an earlier one commissioned. rollback:
 * the first refusal rolls the whole transaction back (nothing changed; the job lists the
 * refused event); proceed: a refused event's savepoint alone is rolled back. Rerunnable: a
 * serialization failure reruns it from the start. */
static px_rc apply_body(px_tx *tx, void *vctx, px_err *err)
{
    apply_ctx *a = vctx;
    capture_ctx *c = a->c;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    a->applied = 0;
    a->finished = 0;
    items_reset(c);
    /* Known again under the hold: a capture of the same events that committed since the read
     * before this transaction made them duplicates. */
    px_rc hold_rc = mark_known(db, by, c, 1, err);
    if (hold_rc != PX_OK)
        return hold_rc;
    /* ... or made one of them an eventID reused with other content, refused: under rollback
     * nothing of the document is applied then. */
    if (!a->proceed && !none_refused(c)) {
        px_tx_discard(tx);
        return PX_OK;
    }
    /* A document that nests containers takes their one turn (px_store_agg_nesting_turn) before
     * any of its events locks a container: taken at its first nesting event instead, it could
     * wait for a request holding the turn that waits for a container an earlier event of this
     * document holds (a deadlock, then the whole document again). */
    if (nests_containers(c)) {
        px_rc rc = px_store_agg_nesting_turn(db, err);
        if (rc != PX_OK)
            return rc;
    }
    for (size_t i = 0; i < c->n;) {
        item *it = &c->items[i];
        if (it->detail[0] || it->duplicate) {
            i++;
            continue;
        }
        size_t end = i + 1;
        int refused = 0;
        px_rc rc;
        if (it->kind == ITEM_COMMISSION) {
            end = commission_run_end(a, i);
            rc = apply_commissions(db, by, a, i, end, &refused, err);
        } else {
            rc = apply_aggregation(db, by, a, it, &refused, err);
        }
        if (rc != PX_OK)
            return rc;
        if (refused && !a->proceed) {
            for (size_t k = 0; k < c->n; k++)
                c->items[k].applied = 0;
            a->applied = 0;
            px_tx_discard(tx);
            return PX_OK;
        }
        i = end;
    }
    /* The job and its outcome commit with the events it applied: a process killed before
     * this commit leaves no job, one killed after leaves no job "running" whose events are
     * in. */
    px_buf errs;
    px_buf_init(&errs, (size_t)64 * 1024 * 1024);
    px_rc rc = errors_json(&errs, c, err);
    if (rc == PX_OK)
        rc = px_store_capture_record(db, a->job, none_refused(c), a->applied, errs.data,
                                     px_now_us(), err);
    px_buf_dispose(&errs);
    a->finished = rc == PX_OK;
    return rc;
}

/* An RFC 7807 problem's members (epcis/exceptions.h), the braces left to the caller. */
static void problem_json(px_buf *b, px_epcis_ex ex, const char *detail)
{
    const px_epcis_ex_def *d = px_epcis_ex_get(ex);
    px_buf_puts(b, "\"type\":");
    px_jsonw_string(b, d->type);
    px_buf_puts(b, ",\"title\":");
    px_jsonw_string(b, d->title);
    px_buf_printf(b, ",\"status\":%d,\"detail\":", d->status);
    px_jsonw_string(b, detail);
}

/* The job's errors: one RFC 7807 object per refused event (instance = its eventID). */
static px_rc errors_json(px_buf *b, const capture_ctx *c, px_err *err)
{
    px_buf_puts(b, "[");
    int first = 1;
    for (size_t i = 0; i < c->n; i++) {
        const item *it = &c->items[i];
        if (!it->detail[0])
            continue;
        char d[320 + PX_CAPTURE_CHILDREN_NAMED * 200];
        snprintf(d, sizeof(d), "events[%zu]: %s%s%s%s", it->index, it->detail,
                 it->children_detail ? " (" : "", it->children_detail ? it->children_detail : "",
                 it->children_detail ? ")" : "");
        px_buf_puts(b, first ? "{" : ",{");
        first = 0;
        problem_json(b, it->ex, d);
        if (it->event_id[0]) {
            px_buf_puts(b, ",\"instance\":");
            px_jsonw_string(b, it->event_id);
        }
        px_buf_puts(b, "}");
    }
    px_buf_puts(b, "]");
    /* Sticky: a list past the buffer's bound (or out of memory) is that failure, never a cut
     * list handed on as JSON. */
    px_rc rc = px_buf_failed(b);
    return rc == PX_OK ? PX_OK
                       : px_err_set(err, rc, rc == PX_ETOOBIG ? "payload_too_large" : "internal",
                                    "the capture's list of refused events does not fit its "
                                    "buffer");
}

static int by_event_id(const void *x, const void *y)
{
    const item *a = *(const item *const *)x, *b = *(const item *const *)y;
    int d = strcmp(a->event_id, b->event_id);
    return d ? d : (a->index > b->index) - (a->index < b->index);
}

/* An eventID names one event (EPCIS 2.0 §7.4.1): a later event of the document with the
 * eventID of an earlier one is refused (one sort, not a comparison of every pair). */
static px_rc refuse_repeated_ids(capture_ctx *c, px_err *err)
{
    if (c->n < 2)
        return PX_OK;
    item **v = malloc(c->n * sizeof(*v));
    if (!v)
        return px_err_oom(err);
    for (size_t i = 0; i < c->n; i++)
        v[i] = &c->items[i];
    qsort(v, c->n, sizeof(*v), by_event_id);
    for (size_t i = 1; i < c->n; i++)
        if (v[i]->event_id[0] && !v[i]->detail[0] &&
            strcmp(v[i]->event_id, v[i - 1]->event_id) == 0)
            px__capture_refuse(v[i], PX_EPCIS_EX_VALIDATION,
                               "the eventID of events[%zu] again: an eventID names one event",
                               v[i - 1]->index);
    free(v);
    return PX_OK;
}

/* Read the whole document first: one that cannot be read is refused whole (400
 * ValidationException), one over the limit too (413), before anything is applied. */
static px_rc capture_read(capture_ctx *c, const char *body, size_t len, px_err *err)
{
    px_epcis_read_cb cb = {
        .on_header = px__capture_on_header, .on_event = px__capture_on_event, .ctx = c};
    px_err rerr = PX_ERR_INIT;
    px_rc rc = px_epcis_read_buffer(body, len, &cb, &rerr);
    if (c->rc != PX_OK)
        return px_err_oom(err);
    if (c->over_limit)
        return px_err_set(err, PX_ETOOBIG, "capture_limit", "a capture holds at most %d events",
                          PX_CAPTURE_MAX_EVENTS);
    if (rc != PX_OK)
        return px_err_set(err, PX_EINVALID, "epcis_validation", "%s%s%s", rerr.field,
                          rerr.field[0] ? ": " : "", rerr.message);
    return refuse_repeated_ids(c, err);
}

static int none_refused(const capture_ctx *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].detail[0])
            return 0;
    return 1;
}

/* A capture whose transaction failed (the database gone, a concurrent capture of the same
 * eventID): its job is recorded failed with the reason, nothing applied, so the client's
 * Location names a job that says why. Logged at error level when even that fails. */
static void job_failed(px_db *db, const px_capture_new *job, px_rc why, const px_err *err)
{
    /* An eventID another capture took meanwhile; anything else is packid's failure. */
    px_epcis_ex ex = why == PX_EEXISTS ? PX_EPCIS_EX_RESOURCE_EXISTS : PX_EPCIS_EX_IMPLEMENTATION;
    px_buf b;
    px_buf_init(&b, 4096);
    px_buf_puts(&b, "[{");
    problem_json(&b, ex, err->message);
    px_buf_puts(&b, "}]");
    px_err e2 = PX_ERR_INIT;
    if (!b.data || px_store_capture_record(db, job, 0, 0, b.data, px_now_us(), &e2) != PX_OK)
        px_logf(PX_LOG_ERROR, "capture %s: not applied (%s) and not recorded failed: %s", job->id,
                err->message, e2.message);
    px_buf_dispose(&b);
}

px_rc px_svc_epcis_capture(px_db *db, const px_actor *by, const char *body, size_t len, int proceed,
                           char capture_id[PX_ID_LEN + 1], px_err *err)
{
    capture_ctx c = {0};
    px_buf errs;
    px_buf_init(&errs, (size_t)64 * 1024 * 1024);
    capture_id[0] = '\0';
    int named = 0; /* the job has an id: a failure from here on is recorded in it */
    /* The job's times are the service's clock's, as the events it applies are recorded by
     * (px_now_us): under a pinned test clock they agree. */
    px_capture_new job = {.id = capture_id,
                          .org_id = by->org_id,
                          .error_behaviour = proceed ? "proceed" : "rollback",
                          .format = "",
                          .created_us = px_now_us()};
    px_rc rc = px_policy_check(by->role, PX_ACT_COMMISSION, err);
    if (rc != PX_OK || (rc = capture_read(&c, body, len, err)) != PX_OK ||
        (rc = mark_known(db, by, &c, 0, err)) != PX_OK)
        goto done;
    if (px_uuid_v4(capture_id) != PX_OK) {
        rc = px_err_no_random(err);
        goto done;
    }
    named = 1;
    job.format = px_epcis_format_name(c.format);
    job.event_count = (long)c.n;
    /* Under rollback an event refused on reading stops the document before anything runs. */
    apply_ctx a = {&c, &job, proceed, 0, 0};
    if ((none_refused(&c) || proceed) && (rc = px_tx_run(db, by, apply_body, &a, err)) != PX_OK)
        goto done;
    if (a.finished) /* recorded with what it applied */
        goto done;
    if ((rc = errors_json(&errs, &c, err)) != PX_OK)
        goto done;
    /* Nothing applied (refused on reading, or rolled back on a refusal): the job alone. */
    rc =
        px_store_capture_record(db, &job, none_refused(&c), a.applied, errs.data, px_now_us(), err);
done:
    if (rc != PX_OK && named)
        job_failed(db, &job, rc, err);
    px_buf_dispose(&errs);
    px__capture_items_free(&c);
    return rc;
}

px_rc px_svc_epcis_capture_get(px_db *db, const px_actor *by, const char *id, px_capture_row *out,
                               px_err *err)
{
    memset(out, 0, sizeof(out[0]));
    px_rc rc = px_policy_check(by->role, PX_ACT_COMMISSION, err);
    if (rc != PX_OK)
        return rc;
    return px_store_capture_get(db, by->role == PX_ROLE_ADMIN ? NULL : by->org_id, id, out, err);
}
