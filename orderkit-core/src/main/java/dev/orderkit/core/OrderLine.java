package dev.orderkit.core;

import dev.orderkit.core.internal.Check;

/**
 * One line of an order.
 *
 * @param sku the SKU
 * @param quantity units, 1..1,000,000,000
 * @param unitPriceMinor price of one unit in minor units of the order currency, 0..10^12
 */
public record OrderLine(String sku, long quantity, long unitPriceMinor) {
    /** Validates the line. */
    public OrderLine {
        Check.identifier(sku, "sku", StockKey.MAX_LENGTH);
        Check.quantity(quantity, "quantity");
        Check.nonNegative(unitPriceMinor, "unitPriceMinor", 1_000_000_000_000L);
    }

    /**
     * Creates a line.
     *
     * @param sku the SKU
     * @param quantity units
     * @param unitPriceMinor unit price in minor units
     * @return the line
     */
    public static OrderLine of(String sku, long quantity, long unitPriceMinor) {
        return new OrderLine(sku, quantity, unitPriceMinor);
    }
}
