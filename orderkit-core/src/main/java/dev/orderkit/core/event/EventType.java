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
    HOLD_EXTENDED,
    /**
     * A refund was recorded as pending ({@code OrderService.refund}: the order is
     * {@code REFUNDING}; or a pending refund reported by the gateway); attributes {@code refundId},
     * {@code amount}, {@code currency}, {@code refundStatus}.
     */
    REFUND_REQUESTED,
    /**
     * A refund succeeded; attributes {@code refundId}, {@code amount}, {@code currency},
     * {@code refunded} (the order's refunded total), {@code full} ({@code true} when the order is
     * now {@code REFUNDED}), {@code origin} and, if known, {@code gatewayRefundId}.
     */
    ORDER_REFUNDED,
    /** A refund failed (declined by the gateway); attributes as {@link #ORDER_REFUNDED} plus {@code reason}. */
    REFUND_FAILED,
    /** The gateway reported a new dispute; attributes {@code disputeId}, {@code disputeStatus}, {@code amount}, {@code currency}, {@code reason}. */
    DISPUTE_OPENED,
    /** A dispute changed (status, amount, funds withdrawn or reinstated); attributes as {@link #DISPUTE_OPENED}. */
    DISPUTE_UPDATED,
    /** A dispute was closed (won, lost, warning closed); attributes as {@link #DISPUTE_OPENED}. */
    DISPUTE_CLOSED,
    /**
     * A hold was committed (paid; it no longer expires): {@code StockLedger#commit}, or the commit
     * step of an order (subject: the reservation, whose id is the order id for an order's hold).
     */
    RESERVATION_COMMITTED,
    /** A committed reservation was fulfilled: its units left on-hand and reserved. */
    RESERVATION_FULFILLED,
    /**
     * On-hand of a stock level changed by {@code adjust} or {@code setOnHand}; subject
     * {@code sku@location}, attributes {@code sku}, {@code location}, {@code onHand} (after the
     * change), {@code reference} and {@code operation} ({@code adjust} / {@code setOnHand}).
     */
    STOCK_ADJUSTED
}
