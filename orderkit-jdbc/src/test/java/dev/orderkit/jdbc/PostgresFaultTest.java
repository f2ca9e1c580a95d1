package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Movement;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.testkit.FaultInjectingDataSource;
import dev.orderkit.testkit.FaultInjection.Fault;
import dev.orderkit.testkit.InvariantChecker;
import dev.orderkit.testkit.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults against real PostgreSQL: backends terminated mid-transaction with
 * {@code pg_terminate_backend} from a second connection, statement timeouts, and commits whose
 * acknowledgement is lost ({@link FaultInjectingDataSource}). Callers see
 * {@link BackendUnavailableException} (or a successful retry) and nothing is half-written or
 * applied twice.
 */
class PostgresFaultTest {
    private static final StockKey SKU = StockKey.of("FAULT-1");

    private TestDatabases.Server server;
    private HikariDataSource pool;
    private JdbcBackend backend;
    private String prefix;

    @BeforeEach
    void setUp() {
        server = TestDatabases.server(TestDatabases.Kind.POSTGRES);
        prefix = TestServices.uniqueName("f").replace("_", "") + "_";
        HikariConfig c = HikariPools.recommendedConfig(server.url(), null, null, 8);
        c.setPoolName("fault-" + prefix);
        c.addDataSourceProperty("ApplicationName", "okfault-" + prefix);
        c.addDataSourceProperty("options", "-c statement_timeout=1500");
        pool = new HikariDataSource(c);
        backend = JdbcBackend.builder()
                .dataSource(pool)
                .tablePrefix(prefix)
                .migrateOnBuild(true)
                .build();
        backend.stockStorage().adjust(SKU, 10, "initial", Instant.now());
    }

    @AfterEach
    void tearDown() {
        Jdbi.create(pool).useHandle(h -> h.execute("DROP TABLE IF EXISTS " + String.join(", ", backend.tableNames())));
        pool.close();
    }

    private Connection admin() throws Exception {
        return DriverManager.getConnection(server.url());
    }

    /** Holds the stock row locked from a second connection so the next reserve blocks inside its transaction. */
    private Connection lockRow() throws Exception {
        Connection locker = admin();
        locker.setAutoCommit(false);
        try (Statement st = locker.createStatement()) {
            st.executeUpdate("UPDATE " + prefix + "stock_level SET version = version WHERE sku = 'FAULT-1'");
        }
        return locker;
    }

    private int terminateWaitingReserve(Connection admin) throws Exception {
        for (int i = 0; i < 200; i++) {
            try (Statement st = admin.createStatement();
                    var rs = st.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            + "WHERE application_name = 'okfault-" + prefix + "' AND wait_event_type = 'Lock' "
                            + "AND query LIKE '%" + prefix + "stock_level%'")) {
                int n = 0;
                while (rs.next()) {
                    n++;
                }
                if (n > 0) {
                    return n;
                }
            }
            Thread.sleep(20);
        }
        return 0;
    }

    private void assertNothingHalfWritten() {
        List<String> orphans = Jdbi.create(pool)
                .withHandle(h -> h.createQuery("SELECT r.id FROM " + prefix
                                + "reservation r LEFT JOIN " + prefix + "reservation_line l ON l.reservation_id = r.id "
                                + "WHERE l.reservation_id IS NULL")
                        .mapTo(String.class)
                        .list());
        assertThat(orphans).as("reservations without lines").isEmpty();
        assertThat(InvariantChecker.checkStock(backend.stockStorage())).isEmpty();
    }

    @Test
    void backendTerminatedMidReserveRollsBackAndRetrySucceeds() throws Exception {
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try (Connection locker = lockRow();
                Connection admin = admin()) {
            Future<ReserveResult> call = exec.submit(() -> backend.stockStorage()
                    .reserve(
                            "r-1",
                            List.of(new AllocatedLine(SKU, 3)),
                            Instant.now().plusSeconds(60),
                            Instant.now()));
            assertThat(terminateWaitingReserve(admin)).as("terminated backends").isEqualTo(1);
            assertThatThrownBy(() -> {
                        try {
                            call.get(10, TimeUnit.SECONDS);
                        } catch (ExecutionException e) {
                            throw e.getCause();
                        }
                    })
                    .isInstanceOf(BackendUnavailableException.class);
            locker.rollback();
        } finally {
            exec.shutdownNow();
        }
        // the reservation row inserted before the kill was rolled back with the rest
        assertThat(backend.stockStorage().reservation("r-1")).isEmpty();
        assertThat(backend.stockStorage().level(SKU).orElseThrow().reserved()).isZero();
        assertNothingHalfWritten();
        // the pool replaced the dead connection: the retry succeeds
        assertThat(backend.stockStorage()
                        .reserve(
                                "r-1",
                                List.of(new AllocatedLine(SKU, 3)),
                                Instant.now().plusSeconds(60),
                                Instant.now()))
                .isInstanceOf(ReserveResult.Reserved.class);
        assertThat(backend.stockStorage().level(SKU).orElseThrow().reserved()).isEqualTo(3);
        assertNothingHalfWritten();
    }

    @Test
    void statementTimeoutIsBackendUnavailableAndWritesNothing() throws Exception {
        StockLevel before = backend.stockStorage().level(SKU).orElseThrow();
        try (Connection locker = lockRow()) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> backend.stockStorage()
                            .reserve(
                                    "r-2",
                                    List.of(new AllocatedLine(SKU, 2)),
                                    Instant.now().plusSeconds(60),
                                    Instant.now()))
                    .isInstanceOf(BackendUnavailableException.class)
                    .hasMessageContaining("57014");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThatThrownBy(() -> backend.stockStorage().adjust(SKU, 5, "restock", Instant.now()))
                    .isInstanceOf(BackendUnavailableException.class);
            locker.rollback();
        }
        assertThat(backend.stockStorage().reservation("r-2")).isEmpty();
        assertThat(backend.stockStorage().level(SKU).orElseThrow()).isEqualTo(before);
        assertNothingHalfWritten();
    }

    @Test
    void randomTerminationsDuringPlacementsLeaveAConsistentState() throws Exception {
        backend.stockStorage().adjust(SKU, 40, "more", Instant.now());
        RetrySettings fast = new RetrySettings(
                50,
                Duration.ofMillis(1),
                Duration.ofMillis(10),
                5,
                Duration.ofMillis(5),
                Duration.ofMillis(50),
                2,
                Duration.ofMillis(1),
                Duration.ofMillis(5),
                1000,
                Duration.ofMillis(1),
                0.25);
        OrderKit kit = OrderKit.builder()
                .stockStorage(backend.stockStorage())
                .idempotencyStore(backend.idempotencyStore())
                .orderStore(backend.orderStore())
                .stepTransactions(backend.stepTransactions())
                .paymentPort(new SimulatedPaymentPort())
                .retry(fast)
                .lease(Duration.ofMillis(300))
                .build();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger kills = new AtomicInteger();
        Thread killer = new Thread(() -> {
            try (Connection admin = admin();
                    Statement st = admin.createStatement()) {
                while (!stop.get()) {
                    try (var rs = st.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            + "WHERE application_name = 'okfault-" + prefix + "' AND state <> 'idle' "
                            + "ORDER BY random() LIMIT 1")) {
                        while (rs.next()) {
                            kills.incrementAndGet();
                        }
                    }
                    Thread.sleep(15);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        killer.start();
        Set<Integer> attempted = ConcurrentHashMap.newKeySet();
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger successes = new AtomicInteger();
        ExecutorService pool8 = Executors.newFixedThreadPool(6);
        long deadline = System.nanoTime() + 3_000_000_000L;
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int tn = t;
            fs.add(pool8.submit(() -> {
                int i = 0;
                while (System.nanoTime() < deadline) {
                    int k = tn * 1000 + (i++ % 12);
                    attempted.add(k);
                    try {
                        kit.orders().place(request(k));
                        successes.incrementAndGet();
                    } catch (OrderKitException e) {
                        failures.incrementAndGet(); // BackendUnavailable, RequestInProgress ...: retryable
                    }
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool8.shutdown();
        stop.set(true);
        killer.join();
        assertThat(kills.get()).as("connections terminated").isPositive();
        assertThat(successes.get()).as("successful calls").isPositive();
        // the clients retry every key until it completes (leases are 300 ms)
        Thread.sleep(400);
        for (int k : attempted) {
            for (int attempt = 0; ; attempt++) {
                try {
                    kit.orders().place(request(k));
                    break;
                } catch (OrderKitException e) {
                    assertThat(e.isRetryable()).as("retryable: %s", e).isTrue();
                    assertThat(attempt).as("retries of key %d", k).isLessThan(50);
                    Thread.sleep(100);
                }
            }
        }
        List<String> ids = Jdbi.create(pool)
                .withHandle(h -> h.createQuery("SELECT id FROM " + prefix + "orders")
                        .mapTo(String.class)
                        .list());
        assertThat(ids).hasSize(attempted.size());
        assertThat(InvariantChecker.checkOrders(backend.stockStorage(), backend.orderStore(), ids))
                .isEmpty();
        long open = Jdbi.create(pool)
                .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + prefix + "idempotency WHERE completed = false")
                        .mapTo(Long.class)
                        .one());
        assertThat(open).as("keys left in progress").isZero();
        assertNothingHalfWritten();
        System.out.printf(
                "fault test: %d terminations, %d successes, %d retryable failures, %d keys%n",
                kills.get(), successes.get(), failures.get(), attempted.size());
    }

    // ------------------------------------------------------------------ ambiguous stock writes

    private static final RetrySettings FAST = new RetrySettings(
            50,
            Duration.ofMillis(1),
            Duration.ofMillis(10),
            5,
            Duration.ofMillis(5),
            Duration.ofMillis(50),
            2,
            Duration.ofMillis(1),
            Duration.ofMillis(5),
            1000,
            Duration.ofMillis(1),
            0.25);

    /** A second application instance on the same tables whose connections fail on demand. */
    private FaultInjectingDataSource faulty;

    private OrderKit faultyKit() {
        faulty = new FaultInjectingDataSource(pool);
        JdbcBackend b =
                JdbcBackend.builder().dataSource(faulty).tablePrefix(prefix).build();
        return OrderKit.builder()
                .stockStorage(b.stockStorage())
                .idempotencyStore(b.idempotencyStore())
                .orderStore(b.orderStore())
                .stepTransactions(b.stepTransactions())
                .paymentPort(new SimulatedPaymentPort())
                .retry(FAST)
                .build();
    }

    private List<Movement> movementsWith(String reference) {
        return backend.stockStorage().movements(SKU).stream()
                .filter(m -> reference.equals(m.reference()))
                .toList();
    }

    private long appliedWrites(String reference) {
        return Jdbi.create(pool)
                .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + prefix + "stock_write WHERE reference = :r")
                        .bind("r", reference)
                        .mapTo(Long.class)
                        .one());
    }

    /** Finding 1: the COMMIT of a restock succeeded, its acknowledgement was lost, the ledger retried. */
    @Test
    void restockWhoseCommitAcknowledgementIsLostIsAppliedOnce() {
        OrderKit kit = faultyKit();
        faulty.arm(Fault.LOSE_ACK, 1);
        StockLevel after = kit.stock().adjust(SKU, 5, "restock-42");
        assertThat(faulty.injected()).as("lost acknowledgements").isEqualTo(1);
        assertThat(after.onHand()).isEqualTo(15);
        assertThat(backend.stockStorage().level(SKU).orElseThrow().onHand())
                .as("on-hand")
                .isEqualTo(15);
        assertThat(movementsWith("restock-42"))
                .singleElement()
                .satisfies(m -> assertThat(m.onHandDelta()).isEqualTo(5));
        assertThat(appliedWrites("restock-42")).isEqualTo(1);
        // a later, deliberate repeat of the operation is answered the same way
        assertThat(kit.stock().adjust(SKU, 5, "restock-42")).isEqualTo(after);
        assertThat(backend.stockStorage().level(SKU).orElseThrow().onHand()).isEqualTo(15);
        assertNothingHalfWritten();
    }

    /** Finding 2: the COMMIT of a stock count succeeded, its acknowledgement was lost, the ledger retried. */
    @Test
    void countWhoseCommitAcknowledgementIsLostReturnsTheCountNotAConflict() {
        OrderKit kit = faultyKit();
        StockLevel before = kit.stock().level(SKU).orElseThrow();
        faulty.arm(Fault.LOSE_ACK, 1);
        StockLevel counted = kit.stock().setOnHand(SKU, 50, before.version(), "count-7");
        assertThat(faulty.injected()).as("lost acknowledgements").isEqualTo(1);
        assertThat(counted.onHand()).isEqualTo(50);
        assertThat(counted.version()).isEqualTo(before.version() + 1);
        assertThat(backend.stockStorage().level(SKU).orElseThrow()).isEqualTo(counted);
        assertThat(movementsWith("count-7"))
                .singleElement()
                .satisfies(m -> assertThat(m.onHandDelta()).isEqualTo(40));
        // a stale count under a new reference is still a real conflict
        assertThatThrownBy(() -> kit.stock().setOnHand(SKU, 60, before.version(), "count-8"))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertNothingHalfWritten();
    }

    @Test
    void writeThatFailsBeforeTheServerAppliedItChangesNothingAndItsRetryAppliesOnce() {
        OrderKit kit = faultyKit();
        JdbcBackend direct =
                JdbcBackend.builder().dataSource(faulty).tablePrefix(prefix).build();
        StockLevel before = backend.stockStorage().level(SKU).orElseThrow();
        // without a retry: the failure is reported and nothing was applied or recorded
        faulty.arm(Fault.FAIL_BEFORE, 1);
        assertThatThrownBy(() -> direct.stockStorage().adjust(SKU, 5, "restock-43", Instant.now()))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("08006");
        assertThat(backend.stockStorage().level(SKU).orElseThrow()).isEqualTo(before);
        assertThat(movementsWith("restock-43")).isEmpty();
        assertThat(appliedWrites("restock-43")).isZero();
        // through the ledger: the retry applies it, once
        faulty.arm(Fault.FAIL_BEFORE, 1);
        assertThat(kit.stock().adjust(SKU, 5, "restock-43").onHand()).isEqualTo(15);
        assertThat(faulty.injected()).isEqualTo(2);
        assertThat(movementsWith("restock-43")).hasSize(1);
        // the same for a count
        StockLevel mid = backend.stockStorage().level(SKU).orElseThrow();
        faulty.arm(Fault.FAIL_BEFORE, 1);
        StockLevel counted = kit.stock().setOnHand(SKU, 30, mid.version(), "count-9");
        assertThat(counted.onHand()).isEqualTo(30);
        assertThat(counted.version()).isEqualTo(mid.version() + 1);
        assertThat(movementsWith("count-9"))
                .singleElement()
                .satisfies(m -> assertThat(m.onHandDelta()).isEqualTo(15));
        assertThat(faulty.injected()).isEqualTo(3);
        assertNothingHalfWritten();
    }

    private static PlaceOrderRequest request(int k) {
        return PlaceOrderRequest.builder(Scope.of("fault"), IdempotencyKey.of("fault-" + k))
                .customerRef("c" + k)
                .currency("eur")
                .paymentMethod("pm_card_visa")
                .line("FAULT-1", 1, 100)
                .build();
    }
}
