-- A failed or dead report is retried once: its retry is the one new submission of the same
-- subject to the same endpoint (a second retry, or two at once, would send the regulator the
-- same facts twice under two document ids). A retry that fails again is retried in its turn.
CREATE UNIQUE INDEX report_retry_once ON report (retry_of) WHERE retry_of IS NOT NULL;
