/* px_log — one JSON object per line on stderr. Callers never pass secrets: API keys, HMAC
 * secrets and auth headers are not logged anywhere. */
#ifndef PX_LOG_H
#define PX_LOG_H

#include <stddef.h>

typedef enum { PX_LOG_DEBUG, PX_LOG_INFO, PX_LOG_WARN, PX_LOG_ERROR } px_log_level;

/* fields is a comma-separated list of JSON members without braces, e.g.
 * "\"rid\":\"a1\",\"status\":200"; may be NULL. msg is escaped. */
void px_log(px_log_level lvl, const char *msg, const char *fields);
/* Lines below lvl are not written (PACKID_LOG_LEVEL; info until set, once at start). */
void px_log_set_level(px_log_level lvl);
/* 1 when a line at lvl is written: lets a caller skip formatting what would be dropped. */
int px_log_enabled(px_log_level lvl);
/* "debug", "info", "warn", "error" → level; -1 for anything else. */
/* The levels' names, by level: "debug", "info", "warn", "error". */
extern const char *const px_log_level_names[PX_LOG_ERROR + 1];
int px_log_level_parse(const char *name);
void px_logf(px_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes s as a JSON string body (without quotes) into out (cap bytes) for a log line: JSON's
 * escapes, DEL and C1 controls as \u00XX of their code point, a byte that is not UTF-8 as
 * \u00XX of its value (no control reaches a terminal, the line stays UTF-8); what does not fit
 * is cut, ending "...". */
void px_json_escape(char *out, size_t cap, const char *s);

#endif
