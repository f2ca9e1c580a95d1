package dev.orderkit.core;

/**
 * A refund would take the order's refunds (pending and succeeded) above the amount captured.
 * Nothing was written and the gateway was not called.
 */
public class RefundExceedsCaptureException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final String orderId;
    private final Money requested;
    private final Money refundable;

    /**
     * Creates the exception.
     *
     * @param orderId the order
     * @param requested the amount asked for
     * @param refundable what may still be refunded (captured minus pending and succeeded refunds)
     */
    public RefundExceedsCaptureException(String orderId, Money requested, Money refundable) {
        super("refund of " + requested.minor() + " " + requested.currency() + " on order " + orderId
                + " exceeds the refundable " + refundable.minor() + " " + refundable.currency());
        this.orderId = orderId;
        this.requested = requested;
        this.refundable = refundable;
    }

    /**
     * The order id.
     *
     * @return the id
     */
    public String orderId() {
        return orderId;
    }

    /**
     * The amount asked for.
     *
     * @return the amount
     */
    public Money requested() {
        return requested;
    }

    /**
     * What may still be refunded.
     *
     * @return the amount
     */
    public Money refundable() {
        return refundable;
    }
}
