package dev.orderkit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.RequiredSearch;

/**
 * The known scenario of the meter tests, the same on every backend: 10 placements, of which 5 place,
 * 3 replay and 2 find the stock short, then one key reused with another request.
 */
final class MeterScenario {
    static final Scope SCOPE = Scope.of("shop-1");

    private MeterScenario() {}

    static PlaceOrderRequest order(String key, long quantity) {
        return PlaceOrderRequest.builder(SCOPE, IdempotencyKey.of(key))
                .customerRef("cust-1")
                .currency("eur")
                .paymentMethod("pm_ok")
                .line("sku-a", quantity, 1000)
                .build();
    }

    /** Runs the scenario on a fresh kit (no stock yet) and checks every meter it touches. */
    static void runAndCheck(OrderKit kit, MeterRegistry registry) {
        kit.stock().adjust(StockKey.of("sku-a"), 5, "initial");
        for (int i = 1; i <= 5; i++) {
            assertThat(kit.orders().place(order("k" + i, 1)).outcome()).isEqualTo(PlacementOutcome.PLACED);
        }
        for (int i = 1; i <= 3; i++) {
            PlaceOrderResult replay = kit.orders().place(order("k" + i, 1));
            assertThat(replay.replayed()).isTrue();
        }
        for (int i = 6; i <= 7; i++) {
            assertThat(kit.orders().place(order("k" + i, 1)).outcome()).isEqualTo(PlacementOutcome.OUT_OF_STOCK);
        }
        assertThatThrownBy(() -> kit.orders().place(order("k1", 2))).isInstanceOf(IdempotencyKeyReuseException.class);

        assertThat(count(registry, "orderkit.placements", "outcome", "placed", "replayed", "false"))
                .isEqualTo(5);
        assertThat(count(registry, "orderkit.placements", "outcome", "placed", "replayed", "true"))
                .isEqualTo(3);
        assertThat(count(registry, "orderkit.placements", "outcome", "out_of_stock", "replayed", "false"))
                .isEqualTo(2);
        assertThat(registry.get("orderkit.placements").counters().stream()
                        .mapToDouble(c -> c.count())
                        .sum())
                .isEqualTo(10);
        assertThat(count(registry, "orderkit.idempotency.key.reuse")).isEqualTo(1);
        assertThat(registry.find("orderkit.idempotency.in.progress").counter()).isNull();
        assertThat(count(registry, "orderkit.reservations", "result", "reserved"))
                .isEqualTo(5);
        assertThat(count(registry, "orderkit.reservations", "result", "out_of_stock"))
                .isEqualTo(2);

        assertThat(timerCount(registry, "orderkit.placement.duration", "outcome", "placed"))
                .isEqualTo(8);
        assertThat(timerCount(registry, "orderkit.placement.duration", "outcome", "out_of_stock"))
                .isEqualTo(2);
        assertThat(timerCount(registry, "orderkit.placement.duration", "outcome", "key_reuse"))
                .isEqualTo(1);
        assertThat(timerCount(registry, "orderkit.reservation.duration", "outcome", "reserved"))
                .isEqualTo(5);
        assertThat(timerCount(registry, "orderkit.reservation.duration", "outcome", "out_of_stock"))
                .isEqualTo(2);
        assertThat(timerCount(registry, "orderkit.payment.duration", "operation", "authorize", "outcome", "approved"))
                .isEqualTo(5);
        assertThat(registry.get("orderkit.payment.duration").timers()).hasSize(1);
        assertThat(registry.find("orderkit.backend.errors").counter()).isNull();

        // bounded tags only: no key, scope, SKU or order id anywhere
        registry.getMeters()
                .forEach(m -> m.getId()
                        .getTags()
                        .forEach(t -> assertThat(t.getValue()).doesNotContain("k1", "shop-1", "sku-a", "ord")));
    }

    static double count(MeterRegistry registry, String name, String... tags) {
        return search(registry, name, tags).counter().count();
    }

    static long timerCount(MeterRegistry registry, String name, String... tags) {
        return search(registry, name, tags).timer().count();
    }

    private static RequiredSearch search(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags);
    }
}
