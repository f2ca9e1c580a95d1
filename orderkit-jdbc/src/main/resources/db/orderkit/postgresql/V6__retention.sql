-- orderkit schema v6: indexes of the retention purge (OrderKit#purge). Applies on top of v5; v1 to v5
-- are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- reservation_done: terminal reservations (RELEASED / EXPIRED / FULFILLED) by their last change
CREATE INDEX IF NOT EXISTS ${prefix}reservation_done ON ${prefix}reservation (state, updated_at);
-- movement_at: movements old enough to be folded into their level's snapshot (covering the candidate search)
CREATE INDEX IF NOT EXISTS ${prefix}movement_at ON ${prefix}movement (at, sku, location);
-- outbox_sent: published events by their send time
CREATE INDEX IF NOT EXISTS ${prefix}outbox_sent ON ${prefix}outbox (status, sent_at)
