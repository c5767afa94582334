#include <stdio.h>
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
