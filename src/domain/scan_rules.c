#include "scan_rules.h"

#include <math.h>
#include <string.h>

#include "px_array.h"
#include "px_calendar.h"

#define US_PER_HOUR ((double)PX_HOUR_US)

void px_clone_rules_default(px_clone_rules *r)
{
    /* docs/resolver.md "Scans and clone detection": impossible travel and dispersion
     * (REQ-CLONE-1, REQ-CLONE-2), and the clock-skew allowance. */
    r->travel_min_km = 500.0;
    r->travel_max_kmh = 900.0;
    r->travel_window_us = 48 * PX_HOUR_US;
    r->skew_us = 60 * PX_SEC_US;
    r->dispersion_countries = 3;
    r->dispersion_clients = 5;
    r->dispersion_window_us = 30 * PX_DAY_US;
}

double px_geo_distance_km(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = 3.14159265358979323846 / 180.0, R = 6371.0088;
    double p1 = lat1 * rad, p2 = lat2 * rad;
    double dp = (lat2 - lat1) * rad, dl = (lon2 - lon1) * rad;
    double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    if (h > 1.0)
        h = 1.0; /* rounding near the antipode */
    return 2.0 * R * asin(sqrt(h));
}

static int64_t gap(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a;
}

/* REQ-CLONE-1: impossible travel — the distance less both positions' accuracy radii over the
 * time between the scans (docs/resolver.md "Scans and clone detection"). */
static int travel(const px_clone_rules *r, const px_scan *a, const px_scan *b)
{
    if (!a->has_pos || !b->has_pos)
        return 0;
    int64_t dt = gap(a->at_us, b->at_us);
    if (dt < r->skew_us || dt > r->travel_window_us)
        return 0;
    double d = px_geo_distance_km(a->lat, a->lon, b->lat, b->lon) - a->accuracy_km - b->accuracy_km;
    if (d <= r->travel_min_km)
        return 0;
    return d / ((double)dt / US_PER_HOUR) > r->travel_max_kmh;
}

/* Distinct non-empty values of a field among the scans in the window, now included. */
static int distinct(const px_scan *h, int n, const px_scan *now, int64_t window, int client)
{
    const char *seen[64];
    int k = 0;
    for (int i = -1; i < n && k < 64; i++) {
        const px_scan *s = i < 0 ? now : &h[i];
        if (gap(s->at_us, now->at_us) > window)
            continue;
        const char *v = client ? s->client : s->country;
        if (!v[0])
            continue;
        int dup = 0;
        for (int j = 0; j < k && !dup; j++)
            dup = strcmp(seen[j], v) == 0;
        if (!dup)
            seen[k++] = v;
    }
    return k;
}

unsigned px_clone_evaluate(const px_clone_rules *r, const px_scan *history, int n,
                           const px_scan *now, int found, px_pack_state state,
                           px_decom_reason reason)
{
    unsigned flags = 0;
    for (int i = 0; i < n && !(flags & PX_CLONE_TRAVEL); i++)
        if (travel(r, &history[i], now))
            flags |= PX_CLONE_TRAVEL;
    /* REQ-CLONE-2: dispersion — many countries, or many clients, for one serial. */
    if (distinct(history, n, now, r->dispersion_window_us, 0) > r->dispersion_countries ||
        distinct(history, n, now, r->dispersion_window_us, 1) > r->dispersion_clients)
        flags |= PX_CLONE_DISPERSION;
    /* REQ-CLONE-3: a destroyed or stolen pack must not be in anyone's hand (EMVS A24 logic,
     * docs/resolver.md "Scans and clone detection"). A dispensed pack in a consumer's hand is
     * expected, and an expired, recalled or withdrawn one gives its status without an alert. */
    if (found && state == PX_PACK_DECOMMISSIONED &&
        (reason == PX_REASON_DESTROYED || reason == PX_REASON_STOLEN))
        flags |= PX_CLONE_LIFECYCLE;
    return flags;
}

void px_clone_flag_names(char *out, unsigned cap, unsigned flags)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{PX_CLONE_TRAVEL, "impossible_travel"},
                 {PX_CLONE_DISPERSION, "dispersion"},
                 {PX_CLONE_LIFECYCLE, "lifecycle"}};
    unsigned o = 0;
    if (!cap)
        return;
    out[0] = '\0';
    for (unsigned i = 0; i < PX_COUNT(names); i++) {
        if (!(flags & names[i].bit))
            continue;
        unsigned len = (unsigned)strlen(names[i].name);
        if (o + (o ? 1 : 0) + len + 1 > cap)
            break;
        if (o)
            out[o++] = ',';
        memcpy(out + o, names[i].name, len + 1);
        o += len;
    }
}

int px_bucket_take(px_bucket *b, double rate, double burst, int64_t now_us, int *retry_after_s)
{
    if (b->at_us == 0) {
        b->tokens = burst;
        b->at_us = now_us;
    }
    if (now_us > b->at_us) {
        b->tokens += rate * (double)(now_us - b->at_us) / 1e6;
        if (b->tokens > burst)
            b->tokens = burst;
        b->at_us = now_us;
    }
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 1;
    }
    /* RFC 9110 §10.2.3: Retry-After in whole seconds, rounded up so a client that waits that
     * long finds a token. */
    double wait = rate > 0 ? (1.0 - b->tokens) / rate : 3600.0;
    int s = (int)ceil(wait);
    *retry_after_s = s < 1 ? 1 : s;
    return 0;
}
