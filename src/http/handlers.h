/* Declarations of every handler named in routes.def. */
#ifndef PX_HTTP_HANDLERS_H
#define PX_HTTP_HANDLERS_H

#include "request.h"

#define PX_ROUTE(m, p, h, a, f) void h(px_req *r);
#include "routes.def"
#undef PX_ROUTE

int px_route_find(const char *method, const char *path, char params[][256], int *nparams,
                  int *path_matched);
/* The methods the path takes, comma-separated (GET implies HEAD), for an Allow header. */
void px_route_methods(const char *path, char *out, size_t cap);

#endif
