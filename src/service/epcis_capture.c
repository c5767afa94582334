/* EPCIS 2.0 capture (epcis_capture.h). What capture means for packid (docs/epcis.md "EPCIS
 * 2.0 capture"): a commissioning ObjectEvent (ADD, bizStep commissioning, SGTINs of one GTIN,
 * ILMD lot and expiry) is a commission by the caller — px_svc_commission, so the same
 * validation, pool uniqueness, visibility, gating, state, audit and outbox as
 * POST /v1/commissions; an AggregationEvent ADD or DELETE with an SSCC parent is a packing or
 * unpacking — px_svc_aggregate, the rules of POST /v1/aggregations. Every other event is
 * refused with the reason, never half applied. An event already applied (same eventID, or the
 * same hash ID when it came without one) is skipped: sending a document again changes
 * nothing.
 *
 * The whole document is applied in one transaction, each use case in a savepoint of it
 * (service/tx.h): under rollback the first refusal rolls everything back, under proceed only
 * the refused event's savepoint is rolled back. */
#include "epcis_capture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis.h"
#include "gs1.h"
#include "lifecycle.h"
#include "packing.h"
#include "px_buf.h"
#include "px_crypto.h"
#include "px_jsonw.h"
#include "px_str.h"
#include "tx.h"

/* What packid makes of an event. */
typedef enum item_kind {
    ITEM_COMMISSION = 0,           /* ObjectEvent ADD commissioning: px_svc_commission */
    ITEM_PACK,                     /* AggregationEvent ADD: px_svc_aggregate pack */
    ITEM_UNPACK                    /* AggregationEvent DELETE: px_svc_aggregate unpack */
} item_kind;

/* A child of an AggregationEvent: a pack (gtin, serial) or a container (sscc). */
typedef struct child {
    char gtin[GS1_GTIN_LEN + 1];
    char serial[GS1_SERIAL_MAX + 1];
    char sscc[GS1_SSCC_LEN + 1];
} child;

typedef struct item {
    size_t index;
    item_kind kind;
    char event_id[PX_EPCIS_EVENT_ID_MAX];
    char gtin[GS1_GTIN_LEN + 1];
    char lot[24];
    char expiry[7];                /* YYMMDD */
    char **serials;
    size_t n_serials;
    char parent[GS1_SSCC_LEN + 1]; /* aggregation: the container */
    child *children;
    size_t n_children;
    int duplicate;                 /* applied by an earlier capture */
    int applied;
    int refused_applying;          /* detail set by the use case (reset when the transaction
                                      reruns) rather than by reading the event */
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
        free(c->items[i].children);
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

/* The value of ai in e, or NULL. */
static const char *element(const gs1_elements *e, const char *ai)
{
    for (int i = 0; i < e->count; i++)
        if (strcmp(e->items[i].ai, ai) == 0)
            return e->items[i].value;
    return NULL;
}

/* Into it->children, sized for the event's children by take_aggregation. */
static void add_child(item *it, const char *gtin, const char *serial, const char *sscc)
{
    child *ch = &it->children[it->n_children++];
    px_strlcpy(ch->gtin, gtin ? gtin : "", sizeof(ch->gtin));
    px_strlcpy(ch->serial, serial ? serial : "", sizeof(ch->serial));
    px_strlcpy(ch->sscc, sscc ? sscc : "", sizeof(ch->sscc));
}

/* REQ-EPCISREST-10: an AggregationEvent ADD (packing) or DELETE (unpacking) whose parentID is
 * an SSCC and whose childEPCs are SGTINs or SSCCs is one px_svc_aggregate (DOMAIN-2.md §10.4;
 * a DELETE with no children empties the parent, EPCIS 2.0 §7.4.3). OBSERVE changes nothing
 * packid holds; a pack as parent (SGTIN parentID) and class-level children are not packid's
 * hierarchy (docs/aggregation.md). */
static int take_aggregation(item *it, const px_epcis_event *ev)
{
    const char *why = NULL;
    if (ev->action != PX_EPCIS_ADD && ev->action != PX_EPCIS_DELETE)
        why = "an OBSERVE AggregationEvent records what was seen and changes nothing packid "
              "holds; packid captures ADD (packing) and DELETE (unpacking)";
    else if (ev->n_quantities > 0)
        why = "class-level children (childQuantityList) cannot be packed: list the childEPCs";
    else if (!ev->parent_id || !ev->parent_id[0])
        why = "an AggregationEvent ADD or DELETE needs its parentID";
    if (why) {
        refuse(it, 400, "epcisException:ValidationException", "%s", why);
        return 0;
    }
    gs1_elements el;
    gs1_epc_kind kind;
    px_err e2;
    px_err_clear(&e2);
    const char *sscc = NULL;
    if (gs1_epc_parse(&el, &kind, NULL, ev->parent_id, &e2) != PX_OK || kind != GS1_EPC_SSCC ||
        !(sscc = element(&el, "00"))) {
        refuse(it, 400, "epcisException:ValidationException",
               "parentID %.120s: packid's containers are SSCCs (urn:epc:id:sscc:…); a pack as "
               "parent is not supported",
               ev->parent_id);
        return 0;
    }
    it->kind = ev->action == PX_EPCIS_ADD ? ITEM_PACK : ITEM_UNPACK;
    px_strlcpy(it->parent, sscc, sizeof(it->parent));
    size_t n = ev->n_epcs + (ev->sgtin_gtin ? ev->n_serials : 0);
    if (!(it->children = calloc(n ? n : 1, sizeof(*it->children))))
        return -1;
    for (size_t i = 0; i < ev->n_epcs; i++) {
        px_err_clear(&e2);
        const char *g = NULL, *s = NULL, *x = NULL;
        if (gs1_epc_parse(&el, &kind, NULL, ev->epcs[i], &e2) == PX_OK) {
            if (kind == GS1_EPC_SGTIN) {
                g = element(&el, "01");
                s = element(&el, "21");
            } else if (kind == GS1_EPC_SSCC) {
                x = element(&el, "00");
            }
        }
        if (!(g && s) && !x) {
            refuse(it, 400, "epcisException:ValidationException",
                   "childEPCs[%zu] %.120s is neither an SGTIN nor an SSCC URI", i, ev->epcs[i]);
            return 0;
        }
        add_child(it, g, s, x);
    }
    for (size_t i = 0; ev->sgtin_gtin && i < ev->n_serials; i++)
        add_child(it, ev->sgtin_gtin, ev->serials[i], NULL);
    if (it->n_children == 0 && it->kind == ITEM_PACK) {
        refuse(it, 400, "epcisException:ValidationException",
               "an AggregationEvent ADD needs at least one child%s", "");
        return 0;
    }
    return 0;
}

/* The event as one commission or aggregation (it->detail empty), or the reason it is not
 * one. */
static int take_event(item *it, const px_epcis_event *ev)
{
    if (ev->type == PX_EPCIS_AGGREGATION_EVENT)
        return take_aggregation(it, ev);
    if (ev->type != PX_EPCIS_OBJECT_EVENT || ev->action != PX_EPCIS_ADD ||
        ev->biz_step != PX_BIZSTEP_COMMISSIONING) {
        refuse(it, 400, "epcisException:ValidationException", "%s",
               "packid captures commissioning ObjectEvents (action ADD, bizStep commissioning) "
               "and AggregationEvents (ADD, DELETE); other events have no effect on packid's "
               "state");
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
    } else if (ev->hash_id) {
        px_strlcpy(it->event_id, ev->hash_id, sizeof(it->event_id)); /* hashed once, on reading */
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

/* The capture's problem for a use case's refusal. */
static void problem_of(px_rc rc, int *status, const char **type)
{
    *status = rc == PX_EEXISTS ? 409 : rc == PX_ENOTFOUND ? 404 : rc == PX_EFORBIDDEN ? 403 : 400;
    *type = rc == PX_EEXISTS      ? "epcisException:ResourceAlreadyExistsException"
            : rc == PX_ENOTFOUND  ? "epcisException:NoSuchResourceException"
            : rc == PX_EFORBIDDEN ? "epcisException:SecurityException"
                                  : "epcisException:ValidationException";
}

/* A failure of the capture itself rather than a refusal of its events: out of memory, or a
 * serialization failure or deadlock the outermost transaction reruns. */
static int capture_fails(px_rc rc, const px_err *e)
{
    return rc == PX_EINTERNAL || px_tx_retryable(rc, e);
}

/* Applies the commission of serials (of items' GTIN, lot, expiry); refuses the items it
 * stands for with the commission's reason. */
static px_rc commission(px_db *db, const px_actor *by, const item *it, const char *const *serials,
                        size_t n, char commission_id[PX_ID_LEN + 1], int *status,
                        const char **type, char *detail, size_t detail_cap, px_err *err)
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
    px_rc rc = px_svc_commission(db, by, &req, NULL, &res, err);
    if (rc == PX_OK) {
        px_strlcpy(commission_id, res.commission_id, PX_ID_LEN + 1);
    } else if (!capture_fails(rc, err)) {
        problem_of(rc, status, type);
        /* A long reason is cut to the detail's size (the return value says by how much). */
        int n_out = res.n_errors > 0 ? snprintf(detail, detail_cap, "%s: %s (serial %s)",
                                                err->code, res.errors[0].message,
                                                serials[res.errors[0].index])
                                     : snprintf(detail, detail_cap, "%s: %s", err->code,
                                                err->message);
        if (n_out < 0)
            px_strlcpy(detail, "the commission was refused", detail_cap);
    }
    px_commission_result_dispose(&res);
    return rc;
}

typedef struct apply_ctx {
    capture_ctx *c;
    const char *capture_id;
    int proceed;
    long applied;
} apply_ctx;

static int same_batch(const item *a, const item *b)
{
    return b->kind == ITEM_COMMISSION && strcmp(a->gtin, b->gtin) == 0 &&
           strcmp(a->lot, b->lot) == 0 && strcmp(a->expiry, b->expiry) == 0;
}

/* Items [from, to) (commissions of one batch; duplicates skipped) as one commission, their
 * eventIDs recorded with it in one statement (a row per event would cost a statement each).
 * *refused: the commission was refused (each item says why). */
static px_rc apply_commissions(px_db *db, const px_actor *by, apply_ctx *a, size_t from,
                               size_t to, int *refused, px_err *err)
{
    capture_ctx *c = a->c;
    size_t total = 0, n_ids = 0;
    for (size_t i = from; i < to; i++)
        total += c->items[i].duplicate ? 0 : c->items[i].n_serials;
    const char **all = malloc((total ? total : 1) * sizeof(*all));
    const char **ids = malloc((to - from) * sizeof(*ids));
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
    int status = 0;
    const char *type = NULL;
    char detail[256] = "";
    rc = commission(db, by, &c->items[from], all, total, cid, &status, &type, detail,
                    sizeof(detail), err);
    if (rc != PX_OK && capture_fails(rc, err))
        goto done;
    for (size_t i = from; i < to; i++) {
        item *it = &c->items[i];
        if (it->duplicate)
            continue;
        if (rc != PX_OK) {
            refuse(it, status, type, "%s", detail);
            it->refused_applying = 1;
            continue;
        }
        it->applied = 1;
        ids[n_ids++] = it->event_id;
    }
    *refused = rc != PX_OK;
    a->applied += (long)n_ids;
    rc = px_store_captured_events_add(db, by->org_id, ids, n_ids, a->capture_id, cid, NULL, err);
done:
    free(all);
    free(ids);
    return rc;
}

/* One AggregationEvent as px_svc_aggregate (REQ-EPCISREST-10): the same rules and per-child
 * errors as POST /v1/aggregations; the eventID recorded with the aggregation it became. */
static px_rc apply_aggregation(px_db *db, const px_actor *by, apply_ctx *a, item *it,
                               int *refused, px_err *err)
{
    px_agg_child *kids = malloc((it->n_children ? it->n_children : 1) * sizeof(*kids));
    if (!kids)
        return px_err_oom(err);
    for (size_t i = 0; i < it->n_children; i++) {
        const child *ch = &it->children[i];
        kids[i] = ch->sscc[0] ? (px_agg_child){NULL, NULL, ch->sscc}
                              : (px_agg_child){ch->gtin, ch->serial, NULL};
    }
    px_agg_request req = {.action = it->kind == ITEM_PACK ? PX_AGG_PACK : PX_AGG_UNPACK,
                          .parent_sscc = it->parent,
                          .children = kids,
                          .n = it->n_children};
    px_agg_result res;
    px_rc rc = px_svc_aggregate(db, by, &req, &res, err);
    free(kids);
    if (rc == PX_OK) {
        it->applied = 1;
        a->applied++;
        const char *one[] = {it->event_id};
        rc = px_store_captured_events_add(db, by->org_id, one, 1, a->capture_id, NULL,
                                          res.aggregation_id, err);
    } else if (!capture_fails(rc, err)) {
        int status;
        const char *type;
        problem_of(rc, &status, &type);
        if (res.n_errors > 0)
            refuse(it, status, type, "%s: %s (childEPCs[%zu]: %s: %s)", err->code, err->message,
                   res.errors[0].index, res.errors[0].code, res.errors[0].message);
        else
            refuse(it, status, type, "%s: %s", err->code, err->message);
        it->refused_applying = 1;
        *refused = 1;
        rc = PX_OK;
    }
    px_item_errors_free(res.errors);
    return rc;
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
    for (size_t i = 0; i < c->n; i++) {
        item *it = &c->items[i];
        it->applied = 0;
        if (it->refused_applying) {
            it->detail[0] = '\0';
            it->refused_applying = 0;
        }
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
            /* Under rollback a run of one batch's events is one commission (one pool check,
             * one COPY, one event): the whole run commits or nothing does anyway. */
            while (!a->proceed && end < c->n &&
                   (c->items[end].duplicate || same_batch(it, &c->items[end])))
                end++;
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
    return PX_OK;
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
            refuse(v[i], 400, "epcisException:ValidationException",
                   "the eventID of events[%zu] again: an eventID names one event",
                   v[i - 1]->index);
    free(v);
    return PX_OK;
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
    if ((rc = refuse_repeated_ids(&c, err)) != PX_OK)
        goto done;
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
    int ok = 1;
    for (size_t i = 0; i < c.n; i++)
        if (c.items[i].detail[0])
            ok = 0;
    /* Under rollback an event refused on reading stops the document before anything runs. */
    apply_ctx a = {&c, capture_id, proceed, 0};
    if ((ok || proceed) && (rc = px_tx_run(db, by, apply_body, &a, err)) != PX_OK)
        goto done;
    long applied = a.applied;
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
