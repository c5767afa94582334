#include "px_cursor.h"

#include <stdint.h>
#include <string.h>

#include "px_crypto.h"
#include "px_str.h"

int px_cursor_encode(char *out, size_t cap, const char *raw)
{
    size_t n = strlen(raw);
    if (n > 140 || cap < (n + 2) / 3 * 4 + 1)
        return -1;
    px_base64url_encode(out, (const uint8_t *)raw, n);
    return 0;
}

int px_cursor_decode(char *raw, size_t cap, const char *cursor)
{
    size_t n = strlen(cursor), o = 0;
    if (n == 0 || n > PX_CURSOR_MAX || n % 4 == 1)
        return -1;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = px_base64url_value((unsigned char)cursor[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= cap)
                return -1;
            unsigned char c = (unsigned char)(acc >> bits & 0xff);
            if (c < 0x20 || c > 0x7e) /* cursors we issue are printable ASCII (ids, keys) */
                return -1;
            raw[o++] = (char)c;
        }
    }
    raw[o] = '\0';
    return 0;
}

px_rc px_cursor_refuse(px_err *err)
{
    return px_err_set_field(err, PX_EINVALID, "bad_request", "after",
                            "after is not a cursor of this list");
}

px_rc px_cursor_check_uuid(const char *after, px_err *err)
{
    return !after || !*after || px_uuid_valid(after) ? PX_OK : px_cursor_refuse(err);
}
