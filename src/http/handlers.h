/* Declarations of every handler named in routes.def. */
#ifndef PX_HTTP_HANDLERS_H
#define PX_HTTP_HANDLERS_H

#include "request.h"

#define PX_ROUTE(m, p, h, a, f, q) void h(px_req *r);
#include "routes.def"
#undef PX_ROUTE

/* The route of method and path, its {params} into params: its index, or -1. *path_matched is 1
 * when a route of another method takes the path; overlong (32 bytes, may be NULL) gets the
 * name of a {param} whose value is longer than 255 bytes in a path a route would otherwise
 * take, "" when none (such a path matches no route), and *overlong_route that route. */
int px_route_find(const char *method, const char *path, char params[][256], int *nparams,
                  int *path_matched, char *overlong, int *overlong_route);
/* The methods the path takes, comma-separated (GET implies HEAD), for an Allow header. */
void px_route_methods(const char *path, char *out, size_t cap);
/* The position of name among the query names rt takes (routes.def), or -1 when it takes no
 * such name. rt->query is not PX_QUERY_ANY. */
int px_route_query_index(const px_route *rt, const char *name);
/* 1 when rt is a keyed route of packid's own /v1/ API, which refuses what it would otherwise
 * ignore (an empty query value, a body it does not take, Idempotency-Key where no answer is
 * kept); the public routes (a scan may lack a batch) and the EPCIS queries and binding
 * (/v1/epcis/, /epcis/: their own rules) keep theirs. */
int px_route_own_keyed(const px_route *rt);

#endif
