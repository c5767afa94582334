/* A JSON Schema (draft-07) checker driven by the schema file read at run time: the official
 * EPCIS 2.0 JSON schema (GS1's EPCIS-JSON-Schema.json, named by PACKID_EPCIS2_JSON_SCHEMA) holds
 * packid's JSON-LD reports to the standard before they leave, as the XSD holds the XML ones
 * (validate.c; docs/epcis.md "Report formats").
 *
 * Debian has no C JSON Schema library, so this file implements the draft-07 validation
 * keywords (JSON Schema Validation draft-handrews-01, §6) that the EPCIS schema uses, plus their
 * near relatives: type, enum, const, properties, patternProperties, additionalProperties,
 * required, propertyNames, minProperties, maxProperties, items (one schema or a tuple),
 * additionalItems, minItems, maxItems, uniqueItems, contains, minLength, maxLength, pattern,
 * minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, allOf, anyOf, oneOf, not,
 * if/then/else, and "$ref" to a JSON pointer inside the same file (Core §8.3). Of "format"
 * (Validation §7) "date-time" is checked (RFC 3339 §5.6, as the tests' outside oracle,
 * python3-jsonschema with its format checker, does); other formats ("uri") are annotations,
 * which §7.2 allows and which that oracle does not check either. A schema using any other
 * keyword is refused when it is
 * loaded, so the checker never passes a document by ignoring a rule. Patterns are ECMA 262
 * regular expressions (§4.3); PCRE2 reads the ones the EPCIS schema uses (\d, lookahead). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_schema.h"
#include "px_array.h"
#include "px_str.h"

#define MAX_DEPTH 96 /* nested schemas while checking: far above the EPCIS schema's own */

typedef struct pattern {
    const json_t *source; /* identity: a "pattern" string, or a patternProperties subschema */
    pcre2_code *code;
} pattern;

struct epcis__json_schema {
    json_t *root;
    pattern *patterns;
    size_t n_patterns;
};

/* Keywords this checker applies, and annotations it may ignore (Validation §10). */
static const char *const k_known[] = {
    "type", "enum", "const", "properties", "patternProperties", "additionalProperties", "required",
    "propertyNames", "minProperties", "maxProperties", "items", "additionalItems", "minItems",
    "maxItems", "uniqueItems", "contains", "minLength", "maxLength", "pattern", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf",
    "not", "if", "then", "else", "$ref", "definitions",
    /* annotations */
    "format", "title", "description", "$comment", "$id", "$schema", "default", "examples",
    "readOnly", "writeOnly", "contentMediaType", "contentEncoding"};

static int known(const char *k)
{
    for (size_t i = 0; i < PX_COUNT(k_known); i++)
        if (strcmp(k, k_known[i]) == 0)
            return 1;
    return 0;
}

static px_rc add_pattern(epcis__json_schema *s, const json_t *src, const char *p, px_err *err)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)p, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
    if (!code)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "the JSON schema's pattern \"%.80s\" does not compile (offset %zu)", p,
                          (size_t)off);
    pattern *v = realloc(s->patterns, (s->n_patterns + 1) * sizeof(*v));
    if (!v) {
        pcre2_code_free(code);
        return px_err_oom(err);
    }
    s->patterns = v;
    v[s->n_patterns++] = (pattern){src, code};
    return PX_OK;
}

static px_rc prepare(epcis__json_schema *s, const json_t *sch, const char *where, int depth,
                     px_err *err);

/* Each subschema of a keyword whose value is a map of schemas, or an array of them. */
static px_rc prepare_children(epcis__json_schema *s, const char *key, const json_t *v, int depth,
                              px_err *err)
{
    const char *k;
    const json_t *sub;
    size_t i;
    px_rc rc = PX_OK;
    if (strcmp(key, "properties") == 0 || strcmp(key, "patternProperties") == 0 ||
        strcmp(key, "definitions") == 0) {
        if (!json_is_object(v))
            return px_err_set(err, PX_EINVALID, "bad_config",
                              "the JSON schema's \"%s\" is not an object", key);
        json_object_foreach((json_t *)v, k, sub)
        {
            if (strcmp(key, "patternProperties") == 0 &&
                (rc = add_pattern(s, sub, k, err)) != PX_OK)
                return rc;
            if ((rc = prepare(s, sub, k, depth + 1, err)) != PX_OK)
                return rc;
        }
        return PX_OK;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i,
                           sub) if ((rc = prepare(s, sub, key, depth + 1, err)) != PX_OK) return rc;
        return PX_OK;
    }
    return prepare(s, v, key, depth + 1, err);
}

/* Walks the schema once: every keyword known, every pattern compiled. */
static px_rc prepare(epcis__json_schema *s, const json_t *sch, const char *where, int depth,
                     px_err *err)
{
    if (json_is_boolean(sch))
        return PX_OK;
    if (!json_is_object(sch) || depth > MAX_DEPTH)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "the JSON schema at \"%s\" is not a schema", where);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)sch, k, v)
    {
        px_rc rc = PX_OK;
        if (!known(k))
            return px_err_set(err, PX_EINVALID, "bad_config",
                              "the JSON schema uses \"%s\" (at \"%s\"), a keyword packid's "
                              "checker does not implement",
                              k, where);
        if (strcmp(k, "pattern") == 0) {
            if (!json_is_string(v))
                return px_err_set(err, PX_EINVALID, "bad_config",
                                  "the JSON schema's pattern is not a string");
            rc = add_pattern(s, v, json_string_value(v), err);
        } else if (strcmp(k, "properties") == 0 || strcmp(k, "patternProperties") == 0 ||
                   strcmp(k, "definitions") == 0 || strcmp(k, "allOf") == 0 ||
                   strcmp(k, "anyOf") == 0 || strcmp(k, "oneOf") == 0 || strcmp(k, "not") == 0 ||
                   strcmp(k, "if") == 0 || strcmp(k, "then") == 0 || strcmp(k, "else") == 0 ||
                   strcmp(k, "items") == 0 || strcmp(k, "additionalItems") == 0 ||
                   strcmp(k, "contains") == 0 || strcmp(k, "propertyNames") == 0 ||
                   strcmp(k, "additionalProperties") == 0) {
            rc = prepare_children(s, k, v, depth, err);
        }
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

px_rc epcis__json_schema_load(epcis__json_schema **out, const char *path, px_err *err)
{
    *out = NULL;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "cannot read the JSON schema \"%s\": line %d: %s", path, je.line,
                          je.text);
    epcis__json_schema *s = calloc(1, sizeof(*s));
    if (!s) {
        json_decref(root);
        return px_err_oom(err);
    }
    s->root = root;
    px_rc rc = prepare(s, root, "#", 0, err);
    if (rc != PX_OK) {
        epcis__json_schema_free(s);
        return rc;
    }
    *out = s;
    return PX_OK;
}

void epcis__json_schema_free(epcis__json_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_patterns; i++)
        pcre2_code_free(s->patterns[i].code);
    free(s->patterns);
    json_decref(s->root);
    free(s);
}

/* ---- checking ---------------------------------------------------------------------------- */

typedef struct check_ctx {
    const epcis__json_schema *s;
    int quiet; /* inside anyOf/oneOf/not/if: failures are not reported */
    int failed_oom;
    char where[256]; /* the instance's JSON pointer, as the walk goes */
    px_err *err;
    int reported;
} check_ctx;

/* Records the first failure (not while quiet); returns 0 (does not match). */
static int fail(check_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(check_ctx *c, const char *fmt, ...)
{
    if (c->quiet || c->reported)
        return 0;
    c->reported = 1;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    px_err_set(c->err, PX_EINVALID, "epcis_schema", "%s: %s", c->where[0] ? c->where : "/", msg);
    return 0;
}

static int check(check_ctx *c, const json_t *sch, const json_t *inst, int depth);

/* Appends "/token" (RFC 6901 escaping) to c->where; returns the previous length. */
static size_t push(check_ctx *c, const char *token)
{
    size_t n = strlen(c->where), o = n;
    if (o + 1 < sizeof(c->where))
        c->where[o++] = '/';
    for (const char *p = token; *p && o + 2 < sizeof(c->where); p++) {
        if (*p == '~' || *p == '/') {
            c->where[o++] = '~';
            c->where[o++] = *p == '~' ? '0' : '1';
        } else {
            c->where[o++] = *p;
        }
    }
    c->where[o] = '\0';
    return n;
}

static int check_at(check_ctx *c, const json_t *sch, const json_t *inst, const char *token,
                    int depth)
{
    size_t n = push(c, token);
    int ok = check(c, sch, inst, depth + 1);
    c->where[n] = '\0';
    return ok;
}

static int check_index(check_ctx *c, const json_t *sch, const json_t *inst, size_t i, int depth)
{
    char t[24];
    snprintf(t, sizeof(t), "%zu", i);
    return check_at(c, sch, inst, t, depth);
}

/* "#/a/b~1c" inside the schema file (Core §8.3.2; other documents are not resolved). The
 * fragment is a URI's: percent-decoded first (RFC 3986 §2.1, "%40context"), then the JSON
 * pointer's "~0" and "~1" (RFC 6901 §6). */
static const json_t *resolve(const epcis__json_schema *s, const char *ref)
{
    if (ref[0] != '#')
        return NULL;
    const json_t *cur = s->root;
    const char *p = ref + 1;
    while (*p == '/' && cur) {
        p++;
        char tok[128];
        size_t o = 0;
        while (*p && *p != '/' && o + 1 < sizeof(tok)) {
            int hi = p[0] == '%' ? px_hexval((unsigned char)p[1]) : -1;
            int lo = hi >= 0 ? px_hexval((unsigned char)p[2]) : -1;
            if (lo >= 0) {
                tok[o++] = (char)(hi * 16 + lo);
                p += 3;
            } else if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
                tok[o++] = p[1] == '0' ? '~' : '/';
                p += 2;
            } else {
                tok[o++] = *p++;
            }
        }
        tok[o] = '\0';
        cur = json_is_array(cur) ? json_array_get(cur, strtoul(tok, NULL, 10))
                                 : json_object_get(cur, tok);
    }
    return *p ? NULL : cur;
}

static int type_is(const json_t *inst, const char *t)
{
    if (strcmp(t, "object") == 0)
        return json_is_object(inst);
    if (strcmp(t, "array") == 0)
        return json_is_array(inst);
    if (strcmp(t, "string") == 0)
        return json_is_string(inst);
    if (strcmp(t, "number") == 0)
        return json_is_number(inst);
    if (strcmp(t, "integer") == 0)
        return json_is_integer(inst) ||
               (json_is_real(inst) && floor(json_real_value(inst)) == json_real_value(inst));
    if (strcmp(t, "boolean") == 0)
        return json_is_boolean(inst);
    if (strcmp(t, "null") == 0)
        return json_is_null(inst);
    return 0;
}

/* JSON equality with 1 == 1.0 (Validation §4.2.2: numbers are equal by value). */
static int same(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal((json_t *)a, (json_t *)b);
}

static const pcre2_code *pattern_of(const epcis__json_schema *s, const json_t *src)
{
    for (size_t i = 0; i < s->n_patterns; i++)
        if (s->patterns[i].source == src)
            return s->patterns[i].code;
    return NULL;
}

/* 1 match, 0 no match, -1 when the match could not be run (memory, match limit): a resource
 * failure is never reported as a document's violation. ECMA 262 patterns are not anchored
 * (§6.3.3). */
static int matches(const pcre2_code *code, const char *str)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    if (!md)
        return -1;
    int r = pcre2_match(code, (PCRE2_SPTR)str, strlen(str), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return r >= 0 ? 1 : r == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* RFC 3339 §5.6 date-time: full-date "T" full-time, each field in its range (§5.7; a leap
 * second's 60 is allowed). */
static int is_date_time(const char *s)
{
    if (strlen(s) < 20 || !px_digits(s, 4) || s[4] != '-' || !px_digits(s + 5, 2) || s[7] != '-' ||
        !px_digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !px_digits(s + 11, 2) ||
        s[13] != ':' || !px_digits(s + 14, 2) || s[16] != ':' || !px_digits(s + 17, 2))
        return 0;
    int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        num(s + 11, 2) > 23 || num(s + 14, 2) > 59 || num(s + 17, 2) > 60)
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        if (!px_digits(++p, 1))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if ((p[0] == 'Z' || p[0] == 'z') && !p[1])
        return 1;
    return (p[0] == '+' || p[0] == '-') && px_digits(p + 1, 2) && p[3] == ':' &&
           px_digits(p + 4, 2) && !p[6] && num(p + 1, 2) <= 23 && num(p + 4, 2) <= 59;
}

static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Runs sub quietly: did inst match it? */
static int quietly(check_ctx *c, const json_t *sub, const json_t *inst, int depth)
{
    int was = c->quiet;
    c->quiet = 1;
    int ok = check(c, sub, inst, depth + 1);
    c->quiet = was;
    return ok;
}

static int check_object(check_ctx *c, const json_t *sch, const json_t *inst, int depth)
{
    const json_t *props = json_object_get(sch, "properties");
    const json_t *pprops = json_object_get(sch, "patternProperties");
    const json_t *addl = json_object_get(sch, "additionalProperties");
    const json_t *names = json_object_get(sch, "propertyNames");
    const json_t *req = json_object_get(sch, "required"), *v;
    size_t i;
    json_array_foreach(
        req, i,
        v) if (json_is_string(v) &&
               !json_object_get(
                   inst, json_string_value(v))) return fail(c,
                                                            "the required member \"%s\" is missing",
                                                            json_string_value(v));
    const json_t *lim;
    if ((lim = json_object_get(sch, "minProperties")) &&
        json_object_size(inst) < (size_t)json_integer_value(lim))
        return fail(c, "fewer than %lld members", (long long)json_integer_value(lim));
    if ((lim = json_object_get(sch, "maxProperties")) &&
        json_object_size(inst) > (size_t)json_integer_value(lim))
        return fail(c, "more than %lld members", (long long)json_integer_value(lim));
    const char *k;
    const json_t *member;
    json_object_foreach((json_t *)inst, k, member)
    {
        if (names) {
            json_t *name = json_string(k);
            if (!name) {
                c->failed_oom = 1;
                return 0;
            }
            int ok = check_at(c, names, name, k, depth);
            json_decref(name);
            if (!ok)
                return fail(c, "the member name \"%.60s\" is not allowed", k);
        }
        int matched = 0;
        const json_t *sub = props ? json_object_get(props, k) : NULL;
        if (sub) {
            matched = 1;
            if (!check_at(c, sub, member, k, depth))
                return 0;
        }
        const char *pk;
        const json_t *psub;
        json_object_foreach((json_t *)pprops, pk, psub)
        {
            const pcre2_code *code = pattern_of(c->s, psub);
            int m = code ? matches(code, k) : 0;
            if (m < 0) {
                c->failed_oom = 1;
                return 0;
            }
            if (m) {
                matched = 1;
                if (!check_at(c, psub, member, k, depth))
                    return 0;
            }
        }
        if (!matched && addl && !check_at(c, addl, member, k, depth))
            return fail(c, "the member \"%.60s\" is not allowed here", k);
    }
    return 1;
}

/* One string item of an array being checked for uniqueItems: its bytes and its position. */
typedef struct str_item {
    const char *s;
    size_t len, at;
} str_item;

static int str_item_cmp(const void *va, const void *vb)
{
    const str_item *a = va, *b = vb;
    size_t n = a->len < b->len ? a->len : b->len;
    int d = memcmp(a->s, b->s, n);
    if (d)
        return d;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->at < b->at ? -1 : a->at > b->at;
}

/* uniqueItems (Validation §6.4.5): 1 when no two items of the array inst are equal; 0 when
 * some are, *i < *j naming the pair the pairwise reading meets first (the smallest i with a
 * later equal item, and the first such j); -1 out of memory. An array of strings only (an
 * event's epcList: up to 100,000 EPCs in one commissioning, each of its report's events) is
 * sorted and its neighbours compared, O(n log n): compared pair by pair it took minutes, in
 * the release's transaction and again in every delivery's claim. Other arrays (a few items
 * of any kind) are compared pair by pair. */
static int unique_items(const json_t *inst, size_t *i, size_t *j)
{
    size_t n = json_array_size(inst), k;
    const json_t *v;
    int strings = 1;
    for (k = 0; k < n && strings; k++)
        strings = json_is_string(json_array_get(inst, k));
    if (!strings || n < 16) {
        for (size_t a = 0; a < n; a++)
            for (size_t b = a + 1; b < n; b++)
                if (same(json_array_get(inst, a), json_array_get(inst, b))) {
                    *i = a;
                    *j = b;
                    return 0;
                }
        return 1;
    }
    str_item *it = malloc(n * sizeof(*it));
    if (!it)
        return -1;
    for (k = 0; k < n; k++) {
        v = json_array_get(inst, k);
        it[k] = (str_item){json_string_value(v), json_string_length(v), k};
    }
    qsort(it, n, sizeof(*it), str_item_cmp);
    int unique = 1;
    for (k = 0; k + 1 < n; k++) {
        /* Sorted by value, then position: an equal neighbour of the first of a run of equal
         * items is that value's second position. */
        if (it[k].len != it[k + 1].len || memcmp(it[k].s, it[k + 1].s, it[k].len) != 0)
            continue;
        if (unique || it[k].at < *i) {
            *i = it[k].at;
            *j = it[k + 1].at;
        }
        unique = 0;
        while (k + 1 < n && it[k + 1].len == it[k].len &&
               memcmp(it[k].s, it[k + 1].s, it[k].len) == 0)
            k++;
    }
    free(it);
    return unique;
}

static int check_array(check_ctx *c, const json_t *sch, const json_t *inst, int depth)
{
    size_t n = json_array_size(inst), i;
    const json_t *lim, *items = json_object_get(sch, "items"), *v;
    if ((lim = json_object_get(sch, "minItems")) && n < (size_t)json_integer_value(lim))
        return fail(c, "fewer than %lld items", (long long)json_integer_value(lim));
    if ((lim = json_object_get(sch, "maxItems")) && n > (size_t)json_integer_value(lim))
        return fail(c, "more than %lld items", (long long)json_integer_value(lim));
    if (json_is_true(json_object_get(sch, "uniqueItems"))) {
        size_t a = 0, b = 0;
        int u = unique_items(inst, &a, &b);
        if (u < 0) {
            c->failed_oom = 1;
            return 0;
        }
        if (!u)
            return fail(c, "items %zu and %zu are equal (uniqueItems)", a, b);
    }
    if (json_is_array(items)) {
        const json_t *more = json_object_get(sch, "additionalItems");
        json_array_foreach(inst, i, v)
        {
            const json_t *sub = i < json_array_size(items) ? json_array_get(items, i) : more;
            if (sub && !check_index(c, sub, v, i, depth))
                return 0;
        }
    } else if (items) {
        json_array_foreach(inst, i, v) if (!check_index(c, items, v, i, depth)) return 0;
    }
    const json_t *contains = json_object_get(sch, "contains");
    if (contains) {
        int found = 0;
        json_array_foreach(inst, i, v) if (!found && quietly(c, contains, v, depth)) found = 1;
        if (!found)
            return fail(c, "no item matches \"contains\"");
    }
    return 1;
}

static int check_scalar(check_ctx *c, const json_t *sch, const json_t *inst)
{
    const json_t *lim;
    if (json_is_string(inst)) {
        const char *str = json_string_value(inst);
        size_t len = utf8_length(str);
        if ((lim = json_object_get(sch, "minLength")) && len < (size_t)json_integer_value(lim))
            return fail(c, "shorter than %lld characters", (long long)json_integer_value(lim));
        if ((lim = json_object_get(sch, "maxLength")) && len > (size_t)json_integer_value(lim))
            return fail(c, "longer than %lld characters", (long long)json_integer_value(lim));
        const json_t *fmt = json_object_get(sch, "format");
        if (json_is_string(fmt) && strcmp(json_string_value(fmt), "date-time") == 0 &&
            !is_date_time(str))
            return fail(c, "\"%.60s\" is not an RFC 3339 date-time", str);
        const json_t *pat = json_object_get(sch, "pattern");
        if (pat) {
            const pcre2_code *code = pattern_of(c->s, pat);
            int m = code ? matches(code, str) : 0;
            if (m < 0) {
                c->failed_oom = 1;
                return 0;
            }
            if (!m)
                return fail(c, "\"%.60s\" does not match the pattern %.60s", str,
                            json_string_value(pat));
        }
    }
    if (json_is_number(inst)) {
        double x = json_number_value(inst);
        if ((lim = json_object_get(sch, "minimum")) && x < json_number_value(lim))
            return fail(c, "below the minimum %g", json_number_value(lim));
        if ((lim = json_object_get(sch, "maximum")) && x > json_number_value(lim))
            return fail(c, "above the maximum %g", json_number_value(lim));
        if ((lim = json_object_get(sch, "exclusiveMinimum")) && x <= json_number_value(lim))
            return fail(c, "not above %g", json_number_value(lim));
        if ((lim = json_object_get(sch, "exclusiveMaximum")) && x >= json_number_value(lim))
            return fail(c, "not below %g", json_number_value(lim));
        if ((lim = json_object_get(sch, "multipleOf")) && json_number_value(lim) > 0) {
            double q = x / json_number_value(lim);
            if (fabs(q - nearbyint(q)) > 1e-9)
                return fail(c, "not a multiple of %g", json_number_value(lim));
        }
    }
    return 1;
}

static int check(check_ctx *c, const json_t *sch, const json_t *inst, int depth)
{
    if (c->failed_oom)
        return 0;
    if (json_is_boolean(sch))
        return json_is_true(sch) ? 1 : fail(c, "no value is allowed here");
    if (depth > MAX_DEPTH)
        return fail(c, "the document nests deeper than packid's checker follows");
    /* Draft-07: beside "$ref" every other keyword is ignored (Core §8.3). */
    const json_t *ref = json_object_get(sch, "$ref");
    if (ref) {
        const json_t *target = json_is_string(ref) ? resolve(c->s, json_string_value(ref)) : NULL;
        if (!target)
            return fail(c, "the schema's reference %.80s cannot be resolved",
                        json_is_string(ref) ? json_string_value(ref) : "?");
        return check(c, target, inst, depth + 1);
    }
    const json_t *t = json_object_get(sch, "type"), *v;
    size_t i;
    if (json_is_string(t) && !type_is(inst, json_string_value(t)))
        return fail(c, "not of type %s", json_string_value(t));
    if (json_is_array(t)) {
        int any = 0;
        json_array_foreach(t, i, v) any =
            any || (json_is_string(v) && type_is(inst, json_string_value(v)));
        if (!any)
            return fail(c, "not of any of the allowed types");
    }
    const json_t *en = json_object_get(sch, "enum");
    if (en) {
        int any = 0;
        json_array_foreach(en, i, v) any = any || same(v, inst);
        if (!any)
            return fail(c, "not one of the allowed values");
    }
    if ((v = json_object_get(sch, "const")) && !same(v, inst))
        return fail(c, "not the required value");
    if (json_is_object(inst) && !check_object(c, sch, inst, depth))
        return 0;
    if (json_is_array(inst) && !check_array(c, sch, inst, depth))
        return 0;
    if (!check_scalar(c, sch, inst))
        return 0;
    const json_t *list = json_object_get(sch, "allOf");
    json_array_foreach(list, i, v) if (!check(c, v, inst, depth + 1)) return 0;
    if ((list = json_object_get(sch, "anyOf"))) {
        int any = 0;
        json_array_foreach(list, i, v) if (!any && quietly(c, v, inst, depth)) any = 1;
        if (!any)
            return fail(c, "matches none of the alternatives (anyOf)");
    }
    if ((list = json_object_get(sch, "oneOf"))) {
        int n = 0;
        json_array_foreach(list, i, v) n += quietly(c, v, inst, depth);
        if (n != 1)
            return fail(c, "matches %d of the alternatives, not exactly one (oneOf)", n);
    }
    if ((v = json_object_get(sch, "not")) && quietly(c, v, inst, depth))
        return fail(c, "matches a schema it must not match (not)");
    if ((v = json_object_get(sch, "if"))) {
        const json_t *branch = quietly(c, v, inst, depth) ? json_object_get(sch, "then")
                                                          : json_object_get(sch, "else");
        if (branch && !check(c, branch, inst, depth + 1))
            return 0;
    }
    return !c->failed_oom;
}

px_rc epcis__json_schema_check(const epcis__json_schema *s, const char *data, size_t len,
                               px_err *err)
{
    json_error_t je;
    size_t bom = px_utf8_bom(data, len); /* ignored in JSON, RFC 8259 §8.1 */
    json_t *doc = json_loadb(data + bom, len - bom, 0, &je);
    if (!doc)
        return px_err_set(err, PX_EINVALID, "epcis_json", "line %d: %s", je.line, je.text);
    check_ctx c = {0};
    c.s = s;
    c.err = err;
    int ok = check(&c, s->root, doc, 0);
    json_decref(doc);
    if (c.failed_oom)
        return px_err_oom(err);
    if (!ok && !c.reported)
        return px_err_set(err, PX_EINVALID, "epcis_schema",
                          "the document does not validate against the EPCIS JSON schema");
    return ok ? PX_OK : PX_EINVALID;
}
