package dev.orderkit.core.event;

/** Kinds of events orderkit emits. */
public enum EventType {
    /** An order row was created (recovery point 1). */
    ORDER_CREATED,
    /** Stock was held for an order or reservation. */
    STOCK_RESERVED,
    /** A payment was authorized. */
    PAYMENT_AUTHORIZED,
    /** The gateway requires customer action. */
    PAYMENT_ACTION_REQUIRED,
    /** The order is placed. */
    ORDER_CONFIRMED,
    /** The order was rejected for lack of stock. */
    ORDER_REJECTED,
    /** The payment was declined. */
    PAYMENT_DECLINED,
    /** A cancellation started. */
    ORDER_CANCELLING,
    /** The order was cancelled. */
    ORDER_CANCELLED,
    /** A fulfilment started. */
    ORDER_FULFILLING,
    /** The order was fulfilled. */
    ORDER_FULFILLED,
    /** A reservation was released. */
    RESERVATION_RELEASED,
    /** A hold expired. */
    RESERVATION_EXPIRED,
    /**
     * Recovery gave up on an order after its configured number of attempts and parked it in
     * {@code NEEDS_ATTENTION}; attributes {@code parkedFrom}, {@code attempts} and {@code error}.
     */
    ORDER_NEEDS_ATTENTION,
    /** A parked order was put back into the status it was parked from ({@code retryParked}). */
    ORDER_RETRIED,
    /**
     * A hold's expiry moved later: {@code StockLedger#extend} (subject: the reservation) or
     * {@code OrderService#extendHold} (subject: the order, written with the order); attribute
     * {@code expiresAt} (ISO-8601).
     */
    HOLD_EXTENDED
}
