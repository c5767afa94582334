/* JSON text without a DOM (px_jsonw.h): one escape rule for every string packid writes by hand. */
#include "px_jsonw.h"

#include <string.h>

size_t px_json_escape_byte(unsigned char c, char esc[6])
{
    static const char hex[] = "0123456789ABCDEF";
    static const char shorts[] = "btn\0fr"; /* \b \t \n (\v has none) \f \r: 0x08..0x0d */
    if (px_json_plain(c))
        return 0;
    esc[0] = '\\';
    if (c == '"' || c == '\\') {
        esc[1] = (char)c;
        return 2;
    }
    if (c >= 0x08 && c <= 0x0d && shorts[c - 0x08]) {
        esc[1] = shorts[c - 0x08];
        return 2;
    }
    memcpy(esc + 1, "u00", 3);
    esc[4] = hex[c >> 4];
    esc[5] = hex[c & 15];
    return 6;
}

px_rc px_jsonw_string(px_buf *b, const char *s)
{
    px_rc rc = px_buf_add(b, "\"", 1);
    const char *run = s;
    for (const char *p = s; rc == PX_OK && *p; p++) {
        if (px_json_plain((unsigned char)*p))
            continue;
        char esc[6];
        size_t n = px_json_escape_byte((unsigned char)*p, esc);
        rc = px_buf_add(b, run, (size_t)(p - run));
        if (rc == PX_OK)
            rc = px_buf_add(b, esc, n);
        run = p + 1;
    }
    if (rc == PX_OK)
        rc = px_buf_add(b, run, strlen(run));
    if (rc == PX_OK)
        rc = px_buf_add(b, "\"", 1);
    return rc;
}
