/* px_jsonw — JSON text written straight into a px_buf, for the few places that render large or
 * fixed-shape JSON without a DOM (a 100,000-item commission answer, audit details). */
#ifndef PX_JSONW_H
#define PX_JSONW_H

#include "px_buf.h"

/* Appends s as a JSON string with its quotes. RFC 8259 §7: '"', '\\' and U+0000..U+001F are
 * escaped, every other byte (UTF-8 sequences included) is copied as it is, so text is never
 * cut or altered. */
px_rc px_jsonw_string(px_buf *b, const char *s);

#endif
