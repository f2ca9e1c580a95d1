package dev.orderkit.core;

/**
 * Order lifecycle. The placement statuses double as recovery points: a retry or the recovery
 * sweeper resumes from the status the order reached.
 */
public enum OrderStatus {
    /** Recovery point 1: the order row exists, nothing reserved yet. */
    CREATED,
    /** Recovery point 2: stock is held (reservation id = order id). */
    STOCK_RESERVED,
    /** Recovery point 3: payment authorized; the reservation still has to be committed. */
    PAYMENT_AUTHORIZED,
    /** The gateway asked for customer action (3-D Secure ...); stock stays held until expiry. */
    AWAITING_PAYMENT_ACTION,
    /** Placed: stock committed, payment authorized. */
    CONFIRMED,
    /** Placement outcome: not enough stock. Terminal. */
    REJECTED,
    /** Placement outcome: the payment was declined; stock was released. Terminal. */
    PAYMENT_DECLINED,
    /** Cancellation in progress (stock release, payment void/refund). */
    CANCELLING,
    /** Cancelled: stock released, payment voided or refunded. Terminal. */
    CANCELLED,
    /** Fulfilment in progress (stock leaves on-hand, payment captured). */
    FULFILLING,
    /** Shipped and paid. Terminal. */
    FULFILLED,
    /**
     * Parked by the recovery sweep after its configured number of failed attempts (see
     * {@link RecoverySettings#maxAttempts()}): no automatic work touches the order until
     * {@link OrderService#retryParked(String)} moves it back to the status it was parked from
     * ({@link Order.Recovery#parkedFrom()}); {@link Order.Recovery#lastError()} says why. Listed by
     * {@link OrderService#parked(int)}. Not terminal; {@code cancel} and {@code fulfil} refuse it.
     */
    NEEDS_ATTENTION,
    /**
     * A refund of a fulfilled order is in progress ({@link OrderService#refund}): its
     * {@link Refund.Status#PENDING pending} refund is recorded, the gateway call may have been made.
     * The recovery point of a refund: a retry with the same refund key, any other refund or
     * cancellation of the order, or the recovery sweep finishes it (the gateway call is keyed by the
     * refund id) and moves the order back to {@link #FULFILLED}, or to {@link #REFUNDED}.
     */
    REFUNDING,
    /** Fulfilled, then refunded in full (the succeeded refunds add up to the total). Terminal. */
    REFUNDED;

    /**
     * Whether no further transition is possible.
     *
     * @return true for REJECTED, PAYMENT_DECLINED, CANCELLED, FULFILLED and REFUNDED (a fulfilled
     *     order may still be refunded: {@code FULFILLED → REFUNDING → FULFILLED}; that is not a
     *     lifecycle transition of the goods)
     */
    public boolean isTerminal() {
        return this == REJECTED
                || this == PAYMENT_DECLINED
                || this == CANCELLED
                || this == FULFILLED
                || this == REFUNDED;
    }

    /**
     * Whether placement is still in flight (a retry or the sweeper must drive it on).
     *
     * @return true for CREATED, STOCK_RESERVED and PAYMENT_AUTHORIZED
     */
    public boolean isPlacementInFlight() {
        return this == CREATED || this == STOCK_RESERVED || this == PAYMENT_AUTHORIZED;
    }
}
