-- A carrier batch's chunk that fails for a reason not an item's (docs/carrier.md "When a
-- batch fails") is tried again after a pause that doubles, and the batch fails after
-- PX_CARRIER_BATCH_TRIES tries: the job counts its failed tries and is not claimed before
-- not_before, so a batch waiting for its next try holds up no batch after it.
ALTER TABLE job ADD COLUMN failures smallint NOT NULL DEFAULT 0,
                ADD COLUMN not_before timestamptz;
