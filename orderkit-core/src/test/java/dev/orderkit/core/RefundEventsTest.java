package dev.orderkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryEventSink;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Refund and dispute events: which, with which attributes, written with the change they describe. */
class RefundEventsTest {
    private final InMemoryEventSink sink = new InMemoryEventSink();
    private final OrderKit kit = OrderKit.builder().eventSink(sink).build();
    private final Scope shop = Scope.of("shop");

    private Order fulfilled() {
        kit.stock().adjust(StockKey.of("sku"), 5, "initial");
        Order o = kit.orders()
                .place(PlaceOrderRequest.builder(shop, IdempotencyKey.of("k"))
                        .line("sku", 2, 500)
                        .build())
                .order();
        return kit.orders().fulfil(shop, o.id());
    }

    private List<OrderKitEvent> refundAndDisputeEvents() {
        return sink.events().stream()
                .filter(e ->
                        e.type().name().contains("REFUND") || e.type().name().startsWith("DISPUTE"))
                .toList();
    }

    @Test
    void aPartialThenAFullRefundEmitTheirEventsWithTheOrdersVersions() {
        Order o = fulfilled();
        Order partial = kit.orders().refund(shop, o.id(), Money.of(300, "usd"), IdempotencyKey.of("r-1"));
        Order full = kit.orders().refund(shop, o.id(), Money.of(700, "usd"), IdempotencyKey.of("r-2"));
        kit.orders().refund(shop, o.id(), Money.of(700, "usd"), IdempotencyKey.of("r-2")); // a repeat: no event

        List<OrderKitEvent> events = refundAndDisputeEvents();
        assertThat(events)
                .extracting(OrderKitEvent::type)
                .containsExactly(
                        EventType.REFUND_REQUESTED,
                        EventType.ORDER_REFUNDED,
                        EventType.REFUND_REQUESTED,
                        EventType.ORDER_REFUNDED);
        OrderKitEvent first = events.get(1);
        assertThat(first.subjectId()).isEqualTo(o.id());
        assertThat(first.id()).isEqualTo(o.id() + ":order_refunded:" + partial.version());
        assertThat(first.attributes())
                .containsEntry("refundId", Refund.idFor("r-1"))
                .containsEntry("amount", "300")
                .containsEntry("currency", "usd")
                .containsEntry("refunded", "300")
                .containsEntry("full", "false")
                .containsEntry("status", "FULFILLED")
                .containsEntry("refundStatus", "SUCCEEDED")
                .containsEntry("origin", "API");
        assertThat(events.get(3).attributes())
                .containsEntry("refunded", "1000")
                .containsEntry("full", "true")
                .containsEntry("status", "REFUNDED");
        assertThat(events.get(3).id()).isEqualTo(o.id() + ":order_refunded:" + full.version());
        assertThat(events.get(2).attributes()).containsEntry("status", "REFUNDING");
    }

    @Test
    void gatewayRefundsAndDisputesEmitTheirEventsOnlyWhenSomethingChanged() {
        Order o = fulfilled();
        RefundUpdate failed = new RefundUpdate("re_1", null, Money.of(100, "usd"), Refund.Status.FAILED, "declined");
        kit.orders().applyRefundUpdate(o.id(), failed);
        kit.orders().applyRefundUpdate(o.id(), failed);
        Dispute open = new Dispute("dp_1", Money.of(1000, "usd"), "needs_response", "fraudulent", Instant.EPOCH);
        kit.orders().applyDisputeUpdate(o.id(), open);
        kit.orders().applyDisputeUpdate(o.id(), open);
        kit.orders()
                .applyDisputeUpdate(
                        o.id(),
                        new Dispute("dp_1", Money.of(1000, "usd"), "under_review", "fraudulent", Instant.EPOCH));
        kit.orders()
                .applyDisputeUpdate(
                        o.id(), new Dispute("dp_1", Money.of(1000, "usd"), "lost", "fraudulent", Instant.EPOCH));

        List<OrderKitEvent> events = refundAndDisputeEvents();
        assertThat(events)
                .extracting(OrderKitEvent::type)
                .containsExactly(
                        EventType.REFUND_FAILED,
                        EventType.DISPUTE_OPENED,
                        EventType.DISPUTE_UPDATED,
                        EventType.DISPUTE_CLOSED);
        assertThat(events.get(0).attributes())
                .containsEntry("reason", "declined")
                .containsEntry("origin", "GATEWAY")
                .containsEntry("gatewayRefundId", "re_1");
        assertThat(events.get(3).attributes())
                .containsEntry("disputeId", "dp_1")
                .containsEntry("disputeStatus", "lost")
                .containsEntry("amount", "1000")
                .containsEntry("reason", "fraudulent");
    }
}
