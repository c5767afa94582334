#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack_identity.h"
#include "px_clock.h"
#include "px_cursor.h"
#include "px_log.h"
#include "px_str.h"
#include "request.h"

void px_reply_take(px_req *r, int status, const char *content_type, char *data, size_t len)
{
    if (r->response) /* the last answer is sent (a handler answers once: px_req_answered) */
        MHD_destroy_response(r->response);
    r->response = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (content_type) /* NULL: an answer without content (204) */
        MHD_add_response_header(r->response, "Content-Type", content_type);
    MHD_add_response_header(r->response, "X-Request-Id", r->rid);
    if (r->cors)
        px__cors_headers(r);
    if (r->allow[0])
        MHD_add_response_header(r->response, "Allow", r->allow);
    r->status = status;
}

int px_reply_rendered(px_req *r, px_rc rc, px_buf *out, const char *content_type)
{
    if (rc != PX_OK) {
        px_buf_dispose(out);
        px_reply_error(r, &r->err);
        return -1;
    }
    size_t len = out->len;
    px_reply_take(r, 200, content_type, px_buf_take(out), len);
    return 0;
}

void px_reply_private(px_req *r)
{
    MHD_add_response_header(r->response, "Cache-Control", "private, no-store");
}

void px_reply_download_headers(px_req *r, const char *filename)
{
    char cd[300];
    snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", filename);
    MHD_add_response_header(r->response, "Content-Disposition", cd);
    px_reply_private(r);
}

void px_reply_page_headers(px_req *r, const char *csp)
{
    MHD_add_response_header(r->response, "Content-Security-Policy", csp);
    MHD_add_response_header(r->response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r->response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r->response, "X-Frame-Options", "DENY");
}

const char *px_image_type(int png)
{
    return png ? "image/png" : "image/svg+xml";
}

void px_reply_bytes(px_req *r, int status, const char *content_type, const void *data, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, data, len);
    px_reply_take(r, status, content_type, copy, len);
}

json_t *px_json_str_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

json_t *px_json_expiry_date(const char *yymmdd)
{
    char iso[11];
    return px_expiry_iso(iso, yymmdd, px_now_us()) ? json_string(iso) : json_null();
}

void px_reply_json(px_req *r, int status, json_t *body)
{
    /* Reals with 15 significant digits, not jansson's 17: a job's progress 0.42 prints as 0.42,
     * not 0.41999999999999998 (every value the API gives as a real has fewer digits). */
    char *s = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(body);
    if (!s) {
        px_reply_bytes(r, 500, "application/json",
                       "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}", 56);
        return;
    }
    px_reply_take(r, status, "application/json", s, strlen(s));
}

/* docs/api.md's details carry the item's "index" when the field is an element of a list
 * ("serials[3]" -> index 3), so a client can map errors back to its input. */
static void add_indexes(json_t *details)
{
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d)
    {
        const char *field = json_string_value(json_object_get(d, "field"));
        size_t n = field ? strlen(field) : 0;
        if (n < 3 || field[n - 1] != ']' || json_object_get(d, "index"))
            continue;
        const char *open = strrchr(field, '[');
        char *end;
        long idx = open ? strtol(open + 1, &end, 10) : -1;
        if (open && end == field + n - 1 && idx >= 0)
            json_object_set_new(d, "index", json_integer(idx));
    }
}

static void reply_error_body(px_req *r, int status, const char *code, const char *message,
                             json_t *details)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (details) {
        add_indexes(details);
        json_object_set_new(e, "details", details);
    }
    px_reply_json(r, status, json_pack("{s:o}", "error", e));
    /* A refusal of a route that answers a person's browser with a page is JSON to a machine:
     * the answer depends on Accept, so a cache must key on it (RFC 9110 §12.5.5), or it could
     * keep the machine's 404 and hand it to the next phone (docs/resolver.md "Content
     * negotiation": every answer carries Vary). */
    if (r->page && r->response)
        MHD_add_response_header(r->response, "Vary", "Accept");
}

/* Codes that stand on their own at the top of an error; any other PX_EINVALID code (a field
 * rule such as invalid_character) is reported as validation_error with one detail, the shape
 * docs/api.md gives for field errors. */
static int top_level_invalid(const char *code)
{
    static const char *const codes[] = {"validation_error",
                                        "settings_missing",
                                        "malformed_json",
                                        "bad_request",
                                        "method_not_allowed",
                                        "bad_header",
                                        "bad_content_length",
                                        "invalid_utf8",
                                        "report_precondition",
                                        "too_many_markets",
                                        "endpoint_not_allowed",
                                        "not_implemented",
                                        NULL};
    for (int i = 0; codes[i]; i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

/* A detail of one field: the field, and its index when the field is a list element
 * ("serials[3]" gives 3: docs/api.md "Errors"). */
static json_t *field_detail(const px_err *err)
{
    json_t *d = json_pack("{s:s, s:s, s:s}", "field", err->field, "code", err->code, "message",
                          err->message);
    const char *open = strrchr(err->field, '[');
    size_t digits = open ? strspn(open + 1, "0123456789") : 0;
    if (d && digits > 0 && digits < 10 && strcmp(open + 1 + digits, "]") == 0)
        json_object_set_new(d, "index", json_integer(strtol(open + 1, NULL, 10)));
    return d;
}

/* A 5xx the server made for itself (not the edge's answers that are for the client to act on:
 * overloaded, try again later; not_implemented, an unknown transfer coding). */
static int internal_failure(int status, const px_err *err)
{
    return status >= 500 && strcmp(err->code, "overloaded") != 0 &&
           strcmp(err->code, "not_implemented") != 0;
}

/* The client learns nothing of an internal failure's cause, so the log must: one whose cause
 * was not logged where it was found would otherwise leave only the access line's status. */
static void log_failure(const px_req *r, int status, const px_err *err)
{
    char fields[PX_ERR_MSG_MAX * 2 + 200], msg[PX_ERR_MSG_MAX * 2], code[PX_ERR_CODE_MAX * 2];
    px_json_escape(msg, sizeof(msg), err->message);
    px_json_escape(code, sizeof(code), err->code);
    snprintf(fields, sizeof(fields),
             "\"rid\":\"%s\",\"status\":%d,\"code\":\"%s\",\"detail\":\"%s\"", r->rid, status, code,
             msg);
    px_log(PX_LOG_ERROR, "request failed", fields);
}

static void reply_error_json(px_req *r, const px_err *err, int status);

void px_reply_error(px_req *r, const px_err *err)
{
    int status = px_http_status(err);
    if (internal_failure(status, err))
        log_failure(r, status, err);
    /* Decided here, not for every request: only a refusal needs to know (h_resolver.c). */
    if (r->page && px__resolver_wants_page(r)) {
        px__resolver_error_page(r, status, err);
        return;
    }
    reply_error_json(r, err, status);
}

/* The error shape of docs/api.md "Errors". */
static void reply_error_json(px_req *r, const px_err *err, int status)
{
    /* A 5xx never carries internals (the detail is in the log), except the edge's answers. */
    if (internal_failure(status, err)) {
        reply_error_body(r, status, status == 503 ? "unavailable" : "internal",
                         status == 503 ? "service unavailable, try again" : "internal error", NULL);
        return;
    }
    if (err->rc == PX_EINVALID && !top_level_invalid(err->code)) {
        json_t *d = err->field[0]
                        ? field_detail(err)
                        : json_pack("{s:s, s:s}", "code", err->code, "message", err->message);
        if (err->pos >= 0) {
            json_object_set_new(d, "position", json_integer(err->pos));
            json_object_set_new(d, "length", json_integer(err->len));
        }
        reply_error_body(r, status, "validation_error", err->message, json_pack("[o]", d));
        return;
    }
    json_t *details = NULL;
    if (err->field[0]) {
        json_t *d = field_detail(err);
        if (err->has_quota) {
            long long left = err->quota_limit - err->quota_used;
            json_object_set_new(d, "limit", json_integer(err->quota_limit));
            json_object_set_new(d, "used", json_integer(err->quota_used));
            json_object_set_new(d, "requested", json_integer(err->quota_requested));
            json_object_set_new(d, "left", json_integer(left > 0 ? left : 0));
        }
        details = json_pack("[o]", d);
    }
    reply_error_body(r, status, err->code, err->message, details);
}

void px_reply_error_items(px_req *r, const px_err *err, json_t *details)
{
    if (!details || !json_array_size(details) || px_http_status(err) >= 500) {
        json_decref(details);
        px_reply_error(r, err);
        return;
    }
    reply_error_body(r, px_http_status(err), err->code, err->message, details);
}

__attribute__((format(printf, 5, 0))) static void
reply_vfail(px_req *r, px_rc rc, const char *code, const char *field, const char *fmt, va_list ap)
{
    px_err err = PX_ERR_INIT;
    err.rc = rc;
    snprintf(err.code, sizeof(err.code), "%s", code);
    snprintf(err.field, sizeof(err.field), "%s", field);
    vsnprintf(err.message, sizeof(err.message), fmt, ap);
    px_utf8_scrub(err.message); /* as px_err_set: an echoed value may be cut or not UTF-8 */
    px_reply_error(r, &err);
}

void px_reply_bad_param(px_req *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_vfail(r, PX_EINVALID, "bad_request", name, fmt, ap);
    va_end(ap);
}

void px_reply_bad_cursor(px_req *r)
{
    px_err err;
    px_cursor_refuse(&err);
    px_reply_error(r, &err);
}

void px_reply_fail(px_req *r, px_rc rc, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_vfail(r, rc, code, "", fmt, ap);
    va_end(ap);
}

void px_reply_oom(px_req *r)
{
    px_err err = PX_ERR_INIT;
    px_err_oom(&err);
    px_reply_error(r, &err);
}

int px_req_answered(const px_req *r)
{
    return r->status != 0;
}

px_db *px_req_db(px_req *r)
{
    if (px_req_answered(r)) /* a reader refused the input: nothing more is done */
        return NULL;
    if (r->db)
        return r->db;
    px_err err;
    r->db = px_pool_acquire(r->app->pool, &err);
    if (!r->db)
        px_reply_error(r, &err);
    return r->db;
}

const char *px_req_param(px_req *r, int i)
{
    return i < r->nparams ? r->params[i] : "";
}

int px_reply_failed(px_req *r, px_rc rc)
{
    if (rc == PX_OK)
        return 0;
    px_reply_error(r, &r->err);
    return 1;
}

px_db *px_req_begin(px_req *r)
{
    px_err_clear(&r->err);
    return px_req_db(r);
}

void px_reply_problem(px_req *r, px_epcis_ex ex, const char *detail)
{
    const px_epcis_ex_def *d = px_epcis_ex_get(ex);
    json_t *o =
        json_pack("{s:s, s:s, s:i}", "type", d->type, "title", d->title, "status", d->status);
    if (o && detail && detail[0])
        json_object_set_new(o, "detail", json_string(detail));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) {
        px_reply_oom(r);
        return;
    }
    px_reply_take(r, d->status, "application/problem+json", s, strlen(s));
}
