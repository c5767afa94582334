/* Cursor paging parameters shared by every list (docs/api.md "Conventions"). */
#include <string.h>

#include "paging.h"
#include "px_cursor.h"
#include "px_str.h"

int px_page_params(px_req *r, long *first, char *after, size_t cap)
{
    const char *f = px_req_query(r, "first");
    const char *a = px_req_query(r, "after");
    *first = 100;
    after[0] = '\0';
    /* docs/api.md Conventions: first defaults to 100 and is capped at 1000 (a larger value is
     * served as 1000, not refused). */
    if (f && px_parse_long(f, 1, 1000000000L, first) != 0) {
        px_reply_fail(r, PX_EINVALID, "bad_request", "first must be a positive number");
        return -1;
    }
    if (*first > 1000)
        *first = 1000;
    if (a && *a && px_cursor_decode(after, cap, a) != 0) {
        px_reply_fail(r, PX_EINVALID, "bad_request", "after is not a cursor this API issued");
        return -1;
    }
    return 0;
}

json_t *px_page_wrap(json_t *items, int has_next, const char *last_raw)
{
    json_t *o = json_pack("{s:o, s:b}", "items", items, "has_next_page", has_next);
    char cur[PX_CURSOR_MAX + 1];
    if (has_next && last_raw && px_cursor_encode(cur, sizeof(cur), last_raw) == 0)
        json_object_set_new(o, "next_cursor", json_string(cur));
    else
        json_object_set_new(o, "next_cursor", json_null());
    return o;
}

void px_page_window_init(px_page_window *w, long first, const char *after)
{
    memset(w, 0, sizeof(*w));
    w->want = first;
    w->after = after;
    w->passed = !after || !*after;
}

int px_page_window_take(px_page_window *w, const char *id)
{
    if (!w->passed) {
        w->passed = strcmp(id, w->after) == 0;
        return 0;
    }
    if (w->got == w->want) {
        w->more = 1;
        return -1;
    }
    w->got++;
    px_strlcpy(w->last, id, sizeof(w->last));
    return 1;
}
