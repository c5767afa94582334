-- audit_log partitioned by month of `at`, like the logs of migrations 0150 and 0200
-- (docs/scaling.md "Partitioning", docs/audit.md "Cuts"): one entry per audited write of every
-- tenant, for as long as packid runs. A month leaves the table with `packid partitions detach`
-- once its age has passed the retention and a signed cut covers every entry in it (each
-- entry's chain has a cut at or after the entry's seq: `packid audit checkpoint --cut-before`),
-- so `audit verify`, which starts each chain at its newest cut, still holds without it.
--
--   table      key  primary key
--   audit_log  at   (seq, at)   was (seq)
--
-- seq is drawn from the sequence audit_log_seq (migration 0060), unique without the index's
-- help; the sequence is no column's own, so it survives the old table. `at` never changes (the
-- append stamps it), so an entry stays in its month. No table references audit_log.
SELECT partition_by_month('audit_log', 'at', 'seq, at');

-- The append-only triggers of migration 0001 left with the old table: made again on the
-- parent. PostgreSQL clones a row trigger into every partition, present and future, so UPDATE
-- and DELETE are refused through the parent and through a month alike.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();

-- A statement trigger is not cloned: TRUNCATE of a month itself (audit_log_p202601) would pass.
-- Each month gets the parent's TRUNCATE triggers of its own, here for the months that exist
-- and, through partition_add_month below, for every month made later (of any table whose parent
-- has such a trigger: today audit_log alone).
CREATE FUNCTION partition_copy_truncate_triggers(parent text, part text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    -- tgtype bit 5 (32) is TRUNCATE (PostgreSQL's pg_trigger.h).
    FOR t IN SELECT tgname, tgfoid::regproc AS fn FROM pg_trigger
             WHERE tgrelid = parent::regclass AND NOT tgisinternal AND tgtype & 32 <> 0 LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION %s()', t.tgname, part, t.fn);
    END LOOP;
END $$;

SELECT partition_copy_truncate_triggers('audit_log', c.relname)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'audit_log'::regclass;

-- Migration 0150's function, with the TRUNCATE triggers copied into the month it makes, and
-- the rows of the month that fell into the default partition moved past its delete trigger.
CREATE OR REPLACE FUNCTION partition_add_month(parent text, month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    lo date := date_trunc('month', month)::date;
    hi date := (date_trunc('month', month) + interval '1 month')::date;
    name text := parent || '_p' || to_char(lo, 'YYYYMM');
    key text;
    strays boolean;
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
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= %L AND %I < %L)',
                   parent || '_default', key, lo, key, hi) INTO strays;
    IF strays THEN
        -- An append-only table's rows move too (the same rows, in their month): its delete
        -- trigger is off for the move only, under the ALTER's lock of the default partition.
        EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', parent || '_default');
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) '
                       'INSERT INTO %I SELECT * FROM moved',
                       parent || '_default', key, lo, key, hi, name);
        EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', parent || '_default');
    END IF;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   parent, name, lo, hi);
    PERFORM partition_copy_truncate_triggers(parent, name);
    RETURN true;
END $$;
