package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.testkit.InvariantChecker;
import dev.orderkit.testkit.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one-statement reserve and transition of PostgreSQL against a level that changes between the
 * statement's snapshot and its row lock (a second connection holds the row with an uncommitted
 * change, the statement blocks on it, then the change commits). READ COMMITTED evaluates a
 * statement's WHERE and CHECK constraints on the snapshot's version before it re-checks the newest
 * one, so these are the interleavings that would half-apply a reservation, fail it spuriously or
 * oversell if the statement computed anything from the snapshot.
 */
class PostgresReserveStatementTest {
    private static final StockKey A = StockKey.of("RS-A");
    private static final StockKey B = StockKey.of("RS-B");

    private JdbcBackend backend;
    private StockStorage stock;
    private String prefix;
    private final ExecutorService exec = Executors.newSingleThreadExecutor();

    @BeforeEach
    void setUp() {
        prefix = TestServices.uniqueName("rs").replace("_", "") + "_";
        backend = JdbcBackend.builder()
                .dataSource(TestDatabases.pool(TestDatabases.Kind.POSTGRES))
                .tablePrefix(prefix)
                .migrateOnBuild(true)
                .build();
        stock = backend.stockStorage();
        stock.adjust(A, 40, "initial", Instant.now());
        stock.adjust(B, 40, "initial", Instant.now());
    }

    @AfterEach
    void tearDown() {
        exec.shutdownNow();
        assertThat(InvariantChecker.checkStock(stock)).isEmpty();
        Jdbi.create(TestDatabases.pool(TestDatabases.Kind.POSTGRES))
                .useHandle(h -> h.execute("DROP TABLE IF EXISTS " + String.join(", ", backend.tableNames())));
    }

    private static ReserveResult reserve(StockStorage s, String id, List<AllocatedLine> lines) {
        Instant now = Instant.now();
        return s.reserve(id, lines, now.plusSeconds(60), now);
    }

    /** Runs {@code sql} on B's row in an open transaction, runs {@code call} (which blocks on it), then commits. */
    private <T> T whileBIsChanging(String set, Callable<T> call) throws Exception {
        String server = TestDatabases.server(TestDatabases.Kind.POSTGRES).url();
        try (Connection locker = DriverManager.getConnection(server);
                Connection admin = DriverManager.getConnection(server)) {
            locker.setAutoCommit(false);
            try (Statement st = locker.createStatement()) {
                st.executeUpdate("UPDATE " + prefix + "stock_level SET " + set + " WHERE sku = 'RS-B'");
            }
            Future<T> f = exec.submit(call);
            waitUntilBlocked(admin);
            locker.commit();
            return f.get(20, TimeUnit.SECONDS);
        }
    }

    private void waitUntilBlocked(Connection admin) throws Exception {
        for (int i = 0; i < 500; i++) {
            try (Statement st = admin.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                    + "AND query LIKE 'WITH a AS%" + prefix + "%'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the statement never blocked on the locked level");
    }

    @Test
    void aLevelThatFitsOnlySinceTheSnapshotIsReservedWhole() throws Exception {
        stock.adjust(B, -2, "shrink", Instant.now()); // B: on hand 38
        assertThat(reserve(stock, "big", List.of(new AllocatedLine(B, 37)))).isInstanceOf(ReserveResult.Reserved.class);
        // B has 1 available in the snapshot; a release of 30 commits while the reserve waits for the row
        ReserveResult r = whileBIsChanging(
                "reserved = reserved - 30",
                () -> reserve(stock, "r1", List.of(new AllocatedLine(A, 1), new AllocatedLine(B, 5))));
        assertThat(r).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(stock.level(B).orElseThrow().reserved()).isEqualTo(37 - 30 + 5);
        assertThat(stock.level(A).orElseThrow().reserved()).isEqualTo(1);
        // the test's release bypassed the storage: put the reservation's books straight again
        stock.transition("r1", ReservationTransition.RELEASE, Instant.now());
        Jdbi.create(TestDatabases.pool(TestDatabases.Kind.POSTGRES))
                .useHandle(h ->
                        h.execute("UPDATE " + prefix + "stock_level SET reserved = reserved + 30 WHERE sku = 'RS-B'"));
        stock.transition("big", ReservationTransition.RELEASE, Instant.now());
    }

    @Test
    void aLevelThatNoLongerFitsIsShortWithItsNewestAvailability() throws Exception {
        ReserveResult r = whileBIsChanging(
                "on_hand = 3", () -> reserve(stock, "r2", List.of(new AllocatedLine(A, 1), new AllocatedLine(B, 5))));
        assertThat(r)
                .isInstanceOfSatisfying(
                        ReserveResult.Insufficient.class,
                        i -> assertThat(i.shortfalls())
                                .singleElement()
                                .satisfies(sf -> assertThat(sf.available()).isEqualTo(3)));
        assertThat(stock.level(A).orElseThrow().reserved()).isZero();
        assertThat(stock.reservation("r2")).isEmpty();
        Jdbi.create(TestDatabases.pool(TestDatabases.Kind.POSTGRES))
                .useHandle(h -> h.execute("UPDATE " + prefix + "stock_level SET on_hand = 40 WHERE sku = 'RS-B'"));
    }

    @Test
    void aReleaseWhileTheLevelGrewReturnsExactlyItsQuantity() throws Exception {
        assertThat(reserve(stock, "r3", List.of(new AllocatedLine(B, 2)))).isInstanceOf(ReserveResult.Reserved.class);
        // in the release's snapshot B has reserved 2; another hold of 10 commits while it waits
        TransitionResult t = whileBIsChanging(
                "reserved = reserved + 10", () -> stock.transition("r3", ReservationTransition.RELEASE, Instant.now()));
        assertThat(t).isInstanceOf(TransitionResult.Applied.class);
        assertThat(stock.level(B).orElseThrow().reserved()).isEqualTo(10);
        Jdbi.create(TestDatabases.pool(TestDatabases.Kind.POSTGRES))
                .useHandle(h ->
                        h.execute("UPDATE " + prefix + "stock_level SET reserved = reserved - 10 WHERE sku = 'RS-B'"));
    }
}
