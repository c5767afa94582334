/* GS1 dates YYMMDD / YYMMD0 (GenSpecs §7.12). */
#include <string.h>

#include "gs1.h"
#include "gs1_internal.h"
#include "px_calendar.h"

/* GenSpecs §7.12 "Determination of century in dates": diff = YY - (current year mod 100);
 * 51..99 -> previous century, -99..-50 -> next century, otherwise the current one. */
int gs1__century_year(int yy, int current_year)
{
    int century = current_year - current_year % 100;
    int diff = yy - current_year % 100;
    if (diff >= 51)
        century -= 100;
    else if (diff <= -50)
        century += 100;
    return century + yy;
}

px_rc gs1_date_parse(gs1_date *out, const char *yymmdd, int allow_day00, int current_year,
                     px_err *err)
{
    size_t len = strlen(yymmdd);
    for (size_t i = 0; i < len && i < 6; i++) {
        if (yymmdd[i] < '0' || yymmdd[i] > '9') {
            px_err_set(err, PX_EINVALID, "invalid_character", "date: character %zu is not a digit",
                       i + 1);
            px_err_span(err, (int)i, 1);
            return PX_EINVALID;
        }
    }
    if (len != 6) {
        px_err_set(err, PX_EINVALID, "invalid_length", "date must be 6 digits YYMMDD, got %zu",
                   len);
        px_err_span(err, 0, (int)len);
        return PX_EINVALID;
    }
    int yy = (yymmdd[0] - '0') * 10 + (yymmdd[1] - '0');
    int mm = (yymmdd[2] - '0') * 10 + (yymmdd[3] - '0');
    int dd = (yymmdd[4] - '0') * 10 + (yymmdd[5] - '0');
    if (mm < 1 || mm > 12) {
        px_err_set(err, PX_EINVALID, "invalid_date", "illegal month %02d", mm);
        px_err_span(err, 2, 2);
        return PX_EINVALID;
    }
    int year = gs1__century_year(yy, current_year);
    int last = px_days_in_month(year, mm);
    /* GS1 General Specifications and the dictionary's yymmd0 linter: for the yymmd0 AIs
     * (11, 13, 15, 16, 17) DD=00 means "no day specified", read as the last day of the month. */
    if ((dd == 0 && !allow_day00) || dd > last) {
        px_err_set(err, PX_EINVALID, "invalid_date", "illegal day %02d for %04d-%02d", dd, year,
                   mm);
        px_err_span(err, 4, 2);
        return PX_EINVALID;
    }
    out->year = year;
    out->month = mm;
    out->day = dd == 0 ? last : dd;
    out->day_unspecified = dd == 0;
    return PX_OK;
}

px_rc gs1_expiry_parse(gs1_date *out, const char *yymmdd, int64_t now_us, px_err *err)
{
    return gs1_date_parse(out, yymmdd, 1, px_year_of_us(now_us), err);
}

static void put_num(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void gs1_date_iso(char out[11], const gs1_date *d)
{
    put_num(out, d->year, 4);
    out[4] = '-';
    put_num(out + 5, d->month, 2);
    out[7] = '-';
    put_num(out + 8, d->day, 2);
    out[10] = '\0';
}
