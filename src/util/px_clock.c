#include "px_clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int64_t pinned_us;
static atomic_int env_checked;

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil: proleptic Gregorian, no timegm() dependency. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int px_time_parse(const char *s, int64_t *us)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        int digits = 0;
        p++;
        while (*p >= '0' && *p <= '9') {
            if (digits < 6) {
                frac = frac * 10 + (*p - '0');
                digits++;
            }
            p++;
        }
        if (digits == 0)
            return -1;
        while (digits++ < 6)
            frac *= 10;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p) != 6 || oh > 14 || om > 59)
            return -1;
        off = (int64_t)(oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *us = ((days * 86400 + h * 3600 + mi * 60 + sec) - off) * 1000000 + frac;
    return 0;
}

int64_t px_now_us(void)
{
    if (!atomic_load(&env_checked)) {
        const char *allow = getenv("PACKID_ALLOW_TEST_CLOCK");
        const char *now = getenv("PACKID_TEST_NOW");
        int64_t us;
        if (allow && strcmp(allow, "1") == 0 && now && px_time_parse(now, &us) == 0)
            atomic_store(&pinned_us, us);
        atomic_store(&env_checked, 1);
    }
    int64_t pinned = atomic_load(&pinned_us);
    if (pinned)
        return pinned;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void px_clock_set(int64_t us)
{
    atomic_store(&env_checked, 1);
    atomic_store(&pinned_us, us);
}

double px_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void px_time_format(char out[32], int64_t us)
{
    int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
    int64_t ms = (us - secs * 1000000) / 1000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    /* civil_from_days (Hinnant). */
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char tmp[96]; /* years are bounded in practice; the compiler cannot know that */
    snprintf(tmp, sizeof(tmp), "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)ms);
    memcpy(out, tmp, 31);
    out[31] = '\0';
}
