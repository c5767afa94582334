-- Allotments (docs/allotments.md): how many serials and carriers an organization may use per
-- calendar month (UTC), set by the operator. NULL: no limit.
CREATE TABLE allotment (
    org_id             uuid PRIMARY KEY REFERENCES organization (id),
    serials_per_month  bigint CHECK (serials_per_month >= 0),
    carriers_per_month bigint CHECK (carriers_per_month >= 0),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- What each organization used per month, whether or not it has an allotment (so an operator
-- sees the usage before setting one). Charged by the use case that does the work, in its own
-- transaction: the upsert's row lock makes concurrent chargers of one organization take turns,
-- each seeing the other's committed use, and a refused request's rollback takes its charge
-- back with everything else.
CREATE TABLE allotment_usage (
    org_id   uuid NOT NULL REFERENCES organization (id),
    period   date NOT NULL CHECK (extract(day FROM period) = 1), -- the month's first day
    serials  bigint NOT NULL DEFAULT 0 CHECK (serials >= 0),
    carriers bigint NOT NULL DEFAULT 0 CHECK (carriers >= 0),
    PRIMARY KEY (org_id, period)
);
