#include "exceptions.h"

/* EPCIS 2.0 §12: SecurityException is 401 or 403; a request without a valid key is answered
 * before any EPCIS route (docs/api.md's envelope), so packid's is always 403. */
static const px_epcis_ex_def k_ex[] = {
    [PX_EPCIS_EX_VALIDATION] = {"epcisException:ValidationException", 400, "Validation failed"},
    [PX_EPCIS_EX_QUERY_PARAMETER] = {"epcisException:QueryParameterException", 400,
                                     "Invalid query parameter"},
    [PX_EPCIS_EX_SECURITY] = {"epcisException:SecurityException", 403, "Forbidden"},
    [PX_EPCIS_EX_NO_SUCH_RESOURCE] = {"epcisException:NoSuchResourceException", 404, "Not Found"},
    [PX_EPCIS_EX_NOT_ACCEPTABLE] = {"epcisException:NotAcceptableException", 406, "Not Acceptable"},
    [PX_EPCIS_EX_RESOURCE_EXISTS] = {"epcisException:ResourceAlreadyExistsException", 409,
                                     "Resource already exists"},
    [PX_EPCIS_EX_CAPTURE_LIMIT_EXCEEDED] = {"epcisException:CaptureLimitExceededException", 413,
                                            "Capture limit exceeded"},
    [PX_EPCIS_EX_UNSUPPORTED_MEDIA_TYPE] = {"epcisException:UnsupportedMediaTypeException", 415,
                                            "Unsupported Media Type"},
    [PX_EPCIS_EX_IMPLEMENTATION] = {"epcisException:ImplementationException", 500,
                                    "Implementation error"},
};

const px_epcis_ex_def *px_epcis_ex_get(px_epcis_ex ex)
{
    return &k_ex[ex];
}
