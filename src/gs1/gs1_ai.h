/* gs1_ai — packid's Application Identifier table (DOMAIN.md §2.1, §2.3, §2.5, §4.1).
 *
 * Each entry mirrors one line of GS1's Barcode Syntax Dictionary (gs1-syntax-dictionary.txt):
 * flags, the component specification with its linters, req=/ex= pairing rules, the Digital Link
 * primary-key role and the title. tests/unit/gs1/test_gs1_dictionary.c reads the dictionary at
 * test time and fails on any disagreement. */
#ifndef PX_GS1_AI_H
#define PX_GS1_AI_H

#include <stddef.h>

#include "gs1.h"

#define GS1_AI_PREDEFINED 0x1u /* '*': predefined length, no FNC1 after it (GenSpecs §7.8.4) */
#define GS1_AI_DL_ATTR 0x2u    /* '?': permitted as a Digital Link query attribute */
#define GS1_AI_MAX_COMPONENTS 4

typedef struct gs1_ai_component {
    char cset;              /* 'N' digits, 'X' set 82, 'Y' set 39, 'Z' base64url; 0 = unused */
    unsigned char min, max; /* fixed length when min == max ("N14"), else "X..20" is 1..20 */
    unsigned char optional; /* "[...]" in the dictionary */
    const char *linters;    /* dictionary linters, e.g. "csum,gcppos2"; "" for none */
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

size_t gs1_ai_count(void);
const gs1_ai_def *gs1_ai_at(size_t i);
/* The entry for exactly this AI (len digits), or NULL. */
const gs1_ai_def *gs1_ai_lookup(const char *ai, size_t len);
/* The AI the data starts with (2–4 digits; GS1 AIs are prefix-free), or NULL. */
const gs1_ai_def *gs1_ai_match(const char *data, size_t len);
/* Minimum / maximum value length over all components. */
size_t gs1_ai_min_len(const gs1_ai_def *d);
size_t gs1_ai_max_len(const gs1_ai_def *d);
/* GenSpecs §7.8.4 predefined-length table keyed on the AI's first two digits (DOMAIN.md §2.3):
 * the data length after the AI, or -1 when the prefix is not in the table. */
int gs1_ai_prefix_length(const char *ai);
/* Checks a value against the entry's components and linters (csum, yymmd0, yymmdd, hhmi, zero,
 * pieceoftotal, nozeroprefix, importeridx, gcppos1/2). err->pos is relative to value. */
px_rc gs1_ai_value_validate(const gs1_ai_def *d, const char *value, size_t len, px_err *err);
/* 1 when ai is one of the qualifiers of the primary key d in any of its alternatives. */
int gs1_ai_is_qualifier(const gs1_ai_def *d, const char *ai);

#endif
