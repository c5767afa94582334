-- Pack lifecycle: commissions, releases, decommission/reactivation/recall operations, the
-- EPCIS event of each, and idempotent replays (issue 5, docs/lifecycle.md).

-- One accepted POST /v1/commissions. The packs it commissioned carry its id
-- (serial.commission_id), so the event's EPC list is "the serials of this commission".
CREATE TABLE commission (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organization (id),      -- who commissioned
    tenant_id   uuid NOT NULL REFERENCES organization (id),      -- the product's MAH
    gtin        char(14) NOT NULL REFERENCES product (gtin),
    batch       text NOT NULL,
    expiry      char(6) NOT NULL,
    count       integer NOT NULL CHECK (count BETWEEN 1 AND 100000),
    allocated   integer NOT NULL DEFAULT 0,                      -- of count: from the pool
    external    integer NOT NULL DEFAULT 0,                      -- of count: new to the pool
    rejected    integer NOT NULL DEFAULT 0,                      -- partial mode only
    partial     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL
);
CREATE INDEX commission_gtin ON commission (gtin, batch);

-- One accepted POST /v1/releases (serial.release_id points here).
CREATE TABLE market_release (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organization (id),
    tenant_id   uuid NOT NULL REFERENCES organization (id),
    gtin        char(14) NOT NULL REFERENCES product (gtin),
    batch       text NOT NULL,
    market      text NOT NULL CHECK (market ~ '^[A-Z]{2}$'),
    count       integer NOT NULL CHECK (count >= 1),
    report_id   uuid,                                            -- EPCIS report (later issue)
    created_at  timestamptz NOT NULL
);
CREATE INDEX market_release_gtin ON market_release (gtin, batch);

-- Decommissions, reactivations and recalls: the operation behind an event whose serials are
-- listed (or, for a batch recall, selected by batch).
CREATE TABLE pack_op (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('decommission', 'reactivate', 'recall')),
    org_id      uuid NOT NULL REFERENCES organization (id),
    tenant_id   uuid NOT NULL REFERENCES organization (id),
    gtin        char(14) NOT NULL REFERENCES product (gtin),
    batch       text,
    reason      text,
    count       integer NOT NULL CHECK (count >= 1),
    created_at  timestamptz NOT NULL
);

-- One row per EPCIS event packid records. Everything px_epcis_event (src/epcis/epcis.h) needs
-- is here or one join away:
--   type, action, biz_step, disposition      -> ev.type, ev.action, ev.biz_step, ev.disposition
--                                               (bare CBV words: px_cbv_*_lookup)
--   event_time, tz_offset_min                -> ev.event_time_us, ev.tz_offset_min
--   the EPCs: gtin + gcp_len and
--     serial_set = 'commission' -> serial WHERE gtin, batch = lot AND commission_id = commission_id
--     serial_set = 'release'    -> serial WHERE gtin, batch AND release_id = release_id
--     serial_set = 'list'       -> serials (text[])
--   (ev.sgtin_gtin / sgtin_gcp_len / serials; the writer formats the SGTIN URIs)
--   lot, expiry (YYMMDD, AI 17)              -> ev.lot, ev.expiry (ILMD, commissioning only)
--   read_point, biz_location (SGLN URIs)     -> ev.read_point, ev.biz_location
--   location_gln                             -> the organization's GLN the SGLNs came from
--   event_hash                               -> ev.event_id: the EPCIS 2.0 event hash ID
--                                               (px_epcis_event_hash at write time)
--   market                                   -> the market a release went to (report routing)
CREATE TABLE epcis_event (
    id             uuid PRIMARY KEY,
    seq            bigserial UNIQUE,                              -- write order, for streaming
    tenant_id      uuid NOT NULL REFERENCES organization (id),   -- the product's MAH
    org_id         uuid NOT NULL REFERENCES organization (id),   -- who acted
    op             text NOT NULL CHECK (op IN ('commission', 'release', 'decommission',
                                               'reactivate', 'recall')),
    type           text NOT NULL DEFAULT 'ObjectEvent'
                       CHECK (type IN ('ObjectEvent', 'AggregationEvent')),
    action         text NOT NULL CHECK (action IN ('ADD', 'OBSERVE', 'DELETE')),
    biz_step       text NOT NULL,
    disposition    text,
    event_time     timestamptz NOT NULL,
    tz_offset_min  smallint NOT NULL DEFAULT 0,
    gtin           char(14) NOT NULL REFERENCES product (gtin),
    gcp_len        smallint NOT NULL CHECK (gcp_len BETWEEN 6 AND 12),
    serial_set     text NOT NULL CHECK (serial_set IN ('commission', 'release', 'list')),
    commission_id  uuid REFERENCES commission (id),
    release_id     uuid REFERENCES market_release (id),
    op_id          uuid REFERENCES pack_op (id),
    serials        text[],
    epc_count      integer NOT NULL CHECK (epc_count >= 1),
    lot            text,
    expiry         char(6),
    reason         text,
    market         text,
    location_gln   char(13),
    read_point     text,
    biz_location   text,
    event_hash     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((serial_set = 'commission') = (commission_id IS NOT NULL)),
    CHECK ((serial_set = 'release') = (release_id IS NOT NULL)),
    CHECK ((serial_set = 'list') = (serials IS NOT NULL))
);
CREATE INDEX epcis_event_tenant_time ON epcis_event (tenant_id, event_time);
CREATE INDEX epcis_event_commission ON epcis_event (commission_id) WHERE commission_id IS NOT NULL;
CREATE INDEX epcis_event_release ON epcis_event (release_id) WHERE release_id IS NOT NULL;
CREATE INDEX epcis_event_serials ON epcis_event USING gin (serials) WHERE serials IS NOT NULL;

-- Idempotency-Key: the first successful response per (organization, key) is kept with the hash
-- of the request that produced it; the same key and body replays it, another body is refused
-- (API.md "idempotency_conflict"). Written in the use case's own transaction, so a request
-- that failed leaves nothing and may be retried.
CREATE TABLE idempotency (
    org_id        uuid NOT NULL REFERENCES organization (id),
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    route         text NOT NULL,
    request_hash  char(64) NOT NULL,
    status        smallint,
    response      text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, key)
);

-- No extra index on serial: the packs of a commission or release are found through the
-- batch index (serial_batch) filtered on commission_id / release_id, so the bulk paths
-- maintain only the primary key and that index.
