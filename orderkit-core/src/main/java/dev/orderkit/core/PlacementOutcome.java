package dev.orderkit.core;

/** The business outcome of a completed placement; stored and replayed like a success. */
public enum PlacementOutcome {
    /** Stock committed and payment authorized. */
    PLACED,
    /** Not enough stock; nothing is held. */
    OUT_OF_STOCK,
    /** The payment was declined; stock was released. */
    PAYMENT_DECLINED,
    /** The gateway requires customer action; stock is held until the hold expires. */
    PAYMENT_ACTION_REQUIRED,
    /** The stock hold expired before payment completed; the order was cancelled. */
    RESERVATION_EXPIRED,
    /**
     * The order was cancelled (for example with {@link OrderService#cancel}) before this request
     * completed, e.g. after a crash left the key open; its stock was released and its payment
     * voided. {@link PlaceOrderResult#order()} carries the reason in {@link Order#failureReason()}.
     */
    CANCELLED
}
