-- A carrier batch's items kept on the batch's row (docs/carrier.md "Batches", "A carrier batch
-- beside the bare renderer"): `items`, one jsonb array in index order ({"g": gtin, "s": serial}
-- or {"t": target}; {} for an item refused as it arrived), and `item_errors`, one jsonb object
-- of the refused items' errors by index ({"17": {"c": code, "m": message}}). The POST of a
-- 1,000-item batch stored 1,000 rows and their primary key; it now stores one value, which the
-- job reads twice and whose errors it merges in the same UPDATE that moves the counters.
-- Nothing is lost: the array is written once in the POST's transaction and logged like any row.
ALTER TABLE carrier_batch ADD COLUMN items jsonb, ADD COLUMN item_errors jsonb NOT NULL DEFAULT '{}';

-- Batches stored so far keep their items and errors (indexes are 0..total_count-1: they were
-- written from one array).
UPDATE carrier_batch b
SET items = coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                 'g', i.gtin, 's', i.serial, 't', i.target)) ORDER BY i.idx)
                      FROM carrier_batch_item i WHERE i.batch_id = b.id), '[]'),
    item_errors = coalesce((SELECT jsonb_object_agg(i.idx::text, jsonb_build_object(
                                'c', i.error_code, 'm', i.error_message))
                            FROM carrier_batch_item i
                            WHERE i.batch_id = b.id AND i.error_code IS NOT NULL), '{}');

ALTER TABLE carrier_batch ALTER COLUMN items SET NOT NULL,
    ADD CONSTRAINT carrier_batch_items_array
        CHECK (jsonb_typeof(items) = 'array' AND jsonb_array_length(items) = total_count),
    ADD CONSTRAINT carrier_batch_item_errors_object CHECK (jsonb_typeof(item_errors) = 'object');

DROP TABLE carrier_batch_item;

-- The former table's rows, read from the batch's row, for reports and ad-hoc reads.
CREATE VIEW carrier_batch_item AS
SELECT b.id AS batch_id, (x.n - 1)::int AS idx, x.e->>'g' AS gtin, x.e->>'s' AS serial,
       x.e->>'t' AS target, b.item_errors->((x.n - 1)::text)->>'c' AS error_code,
       b.item_errors->((x.n - 1)::text)->>'m' AS error_message
FROM carrier_batch b, jsonb_array_elements(b.items) WITH ORDINALITY AS x(e, n);
