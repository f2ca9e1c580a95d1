package dev.orderkit.jdbc;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.payment.PaymentPermits;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketExceptions;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A payment pace shared by every instance of the application through one token bucket in
 * PostgreSQL (Bucket4j's {@code SELECT ... FOR UPDATE} bucket): {@code
 * OrderKit.builder().paymentPacing(PaymentPacing.shared(permits, permits.permitsPerSecond()))}.
 *
 * <pre>{@code
 * JdbcPaymentPermits permits = JdbcPaymentPermits.builder()
 *         .dataSource(hikari).tablePrefix(backend.tablePrefix()).permitsPerSecond(25).build();
 * OrderKit kit = OrderKit.builder()
 *         .paymentPacing(PaymentPacing.shared(permits, permits.permitsPerSecond()))
 *         ...
 * }</pre>
 *
 * <p><b>PostgreSQL only</b> (Bucket4j's MySQL integration is not used; on MySQL/MariaDB or H2 use
 * {@code RedisPaymentPermits} or the per-JVM {@code PaymentPacing.perSecond}).
 *
 * <p><b>Optional dependencies:</b> add {@code com.bucket4j:bucket4j_jdk17-core} and
 * {@code com.bucket4j:bucket4j_jdk17-postgresql} (8.14; the orderkit parent manages the version)
 * to use this class; the rest of the JDBC backend does not need them.
 *
 * <p><b>Its table</b>, {@code <tablePrefix>payment_permits} in the data source's current schema
 * (the schema {@link JdbcBackend} uses with the same data source), is created by {@link
 * Builder#build()} if missing, not by a versioned schema script ({@link JdbcBackend#migrate()}):
 * <pre>{@code
 * CREATE TABLE IF NOT EXISTS <prefix>payment_permits (id VARCHAR(255) PRIMARY KEY, state BYTEA)
 * }</pre>
 * because it belongs to an optional feature of one dialect (the versioned scripts are one list for
 * every dialect, applied whether or not the feature is used) and its {@code state} column holds
 * Bucket4j's own serialized format, so the table follows the library that writes it. Concurrent
 * builds are serialized by a transaction-scoped advisory lock. Where the application may not run
 * DDL, create it with the statement above and call {@link Builder#createTable(boolean)
 * createTable(false)}. One row per bucket {@link Builder#name(String) name}; nothing else is
 * written.
 *
 * <p><b>The bucket:</b> capacity {@code max(1, floor(rate / 10))} permits, refilled greedily
 * (continuously) at {@code rate} per second: after an idle spell, up to a tenth of a second's worth
 * of calls (at least one) may go at once, otherwise calls are spread evenly; over any interval of
 * {@code t} seconds at most {@code rate * t + capacity} permits are granted, all instances
 * together. <b>Every instance sharing a bucket must use the same rate</b>: the first to create the
 * row stores its configuration and the others use the stored one; to change the rate use a new
 * {@link Builder#name(String) name} (or delete the row). Time is each instance's clock (Bucket4j's
 * client-side clock): keep the clocks NTP-synchronized.
 *
 * <p>Thread-safe; {@link #tryTake()} never waits for a permit: one short transaction (a row lock,
 * read, update, commit; an insert the first time), which waits only for the row lock held by
 * another instance's equally short transaction, at most {@link Builder#requestTimeout(Duration)}.
 * All takes of all instances serialize on that row (a few milliseconds each), so a PostgreSQL bucket
 * suits paces up to the low hundreds per second; use {@code RedisPaymentPermits} beyond. The
 * instance does not own the data source.
 */
public final class JdbcPaymentPermits implements PaymentPermits {
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,29}|");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,255}");

    private final BucketProxy bucket;
    private final String table;
    private final String name;
    private final double rate;
    private final long capacity;

    private JdbcPaymentPermits(Builder b, DataSource ds) {
        this.table = b.prefix + "payment_permits";
        this.name = b.name;
        this.rate = b.rate;
        this.capacity = capacity(rate);
        BucketConfiguration config = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(capacity).refillGreedy(capacity, refillPeriod(capacity, rate)))
                .build();
        this.bucket = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(ds)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table(table)
                .idColumn("id")
                .stateColumn("state")
                .requestTimeout(b.requestTimeout)
                .build()
                .builder()
                .build(name, () -> config);
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
     * Takes one permit from the shared bucket if one is available now.
     *
     * @return {@link Duration#ZERO} if a permit was taken, else a positive estimate of the wait for
     *     the next one
     * @throws BackendUnavailableException if the database fails or the row lock was not had within
     *     the request timeout (no permit was taken, or the commit's answer was lost and the bucket
     *     runs one permit short)
     */
    @Override
    public Duration tryTake() {
        ConsumptionProbe probe;
        try {
            probe = bucket.tryConsumeAndReturnRemaining(1);
        } catch (BucketExceptions.BucketExecutionException e) { // also its TimeoutException
            Throwable underlying = e.getCause();
            Throwable cause = underlying != null ? underlying : e;
            throw new BackendUnavailableException(
                    "payment permits: the database failed on " + table + " '" + name + "': " + cause, e);
        }
        if (probe.isConsumed()) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill()));
    }

    /**
     * The pace all instances together are held to (for {@code PaymentPacing.shared(permits, rate)}).
     *
     * @return permits per second
     */
    public double permitsPerSecond() {
        return rate;
    }

    /**
     * The bucket's capacity: the most permits granted at once after the bucket was idle.
     *
     * @return {@code max(1, floor(permitsPerSecond / 10))}
     */
    public long burst() {
        return capacity;
    }

    /**
     * The bucket's table.
     *
     * @return {@code <tablePrefix>payment_permits}
     */
    public String table() {
        return table;
    }

    static long capacity(double rate) {
        return Math.max(1, (long) Math.floor(rate / 10));
    }

    static Duration refillPeriod(long capacity, double rate) {
        return Duration.ofNanos(Math.max(1, Math.round(capacity * 1e9 / rate)));
    }

    /** Builder of {@link JdbcPaymentPermits}. Not thread-safe. */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private String prefix = "ok_";
        private String name = "payments";
        private double rate = Double.NaN;
        private Duration requestTimeout = Duration.ofSeconds(2);
        private boolean createTable = true;

        private Builder() {}

        /**
         * The PostgreSQL data source (required), e.g. the {@link JdbcBackend}'s pool.
         *
         * @param value the data source
         * @return this builder
         * @throws NullPointerException if null
         */
        public Builder dataSource(DataSource value) {
            this.dataSource = Objects.requireNonNull(value, "dataSource");
            return this;
        }

        /**
         * The table prefix (default {@code ok_}, as {@link JdbcBackend.Builder#tablePrefix}): use
         * the backend's, {@link JdbcBackend#tablePrefix()}.
         *
         * @param value {@code [A-Za-z][A-Za-z0-9_]{0,29}} or empty
         * @return this builder
         * @throws InvalidRequestException naming {@code tablePrefix} if invalid
         */
        public Builder tablePrefix(String value) {
            Objects.requireNonNull(value, "tablePrefix");
            if (!PREFIX.matcher(value).matches()) {
                throw new InvalidRequestException("tablePrefix", value, "must match [A-Za-z][A-Za-z0-9_]{0,29}");
            }
            this.prefix = value;
            return this;
        }

        /**
         * The bucket's name, its row's id (default {@code payments}): instances with the same
         * table and name share one pace.
         *
         * @param value 1 to 255 characters of {@code A-Z a-z 0-9 _ . : -}
         * @return this builder
         * @throws InvalidRequestException naming {@code name} if invalid
         */
        public Builder name(String value) {
            Objects.requireNonNull(value, "name");
            if (!NAME.matcher(value).matches()) {
                throw new InvalidRequestException("name", value, "must match " + NAME.pattern());
            }
            this.name = value;
            return this;
        }

        /**
         * The pace of all instances together (required).
         *
         * @param value permits per second, 0.001 .. 1,000,000
         * @return this builder
         * @throws InvalidRequestException naming {@code permitsPerSecond} if out of range
         */
        public Builder permitsPerSecond(double value) {
            if (!(value >= 0.001 && value <= 1_000_000)) {
                throw new InvalidRequestException(
                        "permitsPerSecond", value, "must be between 0.001 and 1000000 per second");
            }
            this.rate = value;
            return this;
        }

        /**
         * The longest a {@link JdbcPaymentPermits#tryTake()} may take (default 2 s; Bucket4j's
         * request timeout, applied to each statement).
         *
         * @param value 1 s .. 1 min
         * @return this builder
         * @throws InvalidRequestException naming {@code requestTimeout} if out of range
         */
        public Builder requestTimeout(Duration value) {
            Objects.requireNonNull(value, "requestTimeout");
            if (value.compareTo(Duration.ofSeconds(1)) < 0 || value.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new InvalidRequestException("requestTimeout", value, "must be between 1 s and 1 min");
            }
            this.requestTimeout = value;
            return this;
        }

        /**
         * Whether {@link #build()} creates the table if it is missing (default true; false where the
         * application may not run DDL: create it yourself, see {@link JdbcPaymentPermits}).
         *
         * @param value true to create the table on build
         * @return this builder
         */
        public Builder createTable(boolean value) {
            this.createTable = value;
            return this;
        }

        /**
         * Checks that the database is PostgreSQL, creates the table if missing (unless
         * {@link #createTable(boolean) createTable(false)}) and builds the limiter.
         *
         * @return the limiter
         * @throws NullPointerException if no data source was set
         * @throws InvalidRequestException naming {@code permitsPerSecond} if it was not set, or
         *     {@code dataSource} if the database is not PostgreSQL
         * @throws BackendUnavailableException if the database cannot be reached or the table not
         *     created
         */
        public JdbcPaymentPermits build() {
            DataSource ds = Objects.requireNonNull(dataSource, "dataSource");
            if (Double.isNaN(rate)) {
                throw new InvalidRequestException("permitsPerSecond", null, "is required");
            }
            try (Connection c = ds.getConnection()) {
                String product = c.getMetaData().getDatabaseProductName();
                if (!isPostgres(product)) {
                    throw new InvalidRequestException(
                            "dataSource",
                            product,
                            "must be PostgreSQL: JdbcPaymentPermits uses Bucket4j's PostgreSQL bucket; on other "
                                    + "databases use RedisPaymentPermits (orderkit-redis) or PaymentPacing.perSecond");
                }
                if (createTable) {
                    createTable(c, prefix + "payment_permits");
                }
            } catch (SQLException e) {
                throw new BackendUnavailableException(
                        "payment permits: cannot prepare " + prefix + "payment_permits: " + e.getMessage(), e);
            }
            return new JdbcPaymentPermits(this, ds);
        }

        private static boolean isPostgres(@Nullable String product) {
            try {
                return product != null && JdbcDialect.detect(product) == JdbcDialect.POSTGRESQL;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        /** Creates the table in one transaction, serialized with other instances by an advisory lock. */
        private static void createTable(Connection c, String table) throws SQLException {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock =
                        c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ?))")) {
                    lock.setString(1, "orderkit:" + table);
                    lock.execute();
                }
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE IF NOT EXISTS " + table + " (id VARCHAR(255) PRIMARY KEY, state BYTEA)");
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }
}
