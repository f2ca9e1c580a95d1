-- orderkit schema v6 for MySQL 8 and MariaDB 10.6+: indexes of the retention purge
-- (OrderKit#purge). Applies on top of v5; v1 to v5 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- MySQL 8 has no CREATE INDEX IF NOT EXISTS: each index is created only when information_schema
-- does not list it (a half-applied run is completed by the next one).
-- reservation_done: terminal reservations (RELEASED / EXPIRED / FULFILLED) by their last change
SET @orderkit_v6 = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX ${prefix}reservation_done ON ${prefix}reservation (state, updated_at)', 'DO 0')
    FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = '${prefix}reservation' AND index_name = '${prefix}reservation_done');
PREPARE orderkit_v6 FROM @orderkit_v6;
EXECUTE orderkit_v6;
DEALLOCATE PREPARE orderkit_v6;
-- movement_at: movements old enough to be folded into their level's snapshot (covering the candidate search)
SET @orderkit_v6 = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX ${prefix}movement_at ON ${prefix}movement (at, sku, location)', 'DO 0')
    FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = '${prefix}movement' AND index_name = '${prefix}movement_at');
PREPARE orderkit_v6 FROM @orderkit_v6;
EXECUTE orderkit_v6;
DEALLOCATE PREPARE orderkit_v6;
-- outbox_sent: published events by their send time
SET @orderkit_v6 = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX ${prefix}outbox_sent ON ${prefix}outbox (status, sent_at)', 'DO 0')
    FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = '${prefix}outbox' AND index_name = '${prefix}outbox_sent');
PREPARE orderkit_v6 FROM @orderkit_v6;
EXECUTE orderkit_v6;
DEALLOCATE PREPARE orderkit_v6
