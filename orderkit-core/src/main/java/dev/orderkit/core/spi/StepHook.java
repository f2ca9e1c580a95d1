package dev.orderkit.core.spi;

/**
 * Observes the step boundaries of order placement and lifecycle (for tracing, metrics and fault
 * injection in tests). Called on the calling thread before each step; an {@link Error} thrown here
 * behaves like a process crash at that point (the idempotency lease is not released), a
 * {@link RuntimeException} like an infrastructure failure. Must be thread-safe.
 */
@FunctionalInterface
public interface StepHook {
    /** A hook that does nothing. */
    StepHook NONE = (orderId, step) -> {};

    /**
     * Called before a step.
     *
     * @param orderId the order
     * @param step the step: the order status being left ({@code CREATED}, {@code STOCK_RESERVED},
     *             {@code PAYMENT_AUTHORIZED}, {@code CANCELLING}, {@code FULFILLING}), {@code authorize}
     *             (right before the gateway is asked to authorize, after the hold was found live, and
     *             before the lease is checked and renewed for the call), {@code authorized} (right
     *             after the gateway answered), {@code complete} (before the key is completed) or
     *             {@code EXTEND_HOLD} ({@code OrderService.extendHold}, after the order was read and
     *             before the hold and the order are written)
     */
    void before(String orderId, String step);
}
