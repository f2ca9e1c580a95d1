package dev.orderkit.examples.shop;

import java.time.Duration;

/**
 * Thrown by {@code POST /v1/orders} in asynchronous mode when the kit answered
 * {@link dev.orderkit.core.SubmitResult.Busy}: too many orders are accepted and not yet paid, and
 * nothing was written. {@link ProblemHandler} answers {@code 503} with {@code Retry-After}; the
 * starter's {@code @Idempotent} releases the key (a 5xx), so a retry with the same key runs.
 */
public final class PlacementBusyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** When the backlog will have room (at least 1 s). */
    private final Duration retryAfter;

    /** The backlog as the kit counted it. */
    private final int backlog;

    /**
     * Creates the exception.
     *
     * @param retryAfter the kit's estimate of when the backlog will have room
     * @param backlog the backlog as counted
     */
    public PlacementBusyException(Duration retryAfter, int backlog) {
        super("too many orders awaiting payment (" + backlog + "); retry after " + retryAfter);
        this.retryAfter = retryAfter;
        this.backlog = backlog;
    }

    /**
     * The kit's estimate of when the backlog will have room.
     *
     * @return at least 1 s
     */
    public Duration retryAfter() {
        return retryAfter;
    }

    /**
     * The backlog as counted.
     *
     * @return orders accepted and not yet paid
     */
    public int backlog() {
        return backlog;
    }
}
