package dev.orderkit.jdbc;

import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.FaultInjectingDataSource;
import dev.orderkit.testkit.FaultInjection;
import dev.orderkit.testkit.TestServices;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A contract-suite fixture: the JDBC backend with its own table prefix (PostgreSQL, MariaDB: in the
 * per-run schema / database) or its own in-memory database (H2). {@link #close()} drops its tables.
 *
 * <p>The backend reaches the database through a {@link FaultInjectingDataSource} (disarmed until
 * {@link #faults()} is armed): commits and auto-committed writes fail for real, with SQLState 08006
 * and a dead connection, before the server applied them or after (lost acknowledgement).
 */
final class JdbcFixture implements BackendFixture {
    private final Kind kind;
    private final JdbcBackend backend;
    private final DataSource ds;
    private final FaultInjectingDataSource faulty;
    private final String h2Url;
    private final boolean owner;

    private JdbcFixture(
            Kind kind,
            JdbcBackend backend,
            DataSource ds,
            FaultInjectingDataSource faulty,
            String h2Url,
            boolean owner) {
        this.kind = kind;
        this.backend = backend;
        this.ds = ds;
        this.faulty = faulty;
        this.h2Url = h2Url;
        this.owner = owner;
    }

    static JdbcFixture create(Kind kind) {
        String prefix = TestServices.uniqueName("t").replace("_", "") + "_";
        if (kind == Kind.H2) {
            String url = "jdbc:h2:mem:" + prefix + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
            DataSource ds = h2(url);
            FaultInjectingDataSource faulty = new FaultInjectingDataSource(ds);
            JdbcBackend b = JdbcBackend.builder()
                    .dataSource(faulty)
                    .tablePrefix("ok_")
                    .migrateOnBuild(true)
                    .build();
            return new JdbcFixture(kind, b, ds, faulty, url, true);
        }
        DataSource ds = TestDatabases.pool(kind);
        FaultInjectingDataSource faulty = new FaultInjectingDataSource(ds);
        JdbcBackend b = JdbcBackend.builder()
                .dataSource(faulty)
                .tablePrefix(prefix)
                .migrateOnBuild(true)
                .build();
        return new JdbcFixture(kind, b, ds, faulty, null, true);
    }

    private static DataSource h2(String url) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        return ds;
    }

    /**
     * Another client of the same tables (its own pool), as a second application instance, with its
     * own fault injector.
     */
    JdbcFixture peer() {
        DataSource peerDs = kind == Kind.H2 ? h2(h2Url) : TestDatabases.peerPool(kind);
        FaultInjectingDataSource faulty = new FaultInjectingDataSource(peerDs);
        JdbcBackend b = JdbcBackend.builder()
                .dataSource(faulty)
                .tablePrefix(backend.tablePrefix())
                .build();
        return new JdbcFixture(kind, b, peerDs, faulty, h2Url, false);
    }

    JdbcBackend backend() {
        return backend;
    }

    /** The data source without fault injection. */
    DataSource dataSource() {
        return ds;
    }

    /** The data source the backend uses (with fault injection). */
    FaultInjectingDataSource faultyDataSource() {
        return faulty;
    }

    @Override
    public FaultInjection faults() {
        return faulty;
    }

    @Override
    public StockStorage stockStorage() {
        return backend.stockStorage();
    }

    @Override
    public IdempotencyStore idempotencyStore() {
        return backend.idempotencyStore();
    }

    @Override
    public OrderStore orderStore() {
        return backend.orderStore();
    }

    @Override
    public InboxStore inboxStore() {
        return backend.inboxStore();
    }

    @Override
    public OutboxStore outboxStore() {
        return backend.outboxStore();
    }

    @Override
    public StepTransactions stepTransactions() {
        return backend.stepTransactions(); // every order-level contract runs with atomic phases
    }

    @Override
    public String description() {
        return "jdbc " + backend.dialect() + " prefix " + backend.tablePrefix();
    }

    @Override
    public void close() {
        if (!owner) {
            return;
        }
        String sql = kind == Kind.H2 ? "SHUTDOWN" : "DROP TABLE IF EXISTS " + String.join(", ", backend.tableNames());
        try (var c = ds.getConnection();
                var st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop fixture tables: " + e.getMessage(), e);
        }
    }
}
