-- orderkit schema v2 for MySQL 8 and MariaDB 10.6+: the message inbox (InboxStore) that
-- de-duplicates webhook deliveries across instances. Applies on top of v1; v1 is never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- message_id is VARBINARY (byte-exact; 1020 bytes = 255 characters of UTF-8).
-- lease_until: BIGINT nanoseconds since the epoch, the minimum BIGINT once released or completed.
-- completed_at: NULL while not processed, else the completion time (purge compares it).
-- The index is declared inline: MySQL 8 has no CREATE INDEX IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS ${prefix}inbox (
    message_id   VARBINARY(1020) NOT NULL PRIMARY KEY,
    lease_until  BIGINT          NOT NULL,
    completed_at BIGINT,
    KEY ${prefix}inbox_completed (completed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
