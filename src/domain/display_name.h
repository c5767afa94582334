/* display_name — the name a person gives an organization, a product or a partnership, the
 * label of a key or an allocation, and the free text of a reason: shown in lists, reports, audit
 * entries and the console, never parsed. One rule for each (docs/api.md "Limits"). */
#ifndef PX_DISPLAY_NAME_H
#define PX_DISPLAY_NAME_H

#include "px_err.h"

/* The most bytes of UTF-8 a name has; the HTTP readers take no more. */
#define PX_NAME_MAX 200

/* 1 to PX_NAME_MAX bytes of text without control characters (px_str_printable), not only
 * spaces (px_str_blank); else
 * PX_EINVALID with code, field "name". */
px_rc px_display_name_check(const char *name, const char *code, px_err *err);

/* The most bytes of UTF-8 a label (of a key, of an allocation) has. */
#define PX_LABEL_MAX 200

/* A label: 1 to PX_LABEL_MAX bytes of text without control characters, not only spaces
 * (optional: none, or an
 * empty one, is taken too); else PX_EINVALID with code, field "label", its message naming the
 * bounds the caller takes. */
px_rc px_label_check(const char *label, int optional, const char *code, px_err *err);

/* Free text a person writes for other people to read (a reason, a print job's line or
 * operator): 1 to max bytes of text without control characters, not only spaces or invisible
 * characters; else PX_EINVALID invalid_value on field. v is not NULL (the caller decides whether
 * the text may be left out). */
px_rc px_text_check(const char *v, size_t max, const char *field, px_err *err);

#endif
