#include "px_proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

int px_wait_exit(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int px_proc_stat(long pid, long long *v, int n)
{
    char path[64], line[1024];
    for (int k = 0; k < n; k++)
        v[k] = 0;
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t len = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[len] = '\0';
    /* Fields are counted from the command's last ')', the end of field 2; one space apart. */
    const char *p = strrchr(line, ')');
    for (int k = 3; p && k < n; k++)
        if ((p = strchr(p, ' ')) != NULL)
            v[k] = strtoll(++p, NULL, 10);
    return p != NULL;
}
