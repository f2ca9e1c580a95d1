package dev.orderkit.core.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Core runs without any metrics library: Micrometer is not on this module's test class path (core
 * depends on none), the default instrumentation is the allocation-free no-op, and a custom
 * {@link Instrumentation} sees every operation of a placement.
 */
class NoMetricsLibraryTest {

    @Test
    void micrometerIsAbsentAndCoreWorks() {
        assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("io.micrometer.observation.Observation"))
                .isInstanceOf(ClassNotFoundException.class);
        OrderKit kit = OrderKit.builder().build();
        kit.stock().adjust(StockKey.of("sku-a"), 1, "initial");
        assertThat(kit.orders().place(order("k1")).outcome()).isEqualTo(PlacementOutcome.PLACED);
    }

    @Test
    void theNoOpSharesOneHandle() {
        assertThat(Instrumentation.noop().start(Operation.RESERVE)).isSameAs(Timing.NOOP);
        assertThat(Instrumentation.noop().start(Operation.PLACE)).isSameAs(Timing.NOOP);
    }

    @Test
    void aCustomInstrumentationSeesTheOperationsOfAPlacement() {
        List<String> seen = new ArrayList<>();
        Instrumentation recording = new Instrumentation() {
            @Override
            public Timing start(Operation operation) {
                seen.add("start " + operation.tagValue());
                return new Timing() {
                    @Override
                    public void success(String outcome) {
                        seen.add("end " + operation.tagValue() + " " + outcome);
                    }

                    @Override
                    public void failure(Throwable error) {
                        seen.add("fail " + operation.tagValue() + " "
                                + error.getClass().getSimpleName());
                    }
                };
            }

            @Override
            public void placed(PlacementOutcome outcome, boolean replayed) {
                seen.add("placed " + outcome + " " + replayed);
            }
        };
        OrderKit kit = OrderKit.builder().instrumentation(recording).build();
        kit.stock().adjust(StockKey.of("sku-a"), 1, "initial");
        kit.orders().place(order("k1"));
        kit.orders().place(order("k1"));
        kit.orders().place(order("k2"));
        assertThat(seen)
                .containsExactly(
                        "start place",
                        "start reserve",
                        "end reserve reserved",
                        "start authorize",
                        "end authorize approved",
                        "placed PLACED false",
                        "end place placed",
                        "start place",
                        "placed PLACED true",
                        "end place placed",
                        "start place",
                        "start reserve",
                        "fail reserve InsufficientStockException",
                        "placed OUT_OF_STOCK false",
                        "end place out_of_stock");
    }

    private static PlaceOrderRequest order(String key) {
        return PlaceOrderRequest.builder(Scope.of("shop-1"), IdempotencyKey.of(key))
                .customerRef("cust-1")
                .currency("eur")
                .paymentMethod("pm_ok")
                .line("sku-a", 1, 1000)
                .build();
    }
}
