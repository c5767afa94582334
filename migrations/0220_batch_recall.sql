-- A batch recall or withdrawal is a status of the batch, not only of the packs it found
-- (Delegated Regulation (EU) 2016/161 Art. 40; in the EMVS a batch recall and a product
-- withdrawal are batch-level and irreversible: DOMAIN.md "Decommissioning & statuses"). The
-- batch keeps its first recall: a commission into it and a release of its packs are refused
-- (409 batch_recalled), and verification reads any pack of it that is not decommissioned as
-- recalled. A batch is recalled by POST /v1/recalls with its batch; a recall of listed packs or
-- of containers leaves the batch open.
ALTER TABLE batch
    ADD COLUMN recalled_at timestamptz,
    ADD COLUMN recall_reason text CHECK (recall_reason IN ('recalled', 'withdrawn')),
    ADD CONSTRAINT batch_recall_whole CHECK ((recalled_at IS NULL) = (recall_reason IS NULL));

-- The batches recalled so far, by their first batch recall: a pack_op of kind recall that names
-- its batch (a recall of listed packs or of containers names none).
UPDATE batch b
SET recalled_at = p.created_at, recall_reason = p.reason
FROM (SELECT DISTINCT ON (gtin, batch) gtin, batch, created_at, reason
      FROM pack_op WHERE kind = 'recall' AND batch IS NOT NULL
      ORDER BY gtin, batch, created_at) p
WHERE b.gtin = p.gtin AND b.batch = p.batch;
