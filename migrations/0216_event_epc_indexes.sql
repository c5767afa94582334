-- MATCH_epc / MATCH_anyEPC of the EPCIS queries (docs/epcis.md "Events of packing in the
-- queries"): the events naming one EPC are found through its URI, not by reading every event
-- of the tenant. container_event: the children (epcs) and the parent (parent_id); epcis_event:
-- the events that name EPCs in place of packs (migration 0090: captured events, shipped
-- top-level units), an SSCC among them. A GIN index costs each insert one entry per EPC (the
-- pending list takes them in bulk).
CREATE INDEX container_event_epcs ON container_event USING gin (epcs);
CREATE INDEX container_event_parent_id ON container_event (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX epcis_event_epcs ON epcis_event USING gin (epcs) WHERE epcs IS NOT NULL;
