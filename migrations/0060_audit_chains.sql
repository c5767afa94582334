-- The audit trail without a global lock (docs/audit.md): one hash chain per tenant instead of
-- one chain for every tenant, so a MAH's writes never wait for another MAH's commit.
--
-- An entry of the new form names its chain (the tenant, or the nil uuid for the operator's own
-- entries), its position in that chain (chain_seq, 1, 2, 3, ...) and the global seq of the
-- chain's entry before it (prev_seq, 0 for the first): a deleted entry leaves a link pointing
-- at a missing seq. seq still orders every entry of every chain but is drawn from a sequence,
-- so it may have gaps (a rolled-back transaction). Each entry is sealed with an HMAC under a
-- key derived from packid's audit signing key (mac, mac_key), which the database never holds:
-- a row inserted by someone with database access carries no valid seal.
--
-- Entries written before this migration (chain IS NULL) keep their single global chain and
-- verify as before.
ALTER TABLE audit_log
    ADD COLUMN chain     uuid,
    ADD COLUMN chain_seq bigint,
    ADD COLUMN prev_seq  bigint,
    ADD COLUMN mac       text,
    ADD COLUMN mac_key   text;

-- A chain's entries in order: the checkpoint worker reads only what is new since the last
-- checkpoint of a chain, and verifies it before it signs.
CREATE INDEX audit_log_chain ON audit_log (chain, seq);

CREATE SEQUENCE audit_log_seq;
SELECT setval('audit_log_seq', coalesce((SELECT max(seq) FROM audit_log), 0) + 1, false);

-- The head of each chain: the one row an append locks (until its transaction ends), so two
-- appends wait on each other only when they extend the same tenant's chain. A convenience for
-- appending, never trusted by the verifier (which recomputes heads from the rows and checks
-- them against the signed checkpoints).
CREATE TABLE audit_head (
    chain      uuid PRIMARY KEY,
    chain_seq  bigint NOT NULL DEFAULT 0,
    last_seq   bigint NOT NULL DEFAULT 0,
    last_hash  text NOT NULL DEFAULT repeat('0', 64)
);

-- Signed checkpoints of chain heads: packid's statement "chain C had N entries, the last one
-- seq S with hash H, at time T", signed with Ed25519 by a key outside the database (key_id
-- names it). Made periodically by a worker and on demand (`packid audit checkpoint`).
CREATE TABLE audit_checkpoint (
    id         bigserial PRIMARY KEY,
    chain      uuid NOT NULL,
    chain_seq  bigint NOT NULL,
    seq        bigint NOT NULL,
    head       text NOT NULL,
    at         timestamptz NOT NULL,
    key_id     text NOT NULL,
    signature  text NOT NULL
);
CREATE INDEX audit_checkpoint_chain ON audit_checkpoint (chain, id);

CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE OR DELETE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();

-- The global-lock append of migration 0001 is retired: appending is store/audit.c's two
-- statements, because the seal is computed by packid, outside the database. A caller left
-- behind fails loudly instead of writing an unsealed entry into the old chain.
CREATE OR REPLACE FUNCTION audit_append(p_org uuid, p_key uuid, p_tenant uuid, p_action text,
                                        p_subject text, p_details jsonb)
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_append is retired: packid appends and seals entries itself';
END $$;
