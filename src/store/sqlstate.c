/* The one place SQLSTATEs become px_rc (docs/architecture.md "Errors"). The server's primary
 * message goes to the log; the error the client sees never carries SQL or internals. Its
 * DETAIL and CONTEXT are not logged: they quote the rows at fault ("Failing row contains",
 * "COPY serial, line 1: …"), which carry serials and other data the log must not keep. */
#include <stdio.h>
#include <string.h>

#include "px_log.h"
#include "store_internal.h"

px_rc px__sqlstate_map(const PGresult *res, PGconn *conn, px_err *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(conn);
    char esc[512], fields[700];
    px_json_escape(esc, sizeof(esc), msg ? msg : "");
    snprintf(fields, sizeof(fields), "\"sqlstate\":\"%s\",\"detail\":\"%s\"",
             state ? state : "", esc);
    if (!state || PQstatus(conn) == CONNECTION_BAD) {
        px_log(PX_LOG_ERROR, "database unavailable", fields);
        return px_err_set(err, PX_EUNAVAIL, "unavailable", "the database is unavailable");
    }
    if (strcmp(state, "23505") == 0) /* unique_violation */
        return px_err_set(err, PX_EEXISTS, "exists", "the object already exists");
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) /* serialization, deadlock */
        return px_err_set(err, PX_ECONFLICT, "conflict", "concurrent change, try again");
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) {
        px_log(PX_LOG_ERROR, "database unavailable", fields);
        return px_err_set(err, PX_EUNAVAIL, "unavailable", "the database is unavailable");
    }
    if (strcmp(state, "55P03") == 0) { /* lock_not_available: a lock_timeout ran out */
        px_log(PX_LOG_ERROR, "database lock not granted in time", fields);
        return px_err_set(err, PX_EINTERNAL, "internal",
                          "a lock was not granted in time (lock timeout)");
    }
    if (strncmp(state, "22", 2) == 0) {
        /* Data exception (a text that is not UTF-8, a value out of a type's range): the value
         * is at fault and would be again, so it is refused, not retried as a failure of the
         * server. Logged with its detail for whoever investigates. */
        px_log(PX_LOG_WARN, "value refused by database", fields);
        return px_err_set(err, PX_EINVALID, "invalid_value", "a value is not valid");
    }
    if (strcmp(state, "P0001") == 0 && msg) {
        /* RAISE EXCEPTION from our own functions: the message is ours and safe to show. */
        px_log(PX_LOG_WARN, "rule refused by database", fields);
        return px_err_set(err, PX_ECONFLICT, "conflict", "%s", "the change was refused");
    }
    px_log(PX_LOG_ERROR, "database error", fields);
    return px_err_set(err, PX_EINTERNAL, "internal", "internal error");
}
