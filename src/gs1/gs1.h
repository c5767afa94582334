/* gs1 — pure GS1 syntax: keys, Application Identifiers, element strings, dates, Digital Link,
 * EPC URIs (GS1 General Specifications, GS1 Barcode Syntax Dictionary, GS1 Digital Link URI
 * Syntax, GS1 EPC Tag Data Standard; docs/gs1.md). No I/O, no heap, no third-party headers:
 * every value type is fixed-size and callers pass output buffers. Errors go into px_err with
 * the position (0-based) and length of the offending characters.
 *
 * This header is the contract other layers code against; keep these signatures. */
#ifndef PX_GS1_H
#define PX_GS1_H

#include <stddef.h>
#include <stdint.h>

#include "px_err.h"

#define GS1_GS 0x1D            /* FNC1 separator as transmitted by readers (GenSpecs §7.8.4) */
#define GS1_GTIN_LEN 14
#define GS1_GLN_LEN 13
#define GS1_SSCC_LEN 18
#define GS1_SERIAL_MAX 20      /* AI 21: X..20 */
#define GS1_BATCH_MAX 20       /* AI 10: X..20 */
#define GS1_AI_VALUE_MAX 90    /* longest AI value (91–99: X..90) */
#define GS1_MAX_ELEMENTS 32    /* elements in one string; more: too_many_elements */
/* gs1_parse input bytes; more: input_too_long (PX_ETOOBIG). Above the longest Digital Link
 * gs1_dl_format can build: 32 elements of 90 characters, each percent-encoded. */
#define GS1_INPUT_MAX 16384
#define GS1_EPC_URI_MAX 128
#define GS1_DL_MAX 512

/* ---- keys (§1) ---------------------------------------------------------------------- */

/* Mod-10 check digit of the first len digits (the data without its check digit): '0'..'9',
 * or -1 when a character is not a digit. */
int gs1_check_digit(const char *digits, size_t len);
/* Validates a complete numeric key (digits + check digit) of exactly len characters. */
px_rc gs1_key_validate(const char *key, size_t len, px_err *err);
/* GTIN-8/12/13/14 -> 14 digits (left-padded with '0'); validates digits and check digit. */
px_rc gs1_gtin_normalize(char out[GS1_GTIN_LEN + 1], const char *in, px_err *err);
px_rc gs1_gln_validate(const char *gln, px_err *err);
/* 1 when cc is an assigned ISO 3166-1 alpha-2 country code (the list the GS1 linter
 * iso3166alpha2 checks against, gs1/codes.c). */
int gs1_iso3166_alpha2(const char *cc);
px_rc gs1_sscc_validate(const char *sscc, px_err *err);

/* The lengths a GS1 Company Prefix may have where an EPC URI carries it (EPC Tag Data
 * Standard §14, the partition tables: 6 to 12 digits): an SGTIN's, an SSCC's, an SGLN's. The
 * prefix list has shorter ones, which no EPC URI can carry. */
#define GS1_GCP_LEN_MIN 6
#define GS1_GCP_LEN_MAX 12
/* 1 when len is such a length. */
int gs1_gcp_len_valid(long len);

/* SSCC construction (GS1 General Specifications §3.3.1): extension digit 0..9, a company prefix of
 * GS1_GCP_LEN_MIN..MAX digits, and a serial reference below gs1_sscc_capacity(L), written
 * right-aligned with leading zeros; out gets the 18 digits with the check digit.
 * PX_EINVALID for a bad part, PX_EEXHAUSTED "sscc_exhausted" when ref does not fit. */
px_rc gs1_sscc_build(char out[GS1_SSCC_LEN + 1], int ext, const char *gcp, uint64_t ref,
                     px_err *err);
/* Serial references per extension digit for a company prefix of gcp_len digits:
 * 10^(16 - gcp_len); 0 when gcp_len is out of range. */
uint64_t gs1_sscc_capacity(int gcp_len);
/* 1 when s is a company prefix an SSCC may carry: GS1_GCP_LEN_MIN..MAX digits. */
int gs1_gcp_valid(const char *s);
/* A valid SSCC (length, digits, check digit) whose company prefix (from its second digit) is
 * gcp: PX_EINVALID "wrong_company_prefix" otherwise. */
px_rc gs1_sscc_check_prefix(const char *sscc, const char *gcp, px_err *err);

/* ---- character sets (§2.2) --------------------------------------------------------- */

int gs1_cset82_char(unsigned char c);
int gs1_cset39_char(unsigned char c);
/* 1..max characters of set 82; err names the first bad character's position. */
px_rc gs1_cset82_validate(const char *s, size_t max, px_err *err);

/* ---- dates (§2.4) ------------------------------------------------------------------ */

typedef struct gs1_date {
    int year, month, day;   /* day resolved: DD=00 becomes the month's last day */
    int day_unspecified;    /* 1 when the YYMMDD had DD=00 */
} gs1_date;

/* The national healthcare reimbursement number AIs, 710 to 717 (GS1 Barcode Syntax
 * Dictionary; Delegated Regulation (EU) 2016/161 Art. 4(b)(iii)): ai's place among them, 0 for
 * 710 … 7 for 717, or -1 when ai is none of them. */
int gs1_nhrn_ai_index(const char *ai);

/* YYMMDD (allow_day00: YYMMD0 as for AI 17) with the century rule of GenSpecs §7.12 relative
 * to current_year (e.g. 2026). */
px_rc gs1_date_parse(gs1_date *out, const char *yymmdd, int allow_day00, int current_year,
                     px_err *err);
/* An expiry as AI (17) prints it (YYMMDD, DD 00 the month's last day) read against the year
 * of now_us (µs since the epoch): gs1_date_parse with day 00 allowed and px_year_of_us(now_us)
 * as the current year. The one reading of a printed expiry, wherever one arrives or is shown. */
px_rc gs1_expiry_parse(gs1_date *out, const char *yymmdd, int64_t now_us, px_err *err);
/* "YYYY-MM-DD" (xsd:date, for EPCIS itemExpirationDate). */
void gs1_date_iso(char out[11], const gs1_date *d);

/* ---- AI table and element strings (§2, §3) ----------------------------------------- */

typedef struct gs1_element {
    char ai[5];                            /* "01", "17", "7003", … */
    char value[GS1_AI_VALUE_MAX + 1];
} gs1_element;

typedef struct gs1_elements {
    int count;
    gs1_element items[GS1_MAX_ELEMENTS];
} gs1_elements;

/* The pack's data in the order packid builds it: 01, 17, 10, 21, then NHRN. */
typedef struct gs1_pack {
    char gtin[GS1_GTIN_LEN + 1];
    char expiry[7];                        /* YYMMDD, "" if none */
    char batch[GS1_BATCH_MAX + 1];         /* "" if none */
    char serial[GS1_SERIAL_MAX + 1];       /* "" if none */
    char nhrn_ai[4];                       /* "710".."717" (gs1_nhrn_ai_index), "" if none */
    char nhrn[GS1_SERIAL_MAX + 1];
} gs1_pack;

px_rc gs1_elements_add(gs1_elements *e, const char *ai, const char *value, px_err *err);
/* Validates every element against the AI table (format, length, charset, check digit, date)
 * and the req/ex pairing rules. */
px_rc gs1_elements_validate(const gs1_elements *e, px_err *err);
/* Fills p from its parts (each may be NULL: ""); values too long for a member are cut, and
 * gs1_pack_elements then refuses them. */
void gs1_pack_set(gs1_pack *p, const char *gtin, const char *serial, const char *batch,
                  const char *expiry, const char *nhrn_ai, const char *nhrn);
/* Builds the elements of a pack in packid's order (01, 17, 10, 21, NHRN); validates. */
px_rc gs1_pack_elements(gs1_elements *out, const gs1_pack *p, px_err *err);

/* Element string with GS (0x1D) only after variable-length (not predefined-length) elements
 * that are not last; no leading FNC1 and no symbology identifier. */
px_rc gs1_element_string_format(char *out, size_t cap, const gs1_elements *e, px_err *err);
/* "(01)09506000134352(17)261115(10)BATCH002(21)…" */
px_rc gs1_hri_format(char *out, size_t cap, const gs1_elements *e, px_err *err);
/* The HRI a label prints (GS1 General Specifications §4.15): "(01) 09506000134352 (17) 261115
 * (10) BATCH002 (21) …", data as it is ("(" unescaped: not meant to be read back). */
px_rc gs1_hri_text_format(char *out, size_t cap, const gs1_elements *e, px_err *err);
/* Parses scan data (]d2 ]Q3 ]C1 ]e0 ]J1 + element string, no GS right after the identifier;
 * ]d1 ]Q1 ]J0 + Digital Link), raw GS1 data with GS separators (an optional leading GS/FNC1 is
 * accepted), bracketed HRI "(01)…(21)…" (a "(" in data written "\(", no spaces), or a Digital
 * Link URI. At most GS1_INPUT_MAX bytes. Validates. */
px_rc gs1_parse(gs1_elements *out, const char *input, px_err *err);
/* gs1_parse, an EPC URI too ("urn:epc:id:sgtin:…", gs1_epc_parse), and the form it was in
 * (*form, a static string): "scan_data" (an identifier of an element string carrier),
 * "digital_link" (with or without ]d1 ]Q1 ]J0), "hri", "element_string" or "epc_uri". */
px_rc gs1_parse_form(gs1_elements *out, const char *input, const char **form, px_err *err);

/* ---- Digital Link (§4) --------------------------------------------------------------- */

/* The canonical GS1 Digital Link domain (GS1 Digital Link URI Syntax §4.2): the one EPCIS 2.0
 * writes an EPC under, and the default of a pack's link. */
#define GS1_DL_CANONICAL "https://id.gs1.org"

/* 1 when domain is a Digital Link domain as gs1_dl_format takes it: "scheme://host[/stem]",
 * http or https, the host a name or [IP] with an optional port (RFC 3986 authority, without
 * userinfo), visible ASCII without "?", "#" and the characters RFC 3986 excludes, no trailing
 * slash. */
int gs1_dl_domain_valid(const char *domain);
/* domain: GS1_DL_CANONICAL (also for NULL or "") or another "scheme://host[/stem]" without a
 * trailing slash (gs1_dl_domain_valid). */
px_rc gs1_dl_format(char *out, size_t cap, const char *domain, const gs1_elements *e,
                    px_err *err);
/* Parses an uncompressed, partially compressed or fully compressed Digital Link. */
px_rc gs1_dl_parse(gs1_elements *out, const char *uri, px_err *err);

/* Compressed Digital Link (GS1 Digital Link compression). Flags: */
#define GS1_DL_PARTIAL 0x1u        /* primary key and its value stay uncompressed */
#define GS1_DL_COMPRESS_OTHER 0x2u /* non-GS1 query parameters go into the compressed data */
#define GS1_DL_OPTIMISE 0x4u       /* use optimisation codes for groups such as (01)(10)(21)(17) */
/* Elements -> compressed Digital Link on domain (as gs1_dl_format; NULL or "" = canonical). */
px_rc gs1_dl_compress_elements(char *out, size_t cap, const char *domain, const gs1_elements *e,
                               unsigned flags, px_err *err);
/* Any Digital Link -> its compressed form: stem, non-GS1 query parameters and fragment kept. */
px_rc gs1_dl_compress(char *out, size_t cap, const char *uri, unsigned flags, px_err *err);
/* Any Digital Link (compressed or not) -> the uncompressed form of gs1_dl_format on the same
 * domain and stem, non-GS1 query parameters (also those carried compressed) and fragment
 * appended. */
px_rc gs1_dl_decompress(char *out, size_t cap, const char *uri, px_err *err);

/* ---- EPC URIs (§5) ------------------------------------------------------------------- */

/* urn:epc:id:sgtin:CP.IIR.SERIAL with the serial escaped per §5.2. gcp_len 6..12. */
px_rc gs1_epc_sgtin_format(char *out, size_t cap, const char *gtin14, int gcp_len,
                           const char *serial, px_err *err);
px_rc gs1_epc_sgtin_parse(char gtin14[GS1_GTIN_LEN + 1], char serial[GS1_SERIAL_MAX + 1],
                          int *gcp_len, const char *uri, px_err *err);
/* What an EPCIS query's MATCH_epc takes (EPCIS 1.2 §8.2.7.1): an SGTIN URI, one instance
 * (gtin14 and serial), or an SGTIN pattern urn:epc:idpat:sgtin:CP.IIR.*, every instance of
 * the GTIN (serial ""). PX_EINVALID "invalid_epc_uri" for anything else. */
px_rc gs1_epc_sgtin_match(char gtin14[GS1_GTIN_LEN + 1], char serial[GS1_SERIAL_MAX + 1],
                          const char *uri, px_err *err);
/* urn:epc:idpat:sgtin:CP.IIR.* */
px_rc gs1_epc_idpat_sgtin_format(char *out, size_t cap, const char *gtin14, int gcp_len,
                                 px_err *err);
/* urn:epc:class:lgtin:CP.IIR.LOT */
px_rc gs1_epc_lgtin_format(char *out, size_t cap, const char *gtin14, int gcp_len,
                           const char *lot, px_err *err);
/* urn:epc:id:sgln:CP.LOCREF.EXT; ext NULL or "" gives "0" (no extension). */
px_rc gs1_epc_sgln_format(char *out, size_t cap, const char *gln13, int gcp_len,
                          const char *ext, px_err *err);
/* urn:epc:id:sscc:CP.SERIALREF */
px_rc gs1_epc_sscc_format(char *out, size_t cap, const char *sscc18, int gcp_len, px_err *err);
/* Any supported EPC URI (sgtin, sscc, sgln, lgtin, idpat:sgtin) -> constrained canonical
 * Digital Link on https://id.gs1.org as used by the EPCIS event hash (§4.4, §6.6). */
px_rc gs1_epc_to_dl(char *out, size_t cap, const char *uri, px_err *err);
/* The same Digital Link for an SGTIN from its GTIN-14 and (unescaped) serial, both checked,
 * without an EPC URI between them. */
px_rc gs1_sgtin_to_dl(char *out, size_t cap, const char *gtin14, const char *serial, px_err *err);

/* Any supported EPC URI <-> elements. */
typedef enum gs1_epc_kind {
    GS1_EPC_SGTIN,        /* urn:epc:id:sgtin:    -> (01)(21) */
    GS1_EPC_LGTIN,        /* urn:epc:class:lgtin: -> (01)(10) */
    GS1_EPC_IDPAT_SGTIN,  /* urn:epc:idpat:sgtin:CP.IIR.* -> (01) */
    GS1_EPC_SSCC,         /* urn:epc:id:sscc:     -> (00) */
    GS1_EPC_SGLN          /* urn:epc:id:sgln:     -> (414)[(254)] */
} gs1_epc_kind;

/* Parses any supported EPC URI into elements (validated); kind and gcp_len may be NULL. */
px_rc gs1_epc_parse(gs1_elements *out, gs1_epc_kind *kind, int *gcp_len, const char *uri,
                    px_err *err);
/* An instance EPC as EPCIS 2.0 carries it (EPCIS 2.0 §8.2: an EPC URI or its constrained GS1
 * Digital Link URI, on any domain): the EPC URI forms gs1_epc_parse takes, or a Digital Link of
 * exactly (01)(21) (*kind GS1_EPC_SGTIN) or (00) (GS1_EPC_SSCC), no other AI or attribute.
 * PX_EINVALID "invalid_epc_uri" for a Digital Link of anything else. */
px_rc gs1_epc_instance_parse(gs1_elements *out, gs1_epc_kind *kind, const char *uri, px_err *err);
/* The element an EPC URI of e is built on: (00), else (01), else (414); its index, and in
 * *gcppos where its GS1 Company Prefix starts as gs1_gcp_length_lookup takes it (2 for an SSCC
 * and a GTIN, 1 for a GLN; may be NULL). PX_EINVALID "no_epc_key" when e has none. */
px_rc gs1_epc_key(const gs1_elements *e, int *index, int *gcppos, px_err *err);
/* Builds the EPC URI for elements: (00) -> sscc; (01)+(21) -> sgtin; (01)+(10) -> lgtin;
 * (01) alone -> idpat:sgtin; (414)[+(254)] -> sgln. */
px_rc gs1_epc_format(char *out, size_t cap, const gs1_elements *e, int gcp_len, px_err *err);

/* ---- GS1 Company Prefix length (§1.5) ------------------------------------------------ */

/* The most of a GCPPrefixFormatList file a reader takes (GS1's list is about 4 MB). */
#define GS1_GCP_LIST_MAX ((size_t)64 << 20)

/* Longest-prefix lookup in the text of GS1's GCPPrefixFormatList XML (the caller reads the
 * file; this scans the buffer, allocating nothing). key: a GTIN-14 (indicator dropped), GLN or
 * SSCC per the gcppos rules. Returns the GCP length, or -1 when no prefix matches.
 * (Implementation note: pass the whole key; gcppos 2 — GTIN, SSCC — skips its first digit,
 * gcppos 1 — GLN — starts at the first digit, as the syntax dictionary's gcppos1/2.) */
int gs1_gcp_length_lookup(const char *xml, size_t xml_len, const char *key, int gcppos);

#endif
