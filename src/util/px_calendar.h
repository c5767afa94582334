/* px_calendar — the one civil calendar of packid: proleptic Gregorian dates <-> days since
 * 1970-01-01 (UTC), by Howard Hinnant's era arithmetic ("chrono-compatible low-level date
 * algorithms"): exact for every year, no timegm()/gmtime() and no time zone database.
 * gs1/ dates, domain/ deadlines (Art. 13's 10 days, expiry not past), EPCIS times and
 * px_clock's RFC 3339 text all count days here. */
#ifndef PX_CALENDAR_H
#define PX_CALENDAR_H

#include <stdint.h>

#define PX_SEC_US 1000000LL
#define PX_HOUR_US (3600LL * PX_SEC_US)
#define PX_DAY_US (86400LL * PX_SEC_US)

/* 1 when year is a Gregorian leap year: divisible by 4, except centuries not divisible by
 * 400 (1900 no, 2000 yes). */
int px_leap_year(int64_t year);
/* Days in month 1..12 of year (28..31); 0 for a month outside 1..12. */
int px_days_in_month(int64_t year, int month);

/* Days since 1970-01-01 of year-month-day (1970-01-01 -> 0, 1969-12-31 -> -1). month 1..12
 * and day 1..31 are the caller's to check (px_days_in_month); out-of-range days count on. */
int64_t px_civil_days(int year, int month, int day);
/* The inverse: the civil date of a day count. Defined for |days| < 2^40 (about 3e9 years). */
void px_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* Floor division by a positive divisor: the day of an instant before the epoch is the one it
 * falls in (-1 us -> day -1), which C's truncating '/' gets wrong. */
int64_t px_floor_div(int64_t a, int64_t b);

/* 1 when s is "YYYY-MM-DD" as xsd:date writes a date without a zone: ten characters, digits
 * where digits go; then its year, month and day into *y, *m, *d (the month and day ranges are
 * the caller's to check, px_days_in_month). */
int px_iso_date_shape(const char *s, int *y, int *m, int *d);

/* The UTC civil date of an instant in microseconds since the epoch. */
void px_civil_from_us(int64_t us, int *year, int *month, int *day);
/* The UTC year of an instant: the year a two-digit GS1 year is read against (GenSpecs §7.12,
 * gs1_date_parse's current_year) is px_year_of_us(now), never a year written down. */
int px_year_of_us(int64_t us);

#endif
