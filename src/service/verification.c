#include <string.h>

#include "gs1.h"
#include "px_clock.h"
#include "verification.h"
#include "verify_store.h"

static px_rc field(px_rc rc, px_err *err, const char *name)
{
    if (rc != PX_OK)
        px_err_field(err, "%s", name);
    return rc;
}

px_rc px_svc_verify(px_db *db, const char *gtin, const char *serial, const char *batch,
                    const char *expiry, px_verdict *out, px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    px_rc rc;
    if ((rc = field(gs1_gtin_normalize(g, gtin, err), err, "gtin")) != PX_OK ||
        (rc = field(gs1_cset82_validate(serial, GS1_SERIAL_MAX, err), err, "serial")) != PX_OK)
        return PX_EINVALID;
    if (batch && (rc = field(gs1_cset82_validate(batch, GS1_BATCH_MAX, err), err, "batch")))
        return PX_EINVALID;
    if (expiry) {
        gs1_date d;
        if (gs1_expiry_parse(&d, expiry, px_now_us(), err) != PX_OK)
            return field(PX_EINVALID, err, "expiry");
    }
    px_verify_row row;
    if ((rc = px_store_verify_lookup(db, &row, g, serial, err)) != PX_OK)
        return rc;
    px_verify_facts f = {.found = row.found, .batch = row.batch, .expiry = row.expiry,
                         .asked_batch = batch, .asked_expiry = expiry};
    if (px_verify_facts_state(&f, row.state, row.reason, err) != PX_OK)
        return PX_EINTERNAL;
    *out = px_verify_verdict(&f, px_now_us());
    return PX_OK;
}

px_rc px_svc_verify_in_sandbox(px_db *db, const char *gtin, const char *serial, int *found,
                               px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    *found = 0;
    if (gs1_gtin_normalize(g, gtin, err) != PX_OK)
        return PX_EINVALID;
    return px_store_verify_in_sandbox(db, g, serial, found, err);
}
