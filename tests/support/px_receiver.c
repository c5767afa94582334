#include "px_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_test.h"

static int read_request(int c, px_received *out)
{
    char buf[1 << 16];
    size_t have = 0;
    char *hdr_end = NULL;
    while (!hdr_end) {
        if (have >= sizeof(buf) - 1)
            return -1;
        ssize_t k = recv(c, buf + have, sizeof(buf) - 1 - have, 0);
        if (k <= 0)
            return -1;
        have += (size_t)k;
        buf[have] = '\0';
        hdr_end = strstr(buf, "\r\n\r\n");
    }
    size_t hlen = (size_t)(hdr_end - buf) + 4;
    size_t clen = 0;
    memset(out, 0, sizeof(*out));
    for (char *line = strstr(buf, "\r\n") + 2; line < hdr_end;) {
        char *eol = strstr(line, "\r\n");
        *eol = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            if (strcasecmp(line, "Content-Length") == 0)
                clen = (size_t)strtoul(v, NULL, 10);
            else if (strcasecmp(line, "Authorization") == 0)
                snprintf(out->auth, sizeof(out->auth), "%s", v);
            else if (strcasecmp(line, "X-Packid-Signature") == 0)
                snprintf(out->signature, sizeof(out->signature), "%s", v);
            else if (strcasecmp(line, "X-Packid-Document-Id") == 0)
                snprintf(out->doc_id, sizeof(out->doc_id), "%s", v);
            else if (strcasecmp(line, "Content-Type") == 0)
                snprintf(out->content_type, sizeof(out->content_type), "%s", v);
        }
        line = eol + 2;
    }
    out->body = malloc(clen + 1);
    size_t got = have - hlen < clen ? have - hlen : clen;
    memcpy(out->body, buf + hlen, got);
    while (got < clen) {
        ssize_t k = recv(c, out->body + got, clen - got, 0);
        if (k <= 0) {
            free(out->body);
            out->body = NULL;
            return -1;
        }
        got += (size_t)k;
    }
    out->body[clen] = '\0';
    out->len = clen;
    return 0;
}

static void *receiver_main(void *arg)
{
    px_receiver *rv = arg;
    for (;;) {
        pthread_mutex_lock(&rv->mu);
        int stop = rv->stop;
        pthread_mutex_unlock(&rv->mu);
        if (stop)
            break;
        struct pollfd p = {rv->fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(rv->fd, NULL, NULL);
        if (c < 0)
            continue;
        px_received r;
        if (read_request(c, &r) != 0) {
            close(c);
            continue;
        }
        pthread_mutex_lock(&rv->mu);
        int idx = rv->n < PX_RECEIVER_MAX_REQ ? rv->n : PX_RECEIVER_MAX_REQ - 1;
        if (rv->n < PX_RECEIVER_MAX_REQ)
            rv->n++;
        else
            free(rv->req[idx].body);
        rv->req[idx] = r;
        int n = rv->n;
        int status = n <= rv->fail_first ? 500 : 200;
        if (rv->hang_at == n) {
            /* Hold the request: the test kills packid now, between send and mark-sent, or
             * plays another sender meanwhile. */
            rv->hung = 1;
            pthread_cond_broadcast(&rv->cv);
            int gen = rv->generation;
            while (!rv->release_hang && !rv->stop && gen == rv->generation)
                pthread_cond_wait(&rv->cv, &rv->mu);
            if (!rv->release_answers) {
                pthread_mutex_unlock(&rv->mu);
                close(c);
                continue;
            }
            status = 200; /* a late answer: the test let it go with one */
        }
        pthread_cond_broadcast(&rv->cv);
        pthread_mutex_unlock(&rv->mu);
        char resp[160];
        int k = snprintf(resp, sizeof(resp),
                         "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status,
                         status == 200 ? "OK" : "Internal Server Error");
        ssize_t w = send(c, resp, (size_t)k, MSG_NOSIGNAL);
        (void)w;
        close(c);
    }
    return NULL;
}

void px_receiver_start(px_receiver *rv)
{
    memset(rv, 0, sizeof(*rv));
    pthread_mutex_init(&rv->mu, NULL);
    pthread_cond_init(&rv->cv, NULL);
    rv->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(rv->fd >= 0);
    int one = 1;
    setsockopt(rv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(rv->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(rv->fd, 16), 0);
    socklen_t al = sizeof(a);
    getsockname(rv->fd, (struct sockaddr *)&a, &al);
    rv->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&rv->th, NULL, receiver_main, rv), 0);
}

void px_receiver_reset(px_receiver *rv, int fail_first, int hang_at)
{
    pthread_mutex_lock(&rv->mu);
    for (int i = 0; i < rv->n; i++)
        free(rv->req[i].body);
    memset(rv->req, 0, sizeof(rv->req));
    rv->n = 0;
    rv->fail_first = fail_first;
    rv->hang_at = hang_at;
    rv->hung = 0;
    rv->release_hang = 0;
    rv->release_answers = 0;
    /* A request still held (a test that failed before letting it go) is let go unanswered:
     * the next test, or the server's stop, must not wait on its sender's timeout. */
    rv->generation++;
    pthread_cond_broadcast(&rv->cv);
    pthread_mutex_unlock(&rv->mu);
}

void px_receiver_stop(px_receiver *rv)
{
    pthread_mutex_lock(&rv->mu);
    rv->stop = 1;
    pthread_cond_broadcast(&rv->cv);
    pthread_mutex_unlock(&rv->mu);
    pthread_join(rv->th, NULL);
    close(rv->fd);
    px_receiver_reset(rv, 0, 0);
}

int px_receiver_count(px_receiver *rv)
{
    pthread_mutex_lock(&rv->mu);
    int n = rv->n;
    pthread_mutex_unlock(&rv->mu);
    return n;
}

void px_receiver_allow(px_test_env *env, int port, int port2)
{
    char allow[96];
    int n = snprintf(allow, sizeof(allow), "PACKID_OUTBOUND_ALLOW=127.0.0.1:%d", port);
    if (port2)
        snprintf(allow + n, sizeof(allow) - (size_t)n, ",127.0.0.1:%d", port2);
    px_test_setenv(env, allow);
}

/* What every receiver fixture begins with (px_receiver.h). */
typedef struct receiver_head {
    px_test_env env;
    px_receiver rv;
} receiver_head;

void *px_receiver_fixture_new(size_t size)
{
    receiver_head *f = px_test_fixture_new(size);
    px_receiver_start(&f->rv);
    return f;
}

int px_receiver_fixture_teardown(void **state)
{
    receiver_head *f = *state;
    if (!f)
        return 0;
    px_receiver_reset(&f->rv, 0, 0); /* a held request let go before the server stops */
    px_test_teardown(&f->env);
    px_receiver_stop(&f->rv);
    free(f);
    return 0;
}

void px_receiver_expect_unsent(px_test_env *env, px_receiver *rv, const char *key, const char *id,
                               const char *const *needles)
{
    json_t *j = px_test_wait_report(env, key, id, "failed", 100);
    const char *why = json_string_value(json_object_get(j, "last_error"));
    assert_non_null(why);
    for (const char *const *n = needles; *n; n++)
        assert_non_null(strstr(why, *n));
    assert_int_equal(px_test_int(j, "attempts"), 0);
    json_decref(j);
    px_sleep_ms(300);
    assert_int_equal(px_receiver_count(rv), 0);
}

int px_receiver_black_hole(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t n = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
    *port = ntohs(a.sin_port);
    return fd;
}
