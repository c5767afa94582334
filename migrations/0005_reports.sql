-- EPCIS reports for regulators: endpoints, the report outbox, delivery attempts (issue 6,
-- docs/delivery.md).

-- Where a MAH's reports for one market go. auth_header and hmac_secret are stored as given,
-- because every delivery must send the one and sign with the other; they are never returned
-- by the API nor written to the log (DESIGN.md "Security"). Protect the database and its
-- backups accordingly.
CREATE TABLE regulator_endpoint (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES organization (id),     -- the MAH
    market        text NOT NULL CHECK (market ~ '^[A-Z]{2}$'),
    url           text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    auth_header   text CHECK (length(auth_header) BETWEEN 1 AND 4096),
    hmac_secret   text CHECK (length(hmac_secret) BETWEEN 16 AND 1024),
    receiver_gln  char(13) CHECK (receiver_gln ~ '^[0-9]{13}$'),  -- SBDH Receiver
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX regulator_endpoint_market ON regulator_endpoint (tenant_id, market, created_at);

-- One EPCIS document for one endpoint: the outbox row of its delivery. The document is built
-- once (at the first claim) and stored, so every retry sends the same bytes with the same
-- SBDH InstanceIdentifier (= id) and eventIDs, even after a crash between send and
-- mark-sent.
--   queued    -> sending (claimed: attempts + 1, leased until next_attempt_at)
--   sending   -> delivered (2xx) | queued (retry at next_attempt_at) | dead (max attempts)
--   sending   -> sending  (lease expired after a crash: claimed again, same document)
--   queued    -> failed   (the document does not validate: never sent)
CREATE TABLE report (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES organization (id),
    endpoint_id      uuid NOT NULL REFERENCES regulator_endpoint (id),
    market           text NOT NULL CHECK (market ~ '^[A-Z]{2}$'),
    release_id       uuid,                                  -- market_release (lifecycle)
    gtin             char(14) NOT NULL,
    batch            text,
    document_id      text NOT NULL,                         -- SBDH InstanceIdentifier
    state            text NOT NULL DEFAULT 'queued'
                         CHECK (state IN ('queued', 'sending', 'delivered', 'failed', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 100),
    last_error       text,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    document         text,                                  -- NULL until built (UTF-8 XML)
    document_sha256  char(64),
    event_count      integer,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    CHECK ((document IS NULL) = (document_sha256 IS NULL))
);
CREATE INDEX report_due ON report (next_attempt_at) WHERE state IN ('queued', 'sending');
CREATE INDEX report_release ON report (release_id) WHERE release_id IS NOT NULL;
CREATE INDEX report_tenant ON report (tenant_id, created_at);

-- One row per delivery attempt (GET /v1/reports/{id} shows them).
CREATE TABLE report_attempt (
    report_id    uuid NOT NULL REFERENCES report (id),
    n            integer NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    http_status  integer,
    outcome      text CHECK (outcome IN ('delivered', 'retry', 'dead', 'failed')),
    error        text,
    PRIMARY KEY (report_id, n)
);

-- The EPCIS query of a regulator reads events by market; commissioning events carry no
-- market, so a regulator sees the events of the packs released to its market (docs/delivery.md).
CREATE INDEX epcis_event_gtin_lot ON epcis_event (gtin, lot, seq);
