/* http — the HTTP face on libmicrohttpd. Parses requests, authenticates, applies the policy
 * of domain/, calls a use case and renders JSON (jansson). The only layer that includes
 * libmicrohttpd. */
#ifndef PX_HTTP_H
#define PX_HTTP_H

#include "px_err.h"
#include "service.h"

typedef struct px_http_server px_http_server;

px_rc px_http_start(px_http_server **out, px_app *app, px_err *err);
void px_http_stop(px_http_server *srv);

/* Route table introspection (for the OpenAPI agreement test). */
int px_http_route_count(void);
void px_http_route_get(int i, const char **method, const char **pattern);

#endif
