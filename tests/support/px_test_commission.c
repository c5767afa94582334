/* Commissions whose answer a test reads (px_test_commission.h). */
#include "px_test_commission.h"

#include <stdlib.h>

json_t *px_test_commission_answer(px_test_env *env, const char *key, const char *gtin,
                                  const char *batch, const char *expiry, const char *serials_json,
                                  int partial)
{
    char *b = px_test_commission_body(gtin, batch, expiry, serials_json, partial);
    json_t *j = px_test_call(env, "POST", "/v1/commissions", key, b, 200);
    free(b);
    return j;
}

json_t *px_test_commission_refused_answer(px_test_env *env, const char *const *counted,
                                          const char *key, const char *gtin, const char *batch,
                                          const char *expiry, const char *serials_json, int partial,
                                          long status, const char *code)
{
    char *b = px_test_commission_body(gtin, batch, expiry, serials_json, partial);
    json_t *e =
        px_test_refused_answer(env, counted, "POST", "/v1/commissions", key, b, NULL, status, code);
    free(b);
    return e;
}

void px_test_commission_refused(px_test_env *env, const char *const *counted, const char *key,
                                const char *gtin, const char *batch, const char *expiry,
                                const char *serials_json, int partial, long status,
                                const char *code)
{
    json_decref(px_test_commission_refused_answer(env, counted, key, gtin, batch, expiry,
                                                  serials_json, partial, status, code));
}
