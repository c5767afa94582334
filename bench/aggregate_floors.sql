-- Write floors of the packing hierarchy's storage designs (docs/aggregation.md "Where the
-- time goes"), on the database bench/aggregate.sh leaves behind (its bench_link table holds
-- the run's 100 links per case). Each design writes the same pack links in its own
-- transaction, rolled back; EXPLAIN (ANALYZE, BUFFERS) shows the buffers each one touches.
-- It first clears the packs' parents in that scratch database so every write changes rows.
--   PACKID_DATA_DIR=BUILD/bench-aggregate-var BUILD/packid db url   (starts the server)
--   psql -X "$(that url) dbname=packid_bench_aggregate" -f bench/aggregate_floors.sql
\timing on
UPDATE serial SET parent_sscc = NULL, parent_gtin = NULL, parent_serial = NULL;
VACUUM FULL serial;
ANALYZE serial;
CHECKPOINT;
-- Raw append floor: the links into an unindexed table (the bench's COPY does the same).
BEGIN;
CREATE TABLE floor_plain (LIKE bench_link);
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) INSERT INTO floor_plain SELECT * FROM bench_link;
ROLLBACK;
CHECKPOINT;
\set in_place 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) UPDATE serial s SET parent_sscc = l.parent_sscc FROM bench_link l WHERE l.child_gtin = s.gtin AND l.child_serial = s.serial;'
-- Today's design: the parent in the pack's serial row (every index of serial written again,
-- the touch trigger fires).
BEGIN;
:in_place
ROLLBACK;
VACUUM serial;
CHECKPOINT;
-- The same without the touch trigger: the trigger's share.
BEGIN;
ALTER TABLE serial DISABLE TRIGGER serial_touch;
:in_place
ROLLBACK;
VACUUM serial;
CHECKPOINT;
-- A narrow table of current parents keyed (gtin, serial), written by one INSERT … ON CONFLICT.
BEGIN;
CREATE TABLE floor_link (gtin char(14) NOT NULL, serial text NOT NULL, parent_sscc char(18),
  parent_gtin char(14), parent_serial text, PRIMARY KEY (gtin, serial));
CREATE INDEX ON floor_link (parent_sscc) WHERE parent_sscc IS NOT NULL;
CREATE INDEX ON floor_link (parent_gtin, parent_serial) WHERE parent_gtin IS NOT NULL;
CHECKPOINT;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) INSERT INTO floor_link (gtin, serial, parent_sscc)
  SELECT child_gtin, child_serial, parent_sscc FROM bench_link WHERE child_gtin IS NOT NULL
  ON CONFLICT (gtin, serial) DO UPDATE SET parent_sscc = excluded.parent_sscc;
ROLLBACK;
CHECKPOINT;
-- An append-only history of links (the newest per pack is current), one index.
BEGIN;
CREATE TABLE floor_hist (gtin char(14) NOT NULL, serial text NOT NULL, parent_sscc char(18),
  seq bigint NOT NULL);
CREATE INDEX ON floor_hist (gtin, serial, seq);
CHECKPOINT;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) INSERT INTO floor_hist
  SELECT child_gtin, child_serial, parent_sscc, 1 FROM bench_link WHERE child_gtin IS NOT NULL;
ROLLBACK;
-- Reading the children only (the apply statement's per-child lookup, REQ-AGG-2/5 need it).
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(s.state) FROM bench_link l
  JOIN serial s ON s.gtin = l.child_gtin AND s.serial = l.child_serial;
