package dev.orderkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.Background;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.memory.InMemoryEventSink;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JdbcExampleTest {

    @Test
    void jdbcTemplatePlacesOrdersAndItsBackgroundWorkPublishesTheirEvents() throws Exception {
        InMemoryEventSink events = new InMemoryEventSink();
        try (JdbcExample.App app = JdbcExample.start(
                "jdbc:h2:mem:example;DB_CLOSE_DELAY=-1", "sa", "", "ok_", new SimulatedPaymentPort(), events)) {
            app.kit().stock().adjust(StockKey.of("tee"), 3, "init");
            PlaceOrderRequest req = PlaceOrderRequest.builder(Scope.of("shop"), IdempotencyKey.of("k1"))
                    .line("tee", 2, 500)
                    .build();
            var placed = app.kit().orders().place(req);
            assertThat(placed.outcome()).isEqualTo(PlacementOutcome.PLACED);
            assertThat(app.kit().orders().place(req).replayed()).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (events.events(EventType.ORDER_CONFIRMED).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20); // the kit's background runner publishes the outbox
            }
            assertThat(events.events(EventType.ORDER_CONFIRMED))
                    .extracting(e -> e.subjectId())
                    .containsExactly(placed.order().id());
            assertThat(app.kit().backgroundStatus())
                    .filteredOn(s -> s.task().equals(Background.OUTBOX))
                    .singleElement()
                    .satisfies(s -> assertThat(s.lastSucceededAt()).isNotNull());
        }
    }
}
