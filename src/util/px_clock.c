#include "px_clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_calendar.h"

static _Atomic int64_t pinned_us;

/* n digits at s, or -1 when one is not a digit (sscanf's %d would take signs and spaces). */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int time_parse(const char *s, int64_t *us, int ceil)
{
    /* RFC 3339 §5.6 date-time: full-date "T" full-time, with time-offset Z or ±hh:mm. */
    if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > px_days_in_month(y, mo) || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || sec < 0 || sec > 60)
        return -1;
    const char *p = s + 19;
    int64_t frac = 0;
    int below = 0; /* a digit past the microsecond that is not 0 */
    if (*p == '.') {
        int n = 0;
        p++;
        while (*p >= '0' && *p <= '9') {
            if (n < 6) { /* microseconds; further digits are below the clock's resolution */
                frac = frac * 10 + (*p - '0');
                n++;
            } else {
                below |= *p != '0';
            }
            p++;
        }
        if (n == 0)
            return -1;
        while (n++ < 6)
            frac *= 10;
    }
    int64_t off = 0;
    int minutes;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (px_tz_offset_parse(p, &minutes) == 0) {
        off = (int64_t)minutes * 60;
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    int64_t secs = px_civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    /* In UTC within years 0001..9999, the years xsd:dateTime and RFC 3339 write in four digits:
     * a time of year 0 (or before it, once its offset is applied) has no form an EPCIS
     * document can carry (libxml2 refuses year 0; "-001" is no RFC 3339 year). */
    if (secs < px_civil_days(1, 1, 1) * 86400 || secs >= px_civil_days(10000, 1, 1) * 86400)
        return -1;
    *us = secs * 1000000 + frac + (ceil && below);
    return 0;
}

int px_time_parse(const char *s, int64_t *us)
{
    return time_parse(s, us, 0);
}

int px_time_parse_ceil(const char *s, int64_t *us)
{
    return time_parse(s, us, 1);
}

int px_tz_offset_parse(const char *s, int *minutes)
{
    if (s[0] != '+' && s[0] != '-')
        return -1;
    int h = digits(s + 1, 2), m = s[1] && s[2] && s[3] == ':' ? digits(s + 4, 2) : -1;
    if (h < 0 || m < 0 || m > 59 || h * 60 + m > 14 * 60)
        return -1;
    *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return 0;
}

int64_t px_now_us(void)
{
    int64_t pinned = atomic_load(&pinned_us);
    if (pinned)
        return pinned;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void px_clock_set(int64_t us)
{
    atomic_store(&pinned_us, us);
}

double px_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void px_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void put_digits(char *p, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
}

void px_time_format(char out[32], int64_t us)
{
    int64_t secs = px_floor_div(us, 1000000);
    unsigned ms = (unsigned)((us - secs * 1000000) / 1000);
    int64_t days = px_floor_div(secs, 86400);
    unsigned rem = (unsigned)(secs - days * 86400);
    int64_t y;
    int m, d;
    px_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        /* beyond RFC 3339's four-digit years: widen the year, keep the first 31 characters */
        char tmp[96];
        snprintf(tmp, sizeof(tmp), "%04lld-%02d-%02dT%02u:%02u:%02u.%03uZ", (long long)y, m, d,
                 rem / 3600, rem / 60 % 60, rem % 60, ms);
        memcpy(out, tmp, 31);
        out[31] = '\0';
        return;
    }
    /* written digit by digit: the EPCIS writer formats every event time through here */
    memcpy(out, "0000-00-00T00:00:00.000Z", 25);
    put_digits(out, (unsigned)y, 4);
    put_digits(out + 5, (unsigned)m, 2);
    put_digits(out + 8, (unsigned)d, 2);
    put_digits(out + 11, rem / 3600, 2);
    put_digits(out + 14, rem / 60 % 60, 2);
    put_digits(out + 17, rem % 60, 2);
    put_digits(out + 20, ms, 3);
}
