-- orderkit schema v5 for PostgreSQL 15+: the index of holds by SKU and expiry.
-- Applies on top of v4; v1 to v4 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- reservation_line.held_until: the reservation's expiry while it is HELD, NULL once it left HELD
-- (written in the same statement or transaction as the reservation's state). A shortage on the
-- reserve path finds the due holds of the SKUs it needs with a range scan of this (partial) index,
-- however many holds of other SKUs are due; terminal lines are not in the index.
ALTER TABLE ${prefix}reservation_line ADD COLUMN IF NOT EXISTS held_until BIGINT;
UPDATE ${prefix}reservation_line l SET held_until = r.expires_at FROM ${prefix}reservation r
    WHERE r.id = l.reservation_id AND r.state = 'HELD' AND l.held_until IS NULL;
CREATE INDEX IF NOT EXISTS ${prefix}reservation_line_due ON ${prefix}reservation_line (sku, held_until)
    WHERE held_until IS NOT NULL;
