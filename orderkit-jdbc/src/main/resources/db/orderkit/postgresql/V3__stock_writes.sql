-- orderkit schema v3 for PostgreSQL 15+: stock writes are idempotent on their reference.
-- Applies on top of v2; v1 and v2 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- stock_write: one row per applied StockStorage.adjust / setOnHand, inserted in the transaction
-- of the change it records, so a retry after a lost acknowledgement finds it and applies nothing.
--   kind:             ADJUST or SET_ON_HAND
--   amount:           the delta of an adjust, the new on-hand of a set
--   expected_version: the expected version of a set (-1: create), 0 for an adjust
--   on_hand, reserved, version, at: the level the first application produced (at = its updated_at,
--   BIGINT nanoseconds since the epoch)
CREATE TABLE IF NOT EXISTS ${prefix}stock_write (
    sku              VARCHAR(128) NOT NULL,
    location         VARCHAR(128) NOT NULL,
    reference        VARCHAR(255) NOT NULL,
    kind             VARCHAR(16)  NOT NULL,
    amount           BIGINT       NOT NULL,
    expected_version BIGINT       NOT NULL,
    on_hand          BIGINT       NOT NULL,
    reserved         BIGINT       NOT NULL,
    version          BIGINT       NOT NULL,
    at               BIGINT       NOT NULL,
    PRIMARY KEY (sku, location, reference)
);
-- OrderStore.findByKey: the order placed with an idempotency key
CREATE INDEX IF NOT EXISTS ${prefix}orders_key ON ${prefix}orders (scope, idem_key);
