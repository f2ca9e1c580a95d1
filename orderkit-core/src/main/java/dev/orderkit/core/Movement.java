package dev.orderkit.core;

import java.time.Instant;

/**
 * One append-only entry of the stock ledger. Replaying all movements of a key from zero yields its
 * current level. Movements older than the retention ({@link Retention#movements()}) are folded into
 * one {@link MovementReason#SNAPSHOT} movement by {@link OrderKit#purge()}, which keeps the replay
 * exact.
 *
 * @param key the SKU and location
 * @param onHandDelta change of on-hand
 * @param reservedDelta change of reserved
 * @param reason why the level changed
 * @param reference the reservation id or caller reference
 * @param at when
 */
public record Movement(
        StockKey key, long onHandDelta, long reservedDelta, MovementReason reason, String reference, Instant at) {

    /** The reference of a {@link MovementReason#SNAPSHOT} movement. */
    public static final String SNAPSHOT_REFERENCE = "orderkit:snapshot";
}
