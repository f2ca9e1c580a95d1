-- orderkit schema v7 for PostgreSQL 15+: the recovery sweep's due index.
-- Applies on top of v6; v1 to v6 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- orders.next_attempt_at: Order.recovery().nextAttemptAt() (BIGINT nanoseconds since the epoch),
-- written with every insert and update; OrderStore.findDue reads the index (status, next_attempt_at,
-- id) in due order. The rest of the recovery bookkeeping (attempts, last error, parked-from status)
-- lives in the JSON body. Rows written before v7 are due at their updated_at (their body has no
-- recovery part, which reads as "no failure, due at updatedAt").
ALTER TABLE ${prefix}orders ADD COLUMN IF NOT EXISTS next_attempt_at BIGINT DEFAULT 0 NOT NULL;
UPDATE ${prefix}orders SET next_attempt_at = updated_at WHERE next_attempt_at = 0;
CREATE INDEX IF NOT EXISTS ${prefix}orders_due ON ${prefix}orders (status, next_attempt_at, id);
