/* The resolver's page for a person and its refusals as pages (resolver_page.h). What the page
 * shows is the API's verdict, never more than the verdict vouches for. */
#include <stdio.h>
#include <string.h>

#include "dl_resolve.h"
#include "gs1.h"
#include "pack_identity.h"
#include "px_buf.h"
#include "px_calendar.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "resolver_page.h"

static void row(px_buf *b, const char *id, const char *label, const char *value)
{
    px_buf_printf(b, "<dt>");
    px_buf_put_markup(b, label);
    px_buf_printf(b, "</dt><dd%s%s%s>", id ? " id=\"" : "", id ? id : "", id ? "\"" : "");
    px_buf_put_markup(b, value);
    px_buf_puts(b, "</dd>\n");
}

static const char k_css[] =
    "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1d21}"
    "main{max-width:32rem;margin:0 auto;padding:1rem}"
    ".verdict{font-size:1.6rem;font-weight:700;padding:1rem;border-radius:.5rem;color:#fff}"
    ".genuine{background:#1a7f37}.expired,.decommissioned,.mismatch{background:#b35900}"
    ".suspect,.unknown,.refused{background:#c62828}.product{background:#24527a}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem}dt{color:#57606a}"
    "dd{margin:0;overflow-wrap:anywhere}footer{margin-top:2rem;font-size:.8rem;color:#57606a}";

/* What the verdict means to the person holding the pack. */
static const char *meaning(px_verdict v)
{
    switch (v) {
    case PX_VERDICT_GENUINE: return "This pack is registered by its manufacturer.";
    case PX_VERDICT_UNKNOWN:
        return "This code is not known. Do not use the pack; ask your pharmacist.";
    case PX_VERDICT_DECOMMISSIONED: return "This pack has already been taken out of circulation.";
    case PX_VERDICT_EXPIRED: return "This pack is past its expiry date.";
    case PX_VERDICT_MISMATCH:
        return "The data on this pack do not match the manufacturer's record.";
    case PX_VERDICT_SUSPECT:
        return "This pack may be falsified. Do not use it; ask your pharmacist.";
    }
    return "";
}

/* The Content-Security-Policy: nothing may load from anywhere, no script at all, and the one
 * inline stylesheet is allowed by its hash (CSP Level 3 §2.3.1 hash-source). */
static void csp(char *out, size_t cap)
{
    uint8_t h[PX_SHA256_LEN];
    px_sha256(h, k_css, sizeof(k_css) - 1);
    char b64[64];
    px_base64url_encode(b64, h, sizeof(h));
    /* hash-source is base64 (RFC 4648 §4), not base64url, and padded. */
    size_t n = strlen(b64);
    for (size_t i = 0; i < n; i++)
        b64[i] = b64[i] == '-' ? '+' : b64[i] == '_' ? '/' : b64[i];
    while (n % 4)
        b64[n++] = '=';
    b64[n] = '\0';
    snprintf(out, cap,
             "default-src 'none'; style-src 'sha256-%s'; img-src 'self'; base-uri 'none'; "
             "form-action 'none'; frame-ancestors 'none'",
             b64);
}

/* The MAH's links (docs/resolver.md "Links of the MAH") as a list of plain anchors: hrefs are
 * checked URLs without quotes or angle brackets (domain/product_link), escaped all the same. */
static void page_links(px_buf *b, const px_product_link *ext, int next)
{
    if (next <= 0)
        return;
    px_buf_puts(b, "<h2>More information</h2>\n<ul id=\"links\">\n");
    for (int i = 0; i < next; i++) {
        px_buf_printf(b, "<li><a data-link-type=\"%s\" rel=\"noopener noreferrer\" href=\"",
                      ext[i].type);
        px_buf_put_markup(b, ext[i].href);
        px_buf_puts(b, "\"");
        if (ext[i].lang[0])
            px_buf_printf(b, " hreflang=\"%s\"", ext[i].lang);
        px_buf_puts(b, ">");
        px_buf_put_markup(b, ext[i].title);
        px_buf_puts(b, "</a></li>\n");
    }
    px_buf_puts(b, "</ul>\n");
}

/* The page's head, up to the open <main>: title is plain text (no markup). */
static void page_begin(px_buf *b, const char *title)
{
    px_buf_init(b, 64 * 1024);
    px_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                   "<meta name=\"robots\" content=\"noindex\">");
    px_buf_printf(b, "<title>Verification: %s</title><style>%s</style></head>\n<body><main>\n",
                  title, k_css);
}

/* Sends the page b holds (closed by the caller) with status, under the page's own policy: no
 * script, nothing from elsewhere. */
static void page_send(px_req *r, int status, px_buf *b)
{
    if (px_buf_failed(b) != PX_OK) {
        px_buf_dispose(b);
        r->page = 0; /* the failure as JSON, not a page again */
        px_reply_fail(r, PX_EINTERNAL, "internal", "internal error");
        return;
    }
    size_t len = b->len;
    px_reply_take(r, status, "text/html; charset=utf-8", px_buf_take(b), len);
    char policy[256];
    csp(policy, sizeof(policy));
    px_reply_page_headers(r, policy);
    MHD_add_response_header(r->response, "Cache-Control", "no-store");
}

int px__resolver_wants_page(px_req *r)
{
    char suffix[64];
    return px_resolve_choose(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept"),
                             px_req_query(r, "linkType"), suffix,
                             sizeof(suffix)) == PX_RESOLVE_PAGE;
}

/* A refusal in words for the person who scanned: what to do, then the reason as given. */
void px__resolver_error_page(px_req *r, int status, const px_err *err)
{
    const char *what =
        status == 429 ? "Too many checks from here in a short time. Wait a moment, then try again."
        : status == 400 ? "This code cannot be read as a GS1 Digital Link: it may be misprinted "
                          "or altered. Scan it again; if it still fails, ask your pharmacist."
        : status == 404 ? "This is not a code this service checks."
        : status >= 500 ? "The check is not available right now. Try again later."
                        : "This code cannot be checked.";
    px_buf b;
    page_begin(&b, "not checked");
    px_buf_puts(&b, "<h1 id=\"verdict\" class=\"verdict refused\" data-verdict=\"\">not "
                    "checked</h1>\n<p id=\"meaning\">");
    px_buf_put_markup(&b, what);
    px_buf_puts(&b, "</p>\n");
    if (status < 500 && err->message[0]) {
        px_buf_puts(&b, "<p><small>");
        px_buf_put_markup(&b, err->message);
        px_buf_puts(&b, "</small></p>\n");
    }
    px_buf_puts(&b, "</main></body></html>\n");
    page_send(r, status, &b);
    if (r->response) /* the same refusal is JSON to a machine (px__resolver_wants_page) */
        MHD_add_response_header(r->response, "Vary", "Accept");
}

void px__resolver_page(px_req *r, const px_public_view *v, const char *gtin, const char *serial,
                       const char *anchor, const px_product_link *ext, int next)
{
    const char *name = px_verdict_name(v->verdict);
    const px_pack_public *p = &v->pub;
    /* A product's own code (no serial: a leaflet, a shelf): nothing to check, but no reason to
     * tell anyone not to use their medicine either. data-verdict keeps the API's verdict. */
    int product_only = !serial[0] && p->product_found;
    px_buf b;
    page_begin(&b, product_only ? "product" : name);
    px_buf_printf(&b, "<h1 id=\"verdict\" class=\"verdict %s\" data-verdict=\"%s\">%s</h1>\n",
                  product_only ? "product" : name, name, product_only ? "product" : name);
    px_buf_printf(&b, "<p id=\"meaning\">%s</p>\n<dl>\n",
                  product_only ? "This code names a product, not one pack. To check a pack, scan "
                                 "the code on the pack itself: it carries the pack's serial number."
                               : meaning(v->verdict));
    if (p->product_found)
        row(&b, "product", "Product", p->product_name);
    row(&b, "gtin", "GTIN", gtin);
    if (serial[0])
        row(&b, "serial", "Serial number", serial);
    /* The pack's own data only when the verdict vouches for the pack. */
    if (px_verdict_vouches(v->verdict) && p->pack.found) {
        if (p->pack.batch[0])
            row(&b, "batch", "Batch", p->pack.batch);
        char iso[11];
        if (px_expiry_iso(iso, p->pack.expiry, px_now_us()))
            row(&b, "expiry", "Expiry", iso);
    }
    int public_fields = p->product_found && (v->verdict != PX_VERDICT_UNKNOWN || product_only);
    if (public_fields)
        for (int i = 0; i < p->nfields; i++)
            row(&b, NULL, p->fields[i].key, p->fields[i].value);
    px_buf_puts(&b, "</dl>\n");
    /* REQ-LINKS-2: the MAH's links, with the passport fields' rule: not for an unknown pack. */
    if (public_fields)
        page_links(&b, ext, next);
    char at[32];
    px_time_format(at, px_now_us());
    px_buf_printf(&b, "<footer>Checked %s. ", at);
    px_buf_puts(&b, "<a href=\"");
    px_buf_put_markup(&b, anchor);
    px_buf_puts(&b, "?linkType=linkset\">Links for this item (for machines)</a></footer>\n"
                    "</main></body></html>\n");
    page_send(r, 200, &b);
}
