-- Console sessions (docs/console.md): a browser signs in with an API key once and then holds
-- only a random session token in an HttpOnly cookie. Like api_key, only the SHA-256 of the
-- token is stored, so a database dump reveals no usable session. A session acts as its key:
-- revoking the key ends every session made with it.
CREATE TABLE console_session (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    key_id        uuid NOT NULL REFERENCES api_key (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    -- the absolute end; the idle end is last_seen_at + idle_seconds
    expires_at    timestamptz NOT NULL,
    idle_seconds  integer NOT NULL CHECK (idle_seconds > 0),
    revoked_at    timestamptz
);
CREATE INDEX console_session_key ON console_session (key_id);
-- Sign-ins remove sessions that ended more than a week ago (store/session_store.c).
CREATE INDEX console_session_expires ON console_session (expires_at);
