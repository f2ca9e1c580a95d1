package dev.orderkit.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The payment gateway could not be reached or answered with a transient error (timeout, 5xx, 429,
 * open circuit breaker). The outcome of the call may be unknown; it must be retried with the
 * <em>same</em> payment idempotency key. Retryable.
 */
public class PaymentUnavailableException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final @Nullable Duration retryAfter;

    /**
     * Creates the exception.
     *
     * @param message what failed
     * @param retryAfter the gateway's retry-after hint, or {@code null}
     * @param cause the underlying failure, or {@code null}
     */
    public PaymentUnavailableException(String message, @Nullable Duration retryAfter, @Nullable Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /**
     * The gateway's retry-after hint.
     *
     * @return the hint, or {@code null} if the gateway gave none
     */
    public @Nullable Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
