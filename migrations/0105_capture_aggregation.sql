-- EPCIS capture of AggregationEvents (docs/epcis.md "EPCIS 2.0 capture"): a captured
-- AggregationEvent is applied as a packing or unpacking (table aggregation); its eventID is kept
-- here beside the aggregation it became, as a commissioning event's is beside its commission.
--
-- No foreign keys on this table any more: a capture writes one row per event (100,000 in a
-- document), and each key is a trigger that looks its row up once per inserted row — the three
-- of migration 0040 made recording 10,000 eventIDs three times slower (1.43 s against 0.45 s
-- for the same INSERT, bench/capture.sh). The rows are written only by the capture use case,
-- in the same transaction that creates the capture, commission or aggregation they name, and
-- none of those rows is ever deleted, so the keys guarded nothing that can happen.
ALTER TABLE epcis_captured_event
    DROP CONSTRAINT epcis_captured_event_org_id_fkey,
    DROP CONSTRAINT epcis_captured_event_capture_id_fkey,
    DROP CONSTRAINT epcis_captured_event_commission_id_fkey,
    ADD COLUMN aggregation_id uuid;
