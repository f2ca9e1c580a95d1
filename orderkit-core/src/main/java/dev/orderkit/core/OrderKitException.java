package dev.orderkit.core;

import org.jspecify.annotations.Nullable;

/**
 * Unchecked root of every exception orderkit throws on purpose.
 *
 * <p>Subclasses carry context getters (the SKU short of stock, the key being reused, ...).
 * {@link #isRetryable()} tells a caller whether repeating the same call (with the same idempotency
 * key) may succeed.
 */
public class OrderKitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message human-readable description
     */
    public OrderKitException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message human-readable description
     * @param cause the underlying failure
     */
    public OrderKitException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether the same call may succeed if it is repeated later with the same arguments.
     *
     * @return {@code false} by default; transient failures override this
     */
    public boolean isRetryable() {
        return false;
    }
}
