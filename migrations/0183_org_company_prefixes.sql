-- An organization's GS1 Company Prefixes beyond its GLN's (docs/aggregation.md "A CMO's own
-- company prefixes", REQ-SSCC-8): a company may license several from GS1, and a CMO whose
-- lines build SSCCs under each of them allocates and registers SSCCs under any. Its GLN's
-- prefix stays organization.gln / gln_prefix_length; these are the others, set with
-- PATCH /v1/orgs/{id} {"company_prefixes"}. GS1 licenses a prefix to one company: one
-- organization per prefix.
CREATE TABLE org_company_prefix (
    org_id          uuid NOT NULL REFERENCES organization (id),
    company_prefix  text NOT NULL CHECK (company_prefix ~ '^[0-9]{6,12}$'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, company_prefix),
    UNIQUE (company_prefix)
);
