/* outbound — where packid may send a request (docs/delivery.md "Where packid may connect").
 *
 * A regulator endpoint is a URL an API client chose, and each delivery carries the
 * Authorization header that client chose. Without a guard, packid would be a proxy into the
 * network it runs in: loopback services, private subnets, cloud metadata. So every address
 * packid connects to for a delivery is checked right before the socket is opened (libcurl's
 * open-socket callback, delivery.c), and the URL is checked once more when the endpoint is
 * created. Internal addresses are refused unless the operator names them in
 * PACKID_OUTBOUND_ALLOW. */
#ifndef PX_OUTBOUND_H
#define PX_OUTBOUND_H

#include <sys/socket.h>

#include "px_err.h"

#define PX_OUTBOUND_RULES_MAX 32
#define PX_OUTBOUND_HOST_MAX 254

/* One entry of PACKID_OUTBOUND_ALLOW. */
typedef struct px_outbound_rule {
    char host[PX_OUTBOUND_HOST_MAX]; /* lower-case host name; "" for an address or network */
    int family;                      /* AF_INET or AF_INET6 for an address or network; 0 else */
    unsigned char addr[16];          /* network address (4 bytes used for AF_INET) */
    int prefix;                      /* network length in bits (32/128 for one address) */
    int port;                        /* 0: any port */
} px_outbound_rule;

typedef struct px_outbound_allow {
    px_outbound_rule rule[PX_OUTBOUND_RULES_MAX];
    int n;
} px_outbound_allow;

/* Parses a comma-separated allow list; each entry is a host name, an address (IPv4 or IPv6,
 * the latter optionally in brackets), host:port, [v6]:port, address:port, or a CIDR network
 * (a.b.c.d/n, v6/n). Blanks around entries and empty entries are ignored. PX_EINVALID
 * "bad_config" naming the bad entry otherwise. NULL or "" gives an empty list. */
px_rc px_outbound_allow_parse(px_outbound_allow *out, const char *list, px_err *err);

/* The kind of internal address sa is ("loopback", "private", "link-local", "unique-local",
 * "unspecified", "multicast", "shared", "reserved"), or NULL for a public address.
 * IPv4-mapped, NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address inside. */
const char *px_outbound_internal(const struct sockaddr *sa);

/* PX_OK when packid may connect to sa (address and port) for a URL whose host is host
 * (brackets allowed): the address is public, or an allow rule names the host, the address
 * or a network holding it (and the port, when the rule has one). PX_EFORBIDDEN
 * "refused_address" otherwise. */
px_rc px_outbound_check_addr(const px_outbound_allow *allow, const char *host,
                             const struct sockaddr *sa, px_err *err);

/* The process's allow list: PACKID_OUTBOUND_ALLOW, parsed on first use and then fixed for
 * the life of the process (like libcurl's global init). PX_EINVALID when the variable is
 * malformed; `packid serve` calls it at start so a bad list stops the server at once. */
px_rc px_outbound_policy(const px_outbound_allow **out, px_err *err);
/* Sets the process's list from its configuration (called once at start, before any
 * delivery); a malformed list is PX_EINVALID bad_config and changes nothing. */
px_rc px_outbound_configure(const char *list, px_err *err);

/* The check for an endpoint URL when it is created: px_delivery_url_check's syntax rules,
 * then every address the host resolves to now must pass px_outbound_check_addr with the
 * process's allow list. A host that does not resolve now is accepted (the connect-time check
 * decides at delivery). PX_EINVALID, field "url": "invalid_url" for a URL the syntax rules
 * refuse, "endpoint_not_allowed" for a host at an internal address. */
px_rc px_outbound_check_url(const char *url, px_err *err);

#endif
