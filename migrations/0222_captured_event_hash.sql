-- The content of a captured event (its CBV 2.0 hash ID) beside the eventID it arrived with: an
-- eventID names one event (EPCIS 2.0 §7.4.1), so a later event that reuses it with other
-- content is refused, not skipped as the same one applied again. NULL for the rows captured
-- before this column: their content is not known, and a reuse of their IDs is taken as before.
ALTER TABLE epcis_captured_event ADD COLUMN event_hash text;
