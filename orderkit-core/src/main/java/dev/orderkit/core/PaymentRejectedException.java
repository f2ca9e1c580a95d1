package dev.orderkit.core;

import org.jspecify.annotations.Nullable;

/**
 * The payment gateway refused a request permanently for a reason that is not a card decline:
 * invalid parameters, idempotency key reused with other parameters, authentication failure.
 * Not retryable; indicates a bug or misconfiguration.
 */
public class PaymentRejectedException extends OrderKitException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the gateway said (never containing secrets)
     * @param cause the underlying failure, or {@code null}
     */
    public PaymentRejectedException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
