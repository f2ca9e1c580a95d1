package dev.orderkit.core;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of a reservation.
 *
 * @param id the caller-chosen reservation id (for orders: the order id)
 * @param state lifecycle state
 * @param lines allocated lines in canonical order (sorted by SKU, location)
 * @param expiresAt when a {@link ReservationState#HELD} reservation expires
 * @param createdAt creation time
 * @param updatedAt time of the last state change
 */
public record Reservation(
        String id,
        ReservationState state,
        List<AllocatedLine> lines,
        Instant expiresAt,
        Instant createdAt,
        Instant updatedAt) {
    /** Copies the lines. */
    public Reservation {
        lines = List.copyOf(lines);
    }

    /**
     * Returns a copy in another state.
     *
     * @param newState the state
     * @param at the change time
     * @return the copy
     */
    public Reservation withState(ReservationState newState, Instant at) {
        return new Reservation(id, newState, lines, expiresAt, createdAt, at);
    }

    /**
     * Returns a copy with another expiry (a hold extended by {@link StockLedger#extend}); the state
     * and {@link #updatedAt()} (the time of the last state change) are kept.
     *
     * @param newExpiry the expiry
     * @return the copy
     */
    public Reservation withExpiry(Instant newExpiry) {
        return new Reservation(id, state, lines, newExpiry, createdAt, updatedAt);
    }
}
