package dev.orderkit.core.spi;

import dev.orderkit.core.Order;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * A position in the listing order of {@link OrderStore#list}: newest first, that is
 * {@link Order#createdAt()} descending, ties by {@link Order#id()} descending. Core decodes it from
 * a page cursor; a store returns the orders strictly after it in that order. Immutable.
 *
 * @param createdAt the creation time of the last order of the previous page
 * @param orderId the id of that order
 */
public record OrderPosition(Instant createdAt, String orderId) {
    /**
     * The listing order: {@code createdAt} descending, then {@code orderId} descending (by
     * {@link String#compareTo}; the SQL backends compare ids in their column's order, which is the
     * same for the ASCII ids core generates).
     */
    public static final Comparator<OrderPosition> LISTING_ORDER = Comparator.comparing(OrderPosition::createdAt)
            .thenComparing(OrderPosition::orderId)
            .reversed();

    /** Rejects nulls. */
    public OrderPosition {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(orderId, "orderId");
    }

    /**
     * The position of an order.
     *
     * @param order the order
     * @return its position
     */
    public static OrderPosition of(Order order) {
        return new OrderPosition(order.createdAt(), order.id());
    }

    /**
     * Whether an order comes strictly after this position in the listing order.
     *
     * @param order the order
     * @return true if it belongs to a later page
     */
    public boolean precedes(Order order) {
        return LISTING_ORDER.compare(this, of(order)) < 0;
    }
}
