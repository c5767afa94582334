-- The key of the EPCIS query's page tokens (src/service/epcis_token.c): a token carries the
-- page's last position, an installation-wide number, encrypted under it so that it tells a
-- tenant nothing of how many events others recorded. Made here, once per schema (the sandbox
-- has its own), so a query only reads it: it may run on a standby, which takes no write.
-- 32 bytes from two random UUIDs (gen_random_uuid, PostgreSQL's own strong random source):
-- 244 random bits; the key is the first 16 bytes of their SHA-256.
INSERT INTO server_secret (name, secret)
VALUES ('epcis_token', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
                              'hex'))
ON CONFLICT (name) DO NOTHING;
