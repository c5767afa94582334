/* EPCIS document formats of the API (epcis_format.h). */
#include "epcis_format.h"

#include <string.h>

#include "px_str.h"
#include "service.h"

const struct px_epcis_validator *px_svc_report_validator(const struct px_app *app,
                                                         px_epcis_format f)
{
    switch (f) {
    case PX_EPCIS_FORMAT_XML_1_2: return app->validator;
    case PX_EPCIS_FORMAT_XML_2_0: return app->validator2;
    case PX_EPCIS_FORMAT_JSONLD_2_0: return app->validator_jsonld;
    default: return NULL;
    }
}

static const char *const k_names[PX_EPCIS_FORMAT__COUNT] = {
    [PX_EPCIS_FORMAT_XML_1_2] = "epcis-1.2-xml",
    [PX_EPCIS_FORMAT_XML_2_0] = "epcis-2.0-xml",
    [PX_EPCIS_FORMAT_JSONLD_2_0] = "epcis-2.0-jsonld",
};

PX_NAME_PARSER(px_epcis_api_format_parse, px_epcis_format, k_names, PX_EPCIS_FORMAT__COUNT,
               "invalid_value", "format")

static int is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/* An RFC 3986 §3.2 authority, v[0..n): [userinfo "@"] host [":" port], the host a reg-name or
 * an IP-literal in brackets (its inside as libxml2 takes it: anything but ']'), the port one
 * digit or more. */
static int authority_ok(const char *v, size_t n)
{
    const char *at = memchr(v, '@', n);
    if (at) {
        size_t u = (size_t)(at - v);
        if (memchr(v, '[', u) || memchr(v, ']', u))
            return 0;
        v = at + 1;
        n -= u + 1;
    }
    if (memchr(v, '@', n))
        return 0;
    size_t h = 0;
    if (n > 0 && v[0] == '[') {
        const char *end = memchr(v, ']', n);
        if (!end)
            return 0;
        h = (size_t)(end - v) + 1;
    } else {
        while (h < n && v[h] != ':') {
            if (v[h] == '[' || v[h] == ']')
                return 0;
            h++;
        }
    }
    if (h == n)
        return 1;
    if (v[h] != ':' || h + 1 == n) /* libxml2 refuses an empty port */
        return 0;
    for (size_t k = h + 1; k < n; k++)
        if (!is_digit(v[k]))
            return 0;
    return 1;
}

/* The URI syntax the official schemas hold a location to (RFC 3986 §3, as libxml2 checks an
 * xsd:anyURI, the base type of the 1.2 and 2.0 XSDs' ReadPointIDType and
 * BusinessLocationIDType): a scheme (ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")) and ':'; every
 * '%' followed by two hex digits; one '#' at most; '[' and ']' only around an IP-literal host
 * of an authority ("//" after the scheme). A value that breaks it would be kept and then make
 * every report and query document that carries it invalid, its packs never releasable. */
static int uri_ok(const char *v, size_t n)
{
    size_t k = 0;
    if (!is_alpha(v[0]))
        return 0;
    while (k < n && (is_alpha(v[k]) || is_digit(v[k]) || v[k] == '+' || v[k] == '-' || v[k] == '.'))
        k++;
    if (k == n || v[k] != ':')
        return 0;
    int hashes = 0;
    for (size_t i = k + 1; i < n; i++) {
        if (v[i] == '%' && (i + 2 >= n || !is_hex(v[i + 1]) || !is_hex(v[i + 2])))
            return 0;
        if (v[i] == '#' && ++hashes > 1)
            return 0;
    }
    size_t p = k + 1;
    if (n - p >= 2 && v[p] == '/' && v[p + 1] == '/') {
        size_t a = p + 2, e = a;
        while (e < n && v[e] != '/' && v[e] != '?' && v[e] != '#')
            e++;
        if (!authority_ok(v + a, e - a))
            return 0;
        p = e;
    }
    return memchr(v + p, '[', n - p) == NULL && memchr(v + p, ']', n - p) == NULL;
}

int px_epcis_location_ok(const char *v)
{
    size_t n = 0;
    while (v[n] > 0x20 && v[n] < 0x7f && v[n] != '|')
        n++;
    return n > 0 && n <= PX_EPCIS_LOCATION_MAX && v[n] == '\0' && uri_ok(v, n);
}

const char *px_epcis_api_format_name(px_epcis_format f)
{
    return (unsigned)f < PX_EPCIS_FORMAT__COUNT ? k_names[f] : "epcis-1.2-xml";
}

px_epcis_format px_epcis_document_format(const char *doc, size_t len)
{
    size_t i = 0;
    while (i < len && (doc[i] == ' ' || doc[i] == '\n' || doc[i] == '\r' || doc[i] == '\t'))
        i++;
    if (i < len && doc[i] == '{')
        return PX_EPCIS_FORMAT_JSONLD_2_0;
    /* The root element's namespace is declared within the first few hundred bytes of every
     * document packid writes (the XML declaration, then the root). */
    size_t n = len - i < 1024 ? len - i : 1024;
    static const char ns2[] = "urn:epcglobal:epcis:xsd:2";
    for (size_t k = i; k + sizeof(ns2) - 1 <= i + n; k++)
        if (memcmp(doc + k, ns2, sizeof(ns2) - 1) == 0)
            return PX_EPCIS_FORMAT_XML_2_0;
    return PX_EPCIS_FORMAT_XML_1_2;
}

const char *px_epcis_media_type(px_epcis_format f)
{
    return f == PX_EPCIS_FORMAT_JSONLD_2_0 ? PX_EPCIS_MEDIA_JSONLD : PX_EPCIS_MEDIA_XML;
}
