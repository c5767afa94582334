/* Unit tests for util/px_proc's px_proc_stat: the fields of /proc/<pid>/stat by proc(5)'s
 * numbers, counted after the command however it is named, and nothing for a process that is
 * gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_proc.h"

/* This process's own line: its parent (field 4) and a start time (field 22) after boot. */
static void test_util__proc_stat_self(void)
{
    long long v[23];
    v[0] = -1;
    assert_int_equal(px_proc_stat((long)getpid(), v, 23), 1);
    assert_int_equal(v[0], 0);
    assert_int_equal(v[4], (long long)getppid());
    assert_true(v[22] > 0);
}

/* A command holding spaces and parentheses does not shift the fields. */
static void test_util__proc_stat_command_with_parens(void)
{
    char old[17] = {0};
    assert_int_equal(prctl(PR_GET_NAME, old, 0, 0, 0), 0);
    assert_int_equal(prctl(PR_SET_NAME, "a) b ) c", 0, 0, 0), 0);
    long long v[23];
    int ok = px_proc_stat((long)getpid(), v, 23);
    prctl(PR_SET_NAME, old, 0, 0, 0);
    assert_int_equal(ok, 1);
    assert_int_equal(v[4], (long long)getppid());
    assert_true(v[22] > 0);
}

/* A line shorter than asked for: 0, the fields it lacks 0. */
static void test_util__proc_stat_short_line(void)
{
    long long v[200];
    assert_int_equal(px_proc_stat((long)getpid(), v, 200), 0);
    assert_int_equal(v[4], (long long)getppid());
    assert_int_equal(v[199], 0);
}

/* No such process (beyond the kernel's largest pid): 0 and every field 0. */
static void test_util__proc_stat_gone(void)
{
    long long v[16];
    v[4] = 7;
    assert_int_equal(px_proc_stat(1L << 30, v, 16), 0);
    for (int k = 0; k < 16; k++)
        assert_int_equal(v[k], 0);
}
