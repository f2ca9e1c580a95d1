package dev.orderkit.core;

/**
 * An optimistic (compare-and-set) write lost against a concurrent writer, or a database rolled a
 * transaction back (deadlock, serialization failure): nothing was applied. Thrown by a backend, it
 * asks the caller to run the call again (core's conflict policy does); thrown by orderkit's API, the
 * retries allowed by the configured policy were exhausted. Retryable.
 */
public class ConcurrencyConflictException extends OrderKitException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was being updated
     */
    public ConcurrencyConflictException(String message) {
        super(message);
    }

    /**
     * Creates the exception with the failure that reported the conflict (e.g. a database deadlock).
     *
     * @param message what was being updated
     * @param cause the backend's report, may be {@code null}
     */
    public ConcurrencyConflictException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
