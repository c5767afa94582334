#include "px_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

px_rc px_file_read(const char *path, size_t max, char **buf, size_t *len, px_err *err)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return px_err_set(err, PX_ENOTFOUND, "file_not_found", "cannot open \"%s\": %s", path,
                          strerror(errno));
    px_rc rc = PX_OK;
    size_t cap = max < 64 * 1024 ? max : 64 * 1024, n = 0;
    char *data = malloc(cap + 1);
    if (!data) {
        rc = px_err_oom(err);
        goto done;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                if (fgetc(f) == EOF) /* exactly max bytes */
                    break;
                rc = px_err_set(err, PX_ETOOBIG, "file_too_big", "\"%s\" is larger than %zu bytes",
                                path, max);
                goto done;
            }
            size_t ncap = cap * 2 > max ? max : cap * 2;
            char *p = realloc(data, ncap + 1);
            if (!p) {
                rc = px_err_oom(err);
                goto done;
            }
            data = p;
            cap = ncap;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = px_err_set(err, PX_EUNAVAIL, "file_read", "cannot read \"%s\"", path);
            break;
        }
    }
done:
    fclose(f);
    if (rc != PX_OK) {
        free(data);
        return rc;
    }
    data[n] = '\0';
    *buf = data;
    *len = n;
    return PX_OK;
}
