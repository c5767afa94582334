/* scan_rules — what the scans of one pack say about clones (docs/resolver.md "Scans and clone
 * detection"), and the token bucket that keeps one client from flooding the public routes.
 *
 * Pure: the caller reads the scans of a serial and passes "now". No rule here is a standard
 * (none is published): the thresholds are configuration with the defaults of docs/resolver.md. */
#ifndef PX_SCAN_RULES_H
#define PX_SCAN_RULES_H

#include <stdint.h>

#include "pack_state.h"

/* One public verification or resolver hit on a serial. */
typedef struct px_scan {
    int64_t at_us;
    int has_pos;        /* lat/lon given by the scanning app */
    double lat, lon;    /* degrees, WGS 84 */
    double accuracy_km; /* radius of the position's uncertainty (0: exact) */
    char country[3];    /* ISO 3166-1 alpha-2, "" when not given */
    char client[17];    /* the first 16 hex digits of the client's salted hash */
} px_scan;

typedef struct px_clone_rules {
    double travel_min_km;         /* REQ-CLONE-1: d - accuracy must exceed this (500) ... */
    double travel_max_kmh;        /* ... and the speed this (900) ... */
    int64_t travel_window_us;     /* ... between scans at most this far apart (48 h) */
    int64_t skew_us;              /* pairs closer in time than this are ignored (60 s) */
    int dispersion_countries;     /* REQ-CLONE-2: more distinct countries than this (3) ... */
    int dispersion_clients;       /* ... or more distinct clients than this (5) ... */
    int64_t dispersion_window_us; /* ... within this window (30 days) */
} px_clone_rules;

/* The defaults of docs/resolver.md "Scans and clone detection". */
void px_clone_rules_default(px_clone_rules *r);

/* Flags (bits): which rule fired. */
#define PX_CLONE_TRAVEL 1u     /* impossible travel between two scans */
#define PX_CLONE_DISPERSION 2u /* too many countries or clients in the window */
#define PX_CLONE_LIFECYCLE 4u  /* a scan of a pack that must no longer circulate */

/* Great-circle distance in km (haversine, R = 6371.0088 km, docs/resolver.md "Scans and clone
 * detection"). */
double px_geo_distance_km(double lat1, double lon1, double lat2, double lon2);

/* The rules that fire for scan `now` given the earlier scans of the same serial (any order;
 * scans outside the windows are ignored) and the pack's state. */
unsigned px_clone_evaluate(const px_clone_rules *r, const px_scan *history, int n,
                           const px_scan *now, int found, px_pack_state state,
                           px_decom_reason reason);

/* Names of the flags set in flags, as "travel,dispersion" into out (cap bytes). */
void px_clone_flag_names(char *out, unsigned cap, unsigned flags);

/* A token bucket (REQ-ABUSE-1): rate tokens a second up to burst. */
typedef struct px_bucket {
    double tokens;
    int64_t at_us; /* when tokens was computed; 0 = a new, full bucket */
} px_bucket;

/* Takes one token: 1 when granted; 0 with *retry_after_s (>= 1) the whole seconds until one
 * is available. */
int px_bucket_take(px_bucket *b, double rate, double burst, int64_t now_us, int *retry_after_s);

#endif
