package dev.orderkit.core;

/** Lifecycle of a reservation. */
public enum ReservationState {
    /** Stock is held until the expiry time. */
    HELD,
    /** Stock is committed to a paid order; no expiry. */
    COMMITTED,
    /** Shipped: on-hand and reserved both dropped. Terminal. */
    FULFILLED,
    /** Released by the application; stock returned. Terminal. */
    RELEASED,
    /** The hold expired; stock returned. Terminal. */
    EXPIRED;

    /**
     * Whether the reservation still counts in {@code reserved}.
     *
     * @return true for {@link #HELD} and {@link #COMMITTED}
     */
    public boolean isActive() {
        return this == HELD || this == COMMITTED;
    }
}
