/* Every linter the Barcode Syntax Dictionary names, applied through the AI that
 * carries it, and the pairing rules of AIs beyond the pharma set. Expected values come from the
 * standards (GenSpecs examples, ISO code lists, the IBAN standard's example), not from packid. */
#include "gs1_test.h"

#include "gs1_ai.h"
#include "px_array.h"

typedef struct {
    const char *file;
    int line;
    const char *ai, *value;
    const char *code; /* NULL: valid */
    int pos;          /* expected err.pos when invalid (-1: not checked) */
} lint_vec;

static const lint_vec lint_vectors[] = {
    /* csumalpha: GenSpecs §7.9.5 example GMN with check pair "2K" */
    {AT, "8013", "1987654Ad4X4bL5ttr2310c2K", NULL, 0},
    {AT, "8013", "1987654Ad4X4bL5ttr2310c2L", "invalid_check_pair", 23},
    {AT, "8013", "1987654Ad4X4bL5ttr2310c", "invalid_check_pair", 21},
    {AT, "8013", "22", "invalid_character", 2}, /* gcppos1: a GCP needs 4 digits */
    {AT, "8014", "1987654Ad4X4bL5ttr2310c2K", NULL, 0},
    {AT, "8014", "1234567899000000000000072", "invalid_value", 0}, /* hasnondigit */
    {AT, "8013", "1234567899000000000000072", NULL, 0},
    /* iban: the ISO 13616 example */
    {AT, "8007", "GB82WEST12345698765432", NULL, 0},
    {AT, "8007", "GB83WEST12345698765432", "invalid_iban", 2},
    {AT, "8007", "XX82WEST12345698765432", "invalid_iban", 0},
    {AT, "8007", "GB82WEST1", "invalid_iban", 0},
    {AT, "8007", "GB82WEST1234569876543a", "invalid_iban", 21},
    /* nozeroprefix: AI 8011 refuses a lone 0 as well */
    {AT, "8011", "0", "invalid_character", 0},
    {AT, "8011", "01", "invalid_character", 0},
    {AT, "8011", "1", NULL, 0},
    {AT, "8011", "100", NULL, 0},
    /* iso3166 / iso3166999 / iso3166alpha2 / iso4217 */
    {AT, "422", "276", NULL, 0},
    {AT, "422", "000", "invalid_country", 0},
    {AT, "422", "999", "invalid_country", 0},
    {AT, "423", "276040", NULL, 0},
    {AT, "423", "276041", "invalid_country", 3},
    {AT, "7030", "999ABC", NULL, 0},
    {AT, "7030", "998ABC", "invalid_country", 0},
    {AT, "4307", "DE", NULL, 0},
    {AT, "4307", "XK", "invalid_country", 0},
    {AT, "3910", "978125", NULL, 0},
    {AT, "3910", "926125", NULL, 0},               /* VED, added 2026-01 */
    {AT, "3910", "191125", "invalid_currency", 0}, /* HRK, withdrawn */
    /* nonzero / winding (8001: width, length, diameter, direction, splices) */
    {AT, "8001", "01000020000301", NULL, 0},
    {AT, "8001", "00000020000301", "invalid_value", 0},
    {AT, "8001", "01000000000301", "invalid_value", 4},
    {AT, "8001", "01000020003021", "invalid_value", 12},
    /* zero (8003) */
    {AT, "8003", "00614141000418", NULL, 0},
    {AT, "8003", "10614141000418", "invalid_value", 0},
    /* dates and times */
    {AT, "7007", "250101250131", NULL, 0},
    {AT, "7007", "250101250132", "invalid_date", 10},
    {AT, "7007", "250100", "invalid_date", 4},
    {AT, "7250", "20000229", NULL, 0},
    {AT, "7250", "19000229", "invalid_date", 6},
    {AT, "7251", "200002292359", NULL, 0},
    {AT, "7251", "200002292360", "invalid_time", 10},
    {AT, "8008", "25010112", NULL, 0},
    {AT, "8008", "2501011230", NULL, 0},
    {AT, "8008", "250101123059", NULL, 0},
    {AT, "8008", "25010124", "invalid_time", 6},
    {AT, "8008", "2501011260", "invalid_time", 8},
    {AT, "8008", "250101123060", "invalid_time", 10},
    {AT, "17", "240229", NULL, 0},
    {AT, "17", "250229", "invalid_date", 4},
    {AT, "17", "250200", NULL, 0},
    {AT, "7003", "2502001200", "invalid_date", 4}, /* yymmdd: no day 00 */
    /* pieceoftotal / posinseqslash */
    {AT, "8006", "095060001343520303", NULL, 0},
    {AT, "8006", "095060001343520003", "invalid_value", 14},
    {AT, "8006", "095060001343520300", "invalid_value", 16},
    {AT, "8006", "095060001343520403", "invalid_value", 14},
    {AT, "7258", "1/2", NULL, 0},
    {AT, "7258", "2/2", NULL, 0},
    {AT, "7258", "3/2", "invalid_value", 0},
    {AT, "7258", "0/2", "invalid_value", 0},
    {AT, "7258", "1/0", "invalid_value", 2},
    {AT, "7258", "12/", "invalid_value", 0},
    /* iso5218, yesno, mediatype, hyphen, latitude/longitude, packagetype */
    {AT, "7252", "9", NULL, 0},
    {AT, "7252", "3", "invalid_value", 0},
    {AT, "4321", "1", NULL, 0},
    {AT, "4321", "2", "invalid_value", 0},
    {AT, "7241", "10", NULL, 0},
    {AT, "7241", "80", NULL, 0},
    {AT, "7241", "50", "invalid_value", 0},
    {AT, "7241", "00", "invalid_value", 0},
    {AT, "4330", "001230-", NULL, 0},
    {AT, "4330", "001230", NULL, 0},
    {AT, "4330", "001230+", "invalid_value", 6},
    {AT, "4309", "18000000003600000000", NULL, 0},
    {AT, "4309", "18000000013600000000", "invalid_value", 0},
    {AT, "4309", "00000000003600000001", "invalid_value", 10},
    {AT, "7041", "BX", NULL, 0},
    {AT, "7041", "APE", NULL, 0},
    {AT, "7041", "QQQ", "invalid_value", 0},
    /* importeridx (7040) */
    {AT, "7040", "1AB_", NULL, 0},
    {AT, "7040", "1AB.", "invalid_character", 3},
    /* pcenc (7259 BABY is X..40,pcenc) */
    {AT, "7259", "A%20B", NULL, 0},
    {AT, "7259", "A%2GB", "invalid_percent_encoding", 1},
    {AT, "7259", "AB%2", "invalid_percent_encoding", 2},
    /* couponcode (8110) and couponposoffer (8112) */
    {AT, "8110", "061414112345615110123", NULL, 0},
    {AT, "8110", "0614141123456151101233251231", NULL, 0},
    {AT, "8110", "06141411234561511012332512314250101", NULL, 0},
    {AT, "8110", "06141411234561511012332501014251231", "invalid_coupon", -1},
    {AT, "8110", "0614141123456151101233251301", "invalid_coupon", -1},
    {AT, "8110", "06141411234561511012", "invalid_coupon", -1},
    {AT, "8110", "0614141123456151101237", "invalid_coupon", -1},
    {AT, "8110", "7614141123456151101230", "invalid_coupon", -1},
    {AT, "8110", "06141411234561511012390100", NULL, 0},
    {AT, "8110", "06141411234561511012393100", "invalid_coupon", -1},
    {AT, "8110", "06141411234561511012350123456", NULL, 0}, /* serial: length digit 0, 6 digits */
    {AT, "8110", "06141411234561511012351123456", "invalid_coupon", -1}, /* 1: 7 digits */
    {AT, "8110", "06141411234", "invalid_coupon", -1},                   /* offer code cut short */
    {AT, "8112", "006141411234560123456", NULL, 0},
    {AT, "8112", "206141411234560123456", "invalid_coupon", -1},
    {AT, "8112", "00614141123456012345", "invalid_coupon", -1},
    {AT, "8112", "0061414112345601234567", "invalid_coupon", -1},
    {AT, "8112", "0061414112345", "invalid_coupon", -1}, /* offer code cut short */
};

static void test_gs1__linters(void)
{
    for (size_t i = 0; i < PX_COUNT(lint_vectors); i++) {
        const lint_vec *v = &lint_vectors[i];
        const gs1_ai_def *d = gs1_ai_lookup(v->ai, strlen(v->ai));
        VCHECK(v, d != NULL, "AI (%s) not in the table", v->ai);
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_ai_value_validate(d, v->value, strlen(v->value), &err);
        if (!v->code) {
            VCHECK(v, rc == PX_OK, "(%s)%s: %s", v->ai, v->value, err.message);
        } else {
            char in[160];
            snprintf(in, sizeof(in), "(%s)%s", v->ai, v->value);
            check_refused(v->file, v->line, in, rc, &err, v->code, v->pos, -1);
        }
    }
}

typedef struct {
    const char *file;
    int line;
    const char *hri;
    const char *code; /* NULL: valid */
} pair_vec;

/* req=/ex= of the dictionary (DOMAIN.md §2.5) on AIs outside the pharma set. */
static const pair_vec pair_vectors[] = {
    {AT, "(01)09506000134352(3103)000750", NULL},
    {AT, "(01)09506000134352(3103)000750(3102)007500", "excluded_ai"}, /* ex=310n */
    {AT, "(01)09506000134352(3103)000750(3203)000750", NULL},
    {AT, "(3103)000750", "missing_required_ai"},
    {AT, "(01)09506000134352(250)X", "missing_required_ai"}, /* req=01,8006 req=21 */
    {AT, "(01)09506000134352(21)1(250)X", NULL},
    {AT, "(00)106141411234567897(02)09506000134352(37)10", NULL},
    {AT, "(02)09506000134352(37)10", "missing_required_ai"}, /* (37) req=00 req=02,8026 */
    {AT, "(00)106141411234567897(01)09506000134352(02)09506000134352(37)1", "excluded_ai"},
    {AT, "(8018)106141411234567897(7250)20000229", NULL},
    {AT, "(8018)106141411234567897(7250)20000229(7251)200002291200", "excluded_ai"},
    {AT, "(8018)106141411234567897(7258)1/2", "missing_required_ai"}, /* req=8018+7259 */
    {AT, "(8018)106141411234567897(7258)1/2(7259)ABC", NULL},
    {AT, "(8010)0614141AB#1/X(8011)1", NULL},
    {AT, "(8011)1", "missing_required_ai"},
    {AT, "(8013)1987654Ad4X4bL5ttr2310c2K", NULL},
    {AT, "(01)09506000134352(8200)https://example.com/p%20q", NULL},
    {AT, "(01)09506000134352(253)0614141000005", NULL},
    {AT, "(01)09506000134352(255)0614141000005", "excluded_ai"},
};

static void test_gs1__pairing_rules(void)
{
    for (size_t i = 0; i < PX_COUNT(pair_vectors); i++) {
        const pair_vec *v = &pair_vectors[i];
        gs1_elements e;
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_parse(&e, v->hri, &err);
        if (!v->code)
            VCHECK(v, rc == PX_OK, "%s: %s", v->hri, err.message);
        else
            VCHECK(v, rc != PX_OK && strcmp(err.code, v->code) == 0, "%s: rc %d code %s (%s)",
                   v->hri, rc, err.code, err.message);
    }
}
