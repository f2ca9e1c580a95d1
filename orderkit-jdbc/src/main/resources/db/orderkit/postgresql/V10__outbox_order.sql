-- orderkit schema v10: the outbox delivers each aggregate's events in commit order (issue 17).
-- Applies on top of v9; earlier versions are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- Stock events have level subjects (sku@location, up to 257 characters) and ids with the write's
-- reference: subject_id widens to 512, event_id to 1024.
ALTER TABLE ${prefix}outbox ALTER COLUMN subject_id TYPE VARCHAR(512), ALTER COLUMN event_id TYPE VARCHAR(1024);
-- outbox_lock: one row per named lock; a claim of an outbox batch locks the 'claim' row first, so
-- claims never interleave and an aggregate's events are claimed by one relay at a time.
CREATE TABLE IF NOT EXISTS ${prefix}outbox_lock (
    name VARCHAR(32) PRIMARY KEY
);
INSERT INTO ${prefix}outbox_lock (name) VALUES ('claim') ON CONFLICT DO NOTHING;
-- outbox_aggregate: a claim skips an event whose aggregate (subject_id) has an earlier PENDING one
-- that is claimed or not due
CREATE INDEX IF NOT EXISTS ${prefix}outbox_aggregate ON ${prefix}outbox (subject_id, status, id)
