package dev.orderkit.core;

import org.jspecify.annotations.Nullable;

/**
 * A storage backend (database, Redis) failed for an infrastructure reason: connection lost,
 * timeout, deadlock, failover. The operation did not complete (or completed atomically and can be
 * repeated safely with the same idempotency key / reservation id). Retryable.
 */
public class BackendUnavailableException extends OrderKitException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed
     * @param cause the driver exception
     */
    public BackendUnavailableException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
