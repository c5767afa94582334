/* A ZIP archive built in memory with libzip (Debian libzip-dev), for the download of a carrier
 * batch: one PNG and one SVG per carrier. libzip writes the local headers, the central
 * directory, CRC-32 and ZIP64 when needed (APPNOTE.TXT); packid only hands it the files.
 *
 * PNGs are stored (method 0): their IDAT is deflate already, so a second deflate only costs
 * time. SVGs are deflated (method 8): text of repeated path commands shrinks several times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "carrier.h"

struct px_carrier_zip {
    zip_source_t *mem; /* the archive's bytes once closed */
    zip_t *za;
    int failed;
};

static px_rc zip_fail(px_err *err, const char *what, zip_error_t *ze)
{
    px_rc rc = px_err_set(err, PX_EINTERNAL, "internal", "zip: %s: %s", what,
                          ze ? zip_error_strerror(ze) : "failed");
    if (ze)
        zip_error_fini(ze);
    return rc;
}

px_rc px_carrier_zip_new(px_carrier_zip **out, px_err *err)
{
    *out = NULL;
    px_carrier_zip *z = calloc(1, sizeof(*z));
    if (!z)
        return px_err_oom(err);
    zip_error_t ze;
    zip_error_init(&ze);
    z->mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!z->mem) {
        free(z);
        return zip_fail(err, "buffer", &ze);
    }
    /* Keep the source alive after zip_close, which writes the archive into it. */
    zip_source_keep(z->mem);
    z->za = zip_open_from_source(z->mem, ZIP_TRUNCATE, &ze);
    if (!z->za) {
        zip_source_free(z->mem);
        free(z);
        return zip_fail(err, "open", &ze);
    }
    zip_error_fini(&ze);
    *out = z;
    return PX_OK;
}

px_rc px_carrier_zip_add(px_carrier_zip *z, const char *name, const void *data, size_t len,
                         int store, px_err *err)
{
    if (z->failed)
        return px_err_set(err, PX_EINTERNAL, "internal", "zip: an earlier file failed");
    void *copy = malloc(len ? len : 1);
    if (!copy)
        return px_err_oom(err);
    memcpy(copy, data, len);
    /* freep = 1: libzip frees the copy when it no longer needs it (after zip_close). */
    zip_source_t *s = zip_source_buffer(z->za, copy, len, 1);
    if (!s) {
        free(copy);
        z->failed = 1;
        return zip_fail(err, "source", zip_get_error(z->za));
    }
    zip_int64_t idx = zip_file_add(z->za, name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (idx < 0) {
        zip_source_free(s);
        z->failed = 1;
        return px_err_set(err, PX_EINTERNAL, "internal", "zip: cannot add %s: %s", name,
                          zip_strerror(z->za));
    }
    if (zip_set_file_compression(z->za, (zip_uint64_t)idx, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                 0) != 0) {
        z->failed = 1;
        return px_err_set(err, PX_EINTERNAL, "internal", "zip: compression: %s",
                          zip_strerror(z->za));
    }
    return PX_OK;
}

px_rc px_carrier_zip_finish(px_carrier_zip *z, px_buf *out, px_err *err)
{
    if (z->failed)
        return px_err_set(err, PX_EINTERNAL, "internal", "zip: an earlier file failed");
    px_rc rc = PX_OK;
    int rc_close = zip_close(z->za);
    if (rc_close != 0) {
        rc = px_err_set(err, PX_EINTERNAL, "internal", "zip: close: %s", zip_strerror(z->za));
        zip_discard(z->za);
        z->za = NULL;
        return rc;
    }
    z->za = NULL;
    zip_stat_t st;
    if (zip_source_stat(z->mem, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        zip_source_open(z->mem) != 0)
        return px_err_set(err, PX_EINTERNAL, "internal", "zip: cannot read the archive");
    char chunk[16384];
    zip_uint64_t left = st.size;
    while (left > 0 && rc == PX_OK) {
        zip_int64_t n = zip_source_read(z->mem, chunk, left < sizeof(chunk) ? left : sizeof(chunk));
        if (n <= 0) {
            rc = px_err_set(err, PX_EINTERNAL, "internal", "zip: short read");
            break;
        }
        if (px_buf_add(out, chunk, (size_t)n) != PX_OK)
            rc = px_err_set(err, PX_ETOOBIG, "payload_too_large", "archive exceeds %zu bytes",
                            out->max);
        left -= (zip_uint64_t)n;
    }
    zip_source_close(z->mem);
    return rc;
}

void px_carrier_zip_free(px_carrier_zip *z)
{
    if (!z)
        return;
    if (z->za)
        zip_discard(z->za);
    zip_source_free(z->mem);
    free(z);
}
