package dev.orderkit.micrometer;

import static dev.orderkit.micrometer.MeterScenario.order;
import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.observability.Operation;
import dev.orderkit.core.observability.Timing;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;

/** Observations around place, reserve and payment calls (Micrometer's TestObservationRegistry). */
class ObservationTest {

    @Test
    void placementIsObservedWithNestedReserveAndPayment() {
        TestObservationRegistry observations = TestObservationRegistry.create();
        OrderKit kit = OrderKit.builder()
                .instrumentation(MicrometerInstrumentation.builder()
                        .observationRegistry(observations)
                        .build())
                .build();
        kit.stock().adjust(StockKey.of("sku-a"), 1, "initial");
        kit.orders().place(order("o1", 1));
        kit.orders().place(order("o2", 1)); // out of stock

        assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo("orderkit.place", 2)
                .hasNumberOfObservationsWithNameEqualTo("orderkit.reserve", 2)
                .hasNumberOfObservationsWithNameEqualTo("orderkit.payment", 1)
                .hasAnObservation(o -> o.hasNameEqualTo("orderkit.place")
                        .hasContextualNameEqualTo("orderkit place")
                        .hasLowCardinalityKeyValue("orderkit.outcome", "placed")
                        .doesNotHaveError())
                .hasAnObservation(o -> o.hasNameEqualTo("orderkit.place")
                        .hasLowCardinalityKeyValue("orderkit.outcome", "out_of_stock"))
                .hasAnObservation(o -> o.hasNameEqualTo("orderkit.reserve")
                        .hasLowCardinalityKeyValue("orderkit.outcome", "out_of_stock")
                        .hasError())
                .hasAnObservation(o -> o.hasNameEqualTo("orderkit.payment")
                        .hasContextualNameEqualTo("orderkit authorize")
                        .hasLowCardinalityKeyValue("orderkit.operation", "authorize")
                        .hasLowCardinalityKeyValue("orderkit.outcome", "approved")
                        .hasParentObservationContextSatisfying(
                                parent -> assertThat(((Observation.ContextView) parent).getName())
                                        .isEqualTo("orderkit.place")));
        assertThat(observations)
                .forAllObservationsWithNameEqualTo("orderkit.place", o -> o.doesNotHaveParentObservation())
                .hasObservationWithNameEqualTo("orderkit.payment")
                .that()
                .hasBeenStarted()
                .hasBeenStopped();
        // nothing of high cardinality: no key, scope, SKU or order id
        assertThat(observations).hasHandledContextsThatSatisfy(contexts -> {
            assertThat(contexts).hasSize(5);
            contexts.forEach(c -> {
                assertThat(c.getHighCardinalityKeyValues()).isEmpty();
                c.getLowCardinalityKeyValues()
                        .forEach(kv -> assertThat(kv.getValue()).doesNotContain("o1", "shop-1", "sku-a"));
            });
        });
    }

    @Test
    void failedPlacementIsObservedWithItsError() {
        TestObservationRegistry observations = TestObservationRegistry.create();
        OrderKit kit = OrderKit.builder()
                .instrumentation(MicrometerInstrumentation.builder()
                        .observationRegistry(observations)
                        .build())
                .build();
        kit.stock().adjust(StockKey.of("sku-a"), 5, "initial");
        kit.orders().place(order("o1", 1));
        assertThatThrownBy(() -> kit.orders().place(order("o1", 2))).isInstanceOf(IdempotencyKeyReuseException.class);
        assertThat(observations)
                .hasAnObservation(o -> o.hasNameEqualTo("orderkit.place")
                        .hasLowCardinalityKeyValue("orderkit.outcome", "key_reuse")
                        .hasError());
    }

    @Test
    void aUserConventionReplacesNamesAndKeyValues() {
        TestObservationRegistry observations = TestObservationRegistry.create();
        OrderKitObservationConvention mine = new OrderKitObservationConvention() {
            @Override
            public String getName() {
                return "shop.orders";
            }

            @Override
            public KeyValues getLowCardinalityKeyValues(OrderKitObservationContext context) {
                return KeyValues.of(
                        KeyValue.of("op", context.operation().tagValue()),
                        KeyValue.of("result", String.valueOf(context.outcome())));
            }
        };
        OrderKit kit = OrderKit.builder()
                .instrumentation(MicrometerInstrumentation.builder()
                        .observationRegistry(observations)
                        .observationConvention(mine)
                        .build())
                .build();
        kit.stock().adjust(StockKey.of("sku-a"), 5, "initial");
        kit.orders().place(order("o1", 1));
        assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo("orderkit.place", 0)
                .hasNumberOfObservationsWithNameEqualTo("shop.orders", 3)
                .hasAnObservation(o -> o.hasNameEqualTo("shop.orders")
                        .hasLowCardinalityKeyValue("op", "place")
                        .hasLowCardinalityKeyValue("result", "placed"));
    }

    @Test
    void withoutRegistriesNothingIsRecordedAndTheNoOpHandleIsShared() {
        MicrometerInstrumentation none = MicrometerInstrumentation.builder().build();
        assertThat(none.start(Operation.PLACE)).isSameAs(Timing.NOOP);
    }
}
