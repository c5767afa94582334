-- EPCIS capture of AggregationEvents (docs/epcis.md "EPCIS 2.0 capture"): a captured
-- AggregationEvent is applied as a packing or unpacking (table aggregation); its eventID is kept
-- here beside the aggregation it became, as a commissioning event's is beside its commission.
ALTER TABLE epcis_captured_event ADD COLUMN aggregation_id uuid REFERENCES aggregation (id);
