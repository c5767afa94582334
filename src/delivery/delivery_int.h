/* Layer-internal to delivery/. */
#ifndef PX_DELIVERY_INT_H
#define PX_DELIVERY_INT_H

#include <stddef.h>

#include "px_err.h"

/* The syntax rules of an endpoint URL (delivery.h px_delivery_url_check) without the address
 * check; on success host (as libcurl normalises it, IPv6 in brackets) and port (the scheme's
 * default when none is given). */
px_rc px__delivery_url_parse(const char *url, char *host, size_t host_cap, int *port,
                             px_err *err);

#endif
