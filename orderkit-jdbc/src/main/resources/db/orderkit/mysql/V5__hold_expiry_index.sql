-- orderkit schema v5 for MySQL 8 and MariaDB 10.6+: the index of holds by SKU and expiry.
-- Applies on top of v4; v1 to v4 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- reservation_line.held_until: the reservation's expiry while it is HELD, NULL once it left HELD
-- (written in the same statement or transaction as the reservation's state). A shortage on the
-- reserve path finds the due holds of the SKUs it needs with a range scan of this index, however
-- many holds of other SKUs are due.
-- MySQL 8 has no ADD COLUMN IF NOT EXISTS: the column and its index are added in one ALTER (atomic)
-- only when information_schema does not list the column, so a run whose history row was not
-- written completes it.
SET @orderkit_v5 = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE ${prefix}reservation_line ADD COLUMN held_until BIGINT NULL, ADD KEY ${prefix}reservation_line_due (sku, held_until)',
    'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = '${prefix}reservation_line' AND column_name = 'held_until');
PREPARE orderkit_v5 FROM @orderkit_v5;
EXECUTE orderkit_v5;
DEALLOCATE PREPARE orderkit_v5;
UPDATE ${prefix}reservation_line l JOIN ${prefix}reservation r ON r.id = l.reservation_id
    SET l.held_until = r.expires_at WHERE r.state = 'HELD' AND l.held_until IS NULL;
