/* EPC Tag Data Standard pure-identity and class URIs: SGTIN, LGTIN, idpat SGTIN, SSCC, SGLN
 * (GS1 EPC Tag Data Standard §6 "EPC URI", §7 "Correspondence between EPCs and GS1 keys"). */
#include <stdio.h>
#include <string.h>

#include "gs1_ai.h"
#include "gs1_internal.h"
#include "px_array.h"
#include "px_str.h"

#define SGTIN "urn:epc:id:sgtin:"
#define LGTIN "urn:epc:class:lgtin:"
#define IDPAT "urn:epc:idpat:sgtin:"
#define SSCC "urn:epc:id:sscc:"
#define SGLN "urn:epc:id:sgln:"

/* ---- GS3A3 escaping (GS1 EPC Tag Data Standard) -------------------------------------- */

/* The seven set-82 characters that must be escaped in an EPC URI; every other set-82
 * character is written raw. */
static int must_escape(unsigned char c)
{
    return c == '"' || c == '%' || c == '&' || c == '/' || c == '<' || c == '>' || c == '?';
}

/* Characters allowed raw in a GS3A3 component: A-Z a-z 0-9 ! ' ( ) * + , - . : ; = _ */
static int raw_ok(unsigned char c)
{
    return gs1_cset82_char(c) && !must_escape(c);
}

static void put_gs3a3(gs1__out *o, const char *v)
{
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        char e[4];
        if (must_escape(c)) {
            px_pct_byte(e, c);
            gs1__out_puts(o, e);
        } else {
            gs1__out_putc(o, (char)c);
        }
    }
}

/* Decodes s[0..len) (a GS3A3 component starting at offset off of the URI) into dst, at most
 * max characters. Accepts %XX for any set-82 character, rejects other escapes (§5.2). */
static px_rc get_gs3a3(char *dst, size_t max, const char *s, size_t len, size_t off,
                       const char *what, px_err *err)
{
    size_t n = 0;
    if (len == 0)
        return gs1__at(err, px_err_set(err, PX_EINVALID, "invalid_epc_uri", "empty %s", what), off,
                       0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t pos = off + i;
        if (c == '%') {
            int h = i + 2 < len ? px_hexval((unsigned char)s[i + 1]) : -1;
            int l = h >= 0 ? px_hexval((unsigned char)s[i + 2]) : -1;
            if (l < 0 || !gs1_cset82_char((unsigned char)(h * 16 + l)))
                return gs1__at(err,
                               px_err_set(err, PX_EINVALID, "invalid_escape",
                                          "%s: bad escape at position %zu (only %%XX of a GS1 "
                                          "set-82 character)",
                                          what, pos + 1),
                               pos, i + 2 < len ? 3 : len - i);
            c = (unsigned char)(h * 16 + l);
            i += 2;
        } else if (!raw_ok(c)) {
            char nm[PX_CHAR_NAME_MAX];
            size_t w = px_char_name(nm, s + i, len - i);
            if (c > 0x20 && c < 0x7f)
                px_err_set(err, PX_EINVALID, "invalid_character",
                           "%s: %s at position %zu must be escaped or is not allowed", what, nm,
                           pos + 1);
            else
                px_err_set(err, PX_EINVALID, "invalid_character",
                           "%s: %s at position %zu is not allowed", what, nm, pos + 1);
            return gs1__at(err, PX_EINVALID, pos, w);
        }
        if (n >= max)
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "invalid_length",
                                      "%s is longer than %zu characters", what, max),
                           pos, len - i);
        dst[n++] = (char)c;
    }
    dst[n] = '\0';
    return PX_OK;
}

/* ---- formatting ---------------------------------------------------------------------- */

int gs1_gcp_len_valid(long len)
{
    return len >= GS1_GCP_LEN_MIN && len <= GS1_GCP_LEN_MAX;
}

static px_rc check_gcp_len(int gcp_len, px_err *err)
{
    if (!gs1_gcp_len_valid(gcp_len))
        return px_err_set(err, PX_EINVALID, "invalid_gcp_length",
                          "GS1 Company Prefix length must be %d..%d, got %d", GS1_GCP_LEN_MIN,
                          GS1_GCP_LEN_MAX, gcp_len);
    return PX_OK;
}

static px_rc check_value(const char *v, size_t max, const char *what, px_err *err)
{
    px_rc rc = gs1_cset82_validate(v, max, err);
    if (rc != PX_OK)
        px_err_field(err, "%s", what);
    return rc;
}

static px_rc check_key(const char *key, size_t want, const char *what, px_err *err)
{
    size_t len = key ? strlen(key) : 0;
    if (len != want)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_length",
                                  "%s must be %zu digits, got %zu", what, want, len),
                       0, len);
    return gs1_key_validate(key, len, err);
}

/* A key that an EPC URI splits at its GS1 Company Prefix (gcp_len digits, GS1_GCP_LEN_MIN..MAX). */
static px_rc check_split_key(const char *key, size_t want, const char *what, int gcp_len,
                             px_err *err)
{
    px_rc rc = check_key(key, want, what, err);
    return rc == PX_OK ? check_gcp_len(gcp_len, err) : rc;
}

/* GTIN -> CompanyPrefix "." Indicator+ItemRef (check digit dropped), TDS §7.1. */
static void put_gtin_parts(gs1__out *o, const char *gtin14, int L)
{
    gs1__out_putn(o, gtin14 + 1, (size_t)L);
    gs1__out_putc(o, '.');
    gs1__out_putc(o, gtin14[0]);
    gs1__out_putn(o, gtin14 + 1 + L, (size_t)(12 - L));
}

static px_rc gtin_class(char *out, size_t cap, const char *prefix, const char *gtin14, int gcp_len,
                        const char *tail, int escape, px_err *err)
{
    px_rc rc = check_split_key(gtin14, GS1_GTIN_LEN, "GTIN", gcp_len, err);
    if (rc != PX_OK)
        return rc;
    gs1__out o;
    gs1__out_init(&o, out, cap);
    gs1__out_puts(&o, prefix);
    put_gtin_parts(&o, gtin14, gcp_len);
    gs1__out_putc(&o, '.');
    if (escape)
        put_gs3a3(&o, tail);
    else
        gs1__out_puts(&o, tail);
    return gs1__out_done(&o, err);
}

px_rc gs1_epc_sgtin_format(char *out, size_t cap, const char *gtin14, int gcp_len,
                           const char *serial, px_err *err)
{
    px_rc rc = check_value(serial ? serial : "", GS1_SERIAL_MAX, "serial", err);
    if (rc != PX_OK)
        return rc;
    return gtin_class(out, cap, SGTIN, gtin14, gcp_len, serial, 1, err);
}

px_rc gs1_epc_idpat_sgtin_format(char *out, size_t cap, const char *gtin14, int gcp_len,
                                 px_err *err)
{
    return gtin_class(out, cap, IDPAT, gtin14, gcp_len, "*", 0, err);
}

px_rc gs1_epc_lgtin_format(char *out, size_t cap, const char *gtin14, int gcp_len, const char *lot,
                           px_err *err)
{
    px_rc rc = check_value(lot ? lot : "", GS1_BATCH_MAX, "lot", err);
    if (rc != PX_OK)
        return rc;
    return gtin_class(out, cap, LGTIN, gtin14, gcp_len, lot, 1, err);
}

px_rc gs1_epc_sgln_format(char *out, size_t cap, const char *gln13, int gcp_len, const char *ext,
                          px_err *err)
{
    px_rc rc = check_split_key(gln13, GS1_GLN_LEN, "GLN", gcp_len, err);
    if (rc == PX_OK && ext && *ext)
        rc = check_value(ext, 20, "extension", err);
    if (rc != PX_OK)
        return rc;
    gs1__out o;
    gs1__out_init(&o, out, cap);
    gs1__out_puts(&o, SGLN);
    gs1__out_putn(&o, gln13, (size_t)gcp_len);
    gs1__out_putc(&o, '.');
    gs1__out_putn(&o, gln13 + gcp_len, (size_t)(12 - gcp_len)); /* empty when L = 12 */
    gs1__out_putc(&o, '.');
    /* TDS: extension "0" means "no extension" (AI 254 absent). */
    if (ext && *ext)
        put_gs3a3(&o, ext);
    else
        gs1__out_putc(&o, '0');
    return gs1__out_done(&o, err);
}

px_rc gs1_epc_sscc_format(char *out, size_t cap, const char *sscc18, int gcp_len, px_err *err)
{
    px_rc rc = check_split_key(sscc18, GS1_SSCC_LEN, "SSCC", gcp_len, err);
    if (rc != PX_OK)
        return rc;
    gs1__out o;
    gs1__out_init(&o, out, cap);
    gs1__out_puts(&o, SSCC);
    gs1__out_putn(&o, sscc18 + 1, (size_t)gcp_len);
    gs1__out_putc(&o, '.');
    /* Serial reference = extension digit + the digits after the company prefix (TDS §7.2). */
    gs1__out_putc(&o, sscc18[0]);
    gs1__out_putn(&o, sscc18 + 1 + gcp_len, (size_t)(16 - gcp_len));
    return gs1__out_done(&o, err);
}

px_rc gs1_epc_key(const gs1_elements *e, int *index, int *gcppos, px_err *err)
{
    static const struct {
        const char *ai;
        int gcppos;
    } keys[] = {{"00", 2}, {"01", 2}, {"414", 1}};
    for (size_t k = 0; k < PX_COUNT(keys); k++)
        if ((*index = gs1__find(e, keys[k].ai)) >= 0) {
            if (gcppos)
                *gcppos = keys[k].gcppos;
            return PX_OK;
        }
    return px_err_set(err, PX_EINVALID, "no_epc_key",
                      "no AI (00), (01) or (414) to build an EPC URI from");
}

px_rc gs1_epc_format(char *out, size_t cap, const gs1_elements *e, int gcp_len, px_err *err)
{
    int key;
    px_rc rc = gs1_epc_key(e, &key, NULL, err);
    if (rc != PX_OK)
        return rc;
    const char *ai = e->items[key].ai, *v = e->items[key].value;
    if (strcmp(ai, "00") == 0)
        return gs1_epc_sscc_format(out, cap, v, gcp_len, err);
    if (strcmp(ai, "01") == 0) {
        int i21 = gs1__find(e, "21"), i10 = gs1__find(e, "10");
        if (i21 >= 0)
            return gs1_epc_sgtin_format(out, cap, v, gcp_len, e->items[i21].value, err);
        if (i10 >= 0)
            return gs1_epc_lgtin_format(out, cap, v, gcp_len, e->items[i10].value, err);
        return gs1_epc_idpat_sgtin_format(out, cap, v, gcp_len, err);
    }
    int i254 = gs1__find(e, "254"); /* (414): a GLN */
    return gs1_epc_sgln_format(out, cap, v, gcp_len, i254 >= 0 ? e->items[i254].value : NULL, err);
}

/* ---- parsing ------------------------------------------------------------------------- */

/* Reads a run of digits at s[*p]; its length is returned, *p advanced. */
static size_t digits_at(const char *s, size_t *p)
{
    size_t n = 0;
    while (s[*p + n] >= '0' && s[*p + n] <= '9')
        n++;
    *p += n;
    return n;
}

/* "CP.REF" where CP has 6..12 digits and REF exactly total - L digits (§5.1). */
static px_rc cp_ref(const char *s, size_t *p, size_t total, size_t *cp, size_t *ref, int *L,
                    px_err *err)
{
    *cp = *p;
    size_t n = digits_at(s, p);
    if (!gs1_gcp_len_valid((long)n) || s[*p] != '.')
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                                  "company prefix must be %d..%d digits followed by \".\"",
                                  GS1_GCP_LEN_MIN, GS1_GCP_LEN_MAX),
                       *cp, n ? n : 1);
    *L = (int)n;
    (*p)++;
    *ref = *p;
    size_t r = digits_at(s, p);
    if (r != total - n)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                                  "reference after a %zu-digit company prefix must have %zu "
                                  "digits, got %zu",
                                  n, total - n, r),
                       *ref, r ? r : 1);
    return PX_OK;
}

static void add(gs1_elements *e, const char *ai, const char *v)
{
    gs1_element *it = &e->items[e->count++];
    memcpy(it->ai, ai, strlen(ai) + 1);
    memcpy(it->value, v, strlen(v) + 1);
}

static void finish_key(char *key, size_t body_len)
{
    key[body_len] = (char)gs1_check_digit(key, body_len);
    key[body_len + 1] = '\0';
}

/* A GTIN or an SSCC from the parts of its EPC URI (TDS §6.3.1, §6.3.2): the indicator or
 * extension digit, which the URI writes first in the reference uri[ref…], then the company
 * prefix uri[cp, cp + L), the rest of the reference, and the check digit; body_len digits
 * before the check digit (13 or 17). */
static void key_lead_digit_first(char *key, const char *uri, size_t cp, size_t ref, int L,
                                 size_t body_len)
{
    key[0] = uri[ref];
    memcpy(key + 1, uri + cp, (size_t)L);
    memcpy(key + 1 + L, uri + ref + 1, body_len - 1 - (size_t)L);
    finish_key(key, body_len);
}

/* The '.' that ends the reference of an SGTIN, LGTIN or SGLN URI, at uri[*p]; *p moves past. */
static px_rc expect_dot(const char *uri, size_t *p, px_err *err)
{
    if (uri[*p] != '.')
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                                  "expected \".\" at position %zu", *p + 1),
                       *p, 1);
    (*p)++;
    return PX_OK;
}

/* The key an EPC URI spells (with its computed check digit) must be one gs1_epc_format would
 * write back: a key of zeros only is refused here as there (REQ-GS1-ZERO), its span the
 * company prefix and reference uri[cp, end). */
static px_rc key_allocatable(const char *key, size_t cp, size_t end, px_err *err)
{
    px_rc rc = gs1_key_validate(key, strlen(key), err);
    return rc == PX_OK ? PX_OK : gs1__at(err, rc, cp, end - cp);
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* sgtin, lgtin and idpat:sgtin: (01) and the serial (21), the lot (10) or the pattern "*";
 * p is where the company prefix starts, *L receives its length. */
static px_rc epc_gtin(gs1_elements *out, gs1_epc_kind k, const char *uri, size_t len, size_t p,
                      int *L, px_err *err)
{
    size_t cp, ref;
    char key[GS1_SSCC_LEN + 1], val[GS1_SERIAL_MAX + 1];
    px_rc rc = cp_ref(uri, &p, 13, &cp, &ref, L, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = expect_dot(uri, &p, err)) != PX_OK)
        return rc;
    /* GTIN = indicator + company prefix + item reference + check digit (§5.1). */
    key_lead_digit_first(key, uri, cp, ref, *L, 13);
    if ((rc = key_allocatable(key, cp, p - 1, err)) != PX_OK)
        return rc;
    add(out, "01", key);
    if (k == GS1_EPC_IDPAT_SGTIN) {
        if (strcmp(uri + p, "*") != 0)
            return gs1__at(err,
                           px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                                      "only the pattern \"*\" is supported after the item "
                                      "reference"),
                           p, len - p);
        return PX_OK;
    }
    rc = get_gs3a3(val, GS1_SERIAL_MAX, uri + p, len - p, p, k == GS1_EPC_SGTIN ? "serial" : "lot",
                   err);
    if (rc != PX_OK)
        return rc;
    add(out, k == GS1_EPC_SGTIN ? "21" : "10", val);
    return PX_OK;
}

/* sscc: (00), nothing after the serial reference. */
static px_rc epc_sscc(gs1_elements *out, const char *uri, size_t len, size_t p, int *L, px_err *err)
{
    size_t cp, ref;
    char key[GS1_SSCC_LEN + 1];
    px_rc rc = cp_ref(uri, &p, 17, &cp, &ref, L, err);
    if (rc != PX_OK)
        return rc;
    if (p != len)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                                  "unexpected characters after the serial reference"),
                       p, len - p);
    key_lead_digit_first(key, uri, cp, ref, *L, 17);
    if ((rc = key_allocatable(key, cp, p, err)) != PX_OK)
        return rc;
    add(out, "00", key);
    return PX_OK;
}

/* sgln: (414) and its extension (254) unless "0". */
static px_rc epc_sgln(gs1_elements *out, const char *uri, size_t len, size_t p, int *L, px_err *err)
{
    size_t cp, ref;
    char key[GS1_SSCC_LEN + 1], val[GS1_SERIAL_MAX + 1];
    px_rc rc = cp_ref(uri, &p, 12, &cp, &ref, L, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = expect_dot(uri, &p, err)) != PX_OK)
        return rc;
    memcpy(key, uri + cp, (size_t)*L);
    memcpy(key + *L, uri + ref, (size_t)(12 - *L));
    finish_key(key, 12);
    if ((rc = key_allocatable(key, cp, p - 1, err)) != PX_OK)
        return rc;
    add(out, "414", key);
    rc = get_gs3a3(val, 20, uri + p, len - p, p, "extension", err);
    if (rc != PX_OK)
        return rc;
    if (strcmp(val, "0") != 0) /* "0" (also spelt %30) = no extension */
        add(out, "254", val);
    return PX_OK;
}

px_rc gs1_epc_parse(gs1_elements *out, gs1_epc_kind *kind, int *gcp_len, const char *uri,
                    px_err *err)
{
    memset(out, 0, sizeof(*out));
    size_t len = strlen(uri);
    int L = 0;
    px_rc rc;
    gs1_epc_kind k;
    if (starts(uri, SGTIN)) {
        k = GS1_EPC_SGTIN;
        rc = epc_gtin(out, k, uri, len, strlen(SGTIN), &L, err);
    } else if (starts(uri, LGTIN)) {
        k = GS1_EPC_LGTIN;
        rc = epc_gtin(out, k, uri, len, strlen(LGTIN), &L, err);
    } else if (starts(uri, IDPAT)) {
        k = GS1_EPC_IDPAT_SGTIN;
        rc = epc_gtin(out, k, uri, len, strlen(IDPAT), &L, err);
    } else if (starts(uri, SSCC)) {
        k = GS1_EPC_SSCC;
        rc = epc_sscc(out, uri, len, strlen(SSCC), &L, err);
    } else if (starts(uri, SGLN)) {
        k = GS1_EPC_SGLN;
        rc = epc_sgln(out, uri, len, strlen(SGLN), &L, err);
    } else {
        size_t n = 0;
        while (n < len && n < 20 && uri[n] != '.')
            n++;
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                                  "not a supported EPC URI (sgtin, lgtin, idpat:sgtin, sscc, "
                                  "sgln)"),
                       0, n);
    }
    if (rc != PX_OK)
        return rc;
    if (kind)
        *kind = k;
    if (gcp_len)
        *gcp_len = L;
    /* An SGTIN's (01)(21) already passed everything gs1_elements_validate checks of them: the
     * GTIN's digits, check digit and non-zero key (key_allocatable; its "gcppos2" linter asks
     * only for digits), a serial of 1-20 set-82 characters (get_gs3a3), and (21)'s required
     * (01). Skipped because every EPC of a captured event is parsed here (docs/epcis.md
     * "Capture speed"); the EPC fuzz harness checks the claim. */
    if (k == GS1_EPC_SGTIN)
        return PX_OK;
    return gs1_elements_validate(out, err);
}

/* The offset of the first '%' of s that starts no %hh escape (RFC 3986 §2.1), or -1. */
static long bad_escape_at(const char *s)
{
    for (const char *p = s; (p = strchr(p, '%')) != NULL; p += 3)
        if (px_hexval((unsigned char)p[1]) < 0 || px_hexval((unsigned char)p[2]) < 0)
            return (long)(p - s);
    return -1;
}

px_rc gs1_epc_instance_parse(gs1_elements *out, gs1_epc_kind *kind, const char *uri, px_err *err)
{
    if (!starts(uri, "http://") && !starts(uri, "https://"))
        return gs1_epc_parse(out, kind, NULL, uri, err);
    /* A resolver reads a stray '%' literally, as GS1's syntax engine does (gs1_dl_parse); an
     * EPC is an identifier, and a URI whose '%' starts no escape is none (its URN form is
     * refused for the same '%'), so it names no pack. */
    long bad = bad_escape_at(uri);
    if (bad >= 0)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                                  "'%%' at position %ld starts no %%hh escape (RFC 3986 §2.1)",
                                  bad + 1),
                       (size_t)bad, 1);
    /* The constrained form of an instance (EPCIS 2.0 §8.2.2): an uncompressed path of its key
     * and key qualifier alone, no query (gs1_dl_parse would drop a non-GS1 one unseen) and no
     * fragment, so an EPC never carries a batch, an expiry or anything else beside it. */
    px_rc rc = strpbrk(uri, "?#") ? PX_EINVALID : gs1_dl_parse(out, uri, err);
    if (rc != PX_OK && !strpbrk(uri, "?#"))
        return rc; /* the Digital Link's own error */
    char key[sizeof(out->items[0].value) + 16];
    if (rc == PX_OK && out->count == 1 && strcmp(out->items[0].ai, "00") == 0) {
        snprintf(key, sizeof(key), "/00/%s", out->items[0].value);
        *kind = GS1_EPC_SSCC;
        if (strlen(uri) > strlen(key) && strcmp(uri + strlen(uri) - strlen(key), key) == 0)
            return PX_OK;
    }
    if (rc == PX_OK && out->count == 2 && strcmp(out->items[0].ai, "01") == 0 &&
        strcmp(out->items[1].ai, "21") == 0) {
        snprintf(key, sizeof(key), "/01/%s/21/", out->items[0].value);
        *kind = GS1_EPC_SGTIN;
        if (strstr(uri, key)) /* not a compressed link's */
            return PX_OK;
    }
    return gs1__at(err,
                   px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                              "a Digital Link EPC is an SGTIN (/01/…/21/…) or an SSCC (/00/…), "
                              "without other data"),
                   0, strlen(uri));
}

px_rc gs1_epc_sgtin_parse(char gtin14[GS1_GTIN_LEN + 1], char serial[GS1_SERIAL_MAX + 1],
                          int *gcp_len, const char *uri, px_err *err)
{
    gs1_elements e;
    gs1_epc_kind k;
    int L;
    px_rc rc = gs1_epc_parse(&e, &k, &L, uri, err);
    if (rc != PX_OK)
        return rc;
    if (k != GS1_EPC_SGTIN)
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                                  "not an SGTIN URI (urn:epc:id:sgtin:…)"),
                       0, strlen(uri));
    memcpy(gtin14, e.items[0].value, GS1_GTIN_LEN + 1);
    memcpy(serial, e.items[1].value, strlen(e.items[1].value) + 1);
    if (gcp_len)
        *gcp_len = L;
    return PX_OK;
}

px_rc gs1_epc_sgtin_match(char gtin14[GS1_GTIN_LEN + 1], char serial[GS1_SERIAL_MAX + 1],
                          const char *uri, px_err *err)
{
    gs1_elements e;
    gs1_epc_kind k;
    px_rc rc = gs1_epc_parse(&e, &k, NULL, uri, err);
    if (rc == PX_OK && k == GS1_EPC_SGTIN) {
        memcpy(serial, e.items[1].value, strlen(e.items[1].value) + 1);
    } else if (rc == PX_OK && k == GS1_EPC_IDPAT_SGTIN) {
        serial[0] = '\0';
    } else {
        return gs1__at(err,
                       px_err_set(err, PX_EINVALID, "invalid_epc_uri",
                                  "not an SGTIN URI (urn:epc:id:sgtin:…) or SGTIN pattern "
                                  "(urn:epc:idpat:sgtin:….*)"),
                       0, strlen(uri));
    }
    memcpy(gtin14, e.items[0].value, GS1_GTIN_LEN + 1);
    return PX_OK;
}

/* What gs1_dl_format writes for the two checked elements (01)(21) on the canonical domain: the key,
 * then its qualifier 21, no query. Written directly because the EPCIS event hash takes one per EPC,
 * and the AI-table walk of gs1_dl_format was a tenth of reading a capture document (docs/epcis.md
 * "Capture speed"). */
static px_rc sgtin_dl(char *out, size_t cap, const char *gtin14, const char *serial, px_err *err)
{
    gs1__out o;
    gs1__out_init(&o, out, cap);
    gs1__out_puts(&o, GS1_DL_CANONICAL "/01/");
    gs1__out_puts(&o, gtin14);
    gs1__out_puts(&o, "/21/");
    gs1__out_pct(&o, serial);
    return gs1__out_done(&o, err);
}

px_rc gs1_sgtin_to_dl(char *out, size_t cap, const char *gtin14, const char *serial, px_err *err)
{
    px_rc rc = check_value(serial ? serial : "", GS1_SERIAL_MAX, "serial", err);
    if (rc == PX_OK)
        rc = check_key(gtin14, GS1_GTIN_LEN, "GTIN", err);
    return rc == PX_OK ? sgtin_dl(out, cap, gtin14, serial, err) : rc;
}

/* The constrained canonical DL of the EPC (canonical domain, the key and its finest qualifier
 * only, no query), as the EPCIS event hash uses (GS1 Digital Link URI Syntax 1.2 §4.11;
 * CBV 2.0 §8.9). */
px_rc gs1_epc_to_dl(char *out, size_t cap, const char *uri, px_err *err)
{
    gs1_elements e;
    gs1_epc_kind kind;
    px_rc rc = gs1_epc_parse(&e, &kind, NULL, uri, err);
    if (rc != PX_OK)
        return rc;
    if (kind == GS1_EPC_SGTIN) /* validated by gs1_epc_parse: (01) then (21) */
        return sgtin_dl(out, cap, e.items[0].value, e.items[1].value, err);
    return gs1_dl_format(out, cap, GS1_DL_CANONICAL, &e, err);
}
