package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.testkit.InvariantChecker;
import dev.orderkit.testkit.TestServices;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Round trips per stock write on the hot path (reserve, transition), counted at the JDBC boundary
 * by {@link RoundTripCountingDataSource}: each dialect states the numbers it achieves, so a change
 * that adds a round trip fails here. PostgreSQL: one statement, one round trip, for every reserve
 * and every transition in auto-commit mode.
 */
abstract class StockRoundTrips {
    private static final StockKey A = StockKey.of("RT-A");
    private static final StockKey B = StockKey.of("RT-B");
    private static final StockKey C = StockKey.of("RT-C");

    /** Round trips each case may take on this dialect. */
    record Budget(int reserve1, int reserve3, int reserveShort, int reserveRepeat, int commit, int release) {}

    private RoundTripCountingDataSource counting;
    private JdbcBackend backend;
    private StockStorage stock;

    protected abstract DataSource dataSource(String prefix);

    protected abstract boolean postgres();

    protected abstract Budget budget();

    @BeforeEach
    void setUp() {
        String prefix = TestServices.uniqueName("rt").replace("_", "") + "_";
        counting = new RoundTripCountingDataSource(dataSource(prefix), postgres());
        backend = JdbcBackend.builder()
                .dataSource(counting)
                .tablePrefix(prefix)
                .migrateOnBuild(true)
                .build();
        stock = backend.stockStorage();
        Instant now = Instant.now();
        for (StockKey k : List.of(A, B, C)) {
            stock.adjust(k, 100, "initial", now);
        }
    }

    @AfterEach
    void tearDown() {
        assertThat(InvariantChecker.checkStock(stock)).isEmpty();
        Jdbi.create(counting.unwrapped())
                .useHandle(h -> h.execute("DROP TABLE IF EXISTS " + String.join(", ", backend.tableNames())));
    }

    private <T> T counted(String what, int budget, Supplier<T> call) {
        counting.reset();
        T result = call.get();
        int n = counting.roundTrips();
        System.out.printf("round trips %-28s %d %s%n", what, n, counting.calls());
        assertThat(n).as("round trips of %s: %s", what, counting.calls()).isLessThanOrEqualTo(budget);
        return result;
    }

    private static ReserveResult reserve(StockStorage s, String id, List<AllocatedLine> lines) {
        Instant now = Instant.now();
        return s.reserve(id, lines, now.plusSeconds(60), now);
    }

    @Test
    void reserveAndTransitionsTakeTheStatedRoundTrips() {
        Budget b = budget();
        assertThat(counted(
                        "reserve 1 line", b.reserve1(), () -> reserve(stock, "r1", List.of(new AllocatedLine(A, 2)))))
                .isInstanceOf(ReserveResult.Reserved.class);
        List<AllocatedLine> three = List.of(new AllocatedLine(A, 1), new AllocatedLine(B, 1), new AllocatedLine(C, 1));
        assertThat(counted("reserve 3 lines", b.reserve3(), () -> reserve(stock, "r3", three)))
                .isInstanceOf(ReserveResult.Reserved.class);
        assertThat(counted(
                        "reserve short (2nd line)",
                        b.reserveShort(),
                        () -> reserve(stock, "r4", List.of(new AllocatedLine(A, 1), new AllocatedLine(B, 500)))))
                .isInstanceOfSatisfying(
                        ReserveResult.Insufficient.class,
                        r -> assertThat(r.shortfalls()).singleElement().satisfies(sf -> {
                            assertThat(sf.sku()).isEqualTo("RT-B");
                            assertThat(sf.available()).isEqualTo(99);
                        }));
        assertThat(counted(
                        "reserve repeat",
                        b.reserveRepeat(),
                        () -> reserve(stock, "r1", List.of(new AllocatedLine(A, 2)))))
                .isInstanceOf(ReserveResult.AlreadyExists.class);
        Instant now = Instant.now();
        assertThat(counted("commit", b.commit(), () -> stock.transition("r1", ReservationTransition.COMMIT, now)))
                .isInstanceOf(TransitionResult.Applied.class);
        assertThat(counted(
                        "commit repeat", b.commit(), () -> stock.transition("r1", ReservationTransition.COMMIT, now)))
                .isInstanceOf(TransitionResult.Unchanged.class);
        assertThat(counted(
                        "release 3 lines",
                        b.release(),
                        () -> stock.transition("r3", ReservationTransition.RELEASE, now)))
                .isInstanceOf(TransitionResult.Applied.class);
        assertThat(counted("fulfil", b.release(), () -> stock.transition("r1", ReservationTransition.FULFIL, now)))
                .isInstanceOf(TransitionResult.Applied.class);
        assertThat(stock.level(A).orElseThrow().onHand()).isEqualTo(98);
        assertThat(stock.level(A).orElseThrow().reserved()).isZero();
    }

    /**
     * Round trips the sweeper may take per batch of 500 due holds: the ids (a short transaction of
     * their own, with SKIP LOCKED) and {@code expireAll}: on PostgreSQL one statement, on the others
     * one transaction of a fixed number of statements.
     */
    protected int expiryRoundTripsPerBatch() {
        return postgres() ? 4 : 14;
    }

    /**
     * Expiring 5,000 due holds the way the sweeper did before (one transition per hold) and with the
     * batch primitive: round trips and time, printed; the batch must stay within its budget per batch
     * of 500, whatever the batch size.
     */
    @Test
    void expiringFiveThousandDueHoldsTakesAFewRoundTripsPerBatch() {
        int n = 5_000;
        Instant t0 = Instant.now();
        stock.adjust(A, 2 * n, "for the holds", t0);
        for (String set : List.of("one-by-one", "batch")) {
            List<ReserveCommand> cmds = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                cmds.add(new ReserveCommand(set + "-" + i, List.of(new AllocatedLine(A, 1)), t0.plusMillis(100), t0));
                if (cmds.size() == stock.reserveBatchLimit() || i == n - 1) {
                    assertThat(stock.reserveAll(cmds)).allMatch(r -> r instanceof ReserveResult.Reserved);
                    cmds.clear();
                }
            }
            Instant due = t0.plusSeconds(1);
            counting.reset();
            long start = System.nanoTime();
            int expired = 0;
            for (List<String> ids = stock.dueReservations(due, 500);
                    !ids.isEmpty();
                    ids = stock.dueReservations(due, 500)) {
                if (set.equals("batch")) {
                    expired += stock.expireAll(ids, due).size();
                } else {
                    for (String id : ids) {
                        if (stock.transition(id, ReservationTransition.EXPIRE, due)
                                instanceof TransitionResult.Applied) {
                            expired++;
                        }
                    }
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            int trips = counting.roundTrips();
            System.out.printf("expire %d due holds %-10s: %d round trips, %d ms%n", n, set, trips, ms);
            assertThat(expired).isEqualTo(n);
            if (set.equals("batch")) {
                assertThat(trips).isLessThanOrEqualTo((n / 500 + 1) * expiryRoundTripsPerBatch());
            }
        }
        assertThat(stock.level(A).orElseThrow().reserved()).isZero();
    }

    @Test
    void insideAStepTransactionTheReserveIsStillOneStatementOnPostgres() {
        counting.reset();
        ReserveResult r = backend.stepTransactions()
                .inTransaction(() -> reserve(stock, "s1", List.of(new AllocatedLine(A, 2), new AllocatedLine(B, 1))));
        assertThat(r).isInstanceOf(ReserveResult.Reserved.class);
        List<String> statements = counting.calls().stream()
                .filter(c -> !c.startsWith("commit")
                        && !c.startsWith("rollback")
                        && !c.startsWith("set")
                        && !c.startsWith("release"))
                .toList();
        System.out.printf("step transaction reserve: %s%n", counting.calls());
        if (postgres()) {
            assertThat(statements).as("statements of the reserve").hasSize(1);
        }
        assertThat(stock.level(A).orElseThrow().reserved()).isEqualTo(2);
    }
}
