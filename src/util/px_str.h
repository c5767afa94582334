/* px_str — small string helpers used across layers. */
#ifndef PX_STR_H
#define PX_STR_H

#include <stddef.h>
#include <stdint.h>

#include "px_err.h"

/* Copies src into dst (cap bytes), always NUL-terminates, never cuts inside a UTF-8
 * character; returns strlen(src) so truncation is detectable (>= cap). */
size_t px_strlcpy(char *dst, const char *src, size_t cap);
/* Text of len bytes written into s (cap bytes) by snprintf or the like: when it did not fit
 * (len >= cap), its end becomes "..." so the cut shows, and it is scrubbed to UTF-8 (a cut
 * may end inside a character). */
void px_cut_mark(char *s, size_t cap, size_t len);
/* The length of the well-formed UTF-8 sequence at s (RFC 3629 §4: no overlong forms, no
 * surrogates, nothing above U+10FFFF), 0 when there is none. */
size_t px_utf8_seq(const char *s);
/* 3 when the len bytes at s begin with a UTF-8 byte order mark (EF BB BF), else 0. A JSON
 * reader may ignore one (RFC 8259 §8.1) and some systems write it; an XML reader takes it
 * itself (XML 1.0 §4.3.3), so only the JSON paths skip it. */
size_t px_utf8_bom(const char *s, size_t len);
/* Names the character at s (avail >= 1 bytes readable) for a message: 'c' for printable
 * ASCII, U+XXXX for a well-formed non-ASCII character (never the character itself, which may
 * be invisible or reorder the text around it, UAX #9), "byte 0xXX" for anything else.
 * Returns its length in bytes (1 for a lone byte): the span an error points at. */
#define PX_CHAR_NAME_MAX 16
size_t px_char_name(char out[PX_CHAR_NAME_MAX], const char *s, size_t avail);
/* Drops, in place, every byte of s that does not begin a complete, well-formed UTF-8
 * sequence (RFC 3629 §4). Text cut by a byte count ("%.60s", a full buffer) may end a piece
 * inside a character; scrubbed, it stays valid UTF-8 for a JSON answer or PostgreSQL.
 * Returns how many bytes were dropped. */
size_t px_utf8_scrub(char *s);
/* Parses a base-10 integer in [min,max]: an optional sign, digits, nothing before or after;
 * 0 on success, -1 (out untouched) otherwise. */
int px_parse_long(const char *s, long min, long max, long *out);
/* 1 when s is well-formed UTF-8 throughout (RFC 3629 §4). */
int px_utf8_valid(const char *s);
/* 1 when s is 1..maxlen bytes of well-formed UTF-8 with no control characters (C0, DEL, C1),
 * no U+FFFE or U+FFFF, and no bidirectional embedding, override or isolate (U+202A..U+202E,
 * U+2066..U+2069) (names, labels, free text). GS1 data fields use gs1's character-set checks
 * instead. */
int px_str_printable(const char *s, size_t maxlen);
/* 1 when s holds nothing but spaces and invisible characters (no-break and other Unicode
 * spaces, zero-width characters, U+FEFF), or nothing: a name or label a person could not tell
 * from none. */
int px_str_blank(const char *s);
/* 1 when s is 1..maxlen bytes of printable ASCII (0x20..0x7E): what may travel as an HTTP header
 * value or a URL as it is, and what a stored key of ours is made of. */
int px_ascii_printable(const char *s, size_t maxlen);

/* 1 when the n bytes at s are all ASCII digits 0-9 (so when n is 0): the numeric fields of GS1
 * (GenSpecs §7.11, character set N), dates and URI segments. A caller that needs at least one
 * digit, or s to end there, says so itself. */
int px_digits(const char *s, size_t n);

/* The value of the hexadecimal digit c (0-9, A-F, a-f), or -1. */
int px_hexval(int c);

/* 1 when c is an RFC 3986 §2.3 unreserved character: ALPHA / DIGIT / "-" / "." / "_" / "~"
 * (never percent-encoded by packid). */
int px_uri_unreserved(unsigned char c);
/* The byte c percent-encoded (RFC 3986 §2.1, upper-case hex as §2.1 asks of producers):
 * "%XX" and a NUL in out. */
void px_pct_byte(char out[4], unsigned char c);
/* FNV-1a, 64 bits (Fowler, Noll, Vo), of the C string s: the hash of the in-memory tables
 * keyed by text (the audit verifier's chains, an allocation's candidate serials). Fast and
 * well spread, and guards nothing: never for a key or a digest. */
uint64_t px_fnv1a(const char *s);
/* qsort's comparator of an array of C strings (char * elements): byte order, the order strcmp
 * gives (UTF-8 code unit order; the EPCIS event hash sorts its lists so, rule 10). */
int px_strp_cmp(const void *a, const void *b);
/* The index of s in the name table names[0..n) (an exact match), or -1 (always for s NULL):
 * the one look-up of a name an enum's table spells (roles, organization kinds, pack states,
 * formats, CBV words). */
int px_name_index(const char *const *names, size_t n, const char *s);
/* The names of the table in words, "a, b or c", into out (cap bytes, cut as px_strlcpy cuts):
 * a refusal lists the names it takes from the table that decides, so the two cannot part. */
void px_name_choices(char *out, size_t cap, const char *const *names, size_t n);
/* The refusal of s, which is not a name of the table: PX_EINVALID with code, on field (NULL:
 * none), "<what> '<s>' is not one of a, b or c". Returns PX_EINVALID. */
px_rc px_name_refused(px_err *err, const char *code, const char *field, const char *what,
                      const char *s, const char *const *names, size_t n);
/* A value that must be a name of the table, read once: PX_OK with its index into *index (NULL:
 * not wanted), or px_name_refused's PX_EINVALID (code on field, the field naming the value in
 * the message; err NULL: none kept). */
px_rc px_name_pick(const char *const *names, size_t n, const char *s, const char *code,
                   const char *field, int *index, px_err *err);
/* Defines an enum's parser, px_rc fn(T *out, const char *s, px_err *err): s read by
 * px_name_pick from the enum's name table names[0..n) (code on field), *out set only on PX_OK.
 * The one body of every enum whose names are exactly its table's. */
#define PX_NAME_PARSER(fn, T, names, n, code, field)                                               \
    px_rc fn(T *out, const char *s, px_err *err)                                                   \
    {                                                                                              \
        int i = 0;                                                                                 \
        px_rc rc = px_name_pick(names, n, s, code, field, &i, err);                                \
        if (rc == PX_OK)                                                                           \
            *out = (T)i;                                                                           \
        return rc;                                                                                 \
    }
/* "false", "true": a yes/no query parameter's two spellings, by value (px_name_pick). */
extern const char *const px_bool_names[2];

/* The edit distance of a and b, letters compared without case (a letter inserted, deleted or
 * changed, or two neighbours swapped, count one each: the optimal string alignment
 * distance), up to max; max + 1 when it is more, or when either is longer than 64 bytes. It
 * tells a mistyped name from another name (a setting spelled "PACKID_RETENTON_MONTHS"). */
size_t px_edit_distance(const char *a, const char *b, size_t max);

/* A UUID's canonical text: 8-4-4-4-12 hex digits, 36 characters (RFC 9562 §4). Every id packid
 * makes or takes has this length. */
#define PX_UUID_LEN 36
/* 1 when s is a UUID in its canonical text form (8-4-4-4-12 hex digits). Ids from outside are
 * checked before they reach SQL, where a malformed uuid would be an internal error rather
 * than "not found". */
int px_uuid_valid(const char *s);
/* A UUID's text as PostgreSQL writes it, letters in lower case, into out (at most 36 bytes of
 * s and a NUL): a UUID names one object in either case (RFC 9562 §4: its hex digits are read
 * case-insensitively), and packid compares ids as text. */
void px_uuid_lower(char out[PX_UUID_LEN + 1], const char *s);
/* 1 when a and b are the same text but for the case of letters: the same UUID. */
int px_uuid_same(const char *a, const char *b);

#endif
