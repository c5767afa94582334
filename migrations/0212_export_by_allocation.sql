-- A commission refuses a serial whose label carries another batch (printed_batch_mismatch):
-- the newest of its print jobs with a batch and of its allocation's exports with a production
-- run's batch. This index finds an allocation's run exports for each serial asked about.
CREATE INDEX export_allocation_run ON export (allocation_id, created_at)
    WHERE run_batch IS NOT NULL;
