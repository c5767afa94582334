/* exceptions — the problem types of the EPCIS 2.0 REST binding (EPCIS 2.0 §12, its OpenAPI
 * "epcisException:…" types; the table in docs/epcis.md "EPCIS 2.0 REST query"), each with the one
 * HTTP status the binding gives it and one title. RFC 7807 §3.1: a problem type's title does not
 * change from occurrence to occurrence; what this occurrence was goes in its detail. The REST
 * answers (http/) and a capture job's refused events (service/) both take them from here. */
#ifndef PX_EPCIS_EXCEPTIONS_H
#define PX_EPCIS_EXCEPTIONS_H

typedef enum {
    PX_EPCIS_EX_VALIDATION,             /* 400: a document or header the binding refuses */
    PX_EPCIS_EX_QUERY_PARAMETER,        /* 400: a query parameter refused */
    PX_EPCIS_EX_SECURITY,               /* 403: the key may not do this */
    PX_EPCIS_EX_NO_SUCH_RESOURCE,       /* 404 */
    PX_EPCIS_EX_NOT_ACCEPTABLE,         /* 406: no answer in the syntax or form asked */
    PX_EPCIS_EX_RESOURCE_EXISTS,        /* 409 */
    PX_EPCIS_EX_CAPTURE_LIMIT_EXCEEDED, /* 413 */
    PX_EPCIS_EX_UNSUPPORTED_MEDIA_TYPE, /* 415 */
    PX_EPCIS_EX_IMPLEMENTATION,         /* 500: packid failed, not the request */
} px_epcis_ex;

typedef struct {
    const char *type; /* "epcisException:ValidationException" */
    int status;
    const char *title;
} px_epcis_ex_def;

const px_epcis_ex_def *px_epcis_ex_get(px_epcis_ex ex);

#endif
