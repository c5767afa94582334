/* The one run of a keyset page's statement (store_internal.h PX__PAGE). */
#include <stdio.h>

#include "store_internal.h"

PGresult *px__page(px_db *db, const char *sql, int n, const char *const *params,
                   const char *after_id, long limit, px_err *err)
{
    const char *p[10];
    if (n < 0 || n > 8) {
        px_err_set(err, PX_EINTERNAL, "internal", "internal error");
        return NULL;
    }
    for (int i = 0; i < n; i++)
        p[i] = params[i];
    p[n] = px__nz(after_id);
    p[n + 1] = PX__INT(limit);
    return px__exec(db, sql, n + 2, p, err);
}
