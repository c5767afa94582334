-- Print: manifests (exports) behind signed links, print jobs and their serials, and the
-- server secret that signs links (issue 7, docs/print.md).

-- Secrets the server generates once and shares between every packid process on this
-- database (so a link minted by one process verifies on another and after a restart).
-- PACKID_LINK_SECRET, when set, takes precedence over the stored 'link' secret.
CREATE TABLE server_secret (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z_]{1,32}$'),
    secret      bytea NOT NULL CHECK (length(secret) >= 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One print manifest: the serials of an allocation, or of a commissioned batch, frozen by the
-- export job into export_item (so the file has exactly `count` rows whatever happens to the
-- pool afterwards), rendered at download time.
CREATE TABLE export (
    id             uuid PRIMARY KEY,
    job_id         uuid NOT NULL REFERENCES job (id),
    org_id         uuid NOT NULL REFERENCES organization (id),   -- who asked (reads it)
    key_id         uuid,                                         -- the key that asked
    tenant_id      uuid NOT NULL REFERENCES organization (id),   -- the product's MAH
    gtin           char(14) NOT NULL REFERENCES product (gtin),
    allocation_id  uuid REFERENCES allocation (id),
    batch          text CHECK (length(batch) BETWEEN 1 AND 20),
    -- A CMO exporting a batch gets only the packs it commissioned (DESIGN.md).
    scope_org      uuid REFERENCES organization (id),
    format         text NOT NULL CHECK (format IN ('csv', 'jsonl')),
    -- How the element string shows the FNC1 separator: the six characters \u001d, or <GS>.
    gs_style       text NOT NULL CHECK (gs_style IN ('escape', 'tag')),
    status         text NOT NULL DEFAULT 'queued'
                       CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    count          bigint,
    filename       text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    CHECK ((allocation_id IS NULL) <> (batch IS NULL))
);
CREATE INDEX export_job ON export (job_id);
CREATE INDEX export_org ON export (org_id, created_at);

-- The frozen selection of an export, in file order (n = 1..count): the download reads it in
-- keyset pages (n > last) joined to serial by its primary key.
CREATE TABLE export_item (
    export_id  uuid NOT NULL REFERENCES export (id) ON DELETE CASCADE,
    n          integer NOT NULL,
    serial     text NOT NULL,
    PRIMARY KEY (export_id, n)
);

-- One print job: who (organization, key, operator name), when, on which line, which serials.
CREATE TABLE print_job (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organization (id),
    key_id      uuid,
    tenant_id   uuid NOT NULL REFERENCES organization (id),      -- the product's MAH
    gtin        char(14) NOT NULL REFERENCES product (gtin),
    line        text NOT NULL CHECK (length(line) BETWEEN 1 AND 64),
    operator    text NOT NULL CHECK (length(operator) BETWEEN 1 AND 100),
    reprint     boolean NOT NULL DEFAULT false,
    reason      text CHECK (length(reason) <= 200),              -- why a reprint (damaged …)
    batch       text CHECK (length(batch) BETWEEN 1 AND 20),     -- printed batch, if given
    expiry      char(6),
    count       integer NOT NULL CHECK (count BETWEEN 1 AND 100000),
    created_at  timestamptz NOT NULL
);
CREATE INDEX print_job_tenant ON print_job (tenant_id, created_at, id);
CREATE INDEX print_job_org ON print_job (org_id, created_at, id);
CREATE INDEX print_job_gtin ON print_job (gtin, created_at, id);

-- Which serial was printed in which job. The partial unique index is the final guard of the
-- print rule: a serial has at most one first (non-reprint) print, even when two jobs race
-- (the loser's INSERT fails with 23505 and its job rolls back). Reprints add rows freely.
CREATE TABLE print_job_serial (
    gtin          char(14) NOT NULL,
    serial        text NOT NULL,
    print_job_id  uuid NOT NULL REFERENCES print_job (id),
    reprint       boolean NOT NULL,
    PRIMARY KEY (gtin, serial, print_job_id)
);
CREATE UNIQUE INDEX print_job_serial_first ON print_job_serial (gtin, serial) WHERE NOT reprint;
CREATE INDEX print_job_serial_job ON print_job_serial (print_job_id, serial);
