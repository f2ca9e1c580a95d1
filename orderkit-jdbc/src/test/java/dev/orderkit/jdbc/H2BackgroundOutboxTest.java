package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.Background;
import dev.orderkit.core.BackgroundTaskStatus;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.jdbc.TestDatabases.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The kit's background runner publishes the JDBC outbox ({@code OutboxPublisher} given to
 * {@code OrderKit.Builder#outboxPublishing}) with no manual {@code publishPending()} call, on two
 * application instances at once (two kits, two connection pools, one database): every event is
 * delivered exactly once (claimed batches), and {@code close()} stops both.
 */
class H2BackgroundOutboxTest {

    private static OrderKit instance(JdbcFixture f, Map<String, AtomicInteger> deliveries) {
        JdbcBackend db = f.backend();
        return OrderKit.builder()
                .stockStorage(db.stockStorage())
                .idempotencyStore(db.idempotencyStore())
                .orderStore(db.orderStore())
                .stepTransactions(db.stepTransactions())
                .paymentPort(new SimulatedPaymentPort())
                .background(Background.on()
                        .withInitialDelay(Duration.ZERO)
                        .withOutboxEvery(Duration.ofMillis(100))
                        .withExpiryEvery(Duration.ofMillis(100)))
                .outboxPublishing(db.outboxPublisher(e -> deliveries
                        .computeIfAbsent(e.id(), k -> new AtomicInteger())
                        .incrementAndGet()))
                .build();
    }

    private static BackgroundTaskStatus outboxStatus(OrderKit kit) {
        return kit.backgroundStatus().stream()
                .filter(s -> s.task().equals(Background.OUTBOX))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void twoInstancesPublishEveryEventOnceWithoutAManualCall() throws Exception {
        try (JdbcFixture f = JdbcFixture.create(Kind.H2);
                JdbcFixture peer = f.peer()) {
            Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
            OrderKit a = instance(f, deliveries);
            OrderKit b = instance(peer, deliveries);
            try {
                a.stock().adjust(StockKey.of("tee"), 100, "init");
                List<String> orderIds = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    OrderKit kit = i % 2 == 0 ? a : b;
                    var r = kit.orders()
                            .place(PlaceOrderRequest.builder(Scope.of("shop"), IdempotencyKey.of("k" + i))
                                    .line("tee", 1, 500)
                                    .build());
                    assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
                    orderIds.add(r.order().id());
                }
                OutboxPublisher probe = f.backend().outboxPublisher(e -> {});
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (probe.count("PENDING") > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(probe.count("PENDING")).as("pending outbox rows").isZero();
                long sent = probe.count("SENT");
                assertThat(sent).isGreaterThanOrEqualTo(2L * orderIds.size()); // created + confirmed each
                assertThat(deliveries).hasSize((int) sent);
                assertThat(deliveries.values())
                        .allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
                assertThat(deliveries.keySet())
                        .filteredOn(id -> id.contains(":order_confirmed:")) // ids: <order>:<type>:<version>
                        .hasSize(orderIds.size());
                for (OrderKit kit : List.of(a, b)) {
                    // both kits' tasks run on their own (the first run comes within one period of
                    // the start, which a fast machine's 20 placements may not have reached)
                    while (outboxStatus(kit).runs() == 0 && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    BackgroundTaskStatus outbox = outboxStatus(kit);
                    assertThat(outbox.runs()).isPositive();
                    assertThat(outbox.failures()).isZero();
                }
            } finally {
                a.close();
                b.close();
            }
            assertThat(a.backgroundStatus())
                    .allSatisfy(s -> assertThat(s.nextRunAt()).isNull());
            assertThat(b.backgroundStatus())
                    .allSatisfy(s -> assertThat(s.nextRunAt()).isNull());
        }
    }
}
