package dev.orderkit.core;

/**
 * Fencing: a worker tried to complete, release or renew an idempotency record with a lease token
 * that is no longer current (its lease expired and another worker took over). Its write was
 * refused; a worker that finds this before an external call (a payment call) does not make the call.
 */
public class LeaseLostException extends OrderKitException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which record and token
     */
    public LeaseLostException(String message) {
        super(message);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
