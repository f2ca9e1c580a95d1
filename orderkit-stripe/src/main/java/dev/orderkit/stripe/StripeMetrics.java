package dev.orderkit.stripe;

/**
 * A snapshot of a {@link StripePaymentPort}'s counters since it was built. Immutable.
 *
 * @param requests HTTP requests sent to Stripe (each attempt counts; orderkit's retries included)
 * @param idempotentReplays responses carrying {@code Idempotent-Replayed: true}: Stripe answered a
 *     repeated idempotency key with the stored result instead of acting again
 * @param declines card declines and other business refusals returned as {@code Declined}
 * @param transientFailures calls that failed with {@code PaymentUnavailableException}
 *     (connection errors, timeouts, 409, 429, 5xx)
 * @param rejections calls that failed with {@code PaymentRejectedException}
 */
public record StripeMetrics(
        long requests, long idempotentReplays, long declines, long transientFailures, long rejections) {}
