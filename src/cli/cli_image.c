/* What the commands that write an image file share (cli_image.h). */
#include "cli_image.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int px_cli_image_format(const char *path, px_carrier_format *out)
{
    const char *ext = strrchr(path, '.');
    if (ext && strcasecmp(ext, ".png") == 0)
        *out = PX_CARRIER_PNG;
    else if (ext && strcasecmp(ext, ".svg") == 0)
        *out = PX_CARRIER_SVG;
    else
        return -1;
    return 0;
}

px_rc px_cli_write_file(const char *path, const px_buf *b, px_err *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return px_err_set(err, PX_EINVALID, "bad_request", "cannot create \"%s\"", path);
    size_t w = fwrite(b->data, 1, b->len, f);
    if (fclose(f) != 0 || w != b->len)
        return px_err_set(err, PX_EINTERNAL, "internal", "cannot write \"%s\"", path);
    return PX_OK;
}
