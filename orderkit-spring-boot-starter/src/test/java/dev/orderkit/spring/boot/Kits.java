package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import java.util.Map;
import java.util.UUID;

/** Test helpers shared by the starter's tests. */
final class Kits {
    private Kits() {}

    /** Places one order of 2 x sku-1 on 5 in stock and checks the placement, the replay and the stock left. */
    static PlaceOrderResult placeOneOrder(OrderKit kit) {
        String sku = "sku-" + UUID.randomUUID();
        kit.stock().adjust(StockKey.of(sku), 5, "test");
        PlaceOrderRequest req = PlaceOrderRequest.builder(Scope.of("boot"), IdempotencyKey.of("k-" + UUID.randomUUID()))
                .line(sku, 2, 100)
                .build();
        PlaceOrderResult first = kit.orders().place(req);
        PlaceOrderResult again = kit.orders().place(req);
        assertThat(first.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(again.replayed()).isTrue();
        assertThat(again.order().id()).isEqualTo(first.order().id());
        assertThat(kit.stock().level(StockKey.of(sku)).orElseThrow().available())
                .isEqualTo(3);
        return first;
    }

    /**
     * Reads a health indicator bean of either Boot line (their types live in different packages,
     * and only one is on the test class path): its status code and details.
     */
    static Map.Entry<String, Map<String, Object>> health(Object indicator) {
        try {
            Class<?> api = null;
            for (Class<?> i : indicator.getClass().getInterfaces()) {
                if (i.getName().endsWith(".HealthIndicator")) {
                    api = i;
                }
            }
            assertThat(api).as("a HealthIndicator of Boot 4 or Boot 3").isNotNull();
            Object health = api.getMethod("health").invoke(indicator);
            Object status = health.getClass().getMethod("getStatus").invoke(health);
            String code = (String) status.getClass().getMethod("getCode").invoke(status);
            @SuppressWarnings("unchecked")
            Map<String, Object> details = (Map<String, Object>)
                    health.getClass().getMethod("getDetails").invoke(health);
            return Map.entry(code, details);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e);
        }
    }
}
