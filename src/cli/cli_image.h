/* What the commands that write an image file share (cli_image.c): datamatrix, label. */
#ifndef PX_CLI_IMAGE_H
#define PX_CLI_IMAGE_H

#include "carrier.h"
#include "px_buf.h"
#include "px_err.h"

/* The format a file name asks for by its extension (.png or .svg, any case): 0, or -1 for any
 * other name. */
int px_cli_image_format(const char *path, px_carrier_format *out);
/* Writes b to path: "bad_request" when the file cannot be created or written. */
px_rc px_cli_write_file(const char *path, const px_buf *b, px_err *err);

#endif
