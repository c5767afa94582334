/* Cursor paging parameters shared by every list (docs/api.md "Conventions"). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "paging.h"
#include "px_cursor.h"
#include "px_str.h"

/* The list a cursor belongs to, written before its key: FNV-1a (32 bits) over the route and
 * its path values, as 8 hex digits and a '.'. A cursor of another list (another route, or
 * allocation A's serials asked of B's), or one packid did not write, then differs from the
 * list's own and is refused whatever its key would select (docs/api.md "Conventions"). */
#define LIST_TAG_LEN 9
static void list_tag(char out[LIST_TAG_LEN + 1], const px_req *r)
{
    uint32_t h = 2166136261u;
    const char *pattern = r->route ? r->route->pattern : "";
    for (int i = -1; i < r->nparams; i++)
        for (const char *c = i < 0 ? pattern : r->params[i];; c++) {
            h = (h ^ (unsigned char)*c) * 16777619u; /* the NUL too: a boundary */
            if (!*c)
                break;
        }
    snprintf(out, LIST_TAG_LEN + 1, "%08x.", (unsigned)h);
}

int px_page_params(px_req *r, long *first, char *after, size_t cap)
{
    const char *f = px_req_query(r, "first");
    const char *a = px_req_query(r, "after");
    *first = 100;
    after[0] = '\0';
    /* docs/api.md Conventions: first defaults to 100 and is capped at 1000 (a larger value is
     * served as 1000, not refused). */
    if (f && px_parse_long(f, 1, 1000000000L, first) != 0) {
        px_reply_bad_param(r, "first", "first must be a positive number");
        return -1;
    }
    if (*first > 1000)
        *first = 1000;
    char tag[LIST_TAG_LEN + 1];
    list_tag(tag, r);
    if (a && *a &&
        (px_cursor_decode(after, cap, a) != 0 || strncmp(after, tag, LIST_TAG_LEN) != 0)) {
        after[0] = '\0';
        px_reply_bad_cursor(r);
        return -1;
    }
    if (a && *a)
        memmove(after, after + LIST_TAG_LEN, strlen(after + LIST_TAG_LEN) + 1);
    return 0;
}

json_t *px_page_wrap(const px_req *r, json_t *items, int has_next, const char *last_raw)
{
    json_t *o = json_pack("{s:o, s:b}", "items", items, "has_next_page", has_next);
    char cur[PX_CURSOR_MAX + 1], raw[LIST_TAG_LEN + 128];
    list_tag(raw, r);
    int fits = last_raw && px_strlcpy(raw + LIST_TAG_LEN, last_raw, sizeof(raw) - LIST_TAG_LEN) <
                               sizeof(raw) - LIST_TAG_LEN;
    if (has_next && fits && px_cursor_encode(cur, sizeof(cur), raw) == 0)
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

px_db *px_list_begin(px_list *l, px_req *r, int keyset)
{
    memset(l, 0, sizeof(*l));
    l->r = r;
    if (px_page_params(r, &l->first, l->after, sizeof(l->after)) != 0)
        return NULL;
    px_db *db = px_req_begin(r);
    if (!db)
        return NULL;
    l->items = json_array();
    px_page_window_init(&l->win, l->first, keyset ? NULL : l->after);
    return db;
}

int px_list_add(px_list *l, const char *key, json_t *item)
{
    int take = px_page_window_take(&l->win, key);
    if (take <= 0) {
        json_decref(item);
        return take < 0;
    }
    if (!item || json_array_append_new(l->items, item) != 0) {
        l->oom = 1;
        return 1;
    }
    return 0;
}

void px_list_refuse_cursor(px_list *l)
{
    json_decref(l->items);
    l->items = NULL;
    px_reply_bad_cursor(l->r);
}

void px_list_end(px_list *l, px_rc rc)
{
    /* A windowed list met every item without the cursor's: not a cursor it issued (or one of
     * another caller's list). */
    if (rc == PX_OK && !l->oom && !l->win.passed) {
        px_list_refuse_cursor(l);
        return;
    }
    if (rc != PX_OK || l->oom) {
        json_decref(l->items);
        if (rc != PX_OK)
            px_reply_error(l->r, &l->r->err);
        else
            px_reply_oom(l->r);
        return;
    }
    json_t *body = px_page_wrap(l->r, l->items, l->win.more, l->win.last);
    /* The paging state also as response headers (the pool seed's has-next-page and
     * next-page-token), so a client can page without parsing the body. The cursor is copied
     * first: px_reply_json frees the body. */
    char token[PX_CURSOR_MAX + 1];
    const char *next = json_string_value(json_object_get(body, "next_cursor"));
    px_strlcpy(token, next ? next : "", sizeof(token));
    int more = l->win.more;
    px_reply_json(l->r, 200, body);
    if (l->r->response && l->r->status == 200) {
        MHD_add_response_header(l->r->response, "has-next-page", more ? "true" : "false");
        if (token[0])
            MHD_add_response_header(l->r->response, "next-page-token", token);
    }
}

void px_seq_cursor(char key[32], char tag, long long seq)
{
    snprintf(key, 32, "~%c%lld", tag, seq);
}

int px_seq_cursor_parse(const char *s, char tag, long long *seq)
{
    long v;
    if (s[0] != '~' || s[1] != tag || px_parse_long(s + 2, 1, LONG_MAX, &v) != 0)
        return 0;
    *seq = v;
    return 1;
}
