/* px_file — reading a whole (bounded) file, for the few places that load data the pure layers
 * then scan (e.g. GS1's GCP prefix format list for gs1_gcp_length_lookup); and a process's
 * numbers from /proc. */
#ifndef PX_FILE_H
#define PX_FILE_H

#include <stddef.h>

#include "px_err.h"

/* Reads path into a new NUL-terminated buffer (*buf, free() it) of *len bytes.
 * PX_ENOTFOUND when it cannot be opened, PX_ETOOBIG when larger than max bytes. */
px_rc px_file_read(const char *path, size_t max, char **buf, size_t *len, px_err *err);

#endif
