#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_str.h"
#include "store_internal.h"

px_rc px_store_audit_append(px_db *db, const char *org_id, const char *key_id,
                            const char *tenant_id, const char *action, const char *subject,
                            const char *details_json, px_err *err)
{
    const char *p[] = {org_id && *org_id ? org_id : NULL, key_id && *key_id ? key_id : NULL,
                       tenant_id && *tenant_id ? tenant_id : NULL, action, subject,
                       details_json && *details_json ? details_json : "{}"};
    PGresult *r = px__exec(db, "SELECT audit_append($1, $2, $3, $4, $5, $6::jsonb)", 6, p,
                           err);
    if (!r)
        return err->rc;
    PQclear(r);
    return PX_OK;
}

px_rc px_store_audit_each(px_db *db, const char *tenant_id, long long after_seq, long limit,
                          px_audit_fn fn, void *ctx, px_err *err)
{
    /* Keyset pages of 5,000 rows keep memory flat however long the log grows. */
    const long chunk = 5000;
    long remaining = limit > 0 ? limit : -1;
    for (;;) {
        long n = remaining < 0 || remaining > chunk ? chunk : remaining;
        char after[24], lim[24];
        snprintf(after, sizeof(after), "%lld", after_seq);
        snprintf(lim, sizeof(lim), "%ld", n);
        const char *p[] = {tenant_id, after, lim};
        PGresult *r = px__exec(
            db,
            "SELECT seq, (extract(epoch FROM at) * 1000000)::bigint, "
            "to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), coalesce(org_id::text, ''), "
            "coalesce(key_id::text, ''), coalesce(tenant_id::text, ''), action, subject, "
            "details::text, prev_hash, hash FROM audit_log "
            "WHERE seq > $2::bigint AND ($1::text IS NULL OR tenant_id::text = $1) "
            "ORDER BY seq LIMIT $3::bigint",
            3, p, err);
        if (!r)
            return err->rc;
        int rows = PQntuples(r);
        for (int i = 0; i < rows; i++) {
            px_audit_entry e;
            memset(&e, 0, sizeof(e));
            e.seq = strtoll(px__val(r, i, 0), NULL, 10);
            e.at_us = strtoll(px__val(r, i, 1), NULL, 10);
            px_strlcpy(e.at, px__val(r, i, 2), sizeof(e.at));
            px_strlcpy(e.org_id, px__val(r, i, 3), sizeof(e.org_id));
            px_strlcpy(e.key_id, px__val(r, i, 4), sizeof(e.key_id));
            px_strlcpy(e.tenant_id, px__val(r, i, 5), sizeof(e.tenant_id));
            px_strlcpy(e.action, px__val(r, i, 6), sizeof(e.action));
            px_strlcpy(e.subject, px__val(r, i, 7), sizeof(e.subject));
            e.details = px__val(r, i, 8);
            px_strlcpy(e.prev_hash, px__val(r, i, 9), sizeof(e.prev_hash));
            px_strlcpy(e.hash, px__val(r, i, 10), sizeof(e.hash));
            after_seq = e.seq;
            if (fn(ctx, &e)) {
                PQclear(r);
                return PX_OK;
            }
        }
        PQclear(r);
        if (remaining > 0)
            remaining -= rows;
        if (rows < n || remaining == 0)
            return PX_OK;
    }
}
