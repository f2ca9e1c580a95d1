package dev.orderkit.core;

import java.time.Instant;

/**
 * A hold cannot be extended (or otherwise kept) because its time is up: it is EXPIRED, or still
 * HELD but due ({@code expiresAt <= now}). A due hold is never revived: the sweeper, or a reserve of
 * its SKUs that finds the stock short, may already count its units as free. Nothing was written.
 * Not retryable: reserve again. A subclass of {@link IllegalStateTransitionException}, whose
 * {@link #currentState()} is {@code EXPIRED} or {@code HELD (expired)}.
 */
public class ReservationExpiredException extends IllegalStateTransitionException {
    private static final long serialVersionUID = 1L;
    private final Instant expiresAt;

    /**
     * Creates the exception.
     *
     * @param reservationId the reservation
     * @param currentState {@code EXPIRED} or {@code HELD (expired)}
     * @param expiresAt when the hold expired (or became due)
     * @param operation the refused operation, e.g. {@code extend}
     */
    public ReservationExpiredException(String reservationId, String currentState, Instant expiresAt, String operation) {
        super(reservationId, currentState, operation);
        this.expiresAt = expiresAt;
    }

    /**
     * When the hold expired or became due.
     *
     * @return the hold's expiry
     */
    public Instant expiresAt() {
        return expiresAt;
    }
}
