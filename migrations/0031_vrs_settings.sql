-- A MAH's DSCSA responder configuration (DOMAIN-2.md §11.6, docs/verification.md): which GS1
-- US scenario answers for its recalled packs and for its active packs past their expiry. No
-- row means the defaults (B2 for recalls, B1 for expired packs).
CREATE TABLE vrs_settings (
    tenant_id   uuid PRIMARY KEY REFERENCES organization (id),
    recalled    text NOT NULL DEFAULT 'B2' CHECK (recalled IN ('B1', 'B2')),
    expired     text NOT NULL DEFAULT 'B1' CHECK (expired IN ('B1', 'B2', 'default')),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
