-- Carriers in bulk (docs/carrier.md "Batches"): saved designs, batches of 1..1000 items
-- rendered by a background job, and the carriers they produce, each with its design so it
-- renders the same later.

-- A saved design; its id given to a batch overrides the batch's inline design.
CREATE TABLE carrier_template (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organization (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    ec           char(1) NOT NULL CHECK (ec IN ('L', 'M', 'Q', 'H')),
    fg           char(7) NOT NULL CHECK (fg ~ '^#[0-9a-f]{6}$'),
    bg           char(7) NOT NULL CHECK (bg ~ '^#[0-9a-f]{6}$'),
    quiet_zone   smallint CHECK (quiet_zone BETWEEN 0 AND 32),   -- NULL: the symbology's minimum
    module_px    smallint NOT NULL CHECK (module_px BETWEEN 1 AND 64),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX carrier_template_org ON carrier_template (org_id, created_at);

-- One batch: who asked (the job renders with that organization's visibility), the symbology
-- and the design, and the progress counters the job advances.
CREATE TABLE carrier_batch (
    id               uuid PRIMARY KEY,
    job_id           uuid NOT NULL REFERENCES job (id),
    org_id           uuid NOT NULL REFERENCES organization (id),
    org_kind         text NOT NULL,
    role             smallint NOT NULL,
    key_id           uuid,
    symbology        text NOT NULL CHECK (symbology IN ('datamatrix', 'qr')),
    template_id      uuid REFERENCES carrier_template (id),
    ec               char(1) NOT NULL CHECK (ec IN ('L', 'M', 'Q', 'H')),
    fg               char(7) NOT NULL CHECK (fg ~ '^#[0-9a-f]{6}$'),
    bg               char(7) NOT NULL CHECK (bg ~ '^#[0-9a-f]{6}$'),
    quiet_zone       smallint CHECK (quiet_zone BETWEEN 0 AND 32),
    module_px        smallint NOT NULL CHECK (module_px BETWEEN 1 AND 64),
    status           text NOT NULL DEFAULT 'processing'
                         CHECK (status IN ('processing', 'completed', 'failed')),
    total_count      integer NOT NULL CHECK (total_count BETWEEN 1 AND 1000),
    completed_count  integer NOT NULL DEFAULT 0,
    error_count      integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX carrier_batch_job ON carrier_batch (job_id);

-- One item as asked (a pack, or a Digital Link target) and its outcome: a carrier, or an
-- error. Neither yet: not processed.
CREATE TABLE carrier_batch_item (
    batch_id       uuid NOT NULL REFERENCES carrier_batch (id) ON DELETE CASCADE,
    idx            integer NOT NULL CHECK (idx BETWEEN 0 AND 999),
    gtin           text,
    serial         text,
    target         text,
    carrier_id     uuid,
    error_code     text,
    error_message  text,
    PRIMARY KEY (batch_id, idx),
    CHECK ((target IS NULL) <> (gtin IS NULL AND serial IS NULL))
);

-- A rendered carrier: the exact data encoded and the design, so the same symbol is rendered
-- again on every request.
CREATE TABLE carrier (
    id          uuid PRIMARY KEY,
    batch_id    uuid NOT NULL REFERENCES carrier_batch (id) ON DELETE CASCADE,
    idx         integer NOT NULL,
    org_id      uuid NOT NULL REFERENCES organization (id),
    symbology   text NOT NULL CHECK (symbology IN ('datamatrix', 'qr')),
    data        text NOT NULL CHECK (length(data) BETWEEN 1 AND 3116),
    gtin        char(14),
    serial      text,
    ec          char(1) NOT NULL CHECK (ec IN ('L', 'M', 'Q', 'H')),
    fg          char(7) NOT NULL,
    bg          char(7) NOT NULL,
    quiet_zone  smallint CHECK (quiet_zone BETWEEN 0 AND 32),
    module_px   smallint NOT NULL CHECK (module_px BETWEEN 1 AND 64),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (batch_id, idx)
);
