-- A dead webhook delivery can be sent again through the API (POST
-- /v1/webhook/deliveries/{id}/retry, docs/webhooks.md "Retrying a dead delivery"): the retry is
-- a new delivery with the same body, naming the one it retries. The dead one stays as it was.
-- At most one retry per delivery is kept by the retry itself (it locks the dead row and looks
-- for an existing retry): a unique index of a table partitioned by month must hold the month.
ALTER TABLE webhook_delivery ADD COLUMN retry_of uuid;
CREATE INDEX webhook_delivery_retry_of ON webhook_delivery (retry_of) WHERE retry_of IS NOT NULL;
