-- orderkit schema v7 for MySQL 8 and MariaDB 10.6+: the recovery sweep's due index.
-- Applies on top of v6; v1 to v6 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- orders.next_attempt_at: Order.recovery().nextAttemptAt() (BIGINT nanoseconds since the epoch),
-- written with every insert and update; OrderStore.findDue reads the index (status, next_attempt_at,
-- id) in due order. The rest of the recovery bookkeeping (attempts, last error, parked-from status)
-- lives in the JSON body. Rows written before v7 are due at their updated_at (their body has no
-- recovery part, which reads as "no failure, due at updatedAt").
-- MySQL 8 has no ADD COLUMN IF NOT EXISTS: the column and its index are added in one ALTER (atomic)
-- only when information_schema does not list the column, so a run whose history row was not
-- written completes it.
SET @orderkit_v7 = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE ${prefix}orders ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0, ADD INDEX ${prefix}orders_due (status, next_attempt_at, id)',
    'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = '${prefix}orders' AND column_name = 'next_attempt_at');
PREPARE orderkit_v7 FROM @orderkit_v7;
EXECUTE orderkit_v7;
DEALLOCATE PREPARE orderkit_v7;
UPDATE ${prefix}orders SET next_attempt_at = updated_at WHERE next_attempt_at = 0;
