-- webhook_delivery partitioned by month of created_at, like the logs of migration 0150
-- (docs/scaling.md "Partitioning"): the outbox gains one row per event a tenant subscribed to,
-- for as long as packid runs. A month whose retention has passed leaves the table with
-- `packid partitions detach`, by its age alone (a delivery names no pack: its body is the
-- event, which stays in epcis_event).
--
--   table             key         primary key
--   webhook_delivery  created_at  (id, created_at)   was (id)
--
-- A partitioned table's unique keys must hold its partition key, so the attempts' foreign key
-- names the delivery by (id, created_at): webhook_attempt gains delivery_created_at, filled
-- from its delivery. Delivery ids are UUIDs packid makes, unique without the index's help.
-- created_at never changes (the enqueue stamps it), so a delivery stays in its month while it
-- is retried. An attempt may fall in the month after its delivery's: detach a month of
-- webhook_attempt before (or with) the delivery month its rows name; PostgreSQL refuses to
-- detach a delivery month an attached attempt still references.

-- Turns `parent` into a table partitioned by month of `key` with primary key `pk`: the same
-- columns, defaults, checks, identity, foreign keys and indexes; its rows moved in; the months
-- from its oldest row to three ahead created. Migration 0150 did this with a temporary
-- function of the same body; it is kept from here on for the next table to partition.
-- A table another table references must have that foreign key dropped first (and made again
-- on the new key after).
CREATE FUNCTION partition_by_month(parent text, key text, pk text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    old text := parent || '_unpartitioned';
    c record;
    defs text[];
    d text;
    first timestamptz;
    seq text;
BEGIN
    EXECUTE format('ALTER TABLE %I RENAME TO %I', parent, old);
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                   'INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS) '
                   'PARTITION BY RANGE (%I)', parent, old, key);
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', parent || '_default', parent);
    EXECUTE format('SELECT date_trunc(''month'', min(%I)) FROM %I', key, old) INTO first;
    PERFORM partition_add_month(parent, m::date)
    FROM generate_series(least(date_trunc('month', now()), coalesce(first, now())),
                         date_trunc('month', now()) + interval '3 months',
                         interval '1 month') AS m;
    EXECUTE format('INSERT INTO %I OVERRIDING SYSTEM VALUE SELECT * FROM %I', parent, old);
    FOR c IN SELECT a.attname FROM pg_attribute a
             WHERE a.attrelid = parent::regclass AND a.attidentity <> '' LOOP
        seq := pg_get_serial_sequence(parent, c.attname);
        EXECUTE format('SELECT setval(%L, coalesce((SELECT max(%I) FROM %I), 0) + 1, false)',
                       seq, c.attname, old);
    END LOOP;
    FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
             WHERE conrelid = old::regclass AND contype = 'f' LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', parent, c.conname, c.def);
    END LOOP;
    SELECT array_agg(pg_get_indexdef(indexrelid)) INTO defs FROM pg_index
    WHERE indrelid = old::regclass AND NOT indisprimary;
    EXECUTE format('DROP TABLE %I', old);
    EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (%s)', parent, pk);
    FOREACH d IN ARRAY coalesce(defs, '{}') LOOP
        EXECUTE regexp_replace(d, ' ON (ONLY )?(\S+\.)?' || old || ' ', ' ON ' || parent || ' ');
    END LOOP;
END $$;

ALTER TABLE webhook_attempt ADD COLUMN delivery_created_at timestamptz;
UPDATE webhook_attempt a SET delivery_created_at = d.created_at
FROM webhook_delivery d WHERE d.id = a.delivery_id;
ALTER TABLE webhook_attempt ALTER COLUMN delivery_created_at SET NOT NULL;
ALTER TABLE webhook_attempt DROP CONSTRAINT webhook_attempt_delivery_id_fkey;

SELECT partition_by_month('webhook_delivery', 'created_at', 'id, created_at');

ALTER TABLE webhook_attempt ADD CONSTRAINT webhook_attempt_delivery_fkey
    FOREIGN KEY (delivery_id, delivery_created_at) REFERENCES webhook_delivery (id, created_at);
