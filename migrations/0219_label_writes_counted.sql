-- Migration 0217's per-GTIN count of label writes is counted from the rows instead (a review
-- found the row it kept a point every print job of the GTIN queued behind, from its insert to
-- its commit): a commission now counts the GTIN's print jobs and run manifests as it probes
-- (print_job_gtin and export_gtin_run answer it from their indexes; neither table loses rows,
-- so a count that did not move means nothing was written meanwhile).
DROP TRIGGER print_job_label_write ON print_job;
DROP TRIGGER export_label_write ON export;
DROP FUNCTION label_write_count();
DROP TABLE label_write;
