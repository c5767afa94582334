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

px_rc px_epcis_api_format_parse(px_epcis_format *out, const char *name, px_err *err)
{
    int i = 0;
    px_rc rc =
        px_name_pick(k_names, PX_EPCIS_FORMAT__COUNT, name, "invalid_value", "format", &i, err);
    if (rc == PX_OK)
        *out = (px_epcis_format)i;
    return rc;
}

int px_epcis_location_ok(const char *v)
{
    size_t n = 0;
    while (v[n] > 0x20 && v[n] < 0x7f && v[n] != '|')
        n++;
    return n > 0 && n <= PX_EPCIS_LOCATION_MAX && v[n] == '\0' && memchr(v, ':', n) != NULL;
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
