/* Clone detection rules and the public routes' token bucket (DOMAIN-2.md §13, docs/resolver.md):
 * every rule with the vectors either side of its threshold. Distances are checked against
 * published great-circle figures (an outside oracle), not against the formula itself. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dl_resolve.h"
#include "px_array.h"
#include "scan_rules.h"

#define MIN_US (60LL * 1000000)
#define H_US (60 * MIN_US)
#define DAY_US (24 * H_US)

typedef struct {
    const char *file;
    int line;
    double lat1, lon1, lat2, lon2, km, tol;
} dist_vector;

#define D(...) {__FILE__, __LINE__, __VA_ARGS__}
/* Figures from the usual great-circle calculators (mean radius): Paris–London 343.5 km,
 * Berlin–Munich 504 km; one degree of a meridian 111.2 km; a quarter of the equator and pole
 * to equator are pi/2 x R = 10,007.6 km. */
static const dist_vector dists[] = {
    D(48.8566, 2.3522, 51.5074, -0.1278, 343.6, 1.0),
    D(0.0, 0.0, 0.0, 90.0, 10007.6, 0.1),
    D(90.0, 0.0, 0.0, 45.0, 10007.6, 0.1),
    D(52.5200, 13.4050, 48.1351, 11.5820, 504.0, 2.0),
    D(0.0, 0.0, 1.0, 0.0, 111.2, 0.1),
    D(10.0, 20.0, 10.0, 20.0, 0.0, 0.0001),
};

static void test_scan_rules__distance(void)
{
    for (size_t i = 0; i < PX_COUNT(dists); i++) {
        const dist_vector *v = &dists[i];
        double d = px_geo_distance_km(v->lat1, v->lon1, v->lat2, v->lon2);
        if (fabs(d - v->km) > v->tol)
            fail_msg("%s:%d: %.1f km, want %.1f", v->file, v->line, d, v->km);
    }
}

typedef struct {
    const char *file;
    int line;
    const char *what;
    px_scan before;       /* at_us relative to now (negative = earlier) */
    px_scan now;
    int found;
    px_pack_state state;
    px_decom_reason reason;
    unsigned want;
} rule_vector;

#define POS(t, la, lo, acc) {(t), 1, (la), (lo), (acc), "", ""}
#define CC(t, c, cl) {(t), 0, 0, 0, 0, c, cl}
#define R(...) {__FILE__, __LINE__, __VA_ARGS__}
#define REL 1, PX_PACK_RELEASED, PX_REASON_NONE

static const rule_vector rules[] = {
    /* REQ-CLONE-1: Frankfurt then New York 10 minutes later: 6,200 km in 1/6 h. */
    R("travel fires", POS(-10 * MIN_US, 50.04, 8.56, 0), POS(0, 40.64, -73.78, 0), REL,
      PX_CLONE_TRAVEL),
    /* The same pair 8 h apart: 775 km/h is a flight, not a clone. */
    R("travel by plane", POS(-8 * H_US, 50.04, 8.56, 0), POS(0, 40.64, -73.78, 0), REL, 0),
    /* Berlin -> Munich (504 km) in 30 min is too fast, but the accuracy radii bring the
     * distance under 500 km. */
    R("accuracy forgives", POS(-30 * MIN_US, 52.52, 13.405, 3), POS(0, 48.135, 11.582, 3), REL,
      0),
    R("over 500 km", POS(-30 * MIN_US, 52.52, 13.405, 0), POS(0, 48.135, 11.582, 0), REL,
      PX_CLONE_TRAVEL),
    /* Under the 500 km floor: Paris -> London in 10 minutes is not flagged (GPS jumps). */
    R("under the floor", POS(-10 * MIN_US, 48.86, 2.35, 0), POS(0, 51.51, -0.13, 0), REL, 0),
    /* Clock skew: 30 s apart is ignored. */
    R("skew", POS(-30 * 1000000LL, 50.04, 8.56, 0), POS(0, 40.64, -73.78, 0), REL, 0),
    /* Outside the 48 h window. */
    R("old scan", POS(-49 * H_US, 50.04, 8.56, 0), POS(0, 40.64, -73.78, 0), REL, 0),
    /* No position on one side: nothing to compare. */
    R("no position", CC(-10 * MIN_US, "DE", ""), POS(0, 40.64, -73.78, 0), REL, 0),
    /* REQ-CLONE-3: a stolen or destroyed pack scanned. */
    R("stolen", CC(-DAY_US, "", ""), CC(0, "", ""), 1, PX_PACK_DECOMMISSIONED, PX_REASON_STOLEN,
      PX_CLONE_LIFECYCLE),
    R("destroyed", CC(-DAY_US, "", ""), CC(0, "", ""), 1, PX_PACK_DECOMMISSIONED,
      PX_REASON_DESTROYED, PX_CLONE_LIFECYCLE),
    /* A consumer scanning a dispensed pack, and a recalled one: status only. */
    R("dispensed", CC(-DAY_US, "", ""), CC(0, "", ""), 1, PX_PACK_DECOMMISSIONED,
      PX_REASON_DISPENSED, 0),
    R("recalled", CC(-DAY_US, "", ""), CC(0, "", ""), 1, PX_PACK_DECOMMISSIONED,
      PX_REASON_RECALLED, 0),
};

static void test_scan_rules__clone_rules(void)
{
    px_clone_rules r;
    px_clone_rules_default(&r);
    for (size_t i = 0; i < PX_COUNT(rules); i++) {
        const rule_vector *v = &rules[i];
        px_scan h = v->before, now = v->now;
        h.at_us += 100 * DAY_US;
        now.at_us += 100 * DAY_US;
        unsigned got = px_clone_evaluate(&r, &h, 1, &now, v->found, v->state, v->reason);
        if (got != v->want)
            fail_msg("%s:%d: %s: flags %u, want %u", v->file, v->line, v->what, got, v->want);
    }
}

/* REQ-CLONE-2: four countries within 30 days fire; three do not; a fourth country older than
 * the window does not count; six clients fire, five do not. */
static void test_scan_rules__dispersion(void)
{
    px_clone_rules r;
    px_clone_rules_default(&r);
    int64_t t = 400 * DAY_US;
    px_scan h[6] = {CC(t - 20 * DAY_US, "DE", "a"), CC(t - 10 * DAY_US, "FR", "a"),
                    CC(t - DAY_US, "IT", "a"), CC(t - 31 * DAY_US, "ES", "a")};
    px_scan now = CC(t, "IT", "a");
    assert_int_equal(px_clone_evaluate(&r, h, 4, &now, REL), 0);
    now = (px_scan)CC(t, "PL", "a");
    assert_int_equal(px_clone_evaluate(&r, h, 4, &now, REL), PX_CLONE_DISPERSION);
    px_scan c[5] = {CC(t - 5, "", "c1"), CC(t - 4, "", "c2"), CC(t - 3, "", "c3"),
                    CC(t - 2, "", "c4"), CC(t - 1, "", "c1")};
    now = (px_scan)CC(t, "", "c5");
    assert_int_equal(px_clone_evaluate(&r, c, 5, &now, REL), 0);
    now = (px_scan)CC(t, "", "c6");
    assert_int_equal(px_clone_evaluate(&r, c, 5, &now, REL), 0);
    c[4] = (px_scan)CC(t - 1, "", "c5");
    assert_int_equal(px_clone_evaluate(&r, c, 5, &now, REL), PX_CLONE_DISPERSION);
    /* The largest threshold the configuration takes (63) still fires: 63 clients in the 64
     * scans the store reads and the scanning one make 64. */
    px_scan many[64];
    memset(many, 0, sizeof(many));
    for (int i = 0; i < 64; i++) {
        many[i].at_us = t - 64 + i;
        snprintf(many[i].client, sizeof(many[i].client), "m%d", i % 63);
    }
    r.dispersion_clients = 63;
    now = (px_scan)CC(t, "", "m63");
    assert_int_equal(px_clone_evaluate(&r, many, 64, &now, REL), PX_CLONE_DISPERSION);
    now = (px_scan)CC(t, "", "m0");
    assert_int_equal(px_clone_evaluate(&r, many, 64, &now, REL), 0);
    char names[64];
    px_clone_flag_names(names, sizeof(names), PX_CLONE_TRAVEL | PX_CLONE_DISPERSION);
    assert_string_equal(names, "impossible_travel,dispersion");
}

/* REQ-ABUSE-1: a burst of `burst` requests passes, the next waits; tokens come back at the
 * rate; Retry-After is rounded up to whole seconds. */
static void test_scan_rules__bucket(void)
{
    px_bucket b = {0, 0};
    int retry = 0;
    int64_t t = 1000000000;
    for (int i = 0; i < 5; i++)
        assert_int_equal(px_bucket_take(&b, 0.5, 5, t, &retry), 1);
    assert_int_equal(px_bucket_take(&b, 0.5, 5, t, &retry), 0);
    assert_int_equal(retry, 2); /* one token at 0.5/s */
    assert_int_equal(px_bucket_take(&b, 0.5, 5, t + 1000000, &retry), 0);
    assert_int_equal(retry, 1);
    assert_int_equal(px_bucket_take(&b, 0.5, 5, t + 2000000, &retry), 1);
    /* A long pause refills to the burst, never above. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(px_bucket_take(&b, 0.5, 5, t + 3600000000LL, &retry), 1);
    assert_int_equal(px_bucket_take(&b, 0.5, 5, t + 3600000000LL, &retry), 0);
}

typedef struct {
    const char *file;
    int line;
    const char *accept, *link_type;
    px_resolve_answer want;
    const char *suffix;
} choose_vector;

#define C(...) {__FILE__, __LINE__, __VA_ARGS__}
static const choose_vector chooses[] = {
    /* A phone browser. */
    C("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", NULL, PX_RESOLVE_PAGE, ""),
    C(NULL, NULL, PX_RESOLVE_PAGE, ""),
    C("*/*", NULL, PX_RESOLVE_PAGE, ""),
    /* DOMAIN-2.md §12.1 item 6: the linkset by media type or by linkType (and "all"). */
    C("application/linkset+json", NULL, PX_RESOLVE_LINKSET, ""),
    C("text/html;q=0.5, application/linkset+json", NULL, PX_RESOLVE_LINKSET, ""),
    C("application/linkset+json;q=0", NULL, PX_RESOLVE_PAGE, ""),
    C("text/html", "linkset", PX_RESOLVE_LINKSET, ""),
    C(NULL, "all", PX_RESOLVE_LINKSET, ""),
    C(NULL, "gs1:linkset", PX_RESOLVE_LINKSET, ""),
    C("application/json", NULL, PX_RESOLVE_JSON, ""),
    C("application/json, text/html;q=0.1", NULL, PX_RESOLVE_JSON, ""),
    C("application/json;q=0.5, text/html", NULL, PX_RESOLVE_PAGE, ""),
    /* Every application type: JSON, packid's one (it got the page, found from outside). */
    C("application/*", NULL, PX_RESOLVE_JSON, ""),
    C("application/*;q=0.5, text/html", NULL, PX_RESOLVE_PAGE, ""),
    /* Link types in every namespace spelling (§12.2). */
    C(NULL, "gs1:verificationService", PX_RESOLVE_LINK, "verificationService"),
    C(NULL, "verificationService", PX_RESOLVE_LINK, "verificationService"),
    C(NULL, "https://ref.gs1.org/voc/pip", PX_RESOLVE_LINK, "pip"),
    C(NULL, "https://gs1.org/voc/epil", PX_RESOLVE_LINK, "epil"),
    C(NULL, "gs1:nosuchlt", PX_RESOLVE_LINK, "nosuchlt"),
    C("application/json", "gs1:defaultLink", PX_RESOLVE_PAGE, ""),
};

static void test_scan_rules__resolver_choice(void)
{
    for (size_t i = 0; i < PX_COUNT(chooses); i++) {
        const choose_vector *v = &chooses[i];
        char suffix[64];
        px_resolve_answer a = px_resolve_choose(v->accept, v->link_type, suffix, sizeof(suffix));
        if (a != v->want || strcmp(suffix, v->suffix) != 0)
            fail_msg("%s:%d: answer %d '%s', want %d '%s'", v->file, v->line, (int)a, suffix,
                     (int)v->want, v->suffix);
    }
}

/* REQ-LINKS-3: Accept-Language against a link's language (RFC 4647 basic filtering and
 * lookup's truncation, the closest range deciding). */
typedef struct lang_vector {
    const char *accept_language, *lang;
    int want_q;
} lang_vector;

static const lang_vector langs[] = {
    {NULL, "en", -1},
    {"en", "", -1},
    {"en", "en", 1000},
    {"en", "en-GB", 1000},
    {"en-GB", "en", 1000},
    {"en-GB;q=0.2, en", "en", 1000},
    {"EN-gb", "en-GB", 1000},
    {"es-ES, en;q=0.5", "en", 500},
    {"es-ES, en;q=0.5", "es-ES", 1000},
    {"es-ES, en;q=0.5", "es", 1000},
    {"es-ES, en;q=0.5", "es-MX", -1},
    {"en-GB;q=0.2, en", "en-GB", 200},
    {"en-GB;q=0.2, en", "en-US", 1000},
    {"fr, *;q=0.1", "de", 100},
    {"fr, *;q=0.1", "fr-CA", 1000},
    {"en;q=0", "en", 0},
    {"enx", "en", -1},
    {"  de ;q=0.7 ,en", "de", 700},
};

static void test_scan_rules__language_q(void)
{
    for (size_t i = 0; i < PX_COUNT(langs); i++) {
        int q = px_resolve_language_q(langs[i].accept_language, langs[i].lang);
        if (q != langs[i].want_q)
            fail_msg("'%s' for '%s': q %d, want %d",
                     langs[i].accept_language ? langs[i].accept_language : "(none)",
                     langs[i].lang, q, langs[i].want_q);
    }
}
