/* Serial settings: PUT/GET /v1/serial-settings (the MAH's default) and
 * PUT/GET /v1/products/{gtin}/serial-settings (docs/api.md "Products and serial settings"). */
#include <string.h>

#include "allocation.h"
#include "handlers.h"
#include "serial_gen.h"

/* The settings as answered, with the member that says whose they are (org_id, or source). */
static void settings_reply(px_req *r, int status, const px_serial_settings *s, const char *key,
                           const char *value)
{
    json_t *o = json_pack("{s:s, s:i, s:s}", "strategy", px_serial_strategy_name(s->strategy),
                          "length", s->length, key, value);
    if (o && s->strategy == PX_SERIAL_RANDOM_ALPHANUMERIC)
        json_object_set_new(o, "symbols", json_string(s->symbols));
    px_reply_json(r, status, o);
}

/* Reads the body's fields; replies 422 and returns -1 on a malformed one. Range and
 * character rules are the domain's (px_serial_settings_validate), so the client learns the
 * field and the position of a bad symbol. */
static int read_input(px_req *r, px_settings_input *in)
{
    static const char *const allowed[] = {"strategy", "length", "symbols", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return -1;
    memset(in, 0, sizeof(*in));
    in->strategy = px_json_str(r, r->json, "strategy", 32, 1);
    /* Any integer goes to the use case's rule (PX_SERIAL_LEN_MIN..MAX, invalid_length: docs/api.md
     * "Detail codes"), however far out: a reader's bound of its own answered invalid_value there,
     * naming a range that is no rule. Another type is invalid_value, naming the rule. */
    json_t *len = json_object_get(r->json, "length");
    in->length = json_is_integer(len) ? (long long)json_integer_value(len)
                                      : px_json_int(r, r->json, "length", PX_SERIAL_LEN_MIN,
                                                    PX_SERIAL_LEN_MAX, 0, 1);
    in->symbols = px_json_str(r, r->json, "symbols", 1024, 0);
    return px_req_answered(r) ? -1 : 0;
}

/* A PUT of the MAH's default (gtin NULL) or of product gtin's own settings: the body read,
 * then stored by the use case, then answered as stored. */
static void settings_put(px_req *r, const char *gtin)
{
    px_settings_input in;
    if (read_input(r, &in) != 0)
        return;
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_serial_settings s;
    px_rc rc = gtin ? px_svc_product_settings_put(db, &r->actor, gtin, &in, &s, &r->err)
                    : px_svc_org_settings_put(db, &r->actor, &in, &s, &r->err);
    if (px_reply_failed(r, rc))
        return;
    if (gtin)
        settings_reply(r, 201, &s, "source", "product");
    else
        settings_reply(r, 201, &s, "org_id", r->actor.org_id);
}

void h_org_settings_put(px_req *r)
{
    settings_put(r, NULL);
}

void h_product_settings_put(px_req *r)
{
    settings_put(r, px_req_param(r, 0));
}

void h_org_settings_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_serial_settings s;
    if (px_reply_failed(r, px_svc_org_settings_get(db, &r->actor, &s, &r->err)))
        return;
    settings_reply(r, 200, &s, "org_id", r->actor.org_id);
}

void h_product_settings_get(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_serial_settings s;
    int from_org = 0;
    if (px_reply_failed(r, px_svc_product_settings_get(db, &r->actor, px_req_param(r, 0), &s,
                                                       &from_org, &r->err)))
        return;
    /* "organization": the default this product would copy at its first allocation. */
    settings_reply(r, 200, &s, "source", from_org ? "organization" : "product");
}
