-- Carrier batches without per-row foreign-key checks (docs/carrier.md "Batches", "A carrier
-- batch beside the bare renderer"). Each of these keys was checked once per row: 1,000 checks
-- of carrier_batch_item.batch_id in the POST of a 1,000-item batch (about half of its insert),
-- and two per carrier in the job's chunk writes (about half of each write). The rows cannot
-- name a missing batch or organization, by how they are written:
-- - a batch's items are inserted by the statement that inserts the batch, from its RETURNING
--   (px_store_carrier_batch_insert);
-- - a batch's carriers are inserted by the one statement that marks their items done, joined
--   to the items it updated (px_store_carrier_chunk_record), with the batch's own org_id, which
--   keeps its foreign key to organization;
-- - nothing deletes a batch (its ON DELETE CASCADE never ran).
ALTER TABLE carrier_batch_item DROP CONSTRAINT carrier_batch_item_batch_id_fkey;
ALTER TABLE carrier DROP CONSTRAINT carrier_batch_id_fkey;
ALTER TABLE carrier DROP CONSTRAINT carrier_org_id_fkey;
