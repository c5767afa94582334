-- The commission's label probe (printed_batch_mismatch) asks first whether any production-run
-- export of the GTIN names another batch: this index answers it without reading the exports of
-- every tenant.
CREATE INDEX export_gtin_run ON export (gtin) WHERE run_batch IS NOT NULL;
