-- orderkit schema v9 for H2 2.x: held vs committed.
-- Applies on top of the earlier versions, which are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- stock_level.committed: the part of reserved committed by COMMITTED reservations (held =
-- reserved - committed), kept by every transition in the transaction of its state change. Levels
-- written before v9 are backfilled from the lines of their COMMITTED reservations.
-- stock_write.committed: the committed units of the level a recorded adjust / setOnHand produced
-- (0 for writes recorded before v9).
ALTER TABLE ${prefix}stock_level ADD COLUMN IF NOT EXISTS committed BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE ${prefix}stock_write ADD COLUMN IF NOT EXISTS committed BIGINT DEFAULT 0 NOT NULL;
UPDATE ${prefix}stock_level SET committed = (SELECT COALESCE(SUM(l.quantity), 0) FROM ${prefix}reservation_line l JOIN ${prefix}reservation r ON r.id = l.reservation_id WHERE r.state = 'COMMITTED' AND l.sku = ${prefix}stock_level.sku AND l.location = ${prefix}stock_level.location);
