/* The EPCIS document formats of the API (docs/api.md "EPCIS 2.0": "format": "epcis-1.2-xml" |
 * "epcis-2.0-xml" | "epcis-2.0-jsonld") and what a stored document is. */
#ifndef PX_EPCIS_FORMAT_H
#define PX_EPCIS_FORMAT_H

#include <stddef.h>

#include "epcis.h"

/* "epcis-1.2-xml" | "epcis-2.0-xml" | "epcis-2.0-jsonld" → format; PX_EINVALID
 * "invalid_value" with field "format" otherwise. */
px_rc px_epcis_api_format_parse(px_epcis_format *out, const char *name, px_err *err);
const char *px_epcis_api_format_name(px_epcis_format f);
/* The longest value of one EPCIS query parameter packid takes, in the 1.2 query and the 2.0
 * REST bindings alike (an EPC URI, a GLN location, a timestamp or a '|' list of a few). */
#define PX_EPCIS_QUERY_VALUE_MAX 512
/* The longest location URI (readPoint, bizLocation) a capture keeps, so that a query's list
 * item can name every one it kept (epcis_rest_params.c LIST_ITEM_MAX, 256 with its NUL). */
#define PX_EPCIS_LOCATION_MAX 255
/* A location URI packid keeps and a query names (one rule, capture and query): 1 to
 * PX_EPCIS_LOCATION_MAX bytes of printable ASCII without spaces (RFC 3986 §2) and without '|'
 * (the REST lists' separator), an absolute URI as the official XSDs' xsd:anyURI takes it (a
 * scheme and ':', '%' escapes of two hex digits, one '#' at most, brackets only around an
 * IP-literal host): every document that carries it stays valid. */
int px_epcis_location_ok(const char *v);

/* The media types packid answers and sends EPCIS documents as: XML (1.2 and 2.0) and the
 * 2.0 JSON-LD binding. */
#define PX_EPCIS_MEDIA_XML "application/xml; charset=utf-8"
#define PX_EPCIS_MEDIA_JSONLD "application/ld+json"

/* The format of a document packid built, from its bytes ('{' → JSON-LD; the EPCIS 2.0
 * namespace → 2.0 XML; else 1.2 XML), and its media type. */
px_epcis_format px_epcis_document_format(const char *doc, size_t len);
const char *px_epcis_media_type(px_epcis_format f);

struct px_app;
/* The compiled schema a document of format f is checked with before it is stored or sent:
 * the 1.2 XSD (PACKID_EPCIS_XSD_DIR), the 2.0 XSD (PACKID_EPCIS2_XSD_DIR), the 2.0 JSON
 * schema (PACKID_EPCIS2_JSON_SCHEMA); NULL when that one is not configured. */
const struct px_epcis_validator *px_svc_report_validator(const struct px_app *app,
                                                         px_epcis_format f);

#endif
