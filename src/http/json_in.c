/* The one JSON dialect of request bodies (docs/api.md "Errors"): every reader checks one member
 * and, on a bad one, answers 422 validation_error with a detail naming the field (through px_err
 * and status_map.c, like every other error). The readers are sticky (docs/architecture.md
 * "Requests"), and the flag is the request's own answer: once r is answered (px_req_answered)
 * every reader returns at once and px_req_begin hands out no database, so a handler reads its
 * fields in a row and goes on to px_req_begin; a second answer is never made. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market.h"
#include "px_str.h"
#include "request.h"

void px_reply_field(px_req *r, const char *field, const char *code, const char *msg)
{
    px_reply_fieldf(r, field, code, "%s", msg);
}

void px_reply_fieldf(px_req *r, const char *field, const char *code, const char *fmt, ...)
{
    if (px_req_answered(r)) /* the first refusal is the answer */
        return;
    char msg[PX_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    px_err err;
    px_err_set_field(&err, PX_EINVALID, code, field, "%s", msg);
    px_reply_error(r, &err);
}

/* Members not in allowed, reported with the field name prefix + key. */
static int only_allowed(px_req *r, json_t *obj, const char *prefix, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            char field[96], msg[160];
            snprintf(field, sizeof(field), "%s%.60s", prefix, key);
            px_utf8_scrub(field); /* the name may be cut inside a character */
            snprintf(msg, sizeof(msg), "unknown field \"%s\"", field);
            px_reply_field(r, field, "unknown_field", msg);
            return -1;
        }
    }
    return 0;
}

int px_json_only(px_req *r, json_t *obj, const char *const *allowed)
{
    return only_allowed(r, obj, "", allowed);
}

/* The member name of obj (NULL when obj is NULL or the member absent or null). */
static json_t *member(json_t *obj, const char *name)
{
    json_t *v = obj ? json_object_get(obj, name) : NULL;
    return v && !json_is_null(v) ? v : NULL;
}

/* The member a reader reads: NULL when r is answered already (the readers are sticky) or the
 * member is absent or null, which, when it is required, is the answer 422 required
 * "<name> is required". */
static json_t *member_read(px_req *r, json_t *obj, const char *name, int required)
{
    if (px_req_answered(r))
        return NULL;
    json_t *v = member(obj, name);
    if (!v && required)
        px_reply_fieldf(r, name, "required", "%s is required", name);
    return v;
}

int px_json_present(json_t *obj, const char *name)
{
    return member(obj, name) != NULL;
}

/* A JSON string usable as a C string: no NUL inside (RFC 8259 allows \u0000). */
static int c_string(json_t *v)
{
    return strlen(json_string_value(v)) == json_string_length(v);
}

const char *px_json_str(px_req *r, json_t *obj, const char *name, size_t max, int required)
{
    if (px_req_answered(r))
        return NULL;
    json_t *v = member(obj, name);
    int present = obj && json_object_get(obj, name); /* null counts as given, and wrong */
    const char *problem;
    char len_problem[48];
    if (!v) {
        if (!required)
            return NULL;
        problem = "is required";
    } else if (!json_is_string(v)) {
        problem = "must be a string";
    } else if (json_string_length(v) > max || json_string_length(v) == 0) {
        snprintf(len_problem, sizeof(len_problem), "must be 1 to %zu bytes long", max);
        problem = len_problem;
    } else if (!c_string(v)) {
        problem = "must not contain NUL characters";
    } else {
        return json_string_value(v);
    }
    char msg[200];
    snprintf(msg, sizeof(msg), "%s %s", name, problem);
    px_reply_field(r, name, present ? "invalid_value" : "required", msg);
    return NULL;
}

const char *px_json_market(px_req *r, json_t *obj, int required)
{
    json_t *v = member(obj, "market");
    if (px_req_answered(r) || !json_is_string(v))
        return px_json_str(r, obj, "market", 2, required); /* absent, null, not a string */
    /* REQ-MARKET-1, as the use cases check it: no text bound of the reader's own, whose
     * refusal would be another code (a NUL inside is no letter: refused as no code is). */
    px_err err = PX_ERR_INIT;
    if (px_market_check(c_string(v) ? json_string_value(v) : NULL, &err) != PX_OK) {
        px_reply_error(r, &err);
        return NULL;
    }
    return json_string_value(v);
}

long long px_json_int(px_req *r, json_t *obj, const char *name, long long min, long long max,
                      long long dflt, int required)
{
    json_t *v = member_read(r, obj, name, required);
    char msg[200];
    if (!v)
        return dflt;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        snprintf(msg, sizeof(msg), "%s must be an integer from %lld to %lld", name, min, max);
        px_reply_field(r, name, "invalid_value", msg);
        return dflt;
    }
    return json_integer_value(v);
}

int px_json_bool(px_req *r, json_t *obj, const char *name)
{
    json_t *v = member_read(r, obj, name, 0);
    if (!v)
        return 0;
    if (json_is_boolean(v))
        return json_is_true(v);
    char msg[96];
    snprintf(msg, sizeof(msg), "%s must be true or false", name);
    px_reply_field(r, name, "invalid_type", msg);
    return 0;
}

const char **px_json_str_array(px_req *r, json_t *obj, const char *name, size_t max,
                               size_t max_items, int required, int *n)
{
    *n = 0;
    json_t *v = member_read(r, obj, name, required);
    char msg[200], field[96];
    if (!v)
        return NULL;
    /* docs/api.md "Errors": a value of the wrong JSON type is invalid_type, as px_json_items
     * answers it; a value of the right type out of its bounds is invalid_value. */
    if (!json_is_array(v) || json_array_size(v) > max_items) {
        snprintf(msg, sizeof(msg), "%s must be an array of at most %zu strings", name,
                 max_items);
        px_reply_field(r, name, json_is_array(v) ? "invalid_value" : "invalid_type", msg);
        return NULL;
    }
    size_t count = json_array_size(v);
    const char **out = calloc(count ? count : 1, sizeof(char *));
    if (!out) {
        px_reply_oom(r);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > max ||
            !c_string(e)) {
            snprintf(field, sizeof(field), "%s[%zu]", name, i);
            snprintf(msg, sizeof(msg), "%s must be a string of 1 to %zu characters", field,
                     max);
            px_reply_field(r, field, json_is_string(e) ? "invalid_value" : "invalid_type", msg);
            free(out);
            return NULL;
        }
        out[i] = json_string_value(e);
    }
    *n = (int)count;
    return out;
}

/* One detail per bad item of a list: its index, field, code and message. */
static void item_detail(json_t *details, const char *name, size_t i, const char *code,
                        const char *message)
{
    char field[48];
    snprintf(field, sizeof(field), "%s[%zu]", name, i);
    json_array_append_new(details, json_pack("{s:I, s:s, s:s, s:s}", "index", (json_int_t)i,
                                             "field", field, "code", code, "message", message));
}

const char **px_json_items(px_req *r, json_t *obj, const char *name, int required, size_t *n)
{
    *n = 0;
    json_t *v = member_read(r, obj, name, required);
    char msg[160];
    if (!v)
        return NULL;
    if (!json_is_array(v)) {
        snprintf(msg, sizeof(msg), "%s must be an array of strings", name);
        px_reply_field(r, name, "invalid_type", msg);
        return NULL;
    }
    size_t count = json_array_size(v);
    const char **out = calloc(count ? count : 1, sizeof(*out));
    json_t *details = json_array();
    if (!out || !details) {
        free(out);
        json_decref(details);
        px_reply_oom(r);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e))
            item_detail(details, name, i, "invalid_type", "must be a string");
        else if (!c_string(e))
            item_detail(details, name, i, "invalid_character",
                        "NUL is not in the GS1 AI character set 82");
        else
            out[i] = json_string_value(e);
    }
    if (json_array_size(details)) {
        px_err err;
        px_err_set(&err, PX_EINVALID, "validation_error", "%zu of %zu %s are not strings",
                   json_array_size(details), count, name);
        px_reply_error_items(r, &err, details);
        free(out);
        return NULL;
    }
    json_decref(details);
    *n = count;
    return out;
}

json_t *px_json_object(px_req *r, json_t *obj, const char *name, const char *const *allowed)
{
    json_t *v = member_read(r, obj, name, 0);
    if (!v)
        return NULL;
    if (!json_is_object(v)) {
        char msg[160];
        snprintf(msg, sizeof(msg), "%s must be an object", name);
        px_reply_field(r, name, "invalid_value", msg);
        return NULL;
    }
    char prefix[72];
    snprintf(prefix, sizeof(prefix), "%.60s.", name);
    return only_allowed(r, v, prefix, allowed) == 0 ? v : NULL;
}

const char *px_json_member_str(px_req *r, json_t *obj, const char *parent, const char *name,
                               size_t max)
{
    json_t *v = member_read(r, obj, name, 0);
    if (!v)
        return NULL;
    if (json_is_string(v) && json_string_length(v) >= 1 && json_string_length(v) <= max &&
        c_string(v))
        return json_string_value(v);
    char msg[200], field[96];
    snprintf(field, sizeof(field), "%s.%s", parent, name);
    snprintf(msg, sizeof(msg), "%s must be a string of 1 to %zu characters", field, max);
    px_reply_field(r, field, "invalid_value", msg);
    return NULL;
}

int px_json_member_int(px_req *r, json_t *obj, const char *parent, const char *name, int min,
                       int max)
{
    json_t *v = member_read(r, obj, name, 0);
    if (!v)
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max)
        return (int)json_integer_value(v);
    char msg[200], field[96];
    snprintf(field, sizeof(field), "%s.%s", parent, name);
    snprintf(msg, sizeof(msg), "%s must be an integer from %d to %d", field, min, max);
    px_reply_field(r, field, "invalid_value", msg);
    return 0;
}
