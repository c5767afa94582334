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

void px_json_escape(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (; s && *s && o + 7 < cap; s++) {
        char esc[6];
        size_t n = px_json_escape_byte((unsigned char)*s, esc);
        if (n) {
            memcpy(out + o, esc, n);
            o += n;
        } else {
            out[o++] = *s;
        }
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
