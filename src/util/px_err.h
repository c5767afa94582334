/* px_err — the one error type of packid.
 *
 * A function that can fail returns a px_rc; the detail goes into a caller-owned px_err that
 * never allocates: a machine code (docs/api.md's `code`), a message, the JSON field it concerns and
 * the position/length of the offending characters. Lower layers set and return; only http/
 * maps px_rc to an HTTP status (http/status_map.c). */
#ifndef PX_ERR_H
#define PX_ERR_H

#include <stddef.h>

typedef enum px_rc {
    PX_OK = 0,
    PX_EINVALID,   /* input breaks a syntax or domain rule             -> 422/400 */
    PX_ENOTFOUND,  /* no such object, or another tenant's              -> 404 */
    PX_EEXISTS,    /* unique key taken                                 -> 409 */
    PX_ESTATE,     /* state machine refuses the move                   -> 409 */
    PX_ECONFLICT,  /* concurrent change, immutable settings, replay    -> 409 */
    PX_EEXHAUSTED, /* serial space or pool exhausted                   -> 409 */
    PX_EAUTH,      /* missing or invalid credentials                   -> 401 */
    PX_EFORBIDDEN, /* authenticated but the role may not               -> 403 */
    PX_ETOOBIG,    /* over a size cap                                  -> 413 */
    PX_EUNAVAIL,   /* dependency down (database)                       -> 503 */
    PX_EINTERNAL   /* bug or unexpected failure; message never leaks   -> 500 */
} px_rc;

#define PX_ERR_CODE_MAX 40
#define PX_ERR_MSG_MAX 256
#define PX_ERR_FIELD_MAX 64

typedef struct px_err {
    px_rc rc;
    char code[PX_ERR_CODE_MAX];     /* docs/api.md error code, e.g. "invalid_character" */
    char message[PX_ERR_MSG_MAX];   /* short lower-case primary message */
    char field[PX_ERR_FIELD_MAX];   /* JSON path of the bad field, "" if none */
    int pos;                        /* 0-based position of the bad character, -1 if none */
    int len;                        /* length of the bad span, 0 if none */
    /* A refused quantity (allotment_exceeded): the limit, what was used before the request and
     * what it asked for; has_quota 0 when none. The answer's details carry them (and what is
     * left) so a program can act without parsing the message. */
    int has_quota;
    long long quota_limit, quota_used, quota_requested;
} px_err;

/* No error: a px_err declared with it is as px_err_clear leaves one. */
#define PX_ERR_INIT                                                                                \
    {                                                                                              \
        .pos = -1                                                                                  \
    }

/* Clears err (NULL-safe). */
void px_err_clear(px_err *err);

/* Records an error and returns rc, so failing is one line:
 *     return px_err_set(err, PX_EINVALID, "invalid_character", "'%c' is not in set 82", c);
 * err may be NULL. */
px_rc px_err_set(px_err *err, px_rc rc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* px_err_set and the field in one call, for the common "this field is wrong" failure:
 *     return px_err_set_field(err, PX_EINVALID, "invalid_market", "market", "…");
 * field is a JSON path as px_err_field takes it ("batch", "serials[3]"). */
px_rc px_err_set_field(px_err *err, px_rc rc, const char *code, const char *field, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));

/* PX_EINTERNAL "internal" with the message "out of memory", after a failed allocation:
 *     if (!p) return px_err_oom(err); */
px_rc px_err_oom(px_err *err);
/* Passes a failure read into another px_err on to err (which may be NULL, as everywhere):
 * *err = *from when err is given; returns from->rc. */
px_rc px_err_pass(px_err *err, const px_err *from);
/* PX_EINTERNAL "internal" with the message "no randomness", when the system's random source
 * failed (px_random_bytes, px_uuid_v4): nothing is made with a guessable id or secret. */
px_rc px_err_no_random(px_err *err);

/* Sets field (a JSON path such as "serials[3]") on an already set error. */
void px_err_field(px_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the refused quantity on an already set error. */
void px_err_quota(px_err *err, long long limit, long long used, long long requested);
/* Sets the span of the bad characters. */
void px_err_span(px_err *err, int pos, int len);

/* A stable lower-case name for rc ("invalid", "not_found", …). */
const char *px_rc_name(px_rc rc);

#endif
