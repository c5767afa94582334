-- /metrics counts jobs by kind and status (packid_jobs, docs/api.md "Metrics"): the queued and
-- running ones through job_runnable, the failed ones through this index, so a scrape need not
-- read the completed jobs, which only grow.
CREATE INDEX job_failed ON job (kind) WHERE status = 'failed';
