/* The EPCIS 2.0 REST binding's GS1 request headers and its OPTIONS discovery (the EPCIS 2.0 REST
 * bindings, docs/epcis.md "Version, EPC format and discovery headers"): version negotiation by
 * GS1-EPCIS-Min / -Max and GS1-CBV-Min / -Max, the EPC form by GS1-EPC-Format, the CBV form of XML
 * answers by GS1-CBV-XML-Format; the answer's headers say what was applied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "epcis_headers.h"
#include "handlers.h"
#include "px_str.h"

/* The one version of each standard packid speaks. */
#define EPCIS_VERSION "2.0.0"
#define CBV_VERSION "2.0.0"
#define VERSION_PARTS 4

/* A version as the binding writes it (^\d+(\.\d+)*$), at most four parts of at most six
 * digits each; missing parts are 0 ("2.0" = "2.0.0"). -1 when it is not one. */
static int version_parse(const char *s, long v[VERSION_PARTS])
{
    memset(v, 0, sizeof(long) * VERSION_PARTS);
    for (int i = 0; i < VERSION_PARTS; i++) {
        size_t n = strspn(s, "0123456789");
        if (n == 0 || n > 6)
            return -1;
        v[i] = strtol(s, NULL, 10);
        s += n;
        if (!*s)
            return 0;
        if (*s != '.')
            return -1;
        s++;
    }
    return -1;
}

static int version_cmp(const long a[VERSION_PARTS], const long b[VERSION_PARTS])
{
    for (int i = 0; i < VERSION_PARTS; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

int px__epcis_headers_once(px_req *r, const char *const *names)
{
    /* A GS1 header the binding reads as one value given twice (a capture's proceed beside
     * rollback, an EPC form beside another): refused, as a query parameter given twice is. */
    const char *twice = px_req_header_repeated(r, names);
    if (twice) {
        char detail[128];
        snprintf(detail, sizeof(detail), "the %s header is given more than once", twice);
        px_reply_problem(r, PX_EPCIS_EX_VALIDATION, detail);
        return 0;
    }
    return 1;
}

static const char *header(px_req *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
    return v && v[0] ? v : NULL;
}

static void bad_header(px_req *r, const char *detail)
{
    px_reply_problem(r, PX_EPCIS_EX_VALIDATION, detail);
}

/* REQ-EPCISREST-16: a client's range [min, max] (either end may be absent) must hold the one
 * version packid answers, else the standard's 406 NotAcceptableException, with packid's own
 * range in GS1-<what>-Min / -Max so the client learns what it supports. -1 after answering
 * (400 for a value that is not a version). */
static int version_check(px_req *r, const char *what, const char *ours)
{
    char min_name[32], max_name[32], detail[256];
    snprintf(min_name, sizeof(min_name), "GS1-%s-Min", what);
    snprintf(max_name, sizeof(max_name), "GS1-%s-Max", what);
    const char *min = header(r, min_name), *max = header(r, max_name);
    long o[VERSION_PARTS], lo[VERSION_PARTS], hi[VERSION_PARTS];
    version_parse(ours, o);
    if ((min && version_parse(min, lo) != 0) || (max && version_parse(max, hi) != 0)) {
        snprintf(detail, sizeof(detail), "%s / %s: a version such as 2.0.0 is expected",
                 min_name, max_name);
        bad_header(r, detail);
        return -1;
    }
    if ((min && version_cmp(lo, o) > 0) || (max && version_cmp(hi, o) < 0)) {
        snprintf(detail, sizeof(detail),
                 "packid supports %s %s only, outside the range the request accepts", what,
                 ours);
        px_reply_problem(r, PX_EPCIS_EX_NOT_ACCEPTABLE, detail);
        MHD_add_response_header(r->response, min_name, ours);
        MHD_add_response_header(r->response, max_name, ours);
        return -1;
    }
    return 0;
}

int px__epcis_prefs(px_req *r, int xml, px_epcis_prefs *p)
{
    memset(p, 0, sizeof(*p));
    p->xml = xml;
    static const char *const once[] = {
        "GS1-EPCIS-Min",  "GS1-EPCIS-Max",      "GS1-CBV-Min", "GS1-CBV-Max",
        "GS1-EPC-Format", "GS1-CBV-XML-Format", NULL};
    if (!px__epcis_headers_once(r, once))
        return 0;
    if (version_check(r, "EPCIS", EPCIS_VERSION) != 0 || version_check(r, "CBV", CBV_VERSION) != 0)
        return 0;
    /* REQ-EPCISREST-15: GS1-EPC-Format. packid stores an EPC as its GS1 key, written as the
     * EPC URN unless the client asks for Digital Link: No_Preference leaves the choice to
     * the server, and Never_Translates ("the original format is kept") cannot be kept for
     * what packid never stored, so both get the URN and the answer says so. Without the
     * header packid answers URNs (docs/epcis.md: the binding's default is Digital Link;
     * packid's answers before this header existed were URNs and stay so). */
    const char *f = header(r, "GS1-EPC-Format");
    if (f && strcmp(f, "Always_GS1_Digital_Link") == 0) {
        p->epc_dl = 1;
    } else if (f && strcmp(f, "Always_EPC_URN") != 0 && strcmp(f, "No_Preference") != 0 &&
               strcmp(f, "Never_Translates") != 0) {
        bad_header(r, "GS1-EPC-Format: No_Preference, Always_GS1_Digital_Link, Always_EPC_URN "
                      "or Never_Translates is expected");
        return 0;
    }
    /* GS1-CBV-XML-Format (XML answers only; the binding: "not available for JSON/JSON-LD"):
     * packid's XML writes CBV values as URNs (the 2.0 XSD types them anyURI); a client that
     * must have Web URIs is told so (406) rather than given what it refused. */
    const char *c = header(r, "GS1-CBV-XML-Format");
    if (c && strcmp(c, "Always_URN") != 0 && strcmp(c, "No_Preference") != 0 &&
        strcmp(c, "Never_Translates") != 0 && strcmp(c, "Always_Web_URI") != 0) {
        bad_header(r, "GS1-CBV-XML-Format: No_Preference, Always_Web_URI, Always_URN or "
                      "Never_Translates is expected");
        return 0;
    }
    if (xml && c && strcmp(c, "Always_Web_URI") == 0) {
        px_reply_problem(r, PX_EPCIS_EX_NOT_ACCEPTABLE,
                         "packid's XML answers carry CBV values as URNs (GS1-CBV-XML-Format: "
                         "Always_URN)");
        MHD_add_response_header(r->response, "GS1-CBV-XML-Format", "Always_URN");
        return 0;
    }
    return 1;
}

void px__epcis_applied(px_req *r, const px_epcis_prefs *p)
{
    MHD_add_response_header(r->response, "GS1-EPCIS-Version", EPCIS_VERSION);
    MHD_add_response_header(r->response, "GS1-CBV-Version", CBV_VERSION);
    MHD_add_response_header(r->response, "GS1-EPC-Format",
                            p->epc_dl ? "Always_GS1_Digital_Link" : "Always_EPC_URN");
    if (p->xml)
        MHD_add_response_header(r->response, "GS1-CBV-XML-Format", "Always_URN");
    /* The same URL answers differently by these request headers (RFC 9110 §12.5.5). */
    MHD_add_response_header(r->response, "Vary", "Accept, GS1-EPC-Format, GS1-CBV-XML-Format");
}

/* REQ-EPCISREST-17: OPTIONS on an EPCIS path packid serves: 204 with Allow (OPTIONS and the
 * path's methods, as routes.def has them) and the headers the binding's discovery answers
 * name — the versions packid speaks as a range, the EPC and CBV forms it can answer, the
 * capture limits and error behaviours on /epcis/capture. No key is needed: it says nothing
 * about any tenant's data. Paths outside /epcis/ keep their behaviour (CORS preflight or 405). */
int px__epcis_discovery(px_req *r)
{
    if (strncmp(r->url, "/epcis/", 7) != 0)
        return 0;
    char methods[sizeof(r->allow) - 16];
    px_route_methods(r->url, methods, sizeof(methods));
    if (!methods[0])
        return 0; /* no such resource: the 404 of any other method */
    snprintf(r->allow, sizeof(r->allow), "OPTIONS, %s", methods);
    px_reply_take(r, 204, NULL, NULL, 0);
    MHD_add_response_header(r->response, "GS1-EPCIS-Version", EPCIS_VERSION);
    MHD_add_response_header(r->response, "GS1-EPCIS-Min", EPCIS_VERSION);
    MHD_add_response_header(r->response, "GS1-EPCIS-Max", EPCIS_VERSION);
    MHD_add_response_header(r->response, "GS1-CBV-Version", CBV_VERSION);
    MHD_add_response_header(r->response, "GS1-CBV-Min", CBV_VERSION);
    MHD_add_response_header(r->response, "GS1-CBV-Max", CBV_VERSION);
    /* The binding lets the server announce the EPC formats it supports. */
    MHD_add_response_header(r->response, "GS1-EPC-Format",
                            "Always_EPC_URN, Always_GS1_Digital_Link");
    MHD_add_response_header(r->response, "GS1-CBV-XML-Format", "Always_URN");
    MHD_add_response_header(r->response, "GS1-Vendor-Version", "packid");
    /* The capture endpoint's discovery also names its limits and both error behaviours
     * (the EPCIS 2.0 REST bindings: "all" announces rollback and proceed). */
    if (strcmp(r->url, "/epcis/capture") == 0) {
        px__epcis_capture_limits(r);
        MHD_add_response_header(r->response, "GS1-Capture-Error-Behaviour", "all");
    }
    return 1;
}
