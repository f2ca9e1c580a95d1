package dev.orderkit.micrometer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of orderkit's observations. Implement it (or extend
 * {@link DefaultOrderKitObservationConvention}) and pass it to
 * {@link MicrometerInstrumentation.Builder#observationConvention} to rename them or add key values,
 * or register a global convention for {@link OrderKitObservationContext} with the
 * {@code ObservationRegistry}. Keep low-cardinality key values bounded (never an id).
 */
public interface OrderKitObservationConvention extends ObservationConvention<OrderKitObservationContext> {
    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof OrderKitObservationContext;
    }
}
