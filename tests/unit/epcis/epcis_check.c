#include "epcis_check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

void ck_keep(char path[64], const px_buf *doc, const char *suffix)
{
    snprintf(path, 64, "/tmp/packid-epcis-XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, doc->data, doc->len), (ssize_t)doc->len);
    close(fd);
}

int ck_run_oracle(const char *tool_and_args, char paths[][64], size_t n, int quiet)
{
    px_buf cmd;
    px_buf_init(&cmd, 1 << 16);
    assert_int_equal(px_buf_puts(&cmd, tool_and_args), PX_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(px_buf_printf(&cmd, " '%s'", paths[i]), PX_OK);
    assert_int_equal(px_buf_puts(&cmd, quiet ? " >/dev/null" : " 1>&2"), PX_OK);
    int rc = system(cmd.data);
    px_buf_dispose(&cmd);
    return rc == 0;
}

int ck_xsd_valid(const px_buf *doc)
{
    char path[1][64];
    ck_keep(path[0], doc, "");
    int ok = ck_run_oracle("'" CK_XSD_VALIDATE "'", path, 1, 1);
    unlink(path[0]);
    return ok;
}
