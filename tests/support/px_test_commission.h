/* Commissions whose answer a test reads (px_test_commission.c): the body built, sent and
 * freed in one call, so a test names only what it commissions and what it expects. */
#ifndef PX_TEST_COMMISSION_H
#define PX_TEST_COMMISSION_H

#include "px_test.h"

/* POST /v1/commissions by key of px_test_commission_body(gtin, batch, expiry, serials_json,
 * partial), answered 200: the answer (the caller json_decref()s). */
json_t *px_test_commission_answer(px_test_env *env, const char *key, const char *gtin,
                                  const char *batch, const char *expiry, const char *serials_json,
                                  int partial);
/* That request refused with status and code, and nothing of counted changed
 * (px_test_refused_answer): the error answer (the caller json_decref()s). */
json_t *px_test_commission_refused_answer(px_test_env *env, const char *const *counted,
                                          const char *key, const char *gtin, const char *batch,
                                          const char *expiry, const char *serials_json, int partial,
                                          long status, const char *code);
/* px_test_commission_refused_answer for a refusal the test does not read further. */
void px_test_commission_refused(px_test_env *env, const char *const *counted, const char *key,
                                const char *gtin, const char *batch, const char *expiry,
                                const char *serials_json, int partial, long status,
                                const char *code);

#endif
