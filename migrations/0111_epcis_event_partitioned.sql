-- EPCIS events partitioned by month of recording (docs/scaling.md "Partitioning"). The table
-- grows without end (several events per commission, release and pack operation) and the law
-- keeps them for years, not forever: EU FMD at least one year after the pack's expiry, DSCSA six
-- years. A month whose retention has passed is then detached (`packid partitions detach`), a
-- change of the catalogue, where a mass DELETE would bloat the table and its indexes.
--
-- The key is created_at, the time packid recorded the event, not event_time: a captured event
-- may carry any past time, while created_at only moves forward, so the months ahead that the
-- partitions runner creates always receive the new rows. A row that finds no month (the runner
-- did not run for months) lands in epcis_event_default, and creating its month later moves it
-- there (epcis_event_add_partition below). Retention counted from recording is never shorter
-- than from the event.
--
-- A partitioned table's unique index must contain the partition key, so the primary key becomes
-- (gtin, id, created_at): the GTIN stays first (the distribution rule, test_schema_rule), ids
-- are UUIDs packid makes (unique without the index's help), and epcis_event_id still finds an
-- event by id (one probe per month). The per-table autovacuum settings of migration 0066 are
-- not carried over: a month is a bounded table, for which the default thresholds are right.
ALTER TABLE epcis_event RENAME TO epcis_event_unpartitioned;
CREATE TABLE epcis_event (LIKE epcis_event_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS
                          INCLUDING STORAGE INCLUDING COMMENTS)
    PARTITION BY RANGE (created_at);
ALTER SEQUENCE epcis_event_seq_seq OWNED BY epcis_event.seq;
CREATE TABLE epcis_event_default PARTITION OF epcis_event DEFAULT;

-- Adds the partition of one month (named epcis_event_pYYYYMM) unless it exists; rows of that
-- month that fell into the default partition move into it, in the caller's transaction. True
-- when it created the partition. Unqualified names: the same function serves the live and the
-- sandbox schema (docs/sandbox.md), each through its search_path.
CREATE FUNCTION epcis_event_add_partition(month date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    lo date := date_trunc('month', month)::date;
    hi date := (date_trunc('month', month) + interval '1 month')::date;
    name text := 'epcis_event_p' || to_char(lo, 'YYYYMM');
BEGIN
    IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
               WHERE c.relname = name AND i.inhparent = 'epcis_event'::regclass) THEN
        RETURN false;
    END IF;
    -- Attaching a month checks that the default partition holds none of its rows: they move
    -- first (an empty default, the normal case, costs one index probe).
    EXECUTE format('CREATE TABLE %I (LIKE epcis_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   name);
    EXECUTE format('WITH moved AS (DELETE FROM epcis_event_default WHERE created_at >= %L '
                   'AND created_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
                   lo, hi, name);
    EXECUTE format('ALTER TABLE epcis_event ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   name, lo, hi);
    RETURN true;
END $$;

-- The months that hold rows, and this month with the next three: the rows copy in straight.
SELECT epcis_event_add_partition(m::date)
FROM generate_series(
         least(date_trunc('month', now()),
               coalesce((SELECT date_trunc('month', min(created_at))
                         FROM epcis_event_unpartitioned), date_trunc('month', now()))),
         date_trunc('month', now()) + interval '3 months', interval '1 month') AS m;
INSERT INTO epcis_event SELECT * FROM epcis_event_unpartitioned;

-- The foreign keys and indexes of the old table, re-made on the partitioned one (and so on
-- every month); the primary key with created_at added.
DO $$
DECLARE
    c record;
    defs text[] := '{}';
    d text;
BEGIN
    FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
             WHERE conrelid = 'epcis_event_unpartitioned'::regclass AND contype = 'f' LOOP
        EXECUTE format('ALTER TABLE epcis_event ADD CONSTRAINT %I %s', c.conname, c.def);
    END LOOP;
    SELECT array_agg(pg_get_indexdef(indexrelid)) INTO defs FROM pg_index
    WHERE indrelid = 'epcis_event_unpartitioned'::regclass AND NOT indisprimary;
    DROP TABLE epcis_event_unpartitioned;
    ALTER TABLE epcis_event ADD PRIMARY KEY (gtin, id, created_at);
    FOREACH d IN ARRAY coalesce(defs, '{}') LOOP
        EXECUTE regexp_replace(d, ' ON (ONLY )?(\S+\.)?epcis_event_unpartitioned ',
                               ' ON epcis_event ');
    END LOOP;
END $$;
