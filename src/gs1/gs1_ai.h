/* gs1_ai — packid's Application Identifier table (GS1 Barcode Syntax Dictionary).
 *
 * Each entry mirrors one line of GS1's Barcode Syntax Dictionary (gs1-syntax-dictionary.txt):
 * flags, the component specification with its linters, req=/ex= pairing rules, the Digital Link
 * primary-key role and the title. tests/unit/gs1/test_gs1_dictionary.c reads the dictionary at
 * test time and fails on any disagreement. */
#ifndef PX_GS1_AI_H
#define PX_GS1_AI_H

#include <stddef.h>
#include <stdint.h>

#include "gs1.h"

#define GS1_AI_PREDEFINED 0x1u  /* '*': predefined length, no FNC1 after it (GenSpecs §7.8.4) */
#define GS1_AI_DL_ATTR 0x2u     /* '?': permitted as a Digital Link query attribute */
#define GS1_AI_MAX_COMPONENTS 5 /* 423/425 and 8001 have five (dictionary 2026-01-27) */

/* One bit per linter of the dictionary (gs1-syntax-dictionary.txt "Linter"), so validation
 * tests bits instead of comparing names; scripts/gen-ai-table.py knows the same list and stops
 * on a name that is not here. */
#define GS1_LINT_CSUM (UINT64_C(1) << 0) /* GenSpecs §7.9 mod-10 check digit */
#define GS1_LINT_CSUMALPHA                                                                         \
    (UINT64_C(1) << 1) /* GenSpecs §7.9.5 check character pair (8013, 8010 kin) */
#define GS1_LINT_GCPPOS1 (UINT64_C(1) << 2)         /* GS1 Company Prefix from the 1st character */
#define GS1_LINT_GCPPOS2 (UINT64_C(1) << 3)         /* … from the 2nd character */
#define GS1_LINT_ZERO (UINT64_C(1) << 4)            /* all '0' */
#define GS1_LINT_NONZERO (UINT64_C(1) << 5)         /* not all '0' */
#define GS1_LINT_NOZEROPREFIX (UINT64_C(1) << 6)    /* no leading '0' (a lone "0" included) */
#define GS1_LINT_YYMMD0 (UINT64_C(1) << 7)          /* date, DD may be 00 */
#define GS1_LINT_YYMMDD (UINT64_C(1) << 8)          /* date */
#define GS1_LINT_YYYYMMDD (UINT64_C(1) << 9)        /* date with century */
#define GS1_LINT_HH (UINT64_C(1) << 10)             /* hour 00–23 */
#define GS1_LINT_MI (UINT64_C(1) << 11)             /* minute 00–59 */
#define GS1_LINT_SS (UINT64_C(1) << 12)             /* second 00–59 */
#define GS1_LINT_HHMI (UINT64_C(1) << 13)           /* HHMI */
#define GS1_LINT_ISO3166 (UINT64_C(1) << 14)        /* ISO 3166-1 numeric country */
#define GS1_LINT_ISO3166999 (UINT64_C(1) << 15)     /* … or 999 */
#define GS1_LINT_ISO3166ALPHA2 (UINT64_C(1) << 16)  /* ISO 3166-1 alpha-2 country */
#define GS1_LINT_ISO4217 (UINT64_C(1) << 17)        /* ISO 4217 numeric currency */
#define GS1_LINT_ISO5218 (UINT64_C(1) << 18)        /* ISO/IEC 5218 sex code 0, 1, 2, 9 */
#define GS1_LINT_PIECEOFTOTAL (UINT64_C(1) << 19)   /* PPTT, 1 <= piece <= total */
#define GS1_LINT_POSINSEQSLASH (UINT64_C(1) << 20)  /* "pos/end", 1 <= pos <= end */
#define GS1_LINT_IMPORTERIDX (UINT64_C(1) << 21)    /* 7040 importer index character */
#define GS1_LINT_LATITUDE (UINT64_C(1) << 22)       /* 0..1800000000 */
#define GS1_LINT_LONGITUDE (UINT64_C(1) << 23)      /* 0..3600000000 */
#define GS1_LINT_MEDIATYPE (UINT64_C(1) << 24)      /* AIDC media type 01–10, 80–99 */
#define GS1_LINT_PACKAGETYPE (UINT64_C(1) << 25)    /* UN/ECE Recommendation 21 package type */
#define GS1_LINT_PCENC (UINT64_C(1) << 26)          /* well-formed %hh escapes */
#define GS1_LINT_HASNONDIGIT (UINT64_C(1) << 27)    /* at least one non-digit */
#define GS1_LINT_HYPHEN (UINT64_C(1) << 28)         /* all '-' */
#define GS1_LINT_WINDING (UINT64_C(1) << 29)        /* 0, 1 or 9 */
#define GS1_LINT_YESNO (UINT64_C(1) << 30)          /* 0 or 1 */
#define GS1_LINT_IBAN (UINT64_C(1) << 31)           /* ISO 13616 IBAN */
#define GS1_LINT_COUPONCODE (UINT64_C(1) << 32)     /* 8110 North American coupon code */
#define GS1_LINT_COUPONPOSOFFER (UINT64_C(1) << 33) /* 8112 paperless coupon offer */

typedef struct gs1_ai_component {
    char cset;              /* 'N' digits, 'X' set 82, 'Y' set 39, 'Z' base64url; 0 = unused */
    unsigned char min, max; /* fixed length when min == max ("N14"), else "X..20" is 1..20 */
    unsigned char optional; /* "[...]" in the dictionary */
    const char *linters;    /* dictionary linters, e.g. "csum,gcppos2"; "" for none */
    uint64_t lint;          /* the same linters as GS1_LINT_* bits */
} gs1_ai_component;

typedef struct gs1_ai_def {
    const char *ai; /* "01", "7003", … */
    unsigned flags; /* GS1_AI_PREDEFINED | GS1_AI_DL_ATTR */
    gs1_ai_component comp[GS1_AI_MAX_COMPONENTS];
    const char *req;    /* req= groups, space-separated (each must hold); NULL if none */
    const char *ex;     /* ex= list; NULL if none */
    const char *dlpkey; /* NULL: not a DL primary key; "" key without qualifiers;
                         * "22,10,21|235": alternative ordered qualifier sequences */
    const char *title;
} gs1_ai_def;

/* The generated table (ai_table_gen.c, lexical AI order) and the dictionary release it was
 * generated from. */
extern const gs1_ai_def gs1__ai_table[];
extern const size_t gs1__ai_table_len;
/* The rows of each two-digit prefix p: [gs1__ai_by_prefix[p], gs1__ai_by_prefix[p + 1])
 * (ai_table_gen.c). */
extern const unsigned short gs1__ai_by_prefix[101];
extern const char gs1__ai_dictionary_release[];

/* "2026-01-27": the Barcode Syntax Dictionary release the table was generated from. */
const char *gs1_ai_dictionary_release(void);
size_t gs1_ai_count(void);
const gs1_ai_def *gs1_ai_at(size_t i);
/* The entry for exactly this AI (len digits), or NULL. */
const gs1_ai_def *gs1_ai_lookup(const char *ai, size_t len);
/* The AI the data starts with (2–4 digits; GS1 AIs are prefix-free), or NULL. */
const gs1_ai_def *gs1_ai_match(const char *data, size_t len);
/* Minimum / maximum value length over all components. */
size_t gs1_ai_min_len(const gs1_ai_def *d);
size_t gs1_ai_max_len(const gs1_ai_def *d);
/* GenSpecs §7.8.4 predefined-length table keyed on the AI's first two digits:
 * the data length after the AI, or -1 when the prefix is not in the table. */
int gs1_ai_prefix_length(const char *ai);
/* Checks a value against the entry's components and every linter of the dictionary.
 * err->pos is relative to value. */
px_rc gs1_ai_value_validate(const gs1_ai_def *d, const char *value, size_t len, px_err *err);
/* 1 when ai is one of the qualifiers of the primary key d in any of its alternatives. */
int gs1_ai_is_qualifier(const gs1_ai_def *d, const char *ai);

/* Applies the linters in mask to one component s[0..len) (lint.c); err->pos relative to s. */
px_rc gs1__lint(const char *ai, uint64_t mask, const char *s, size_t len, px_err *err);
/* ISO code lists (codes.c): 1 when the code is assigned. */
int gs1__iso3166_numeric(int code);
int gs1__iso3166_alpha2(const char *cc);
int gs1__iso4217_numeric(int code);
int gs1__packagetype(const char *s, size_t len);

#endif
