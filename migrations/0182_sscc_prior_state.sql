-- A container's state before it was decommissioned (docs/aggregation.md "Reactivating packed
-- packs", REQ-AGG-15): reactivated by ssccs it comes back as it went, a released pallet
-- released again, as the packs in it come back to their own prior_state. NULL for containers
-- decommissioned before this column existed: they come back commissioned, as they did.
ALTER TABLE sscc ADD COLUMN prior_state text
    CHECK (prior_state IN ('allocated', 'commissioned', 'released'));
