-- How many label writes each GTIN has had: print jobs with a batch and production run manifests
-- (exports with run_batch), the two things that label a serial with a batch (migrations 0212,
-- 0213). A commission reads the count with its first label probe and again after it took its
-- serials: a print job that committed between the two moved it, and only then is the second
-- probe run (docs/lifecycle.md "Commission"; the second probe over 10,000 serials took about
-- 60 ms of a commission's ~390 ms). Kept by triggers, so no writer of either table can miss it.
-- The row's lock is held by the writing transaction to its end: print jobs of one GTIN commit
-- one after the other from their insert on (they are few: one per run or reprint).
CREATE TABLE label_write (
    gtin char(14) PRIMARY KEY,
    n    bigint NOT NULL
);

CREATE FUNCTION label_write_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO label_write AS w (gtin, n) VALUES (NEW.gtin, 1)
    ON CONFLICT (gtin) DO UPDATE SET n = w.n + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER print_job_label_write AFTER INSERT ON print_job
    FOR EACH ROW WHEN (NEW.batch IS NOT NULL) EXECUTE FUNCTION label_write_count();
CREATE TRIGGER export_label_write AFTER INSERT ON export
    FOR EACH ROW WHEN (NEW.run_batch IS NOT NULL) EXECUTE FUNCTION label_write_count();
