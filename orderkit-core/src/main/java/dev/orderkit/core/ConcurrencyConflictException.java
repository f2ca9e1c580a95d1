package dev.orderkit.core;

/**
 * An optimistic (compare-and-set) write lost against a concurrent writer, and the retries allowed
 * by the configured policy were exhausted. Retryable.
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

    @Override
    public boolean isRetryable() {
        return true;
    }
}
