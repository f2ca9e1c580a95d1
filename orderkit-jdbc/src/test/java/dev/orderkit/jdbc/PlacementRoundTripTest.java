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
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.testkit.TestServices;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Round trips and commits of one {@code place()} with every store on one database and atomic
 * phases ({@link JdbcBackend#stepTransactions()}), counted at the JDBC boundary: the two-commit
 * placement (claim + order + hold in one transaction, payment + commit of the hold + completion in
 * the other) must not grow unnoticed. Each dialect states what it achieves.
 */
class PlacementRoundTripTest {

    /** Round trips and commits one placement may take. */
    private record Budget(int roundTrips, int commits) {}

    private static Budget budget(Kind kind) {
        return switch (kind) {
            case POSTGRES -> new Budget(BUDGET_PG, 2);
            case MARIADB -> new Budget(BUDGET_MARIADB, 2);
            case H2 -> new Budget(BUDGET_H2, 2);
        };
    }

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

    @ParameterizedTest
    @EnumSource(Kind.class)
    void onePlacementTakesTheStatedRoundTripsAndTwoCommits(Kind kind) {
        String prefix = TestServices.uniqueName("prt").replace("_", "") + "_";
        RoundTripCountingDataSource counting =
                new RoundTripCountingDataSource(TestDatabases.pool(kind), kind == Kind.POSTGRES);
        JdbcBackend b = JdbcBackend.builder()
                .dataSource(counting)
                .tablePrefix(prefix)
                .migrateOnBuild(true)
                .build();
        try {
            b.stockStorage().adjust(StockKey.of("tee"), 100, "init", Instant.now());
            OrderKit kit = OrderKit.builder()
                    .stockStorage(b.stockStorage())
                    .idempotencyStore(b.idempotencyStore())
                    .orderStore(b.orderStore())
                    .stepTransactions(b.stepTransactions())
                    .paymentPort(new SimulatedPaymentPort())
                    .retry(RetrySettings.none())
                    .build();
            for (int i = 0; i < 3; i++) { // warm: caches of locations, statements
                place(kit, "warm-" + i);
            }
            counting.reset();
            place(kit, "counted");
            List<String> calls = counting.calls();
            long commits = calls.stream().filter(c -> c.equals("commit")).count();
            System.out.printf("place() on %s: %d round trips, %d commits%n", kind, calls.size(), commits);
            calls.forEach(c -> System.out.println("  " + c));
            Budget budget = budget(kind);
            assertThat(calls.size()).as("round trips: %s", calls).isLessThanOrEqualTo(budget.roundTrips());
            assertThat(commits).as("commits: %s", calls).isLessThanOrEqualTo(budget.commits());
        } finally {
            Jdbi.create(counting.unwrapped())
                    .useHandle(h -> h.execute("DROP TABLE IF EXISTS " + String.join(", ", b.tableNames())));
        }
    }

    private static void place(OrderKit kit, String key) {
        var result = kit.orders()
                .place(PlaceOrderRequest.builder(Scope.of("shop"), IdempotencyKey.of(key))
                        .line("tee", 1, 100)
                        .build());
        assertThat(result.outcome()).isEqualTo(PlacementOutcome.PLACED);
    }
}
