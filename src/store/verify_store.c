#include <string.h>

#include "px_str.h"
#include "store_internal.h"
#include "verify_store.h"

px_rc px_store_verify_lookup(px_db *db, px_verify_row *out, const char *gtin,
                             const char *serial, px_err *err)
{
    memset(out, 0, sizeof(*out));
    PGresult *r = px__exec(db,
                           "SELECT " PX__SQL_PACK_STATE ", coalesce(s.batch, ''), "
                           "coalesce(s.expiry, '') FROM serial s" PX__SQL_PACK_BATCH_JOIN
                           " WHERE s.gtin = $1 AND s.serial = $2",
                           PX__ARGS(gtin, serial), err);
    if (!r)
        return err->rc;
    if (PQntuples(r) == 1) {
        out->found = 1;
        px__texts(r, 0, 0, PX__TEXT(out->state), PX__TEXT(out->reason), PX__TEXT(out->batch),
                  PX__TEXT(out->expiry), NULL);
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_verify_in_sandbox(px_db *db, const char *gtin, const char *serial, int *found,
                                 px_err *err)
{
    return px__exec_found(db,
                          "SELECT 1 FROM " PX_SANDBOX_SCHEMA ".serial WHERE gtin = $1 AND "
                          "serial = $2",
                          PX__ARGS(gtin, serial), found, err);
}
