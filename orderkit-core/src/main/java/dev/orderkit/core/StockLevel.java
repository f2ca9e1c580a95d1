package dev.orderkit.core;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one stock level.
 *
 * <p>{@code reserved} is split into units <b>held</b> by {@link ReservationState#HELD} reservations
 * (they expire) and units <b>committed</b> by {@link ReservationState#COMMITTED} ones (paid, waiting
 * to ship): {@code reserved == held() + committed}. Every backend keeps the split atomically with
 * the change of state: a reservation adds to held, a commit moves its units from held to committed,
 * a release or an expiry takes them off held (or off committed for a committed release), a fulfilment
 * takes them off committed and off on-hand.
 *
 * <p>With a backorder or preorder {@link StockPolicy}, {@code reserved} may exceed {@code onHand}
 * by up to the policy's limit ({@link #available()} is then negative: units owed).
 *
 * @param key the SKU and location
 * @param onHand units physically present (not yet shipped)
 * @param reserved units held or committed by active reservations ({@code held() + committed})
 * @param committed the part of {@code reserved} committed by paid reservations
 * @param version incremented by every change; used for compare-and-set updates
 * @param updatedAt time of the last change
 * @param policy how far the level may be reserved beyond on-hand
 */
public record StockLevel(
        StockKey key, long onHand, long reserved, long committed, long version, Instant updatedAt, StockPolicy policy) {

    /** Checks the policy is present. */
    public StockLevel {
        Objects.requireNonNull(policy, "policy");
    }

    /**
     * A level without a policy ({@link StockPolicy#none()}).
     *
     * @param key the SKU and location
     * @param onHand units physically present
     * @param reserved units held or committed
     * @param committed the committed part of {@code reserved}
     * @param version version
     * @param updatedAt time of the last change
     */
    public StockLevel(StockKey key, long onHand, long reserved, long committed, long version, Instant updatedAt) {
        this(key, onHand, reserved, committed, version, updatedAt, StockPolicy.none());
    }

    /**
     * A level whose reserved units are all held (none committed), without a policy: the shape of a
     * level before held and committed were reported apart.
     *
     * @param key the SKU and location
     * @param onHand units physically present
     * @param reserved units held
     * @param version version
     * @param updatedAt time of the last change
     */
    public StockLevel(StockKey key, long onHand, long reserved, long version, Instant updatedAt) {
        this(key, onHand, reserved, 0, version, updatedAt, StockPolicy.none());
    }

    /**
     * Units held by {@link ReservationState#HELD} reservations (not yet paid; they expire).
     *
     * @return {@code reserved - committed}
     */
    public long held() {
        return reserved - committed;
    }

    /**
     * Units on hand and not reserved; negative when backorders or preorders reserved beyond on-hand.
     *
     * @return {@code onHand - reserved}
     */
    public long available() {
        return onHand - reserved;
    }

    /**
     * Units a reservation may still take at {@code now}: on-hand and the policy's allowance, less
     * what is reserved (never negative).
     *
     * @param now the time of the reservation
     * @return {@code max(0, onHand + policy.allowance(now) - reserved)}
     */
    public long reservable(Instant now) {
        return Math.max(0, onHand + policy.allowance(now) - reserved);
    }
}
