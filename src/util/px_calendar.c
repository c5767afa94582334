#include "px_calendar.h"

#include <string.h>

#include "px_str.h"

int px_leap_year(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int px_days_in_month(int64_t year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && px_leap_year(year) ? 29 : days[month - 1];
}

int64_t px_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return a % b < 0 ? q - 1 : q;
}

/* The year is shifted to start on 1 March, so the leap day is the last day of the shifted
 * year; an era is 400 years = 146097 days, after which the Gregorian cycle repeats exactly.
 * 719468 is the day count of 1970-01-01 from 0000-03-01. */
int64_t px_civil_days(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = px_floor_div(y, 400);
    int64_t yoe = y - era * 400;                         /* [0, 399] */
    int64_t mp = (month + 9) % 12;                       /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;          /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void px_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = px_floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = yoe + era * 400 + (m <= 2);
    *month = (int)m;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
}

void px_civil_from_us(int64_t us, int *year, int *month, int *day)
{
    int64_t y;
    px_civil_from_days(px_floor_div(us, PX_DAY_US), &y, month, day);
    /* |us| < 2^63 is about ±292,000 years: the year fits an int. */
    *year = (int)y;
}

int px_year_of_us(int64_t us)
{
    int y, m, d;
    px_civil_from_us(us, &y, &m, &d);
    return y;
}

int px_iso_date_shape(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) != 10 || !px_digits(s, 4) || s[4] != '-' || !px_digits(s + 5, 2) || s[7] != '-' ||
        !px_digits(s + 8, 2))
        return 0;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return 1;
}
