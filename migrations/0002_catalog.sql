-- Catalog and serial pool: products, serial settings, partnerships, jobs, allocations, serials.

-- A GTIN belongs to one MAH (API.md: another MAH registering it gets 409).
CREATE TABLE product (
    gtin                  char(14) PRIMARY KEY CHECK (gtin ~ '^[0-9]{14}$'),
    mah_id                uuid NOT NULL REFERENCES organization (id),
    company_prefix_length smallint NOT NULL CHECK (company_prefix_length BETWEEN 6 AND 12),
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    market                text NOT NULL CHECK (market ~ '^[A-Z]{2}$'),
    nhrn_ai               text CHECK (nhrn_ai ~ '^71[0-7]$'),
    nhrn_value            text CHECK (length(nhrn_value) BETWEEN 1 AND 20),
    master_data           jsonb NOT NULL DEFAULT '{}',
    -- Serial settings: set once (explicitly, or copied from the organization at the first
    -- allocation), never changed (API.md "settings_immutable").
    serial_strategy       text CHECK (serial_strategy IN
                              ('RANDOM_ALPHANUMERIC', 'RANDOM_NUMERIC', 'SEQUENTIAL_NUMERIC')),
    serial_length         smallint CHECK (serial_length BETWEEN 6 AND 20),
    serial_symbols        text,
    -- SEQUENTIAL_NUMERIC hands out disjoint ranges from this counter, so two CMOs never
    -- collide (the "vendor split" problem).
    next_sequence         bigint NOT NULL DEFAULT 0,
    -- Serials issued or known for this GTIN (generated + external), for the 10,000x rule.
    issued_count          bigint NOT NULL DEFAULT 0,
    created_at            timestamptz NOT NULL DEFAULT now(),
    CHECK ((nhrn_ai IS NULL) = (nhrn_value IS NULL))
);
CREATE INDEX product_mah ON product (mah_id, gtin);

CREATE TABLE org_serial_settings (
    org_id      uuid PRIMARY KEY REFERENCES organization (id),
    strategy    text NOT NULL CHECK (strategy IN
                    ('RANDOM_ALPHANUMERIC', 'RANDOM_NUMERIC', 'SEQUENTIAL_NUMERIC')),
    length      smallint NOT NULL CHECK (length BETWEEN 6 AND 20),
    symbols     text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partnership (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    mah_id      uuid NOT NULL REFERENCES organization (id),
    cmo_id      uuid NOT NULL REFERENCES organization (id),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (mah_id, cmo_id)
);
CREATE INDEX partnership_cmo ON partnership (cmo_id);

CREATE TABLE partnership_product (
    partnership_id uuid NOT NULL REFERENCES partnership (id),
    gtin           char(14) NOT NULL REFERENCES product (gtin),
    PRIMARY KEY (partnership_id, gtin)
);
CREATE INDEX partnership_product_gtin ON partnership_product (gtin);

-- Background jobs (allocations, exports, …), claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE job (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind         text NOT NULL,
    status       text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    total        bigint NOT NULL DEFAULT 0,
    done         bigint NOT NULL DEFAULT 0,
    error        text,
    payload      jsonb NOT NULL DEFAULT '{}',
    org_id       uuid NOT NULL REFERENCES organization (id),    -- who may read it
    tenant_id    uuid REFERENCES organization (id),             -- the MAH it concerns
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    heartbeat_at timestamptz
);
CREATE INDEX job_runnable ON job (kind, created_at) WHERE status IN ('queued', 'running');

CREATE TABLE allocation (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    gtin          char(14) NOT NULL REFERENCES product (gtin),
    org_id        uuid NOT NULL REFERENCES organization (id),   -- allocated to
    requested_by  uuid NOT NULL REFERENCES organization (id),
    label         text CHECK (length(label) <= 200),
    count         integer NOT NULL CHECK (count BETWEEN 1 AND 1000000),
    job_id        uuid REFERENCES job (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX allocation_gtin ON allocation (gtin);

-- One row per serial known for a GTIN: generated (allocated) or external. The primary key
-- (gtin, serial) is the SGTIN and the final guard of uniqueness; every unique key of this
-- per-pack table begins with gtin, so it can be hash-partitioned on gtin (DESIGN.md).
CREATE TABLE serial (
    gtin              char(14) NOT NULL,
    serial            text NOT NULL,
    state             text NOT NULL DEFAULT 'allocated'
                          CHECK (state IN ('allocated', 'commissioned', 'released',
                                           'decommissioned')),
    origin            text NOT NULL DEFAULT 'generated' CHECK (origin IN ('generated', 'external')),
    allocation_id     uuid,
    allocated_to      uuid,
    batch             text,
    expiry            char(6),
    commissioned_by   uuid,
    commissioned_at   timestamptz,
    commission_id     uuid,
    released_by       uuid,
    released_at       timestamptz,
    release_id        uuid,
    market            text,
    reason            text,                     -- decommission reason
    prior_state       text,                     -- state before decommissioning
    decommissioned_by uuid,
    decommissioned_at timestamptz,
    PRIMARY KEY (gtin, serial)
);
CREATE INDEX serial_allocation ON serial (allocation_id, serial) WHERE allocation_id IS NOT NULL;

-- A batch has one expiry (API.md "batch_expiry_mismatch").
CREATE TABLE batch (
    gtin        char(14) NOT NULL REFERENCES product (gtin),
    batch       text NOT NULL,
    expiry      char(6) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gtin, batch)
);
-- Releases and recalls select a batch's packs.
CREATE INDEX serial_batch ON serial (gtin, batch) WHERE batch IS NOT NULL;
