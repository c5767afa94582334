-- The month an allocation's or a carrier batch's allotment charge went to, when it is not the
-- month it was made: a failed job retried later is charged in the month of its retry
-- (POST /v1/jobs/{job_id}/retry), so what a later failure gives back goes to that month, not
-- to the month of its first charge, which its first failure already settled
-- (docs/allotments.md). NULL: the month it was made.
ALTER TABLE allocation ADD COLUMN charged_period date;
ALTER TABLE carrier_batch ADD COLUMN charged_period date;
