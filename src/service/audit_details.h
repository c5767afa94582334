/* audit_details — the details object of one audit entry, built as JSON text.
 *
 * Values are escaped whole (RFC 8259 §7: quote, backslash and control characters; every
 * other byte, UTF-8 sequences included, is copied as it is), so a name of quotes and accented
 * letters is audited exactly as it was stored, never cut inside a character. The builder is
 * sticky (pgbouncer's pktbuf): after its first failure every call is a no-op and
 * px_audit_details_finish reports it. The members' calls take a NULL builder too and do nothing
 * with it: px_tx_audit answers NULL when it could not make the entry (its transaction has
 * failed already), so a use case adds its details without testing for it. */
#ifndef PX_AUDIT_DETAILS_H
#define PX_AUDIT_DETAILS_H

#include "px_buf.h"
#include "px_err.h"

/* An entry's details never exceed this (every value is bounded by its API limit; the longest
 * is a partnership's 10,000 GTINs, some 170 KiB). */
#define PX_AUDIT_DETAILS_MAX (256 * 1024)

typedef struct px_audit_details {
    px_buf buf;
    int failed;
    int first;    /* the next member is the first of its object: no comma before it */
    size_t items; /* objects written so far in the open list (px_audit_list) */
} px_audit_details;

void px_audit_details_init(px_audit_details *d);
void px_audit_details_dispose(px_audit_details *d);

/* A string member; value NULL writes null. */
void px_audit_str(px_audit_details *d, const char *key, const char *value);
void px_audit_int(px_audit_details *d, const char *key, long long value);
void px_audit_bool(px_audit_details *d, const char *key, int value);
/* A member whose value is the array of the n strings values. */
void px_audit_strs(px_audit_details *d, const char *key, const char *const *values, size_t n);

/* Every member src holds so far, written again into dst (an entry that says the same in another
 * chain). */
void px_audit_same(px_audit_details *dst, const px_audit_details *src);

/* A member whose value is an array of objects: px_audit_list opens it, each px_audit_item opens
 * its next object (closing the one before), whose members the calls above then write, and
 * px_audit_list_end closes the last object and the array. One level deep. */
void px_audit_list(px_audit_details *d, const char *key);
void px_audit_item(px_audit_details *d);
void px_audit_list_end(px_audit_details *d);

/* The object text ("{}" when empty), borrowed until dispose; NULL and err set on failure. */
const char *px_audit_details_finish(px_audit_details *d, px_err *err);

#endif
