package dev.orderkit.core.spi;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.event.OrderKitEvent;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Storage of orders with compare-and-set updates. An implementation records the given events
 * atomically with the change (the JDBC backend writes them to an outbox in the same transaction;
 * the in-memory one hands them to its {@link EventSink} after the change).
 *
 * <p>Thread-safe and atomic across processes sharing the backend. Infrastructure failures are
 * thrown as {@link BackendUnavailableException}.
 */
public interface OrderStore {

    /**
     * Inserts the order if no order with its id exists.
     *
     * @param order the order (version 0)
     * @param events events to record with it
     * @return true if inserted, false if an order with the id already existed (nothing written)
     */
    boolean insert(Order order, List<OrderKitEvent> events);

    /**
     * Finds an order by id (any scope; core enforces scope visibility).
     *
     * @param orderId the id
     * @return the order, if present
     */
    Optional<Order> find(String orderId);

    /**
     * Finds the order placed with an idempotency key (any status), so a client that lost the
     * response to {@code place} can find out what happened without re-sending the payload. If the
     * key was purged and reused, the most recently created order.
     *
     * @param scope the scope the key belongs to
     * @param idempotencyKey the key
     * @return the order, if one was created with the key
     */
    Optional<Order> findByKey(String scope, String idempotencyKey);

    /**
     * Replaces the order if its stored version equals {@code expectedVersion}.
     *
     * @param order the new state (its version must be {@code expectedVersion + 1})
     * @param expectedVersion the version the caller read
     * @param events events to record with the change
     * @return true if updated, false if the version did not match (nothing written)
     */
    boolean update(Order order, long expectedVersion, List<OrderKitEvent> events);

    /**
     * Whether the events handed to {@link #insert} and {@link #update} go nowhere (e.g. an
     * in-memory store whose sink discards them), so a caller may pass an empty list instead of
     * building them. The default is false: a store that records events (an outbox) needs them.
     *
     * @return true if the events passed to this store are dropped unseen
     */
    default boolean discardsEvents() {
        return false;
    }

    /**
     * Finds orders in the given statuses last updated before {@code updatedBefore}, oldest first
     * (listings such as the parked orders, operations tools, tests).
     *
     * @param statuses statuses to match
     * @param updatedBefore upper bound (exclusive) of {@code updatedAt}
     * @param limit maximum number of orders
     * @return matching orders
     */
    List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit);

    /**
     * Finds the orders in the given statuses whose recovery is due: {@code
     * order.recovery().nextAttemptAt()} at or before {@code now}, earliest due first (ties by id).
     * The recovery sweep's only query; core decides everything else (claims by {@link #update}).
     *
     * <p>The default implementation is a fallback for stores written before this method existed:
     * it reads every order of the statuses through {@link #findStale} and filters them, which is
     * correct but costs a full read per call. A store should override it with a query over an
     * index by (status, next-attempt time) that reads only what it returns, as the built-in stores
     * do.
     *
     * @param statuses statuses to match
     * @param now upper bound (inclusive) of the next-attempt time
     * @param limit maximum number of orders
     * @return matching orders
     */
    default List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
        return findStale(statuses, Instant.MAX, Integer.MAX_VALUE).stream()
                .filter(o -> !o.recovery().nextAttemptAt().isAfter(now))
                .sorted(Comparator.comparing((Order o) -> o.recovery().nextAttemptAt())
                        .thenComparing(Order::id))
                .limit(limit)
                .toList();
    }

    /**
     * Counts the orders in the given statuses, counting no further than {@code atMost}: the backlog
     * of asynchronous placement ({@code OrderService.submit}), compared with its bound. The default
     * reads the orders through {@link #findStale}; a store should override it with a count over its
     * status index that stops at {@code atMost}.
     *
     * @param statuses statuses to count
     * @param atMost the count is exact up to this, and {@code atMost} when there are more
     * @return the number of matching orders, at most {@code atMost}
     */
    default int countInStatus(Set<OrderStatus> statuses, int atMost) {
        return findStale(statuses, Instant.MAX, atMost).size();
    }

    // ------------------------------------------------------------------ listing (OrderService#list)

    /**
     * Listing primitive of {@code OrderService.list}: up to {@code limit} orders of {@code scope}
     * that match {@code filter}, in the listing order of {@link OrderPosition} (newest first: created
     * time descending, ties by id descending), strictly after {@code after} if given. Core validates
     * the arguments, decodes the cursor into {@code after}, and asks for one order more than the
     * page size to learn whether there is a next page; it never asks for more than 501 orders.
     *
     * <p>Keyset semantics: an order's scope and creation time never change, so a listing resumed
     * after a position neither repeats nor skips an order that existed when it started, whatever is
     * inserted meanwhile. Orders whose status changes between pages are listed as their current
     * status matches the filter. A call is not a snapshot: each returned order is as of some instant
     * during the call, and it matches the filter at that instant.
     *
     * <p>The default implementation is a fallback for stores written before this method existed:
     * it reads every order through {@link #findStale} and filters and sorts them, which is correct
     * but costs a full read per page. A store should override it with a range scan of an index by
     * (scope, created time, id), and per status and per customer, that reads about what it returns,
     * as the built-in stores do.
     *
     * @param scope the scope whose orders are listed; orders of other scopes are never returned
     * @param filter statuses, customer reference and creation-time range to match
     * @param after the position of the last order of the previous page, or {@code null}
     * @param limit maximum number of orders, at least 1
     * @return the matching orders in listing order
     */
    default List<Order> list(String scope, OrderFilter filter, @Nullable OrderPosition after, int limit) {
        return findStale(EnumSet.allOf(OrderStatus.class), Instant.MAX, Integer.MAX_VALUE).stream()
                .filter(o -> o.scope().equals(scope) && filter.matches(o) && (after == null || after.precedes(o)))
                .sorted(Comparator.comparing(OrderPosition::of, OrderPosition.LISTING_ORDER))
                .limit(limit)
                .toList();
    }

    // ------------------------------------------------------------------ retention (OrderKit#purge)

    /**
     * Retention primitive: deletes up to {@code limit} recorded events that were published already
     * (an outbox's {@code SENT} rows) with a send time strictly before {@code olderThan}. Events
     * not yet published, or given up on, are never deleted. Idempotent; core calls it again while
     * it returns {@code limit}. The default deletes nothing (a store without an outbox has nothing
     * to purge).
     *
     * @param olderThan exclusive upper bound of the send times
     * @param limit maximum number deleted by this call, at least 1
     * @return the number deleted
     */
    default int purgeSentEvents(Instant olderThan, int limit) {
        return 0;
    }

    /**
     * Retention primitive: deletes an order if its stored version equals {@code expectedVersion}
     * (core deletes only terminal orders it handed to the application's archiver). Its events are
     * not touched.
     *
     * @param orderId the id
     * @param expectedVersion the version the caller read
     * @return true if deleted; false if the order is gone or has another version (nothing written)
     * @throws UnsupportedOperationException if the store cannot delete orders (the default)
     */
    default boolean delete(String orderId, long expectedVersion) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot delete orders");
    }
}
