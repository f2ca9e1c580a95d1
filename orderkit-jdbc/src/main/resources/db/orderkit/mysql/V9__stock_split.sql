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
