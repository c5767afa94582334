#ifndef PX_HTTP_PAGING_H
#define PX_HTTP_PAGING_H

#include "request.h"

/* Reads ?first= (1..1000, default 100) and ?after= (decoded into after, "" if absent);
 * replies 400 and returns -1 when malformed or not a cursor of r's list (its route and path
 * values). */
int px_page_params(px_req *r, long *first, char *after, size_t cap);
/* {"items": items, "has_next_page": …, "next_cursor": cursor of last_raw in r's list, or
 * null}; steals items. */
json_t *px_page_wrap(const px_req *r, json_t *items, int has_next, const char *last_raw);

/* The window of one page, fed item by item in list order with each item's cursor key:
 * - after NULL: the store already applied the cursor (keyset SQL) and returns first + 1 rows;
 *   the window keeps first and notes that there is more;
 * - after set: a short list the store returns whole (partners, regulator endpoints — a MAH
 *   has few) is skipped up to the item with that key; rows are never deleted from those
 *   lists, so the key is always found again.
 * last is the key of the page's last item: the next cursor. */
typedef struct px_page_window {
    long want;                 /* first */
    long got;
    int more;                  /* an item beyond the window exists */
    int passed;                /* the cursor item has been seen (or there is no cursor) */
    const char *after;
    char last[64];
} px_page_window;

void px_page_window_init(px_page_window *w, long first, const char *after);
/* 1: include the item with this id; 0: skip it; -1: the window is full (stop). */
int px_page_window_take(px_page_window *w, const char *id);

/* One page of a list answer, the shape of every GET list route:
 *     px_list l;
 *     px_db *db = px_list_begin(&l, r, 1);      (NULL: already answered)
 *     if (db)
 *         px_list_end(&l, px_svc_x_each(db, …, l.after, l.first + 1, add_x, &l, &r->err));
 * with a store callback that returns px_list_add(ctx, key, json). */
typedef struct px_list {
    px_req *r;
    json_t *items;
    px_page_window win;
    long first;                /* the page size asked for */
    char after[160];           /* the decoded cursor, "" for the first page */
    int oom;
} px_list;

/* Reads first and after (a malformed one answers 400) and the request's database connection
 * (px_req_begin: r->err cleared); NULL when the request is already answered. keyset: the store
 * applies the cursor itself (keyset SQL returning first + 1 rows); otherwise the window skips
 * the whole list up to it. */
px_db *px_list_begin(px_list *l, px_req *r, int keyset);
/* Adds item (stolen; NULL counts as out of memory) under its cursor key; returns 1 when the
 * caller's loop should stop. */
int px_list_add(px_list *l, const char *key, json_t *item);
/* A numbered cursor of an ordered list: '~', the order's tag, a positive decimal number — so a
 * cursor of one order is refused by another (and no serial, GS1 set 82 having no '~', is
 * taken for one). px_seq_cursor writes it into key[32]; px_seq_cursor_parse reads it (1 when
 * s is one of tag's, its number in *seq). */
void px_seq_cursor(char key[32], char tag, long long seq);
int px_seq_cursor_parse(const char *s, char tag, long long *seq);
/* Answers 400 bad_request for a cursor the list cannot have issued (the handler checked its
 * form) and drops the page. */
void px_list_refuse_cursor(px_list *l);
/* Answers the page, or the request's error (r->err) when rc is not PX_OK; 400 bad_request
 * when a windowed list never met its cursor's item. */
void px_list_end(px_list *l, px_rc rc);

#endif
