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
    RESERVATION_EXPIRED
}
