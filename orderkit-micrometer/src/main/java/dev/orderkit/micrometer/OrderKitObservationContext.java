package dev.orderkit.micrometer;

import dev.orderkit.core.observability.Operation;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * The context of an orderkit observation (a place, reserve or payment call): the operation and, once
 * it ended, its outcome. Only low-cardinality data: no SKU, key, scope or order id. Not thread-safe
 * (one observation, one thread).
 */
public final class OrderKitObservationContext extends Observation.Context {
    private final Operation operation;
    private @Nullable String outcome;

    /**
     * A context for one call.
     *
     * @param operation what is observed
     */
    public OrderKitObservationContext(Operation operation) {
        this.operation = operation;
    }

    /**
     * The observed operation.
     *
     * @return the operation
     */
    public Operation operation() {
        return operation;
    }

    /**
     * The outcome, once the call ended: an answer such as {@code placed}, {@code out_of_stock},
     * {@code reserved}, {@code approved}, {@code declined}, or for an exception a lower-case class of
     * failure such as {@code key_reuse}, {@code in_progress}, {@code backend_unavailable} (see the
     * README "Observability" table).
     *
     * @return the outcome, null while the call runs
     */
    public @Nullable String outcome() {
        return outcome;
    }

    void outcome(String value) {
        this.outcome = value;
    }
}
