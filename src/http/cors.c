/* Cross-origin use of the public verification routes (docs/resolver.md "Browsers on other
 * origins"). A web app served from another origin (a pharmacy's, a patient app's) may call
 * what a phone may call without a key: GET /v1/verify, the resolver's Digital Link paths and
 * /.well-known/gs1resolver — the routes under the public token bucket (PX_LIMITED). Their
 * answers are public and no credential is involved, so every origin is allowed ("*", which
 * the Fetch standard never lets a browser combine with cookies or HTTP authentication).
 * Keyed routes get no CORS header at all: an API key does not belong in a browser page of
 * another origin, and the console is served from packid's own origin. */
#include <string.h>

#include "handlers.h"
#include "px_str.h"
#include "request.h"

/* Headers a page may send beyond the CORS-safelisted ones (Fetch §3.2.2 "CORS-safelisted
 * request-header"): its own request id. Accept and Accept-Language are safelisted for the
 * values a browser sends, and listed for the values it may not consider safe (a long Accept). */
#define CORS_ALLOW_HEADERS "Accept, Accept-Language, X-Request-Id"
/* Chromium caps a preflight's cache at 7,200 s (Firefox at 86,400): asking for more would
 * promise what the main browser does not keep. */
#define CORS_MAX_AGE "7200"

int px__cors_route(px_req *r)
{
    char params[PX_MAX_PARAMS][256];
    int n = 0, path_matched = 0;
    int i = px_route_find("GET", r->url, params, &n, &path_matched, NULL, NULL);
    if (i >= 0)
        return (px_routes[i].flags & PX_LIMITED) != 0;
    return px__resolver_path(r->url);
}

void px__cors_headers(px_req *r)
{
    MHD_add_response_header(r->response, "Access-Control-Allow-Origin", "*");
    /* Fetch §3.2.6: beyond the safelisted response headers, a page may read only these. */
    MHD_add_response_header(r->response, "Access-Control-Expose-Headers",
                            "Link, Retry-After, X-Request-Id");
}

int px__cors_preflight(px_req *r)
{
    /* REQ-CORS-2: a keyed route answers no preflight (its 405 stays) and no CORS header. */
    if (!px__cors_route(r))
        return 0;
    /* A preflight (Fetch §4.8) is answered 204 before any limit or lookup: it costs no
     * database work, and a browser sends one per URL whose request is not "simple". It is
     * not taken from the client's bucket, which would halve a page's verification rate. */
    r->cors = 1; /* REQ-CORS-1: 204 with the Fetch standard's headers */
    px_strlcpy(r->allow, "GET, HEAD, OPTIONS", sizeof(r->allow));
    px_reply_take(r, 204, NULL, NULL, 0);
    MHD_add_response_header(r->response, "Access-Control-Allow-Methods", "GET, HEAD");
    MHD_add_response_header(r->response, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    MHD_add_response_header(r->response, "Access-Control-Max-Age", CORS_MAX_AGE);
    return 1;
}
