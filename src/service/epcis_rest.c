/* The EPCIS 2.0 REST query (epcis_rest.h; EPCIS 2.0 REST Bindings). The parameters map onto the
 * same store filter as the 1.2 query (px_epcis_filter); paging is a keyset on the events'
 * write order (seq), so a page costs the same wherever it starts. */
#include "epcis_rest_params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_dl.h"
#include "gs1.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_str.h"
#include "reports_internal.h"
#include "tx.h"

/* A piece of a streamed answer: at most this many events are read at once, and a piece
 * stops taking events once this many bytes wait to go out (the stream's buffer must hold a
 * piece plus one event: a commissioning event of 100,000 serials is up to ~11 MB, its EPCs
 * as Digital Links of escaped serials; http/stream.c). */
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
    if ((s->rc = px__event_put(s->w, s->epc_dl ? &dl_ev : &ev, s->err)) != PX_OK)
        return 1;
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
 * events, the events of their packing among them; a regulator its market's. */
static px_rc scope_filter(const px_actor *by, px_epcis_filter *f, px_err *err)
{
    f->with_containers = 1; /* the events of packing too (migration 0215) */
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
    if ((rc = px__epcis_rest_params(q, params, n_params, err)) != PX_OK)
        goto done;
    uint8_t key[16];
    if ((rc = px__epcis_token_key(db, key, err)) != PX_OK)
        goto done;
    if (q->token && px__epcis_token_read(key, q->token, &q->f.after_seq) != 0) {
        rc = px__epcis_rest_bad_token(err);
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
    if (page->more && (rc = px__epcis_token_make(page->next_token, key, last)) != PX_OK) {
        px_err_set(err, rc, "internal", "the page token could not be made");
        goto done;
    }
    s->remaining = count;
    s->last_seq = q->f.after_seq;
    *out = s;
    s = NULL;
done:
    px_cleanse(key, sizeof(key));
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
    if (px_hex_decode((uint8_t *)raw, m, t + lp) != 0 || memchr(raw, '\0', m))
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
        /* A pack: its SGTIN URI (the serial escaped as the EPC Tag Data Standard says). */
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

px_rc px_epcis_rest_collection_paging(const px_epcis_rest_param *params, size_t n_params,
                                      long *per_page, const char **token, px_err *err)
{
    *per_page = PX_EPCIS_REST_PER_PAGE;
    *token = NULL;
    for (size_t i = 0; i < n_params; i++) {
        const char *name = params[i].name, *v = params[i].value;
        for (size_t j = 0; j < i; j++)
            if (strcmp(name, params[j].name) == 0)
                return px__epcis_rest_bad_param(err, name, "given twice");
        if (strcmp(name, "perPage") == 0) {
            if (px_parse_long(v, 1, PX_EPCIS_VALUES_PER_PAGE_MAX, per_page) != 0) {
                char what[48];
                snprintf(what, sizeof(what), "an integer from 1 to %d is expected",
                         PX_EPCIS_VALUES_PER_PAGE_MAX);
                return px__epcis_rest_bad_param(err, name, what);
            }
        } else if (strcmp(name, "nextPageToken") == 0) {
            *token = v;
        } else {
            return px__epcis_rest_bad_param(err, name,
                                            "only perPage and nextPageToken page a collection");
        }
    }
    return PX_OK;
}

px_rc px_svc_epcis_rest_values(px_db *db, const px_actor *by, px_epcis_value_kind kind,
                               const px_epcis_rest_param *params, size_t n_params,
                               px_epcis_rest_value_fn fn, void *ctx, long *per_page,
                               char next_token[PX_EPCIS_VALUES_TOKEN_MAX], px_err *err)
{
    next_token[0] = '\0';
    *per_page = PX_EPCIS_REST_PER_PAGE;
    px_epcis_filter f = {0};
    px_rc rc = scope_filter(by, &f, err);
    if (rc != PX_OK)
        return rc;
    char raw[PX_EPCIS_VALUES_TOKEN_MAX / 2];
    int ph = 0;
    const char *k1 = "", *k2 = "", *token = NULL;
    if ((rc = px_epcis_rest_collection_paging(params, n_params, per_page, &token, err)) != PX_OK)
        return rc;
    if (token && values_token_parse(token, raw, &ph, &k1, &k2) != 0)
        return px__epcis_rest_bad_token(err);
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
