package dev.orderkit.core;

/**
 * A call through the public {@link StockLedger} named a reservation that an order owns: the hold
 * {@link OrderService} made for that order (its id is the order id). Only the order's own lifecycle
 * ({@link OrderService#cancel}, {@link OrderService#fulfil}, recovery, expiry) may commit, release
 * or fulfil it, so that the order and its stock can never disagree (an order left CONFIRMED without
 * stock, or FULFILLING forever). Nothing was written. Not retryable: use the order's operations.
 */
public class ReservationOwnedException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final String reservationId;
    private final String orderId;
    private final String operation;

    /**
     * Creates the exception.
     *
     * @param reservationId the reservation the call named
     * @param orderId the order that owns it
     * @param operation what the call tried, e.g. {@code release}
     */
    public ReservationOwnedException(String reservationId, String orderId, String operation) {
        super("reservation '" + reservationId + "' belongs to order '" + orderId + "': " + operation
                + " it through OrderService, not the StockLedger");
        this.reservationId = reservationId;
        this.orderId = orderId;
        this.operation = operation;
    }

    /**
     * The reservation the call named.
     *
     * @return the reservation id
     */
    public String reservationId() {
        return reservationId;
    }

    /**
     * The order that owns the reservation.
     *
     * @return the order id
     */
    public String orderId() {
        return orderId;
    }

    /**
     * What the refused call tried: {@code reserve}, {@code commit}, {@code release}, {@code fulfil} or
     * {@code extend}.
     *
     * @return the operation
     */
    public String operation() {
        return operation;
    }
}
