/* Where packid may connect (outbound.h, docs/delivery.md "Where packid may connect"). */
#include "outbound.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "delivery.h"
#include "delivery_int.h"
#include "px_array.h"
#include "px_str.h"

/* ---- the allow list ------------------------------------------------------------------- */

static px_rc bad_entry(px_err *err, const char *entry)
{
    return px_err_set(err, PX_EINVALID, "bad_config",
                      "PACKID_OUTBOUND_ALLOW: \"%.80s\" is not a host, address, host:port or "
                      "network",
                      entry);
}

static int parse_port(const char *s, int *port)
{
    long v;
    if (px_parse_long(s, 1, 65535, &v) != 0)
        return -1;
    *port = (int)v;
    return 0;
}

/* A DNS name (RFC 1123 letters, digits, hyphens, dots), lower-cased into out. */
static int parse_name(const char *s, char out[PX_OUTBOUND_HOST_MAX])
{
    size_t n = strlen(s);
    if (n == 0 || n >= PX_OUTBOUND_HOST_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '.')
            return -1;
        out[i] = (char)tolower(c);
    }
    out[n] = '\0';
    return 0;
}

/* An address, optionally "/prefix": fills family, addr and prefix. */
static int parse_net(const char *s, px_outbound_rule *r)
{
    char a[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof(a))
        return -1;
    memcpy(a, s, n);
    a[n] = '\0';
    int max;
    if (inet_pton(AF_INET, a, r->addr) == 1) {
        r->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, a, r->addr) == 1) {
        r->family = AF_INET6;
        max = 128;
    } else {
        return -1;
    }
    long p = max;
    if (slash && px_parse_long(slash + 1, 0, max, &p) != 0)
        return -1;
    r->prefix = (int)p;
    return 0;
}

static px_rc parse_entry(px_outbound_rule *r, const char *e, px_err *err)
{
    memset(r, 0, sizeof(*r));
    char buf[PX_OUTBOUND_HOST_MAX + 16];
    if (px_strlcpy(buf, e, sizeof(buf)) >= sizeof(buf))
        return bad_entry(err, e);
    if (buf[0] == '[') { /* [v6] or [v6]:port */
        char *close = strchr(buf, ']');
        if (!close)
            return bad_entry(err, e);
        *close = '\0';
        if (close[1] == ':' ? parse_port(close + 2, &r->port) != 0 : close[1] != '\0')
            return bad_entry(err, e);
        if (strchr(buf + 1, '/') || parse_net(buf + 1, r) != 0 || r->family != AF_INET6)
            return bad_entry(err, e);
        return PX_OK;
    }
    char *colon = strchr(buf, ':');
    if (colon && strchr(colon + 1, ':')) /* two colons: a bare IPv6 address or network */
        return parse_net(buf, r) == 0 && r->family == AF_INET6 ? PX_OK : bad_entry(err, e);
    if (colon) {
        *colon = '\0';
        if (parse_port(colon + 1, &r->port) != 0)
            return bad_entry(err, e);
        if (strchr(buf, '/')) /* a network with a port is not an entry form */
            return bad_entry(err, e);
    }
    if (parse_net(buf, r) == 0)
        return PX_OK;
    /* Not an address: a host name. A dotted-decimal-looking name that inet_pton refused
     * (999.1.1.1, 1.2.3) is a typo, not a name: refuse it rather than never match. */
    size_t n = strlen(buf);
    int all_numeric = n > 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)buf[i]) && buf[i] != '.' && buf[i] != '/')
            all_numeric = 0;
    if (all_numeric || parse_name(buf, r->host) != 0)
        return bad_entry(err, e);
    r->family = 0;
    r->prefix = 0;
    return PX_OK;
}

px_rc px_outbound_allow_parse(px_outbound_allow *out, const char *list, px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!list)
        return PX_OK;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n) {
            char entry[PX_OUTBOUND_HOST_MAX + 16];
            if (n >= sizeof(entry))
                return px_err_set(err, PX_EINVALID, "bad_config",
                                  "PACKID_OUTBOUND_ALLOW: an entry is too long");
            memcpy(entry, p, n);
            entry[n] = '\0';
            if (out->n == PX_OUTBOUND_RULES_MAX)
                return px_err_set(err, PX_EINVALID, "bad_config",
                                  "PACKID_OUTBOUND_ALLOW: at most %d entries",
                                  PX_OUTBOUND_RULES_MAX);
            px_rc rc = parse_entry(&out->rule[out->n], entry, err);
            if (rc != PX_OK)
                return rc;
            out->n++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return PX_OK;
}

/* ---- classifying an address ----------------------------------------------------------- */

/* The address to judge: an IPv4 address carried inside IPv6 (::ffff:a.b.c.d mapped,
 * 64:ff9b::/96 NAT64 (RFC 6052), 2002::/16 6to4 (RFC 3056)) reaches that IPv4 host, so it is
 * judged as that IPv4 address. */
typedef struct norm_addr {
    int family;
    unsigned char a[16];
    int port;
} norm_addr;

static int normalize(norm_addr *n, const struct sockaddr *sa)
{
    memset(n, 0, sizeof(*n));
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        n->family = AF_INET;
        memcpy(n->a, &s4->sin_addr, 4);
        n->port = ntohs(s4->sin_port);
        return 0;
    }
    if (sa->sa_family != AF_INET6)
        return -1;
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
    const unsigned char *b = s6->sin6_addr.s6_addr;
    n->port = ntohs(s6->sin6_port);
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0) {
        n->family = AF_INET;
        memcpy(n->a, b + 12, 4);
    } else if (b[0] == 0x20 && b[1] == 0x02) {
        n->family = AF_INET;
        memcpy(n->a, b + 2, 4);
    } else {
        n->family = AF_INET6;
        memcpy(n->a, b, 16);
    }
    return 0;
}

static int in_net(const unsigned char *a, const unsigned char *net, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)whole) != 0)
        return 0;
    if (!rest)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (net[whole] & mask);
}

static const char *internal_kind(const norm_addr *n)
{
    /* IANA IPv4 / IPv6 Special-Purpose Address Registries (RFC 6890 and updates): the
     * blocks that are not globally reachable, and multicast. The documentation blocks (RFC
     * 5737, RFC 3849) are left to the network: nothing routes them, so nothing is reached. */
    static const struct {
        int family;
        unsigned char net[16];
        int bits;
        const char *kind;
    } blocks[] = {
        {AF_INET, {0}, 8, "unspecified"},                 /* 0.0.0.0/8 "this network" */
        {AF_INET, {10}, 8, "private"},                    /* RFC 1918 */
        {AF_INET, {100, 64}, 10, "shared"},               /* RFC 6598 carrier-grade NAT */
        {AF_INET, {127}, 8, "loopback"},
        {AF_INET, {169, 254}, 16, "link-local"},          /* cloud metadata 169.254.169.254 */
        {AF_INET, {172, 16}, 12, "private"},
        {AF_INET, {192, 0, 0}, 24, "reserved"},           /* IETF protocol assignments */
        {AF_INET, {192, 168}, 16, "private"},
        {AF_INET, {198, 18}, 15, "reserved"},             /* benchmarking */
        {AF_INET, {224}, 4, "multicast"},
        {AF_INET, {240}, 4, "reserved"},                  /* and 255.255.255.255 */
        {AF_INET6, {0}, 128, "unspecified"},              /* :: */
        {AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback"},
        {AF_INET6, {0}, 96, "reserved"},                  /* ::/96 IPv4-compatible */
        {AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96, "reserved"}, /* ::ffff:0:0/96 SIIT */
        {AF_INET6, {0, 0x64, 0xff, 0x9b, 0, 1}, 48, "reserved"}, /* RFC 8215 local-use NAT64 */
        {AF_INET6, {0x01}, 64, "reserved"},               /* 100::/64 discard-only */
        {AF_INET6, {0xfc}, 7, "unique-local"},            /* fc00::/7, e.g. fd00:ec2::254 */
        {AF_INET6, {0xfe, 0x80}, 10, "link-local"},
        {AF_INET6, {0xfe, 0xc0}, 10, "private"},          /* deprecated site-local */
        {AF_INET6, {0xff}, 8, "multicast"},
    };
    for (size_t i = 0; i < PX_COUNT(blocks); i++)
        if (blocks[i].family == n->family && in_net(n->a, blocks[i].net, blocks[i].bits))
            return blocks[i].kind;
    return NULL;
}

const char *px_outbound_internal(const struct sockaddr *sa)
{
    norm_addr n;
    if (normalize(&n, sa) != 0)
        return "reserved"; /* not IP at all: never a delivery target */
    return internal_kind(&n);
}

static void strip_brackets(char out[PX_OUTBOUND_HOST_MAX], const char *host)
{
    size_t n = host ? strlen(host) : 0;
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host++;
        n -= 2;
    }
    if (n >= PX_OUTBOUND_HOST_MAX)
        n = PX_OUTBOUND_HOST_MAX - 1;
    memcpy(out, host ? host : "", n);
    out[n] = '\0';
}

px_rc px_outbound_check_addr(const px_outbound_allow *allow, const char *host,
                             const struct sockaddr *sa, px_err *err)
{
    norm_addr n;
    if (normalize(&n, sa) != 0)
        return px_err_set(err, PX_EFORBIDDEN, "refused_address",
                          "the receiver's address is not an IP address");
    const char *kind = internal_kind(&n);
    if (!kind)
        return PX_OK;
    char h[PX_OUTBOUND_HOST_MAX];
    strip_brackets(h, host);
    for (int i = 0; allow && i < allow->n; i++) {
        const px_outbound_rule *r = &allow->rule[i];
        if (r->port && r->port != n.port)
            continue;
        if (r->host[0] ? strcasecmp(r->host, h) == 0
                       : r->family == n.family && in_net(n.a, r->addr, r->prefix))
            return PX_OK;
    }
    return px_err_set(err, PX_EFORBIDDEN, "refused_address",
                      "the receiver's address is %s and not in PACKID_OUTBOUND_ALLOW", kind);
}

/* ---- the process's list ----------------------------------------------------------------- */

/* The operator's list (px_config's PACKID_OUTBOUND_ALLOW), set once when the process opens its
 * application, before any thread delivers; read-only afterwards. Empty until then: nothing
 * internal is allowed. */
static px_outbound_allow policy_list;

px_rc px_outbound_configure(const char *list, px_err *err)
{
    px_outbound_allow parsed;
    px_rc rc = px_outbound_allow_parse(&parsed, list, err);
    if (rc == PX_OK)
        policy_list = parsed;
    return rc;
}

px_rc px_outbound_policy(const px_outbound_allow **out, px_err *err)
{
    (void)err;
    *out = &policy_list;
    return PX_OK;
}

/* ---- the check at endpoint creation --------------------------------------------------- */

px_rc px_outbound_check_url(const char *url, px_err *err)
{
    char host[PX_OUTBOUND_HOST_MAX];
    int port = 0;
    px_rc rc = px__delivery_url_parse(url, host, sizeof(host), &port, err);
    if (rc != PX_OK)
        return rc;
    const px_outbound_allow *allow;
    if ((rc = px_outbound_policy(&allow, err)) != PX_OK)
        return rc;
    char bare[PX_OUTBOUND_HOST_MAX], service[8];
    strip_brackets(bare, host);
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(bare, service, &hints, &ai) != 0)
        return PX_OK; /* not resolvable now: the connect-time check decides */
    rc = PX_OK;
    for (struct addrinfo *p = ai; p && rc == PX_OK; p = p->ai_next) {
        px_err e = PX_ERR_INIT;
        if (px_outbound_check_addr(allow, host, p->ai_addr, &e) != PX_OK) {
            /* Its own code (docs/api.md "Errors"): the URL is well formed; the operator, not
             * the client, can make it acceptable. */
            rc = px_err_set(err, PX_EINVALID, "endpoint_not_allowed",
                            "url host %.80s is an internal address (%s) packid may not reach; "
                            "the operator can allow it in PACKID_OUTBOUND_ALLOW",
                            bare, px_outbound_internal(p->ai_addr));
            px_err_field(err, "url");
        }
    }
    freeaddrinfo(ai);
    return rc;
}
