-- orderkit schema v1 for MySQL 8 and MariaDB 10.6+ (InnoDB, utf8mb4).
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- Identifiers (SKU, location, ids, scope, keys) are VARBINARY: byte-exact comparison, no
-- case folding and no PAD SPACE ('a' and 'a ' stay different keys) on both MySQL and MariaDB.
-- Instants are stored as BIGINT nanoseconds since the epoch (saturating), so comparisons are exact.
-- Indexes are declared inline: MySQL 8 has no CREATE INDEX IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS ${prefix}stock_level (
    sku        VARBINARY(512) NOT NULL,
    location   VARBINARY(512) NOT NULL,
    on_hand    BIGINT         NOT NULL,
    reserved   BIGINT         NOT NULL,
    version    BIGINT         NOT NULL,
    updated_at BIGINT         NOT NULL,
    PRIMARY KEY (sku, location),
    CHECK (reserved >= 0 AND reserved <= on_hand)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS ${prefix}reservation (
    id         VARBINARY(512) NOT NULL PRIMARY KEY,
    state      VARCHAR(16)    NOT NULL,
    expires_at BIGINT         NOT NULL,
    created_at BIGINT         NOT NULL,
    updated_at BIGINT         NOT NULL,
    version    BIGINT         NOT NULL,
    KEY ${prefix}reservation_due (state, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS ${prefix}reservation_line (
    reservation_id VARBINARY(512) NOT NULL,
    line_no        INT            NOT NULL,
    sku            VARBINARY(512) NOT NULL,
    location       VARBINARY(512) NOT NULL,
    quantity       BIGINT         NOT NULL,
    PRIMARY KEY (reservation_id, line_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS ${prefix}movement (
    id             BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    sku            VARBINARY(512) NOT NULL,
    location       VARBINARY(512) NOT NULL,
    on_hand_delta  BIGINT         NOT NULL,
    reserved_delta BIGINT         NOT NULL,
    reason         VARCHAR(16)    NOT NULL,
    reference      VARCHAR(255),
    at             BIGINT         NOT NULL,
    KEY ${prefix}movement_key (sku, location, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS ${prefix}idempotency (
    scope        VARBINARY(512) NOT NULL,
    idem_key     VARBINARY(255) NOT NULL,
    fingerprint  VARCHAR(128)   NOT NULL,
    resource_id  VARBINARY(1020) NOT NULL,
    token        BIGINT         NOT NULL,
    lease_until  BIGINT         NOT NULL,
    completed    BOOLEAN        NOT NULL,
    response     MEDIUMTEXT,
    retain_until BIGINT,
    PRIMARY KEY (scope, idem_key),
    KEY ${prefix}idempotency_retain (completed, retain_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS ${prefix}orders (
    id         VARBINARY(512) NOT NULL PRIMARY KEY,
    scope      VARBINARY(512) NOT NULL,
    idem_key   VARBINARY(255) NOT NULL,
    status     VARCHAR(32)    NOT NULL,
    version    BIGINT         NOT NULL,
    created_at BIGINT         NOT NULL,
    updated_at BIGINT         NOT NULL,
    body       MEDIUMTEXT     NOT NULL,
    KEY ${prefix}orders_stale (status, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS ${prefix}outbox (
    id              BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id        VARCHAR(512)   NOT NULL,
    event_type      VARCHAR(64)    NOT NULL,
    subject_id      VARBINARY(512) NOT NULL,
    payload         MEDIUMTEXT     NOT NULL,
    status          VARCHAR(16)    NOT NULL,
    attempts        INT            NOT NULL,
    next_attempt_at BIGINT         NOT NULL,
    claim_token     VARCHAR(64),
    claimed_until   BIGINT,
    created_at      BIGINT         NOT NULL,
    sent_at         BIGINT,
    last_error      VARCHAR(1000),
    KEY ${prefix}outbox_pending (status, next_attempt_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
