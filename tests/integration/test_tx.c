/* The transaction helper's log lines (service/tx.h px_tx_log) on a real PostgreSQL: a line
 * a body logs is written once its transaction commits, and never for an attempt rolled back,
 * run again after a conflict, or a savepoint rolled back to — so a job's "failed" line means
 * the job failed. Its stderr is read back from a file for the length of each case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_test.h"
#include "tx.h"

typedef struct {
    px_test_env env;
    px_db *db;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    px_test_db_create(&f->env);
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_db_connect(&f->db, f->env.conninfo, &err), PX_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    px_db_close(f->db);
    px_test_db_drop(&f->env);
    free(f);
    return 0;
}

/* stderr into a file while a case runs. */
typedef struct {
    char path[64];
    int saved;
} capture;

static void capture_start(capture *c)
{
    snprintf(c->path, sizeof(c->path), "/tmp/packid-tx-log-XXXXXX");
    int fd = mkstemp(c->path);
    assert_true(fd >= 0);
    fflush(stderr);
    c->saved = dup(2);
    assert_true(c->saved >= 0 && dup2(fd, 2) == 2);
    close(fd);
}

/* What was written since capture_start (the file's first cap - 1 bytes). */
static void capture_read(const capture *c, char *out, size_t cap)
{
    fflush(stderr);
    px_test_read(c->path, 0, out, cap);
}

static void capture_end(capture *c, char *out, size_t cap)
{
    capture_read(c, out, cap);
    dup2(c->saved, 2);
    close(c->saved);
    unlink(c->path);
}

static int count_of(const char *text, const char *word)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, word)); p += strlen(word))
        n++;
    return n;
}

typedef struct {
    capture *cap;
    const char *word; /* the line the body logs */
    int fail; /* 1: the body fails after logging; 2: only its first attempt conflicts; 3: the
               * body discards its work (an idempotent replay) */
    int attempts;
    int seen_inside;                    /* lines written while the body ran (must stay 0) */
    const char *nested_ok, *nested_bad; /* bodies run as savepoints first, when set */
    const char *deep;                   /* a savepoint in a savepoint that then fails */
    int inner_rc;
} case_ctx;

static px_rc leaf_body(px_tx *tx, void *vc, px_err *err)
{
    const char *word = vc;
    px_tx_log(tx, PX_LOG_ERROR, "%s", word);
    if (strstr(word, "bad"))
        return px_err_set(err, PX_EINVALID, "invalid_value", "refused");
    return px_db_exec(px_tx_db(tx), "SELECT 1", err);
}

/* A savepoint whose own savepoint (leaf_body, logging word) is released, then which fails. */
static px_rc middle_body(px_tx *tx, void *vc, px_err *err)
{
    px_err inner;
    if (px_tx_run(px_tx_db(tx), NULL, leaf_body, vc, &inner) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "leaf: %s", inner.message);
    return px_err_set(err, PX_EINVALID, "invalid_value", "the middle refuses");
}

static px_rc case_body(px_tx *tx, void *vc, px_err *err)
{
    case_ctx *c = vc;
    c->attempts++;
    px_err inner;
    if (c->deep)
        c->inner_rc = px_tx_run(px_tx_db(tx), NULL, middle_body, (void *)c->deep, &inner);
    if (c->nested_bad)
        c->inner_rc = px_tx_run(px_tx_db(tx), NULL, leaf_body, (void *)c->nested_bad, &inner);
    if (c->nested_ok &&
        px_tx_run(px_tx_db(tx), NULL, leaf_body, (void *)c->nested_ok, &inner) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "nested: %s", inner.message);
    px_tx_log(tx, PX_LOG_ERROR, "%s", c->word);
    char text[4096];
    capture_read(c->cap, text, sizeof(text));
    c->seen_inside += text[0] != '\0';
    if (c->fail == 1)
        return px_err_set(err, PX_EINVALID, "invalid_value", "refused");
    if (c->fail == 2 && c->attempts == 1)
        return px_err_set(err, PX_ECONFLICT, "conflict", "a deadlock, say");
    if (c->fail == 3)
        px_tx_discard(tx);
    return PX_OK;
}

static void run_case(fixture *f, case_ctx *c, px_rc want, char *text, size_t cap)
{
    capture k;
    capture_start(&k);
    c->cap = &k;
    px_err err;
    px_rc rc = px_tx_run(f->db, NULL, case_body, c, &err);
    capture_end(&k, text, cap);
    assert_int_equal(rc, want);
    assert_int_equal(c->seen_inside, 0); /* nothing before COMMIT */
}

static void test_tx__log_after_commit(void **state)
{
    fixture *f = *state;
    char text[4096];
    case_ctx ok = {.word = "line-committed"};
    run_case(f, &ok, PX_OK, text, sizeof(text));
    assert_int_equal(count_of(text, "line-committed"), 1);
    assert_non_null(strstr(text, "\"level\":\"error\""));

    case_ctx bad = {.word = "line-rolled-back", .fail = 1};
    run_case(f, &bad, PX_EINVALID, text, sizeof(text));
    assert_int_equal(count_of(text, "line-rolled-back"), 0);

    /* A conflict reruns the body: its line is written once, for the attempt that committed. */
    case_ctx rerun = {.word = "line-rerun", .fail = 2};
    run_case(f, &rerun, PX_OK, text, sizeof(text));
    assert_int_equal(rerun.attempts, 2);
    assert_int_equal(count_of(text, "line-rerun"), 1);

    /* A discarded body's work is rolled back: its line too. */
    case_ctx discarded = {.word = "line-discarded", .fail = 3};
    run_case(f, &discarded, PX_OK, text, sizeof(text));
    assert_int_equal(count_of(text, "line-discarded"), 0);
}

static void test_tx__savepoint_lines(void **state)
{
    fixture *f = *state;
    char text[4096];
    /* A savepoint rolled back drops its line; one released hands it to the outer COMMIT,
     * in order. */
    case_ctx c = {.word = "outer-line", .nested_ok = "inner-kept", .nested_bad = "inner-bad"};
    run_case(f, &c, PX_OK, text, sizeof(text));
    assert_int_equal(c.inner_rc, PX_EINVALID);
    assert_int_equal(count_of(text, "inner-bad"), 0);
    assert_int_equal(count_of(text, "inner-kept"), 1);
    assert_int_equal(count_of(text, "outer-line"), 1);
    assert_true(strstr(text, "inner-kept") < strstr(text, "outer-line"));

    /* The outer transaction rolled back: its savepoints' lines go with it. */
    case_ctx d = {.word = "outer-refused", .nested_ok = "inner-orphan", .fail = 1};
    run_case(f, &d, PX_EINVALID, text, sizeof(text));
    assert_int_equal(count_of(text, "inner-orphan"), 0);
    assert_int_equal(count_of(text, "outer-refused"), 0);

    /* A savepoint released into one that is then rolled back to: gone with it. */
    case_ctx e = {.word = "outer-kept", .deep = "deep-dropped"};
    run_case(f, &e, PX_OK, text, sizeof(text));
    assert_int_equal(e.inner_rc, PX_EINVALID);
    assert_int_equal(count_of(text, "deep-dropped"), 0);
    assert_int_equal(count_of(text, "outer-kept"), 1);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
