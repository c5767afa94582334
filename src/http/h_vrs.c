/* The DSCSA lightweight verification responder (the GS1 Lightweight Messaging Standard,
 * docs/verification.md): GET /vrs/verify/gtin/{gtin}/lot/{lot}/ser/{serial}, its canonical Digital
 * Link form /vrs/verify/01/{gtin}/10/{lot}/21/{serial}, GET /vrs/checkConnectivity, and the request
 * log GET /v1/verification-requests. */
#include <string.h>

#include "handlers.h"
#include "paging.h"
#include "responder.h"

/* Sent on verify answers, as the quartet-vrs responder does (docs/verification.md): an
 * intermediary must not keep a verdict. */
static void no_cache(px_req *r)
{
    if (r->response)
        MHD_add_response_header(r->response, "Cache-Control", "private, no-cache");
}

/* The query names the responder reads. A VRS router may add others (ignored), but one of
 * these twice is refused: the first would be taken and the second, perhaps the expiry the
 * requester meant, silently dropped. */
static const char *const k_read[] = {
    "linkType", "context", "reqGLN", "corrUUID", "ctrlPossessAtt", "email", "telephone",
    "exp",      "17",      "gtin",   NULL};

/* 1 (and the 400 queued) when a name the responder reads is given twice. */
static int repeated(px_req *r)
{
    const char *name = px_req_query_repeated(r, k_read);
    if (!name)
        return 0;
    px_reply_fieldf(r, name, "bad_request", "%s is given more than once", name);
    no_cache(r);
    return 1;
}

static void params_of(px_req *r, px_vrs_params *p, const char *exp_name)
{
    p->link_type = px_req_query(r, "linkType");
    p->context = px_req_query(r, "context");
    p->req_gln = px_req_query(r, "reqGLN");
    p->corr_uuid = px_req_query(r, "corrUUID");
    p->ctrl_possess_att = px_req_query(r, "ctrlPossessAtt");
    p->email = px_req_query(r, "email");
    p->telephone = px_req_query(r, "telephone");
    p->exp = exp_name ? px_req_query(r, exp_name) : NULL;
}

/* The GS1 Lightweight Messaging Standard's answer: the fields in the standard's order; reason and
 * info only when there is one. */
static json_t *answer_json(const px_vrs_result *v)
{
    json_t *data = json_pack("{s:b}", "verified", v->answer.verified);
    const char *reason = px_vrs_reason_name(v->answer.reason);
    const char *info = px_vrs_info_name(v->answer.info);
    if (data && reason)
        json_object_set_new(data, "verificationFailureReason", json_string(reason));
    if (data && info)
        json_object_set_new(data, "additionalInfo", json_string(info));
    return json_pack("{s:s, s:s, s:o, s:s}", "verificationTimestamp", v->timestamp, "responderGLN",
                     v->responder_gln, "data", data, "corrUUID", v->corr_uuid);
}

/* exp_name: the query name of the expiry, "exp" (convenience alphas) or "17" (canonical);
 * other_name: the other form's. An expiry under the other form's name would be ignored and the
 * pack verified without its expiry compared (a "yes" the requester did not ask for): refused,
 * as every bad parameter, before anything is read. */
static void verify(px_req *r, const char *exp_name, const char *other_name)
{
    if (repeated(r))
        return;
    if (px_req_query(r, other_name)) {
        px_reply_fieldf(r, other_name, "bad_request", "%s is not this form's expiry: send it as %s",
                        other_name, exp_name);
        no_cache(r);
        return;
    }
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_vrs_params p = {.gtin = px_req_param(r, 0),
                       .lot = px_req_param(r, 1),
                       .serial = px_req_param(r, 2),
                       .dl_form = strcmp(exp_name, "17") == 0};
    params_of(r, &p, exp_name);
    px_vrs_result v;
    if (!px_reply_failed(r, px_svc_vrs_verify(db, &r->actor, &p, &v, &r->err)))
        px_reply_json(r, 200, answer_json(&v));
    no_cache(r);
}

void h_vrs_verify(px_req *r)
{
    verify(r, "exp", "17");
}

/* The canonical numeric Digital Link form, accepted as a tolerance (docs/verification.md); AI 17
 * is the expiry. */
void h_vrs_verify_dl(px_req *r)
{
    verify(r, "17", "exp");
}

void h_vrs_connectivity(px_req *r)
{
    if (repeated(r))
        return;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_vrs_params p = {.gtin = px_req_query(r, "gtin")};
    params_of(r, &p, NULL);
    px_vrs_result v;
    if (!px_reply_failed(r, px_svc_vrs_connectivity(db, &r->actor, &p, &v, &r->err)))
        px_reply_json(r, 200, json_pack("{s:s}", "responderGLN", v.responder_gln));
    no_cache(r);
}

static int add_row(void *ctx, const px_vrs_log_row *w)
{
    json_t *answer = w->verified < 0
                         ? json_null()
                         : json_pack("{s:b, s:o, s:o}", "verified", w->verified,
                                     "verificationFailureReason", px_json_str_or_null(w->reason),
                                     "additionalInfo", px_json_str_or_null(w->info));
    json_t *item =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:o}",
                  "request_id", w->id, "at", w->at, "kind", w->kind, "requester_org_id",
                  w->requester_id, "key_id", w->key_id, "req_gln", w->req_gln, "responder_gln",
                  w->responder_gln, "gtin", w->gtin, "lot", px_json_str_or_null(w->lot), "serial",
                  px_json_str_or_null(w->serial), "exp", px_json_str_or_null(w->exp), "context",
                  w->context, "corr_uuid", px_json_str_or_null(w->corr_uuid), "answer", answer);
    json_object_set_new(item, "ctrl_possess_att",
                        w->ctrl_possess_att < 0 ? json_null() : json_boolean(w->ctrl_possess_att));
    json_object_set_new(item, "email", px_json_str_or_null(w->email));
    json_object_set_new(item, "telephone", px_json_str_or_null(w->telephone));
    return px_list_add(ctx, w->id, item);
}

void h_vrs_requests(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 1);
    if (!db)
        return;
    px_list_end(&l, px_svc_vrs_log_page(db, &r->actor, l.after, l.first + 1, add_row, &l, &r->err));
}

static void settings_reply(px_req *r, px_rc rc, const px_vrs_policy *pol)
{
    if (!px_reply_failed(r, rc))
        px_reply_json(r, 200,
                      json_pack("{s:s, s:s}", "recalled", px_vrs_recall_rule_name(pol->recalled),
                                "expired", px_vrs_expiry_rule_name(pol->expired)));
}

void h_vrs_settings_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_vrs_policy pol;
    settings_reply(r, px_svc_vrs_settings_get(db, &r->actor, &pol, &r->err), &pol);
}

void h_vrs_settings_put(px_req *r)
{
    static const char *const allowed[] = {"recalled", "expired", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    const char *recalled = px_json_str(r, r->json, "recalled", 7, 0);
    const char *expired = px_json_str(r, r->json, "expired", 7, 0);
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_vrs_policy pol;
    settings_reply(r, px_svc_vrs_settings_put(db, &r->actor, recalled, expired, &pol, &r->err),
                   &pol);
}
