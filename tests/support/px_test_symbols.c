/* Reading printed symbols back with outside decoders (see px_test.h, px_test_decode). */
#include "px_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_proc.h"

int px_test_write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t n = fwrite(data, 1, len, fp);
    return fclose(fp) == 0 && n == len ? 0 : -1;
}

int px_test_run(const char *const argv[], const char *out_path)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (out_path && !freopen(out_path, "w", stdout))
            _exit(126);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return px_wait_exit(pid);
}

/* ZXingReader's report of png: the "Identifier:", "EC Level:" and "Bytes:" (hex) lines. */
static void zxing(const char *png, char id[8], char *got, size_t cap, size_t *n, char ec[4])
{
    char report[300];
    snprintf(report, sizeof(report), "%s.txt", png);
    const char *argv[] = {"ZXingReader", png, NULL};
    if (px_test_run(argv, report) != 0)
        fail_msg("ZXingReader failed on %s (scripts/setup.sh installs zxing-cpp-tools)", png);
    FILE *fp = fopen(report, "r");
    assert_non_null(fp);
    char line[8192];
    id[0] = ec[0] = '\0';
    while (fgets(line, sizeof(line), fp)) {
        if (strncmp(line, "Identifier:", 11) == 0) {
            sscanf(line + 11, " %7s", id);
        } else if (strncmp(line, "EC Level:", 9) == 0) {
            sscanf(line + 9, " %3s", ec);
        } else if (strncmp(line, "Bytes:", 6) == 0) {
            const char *p = line + 6;
            unsigned v;
            int used;
            while (*n + 1 < cap && sscanf(p, " %2x%n", &v, &used) == 1) {
                got[(*n)++] = (char)v;
                p += used;
            }
        }
    }
    got[*n] = '\0';
    fclose(fp);
}

void px_test_decode(const char *file, int svg, char id[8], char *got, size_t cap,
                    size_t *got_len, char ec[4])
{
    char png[300], ec_here[4];
    size_t n = 0;
    snprintf(png, sizeof(png), "%s", file);
    if (svg) {
        snprintf(png, sizeof(png), "%s-r.png", file);
        const char *argv[] = {"rsvg-convert", "-o", png, file, NULL};
        if (px_test_run(argv, NULL) != 0)
            fail_msg("rsvg-convert failed (scripts/setup.sh installs librsvg2-bin)");
    }
    zxing(png, id, got, cap, &n, ec ? ec : ec_here);
    if (got_len)
        *got_len = n;
}
