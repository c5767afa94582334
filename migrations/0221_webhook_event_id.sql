-- A webhook delivery names the event it carries: the body's "id", which a retry shares with
-- the first delivery, so that X-Packid-Document-Id says what the body says and a receiver
-- drops a repeat by either (docs/webhooks.md "Retrying a dead delivery"). The sender reads it
-- here instead of from the body's text. Rows from before take the id their body begins with,
-- as packid's builder wrote it; a row without one (NULL) is sent under its own id.
ALTER TABLE webhook_delivery ADD COLUMN event_id uuid;
UPDATE webhook_delivery
   SET event_id = substring(body FROM
       '^\s*\{\s*"id"\s*:\s*"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"')::uuid
 WHERE body ~ '^\s*\{\s*"id"\s*:\s*"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"';
