package dev.orderkit.core.payment;

/** The outcome of a payment call: a business answer, never a transient failure. */
public sealed interface PaymentResult {

    /**
     * The gateway approved the call.
     *
     * @param paymentId the gateway's payment id
     */
    record Approved(String paymentId) implements PaymentResult {}

    /**
     * The gateway declined permanently; never retried.
     *
     * @param code decline code (e.g. {@code card_declined}, {@code insufficient_funds})
     * @param message human-readable reason
     */
    record Declined(String code, String message) implements PaymentResult {}

    /**
     * The customer must act (e.g. 3-D Secure) before the payment can complete.
     *
     * @param paymentId the gateway's payment id
     * @param action what is required (e.g. a redirect URL or {@code use_stripe_sdk})
     */
    record ActionRequired(String paymentId, String action) implements PaymentResult {}
}
