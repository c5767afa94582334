-- A batch item's carrier is the carrier row of the same batch and index (UNIQUE (batch_id, idx)
-- of migration 0070); the item row keeps only what is asked and, for a refused item, its error.
-- The job then writes a rendered item once, as its carrier, instead of also updating the item
-- row (docs/carrier.md "Batches": the update was about a third of each chunk write). Every
-- carrier_id written so far is the id of that carrier row (the two were written by one
-- statement), so dropping the column loses nothing.
ALTER TABLE carrier_batch_item DROP COLUMN carrier_id;
-- The job's writes now move a batch's counters by what they write instead of recounting, and
-- a batch's items refused as they arrive are counted when it is stored: a batch still in
-- progress gets its counters from its rows once, here.
UPDATE carrier_batch b
SET completed_count = (SELECT count(*) FROM carrier c WHERE c.batch_id = b.id),
    error_count = (SELECT count(error_code) FROM carrier_batch_item i WHERE i.batch_id = b.id)
WHERE b.status = 'processing';
