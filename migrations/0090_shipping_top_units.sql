-- The shipping event of a release by containers, in a market whose profile carries the packing
-- events (us-dscsa), names the shipment's top-level units, not every pack (DOMAIN-2.md §10.4
-- "ship": top-level IDs only; §10.5: the receiver infers the contents from the aggregation
-- events; docs/aggregation.md "The shipping event of containers"). Those EPCs are kept here as
-- pure-identity URIs, exactly as px_epcis_event carries them (ev.epcs) and as its event hash
-- covers them. When epcs is set the event names these EPCs only: its serial_set still ties
-- it to the release's packs (release_id), which every one of them moved with, but the packs
-- are not listed in the event.
ALTER TABLE epcis_event ADD COLUMN epcs text[];
