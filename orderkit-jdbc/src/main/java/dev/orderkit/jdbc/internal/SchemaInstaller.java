package dev.orderkit.jdbc.internal;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.Order;
import dev.orderkit.jdbc.JdbcDialect;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned schema scripts ({@code db/orderkit/<dialect>/V<n>__<name>.sql}) that are
 * missing from the {@code <prefix>schema_history} table. Safe when several application instances
 * start at once: PostgreSQL serializes installers with a transaction-scoped advisory lock (and its
 * DDL is transactional), MySQL/MariaDB with a named lock ({@code GET_LOCK}), H2 (embedded, one
 * process) with a JVM lock. Every script uses {@code CREATE ... IF NOT EXISTS} / {@code ADD COLUMN IF
 * NOT EXISTS} (MySQL's V3 to V7 change existing tables only when {@code information_schema} does not
 * list the change yet), so re-running a half-applied version (MySQL commits DDL implicitly) completes
 * it. After the scripts, {@link #migrate()} fills in {@code orders.customer_ref} (V8) from the JSON
 * body of the rows that have none ({@link #backfillCustomerRefs()}). Thread-safe.
 */
public final class SchemaInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaInstaller.class);
    private static final Object H2_LOCK = new Object();

    /** One shipped script. */
    private record Script(int version, String description, String file) {}

    private static final List<Script> SCRIPTS = List.of(
            new Script(1, "orderkit", "V1__orderkit.sql"),
            new Script(2, "inbox", "V2__inbox.sql"),
            new Script(3, "stock writes", "V3__stock_writes.sql"),
            new Script(4, "claim table", "V4__claim_table.sql"),
            new Script(5, "hold expiry index", "V5__hold_expiry_index.sql"),
            new Script(6, "retention", "V6__retention.sql"),
            new Script(7, "recovery", "V7__recovery.sql"),
            new Script(8, "order listing", "V8__order_listing.sql"),
            new Script(9, "held vs committed, stock policies", "V9__stock_split.sql"),
            new Script(10, "outbox order per aggregate", "V10__outbox_order.sql"),
            new Script(11, "webhooks", "V11__webhooks.sql"));

    /** The version that added {@code orders.customer_ref}, filled in by {@link #backfillCustomerRefs()}. */
    private static final int CUSTOMER_REF_VERSION = 8;
    /** Rows read and updated per transaction of {@link #backfillCustomerRefs()}. */
    public static final int BACKFILL_BATCH = 500;

    private final Db db;

    /**
     * Creates the installer.
     *
     * @param db plumbing
     */
    public SchemaInstaller(Db db) {
        this.db = db;
    }

    /**
     * The classpath resource of a script.
     *
     * @param dialect dialect
     * @param file file name
     * @return the resource path
     */
    public static String resource(JdbcDialect dialect, String file) {
        return "db/orderkit/" + dialect.scriptFolder() + "/" + file;
    }

    /**
     * The statements of a script with the prefix substituted.
     *
     * @param dialect dialect
     * @param file script file name
     * @param prefix table prefix
     * @return the statements
     */
    public static List<String> statements(JdbcDialect dialect, String file, String prefix) {
        String path = resource(dialect, file);
        String text;
        try (InputStream in = SchemaInstaller.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("schema script missing from the classpath: " + path);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
        StringBuilder noComments = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.trim().startsWith("--")) {
                noComments.append(line).append('\n');
            }
        }
        List<String> out = new ArrayList<>();
        for (String s : noComments.toString().split(";")) {
            if (!s.isBlank()) {
                out.add(s.trim().replace("${prefix}", prefix));
            }
        }
        return out;
    }

    private String historyDdl() {
        String t = "CREATE TABLE IF NOT EXISTS {p}schema_history (version INT NOT NULL PRIMARY KEY, "
                + "description VARCHAR(200) NOT NULL, script VARCHAR(200) NOT NULL, installed_at BIGINT NOT NULL)";
        return db.sql(db.dialect() == JdbcDialect.MYSQL ? t + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" : t);
    }

    /**
     * Applies every missing version, then fills in missing {@code orders.customer_ref} values.
     *
     * @return the versions applied by this call (empty if the schema was current)
     * @throws BackendUnavailableException if the database fails
     */
    public List<Integer> migrate() {
        return migrate(Integer.MAX_VALUE);
    }

    /**
     * Applies the missing versions up to {@code target} (tests and staged upgrades), in order.
     *
     * @param target the highest version to apply
     * @return the versions applied by this call
     * @throws BackendUnavailableException if the database fails
     */
    public List<Integer> migrate(int target) {
        List<Integer> applied = applyScripts(target);
        if (target >= CUSTOMER_REF_VERSION && installed().contains(CUSTOMER_REF_VERSION)) {
            int filled = backfillCustomerRefs();
            if (filled > 0) {
                LOG.info(
                        "orderkit schema: filled in orders.customer_ref of {} orders with prefix '{}'",
                        filled,
                        db.prefix());
            }
        }
        return applied;
    }

    private Set<Integer> installed() {
        return new HashSet<>(db.read(
                "schema history",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT version FROM {p}schema_history"))
                        .mapTo(Integer.class)
                        .list()));
    }

    /**
     * Fills in {@code orders.customer_ref} (V8) of the rows that have none (written before V8, or by
     * an instance still running pre-V8 code during a rolling upgrade) from their JSON body: keyset
     * batches of {@link #BACKFILL_BATCH} rows by id, each read and updated in its own short
     * transaction (outside the migration lock, so writers are never blocked for long). Idempotent
     * and safe on several instances at once (each update is guarded by {@code customer_ref IS
     * NULL} and writes the value the body holds). Costs one scan of the orders table when nothing
     * is missing.
     *
     * @return the number of rows filled in
     */
    int backfillCustomerRefs() {
        int filled = 0;
        @Nullable String last = null;
        while (true) {
            String after = last;
            List<String> bodies = db.read("read orders without customer_ref", tx -> {
                var q = tx.handle()
                        .createQuery(db.sql("SELECT body FROM {p}orders WHERE customer_ref IS NULL"
                                + (after == null ? "" : " AND id > :after") + " ORDER BY id LIMIT :n"))
                        .bind("n", BACKFILL_BATCH);
                if (after != null) {
                    q.bind("after", after);
                }
                return q.mapTo(String.class).list();
            });
            if (bodies.isEmpty()) {
                return filled;
            }
            List<Order> batch = new ArrayList<>(bodies.size());
            for (String body : bodies) {
                batch.add(Codec.read(body, Order.class));
            }
            filled += db.tx("fill in orders.customer_ref", tx -> {
                PreparedBatch b = tx.handle()
                        .prepareBatch(db.sql(
                                "UPDATE {p}orders SET customer_ref = :c WHERE id = :id AND customer_ref IS NULL"));
                for (Order o : batch) {
                    b.bind("c", o.customerRef()).bind("id", o.id()).add();
                }
                int n = 0;
                for (int c : b.execute()) {
                    n += Math.max(c, 0);
                }
                return n;
            });
            if (bodies.size() < BACKFILL_BATCH) {
                return filled;
            }
            last = batch.get(batch.size() - 1).id();
        }
    }

    private List<Integer> applyScripts(int target) {
        switch (db.dialect()) {
            case POSTGRESQL:
                return db.tx("schema migration", tx -> {
                    tx.handle()
                            .createQuery("SELECT pg_advisory_xact_lock(hashtext(current_schema() || :n))")
                            .bind("n", "orderkit:" + db.prefix())
                            .mapTo(String.class)
                            .one();
                    return applyMissing(tx.handle(), target);
                });
            case MYSQL:
                return db.read("schema migration", tx -> {
                    Handle h = tx.handle();
                    String name = "orderkit:" + db.prefix();
                    Integer got = h.createQuery("SELECT GET_LOCK(LEFT(CONCAT(DATABASE(), ':', :n), 64), 60)")
                            .bind("n", name)
                            .mapTo(Integer.class)
                            .one();
                    if (got == null || got != 1) {
                        throw new BackendUnavailableException("timed out waiting for the schema migration lock", null);
                    }
                    try {
                        return applyMissing(h, target);
                    } finally {
                        h.createQuery("SELECT RELEASE_LOCK(LEFT(CONCAT(DATABASE(), ':', :n), 64))")
                                .bind("n", name)
                                .mapTo(Integer.class)
                                .findOne();
                    }
                });
            default:
                synchronized (H2_LOCK) {
                    return db.read("schema migration", tx -> applyMissing(tx.handle(), target));
                }
        }
    }

    /**
     * Version 9: drops V1's {@code CHECK (reserved >= 0 AND reserved <= on_hand)} of
     * {@code stock_level} (backorders and preorders reserve beyond on-hand; V9's script adds the
     * named check that replaces it). V1 left it unnamed, so each database named it its own way
     * (PostgreSQL {@code <table>_check}, MariaDB {@code CONSTRAINT_1}, MySQL {@code <table>_chk_1},
     * H2 {@code CONSTRAINT_<hex>}): it is found in {@code information_schema} by its clause (one that
     * names on_hand and reserved but not committed) in the current schema. Idempotent.
     */
    private void dropOnHandCheck(Handle h) {
        if (db.dialect() == JdbcDialect.POSTGRESQL) {
            // pg_constraint of this table only: information_schema's views evaluate privilege
            // functions on every relation of the database, and fail ("could not open relation with
            // OID") when another session drops a table meanwhile (tests, other tenants' installs)
            dropOnHandChecks(
                    h,
                    h.createQuery("SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                                    + "WHERE c.conrelid = CAST(:t AS regclass) AND c.contype = 'c'")
                            .bind("t", db.prefix() + "stock_level"));
            return;
        }
        String schema = switch (db.dialect()) {
            case POSTGRESQL -> "current_schema()";
            case MYSQL -> "DATABASE()";
            default -> "SCHEMA()";
        };
        dropOnHandChecks(
                h,
                h.createQuery("SELECT tc.constraint_name, cc.check_clause FROM "
                                + "information_schema.table_constraints tc JOIN information_schema.check_constraints cc "
                                + "ON cc.constraint_schema = tc.constraint_schema AND cc.constraint_name = tc.constraint_name "
                                + "WHERE tc.constraint_type = 'CHECK' AND tc.table_schema = " + schema
                                + " AND UPPER(tc.table_name) = UPPER(:t)")
                        .bind("t", db.prefix() + "stock_level"));
    }

    /** Drops each check the query (name, clause) finds whose clause names on_hand and reserved, not committed. */
    private void dropOnHandChecks(Handle h, Query query) {
        List<String> names = query.map((rs, ctx) -> {
                    String clause = rs.getString(2).toLowerCase(Locale.ROOT);
                    return clause.contains("on_hand") && clause.contains("reserved") && !clause.contains("committed")
                            ? rs.getString(1)
                            : "";
                })
                .list();
        for (String name : names) {
            if (!name.isEmpty()) {
                h.execute(db.sql("ALTER TABLE {p}stock_level DROP CONSTRAINT " + quote(name)));
            }
        }
    }

    private String quote(String identifier) {
        return db.dialect() == JdbcDialect.MYSQL ? "`" + identifier + "`" : "\"" + identifier + "\"";
    }

    private List<Integer> applyMissing(Handle h, int target) {
        h.execute(historyDdl());
        Set<Integer> installed = new HashSet<>(h.createQuery(db.sql("SELECT version FROM {p}schema_history"))
                .mapTo(Integer.class)
                .list());
        List<Integer> applied = new ArrayList<>();
        for (Script s : SCRIPTS) {
            if (installed.contains(s.version()) || s.version() > target) {
                continue;
            }
            for (String stmt : statements(db.dialect(), s.file(), db.prefix())) {
                h.execute(stmt);
            }
            if (s.version() == 9) {
                dropOnHandCheck(h);
            }
            h.createUpdate(db.sql("INSERT INTO {p}schema_history (version, description, script, installed_at) "
                            + "VALUES (:v, :d, :f, :at)"))
                    .bind("v", s.version())
                    .bind("d", s.description())
                    .bind("f", s.file())
                    .bind("at", Db.nanos(Instant.now()))
                    .execute();
            applied.add(s.version());
            LOG.info("orderkit schema: applied {} ({}) with prefix '{}'", s.file(), db.dialect(), db.prefix());
        }
        return applied;
    }

    /**
     * Names of every table the schema creates for a prefix (for teardown in tests and ops tools).
     *
     * @param prefix table prefix
     * @return table names, dependants first
     */
    public static List<String> tables(String prefix) {
        List<String> out = new ArrayList<>();
        for (String t : List.of(
                "webhook_delivery",
                "webhook_subscription",
                "inbox",
                "outbox",
                "outbox_lock",
                "orders",
                "idempotency",
                "movement",
                "reservation_line",
                "reservation",
                "stock_write",
                "stock_level",
                "schema_history")) {
            out.add(prefix + t);
        }
        return out;
    }
}
