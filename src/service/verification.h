#ifndef PX_SERVICE_VERIFICATION_H
#define PX_SERVICE_VERIFICATION_H

#include "service.h"
#include "verify.h"

/* GET /v1/verify/{gtin}/{serial}?batch=&expiry= (no key). Inputs are syntax-checked (GTIN
 * check digit, set 82, YYMMDD); the answer is only the verdict. batch/expiry may be NULL. */
px_rc px_svc_verify(px_db *db, const char *gtin, const char *serial, const char *batch,
                    const char *expiry, px_verdict *out, px_err *err);

/* For an unknown pack: whether it is a sandbox pack (made with a test key). The verdict stays
 * unknown — a test pack is no genuine pack — and the answer says why (docs/sandbox.md). */
px_rc px_svc_verify_in_sandbox(px_db *db, const char *gtin, const char *serial, int *found,
                               px_err *err);

#endif
