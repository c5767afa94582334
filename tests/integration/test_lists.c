/* The object lists over real HTTP and a real PostgreSQL: GET /v1/allocations, /v1/jobs,
 * /v1/exports, /v1/commissions, /v1/releases page newest first across pages, every visible
 * row exactly once in the database's (created_at, id) order; another tenant's rows never;
 * a CMO only its own (and no release). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_cursor.h"
#include "px_test.h"

typedef struct {
    px_test_env env;
    px_test_party mah;
    char auditor_key[64];
    px_test_party mah2, cmo, cmo2;
    char gtin[15], gtin2[15];
} fixture;

static void product(fixture *f, const char *key, const char *gtin)
{
    char name[32], path[96];
    snprintf(name, sizeof(name), "List %.14s", gtin);
    px_test_product(&f->env, key, gtin, name, "EU");
    snprintf(path, sizeof(path), "/v1/products/%s/serial-settings", gtin);
    json_decref(px_test_call(&f->env, "PUT", path, key,
                             "{\"strategy\":\"RANDOM_NUMERIC\",\"length\":10}", 201));
}

/* Allocates n serials of gtin (for_org NULL: to the caller) and waits for its job. */
static void allocate(fixture *f, const char *key, const char *gtin, const char *for_org,
                     char alloc_id[40])
{
    char body[128], path[96];
    if (for_org)
        snprintf(body, sizeof(body), "{\"count\":4,\"for_org\":\"%s\"}", for_org);
    else
        snprintf(body, sizeof(body), "{\"count\":4}");
    snprintf(path, sizeof(path), "/v1/products/%s/allocations", gtin);
    json_t *j = px_test_call(&f->env, "POST", path, key, body, 202);
    char job[40];
    snprintf(job, sizeof(job), "%s", px_test_str(j, "job_id"));
    if (alloc_id)
        snprintf(alloc_id, 40, "%s", px_test_str(j, "allocation_id"));
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    json_decref(px_test_wait_for(&f->env, key, path, "status", "completed", 600, 100));
}

static void commission(fixture *f, const char *key, const char *gtin, const char *batch)
{
    char serials[80], prefix[40];
    snprintf(prefix, sizeof(prefix), "%s-", batch);
    px_test_serials(serials, sizeof(serials), prefix, 1, 2);
    px_test_commission(&f->env, key, gtin, batch, "491231", serials);
}

static void release(fixture *f, const char *key, const char *gtin, const char *batch)
{
    char body[160];
    snprintf(body, sizeof(body), "{\"gtin\":\"%s\",\"batch\":\"%s\",\"market\":\"EU\"}", gtin,
             batch);
    json_decref(px_test_call(&f->env, "POST", "/v1/releases", key, body, 201));
}

static void export_alloc(fixture *f, const char *key, const char *alloc)
{
    char body[96];
    snprintf(body, sizeof(body), "{\"allocation_id\":\"%s\"}", alloc);
    json_decref(px_test_call(&f->env, "POST", "/v1/exports", key, body, 202));
}

/* Gives an organization a GLN through PATCH /v1/orgs (the MAH for itself and its CMO
 * partners): its events then carry a read point and its releases can be reported. */
static void set_gln(fixture *f, const char *key, const char *org, const char *twelve)
{
    char g[14], path[96], body[96];
    px_test_gln(g, twelve);
    snprintf(path, sizeof(path), "/v1/orgs/%s", org);
    snprintf(body, sizeof(body), "{\"gln\":\"%s\",\"gln_prefix_length\":7}", g);
    json_decref(px_test_call(&f->env, "PATCH", path, key, body, 200));
}

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_OUTBOUND_ALLOW=127.0.0.1:9");
    /* test_lists__query_names asks every public route too (docs/resolver.md: 10/s a client) */
    px_test_setenv(&f->env, "PACKID_PUBLIC_BURST=100000");
    px_test_setenv(&f->env, "PACKID_PUBLIC_RATE=100000");
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "List MAH", "mah", f->mah.org, f->mah.key);
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", f->mah2.org, f->mah2.key);
    json_t *k =
        px_test_call(&f->env, "POST", "/v1/keys", f->mah.key, "{\"role\":\"auditor\"}", 201);
    snprintf(f->auditor_key, sizeof(f->auditor_key), "%s", px_test_str(k, "api_key"));
    json_decref(k);
    px_test_gtin(f->gtin, 801);
    px_test_gtin_own(f->gtin2, 802); /* the other MAH numbers under a prefix of its own */
    product(f, f->mah.key, f->gtin);
    product(f, f->mah2.key, f->gtin2);
    char gtins[32];
    snprintf(gtins, sizeof(gtins), "[\"%s\"]", f->gtin);
    json_decref(px_test_partner(&f->env, f->mah.key, "List CMO", gtins, f->cmo.org, f->cmo.key));
    json_decref(
        px_test_partner(&f->env, f->mah.key, "List CMO 2", gtins, f->cmo2.org, f->cmo2.key));
    /* What a release's report needs (docs/api.md "report_precondition"). */
    set_gln(f, f->mah.key, f->mah.org, "401234500101");
    set_gln(f, f->mah.key, f->cmo.org, "401234500102");
    set_gln(f, f->mah.key, f->cmo2.org, "401234500103");
    set_gln(f, f->mah2.key, f->mah2.org, "700080200104"); /* under its own products' prefix */
    px_test_product_master(&f->env, f->gtin);
    px_test_product_master(&f->env, f->gtin2);
    px_test_idle_endpoint(&f->env, f->mah.key, "EU");
    px_test_idle_endpoint(&f->env, f->mah2.key, "EU");

    /* The MAH's rows, its CMOs' rows, the other MAH's rows. */
    char a1[40], a2[40], c1[40], c2[40], b1[40];
    allocate(f, f->mah.key, f->gtin, NULL, a1);
    allocate(f, f->mah.key, f->gtin, f->cmo.org, a2);
    allocate(f, f->cmo.key, f->gtin, NULL, c1);
    allocate(f, f->cmo.key, f->gtin, NULL, NULL);
    allocate(f, f->cmo2.key, f->gtin, NULL, c2);
    allocate(f, f->mah2.key, f->gtin2, NULL, b1);
    export_alloc(f, f->mah.key, a1);
    export_alloc(f, f->mah.key, a1);
    export_alloc(f, f->cmo.key, c1);
    export_alloc(f, f->cmo.key, c1);
    export_alloc(f, f->cmo2.key, c2);
    export_alloc(f, f->mah2.key, b1);
    commission(f, f->cmo.key, f->gtin, "LC1");
    commission(f, f->cmo.key, f->gtin, "LC2");
    commission(f, f->cmo2.key, f->gtin, "LC3");
    commission(f, f->mah.key, f->gtin, "LM1");
    commission(f, f->mah2.key, f->gtin2, "LB1");
    release(f, f->mah.key, f->gtin, "LC1");
    release(f, f->mah.key, f->gtin, "LC3");
    release(f, f->mah.key, f->gtin, "LM1");
    release(f, f->mah2.key, f->gtin2, "LB1");
    *state = f;
    return 0;
}

/* Walks every page of path with first = page, checking the page shape; returns the ids
 * (id_field of each item) joined by ',' in the order served, and the number of pages. */
static int walk(fixture *f, const char *path, const char *key, int page, const char *id_field,
                char *out, size_t cap)
{
    char cursor[256] = "", url[512];
    int pages = 0;
    const char *sep = strchr(path, '?') ? "&" : "?"; /* a path may carry its filters */
    out[0] = '\0';
    for (;;) {
        if (cursor[0])
            snprintf(url, sizeof(url), "%s%sfirst=%d&after=%s", path, sep, page, cursor);
        else
            snprintf(url, sizeof(url), "%s%sfirst=%d", path, sep, page);
        json_t *j = px_test_call(&f->env, "GET", url, key, NULL, 200);
        pages++;
        json_t *items = json_object_get(j, "items");
        assert_true(json_array_size(items) <= (size_t)page);
        for (size_t i = 0; i < json_array_size(items); i++) {
            size_t n = strlen(out);
            snprintf(out + n, cap - n, "%s%s", n ? "," : "",
                     px_test_str(json_array_get(items, i), id_field));
        }
        int more = json_is_true(json_object_get(j, "has_next_page"));
        const char *next = json_string_value(json_object_get(j, "next_cursor"));
        assert_int_equal(more, next != NULL);
        if (more)
            snprintf(cursor, sizeof(cursor), "%s", next);
        json_decref(j);
        if (!more)
            break;
        assert_true(pages < 100);
    }
    return pages;
}

/* The ids the database holds for a list, newest first (the oracle: plain SQL over the
 * table with the visibility rule written out here). */
static void expected(fixture *f, const char *table, const char *where, char *out, size_t cap)
{
    px_sql_textf(
        &f->env, out, cap,
        "SELECT coalesce(string_agg(t.id::text, ',' ORDER BY t.created_at DESC, t.id DESC), "
        "'') FROM %s t WHERE %s",
        table, where);
}

/* tmpl with every "ORG" replaced by org. */
static void subst(char *out, size_t cap, const char *tmpl, const char *org)
{
    size_t n = 0;
    for (const char *p = tmpl; *p && n + 1 < cap;) {
        if (strncmp(p, "ORG", 3) == 0) {
            n += (size_t)snprintf(out + n, cap - n, "%s", org);
            p += 3;
        } else {
            out[n++] = *p++;
        }
    }
    out[n < cap ? n : cap - 1] = '\0';
}

typedef struct {
    const char *path, *id_field, *table;
    const char *key_name;  /* which fixture key */
    const char *where_fmt; /* ORG stands for the caller's organization */
    int min_rows;          /* the fixture made at least this many */
    int line;
} list_case;

static const char *key_of(fixture *f, const char *name)
{
    if (strcmp(name, "mah") == 0)
        return f->mah.key;
    if (strcmp(name, "auditor") == 0)
        return f->auditor_key;
    if (strcmp(name, "mah2") == 0)
        return f->mah2.key;
    if (strcmp(name, "cmo") == 0)
        return f->cmo.key;
    return f->cmo2.key;
}

static const char *org_of(fixture *f, const char *name)
{
    if (strcmp(name, "mah") == 0 || strcmp(name, "auditor") == 0)
        return f->mah.org;
    if (strcmp(name, "mah2") == 0)
        return f->mah2.org;
    if (strcmp(name, "cmo") == 0)
        return f->cmo.org;
    return f->cmo2.org;
}

#define MAH_ALLOC "gtin IN (SELECT gtin FROM product WHERE mah_id = 'ORG')"
#define CMO_ALLOC "org_id = 'ORG'"
#define JOBS                                                                                       \
    "org_id = 'ORG' OR tenant_id = 'ORG' OR id IN (SELECT job_id FROM allocation WHERE "           \
    "org_id = 'ORG')"

static void test_lists__paging_and_visibility(void **state)
{
    fixture *f = *state;
    static const list_case cases[] = {
        {"/v1/allocations", "allocation_id", "allocation", "mah", MAH_ALLOC, 5, __LINE__},
        {"/v1/allocations", "allocation_id", "allocation", "auditor", MAH_ALLOC, 5, __LINE__},
        {"/v1/allocations", "allocation_id", "allocation", "mah2", MAH_ALLOC, 1, __LINE__},
        {"/v1/allocations", "allocation_id", "allocation", "cmo", CMO_ALLOC, 3, __LINE__},
        {"/v1/allocations", "allocation_id", "allocation", "cmo2", CMO_ALLOC, 1, __LINE__},
        {"/v1/jobs", "job_id", "job", "mah", JOBS, 5, __LINE__},
        {"/v1/jobs", "job_id", "job", "auditor", JOBS, 5, __LINE__},
        {"/v1/jobs", "job_id", "job", "cmo", JOBS, 4, __LINE__},
        {"/v1/jobs", "job_id", "job", "mah2", JOBS, 2, __LINE__},
        {"/v1/exports", "export_id", "export", "mah", "org_id = 'ORG' OR tenant_id = 'ORG'", 5,
         __LINE__},
        {"/v1/exports", "export_id", "export", "cmo", "org_id = 'ORG'", 2, __LINE__},
        {"/v1/exports", "export_id", "export", "cmo2", "org_id = 'ORG'", 1, __LINE__},
        {"/v1/commissions", "commission_id", "commission", "mah", "tenant_id = 'ORG'", 4, __LINE__},
        {"/v1/commissions", "commission_id", "commission", "auditor", "tenant_id = 'ORG'", 4,
         __LINE__},
        {"/v1/commissions", "commission_id", "commission", "cmo", "org_id = 'ORG'", 2, __LINE__},
        {"/v1/commissions", "commission_id", "commission", "mah2", "tenant_id = 'ORG'", 1,
         __LINE__},
        {"/v1/releases", "release_id", "market_release", "mah", "tenant_id = 'ORG'", 3, __LINE__},
        {"/v1/releases", "release_id", "market_release", "auditor", "tenant_id = 'ORG'", 3,
         __LINE__},
        {"/v1/releases", "release_id", "market_release", "mah2", "tenant_id = 'ORG'", 1, __LINE__},
        {"/v1/releases", "release_id", "market_release", "cmo", "false", 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(cases); i++) {
        const list_case *c = &cases[i];
        const char *org = org_of(f, c->key_name);
        char where[512], want[8192], got[8192];
        subst(where, sizeof(where), c->where_fmt, org);
        expected(f, c->table, where, want, sizeof(want));
        int rows = want[0] ? 1 : 0;
        for (const char *p = want; *p; p++)
            rows += *p == ',';
        if (rows < c->min_rows)
            fail_msg("line %d: fixture has %d rows, want %d", c->line, rows, c->min_rows);
        /* pages of 2: the larger lists span several pages */
        int pages = walk(f, c->path, key_of(f, c->key_name), 2, c->id_field, got, sizeof(got));
        if (strcmp(got, want) != 0)
            fail_msg("line %d: %s as %s\n got  %s\n want %s", c->line, c->path, c->key_name, got,
                     want);
        if (rows > 2 && pages < 2)
            fail_msg("line %d: %d rows in %d page(s)", c->line, rows, pages);
        /* The newest row the caller may not see is no cursor of its list: the page after it
         * is empty, never "the caller's rows older than it" (which would tell that the id
         * exists, and when it was made). The other MAH's rows come last in the fixture, so
         * the caller has rows older than it. */
        char foreign[64];
        px_sql_textf(&f->env, foreign, sizeof(foreign),
                     "SELECT coalesce((SELECT t.id::text FROM %s t WHERE NOT (%s) ORDER BY "
                     "t.created_at DESC LIMIT 1), '')",
                     c->table, where);
        if (!foreign[0] || !rows)
            continue;
        /* A cursor of the caller's own list (its tag: FNV-1a over the route, these having no
         * path values, and '.'; src/http/paging.c) with the foreign id for its key: what a
         * caller who knows the format could write. */
        char cursor[200], raw[160], url[400];
        uint32_t h = 2166136261u;
        size_t plen = strcspn(c->path, "?");
        for (size_t k = 0; k <= plen; k++)
            h = (h ^ (k < plen ? (unsigned char)c->path[k] : 0u)) * 16777619u;
        snprintf(raw, sizeof(raw), "%08x.%s", (unsigned)h, foreign);
        assert_int_equal(px_cursor_encode(cursor, sizeof(cursor), raw), 0);
        snprintf(url, sizeof(url), "%s?after=%s", c->path, cursor);
        json_t *j = px_test_call(&f->env, "GET", url, key_of(f, c->key_name), NULL, 200);
        if (json_array_size(json_object_get(j, "items")) != 0)
            fail_msg("line %d: %s as %s after another's row: %zu items", c->line, c->path,
                     c->key_name, json_array_size(json_object_get(j, "items")));
        json_decref(j);
    }
}

/* The commissions of the CMO's caller (all its pages) with GTIN g, or of any GTIN (g NULL). */
static size_t cmo_commissions(fixture *f, const char *key, const char *g)
{
    char url[96];
    snprintf(url, sizeof(url), "/v1/commissions%s%s", g ? "?gtin=" : "", g ? g : "");
    char got[8192];
    walk(f, url, key, 200, "commission_id", got, sizeof(got));
    size_t n = got[0] ? 1 : 0;
    for (const char *p = got; *p; p++)
        n += *p == ',';
    return n;
}

/* A CMO lists the commissions of the products its partnership grants it now, as it reads their
 * packs (docs/api.md "GET /v1/commissions"): a product taken out of the partnership, or the
 * partnership suspended, takes them out of its list; the MAH still lists them. */
static void test_lists__cmo_commissions_follow_the_partnership(void **state)
{
    fixture *f = *state;
    char gtin[16], ps[40];
    px_sql_textf(&f->env, gtin, sizeof(gtin),
                 "SELECT gtin FROM commission WHERE org_id = '%s' ORDER BY created_at LIMIT 1",
                 f->cmo.org);
    px_sql_textf(&f->env, ps, sizeof(ps),
                 "SELECT ps.id FROM partnership ps JOIN partnership_product pp ON "
                 "pp.partnership_id = ps.id WHERE ps.cmo_id = '%s' AND pp.gtin = '%s'",
                 f->cmo.org, gtin);
    size_t all = cmo_commissions(f, f->cmo.key, NULL),
           of_gtin = cmo_commissions(f, f->cmo.key, gtin);
    size_t mah = cmo_commissions(f, f->mah.key, gtin);
    assert_true(of_gtin > 0 && all >= of_gtin);
    px_sqlf(&f->env, "DELETE FROM partnership_product WHERE partnership_id = '%s' AND gtin = '%s'",
            ps, gtin);
    assert_int_equal(cmo_commissions(f, f->cmo.key, gtin), 0);
    assert_int_equal(cmo_commissions(f, f->cmo.key, NULL), all - of_gtin);
    assert_int_equal(cmo_commissions(f, f->mah.key, gtin), mah);
    px_sqlf(&f->env, "INSERT INTO partnership_product (partnership_id, gtin) VALUES ('%s', '%s')",
            ps, gtin);
    px_sqlf(&f->env, "UPDATE partnership SET status = 'suspended' WHERE id = '%s'", ps);
    assert_int_equal(cmo_commissions(f, f->cmo.key, gtin), 0);
    px_sqlf(&f->env, "UPDATE partnership SET status = 'active' WHERE id = '%s'", ps);
    assert_int_equal(cmo_commissions(f, f->cmo.key, NULL), all);
}

/* GET /v1/commissions and /v1/releases with gtin and batch: one batch's rows however old
 * (the console's batch page read them among the latest 200 of the whole list, and showed
 * none of an older batch's), every page in the database's order, with each caller's
 * visibility; a GTIN in another form names the same product; a malformed GTIN or batch is 422
 * on its field. */
static void test_lists__by_batch(void **state)
{
    fixture *f = *state;
    char serials[80];
    static const char *const prefixes[] = {"LFA-", "LFB-", "LFC-"};
    for (size_t i = 0; i < PX_COUNT(prefixes); i++) {
        px_test_serials(serials, sizeof(serials), prefixes[i], 1, 2);
        px_test_commission(&f->env, f->cmo.key, f->gtin, "LF1", "751231", serials);
    }
    px_test_serials(serials, sizeof(serials), "LFD-", 1, 2);
    px_test_commission(&f->env, f->cmo2.key, f->gtin, "LF1", "751231", serials);
    commission(f, f->cmo.key, f->gtin, "LF2"); /* newer, of another batch */
    release(f, f->mah.key, f->gtin, "LF1");
    static const struct {
        const char *list, *id_field, *table, *key_name, *where;
        int rows;
    } cases[] = {
        {"/v1/commissions", "commission_id", "commission", "mah", "tenant_id = 'ORG'", 4},
        {"/v1/commissions", "commission_id", "commission", "auditor", "tenant_id = 'ORG'", 4},
        {"/v1/commissions", "commission_id", "commission", "cmo", "org_id = 'ORG'", 3},
        {"/v1/commissions", "commission_id", "commission", "cmo2", "org_id = 'ORG'", 1},
        {"/v1/commissions", "commission_id", "commission", "mah2", "tenant_id = 'ORG'", 0},
        {"/v1/releases", "release_id", "market_release", "mah", "tenant_id = 'ORG'", 1},
        {"/v1/releases", "release_id", "market_release", "auditor", "tenant_id = 'ORG'", 1},
        {"/v1/releases", "release_id", "market_release", "cmo", "false", 0},
        {"/v1/releases", "release_id", "market_release", "mah2", "tenant_id = 'ORG'", 0},
    };
    for (size_t i = 0; i < PX_COUNT(cases); i++) {
        char where[512], cond[600], want[4096], got[4096], path[160];
        subst(where, sizeof(where), cases[i].where, org_of(f, cases[i].key_name));
        snprintf(cond, sizeof(cond), "(%s) AND gtin = '%s' AND batch = 'LF1'", where, f->gtin);
        expected(f, cases[i].table, cond, want, sizeof(want));
        int rows = want[0] ? 1 : 0;
        for (const char *p = want; *p; p++)
            rows += *p == ',';
        if (rows != cases[i].rows)
            fail_msg("%s as %s: the fixture has %d rows, want %d", cases[i].list, cases[i].key_name,
                     rows, cases[i].rows);
        /* The GTIN as 13 digits (its leading zero dropped) names the same product. */
        snprintf(path, sizeof(path), "%s?gtin=%s&batch=LF1", cases[i].list, f->gtin + 1);
        walk(f, path, key_of(f, cases[i].key_name), 1, cases[i].id_field, got, sizeof(got));
        if (strcmp(got, want) != 0)
            fail_msg("%s as %s\n got  %s\n want %s", path, cases[i].key_name, got, want);
    }
    /* The batch alone, and the product alone, narrow as much. */
    char want[4096], got[4096], cond[200];
    snprintf(cond, sizeof(cond), "tenant_id = '%s' AND batch = 'LF1'", f->mah.org);
    expected(f, "commission", cond, want, sizeof(want));
    walk(f, "/v1/commissions?batch=LF1", f->mah.key, 50, "commission_id", got, sizeof(got));
    assert_string_equal(got, want);
    char path[160];
    snprintf(cond, sizeof(cond), "tenant_id = '%s' AND gtin = '%s'", f->mah.org, f->gtin);
    expected(f, "market_release", cond, want, sizeof(want));
    snprintf(path, sizeof(path), "/v1/releases?gtin=%s", f->gtin);
    walk(f, path, f->mah.key, 50, "release_id", got, sizeof(got));
    assert_string_equal(got, want);
    /* Malformed: 422 on the field; another list takes neither filter (400 on the name). */
    snprintf(path, sizeof(path), "/v1/commissions?gtin=%.13s0", f->gtin);
    if (f->gtin[13] == '0')
        snprintf(path, sizeof(path), "/v1/commissions?gtin=%.13s1", f->gtin);
    json_t *j = px_http_expect(&f->env, "GET", path, f->mah.key, NULL, NULL, 422, NULL);
    px_expect_detail(j, 0, -1, NULL, "gtin");
    json_decref(j);
    j = px_http_expect(&f->env, "GET", "/v1/releases?batch=ABCDEFGHIJ0123456789X", f->mah.key, NULL,
                       NULL, 422, NULL);
    px_expect_detail(j, 0, -1, NULL, "batch");
    json_decref(j);
    j = px_http_expect(&f->env, "GET", "/v1/commissions?batch=L%7E1", f->mah.key, NULL, NULL, 422,
                       NULL);
    px_expect_detail(j, 0, -1, NULL, "batch");
    json_decref(j);
    j = px_http_expect(&f->env, "GET", "/v1/allocations?batch=LF1", f->mah.key, NULL, NULL, 400,
                       "bad_request");
    px_expect_detail(j, 0, -1, NULL, "batch");
    json_decref(j);
}

/* Items carry what the single reads show; the CMO's view never shows another's row. */
static void test_lists__items_and_errors(void **state)
{
    fixture *f = *state;
    json_t *j = px_test_call(&f->env, "GET", "/v1/jobs?first=1", f->mah.key, NULL, 200);
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(json_object_get(it, "total"));
    assert_non_null(json_object_get(it, "done"));
    assert_non_null(json_object_get(it, "status"));
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/commissions?first=1000", f->cmo.key, NULL, 200);
    json_t *items = json_object_get(j, "items");
    /* Exactly its own: as many as it made, each its own. */
    assert_true(json_array_size(items) >= 1);
    assert_int_equal(
        json_array_size(items),
        px_count_of(&f->env, "SELECT count(*) FROM commission WHERE org_id = '%s'", f->cmo.org));
    for (size_t i = 0; i < json_array_size(items); i++)
        assert_string_equal(px_test_str(json_array_get(items, i), "org_id"), f->cmo.org);
    json_decref(j);
    j = px_test_call(&f->env, "GET", "/v1/exports?first=1", f->mah.key, NULL, 200);
    it = json_array_get(json_object_get(j, "items"), 0);
    assert_true(json_is_null(json_object_get(it, "url")));
    json_decref(j);
    /* A cursor no list issued, or another list's (a seq cursor of /v1/audit, a UUID given to
     * the GTIN-keyed product list): 400 bad_request naming "after", the same on every list. */
    char audit_cursor[256] = "";
    j = px_test_call(&f->env, "GET", "/v1/audit?first=1", f->mah.key, NULL, 200);
    snprintf(audit_cursor, sizeof(audit_cursor), "%s", px_test_str(j, "next_cursor"));
    json_decref(j);
    static const char *const lists[] = {
        "/v1/allocations",        "/v1/jobs",       "/v1/exports",   "/v1/commissions",
        "/v1/releases",           "/v1/products",   "/v1/alerts",    "/v1/reports",
        "/v1/webhook/deliveries", "/v1/print-jobs", "/v1/allotments"};
    for (size_t i = 0; i < PX_COUNT(lists); i++) {
        const char *afters[] = {"nonsense", audit_cursor};
        for (size_t k = 0; k < 2; k++) {
            char path[512];
            snprintf(path, sizeof(path), "%s?after=%s", lists[i], afters[k]);
            px_http_resp r;
            px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
            json_t *e = json_object_get(r.json, "error");
            json_t *d = json_array_get(json_object_get(e, "details"), 0);
            if (r.status != 400 || strcmp(px_test_str(e, "code"), "bad_request") != 0 || !d ||
                strcmp(px_test_str(d, "field"), "after") != 0)
                fail_msg("GET %s: want 400 bad_request on after, got %ld %s", path, r.status,
                         r.body);
            px_http_resp_free(&r);
        }
    }
    json_decref(px_http_expect(&f->env, "GET", "/v1/exports", f->auditor_key, NULL, NULL, 403,
                               "forbidden_role"));
}

/* One request of the walk below: its answer must be 400 bad_request on field (want 1), or
 * anything but that (want 0). */
static void query_try(fixture *f, const char *method, const char *path, const char *field, int want)
{
    px_http_resp r;
    px_http(&f->env, &r, method, path, f->mah.key, NULL, NULL);
    json_t *e = json_object_get(r.json, "error");
    json_t *d = json_array_get(json_object_get(e, "details"), 0);
    int refused = r.status == 400 && e && strcmp(px_test_str(e, "code"), "bad_request") == 0 && d &&
                  strcmp(px_test_str(d, "field"), field) == 0;
    /* The EPCIS 2.0 routes refuse in the binding's problem shape, naming the parameter. */
    const char *type = json_string_value(json_object_get(r.json, "type"));
    const char *detail = json_string_value(json_object_get(r.json, "detail"));
    if (strncmp(path, "/epcis/", 7) == 0)
        refused = r.status == 400 && type &&
                  strcmp(type, "epcisException:QueryParameterException") == 0 && detail &&
                  strstr(detail, field) != NULL;
    if (refused != want)
        fail_msg("%s %s: want %s on %s, got %ld %s", method, path,
                 want ? "400 bad_request" : "no refusal", field, r.status, r.body);
    px_http_resp_free(&r);
}

/* docs/api.md "Conventions": a route takes the query parameters its row of src/http/routes.def
 * names (schemas/openapi.yaml documents the same, test_openapi_spec): on every such route a
 * name it does not take, and each of its names given twice, is 400 bad_request naming it —
 * before the key or the body is read, so a path of placeholders is enough; the routes that
 * read their query themselves (PX_QUERY_ANY) do not refuse an unknown name that way. A POST
 * so refused writes nothing. */
static void test_lists__query_names(void **state)
{
    fixture *f = *state;
    FILE *routes = fopen(PX_SOURCE_DIR "/src/http/routes.def", "r");
    assert_non_null(routes);
    char line[512];
    int strict = 0, open = 0;
    while (fgets(line, sizeof(line), routes)) {
        char method[8], pattern[160], query[256];
        if (sscanf(line, "PX_ROUTE(\"%7[A-Z]\", \"%159[^\"]\", %*[^,], %*[^,], %*[^,], %255[^)])",
                   method, pattern, query) != 3)
            continue;
        char path[512];
        size_t o = 0;
        for (const char *p = pattern; *p && o < sizeof(path) - 16;) {
            if (*p == '{') {
                o += (size_t)snprintf(path + o, sizeof(path) - o, "x");
                p = strchr(p, '}') + 1;
            } else {
                path[o++] = *p++;
            }
        }
        path[o] = '\0';
        char url[1024];
        snprintf(url, sizeof(url), "%s?px_not_a_parameter=1", path);
        if (strcmp(query, "PX_QUERY_ANY") == 0) {
            /* The EPCIS query routes refuse it themselves (test_epcis_rest); the others take
             * it. */
            if (strncmp(path, "/epcis/", 7) != 0)
                query_try(f, method, url, "px_not_a_parameter", 0);
            open++;
            continue;
        }
        assert_true(query[0] == '"');
        query_try(f, method, url, "px_not_a_parameter", 1);
        char names[256];
        snprintf(names, sizeof(names), "%.*s", (int)strlen(query) - 2, query + 1);
        for (char *save = NULL, *n = strtok_r(names, " ", &save); n;
             n = strtok_r(NULL, " ", &save)) {
            snprintf(url, sizeof(url), "%s?%s=1&%s=2", path, n, n);
            query_try(f, method, url, n, 1);
        }
        strict++;
    }
    fclose(routes);
    assert_true(strict > 100 && open > 15);
    /* Refused before anything is written. */
    long long before = px_count_of(&f->env, "SELECT count(*) FROM product");
    char body[160];
    char gtin[15];
    px_test_gtin(gtin, 803);
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"company_prefix_length\":7,\"name\":\"Q\",\"market\":\"EU\"}",
             gtin);
    json_decref(px_http_expect(&f->env, "POST", "/v1/products?dry_run=1", f->mah.key, body, NULL,
                               400, "bad_request"));
    px_expect_count(&f->env, before, "SELECT count(*) FROM product");
    /* A typo of a filter is refused, the name it meant is taken. */
    json_decref(px_http_expect(&f->env, "GET", "/v1/jobs?staus=failed", f->mah.key, NULL, NULL, 400,
                               "bad_request"));
    json_decref(
        px_test_call(&f->env, "GET", "/v1/jobs?status=failed&first=5", f->mah.key, NULL, 200));
    /* Empty pairs name nothing and are skipped (the URL Standard's form parser); a value
     * without a name is refused, named by field "query". */
    json_decref(
        px_test_call(&f->env, "GET", "/v1/jobs?&status=failed&&first=5&", f->mah.key, NULL, 200));
    json_t *j = px_http_expect(&f->env, "GET", "/v1/jobs?first=5&=failed", f->mah.key, NULL, NULL,
                               400, "bad_request");
    px_expect_detail(j, 0, -1, NULL, "query");
    assert_non_null(strstr(px_test_str(json_object_get(j, "error"), "message"), "no name"));
    json_decref(j);
    /* An empty filter would list everything, as a mistyped one would: refused, naming it, on
     * every keyed /v1/ list (the same lists answer without it). */
    static const char *const empty[][2] = {{"/v1/alerts?state=", "state"},
                                           {"/v1/print-jobs?gtin=", "gtin"},
                                           {"/v1/print-jobs?serial=&first=5", "serial"},
                                           {"/v1/keys?org_id=", "org_id"},
                                           {"/v1/jobs?status=", "status"}};
    for (size_t i = 0; i < PX_COUNT(empty); i++) {
        const char *key = f->mah.key;
        j = px_http_expect(&f->env, "GET", empty[i][0], key, NULL, NULL, 400, "bad_request");
        px_expect_detail(j, 0, -1, NULL, empty[i][1]);
        json_decref(j);
        char bare[64];
        snprintf(bare, sizeof(bare), "%.*s", (int)strcspn(empty[i][0], "?"), empty[i][0]);
        json_decref(px_test_call(&f->env, "GET", bare, key, NULL, 200));
    }
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
