/* Small rules every store file applies to its results and parameters (store_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_crypto.h"
#include "px_str.h"
#include "store_internal.h"

const char *px__nz(const char *s)
{
    return s && *s ? s : NULL;
}

const char *px__int_text(char out[PX__INT_LEN], long long v)
{
    snprintf(out, PX__INT_LEN, "%lld", v);
    return out;
}

void px__texts(const PGresult *res, int r, int c, ...)
{
    va_list ap;
    va_start(ap, c);
    for (char *field; (field = va_arg(ap, char *)) != NULL; c++) {
        size_t size = va_arg(ap, size_t);
        px_strlcpy(field, px__val(res, r, c), size);
    }
    va_end(ap);
}

char *px__dup(const PGresult *res, int r, int c)
{
    return px__isnull(res, r, c) ? NULL : strdup(px__val(res, r, c));
}

px_rc px__dup_col(char **out, const PGresult *res, int r, int c, px_err *err)
{
    *out = px__dup(res, r, c);
    return *out || px__isnull(res, r, c) ? PX_OK : px_err_oom(err);
}

px_rc px__end_attempt(px_db *db, const char *sql, const char *id, int n, int http_status,
                      const char *outcome, const char *error, long retry_ms, int *current,
                      px_err *err)
{
    char tn[16], status[16], retry[24];
    snprintf(tn, sizeof(tn), "%d", n);
    snprintf(status, sizeof(status), "%d", http_status);
    snprintf(retry, sizeof(retry), "%ld", retry_ms);
    *current = 0;
    return px__exec_found(db, sql,
                          PX__ARGS(id, tn, http_status ? status : NULL, outcome, error, retry),
                          current, err);
}

px_rc px__each_pair(PGresult *r, int (*fn)(void *ctx, const char *a, const char *b), void *ctx,
                    px_err *err)
{
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(ctx, px__val(r, i, 0), px__val(r, i, 1)))
            break;
    PQclear(r);
    return PX_OK;
}

px_rc px__each_text(PGresult *r, int (*fn)(void *ctx, const char *a), void *ctx, px_err *err)
{
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(ctx, px__val(r, i, 0)))
            break;
    PQclear(r);
    return PX_OK;
}

px_rc px__each_count(PGresult *r, int (*fn)(void *ctx, const char *a, long long n), void *ctx,
                     px_err *err)
{
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(ctx, px__val(r, i, 0), strtoll(px__val(r, i, 1), NULL, 10)))
            break;
    PQclear(r);
    return PX_OK;
}

px_rc px__cmd(PGresult *r, px_err *err)
{
    if (!r)
        return err->rc;
    PQclear(r);
    return PX_OK;
}

px_rc px__changed(PGresult *r, long long *n, px_err *err)
{
    if (!r)
        return err->rc;
    *n = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return PX_OK;
}

px_rc px__exec_cmd(px_db *db, const char *sql, int nparams, const char *const *params, px_err *err)
{
    return px__cmd(px__exec(db, sql, nparams, params, err), err);
}

px_rc px__exec_text(px_db *db, const char *sql, int nparams, const char *const *params, char *out,
                    size_t cap, int *found, px_err *err)
{
    PGresult *r = px__exec(db, sql, nparams, params, err);
    if (!r)
        return err->rc;
    if (found)
        *found = PQntuples(r) > 0;
    px_strlcpy(out, PQntuples(r) ? px__val(r, 0, 0) : "", cap);
    PQclear(r);
    return PX_OK;
}

/* px__exec_number and px__exec_true read their value as px__exec_text reads it: "" (0, false)
 * when there is no row. */
px_rc px__exec_number(px_db *db, const char *sql, int nparams, const char *const *params,
                      long long *out, px_err *err)
{
    char v[PX__INT_LEN];
    px_rc rc = px__exec_text(db, sql, nparams, params, v, sizeof(v), NULL, err);
    if (rc == PX_OK)
        *out = strtoll(v, NULL, 10);
    return rc;
}

px_rc px__exec_true(px_db *db, const char *sql, int nparams, const char *const *params, int *out,
                    px_err *err)
{
    char v[8];
    px_rc rc = px__exec_text(db, sql, nparams, params, v, sizeof(v), NULL, err);
    if (rc == PX_OK)
        *out = strcmp(v, "t") == 0;
    return rc;
}

px_rc px__exec_found(px_db *db, const char *sql, int nparams, const char *const *params, int *found,
                     px_err *err)
{
    char none[1]; /* the value itself is not kept */
    return px__exec_text(db, sql, nparams, params, none, sizeof(none), found, err);
}

px_rc px__one(const PGresult *r, px_err *err, const char *code, const char *fmt, ...)
{
    if (!r)
        return err->rc;
    if (PQntuples(r) > 0)
        return PX_OK;
    char msg[PX_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return px_err_set(err, PX_ENOTFOUND, code, "%s", msg);
}

void px__bytea_hex(char out[2 + 64 + 1], const uint8_t hash[32])
{
    out[0] = '\\';
    out[1] = 'x';
    px_hex_encode(out + 2, hash, 32);
}
