package dev.orderkit.stripe;

/**
 * What {@link StripeWebhookHandler#handle} did with a delivery, and the HTTP status to answer
 * Stripe with ({@link #httpStatus()}): 2xx stops redelivery, anything else makes Stripe retry.
 */
public enum WebhookOutcome {
    /** Verified, new, and applied to its order (or a no-op because the order already moved on). */
    ACCEPTED(200),
    /**
     * Verified and new, but the payment succeeded for an order that was already declined or
     * cancelled: the payment was voided or refunded so the customer is not charged.
     */
    COMPENSATED(200),
    /** Verified, but processed before (redelivery): acknowledged, nothing done. */
    DUPLICATE(200),
    /** Verified, but not an event orderkit handles (type, or no orderkit order): acknowledged. */
    IGNORED(200),
    /** Another delivery of the same event is being processed right now: Stripe should retry later. */
    IN_PROGRESS(409),
    /** The signature is missing, malformed, wrong or too old: nothing done. */
    REJECTED_SIGNATURE(400),
    /** Correctly signed but not a parsable event: nothing done. */
    REJECTED_PAYLOAD(400);

    private final int httpStatus;

    WebhookOutcome(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /**
     * The HTTP status to respond with.
     *
     * @return 200, 400 or 409
     */
    public int httpStatus() {
        return httpStatus;
    }
}
