/* Unit tests for util/px_proc: a child's exit status, -1 for one a signal ended and for a pid
 * that is no child. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_proc.h"

static pid_t child_exiting(int code)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(code);
    return pid;
}

static void test_util_proc__exit_status(void **state)
{
    (void)state;
    assert_int_equal(px_wait_exit(child_exiting(0)), 0);
    assert_int_equal(px_wait_exit(child_exiting(3)), 3);
    assert_int_equal(px_wait_exit(child_exiting(255)), 255);
}

static void test_util_proc__killed_or_no_child(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(px_wait_exit(pid), -1);
    /* waited for already: no child of this process any more */
    assert_int_equal(px_wait_exit(pid), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_proc__exit_status),
        cmocka_unit_test(test_util_proc__killed_or_no_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
