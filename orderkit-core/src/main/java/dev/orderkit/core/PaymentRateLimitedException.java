package dev.orderkit.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The payment gateway refused a call because too many were made (HTTP 429), or the kit's own pace
 * ({@link PaymentPacing}) had no permit for the call within its wait. Nothing was charged by the
 * refused call. Retryable with the same idempotency key after {@link #retryAfter()}.
 *
 * <p>A {@link dev.orderkit.core.payment.PaymentPort} throws it for a 429 so that the kit pauses
 * every payment call of this JVM until the gateway's {@code Retry-After} has passed (instead of
 * retrying into the limit).
 */
public class PaymentRateLimitedException extends PaymentUnavailableException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was refused
     * @param retryAfter the gateway's {@code Retry-After}, or {@code null} if it gave none (the kit
     *     then pauses for {@link PaymentPacing#pauseWithoutHint()})
     * @param cause the underlying failure, or {@code null}
     */
    public PaymentRateLimitedException(String message, @Nullable Duration retryAfter, @Nullable Throwable cause) {
        super(message, retryAfter, cause);
    }
}
