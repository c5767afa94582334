-- partition_add_month (migration 0202's) takes the parent's SHARE UPDATE EXCLUSIVE lock before
-- anything else it does to make a month. Before, it read the default partition (ACCESS SHARE: the strays check, the
-- CREATE TABLE … LIKE) and only then asked for the parent's lock in ATTACH PARTITION, whose
-- ACCESS EXCLUSIVE lock of the default partition waited for the other caller's read: two
-- callers for one parent at once deadlocked (PostgreSQL killed one with 40P01; seen in a
-- fresh clone's test run while the server's partitions runner added months). Now the second
-- caller waits for the first to commit, then finds its month or makes it.

CREATE OR REPLACE FUNCTION partition_add_month(parent text, month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    lo date := date_trunc('month', month)::date;
    hi date := (date_trunc('month', month) + interval '1 month')::date;
    name text := parent || '_p' || to_char(lo, 'YYYYMM');
    key text;
    strays boolean;
BEGIN
    -- A month that exists costs no lock (the runner asks for every table's months each hour).
    IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
               WHERE c.relname = name AND i.inhparent = parent::regclass) THEN
        RETURN false;
    END IF;
    -- The parent's lock that ATTACH PARTITION takes (the parent alone: ONLY), taken before
    -- anything else: two callers for one parent (the partitions runner and `packid
    -- partitions`, or a test) queue here, before either holds a lock on the default partition
    -- that the other's ATTACH would wait for. The second then finds the month or makes it.
    EXECUTE format('LOCK TABLE ONLY %I IN SHARE UPDATE EXCLUSIVE MODE', parent);
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
