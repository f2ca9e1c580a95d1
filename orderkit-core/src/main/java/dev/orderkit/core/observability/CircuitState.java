package dev.orderkit.core.observability;

/** State of the payment circuit breaker (Failsafe) core wraps every payment call in. */
public enum CircuitState {
    /** Calls go through; failures are counted. */
    CLOSED,
    /** Calls fail fast with {@code PaymentUnavailableException} until the open delay passed. */
    OPEN,
    /** Trial calls decide whether the breaker closes again. */
    HALF_OPEN
}
