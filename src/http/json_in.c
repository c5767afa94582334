#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int px_json_only(px_req *r, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            json_t *d = json_pack("[{s:s, s:s, s:s}]", "field", key, "code", "unknown_field",
                                  "message", "this field is not part of the request");
            char msg[200];
            snprintf(msg, sizeof(msg), "unknown field \"%.100s\"", key);
            px_reply_error_details(r, 422, "validation_error", msg, d);
            return -1;
        }
    }
    return 0;
}

const char *px_json_str(px_req *r, json_t *obj, const char *name, size_t max, int required,
                        int *bad)
{
    if (*bad)
        return NULL; /* sticky: after the first error (already answered) reads are no-ops */
    json_t *v = json_object_get(obj, name);
    const char *problem = NULL;
    if (!v || json_is_null(v)) {
        if (!required)
            return NULL;
        problem = "is required";
    } else if (!json_is_string(v)) {
        problem = "must be a string";
    } else if (json_string_length(v) > max || json_string_length(v) == 0) {
        problem = "has the wrong length";
    } else if (strlen(json_string_value(v)) != json_string_length(v)) {
        problem = "must not contain NUL characters";
    } else {
        return json_string_value(v);
    }
    char msg[200];
    snprintf(msg, sizeof(msg), "%s %s", name, problem);
    px_reply_error_details(r, 422, "validation_error", msg,
                           json_pack("[{s:s, s:s, s:s}]", "field", name, "code",
                                     !v ? "required" : "invalid_value", "message", msg));
    *bad = 1;
    return NULL;
}

static void field_error(px_req *r, const char *name, const char *code, const char *msg, int *bad)
{
    px_reply_error_details(r, 422, "validation_error", msg,
                           json_pack("[{s:s, s:s, s:s}]", "field", name, "code", code,
                                     "message", msg));
    *bad = 1;
}

long long px_json_int(px_req *r, json_t *obj, const char *name, long long min, long long max,
                      long long dflt, int required, int *bad)
{
    if (*bad)
        return dflt;
    json_t *v = json_object_get(obj, name);
    char msg[200];
    if (!v || json_is_null(v)) {
        if (required) {
            snprintf(msg, sizeof(msg), "%s is required", name);
            field_error(r, name, "required", msg, bad);
        }
        return dflt;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        snprintf(msg, sizeof(msg), "%s must be an integer from %lld to %lld", name, min, max);
        field_error(r, name, "invalid_value", msg, bad);
        return dflt;
    }
    return json_integer_value(v);
}

const char **px_json_str_array(px_req *r, json_t *obj, const char *name, size_t max,
                               size_t max_items, int required, int *n, int *bad)
{
    *n = 0;
    if (*bad)
        return NULL;
    json_t *v = json_object_get(obj, name);
    char msg[200], field[96];
    if (!v || json_is_null(v)) {
        if (required) {
            snprintf(msg, sizeof(msg), "%s is required", name);
            field_error(r, name, "required", msg, bad);
        }
        return NULL;
    }
    if (!json_is_array(v) || json_array_size(v) > max_items) {
        snprintf(msg, sizeof(msg), "%s must be an array of at most %zu strings", name,
                 max_items);
        field_error(r, name, "invalid_value", msg, bad);
        return NULL;
    }
    size_t count = json_array_size(v);
    const char **out = calloc(count ? count : 1, sizeof(char *));
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > max ||
            strlen(json_string_value(e)) != json_string_length(e)) {
            snprintf(field, sizeof(field), "%s[%zu]", name, i);
            snprintf(msg, sizeof(msg), "%s must be a string of 1 to %zu characters", field,
                     max);
            field_error(r, field, "invalid_value", msg, bad);
            free(out);
            return NULL;
        }
        out[i] = json_string_value(e);
    }
    *n = (int)count;
    return out;
}
