/* outbound: the allow-list parser, the address classes, the endpoint-creation check with
 * literal addresses in every spelling libcurl accepts and a name that resolves to loopback,
 * and the connect-time check proven on real listening sockets (a refused address is never
 * connected to). REQ-EDGE-1. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
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

/* Two listeners on 127.0.0.1: `allowed` is named in the process's list (configured by the group
 * set-up, before the process's list is first read), `other` is not. */
static int allowed_fd = -1, other_fd = -1;
static int allowed_port, other_port;

static int listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 8) != 0)
        return -1;
    socklen_t n = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &n);
    *port = ntohs(a.sin_port);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* 1 when a connection is waiting on fd (accepted and closed). */
static int took_connection(int fd)
{
    int c = accept(fd, NULL, NULL);
    if (c < 0)
        return 0;
    close(c);
    return 1;
}

static void test_outbound__allow_parse(void)
{
    static const struct {
        const char *list;
        int ok;
        int n;
        int line;
    } v[] = {
        {"", 1, 0, __LINE__},
        {" , ,", 1, 0, __LINE__},
        {"127.0.0.1:8080", 1, 1, __LINE__},
        {"127.0.0.1", 1, 1, __LINE__},
        {"10.0.0.0/8, relay.internal:8443 ,localhost", 1, 3, __LINE__},
        {"[::1]:9000,::1,fc00::/7,[fd00::1]", 1, 4, __LINE__},
        {"Relay-1.Example.ORG", 1, 1, __LINE__},
        {"127.0.0.1:0", 0, 0, __LINE__},        /* port 1..65535 */
        {"127.0.0.1:65536", 0, 0, __LINE__},
        {"127.0.0.1:", 0, 0, __LINE__},
        {"10.0.0.0/33", 0, 0, __LINE__},
        {"10.0.0.0/8:80", 0, 0, __LINE__},      /* a network has no port */
        {"999.1.1.1", 0, 0, __LINE__},          /* looks like an address, is not one */
        {"1.2.3", 0, 0, __LINE__},
        {"fc00::/129", 0, 0, __LINE__},
        {"[::1", 0, 0, __LINE__},
        {"[127.0.0.1]", 0, 0, __LINE__},        /* brackets hold IPv6 only */
        {"[::1]x", 0, 0, __LINE__},
        {"host name", 0, 0, __LINE__},
        {"http://host", 0, 0, __LINE__},
        {"h_st", 0, 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_outbound_allow a;
        px_err err = PX_ERR_INIT;
        px_rc rc = px_outbound_allow_parse(&a, v[i].list, &err);
        if ((rc == PX_OK) != v[i].ok || (rc == PX_OK && a.n != v[i].n))
            fail_msg("%s:%d: \"%s\": rc %d n %d (%s)", __FILE__, v[i].line, v[i].list, rc, a.n,
                     err.message);
        if (!v[i].ok)
            assert_string_equal(err.code, "bad_config");
    }
    px_outbound_allow a;
    px_err err;
    assert_int_equal(px_outbound_allow_parse(&a, "Relay.Example.org:8443, 10.1.0.0/16", &err),
                     PX_OK);
    assert_string_equal(a.rule[0].host, "relay.example.org");
    assert_int_equal(a.rule[0].port, 8443);
    assert_int_equal(a.rule[1].family, AF_INET);
    assert_int_equal(a.rule[1].prefix, 16);
    assert_int_equal(a.rule[1].port, 0);
    /* more entries than the list holds */
    char many[PX_OUTBOUND_RULES_MAX * 16 + 16] = "";
    for (int i = 0; i <= PX_OUTBOUND_RULES_MAX; i++) {
        char e[16];
        snprintf(e, sizeof(e), "10.0.0.%d,", i);
        strcat(many, e);
    }
    assert_int_equal(px_outbound_allow_parse(&a, many, &err), PX_EINVALID);
}

static void sa_of(struct sockaddr_storage *ss, const char *ip, int port)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
    } else {
        assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
    }
}

static void test_outbound__check_addr(void)
{
    px_outbound_allow allow;
    px_err err;
    assert_int_equal(px_outbound_allow_parse(&allow,
                                             "127.0.0.1:8080, 10.20.0.0/16, relay.internal, "
                                             "[fd00::7]:443",
                                             &err),
                     PX_OK);
    static const struct {
        const char *host; /* the URL's host */
        const char *ip;
        int port;
        const char *kind; /* NULL: public */
        int ok;
        int line;
    } v[] = {
        {"203.0.113.7", "203.0.113.7", 443, NULL, 1, __LINE__},
        {"2001:db8::1", "2001:db8::1", 443, NULL, 1, __LINE__},
        {"x", "127.0.0.1", 443, "loopback", 0, __LINE__},
        {"x", "127.0.0.1", 8080, "loopback", 1, __LINE__},    /* allowed host:port */
        {"x", "127.0.0.2", 8080, "loopback", 0, __LINE__},
        {"x", "127.255.255.254", 80, "loopback", 0, __LINE__},
        {"x", "10.0.0.1", 443, "private", 0, __LINE__},
        {"x", "10.20.3.4", 443, "private", 1, __LINE__},      /* allowed network */
        {"x", "172.16.0.1", 443, "private", 0, __LINE__},
        {"x", "172.31.255.255", 443, "private", 0, __LINE__},
        {"x", "172.32.0.1", 443, NULL, 1, __LINE__},
        {"x", "192.168.1.1", 443, "private", 0, __LINE__},
        {"x", "169.254.169.254", 80, "link-local", 0, __LINE__}, /* cloud metadata */
        {"x", "100.100.100.200", 80, "shared", 0, __LINE__},     /* metadata behind CGNAT */
        {"x", "192.0.0.192", 80, "reserved", 0, __LINE__},
        {"x", "0.0.0.0", 443, "unspecified", 0, __LINE__},
        {"x", "224.0.0.1", 443, "multicast", 0, __LINE__},
        {"x", "255.255.255.255", 443, "reserved", 0, __LINE__},
        {"x", "::1", 443, "loopback", 0, __LINE__},
        {"x", "::", 443, "unspecified", 0, __LINE__},
        {"x", "fc00::1", 443, "unique-local", 0, __LINE__},
        {"x", "fd00:ec2::254", 80, "unique-local", 0, __LINE__}, /* cloud metadata, IPv6 */
        {"x", "fd00::7", 443, "unique-local", 1, __LINE__},
        {"x", "fd00::7", 444, "unique-local", 0, __LINE__},
        {"x", "fe80::1", 443, "link-local", 0, __LINE__},
        {"x", "ff02::1", 443, "multicast", 0, __LINE__},
        {"x", "::ffff:127.0.0.1", 443, "loopback", 0, __LINE__}, /* IPv4-mapped */
        {"x", "::ffff:127.0.0.1", 8080, "loopback", 1, __LINE__}, /* judged as 127.0.0.1 */
        {"x", "::ffff:169.254.169.254", 80, "link-local", 0, __LINE__},
        {"x", "::ffff:203.0.113.7", 443, NULL, 1, __LINE__},
        {"x", "64:ff9b::a00:1", 443, "private", 0, __LINE__},     /* NAT64 of 10.0.0.1 */
        {"x", "2002:7f00:1::", 443, "loopback", 0, __LINE__},     /* 6to4 of 127.0.0.1 */
        {"x", "::7f00:1", 443, "reserved", 0, __LINE__},          /* IPv4-compatible */
        {"x", "::ffff:0:7f00:1", 443, "reserved", 0, __LINE__},   /* SIIT of 127.0.0.1 */
        {"x", "64:ff9b:1::a9fe:a9fe", 80, "reserved", 0, __LINE__}, /* local-use NAT64 */
        {"x", "100::1", 443, "reserved", 0, __LINE__},            /* discard-only */
        {"relay.internal", "10.9.9.9", 443, "private", 1, __LINE__}, /* allowed by name */
        {"RELAY.internal", "192.168.0.9", 80, "private", 1, __LINE__},
        {"other.internal", "10.9.9.9", 443, "private", 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        struct sockaddr_storage ss;
        sa_of(&ss, v[i].ip, v[i].port);
        const char *kind = px_outbound_internal((struct sockaddr *)&ss);
        px_err_clear(&err);
        px_rc rc = px_outbound_check_addr(&allow, v[i].host, (struct sockaddr *)&ss, &err);
        if ((kind == NULL) != (v[i].kind == NULL) || (kind && strcmp(kind, v[i].kind) != 0) ||
            (rc == PX_OK) != v[i].ok)
            fail_msg("%s:%d: %s port %d: kind %s rc %d", __FILE__, v[i].line, v[i].ip,
                     v[i].port, kind ? kind : "public", rc);
        if (!v[i].ok)
            assert_string_equal(err.code, "refused_address");
    }
}

/* The endpoint-creation check with the process's list ("127.0.0.1:<allowed_port>"). */
static void test_outbound__check_url(void)
{
    char ok_url[64], other_url[64], name_url[64];
    snprintf(ok_url, sizeof(ok_url), "http://127.0.0.1:%d/in", allowed_port);
    snprintf(other_url, sizeof(other_url), "http://127.0.0.1:%d/in", other_port);
    snprintf(name_url, sizeof(name_url), "http://localhost:%d/in", other_port);
    const struct {
        const char *url;
        int ok;
        int line;
    } v[] = {
        {"https://203.0.113.7:8443/in", 1, __LINE__},
        {ok_url, 1, __LINE__},
        {other_url, 0, __LINE__},
        {name_url, 0, __LINE__},                      /* a name that resolves to loopback */
        {"https://localhost/in", 0, __LINE__},
        {"https://127.0.0.1/in", 0, __LINE__},
        {"https://10.1.2.3/in", 0, __LINE__},
        {"https://169.254.169.254/latest/meta-data/", 0, __LINE__},
        {"https://[::1]/in", 0, __LINE__},
        {"http://[::1]:9000/in", 0, __LINE__},
        {"https://[fc00::1]/in", 0, __LINE__},
        {"https://[fd00:ec2::254]/in", 0, __LINE__},
        {"https://0.0.0.0/in", 0, __LINE__},
        {"https://[::ffff:127.0.0.1]/in", 0, __LINE__},
        {"https://[::ffff:a9fe:a9fe]/in", 0, __LINE__}, /* 169.254.169.254, mapped, in hex */
        {"https://2130706433/in", 0, __LINE__},       /* 127.0.0.1 as one decimal number */
        {"https://0177.0.0.1/in", 0, __LINE__},       /* octal */
        {"https://0x7f.1/in", 0, __LINE__},           /* hex, short form */
        {"https://0xa9fea9fe/in", 0, __LINE__},       /* 169.254.169.254 as one hex number */
        {"https://017700000001/in", 0, __LINE__},     /* 127.0.0.1 as one octal number */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_err err = PX_ERR_INIT;
        px_rc rc = px_outbound_check_url(v[i].url, &err);
        if ((rc == PX_OK) != v[i].ok)
            fail_msg("%s:%d: %s: got %d (%s)", __FILE__, v[i].line, v[i].url, rc, err.message);
        if (!v[i].ok) {
            assert_string_equal(err.code, "endpoint_not_allowed");
            assert_string_equal(err.field, "url");
            /* refused for its address, not its spelling: libcurl reads every form above */
            if (!strstr(err.message, "internal address"))
                fail_msg("%s:%d: %s: %s", __FILE__, v[i].line, v[i].url, err.message);
        }
        /* px_delivery_url_check (what endpoint creation calls) is the same check */
        assert_int_equal(px_delivery_url_check(v[i].url, &err), rc);
    }
    assert_int_equal(took_connection(other_fd), 0); /* checking connects to nothing */
}

/* The connect-time check: a POST to a refused address (literal, or a name resolving to it)
 * never reaches the listener and is classified without libcurl's words; an allowed one
 * does reach it. */
static void test_outbound__connect_time(void)
{
    const char body[] = "<x/>";
    char url[64];
    const char *hosts[] = {"127.0.0.1", "localhost", "2130706433", "[::ffff:127.0.0.1]"};
    for (size_t i = 0; i < PX_COUNT(hosts); i++) {
        snprintf(url, sizeof(url), "https://%s:%d/in", hosts[i], other_port);
        px_delivery_request rq = {.url = url, .auth_header = "Bearer secret-token",
                                  .body = body, .len = sizeof(body) - 1, .timeout_ms = 2000};
        px_delivery_result res;
        px_err err = PX_ERR_INIT;
        px_rc rc = px_delivery_post(&rq, &res, &err);
        assert_int_equal(rc, PX_OK);
        assert_int_equal(res.http_status, 0);
        if (strcmp(res.code, "refused_address") != 0)
            fail_msg("%s: code \"%s\" (%s)", url, res.code, res.detail);
        assert_string_equal(res.error, "the receiver's address is not allowed");
        assert_int_equal(took_connection(other_fd), 0);
    }
    /* allowed: the connection is made (nobody answers, so the transfer times out) */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/in", allowed_port);
    px_delivery_request rq = {.url = url, .body = body, .len = sizeof(body) - 1,
                              .timeout_ms = 300};
    px_delivery_result res;
    px_err err;
    assert_int_equal(px_delivery_post(&rq, &res, &err), PX_OK);
    assert_string_equal(res.code, "timeout");
    assert_string_equal(res.error, "the receiver did not answer in time");
    assert_int_equal(took_connection(allowed_fd), 1);
}

static int listen_both(void **state)
{
    (void)state;
    allowed_fd = listener(&allowed_port);
    other_fd = listener(&other_port);
    if (allowed_fd < 0 || other_fd < 0)
        return -1;
    char env[64];
    snprintf(env, sizeof(env), "127.0.0.1:%d", allowed_port);
    return px_outbound_configure(env, NULL) == PX_OK ? 0 : -1;
}

static int close_both(void **state)
{
    (void)state;
    close(allowed_fd);
    close(other_fd);
    return 0;
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP listen_both
#define PX_TEST_TEARDOWN close_both
