-- orderkit schema v9 for MySQL 8 and MariaDB 10.6+: held vs committed.
-- Applies on top of the earlier versions, which are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- stock_level.committed: the part of reserved committed by COMMITTED reservations (held =
-- reserved - committed), kept by every transition in the transaction of its state change. Levels
-- written before v9 are backfilled from the lines of their COMMITTED reservations.
-- stock_write.committed: the committed units of the level a recorded adjust / setOnHand produced
-- (0 for writes recorded before v9).
-- MySQL 8 has no ADD COLUMN IF NOT EXISTS: each column is added only when information_schema does
-- not list it, so a run whose history row was not written completes it.
SET @orderkit_v9 = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE ${prefix}stock_level ADD COLUMN committed BIGINT NOT NULL DEFAULT 0',
    'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = '${prefix}stock_level' AND column_name = 'committed');
PREPARE orderkit_v9 FROM @orderkit_v9;
EXECUTE orderkit_v9;
DEALLOCATE PREPARE orderkit_v9;
SET @orderkit_v9 = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE ${prefix}stock_write ADD COLUMN committed BIGINT NOT NULL DEFAULT 0',
    'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = '${prefix}stock_write' AND column_name = 'committed');
PREPARE orderkit_v9 FROM @orderkit_v9;
EXECUTE orderkit_v9;
DEALLOCATE PREPARE orderkit_v9;
UPDATE ${prefix}stock_level s SET committed = (SELECT COALESCE(SUM(l.quantity), 0) FROM ${prefix}reservation_line l JOIN ${prefix}reservation r ON r.id = l.reservation_id WHERE r.state = 'COMMITTED' AND l.sku = s.sku AND l.location = s.location);
-- Stock policies (StockPolicy): policy_kind NONE / BACKORDER / PREORDER, policy_limit the units
-- that may be reserved beyond on-hand, policy_until (BIGINT nanoseconds since the epoch) the
-- exclusive end of that allowance (the maximum for a backorder). A reserve admits a line when
-- on_hand - reserved + (CASE WHEN policy_until > now THEN policy_limit ELSE 0 END) >= quantity.
-- stock_write rows of a setPolicy: kind P_<policy kind>, amount = limit, expected_version = until.
SET @orderkit_v9 = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE ${prefix}stock_level ADD COLUMN policy_kind VARCHAR(16) NOT NULL DEFAULT ''NONE'', ADD COLUMN policy_limit BIGINT NOT NULL DEFAULT 0, ADD COLUMN policy_until BIGINT NOT NULL DEFAULT 0',
    'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = '${prefix}stock_level' AND column_name = 'policy_kind');
PREPARE orderkit_v9 FROM @orderkit_v9;
EXECUTE orderkit_v9;
DEALLOCATE PREPARE orderkit_v9;
-- V1's unnamed CHECK (reserved >= 0 AND reserved <= on_hand) is dropped by the installer after this
-- script (SchemaInstaller: MariaDB named it CONSTRAINT_1, MySQL <table>_chk_1); this named one
-- replaces it (added only when information_schema does not list it).
SET @orderkit_v9 = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE ${prefix}stock_level ADD CONSTRAINT ${prefix}stock_level_v9 CHECK (on_hand >= 0 AND reserved >= 0 AND committed >= 0 AND committed <= reserved)',
    'DO 0')
    FROM information_schema.table_constraints
    WHERE table_schema = DATABASE() AND table_name = '${prefix}stock_level' AND constraint_name = '${prefix}stock_level_v9');
PREPARE orderkit_v9 FROM @orderkit_v9;
EXECUTE orderkit_v9;
DEALLOCATE PREPARE orderkit_v9;
