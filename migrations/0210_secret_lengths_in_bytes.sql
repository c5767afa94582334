-- A webhook's and a regulator endpoint's signing secret are bounded in bytes, as packid checks
-- them before writing (px_delivery_secret_check: 16 to 1,024 bytes of text) and as docs/api.md
-- gives them. The CHECKs counted characters (length()), so a secret of eight two-byte
-- characters passed the check and failed the INSERT: a 500 instead of the 422 it is owed.
-- Both tables are small; existing rows already hold 16 to 1,024 bytes (the C check).
ALTER TABLE webhook
    DROP CONSTRAINT webhook_secret_check,
    ADD CONSTRAINT webhook_secret_check CHECK (octet_length(secret) BETWEEN 16 AND 1024);
ALTER TABLE regulator_endpoint
    DROP CONSTRAINT regulator_endpoint_hmac_secret_check,
    ADD CONSTRAINT regulator_endpoint_hmac_secret_check
        CHECK (octet_length(hmac_secret) BETWEEN 16 AND 1024);
