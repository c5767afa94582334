#ifndef PX_VERIFY_STORE_H
#define PX_VERIFY_STORE_H

#include "store.h"

typedef struct px_verify_row {
    int found;
    char state[16];
    char reason[24];
    char batch[21];
    char expiry[7];
} px_verify_row;

/* The facts a verification needs about (gtin, serial): one indexed point lookup. */
px_rc px_store_verify_lookup(px_db *db, px_verify_row *out, const char *gtin,
                             const char *serial, px_err *err);

/* From a live connection: whether (gtin, serial) exists in the sandbox (docs/sandbox.md), so
 * a scan of a test pack can say it is one. */
px_rc px_store_verify_in_sandbox(px_db *db, const char *gtin, const char *serial, int *found,
                                 px_err *err);

#endif
