#include "px_jsonw.h"

#include <string.h>

px_rc px_jsonw_string(px_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    px_rc rc = px_buf_add(b, "\"", 1);
    const char *run = s;
    for (const char *p = s; rc == PX_OK && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = px_buf_add(b, run, (size_t)(p - run));
        if (rc == PX_OK && (c == '"' || c == '\\')) {
            char e[2] = {'\\', (char)c};
            rc = px_buf_add(b, e, 2);
        } else if (rc == PX_OK) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            rc = px_buf_add(b, e, 6);
        }
        run = p + 1;
    }
    if (rc == PX_OK)
        rc = px_buf_add(b, run, strlen(run));
    if (rc == PX_OK)
        rc = px_buf_add(b, "\"", 1);
    return rc;
}
