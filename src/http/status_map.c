/* The one table from px_rc (and a few codes) to HTTP status: lower layers detect and describe,
 * this table decides (docs/architecture.md "Errors"). */
#include <string.h>

#include "request.h"

int px_http_status(const px_err *err)
{
    if (strcmp(err->code, "malformed_json") == 0 || strcmp(err->code, "bad_request") == 0 ||
        strcmp(err->code, "bad_header") == 0 || strcmp(err->code, "bad_content_length") == 0)
        return 400;
    /* The edge (edge.c): a transfer coding packid cannot decode (RFC 9112 §6.1), and the
     * body budget spent (a retryable condition of this server, not of the request). */
    if (strcmp(err->code, "not_implemented") == 0)
        return 501;
    if (strcmp(err->code, "overloaded") == 0)
        return 503;
    if (strcmp(err->code, "method_not_allowed") == 0)
        return 405;
    /* RFC 6585 §4: the public routes' per-client limit (docs/resolver.md). */
    if (strcmp(err->code, "rate_limited") == 0)
        return 429;
    switch (err->rc) {
    case PX_OK: return 200;
    case PX_EINVALID: return 422;
    case PX_ENOTFOUND: return 404;
    case PX_EEXISTS:
    case PX_ESTATE:
    case PX_ECONFLICT:
    case PX_EEXHAUSTED: return 409;
    case PX_EAUTH: return 401;
    case PX_EFORBIDDEN: return 403;
    case PX_ETOOBIG: return 413;
    case PX_EUNAVAIL: return 503;
    case PX_EINTERNAL: return 500;
    }
    return 500;
}
