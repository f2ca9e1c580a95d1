-- orderkit schema v4 for MySQL 8 and MariaDB 10.6+: the idempotency claim table moved into core.
-- Applies on top of v3; v1 to v3 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- Core (spi.ClaimTable) now decides every claim answer; the store only reads a row, inserts it if
-- absent and replaces it by compare-and-set on its version. New columns of idempotency:
--   claimant: the id of the claim call holding (or last holding) the lease; '' for rows written
--             before v4 (no call matches it). VARBINARY like resource_id (byte-exact)
--   resumed:  whether the current (or last) lease took over an earlier one
--   version:  changes with every write and never repeats for a key (the compare-and-set guard);
--             rows written before v4 start at their token
-- MySQL 8 has no ADD COLUMN IF NOT EXISTS: the columns are added in one ALTER (atomic) only when
-- information_schema does not list them, so a run whose history row was not written completes it.
SET @orderkit_v4 = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE ${prefix}idempotency ADD COLUMN claimant VARBINARY(1020) NOT NULL DEFAULT '''', ADD COLUMN resumed BOOLEAN NOT NULL DEFAULT FALSE, ADD COLUMN version BIGINT NOT NULL DEFAULT 0',
    'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = '${prefix}idempotency' AND column_name = 'version');
PREPARE orderkit_v4 FROM @orderkit_v4;
EXECUTE orderkit_v4;
DEALLOCATE PREPARE orderkit_v4;
UPDATE ${prefix}idempotency SET version = token WHERE version < token;
