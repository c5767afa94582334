/* Market profiles: what a document for each market must carry (epcis/profiles/<name>.profile
 * describe the same rows in text; test_epcis_profile keeps them equal), and the per-event
 * checks of EPCIS 1.2 / CBV plus the profile's own rules. */
#include <string.h>

#include "epcis_internal.h"

static const px_epcis_profile_info profiles[PX_EPCIS_PROFILE__COUNT] = {
    [PX_EPCIS_PROFILE_NONE] =
        {
            .id = PX_EPCIS_PROFILE_NONE,
            .name = "none",
            .title = "EPCIS 1.2 + CBV, no market rules",
        },
    /* EU FMD, Delegated Regulation (EU) 2016/161: Art 4(b) unique identifier = product code,
     * serial, NHRN if required, batch, expiry; Art 33(2)(a)-(c) master data uploaded to the
     * repositories system: name, common name, pharmaceutical form, strength, pack type and
     * size. */
    [PX_EPCIS_PROFILE_EU] =
        {
            .id = PX_EPCIS_PROFILE_EU,
            .name = "eu",
            .title = "EU FMD (Delegated Regulation (EU) 2016/161)",
            .masterdata_required = 1,
            .nhrn_masterdata = 1,
            .commissioning_ilmd = 1,
            .read_point_required = 1,
        },
    /* US DSCSA, GS1 US Implementation Guideline R1.2 as reflected in implementations (the
     * guideline's text was not read; docs/epcis.md "Profiles"): transaction statement in the
     * header, EPCClass with the NDC, commissioning ILMD lot + expiry, shipping with owning_party +
     * location source and destination and a business transaction (FD&C Act §581(26) transaction
     * information). */
    [PX_EPCIS_PROFILE_US_DSCSA] =
        {
            .id = PX_EPCIS_PROFILE_US_DSCSA,
            .name = "us-dscsa",
            .title = "US DSCSA (GS1 US Implementation Guideline R1.2)",
            .transaction_statement = 1,
            .masterdata_required = 1,
            .ndc_required = 1,
            .commissioning_ilmd = 1,
            .read_point_required = 1,
            .shipping_parties = 1,
            .shipping_transaction = 1,
        },
};

const px_epcis_profile_info *px_epcis_profile_get(px_epcis_profile id)
{
    return (unsigned)id < PX_EPCIS_PROFILE__COUNT ? &profiles[id] : NULL;
}

px_epcis_profile px_epcis_profile_for_market(const char *market)
{
    /* REQ-MARKET-3: the regime decides; this layer only names its document profile */
    switch (px_market_regime_of(market)) {
    case PX_MARKET_REGIME_EU_FMD: return PX_EPCIS_PROFILE_EU;
    case PX_MARKET_REGIME_US_DSCSA: return PX_EPCIS_PROFILE_US_DSCSA;
    case PX_MARKET_REGIME_NONE: break;
    }
    return PX_EPCIS_PROFILE_NONE;
}

px_rc px_epcis_profile_parse(px_epcis_profile *out, const char *name, px_err *err)
{
    if (name) {
        for (int i = 0; i < PX_EPCIS_PROFILE__COUNT; i++)
            if (strcmp(profiles[i].name, name) == 0) {
                *out = (px_epcis_profile)i;
                return PX_OK;
            }
        if (strcmp(name, "us") == 0 || strcmp(name, "dscsa") == 0) {
            *out = PX_EPCIS_PROFILE_US_DSCSA;
            return PX_OK;
        }
    }
    return px_err_set(err, PX_EINVALID, "invalid_profile",
                      "unknown EPCIS profile \"%s\" (expected none, eu or us-dscsa)",
                      name ? name : "");
}

static int has_party(const px_epcis_party *p, size_t n, px_cbv_sdt type)
{
    for (size_t i = 0; i < n; i++)
        if (p[i].type == type)
            return 1;
    return 0;
}

static px_rc check_parties(const char *what, const px_epcis_party *p, size_t n, px_err *err)
{
    for (size_t i = 0; i < n; i++) {
        /* EPCIS 1.2 §7.3.5.4.2: source/destination type is required. */
        if (!px_cbv_sdt_name(p[i].type) || !p[i].id || !p[i].id[0]) {
            px_err_set(err, PX_EINVALID, "invalid_event", "%s needs a CBV type and an id", what);
            px_err_field(err, "%s[%zu]", what, i);
            return PX_EINVALID;
        }
    }
    return PX_OK;
}

static int ilmd_present(const px_epcis_event *ev)
{
    return (ev->lot && ev->lot[0]) || (ev->expiry && ev->expiry[0]) || ev->n_ilmd > 0;
}

/* An event that commissions only logistic units (SSCCs) carries no ILMD: a case or pallet has
 * no lot or expiry of its own (GS1 US practice: a case or pallet ID is commissioned with no
 * ILMD). */
static int logistic_units_only(const px_epcis_event *ev)
{
    if (ev->n_serials || ev->n_quantities || !ev->n_epcs)
        return 0;
    for (size_t i = 0; i < ev->n_epcs; i++)
        if (strncmp(ev->epcs[i], "urn:epc:id:sscc:", 16) != 0)
            return 0;
    return 1;
}

/* The rules of the event's type: what an ObjectEvent or an AggregationEvent must hold. */
static px_rc type_check(const px_epcis_event *ev, px_err *err)
{
    size_t n_epc = ev->n_epcs + ev->n_serials;
    if (ev->type == PX_EPCIS_OBJECT_EVENT) {
        /* An ObjectEvent identifies objects by EPCs or quantities (EPCIS 2.0 JSON Schema). */
        if (n_epc == 0 && ev->n_quantities == 0)
            return px_err_set(err, PX_EINVALID, "invalid_event",
                              "ObjectEvent needs EPCs or a quantity list");
        /* EPCIS 1.2 §7.4.2: ILMD only when action is ADD. */
        if (ilmd_present(ev) && ev->action != PX_EPCIS_ADD)
            return px_err_set(err, PX_EINVALID, "invalid_event",
                              "ILMD is only allowed on an ADD ObjectEvent");
        if (ev->parent_id)
            return px_err_set(err, PX_EINVALID, "invalid_event", "ObjectEvent has no parentID");
        return PX_OK;
    }
    /* EPCIS 2.0 (AggregationEvent in its ontology, EPCIS.ttl): parentID required for ADD and
     * DELETE; children required unless DELETE (disaggregate everything). ILMD does not exist on
     * AggregationEvent. */
    if (ev->action != PX_EPCIS_OBSERVE && (!ev->parent_id || !ev->parent_id[0]))
        return px_err_set(err, PX_EINVALID, "invalid_event", "AggregationEvent %s needs a parentID",
                          ev->action == PX_EPCIS_ADD ? "ADD" : "DELETE");
    if (ev->action != PX_EPCIS_DELETE && n_epc == 0 && ev->n_quantities == 0)
        return px_err_set(err, PX_EINVALID, "invalid_event",
                          "AggregationEvent needs child EPCs or quantities");
    if (ilmd_present(ev))
        return px_err_set(err, PX_EINVALID, "invalid_event", "AggregationEvent has no ILMD");
    return PX_OK;
}

const char *const px_epcis_event_type_names[PX_EPCIS2_EVENT_TYPES] = {
    [PX_EPCIS_OBJECT_EVENT] = "ObjectEvent",
    [PX_EPCIS_AGGREGATION_EVENT] = "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent"};

px_rc epcis__event_kind_check(const px_epcis_event *ev, px_err *err)
{
    if (ev->type != PX_EPCIS_OBJECT_EVENT && ev->type != PX_EPCIS_AGGREGATION_EVENT)
        return px_err_set(err, PX_EINVALID, "invalid_event", "unsupported event type %d",
                          (int)ev->type);
    if ((unsigned)ev->action > (unsigned)PX_EPCIS_DELETE)
        return px_err_set(err, PX_EINVALID, "invalid_event", "event needs an action");
    return PX_OK;
}

/* The model's own rules: known vocabulary, a valid offset, non-empty identifiers. */
static px_rc model_check(const px_epcis_event *ev, px_err *err)
{
    px_rc rc = epcis__event_kind_check(ev, err);
    if (rc != PX_OK)
        return rc;
    if (ev->biz_step != PX_BIZSTEP_NONE && !px_cbv_bizstep_name(ev->biz_step))
        return px_err_set(err, PX_EINVALID, "invalid_event", "unknown bizStep %d",
                          (int)ev->biz_step);
    if (ev->disposition != PX_DISP_NONE && !px_cbv_disp_name(ev->disposition))
        return px_err_set(err, PX_EINVALID, "invalid_event", "unknown disposition %d",
                          (int)ev->disposition);
    char tz[8];
    rc = epcis__tz_format(tz, ev->tz_offset_min, err);
    if (rc != PX_OK)
        return rc;
    if (ev->n_serials && (!ev->sgtin_gtin || !ev->serials))
        return px_err_set(err, PX_EINVALID, "invalid_event", "serials need sgtin_gtin");
    for (size_t i = 0; i < ev->n_epcs; i++)
        if (!ev->epcs[i] || !ev->epcs[i][0])
            return px_err_set(err, PX_EINVALID, "invalid_event", "empty EPC at epcs[%zu]", i);
    for (size_t i = 0; i < ev->n_quantities; i++)
        if (!ev->quantities[i].epc_class || !ev->quantities[i].epc_class[0])
            return px_err_set(err, PX_EINVALID, "invalid_event",
                              "quantity element %zu needs an epcClass", i);
    if ((rc = type_check(ev, err)) != PX_OK)
        return rc;
    for (size_t i = 0; i < ev->n_biz_transactions; i++)
        if (!ev->biz_transactions[i].id || !ev->biz_transactions[i].id[0] ||
            (ev->biz_transactions[i].type != PX_BTT_NONE &&
             !px_cbv_btt_name(ev->biz_transactions[i].type)))
            return px_err_set(err, PX_EINVALID, "invalid_event",
                              "bizTransaction %zu needs an id and a known type", i);
    rc = check_parties("sources", ev->sources, ev->n_sources, err);
    if (rc == PX_OK)
        rc = check_parties("destinations", ev->destinations, ev->n_destinations, err);
    return rc;
}

/* The profile's rules (a market's regulation on top of the model). */
static px_rc profile_check(const px_epcis_profile_info *p, const px_epcis_event *ev, px_err *err)
{
    if (p->read_point_required && (!ev->read_point || !ev->read_point[0]))
        return px_err_set(err, PX_EINVALID, "profile_violation",
                          "%s profile: every event needs a readPoint", p->name);
    if (p->commissioning_ilmd && ev->biz_step == PX_BIZSTEP_COMMISSIONING &&
        ev->type == PX_EPCIS_OBJECT_EVENT && !logistic_units_only(ev) &&
        (!ev->lot || !ev->lot[0] || !ev->expiry || !ev->expiry[0]))
        /* EU: Art 4(b)(iv),(v) batch and expiry; US: FD&C Act §581(14) lot and expiration. */
        return px_err_set(err, PX_EINVALID, "profile_violation",
                          "%s profile: commissioning needs ILMD lotNumber and "
                          "itemExpirationDate",
                          p->name);
    if (ev->biz_step != PX_BIZSTEP_SHIPPING)
        return PX_OK;
    if (p->shipping_parties &&
        !(has_party(ev->sources, ev->n_sources, PX_SDT_OWNING_PARTY) &&
          has_party(ev->sources, ev->n_sources, PX_SDT_LOCATION) &&
          has_party(ev->destinations, ev->n_destinations, PX_SDT_OWNING_PARTY) &&
          has_party(ev->destinations, ev->n_destinations, PX_SDT_LOCATION)))
        return px_err_set(err, PX_EINVALID, "profile_violation",
                          "%s profile: shipping needs source and destination with "
                          "owning_party and location",
                          p->name);
    if (p->shipping_transaction && ev->n_biz_transactions == 0)
        return px_err_set(err, PX_EINVALID, "profile_violation",
                          "%s profile: shipping needs a bizTransaction", p->name);
    return PX_OK;
}

px_rc px_epcis_event_check(const px_epcis_event *ev, px_epcis_profile profile, px_err *err)
{
    const px_epcis_profile_info *p = px_epcis_profile_get(profile);
    if (!p)
        return px_err_set(err, PX_EINVALID, "invalid_profile", "unknown EPCIS profile %d",
                          (int)profile);
    px_rc rc = model_check(ev, err);
    return rc == PX_OK ? profile_check(p, ev, err) : rc;
}
