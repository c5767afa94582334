-- Packing hierarchy: SSCC pools, containers, the current parent of every pack and container,
-- aggregations and the EPCIS events of containers (issue 13, docs/aggregation.md).

-- One accepted POST /v1/sscc-allocations: count SSCCs of one company prefix and extension
-- digit, generated in the request's transaction (its job is completed when it commits).
CREATE TABLE sscc_allocation (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id           uuid NOT NULL REFERENCES organization (id),   -- allocated to (the caller)
    tenant_id        uuid NOT NULL REFERENCES organization (id),   -- the MAH of the prefix
    company_prefix   text NOT NULL CHECK (company_prefix ~ '^[0-9]{6,12}$'),
    extension_digit  smallint NOT NULL CHECK (extension_digit BETWEEN 0 AND 9),
    strategy         text NOT NULL CHECK (strategy IN ('sequential', 'random')),
    count            integer NOT NULL CHECK (count BETWEEN 1 AND 100000),
    job_id           uuid REFERENCES job (id),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sscc_allocation_org ON sscc_allocation (org_id, created_at);
CREATE INDEX sscc_allocation_job ON sscc_allocation (job_id);

-- The next sequential serial reference of each (company prefix, extension digit): blocks are
-- handed out from it, so two allocations never overlap (DOMAIN-2.md §10.2).
CREATE TABLE sscc_sequence (
    company_prefix   text NOT NULL CHECK (company_prefix ~ '^[0-9]{6,12}$'),
    extension_digit  smallint NOT NULL CHECK (extension_digit BETWEEN 0 AND 9),
    next_ref         bigint NOT NULL DEFAULT 0 CHECK (next_ref >= 0),
    PRIMARY KEY (company_prefix, extension_digit)
);

-- Every SSCC ever generated or registered. Rows are never deleted: the primary key keeps an
-- SSCC unique forever, so packid never reissues one (DOMAIN-2.md §10.1 "Reuse").
--   allocated      -> handed out, nothing packed into it yet
--   commissioned   -> the container exists: its first packing commissioned it
--   released / decommissioned follow its contents when it is shipped or destroyed
CREATE TABLE sscc (
    sscc             char(18) PRIMARY KEY CHECK (sscc ~ '^[0-9]{18}$'),
    company_prefix   text NOT NULL CHECK (company_prefix ~ '^[0-9]{6,12}$'),
    tenant_id        uuid NOT NULL REFERENCES organization (id),   -- the MAH
    org_id           uuid NOT NULL REFERENCES organization (id),   -- who holds it
    allocation_id    uuid REFERENCES sscc_allocation (id),
    origin           text NOT NULL DEFAULT 'generated' CHECK (origin IN ('generated', 'external')),
    state            text NOT NULL DEFAULT 'allocated'
                         CHECK (state IN ('allocated', 'commissioned', 'released',
                                          'decommissioned')),
    parent_sscc      char(18) REFERENCES sscc (sscc),              -- current parent, if any
    commissioned_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_sscc IS DISTINCT FROM sscc)
);
CREATE INDEX sscc_allocation_list ON sscc (allocation_id, sscc) WHERE allocation_id IS NOT NULL;
CREATE INDEX sscc_children ON sscc (parent_sscc) WHERE parent_sscc IS NOT NULL;

-- A pack's current container (DOMAIN-2.md §10.4 rule 2: at most one parent at a time). A
-- column, not a link table: "one parent" is then a property of the row.
ALTER TABLE serial ADD COLUMN parent_sscc char(18);
CREATE INDEX serial_parent ON serial (parent_sscc) WHERE parent_sscc IS NOT NULL;

-- One accepted POST /v1/aggregations.
CREATE TABLE aggregation (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organization (id),
    tenant_id    uuid NOT NULL REFERENCES organization (id),
    action       text NOT NULL CHECK (action IN ('pack', 'unpack', 'repack')),
    parent_sscc  char(18) NOT NULL REFERENCES sscc (sscc),
    children     integer NOT NULL CHECK (children >= 0),
    created_at   timestamptz NOT NULL
);
CREATE INDEX aggregation_parent ON aggregation (parent_sscc, created_at);

-- The EPCIS events of containers: an SSCC's commissioning ObjectEvent and the
-- AggregationEvents of packing and unpacking, with their EPCs as pure-identity URIs
-- (parent_id: the AggregationEvent's parentID; epcs: its childEPCs, or an ObjectEvent's
-- epcList). event_hash is the EPCIS 2.0 event hash ID computed at write time.
CREATE TABLE container_event (
    id              uuid PRIMARY KEY,
    seq             bigserial UNIQUE,
    tenant_id       uuid NOT NULL REFERENCES organization (id),
    org_id          uuid NOT NULL REFERENCES organization (id),
    aggregation_id  uuid REFERENCES aggregation (id),
    type            text NOT NULL CHECK (type IN ('ObjectEvent', 'AggregationEvent')),
    action          text NOT NULL CHECK (action IN ('ADD', 'OBSERVE', 'DELETE')),
    biz_step        text NOT NULL,
    disposition     text,
    event_time      timestamptz NOT NULL,
    tz_offset_min   smallint NOT NULL DEFAULT 0,
    parent_id       text,
    parent_sscc     char(18),
    epcs            text[] NOT NULL,
    read_point      text,
    biz_location    text,
    event_hash      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (type = 'ObjectEvent' OR action = 'OBSERVE' OR parent_id IS NOT NULL)
);
CREATE INDEX container_event_tenant_time ON container_event (tenant_id, event_time);
CREATE INDEX container_event_parent ON container_event (parent_sscc, seq);
