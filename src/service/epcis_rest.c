/* The EPCIS 2.0 REST query (epcis_rest.h; DOMAIN-2.md §14.4). The parameters map onto the
 * same store filter as the 1.2 query (px_epcis_filter); paging is a keyset on the events'
 * write order (seq), so a page costs the same wherever it starts. */
#include "epcis_rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_dl.h"
#include "gs1.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_sign.h"
#include "px_str.h"
#include "reports_internal.h"
#include "tx.h"

/* A pipe list normalised to bare values, ≤ 16 values (DOMAIN-2.md §14.4: multi-valued
 * parameters are pipe-delimited). */
#define LIST_MAX 512
#define LIST_ITEMS 16
/* A value no stored event carries: a list whose every value is a custom URI packid never
 * records still selects nothing (an empty filter would select everything). */
#define MATCHES_NOTHING "-"
#define TOKEN_PREFIX "p1."

static px_rc bad_param(px_err *err, const char *name, const char *what)
{
    return px_err_set_field(err, PX_EINVALID, "query_parameter", name, "%s: %s", name, what);
}

/* Maps one list item to the bare word stored (out, ≤ 64 bytes) or "" when the item is a
 * valid value packid never stores; -1 when invalid. */
typedef int (*item_fn)(char *out, const char *item);

static int strip_cbv(const char **w, const char *urn, const char *web)
{
    size_t lu = strlen(urn), lw = strlen(web);
    if (strncmp(*w, urn, lu) == 0) {
        *w += lu;
        return 1;
    }
    if (strncmp(*w, web, lw) == 0) {
        *w += lw;
        return 1;
    }
    return 0;
}

/* CBV values are bare words, or the CBV URN / Web URI of one; any other URI is a custom
 * value (valid, never stored by packid). */
static int item_bizstep(char *out, const char *item)
{
    const char *w = item;
    int cbv = strip_cbv(&w, "urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-");
    px_cbv_bizstep b = px_cbv_bizstep_lookup(w);
    if (b != PX_BIZSTEP_NONE) {
        px_strlcpy(out, px_cbv_bizstep_name(b), 64);
        return 0;
    }
    if (!cbv && strchr(item, ':')) {
        out[0] = '\0';
        return 0;
    }
    return -1;
}

static int item_disp(char *out, const char *item)
{
    const char *w = item;
    int cbv = strip_cbv(&w, "urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-");
    px_cbv_disp d = px_cbv_disp_lookup(w);
    if (d != PX_DISP_NONE) {
        px_strlcpy(out, px_cbv_disp_name(d), 64);
        return 0;
    }
    if (!cbv && strchr(item, ':')) {
        out[0] = '\0';
        return 0;
    }
    return -1;
}

/* Every event type of EPCIS 2.0 is a valid value; packid records Object and Aggregation
 * events only. */
static int item_event_type(char *out, const char *item)
{
    static const char *const stored[] = {"ObjectEvent", "AggregationEvent"};
    static const char *const other[] = {"TransactionEvent", "TransformationEvent",
                                        "AssociationEvent"};
    for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++)
        if (strcmp(item, stored[i]) == 0) {
            px_strlcpy(out, item, 64);
            return 0;
        }
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        if (strcmp(item, other[i]) == 0) {
            out[0] = '\0';
            return 0;
        }
    return -1;
}

static int item_action(char *out, const char *item)
{
    if (strcmp(item, "ADD") != 0 && strcmp(item, "OBSERVE") != 0 && strcmp(item, "DELETE") != 0)
        return -1;
    px_strlcpy(out, item, 64);
    return 0;
}

/* A location (readPoint / bizLocation) is any URI: packid stores SGLN URIs. */
static int item_location(char *out, const char *item)
{
    if (!strchr(item, ':') || strlen(item) >= 64 || !px_str_printable(item, 63))
        return -1;
    px_strlcpy(out, item, 64);
    return 0;
}

/* Normalises value's pipe list into out ("a|b"); MATCHES_NOTHING when every item is a value
 * packid never stores. */
static px_rc parse_list(char out[LIST_MAX], const char *name, const char *value, item_fn fn,
                        const char *what, px_err *err)
{
    out[0] = '\0';
    size_t len = 0;
    int items = 0;
    const char *p = value;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        char item[256], word[64];
        if (n == 0 || n >= sizeof(item))
            return bad_param(err, name, "an empty or over-long value in the list");
        if (++items > LIST_ITEMS)
            return bad_param(err, name, "at most 16 values");
        memcpy(item, p, n);
        item[n] = '\0';
        if (fn(word, item) != 0)
            return bad_param(err, name, what);
        size_t wl = strlen(word);
        if (wl > 0) {
            if (len + wl + 2 > LIST_MAX)
                return bad_param(err, name, "the list is too long");
            if (len > 0)
                out[len++] = '|';
            memcpy(out + len, word, wl + 1);
            len += wl;
        }
        if (!bar)
            break;
        p = bar + 1;
    }
    if (len == 0)
        px_strlcpy(out, MATCHES_NOTHING, LIST_MAX);
    return PX_OK;
}

/* REQ-EPCISREST-18: a location given as a GS1 Digital Link (/414/GLN[/254/ext]) selects what
 * its SGLN URN selects. The URN splits the GLN at the company prefix, whose length the query
 * does not know, so the item stands for the SGLN URNs of every prefix length (6..12 digits):
 * only the one packid wrote can equal a stored value. */
#define LOC_LIST_MAX 4096
#define SGLN_GCP_MIN 6
#define SGLN_GCP_MAX 12

static px_rc append_item(char *out, size_t *len, const char *name, const char *word, px_err *err)
{
    size_t wl = strlen(word);
    if (*len + wl + 2 > LOC_LIST_MAX)
        return bad_param(err, name, "the list is too long");
    if (*len > 0)
        out[(*len)++] = '|';
    memcpy(out + *len, word, wl + 1);
    *len += wl;
    return PX_OK;
}

/* The key AI and the one optional qualifier AI of a Digital Link URI that may carry nothing
 * else (a location's (414)/(254), an EPC's (01)/(21)): PX_OK with *key set, or a 400 naming
 * `name` with `what` when the URI is not a Digital Link or carries another AI. */
static px_rc dl_key_and_qualifier(gs1_elements *el, const char *uri, const char *key_ai,
                                  const char *opt_ai, const char **key, const char **opt,
                                  const char *name, const char *what, px_err *err)
{
    px_err e2;
    px_err_clear(&e2);
    int other = 0;
    *key = *opt = NULL;
    if (gs1_dl_parse(el, uri, &e2) != PX_OK)
        return bad_param(err, name, "not a GS1 Digital Link URI");
    for (int i = 0; i < el->count; i++) {
        if (strcmp(el->items[i].ai, key_ai) == 0)
            *key = el->items[i].value;
        else if (strcmp(el->items[i].ai, opt_ai) == 0)
            *opt = el->items[i].value;
        else
            other = 1;
    }
    if (!*key || other)
        return bad_param(err, name, what);
    return PX_OK;
}

static px_rc location_dl(char *out, size_t *len, const char *name, const char *item, px_err *err)
{
    gs1_elements el;
    const char *gln, *ext;
    px_rc rc = dl_key_and_qualifier(&el, item, "414", "254", &gln, &ext, name,
                                    "a location's Digital Link has (414) and an optional (254) "
                                    "only",
                                    err);
    if (rc != PX_OK)
        return rc;
    px_err e2; /* a prefix length that does not fit the GLN is skipped, not an error */
    px_err_clear(&e2);
    for (int l = SGLN_GCP_MIN; rc == PX_OK && l <= SGLN_GCP_MAX; l++) {
        char urn[GS1_EPC_URI_MAX];
        if (gs1_epc_sgln_format(urn, sizeof(urn), gln, l, ext, &e2) == PX_OK)
            rc = append_item(out, len, name, urn, err);
    }
    return rc;
}

/* EQ_readPoint / EQ_bizLocation: a pipe list of location URIs (≤ 16), each a URN as stored or
 * a Digital Link (above). */
static px_rc parse_locations(char out[LOC_LIST_MAX], const char *name, const char *value,
                             px_err *err)
{
    out[0] = '\0';
    size_t len = 0;
    int items = 0;
    const char *p = value;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        char item[256], word[64];
        if (n == 0 || n >= sizeof(item))
            return bad_param(err, name, "an empty or over-long value in the list");
        if (++items > LIST_ITEMS)
            return bad_param(err, name, "at most 16 values");
        memcpy(item, p, n);
        item[n] = '\0';
        px_rc rc;
        if (strncmp(item, "https://", 8) == 0 || strncmp(item, "http://", 7) == 0)
            rc = location_dl(out, &len, name, item, err);
        else if (item_location(word, item) != 0)
            rc = bad_param(err, name, "a location URI");
        else
            rc = append_item(out, &len, name, word, err);
        if (rc != PX_OK)
            return rc;
        if (!bar)
            break;
        p = bar + 1;
    }
    return PX_OK;
}

typedef struct rest_query {
    px_epcis_filter f;
    char types[LIST_MAX], actions[LIST_MAX], steps[LIST_MAX], disps[LIST_MAX];
    char read_points[LOC_LIST_MAX], locations[LOC_LIST_MAX];
    char gtin[GS1_GTIN_LEN + 1], serial[GS1_SERIAL_MAX + 1];
    const char *match_epc;
    long per_page;
    int matches_nothing;
} rest_query;

static px_rc parse_time(const char *name, const char *value, int *has, int64_t *us, px_err *err)
{
    if (px_time_parse(value, us) != 0)
        return bad_param(err, name, "an RFC 3339 time with an offset is expected");
    *has = 1;
    return PX_OK;
}

/* REQ-EPCISREST-18: an EPC given as a GS1 Digital Link URI (DOMAIN-2.md §14.2: the binding's
 * default EPC form) selects what its URN form selects: (01) with (21) is that SGTIN, (01)
 * alone every instance of the GTIN (the URN pattern urn:epc:idpat:sgtin:….*). Any other
 * qualifier would narrow the match in a way packid's index cannot, so it is refused, not
 * ignored. */
static px_rc match_epc_dl(rest_query *q, const char *name, const char *value, px_err *err)
{
    gs1_elements el;
    const char *gtin, *serial;
    px_rc rc = dl_key_and_qualifier(&el, value, "01", "21", &gtin, &serial, name,
                                    "a Digital Link EPC with (01) and an optional (21) and "
                                    "nothing else is expected",
                                    err);
    if (rc != PX_OK)
        return rc;
    px_strlcpy(q->gtin, gtin, sizeof(q->gtin));
    q->f.gtin = q->gtin;
    if (serial) {
        px_strlcpy(q->serial, serial, sizeof(q->serial));
        q->f.epc_serial = q->serial;
    }
    return PX_OK;
}

/* MATCH_epc / MATCH_anyEPC: an SGTIN URI or an SGTIN pattern (…:sgtin:CP.IR.*), as the 1.2
 * query. packid records no parentID, so MATCH_anyEPC (epcList, childEPCs, parentID) selects
 * the same events as MATCH_epc. */
static px_rc parse_match_epc(rest_query *q, const char *name, const char *value, px_err *err)
{
    if (q->match_epc && strcmp(q->match_epc, value) != 0)
        return bad_param(err, name, "MATCH_epc and MATCH_anyEPC must agree");
    q->match_epc = value;
    int gcp = 0;
    px_err e2;
    px_err_clear(&e2);
    if (gs1_epc_sgtin_parse(q->gtin, q->serial, &gcp, value, &e2) == PX_OK) {
        q->f.gtin = q->gtin;
        q->f.epc_serial = q->serial;
        return PX_OK;
    }
    gs1_elements el;
    if (strncmp(value, "https://", 8) == 0 || strncmp(value, "http://", 7) == 0)
        return match_epc_dl(q, name, value, err);
    gs1_epc_kind kind;
    if (gs1_epc_parse(&el, &kind, &gcp, value, &e2) != PX_OK || kind != GS1_EPC_IDPAT_SGTIN ||
        el.count < 1 || strcmp(el.items[0].ai, "01") != 0)
        return bad_param(err, name,
                         "one SGTIN URI (urn:epc:id:sgtin:…) or SGTIN pattern "
                         "(urn:epc:idpat:sgtin:….*) is expected");
    px_strlcpy(q->gtin, el.items[0].value, sizeof(q->gtin));
    q->f.gtin = q->gtin;
    return PX_OK;
}

static px_rc parse_token(rest_query *q, const char *value, px_err *err)
{
    size_t lp = strlen(TOKEN_PREFIX);
    char *end = NULL;
    if (strncmp(value, TOKEN_PREFIX, lp) != 0 || !value[lp] || value[lp] < '0' || value[lp] > '9')
        return bad_param(err, "nextPageToken", "not a token this server gave out");
    long long seq = strtoll(value + lp, &end, 10);
    if (*end || seq <= 0)
        return bad_param(err, "nextPageToken", "not a token this server gave out");
    q->f.after_seq = seq;
    return PX_OK;
}

/* REQ-EPCISREST-4: the standard parameters packid's data can answer (DOMAIN-2.md §14.4);
 * any other is refused, never ignored: an ignored filter would widen the answer. */
static px_rc parse_one(rest_query *q, const char *name, const char *v, px_err *err)
{
    px_epcis_filter *f = &q->f;
    px_rc rc = PX_OK;
    if (strcmp(name, "eventType") == 0) {
        rc = parse_list(q->types, name, v, item_event_type, "an EPCIS 2.0 event type", err);
        f->event_types = q->types;
    } else if (strcmp(name, "EQ_action") == 0) {
        rc = parse_list(q->actions, name, v, item_action, "ADD, OBSERVE or DELETE", err);
        f->actions = q->actions;
    } else if (strcmp(name, "EQ_bizStep") == 0) {
        rc =
            parse_list(q->steps, name, v, item_bizstep, "a CBV business step or a custom URI", err);
        f->biz_steps = q->steps;
    } else if (strcmp(name, "EQ_disposition") == 0) {
        rc = parse_list(q->disps, name, v, item_disp, "a CBV disposition or a custom URI", err);
        f->dispositions = q->disps;
    } else if (strcmp(name, "EQ_readPoint") == 0) {
        rc = parse_locations(q->read_points, name, v, err);
        f->read_points = q->read_points;
    } else if (strcmp(name, "EQ_bizLocation") == 0) {
        rc = parse_locations(q->locations, name, v, err);
        f->biz_locations = q->locations;
    } else if (strcmp(name, "GE_eventTime") == 0) {
        rc = parse_time(name, v, &f->has_ge, &f->ge_time_us, err);
    } else if (strcmp(name, "LT_eventTime") == 0) {
        rc = parse_time(name, v, &f->has_lt, &f->lt_time_us, err);
    } else if (strcmp(name, "GE_recordTime") == 0) {
        rc = parse_time(name, v, &f->has_ge_record, &f->ge_record_us, err);
    } else if (strcmp(name, "LT_recordTime") == 0) {
        rc = parse_time(name, v, &f->has_lt_record, &f->lt_record_us, err);
    } else if (strcmp(name, "MATCH_epc") == 0 || strcmp(name, "MATCH_anyEPC") == 0) {
        rc = parse_match_epc(q, name, v, err);
    } else if (strcmp(name, "MATCH_epcClass") == 0 || strcmp(name, "MATCH_anyEPCClass") == 0) {
        /* Class-level EPCs live in quantity lists; packid records instance-level events
         * only, so a valid class matches nothing (MATCH_epc with an idpat pattern selects
         * a class's instances). */
        if (strncmp(v, "urn:", 4) != 0 && strncmp(v, "https://", 8) != 0)
            return bad_param(err, name, "an EPC class URI is expected");
        q->matches_nothing = 1;
    } else if (strcmp(name, "EQ_eventID") == 0) {
        if (!px_str_printable(v, PX_EPCIS_EVENT_ID_MAX - 1))
            return bad_param(err, name, "one event ID is expected");
        f->event_hash = v;
    } else if (strcmp(name, "perPage") == 0) {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (!v[0] || *end || n < 1 || n > PX_EPCIS_REST_PER_PAGE_MAX)
            return bad_param(err, name, "an integer from 1 to 1000000 is expected");
        q->per_page = n;
    } else if (strcmp(name, "nextPageToken") == 0) {
        rc = parse_token(q, v, err);
    } else {
        return bad_param(err, name, "not a query parameter packid answers (docs/epcis.md)");
    }
    return rc;
}

int px_epcis_rest_value_valid(const char *param, const char *value)
{
    rest_query *q = calloc(1, sizeof(*q));
    if (!q)
        return 0;
    px_err err;
    px_err_clear(&err);
    int ok = value && value[0] && !strchr(value, '|') && strlen(value) <= 512 &&
             parse_one(q, param, value, &err) == PX_OK;
    free(q);
    return ok;
}

/* A piece of a streamed answer: at most this many events are read at once, and a piece
 * stops taking events once this many bytes wait to go out (the stream's buffer must hold a
 * piece plus one event: a commissioning event of 100,000 serials is ~7 MiB of JSON-LD). */
#define PIECE_EVENTS 256
#define PIECE_BYTES (512u * 1024u)

struct px_epcis_rest_stream {
    px_db *db; /* borrowed; inside this stream's read-only snapshot */
    int in_tx;
    rest_query *q;
    px_epcis_format format;
    px_epcis_writer *w;
    px_buf *out;    /* the piece being filled (the writer's sink writes here) */
    long remaining; /* events of the page not yet written */
    long long last_seq;
    int done;
    px_rc rc;
    px_err *err;
    int epc_dl;      /* GS1-EPC-Format: Always_GS1_Digital_Link */
    px__event_dl dl; /* the translated event's storage when epc_dl */
};

static int piece_sink(void *ctx, const char *data, size_t len)
{
    px_epcis_rest_stream *s = ctx;
    return px_buf_add(s->out, data, len) == PX_OK ? 0 : -1;
}

/* REQ-EPCISREST-2: a page is perPage events (its span was read before the headers went
 * out); each piece continues after the last event written (a keyset on seq). */
static int piece_row(void *vctx, const px_epcis_row *row)
{
    px_epcis_rest_stream *s = vctx;
    if (s->remaining == 0 || s->out->len >= PIECE_BYTES)
        return 1;
    px_epcis_event ev;
    px__row_lists lists;
    if ((s->rc = px__event_from_row(&ev, &lists, row, s->err)) != PX_OK)
        return 1;
    px_epcis_event dl_ev;
    if (s->epc_dl && (s->rc = px__event_to_dl(&dl_ev, &ev, &s->dl, s->err)) != PX_OK)
        return 1;
    if ((s->rc = px_epcis_writer_event(s->w, s->epc_dl ? &dl_ev : &ev)) != PX_OK) {
        px_epcis_writer_finish(s->w, s->err); /* copies the sticky error */
        return 1;
    }
    s->last_seq = row->seq;
    s->remaining--;
    return 0;
}

px_rc px_epcis_rest_stream_next(px_epcis_rest_stream *s, px_buf *out, int *eof, px_err *err)
{
    *eof = 0;
    if (s->done) {
        *eof = 1;
        return PX_OK;
    }
    s->out = out;
    s->err = err;
    s->rc = PX_OK;
    px_rc rc = PX_OK;
    if (!s->w &&
        (rc = px_epcis_query_writer_open(&s->w, s->format, piece_sink, s, "SimpleEventQuery",
                                         px_now_us(), 0, err)) != PX_OK)
        return rc;
    size_t before = px_epcis_writer_count(s->w);
    if (s->remaining > 0) {
        s->q->f.after_seq = s->last_seq;
        s->q->f.chunk_max = s->remaining < PIECE_EVENTS ? s->remaining : PIECE_EVENTS;
        rc = px_store_epcis_events_each(s->db, &s->q->f, piece_row, s, err);
        if (rc == PX_OK)
            rc = s->rc;
        if (rc != PX_OK)
            return rc;
    }
    /* The page is complete when its last event is out, or when a piece found nothing more
     * (the span and the pieces read one snapshot, so that is the same point). */
    if (s->remaining == 0 || px_epcis_writer_count(s->w) == before) {
        if ((rc = px_epcis_writer_finish(s->w, err)) != PX_OK)
            return rc;
        s->done = 1;
        if (s->in_tx) {
            px_db_rollback(s->db);
            s->in_tx = 0;
        }
    }
    return PX_OK;
}

void px_epcis_rest_stream_epc_dl(px_epcis_rest_stream *s)
{
    if (s->epc_dl)
        return;
    s->epc_dl = 1;
    px__event_dl_init(&s->dl);
}

void px_epcis_rest_stream_free(px_epcis_rest_stream *s)
{
    if (!s)
        return;
    px_epcis_writer_free(s->w);
    px__event_dl_dispose(&s->dl);
    if (s->in_tx)
        px_db_rollback(s->db);
    free(s->q);
    free(s);
}

/* REQ-EPCISREST-3: the same visibility as every read: MAH and auditor their organization's
 * events, a regulator its market's. */
static px_rc scope_filter(const px_actor *by, px_epcis_filter *f, px_err *err)
{
    switch (px_policy_scope(by->role, PX_ACT_EPCIS_QUERY)) {
    case PX_SCOPE_ORG: f->tenant_id = by->org_id; return PX_OK;
    case PX_SCOPE_MARKET:
        f->market = px_market_check(by->market, NULL) == PX_OK ? by->market : "--";
        return PX_OK;
    case PX_SCOPE_SYSTEM: return PX_OK;
    default: return px_policy_check(by->role, PX_ACT_EPCIS_QUERY, err);
    }
}

px_rc px_svc_epcis_rest_open(px_db *db, const px_actor *by, px_epcis_format format,
                             const px_epcis_rest_param *params, size_t n_params,
                             px_epcis_rest_stream **out, px_epcis_rest_page *page, px_err *err)
{
    *out = NULL;
    memset(page, 0, sizeof(*page));
    px_epcis_rest_stream *s = calloc(1, sizeof(*s));
    rest_query *q = calloc(1, sizeof(*q));
    px_rc rc = PX_OK;
    if (!s || !q) {
        free(s);
        free(q);
        return px_err_oom(err);
    }
    s->db = db;
    s->q = q;
    s->format = format;
    q->per_page = PX_EPCIS_REST_PER_PAGE;
    if ((rc = scope_filter(by, &q->f, err)) != PX_OK)
        goto done;
    if (n_params > PX_EPCIS_REST_PARAMS_MAX) {
        rc = px_err_set(err, PX_EINVALID, "query_parameter", "too many query parameters");
        goto done;
    }
    for (size_t i = 0; i < n_params; i++) {
        /* A parameter given twice is ambiguous: the standard's lists use '|'. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(params[i].name, params[j].name) == 0) {
                rc = bad_param(err, params[i].name, "given twice: join values with '|'");
                goto done;
            }
        if (!params[i].value || !params[i].value[0] || strlen(params[i].value) > 512) {
            rc = bad_param(err, params[i].name, "1 to 512 characters are expected");
            goto done;
        }
        if ((rc = parse_one(q, params[i].name, params[i].value, err)) != PX_OK)
            goto done;
    }
    page->per_page = q->per_page;
    /* One snapshot for the span and every piece: events committed while the answer streams
     * do not tear it, and the Link decided before the headers stays true. */
    if ((rc = px_db_begin_read(db, err)) != PX_OK)
        goto done;
    s->in_tx = 1;
    long count = 0;
    long long last = 0;
    if (!q->matches_nothing && (rc = px_store_epcis_page_span(db, &q->f, q->per_page, &count, &last,
                                                              &page->more, err)) != PX_OK)
        goto done;
    page->count = (size_t)count;
    if (page->more)
        snprintf(page->next_token, sizeof(page->next_token), TOKEN_PREFIX "%lld", last);
    s->remaining = count;
    s->last_seq = q->f.after_seq;
    *out = s;
    s = NULL;
done:
    px_epcis_rest_stream_free(s);
    return rc;
}

/* ---- the collections of values (REQ-EPCISREST-13) --------------------------------------- */

#define VALUES_TOKEN "v1."

/* A values token: "v1." and the hex of ph, k1, 0x1F, k2 (the keyset of the page's last
 * value; hex keeps any URI or serial safe in a URL). */
static void values_token(char out[PX_EPCIS_VALUES_TOKEN_MAX], int ph, const char *k1,
                         const char *k2)
{
    char raw[PX_EPCIS_VALUES_TOKEN_MAX / 2];
    int n = snprintf(raw, sizeof(raw), "%d%s\x1f%s", ph, k1, k2);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
    size_t o = px_strlcpy(out, VALUES_TOKEN, PX_EPCIS_VALUES_TOKEN_MAX);
    px_hex_encode(out + o, (const uint8_t *)raw, len);
}

/* Decodes a values token into ph, k1, k2 (raw holds the strings); -1 when it is not one this
 * server gives out. */
static int values_token_parse(const char *t, char raw[PX_EPCIS_VALUES_TOKEN_MAX / 2], int *ph,
                              const char **k1, const char **k2)
{
    size_t lp = strlen(VALUES_TOKEN), n = strlen(t);
    if (strncmp(t, VALUES_TOKEN, lp) != 0 || (n - lp) % 2 != 0 || n - lp < 6 ||
        (n - lp) / 2 >= PX_EPCIS_VALUES_TOKEN_MAX / 2)
        return -1;
    size_t m = (n - lp) / 2;
    if (px_sign_hex_decode((uint8_t *)raw, m, t + lp) != 0 || memchr(raw, '\0', m))
        return -1;
    raw[m] = '\0';
    char *us = strchr(raw, 0x1f);
    if ((raw[0] != '0' && raw[0] != '1') || !us)
        return -1;
    *us = '\0';
    *ph = raw[0] - '0';
    *k1 = raw + 1;
    *k2 = us + 1;
    return 0;
}

typedef struct values_ctx {
    px_epcis_rest_value_fn fn;
    void *ctx;
    long seen, per_page;
    int more;
    px_rc rc;
    px_err *err;
    int last_ph;
    char last_k1[GS1_GTIN_LEN + 1];
    char last_k2[PX_EPCIS_VALUES_TOKEN_MAX / 2 - GS1_GTIN_LEN - 4];
} values_ctx;

static int values_row(void *vctx, int ph, const char *gtin, int gcp_len, const char *value)
{
    values_ctx *c = vctx;
    if (c->seen == c->per_page) {
        c->more = 1; /* the one row past the page */
        return 1;
    }
    char uri[512];
    const char *v = value;
    if (gtin[0]) {
        /* A pack: its SGTIN URI (TDS escaping of the serial, DOMAIN.md §5.2). */
        if ((c->rc = gs1_epc_sgtin_format(uri, sizeof(uri), gtin, gcp_len, value, c->err)) != PX_OK)
            return 1;
        v = uri;
    }
    if (strlen(value) >= sizeof(c->last_k2)) {
        c->rc = px_err_set(c->err, PX_EINTERNAL, "internal", "a stored value is too long");
        return 1;
    }
    if (c->fn(c->ctx, v)) {
        c->rc = px_err_oom(c->err);
        return 1;
    }
    c->seen++;
    c->last_ph = ph;
    px_strlcpy(c->last_k1, gtin, sizeof(c->last_k1));
    px_strlcpy(c->last_k2, value, sizeof(c->last_k2));
    return 0;
}

px_rc px_svc_epcis_rest_values(px_db *db, const px_actor *by, px_epcis_value_kind kind,
                               const px_epcis_rest_param *params, size_t n_params,
                               px_epcis_rest_value_fn fn, void *ctx, long *per_page,
                               char next_token[PX_EPCIS_VALUES_TOKEN_MAX], px_err *err)
{
    next_token[0] = '\0';
    *per_page = PX_EPCIS_REST_PER_PAGE;
    px_epcis_filter f;
    memset(&f, 0, sizeof(f));
    px_rc rc = scope_filter(by, &f, err);
    if (rc != PX_OK)
        return rc;
    char raw[PX_EPCIS_VALUES_TOKEN_MAX / 2];
    int ph = 0;
    const char *k1 = "", *k2 = "";
    for (size_t i = 0; i < n_params; i++) {
        const char *name = params[i].name, *v = params[i].value;
        for (size_t j = 0; j < i; j++)
            if (strcmp(name, params[j].name) == 0)
                return bad_param(err, name, "given twice");
        if (strcmp(name, "perPage") == 0) {
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (!v[0] || *end || n < 1 || n > PX_EPCIS_VALUES_PER_PAGE_MAX)
                return bad_param(err, name, "an integer from 1 to 1000 is expected");
            *per_page = n;
        } else if (strcmp(name, "nextPageToken") == 0) {
            if (values_token_parse(v, raw, &ph, &k1, &k2) != 0)
                return bad_param(err, name, "not a token this server gave out");
        } else {
            return bad_param(err, name, "only perPage and nextPageToken page a collection");
        }
    }
    values_ctx c = {.fn = fn, .ctx = ctx, .per_page = *per_page, .err = err};
    /* One row past the page says whether another follows. */
    if ((rc = px_store_epcis_values(db, &f, kind, ph, k1, k2, *per_page + 1, values_row, &c,
                                    err)) != PX_OK)
        return rc;
    if (c.rc != PX_OK)
        return c.rc;
    if (c.more)
        values_token(next_token, c.last_ph, c.last_k1, c.last_k2);
    return PX_OK;
}
