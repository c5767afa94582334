-- Verification network (docs/resolver.md): the scans of public verifications and resolver
-- hits, the clone alerts they raise, and the passport fields a MAH makes public.

-- The salt of the clients' address hashes: the address itself is never stored
-- (docs/resolver.md "Privacy"). 64 bytes from gen_random_uuid()'s strong randomness.
INSERT INTO server_secret (name, secret)
VALUES ('scan_salt', sha256(convert_to(gen_random_uuid()::text, 'UTF8')) ||
                     sha256(convert_to(gen_random_uuid()::text, 'UTF8')))
ON CONFLICT (name) DO NOTHING;

-- One public hit on a known GTIN. client: hex SHA-256 of the salt and the address.
CREATE TABLE scan (
    gtin        char(14) NOT NULL,
    serial      text NOT NULL CHECK (length(serial) BETWEEN 1 AND 20),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    at          timestamptz NOT NULL,
    country     char(2) CHECK (country ~ '^[A-Z]{2}$'),
    lat         double precision CHECK (lat BETWEEN -90 AND 90),
    lon         double precision CHECK (lon BETWEEN -180 AND 180),
    client      char(64) NOT NULL,
    known       boolean NOT NULL,              -- the serial was on a pack
    verdict     text NOT NULL,
    source      text NOT NULL CHECK (source IN ('verify', 'resolver')),
    CHECK ((lat IS NULL) = (lon IS NULL)),
    PRIMARY KEY (gtin, serial, id)
);
CREATE INDEX scan_serial_at ON scan (gtin, serial, at);

-- A clone flag on one serial (or an enumeration of unknown serials by one client), for the
-- MAH of the GTIN. At most one open alert per serial (per client for enumeration): the
-- transition to "flagged" inserts it (and queues one clone.suspected webhook in the same
-- transaction); repeated scans find it open and add nothing. Closing it (with a reason) ends
-- the flag; only scans after closed_at can raise the next one.
--   open -> closed
CREATE TABLE clone_alert (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES organization (id),
    gtin        char(14) NOT NULL,
    serial      text,                          -- the serial flagged ('clone'), or the last
                                               -- unknown serial tried ('enumeration')
    client      char(64),                      -- 'enumeration': the client's hash
    kind        text NOT NULL CHECK (kind IN ('clone', 'enumeration')),
    rules       text NOT NULL,                 -- "impossible_travel,dispersion,lifecycle"
    state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    opened_at   timestamptz NOT NULL,
    closed_at   timestamptz,
    close_reason text CHECK (length(close_reason) BETWEEN 1 AND 500),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);
CREATE UNIQUE INDEX clone_alert_one_open ON clone_alert (gtin, serial)
    WHERE state = 'open' AND kind = 'clone';
CREATE UNIQUE INDEX clone_alert_one_enum ON clone_alert (tenant_id, client)
    WHERE state = 'open' AND kind = 'enumeration';
CREATE INDEX clone_alert_closed ON clone_alert (gtin, serial, closed_at) WHERE state = 'closed';
CREATE INDEX clone_alert_tenant ON clone_alert (tenant_id, opened_at, id);

-- The master_data keys of a product the MAH shows on the public verification page.
CREATE TABLE product_passport (
    gtin          char(14) PRIMARY KEY REFERENCES product (gtin),
    public_fields text[] NOT NULL DEFAULT '{}' CHECK (cardinality(public_fields) <= 32),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
