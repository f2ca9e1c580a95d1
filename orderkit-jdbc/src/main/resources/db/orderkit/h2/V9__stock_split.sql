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
-- Stock policies (StockPolicy): policy_kind NONE / BACKORDER / PREORDER, policy_limit the units
-- that may be reserved beyond on-hand, policy_until (BIGINT nanoseconds since the epoch) the
-- exclusive end of that allowance (the maximum for a backorder). A reserve admits a line when
-- on_hand - reserved + (CASE WHEN policy_until > now THEN policy_limit ELSE 0 END) >= quantity.
-- stock_write rows of a setPolicy: kind P_<policy kind>, amount = limit, expected_version = until.
ALTER TABLE ${prefix}stock_level ADD COLUMN IF NOT EXISTS policy_kind VARCHAR(16) DEFAULT 'NONE' NOT NULL;
ALTER TABLE ${prefix}stock_level ADD COLUMN IF NOT EXISTS policy_limit BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE ${prefix}stock_level ADD COLUMN IF NOT EXISTS policy_until BIGINT DEFAULT 0 NOT NULL;
-- V1's unnamed CHECK (reserved >= 0 AND reserved <= on_hand) is dropped by the installer after this
-- script (SchemaInstaller: each database named it its own way); this named one replaces it.
ALTER TABLE ${prefix}stock_level DROP CONSTRAINT IF EXISTS ${prefix}stock_level_v9;
ALTER TABLE ${prefix}stock_level ADD CONSTRAINT ${prefix}stock_level_v9 CHECK (on_hand >= 0 AND reserved >= 0 AND committed >= 0 AND committed <= reserved);
