-- Repair: versioned product master data, and the webhook of a MAH with its own outbox
-- (docs/api.md "Webhook", docs/webhooks.md).

-- The version of a product's master data (name, master_data, nhrn): 1 at creation, + 1 on
-- each change (PATCH /v1/products/{gtin}). A report records the version it was built from, so
-- a regulator's copy can be traced to the master data it carried.
ALTER TABLE product
    ADD COLUMN master_version integer NOT NULL DEFAULT 1 CHECK (master_version >= 1);

-- A MAH's one webhook. The secret is stored as given because every delivery is signed with it
-- (as regulator endpoints' hmac_secret, migration 0005); never returned, never logged.
CREATE TABLE webhook (
    tenant_id   uuid PRIMARY KEY REFERENCES organization (id),
    url         text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    secret      text NOT NULL CHECK (length(secret) BETWEEN 16 AND 1024),
    events      text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One event for one tenant's webhook: the outbox row of its delivery. The body is fixed when
-- the event is enqueued, so every retry sends the same bytes with the same id.
--   queued   -> sending (claimed: attempts + 1, leased until next_attempt_at)
--   sending  -> delivered (2xx) | queued (retry at next_attempt_at) | dead (the last attempt
--               of PACKID_DELIVERY_MAX_ATTEMPTS, as reports, or the webhook was removed)
--   sending  -> sending (lease expired after a crash: claimed again, same body)
CREATE TABLE webhook_delivery (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES organization (id),
    event            text NOT NULL CHECK (event ~ '^[a-z][a-z0-9_.]{0,63}$'),
    body             text NOT NULL,
    state            text NOT NULL DEFAULT 'queued'
                         CHECK (state IN ('queued', 'sending', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,     -- the limit: PACKID_DELIVERY_MAX_ATTEMPTS
    last_error       text,
    last_http_status integer,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at)
    WHERE state IN ('queued', 'sending');
CREATE INDEX webhook_delivery_tenant ON webhook_delivery (tenant_id, created_at, id);

CREATE TABLE webhook_attempt (
    delivery_id  uuid NOT NULL REFERENCES webhook_delivery (id),
    n            integer NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    http_status  integer,
    outcome      text CHECK (outcome IN ('delivered', 'retry', 'dead')),
    error        text,
    PRIMARY KEY (delivery_id, n)
);

-- The lists (GET /v1/allocations, /v1/jobs, /v1/exports, /v1/commissions, /v1/releases) page
-- on (created_at, id), newest first, per tenant or per acting organization.
CREATE INDEX job_tenant_page ON job (tenant_id, created_at, id);
CREATE INDEX job_org_page ON job (org_id, created_at, id);
CREATE INDEX commission_tenant_page ON commission (tenant_id, created_at, id);
CREATE INDEX commission_org_page ON commission (org_id, created_at, id);
CREATE INDEX market_release_tenant_page ON market_release (tenant_id, created_at, id);
CREATE INDEX export_tenant_page ON export (tenant_id, created_at, id);
