-- orderkit schema v8 for H2 2.x: the order listing's columns and indexes.
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
ALTER TABLE ${prefix}orders ADD COLUMN IF NOT EXISTS customer_ref VARCHAR(128);
CREATE INDEX IF NOT EXISTS ${prefix}orders_list ON ${prefix}orders (scope, created_at, id);
CREATE INDEX IF NOT EXISTS ${prefix}orders_list_status ON ${prefix}orders (scope, status, created_at, id);
CREATE INDEX IF NOT EXISTS ${prefix}orders_list_customer ON ${prefix}orders (scope, customer_ref, created_at, id);
