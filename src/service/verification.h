#ifndef PX_SERVICE_VERIFICATION_H
#define PX_SERVICE_VERIFICATION_H

#include "service.h"
#include "verify.h"

/* GET /v1/verify/{gtin}/{serial}?batch=&expiry= (no key). Inputs are syntax-checked (GTIN
 * check digit, set 82, YYMMDD); the answer is only the verdict. batch/expiry may be NULL. */
px_rc px_svc_verify(px_db *db, const char *gtin, const char *serial, const char *batch,
                    const char *expiry, px_verdict *out, px_err *err);

#endif
