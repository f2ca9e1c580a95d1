-- orderkit schema v8 for MySQL 8 and MariaDB 10.6+: the order listing's columns and indexes.
-- Applies on top of v7; v1 to v7 are never edited.
-- ${prefix} is the table prefix (Flyway placeholder; the built-in installer substitutes it).
-- OrderService.list (keyset pagination, newest first): orders.customer_ref is Order.customerRef(),
-- written with every insert and update; three indexes serve a page as one range scan each:
-- (scope, created_at, id) for an unfiltered listing, (scope, status, created_at, id) per status and
-- (scope, customer_ref, created_at, id) per customer (scanned backwards for created_at DESC, id DESC).
-- Rows written before v8 have customer_ref NULL: SchemaInstaller.migrate() fills it in from the JSON
-- body in bounded batches after the scripts, on every run (so rows inserted meanwhile by instances
-- still on the old code are filled in by the next migrate()). With Flyway, call
-- JdbcBackend.migrate() once after the upgrade, or the customer filter misses those rows.
-- customer_ref is VARBINARY like scope and id: compared byte for byte (no case or accent folding).
-- MySQL 8 has no ADD COLUMN IF NOT EXISTS: the column and its indexes are added in one ALTER (atomic;
-- InnoDB adds a nullable column and secondary indexes online, writes continue) only when
-- information_schema does not list the column, so a run whose history row was not written completes it.
SET @orderkit_v8 = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE ${prefix}orders ADD COLUMN customer_ref VARBINARY(512) NULL, ADD INDEX ${prefix}orders_list (scope, created_at, id), ADD INDEX ${prefix}orders_list_status (scope, status, created_at, id), ADD INDEX ${prefix}orders_list_customer (scope, customer_ref, created_at, id)',
    'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = '${prefix}orders' AND column_name = 'customer_ref');
PREPARE orderkit_v8 FROM @orderkit_v8;
EXECUTE orderkit_v8;
DEALLOCATE PREPARE orderkit_v8;
