-- Autovacuum for the tables that only grow (docs/scaling.md "The embedded cluster's
-- settings"). By default an insert-only table is vacuumed after inserts of 20 % of its size:
-- at 100 million packs that is 20 million rows between vacuums, so the visibility map lags
-- (index-only scans fall back to the heap) and pages are frozen in one huge anti-wraparound
-- pass. At 2 % the vacuum runs every 2 million rows at 100 M, each a short pass; the
-- statistics follow the same way, so the planner's row counts stay near the truth.
ALTER TABLE serial SET (autovacuum_vacuum_insert_scale_factor = 0.02,
                        autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE epcis_event SET (autovacuum_vacuum_insert_scale_factor = 0.02,
                             autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE print_job_serial SET (autovacuum_vacuum_insert_scale_factor = 0.02,
                                  autovacuum_analyze_scale_factor = 0.02);
