/* The route table (src/http/routes.def) and schemas/openapi.yaml describe the same API:
 * every route is documented and every documented path+method is routed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "http.h"

#define MAX_OPS 256

typedef struct {
    char method[8];
    char path[160];
} op;

static int load_openapi(op *ops, int max)
{
    FILE *f = fopen(PX_SOURCE_DIR "/schemas/openapi.yaml", "r");
    assert_non_null(f);
    char line[512], path[160] = "";
    int n = 0, in_paths = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "paths:", 6) == 0) {
            in_paths = 1;
            continue;
        }
        if (!in_paths)
            continue;
        if (line[0] != ' ' && line[0] != '\n')
            break; /* next top-level key */
        char name[160];
        if (strncmp(line, "  /", 3) == 0 && sscanf(line + 2, "%159[^:]:", name) == 1) {
            snprintf(path, sizeof(path), "%s", name);
        } else if (strncmp(line, "    ", 4) == 0 && line[4] != ' ' &&
                   sscanf(line + 4, "%159[a-z]:", name) == 1) {
            static const char *const methods[] = {"get", "post", "put", "patch", "delete",
                                                  NULL};
            for (int i = 0; methods[i]; i++) {
                if (strcmp(name, methods[i]) == 0) {
                    assert_true(n < max);
                    for (int k = 0; name[k]; k++)
                        ops[n].method[k] = (char)(name[k] - 32);
                    ops[n].method[strlen(name)] = '\0';
                    snprintf(ops[n].path, sizeof(ops[n].path), "%s", path);
                    n++;
                }
            }
        }
    }
    fclose(f);
    return n;
}

static void test_http__routes_match_openapi(void)
{
    op ops[MAX_OPS];
    int n = load_openapi(ops, MAX_OPS);
    assert_true(n > 0);
    int routes = px_http_route_count();
    for (int i = 0; i < routes; i++) {
        const char *m, *p;
        px_http_route_get(i, &m, &p);
        int found = 0;
        for (int k = 0; k < n && !found; k++)
            found = strcmp(ops[k].method, m) == 0 && strcmp(ops[k].path, p) == 0;
        if (!found)
            fail_msg("route %s %s is not in schemas/openapi.yaml", m, p);
    }
    for (int k = 0; k < n; k++) {
        int found = 0;
        for (int i = 0; i < routes && !found; i++) {
            const char *m, *p;
            px_http_route_get(i, &m, &p);
            found = strcmp(ops[k].method, m) == 0 && strcmp(ops[k].path, p) == 0;
        }
        if (!found)
            fail_msg("schemas/openapi.yaml documents %s %s, which is not routed", ops[k].method,
                     ops[k].path);
    }
}
