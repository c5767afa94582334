/* px_proc — the end of a child process: the one wait for its exit status, for the embedded
 * cluster's initdb and pg_ctl runs (store/embedded.c) and the tests' outside tools. */
#ifndef PX_PROC_H
#define PX_PROC_H

#include <sys/types.h>

/* Waits for child pid, through interruptions by signals: its exit status (0-255), or -1 when
 * it was killed by a signal or cannot be waited for. */
int px_wait_exit(pid_t pid);

#endif
