-- orderkit schema v1 for PostgreSQL 15+.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- Instants are stored as BIGINT nanoseconds since the epoch (saturating), so comparisons are exact.
CREATE TABLE IF NOT EXISTS ${prefix}stock_level (
    sku        VARCHAR(128) NOT NULL,
    location   VARCHAR(128) NOT NULL,
    on_hand    BIGINT       NOT NULL,
    reserved   BIGINT       NOT NULL,
    version    BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL,
    PRIMARY KEY (sku, location),
    CHECK (reserved >= 0 AND reserved <= on_hand)
);
CREATE TABLE IF NOT EXISTS ${prefix}reservation (
    id         VARCHAR(128) NOT NULL PRIMARY KEY,
    state      VARCHAR(16)  NOT NULL,
    expires_at BIGINT       NOT NULL,
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL,
    version    BIGINT       NOT NULL
);
CREATE INDEX IF NOT EXISTS ${prefix}reservation_due ON ${prefix}reservation (state, expires_at);
CREATE TABLE IF NOT EXISTS ${prefix}reservation_line (
    reservation_id VARCHAR(128) NOT NULL,
    line_no        INT          NOT NULL,
    sku            VARCHAR(128) NOT NULL,
    location       VARCHAR(128) NOT NULL,
    quantity       BIGINT       NOT NULL,
    PRIMARY KEY (reservation_id, line_no)
);
CREATE TABLE IF NOT EXISTS ${prefix}movement (
    id             BIGSERIAL    PRIMARY KEY,
    sku            VARCHAR(128) NOT NULL,
    location       VARCHAR(128) NOT NULL,
    on_hand_delta  BIGINT       NOT NULL,
    reserved_delta BIGINT       NOT NULL,
    reason         VARCHAR(16)  NOT NULL,
    reference      VARCHAR(255),
    at             BIGINT       NOT NULL
);
CREATE INDEX IF NOT EXISTS ${prefix}movement_key ON ${prefix}movement (sku, location, id);
CREATE TABLE IF NOT EXISTS ${prefix}idempotency (
    scope        VARCHAR(128) NOT NULL,
    idem_key     VARCHAR(255) NOT NULL,
    fingerprint  VARCHAR(128) NOT NULL,
    resource_id  VARCHAR(255) NOT NULL,
    token        BIGINT       NOT NULL,
    lease_until  BIGINT       NOT NULL,
    completed    BOOLEAN      NOT NULL,
    response     TEXT,
    retain_until BIGINT,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX IF NOT EXISTS ${prefix}idempotency_retain ON ${prefix}idempotency (completed, retain_until);
CREATE TABLE IF NOT EXISTS ${prefix}orders (
    id         VARCHAR(128) NOT NULL PRIMARY KEY,
    scope      VARCHAR(128) NOT NULL,
    idem_key   VARCHAR(255) NOT NULL,
    status     VARCHAR(32)  NOT NULL,
    version    BIGINT       NOT NULL,
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL,
    body       TEXT         NOT NULL
);
CREATE INDEX IF NOT EXISTS ${prefix}orders_stale ON ${prefix}orders (status, updated_at);
CREATE TABLE IF NOT EXISTS ${prefix}outbox (
    id              BIGSERIAL    PRIMARY KEY,
    event_id        VARCHAR(512) NOT NULL,
    event_type      VARCHAR(64)  NOT NULL,
    subject_id      VARCHAR(128) NOT NULL,
    payload         TEXT         NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    attempts        INT          NOT NULL,
    next_attempt_at BIGINT       NOT NULL,
    claim_token     VARCHAR(64),
    claimed_until   BIGINT,
    created_at      BIGINT       NOT NULL,
    sent_at         BIGINT,
    last_error      VARCHAR(1000)
);
CREATE INDEX IF NOT EXISTS ${prefix}outbox_pending ON ${prefix}outbox (status, next_attempt_at, id)
