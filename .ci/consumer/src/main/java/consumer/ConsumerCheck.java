package consumer;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;

/** Uses orderkit exactly as a downstream application would; exits non-zero if anything is off. */
public final class ConsumerCheck {
    public static void main(String[] args) {
        OrderKit kit = OrderKit.builder().build();
        kit.stock().adjust(StockKey.of("sku-1"), 5, "consumer-check");
        PlaceOrderRequest req = PlaceOrderRequest.builder(Scope.of("consumer"), IdempotencyKey.of("k-1"))
                .line("sku-1", 2, 100).build();
        PlaceOrderResult first = kit.orders().place(req);
        PlaceOrderResult again = kit.orders().place(req);
        if (first.outcome() != PlacementOutcome.PLACED || !again.replayed()
                || !again.order().id().equals(first.order().id())) {
            throw new IllegalStateException("in-memory placement misbehaved: " + first + " / " + again);
        }
        System.out.println("consumer-check: in-memory OK (order " + first.order().id() + ")");
    }
}
