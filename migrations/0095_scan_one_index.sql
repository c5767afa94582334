-- A scan row was written into two B-trees with the same leading columns: the primary key
-- (gtin, serial, id) and scan_serial_at (gtin, serial, at), the one every read uses (the clone
-- rules' history, newest first within a window). Every public verification writes a scan, so
-- the second index was a second random page write per hit (docs/resolver.md "Speed"). One
-- index serves both: the primary key (gtin, serial, at, id) — unique through id, and ordered
-- by time for the history.
ALTER TABLE scan DROP CONSTRAINT scan_pkey;
ALTER TABLE scan ADD PRIMARY KEY (gtin, serial, at, id);
DROP INDEX scan_serial_at;
