package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import java.util.Comparator;

/**
 * Identifies one stock level: a SKU at a location. SKUs and locations are 1..128 characters
 * without control characters. Ordered canonically by SKU, then location: every backend touches
 * rows/keys in this order so reservations cannot deadlock.
 *
 * @param sku the stock keeping unit
 * @param location the stock location (warehouse, store)
 */
public record StockKey(String sku, String location) implements Comparable<StockKey> {
    /** Maximum length of a SKU or a location. */
    public static final int MAX_LENGTH = 128;
    /** The location used by single-location shops. */
    public static final String DEFAULT_LOCATION = "default";

    private static final Comparator<StockKey> ORDER =
            Comparator.comparing(StockKey::sku).thenComparing(StockKey::location);

    /** Validates both parts. */
    public StockKey {
        Check.identifier(sku, "sku", MAX_LENGTH);
        Check.identifier(location, "location", MAX_LENGTH);
    }

    /**
     * Creates a key.
     *
     * @param sku the SKU
     * @param location the location
     * @return the key
     */
    public static StockKey of(String sku, String location) {
        return new StockKey(sku, location);
    }

    /**
     * Creates a key at {@link #DEFAULT_LOCATION}.
     *
     * @param sku the SKU
     * @return the key
     */
    public static StockKey of(String sku) {
        return new StockKey(sku, DEFAULT_LOCATION);
    }

    @Override
    public int compareTo(StockKey other) {
        return ORDER.compare(this, other);
    }
}
