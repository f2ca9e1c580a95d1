-- orderkit schema v4 for H2 2.x: the idempotency claim table moved into core.
-- Applies on top of v3; v1 to v3 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- Core (spi.ClaimTable) now decides every claim answer; the store only reads a row, inserts it if
-- absent and replaces it by compare-and-set on its version. New columns of idempotency:
--   claimant: the id of the claim call holding (or last holding) the lease; '' for rows written
--             before v4 (no call matches it)
--   resumed:  whether the current (or last) lease took over an earlier one
--   version:  changes with every write and never repeats for a key (the compare-and-set guard);
--             rows written before v4 start at their token
ALTER TABLE ${prefix}idempotency ADD COLUMN IF NOT EXISTS claimant VARCHAR(255) DEFAULT '' NOT NULL;
ALTER TABLE ${prefix}idempotency ADD COLUMN IF NOT EXISTS resumed BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE ${prefix}idempotency ADD COLUMN IF NOT EXISTS version BIGINT DEFAULT 0 NOT NULL;
UPDATE ${prefix}idempotency SET version = token WHERE version < token;
