package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.testkit.TestServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What one successful {@code place()} costs the database, per dialect, with every store on one
 * database. With {@link JdbcBackend#stepTransactions()} a placement commits twice — claim + order +
 * hold + STOCK_RESERVED before the payment call, authorization + committed hold + CONFIRMED +
 * completed key after it — and takes at most the round trips its dialect states, so neither grows
 * unnoticed. Step by step (no step transactions) it still commits once per step.
 *
 * <p>Two counters sit between the backend and the pool: {@link RoundTripCountingDataSource} lists
 * the client→server calls of one warmed placement (the round-trip budget), {@link
 * CountingDataSource} counts write commits and transactions over {@link #ORDERS} placements. The
 * per-order numbers are written to {@code target/placement-commits.txt}.
 */
class PlacementCommitsTest {
    private static final int ORDERS = 10;
    private static final StockKey TEE = StockKey.of("tee");

    /**
     * PostgreSQL: claim, order + event, hold (one statement with its event), STOCK_RESERVED +
     * event, COMMIT; PAYMENT_AUTHORIZED + event, commit of the hold, CONFIRMED + event, key
     * completion, COMMIT (each order write and its events one statement).
     */
    private static final int BUDGET_PG = 10;
    /** MariaDB: as PostgreSQL, but events, hold and transitions are separate statements, plus savepoints and auto-commit switches. */
    private static final int BUDGET_MARIADB = 29;
    /** H2: as MariaDB, plus the transition's separate line update. */
    private static final int BUDGET_H2 = 30;

    /** Round trips one placement with step transactions may take on {@code kind}. */
    private static int roundTripBudget(Kind kind) {
        return switch (kind) {
            case POSTGRES -> BUDGET_PG;
            case MARIADB -> BUDGET_MARIADB;
            case H2 -> BUDGET_H2;
        };
    }

    private static OrderKit kit(JdbcBackend b, StepTransactions steps) {
        return OrderKit.builder()
                .stockStorage(b.stockStorage())
                .idempotencyStore(b.idempotencyStore())
                .orderStore(b.orderStore())
                .stepTransactions(steps)
                .paymentPort(new SimulatedPaymentPort())
                .retry(RetrySettings.none())
                .build();
    }

    private static void place(OrderKit kit, String key) {
        PlaceOrderRequest request = PlaceOrderRequest.builder(Scope.of("shop"), IdempotencyKey.of(key))
                .paymentMethod("pm_card_visa")
                .line("tee", 1, 100)
                .build();
        assertThat(kit.orders().place(request).outcome()).isEqualTo(PlacementOutcome.PLACED);
    }

    /** Places {@link #ORDERS} orders (after one warm-up order) and returns what they cost. */
    private static CountingDataSource.Counts placements(OrderKit kit, CountingDataSource counting, String run) {
        place(kit, run + "warm");
        CountingDataSource.Counts before = counting.counts();
        for (int i = 0; i < ORDERS; i++) {
            place(kit, run + i);
        }
        return counting.counts().minus(before);
    }

    private static void report(Kind kind, String what, CountingDataSource.Counts c) {
        String line = kind + " " + what + ": " + c.perOrder(ORDERS);
        System.out.println(line);
        try {
            Files.createDirectories(Path.of("target"));
            Files.writeString(
                    Path.of("target", "placement-commits.txt"),
                    line + "\n",
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aPlacementCommitsTwiceWithinItsRoundTripBudgetWithStepTransactions(Kind kind) {
        String prefix = TestServices.uniqueName("pc").replace("_", "") + "_";
        RoundTripCountingDataSource roundTrips =
                new RoundTripCountingDataSource(TestDatabases.pool(kind), kind == Kind.POSTGRES);
        CountingDataSource counting = new CountingDataSource(roundTrips);
        JdbcBackend b = JdbcBackend.builder()
                .dataSource(counting)
                .tablePrefix(prefix)
                .migrateOnBuild(true)
                .build();
        try {
            b.stockStorage().adjust(TEE, 100, "init", Instant.now());
            OrderKit atomicKit = kit(b, b.stepTransactions());
            for (int i = 0; i < 3; i++) { // warm: caches of locations, statements
                place(atomicKit, "warm-" + i);
            }

            roundTrips.reset();
            CountingDataSource.Counts before = counting.counts();
            place(atomicKit, "counted");
            CountingDataSource.Counts one = counting.counts().minus(before);
            List<String> calls = roundTrips.calls();
            long commitCalls = calls.stream().filter("commit"::equals).count();
            System.out.printf("place() on %s: %d round trips, %d commits%n", kind, calls.size(), commitCalls);
            calls.forEach(c -> System.out.println("  " + c));
            assertThat(calls.size())
                    .as("round trips of one placement: %s", calls)
                    .isLessThanOrEqualTo(roundTripBudget(kind));
            assertThat(commitCalls).as("commits of one placement: %s", calls).isEqualTo(2L);
            assertThat(one.writeCommits())
                    .as("write commits of one placement: %s", calls)
                    .isEqualTo(2L);

            CountingDataSource.Counts atomic = placements(atomicKit, counting, "two-commit-");
            report(kind, "two-commit placement (stepTransactions)", atomic);
            CountingDataSource.Counts stepwise = placements(kit(b, StepTransactions.NONE), counting, "step-by-step-");
            report(kind, "step-by-step placement (no stepTransactions)", stepwise);

            assertThat(atomic.writeCommits())
                    .as("write commits per successful placement with step transactions")
                    .isEqualTo(2L * ORDERS);
            assertThat(atomic.transactions())
                    .as("transactions: the two writes, and at most a level read now and then")
                    .isLessThanOrEqualTo(3L * ORDERS);
            assertThat(stepwise.writeCommits()).isGreaterThan(atomic.writeCommits());
        } finally {
            Jdbi.create(TestDatabases.pool(kind))
                    .useHandle(h -> h.execute("DROP TABLE IF EXISTS " + String.join(", ", b.tableNames())));
        }
    }
}
