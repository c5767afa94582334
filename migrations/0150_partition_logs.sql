-- The other tables that grow without end, partitioned by month like epcis_event (migration 0111,
-- docs/scaling.md "Partitioning"): the verification scan log (scan), the VRS request log
-- (vrs_request), and the delivery attempts of reports (report_attempt) and webhooks
-- (webhook_attempt). Each gains one row per public scan, per VRS request or per POST, for as
-- long as packid runs; a month whose retention has passed leaves its table with
-- `packid partitions detach` (a change of the catalogue, where a mass DELETE would bloat the
-- table and its indexes). Each is keyed by the time packid wrote the row, which only moves
-- forward, so the months ahead the partitions runner creates receive the new rows.
--
--   table            key         primary key (the key must be part of it)
--   scan             at          (gtin, serial, at, id)         unchanged: `at` was in it
--   vrs_request      at          (id, at)                       was (id)
--   report_attempt   started_at  (report_id, n, started_at)     was (report_id, n)
--   webhook_attempt  started_at  (delivery_id, n, started_at)   was (delivery_id, n)
--
-- An attempt number n stays unique per report or delivery without the index's help: it is the
-- report's or delivery's attempt counter, raised under the row's lock. vrs_request ids are UUIDs
-- packid makes. No table references these four, so their keys may grow.

-- Adds the partition of one month of `parent` (named parent_pYYYYMM) unless it exists; rows of
-- that month that fell into parent_default move into it, in the caller's transaction. True when
-- it created it. The one function the partitions runner calls for every partitioned table
-- (epcis_event_add_partition of 0111 is the same for epcis_event alone). The key column is read
-- from the catalogue. Unqualified names: it serves the live and the sandbox schema, each through
-- its search_path (docs/sandbox.md).
CREATE FUNCTION partition_add_month(parent text, month date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    lo date := date_trunc('month', month)::date;
    hi date := (date_trunc('month', month) + interval '1 month')::date;
    name text := parent || '_p' || to_char(lo, 'YYYYMM');
    key text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
               WHERE c.relname = name AND i.inhparent = parent::regclass) THEN
        RETURN false;
    END IF;
    SELECT a.attname INTO STRICT key FROM pg_partitioned_table p
        JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
        WHERE p.partrelid = parent::regclass;
    -- Attaching a month checks that the default partition holds none of its rows: they move
    -- first (an empty default, the normal case, costs one index probe).
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   name, parent);
    EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) '
                   'INSERT INTO %I SELECT * FROM moved',
                   parent || '_default', key, lo, key, hi, name);
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   parent, name, lo, hi);
    RETURN true;
END $$;

-- Turns `parent` into a table partitioned by month of `key` with primary key `pk`: the same
-- columns, defaults, checks, identity, foreign keys and indexes; its rows moved in; the months
-- from its oldest row to three ahead created. Used by this migration only.
CREATE FUNCTION pg_temp.partition_by_month(parent text, key text, pk text) RETURNS void
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
    -- OVERRIDING SYSTEM VALUE: scan.id is GENERATED ALWAYS; its sequence goes on from the old.
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

SELECT pg_temp.partition_by_month('scan', 'at', 'gtin, serial, at, id');
SELECT pg_temp.partition_by_month('vrs_request', 'at', 'id, at');
SELECT pg_temp.partition_by_month('report_attempt', 'started_at', 'report_id, n, started_at');
SELECT pg_temp.partition_by_month('webhook_attempt', 'started_at', 'delivery_id, n, started_at');
DROP FUNCTION pg_temp.partition_by_month(text, text, text);
