package dev.orderkit.core;

import dev.orderkit.core.internal.Check;

/**
 * A quantity of a SKU taken from one location.
 *
 * @param key the SKU and location
 * @param quantity units, 1..1,000,000,000
 */
public record AllocatedLine(StockKey key, long quantity) {
    /** Validates the line. */
    public AllocatedLine {
        Check.notNull(key, "key");
        Check.quantity(quantity, "quantity");
    }
}
