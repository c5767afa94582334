/* CBV vocabulary names and the time helpers shared by the writer and the event hash. */
#include <string.h>

#include "epcis_internal.h"
#include "gs1.h"
#include "px_array.h"
#include "px_calendar.h"
#include "px_clock.h"
#include "px_str.h"

#define NAME_(id, name) name,
static const char *const bizstep_names[] = {NULL, PX_CBV_BIZSTEPS(NAME_)};
static const char *const disp_names[] = {NULL, PX_CBV_DISPS(NAME_)};
static const char *const btt_names[] = {NULL, PX_CBV_BTTS(NAME_)};
static const char *const sdt_names[] = {NULL, PX_CBV_SDTS(NAME_)};
#undef NAME_

_Static_assert(PX_COUNT(bizstep_names) == PX_BIZSTEP__COUNT, "bizstep table");
_Static_assert(PX_COUNT(disp_names) == PX_DISP__COUNT, "disp table");

/* Each word in its two URI forms, [EPCIS__CBV_URN] and [EPCIS__CBV_WEB], built at compile time
 * from the vocabulary lists (row 0, the NONE value: NULL). */
/* clang-format off */
#define BIZ_(id, name) , {EPCIS__URN_BIZSTEP name, EPCIS__WEB_BIZSTEP name}
#define DISP_(id, name) , {EPCIS__URN_DISP name, EPCIS__WEB_DISP name}
#define BTT_(id, name) , {EPCIS__URN_BTT name, EPCIS__WEB_BTT name}
#define SDT_(id, name) , {EPCIS__URN_SDT name, EPCIS__WEB_SDT name}
/* clang-format on */
static const char *const bizstep_uris[][2] = {{NULL, NULL} PX_CBV_BIZSTEPS(BIZ_)};
static const char *const disp_uris[][2] = {{NULL, NULL} PX_CBV_DISPS(DISP_)};
static const char *const btt_uris[][2] = {{NULL, NULL} PX_CBV_BTTS(BTT_)};
static const char *const sdt_uris[][2] = {{NULL, NULL} PX_CBV_SDTS(SDT_)};
#undef BIZ_
#undef DISP_
#undef BTT_
#undef SDT_

/* A vocabulary's tables: its bare words and their URI forms, row for row. */
static const struct {
    const char *const *names;
    const char *const (*uris)[2];
    size_t n;
} k_vocab[] = {
    [PX_CBV_VOCAB_BIZSTEP] = {bizstep_names, bizstep_uris, PX_COUNT(bizstep_names)},
    [PX_CBV_VOCAB_DISP] = {disp_names, disp_uris, PX_COUNT(disp_names)},
    [PX_CBV_VOCAB_BTT] = {btt_names, btt_uris, PX_COUNT(btt_names)},
    [PX_CBV_VOCAB_SDT] = {sdt_names, sdt_uris, PX_COUNT(sdt_names)},
};

const char *px_cbv_bizstep_name(px_cbv_bizstep v)
{
    return (unsigned)v < PX_BIZSTEP__COUNT ? bizstep_names[v] : NULL;
}

const char *px_cbv_disp_name(px_cbv_disp v)
{
    return (unsigned)v < PX_DISP__COUNT ? disp_names[v] : NULL;
}

const char *px_cbv_btt_name(px_cbv_btt v)
{
    return (unsigned)v < PX_BTT__COUNT ? btt_names[v] : NULL;
}

const char *px_cbv_sdt_name(px_cbv_sdt v)
{
    return (unsigned)v < PX_SDT__COUNT ? sdt_names[v] : NULL;
}

const char *px_cbv_word(px_cbv_vocab vocab, const char *value)
{
    static const char *const prefix[][2] = {
        [PX_CBV_VOCAB_BIZSTEP] = {EPCIS__URN_BIZSTEP, EPCIS__WEB_BIZSTEP},
        [PX_CBV_VOCAB_DISP] = {EPCIS__URN_DISP, EPCIS__WEB_DISP},
        [PX_CBV_VOCAB_BTT] = {EPCIS__URN_BTT, EPCIS__WEB_BTT},
        [PX_CBV_VOCAB_SDT] = {EPCIS__URN_SDT, EPCIS__WEB_SDT},
    };
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(prefix[vocab][i]);
        if (strncmp(value, prefix[vocab][i], n) == 0)
            return value + n;
    }
    return strchr(value, ':') ? NULL : value;
}

const char *const *px_cbv_words(px_cbv_vocab vocab, size_t *n)
{
    /* index 0 is the NONE value's NULL: no word */
    *n = k_vocab[vocab].n - 1;
    return k_vocab[vocab].names + 1;
}

const char *epcis__cbv_uri(px_cbv_vocab vocab, int v, epcis__cbv_form form)
{
    return v >= 0 && (size_t)v < k_vocab[vocab].n ? k_vocab[vocab].uris[v][form] : NULL;
}

px_cbv_bizstep px_cbv_bizstep_lookup(const char *name)
{
    /* index 0 is the NONE value's NULL: no name */
    int i = px_name_index(bizstep_names + 1, PX_BIZSTEP__COUNT - 1, name);
    return i < 0 ? PX_BIZSTEP_NONE : (px_cbv_bizstep)(i + 1);
}

px_cbv_disp px_cbv_disp_lookup(const char *name)
{
    int i = px_name_index(disp_names + 1, PX_DISP__COUNT - 1, name);
    return i < 0 ? PX_DISP_NONE : (px_cbv_disp)(i + 1);
}

px_cbv_btt px_cbv_btt_lookup(const char *name)
{
    int i = px_name_index(btt_names + 1, PX_BTT__COUNT - 1, name);
    return i < 0 ? PX_BTT_NONE : (px_cbv_btt)(i + 1);
}

/* ---- time --------------------------------------------------------------------------- */

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

void epcis__time_ms(char out[32], int64_t us)
{
    /* CBV 2.0 §8.9 rule 9: round half-up at the 4th fractional digit, floor((us+500)/1000)
     * ms, then the one RFC 3339 UTC form of packid (px_clock). */
    px_time_format(out, px_floor_div(us + 500, 1000) * 1000);
}

int64_t px_epcis_time_bound(int64_t us)
{
    /* written(t) = floor((t + 500) / 1000) ms, so written(t) >= M (whole ms) iff t >= M - 500
     * us; a bound between two ms is first raised to the next (written values are whole). */
    return -px_floor_div(-us, 1000) * 1000 - 500;
}

px_rc epcis__tz_format(char out[8], int minutes, px_err *err)
{
    /* EPCIS 1.2 §7.4.1 / 2.0 pattern: [+-]hh:mm within -14:00..+14:00, required. */
    if (minutes == EPCIS__TZ_ABSENT)
        return px_err_set(err, PX_EINVALID, "invalid_event",
                          "eventTimeZoneOffset is missing: every event gives it");
    if (minutes < -14 * 60 || minutes > 14 * 60)
        return px_err_set(err, PX_EINVALID, "invalid_event",
                          "eventTimeZoneOffset %d min is outside -14:00..+14:00", minutes);
    unsigned a = (unsigned)(minutes < 0 ? -minutes : minutes);
    out[0] = minutes < 0 ? '-' : '+';
    put2(out + 1, a / 60);
    out[3] = ':';
    put2(out + 4, a % 60);
    out[6] = '\0';
    return PX_OK;
}

px_rc epcis__expiry_iso(char out[11], const char *expiry, int64_t ref_us, px_err *err)
{
    size_t n = strlen(expiry);
    int y, mo, day;
    if (px_iso_date_shape(expiry, &y, &mo, &day)) {
        /* a day the month has (2025-02-31 is no date) */
        if (mo < 1 || mo > 12 || day < 1 || day > px_days_in_month(y, mo))
            return px_err_set(err, PX_EINVALID, "invalid_date",
                              "expiry \"%s\" is not a valid xsd:date", expiry);
        memcpy(out, expiry, 11);
        return PX_OK;
    }
    if (n != 6)
        return px_err_set(err, PX_EINVALID, "invalid_date",
                          "expiry \"%s\" is neither YYYY-MM-DD nor YYMMDD", expiry);
    gs1_date d;
    /* AI (17) is YYMMD0: DD=00 allowed, meaning the month's last day (GS1 General
     * Specifications; gs1_date_parse). */
    px_rc rc = gs1_expiry_parse(&d, expiry, ref_us, err);
    if (rc != PX_OK)
        return rc;
    gs1_date_iso(out, &d);
    return PX_OK;
}
