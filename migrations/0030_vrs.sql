-- DSCSA lightweight verification responder (DOMAIN-2.md §11, docs/verification.md).

-- A trading partner that verifies packs (a US wholesaler or dispenser). Its organization
-- carries its GLN, and its keys (role verifier) speak for that GLN only.
ALTER TABLE organization DROP CONSTRAINT organization_kind_check;
ALTER TABLE organization ADD CONSTRAINT organization_kind_check
    CHECK (kind IN ('operator', 'mah', 'cmo', 'regulator', 'verifier'));
ALTER TABLE organization ADD CONSTRAINT organization_verifier_gln
    CHECK (kind <> 'verifier' OR gln IS NOT NULL);
ALTER TABLE api_key DROP CONSTRAINT api_key_role_check;
ALTER TABLE api_key ADD CONSTRAINT api_key_role_check
    CHECK (role IN ('admin', 'mah', 'cmo', 'auditor', 'regulator', 'verifier'));

-- One row per request the responder answered (who, when, what, the answer). Written by one
-- INSERT after the read that decided it, in a transaction of its own: nothing else changes.
-- tenant_id is the MAH owning the GTIN: the MAH lists its rows, the requester lists its own.
CREATE TABLE vrs_request (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    at             timestamptz NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('verify', 'check_connectivity')),
    tenant_id      uuid NOT NULL REFERENCES organization (id),
    requester_id   uuid NOT NULL REFERENCES organization (id),
    key_id         uuid NOT NULL REFERENCES api_key (id),
    req_gln        char(13) NOT NULL CHECK (req_gln ~ '^[0-9]{13}$'),
    responder_gln  char(13) NOT NULL CHECK (responder_gln ~ '^[0-9]{13}$'),
    gtin           char(14) NOT NULL CHECK (gtin ~ '^[0-9]{14}$'),
    lot            text CHECK (length(lot) BETWEEN 1 AND 20),
    serial         text CHECK (length(serial) BETWEEN 1 AND 20),
    exp            char(6) CHECK (exp ~ '^[0-9]{6}$'),
    context        text NOT NULL CHECK (context = 'dscsaSaleableReturn'),
    corr_uuid      text CHECK (length(corr_uuid) BETWEEN 1 AND 64),
    verified       boolean,
    failure_reason text CHECK (length(failure_reason) <= 64),
    additional_info text CHECK (length(additional_info) <= 64)
);
CREATE INDEX vrs_request_tenant ON vrs_request (tenant_id, at, id);
CREATE INDEX vrs_request_requester ON vrs_request (requester_id, at, id);
