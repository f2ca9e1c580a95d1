package dev.orderkit.micrometer;

import static dev.orderkit.micrometer.MeterScenario.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jdbc.OutboxPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The meter scenario on a real backend (orderkit-jdbc on H2, atomic steps), and the outbox meters. */
class H2MetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerInstrumentation metrics =
            MicrometerInstrumentation.builder().meterRegistry(registry).build();
    private JdbcConnectionPool pool;
    private JdbcBackend backend;
    private OrderKit kit;

    @BeforeEach
    void start() {
        pool = JdbcConnectionPool.create(
                "jdbc:h2:mem:okmetrics" + Long.toHexString(System.nanoTime()) + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000",
                "sa",
                "");
        backend = JdbcBackend.builder()
                .dataSource(pool)
                .tablePrefix("ok_")
                .migrateOnBuild(true)
                .build();
        kit = OrderKit.builder()
                .stockStorage(backend.stockStorage())
                .idempotencyStore(backend.idempotencyStore())
                .orderStore(backend.orderStore())
                .stepTransactions(backend.stepTransactions())
                .instrumentation(metrics)
                .build();
    }

    @AfterEach
    void stop() {
        kit.close();
        pool.dispose();
    }

    @Test
    void tenPlacementsWithThreeReplaysAndTwoShortfalls() {
        MeterScenario.runAndCheck(kit, registry);
    }

    @Test
    void outboxRoundsReportDeliveriesDeadLettersAndLag() {
        MeterScenario.runAndCheck(kit, registry);
        long pending = backend.outboxPublisher(e -> {}).count("PENDING");
        assertThat(pending).isPositive();
        OutboxPublisher.Settings oneAttempt = new OutboxPublisher.Settings(
                3, 1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMinutes(1), Duration.ofSeconds(1));
        // a sink that refuses everything: each claimed event is a failure and, with one attempt, a dead letter
        OutboxPublisher failing = backend.outboxPublisher(
                (OrderKitEvent e) -> {
                    throw new IllegalStateException("sink down");
                },
                oneAttempt,
                metrics);
        assertThat(failing.publishPending()).isZero();
        long dead = failing.count("DEAD");
        assertThat(dead).isPositive();
        assertThat(count(registry, "orderkit.outbox.failures")).isEqualTo(dead);
        assertThat(count(registry, "orderkit.outbox.dead.letters")).isEqualTo(dead);
        assertThat(registry.get("orderkit.outbox.lag").gauge().value()).isGreaterThanOrEqualTo(0);

        OutboxPublisher working = backend.outboxPublisher(e -> {}, OutboxPublisher.Settings.defaults(), metrics);
        int delivered = working.publishPending();
        assertThat(delivered).isEqualTo((int) (pending - dead));
        assertThat(count(registry, "orderkit.outbox.published")).isEqualTo(delivered);
        assertThat(working.publishPending()).isZero();
        assertThat(registry.get("orderkit.outbox.lag").gauge().value()).isZero();
    }
}
