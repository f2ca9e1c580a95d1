package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import org.jspecify.annotations.Nullable;

/**
 * One requested line of a reservation.
 *
 * @param sku the SKU
 * @param quantity units, 1..1,000,000,000
 * @param location a fixed location, or {@code null} to let the {@link AllocationStrategy} choose
 */
public record ReservationLine(
        String sku, long quantity, @Nullable String location) {
    /** Validates the line. */
    public ReservationLine {
        Check.identifier(sku, "sku", StockKey.MAX_LENGTH);
        Check.quantity(quantity, "quantity");
        if (location != null) {
            Check.identifier(location, "location", StockKey.MAX_LENGTH);
        }
    }

    /**
     * A line whose location the allocation strategy chooses.
     *
     * @param sku the SKU
     * @param quantity units
     * @return the line
     */
    public static ReservationLine of(String sku, long quantity) {
        return new ReservationLine(sku, quantity, null);
    }

    /**
     * A line at a fixed location.
     *
     * @param sku the SKU
     * @param location the location
     * @param quantity units
     * @return the line
     */
    public static ReservationLine at(String sku, String location, long quantity) {
        return new ReservationLine(sku, quantity, location);
    }
}
