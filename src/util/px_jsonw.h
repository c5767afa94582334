/* px_jsonw — JSON text written straight into a px_buf, for the few places that render large or
 * fixed-shape JSON without a DOM (a 100,000-item commission answer, audit details). */
#ifndef PX_JSONW_H
#define PX_JSONW_H

#include "px_buf.h"

/* The JSON escape of byte c (RFC 8259 §7) into esc, and its length; 0 when c stands for
 * itself. '"' and '\\' follow a backslash, \b \f \n \r \t are written short, any other byte
 * below U+0020 as \u00XX (capital hex digits): the spelling jansson (the API's answers) writes, so
 * every JSON text packid writes spells a string one way. Every other byte (UTF-8 sequences
 * included) stands for itself, so text is never cut or altered. */
size_t px_json_escape_byte(unsigned char c, char esc[6]);
/* 1 when c stands for itself in a JSON string (px_json_escape_byte gives 0): inline, so the
 * writers' per-byte loops (a million-event EPCIS export) call out only for the rare byte that
 * needs an escape. */
static inline int px_json_plain(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}
/* Appends s as a JSON string with its quotes (px_json_escape_byte). */
px_rc px_jsonw_string(px_buf *b, const char *s);

#endif
