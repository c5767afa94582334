/* The EPCIS 2.0 REST binding's capture (POST /epcis/capture, GET /epcis/capture/{id};
 * the EPCIS 2.0 REST bindings, docs/epcis.md "EPCIS 2.0 capture"). The document is processed while
 * the request is open; the 202 points at the finished job. Errors of the binding are RFC 7807
 * problems; the key and role checks before the handler keep docs/api.md's envelope. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "epcis_capture.h"
#include "epcis_headers.h"
#include "handlers.h"
#include "request.h"

/* 1 when the media type (parameters ignored) is name. */
static int media_is(const char *ct, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(ct, name, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

void px__epcis_capture_limits(px_req *r)
{
    char v[32];
    snprintf(v, sizeof(v), "%d", PX_CAPTURE_MAX_EVENTS);
    MHD_add_response_header(r->response, "GS1-EPCIS-Capture-Limit", v);
    snprintf(v, sizeof(v), "%ld", r->app->cfg.max_body);
    MHD_add_response_header(r->response, "GS1-EPCIS-Capture-File-Size-Limit", v);
}

void h_epcis_capture(px_req *r)
{
    /* Each read as one value: given twice, refused before the first is acted on. */
    static const char *const once[] = {"GS1-Capture-Error-Behaviour", "Content-Type", NULL};
    if (!px__epcis_headers_once(r, once))
        return;
    /* REQ-EPCISREST-5: the syntax by Content-Type — JSON-LD (application/ld+json or
     * application/json) or XML (application/xml, text/xml: 2.0 or 1.2 by namespace); another
     * type is 415. */
    const char *ct =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    int json = ct && (media_is(ct, "application/ld+json") || media_is(ct, "application/json"));
    int xml = ct && (media_is(ct, "application/xml") || media_is(ct, "text/xml"));
    if (!json && !xml) {
        px_reply_problem(r, PX_EPCIS_EX_UNSUPPORTED_MEDIA_TYPE,
                         "send application/ld+json, application/json or application/xml");
        return;
    }
    const char *body = r->body.data ? r->body.data : "";
    size_t len = r->body.len;
    /* A JSON body's byte order mark is ignored (px_utf8_bom); XML keeps its own. */
    if (json) {
        size_t bom = px_utf8_bom(body, len);
        body += bom;
        len -= bom;
    }
    size_t lead = 0;
    while (lead < len &&
           (body[lead] == ' ' || body[lead] == '\t' || body[lead] == '\r' || body[lead] == '\n'))
        lead++;
    if (lead == len || (body[lead] == '{') != json) {
        px_reply_problem(r, PX_EPCIS_EX_VALIDATION,
                         lead == len ? "the body is empty"
                                     : "the body's syntax does not match its Content-Type");
        return;
    }
    const char *beh =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "GS1-Capture-Error-Behaviour");
    int proceed = 0;
    if (beh && strcasecmp(beh, "proceed") == 0) {
        proceed = 1;
    } else if (beh && strcasecmp(beh, "rollback") != 0) {
        px_reply_problem(r, PX_EPCIS_EX_VALIDATION,
                         "GS1-Capture-Error-Behaviour is rollback or proceed");
        return;
    }
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    char id[PX_ID_LEN + 1];
    px_rc rc = px_svc_epcis_capture(db, &r->actor, body, len, proceed, id, &r->err);
    if (rc == PX_EINVALID && strcmp(r->err.code, "epcis_validation") == 0) {
        px_reply_problem(r, PX_EPCIS_EX_VALIDATION, r->err.message);
        return;
    }
    if (rc == PX_ETOOBIG && strcmp(r->err.code, "capture_limit") == 0) {
        px_reply_problem(r, PX_EPCIS_EX_CAPTURE_LIMIT_EXCEEDED, r->err.message);
        px__epcis_capture_limits(r);
        return;
    }
    if (rc == PX_EFORBIDDEN) {
        px_reply_problem(r, PX_EPCIS_EX_SECURITY, r->err.message);
        return;
    }
    if (rc != PX_OK) {
        px_reply_error(r, &r->err);
        return;
    }
    char loc[64];
    snprintf(loc, sizeof(loc), "/epcis/capture/%s", id);
    px_reply_json(r, 202, json_pack("{s:s}", "captureID", id));
    MHD_add_response_header(r->response, "Location", loc);
    MHD_add_response_header(r->response, "GS1-EPCIS-Version", "2.0.0");
    px__epcis_capture_limits(r);
}

void h_epcis_capture_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_capture_row c;
    px_rc rc = px_svc_epcis_capture_get(db, &r->actor, px_req_param(r, 0), &c, &r->err);
    if (rc == PX_ENOTFOUND) {
        px_reply_problem(r, PX_EPCIS_EX_NO_SUCH_RESOURCE, "no such capture job");
        return;
    }
    if (px_reply_failed(r, rc))
        return;
    /* The stored list as it is (the store refuses a failed copy): one that does not read back
     * is a failure of this answer, never an empty list. */
    json_t *errors = json_loads(c.errors, 0, NULL);
    json_t *o = errors ? json_pack("{s:s, s:s, s:b, s:b, s:s, s:o}", "captureID", c.id, "createdAt",
                                   c.created_at, "running", c.running, "success", c.success,
                                   "captureErrorBehaviour", c.error_behaviour, "errors", errors)
                       : NULL;
    if (o && c.finished_at[0])
        json_object_set_new(o, "finishedAt", json_string(c.finished_at));
    px_capture_row_dispose(&c);
    if (!o) {
        /* Out of memory, or a stored list that does not read back (a bug): both internal. */
        px_reply_fail(r, PX_EINTERNAL, "internal", "the capture job's errors cannot be shown");
        return;
    }
    px_reply_json(r, 200, o);
}
