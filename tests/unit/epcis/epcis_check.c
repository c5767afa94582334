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

void ck_sticky_first_error(px_epcis_writer *w, const px_epcis_event *ok, const px_epcis_event *bad)
{
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_epcis_writer_event(w, ok), PX_OK);
    assert_int_equal(px_epcis_writer_event(w, bad), PX_EINVALID);
    assert_int_equal(px_epcis_writer_event(w, ok), PX_EINVALID);
    assert_int_equal(px_epcis_writer_count(w), 1);
    assert_int_equal(px_epcis_writer_finish(w, &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_event");
    assert_string_equal(err.field, "events[1]");
    px_epcis_writer_free(w);
}

void ck_sink_refusal(px_epcis_writer *w, const px_epcis_event *ok, int by_event)
{
    px_err err = PX_ERR_INIT;
    px_rc rc = PX_OK;
    for (int i = 0; i < 1000 && rc == PX_OK; i++)
        rc = px_epcis_writer_event(w, ok);
    if (by_event || rc != PX_OK)
        assert_int_equal(rc, PX_EUNAVAIL);
    assert_int_equal(px_epcis_writer_finish(w, &err), PX_EUNAVAIL);
    assert_string_equal(err.code, "epcis_sink");
    px_epcis_writer_free(w);
}

px_epcis_event ck_event(px_epcis_event_type type, px_epcis_action action, px_cbv_bizstep step,
                        px_cbv_disp disposition, int tz_min)
{
    px_epcis_event ev = {.type = type,
                         .action = action,
                         .biz_step = step,
                         .disposition = disposition,
                         .event_time_us = 1740819600LL * 1000000,
                         .tz_offset_min = tz_min};
    return ev;
}

int ck_validator_state(void **state, px_rc rc, px_epcis_validator *v, const px_err *err)
{
    if (rc != PX_OK) {
        fprintf(stderr, "%s\n", err->message);
        return -1;
    }
    *state = v;
    return 0;
}

int ck_validator_teardown(void **state)
{
    px_epcis_validator_free(*state);
    return 0;
}
