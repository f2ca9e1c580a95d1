package dev.orderkit.micrometer;

import dev.orderkit.core.observability.Operation;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;

/**
 * The default names and key values: observation {@code orderkit.place}, {@code orderkit.reserve} or
 * {@code orderkit.payment} (contextual name e.g. {@code orderkit authorize}), low-cardinality key
 * values {@value #OPERATION} (e.g. {@code authorize}) and {@value #OUTCOME} (e.g. {@code placed},
 * {@code declined}, {@code backend_unavailable}); no high-cardinality key values (ids stay in the
 * logs' MDC). Thread-safe and stateless.
 */
public class DefaultOrderKitObservationConvention implements OrderKitObservationConvention {
    /** Key of the operation key value. */
    public static final String OPERATION = "orderkit.operation";
    /** Key of the outcome key value. */
    public static final String OUTCOME = "orderkit.outcome";

    private static final DefaultOrderKitObservationConvention PLACE =
            new DefaultOrderKitObservationConvention("orderkit.place");
    private static final DefaultOrderKitObservationConvention RESERVE =
            new DefaultOrderKitObservationConvention("orderkit.reserve");
    private static final DefaultOrderKitObservationConvention PAYMENT =
            new DefaultOrderKitObservationConvention("orderkit.payment");

    private final String name;

    /**
     * A convention naming every observation {@code name} (subclasses override what they change).
     *
     * @param name the observation name
     */
    public DefaultOrderKitObservationConvention(String name) {
        this.name = name;
    }

    /**
     * The default convention of an operation.
     *
     * @param operation {@link Operation#PLACE}, {@link Operation#RESERVE} or a payment operation
     * @return the convention naming it {@code orderkit.place}, {@code orderkit.reserve} or
     *     {@code orderkit.payment}
     * @throws IllegalArgumentException for an operation that is not observed (a background run)
     */
    public static DefaultOrderKitObservationConvention of(Operation operation) {
        if (operation.isPayment()) {
            return PAYMENT;
        }
        return switch (operation) {
            case PLACE -> PLACE;
            case RESERVE -> RESERVE;
            default -> throw new IllegalArgumentException("operation " + operation + " is not observed");
        };
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getContextualName(OrderKitObservationContext context) {
        return "orderkit " + context.operation().tagValue();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(OrderKitObservationContext context) {
        String outcome = context.outcome();
        return KeyValues.of(
                KeyValue.of(OPERATION, context.operation().tagValue()),
                KeyValue.of(OUTCOME, outcome == null ? "unknown" : outcome));
    }
}
