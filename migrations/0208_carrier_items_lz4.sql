-- A carrier batch's items (one jsonb array on the batch row, migration 0180: up to 1,000
-- items, some 50 kB) are compressed with lz4 rather than pglz: the array is written once and
-- read by each of the batch job's chunks, and lz4 does both in about half the time at about
-- the same size for this repetitive text (docs/carrier.md "Speed"). The setting applies to
-- rows written from now on; rows already stored keep pglz and read as before. A PostgreSQL
-- built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE carrier_batch ALTER COLUMN items SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END $$;
