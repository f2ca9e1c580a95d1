package dev.orderkit.core;

import java.time.Instant;

/**
 * A snapshot of one stock level.
 *
 * @param key the SKU and location
 * @param onHand units physically present (not yet shipped)
 * @param reserved units held or committed by active reservations
 * @param version incremented by every change; used for compare-and-set updates
 * @param updatedAt time of the last change
 */
public record StockLevel(StockKey key, long onHand, long reserved, long version, Instant updatedAt) {
    /**
     * Units that can still be reserved.
     *
     * @return {@code onHand - reserved}
     */
    public long available() {
        return onHand - reserved;
    }
}
