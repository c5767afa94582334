/* The reply of the object lists (GET /v1/allocations, /v1/sscc-allocations, /v1/jobs,
 * /v1/exports, /v1/commissions, /v1/releases): one skeleton, each list giving only its item's
 * JSON. */
#ifndef PX_HTTP_LIST_REPLY_H
#define PX_HTTP_LIST_REPLY_H

#include "lists.h"
#include "request.h"

/* The JSON of one item (NULL when out of memory). */
typedef json_t *(*px_list_render)(const px_list_item *item);

/* Reads first/after, lists kind for the caller, answers the page (docs/api.md "Paging"); for
 * jobs, also the status query parameter (a filter). */
void px_list_reply(px_req *r, px_list_kind kind, px_list_render render);

#endif
