#ifndef PX_HTTP_PAGING_H
#define PX_HTTP_PAGING_H

#include "request.h"

/* Reads ?first= (1..1000, default 100) and ?after= (decoded into after, "" if absent);
 * replies 400 and returns -1 when malformed. */
int px_page_params(px_req *r, long *first, char *after, size_t cap);
/* {"items": items, "has_next_page": …, "next_cursor": cursor of last_raw or null}; steals
 * items. */
json_t *px_page_wrap(json_t *items, int has_next, const char *last_raw);

#endif
