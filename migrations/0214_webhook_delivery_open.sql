-- /metrics counts the webhook deliveries not delivered, by state (packid_webhook_deliveries):
-- this index answers it on every scrape without reading the delivered rows of every month.
CREATE INDEX webhook_delivery_open ON webhook_delivery (state) WHERE state <> 'delivered';
