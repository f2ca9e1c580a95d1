package dev.orderkit.jdbc;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.jdbc.internal.Db;
import dev.orderkit.jdbc.internal.JdbcIdempotencyStore;
import dev.orderkit.jdbc.internal.JdbcInboxStore;
import dev.orderkit.jdbc.internal.JdbcOrderStore;
import dev.orderkit.jdbc.internal.JdbcOutboxStore;
import dev.orderkit.jdbc.internal.JdbcStockStorage;
import dev.orderkit.jdbc.internal.SchemaInstaller;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jspecify.annotations.Nullable;

/**
 * Entry point of the JDBC backend: every orderkit storage SPI (stock, idempotency, orders with a
 * transactional outbox, the message inbox) on one PostgreSQL, MySQL/MariaDB or H2 database through Jdbi.
 *
 * <pre>{@code
 * JdbcBackend backend = JdbcBackend.builder().dataSource(hikari).tablePrefix("ok_").build();
 * backend.migrate();                       // or run db/orderkit/<dialect>/V*.sql with Flyway
 * OrderKit kit = OrderKit.builder()
 *         .stockStorage(backend.stockStorage())
 *         .idempotencyStore(backend.idempotencyStore())
 *         .orderStore(backend.orderStore())
 *         .background(Background.on())                           // recovery, expiry ...
 *         .outboxPublishing(backend.outboxPublisher(mySink))     // ... and outbox publishing
 *         .build();
 * // on shutdown: kit.close(), then close the pool
 * }</pre>
 *
 * <p>Immutable and thread-safe; the storages it hands out are shared singletons. The backend does
 * not own the {@link DataSource}: close the pool yourself.
 */
public final class JdbcBackend {
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,29}|");

    private final Db db;
    private final JdbcStockStorage stock;
    private final JdbcIdempotencyStore idempotency;
    private final JdbcOrderStore orders;
    private final JdbcInboxStore inbox;
    private final Clock clock;
    private final StepTransactions steps;

    private JdbcBackend(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
        this.stock = new JdbcStockStorage(db);
        this.idempotency = new JdbcIdempotencyStore(db);
        this.orders = new JdbcOrderStore(db);
        this.steps = new StepTransactions() {
            @Override
            public <T> T inTransaction(Supplier<T> work) {
                return db.inTransaction(work);
            }
        };
        this.inbox = new JdbcInboxStore(db);
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The stock storage SPI implementation.
     *
     * @return the storage (thread-safe)
     */
    public StockStorage stockStorage() {
        return stock;
    }

    /**
     * The idempotency store SPI implementation.
     *
     * @return the store (thread-safe)
     */
    public IdempotencyStore idempotencyStore() {
        return idempotency;
    }

    /**
     * The order store SPI implementation; it writes events to the outbox table.
     *
     * @return the store (thread-safe)
     */
    public OrderStore orderStore() {
        return orders;
    }

    /**
     * The message inbox SPI implementation (table {@code <prefix>inbox}, schema version 2): shared
     * by every instance on this database, e.g. for
     * {@code StripeWebhookHandler.builder(orders).inbox(backend.inboxStore())}. Purge completed
     * messages periodically with {@link InboxStore#purgeCompleted}.
     *
     * @return the store (thread-safe; atomic across processes)
     */
    public InboxStore inboxStore() {
        return inbox;
    }

    /**
     * The outbox table's delivery primitives ({@code <prefix>outbox}, ordered claims since schema
     * version 10), for a relay of your own: {@code new OutboxRelay(backend.outboxStore(), sink)}
     * (what {@link #outboxPublisher(EventSink)} runs). Order and stock events are written to it in
     * the transaction of their change.
     *
     * @return the store (thread-safe; atomic across processes)
     */
    public OutboxStore outboxStore() {
        return new JdbcOutboxStore(db);
    }

    /** The plumbing, for the optional parts of this package ({@link JdbcWebhooks}). */
    Db db() {
        return db;
    }

    /**
     * A publisher draining the outbox into a sink, with default settings.
     *
     * @param sink where events go (must tolerate duplicates)
     * @return a new, not yet started publisher
     */
    public OutboxPublisher outboxPublisher(EventSink sink) {
        return outboxPublisher(sink, OutboxPublisher.Settings.defaults());
    }

    /**
     * A publisher draining the outbox into a sink.
     *
     * @param sink where events go (must tolerate duplicates)
     * @param settings batch size, attempts, backoff, claim timeout
     * @return a new, not yet started publisher
     */
    public OutboxPublisher outboxPublisher(EventSink sink, OutboxPublisher.Settings settings) {
        return outboxPublisher(sink, settings, Instrumentation.noop());
    }

    /**
     * A publisher draining the outbox into a sink that reports each round (events delivered,
     * failed and dead-lettered, and the lag: the age of the oldest event the round claimed) to an
     * {@link Instrumentation}, e.g. the kit's {@code MicrometerInstrumentation}.
     *
     * @param sink where events go (must tolerate duplicates)
     * @param settings batch size, attempts, backoff, claim timeout
     * @param instrumentation where rounds are reported (thread-safe, must not throw)
     * @return a new, not yet started publisher
     */
    public OutboxPublisher outboxPublisher(
            EventSink sink, OutboxPublisher.Settings settings, Instrumentation instrumentation) {
        return new OutboxPublisher(
                db, sink, settings, clock, Objects.requireNonNull(instrumentation, "instrumentation"));
    }

    /**
     * Atomic phases for {@code OrderKit.Builder.stepTransactions}: each placement step (hold the
     * stock, give it back, commit it) commits in one transaction with the order status that records
     * it, because stock, orders and keys share this database. Every storage of this backend joins
     * the transaction running on the calling thread (its own all-or-nothing parts use savepoints).
     *
     * @return the transactions of this backend (thread-safe)
     */
    public StepTransactions stepTransactions() {
        return steps;
    }

    /**
     * Applies missing schema versions (idempotent; safe to call from many instances at once), then
     * fills in {@code orders.customer_ref} (V8) of rows that have none, from their JSON body, in
     * short batches (rows written before V8, or by pre-V8 instances during a rolling upgrade).
     *
     * @return the versions applied by this call
     * @throws BackendUnavailableException if the database fails
     * @throws ConcurrencyConflictException if the database rolled the migration
     *     back (a deadlock with concurrent traffic; PostgreSQL applies it in one transaction): call again
     */
    public List<Integer> migrate() {
        return new SchemaInstaller(db).migrate();
    }

    /**
     * The dialect in use.
     *
     * @return the dialect
     */
    public JdbcDialect dialect() {
        return db.dialect();
    }

    /**
     * The table prefix in use.
     *
     * @return the prefix
     */
    public String tablePrefix() {
        return db.prefix();
    }

    /**
     * The tables the schema creates with this prefix, dependants first.
     *
     * @return table names
     */
    public List<String> tableNames() {
        return SchemaInstaller.tables(db.prefix());
    }

    /** Builds a {@link JdbcBackend}. Not thread-safe. */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private @Nullable Jdbi jdbi;
        private String prefix = "ok_";
        private @Nullable JdbcDialect dialect;
        private boolean migrate;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /**
         * Uses a data source (a HikariCP pool is recommended, see {@link HikariPools}).
         *
         * @param value the data source
         * @return this builder
         */
        public Builder dataSource(DataSource value) {
            this.dataSource = Objects.requireNonNull(value, "dataSource");
            this.jdbi = null;
            return this;
        }

        /**
         * Uses an existing Jdbi instance (its plugins and config are left untouched; statements run
         * with the plain template engine on their own handles).
         *
         * @param value the Jdbi
         * @return this builder
         */
        public Builder jdbi(Jdbi value) {
            this.jdbi = Objects.requireNonNull(value, "jdbi");
            this.dataSource = null;
            return this;
        }

        /**
         * Table prefix, {@code [A-Za-z][A-Za-z0-9_]{0,29}} or empty (default {@code ok_}).
         *
         * @param value the prefix
         * @return this builder
         * @throws IllegalArgumentException if invalid
         */
        public Builder tablePrefix(String value) {
            Objects.requireNonNull(value, "tablePrefix");
            if (!PREFIX.matcher(value).matches()) {
                throw new IllegalArgumentException(
                        "tablePrefix must match [A-Za-z][A-Za-z0-9_]{0,29}: '" + value + "'");
            }
            this.prefix = value;
            return this;
        }

        /**
         * Forces a dialect instead of detecting it from the connection metadata.
         *
         * @param value the dialect
         * @return this builder
         */
        public Builder dialect(JdbcDialect value) {
            this.dialect = Objects.requireNonNull(value, "dialect");
            return this;
        }

        /**
         * Whether {@link #build()} runs {@link JdbcBackend#migrate()} (default false).
         *
         * @param value true to migrate on build
         * @return this builder
         */
        public Builder migrateOnBuild(boolean value) {
            this.migrate = value;
            return this;
        }

        /**
         * Clock used by the outbox publisher (default UTC system clock).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Builds the backend, detecting the dialect if it was not set.
         *
         * @return the backend
         * @throws IllegalStateException if neither a data source nor a Jdbi was given
         * @throws BackendUnavailableException if the dialect detection or the migration fails
         * @throws IllegalArgumentException if the database product is not supported
         */
        public JdbcBackend build() {
            Jdbi j = jdbi != null ? jdbi : dataSource != null ? Jdbi.create(dataSource) : null;
            if (j == null) {
                throw new IllegalStateException("set dataSource(...) or jdbi(...)");
            }
            JdbcDialect d = dialect;
            if (d == null) {
                try {
                    d = JdbcDialect.detect(
                            j.withHandle(h -> h.getConnection().getMetaData().getDatabaseProductName()));
                } catch (JdbiException e) {
                    throw Db.map("dialect detection", e);
                } catch (SQLException e) {
                    throw new BackendUnavailableException("dialect detection failed: " + e.getMessage(), e);
                }
            }
            JdbcBackend backend = new JdbcBackend(new Db(j, d, prefix, jdbi == null ? dataSource : null), clock);
            if (migrate) {
                backend.migrate();
            }
            return backend;
        }
    }
}
