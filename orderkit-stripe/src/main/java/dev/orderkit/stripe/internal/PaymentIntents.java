package dev.orderkit.stripe.internal;

import com.stripe.model.PaymentIntent;
import com.stripe.model.StripeError;
import dev.orderkit.core.payment.PaymentResult;

/** Maps PaymentIntent states to orderkit payment results. Stateless, thread-safe. */
public final class PaymentIntents {
    /** Stripe's error code for an operation not allowed in the PaymentIntent's current status. */
    public static final String UNEXPECTED_STATE = "payment_intent_unexpected_state";

    private PaymentIntents() {}

    /**
     * The orderkit view of a PaymentIntent's status.
     * <ul>
     *   <li>{@code requires_capture}, {@code succeeded} → approved (funds held or taken);</li>
     *   <li>{@code requires_action}, {@code requires_confirmation}, {@code processing} → action
     *       required (the final answer comes by webhook);</li>
     *   <li>{@code requires_payment_method} with a {@code last_payment_error} → declined with its
     *       decline code; without one → action required;</li>
     *   <li>{@code canceled} → declined ({@code canceled}).</li>
     * </ul>
     *
     * @param pi the PaymentIntent
     * @return the result
     */
    public static PaymentResult toResult(PaymentIntent pi) {
        String status = pi.getStatus() == null ? "unknown" : pi.getStatus();
        return switch (status) {
            case "requires_capture", "succeeded" -> new PaymentResult.Approved(pi.getId());
            case "requires_payment_method" ->
                pi.getLastPaymentError() != null
                        ? declined(pi.getLastPaymentError())
                        : new PaymentResult.ActionRequired(pi.getId(), status);
            case "canceled" ->
                new PaymentResult.Declined(
                        "canceled",
                        "PaymentIntent canceled"
                                + (pi.getCancellationReason() == null ? "" : ": " + pi.getCancellationReason()));
            default -> new PaymentResult.ActionRequired(pi.getId(), action(pi, status));
        };
    }

    /**
     * A decline built from a Stripe error: the decline code if present, else the error code.
     *
     * @param error Stripe's error object
     * @return the decline
     */
    public static PaymentResult.Declined declined(StripeError error) {
        String code = error.getDeclineCode() != null
                ? error.getDeclineCode()
                : error.getCode() != null ? error.getCode() : "card_declined";
        String message = error.getMessage() != null ? Redaction.scrub(error.getMessage()) : "declined";
        return new PaymentResult.Declined(code, message);
    }

    private static String action(PaymentIntent pi, String status) {
        PaymentIntent.NextAction next = pi.getNextAction();
        if (next == null) {
            return status;
        }
        if (next.getRedirectToUrl() != null && next.getRedirectToUrl().getUrl() != null) {
            return next.getRedirectToUrl().getUrl();
        }
        return next.getType() != null ? next.getType() : status;
    }
}
