/* px_clock — the one source of "now". Rules with deadlines (EU FMD Art. 13's 10 days, expiry
 * not in the past, signed-link expiry) read time through this so tests can move it.
 * px_clock_set() pins it: the command line does so from the configuration's test_now_us
 * (PACKID_TEST_NOW, honoured only with PACKID_ALLOW_TEST_CLOCK=1 so production cannot be
 * fooled by a stray variable; src/util/px_config.c reads both, as it reads every variable). */
#ifndef PX_CLOCK_H
#define PX_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Microseconds since the Unix epoch. */
int64_t px_now_us(void);
/* Pins the clock (us since epoch); 0 releases it. */
void px_clock_set(int64_t us);
/* Monotonic milliseconds, for durations. */
double px_mono_ms(void);
/* Sleeps ms milliseconds (the whole of them: a signal does not cut the sleep short). */
void px_sleep_ms(long ms);
/* Formats us-since-epoch as RFC 3339 UTC with milliseconds: "2026-03-01T10:00:00.000Z". */
void px_time_format(char out[32], int64_t us);
/* The last microsecond of year 9999 in microseconds since the epoch: no time packid takes or
 * stores is later (a cursor's time past it is none of a list's rows). */
#define PX_TIME_US_MAX 253402300799999999LL
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" or with a ±hh:mm offset; 0 on success. The time in UTC
 * must fall in years 0001..9999. */
int px_time_parse(const char *s, int64_t *us);
/* px_time_parse, a fraction below the microsecond rounded up rather than cut: a query's time
 * bound, so ".1230001" is after every time written ".123" (a cut would make it ".123"). */
int px_time_parse_ceil(const char *s, int64_t *us);
/* A time zone offset "+hh:mm" or "-hh:mm" at the start of s, within -14:00..+14:00 (the
 * offsets of xsd:dateTime, XML Schema 1.1 Part 2 §3.3.7; EPCIS eventTimeZoneOffset): *minutes
 * east of UTC and 0, or -1. The one reading of an offset, in times and in EPCIS events. */
int px_tz_offset_parse(const char *s, int *minutes);

#endif
