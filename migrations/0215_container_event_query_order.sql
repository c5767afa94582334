-- The EPCIS queries (GET /epcis/events, GET /v1/epcis/events) answer the AggregationEvents of
-- packing, unpacking and captured aggregations (container_event) beside the events of
-- epcis_event, in one write order under one keyset (docs/epcis.md "Query results"). The two
-- tables therefore draw their positions from one sequence, epcis_event's: a position names one
-- event of either table, and a page token stays one number.
--
-- The rows already written are renumbered in their own write order after the events already
-- written (a one-time move: they were never answered by a query, so no token holds their old
-- numbers). Negated first, so no new number meets an old one in the unique index.
ALTER TABLE container_event ALTER COLUMN seq SET DEFAULT nextval('epcis_event_seq_seq');
UPDATE container_event SET seq = -seq;
UPDATE container_event c SET seq = n.seq
FROM (SELECT o.id, nextval('epcis_event_seq_seq') AS seq
      FROM (SELECT id FROM container_event ORDER BY seq DESC) o) n
WHERE c.id = n.id;
DROP SEQUENCE container_event_seq_seq;

-- A tenant's container events in write order: a query's keyset scan.
CREATE INDEX container_event_tenant_seq ON container_event (tenant_id, seq);
