/* The route table (routes.def) and the matcher. Handlers are declared here once. */
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "px_array.h"
#include "request.h"

const px_route px_routes[] = {
#define PX_ROUTE(m, p, h, a, f, q) {m, p, h, a, f, q},
#include "routes.def"
#undef PX_ROUTE
};
const int px_route_total = (int)(PX_COUNT(px_routes));

int px_http_route_count(void)
{
    return px_route_total;
}

void px_http_route_get(int i, const char **method, const char **pattern)
{
    *method = px_routes[i].method;
    *pattern = px_routes[i].pattern;
}

/* Matches path against pattern; captures {params} (one non-empty segment each, at most 255
 * bytes once its "%2F" are slashes: a value's bound, not its escape's). Returns 1 on a match;
 * 2 when the path would match but for a value past that bound, whose name goes to overlong
 * (32 bytes). */
static int match(const char *pattern, const char *path, char params[][256], int *n, char *overlong)
{
    *n = 0;
    overlong[0] = '\0';
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            size_t len = strcspn(path, "/");
            if (!close || len == 0 || *n >= PX_MAX_PARAMS)
                return 0;
            /* "%2F" inside a serial or location is a '/' of its value */
            if (!px__decode_segment(params[*n], sizeof(params[*n]), path, len) && !overlong[0])
                snprintf(overlong, 32, "%.*s", (int)(close - pattern - 1), pattern + 1);
            (*n)++;
            pattern = close + 1;
            path += len;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    if (*pattern != '\0' || *path != '\0')
        return 0;
    return overlong[0] ? 2 : 1;
}

int px_route_find(const char *method, const char *path, char params[][256], int *nparams,
                  int *path_matched, char *overlong, int *overlong_route)
{
    *path_matched = 0;
    if (overlong)
        overlong[0] = '\0';
    for (int i = 0; i < px_route_total; i++) {
        int n;
        char tmp[PX_MAX_PARAMS][256], too_long[32];
        int m = match(px_routes[i].pattern, path, tmp, &n, too_long);
        if (m == 2 && overlong && !overlong[0]) {
            memcpy(overlong, too_long, sizeof(too_long));
            *overlong_route = i;
        }
        if (m != 1)
            continue;
        *path_matched = 1;
        /* HEAD is answered like GET (MHD drops the body). */
        if (strcmp(px_routes[i].method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(px_routes[i].method, "GET") == 0)) {
            memcpy(params, tmp, sizeof(tmp));
            *nparams = n;
            return i;
        }
    }
    return -1;
}

void px_route_methods(const char *path, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < px_route_total; i++) {
        int n;
        char tmp[PX_MAX_PARAMS][256];
        char too_long[32];
        if (match(px_routes[i].pattern, path, tmp, &n, too_long) != 1)
            continue;
        const char *m = px_routes[i].method;
        size_t len = strlen(m);
        if (o + len + 3 >= cap)
            break;
        if (o) {
            memcpy(out + o, ", ", 2);
            o += 2;
        }
        memcpy(out + o, m, len + 1);
        o += len;
        if (strcmp(m, "GET") == 0 && o + 7 < cap) {
            memcpy(out + o, ", HEAD", 7);
            o += 6;
        }
    }
}

int px_route_own_keyed(const px_route *rt)
{
    return !(rt->flags & PX_PUBLIC) && strncmp(rt->pattern, "/v1/", 4) == 0 &&
           strncmp(rt->pattern, "/v1/epcis/", 10) != 0;
}

int px_route_query_index(const px_route *rt, const char *name)
{
    size_t len = strlen(name);
    int i = 0;
    for (const char *q = rt->query; *q; i++) {
        q += strspn(q, " ");
        size_t n = strcspn(q, " ");
        if (n && n == len && memcmp(q, name, len) == 0)
            return i;
        q += n;
    }
    return -1;
}
