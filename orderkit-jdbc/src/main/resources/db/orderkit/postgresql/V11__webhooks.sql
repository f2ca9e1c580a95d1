-- orderkit schema v11: a durable WebhookStore for orderkit-webhooks (issue 17).
-- Applies on top of v10; earlier versions are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- webhook_subscription: one row per subscription; body is its JSON (scope, URL, event types,
-- signing secrets: readable by whoever reads this table).
CREATE TABLE IF NOT EXISTS ${prefix}webhook_subscription (
    id   VARCHAR(255) PRIMARY KEY,
    body TEXT         NOT NULL
);
-- webhook_delivery: one row per (event, subscription). delivery_key is the SHA-256 (hex) of the
-- delivery id "<event id>@<subscription id>" (up to 1280 characters: too long a key for MySQL),
-- so recording a delivery twice inserts nothing. A sender claims a row with claim_token /
-- claimed_until (a conditional UPDATE); its marks are conditional on the token.
CREATE TABLE IF NOT EXISTS ${prefix}webhook_delivery (
    delivery_key    CHAR(64)      PRIMARY KEY,
    id              VARCHAR(1280) NOT NULL,
    subscription_id VARCHAR(255)  NOT NULL,
    payload         TEXT          NOT NULL,
    status          VARCHAR(16)   NOT NULL,
    attempts        INT           NOT NULL,
    last_error      VARCHAR(1000),
    next_attempt_at BIGINT        NOT NULL,
    claim_token     VARCHAR(64),
    claimed_until   BIGINT,
    created_at      BIGINT        NOT NULL,
    updated_at      BIGINT        NOT NULL
);
-- listing by status oldest first (pending for resumePending, dead letters); retention of delivered rows
CREATE INDEX IF NOT EXISTS ${prefix}webhook_delivery_status ON ${prefix}webhook_delivery (status, created_at);
CREATE INDEX IF NOT EXISTS ${prefix}webhook_delivery_done ON ${prefix}webhook_delivery (status, updated_at)
