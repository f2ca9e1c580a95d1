package dev.orderkit.core;

import java.time.Duration;

/**
 * Another call with the same scope and idempotency key holds the lease and is still running
 * (HTTP 409 in a web API). Retry after {@link #retryAfter()}.
 */
public class RequestInProgressException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    /**
     * Creates the exception.
     *
     * @param key the idempotency key in progress
     * @param retryAfter how long until the current lease expires (never negative)
     */
    public RequestInProgressException(String key, Duration retryAfter) {
        super("a request with idempotency key '" + key + "' is in progress; retry after " + retryAfter);
        this.retryAfter = retryAfter.isNegative() ? Duration.ZERO : retryAfter;
    }

    /**
     * How long the caller should wait before retrying.
     *
     * @return the remaining lease time
     */
    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
