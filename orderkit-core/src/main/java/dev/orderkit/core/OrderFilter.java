package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which orders of a scope {@link OrderService#list(Scope, OrderFilter, PageRequest)} returns. Every
 * part is optional and the parts combine with AND: {@code OrderFilter.all().withStatuses(CONFIRMED)
 * .withCustomer("c-42").createdBetween(from, to)}. Immutable and thread-safe.
 *
 * @param statuses the statuses to match; empty matches every status
 * @param customerRef the {@link Order#customerRef()} to match exactly, or {@code null} for any
 * @param createdFrom inclusive lower bound of {@link Order#createdAt()}, or {@code null}
 * @param createdTo exclusive upper bound of {@link Order#createdAt()}, or {@code null}
 */
public record OrderFilter(
        Set<OrderStatus> statuses,
        @Nullable String customerRef,
        @Nullable Instant createdFrom,
        @Nullable Instant createdTo) {

    private static final OrderFilter ALL = new OrderFilter(Set.of(), null, null, null);

    /**
     * Validates the filter and copies the statuses.
     *
     * @throws NullPointerException if {@code statuses} or one of its elements is null
     * @throws InvalidRequestException if {@code customerRef} is blank, longer than 128 characters or
     *     contains control characters ({@code customerRef}), or if {@code createdTo} is before
     *     {@code createdFrom} ({@code createdTo})
     */
    public OrderFilter {
        Check.notNull(statuses, "statuses");
        statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
        if (customerRef != null) {
            Check.identifier(customerRef, "customerRef", 128);
        }
        if (createdFrom != null && createdTo != null && createdTo.isBefore(createdFrom)) {
            throw new InvalidRequestException(
                    "createdTo", createdTo, "must not be before createdFrom (" + createdFrom + ")");
        }
    }

    /**
     * The filter that matches every order of the scope.
     *
     * @return the filter
     */
    public static OrderFilter all() {
        return ALL;
    }

    /**
     * A copy matching only the given statuses (none given: any status).
     *
     * @param first a status
     * @param more further statuses
     * @return the copy
     */
    public OrderFilter withStatuses(OrderStatus first, OrderStatus... more) {
        return withStatuses(EnumSet.of(first, more));
    }

    /**
     * A copy matching only the given statuses (empty: any status).
     *
     * @param matching the statuses
     * @return the copy
     * @throws NullPointerException if {@code matching} or an element is null
     */
    public OrderFilter withStatuses(Set<OrderStatus> matching) {
        return new OrderFilter(matching, customerRef, createdFrom, createdTo);
    }

    /**
     * A copy matching only the orders of one customer reference.
     *
     * @param customer the reference, as given to {@link PlaceOrderRequest#customerRef()}
     * @return the copy
     * @throws InvalidRequestException if the reference is blank, too long or has control characters
     */
    public OrderFilter withCustomer(String customer) {
        return new OrderFilter(statuses, Check.notNull(customer, "customerRef"), createdFrom, createdTo);
    }

    /**
     * A copy matching only orders created in {@code [from, to)}; either bound may be null (open).
     *
     * @param from inclusive lower bound, or {@code null}
     * @param to exclusive upper bound, or {@code null}
     * @return the copy
     * @throws InvalidRequestException if {@code to} is before {@code from}
     */
    public OrderFilter createdBetween(@Nullable Instant from, @Nullable Instant to) {
        return new OrderFilter(statuses, customerRef, from, to);
    }

    /**
     * Whether an order matches this filter (scope aside). Backends use it to check rows; callers
     * may use it to re-check a listed order.
     *
     * @param order the order
     * @return true if it matches every part
     */
    public boolean matches(Order order) {
        return (statuses.isEmpty() || statuses.contains(order.status()))
                && (customerRef == null || customerRef.equals(order.customerRef()))
                && (createdFrom == null || !order.createdAt().isBefore(createdFrom))
                && (createdTo == null || order.createdAt().isBefore(createdTo));
    }
}
