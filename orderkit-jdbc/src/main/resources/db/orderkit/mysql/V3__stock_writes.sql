-- orderkit schema v3 for MySQL 8 and MariaDB 10.6+: stock writes are idempotent on their reference.
-- Applies on top of v2; v1 and v2 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- stock_write: one row per applied StockStorage.adjust / setOnHand, inserted in the transaction
-- of the change it records, so a retry after a lost acknowledgement finds it and applies nothing.
--   reference:        VARBINARY (byte-exact: 'Ref' and 'ref ' are different operations);
--                     1020 bytes = 255 characters of UTF-8
--   kind:             ADJUST or SET_ON_HAND
--   amount:           the delta of an adjust, the new on-hand of a set
--   expected_version: the expected version of a set (-1: create), 0 for an adjust
--   on_hand, reserved, version, at: the level the first application produced (at = its updated_at,
--   BIGINT nanoseconds since the epoch)
CREATE TABLE IF NOT EXISTS ${prefix}stock_write (
    sku              VARBINARY(512)  NOT NULL,
    location         VARBINARY(512)  NOT NULL,
    reference        VARBINARY(1020) NOT NULL,
    kind             VARCHAR(16)     NOT NULL,
    amount           BIGINT          NOT NULL,
    expected_version BIGINT          NOT NULL,
    on_hand          BIGINT          NOT NULL,
    reserved         BIGINT          NOT NULL,
    version          BIGINT          NOT NULL,
    at               BIGINT          NOT NULL,
    PRIMARY KEY (sku, location, reference)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
-- OrderStore.findByKey: the order placed with an idempotency key. MySQL 8 has no
-- CREATE INDEX IF NOT EXISTS and the orders table exists already, so the index is created only
-- when information_schema does not list it (a half-applied run is completed by the next one).
SET @orderkit_v3 = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX ${prefix}orders_key ON ${prefix}orders (scope, idem_key)', 'DO 0')
    FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = '${prefix}orders' AND index_name = '${prefix}orders_key');
PREPARE orderkit_v3 FROM @orderkit_v3;
EXECUTE orderkit_v3;
DEALLOCATE PREPARE orderkit_v3;
