-- A commission refuses a serial whose label carries another batch (printed_batch_mismatch):
-- its newest print job with a batch, else the newest production-run export of its
-- allocation. These indexes find a GTIN's run exports (the probe made before any serial is
-- read) and an allocation's (each serial asked about).
CREATE INDEX export_gtin_run ON export (gtin) WHERE run_batch IS NOT NULL;
CREATE INDEX export_allocation_run ON export (allocation_id, created_at)
    WHERE run_batch IS NOT NULL;
