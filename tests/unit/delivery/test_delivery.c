/* delivery: endpoint URL and header checks, the body signature, the retry schedule, and a
 * POST that finds nobody listening. The full delivery over HTTP is in
 * tests/integration/test_reports.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "delivery.h"
#include "outbound.h"
#include "px_array.h"

static void test_delivery__url_check(void)
{
    static const struct {
        const char *url;
        int ok;
        int line;
    } v[] = {
        {"https://repository.example.eu/epcis/capture", 1, __LINE__},
        {"https://203.0.113.7:8443/in?x=1", 1, __LINE__},
        {"http://127.0.0.1:8080/in", 1, __LINE__}, /* loopback: a local relay, tests */
        {"http://127.3.4.5/in", 1, __LINE__},
        {"http://localhost/in", 1, __LINE__},
        {"http://[::1]:9000/in", 1, __LINE__},
        {"http://example.org/in", 0, __LINE__}, /* plain http off the machine */
        {"http://127.0.0.1.example.org/in", 0, __LINE__},
        {"http://1270.0.0.1/in", 0, __LINE__},
        {"ftp://127.0.0.1/in", 0, __LINE__},
        {"file:///etc/passwd", 0, __LINE__},
        {"https://user:pw@example.org/in", 0, __LINE__}, /* credentials belong in auth_header */
        {"https://exa mple.org/in", 0, __LINE__},
        {"https://example.org/in\r\nX: y", 0, __LINE__},
        {"example.org/in", 0, __LINE__},
        {"https:///x", 0, __LINE__}, /* no host: libcurl would read x as one */
        {"https:/x", 0, __LINE__},
        {"https://", 0, __LINE__},
        {"HTTPS://example.org/in", 1, __LINE__}, /* the scheme in any case (RFC 3986 §3.1) */
        /* a host name DNS cannot hold (RFC 1123 §2.1) is refused when saved */
        {"https://example..com/in", 0, __LINE__},
        {"https://.example.com/in", 0, __LINE__},
        {"https://-x.example.com/in", 0, __LINE__},
        {"https://x-.example.com/in", 0, __LINE__},
        {"https://x!y.example.com/in", 0, __LINE__},
        {"https://a234567890123456789012345678901234567890123456789012345678901234.example/", 0,
         __LINE__}, /* a label of 64 */
        {"https://a23456789012345678901234567890123456789012345678901234567890123.example/", 1,
         __LINE__},                               /* 63 */
        {"https://example.com./in", 1, __LINE__}, /* the root's dot */
        {"https://x-y.example.com/in", 1, __LINE__},
        {"https://_dmarc.example.com/in", 1, __LINE__},
        {"https://[2001:db8::1]:8443/in", 1, __LINE__},
        {"", 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_err err = PX_ERR_INIT;
        px_rc rc = px_delivery_url_check(v[i].url, &err);
        if ((rc == PX_OK) != v[i].ok)
            fail_msg("%s:%d: %s: got %d (%s)", __FILE__, v[i].line, v[i].url, rc, err.message);
        if (!v[i].ok)
            assert_string_equal(err.code, "invalid_url");
    }
    char long_url[PX_DELIVERY_URL_MAX + 32];
    memset(long_url, 'a', sizeof(long_url) - 1);
    memcpy(long_url, "https://", 8);
    long_url[sizeof(long_url) - 1] = '\0';
    px_err err;
    assert_int_equal(px_delivery_url_check(long_url, &err), PX_EINVALID);
}

static void test_delivery__header_check(void)
{
    static const char *const ok[] = {"Bearer abc.DEF-123_~+/=", "Basic dXNlcjpwYXNz"};
    /* Empty; blank, or with a space at an end: stored, it would be shown as set and never
     * sent; a line break; not ASCII. */
    static const char *const refused[] = {
        "", " ", "   ", " Bearer abc", "Bearer abc ", "Bearer x\r\nX-Evil: 1", "Bearer \xc3\xa9"};
    px_err err;
    for (size_t i = 0; i < PX_COUNT(ok); i++)
        if (px_delivery_header_check(ok[i], &err) != PX_OK)
            fail_msg("\"%s\" refused: %s", ok[i], err.message);
    for (size_t i = 0; i < PX_COUNT(refused); i++)
        if (px_delivery_header_check(refused[i], &err) != PX_EINVALID)
            fail_msg("refused[%zu] not refused as invalid", i);
    assert_string_equal(err.code, "invalid_header"); /* the last one's */
}

/* A signing secret: 16 to 1024 characters, none a control character; the refusal names the
 * field it came in. */
static void test_delivery__secret_check(void)
{
    px_err err;
    char secret[PX_DELIVERY_SECRET_MAX + 2];
    memset(secret, 'k', sizeof(secret) - 1);
    secret[sizeof(secret) - 1] = '\0';
    assert_int_equal(px_delivery_secret_check(secret, "secret", &err), PX_EINVALID); /* 1025 */
    secret[PX_DELIVERY_SECRET_MAX] = '\0';
    assert_int_equal(px_delivery_secret_check(secret, "secret", &err), PX_OK); /* 1024 */
    secret[PX_DELIVERY_SECRET_MIN] = '\0';
    assert_int_equal(px_delivery_secret_check(secret, "secret", &err), PX_OK); /* 16 */
    secret[PX_DELIVERY_SECRET_MIN - 1] = '\0';
    assert_int_equal(px_delivery_secret_check(secret, "hmac_secret", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "hmac_secret");
    assert_string_equal(err.message,
                        "hmac_secret must be 16 to 1024 bytes of text without control characters");
    assert_int_equal(px_delivery_secret_check("sixteen-chars-\x01"
                                              "x",
                                              "secret", &err),
                     PX_EINVALID);
    assert_int_equal(px_delivery_secret_check("s\xc3\xa9"
                                              "cret-with-accent",
                                              "secret", &err),
                     PX_OK);
    assert_int_equal(px_delivery_secret_check(NULL, "secret", &err), PX_EINVALID);
}

static void test_delivery__signature(void)
{
    /* HMAC-SHA256 reference value (key "key", the pangram; Wikipedia "HMAC" examples). */
    char sig[PX_DELIVERY_SIGNATURE_LEN];
    const char *msg = "The quick brown fox jumps over the lazy dog";
    px_delivery_sign(sig, "key", msg, strlen(msg));
    assert_string_equal(sig,
                        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

static void test_delivery__backoff(void)
{
    /* rnd 0: the fixed half; rnd max: the whole delay. base 1000, cap 60000. */
    static const struct {
        int n;
        long lo, hi;
    } v[] = {{1, 500, 1000},    {2, 1000, 2000},   {3, 2000, 4000},
             {6, 16000, 32000}, {7, 30000, 60000}, {30, 30000, 60000}};
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        assert_int_equal(px_delivery_backoff_ms(v[i].n, 1000, 60000, 0), v[i].lo);
        long top = px_delivery_backoff_ms(v[i].n, 1000, 60000, (unsigned)(v[i].hi - v[i].lo));
        assert_int_equal(top, v[i].hi);
        for (unsigned r = 0; r < 2000; r += 97) {
            long d = px_delivery_backoff_ms(v[i].n, 1000, 60000, r * 7919u);
            assert_true(d >= v[i].lo && d <= v[i].hi);
        }
    }
}

static void test_delivery__nobody_listening(void)
{
    const char body[] = "<x/>";
    px_delivery_request rq = {.url = "http://127.0.0.1:1/in", .auth_header = "Bearer t",
                              .hmac_secret = "0123456789abcdef", .body = body,
                              .len = sizeof(body) - 1, .timeout_ms = 2000};
    px_delivery_result res;
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_delivery_post(&rq, &res, &err), PX_OK);
    assert_int_equal(res.http_status, 0);
    /* classified, in packid's words only: nothing of libcurl's "Connection refused" or
     * the port reaches the API (REQ-EDGE-1) */
    assert_string_equal(res.code, "connect_failed");
    assert_string_equal(res.error, "could not connect to the receiver");
    assert_true(res.detail[0] != '\0');
    /* a URL the check refuses is not even tried */
    rq.url = "http://example.org/in";
    assert_int_equal(px_delivery_post(&rq, &res, &err), PX_EINVALID);
}

/* A receiver that takes the connection and closes it without a word: connected, so not
 * connect_failed (which would send an operator to the network) but no_answer. */
static void *close_at_once(void *arg)
{
    int fd = accept(*(int *)arg, NULL, NULL);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void test_delivery__closed_without_answer(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(ls >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(ls, 1), 0);
    assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, close_at_once, &ls), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/in", ntohs(a.sin_port));
    const char body[] = "<x/>";
    px_delivery_request rq = {
        .url = url, .body = body, .len = sizeof(body) - 1, .timeout_ms = 5000};
    px_delivery_result res;
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_delivery_post(&rq, &res, &err), PX_OK);
    pthread_join(t, NULL);
    close(ls);
    assert_int_equal(res.http_status, 0);
    assert_string_equal(res.code, "no_answer");
    assert_string_equal(res.error,
                        "the receiver closed the connection without a whole HTTP answer");
}

/* Loopback is internal: the URL vectors above need it allowed (test_outbound.c tests the guard
 * itself). */
static int allow_loopback(void **state)
{
    (void)state;
    return px_outbound_configure("127.0.0.0/8, ::1, localhost", NULL) == PX_OK ? 0 : -1;
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP allow_loopback
