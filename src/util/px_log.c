#include "px_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "px_clock.h"
#include "px_jsonw.h"
#include "px_str.h"

const char *const px_log_level_names[PX_LOG_ERROR + 1] = {[PX_LOG_DEBUG] = "debug",
                                                          [PX_LOG_INFO] = "info",
                                                          [PX_LOG_WARN] = "warn",
                                                          [PX_LOG_ERROR] = "error"};

static const char *level_name(px_log_level l)
{
    return (unsigned)l <= PX_LOG_ERROR ? px_log_level_names[l] : "info";
}

/* The piece of a log string that starts at s: its escape in esc (returns its length, and
 * the bytes it stands for in *take), or 0 when the bytes are written as they are (*take of
 * them). A character of UTF-8 stays as it is; DEL and a C1 control (U+0080..U+009F, which a
 * terminal may obey) become \u00XX, their code point, and a byte that is not UTF-8 \u00XX of
 * its value. */
static size_t log_piece(const char *s, char esc[6], size_t *take)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char c = (unsigned char)*s;
    *take = 1;
    if (c < 0x7F)
        return px_json_escape_byte(c, esc);
    if (c >= 0x80) {
        size_t n = px_utf8_seq(s);
        if (n >= 2 && c == 0xC2 && (unsigned char)s[1] <= 0x9F) {
            c = (unsigned char)s[1]; /* a C1 control: its code point, U+0080..U+009F */
            *take = 2;
        } else if (n >= 2) {
            *take = n;
            return 0;
        }
    }
    memcpy(esc, "\\u00", 4);
    esc[4] = hex[c >> 4];
    esc[5] = hex[c & 15];
    return 6;
}

void px_json_escape(char *out, size_t cap, const char *s)
{
    static const char cut[] = "...";
    if (cap == 0)
        return;
    char esc[6];
    size_t take, all = 0;
    for (const char *p = s; p && *p; p += take) {
        size_t n = log_piece(p, esc, &take);
        all += n ? n : take;
    }
    /* What does not fit is cut, and says so: a reader must not take a part for the whole. */
    size_t room = all < cap ? cap - 1 : cap > sizeof(cut) ? cap - sizeof(cut) : 0, o = 0;
    for (; s && *s; s += take) {
        size_t n = log_piece(s, esc, &take), w = n ? n : take;
        if (o + w > room)
            break;
        memcpy(out + o, n ? esc : s, w);
        o += w;
    }
    if (all >= cap && o + sizeof(cut) <= cap) {
        memcpy(out + o, cut, sizeof(cut) - 1);
        o += sizeof(cut) - 1;
    }
    out[o] = '\0';
}

static px_log_level min_level = PX_LOG_INFO;

void px_log_set_level(px_log_level lvl)
{
    min_level = lvl;
}

int px_log_enabled(px_log_level lvl)
{
    return lvl >= min_level;
}

int px_log_level_parse(const char *name)
{
    return px_name_index(px_log_level_names, PX_LOG_ERROR + 1, name);
}

void px_log(px_log_level lvl, const char *msg, const char *fields)
{
    if (!px_log_enabled(lvl))
        return;
    char ts[32], esc[1024];
    px_time_format(ts, px_now_us());
    px_json_escape(esc, sizeof(esc), msg);
    /* One fprintf call: stdio locks the stream, so concurrent lines do not interleave. */
    fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"%s%s}\n", ts,
            level_name(lvl), esc, fields && *fields ? "," : "", fields ? fields : "");
}

void px_logf(px_log_level lvl, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    px_log(lvl, msg, NULL);
}
