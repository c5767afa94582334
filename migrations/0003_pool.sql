-- Serial pool: indexes for allocation jobs (issue 4; docs/pool.md).
--
-- Jobs need no lease column: a worker locks the job row with FOR UPDATE SKIP LOCKED for the
-- length of one chunk's transaction (generate, insert, advance `done`, commit), so a job is
-- worked on by at most one transaction at any time, each chunk is committed exactly once with
-- its progress, and a crashed process's lock disappears with its connection.

-- The runner joins a claimed job to its allocation; GET /v1/jobs/{id} checks who may see it.
CREATE INDEX allocation_job ON allocation (job_id);
-- Who an allocation belongs to (a CMO sees only its own).
CREATE INDEX allocation_org ON allocation (org_id, created_at);
