-- REQ-SCALE-2: the distribution key (docs/scaling.md "Distributable schema"). Every table
-- that grows with packs carries the GTIN first in every unique index, so the schema can be
-- distributed on it
-- (Citus: create_distributed_table('<table>', 'gtin')) with every unique check and every
-- per-pack lookup answered by one shard. The GTIN, not the MAH: a pack's GTIN names its MAH
-- (product.mah_id) and is in every pack request and in the public verification, and one large
-- MAH's packs spread over its GTINs instead of filling one shard.
-- tests/integration/test_schema_rule.c checks the rule over the live schema.

-- The frozen rows of an export: the export's GTIN on each row (every export is of one GTIN:
-- export.gtin is NOT NULL), first in the primary key.
ALTER TABLE export_item ADD COLUMN gtin char(14);
UPDATE export_item i SET gtin = e.gtin FROM export e WHERE e.id = i.export_id;
ALTER TABLE export_item ALTER COLUMN gtin SET NOT NULL;
ALTER TABLE export_item DROP CONSTRAINT export_item_pkey;
ALTER TABLE export_item ADD PRIMARY KEY (gtin, export_id, n);

-- EPCIS events: unique per GTIN. The ids are random UUIDs and seq comes from a sequence, so
-- both stay unique by construction; plain indexes keep the lookups by id and the streaming in
-- seq order as fast as before.
ALTER TABLE epcis_event DROP CONSTRAINT epcis_event_pkey;
ALTER TABLE epcis_event ADD PRIMARY KEY (gtin, id);
CREATE INDEX epcis_event_id ON epcis_event (id);
ALTER TABLE epcis_event DROP CONSTRAINT epcis_event_seq_key;
CREATE INDEX epcis_event_seq ON epcis_event (seq);
