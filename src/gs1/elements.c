/* Element lists: adding, validating (AI table + the req=/ex= pairing rules of GS1's Barcode
 * Syntax Dictionary) and building a pack's elements. */
#include <string.h>

#include "gs1_ai.h"
#include "gs1_internal.h"
#include "px_array.h"

px_rc gs1__element_push(gs1_elements *out, const char *ai, const char *value, size_t vlen,
                        size_t pos, size_t len, px_err *err)
{
    if (out->count >= GS1_MAX_ELEMENTS)
        return gs1__at(err,
                       px_err_set(err, PX_ETOOBIG, "too_many_elements", "more than %d elements",
                                  GS1_MAX_ELEMENTS),
                       pos, len);
    gs1_element *it = &out->items[out->count++];
    memcpy(it->ai, ai, strlen(ai) + 1);
    memcpy(it->value, value, vlen);
    it->value[vlen] = '\0';
    return PX_OK;
}

px_rc gs1_elements_add(gs1_elements *e, const char *ai, const char *value, px_err *err)
{
    size_t alen = strlen(ai), vlen = strlen(value);
    if (e->count >= GS1_MAX_ELEMENTS)
        return px_err_set(err, PX_ETOOBIG, "too_many_elements", "more than %d elements",
                          GS1_MAX_ELEMENTS);
    if (!gs1_ai_lookup(ai, alen)) {
        px_err_set(err, PX_EINVALID, "unknown_ai", "unknown AI (%.4s)", ai);
        px_err_span(err, 0, (int)alen);
        return PX_EINVALID;
    }
    if (vlen > GS1_AI_VALUE_MAX) {
        px_err_set(err, PX_EINVALID, "invalid_length", "AI (%s): value is too long", ai);
        px_err_span(err, GS1_AI_VALUE_MAX, (int)(vlen - GS1_AI_VALUE_MAX));
        return PX_EINVALID;
    }
    gs1_element *it = &e->items[e->count++];
    memcpy(it->ai, ai, alen + 1);
    memcpy(it->value, value, vlen + 1);
    return PX_OK;
}

/* An AI in a req=/ex= list may be a pattern with 'n' for any digit ("35nn"). */
static int ai_matches(const char *pat, size_t plen, const char *ai)
{
    if (strlen(ai) != plen)
        return 0;
    for (size_t i = 0; i < plen; i++)
        if (pat[i] != ai[i] && !(pat[i] == 'n' && ai[i] >= '0' && ai[i] <= '9'))
            return 0;
    return 1;
}

static int present(const gs1_elements *e, const char *pat, size_t plen, const char *self)
{
    for (int i = 0; i < e->count; i++)
        if (strcmp(e->items[i].ai, self) != 0 && ai_matches(pat, plen, e->items[i].ai))
            return 1;
    return 0;
}

/* One req= group "01+21,03,8006": satisfied when every AI of one alternative is present. */
static int req_group_ok(const gs1_elements *e, const char *g, size_t glen, const char *self)
{
    const char *end = g + glen;
    while (g < end) {
        const char *alt_end = memchr(g, ',', (size_t)(end - g));
        if (!alt_end)
            alt_end = end;
        int all = 1;
        for (const char *p = g; p < alt_end;) {
            const char *plus = memchr(p, '+', (size_t)(alt_end - p));
            if (!plus)
                plus = alt_end;
            if (!present(e, p, (size_t)(plus - p), self))
                all = 0;
            p = plus < alt_end ? plus + 1 : alt_end;
        }
        if (all)
            return 1;
        g = alt_end < end ? alt_end + 1 : end;
    }
    return 0;
}

/* GS1 Barcode Syntax Dictionary: req= alternatives must be satisfied, ex= AIs must not
 * co-occur ("an AI is not exclusive of itself"). */
static px_rc pairing(const gs1_elements *e, int i, const gs1_ai_def *d, px_err *err)
{
    const char *self = e->items[i].ai;
    if (d->req) {
        for (const char *g = d->req; *g;) {
            size_t glen = strcspn(g, " ");
            if (!req_group_ok(e, g, glen, self))
                return px_err_set(err, PX_EINVALID, "missing_required_ai",
                                  "required AIs for AI (%s) are not satisfied: %.*s", self,
                                  (int)glen, g);
            g += glen;
            if (*g)
                g++;
        }
    }
    if (d->ex) {
        for (const char *p = d->ex; *p;) {
            size_t len = strcspn(p, ",");
            for (int k = 0; k < e->count; k++)
                if (k != i && strcmp(e->items[k].ai, self) != 0 &&
                    ai_matches(p, len, e->items[k].ai))
                    return px_err_set(err, PX_EINVALID, "excluded_ai",
                                      "AI (%s) must not be used with AI (%s)", self,
                                      e->items[k].ai);
            p += len;
            if (*p)
                p++;
        }
    }
    return PX_OK;
}

px_rc gs1_elements_validate(const gs1_elements *e, px_err *err)
{
    if (e->count == 0)
        return px_err_set(err, PX_EINVALID, "no_elements", "no GS1 element strings");
    for (int i = 0; i < e->count; i++) {
        const gs1_element *it = &e->items[i];
        const gs1_ai_def *d = gs1_ai_lookup(it->ai, strlen(it->ai));
        if (!d)
            return px_err_set(err, PX_EINVALID, "unknown_ai", "unknown AI (%s)", it->ai);
        px_rc rc = gs1_ai_value_validate(d, it->value, strlen(it->value), err);
        if (rc != PX_OK) {
            px_err_field(err, "(%s)", it->ai);
            return rc;
        }
        for (int k = 0; k < i; k++)
            if (strcmp(e->items[k].ai, it->ai) == 0 && strcmp(e->items[k].value, it->value))
                return px_err_set(err, PX_EINVALID, "duplicate_ai",
                                  "AI (%s) appears twice with different values", it->ai);
    }
    for (int i = 0; i < e->count; i++) {
        const gs1_ai_def *d = gs1_ai_lookup(e->items[i].ai, strlen(e->items[i].ai));
        px_rc rc = pairing(e, i, d, err);
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

void gs1_pack_set(gs1_pack *p, const char *gtin, const char *serial, const char *batch,
                  const char *expiry, const char *nhrn_ai, const char *nhrn)
{
    memset(p, 0, sizeof(*p));
    px_strlcpy(p->gtin, gtin ? gtin : "", sizeof(p->gtin));
    px_strlcpy(p->serial, serial ? serial : "", sizeof(p->serial));
    px_strlcpy(p->batch, batch ? batch : "", sizeof(p->batch));
    px_strlcpy(p->expiry, expiry ? expiry : "", sizeof(p->expiry));
    px_strlcpy(p->nhrn_ai, nhrn_ai ? nhrn_ai : "", sizeof(p->nhrn_ai));
    px_strlcpy(p->nhrn, nhrn ? nhrn : "", sizeof(p->nhrn));
}

/* Recommended order for pharma (industry practice; any order is valid GS1 syntax):
 * predefined-length AIs first, variable-length last, so (01)(17)(10)(21) needs exactly one
 * separator; NHRN (71x) last. */
px_rc gs1_pack_elements(gs1_elements *out, const gs1_pack *p, px_err *err)
{
    memset(out, 0, sizeof(*out));
    char gtin[GS1_GTIN_LEN + 1];
    px_rc rc = gs1_gtin_normalize(gtin, p->gtin, err);
    if (rc != PX_OK) {
        px_err_field(err, "gtin");
        return rc;
    }
    rc = gs1_elements_add(out, "01", gtin, err);
    if (rc == PX_OK && p->expiry[0])
        rc = gs1_elements_add(out, "17", p->expiry, err);
    if (rc == PX_OK && p->batch[0])
        rc = gs1_elements_add(out, "10", p->batch, err);
    if (rc == PX_OK && p->serial[0])
        rc = gs1_elements_add(out, "21", p->serial, err);
    if (rc == PX_OK && p->nhrn_ai[0]) {
        if (gs1_nhrn_ai_index(p->nhrn_ai) < 0)
            return px_err_set(err, PX_EINVALID, "invalid_nhrn_ai",
                              "NHRN AI must be 710..717, got \"%.3s\"", p->nhrn_ai);
        rc = gs1_elements_add(out, p->nhrn_ai, p->nhrn, err);
    }
    if (rc != PX_OK)
        return rc;
    rc = gs1_elements_validate(out, err);
    if (rc != PX_OK && err) {
        /* Name the pack field rather than the AI, for the API's error details. */
        static const char *const fields[][2] = {
            {"(01)", "gtin"}, {"(17)", "expiry"}, {"(10)", "batch"}, {"(21)", "serial"}};
        int named = 0;
        for (size_t i = 0; i < PX_COUNT(fields); i++)
            if (strcmp(err->field, fields[i][0]) == 0) {
                px_err_field(err, "%s", fields[i][1]);
                named = 1;
            }
        if (!named && strncmp(err->field, "(71", 3) == 0)
            px_err_field(err, "nhrn");
    }
    return rc;
}

int gs1_nhrn_ai_index(const char *ai)
{
    if (ai && strlen(ai) == 3 && ai[0] == '7' && ai[1] == '1' && ai[2] >= '0' && ai[2] <= '7')
        return ai[2] - '0';
    return -1;
}
