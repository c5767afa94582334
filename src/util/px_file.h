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

/* The numeric fields 3 to n - 1 of /proc/<pid>/stat into v[3..n-1], numbered as proc(5)
 * numbers them (4 ppid, 14 utime, 22 starttime; a field that is not a number reads 0), v[0..2]
 * 0. 1 when the line holds them all; 0 when the process is gone or its line is shorter, with
 * v[k] 0 for every field it lacks. One parser for the embedded cluster's owner check and the
 * benches' CPU count: the command (field 2) may hold spaces and parentheses. */
int px_proc_stat(long pid, long long *v, int n);

#endif
