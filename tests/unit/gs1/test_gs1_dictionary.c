/* External oracle (tests/README.md): packid's AI table equals GS1's Barcode Syntax Dictionary,
 * read at test time from ../shared/reference/gs1-syntax/, entry by entry and in both directions
 * (every table row is a dictionary AI, every dictionary AI is a table row): format, length,
 * character set, linters (names and GS1_LINT_* bits), '*' predefined-length flag, '?' DL
 * attribute flag, dlpkey role, req/ex rules, title, and the release. The parser here is written
 * independently of scripts/gen-ai-table.py, so a generator bug is caught too. */
#include <stdint.h>
#include <stdlib.h>

#include "gs1_test.h"

#include "gs1_ai.h"
#include "px_array.h"

#define DICT PX_SHARED_DIR "/reference/gs1-syntax/gs1-syntax-dictionary.txt"

typedef struct dict_entry {
    char lo[5], hi[5];
    int predefined, dl_attr;
    gs1_ai_component comp[GS1_AI_MAX_COMPONENTS];
    char linters[GS1_AI_MAX_COMPONENTS][64];
    int ncomp;
    char req[128], ex[128], dlpkey[64];
    int is_key;
    char title[64];
} dict_entry;

/* Dictionary linter names and their bits, in the order of gs1_ai.h. */
static const struct {
    const char *name;
    uint64_t bit;
} lint_bits[] = {
    {"csum", GS1_LINT_CSUM},
    {"csumalpha", GS1_LINT_CSUMALPHA},
    {"gcppos1", GS1_LINT_GCPPOS1},
    {"gcppos2", GS1_LINT_GCPPOS2},
    {"zero", GS1_LINT_ZERO},
    {"nonzero", GS1_LINT_NONZERO},
    {"nozeroprefix", GS1_LINT_NOZEROPREFIX},
    {"yymmd0", GS1_LINT_YYMMD0},
    {"yymmdd", GS1_LINT_YYMMDD},
    {"yyyymmdd", GS1_LINT_YYYYMMDD},
    {"hh", GS1_LINT_HH},
    {"mi", GS1_LINT_MI},
    {"ss", GS1_LINT_SS},
    {"hhmi", GS1_LINT_HHMI},
    {"iso3166", GS1_LINT_ISO3166},
    {"iso3166999", GS1_LINT_ISO3166999},
    {"iso3166alpha2", GS1_LINT_ISO3166ALPHA2},
    {"iso4217", GS1_LINT_ISO4217},
    {"iso5218", GS1_LINT_ISO5218},
    {"pieceoftotal", GS1_LINT_PIECEOFTOTAL},
    {"posinseqslash", GS1_LINT_POSINSEQSLASH},
    {"importeridx", GS1_LINT_IMPORTERIDX},
    {"latitude", GS1_LINT_LATITUDE},
    {"longitude", GS1_LINT_LONGITUDE},
    {"mediatype", GS1_LINT_MEDIATYPE},
    {"packagetype", GS1_LINT_PACKAGETYPE},
    {"pcenc", GS1_LINT_PCENC},
    {"hasnondigit", GS1_LINT_HASNONDIGIT},
    {"hyphen", GS1_LINT_HYPHEN},
    {"winding", GS1_LINT_WINDING},
    {"yesno", GS1_LINT_YESNO},
    {"iban", GS1_LINT_IBAN},
    {"couponcode", GS1_LINT_COUPONCODE},
    {"couponposoffer", GS1_LINT_COUPONPOSOFFER},
};

/* The bits for a comma-separated list of linter names; sets *unknown when a name has none. */
static uint64_t lint_mask(const char *names, int *unknown)
{
    uint64_t m = 0;
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", names);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t k = 0;
        while (k < PX_COUNT(lint_bits) && strcmp(lint_bits[k].name, t))
            k++;
        if (k == PX_COUNT(lint_bits))
            *unknown = 1;
        else
            m |= lint_bits[k].bit;
    }
    return m;
}

static int parse_component(const char *tok, gs1_ai_component *c, char *linters)
{
    char t[96];
    snprintf(t, sizeof(t), "%s", tok);
    memset(c, 0, sizeof(*c));
    char *s = t;
    if (*s == '[') {
        c->optional = 1;
        s++;
        char *close = strchr(s, ']');
        if (close)
            memmove(close, close + 1, strlen(close + 1) + 1);
    }
    c->cset = *s++;
    char *comma = strchr(s, ',');
    snprintf(linters, 64, "%s", comma ? comma + 1 : "");
    if (comma)
        *comma = '\0';
    if (strncmp(s, "..", 2) == 0) {
        c->min = 1;
        c->max = (unsigned char)strtol(s + 2, NULL, 10);
    } else {
        c->min = c->max = (unsigned char)strtol(s, NULL, 10);
    }
    return c->max > 0;
}

static int parse_line(char *line, dict_entry *d)
{
    memset(d, 0, sizeof(*d));
    char *hash = strchr(line, '#');
    if (hash) {
        *hash = '\0';
        char *t = hash + 1;
        while (*t == ' ')
            t++;
        size_t n = strlen(t);
        while (n && (t[n - 1] == '\n' || t[n - 1] == ' ' || t[n - 1] == '\r'))
            t[--n] = '\0';
        snprintf(d->title, sizeof(d->title), "%s", t);
    }
    char *save = NULL;
    char *tok = strtok_r(line, " \t\n\r", &save);
    if (!tok || tok[0] < '0' || tok[0] > '9')
        return 0;
    char *dash = strchr(tok, '-');
    if (dash) {
        *dash = '\0';
        snprintf(d->hi, sizeof(d->hi), "%s", dash + 1);
    }
    snprintf(d->lo, sizeof(d->lo), "%s", tok);
    if (!dash)
        snprintf(d->hi, sizeof(d->hi), "%s", tok);
    while ((tok = strtok_r(NULL, " \t\n\r", &save))) {
        if (strspn(tok, "*?") == strlen(tok)) {
            d->predefined = strchr(tok, '*') != NULL;
            d->dl_attr = strchr(tok, '?') != NULL;
        } else if (strchr("NXYZ[", tok[0])) {
            if (d->ncomp < GS1_AI_MAX_COMPONENTS) {
                parse_component(tok, &d->comp[d->ncomp], d->linters[d->ncomp]);
                d->ncomp++;
            }
        } else if (strncmp(tok, "req=", 4) == 0) {
            if (d->req[0])
                strncat(d->req, " ", sizeof(d->req) - strlen(d->req) - 1);
            strncat(d->req, tok + 4, sizeof(d->req) - strlen(d->req) - 1);
        } else if (strncmp(tok, "ex=", 3) == 0) {
            snprintf(d->ex, sizeof(d->ex), "%s", tok + 3);
        } else if (strcmp(tok, "dlpkey") == 0) {
            d->is_key = 1;
        } else if (strncmp(tok, "dlpkey=", 7) == 0) {
            d->is_key = 1;
            snprintf(d->dlpkey, sizeof(d->dlpkey), "%s", tok + 7);
        }
    }
    return 1;
}

static int in_range(const dict_entry *d, const char *ai)
{
    size_t n = strlen(ai);
    return strlen(d->lo) == n && strlen(d->hi) == n && strcmp(ai, d->lo) >= 0 &&
           strcmp(ai, d->hi) <= 0;
}

static void test_gs1__dictionary_agrees(void)
{
    FILE *f = fopen(DICT, "r");
    assert_non_null(f);
    size_t n = gs1_ai_count();
    int *seen = calloc(n, sizeof(int));
    assert_non_null(seen);
    char line[512];
    int failures = 0, entries = 0, dict_ais = 0;
    char release[32] = "";
    while (fgets(line, sizeof(line), f)) {
        if (!release[0] && sscanf(line, "# Release: %31s", release) == 1)
            continue;
        dict_entry d;
        if (!parse_line(line, &d))
            continue;
        entries++;
        /* every AI of the entry (a range "3100-3105" is six) is a row of packid's table */
        size_t width = strlen(d.lo);
        for (long a = strtol(d.lo, NULL, 10); a <= strtol(d.hi, NULL, 10); a++) {
            char ai[8];
            snprintf(ai, sizeof(ai), "%0*ld", (int)width, a);
            dict_ais++;
            if (!gs1_ai_lookup(ai, width)) {
                print_error("dictionary AI (%s) is not in packid's table\n", ai);
                failures++;
            }
        }
        for (size_t i = 0; i < n; i++) {
            const gs1_ai_def *a = gs1_ai_at(i);
            if (!in_range(&d, a->ai))
                continue;
            seen[i] = 1;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            print_error("AI (%s) disagrees with the dictionary: ", a->ai);                         \
            print_error(__VA_ARGS__);                                                              \
            print_error("\n");                                                                     \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)
            CHECK(!!(a->flags & GS1_AI_PREDEFINED) == d.predefined, "'*' flag");
            CHECK(!!(a->flags & GS1_AI_DL_ATTR) == d.dl_attr, "'?' flag");
            int nc = 0;
            while (nc < GS1_AI_MAX_COMPONENTS && a->comp[nc].cset)
                nc++;
            CHECK(nc == d.ncomp, "%d components, dictionary has %d", nc, d.ncomp);
            for (int k = 0; k < nc && k < d.ncomp; k++) {
                const gs1_ai_component *c = &a->comp[k], *e = &d.comp[k];
                CHECK(c->cset == e->cset, "component %d type %c vs %c", k, c->cset, e->cset);
                CHECK(c->min == e->min && c->max == e->max, "component %d length %d..%d vs %d..%d",
                      k, c->min, c->max, e->min, e->max);
                CHECK(c->optional == e->optional, "component %d optional", k);
                CHECK(strcmp(c->linters, d.linters[k]) == 0,
                      "component %d linters \"%s\" vs \"%s\"", k, c->linters, d.linters[k]);
                int unknown = 0;
                uint64_t want = lint_mask(d.linters[k], &unknown);
                CHECK(!unknown, "component %d: a linter of \"%s\" has no GS1_LINT_ bit", k,
                      d.linters[k]);
                CHECK(c->lint == want, "component %d linter bits differ from \"%s\"", k,
                      d.linters[k]);
            }
            CHECK(strcmp(a->req ? a->req : "", d.req) == 0, "req \"%s\" vs \"%s\"",
                  a->req ? a->req : "", d.req);
            CHECK(strcmp(a->ex ? a->ex : "", d.ex) == 0, "ex \"%s\" vs \"%s\"", a->ex ? a->ex : "",
                  d.ex);
            CHECK((a->dlpkey != NULL) == d.is_key, "dlpkey role");
            CHECK(strcmp(a->dlpkey ? a->dlpkey : "", d.dlpkey) == 0, "dlpkey \"%s\" vs \"%s\"",
                  a->dlpkey ? a->dlpkey : "", d.dlpkey);
            CHECK(strcmp(a->title, d.title) == 0, "title \"%s\" vs \"%s\"", a->title, d.title);
#undef CHECK
        }
    }
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        if (!seen[i]) {
            print_error("AI (%s) is not in the dictionary\n", gs1_ai_at(i)->ai);
            failures++;
        }
    }
    free(seen);
    assert_true(entries > 200); /* the whole dictionary was read (224 lines in 2026-01) */
    assert_int_equal((size_t)dict_ais, gs1_ai_count());
    assert_string_equal(release, gs1_ai_dictionary_release());
    assert_int_equal(failures, 0);
}

/* The table covers at least the pharma AIs and these of the wider dictionary. */
/* gs1_ai_lookup against the table itself, over every AI that could be asked: each of the
 * 11,100 strings of two to four digits finds its own row when it is one and nothing when it
 * is not (the search runs over one two-digit prefix's rows: ai_table.c); text that is not
 * digits finds nothing. */
static void test_gs1__lookup_every_ai(void)
{
    size_t n = gs1_ai_count(), found = 0;
    for (int width = 2; width <= 4; width++) {
        int end = width == 2 ? 100 : width == 3 ? 1000 : 10000;
        for (int v = 0; v < end; v++) {
            char ai[16];
            snprintf(ai, sizeof(ai), "%0*d", width, v);
            const gs1_ai_def *want = NULL;
            for (size_t i = 0; i < n && !want; i++)
                if (strcmp(gs1_ai_at(i)->ai, ai) == 0)
                    want = gs1_ai_at(i);
            if (gs1_ai_lookup(ai, (size_t)width) != want)
                fail_msg("lookup of (%s) found the wrong row", ai);
            found += want != NULL;
        }
    }
    assert_int_equal(found, n);
    assert_null(gs1_ai_lookup("0A", 2));
    assert_null(gs1_ai_lookup("A1", 2));
    assert_null(gs1_ai_lookup("/1", 2));
    assert_null(gs1_ai_lookup("01", 1));
    assert_null(gs1_ai_lookup("01234", 5));
}

static void test_gs1__table_coverage(void)
{
    static const char *const required[] = {
        "00",   "01",   "10",   "11",   "17",   "21",   "22",   "235", "240", "254",  "414",
        "417",  "7003", "710",  "711",  "712",  "713",  "714",  "715", "716", "717",  "90",
        "91",   "92",   "93",   "94",   "95",   "96",   "97",   "98",  "99",  "8013", "8007",
        "8110", "7250", "4307", "3103", "8200", "8030", "8040", "423"};
    for (size_t i = 0; i < PX_COUNT(required); i++) {
        if (!gs1_ai_lookup(required[i], strlen(required[i])))
            print_error("AI (%s) missing\n", required[i]);
        assert_non_null(gs1_ai_lookup(required[i], strlen(required[i])));
    }
    /* lexical order, no duplicates, prefix-free (an AI never starts another) */
    for (size_t i = 1; i < gs1_ai_count(); i++)
        assert_true(strcmp(gs1_ai_at(i - 1)->ai, gs1_ai_at(i)->ai) < 0);
    for (size_t i = 0; i < gs1_ai_count(); i++)
        for (size_t k = 0; k < gs1_ai_count(); k++)
            if (i != k)
                assert_false(
                    strncmp(gs1_ai_at(i)->ai, gs1_ai_at(k)->ai, strlen(gs1_ai_at(i)->ai)) == 0);
}
