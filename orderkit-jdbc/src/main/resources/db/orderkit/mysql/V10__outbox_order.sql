-- orderkit schema v10 for MySQL 8 and MariaDB 10.6+: the outbox delivers each aggregate's events
-- in commit order (issue 17). Applies on top of v9; earlier versions are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- Stock events have level subjects (sku@location, up to 257 characters) and ids with the write's
-- reference: subject_id widens to 512, event_id to 1024.
ALTER TABLE ${prefix}outbox MODIFY event_id VARCHAR(1024) NOT NULL;
-- outbox_lock: one row per named lock; a claim of an outbox batch locks the 'claim' row first, so
-- claims never interleave and an aggregate's events are claimed by one relay at a time.
CREATE TABLE IF NOT EXISTS ${prefix}outbox_lock (
    name VARCHAR(32) NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT IGNORE INTO ${prefix}outbox_lock (name) VALUES ('claim');
-- outbox_aggregate: a claim skips an event whose aggregate (subject_id) has an earlier PENDING one
-- that is claimed or not due. MySQL 8 has no CREATE INDEX IF NOT EXISTS (see v6).
SET @orderkit_v10 = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX ${prefix}outbox_aggregate ON ${prefix}outbox (subject_id, status, id)', 'DO 0')
    FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = '${prefix}outbox' AND index_name = '${prefix}outbox_aggregate');
PREPARE orderkit_v10 FROM @orderkit_v10;
EXECUTE orderkit_v10;
DEALLOCATE PREPARE orderkit_v10
