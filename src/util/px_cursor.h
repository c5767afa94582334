/* px_cursor — opaque list cursors (docs/api.md "Lists page with an opaque cursor"). A cursor is
 * base64url of a short text the store understands (a sequence number, a serial); clients
 * must treat it as opaque, and a cursor that does not decode is a 400 bad_request. */
#ifndef PX_CURSOR_H
#define PX_CURSOR_H

#include <stddef.h>

#include "px_err.h"

#define PX_CURSOR_MAX 200

/* raw (at most 140 bytes) -> out (cap bytes, (n + 2) / 3 * 4 + 1 is enough); returns 0, -1
 * when raw is too long or out too small. */
int px_cursor_encode(char *out, size_t cap, const char *raw);
/* cursor -> raw text (NUL-terminated); -1 when malformed. */
int px_cursor_decode(char *raw, size_t cap, const char *cursor);
/* The refusal of a cursor packid did not issue for this list, the same on every list:
 * PX_EINVALID, 400 bad_request on the field "after" (docs/api.md "Paging"). */
px_rc px_cursor_refuse(px_err *err);
/* A list paged by its rows' ids: PX_OK when after is NULL, empty or a UUID, else
 * px_cursor_refuse's refusal. */
px_rc px_cursor_check_uuid(const char *after, px_err *err);

#endif
