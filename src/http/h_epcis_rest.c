/* The EPCIS 2.0 REST binding's query (GET /epcis/events; the EPCIS 2.0 REST bindings,
 * docs/epcis.md "EPCIS 2.0 REST query"): content negotiation between 2.0 JSON-LD and 2.0 XML,
 * the version headers, paging by perPage / nextPageToken with a Link rel="next", and errors in
 * the standard's RFC 7807 form (only on /epcis/…; the key and role checks before the handler
 * keep docs/api.md's envelope). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "epcis_format.h"
#include "epcis_headers.h"
#include "epcis_rest.h"
#include "gs1.h"
#include "handlers.h"
#include "px_array.h"
#include "px_str.h"
#include "request.h"
#include "stream.h"

/* A page streams (stream.h): the request's database connection, inside the page's read-only
 * snapshot, goes with the response and back to the pool when the response is done or the
 * client goes away. */
typedef struct rest_stream {
    px_epcis_rest_stream *s;
    px_pool *pool;
    px_db *db;
} rest_stream;

static px_rc stream_next(void *ctx, px_buf *out, int *eof, px_err *err)
{
    rest_stream *rs = ctx;
    return px_epcis_rest_stream_next(rs->s, out, eof, err);
}

static void stream_free(void *ctx)
{
    rest_stream *rs = ctx;
    px_epcis_rest_stream_free(rs->s);
    px_pool_release(rs->pool, rs->db);
    free(rs);
}

/* REQ-EPCISREST-1: Accept picks the syntax: application/ld+json or application/json → 2.0
 * JSON-LD, application/xml or text/xml → 2.0 XML; none, * / * or application/ * → JSON-LD
 * (the binding's JSON form); anything else is 406. Ranges are taken in the order given, a
 * range with q=0 is skipped. Returns the media type answered, NULL for 406. */
static const char *negotiate(const char *accept, px_epcis_format *format)
{
    static const struct {
        const char *range, *type;
        px_epcis_format format;
    } k[] = {
        {"application/ld+json", PX_EPCIS_MEDIA_JSONLD, PX_EPCIS_FORMAT_JSONLD_2_0},
        {"application/json", "application/json", PX_EPCIS_FORMAT_JSONLD_2_0},
        {"application/xml", PX_EPCIS_MEDIA_XML, PX_EPCIS_FORMAT_XML_2_0},
        {"text/xml", PX_EPCIS_MEDIA_XML, PX_EPCIS_FORMAT_XML_2_0},
        {"*/*", PX_EPCIS_MEDIA_JSONLD, PX_EPCIS_FORMAT_JSONLD_2_0},
        {"application/*", PX_EPCIS_MEDIA_JSONLD, PX_EPCIS_FORMAT_JSONLD_2_0},
    };
    *format = PX_EPCIS_FORMAT_JSONLD_2_0;
    if (!accept || !accept[strspn(accept, " \t")])
        return PX_EPCIS_MEDIA_JSONLD;
    const char *p = accept;
    while (*p) {
        size_t n = strcspn(p, ",");
        char item[128];
        if (n < sizeof(item)) {
            memcpy(item, p, n);
            item[n] = '\0';
            char *semi = strchr(item, ';');
            int q0 = 0;
            if (semi) {
                *semi = '\0';
                const char *qp = strstr(semi + 1, "q=");
                if (qp && strtod(qp + 2, NULL) <= 0.0)
                    q0 = 1;
            }
            char *b = item + strspn(item, " \t");
            size_t bl = strlen(b);
            while (bl > 0 && (b[bl - 1] == ' ' || b[bl - 1] == '\t'))
                b[--bl] = '\0';
            for (size_t i = 0; !q0 && i < PX_COUNT(k); i++)
                if (strcasecmp(b, k[i].range) == 0) {
                    *format = k[i].format;
                    return k[i].type;
                }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return NULL;
}

typedef struct args {
    px_req *r;
    px_epcis_rest_param p[PX_EPCIS_REST_PARAMS_MAX + 1];
    size_t n;
    int bad;
    size_t n_path;    /* p[0 .. n_path) came from the path, not the query string */
    const char *base; /* the resource's path, percent-encoded (the Link's target) */
} args;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    (void)value;
    args *a = cls;
    if (a->n > PX_EPCIS_REST_PARAMS_MAX)
        return MHD_NO;
    if (!key || !key[0]) {
        a->bad = 1;
        return MHD_NO;
    }
    /* The fully decoded value (px_req_query finishes %2F and %25). */
    const char *v = px_req_query(a->r, key);
    a->p[a->n].name = key;
    a->p[a->n].value = v ? v : "";
    a->n++;
    return MHD_YES;
}

/* Adds the query string's parameters to a; 0 after answering 400 (a nameless parameter, or
 * too many). */
static int collect_all(px_req *r, args *a)
{
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect, a);
    if (!a->bad && a->n <= PX_EPCIS_REST_PARAMS_MAX)
        return 1;
    px_reply_problem(r, PX_EPCIS_EX_QUERY_PARAMETER,
                     a->bad ? "a query parameter without a name" : "too many query parameters");
    return 0;
}

/* Link: <next page>; rel="next" — the same parameters with the next token (the EPCIS 2.0 REST
 * bindings). The buffer holds the worst case (every byte percent-encoded), so the link is
 * never cut: a cut link would drop rel="next" and end the client's paging early. NULL only
 * without memory. */
static char *next_link(const args *a, const px_epcis_rest_page *page)
{
    const char *base = a->base ? a->base : "/epcis/events";
    size_t need = strlen(base) + 3 * strlen(page->next_token) + 96;
    for (size_t i = a->n_path; i < a->n; i++)
        need += 3 * (strlen(a->p[i].name) + strlen(a->p[i].value)) + 2;
    px_buf b;
    px_buf_init(&b, need);
    px_buf_printf(&b, "<%s?", base);
    for (size_t i = a->n_path; i < a->n; i++) {
        if (strcmp(a->p[i].name, "nextPageToken") == 0 || strcmp(a->p[i].name, "perPage") == 0)
            continue;
        px_buf_put_pct(&b, a->p[i].name, "");
        px_buf_puts(&b, "=");
        px_buf_put_pct(&b, a->p[i].value, "");
        px_buf_puts(&b, "&");
    }
    px_buf_printf(&b, "perPage=%ld&nextPageToken=", page->per_page);
    px_buf_put_pct(&b, page->next_token, "");
    px_buf_puts(&b, ">; rel=\"next\"");
    if (px_buf_failed(&b) != PX_OK) {
        px_buf_dispose(&b);
        return NULL;
    }
    return px_buf_take(&b);
}

/* The Link header of a collection's next page, path's after token (the EPCIS 2.0 REST
 * bindings' paging: perPage and nextPageToken; none on the last page). */
static void next_page_link(px_req *r, const char *path, long per_page, const char *token)
{
    px_buf b;
    px_buf_init(&b, 4096);
    px_buf_printf(&b, "<%s?perPage=%ld&nextPageToken=%s>; rel=\"next\"", path, per_page, token);
    if (b.data)
        MHD_add_response_header(r->response, "Link", b.data);
    px_buf_dispose(&b);
}

/* 1 when err is about the value a resource's path gave (no such resource), not about the
 * query string (the same parameter there too is the query's error: given twice). */
static int path_value(const args *a, const px_err *err)
{
    for (size_t i = 0; i < a->n_path; i++)
        if (strcmp(err->field, a->p[i].name) == 0) {
            for (size_t j = a->n_path; j < a->n; j++)
                if (strcmp(a->p[j].name, a->p[i].name) == 0)
                    return 0;
            return 1;
        }
    return 0;
}

/* The answer to a query the service refused: a bad parameter is 400 (404 when it is the
 * value a resource's path gave: no such resource), a role 403, anything else docs/api.md's
 * envelope. */
static void query_failed(px_req *r, px_rc rc, const px_err *err, int path_value_bad)
{
    if (rc == PX_EINVALID && strcmp(err->code, "query_parameter") == 0 && path_value_bad)
        px_reply_problem(r, PX_EPCIS_EX_NO_SUCH_RESOURCE, err->message);
    else if (rc == PX_EINVALID && strcmp(err->code, "query_parameter") == 0)
        px_reply_problem(r, PX_EPCIS_EX_QUERY_PARAMETER, err->message);
    else if (rc == PX_EFORBIDDEN)
        px_reply_problem(r, PX_EPCIS_EX_SECURITY, err->message);
    else
        px_reply_error(r, err);
}

/* The query of a's parameters answered in the negotiated syntax; one_event: the answer of
 * /epcis/events/{eventID}, 404 when no visible event has that ID. */
static void answer(px_req *r, args *a, int one_event)
{
    px_epcis_format format;
    const char *type = negotiate(
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT), &format);
    if (!type) {
        px_reply_problem(r, PX_EPCIS_EX_NOT_ACCEPTABLE,
                         "packid answers application/ld+json, application/json or application/xml");
        return;
    }
    px_epcis_prefs prefs;
    if (!px__epcis_prefs(r, format == PX_EPCIS_FORMAT_XML_2_0, &prefs))
        return;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_epcis_rest_page page;
    px_epcis_rest_stream *st = NULL;
    px_rc rc = px_svc_epcis_rest_open(db, &r->actor, format, a->p, a->n, &st, &page, &r->err);
    if (rc != PX_OK) {
        query_failed(r, rc, &r->err, path_value(a, &r->err));
        return;
    }
    if (one_event && page.count == 0) {
        px_epcis_rest_stream_free(st);
        px_reply_problem(r, PX_EPCIS_EX_NO_SUCH_RESOURCE,
                         "no event with this eventID that the key may see");
        return;
    }
    /* REQ-EPCISREST-15: the EPCs as Digital Link URIs, translated while the page streams. */
    if (prefs.epc_dl)
        px_epcis_rest_stream_epc_dl(st);
    char *link = page.more ? next_link(a, &page) : NULL;
    rest_stream *rs = page.more && !link ? NULL : malloc(sizeof(*rs));
    if (!rs) {
        free(link);
        px_epcis_rest_stream_free(st);
        px_reply_oom(r);
        return;
    }
    /* The connection leaves the request (on_done must not release it under the stream). */
    rs->s = st;
    rs->pool = r->app->pool;
    rs->db = db;
    r->db = NULL;
    /* REQ-EPCISREST-10: the answer streams with bounded memory; a failure after the status
     * line cuts the chunked body (the client sees a truncated document, stream.c logs it at
     * error level and counts it in packid_http_streams_cut_total). */
    px_reply_stream(r, 200, type, NULL, stream_next, stream_free, rs);
    if (r->status == 200) {
        /* The version headers (the EPCIS 2.0 REST bindings): EPCIS 2.0.0 / CBV 2.0.0 and the
         * EPC form applied. */
        px__epcis_applied(r, &prefs);
        if (link)
            MHD_add_response_header(r->response, "Link", link);
    }
    free(link);
}

void h_epcis2_events(px_req *r)
{
    args a = {.r = r, .n = 0, .bad = 0};
    if (!collect_all(r, &a))
        return;
    answer(r, &a, 0);
}

/* REQ-EPCISREST-9: GET /epcis/events/{eventID} (the EPCIS 2.0 REST bindings): the one event,
 * wrapped in an EPCISQueryDocument, with the visibility of the query; the ID is URL-encoded in the
 * path (packid's hash IDs hold '/', ';', '?', '='). */
void h_epcis2_event(px_req *r)
{
    args a = {.r = r, .n = 1, .bad = 0, .n_path = 1}; /* a malformed ID names no event: 404 */
    a.p[0].name = "EQ_eventID";
    a.p[0].value = px_req_param(r, 0);
    answer(r, &a, 1);
}

/* REQ-EPCISREST-11: the standard's per-value event resources (…/{value}/events, the REST
 * binding's openapi): the events of /epcis/events with the path's value as that parameter's
 * one value, with the same other parameters, paging, negotiation and visibility. A value that
 * is not one of the resource's kind is no such resource (404); a valid one packid never
 * records (a TransactionEvent, a custom business step) is an empty answer. */
static void by_path_value(px_req *r, const char *collection, const char *param)
{
    args a = {.r = r, .n = 1, .bad = 0, .n_path = 1};
    const char *v = px_req_param(r, 0);
    a.p[0].name = param;
    a.p[0].value = v ? v : "";
    if (!collect_all(r, &a))
        return;
    if (strchr(a.p[0].value, '|')) {
        /* One resource is one value: a list belongs in /epcis/events' query string. */
        px_reply_problem(r, PX_EPCIS_EX_NO_SUCH_RESOURCE,
                         "one value names one resource: lists go in GET /epcis/events");
        return;
    }
    px_buf base;
    px_buf_init(&base, 4096);
    px_buf_printf(&base, "/epcis/%s/", collection);
    px_buf_put_pct(&base, a.p[0].value, "");
    px_buf_puts(&base, "/events");
    if (!base.data) {
        px_reply_oom(r);
        return;
    }
    a.base = base.data;
    answer(r, &a, 0);
    px_buf_dispose(&base);
}

/* One handler per route (routes.def), each a resource kind and the parameter its value sets;
 * MATCH_anyEPC: the events that name the EPC anywhere (packid: in their EPC lists or as a
 * container event's parentID). */
#define BY_PATH_VALUE(handler, collection, param)                                                  \
    void handler(px_req *r)                                                                        \
    {                                                                                              \
        by_path_value(r, collection, param);                                                       \
    }
BY_PATH_VALUE(h_epcis2_type_events, "eventTypes", "eventType")
BY_PATH_VALUE(h_epcis2_epc_events, "epcs", "MATCH_anyEPC")
BY_PATH_VALUE(h_epcis2_bizstep_events, "bizSteps", "EQ_bizStep")
BY_PATH_VALUE(h_epcis2_bizlocation_events, "bizLocations", "EQ_bizLocation")
BY_PATH_VALUE(h_epcis2_readpoint_events, "readPoints", "EQ_readPoint")
BY_PATH_VALUE(h_epcis2_disposition_events, "dispositions", "EQ_disposition")

/* A JSON-LD Collection (the binding's discovery answers) of members; consumes members. */
static void collection(px_req *r, json_t *members, const px_epcis_prefs *prefs)
{
    json_t *o = json_pack("{s:[s], s:s, s:o}", "@context",
                          "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", "type",
                          "Collection", "member", members);
    if (!o) {
        px_reply_oom(r);
        return;
    }
    px_reply_json(r, 200, o);
    px__epcis_applied(r, prefs);
}

/* REQ-EPCISREST-12: GET /epcis/eventTypes, the event types a client may ask for. */
void h_epcis2_event_types(px_req *r)
{
    px_epcis_prefs prefs;
    if (!px__epcis_prefs(r, 0, &prefs))
        return;
    json_t *m = json_array();
    /* every EPCIS 2.0 event type is a resource; packid's own two have events */
    for (size_t i = 0; m && i < PX_EPCIS2_EVENT_TYPES; i++)
        json_array_append_new(m, json_string(px_epcis_event_type_names[i]));
    collection(r, m, &prefs);
}

/* REQ-EPCISREST-12: GET /epcis/<collection>/{value}: the value's sub-resources (HATEOAS
 * discovery), the Collection ["events"]; 404 for a value not of the collection's kind. */
static void sub_resource(px_req *r, const char *param)
{
    px_epcis_prefs prefs;
    if (!px__epcis_prefs(r, 0, &prefs))
        return;
    if (!px_epcis_rest_value_valid(param, px_req_param(r, 0))) {
        px_reply_problem(r, PX_EPCIS_EX_NO_SUCH_RESOURCE,
                         "no such resource: the value is not one of this collection's kind");
        return;
    }
    collection(r, json_pack("[s]", "events"), &prefs);
}

#define SUB_RESOURCE(handler, param)                                                               \
    void handler(px_req *r)                                                                        \
    {                                                                                              \
        sub_resource(r, param);                                                                    \
    }
SUB_RESOURCE(h_epcis2_event_type, "eventType")
SUB_RESOURCE(h_epcis2_epc, "MATCH_anyEPC")
SUB_RESOURCE(h_epcis2_bizstep, "EQ_bizStep")
SUB_RESOURCE(h_epcis2_bizlocation, "EQ_bizLocation")
SUB_RESOURCE(h_epcis2_readpoint, "EQ_readPoint")
SUB_RESOURCE(h_epcis2_disposition, "EQ_disposition")

#define VOCAB_TOKEN "c1."

/* A page of a CBV vocabulary's words as a Collection, paged by perPage (default 30, at most
 * 1000) and nextPageToken (the offset) with a Link, as the binding pages every list. */
static void vocabulary(px_req *r, const char *collection_path, px_cbv_vocab vocab)
{
    size_t n;
    const char *const *names = px_cbv_words(vocab, &n);
    px_epcis_prefs prefs;
    if (!px__epcis_prefs(r, 0, &prefs))
        return;
    args a = {.r = r, .n = 0, .bad = 0};
    if (!collect_all(r, &a))
        return;
    long per_page, o = 0;
    const char *token;
    px_err err = PX_ERR_INIT;
    px_rc rc = px_epcis_rest_collection_paging(a.p, a.n, &per_page, &token, &err);
    if (rc != PX_OK) {
        query_failed(r, rc, &err, 0);
        return;
    }
    if (token && (strncmp(token, VOCAB_TOKEN, 3) != 0 || n < 2 ||
                  px_parse_long(token + 3, 1, (long)n - 1, &o) != 0)) {
        px_reply_problem(r, PX_EPCIS_EX_QUERY_PARAMETER,
                         "nextPageToken: not a token this server gave out");
        return;
    }
    size_t from = (size_t)o;
    size_t to = from + (size_t)per_page < n ? from + (size_t)per_page : n;
    json_t *m = json_array();
    for (size_t i = from; m && i < to; i++)
        json_array_append_new(m, json_string(names[i]));
    collection(r, m, &prefs);
    if (r->status == 200 && to < n) {
        char next[32];
        snprintf(next, sizeof(next), VOCAB_TOKEN "%zu", to);
        next_page_link(r, collection_path, per_page, next);
    }
}

/* REQ-EPCISREST-12: GET /epcis/bizSteps and /epcis/dispositions, the CBV's standard values
 * (the binding: "the CBV standard business steps as well as any custom business steps
 * supported by this repository"; packid supports no custom ones). */
void h_epcis2_bizsteps(px_req *r)
{
    vocabulary(r, "/epcis/bizSteps", PX_CBV_VOCAB_BIZSTEP);
}

void h_epcis2_dispositions(px_req *r)
{
    vocabulary(r, "/epcis/dispositions", PX_CBV_VOCAB_DISP);
}

/* REQ-EPCISREST-13: GET /epcis/epcs, /epcis/readPoints, /epcis/bizLocations: the values known
 * to the repository that the key may see (the distinct values of its visible events), a
 * Collection paged by perPage (default 30, at most 1000) and nextPageToken with a Link, as
 * /epcis/bizSteps. */
typedef struct members {
    json_t *m;
    int epc_dl;
} members;

/* REQ-EPCISREST-15: with GS1-EPC-Format: Always_GS1_Digital_Link an EPC or a location is
 * listed in its Digital Link form (a URI that has none stays as it is). */
static int add_member(void *ctx, const char *value)
{
    members *c = ctx;
    char dl[GS1_DL_MAX];
    px_err ignored = PX_ERR_INIT;
    if (c->epc_dl && gs1_epc_to_dl(dl, sizeof(dl), value, &ignored) == PX_OK)
        value = dl;
    return json_array_append_new(c->m, json_string(value)) == 0 ? 0 : -1;
}

static void known_values(px_req *r, const char *collection_path, px_epcis_value_kind kind)
{
    args a = {.r = r, .n = 0, .bad = 0};
    if (!collect_all(r, &a))
        return;
    px_epcis_prefs prefs;
    if (!px__epcis_prefs(r, 0, &prefs))
        return;
    px_db *db = px_req_db(r);
    if (!db)
        return;
    json_t *m = json_array();
    if (!m) {
        px_reply_oom(r);
        return;
    }
    px_err err = PX_ERR_INIT;
    long per_page = 0;
    char token[PX_EPCIS_VALUES_TOKEN_MAX];
    members c = {.m = m, .epc_dl = prefs.epc_dl};
    px_rc rc = px_svc_epcis_rest_values(db, &r->actor, kind, a.p, a.n, add_member, &c,
                                        &per_page, token, &err);
    if (rc != PX_OK) {
        json_decref(m);
        query_failed(r, rc, &err, 0);
        return;
    }
    collection(r, m, &prefs);
    if (r->status == 200 && token[0])
        next_page_link(r, collection_path, per_page, token);
}

void h_epcis2_epcs(px_req *r)
{
    known_values(r, "/epcis/epcs", PX_EPCIS_VALUES_EPC);
}

void h_epcis2_readpoints(px_req *r)
{
    known_values(r, "/epcis/readPoints", PX_EPCIS_VALUES_READ_POINT);
}

void h_epcis2_bizlocations(px_req *r)
{
    known_values(r, "/epcis/bizLocations", PX_EPCIS_VALUES_BIZ_LOCATION);
}
