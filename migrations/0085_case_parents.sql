-- A homogeneous case that carries its own GTIN may be a parent (DOMAIN-2.md §10.4: "parent SSCC
-- or case SGTIN"; docs/aggregation.md "Cases that carry their own GTIN"): the case is a pack
-- (a serial row of the MAH's case-level GTIN) and its packs point to it.

-- A pack's current case, beside its current container: at most one of them (DOMAIN-2.md §10.4
-- rule 2, one parent at a time).
ALTER TABLE serial ADD COLUMN parent_gtin char(14), ADD COLUMN parent_serial text,
    ADD CONSTRAINT serial_one_parent CHECK (parent_sscc IS NULL OR parent_gtin IS NULL),
    ADD CONSTRAINT serial_case_parent CHECK ((parent_gtin IS NULL) = (parent_serial IS NULL));
CREATE INDEX serial_case_children ON serial (parent_gtin, parent_serial)
    WHERE parent_gtin IS NOT NULL;

-- An aggregation's parent: a container or a case.
ALTER TABLE aggregation ALTER COLUMN parent_sscc DROP NOT NULL,
    ADD COLUMN parent_gtin char(14), ADD COLUMN parent_serial text,
    ADD CONSTRAINT aggregation_one_parent CHECK ((parent_sscc IS NULL) <> (parent_gtin IS NULL));

-- The events whose parent is a case (parent_id is its SGTIN EPC URI), found by the case.
ALTER TABLE container_event ADD COLUMN parent_gtin char(14), ADD COLUMN parent_serial text;
CREATE INDEX container_event_case ON container_event (parent_gtin, parent_serial, seq)
    WHERE parent_gtin IS NOT NULL;
