-- orderkit schema v2 for PostgreSQL 15+: the message inbox (InboxStore) that de-duplicates webhook
-- deliveries across instances. Applies on top of v1; v1 is never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- lease_until: BIGINT nanoseconds since the epoch, the minimum BIGINT once released or completed.
-- completed_at: NULL while not processed, else the completion time (purge compares it).
CREATE TABLE IF NOT EXISTS ${prefix}inbox (
    message_id   VARCHAR(255) NOT NULL PRIMARY KEY,
    lease_until  BIGINT       NOT NULL,
    completed_at BIGINT
);
CREATE INDEX IF NOT EXISTS ${prefix}inbox_completed ON ${prefix}inbox (completed_at);
