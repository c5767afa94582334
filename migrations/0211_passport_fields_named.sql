-- A passport lists master-data members only (regulated_product_name, dosage_form, strength,
-- pack_size, manufacturer, ndc: the keys a product's master data can hold), as PUT
-- /v1/products/{gtin}/passport now checks. A name outside them was stored before and could
-- never be shown; it is dropped, so GET answers what PUT would take. The order is kept.
UPDATE product_passport
   SET public_fields = ARRAY(SELECT f FROM unnest(public_fields) WITH ORDINALITY AS u(f, o)
                              WHERE f IN ('regulated_product_name', 'dosage_form', 'strength',
                                          'pack_size', 'manufacturer', 'ndc')
                              ORDER BY o)
 WHERE NOT public_fields <@ ARRAY['regulated_product_name', 'dosage_form', 'strength',
                                  'pack_size', 'manufacturer', 'ndc']::text[];
