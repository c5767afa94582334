-- EPCIS 2.0 capture (POST /epcis/capture, docs/epcis.md "EPCIS 2.0 capture"). One row per
-- capture job, owned by the organization that sent the document; packid processes a document
-- while the request is open and stores the outcome here, so GET /epcis/capture/{id} answers
-- the binding's CaptureJob (DOMAIN-2.md §14.3).
CREATE TABLE epcis_capture (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES organization (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    running         boolean NOT NULL,
    success         boolean NOT NULL,
    error_behaviour text NOT NULL CHECK (error_behaviour IN ('rollback', 'proceed')),
    format          text NOT NULL,
    event_count     integer NOT NULL CHECK (event_count >= 0),
    applied_count   integer NOT NULL DEFAULT 0 CHECK (applied_count >= 0),
    errors          jsonb NOT NULL DEFAULT '[]'   -- RFC 7807 objects, one per refused event
);
CREATE INDEX epcis_capture_org ON epcis_capture (org_id, created_at);

-- Every event packid applied from a capture, by the eventID it arrived with (or its hash
-- ID when it came without one): a document sent again is recognised event by event and
-- applied once (idempotent by event ID, per organization).
CREATE TABLE epcis_captured_event (
    org_id         uuid NOT NULL REFERENCES organization (id),
    event_id       text NOT NULL,
    capture_id     uuid NOT NULL REFERENCES epcis_capture (id),
    commission_id  uuid REFERENCES commission (id),
    PRIMARY KEY (org_id, event_id)
);
