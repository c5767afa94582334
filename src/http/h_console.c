/* The console (docs/console.md): a small web application embedded in the binary and served
 * under /console/. It calls the public API only, signed in by a session cookie
 * (h_sessions.c); these handlers serve its files and nothing else. */
#include <string.h>

#include "console_assets.h"
#include "handlers.h"

/* REQ-CONSOLE-5: the page may load scripts, styles, images and data from packid itself only:
 * no inline script or style (an injected <script> does not run), no other origin, no
 * framing (clickjacking), no form posted elsewhere. blob: lets the console show a DataMatrix
 * or a report document fetched through the API. */
static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' blob:; connect-src 'self'; form-action 'none'; "
                          "frame-ancestors 'none'; base-uri 'none'";

static void serve(px_req *r, const px_console_asset *a, int immutable)
{
    px_reply_bytes(r, 200, a->type, a->data, a->len);
    px_reply_page_headers(r, csp);
    /* REQ-CONSOLE-6: a hashed asset never changes under its name (a year, immutable); the
     * page that names them is revalidated on every load, so a new build is seen at once. */
    MHD_add_response_header(r->response, "Cache-Control",
                            immutable ? "public, max-age=31536000, immutable" : "no-cache");
}

void h_console_index(px_req *r)
{
    serve(r, &px_console_index, 0);
}

/* The address typed without its slash (http://host/console): 308 to the page, named relative
 * to the request ("console/" from "/console", RFC 3986 5.2.3), so a proxy's path prefix is
 * kept; it answered a JSON 404. */
void h_console_slash(px_req *r)
{
    static const char body[] = "The packid console is at console/\n";
    px_reply_bytes(r, 308, "text/plain; charset=utf-8", body, sizeof(body) - 1);
    MHD_add_response_header(r->response, "Location", "console/");
}

void h_console_asset(px_req *r)
{
    const char *name = px_req_param(r, 0);
    for (const px_console_asset *a = px_console_assets; a->name; a++)
        if (strcmp(a->name, name) == 0) {
            serve(r, a, 1);
            return;
        }
    px_reply_fail(r, PX_ENOTFOUND, "not_found", "no such console file");
}
