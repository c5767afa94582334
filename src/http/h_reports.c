/* Regulator endpoints, reports and the EPCIS query (docs/api.md "Packs, trace and audit",
 * docs/delivery.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_format.h"
#include "handlers.h"
#include "paging.h"
#include "px_array.h"
#include "reports.h"

/* A query answer is built in memory before it is sent (so an error can still be a clean
 * JSON error): this caps it; a narrower query is the answer to 413. */
#define EPCIS_QUERY_MAX (64L * 1024 * 1024)

static json_t *endpoint_json(const px_endpoint *e)
{
    /* Never the auth header nor the secret: only whether they are set. A query string may
     * carry a token too (some receivers authenticate that way), so it is shown redacted. */
    char url[sizeof(e->url) + 16];
    size_t base = strcspn(e->url, "?");
    snprintf(url, sizeof(url), "%.*s%s", (int)base, e->url, e->url[base] ? "?<redacted>" : "");
    return json_pack("{s:s, s:s, s:s, s:o, s:b, s:b, s:b, s:s, s:s}", "endpoint_id", e->id,
                     "market", e->market, "url", url, "receiver_gln",
                     px_json_str_or_null(e->receiver_gln), "has_auth_header", e->has_auth_header,
                     "signed", e->has_hmac_secret, "active", e->active, "created_at", e->created_at,
                     "format", e->format[0] ? e->format : "epcis-1.2-xml");
}

void h_endpoint_create(px_req *r)
{
    static const char *const allowed[] = {"market",       "url",    "auth_header", "hmac_secret",
                                          "receiver_gln", "format", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    px_endpoint_request rq = {0};
    rq.market = px_json_market(r, r->json, 1);
    rq.url = px_json_str(r, r->json, "url", PX_DELIVERY_URL_MAX, 1);
    rq.auth_header = px_json_str(r, r->json, "auth_header", PX_DELIVERY_HEADER_MAX, 0);
    rq.hmac_secret = px_json_str(r, r->json, "hmac_secret", PX_DELIVERY_SECRET_MAX, 0);
    rq.receiver_gln = px_json_str(r, r->json, "receiver_gln", GS1_GLN_LEN, 0);
    rq.format = px_json_str(r, r->json, "format", 32, 0);
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_endpoint e;
    if (px_reply_failed(r, px_svc_endpoint_create(db, &r->actor, &rq, &e, &r->err)))
        return;
    px_reply_json(r, 201, endpoint_json(&e));
}

void h_endpoint_update(px_req *r)
{
    static const char *const allowed[] = {"url",    "auth_header", "hmac_secret",
                                          "active", "format",      NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    /* Only auth_header may be removed (null); an endpoint always has a URL, a signed one
     * stays signed (a secret is rotated, never dropped), and active is true or false. */
    static const char *const no_null[] = {"url", "hmac_secret", "active", "format", NULL};
    for (int i = 0; no_null[i]; i++)
        if (json_is_null(json_object_get(r->json, no_null[i])))
            px_reply_field(r, no_null[i], "invalid_value", "this member cannot be null");
    px_endpoint_patch rq = {.active = -1};
    rq.url = px_json_str(r, r->json, "url", PX_DELIVERY_URL_MAX, 0);
    /* auth_header: a value replaces it, null removes it. */
    json_t *ah = json_object_get(r->json, "auth_header");
    rq.set_auth_header = ah != NULL;
    if (ah && !json_is_null(ah))
        rq.auth_header = px_json_str(r, r->json, "auth_header", PX_DELIVERY_HEADER_MAX, 0);
    rq.hmac_secret = px_json_str(r, r->json, "hmac_secret", PX_DELIVERY_SECRET_MAX, 0);
    rq.format = px_json_str(r, r->json, "format", 32, 0);
    json_t *av = json_object_get(r->json, "active");
    if (av && !json_is_null(av))
        rq.active = px_json_bool(r, r->json, "active");
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_endpoint e;
    if (px_reply_failed(
            r, px_svc_endpoint_update(db, &r->actor, px_req_param(r, 0), &rq, &e, &r->err)))
        return;
    px_reply_json(r, 200, endpoint_json(&e));
}

static int add_endpoint(void *ctx, const px_endpoint *e)
{
    return px_list_add(ctx, e->id, endpoint_json(e));
}

void h_endpoint_list(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 0); /* a MAH has few endpoints: the window skips */
    if (db)
        px_list_end(&l, px_svc_endpoints_each(db, &r->actor, add_endpoint, &l, &r->err));
}

static int add_attempt(void *ctx, const px_report_attempt *a)
{
    json_t *o = json_pack("{s:i, s:s, s:o, s:o, s:o, s:o}", "n", a->n, "started_at", a->started_at,
                          "finished_at", px_json_str_or_null(a->finished_at), "http_status",
                          a->http_status ? json_integer(a->http_status) : json_null(), "outcome",
                          px_json_str_or_null(a->outcome), "error", px_json_str_or_null(a->error));
    json_array_append_new(ctx, o);
    return 0;
}

/* A report as docs/api.md shows it (without its attempts). */
static json_t *report_json(const px_report *rep)
{
    char url[96];
    snprintf(url, sizeof(url), "/v1/reports/%s/document", rep->id);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:i, s:i, s:o, s:o, s:s, s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:o, "
        "s:o, s:o}",
        "report_id", rep->id, "market", rep->market, "state", rep->state, "attempts", rep->attempts,
        "max_attempts", rep->max_attempts, "last_error", px_json_str_or_null(rep->last_error),
        "document_url", rep->has_document ? json_string(url) : json_null(), "document_id",
        rep->document_id, "endpoint_id", rep->endpoint_id, "release_id",
        px_json_str_or_null(rep->release_id), "gtin", rep->gtin, "batch",
        px_json_str_or_null(rep->batch), "created_at", rep->created_at, "next_attempt_at",
        (strcmp(rep->state, "queued") == 0 || strcmp(rep->state, "sending") == 0)
            ? json_string(rep->next_attempt_at)
            : json_null(),
        "delivered_at", px_json_str_or_null(rep->delivered_at), "document_sha256",
        px_json_str_or_null(rep->document_sha256), "document_bytes",
        rep->has_document ? json_integer(rep->document_len) : json_null(), "event_count",
        rep->has_document ? json_integer(rep->event_count) : json_null());
    json_object_set_new(o, "op_id", px_json_str_or_null(rep->op_id));
    json_object_set_new(o, "master_version", rep->master_version
                                                 ? json_integer(rep->master_version)
                                                 : json_null());
    json_object_set_new(o, "retry_of", px_json_str_or_null(rep->retry_of));
    json_object_set_new(o, "retried_by", px_json_str_or_null(rep->retried_by));
    return o;
}

void h_report_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_report rep;
    if (px_reply_failed(r, px_svc_report_get(db, &r->actor, px_req_param(r, 0), &rep, &r->err)))
        return;
    json_t *attempts = json_array();
    if (px_svc_report_attempts_each(db, &r->actor, rep.id, add_attempt, attempts, &r->err) !=
        PX_OK) {
        json_decref(attempts);
        px_reply_error(r, &r->err);
        return;
    }
    json_t *o = report_json(&rep);
    json_object_set_new(o, "delivery_attempts", attempts);
    px_reply_json(r, 200, o);
}

void h_report_document(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    char *doc = NULL;
    size_t len = 0;
    if (px_reply_failed(
            r, px_svc_report_document(db, &r->actor, px_req_param(r, 0), &doc, &len, &r->err)))
        return;
    /* The report's own syntax (its endpoint's format when it was queued). */
    px_reply_take(r, 200, px_epcis_media_type(px_epcis_document_format(doc, len)), doc, len);
}

void h_epcis_events(px_req *r)
{
    px_epcis_query_params q = {
        .match_epc = px_req_query(r, "MATCH_epc"),
        .eq_biz_step = px_req_query(r, "EQ_bizStep"),
        .ge_event_time = px_req_query(r, "GE_eventTime"),
        .lt_event_time = px_req_query(r, "LT_eventTime"),
        .eq_biz_location = px_req_query(r, "EQ_bizLocation"),
    };
    const char *names[] = {"MATCH_epc", "EQ_bizStep", "GE_eventTime", "LT_eventTime",
                           "EQ_bizLocation"};
    const char *vals[] = {q.match_epc, q.eq_biz_step, q.ge_event_time, q.lt_event_time,
                          q.eq_biz_location};
    _Static_assert(PX_COUNT(names) == PX_COUNT(vals), "a name per value");
    for (size_t i = 0; i < PX_COUNT(vals); i++)
        if (vals[i] && (!vals[i][0] || strlen(vals[i]) > PX_EPCIS_QUERY_VALUE_MAX))
            px_reply_fieldf(r, names[i], "invalid_parameter", "%s must be 1 to %d characters",
                            names[i], PX_EPCIS_QUERY_VALUE_MAX);
    px_db *db = px_req_read_db(r);
    if (!db)
        return;
    px_buf out;
    px_buf_init(&out, (size_t)EPCIS_QUERY_MAX);
    size_t count = 0;
    px_rc rc = px_svc_epcis_query(db, &r->actor, &q, px_epcis_sink_buf, &out, &count, &r->err);
    if (rc != PX_OK) {
        px_buf_dispose(&out);
        if (rc == PX_EUNAVAIL && strcmp(r->err.code, "epcis_sink") == 0) {
            px_reply_fail(r, PX_ETOOBIG, "payload_too_large",
                          "the query result exceeds %ld MiB: narrow the query",
                          EPCIS_QUERY_MAX / (1024 * 1024));
            return;
        }
        px_reply_error(r, &r->err);
        return;
    }
    size_t len = out.len;
    px_reply_take(r, 200, PX_EPCIS_MEDIA_XML, px_buf_take(&out), len);
}

static int add_report(void *ctx, const px_report *rep)
{
    return px_list_add(ctx, rep->id, report_json(rep));
}

void h_report_list(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 1);
    if (db)
        px_list_end(&l, px_svc_reports_each(db, &r->actor, px_req_query(r, "state"),
                                            px_req_query(r, "retried"), px_req_query(r, "market"),
                                            l.after[0] ? l.after : NULL, l.first + 1, add_report,
                                            &l, &r->err));
}

void h_report_retry(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_report rep;
    if (px_reply_failed(
            r, px_svc_report_retry(db, r->app, &r->actor, px_req_param(r, 0), &rep, &r->err)))
        return;
    px_reply_json(r, 202, json_pack("{s:s, s:s, s:s}", "report_id", rep.id, "retry_of",
                                    rep.retry_of, "state", rep.state));
}
