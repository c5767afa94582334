-- The two indexes of migration 0075 made commissioning about a fifth slower (bench/commission.sh:
-- 38,000 against 49,500 serials/s): a commission updates its allocated serials' batch, an
-- indexed column, so every such UPDATE adds an entry to every index of serial, these two
-- included. The ordered listings (docs/pool.md) now page without them: each page reads the
-- allocation's rows through serial_allocation and keeps the next `first` in order (a top-N
-- sort), bounded by the allocation's size (at most 1,000,000). The columns and the trigger stay.
DROP INDEX serial_allocation_created;
DROP INDEX serial_allocation_modified;
