package dev.orderkit.core;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One page of {@link OrderService#list(Scope, OrderFilter, PageRequest)}: the orders, newest first
 * ({@link Order#createdAt()} descending, ties by {@link Order#id()} descending), and the cursor of
 * the next page. Immutable and thread-safe.
 *
 * @param orders the orders of the page, at most the requested size
 * @param nextCursor the cursor of the next page ({@link PageRequest#after(String, int)}), or
 *     {@code null} if this is the last page
 */
public record OrderPage(List<Order> orders, @Nullable String nextCursor) {

    /** Copies the list. */
    public OrderPage {
        orders = List.copyOf(orders);
    }

    /**
     * The cursor of the next page.
     *
     * @return the cursor; empty on the last page
     */
    public Optional<String> next() {
        return Optional.ofNullable(nextCursor);
    }

    /**
     * Whether a next page may hold more orders.
     *
     * @return true if {@link #nextCursor()} is set
     */
    public boolean hasMore() {
        return nextCursor != null;
    }
}
