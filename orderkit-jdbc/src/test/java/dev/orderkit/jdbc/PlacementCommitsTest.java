package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.jdbc.TestDatabases.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Counts what one successful {@code place()} costs the database (see {@link CountingDataSource}):
 * with {@link JdbcBackend#stepTransactions()} a placement commits twice — claim + order + hold +
 * STOCK_RESERVED before the payment call, authorization + committed hold + CONFIRMED + completed key
 * after it. Step by step (no step transactions) it still commits once per step; the numbers of both
 * are written to {@code target/placement-commits.txt}.
 */
class PlacementCommitsTest {
    private static final int ORDERS = 10;
    private static final StockKey TEE = StockKey.of("tee");

    private static OrderKit kit(JdbcBackend b, StepTransactions steps) {
        return OrderKit.builder()
                .stockStorage(b.stockStorage())
                .idempotencyStore(b.idempotencyStore())
                .orderStore(b.orderStore())
                .stepTransactions(steps)
                .paymentPort(new SimulatedPaymentPort())
                .build();
    }

    private static PlaceOrderRequest request(String key) {
        return PlaceOrderRequest.builder(Scope.of("shop"), IdempotencyKey.of(key))
                .paymentMethod("pm_card_visa")
                .line("tee", 1, 100)
                .build();
    }

    /** Places {@link #ORDERS} orders (after one warm-up order) and returns what they cost. */
    private static CountingDataSource.Counts placements(JdbcBackend b, CountingDataSource counting, boolean atomic) {
        OrderKit kit = kit(b, atomic ? b.stepTransactions() : StepTransactions.NONE);
        String run = atomic ? "two-commit-" : "step-by-step-";
        assertThat(kit.orders().place(request(run + "warm")).outcome()).isEqualTo(PlacementOutcome.PLACED);
        CountingDataSource.Counts before = counting.counts();
        for (int i = 0; i < ORDERS; i++) {
            assertThat(kit.orders().place(request(run + i)).outcome()).isEqualTo(PlacementOutcome.PLACED);
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
    @EnumSource(
            value = Kind.class,
            names = {"H2", "POSTGRES"})
    void aSuccessfulPlacementCommitsTwiceWithStepTransactions(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            CountingDataSource counting = new CountingDataSource(f.dataSource());
            JdbcBackend b = JdbcBackend.builder()
                    .dataSource(counting)
                    .tablePrefix(f.backend().tablePrefix())
                    .build();
            b.stockStorage().adjust(TEE, 100, "init", Instant.now());

            CountingDataSource.Counts atomic = placements(b, counting, true);
            report(kind, "two-commit placement (stepTransactions)", atomic);
            CountingDataSource.Counts stepwise = placements(b, counting, false);
            report(kind, "step-by-step placement (no stepTransactions)", stepwise);

            assertThat(atomic.writeCommits())
                    .as("write commits per successful placement with step transactions")
                    .isEqualTo(2L * ORDERS);
            assertThat(atomic.transactions())
                    .as("transactions: the two writes, and at most a level read now and then")
                    .isLessThanOrEqualTo(3L * ORDERS);
            assertThat(stepwise.writeCommits()).isGreaterThan(atomic.writeCommits());
        }
    }
}
