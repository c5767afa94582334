-- Foundation: organizations, API keys, the hash-chained audit log.

CREATE TABLE organization (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- operator: runs packid (admin keys); mah: brand owner (mah and auditor keys);
    -- cmo: contract manufacturer (cmo keys); regulator: receives reports (regulator keys).
    kind        text NOT NULL CHECK (kind IN ('operator', 'mah', 'cmo', 'regulator')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    gln         char(13) CHECK (gln ~ '^[0-9]{13}$'),
    market      text CHECK (market ~ '^[A-Z]{2}$'),      -- a regulator's market
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_key (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organization (id),
    role        text NOT NULL CHECK (role IN ('admin', 'mah', 'cmo', 'auditor', 'regulator')),
    -- SHA-256 of the whole key. Keys carry 256 random bits, so a fast hash is enough: there
    -- is nothing to brute-force. The key itself is shown once and never stored.
    secret_hash bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    label       text CHECK (length(label) <= 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_key_org ON api_key (org_id);

-- Append-only, hash-chained audit log (DESIGN.md "Security"). Each entry carries the SHA-256
-- of the previous entry's hash and its own canonical text, so editing or deleting any row
-- breaks the chain from that row on. `packid audit verify` recomputes it independently.
CREATE TABLE audit_log (
    seq         bigint PRIMARY KEY,
    at          timestamptz NOT NULL,
    org_id      uuid,            -- the acting organization
    key_id      uuid,            -- the acting key (NULL for the CLI)
    tenant_id   uuid,            -- the MAH whose data this concerns (auditor visibility)
    action      text NOT NULL,
    subject     text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}',
    prev_hash   text NOT NULL,
    hash        text NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);

-- The canonical text of an entry: fields joined by '|', time as integer microseconds since
-- the epoch, NULLs as '', details as jsonb's (deterministic) text output.
CREATE FUNCTION audit_canonical(p_seq bigint, p_at timestamptz, p_org uuid, p_key uuid,
                                p_tenant uuid, p_action text, p_subject text, p_details jsonb,
                                p_prev text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT p_seq::text || '|' || (extract(epoch FROM p_at) * 1000000)::bigint::text || '|' ||
           coalesce(p_org::text, '') || '|' || coalesce(p_key::text, '') || '|' ||
           coalesce(p_tenant::text, '') || '|' || p_action || '|' || p_subject || '|' ||
           p_details::text || '|' || p_prev
$$;

-- Appends one entry. The transaction-scoped advisory lock makes appends (and so the chain)
-- follow commit order; callers append last, just before COMMIT, to hold it briefly.
CREATE FUNCTION audit_append(p_org uuid, p_key uuid, p_tenant uuid, p_action text,
                             p_subject text, p_details jsonb)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    last_seq  bigint;
    last_hash text;
    new_at    timestamptz := date_trunc('milliseconds', clock_timestamp());
BEGIN
    PERFORM pg_advisory_xact_lock(x'7061636b69640002'::bigint);
    SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
    last_seq := coalesce(last_seq, 0) + 1;
    last_hash := coalesce(last_hash, repeat('0', 64));
    INSERT INTO audit_log (seq, at, org_id, key_id, tenant_id, action, subject, details,
                           prev_hash, hash)
    VALUES (last_seq, new_at, p_org, p_key, p_tenant, p_action, p_subject,
            coalesce(p_details, '{}'), last_hash,
            encode(sha256(convert_to(audit_canonical(last_seq, new_at, p_org, p_key, p_tenant,
                   p_action, p_subject, coalesce(p_details, '{}'), last_hash), 'UTF8')), 'hex'));
    RETURN last_seq;
END $$;

-- Append-only: the application never updates or deletes audit rows. (A superuser can still
-- disable this trigger; the hash chain is what makes such tampering visible.)
CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();
