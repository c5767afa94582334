-- Ordered serial listings (docs/pool.md "Listing an allocation's serials"):
-- GET /v1/allocations/{id}/serials?order=CREATED_ASC|CREATED_DESC|MODIFIED_ASC|MODIFIED_DESC.
--
-- created_seq and modified_seq come from one sequence, so "created" is the order rows were
-- written (the generation order of a random pool, not the serials' sort order) and
-- "modified" the order of their last change. A sequence, not a timestamp: two rows never
-- tie, so a keyset cursor on the number alone is exact, and rows inserted while a client
-- pages get numbers above every number already handed out.
CREATE SEQUENCE serial_change_seq;

-- Added without a default first: a volatile default on ADD COLUMN would rewrite the table
-- in one statement; the backfill numbers existing rows in the order they were listed so far.
ALTER TABLE serial ADD COLUMN created_seq bigint, ADD COLUMN modified_seq bigint;
UPDATE serial s SET created_seq = o.n, modified_seq = o.n
  FROM (SELECT gtin, serial, row_number() OVER (ORDER BY allocation_id, serial) AS n
          FROM serial) o
 WHERE s.gtin = o.gtin AND s.serial = o.serial;
SELECT setval('serial_change_seq', greatest((SELECT max(created_seq) FROM serial), 1));
ALTER TABLE serial ALTER COLUMN created_seq SET DEFAULT nextval('serial_change_seq'),
                   ALTER COLUMN created_seq SET NOT NULL,
                   ALTER COLUMN modified_seq SET DEFAULT nextval('serial_change_seq'),
                   ALTER COLUMN modified_seq SET NOT NULL;

-- One place stamps a change: every UPDATE of a serial row that changes anything (commission,
-- release, decommission, reactivation, recall — whichever code path runs it) takes a new
-- number. A row updated to the values it had keeps its number.
CREATE FUNCTION serial_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.modified_seq := nextval('serial_change_seq');
    RETURN NEW;
END $$;
CREATE TRIGGER serial_touch BEFORE UPDATE ON serial
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION serial_touch();

CREATE INDEX serial_allocation_created ON serial (allocation_id, created_seq)
    WHERE allocation_id IS NOT NULL;
CREATE INDEX serial_allocation_modified ON serial (allocation_id, modified_seq)
    WHERE allocation_id IS NOT NULL;
