/* What a market's report will need, checked before anything changes (reports.h): a release or
 * a status change of released packs is refused with every missing piece named, rather than
 * accepted and then reported never. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndc.h"
#include "px_array.h"
#include "px_str.h"
#include "reports_internal.h"

static px_rc missing_add(px_missing_list *l, const char *code, const char *field,
                         const char *org_id, px_err *err, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static px_rc missing_add(px_missing_list *l, const char *code, const char *field,
                         const char *org_id, px_err *err, const char *fmt, ...)
{
    px_missing *v = px_array_room(l->v, l->n, &l->cap, sizeof(*v), 8);
    if (!v)
        return px_err_oom(err);
    l->v = v;
    px_missing *m = &l->v[l->n++];
    memset(m, 0, sizeof(*m));
    px_strlcpy(m->code, code, sizeof(m->code));
    px_strlcpy(m->field, field ? field : "", sizeof(m->field));
    px_strlcpy(m->org_id, org_id ? org_id : "", sizeof(m->org_id));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->message, sizeof(m->message), fmt, ap);
    va_end(ap);
    px_utf8_scrub(m->message); /* a name cut by "%.80s" inside a character */
    return PX_OK;
}

void px_missing_list_dispose(px_missing_list *l)
{
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* The master data the market's profile requires (Delegated Regulation (EU) 2016/161 Art.
 * 33(2); GS1 US DSCSA guideline: the NDC), one item per empty field. */
px_rc px__master_data_check(px_missing_list *l, const px_epcis_profile_info *pi,
                            const px_product *p, px_err *err)
{
    static const struct {
        const char *field;
        size_t off;
    } fields[] = {
        {"master_data.dosage_form", offsetof(px_master_data, dosage_form)},
        {"master_data.strength", offsetof(px_master_data, strength)},
        {"master_data.pack_size", offsetof(px_master_data, pack_size)},
        {"master_data.manufacturer", offsetof(px_master_data, manufacturer)},
    };
    px_rc rc = PX_OK;
    for (size_t i = 0; pi->masterdata_required && rc == PX_OK && i < PX_COUNT(fields); i++) {
        const char *v = (const char *)&p->master + fields[i].off;
        if (!v[0])
            rc = missing_add(l, "missing_master_data", fields[i].field, NULL, err,
                             "product %s has no %s, which the %s report carries", p->gtin,
                             fields[i].field, pi->name);
    }
    char ndc11[12];
    if (rc == PX_OK && pi->ndc_required && !px_ndc11(ndc11, p->master.ndc))
        rc = missing_add(l, "missing_master_data", "master_data.ndc", NULL, err,
                         "product %s has no NDC the %s report can carry (11 digits, or with its "
                         "hyphens in the 4-4-2, 5-3-2, 5-4-1 or 5-4-2 layout)",
                         p->gtin, pi->name);
    return rc;
}

typedef struct gap_ctx {
    px_missing_list *l;
    px_err *err;
    px_rc rc;
} gap_ctx;

static int read_point_gap(void *vc, const char *org_id, const char *org_name)
{
    gap_ctx *c = vc;
    c->rc = missing_add(c->l, "missing_read_point", "commissioned_by", org_id, c->err,
                        "organization '%.80s' commissioned packs this release moves without a "
                        "read point: it had no GLN with a known company prefix length",
                        org_name);
    return c->rc != PX_OK;
}

typedef struct endpoint_probe {
    int active;
} endpoint_probe;

static int endpoint_seen(void *vc, const px_endpoint *e)
{
    (void)e;
    ((endpoint_probe *)vc)->active = 1;
    return 1;
}

/* The sender (the MAH, SBDH Sender) and the releasing organization's read point. */
static px_rc party_check(px_missing_list *l, px_db *db, const px_actor *by,
                         const px_product *p, px_err *err)
{
    px_org mah;
    px_rc rc = px_store_org_get(db, &mah, p->mah_id, err);
    if (rc == PX_OK && strlen(mah.gln) != GS1_GLN_LEN)
        rc = missing_add(l, "missing_gln", "gln", p->mah_id, err,
                         "the marketing authorization holder has no GLN: its reports name it "
                         "as sender (PATCH /v1/orgs/%s)",
                         p->mah_id);
    char sgln[64];
    px__org_sgln(sgln, by, p);
    if (rc == PX_OK && !sgln[0])
        rc = missing_add(l, "missing_read_point", "gln_prefix_length", by->org_id, err,
                         "organization '%.80s' has no GLN with a known company prefix length: "
                         "its events would carry no read point",
                         by->org_name);
    return rc;
}

px_rc px__report_preconditions(px_db *db, const px_actor *by, const px_product *p,
                               const char *market, const px__moved_packs *moved,
                               px_missing_list *l, int *reports, px_err *err)
{
    *reports = 0;
    px_epcis_profile profile = px_epcis_profile_for_market(market);
    if (profile == PX_EPCIS_PROFILE_NONE)
        return missing_add(l, "unknown_market", "market", NULL, err,
                           "packid has no reporting profile for market '%.8s' (EU, the EU/EEA "
                           "member states and US)",
                           market);
    const px_epcis_profile_info *pi = px_epcis_profile_get(profile);
    *reports = 1;
    px_rc rc = party_check(l, db, by, p, err);
    if (rc == PX_OK)
        rc = px__master_data_check(l, pi, p, err);
    gap_ctx g = {l, err, PX_OK};
    if (rc == PX_OK && pi->read_point_required && moved)
        rc = px_store_read_point_gaps(db, p->gtin, moved->batch, moved->serials, moved->n,
                                      read_point_gap, &g, err);
    if (rc == PX_OK)
        rc = g.rc;
    endpoint_probe e = {0};
    if (rc == PX_OK)
        rc = px_store_endpoint_each(db, p->mah_id, market, 1, endpoint_seen, &e, err);
    if (rc == PX_OK && !e.active)
        rc = missing_add(l, "no_endpoint", "market", NULL, err,
                         "market %s requires reports and no active regulator endpoint serves it "
                         "(POST /v1/regulator-endpoints)",
                         market);
    return rc;
}

px_rc px__report_refusal(const px_missing_list *l, px_err *err)
{
    return px_err_set(err, PX_EINVALID, "report_precondition",
                      "%zu thing%s the market's report needs %s missing: nothing was changed",
                      l->n, l->n == 1 ? "" : "s", l->n == 1 ? "is" : "are");
}

void px__market_set_add(px__market_set *s, const char *market)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], market) == 0)
            return;
    if (s->n == PX_OP_MARKETS_MAX) {
        s->overflow = 1;
        return;
    }
    px_strlcpy(s->v[s->n++], market, sizeof(s->v[0]));
}

px_rc px__report_preconditions_markets(px_db *db, const px_actor *by, const px_product *p,
                                       const px__market_set *s, px_missing_list *l,
                                       px_err *err)
{
    if (s->overflow)
        return px_err_set(err, PX_EINVALID, "too_many_markets",
                          "the packs went to more than %d markets: change fewer at a time",
                          PX_OP_MARKETS_MAX);
    px_rc rc = PX_OK;
    for (int i = 0; i < s->n && rc == PX_OK; i++) {
        int reports = 0;
        rc = px__report_preconditions(db, by, p, s->v[i], NULL, l, &reports, err);
    }
    if (rc == PX_OK && l->n)
        rc = px__report_refusal(l, err);
    return rc;
}

px_rc px__reports_queue_markets(px_tx *tx, const px_app *app, const px_product *p,
                                const px__market_set *s, const char *op_id,
                                char ids[PX_OP_MARKETS_MAX][PX_ID_LEN + 1], int *n, px_err *err)
{
    px_rc rc = PX_OK;
    *n = 0;
    for (int i = 0; i < s->n && rc == PX_OK; i++) {
        px__report_subject subject = {.market = s->v[i], .op_id = op_id};
        rc = px__reports_queue(tx, app, p, &subject, ids[*n], err);
        if (rc == PX_OK && ids[*n][0])
            (*n)++;
    }
    return rc;
}

px_rc px__master_data_kept(px_db *db, const px_product *old, const px_product *p, px_err *err)
{
    char markets[PX_MARKET_CODES][3];
    int n = 0;
    px_rc rc = px_store_product_release_markets(db, p->gtin, markets, &n, err);
    px_missing_list was = {0}, now = {0};
    for (int i = 0; rc == PX_OK && i < n; i++) {
        px_epcis_profile profile = px_epcis_profile_for_market(markets[i]);
        if (profile == PX_EPCIS_PROFILE_NONE)
            continue;
        const px_epcis_profile_info *pi = px_epcis_profile_get(profile);
        was.n = now.n = 0;
        if ((rc = px__master_data_check(&was, pi, old, err)) != PX_OK ||
            (rc = px__master_data_check(&now, pi, p, err)) != PX_OK)
            break;
        for (size_t k = 0; rc == PX_OK && k < now.n; k++) {
            int before = 0;
            for (size_t j = 0; j < was.n; j++)
                before |= strcmp(was.v[j].field, now.v[k].field) == 0;
            if (!before)
                rc = px_err_set_field(err, PX_EINVALID, "missing_master_data", now.v[k].field,
                                      "packs of %s were released to %s, whose reports of "
                                      "their recall or decommissioning carry %s: it stays",
                                      p->gtin, markets[i], now.v[k].field);
        }
    }
    px_missing_list_dispose(&was);
    px_missing_list_dispose(&now);
    return rc;
}

size_t px__final_reasons(const char *out[PX_REASON__COUNT])
{
    size_t n = 0;
    for (int i = 0; i < PX_REASON__COUNT; i++)
        if (px_decom_reason_final((px_decom_reason)i))
            out[n++] = px_decom_reason_name((px_decom_reason)i);
    return n;
}

typedef struct read_point_ctx {
    px_actor was, now; /* the organization's GLN before and after, as px__org_sgln reads it */
    px_err *err;
    px_rc rc;
} read_point_ctx;

static int read_point_lost(void *vc, const char *gtin, int prefix_len, const char *market)
{
    read_point_ctx *c = vc;
    if (!px__market_needs_read_point(market))
        return 0;
    px_product p = {.company_prefix_length = prefix_len};
    px_strlcpy(p.gtin, gtin, sizeof(p.gtin));
    char was[64], now[64];
    px__org_sgln(was, &c->was, &p);
    px__org_sgln(now, &c->now, &p);
    /* Kept when it had one for these packs: a read point never given stays allowed to be
     * missing, as master data never given does (px__master_data_kept). */
    if (!was[0] || now[0])
        return 0;
    c->rc = px_err_set_field(c->err, PX_EINVALID, "missing_read_point", "gln",
                             "packs of %s were released to %s, whose reports of their recall or "
                             "decommissioning carry the organization's read point: give the GLN "
                             "with its gln_prefix_length",
                             gtin, market);
    return 1;
}

static void actor_gln(px_actor *a, const px_org *o)
{
    px_strlcpy(a->org_gln, o->gln, sizeof(a->org_gln));
    a->org_gln_prefix_length = o->gln_prefix_length;
}

px_rc px__read_point_kept(px_db *db, const px_org *old, const px_org *org, px_err *err)
{
    /* Only a MAH recalls or decommissions released packs (docs/domain.md "Role policy"). */
    if (strcmp(org->kind, px_org_kind_name(PX_ORG_MAH)) != 0)
        return PX_OK;
    read_point_ctx c = {.err = err, .rc = PX_OK};
    actor_gln(&c.was, old);
    actor_gln(&c.now, org);
    const char *final[PX_REASON__COUNT];
    size_t n = px__final_reasons(final);
    px_rc rc = px_store_open_release_markets(db, org->id, final, n, read_point_lost, &c, err);
    return rc == PX_OK ? c.rc : rc;
}

px_rc px_svc_product_warnings(const px_product *p, px_missing_list *l, px_err *err)
{
    px_epcis_profile profile = px_epcis_profile_for_market(p->market);
    if (profile == PX_EPCIS_PROFILE_NONE)
        return PX_OK;
    return px__master_data_check(l, px_epcis_profile_get(profile), p, err);
}
