-- An allocation's print manifest is made before its packs are commissioned: the production
-- run's batch and expiry, given with the export, complete the rows whose serial has none yet,
-- so the element string, HRI and Digital Link carry AIs 17 and 10 as they will be printed.
ALTER TABLE export
    ADD COLUMN run_batch  text CHECK (length(run_batch) BETWEEN 1 AND 20),
    ADD COLUMN run_expiry char(6) CHECK (run_expiry ~ '^[0-9]{6}$'),
    ADD CHECK ((run_batch IS NULL) = (run_expiry IS NULL)),
    ADD CHECK (run_batch IS NULL OR allocation_id IS NOT NULL);
