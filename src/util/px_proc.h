/* px_proc — processes: the one wait for a child's exit status (the embedded cluster's initdb
 * and pg_ctl runs, store/embedded.c, and the tests' outside tools) and the one reader of a
 * process's /proc line. */
#ifndef PX_PROC_H
#define PX_PROC_H

#include <sys/types.h>

/* Waits for child pid, through interruptions by signals: its exit status (0-255), or -1 when
 * it was killed by a signal or cannot be waited for. */
int px_wait_exit(pid_t pid);

/* The numeric fields 3 to n - 1 of /proc/<pid>/stat into v[3..n-1], numbered as proc(5)
 * numbers them (4 ppid, 14 utime, 22 starttime; a field that is not a number reads 0), v[0..2]
 * 0. 1 when the line holds them all; 0 when the process is gone or its line is shorter, with
 * v[k] 0 for every field it lacks. One parser for the embedded cluster's owner check and the
 * benches' CPU count: the command (field 2) may hold spaces and parentheses. */
int px_proc_stat(long pid, long long *v, int n);

#endif
